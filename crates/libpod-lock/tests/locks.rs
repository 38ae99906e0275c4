//! Lock tests across threads and real processes. Child processes are this test binary run
//! again with `LIBPOD_LOCK_CHILD` set, entering `child_entry`.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;

use libpod_lock::{LockError, LockManager};
use proptest::prelude::*;

const ROLE: &str = "LIBPOD_LOCK_CHILD";

/// Runs a child process in `role` on lock `number` of `file`.
fn spawn(role: &str, file: &Path, number: u32, extra: &str) -> (Child, BufReader<ChildStdout>) {
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "child_entry",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(ROLE, role)
        .env("LOCK_FILE", file)
        .env("LOCK_NUMBER", number.to_string())
        .env("LOCK_EXTRA", extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    (child, out)
}

/// Reads lines until one of ours (children print `@word`), skipping the harness's output.
fn expect_line(out: &mut BufReader<ChildStdout>) -> String {
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).expect("read") > 0,
            "child exited early"
        );
        if let Some(word) = line.trim().strip_prefix('@') {
            return word.to_string();
        }
    }
}

/// The child side. Does nothing in a normal test run.
#[test]
fn child_entry() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let file = PathBuf::from(std::env::var("LOCK_FILE").expect("LOCK_FILE"));
    let number: u32 = std::env::var("LOCK_NUMBER")
        .expect("n")
        .parse()
        .expect("number");
    let extra = std::env::var("LOCK_EXTRA").unwrap_or_default();
    let m = LockManager::open(&file).expect("open");
    let lock = m.retrieve(number).expect("retrieve");
    let say = |w: &str| {
        println!("@{w}");
        std::io::stdout().flush().expect("flush");
    };
    match role.as_str() {
        // Try, report busy or free, then block; report whether the parent had released first.
        "waiter" => {
            say(if lock.try_lock().expect("try").is_some() {
                "free"
            } else {
                "busy"
            });
            let _g = lock.lock().expect("lock");
            say(if Path::new(&extra).exists() {
                "after-release"
            } else {
                "before-release"
            });
        }
        // Take the lock and hold it until killed.
        "holder" => {
            let _g = lock.lock().expect("lock");
            say("held");
            std::thread::sleep(std::time::Duration::from_secs(600));
        }
        // Increment a counter file N times under the lock, with a read-modify-write race window.
        "counter" => {
            let n: u32 = extra.parse().expect("count");
            let counter = file.with_extension("counter");
            for _ in 0..n {
                let _g = lock.lock().expect("lock");
                let v: u64 = std::fs::read_to_string(&counter)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                std::thread::yield_now();
                std::fs::write(&counter, (v + 1).to_string()).expect("write");
            }
            say("done");
        }
        // Allocate N numbers and print them.
        "allocator" => {
            let n: u32 = extra.parse().expect("count");
            let nums: Vec<String> = (0..n)
                .map(|_| {
                    m.allocate()
                        .expect("alloc")
                        .number()
                        .expect("n")
                        .to_string()
                })
                .collect();
            say(&nums.join(","));
        }
        other => panic!("unknown role {other}"),
    }
}

fn setup() -> (tempfile::TempDir, PathBuf, LockManager) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("locks");
    let m = LockManager::open(&file).expect("open");
    (dir, file, m)
}

#[test]
fn a_waiter_in_another_process_blocks_until_release() {
    let (dir, file, m) = setup();
    let lock = m.allocate().expect("alloc");
    let n = lock.number().expect("numbered");
    let released = dir.path().join("released");
    let guard = lock.lock().expect("lock");
    let (mut child, mut out) = spawn("waiter", &file, n, released.to_str().expect("utf8"));
    assert_eq!(
        expect_line(&mut out),
        "busy",
        "the child must see the lock held"
    );
    // Mark the release before releasing: a child that got the lock early would not see it.
    std::fs::write(&released, "").expect("mark");
    drop(guard);
    assert_eq!(expect_line(&mut out), "after-release");
    assert!(child.wait().expect("wait").success());
}

