//! Container layers for user namespaces where idmapped mounts are off
//! (`LIBPOD_RS_OVERLAY_DISABLE_IDMAP=yes`): copies of the image layers owned through the
//! mappings, shared by containers with the same mapping and collected with the last one.
//! A test binary of its own: the variable is set before any thread starts.

use std::fs;
use std::os::unix::fs::MetadataExt;

mod common;

use libpod_config::IdMappings;
use libpod_storage::LayerUserNs;

#[test]
fn mapped_copies_stand_in_for_idmapped_layers() {
    let ok = nix::unistd::geteuid().is_root() && libpod_storage::busybox::host_busybox().is_some();
    assert!(
        ok || std::env::var("CI").is_err(),
        "CI: root and busybox-static are required"
    );
    if !ok {
        return;
    }
    // SAFETY: the only test of this binary, before it starts any thread.
    unsafe { std::env::set_var("LIBPOD_RS_OVERLAY_DISABLE_IDMAP", "yes") };
    let dir = tempfile::tempdir().expect("tmp");
    let s = common::open_store(dir.path(), "overlay");
    s.import_tarball(&common::busybox_tar()[..], Some("busybox"), &[], None)
        .expect("import");
    let m = LayerUserNs::Mapped(IdMappings::single(600000, 700000, 65536));
    for id in ["c1", "c2"] {
        s.create_container_for(id, Some("busybox"), "", &m)
            .expect("create");
        let root = s.mount(id).expect("mount");
        let b = fs::metadata(root.join("bin/busybox")).expect("busybox");
        assert_eq!((b.uid(), b.gid()), (600000, 700000));
        s.unmount(id, false).expect("unmount");
    }
    let mapped = dir.path().join("graph/mapped");
    let copies = |p: &std::path::Path| fs::read_dir(p).map(|d| d.count()).unwrap_or(0);
    assert_eq!(copies(&mapped), 1, "one mapping, one set of copies");
    let original = dir.path().join("graph/layers");
    let any_layer = fs::read_dir(&original)
        .expect("layers")
        .flatten()
        .next()
        .expect("a layer");
    assert_eq!(
        fs::metadata(any_layer.path().join("bin/busybox"))
            .expect("orig")
            .uid(),
        0
    );
    s.delete_container("c1").expect("delete");
    assert_eq!(copies(&mapped), 1, "still used by c2");
    s.delete_container("c2").expect("delete");
    assert_eq!(copies(&mapped), 0, "collected with the last user");
}
