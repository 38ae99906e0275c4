//! Pull bench: a 50 MB image (one layer of pseudo-random files) from a loopback
//! docker-registry, `Store::pull` into a fresh store (download, verify, extract, record) against
//! `skopeo copy` of the same image into an OCI layout (download and verify only). Needs root,
//! docker-registry and skopeo. Goal: not slower than skopeo.
#![allow(missing_docs)]

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use libpod_benches::layer;
use libpod_storage::extract::Limits;
use libpod_storage::{PullOptions, Store, StoreOptions};

fn store(dir: &Path) -> Store {
    Store::open(StoreOptions {
        graph_root: dir.join("graph"),
        run_root: dir.join("run"),
        driver: "overlay".into(),
        mount_options: vec![],
        search_registries: vec![],
        limits: Limits::default(),
    })
    .expect("store")
}

fn bench_pull(c: &mut Criterion) {
    let missing: Vec<&str> = [
        ("root", nix::unistd::geteuid().is_root()),
        (
            "docker-registry",
            Path::new("/usr/bin/docker-registry").exists(),
        ),
        ("skopeo", Path::new("/usr/bin/skopeo").exists()),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(what, _)| what)
    .collect();
    if !missing.is_empty() {
        eprintln!(
            "pull bench needs {}; skipped (`cargo xtask setup`)",
            missing.join(", ")
        );
        return;
    }
    let work = tempfile::tempdir_in("/var/tmp").expect("tmp");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let conf = work.path().join("registry.yml");
    std::fs::write(
        &conf,
        format!(
            "version: 0.1\nstorage: {{filesystem: {{rootdirectory: {}}}}}\nhttp: {{addr: {addr}}}\n",
            work.path().join("registry").display()
        ),
    )
    .expect("config");
    let mut registry = Command::new("/usr/bin/docker-registry")
        .arg("serve")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "docker-registry did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }

    // 800 files of 64 KiB: a 50 MB layer that does not compress.
    let tarball = work.path().join("50MB.tar");
    layer(&tarball, 800, 64 << 10);
    let bytes = std::fs::metadata(&tarball).expect("size").len();
    let seed = store(&work.path().join("seed"));
    seed.import_tarball(
        std::fs::File::open(&tarball).expect("open"),
        Some("big"),
        &[],
        None,
    )
    .expect("import");
    let archive = work.path().join("big-oci.tar");
    seed.save_oci_archive(
        "big",
        std::fs::File::create(&archive).expect("create"),
        None,
    )
    .expect("save");
    let image = format!("{addr}/big:latest");
    let st = Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false"])
        .arg(format!("oci-archive:{}", archive.display()))
        .arg(format!("docker://{image}"))
        .status()
        .expect("skopeo");
    assert!(st.success(), "seeding the registry failed");

    let opts = PullOptions {
        insecure: vec![addr.clone()],
        ..Default::default()
    };
    let mut g = c.benchmark_group("pull");
    g.throughput(Throughput::Bytes(bytes))
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    g.bench_function("store_pull_50MB", |b| {
        b.iter_custom(|n| {
            let mut total = Duration::ZERO;
            for _ in 0..n {
                let dir = tempfile::tempdir_in(work.path()).expect("tmp");
                let s = store(dir.path());
                // Each pull starts with no writeback owed by the one before (for both tools).
                nix::unistd::sync();
                let t = Instant::now();
                s.pull(&image, &opts, None).expect("pull");
                total += t.elapsed();
            }
            total
        })
    });
    g.bench_function("skopeo_copy_oci_50MB", |b| {
        b.iter_custom(|n| {
            let mut total = Duration::ZERO;
            for _ in 0..n {
                let dir = tempfile::tempdir_in(work.path()).expect("tmp");
                nix::unistd::sync();
                let t = Instant::now();
                let st = Command::new("skopeo")
                    .args(["copy", "--quiet", "--src-tls-verify=false"])
                    .arg(format!("docker://{image}"))
                    .arg(format!(
                        "oci:{}:latest",
                        dir.path().join("layout").display()
                    ))
                    .status()
                    .expect("skopeo");
                total += t.elapsed();
                assert!(st.success());
            }
            total
        })
    });
    g.finish();
    let _ = registry.kill();
    let _ = registry.wait();
}

criterion_group!(benches, bench_pull);
criterion_main!(benches);
