//! Several processes on one runtime, and processes killed midway. Children are this test
//! binary run again with `LIBPOD_CHILD` set, entering `child_entry`.
#![cfg(all(feature = "sqlite", feature = "redb", feature = "cni"))]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{Env, mounts_under, ready};
use libpod::config::StateBackend;
use libpod::state::{ContainerStatus as S, NetworkMode};

fn child(role: &str, dir: &Path, arg: &str) -> Child {
    Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "child_entry",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env("LIBPOD_CHILD", role)
        .env("LIBPOD_DIR", dir)
        .env("LIBPOD_ARG", arg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

#[test]
fn child_entry() {
    let Ok(role) = std::env::var("LIBPOD_CHILD") else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var("LIBPOD_DIR").expect("dir"));
    let arg = std::env::var("LIBPOD_ARG").unwrap_or_default();
    let rt = common::builder(&dir, StateBackend::Sqlite)
        .build()
        .expect("runtime");
    let opts = |cmd: &[&str]| libpod::ContainerOptions {
        image: "busybox".into(),
        command: cmd.iter().map(|s| s.to_string()).collect(),
        network: NetworkMode::None,
        stop_timeout: Some(2),
        ..Default::default()
    };
    match role.as_str() {
        "churn" => {
            for i in 0..25 {
                let c = rt
                    .create_container(opts(&["true"]))
                    .unwrap_or_else(|e| panic!("create {i}: {e}"));
                c.start().unwrap_or_else(|e| panic!("start {i}: {e}"));
                assert_eq!(c.wait().unwrap_or_else(|e| panic!("wait {i}: {e}")), 0);
                c.remove(false)
                    .unwrap_or_else(|e| panic!("remove {i}: {e}"));
            }
        }
        "stopper" => {
            let code = rt
                .container(&arg)
                .expect("container")
                .stop(None)
                .expect("stop");
            println!("@stopped {code:?}");
        }
        "runner" => {
            for i in 0.. {
                let c = rt
                    .create_container(opts(&["sleep", "1000"]))
                    .expect("create");
                println!("@created {i}");
                c.start().expect("start");
                println!("@started {i}");
            }
        }
        other => panic!("unknown role {other}"),
    }
}

/// Everything a container could leave behind, counted.
fn leftovers(e: &Env) -> (usize, usize, usize, usize, usize, usize) {
    let cfg = e.rt.config().expect("cfg");
    let locks = libpod::lock::LockManager::open(&cfg.tmp_dir.join("locks"))
        .expect("locks")
        .allocated()
        .expect("allocated")
        .len();
    let netns = std::fs::read_dir(e.rt.with_networks(|n| Ok(n.netns_dir())).expect("n"))
        .map(|d| d.count())
        .unwrap_or(0);
    let runtime = std::fs::read_dir(cfg.tmp_dir.join("runtime"))
        .map(|d| d.count())
        .unwrap_or(0);
    let dir = e.dir.path().display().to_string();
    let procs = std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter_map(|p| std::fs::read(p.path().join("cmdline")).ok())
        .filter(|c| {
            String::from_utf8_lossy(c).contains(&dir)
                && !String::from_utf8_lossy(c).contains("child_entry")
        })
        .count();
    let layers = e.rt.with_store(|s| s.containers()).expect("layers").len();
    (
        e.rt.containers().expect("list").len(),
        layers,
        locks,
        mounts_under(&e.graph()),
        netns,
        runtime + procs,
    )
}

#[test]
fn eight_processes_create_start_and_remove_25_containers_each() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    let kids: Vec<Child> = (0..8).map(|_| child("churn", e.dir.path(), "")).collect();
    for k in kids {
        let out = k.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "a process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        leftovers(&e),
        (0, 0, 0, 0, 0, 0),
        "(containers, layers, locks, mounts, netns, runtime state + processes)"
    );
}

#[test]
fn two_processes_stopping_one_container_both_succeed() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    let mut o = e.opts(&["sleep", "1000"]);
    o.network = NetworkMode::None;
    let c = e.rt.create_container(o).expect("create");
    c.start().expect("start");
    let kids: Vec<Child> = (0..2)
        .map(|_| child("stopper", e.dir.path(), c.id()))
        .collect();
    for k in kids {
        let out = k.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("@stopped Some(137)"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(c.state().expect("state").status, S::Exited);
}

#[test]
fn a_process_killed_at_any_moment_leaves_a_true_state_and_rm_f_cleans_everything() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    for round in 0..12u32 {
        let mut k = child("runner", e.dir.path(), "");
        let mut out = BufReader::new(k.stdout.take().expect("stdout"));
        // Kill after a varying number of steps, and sometimes mid-step after a short delay.
        for _ in 0..(round % 4) {
            let mut line = String::new();
            while out.read_line(&mut line).expect("read") > 0 && !line.starts_with('@') {
                line.clear();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(u64::from(round % 3) * 15));
        k.kill().expect("SIGKILL");
        k.wait().expect("reap");
    }
    // A new runtime (as the next command would build) repairs what no container owns.
    let rt = common::builder(e.dir.path(), StateBackend::Sqlite)
        .build()
        .expect("runtime");
    for (cfg, st) in rt.containers().expect("list") {
        let c = rt.container(&cfg.id).expect("container");
        let st2 = c.state().expect("true state");
        if st2.status == S::Running {
            assert!(
                st2.pid.is_some_and(libpod::oci::pid_alive),
                "running means a live process: {st:?}"
            );
        }
        c.remove(true)
            .unwrap_or_else(|err| panic!("rm -f of a {} container: {err}", st2.status));
    }
    drop(rt);
    assert_eq!(
        leftovers(&e),
        (0, 0, 0, 0, 0, 0),
        "(containers, layers, locks, mounts, netns, runtime state + processes)"
    );
}
