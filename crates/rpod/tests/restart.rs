//! Restart policies against podman 4.3.1 (roots of its own): `on-failure:N` restarts a failing
//! container N times and then leaves it exited; a stop by the user is never undone; `always`
//! (and a running `unless-stopped`) come back after a simulated reboot; `--rm` conflicts.
//! Waits are on recorded events and states, with deadlines.

mod common;

use std::time::{Duration, Instant};

use common::podman::{Out, ok, on_both, pair};

/// Waits until `args` (an `events --stream=false ...` call) prints `n` lines.
fn wait_for_events(run: &dyn Fn(&[&str]) -> Out, args: &[&str], n: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = ok(run, args);
        if out.lines().count() >= n {
            return out;
        }
        assert!(Instant::now() < deadline, "{args:?}: only {out:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn on_failure_restarts_n_times_and_a_stop_is_never_undone() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let net = ["--network", "none"];
        ok(
            run,
            &[
                &["run", "-d", "--name", "of", "--restart", "on-failure:2"][..],
                &net,
                &["busybox", "sh", "-c", "exit 1"],
            ]
            .concat(),
        );
        // The third run's exit is the last: its cleanup leaves it exited.
        let died = [
            "events",
            "--stream=false",
            "--filter",
            "container=of",
            "--filter",
            "event=died",
            "--format",
            "{{.ContainerExitCode}}",
        ];
        let died = wait_for_events(run, &died, 3);
        let deadline = Instant::now() + Duration::from_secs(60);
        let state = loop {
            let s = ok(
                run,
                &[
                    "inspect",
                    "--format",
                    "{{.State.Status}} {{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}",
                    "of",
                ],
            );
            if s.starts_with("exited") || Instant::now() > deadline {
                break s;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // A stop by the user, then the cleanup conmon's exit command runs (run here too, so
        // its decision is seen): the policy does not start it again.
        ok(
            run,
            &[
                &["run", "-d", "--name", "al", "--restart", "always"][..],
                &net,
                &["busybox", "sleep", "1000"],
            ]
            .concat(),
        );
        ok(run, &["stop", "-t", "0", "al"]);
        let _ = run(&["container", "cleanup", "al"]);
        let stopped = ok(
            run,
            &[
                "inspect",
                "--format",
                "{{.State.Status}} {{.RestartCount}}",
                "al",
            ],
        );
        let (code, _, err) = run(&["run", "--rm", "--restart", "always", "busybox", "true"]);
        ok(run, &["rm", "-f", "-t", "0", "of", "al"]);
        (died, state, stopped, code, err.trim().to_string())
    });
    assert_eq!(p, o);
    assert_eq!(o.0.trim(), "1\n1\n1");
    assert_eq!(o.1.trim(), "exited 2 on-failure:2");
    assert_eq!(o.2.trim(), "exited 0");
    assert_eq!(o.3, 125);
}

#[test]
fn always_and_running_unless_stopped_come_back_after_a_reboot() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let net = ["--network", "none"];
    let run_d = |name: &str, policy: &str| {
        r.ok(&[
            &["run", "-d", "--name", name, "--restart", policy][..],
            &net,
            &["busybox", "sleep", "1000"],
        ]
        .concat());
    };
    run_d("a", "always");
    run_d("u", "unless-stopped");
    run_d("us", "unless-stopped");
    run_d("n", "no");
    r.ok(&["stop", "-t", "0", "us"]);
    // Simulate a reboot: every conmon and container process ends (as a reboot ends them,
    // without their exit files or exit commands), and the alive file records another boot;
    // the next rpod refreshes.
    for name in ["a", "u", "n"] {
        let pids = r.ok(&[
            "inspect",
            "--format",
            "{{.State.ConmonPid}} {{.State.Pid}}",
            name,
        ]);
        for pid in pids
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            let deadline = Instant::now() + Duration::from_secs(30);
            // Gone, or only a zombie that its parent has yet to reap.
            while std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|st| {
                !st.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            }) {
                assert!(Instant::now() < deadline, "{name}: {pid} did not end");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
    let alive = r.dir.path().join("run/libpod/alive");
    assert!(alive.exists(), "{}", alive.display());
    std::fs::write(&alive, "another-boot").expect("alive");
    let (code, _, boot_err) = r.run(&["system", "boot"]);
    assert_eq!(code, 0, "{boot_err}");
    let states = r.ok(&[
        "inspect",
        "--format",
        "{{.Name}} {{.State.Status}}",
        "a",
        "n",
        "u",
        "us",
    ]);
    let history = r.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=a",
        "--format",
        "{{.Time}} {{.Status}} {{.ContainerExitCode}}",
    ]);
    let a = r.ok(&[
        "inspect",
        "--format",
        "{{.State.ExitCode}} {{.State.FinishedAt}}",
        "a",
    ]);
    assert_eq!(
        states, "a running\nn exited\nu running\nus exited\n",
        "system boot said: {boot_err}; a: {a}; a's events:\n{history}"
    );
    let events = r.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "type=system",
        "--format",
        "{{.Status}}",
    ]);
    assert_eq!(
        events.lines().filter(|l| *l == "refresh").count(),
        2,
        "{events}"
    );
    r.ok(&["rm", "-f", "-t", "0", "a", "u", "us", "n"]);
}
