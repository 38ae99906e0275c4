//! Storage benches: extracting a 10 MB and a 100 MB layer with our extractor against `tar -x`
//! of the same file (the floor), a full `import` of the same tarball, and a container root
//! filesystem's create + mount + unmount + delete. Needs root (overlay mounts).
//! Goals: extraction within 1.5x of `tar -x`; create + mount under 5 ms.
#![allow(missing_docs)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use libpod_benches::layer;
use libpod_storage::extract::{Limits, Whiteouts, extract_layer};
use libpod_storage::{Store, StoreOptions};

/// Times only `f`, with a fresh empty directory each iteration.
fn timed(iters: u64, base: &Path, mut f: impl FnMut(&Path)) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let dir = tempfile::tempdir_in(base).expect("tmp");
        let t = Instant::now();
        f(dir.path());
        total += t.elapsed();
    }
    total
}

fn bench_storage(c: &mut Criterion) {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("storage benches need root (overlay mounts); skipped");
        return;
    }
    let work = tempfile::tempdir_in("/var/tmp").expect("tmp");
    let store = Store::open(StoreOptions {
        graph_root: work.path().join("graph"),
        run_root: work.path().join("run"),
        driver: "overlay".into(),
        mount_options: vec![],
        search_registries: vec![],
        limits: Limits::default(),
    })
    .expect("store");
    for (label, files, size) in [("10MB", 640, 16 << 10), ("100MB", 1600, 64 << 10)] {
        let tarball = work.path().join(format!("{label}.tar"));
        layer(&tarball, files, size);
        let bytes = std::fs::metadata(&tarball).expect("size").len();
        let mut g = c.benchmark_group("layer");
        g.throughput(Throughput::Bytes(bytes))
            .sample_size(10)
            .measurement_time(Duration::from_secs(8));
        g.bench_function(BenchmarkId::new("tar_x", label), |b| {
            b.iter_custom(|n| {
                timed(n, work.path(), |d| {
                    let st = Command::new("tar")
                        .arg("-xf")
                        .arg(&tarball)
                        .arg("-C")
                        .arg(d)
                        .status()
                        .expect("tar");
                    assert!(st.success());
                })
            })
        });
        g.bench_function(BenchmarkId::new("extract", label), |b| {
            b.iter_custom(|n| {
                timed(n, work.path(), |d| {
                    let f = std::fs::File::open(&tarball).expect("open");
                    extract_layer(f, d, Whiteouts::Overlay, Limits::default()).expect("extract");
                })
            })
        });
        g.bench_function(BenchmarkId::new("import", label), |b| {
            b.iter_custom(|n| {
                let mut total = Duration::ZERO;
                for _ in 0..n {
                    let f = std::fs::File::open(&tarball).expect("open");
                    let t = Instant::now();
                    let img = store
                        .import_tarball(f, Some("bench"), &[], None)
                        .expect("import");
                    total += t.elapsed();
                    store.remove_image(&img.id, true).expect("remove");
                }
                total
            })
        });
        g.finish();
    }
    let tar = work.path().join("10MB.tar");
    store
        .import_tarball(
            std::fs::File::open(&tar).expect("open"),
            Some("base"),
            &[],
            None,
        )
        .expect("import");
    let mut g = c.benchmark_group("rootfs");
    let mut n = 0u64;
    g.bench_function("create_mount", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let id = format!("bench{n}");
                let t = Instant::now();
                store.create_container(&id, Some("base")).expect("create");
                store.mount(&id).expect("mount");
                total += t.elapsed();
                store.delete_container(&id).expect("delete");
            }
            total
        })
    });
    g.bench_function("create_mount_unmount_delete", |b| {
        b.iter(|| {
            n += 1;
            let id = format!("bench{n}");
            store.create_container(&id, Some("base")).expect("create");
            store.mount(&id).expect("mount");
            store.unmount(&id, false).expect("unmount");
            store.delete_container(&id).expect("delete");
        })
    });
    g.finish();
}

criterion_group!(benches, bench_storage);
criterion_main!(benches);
