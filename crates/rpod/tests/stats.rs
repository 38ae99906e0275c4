//! `stats` of real containers: a busy loop shows over 50 % CPU and a memory figure; a stopped
//! container's reading is all zeros; the table's columns are podman 4.3.1's.

mod common;

use std::time::{Duration, Instant};

use common::podman::{ok, on_both, pair};

#[test]
fn a_busy_loop_shows_in_stats() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    r.ok(&[
        "run",
        "-d",
        "--name",
        "busy",
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        "while :; do :; done",
    ]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let v = loop {
        let out = r.ok(&["stats", "--no-stream", "--format", "json", "busy"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let cpu: f64 = v[0]["cpu_percent"]
            .as_str()
            .and_then(|s| s.trim_end_matches('%').parse().ok())
            .expect("cpu_percent");
        if cpu > 50.0 {
            break v;
        }
        assert!(Instant::now() < deadline, "{v}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mem = v[0]["mem_usage"].as_str().expect("mem_usage");
    assert!(!mem.starts_with("0B"), "{mem}");
    assert_eq!(v[0]["name"], "busy");
    assert_eq!(v[0]["pids"], "1");
    let tpl = r.ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.PIDs}}",
        "busy",
    ]);
    assert_eq!(tpl.trim(), "busy 1");
    r.ok(&["rm", "-f", "-t", "0", "busy"]);
}

#[test]
fn stats_columns_and_stopped_containers_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["create", "--name", "idle", "busybox", "true"]);
        let out = ok(run, &["stats", "--no-stream", "idle"]);
        ok(run, &["rm", "idle"]);
        let empty = ok(run, &["stats", "--no-stream"]);
        // IDs differ between the tools: the first column goes.
        let rows: Vec<String> = out
            .lines()
            .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
            .collect();
        (rows, empty.split_whitespace().collect::<Vec<_>>().join(" "))
    });
    assert_eq!(p, o);
    assert_eq!(o.0.len(), 2, "{o:?}");
}

#[test]
fn pod_stats_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["pod", "create", "--name", "ps1"]);
        ok(
            run,
            &[
                "run", "-d", "--pod", "ps1", "--name", "m1", "busybox", "sleep", "1000",
            ],
        );
        let table = ok(run, &["pod", "stats", "--no-stream", "ps1"]);
        let names = ok(
            run,
            &[
                "pod",
                "stats",
                "--no-stream",
                "--format",
                "{{.Name}} {{.PIDS}}",
                "ps1",
            ],
        );
        ok(run, &["pod", "rm", "-f", "-t", "0", "ps1"]);
        let header = table
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let has_m1 = names.lines().any(|l| l == "m1 1");
        (header, table.lines().count(), has_m1)
    });
    assert_eq!(p, o);
    assert_eq!(o.1, 3, "a header, the member and the infra container");
    assert!(o.2);
}
