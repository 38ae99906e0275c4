//! Container layers for user namespaces (as root): the image's files seen through the
//! mappings (idmapped lowers on overlay, a shifted copy on vfs), the writable root owned by
//! the mapped root, and `auto` ranges that never overlap.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

mod common;

use common::{busybox_tar, mounts_under, open_store};
use libpod_config::IdMappings;
use libpod_storage::{AutoIds, LayerUserNs, StorageError, Store};

fn ready() -> bool {
    let ok = nix::unistd::geteuid().is_root() && libpod_storage::busybox::host_busybox().is_some();
    assert!(
        ok || std::env::var("CI").is_err(),
        "CI: root and busybox-static are required (run `cargo xtask setup`)"
    );
    ok
}

/// A store under `dir` with busybox imported.
fn store(dir: &Path, driver: &str) -> Store {
    let s = open_store(dir, driver);
    s.import_tarball(&busybox_tar()[..], Some("busybox"), &[], None)
        .expect("import");
    s
}

fn mapped_files_show_the_mapped_owners(driver: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    let s = store(dir.path(), driver);
    let m = IdMappings::single(200000, 300000, 65536);
    let c = s
        .create_container_for("m1", Some("busybox"), "", &LayerUserNs::Mapped(m.clone()))
        .expect("create");
    assert_eq!(c.id_mappings.as_ref(), Some(&m));
    let root = s.mount("m1").expect("mount");
    let meta = |p: &str| fs::symlink_metadata(root.join(p)).expect(p);
    assert_eq!(
        (meta("bin/busybox").uid(), meta("bin/busybox").gid()),
        (200000, 300000)
    );
    assert_eq!(
        (meta("").uid(), meta("").gid()),
        (200000, 300000),
        "the root"
    );
    // The host's view of what the mapped root writes: the mapped IDs.
    fs::write(root.join("new"), "x").expect("write");
    s.unmount("m1", false).expect("unmount");
    assert_eq!(
        mounts_under(&dir.path().join("graph")),
        0,
        "no idmapped bind left"
    );
    // The same layer mounts again (the recorded mappings survive a reopen).
    drop(s);
    let s = open_store(dir.path(), driver);
    let root = s.mount("m1").expect("mount again");
    assert!(root.join("new").is_file());
    assert_eq!(fs::metadata(root.join("bin")).expect("bin").uid(), 200000);
    s.delete_container("m1").expect("delete");
    assert_eq!(mounts_under(&dir.path().join("graph")), 0);
}

#[test]
fn overlay_layers_are_idmapped() {
    if ready() {
        mapped_files_show_the_mapped_owners("overlay");
    }
}

#[test]
fn vfs_layers_are_shifted() {
    if ready() {
        mapped_files_show_the_mapped_owners("vfs");
    }
}

#[test]
fn auto_ranges_never_overlap_and_run_out_cleanly() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let s = store(dir.path(), "overlay");
    let auto = |size| {
        LayerUserNs::Auto(AutoIds {
            size,
            max_size: 65536,
            uids: vec![(100000, 3000)],
            gids: vec![(500000, 3000)],
        })
    };
    // busybox needs few IDs: the minimum of 1024.
    let a = s
        .create_container_for("a", Some("busybox"), "", &auto(None))
        .expect("a");
    assert_eq!(
        a.id_mappings,
        Some(IdMappings::single(100000, 500000, 1024))
    );
    let b = s
        .create_container_for("b", Some("busybox"), "", &auto(Some(1500)))
        .expect("b");
    assert_eq!(
        b.id_mappings,
        Some(IdMappings::single(101024, 501024, 1500))
    );
    let e = s
        .create_container_for("c", Some("busybox"), "", &auto(Some(1000)))
        .expect_err("only 476 left");
    assert!(matches!(e, StorageError::NoFreeIds(_)), "{e}");
    assert!(
        !dir.path().join("graph/containers/c").exists(),
        "nothing made"
    );
    // A removed container's range is free again.
    s.delete_container("a").expect("delete");
    let c = s
        .create_container_for("c", Some("busybox"), "", &auto(Some(1000)))
        .expect("c");
    assert_eq!(
        c.id_mappings,
        Some(IdMappings::single(100000, 500000, 1000))
    );
}
