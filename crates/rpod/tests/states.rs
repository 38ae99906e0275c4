//! Waiting for states, `container init`, `container prune`, `--replace`, `--pidfile` and
//! `--conmon-pidfile`, against podman 4.3.1 (roots of its own).

mod common;

use common::podman::{ok, on_both, pair};

#[test]
fn wait_conditions_init_prune_replace_and_pidfiles_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let net = ["--network", "none"];
        ok(
            run,
            &[
                &["create", "--name", "w1"][..],
                &net,
                &["busybox", "sleep", "1000"],
            ]
            .concat(),
        );
        ok(run, &["start", "w1"]);
        let waited = run(&[
            "wait",
            "--condition",
            "paused",
            "--condition",
            "running",
            "w1",
        ]);
        ok(run, &["stop", "-t", "0", "w1"]);
        let stopped = ok(run, &["wait", "--condition", "stopped", "w1"]);
        let (bad, _, bad_err) = run(&["wait", "--condition", "bogus", "w1"]);
        ok(
            run,
            &[&["create", "--name", "w2"][..], &net, &["busybox", "true"]].concat(),
        );
        let init = ok(run, &["container", "init", "w2"]);
        let pruned = ok(run, &["container", "prune", "-f"]).lines().count();
        let left = ok(run, &["ps", "-a", "--format", "{{.Names}}"]);
        // --replace: the second container takes the name of the first, which goes.
        let first = ok(
            run,
            &[
                &["run", "-d", "--name", "rr", "--stop-timeout", "0"][..],
                &net,
                &["busybox", "sleep", "1000"],
            ]
            .concat(),
        );
        let dir = tempfile::tempdir().expect("tmp");
        let (pf, cpf) = (dir.path().join("pid"), dir.path().join("conmon.pid"));
        let second = ok(
            run,
            &[
                &["run", "-d", "--replace", "--name", "rr"][..],
                &net,
                &["--pidfile", pf.to_str().expect("utf8")],
                &["--conmon-pidfile", cpf.to_str().expect("utf8")],
                &["busybox", "sleep", "1000"],
            ]
            .concat(),
        );
        let names = ok(run, &["ps", "-a", "--format", "{{.Names}}"]);
        let pids = ok(
            run,
            &[
                "inspect",
                "--format",
                "{{.State.Pid}} {{.State.ConmonPid}}",
                "rr",
            ],
        );
        let files = format!(
            "{} {}",
            std::fs::read_to_string(&pf).unwrap_or_default().trim(),
            std::fs::read_to_string(&cpf).unwrap_or_default().trim()
        );
        ok(run, &["rm", "-f", "-t", "0", "rr"]);
        (
            (waited.0, waited.1),
            stopped,
            (bad, bad_err.contains("unknown container state: bogus")),
            init,
            pruned,
            left,
            first != second,
            names,
            pids == files,
        )
    });
    assert_eq!(p, o);
    assert_eq!(o.0, (0, "-1\n".to_string()));
    assert_eq!(o.1.trim(), "137");
    assert_eq!(o.2, (125, true));
    assert_eq!((o.3.trim(), o.4, o.5.as_str()), ("w2", 2, ""));
    assert!(o.6 && o.8, "{o:?}");
    assert_eq!(o.7.trim(), "rr");
}

/// A process the kernel's OOM killer ends shows `OOMKilled` (podman 4.3 with cgroupfs on
/// cgroup v1 reports false here; conmon records the kill, and we read it); the OOM flags are
/// in the spec and in inspect.
#[test]
fn an_oom_kill_is_reported_and_oom_flags_apply() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let hog = "x=$(head -c 100000000 /dev/zero | tr '\\0' x); echo survived";
    let (code, out, _) = r.run(&[
        "run",
        "--name",
        "oom",
        "--memory",
        "20m",
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        hog,
    ]);
    assert_eq!((code, out.as_str()), (137, ""));
    let st = r.ok(&[
        "inspect",
        "--format",
        "{{.State.OOMKilled}} {{.State.ExitCode}}",
        "oom",
    ]);
    assert_eq!(st.trim(), "true 137");
    let out = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--oom-score-adj",
        "200",
        "--oom-kill-disable",
        "busybox",
        "cat",
        "/proc/self/oom_score_adj",
    ]);
    assert_eq!(out.trim(), "200");
    r.ok(&[
        "create",
        "--name",
        "flags",
        "--oom-score-adj",
        "100",
        "busybox",
        "true",
    ]);
    let hc = r.ok(&[
        "inspect",
        "--format",
        "{{.HostConfig.OomKillDisable}} {{.HostConfig.OomScoreAdj}}",
        "flags",
    ]);
    assert_eq!(hc.trim(), "false 100");
    r.ok(&["rm", "-f", "oom", "flags"]);
}

