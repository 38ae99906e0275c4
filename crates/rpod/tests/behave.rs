//! Issue 15: rpod answers as podman 4.3.1 does. Where the output is the point the same
//! commands run on both (podman with roots of its own) and must print the same.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::podman::Podman;
use common::{R, ready};

/// Waits for `child` until `deadline`; kills it and fails the test if it is still running.
fn wait_until(child: &mut Child, secs: u64, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn rpod_cmd(r: &R, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rpod"));
    c.args(common::roots(r.dir.path())).args(args);
    c
}

#[test]
fn piped_stdin_ends_and_the_container_with_it() {
    if !ready() {
        return;
    }
    let r = R::new();
    for args in [
        &["run", "--rm", "-i", "--network", "none", "busybox", "cat"][..],
        &[
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            "busybox",
            "wc",
            "-c",
        ][..],
    ] {
        let mut child = rpod_cmd(&r, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"abc\n")
            .expect("write");
        let st = wait_until(&mut child, 20, "run -i with piped stdin");
        assert!(st.success(), "{args:?}: {st}");
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().expect("out"), &mut out)
            .expect("read");
        assert!(out == "abc\n" || out.trim() == "4", "{args:?}: {out:?}");
    }
    // exec -i too.
    r.ok(&[
        "run",
        "-d",
        "--name",
        "ex",
        "--network",
        "none",
        "busybox",
        "sleep",
        "100",
    ]);
    let mut child = rpod_cmd(&r, &["exec", "-i", "ex", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"xyz")
        .expect("write");
    assert!(wait_until(&mut child, 20, "exec -i").success());
}

#[test]
fn signals_to_a_foreground_run_reach_the_container() {
    if !ready() {
        return;
    }
    let r = R::new();
    let script = "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done";
    let mut child = rpod_cmd(
        &r,
        &[
            "run",
            "--name",
            "sig",
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            script,
        ],
    )
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready line");
    assert_eq!(line, "ready\n");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("kill");
    let st = wait_until(&mut child, 20, "run after SIGTERM");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("rest");
    assert!(rest.contains("got TERM"), "{rest:?}");
    assert_eq!(st.code(), Some(7), "run exits with the container's code");
    // --sig-proxy=false: rpod itself ends, the container goes on.
    let mut child = rpod_cmd(
        &r,
        &[
            "run",
            "--sig-proxy=false",
            "--name",
            "nosig",
            "--network",
            "none",
            "busybox",
            "sleep",
            "100",
        ],
    )
    .spawn()
    .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !r.ok(&["ps", "--format", "{{.Names}}"]).contains("nosig") {
        assert!(Instant::now() < deadline, "nosig never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(r.ok(&["ps", "--format", "{{.Names}}"]).contains("nosig"));
}

#[test]
fn exit_codes_of_exec_and_users() {
    if !ready() {
        return;
    }
    let r = R::new();
    r.ok(&[
        "run",
        "-d",
        "--name",
        "e",
        "--network",
        "none",
        "busybox",
        "sleep",
        "100",
    ]);
    assert_eq!(r.run(&["exec", "e", "nosuchcmd"]).0, 127);
    assert_eq!(r.run(&["exec", "e", "/etc/passwd"]).0, 126);
    assert_eq!(r.run(&["exec", "e", "/nosuch/path"]).0, 127);
    let (code, _, err) = r.run(&["exec", "e", "nosuchcmd"]);
    assert_eq!(code, 127);
    assert!(!err.contains("level=error"), "{err}");
    r.ok(&["stop", "-t", "0", "e"]);
    assert_eq!(r.run(&["exec", "e", "true"]).0, 255);
    assert_eq!(
        r.run(&[
            "run",
            "--rm",
            "--network",
            "none",
            "-u",
            "nosuch",
            "busybox",
            "true"
        ])
        .0,
        126
    );
    // A second `start -a` shows the new run's output.
    r.ok(&[
        "create",
        "--name",
        "again",
        "--network",
        "none",
        "busybox",
        "echo",
        "hi",
    ]);
    assert_eq!(r.ok(&["start", "-a", "again"]), "hi\n");
    assert_eq!(r.ok(&["start", "-a", "again"]), "hi\n");
}

/// `args` run by both tools must print the same (stdout) and exit alike.
fn same(r: &R, pm: &Podman, args: &[&str]) {
    let a = r.cmd(args);
    let b = pm.cmd(args);
    assert_eq!(
        (b.status.code(), String::from_utf8_lossy(&b.stdout)),
        (a.status.code(), String::from_utf8_lossy(&a.stdout)),
        "{args:?}: podman (left) and rpod (right) differ; rpod stderr: {}",
        String::from_utf8_lossy(&a.stderr)
    );
}

#[test]
fn inside_the_container_as_podman() {
    if !ready() {
        return;
    }
    let Some(pm) = Podman::new() else { return };
    let r = R::new();
    pm.import(&r.dir.path().join("busybox.tar"));
    let run = |extra: &[&str], script: &str| -> Vec<String> {
        let mut v: Vec<String> = [
            "run",
            "--rm",
            "--network",
            "none",
            "--hostname",
            "h",
            "--name",
            "n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v.extend(
            ["busybox", "sh", "-c", script]
                .iter()
                .map(|s| s.to_string()),
        );
        v
    };
    let cases: Vec<Vec<String>> = vec![
        // Capabilities (podman 4.3's default set) and the environment.
        run(&[], "grep Cap /proc/self/status; env | sort | grep -v ^PWD"),
        run(
            &["-e", "RPOD_SURELY_UNSET_VAR", "-e", "A=1"],
            "env | grep -c RPOD_SURELY; env | grep ^A=",
        ),
        // Users: named, numeric with and without a group.
        run(
            &["-u", "1234:5678"],
            "id; whoami; tail -1 /etc/passwd; tail -1 /etc/group",
        ),
        run(&["-u", "1234"], "id; tail -1 /etc/passwd"),
        // The container's own /sys and /etc/hosts.
        run(&[], "ls /sys/class/net; cat /etc/hosts; cat /etc/hostname"),
        run(&["--privileged"], "echo privileged ok"),
    ];
    for c in &cases {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        same(&r, &pm, &args);
    }
    // A created container's status.
    for tool in [
        &r.cmd(&["create", "--name", "cr", "busybox", "true"]),
        &pm.cmd(&["create", "--name", "cr", "busybox", "true"]),
    ] {
        assert!(tool.status.success());
    }
    same(&r, &pm, &["inspect", "--format", "{{.State.Status}}", "cr"]);
    same(&r, &pm, &["ps", "-a", "--format", "{{.Names}} {{.State}}"]);
}

/// Runs `args` on both; returns (podman, rpod) outputs.
fn both(r: &R, pm: &Podman, args: &[&str]) -> (std::process::Output, std::process::Output) {
    (pm.cmd(args), r.cmd(args))
}

/// The two tools with the busybox image, for the differential tests below.
fn pair() -> Option<(R, Podman)> {
    if !ready() {
        return None;
    }
    let pm = Podman::new()?;
    let r = R::new();
    pm.import(&r.dir.path().join("busybox.tar"));
    Some((r, pm))
}

#[test]
fn exit_codes_of_removals_and_errors_as_podman() {
    let Some((r, pm)) = pair() else { return };
    for args in [
        &[
            "run",
            "-d",
            "--name",
            "up",
            "--network",
            "none",
            "busybox",
            "sleep",
            "100",
        ][..],
        &[
            "create",
            "--name",
            "idle",
            "--network",
            "none",
            "busybox",
            "true",
        ][..],
    ] {
        let (a, b) = both(&r, &pm, args);
        assert!(a.status.success() && b.status.success(), "{args:?}");
    }
    let cases: &[&[&str]] = &[
        &["rm", "nosuch"],
        &["rm", "-f", "nosuch"],
        &["rm", "up"],
        &["rmi", "nosuch"],
        &["rmi", "-f", "nosuch"],
        &["rmi", "busybox"],
        &["pod", "rm", "nosuch"],
        &["pod", "rm", "-f", "nosuch"],
        &["network", "rm", "nosuch"],
        &["logs", "--since", "bogus", "idle"],
        &["exec", "idle", "true"],
        &["inspect", "--format", "{{.Name}}", "idle", "nosuch"],
        &["rm", "idle", "nosuch"],
    ];
    for args in cases {
        let (p, o) = both(&r, &pm, args);
        assert_eq!(
            (p.status.code(), String::from_utf8_lossy(&p.stdout)),
            (o.status.code(), String::from_utf8_lossy(&o.stdout)),
            "{args:?}: podman (left) and rpod (right); rpod said {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if p.stderr.is_empty() {
            assert!(
                o.stderr.is_empty(),
                "{args:?}: rpod printed {}",
                String::from_utf8_lossy(&o.stderr)
            );
        } else {
            // One error line each, not the same error twice.
            let lines = String::from_utf8_lossy(&o.stderr).lines().count();
            assert_eq!(
                lines,
                String::from_utf8_lossy(&p.stderr).lines().count(),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

/// Keys of a JSON object, sorted.
fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

fn json_of(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn json_shapes_and_templates_as_podman() {
    let Some((r, pm)) = pair() else { return };
    // podman 4.3 has no --interface-name: it names its bridge itself.
    pm.ok(&["network", "create", "--subnet", "10.233.77.0/24", "jn"]);
    r.ok(&[
        "network",
        "create",
        "--subnet",
        "10.233.77.0/24",
        "--interface-name",
        "rpj77",
        "jn",
    ]);
    for args in [
        &[
            "run",
            "-d",
            "--name",
            "j",
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            "echo one; sleep 100; echo a long tail here",
        ][..],
        &[
            "run",
            "--name",
            "t",
            "-t",
            "--network",
            "none",
            "busybox",
            "echo",
            "tty",
        ][..],
    ] {
        let (a, b) = both(&r, &pm, args);
        assert!(
            a.status.success() && b.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&b.stderr)
        );
    }
    // One object, not a list; the same top-level keys.
    for args in [
        &["version", "--format", "json"][..],
        &["info", "--format", "json"][..],
    ] {
        let (p, o) = both(&r, &pm, args);
        let (p, o) = (json_of(&p), json_of(&o));
        assert!(o.is_object(), "{args:?}: {o}");
        assert_eq!(keys(&p), keys(&o), "{args:?}");
    }
    for args in [
        &["info", "--format", "{{.Host.Arch}} {{.Host.OS}}"][..],
        &["version", "--format", "{{.Client.OsArch}}"][..],
        &["ps", "--format", "{{.Names}} {{.Command}}"][..],
        &["ps", "-a", "--format", "{{.Names}}"][..],
        &["ps", "-l", "--format", "{{.Names}}"][..],
        &["images", "--format", "{{.Repository}} {{.Size}}"][..],
        &["logs", "--since", "30m", "j"][..],
        &["logs", "--since", "10m30s", "j"][..],
        &["logs", "t"][..],
        &["start", "j"][..],
    ] {
        same(&r, &pm, args);
    }
    // ps JSON: podman's keys and types.
    let (p, o) = both(&r, &pm, &["ps", "--format", "json"]);
    let (p, o) = (json_of(&p), json_of(&o));
    assert_eq!(keys(&p[0]), keys(&o[0]));
    for k in ["Ports", "Names", "Command", "Mounts", "Networks"] {
        assert!(o[0][k].is_array(), "{k}: {}", o[0][k]);
    }
    assert!(o[0]["CreatedAt"].is_string() && o[0]["Created"].is_number());
    // Networks: podman's keys.
    let (p, o) = both(&r, &pm, &["network", "inspect", "jn"]);
    assert_eq!(keys(&json_of(&p)[0]), keys(&json_of(&o)[0]));
    // Logs of several containers carry each one's short ID.
    let o = r.cmd(&["logs", "j", "t"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .all(|l| l.len() > 13 && l.as_bytes()[12] == b' '),
        "{out}"
    );
    // -t: RFC 3339 with Z.
    let o = r.ok(&["logs", "-t", "j"]);
    assert!(o.split(' ').next().is_some_and(|t| t.ends_with('Z')), "{o}");
    let _ = pm.cmd(&["network", "rm", "-f", "jn"]);
    let _ = r.cmd(&["network", "rm", "-f", "jn"]);
}

#[test]
fn a_host_port_is_published_once() {
    if !ready()
        || !common::require(
            "CNI plugins",
            std::path::Path::new("/usr/lib/cni/bridge").exists(),
        )
    {
        return;
    }
    let r = R::new();
    let net = r.network();
    // A port of our own that nothing holds: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let map = format!("127.0.0.1:{port}:80");
    r.ok(&[
        "run",
        "-d",
        "--name",
        "p1",
        "--network",
        &net,
        "-p",
        &map,
        "busybox",
        "sleep",
        "100",
    ]);
    let (code, _, err) = r.run(&[
        "run",
        "-d",
        "--name",
        "p2",
        "--network",
        &net,
        "-p",
        &map,
        "busybox",
        "sleep",
        "100",
    ]);
    assert_eq!(code, 126, "{err}");
    assert!(err.contains("address already in use"), "{err}");
    // Nothing of the second one was left running or attached.
    assert!(!r.ok(&["ps", "--format", "{{.Names}}"]).contains("p2"));
    // A port some host process holds is refused the same way.
    let held = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let map = format!("127.0.0.1:{}:80", held.local_addr().expect("addr").port());
    let (code, _, err) = r.run(&[
        "run",
        "--rm",
        "--network",
        &net,
        "-p",
        &map,
        "busybox",
        "true",
    ]);
    assert_eq!(code, 126, "{err}");
}

#[test]
fn debug_logging_shows_each_runtime_and_conmon_call() {
    if !ready() {
        return;
    }
    let r = R::new();
    let o = r.cmd(&[
        "--log-level",
        "debug",
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "true",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    for what in ["starting conmon", "OCI runtime call", "op=\"start\"", "ms="] {
        assert!(err.contains(what), "no {what:?} in:\n{err}");
    }
    // Quiet by default; a level podman does not know is refused.
    let o = r.cmd(&["run", "--rm", "--network", "none", "busybox", "true"]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (code, _, err) = r.run(&["--log-level", "loud", "ps"]);
    assert_eq!(code, 125, "{err}");
    assert!(err.contains("invalid log level"), "{err}");
}

#[test]
fn podmans_spellings_scripts_use() {
    let Some((r, pm)) = pair() else { return };
    let (a, b) = both(
        &r,
        &pm,
        &["container", "create", "--name", "sp", "busybox", "true"],
    );
    assert!(a.status.success() && b.status.success());
    for args in [
        &["container", "exists", "sp"][..],
        &["container", "exists", "nosuch"][..],
        &["image", "exists", "busybox"][..],
        &["image", "exists", "nosuch"][..],
        &["pod", "exists", "nosuch"][..],
        &["network", "exists", "nosuch"][..],
        &["container", "ls", "-a", "--format", "{{.Names}}"][..],
        &["container", "list", "-a", "--format", "{{.Names}}"][..],
        &["container", "ps", "-a", "--format", "{{.Names}}"][..],
        &["container", "inspect", "--format", "{{.Name}}", "sp"][..],
        &["container", "rm", "sp"][..],
    ] {
        same(&r, &pm, args);
    }
}

#[test]
fn ps_filters_last_and_sort_as_podman() {
    let Some((r, pm)) = pair() else { return };
    for args in [
        &[
            "create", "--name", "zz", "--label", "app=web", "busybox", "true",
        ][..],
        &[
            "run",
            "--name",
            "aa",
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            "exit 3",
        ][..],
        &[
            "create", "--name", "mm", "--label", "app=db", "busybox", "true",
        ][..],
    ] {
        let (a, b) = both(&r, &pm, args);
        assert!(a.status.code() == b.status.code(), "{args:?}");
    }
    for args in [
        &[
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
            "--filter",
            "status=exited",
            "--filter",
            "status=created",
        ][..],
        &[
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
            "--filter",
            "label=app=web",
        ][..],
        &[
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
            "--filter",
            "label=app",
        ][..],
        &[
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
            "--filter",
            "label=app",
            "--filter",
            "status=created",
        ][..],
        &["ps", "-a", "--format", "{{.Names}}", "--filter", "exited=3"][..],
        &["ps", "-a", "--format", "{{.Names}}", "--filter", "since=zz"][..],
        &[
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
            "--filter",
            "before=mm",
        ][..],
        &["ps", "-a", "--format", "{{.Names}}", "--sort", "names"][..],
        &["ps", "--format", "{{.Names}}", "-n", "2"][..],
        &["ps", "--format", "{{.Names}}", "--filter", "status=bogus"][..],
    ] {
        same(&r, &pm, args);
    }
}

#[test]
fn go_templates_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (a, b) = both(
        &r,
        &pm,
        &[
            "create", "--name", "gt", "--label", "tier=web", "busybox", "true",
        ],
    );
    assert!(a.status.success() && b.status.success());
    for args in [
        &[
            "ps",
            "-a",
            "--format",
            "{{if .IsInfra}}infra{{else}}{{.Names}}{{end}}",
        ][..],
        &["ps", "-a", "--format", "{{upper .Names}} {{lower .Image}}"][..],
        &[
            "ps",
            "-a",
            "--format",
            "{{range $k, $v := .Labels}}{{$k}}={{$v}}{{end}}",
        ][..],
        &[
            "info",
            "--format",
            "{{if .Host.Arch}}{{printf \"%s/%s\" .Host.OS .Host.Arch}}{{end}}",
        ][..],
        &["version", "--format", "{{.Client.OsArch | upper}}"][..],
        &[
            "images",
            "--format",
            "{{.Repository}}:{{.Tag}} {{len .Repository}}",
        ][..],
    ] {
        same(&r, &pm, args);
    }
}

#[test]
fn all_and_ignore_flags_as_podman() {
    let Some((r, pm)) = pair() else { return };
    for args in [
        &[
            "run",
            "-d",
            "--name",
            "k1",
            "--network",
            "none",
            "busybox",
            "sleep",
            "100",
        ][..],
        &[
            "run",
            "-d",
            "--name",
            "k2",
            "--network",
            "none",
            "busybox",
            "sleep",
            "100",
        ][..],
        &[
            "create",
            "--name",
            "k3",
            "--network",
            "none",
            "busybox",
            "true",
        ][..],
    ] {
        let (a, b) = both(&r, &pm, args);
        assert!(a.status.success() && b.status.success(), "{args:?}");
    }
    for args in [
        &["stop", "-i", "-t", "0", "nosuch", "k1"][..],
        &["ps", "--format", "{{.Names}}"][..],
        &["kill", "-a"][..],
        &["ps", "--format", "{{.Names}}"][..],
        &["logs", "--names", "k3", "k1"][..],
    ] {
        if args[0] != "kill" {
            same(&r, &pm, args);
            continue;
        }
        // kill -a prints IDs, which differ: compare the count of lines.
        let (p, o) = both(&r, &pm, args);
        assert_eq!(p.status.code(), o.status.code(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&p.stdout).lines().count(),
            String::from_utf8_lossy(&o.stdout).lines().count()
        );
    }
}

#[test]
fn host_network_takes_the_hosts_name() {
    let Some((r, pm)) = pair() else { return };
    same(
        &r,
        &pm,
        &["run", "--rm", "--network", "host", "busybox", "hostname"],
    );
}

#[test]
fn a_new_bridge_skips_names_the_host_already_has() {
    if !ready() {
        return;
    }
    let r = R::new();
    // A host device with the name our first bridge would get.
    // rpod0 is the default network's; rpod1 is the first a new network would get.
    let dev = "rpod1";
    let made = Command::new("ip")
        .args(["link", "add", dev, "type", "bridge"])
        .status()
        .is_ok_and(|s| s.success());
    let k = r.k;
    let net = format!("skip{k}");
    let o = r.cmd(&[
        "network",
        "create",
        "--subnet",
        &format!("10.234.{k}.0/24"),
        &net,
    ]);
    let bridge = r.ok(&[
        "network",
        "inspect",
        "--format",
        "{{.NetworkInterface}}",
        &net,
    ]);
    let _ = r.cmd(&["network", "rm", &net]);
    if made {
        let _ = Command::new("ip").args(["link", "delete", dev]).status();
    }
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(made || std::path::Path::new("/sys/class/net/rpod1").exists());
    assert_ne!(bridge.trim(), dev, "the host's {dev} was taken");
}

#[test]
fn image_filters_and_pull_policy_as_podman() {
    let Some((r, pm)) = pair() else { return };
    for args in [
        &[
            "images",
            "--format",
            "{{.Repository}}",
            "--filter",
            "reference=busy*",
        ][..],
        &[
            "images",
            "--format",
            "{{.Repository}}",
            "--filter",
            "reference=*/busybox:latest",
        ][..],
        &[
            "images",
            "--format",
            "{{.Repository}}",
            "--filter",
            "reference=nosuch",
        ][..],
        &[
            "images",
            "--format",
            "{{.Repository}}",
            "--filter",
            "dangling=false",
        ][..],
        &[
            "images",
            "--format",
            "{{.Repository}}",
            "--filter",
            "dangling=maybe",
        ][..],
        &[
            "images",
            "--format",
            "{{.Repository}}",
            "--filter",
            "color=red",
        ][..],
        &[
            "run",
            "--rm",
            "--pull",
            "never",
            "--network",
            "none",
            "busybox",
            "true",
        ][..],
        &[
            "run",
            "--rm",
            "--pull",
            "sometimes",
            "--network",
            "none",
            "busybox",
            "true",
        ][..],
    ] {
        same(&r, &pm, args);
    }
}

#[test]
fn prune_and_rmi_all_as_podman() {
    let Some((r, pm)) = pair() else { return };
    for args in [
        &[
            "create",
            "--name",
            "pr1",
            "--network",
            "none",
            "busybox",
            "true",
        ][..],
        &[
            "run",
            "--name",
            "pr2",
            "--network",
            "none",
            "busybox",
            "true",
        ][..],
    ] {
        let (a, b) = both(&r, &pm, args);
        assert!(a.status.success() && b.status.success(), "{args:?}");
    }
    // In use: refused alike.
    same(&r, &pm, &["rmi", "-a"]);
    let (p, o) = both(&r, &pm, &["system", "prune", "--force"]);
    assert_eq!(p.status.code(), o.status.code());
    same(&r, &pm, &["ps", "-a", "--format", "{{.Names}}"]);
    same(&r, &pm, &["images", "--format", "{{.Repository}}"]);
    let (p, o) = both(&r, &pm, &["rmi", "-a"]);
    assert_eq!(p.status.code(), o.status.code());
    same(&r, &pm, &["images", "-q"]);
}
