//! OCI bench: one `/bin/true` container, created, started, waited for and deleted through
//! conmon by our executor, against the floor on the same machine: `runc run` of the same
//! bundle, and `runc create/start/delete` without conmon. Needs root, runc, conmon, busybox.
//! Goal: our overhead over the bare conmon + runc path under 10 ms.
#![allow(missing_docs)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use libpod_oci::{ContainerPaths, ContainerSpec, CreateOptions, Executor, RuncCompatible};

fn runc(root: &Path) -> Command {
    let mut c = Command::new("/usr/sbin/runc");
    c.arg("--root")
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn bench_oci(c: &mut Criterion) {
    let ready = nix::unistd::geteuid().is_root()
        && ["/usr/sbin/runc", "/usr/bin/conmon", "/bin/busybox"]
            .iter()
            .all(|p| Path::new(p).exists());
    if !ready {
        eprintln!("oci bench needs root, runc, conmon and busybox-static; skipped");
        return;
    }
    let work = tempfile::tempdir_in("/var/tmp").expect("tmp");
    let rootfs = work.path().join("rootfs");
    std::fs::create_dir_all(rootfs.join("bin")).expect("mkdir");
    for d in ["proc", "sys", "dev", "etc", "tmp"] {
        std::fs::create_dir_all(rootfs.join(d)).expect("mkdir");
    }
    std::fs::copy("/bin/busybox", rootfs.join("bin/busybox")).expect("copy");
    std::os::unix::fs::symlink("busybox", rootfs.join("bin/true")).expect("link");
    let state = work.path().join("runtime");
    let rt = RuncCompatible::new(
        "runc",
        Path::new("/usr/sbin/runc"),
        &state,
        &work.path().join("w"),
    )
    .expect("runtime");
    let exec = Executor::new(
        Arc::new(rt),
        Path::new("/usr/bin/conmon"),
        vec![libpod_oci::DEFAULT_PATH.into()],
        false,
    )
    .expect("executor");
    let mut n = 0u64;
    let mut next = |tag: &str| {
        n += 1;
        format!("{tag}{n:0>60}")
    };
    let spec = |id: &str| ContainerSpec {
        id: id.to_string(),
        rootfs: rootfs.clone(),
        command: vec!["/bin/true".into()],
        ..Default::default()
    };
    // One shared bundle for the floors (runc takes the container ID on the command line).
    let floor_bundle = work.path().join("floor");
    libpod_oci::write_bundle(
        &floor_bundle,
        &libpod_oci::generate(&spec(&"f".repeat(64))).expect("spec"),
    )
    .expect("bundle");

    let mut g = c.benchmark_group("oci");
    g.sample_size(30).measurement_time(Duration::from_secs(10));
    g.bench_function("floor_runc_run", |b| {
        b.iter(|| {
            let id = next("r");
            let st = runc(&state)
                .arg("run")
                .arg("--bundle")
                .arg(&floor_bundle)
                .arg(&id)
                .status()
                .expect("runc run");
            assert!(st.success());
        })
    });
    g.bench_function("floor_runc_create_start_delete", |b| {
        b.iter(|| {
            let id = next("c");
            assert!(
                runc(&state)
                    .arg("create")
                    .arg("--bundle")
                    .arg(&floor_bundle)
                    .arg(&id)
                    .status()
                    .expect("create")
                    .success()
            );
            assert!(
                runc(&state)
                    .arg("start")
                    .arg(&id)
                    .status()
                    .expect("start")
                    .success()
            );
            // Delete right after start races a short-lived process: wait, then delete.
            while runc(&state)
                .arg("state")
                .arg(&id)
                .stdout(Stdio::piped())
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("\"running\""))
                .unwrap_or(false)
            {
                std::thread::sleep(Duration::from_micros(200));
            }
            assert!(
                runc(&state)
                    .arg("delete")
                    .arg("--force")
                    .arg(&id)
                    .status()
                    .expect("delete")
                    .success()
            );
        })
    });
    g.bench_function("ours_spec_and_bundle_only", |b| {
        b.iter(|| {
            let id = next("s");
            let bundle = work.path().join("specs").join(&id);
            libpod_oci::write_bundle(&bundle, &libpod_oci::generate(&spec(&id)).expect("spec"))
                .expect("bundle");
            let _ = std::fs::remove_dir_all(&bundle);
        })
    });
    g.bench_function("ours_conmon_create_start_wait_delete", |b| {
        b.iter(|| {
            let id = next("o");
            let paths =
                ContainerPaths::new(&id, &work.path().join("run"), &work.path().join("data"));
            libpod_oci::write_bundle(
                &paths.bundle,
                &libpod_oci::generate(&spec(&id)).expect("spec"),
            )
            .expect("bundle");
            let cr = exec
                .create(
                    &paths,
                    &CreateOptions {
                        id: id.clone(),
                        name: "bench".into(),
                        ..Default::default()
                    },
                )
                .expect("create");
            exec.start(&id).expect("start");
            assert_eq!(
                exec.wait(&id, &paths, cr.conmon_pid, Some(Duration::from_secs(30)))
                    .expect("wait"),
                0
            );
            exec.delete(&id, false).expect("delete");
            let _ = std::fs::remove_dir_all(&paths.bundle);
        })
    });
    g.finish();
}

criterion_group!(benches, bench_oci);
criterion_main!(benches);
