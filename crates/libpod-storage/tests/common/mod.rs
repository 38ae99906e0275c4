//! Shared by the store's integration tests: a store of a test's own, the busybox image and
//! a count of mounts left behind.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use libpod_storage::extract::Limits;
use libpod_storage::{Store, StoreOptions};

/// A store under `dir` (`graph`, `run`) with `driver`.
pub fn open_store(dir: &Path, driver: &str) -> Store {
    Store::open(StoreOptions {
        graph_root: dir.join("graph"),
        run_root: dir.join("run"),
        driver: driver.into(),
        mount_options: vec![],
        search_registries: vec!["docker.io".into()],
        limits: Limits::default(),
    })
    .expect("open")
}

/// The busybox rootfs tarball the tests import.
pub fn busybox_tar() -> Vec<u8> {
    let mut v = Vec::new();
    libpod_storage::busybox::rootfs_tarball(
        libpod_storage::busybox::host_busybox().expect("busybox"),
        &mut v,
    )
    .expect("tarball");
    v
}

/// How many mounts are at or below `p`.
pub fn mounts_under(p: &Path) -> usize {
    let info = fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let p = p.display().to_string();
    info.lines()
        .filter(|l| l.split(' ').nth(4).is_some_and(|m| m.starts_with(&p)))
        .count()
}