/// `exec -d` against podman: the session's ID printed, its exit code in an `exec_died` event
/// and the session in `inspect .ExecIDs`; `exec --env-file`.
#[test]
fn detached_exec_and_env_file_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let env = dir.path().join("env");
    std::fs::write(&env, "# comment\nGREETING=hello\n").expect("env file");
    let (p, o) = on_both(&r, &pm, |run| {
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "ex",
                "--network",
                "none",
                "busybox",
                "sleep",
                "1000",
            ],
        );
        let id = ok(run, &["exec", "-d", "ex", "sh", "-c", "exit 7"]);
        let died = [
            "events",
            "--stream=false",
            "--filter",
            "container=ex",
            "--filter",
            "event=exec_died",
            "--format",
            "{{.ContainerExitCode}}",
        ];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let code = loop {
            let out = ok(run, &died);
            if !out.trim().is_empty() {
                break out;
            }
            assert!(std::time::Instant::now() < deadline, "no exec_died");
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let ids = ok(run, &["inspect", "--format", "{{.ExecIDs}}", "ex"]);
        let env_file = env.to_str().expect("utf8");
        let greeting = ok(
            run,
            &[
                "exec",
                "--env-file",
                env_file,
                "ex",
                "sh",
                "-c",
                "echo $GREETING",
            ],
        );
        ok(run, &["rm", "-f", "-t", "0", "ex"]);
        (id.trim().len(), code, ids.contains(id.trim()), greeting)
    });
    assert_eq!(p, o);
    assert_eq!(o, (64, "7".to_string(), true, "hello".to_string()));
}

/// `--timeout`, `--log-driver` and `--log-opt` against podman.
#[test]
fn timeouts_and_log_options_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let (p, o) = on_both(&r, &pm, |run| {
        let net = ["--network", "none"];
        ok(
            run,
            &[
                &["run", "-d", "--name", "to", "--timeout", "1"][..],
                &net,
                &["busybox", "sleep", "100"],
            ]
            .concat(),
        );
        let waited = ok(run, &["wait", "to"]);
        let timeout = ok(run, &["inspect", "--format", "{{.Config.Timeout}}", "to"]);
        let shown = ok(
            run,
            &[
                &["run", "--name", "ln", "--log-driver", "none"][..],
                &net,
                &["busybox", "echo", "hi"],
            ]
            .concat(),
        );
        let (logs, _, err) = run(&["logs", "ln"]);
        // passthrough: the container's output is the command's own.
        let through = ok(
            run,
            &[
                &["run", "--rm", "--log-driver", "passthrough"][..],
                &net,
                &["busybox", "echo", "through"],
            ]
            .concat(),
        );
        assert_eq!(through, "through");
        let path = dir
            .path()
            .join(format!("{}.log", std::process::id() % 7 + logs as u32));
        let path_s = path.to_str().expect("utf8").to_string();
        let _ = std::fs::remove_file(&path);
        ok(
            run,
            &[
                &["run", "--name", "lp", "--log-opt"][..],
                &[&format!("path={path_s}"), "--log-opt", "max-size=10k"],
                &net,
                &["busybox", "echo", "kept"],
            ]
            .concat(),
        );
        let read = ok(run, &["logs", "lp"]);
        let in_file = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .contains("kept");
        let log_type = ok(
            run,
            &[
                "inspect",
                "--format",
                "{{.HostConfig.LogConfig.Type}}",
                "ln",
            ],
        );
        ok(run, &["rm", "-f", "to", "ln", "lp"]);
        let _ = std::fs::remove_file(&path);
        (
            waited,
            timeout,
            shown,
            logs,
            err.contains("'none' log driver"),
            read,
            in_file,
            log_type,
        )
    });
    assert_eq!(p, o);
    assert_eq!(
        o,
        (
            "-1".to_string(),
            "1".to_string(),
            "hi".to_string(),
            125,
            true,
            "kept".to_string(),
            true,
            "none".to_string()
        )
    );
}

