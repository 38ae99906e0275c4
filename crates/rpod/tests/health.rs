//! Healthchecks: `healthcheck run` and the health status against podman 4.3.1 (podman runs
//! checks on this host only when asked: it needs systemd for periodic ones); periodic checks
//! by our monitor, `--health-on-failure`, and the monitor outliving a `kill -9` of the rpod
//! that started it and going with the container. Waits are on events and processes, with
//! deadlines.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::podman::{ok, on_both, pair};

#[test]
fn healthcheck_run_and_status_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let net = ["--network", "none"];
        ok(
            run,
            &[
                &["run", "-d", "--name", "hc"][..],
                &net,
                &[
                    "--health-cmd",
                    "exit 1",
                    "--health-retries",
                    "2",
                    "--health-interval",
                    "disable",
                    "busybox",
                    "sleep",
                    "1000",
                ],
            ]
            .concat(),
        );
        let fmt = "{{.State.Health.Status}} {{.State.Health.FailingStreak}}";
        let first = run(&["healthcheck", "run", "hc"]);
        let after_first = ok(run, &["inspect", "--format", fmt, "hc"]);
        let second = run(&["healthcheck", "run", "hc"]);
        let after_second = ok(run, &["inspect", "--format", fmt, "hc"]);
        let unhealthy = ok(
            run,
            &[
                "ps",
                "--filter",
                "health=unhealthy",
                "--format",
                "{{.Names}}",
            ],
        );
        let config = ok(
            run,
            &["inspect", "--format", "{{json .Config.Healthcheck}}", "hc"],
        );
        let config: serde_json::Value = serde_json::from_str(config.trim()).expect("json");
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "plain",
                "--network",
                "none",
                "busybox",
                "sleep",
                "1000",
            ],
        );
        let (none, _, none_err) = run(&["healthcheck", "run", "plain"]);
        ok(
            run,
            &[
                "create",
                "--name",
                "idle",
                "--health-cmd",
                "true",
                "busybox",
                "true",
            ],
        );
        let (idle, _, idle_err) = run(&["healthcheck", "run", "idle"]);
        ok(run, &["rm", "-f", "-t", "0", "hc", "plain", "idle"]);
        (
            (first.0, first.1),
            after_first,
            (second.0, second.1),
            after_second,
            unhealthy,
            config,
            none,
            none_err.contains("has no defined healthcheck"),
            idle,
            idle_err.contains("is not running"),
        )
    });
    assert_eq!(p, o);
    assert_eq!(o.0, (1, "unhealthy\n".to_string()));
    assert_eq!(o.3.trim(), "unhealthy 2");
    assert_eq!((o.6, o.7, o.8, o.9), (125, true, 125, true));
}

/// Waits until `events --stream=false ARGS` prints at least `n` lines; returns them.
fn wait_events(r: &common::R, args: &[&str], n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = r.ok(&[&["events", "--stream=false"][..], args].concat());
        let lines: Vec<String> = out.lines().map(String::from).collect();
        if lines.len() >= n {
            return lines;
        }
        assert!(Instant::now() < deadline, "{args:?}: {lines:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn periodic_checks_turn_unhealthy_and_restart_on_failure() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    r.ok(&[
        "run",
        "-d",
        "--name",
        "sick",
        "--network",
        "none",
        "--health-cmd",
        "exit 1",
        "--health-interval",
        "300ms",
        "--health-retries",
        "2",
        "--health-on-failure",
        "restart",
        "busybox",
        "sleep",
        "1000",
    ]);
    let health = [
        "--filter",
        "container=sick",
        "--filter",
        "event=health_status",
        "--format",
        "{{.HealthStatus}}",
    ];
    let seen = wait_events(&r, &health, 2);
    assert_eq!(seen[..2], ["starting", "unhealthy"]);
    let restarts = ["--filter", "container=sick", "--filter", "event=restart"];
    wait_events(&r, &restarts, 1);
    let count = r.ok(&["inspect", "--format", "{{.RestartCount}}", "sick"]);
    assert!(count.trim().parse::<u32>().expect("count") >= 1, "{count}");
    r.ok(&["rm", "-f", "-t", "0", "sick"]);
}

/// PIDs of processes whose command line names `needle`.
fn processes_naming(needle: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
        })
        .collect()
}

#[test]
fn the_monitor_outlives_a_killed_starter_and_goes_with_the_container() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let mut starter = common::rpod(r.dir.path())
        .args([
            "run",
            "--name",
            "mon",
            "--network",
            "none",
            "--health-cmd",
            "true",
            "--health-interval",
            "300ms",
            "busybox",
            "sleep",
            "1000",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("run");
    let health = [
        "--filter",
        "container=mon",
        "--filter",
        "event=health_status",
    ];
    wait_events(&r, &health, 1);
    starter.kill().expect("kill -9");
    let _ = starter.wait();
    let before = wait_events(&r, &health, 1).len();
    // Checks go on without the rpod that started them.
    wait_events(&r, &health, before + 2);
    let id = r.ok(&["inspect", "--format", "{{.Id}}", "mon"]);
    let needle = format!("healthmonitor\0{}", id.trim());
    assert_eq!(processes_naming(&needle).len(), 1);
    r.ok(&["rm", "-f", "-t", "0", "mon"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !processes_naming(&needle).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the monitor outlived its container"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
