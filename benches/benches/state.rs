//! State benches per backend at 100, 1,000 and 10,000 containers: add (+remove, to keep the
//! size fixed), lookup by name, lookup by ID prefix, list all with state, save state.
//! Goals at 10,000: a lookup under 20 µs, listing all with state under 50 ms.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use libpod_state::{
    ContainerConfig, ContainerState, ContainerStatus, DbPaths, Snapshot, State, new_id,
};

/// A container config of realistic size (about 600 bytes encoded).
fn config(i: usize) -> ContainerConfig {
    ContainerConfig {
        id: new_id().expect("id"),
        name: format!("container-{i}"),
        lock: i as u32,
        created: 1_700_000_000_000_000_000 + i as i64,
        image_id: "f".repeat(64),
        image_name: "localhost/busybox:latest".into(),
        command: vec!["httpd".into(), "-f".into(), "-p".into(), "8080".into()],
        env: vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            "TERM=xterm".into(),
        ],
        labels: BTreeMap::from([
            ("app".into(), "web".into()),
            ("tier".into(), format!("t{}", i % 7)),
        ]),
        oci_runtime: "runc".into(),
        ..Default::default()
    }
}

fn running() -> ContainerState {
    ContainerState {
        status: ContainerStatus::Running,
        pid: Some(4242),
        conmon_pid: Some(4241),
        ..Default::default()
    }
}

fn open(backend: &str, dir: &std::path::Path) -> Box<dyn State> {
    let paths = DbPaths::default();
    match backend {
        "memory" => libpod_state::open_memory(&paths),
        "sqlite" => libpod_state::open_sqlite(&dir.join("state.sqlite3"), &paths),
        _ => libpod_state::open_redb(&dir.join("state.redb"), &paths),
    }
    .expect("open")
}

fn bench_state(c: &mut Criterion) {
    for backend in ["memory", "sqlite", "redb"] {
        for n in [100usize, 1_000, 10_000] {
            let dir = tempfile::tempdir().expect("tmp");
            let state = open(backend, dir.path());
            // Filled in one transaction through import, so setup takes seconds, not minutes.
            let containers: Vec<_> = (0..n).map(|i| (config(i), running())).collect();
            state
                .import(&Snapshot {
                    containers: containers.clone(),
                    ..Default::default()
                })
                .expect("import");
            let target = &containers[n / 2].0;
            let mut g = c.benchmark_group(format!("state/{backend}"));
            g.measurement_time(Duration::from_secs(3))
                .warm_up_time(Duration::from_millis(500));
            g.bench_function(BenchmarkId::new("lookup_name", n), |b| {
                b.iter(|| state.lookup_container(&target.name).expect("lookup"))
            });
            g.bench_function(BenchmarkId::new("lookup_prefix", n), |b| {
                b.iter(|| state.lookup_container(&target.id[..12]).expect("lookup"))
            });
            g.bench_function(BenchmarkId::new("list_with_state", n), |b| {
                b.iter(|| state.all_containers_with_state().expect("list"))
            });
            // Durable writes (an fsync each on disk backends) get fewer samples.
            if backend != "memory" {
                g.sample_size(20);
            }
            g.bench_function(BenchmarkId::new("save_state", n), |b| {
                b.iter(|| {
                    state
                        .save_container_state(&target.id, &running())
                        .expect("save")
                })
            });
            let mut k = n;
            g.bench_function(BenchmarkId::new("add_remove", n), |b| {
                b.iter(|| {
                    k += 1;
                    let c = config(k);
                    state.add_container(&c, &running()).expect("add");
                    state.remove_container(&c.id).expect("remove");
                })
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench_state);
criterion_main!(benches);
