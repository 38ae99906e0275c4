//! The persistent backends on disk: reopen, schema and path checks, damaged files, several
//! processes at once, and processes killed mid-write. Children are this test binary run again
//! with `STATE_CHILD` set, entering `child_entry`.

#![cfg(all(feature = "sqlite", feature = "redb"))]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{PERSISTENT, ctr, db_in, id, open, paths, st};
use libpod_state::{ContainerStatus, DbPaths, PodState, SCHEMA_VERSION, StateError};

#[test]
fn child_entry() {
    let Ok(role) = std::env::var("STATE_CHILD") else {
        return;
    };
    let backend = std::env::var("STATE_BACKEND").expect("backend");
    let file = std::path::PathBuf::from(std::env::var("STATE_FILE").expect("file"));
    let count: usize = std::env::var("STATE_COUNT")
        .expect("count")
        .parse()
        .expect("number");
    let tag = std::env::var("STATE_TAG").expect("tag");
    let state = open(&backend, &file, &paths()).expect("child open");
    match role.as_str() {
        // Add containers one transaction each; any error (such as "database is locked") fails.
        "adder" => {
            for i in 0..count {
                let c = ctr(&format!("{tag}{i:05}"), &format!("c{tag}-{i}"));
                if let Err(e) = state.add_container(&c, &st()) {
                    eprintln!("child {tag}: add {i}: {e}");
                    std::process::exit(3);
                }
            }
        }
        // Add and update containers forever, acknowledging each commit, until killed.
        "crasher" => {
            for i in 0.. {
                let c = ctr(&format!("{tag}{i:05}"), &format!("c{tag}-{i}"));
                state.add_container(&c, &st()).expect("add");
                let running = libpod_state::ContainerState {
                    status: ContainerStatus::Running,
                    pid: Some(i),
                    ..Default::default()
                };
                state.save_container_state(&c.id, &running).expect("save");
                println!("@{i}");
            }
        }
        other => panic!("unknown role {other}"),
    }
}

