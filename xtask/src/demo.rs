//! `cargo xtask demo`, the README's main command: on a fresh machine, install what is missing,
//! build rpod, build a busybox image and import it, run a container that greets, serve a page
//! from a pod with a port published on 127.0.0.1 and fetch it, show `ps` and `pod ps`, and clean
//! everything up. It works in a root of its own, so it never touches an existing installation.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, run};

struct Rpod {
    bin: PathBuf,
    dir: PathBuf,
}

impl Rpod {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        // A default network of the demo's own, so a real installation's is never shared.
        c.env("CONTAINERS_CONF", self.dir.join("containers.conf"));
        c.arg("--root")
            .arg(self.dir.join("root"))
            .arg("--runroot")
            .arg(self.dir.join("run"))
            .arg("--network-config-dir")
            .arg(self.dir.join("net.d"))
            .args(args);
        c
    }

    /// Runs a step, showing it as a user would type it.
    fn show(&self, args: &[&str]) -> Result<()> {
        println!("\n$ rpod {}", args.join(" "));
        run(&mut self.cmd(args))
    }
}

fn fetch(port: u16) -> Result<String> {
    let mut last = String::new();
    for _ in 0..50 {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(mut s) => {
                s.set_read_timeout(Some(Duration::from_secs(5)))?;
                s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
                let mut body = String::new();
                let _ = s.read_to_string(&mut body);
                if body.contains("Hello") {
                    return Ok(body);
                }
                last = body;
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("no page from 127.0.0.1:{port}: {last}")
}

/// The demo's default network (its bridge: the name and a 0).
const DEMO_NET: &str = "rpod-demo";

/// The demo.
pub fn demo() -> Result<()> {
    crate::setup::setup()?;
    run(cargo().args(["build", "--release", "-p", "rpod"]))?;
    let dir = std::env::temp_dir().join(format!("rpod-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    std::fs::write(
        dir.join("containers.conf"),
        format!(
            "[network]\ndefault_network = \"{DEMO_NET}\"\ndefault_subnet = \"10.131.254.0/24\"\n"
        ),
    )?;
    let rpod = Rpod {
        bin: crate::util::target_dir().join("release/rpod"),
        dir: dir.clone(),
    };
    let result = steps(&rpod, &dir);
    println!("\n# cleaning up");
    let _ = rpod.show(&["pod", "rm", "--force", "demo"]);
    let _ = rpod.show(&["system", "reset", "--force"]);
    // The default network lives in memory; its bridge is the demo's own.
    let _ = Command::new("ip")
        .args(["link", "delete", &format!("{DEMO_NET}0")])
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn steps(rpod: &Rpod, dir: &Path) -> Result<()> {
    let tar = dir.join("busybox.tar");
    println!("# building a busybox image from the host's busybox-static");
    crate::image::busybox_tarball(dir, &tar)?;
    rpod.show(&[
        "import",
        "--change",
        "CMD [\"sh\"]",
        tar.to_str().unwrap_or_default(),
        "busybox",
    ])?;
    rpod.show(&["images"])?;
    rpod.show(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "echo",
        "Hello from libpod-rs!",
    ])?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let publish = format!("127.0.0.1:{port}:80");
    rpod.show(&["pod", "create", "--name", "demo", "-p", &publish])?;
    rpod.show(&[
        "run", "-d", "--pod", "demo", "--name", "web", "busybox", "httpd", "-f", "-p", "80", "-h",
        "/var/www",
    ])?;
    println!("\n$ curl http://127.0.0.1:{port}/");
    let page = fetch(port)?;
    println!("{}", page.split("\r\n\r\n").nth(1).unwrap_or(&page).trim());
    rpod.show(&["ps"])?;
    rpod.show(&["pod", "ps"])?;
    rpod.show(&["ps", "-a", "--format", "{{.Names}}\\t{{.Status}}"])?;
    println!("\ndemo: all steps passed");
    Ok(())
}