#[test]
fn a_killed_holder_releases_its_lock() {
    let (_dir, file, m) = setup();
    let lock = m.allocate().expect("alloc");
    let (mut child, mut out) = spawn("holder", &file, lock.number().expect("n"), "");
    assert_eq!(expect_line(&mut out), "held");
    assert!(lock.try_lock().expect("try").is_none(), "held by the child");
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    // The kernel drops the child's locks when it closes its files on exit, before the reap.
    let g = lock
        .try_lock()
        .expect("try")
        .expect("released by the dead holder");
    drop(g);
}

#[test]
fn processes_exclude_each_other() {
    let (_dir, file, m) = setup();
    let lock = m.allocate().expect("alloc");
    let n = lock.number().expect("n");
    let kids: Vec<_> = (0..4).map(|_| spawn("counter", &file, n, "250")).collect();
    for (mut child, mut out) in kids {
        assert_eq!(expect_line(&mut out), "done");
        assert!(child.wait().expect("wait").success());
    }
    let total = std::fs::read_to_string(file.with_extension("counter")).expect("counter");
    assert_eq!(total, "1000", "lost updates mean two holders at once");
}

#[test]
fn threads_exclude_each_other() {
    for m in [setup().2, LockManager::in_memory()] {
        let lock = m.allocate().expect("alloc");
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let inside = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (lock, counter, inside) =
                    (lock.clone(), Arc::clone(&counter), Arc::clone(&inside));
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        let _g = lock.lock().expect("lock");
                        assert!(
                            !inside.swap(true, std::sync::atomic::Ordering::SeqCst),
                            "two holders"
                        );
                        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        inside.store(false, std::sync::atomic::Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), 4000);
    }
}

#[test]
fn two_managers_on_one_file_in_one_process_exclude_each_other() {
    let (_dir, file, a) = setup();
    let b = LockManager::open(&file).expect("second open");
    let la = a.allocate().expect("alloc");
    let lb = b.retrieve(la.number().expect("n")).expect("retrieve");
    let g = la.lock().expect("lock");
    assert!(lb.try_lock().expect("try").is_none());
    drop(g);
    assert!(lb.try_lock().expect("try").is_some());
}

#[test]
fn processes_allocate_distinct_numbers() {
    let (_dir, file, m) = setup();
    // Children retrieve the lock they are given before they start; number 0 is ours.
    assert_eq!(m.allocate().expect("alloc").number(), Some(0));
    let kids: Vec<_> = (0..4)
        .map(|_| spawn("allocator", &file, 0, "500"))
        .collect();
    let mut all = HashSet::new();
    for (mut child, mut out) in kids {
        for n in expect_line(&mut out).split(',') {
            assert!(all.insert(n.to_string()), "number {n} handed out twice");
        }
        assert!(child.wait().expect("wait").success());
    }
    assert_eq!(all.len(), 2000);
    assert_eq!(m.allocated_count().expect("count"), 2001);
}

#[test]
fn hundred_thousand_allocations_and_frees() {
    for m in [setup().2, LockManager::in_memory()] {
        let mut seen = HashSet::new();
        for _ in 0..100_000 {
            assert!(seen.insert(m.allocate().expect("alloc").number().expect("n")));
        }
        assert_eq!(m.allocated_count().expect("count"), 100_000);
        assert_eq!(seen.iter().max().copied(), Some(99_999), "dense allocation");
        for n in &seen {
            m.free(*n).expect("free");
        }
        assert_eq!(m.allocated_count().expect("count"), 0);
        assert_eq!(
            m.allocate().expect("realloc").number(),
            Some(0),
            "freed numbers are reused"
        );
    }
}

#[test]
fn no_small_ceiling_and_no_fd_per_lock() {
    let (_dir, _file, m) = setup();
    let fds_before = std::fs::read_dir("/proc/self/fd").expect("fds").count();
    let far = m.allocate_given(1_000_000).expect("a million");
    let top = m.allocate_given(u32::MAX).expect("the largest number");
    let held: Vec<_> = (0..2_000).map(|_| m.allocate().expect("alloc")).collect();
    let guards: Vec<_> = held
        .iter()
        .chain([&far, &top])
        .map(|l| l.lock().expect("lock"))
        .collect();
    let fds_after = std::fs::read_dir("/proc/self/fd").expect("fds").count();
    assert!(
        fds_after <= fds_before + 1,
        "{fds_before} fds before, {fds_after} with 2,002 locks held"
    );
    drop(guards);
    assert_eq!(
        m.retrieve(u32::MAX).expect("retrieve").number(),
        Some(u32::MAX)
    );
}