fn spawn(role: &str, backend: &str, file: &Path, count: usize, tag: &str) -> Child {
    Command::new(std::env::current_exe().expect("exe"))
        .args([
            "--exact",
            "child_entry",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env("STATE_CHILD", role)
        .env("STATE_BACKEND", backend)
        .env("STATE_FILE", file)
        .env("STATE_COUNT", count.to_string())
        .env("STATE_TAG", tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

#[test]
fn data_survives_close_and_reopen() {
    for &name in PERSISTENT {
        let mut db = db_in(name, tempfile::tempdir().expect("tmp"));
        db.state
            .add_pod(&common::pod("a", "p"), &PodState::default())
            .expect(name);
        for i in 0..50 {
            db.state
                .add_container(&ctr(&format!("b{i:02}"), &format!("c{i}")), &st())
                .expect(name);
        }
        db.state.add_exit_code(&id("b00"), 3, 9).expect(name);
        let before = db.state.export().expect(name);
        db.reopen();
        assert_eq!(db.state.export().expect(name), before, "{name}");
        assert_eq!(db.state.lookup_container_id("c49").expect(name), id("b49"));
    }
}

#[test]
fn a_database_remembers_its_paths() {
    for &name in PERSISTENT {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("db");
        open(name, &file, &paths())
            .expect(name)
            .close()
            .expect("close");
        for (what, change) in [
            (
                "static dir",
                (|p: &mut DbPaths| p.static_dir = "/other".into()) as fn(&mut DbPaths),
            ),
            ("tmp dir", |p| p.tmp_dir = "/other".into()),
            ("graph root", |p| p.graph_root = "/other".into()),
            ("run root", |p| p.run_root = "/other".into()),
        ] {
            let mut p = paths();
            change(&mut p);
            let e = open(name, &file, &p).err().expect("mismatch");
            assert!(
                matches!(&e, StateError::PathMismatch { what: w, .. } if *w == what),
                "{name}: {e}"
            );
            let msg = e.to_string();
            assert!(
                msg.contains(what)
                    && msg.contains("/other")
                    && msg.contains(&file.display().to_string()),
                "{msg}"
            );
        }
        open(name, &file, &paths()).expect("same paths still open");
    }
}

fn set_schema_version(name: &str, file: &Path, v: u32) {
    match name {
        "sqlite" => {
            let c = rusqlite::Connection::open(file).expect("open");
            c.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                [v.to_string()],
            )
            .expect("update");
        }
        "redb" => {
            let db = redb::Database::create(file).expect("open");
            let tx = db.begin_write().expect("tx");
            {
                let mut t = tx
                    .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
                    .expect("table");
                t.insert("schema_version", v.to_string().as_bytes())
                    .expect("insert");
            }
            tx.commit().expect("commit");
        }
        _ => unreachable!(),
    }
}

#[test]
fn a_newer_schema_is_refused() {
    for &name in PERSISTENT {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("db");
        open(name, &file, &paths())
            .expect(name)
            .close()
            .expect("close");
        set_schema_version(name, &file, SCHEMA_VERSION + 1);
        let e = open(name, &file, &paths()).err().expect("newer");
        assert!(
            matches!(e, StateError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1),
            "{name}: {e}"
        );
        assert!(e.to_string().contains("upgrade"), "{e}");
    }
}

#[test]
fn garbage_and_truncated_files_are_errors_naming_the_file() {
    for &name in PERSISTENT {
        let dir = tempfile::tempdir().expect("tmp");
        let garbage = dir.path().join("garbage");
        std::fs::write(&garbage, vec![0x5a; 64 * 1024]).expect("write");
        let e = open(name, &garbage, &paths())
            .err()
            .expect("garbage must not open");
        assert!(
            e.to_string().contains(&garbage.display().to_string()),
            "{name}: {e}"
        );

        let file = dir.path().join("truncated");
        let s = open(name, &file, &paths()).expect(name);
        for i in 0..300 {
            let mut c = ctr(&format!("c{i:03}"), &format!("n{i}"));
            c.command = vec!["x".repeat(500)];
            s.add_container(&c, &st()).expect(name);
        }
        s.close().expect("close");
        let _ = std::fs::remove_file(dir.path().join("truncated-wal"));
        let len = std::fs::metadata(&file).expect("meta").len();
        for keep in [len / 2, 4096, 100] {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&file)
                .expect("open");
            f.set_len(keep).expect("truncate");
            drop(f);
            // Opening may succeed when the damage is not yet visible; reading everything must then fail.
            let r = open(name, &file, &paths())
                .and_then(|s| s.all_containers_with_state().map(|v| v.len()));
            match r {
                Ok(n) => panic!(
                    "{name}: a file truncated to {keep} of {len} bytes read back {n} containers"
                ),
                Err(e) => assert!(
                    e.to_string().contains(&file.display().to_string()),
                    "{name}: {e}"
                ),
            }
        }
    }
}

#[test]
fn four_processes_add_a_thousand_containers_without_lock_errors() {
    for &name in PERSISTENT {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("db");
        open(name, &file, &paths())
            .expect(name)
            .close()
            .expect("close");
        let kids: Vec<Child> = ["a", "b", "c", "d"]
            .iter()
            .map(|t| spawn("adder", name, &file, 250, t))
            .collect();
        for k in kids {
            let out = k.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "{name}: a child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let s = open(name, &file, &paths()).expect(name);
        let all = s.all_containers().expect(name);
        assert_eq!(all.len(), 1000, "{name}");
        for t in ["a", "b", "c", "d"] {
            assert_eq!(
                s.lookup_container_id(&format!("c{t}-249")).expect(name),
                id(&format!("{t}00249"))
            );
        }
    }
}

#[test]
fn killed_writers_never_lose_committed_data_or_corrupt_the_file() {
    for &name in PERSISTENT {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("db");
        open(name, &file, &paths())
            .expect(name)
            .close()
            .expect("close");
        let mut acknowledged: Vec<(String, u32)> = Vec::new();
        for round in 0..100u32 {
            let tag = format!("{round:03x}");
            let mut child = spawn("crasher", name, &file, 0, &tag);
            let mut out = BufReader::new(child.stdout.take().expect("stdout"));
            let mut last = None;
            // Kill after a varying number of acknowledged commits, 0 to 6.
            for _ in 0..(round % 7) {
                let mut line = String::new();
                while out.read_line(&mut line).expect("read") > 0 && !line.starts_with('@') {
                    line.clear();
                }
                last = line
                    .trim()
                    .strip_prefix('@')
                    .and_then(|n| n.parse::<u32>().ok());
            }
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            if let Some(n) = last {
                acknowledged.push((tag, n));
            }
            let s =
                open(name, &file, &paths()).unwrap_or_else(|e| panic!("{name} round {round}: {e}"));
            let all = s
                .all_containers_with_state()
                .unwrap_or_else(|e| panic!("{name} round {round}: {e}"));
            for (t, n) in &acknowledged {
                for i in 0..=*n {
                    let cid = id(&format!("{t}{i:05}"));
                    let state = s
                        .container_state(&cid)
                        .unwrap_or_else(|e| panic!("{name}: lost {cid}: {e}"));
                    assert_eq!(state.pid, Some(i), "{name}: committed state of {cid}");
                }
            }
            for (c, _) in &all {
                assert_eq!(
                    s.lookup_container_id(&c.name).expect("name index"),
                    c.id,
                    "{name}: index consistent"
                );
            }
            s.close().expect("close");
        }
    }
}
