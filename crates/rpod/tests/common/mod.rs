//! What the rpod test suites share: skips outside CI, rpod with roots of a test's own.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU8, Ordering};

pub mod podman;
pub mod registry;

/// True when `ok`; otherwise a failure in CI and a noted skip elsewhere.
pub fn require(what: &str, ok: bool) -> bool {
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI: {what} is required but missing (run `cargo xtask setup`)"
        );
        eprintln!("skipping: {what} is missing (run `cargo xtask setup`)");
    }
    ok
}

/// Root, runc, conmon and busybox-static: what every container test needs.
pub fn ready() -> bool {
    require("root", nix::unistd::geteuid().is_root())
        && require(
            "runc and conmon",
            Path::new("/usr/sbin/runc").exists() && Path::new("/usr/bin/conmon").exists(),
        )
        && require("busybox-static", Path::new("/bin/busybox").exists())
}

/// The global flags that give rpod roots under `dir`.
pub fn roots(dir: &Path) -> Vec<String> {
    [
        ("--root", "root"),
        ("--runroot", "run"),
        ("--network-config-dir", "net.d"),
    ]
    .iter()
    .flat_map(|(flag, sub)| [flag.to_string(), dir.join(sub).display().to_string()])
    .collect()
}

/// `rpod` with roots under `dir`.
pub fn rpod(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rpod"));
    // The test's own containers.conf (if it wrote one), never the host's podman files.
    c.env("CONTAINERS_CONF", dir.join("containers.conf"));
    c.args(roots(dir));
    c
}

/// The containers.conf the podman reference runs with; rpod's tests use the same, so both
/// start from the same defaults.
pub const REFERENCE_CONTAINERS_CONF: &str = "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n\
     [engine]\nevents_logger = \"file\"\n";