#[test]
fn misuse_gives_clear_errors() {
    for m in [setup().2, LockManager::in_memory()] {
        let n = m.allocate().expect("alloc").number().expect("n");
        m.free(n).expect("free");
        let e = m.free(n).expect_err("double free");
        assert!(matches!(e, LockError::NotAllocated(x) if x == n), "{e}");
        assert!(e.to_string().contains("not allocated"), "{e}");
        assert!(matches!(
            m.retrieve(4242),
            Err(LockError::NotAllocated(4242))
        ));
        m.allocate_given(7).expect("given");
        assert!(matches!(
            m.allocate_given(7),
            Err(LockError::AlreadyAllocated(7))
        ));
    }
}

#[test]
fn free_all_then_reclaim_after_reboot() {
    let (_dir, _file, m) = setup();
    for _ in 0..300 {
        m.allocate().expect("alloc");
    }
    m.free_all().expect("free all");
    assert_eq!(m.allocated_count().expect("count"), 0);
    m.allocate_given(5).expect("reclaim");
    assert_eq!(m.allocate().expect("alloc").number(), Some(0));
}

#[test]
fn runtime_lock_is_separate_from_numbered_locks() {
    let (_dir, file, m) = setup();
    let rl = m.runtime_lock();
    assert_eq!(rl.number(), None);
    let l0 = m.allocate().expect("alloc");
    let _g = rl.lock().expect("runtime lock");
    assert!(l0.try_lock().expect("try").is_some());
    let other = LockManager::open(&file).expect("open");
    assert!(other.runtime_lock().try_lock().expect("try").is_none());
}

#[test]
fn a_foreign_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("locks");
    std::fs::write(&p, "this is not a lock file").expect("write");
    let e = LockManager::open(&p).expect_err("foreign file");
    assert!(matches!(e, LockError::BadFile { .. }), "{e}");
    assert!(e.to_string().contains(&p.display().to_string()));
}

#[test]
fn explicit_unlock_and_guard_drop_both_release() {
    let m = LockManager::in_memory();
    let l = m.allocate().expect("alloc");
    l.lock().expect("lock").unlock().expect("unlock");
    assert!(l.try_lock().expect("try").is_some());
}

#[derive(Debug, Clone)]
enum Op {
    Alloc,
    Given(u32),
    Free(u32),
    FreeAll,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Alloc),
        1 => (0u32..300).prop_map(Op::Given),
        3 => (0u32..300).prop_map(Op::Free),
        1 => Just(Op::FreeAll),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The allocator matches a set model: lowest-free-first is not promised, uniqueness is.
    #[test]
    fn allocator_matches_a_set_model(ops in prop::collection::vec(op(), 1..200)) {
        let (_dir, _file, file_m) = setup();
        for m in [file_m, LockManager::in_memory()] {
            let mut model = HashSet::new();
            for op in &ops {
                match *op {
                    Op::Alloc => {
                        let n = m.allocate().expect("alloc").number().expect("n");
                        prop_assert!(model.insert(n), "allocated {} twice", n);
                    }
                    Op::Given(n) => prop_assert_eq!(m.allocate_given(n).is_ok(), model.insert(n)),
                    Op::Free(n) => prop_assert_eq!(m.free(n).is_ok(), model.remove(&n)),
                    Op::FreeAll => { m.free_all().expect("free all"); model.clear(); }
                }
                prop_assert_eq!(m.allocated_count().expect("count"), model.len() as u64);
            }
        }
    }
}

#[test]
fn allocate_locked_hands_out_held_locks() {
    for m in [setup().2, LockManager::in_memory()] {
        let (l, g) = m.allocate_locked().expect("allocate locked");
        assert!(l.try_lock().expect("try").is_none(), "held from the start");
        let (l2, _g2) = m.allocate_locked().expect("second");
        assert_ne!(l.number(), l2.number());
        drop(g);
        assert!(l.try_lock().expect("try").is_some());
        assert_eq!(
            m.allocated().expect("list"),
            vec![l.number().expect("n"), l2.number().expect("n")]
        );
    }
}
