//! The `rpod` binary as a user runs it, as root, against real runc, conmon and CNI. Every test
//! has its own roots and network config dir; networked tests get their own bridge and subnet.

use std::path::Path;
use std::process::Command;

mod common;

use common::{R, ready, require};

#[test]
fn run_exit_codes_and_options() {
    if !ready() {
        return;
    }
    let r = R::new();
    assert_eq!(
        r.run(&["run", "--rm", "--network", "none", "busybox", "true"])
            .0,
        0
    );
    assert_eq!(
        r.run(&[
            "run",
            "--rm",
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            "exit 7"
        ])
        .0,
        7,
        "the container's own code"
    );
    let (code, _, err) = r.run(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "/no/such/cmd",
    ]);
    assert_eq!(code, 127, "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("Error: "), "{err}");
    assert_eq!(
        r.run(&["run", "--rm", "--network", "none", "busybox", "/etc/passwd"])
            .0,
        126
    );
    let envf = r.dir.path().join("env");
    std::fs::write(&envf, "# comment\nFROMFILE=yes\n").expect("env file");
    let host = r.dir.path().join("share");
    std::fs::create_dir(&host).expect("dir");
    std::fs::write(host.join("f"), "shared\n").expect("write");
    let vol = format!("{}:/share:ro", host.display());
    let out = r.ok(&[
        "run", "--rm", "--network", "none", "-e", "A=1", "--env-file", envf.to_str().expect("utf8"), "-w", "/tmp", "-u", "tester", "-h", "box", "-v", &vol, "--tmpfs", "/scratch", "busybox", "sh", "-c",
        "echo $A $FROMFILE; pwd; id -u; hostname; cat /share/f; touch /scratch/x && echo tmpfs-ok; touch /share/y 2>/dev/null || echo ro-ok",
    ]);
    assert_eq!(out, "1 yes\n/tmp\n1000\nbox\nshared\ntmpfs-ok\nro-ok\n");
    assert_eq!(
        r.ok(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "echo",
            "busybox",
            "from",
            "entrypoint"
        ]),
        "from entrypoint\n"
    );
    assert_eq!(
        r.run(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--read-only",
            "busybox",
            "touch",
            "/x"
        ])
        .0,
        1
    );
    // Detached, named, with limits, then inspected with podman's field names.
    let id = r.ok(&[
        "run",
        "-d",
        "--name",
        "lim",
        "--network",
        "none",
        "--memory",
        "64m",
        "--pids-limit",
        "50",
        "--stop-signal",
        "INT",
        "--stop-timeout",
        "3",
        "--label",
        "app=web",
        "busybox",
        "sleep",
        "1000",
    ]);
    assert_eq!(id.trim().len(), 64);
    let v: serde_json::Value = serde_json::from_str(&r.ok(&["inspect", "lim"])).expect("json");
    assert_eq!(v[0]["HostConfig"]["Memory"], 64 << 20);
    assert_eq!(v[0]["HostConfig"]["PidsLimit"], 50);
    assert_eq!(v[0]["Config"]["StopSignal"], 2);
    assert_eq!(v[0]["Config"]["Labels"]["app"], "web");
    assert_eq!(v[0]["State"]["Status"], "running");
    assert_eq!(
        r.ok(&[
            "inspect",
            "--format",
            "{{.Name}} {{.State.Running}} {{.HostConfig.PidsLimit}}",
            "lim"
        ]),
        "lim true 50\n"
    );
    let (code, _, err) = r.run(&[
        "run",
        "--name",
        "lim",
        "--network",
        "none",
        "busybox",
        "true",
    ]);
    assert_eq!(code, 125);
    assert!(err.contains("already in use"), "{err}");
    r.ok(&["rm", "-f", "lim"]);
}

