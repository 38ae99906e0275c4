//! Pull bench: a 50 MB image from a loopback docker-registry, `Store::pull` into a fresh store
//! (download, verify, extract, record) against `skopeo copy` of the same image into an OCI
//! layout (download and verify only). Two images: one uncompressed layer of pseudo-random
//! files, and one gzip layer of text. Needs root, docker-registry and skopeo. Goal: not slower
//! than skopeo.
#![allow(missing_docs)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use libpod_benches::{layer, text_layer};
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

/// Puts each pull, for both tools, on the same footing: no writeback owed by the one before,
/// the registry's files and skopeo's binary, libraries and configuration in memory (`warm`),
/// and the destination's page cache and inode tables cold.
/// This VM's ext4 has no journal, and there a new inode skips every inode deleted in the last
/// 5 s whose inode-table block is still cached: with the previous iteration's 800 files just
/// deleted, creates cost 200 µs each (`perf`: 37% of samples in `recently_deleted`). Keeping
/// the files instead doubled the kernel time of every write once the page cache grew past the
/// memory used before (this VM seems to back guest memory lazily). Dropping clean caches
/// avoids both.
fn settle(warm_paths: &[PathBuf]) {
    nix::unistd::sync();
    std::fs::write("/proc/sys/vm/drop_caches", "1").expect("drop caches");
    fn warm(p: &Path) {
        if p.is_dir() {
            for e in std::fs::read_dir(p).expect("read dir").flatten() {
                warm(&e.path());
            }
        } else if p.is_file() {
            let _ = std::io::copy(
                &mut std::fs::File::open(p).expect("open"),
                &mut std::io::sink(),
            );
        }
    }
    for p in warm_paths {
        warm(p);
    }
}

/// The shared libraries `bin` loads, as `ldd` lists them.
fn libraries(bin: &str) -> Vec<PathBuf> {
    let out = Command::new("ldd").arg(bin).output().expect("ldd");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with('/'))
        .map(PathBuf::from)
        .collect()
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
    let registry_root = work.path().join("registry");
    let conf = work.path().join("registry.yml");
    std::fs::write(
        &conf,
        format!(
            "version: 0.1\nstorage: {{filesystem: {{rootdirectory: {}}}}}\nhttp: {{addr: {addr}}}\n",
            registry_root.display()
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

    // 800 files of 64 KiB: a 50 MB layer that does not compress, stored as it is; and 50 MB
    // of text in a gzip layer (about 1/4 the size), as most images on registries are.
    let plain = work.path().join("50MB.tar");
    layer(&plain, 800, 64 << 10);
    let text = work.path().join("50MB-text.tar");
    text_layer(&text, 800, 64 << 10);
    let gzipped = work.path().join("50MB-text.tar.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&gzipped).expect("create"),
        flate2::Compression::default(),
    );
    std::io::copy(&mut std::fs::File::open(&text).expect("open"), &mut gz).expect("gzip");
    gz.finish().expect("gzip");
    let seed = store(&work.path().join("seed"));
    let images = [("big", &plain, "50MB"), ("text", &gzipped, "50MB_gzip")];
    for (name, tarball, _) in images {
        seed.import_tarball(
            std::fs::File::open(tarball).expect("open"),
            Some(name),
            &[],
            None,
        )
        .expect("import");
        let archive = work.path().join(format!("{name}-oci.tar"));
        seed.save_oci_archive(name, std::fs::File::create(&archive).expect("create"), None)
            .expect("save");
        let st = Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .arg(format!("oci-archive:{}", archive.display()))
            .arg(format!("docker://{addr}/{name}:latest"))
            .status()
            .expect("skopeo");
        assert!(st.success(), "seeding the registry failed");
    }

    let mut warm_paths = vec![
        registry_root.clone(),
        PathBuf::from("/usr/bin/skopeo"),
        PathBuf::from("/etc/containers"),
    ];
    warm_paths.extend(libraries("/usr/bin/skopeo"));
    let opts = PullOptions {
        insecure: vec![addr.clone()],
        ..Default::default()
    };
    let mut g = c.benchmark_group("pull");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for (name, _, label) in images {
        let image = format!("{addr}/{name}:latest");
        // Throughput counts the layer's uncompressed bytes: what ends up on disk.
        let bytes = std::fs::metadata(if name == "big" { &plain } else { &text })
            .expect("size")
            .len();
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function(format!("store_pull_{label}"), |b| {
            b.iter_custom(|n| {
                let mut total = Duration::ZERO;
                for _ in 0..n {
                    let dir = tempfile::tempdir_in(work.path()).expect("tmp");
                    let s = store(dir.path());
                    settle(&warm_paths);
                    let t = Instant::now();
                    s.pull(&image, &opts, None).expect("pull");
                    total += t.elapsed();
                }
                total
            })
        });
        // For the gzip image, also skopeo inflating as it copies (only its `dir:` transport
        // can): like us it then inflates and writes 50 MB, but still creates no files.
        let skopeo_runs: &[(&str, &[&str], &str)] = if name == "big" {
            &[("oci", &[], "oci:")]
        } else {
            &[
                ("oci", &[], "oci:"),
                ("dir_decompressed", &["--dest-decompress"], "dir:"),
            ]
        };
        for (kind, extra, transport) in skopeo_runs {
            g.bench_function(format!("skopeo_copy_{kind}_{label}"), |b| {
                b.iter_custom(|n| {
                    let mut total = Duration::ZERO;
                    for _ in 0..n {
                        let dir = tempfile::tempdir_in(work.path()).expect("tmp");
                        settle(&warm_paths);
                        let t = Instant::now();
                        let st = Command::new("skopeo")
                            .args(["copy", "--quiet", "--src-tls-verify=false"])
                            .args(*extra)
                            .arg(format!("docker://{image}"))
                            .arg(format!(
                                "{transport}{}",
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
        }
    }
    g.finish();
    let _ = registry.kill();
    let _ = registry.wait();
}

criterion_group!(benches, bench_pull);
criterion_main!(benches);
