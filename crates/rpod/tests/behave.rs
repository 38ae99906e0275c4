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