/// `rename` against podman: a running container takes a free name; a taken one and a
/// missing container are refused (exit 125); a `rename` event names the new name.
#[test]
fn rename_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "rn1",
                "--network",
                "none",
                "busybox",
                "sleep",
                "1000",
            ],
        );
        ok(run, &["create", "--name", "rn2", "busybox", "true"]);
        let (taken, _, taken_err) = run(&["rename", "rn1", "rn2"]);
        let (fine, _, _) = run(&["rename", "rn1", "rn3"]);
        let (missing, _, _) = run(&["rename", "nope", "x"]);
        let names = ok(
            run,
            &["ps", "-a", "--format", "{{.Names}}", "--sort", "names"],
        );
        let event = ok(
            run,
            &[
                "events",
                "--stream=false",
                "--filter",
                "event=rename",
                "--format",
                "{{.Name}}",
            ],
        );
        ok(run, &["rm", "-f", "-t", "0", "rn3", "rn2"]);
        (
            taken,
            taken_err.contains("in use"),
            fine,
            missing,
            names,
            event,
        )
    });
    assert_eq!(p, o);
    assert_eq!((o.0, o.1, o.2, o.3), (125, true, 0, 125));
    assert_eq!(o.4, "rn2\nrn3");
}

/// Detach keys typed into a foreground `run -i` end the command with 0 and leave the
/// container running, as podman; the keys are not passed to the container.
#[test]
fn detach_keys_leave_the_container_running_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let mut results = Vec::new();
    for (tool, mut cmd) in [
        ("rpod", common::rpod(r.dir.path())),
        ("podman", pm.command()),
    ] {
        let mut child = cmd
            .args([
                "run",
                "-i",
                "--detach-keys",
                "ctrl-x",
                "--name",
                "dk",
                "--network",
                "none",
                "busybox",
                "sleep",
                "1000",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run");
        let mut input = child.stdin.take().expect("stdin");
        std::io::Write::write_all(&mut input, b"\x18").expect("keys");
        // Input stays open: only the keys may end the command.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{tool} did not detach"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        drop(input);
        let out = match tool {
            "rpod" => r.ok(&["inspect", "--format", "{{.State.Status}}", "dk"]),
            _ => pm.ok(&["inspect", "--format", "{{.State.Status}}", "dk"]),
        };
        results.push((status.code(), out.trim().to_string()));
        match tool {
            "rpod" => r.ok(&["rm", "-f", "-t", "0", "dk"]),
            _ => pm.ok(&["rm", "-f", "-t", "0", "dk"]),
        };
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], (Some(0), "running".to_string()));
}

/// `exec --privileged` gives the command every capability this host allows, as podman.
#[test]
fn exec_privileged_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "px",
                "--network",
                "none",
                "busybox",
                "sleep",
                "1000",
            ],
        );
        let plain = ok(run, &["exec", "px", "grep", "CapEff", "/proc/self/status"]);
        let all = ok(
            run,
            &[
                "exec",
                "--privileged",
                "px",
                "grep",
                "CapEff",
                "/proc/self/status",
            ],
        );
        ok(run, &["rm", "-f", "-t", "0", "px"]);
        (plain, all)
    });
    assert_eq!(p, o);
    assert_ne!(o.0, o.1);
}

/// A name that an ID happens to start with is still free (a name is matched exactly, never
/// as an ID prefix); this failed one create in sixteen before.
#[test]
fn a_name_that_prefixes_an_id_is_free() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let id = r.ok(&["create", "--name", "first", "busybox", "true"]);
    let prefix = &id.trim()[..1];
    r.ok(&["create", "--name", prefix, "busybox", "true"]);
    r.ok(&["pod", "create", "--infra=false", "--name", &id.trim()[..2]]);
    let (code, _, err) = r.run(&["create", "--name", "first", "busybox", "true"]);
    assert_eq!(code, 125, "{err}");
    assert!(err.contains("already in use by container"), "{err}");
}

/// `--cap-add` and `--cap-drop` (names with or without CAP_, ALL) give the capabilities
/// podman gives.
#[test]
fn capabilities_added_and_dropped_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let caps = |flags: &[&str]| {
            ok(
                run,
                &[
                    &["run", "--rm", "--network", "none"][..],
                    flags,
                    &["busybox", "grep", "CapEff", "/proc/self/status"],
                ]
                .concat(),
            )
        };
        let (code, _, err) = run(&["create", "--cap-add", "bogus", "busybox", "true"]);
        (
            caps(&["--cap-drop", "chown"]),
            caps(&["--cap-add", "CAP_SYS_ADMIN", "--cap-add", "net_admin"]),
            caps(&["--cap-drop", "all", "--cap-add", "net_raw"]),
            caps(&["--cap-add", "all"]),
            code,
            err.to_lowercase().contains("bogus"),
        )
    });
    assert_eq!(p, o);
    assert_eq!(o.4, 125);
}
