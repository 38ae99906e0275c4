//! Lock bench: an uncontended lock+unlock pair, and allocate+free (goal: a pair under 2 µs).
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use libpod_lock::LockManager;

fn bench_locks(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = LockManager::open(&dir.path().join("locks")).expect("open lock file");
    let memory = LockManager::in_memory();
    for (name, m) in [("file", &file), ("memory", &memory)] {
        let lock = m.allocate().expect("allocate");
        c.bench_function(&format!("lock/{name}/lock_unlock"), |b| {
            b.iter(|| drop(lock.lock().expect("lock")))
        });
        c.bench_function(&format!("lock/{name}/try_lock_unlock"), |b| {
            b.iter(|| drop(lock.try_lock().expect("try_lock")))
        });
        // Allocation with 10,000 numbers already taken, so the scan has work to skip.
        for _ in 0..10_000 {
            m.allocate().expect("allocate");
        }
        c.bench_function(&format!("lock/{name}/allocate_free"), |b| {
            b.iter(|| {
                let l = m.allocate().expect("allocate");
                m.free(l.number().expect("numbered")).expect("free");
            })
        });
    }
}

criterion_group!(benches, bench_locks);
criterion_main!(benches);