#[test]
fn lifecycle_commands() {
    if !ready() {
        return;
    }
    let r = R::new();
    let id = r
        .ok(&[
            "create",
            "--name",
            "web",
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            "trap 'exit 143' TERM; echo started; echo err >&2; while true; do sleep 0.1; done",
        ])
        .trim()
        .to_string();
    assert_eq!(
        r.ok(&["ps", "-a", "--format", "{{.Names}} {{.State}}"]),
        "web Created\n"
    );
    r.ok(&["start", "web"]);
    assert!(
        r.ok(&["ps"]).contains("web"),
        "running containers are listed"
    );
    assert_eq!(r.ok(&["ps", "-q"]).trim(), &id[..12]);
    assert_eq!(r.ok(&["ps", "--no-trunc", "-q"]).trim(), id);
    r.ok(&["pause", "web"]);
    assert_eq!(
        r.ok(&["inspect", "-f", "{{.State.Status}}", "web"]),
        "paused\n"
    );
    r.ok(&["unpause", "web"]);
    assert_eq!(
        r.ok(&["exec", "web", "sh", "-c", "echo in-exec"]),
        "in-exec\n"
    );
    assert_eq!(r.run(&["exec", "web", "sh", "-c", "exit 3"]).0, 3);
    // top: podman's default columns; descriptors by name, comma list or AIX code; the
    // container's pid 1 is its shell; an unknown descriptor is refused, naming the known.
    let top = r.ok(&["top", "web"]);
    assert!(
        top.starts_with("USER") && top.contains("%CPU") && top.contains("ELAPSED"),
        "{top}"
    );
    let top = r.ok(&["top", "web", "pid,user", "%c", "seccomp"]);
    let first: Vec<&str> = top
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(first, ["1", "root", "sh", "filter"], "{top}");
    let top = r.ok(&["top", "--latest", "hpid", "args"]);
    assert!(
        top.starts_with("HPID") && top.contains("sh -c trap"),
        "{top}"
    );
    let (code, _, err) = r.run(&["top", "web", "bogus"]);
    assert_eq!(code, 125);
    assert!(err.contains("bogus") && err.contains("pcpu"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let logs = r.cmd(&["logs", "web"]);
    assert_eq!(String::from_utf8_lossy(&logs.stdout), "started\n");
    assert_eq!(String::from_utf8_lossy(&logs.stderr), "err\n");
    let ts = r.cmd(&["logs", "--timestamps", "--tail", "2", "web"]);
    assert!(
        String::from_utf8_lossy(&ts.stdout).starts_with("20")
            && String::from_utf8_lossy(&ts.stdout).contains("T"),
        "timestamps"
    );
    // cp in and out, diff, mount.
    let f = r.dir.path().join("in.txt");
    std::fs::write(&f, "copied in").expect("write");
    r.ok(&["cp", f.to_str().expect("utf8"), "web:/tmp/"]);
    assert_eq!(r.ok(&["exec", "web", "cat", "/tmp/in.txt"]), "copied in");
    let out = r.dir.path().join("out");
    r.ok(&["cp", "web:/etc/passwd", out.to_str().expect("utf8")]);
    assert!(
        std::fs::read_to_string(&out)
            .expect("out")
            .starts_with("root:")
    );
    assert!(r.ok(&["diff", "web"]).contains("A /tmp/in.txt"));
    let mp = r.ok(&["mount", "web"]);
    assert!(Path::new(mp.trim()).join("bin/busybox").exists());
    r.ok(&["unmount", "web"]);
    r.ok(&["kill", "-s", "TERM", "web"]);
    assert_eq!(r.ok(&["wait", "web"]), "143\n");
    r.ok(&["restart", "web"]);
    assert_eq!(r.ok(&["inspect", "-f", "{{.RestartCount}}", "web"]), "1\n");
    r.ok(&["stop", "-t", "1", "web"]);
    assert!(
        r.ok(&[
            "ps",
            "-a",
            "--filter",
            "status=exited",
            "--format",
            "{{.Names}}"
        ])
        .contains("web")
    );
    assert_eq!(r.ok(&["ps", "-a", "--filter", "name=nomatch", "-q"]), "");
    let tar = r.dir.path().join("web.tar");
    r.ok(&["export", "-o", tar.to_str().expect("utf8"), "web"]);
    assert!(std::fs::metadata(&tar).expect("tar").len() > 1_000_000);
    r.ok(&["rm", "web"]);
    let (code, _, err) = r.run(&["rm", "web"]);
    assert_eq!(code, 1, "podman's code for a container not found");
    assert!(
        err.contains("no container with name or ID \"web\""),
        "{err}"
    );
    assert_eq!(r.run(&["start", "--no-such-flag"]).0, 125);
    // rm -f -t 0 kills at once a container that ignores its stop signal, whose own stop
    // timeout (600 s) would outlast the 60 s allowed here.
    r.ok(&[
        "run",
        "-d",
        "--name",
        "stubborn",
        "--stop-timeout",
        "600",
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        "trap '' TERM; while true; do sleep 0.1; done",
    ]);
    let rm = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_rpod"))
        .args(common::roots(r.dir.path()))
        .args(["rm", "-f", "-t", "0", "stubborn"])
        .output()
        .expect("timeout");
    assert!(rm.status.success(), "{rm:?}");
    assert_eq!(r.ok(&["ps", "-a", "-q"]), "");
}

#[test]
fn images_import_save_load_tag() {
    if !ready() {
        return;
    }
    let r = R::new();
    assert!(r.ok(&["images"]).contains("localhost/busybox"));
    let tar = r.dir.path().join("bb.tar");
    let mut f = std::fs::File::create(&tar).expect("tar");
    libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut f).expect("tarball");
    r.ok(&[
        "import",
        "--change",
        "CMD [\"echo\", \"from-cmd\"]",
        "--change",
        "ENV GREETING=hi",
        tar.to_str().expect("utf8"),
        "withcmd",
    ]);
    assert_eq!(
        r.ok(&["run", "--rm", "--network", "none", "withcmd"]),
        "from-cmd\n"
    );
    assert_eq!(
        r.ok(&[
            "run",
            "--rm",
            "--network",
            "none",
            "withcmd",
            "sh",
            "-c",
            "echo $GREETING"
        ]),
        "hi\n"
    );
    r.ok(&["tag", "withcmd", "other:v2"]);
    assert!(
        r.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
            .contains("localhost/other:v2")
    );
    // images: reference filters list the names they match, without a header if asked;
    // --digests adds the digest column; -q --no-trunc gives full IDs.
    let rows = r.ok(&[
        "images",
        "--noheading",
        "--filter",
        "reference=oth*",
        "--format",
        "table {{.Repository}}:{{.Tag}}",
    ]);
    assert_eq!(rows.trim(), "localhost/other:v2");
    let table = r.ok(&["images", "--digests", "--filter", "reference=other:v2"]);
    let mut lines = table.lines();
    assert!(
        lines.next().is_some_and(|h| h.contains("DIGEST")),
        "{table}"
    );
    assert!(
        lines.next().is_some_and(|l| l.contains("sha256:")),
        "{table}"
    );
    assert_eq!(lines.next(), None, "{table}");
    let full = r.ok(&[
        "images",
        "-q",
        "--no-trunc",
        "--filter",
        "reference=other:v2",
    ]);
    assert!(
        full.trim().starts_with("sha256:") && full.trim().len() == 71,
        "{full}"
    );
    let ids = r.ok(&[
        "images",
        "--no-trunc",
        "--format",
        "{{.ID}}",
        "--filter",
        "reference=other:v2",
    ]);
    assert_eq!(ids.trim(), full.trim());
    // Several reference= filters: any of them; dangling=true lists untagged images alone.
    let both = r.ok(&[
        "images",
        "--format",
        "{{.Repository}}",
        "-f",
        "reference=other",
        "-f",
        "reference=withcmd",
    ]);
    assert_eq!(both.lines().count(), 2, "{both}");
    assert!(
        r.ok(&["images", "-q", "--filter", "dangling=true"])
            .trim()
            .is_empty()
    );
    let dangling = r.ok(&[
        "import",
        "-q",
        "--change",
        "ENV X=1",
        tar.to_str().expect("utf8"),
    ]);
    let listed = r.ok(&["images", "-q", "--no-trunc", "--filter", "dangling=true"]);
    let id = dangling.trim().trim_start_matches("sha256:");
    assert_eq!(listed.trim(), format!("sha256:{id}"));
    let (code, _, err) = r.run(&["images", "--filter", "color=blue"]);
    assert!(
        code == 125 && err.contains("unsupported key \"color\""),
        "{err}"
    );
    let listed = r.ok(&["image", "list", "--noheading", "-f", "reference=withcmd"]);
    assert!(
        listed.contains("withcmd") && !listed.contains("other"),
        "{listed}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&r.ok(&["image", "inspect", "other:v2"])).expect("json");
    assert_eq!(v[0]["Config"]["Env"][0], "GREETING=hi");
    for fmt in ["docker-archive", "oci-archive"] {
        let out = r.dir.path().join(format!("{fmt}.tar"));
        r.ok(&[
            "save",
            "--format",
            fmt,
            "-o",
            out.to_str().expect("utf8"),
            "other:v2",
        ]);
        r.ok(&["image", "untag", "other:v2", "localhost/other:v2"]);
        let loaded = r.ok(&["load", "-i", out.to_str().expect("utf8")]);
        assert!(loaded.contains("localhost/other:v2"), "{fmt}: {loaded}");
    }
    let (code, _, err) = r.run(&["rmi", "no-such-image"]);
    assert_eq!(code, 1, "podman's code for an image not found");
    assert!(err.contains("image not known"), "{err}");
    r.ok(&["create", "--network", "none", "--name", "user", "withcmd"]);
    // By ID: an image a container uses is refused, naming the container; forced, both go.
    let id = r
        .ok(&["image", "inspect", "--format", "{{.Id}}", "withcmd"])
        .trim()
        .to_string();
    let (code, _, err) = r.run(&["rmi", &id]);
    assert!(code == 2 && err.contains("in use"), "{err}");
    r.ok(&["rmi", "-f", &id]);
    assert_eq!(
        r.run(&["inspect", "user"]).0,
        125,
        "forced image removal removed its container"
    );
    r.ok(&["image", "prune", "-a", "-f"]);
    assert!(!r.ok(&["images"]).contains("busybox"));
}

#[test]
fn pods_networks_and_published_ports() {
    if !ready() || !require("CNI plugins", Path::new("/usr/lib/cni/bridge").exists()) {
        return;
    }
    let r = R::new();
    let net = r.network();
    assert!(r.ok(&["network", "ls"]).contains(&net));
    let v: serde_json::Value =
        serde_json::from_str(&r.ok(&["network", "inspect", &net])).expect("json");
    assert_eq!(v[0]["subnets"][0]["subnet"], format!("10.232.{}.0/24", r.k));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let publish = format!("127.0.0.1:{port}:80");
    r.ok(&[
        "pod",
        "create",
        "--name",
        "webpod",
        "--network",
        &net,
        "-p",
        &publish,
    ]);
    r.ok(&[
        "run", "-d", "--pod", "webpod", "--name", "httpd", "busybox", "httpd", "-f", "-p", "80",
        "-h", "/var/www",
    ]);
    assert!(r.ok(&["pod", "ps"]).contains("webpod"));
    // A member shows the pod's published port, as in podman.
    assert_eq!(
        r.ok(&["ps", "--filter", "name=httpd", "--format", "{{.Ports}}"]),
        format!("127.0.0.1:{port}->80/tcp\n")
    );
    assert_eq!(
        r.ok(&[
            "pod",
            "ps",
            "--format",
            "{{.Name}} {{.Status}} {{.NumberOfContainers}}"
        ]),
        "webpod Running 2\n"
    );
    let mut body = String::new();
    for _ in 0..50 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(3)));
            let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
            let _ = s.read_to_string(&mut body);
            if body.contains("hello from libpod-rs") {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        body.contains("hello from libpod-rs"),
        "no page on 127.0.0.1:{port}: {body:?}"
    );
    let (code, _, err) = r.run(&["network", "rm", &net]);
    assert!(code == 2 && err.contains("being used"), "{err}");
    r.ok(&["pod", "stop", "webpod"]);
    assert_eq!(r.ok(&["pod", "ps", "--format", "{{.Status}}"]), "Exited\n");
    let v: serde_json::Value =
        serde_json::from_str(&r.ok(&["pod", "inspect", "webpod"])).expect("json");
    // One pod: one object, as podman prints it.
    assert_eq!(v["NumContainers"], 2);
    r.ok(&["pod", "rm", "-f", "webpod"]);
    assert_eq!(r.ok(&["ps", "-a", "-q"]), "");
    r.ok(&["network", "rm", &net]);
}

