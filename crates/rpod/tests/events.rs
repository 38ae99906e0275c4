//! Events against podman 4.3.1 (roots of its own, `file` events backend): the same lifecycle
//! steps recorded with the same names, exit codes and text; a live stream that sees new
//! events as they are written; podman's filter rules; clear errors for bad filters.

mod common;

use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::podman::{ok, on_both, pair};

/// The default text of an event line without its time (the first four fields) and with IDs
/// (64 hex digits) replaced.
fn text_without_time_and_ids(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| {
            l.split(' ')
                .skip(4)
                .map(|w| {
                    let bare = w.trim_end_matches(',');
                    if bare.len() == 64 && bare.chars().all(|c| c.is_ascii_hexdigit()) {
                        "<id>".to_string()
                    } else {
                        w.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn lifecycle_events_are_recorded_as_podman_records_them() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let net = ["--network", "none"];
        let _ = run(&[
            &["run", "--name", "ex1", "--label", "a=b"][..],
            &net,
            &["busybox", "sh", "-c", "exit 3"],
        ]
        .concat());
        ok(run, &["rm", "ex1"]);
        ok(
            run,
            &[
                &["run", "-d", "--name", "ex2"][..],
                &net,
                &["busybox", "sleep", "100"],
            ]
            .concat(),
        );
        ok(run, &["kill", "ex2"]);
        ok(run, &["wait", "ex2"]);
        ok(run, &["rm", "ex2"]);
        ok(run, &["volume", "create", "v1"]);
        ok(run, &["volume", "rm", "v1"]);
        ok(run, &["pod", "create", "--name", "pp"]);
        ok(run, &["pod", "start", "pp"]);
        ok(run, &["pod", "stop", "pp"]);
        ok(run, &["pod", "rm", "pp"]);
        let pods = ok(run, &["events", "--stream=false", "--filter", "type=pod"]);
        // attach is left out: podman records it for a foreground run, after start.
        let steps = [
            "create", "init", "start", "kill", "died", "cleanup", "remove",
        ];
        let mut args = vec!["events", "--stream=false", "--format"];
        args.push("{{.Type}} {{.Status}} {{.Name}} {{.ContainerExitCode}}");
        let filters: Vec<String> = steps.iter().map(|s| format!("event={s}")).collect();
        for f in &filters {
            args.extend(["--filter", f]);
        }
        // Names no ID can start with (an ID prefix matches too, as podman's filter).
        args.extend(["--filter", "container=ex1", "--filter", "container=ex2"]);
        let containers = ok(run, &args);
        let volumes = ok(
            run,
            &["events", "--stream=false", "--filter", "type=volume"],
        );
        let died = ok(
            run,
            &[
                "events",
                "--stream=false",
                "--filter",
                "event=died",
                "--filter",
                "container=ex1",
            ],
        );
        let json = ok(
            run,
            &[
                "events",
                "--stream=false",
                "--format",
                "json",
                "--filter",
                "event=died",
                "--filter",
                "container=ex1",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON line");
        let keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        (
            containers,
            text_without_time_and_ids(&pods),
            text_without_time_and_ids(&volumes),
            text_without_time_and_ids(&died),
            keys,
        )
    });
    assert_eq!(p, o);
    assert!(o.0.contains("container died ex1 3"), "{}", o.0);
    assert!(o.0.contains("container kill ex2 0"), "{}", o.0);
}

#[test]
fn a_stream_sees_new_events_and_ends_at_until() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let since = format!("{}", libpod::now_ns() / 1_000_000_000 - 1);
    let mut child = common::rpod(r.dir.path())
        .args([
            "events",
            "--since",
            &since,
            "--filter",
            "type=volume",
            "--format",
            "{{.Status}} {{.Name}}",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("events");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(|l| l.ok())
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    r.ok(&["volume", "create", "sv"]);
    r.ok(&["volume", "rm", "sv"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    while got.len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => got.push(l),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got, ["create sv", "remove sv"]);
    // A stream ends by itself once its --until has passed (a second from now).
    let until = format!("{}", libpod::now_ns() / 1_000_000_000 + 1);
    let out = r.ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--filter",
        "type=volume",
        "--format",
        "{{.Status}}",
    ]);
    assert_eq!(out, "create\nremove\n");
}

/// Networks are recorded too (podman 4.3 records no network events for create and remove).
#[test]
fn network_events_are_recorded() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let net = r.network();
    r.ok(&["network", "rm", &net]);
    let out = r.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "type=network",
        "--format",
        "{{.Status}} {{.Name}}",
    ]);
    assert_eq!(out, format!("create {net}\nremove {net}\n"));
}

#[test]
fn bad_filters_are_refused_with_exit_125() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let (code, _, err) = r.run(&["events", "--stream=false", "--filter", "bogus=1"]);
    assert_eq!(code, 125);
    assert!(err.contains("unknown key \"bogus\""), "{err}");
    let (code, _, err) = r.run(&["events", "--stream=false", "--filter", "event=nope"]);
    assert_eq!(code, 125);
    assert!(err.contains("\"nope\" is not one of"), "{err}");
}