/// Asserts that `rpod args` succeeded; returns its stdout.
pub fn stdout_of(o: Output, args: &[&str]) -> String {
    assert!(
        o.status.success(),
        "rpod {args:?} failed ({}): {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

static NEXT: AtomicU8 = AtomicU8::new(0);

/// A number of this test's own (its networks and subnets are named after it).
pub fn next_k() -> u8 {
    NEXT.fetch_add(1, Ordering::SeqCst) + 10 + (std::process::id() % 40) as u8
}

/// A test's own roots (removed with `system reset` when dropped).
pub struct R {
    /// The directory holding the roots.
    pub dir: tempfile::TempDir,
    /// This test's number, for its network and subnet.
    pub k: u8,
}

/// The containers.conf for a network backend (`None`: chosen as the tool does) with a
/// default network of test `k`'s own (netavark names firewall chains after networks, and
/// every store on a host would otherwise share one default bridge and subnet).
pub fn containers_conf(backend: Option<&str>, k: u8, tool: &str) -> String {
    let b = backend.map_or(String::new(), |b| format!("network_backend = \"{b}\"\n"));
    let (name, third) = default_network(k, tool);
    format!(
        "{REFERENCE_CONTAINERS_CONF}[network]\n{b}default_network = \"{name}\"\ndefault_subnet = \"10.{third}.{k}.0/24\"\n"
    )
}

/// The name and subnet's third octet of test `k`'s default network for `tool`.
pub fn default_network(k: u8, tool: &str) -> (String, u8) {
    match tool {
        "podman" => (format!("pd{k}-{}", std::process::id() % 1000), 229),
        _ => (format!("rd{k}-{}", std::process::id() % 1000), 230),
    }
}

/// Runs a test body once per network backend, as `NAME::cni` and `NAME::netavark`:
/// `both_backends!(fn NAME(backend) { ... })`, the body seeing `backend: &'static str`.
#[macro_export]
macro_rules! both_backends {
    ($(#[$m:meta])* fn $name:ident($b:ident) $body:block) => {
        $(#[$m])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($b: &'static str) $body
            #[test]
            fn cni() {
                if common::require("CNI plugins", std::path::Path::new("/usr/lib/cni/bridge").exists()) {
                    body("cni")
                }
            }
            #[test]
            fn netavark() {
                if common::require("netavark", std::path::Path::new("/usr/lib/podman/netavark").exists()) {
                    body("netavark")
                }
            }
        }
    };
}

impl R {
    /// Roots of its own, with the busybox image imported as `busybox`.
    pub fn new() -> R {
        Self::on(None)
    }

    /// Roots of its own on a network backend (`None`: chosen as podman does), with busybox.
    pub fn on(backend: Option<&str>) -> R {
        let dir = tempfile::tempdir().expect("tmp");
        let k = next_k();
        std::fs::write(
            dir.path().join("containers.conf"),
            containers_conf(backend, k, "rpod"),
        )
        .expect("containers.conf");
        let r = R { dir, k };
        let tar = r.dir.path().join("busybox.tar");
        let mut f = std::fs::File::create(&tar).expect("tar");
        libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut f)
            .expect("tarball");
        r.ok(&["import", tar.to_str().expect("utf8"), "busybox"]);
        r
    }

    /// A bridge network of this test's own: `net<k>` on 10.232.k.0/24.
    pub fn network(&self) -> String {
        let name = format!("net{}", self.k);
        self.ok(&[
            "network",
            "create",
            "--subnet",
            &format!("10.232.{}.0/24", self.k),
            "--interface-name",
            &format!("rpc{}-{}", self.k, std::process::id() % 1000),
            &name,
        ]);
        name
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        rpod(self.dir.path()).args(args).output().expect("run rpod")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        stdout_of(self.cmd(args), args)
    }

    /// Runs; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o = self.cmd(args);
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
}

impl R {
    /// What this test's networking left behind: netns files, address leases, aardvark-dns,
    /// dnsmasq, slirp4netns or pasta processes under its run dir, and firewall rules or links naming `subnets`
    /// or `bridges`. Empty when teardown was complete.
    pub fn leaks(&self, subnets: &[String], bridges: &[String]) -> Vec<String> {
        let dir = self.dir.path().display().to_string();
        let mut v = Vec::new();
        for e in walk(self.dir.path()) {
            let p = e.display().to_string();
            let lease = (p.contains("/network/ipam/")
                && e.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.contains('.') && n.split('.').count() == 4 || n.contains(':')
                }))
                || (p.contains("/network/netavark-ipam/") && p.ends_with(".json"));
            if lease || p.contains("/network/netns/") {
                v.push(format!("left: {p}"));
            }
        }
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            if let Ok(c) = std::fs::read(e.path().join("cmdline")) {
                let c = String::from_utf8_lossy(&c).replace('\0', " ");
                let helper = ["aardvark-dns", "dnsmasq", "slirp4netns", "pasta"];
                if helper.iter().any(|h| c.contains(h)) && c.contains(&dir) {
                    v.push(format!("process: {c}"));
                }
            }
        }
        let mut rules = String::new();
        for table in ["filter", "nat"] {
            if let Ok(o) = std::process::Command::new("iptables")
                .args(["-t", table, "-S"])
                .output()
            {
                rules.push_str(&String::from_utf8_lossy(&o.stdout));
            }
        }
        for s in subnets {
            for l in rules.lines().filter(|l| l.contains(s.as_str())) {
                v.push(format!("rule: {l}"));
            }
        }
        for b in bridges {
            if std::path::Path::new("/sys/class/net")
                .join(b)
                .join("brif")
                .read_dir()
                .is_ok_and(|mut d| d.next().is_some())
            {
                v.push(format!("veth on bridge {b}"));
            }
        }
        v
    }
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
        let p = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && !p.ends_with("overlay") && !p.ends_with("overlay-layers") {
            out.extend(walk(&p));
        } else if !is_dir {
            out.push(p);
        }
    }
    out
}

/// The body of `GET /i` from 127.0.0.1:`port` once it holds `hello`, trying `tries` times a
/// tenth of a second apart; empty when it never does.
pub fn fetch(port: u16, tries: u32) -> String {
    use std::io::{Read, Write};
    for _ in 0..tries {
        let mut body = String::new();
        if let Ok(mut s) = std::net::TcpStream::connect_timeout(
            &([127, 0, 0, 1], port).into(),
            std::time::Duration::from_millis(500),
        ) {
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let _ = s.write_all(b"GET /i HTTP/1.0\r\n\r\n");
            let _ = s.read_to_string(&mut body);
        }
        if body.contains("hello") {
            return body;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    String::new()
}

impl Drop for R {
    fn drop(&mut self) {
        let _ = self.cmd(&["system", "reset", "--force"]);
        let _ = self.cmd(&["network", "rm", "--force", &format!("net{}", self.k)]);
        // CNI's bridge plugin never removes the default network's bridge.
        let (bridge, _) = default_network(self.k, "rpod");
        let _ = std::process::Command::new("ip")
            .args(["link", "delete", &bridge])
            .output();
    }
}