#[test]
fn system_info_version_completion_and_cleanup_hook() {
    if !ready() {
        return;
    }
    let r = R::new();
    assert_eq!(
        r.ok(&["info", "--format", "{{.host.ociRuntime.name}}"]),
        "runc\n"
    );
    let v: serde_json::Value =
        serde_json::from_str(&r.ok(&["info", "--format", "json"])).expect("json");
    // Without --format, podman's YAML-style report.
    assert!(r.ok(&["info"]).contains("\nstore:\n"));
    assert_eq!(v["store"]["images"], 1);
    assert!(r.ok(&["version"]).contains("Version:"));
    assert!(r.ok(&["completion", "bash"]).contains("rpod"));
    assert!(r.ok(&["completion", "zsh"]).contains("rpod"));
    assert!(r.ok(&["completion", "fish"]).contains("rpod"));
    for sub in [
        &["run", "--help"][..],
        &["pod", "create", "--help"],
        &["ps", "--help"],
    ] {
        assert!(r.ok(sub).contains("Example:"), "{sub:?} has an example");
    }
    // conmon's exit command runs `rpod container cleanup`: a detached --rm container removes itself.
    r.ok(&[
        "run",
        "-d",
        "--rm",
        "--network",
        "none",
        "--name",
        "selfremove",
        "busybox",
        "true",
    ]);
    let mut gone = false;
    for _ in 0..100 {
        if !r
            .ok(&["ps", "-a", "--format", "{{.Names}}"])
            .contains("selfremove")
        {
            gone = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(gone, "the exit command removed the container");
    r.ok(&[
        "run",
        "--network",
        "none",
        "--name",
        "keep",
        "busybox",
        "true",
    ]);
    let (code, out, _) = r.run(&["system", "migrate", "--new-state-backend", "redb"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = r.run(&[
        "--state-backend",
        "redb",
        "ps",
        "-a",
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(code, 0, "{err}");
    let debug = r.cmd(&[
        "--log-level",
        "debug",
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "true",
    ]);
    let dbg = String::from_utf8_lossy(&debug.stderr);
    assert!(
        dbg.contains("runtime") && dbg.contains("create") && dbg.contains("ms="),
        "{dbg}"
    );
    r.ok(&["system", "prune", "--force"]);
    assert_eq!(r.ok(&["ps", "-a", "-q"]), "");
    r.ok(&["system", "reset", "--force"]);
    assert!(!r.ok(&["images"]).contains("busybox"));
}

#[test]
fn a_container_terminal_gets_the_host_terminal_size() {
    if !ready() || !require("script (bsdutils)", Path::new("/usr/bin/script").exists()) {
        return;
    }
    let r = R::new();
    let rpod = format!(
        "{} {}",
        env!("CARGO_BIN_EXE_rpod"),
        common::roots(r.dir.path()).join(" ")
    );
    // `script` gives rpod a terminal of 30 rows and 100 columns; the container's terminal
    // must report the same, follow a resize while it runs (rpod is in the terminal's process
    // group, so it gets the SIGWINCH), and the host terminal must leave raw mode afterwards.
    // `exec -t` gets a terminal of the same size; without `-t`, none. (Under load, runc's
    // terminal for exec was once not ready for the first `stty`: up to three tries.)
    let o = Command::new("/usr/bin/script")
        .args(["-qc"])
        .arg(format!(
            "stty rows 30 cols 100; {rpod} run --rm -t --network none busybox sh -c 'tty; stty size'; \
             {rpod} run --rm -it --network none busybox true; \
             {rpod} run --rm -t --network none busybox sh -c 'sleep 1.5; echo resized $(stty size)' & \
             sleep 0.7; stty rows 40 cols 120; wait; \
             {rpod} run -d --name ex --network none busybox sleep 60 >/dev/null; \
             for i in 1 2 3; do {rpod} exec -t ex sh -c 's=$(stty size) && echo exec $(tty) $s' && break; done; \
             {rpod} exec ex sh -c 'tty || true'; \
             {rpod} rm -f -t 0 ex >/dev/null; stty -a"
        ))
        .arg("/dev/null")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("/dev/pts/"), "{out}");
    assert!(out.contains("30 100"), "{out}");
    assert!(out.contains("resized 40 120"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("exec /dev/pts/") && l.trim_end().ends_with(" 40 120")),
        "{out}"
    );
    assert!(out.contains("not a tty"), "{out}");
    assert!(out.contains(" icanon") && out.contains(" echo"), "{out}");
}
