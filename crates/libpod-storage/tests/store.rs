//! The store against real overlay mounts (as root), with images built from busybox-static.
//! Tests that need root, busybox or skopeo skip outside CI and fail inside it.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{busybox_tar, mounts_under};
use libpod_storage::extract::Limits;
use libpod_storage::{ChangeKind, StorageError, Store, StoreOptions};

/// Skips (outside CI) or fails (in CI) when something the test needs is missing.
fn require(what: &str, ok: bool) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI: {what} is required but missing (run `cargo xtask setup`)"
    );
    eprintln!("skipping: {what} is missing (run `cargo xtask setup`)");
    false
}

fn ready() -> bool {
    require("root", nix::unistd::geteuid().is_root())
        && require(
            "busybox-static",
            libpod_storage::busybox::host_busybox().is_some(),
        )
}

struct T {
    dir: tempfile::TempDir,
    store: Store,
}

impl T {
    fn new(driver: &str) -> T {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(StoreOptions {
            graph_root: dir.path().join("graph"),
            run_root: dir.path().join("run"),
            driver: driver.into(),
            mount_options: vec![],
            search_registries: vec!["docker.io".into()],
            limits: Limits::default(),
        })
        .expect("open");
        T { dir, store }
    }
    fn graph(&self) -> PathBuf {
        self.dir.path().join("graph")
    }
    /// Files in the blob store and layer dirs: what a leak would leave.
    fn files(&self) -> (usize, usize) {
        let n = |p: PathBuf| fs::read_dir(p).map(|d| d.count()).unwrap_or(0);
        (
            n(self.graph().join("blobs/sha256")),
            n(self.graph().join("layers")),
        )
    }
}

impl Drop for T {
    fn drop(&mut self) {
        // Never leave a mount behind, whatever a test did.
        for c in self.store.containers().unwrap_or_default() {
            let _ = self.store.delete_container(&c.id);
        }
    }
}

#[test]
fn import_with_changes_and_look_up_as_podman_does() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    let changes: Vec<String> = [
        "CMD [\"sh\", \"-c\", \"echo hi\"]",
        "ENV A=1 B=two",
        "WORKDIR /tmp",
        "EXPOSE 80 53/udp",
        "LABEL app=web",
        "USER tester",
        "STOPSIGNAL SIGINT",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let img = t
        .store
        .import_tarball(&busybox_tar()[..], Some("busybox"), &changes, None)
        .expect("import");
    assert_eq!(img.names, vec!["localhost/busybox:latest".to_string()]);
    assert_eq!(
        img.config.cmd,
        Some(vec!["sh".into(), "-c".into(), "echo hi".into()])
    );
    assert_eq!(img.config.env, vec!["A=1".to_string(), "B=two".to_string()]);
    assert_eq!(img.config.working_dir.as_deref(), Some("/tmp"));
    assert_eq!(
        img.config.exposed_ports,
        vec!["53/udp".to_string(), "80/tcp".to_string()]
    );
    assert_eq!(
        img.config.labels.get("app").map(String::as_str),
        Some("web")
    );
    assert_eq!(img.config.user.as_deref(), Some("tester"));
    assert_eq!(img.config.stop_signal.as_deref(), Some("SIGINT"));
    assert_eq!(img.platform, "linux/amd64");
    assert_eq!(img.id, img.config_digest.trim_start_matches("sha256:"));
    for q in [
        "busybox",
        "busybox:latest",
        "localhost/busybox",
        "localhost/busybox:latest",
        &img.id,
        &img.id[..12],
        &format!("sha256:{}", img.id),
    ] {
        assert_eq!(t.store.image(q).expect(q).id, img.id, "lookup {q}");
    }
    for q in [
        "busybox:other",
        "docker.io/library/busybox",
        "nothere",
        "abc",
    ] {
        assert!(
            matches!(t.store.image(q), Err(StorageError::ImageNotKnown(_))),
            "{q}"
        );
    }
    // The stored manifest and config are what the digests say.
    assert_eq!(
        libpod_storage::digest_of(&t.store.read_blob(&img.manifest_digest).expect("manifest")),
        img.manifest_digest
    );
    let info = t.store.info().expect("info");
    assert_eq!(
        (info.driver.as_str(), info.images, info.layers),
        ("overlay", 1, 1)
    );
    assert_eq!(info.backing_filesystem, "extfs");
}

#[test]
fn bad_changes_and_names_store_nothing() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    let e = t
        .store
        .import_tarball(&busybox_tar()[..], Some("x"), &["RUN x".to_string()], None)
        .expect_err("RUN is no change");
    assert!(matches!(e, StorageError::BadChange { .. }), "{e}");
    let e = t
        .store
        .import_tarball(&busybox_tar()[..], Some("Bad:Name!"), &[], None)
        .expect_err("name");
    assert!(matches!(e, StorageError::BadReference { .. }), "{e}");
    let e = t
        .store
        .import_tarball(
            &b"not a tarball at all, just text"[..],
            Some("x"),
            &[],
            None,
        )
        .expect_err("garbage");
    assert!(
        matches!(e, StorageError::BadArchive { .. } | StorageError::Io { .. }),
        "{e}"
    );
    assert_eq!(t.files(), (0, 0), "no blob and no layer left behind");
    assert!(t.store.images().expect("images").is_empty());
}

#[test]
fn layers_are_shared_and_freed_with_their_last_image() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    let tar = busybox_tar();
    let a = t
        .store
        .import_tarball(&tar[..], Some("a"), &[], None)
        .expect("a");
    let b = t
        .store
        .import_tarball(&tar[..], Some("b"), &["CMD sh".to_string()], None)
        .expect("b");
    assert_ne!(a.id, b.id);
    assert_eq!(a.layers[0].diff_id, b.layers[0].diff_id);
    assert_eq!(
        t.store.info().expect("info").layers,
        1,
        "one extracted layer for both"
    );
    t.store.tag("a", "c:v1").expect("tag");
    assert_eq!(t.store.image("localhost/c:v1").expect("tagged").id, a.id);
    let r = t
        .store
        .remove_image("c:v1", false)
        .expect("untag by removal");
    assert!(!r.deleted && r.untagged == vec!["localhost/c:v1".to_string()]);
    t.store.remove_image("a", false).expect("remove a");
    assert_eq!(
        t.store.info().expect("info").layers,
        1,
        "b still uses the layer"
    );
    t.store.untag("b", "b").expect("untag");
    assert!(t.store.image(&b.id).expect("b by id").names.is_empty());
    t.store.remove_image(&b.id, false).expect("remove b");
    assert_eq!(t.files(), (0, 0), "blobs and layer dirs freed");
    assert_eq!(
        fs::read_dir(t.graph().join("l")).expect("l").count(),
        0,
        "links freed"
    );
}

fn container_lifecycle(driver: &str) {
    let t = T::new(driver);
    let img = t
        .store
        .import_tarball(&busybox_tar()[..], Some("busybox"), &[], None)
        .expect("import");
    let id = "c0ffee".repeat(10) + "abcd";
    let c = t
        .store
        .create_container(&id, Some("busybox"))
        .expect("create");
    assert_eq!(c.image, img.id);
    assert!(matches!(
        t.store.create_container(&id, Some("busybox")),
        Err(StorageError::ContainerExists(_))
    ));
    let e = t.store.remove_image("busybox", false).expect_err("in use");
    assert!(
        e.to_string().contains(&id),
        "the error names the container: {e}"
    );
    let root = t.store.mount(&id).expect("mount");
    assert_eq!(t.store.mount(&id).expect("mount again"), root);
    assert_eq!(t.store.mount_count(&id).expect("count"), 2);
    assert!(root.join("bin/busybox").is_file());
    fs::write(root.join("newfile"), "x").expect("write");
    fs::write(root.join("etc/passwd"), "root:x:0:0::/:/bin/sh\n").expect("modify");
    fs::remove_file(root.join("bin/ls")).expect("delete");
    let changes = t.store.changes(&id).expect("changes");
    let has = |k: ChangeKind, p: &str| changes.iter().any(|c| c.kind == k && c.path == p);
    assert!(has(ChangeKind::Added, "/newfile"), "{changes:?}");
    assert!(has(ChangeKind::Modified, "/etc/passwd"), "{changes:?}");
    assert!(has(ChangeKind::Deleted, "/bin/ls"), "{changes:?}");
    assert_eq!(t.store.unmount(&id, false).expect("unmount"), 1);
    if driver == "overlay" {
        assert_eq!(mounts_under(&t.graph()), 1, "still mounted once");
    }
    assert_eq!(t.store.unmount(&id, false).expect("unmount"), 0);
    assert_eq!(mounts_under(&t.graph()), 0);
    let mut exported = Vec::new();
    t.store
        .export_container(&id, &mut exported)
        .expect("export");
    let names: Vec<String> = tar::Archive::new(&exported[..])
        .entries()
        .expect("tar")
        .map(|e| {
            e.expect("entry")
                .path()
                .expect("path")
                .display()
                .to_string()
        })
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("bin/busybox"))
            && names.iter().any(|n| n.ends_with("newfile"))
    );
    assert!(
        !names.iter().any(|n| n.ends_with("bin/ls")),
        "deleted files are not exported"
    );
    assert_eq!(
        mounts_under(&t.graph()),
        0,
        "export unmounts what it mounted"
    );
    t.store.delete_container(&id).expect("delete");
    assert!(!t.graph().join("containers").join(&id).exists());
    t.store.remove_image("busybox", false).expect("now free");
    assert_eq!(t.files(), (0, 0));
}

#[test]
fn overlay_container_lifecycle() {
    if ready() {
        container_lifecycle("overlay");
    }
}

#[test]
fn vfs_container_lifecycle() {
    if ready() {
        let t = T::new("vfs");
        assert!(t.store.info().expect("info").driver_reason.contains("vfs"));
        drop(t);
        container_lifecycle("vfs");
    }
}

#[test]
fn delete_unmounts_a_mounted_container() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    t.store
        .import_tarball(&busybox_tar()[..], Some("busybox"), &[], None)
        .expect("import");
    t.store
        .create_container("c1", Some("busybox"))
        .expect("create");
    t.store.mount("c1").expect("mount");
    t.store.mount("c1").expect("mount");
    t.store.delete_container("c1").expect("delete");
    assert_eq!(mounts_under(&t.graph()), 0);
}

fn skopeo_inspect(transport: &str) -> Option<serde_json::Value> {
    if !require("skopeo", Path::new("/usr/bin/skopeo").exists()) {
        return None;
    }
    let out = Command::new("skopeo")
        .args(["inspect", transport])
        .output()
        .expect("skopeo");
    assert!(
        out.status.success(),
        "skopeo inspect {transport}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("json"))
}

#[test]
fn save_and_load_round_trip_and_skopeo_reads_them() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, &busybox_tar()).expect("gzip");
        e.finish().expect("gzip")
    };
    let img = t
        .store
        .import_tarball(
            &gz[..],
            Some("busybox:1"),
            &["LABEL k=v".to_string(), "ENV X=y".to_string()],
            None,
        )
        .expect("import");
    assert!(img.layers[0].media_type.ends_with("+gzip"));
    let oci = t.dir.path().join("img.oci.tar");
    let docker = t.dir.path().join("img.docker.tar");
    t.store
        .save_oci_archive("busybox:1", fs::File::create(&oci).expect("create"), None)
        .expect("save oci");
    t.store
        .save_docker_archive(
            "busybox:1",
            fs::File::create(&docker).expect("create"),
            None,
        )
        .expect("save docker");

    if let Some(v) = skopeo_inspect(&format!("oci-archive:{}", oci.display())) {
        assert_eq!(
            v["Digest"].as_str(),
            Some(img.manifest_digest.as_str()),
            "{v}"
        );
        assert_eq!(v["Labels"]["k"].as_str(), Some("v"));
        assert_eq!(v["Layers"][0].as_str(), Some(img.layers[0].blob.as_str()));
    }
    if let Some(v) = skopeo_inspect(&format!("docker-archive:{}", docker.display())) {
        assert_eq!(v["Labels"]["k"].as_str(), Some("v"), "{v}");
        assert!(
            v["Env"]
                .as_array()
                .is_some_and(|e| e.iter().any(|x| x == "X=y"))
        );
        assert_eq!(v["Layers"].as_array().map(Vec::len), Some(1));
    }

    let fresh = T::new("overlay");
    let back = fresh.store.load(&oci, None).expect("load oci");
    assert_eq!(
        (back[0].id.as_str(), back[0].manifest_digest.as_str()),
        (img.id.as_str(), img.manifest_digest.as_str())
    );
    assert_eq!(back[0].names, img.names);
    let fresh2 = T::new("overlay");
    let mut events = Vec::new();
    let mut cb = |p: &libpod_storage::Progress| events.push(p.done);
    let back = fresh2
        .store
        .load(&docker, Some(&mut cb))
        .expect("load docker");
    assert_eq!(back[0].id, img.id, "same config bytes, same image ID");
    assert_eq!(back[0].names, img.names);
    assert_eq!(back[0].layers[0].diff_id, img.layers[0].diff_id);
    assert!(
        !events.is_empty() && events.windows(2).all(|w| w[0] <= w[1]),
        "progress reported: {events:?}"
    );
    assert_eq!(
        events.last().copied(),
        Some(fs::metadata(&docker).expect("size").len())
    );

    // A layout written by skopeo imports too.
    if require("skopeo", Path::new("/usr/bin/skopeo").exists()) {
        let layout = t.dir.path().join("layout");
        let st = Command::new("skopeo")
            .args([
                "copy",
                &format!("oci-archive:{}", oci.display()),
                &format!("oci:{}:mytag", layout.display()),
            ])
            .output()
            .expect("skopeo");
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        let fresh3 = T::new("overlay");
        let i = fresh3
            .store
            .import_oci_layout(&layout, Some("mytag"), &["imported:v2".to_string()], None)
            .expect("layout");
        assert_eq!(i.id, img.id);
        assert_eq!(i.names, vec!["localhost/imported:v2".to_string()]);
    }
}

#[test]
fn damaged_and_hostile_archives_leave_nothing_behind() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    t.store
        .import_tarball(&busybox_tar()[..], Some("busybox"), &[], None)
        .expect("import");
    let oci = t.dir.path().join("img.tar");
    t.store
        .save_oci_archive("busybox", fs::File::create(&oci).expect("create"), None)
        .expect("save");
    // Unpack, flip a byte in the layer blob, and import the layout.
    let layout = t.dir.path().join("layout");
    fs::create_dir(&layout).expect("mkdir");
    tar::Archive::new(fs::File::open(&oci).expect("open"))
        .unpack(&layout)
        .expect("unpack");
    let img = t.store.image("busybox").expect("image");
    let blob = layout
        .join("blobs/sha256")
        .join(img.layers[0].blob.trim_start_matches("sha256:"));
    let mut bytes = fs::read(&blob).expect("blob");
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    fs::write(&blob, bytes).expect("write");
    let fresh = T::new("overlay");
    let e = fresh
        .store
        .import_oci_layout(&layout, None, &["x".to_string()], None)
        .expect_err("damaged");
    assert!(matches!(e, StorageError::DigestMismatch { .. }), "{e}");
    assert_eq!(fresh.files(), (0, 0), "nothing half-imported");

    // A docker-archive whose manifest points outside the archive.
    let evil = t.dir.path().join("evil.tar");
    {
        let mut b = tar::Builder::new(fs::File::create(&evil).expect("create"));
        let m = br#"[{"Config":"../../../etc/passwd","RepoTags":["evil:1"],"Layers":[]}]"#;
        let mut h = tar::Header::new_gnu();
        h.set_path("manifest.json").expect("path");
        h.set_size(m.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, &m[..]).expect("append");
        b.finish().expect("finish");
    }
    let e = fresh.store.load(&evil, None).expect_err("evil");
    assert!(e.to_string().contains("leaves the archive"), "{e}");
    assert_eq!(fresh.files(), (0, 0));
    assert_eq!(
        fs::read_dir(fresh.graph().join("tmp"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "scratch dirs removed"
    );
    assert!(fresh.store.images().expect("images").is_empty());
}

#[test]
fn zstd_and_plain_layers_have_the_same_diff_id() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    let raw = busybox_tar();
    let zst =
        ruzstd::encoding::compress_to_vec(&raw[..], ruzstd::encoding::CompressionLevel::Fastest);
    let a = t
        .store
        .import_tarball(&raw[..], Some("plain"), &[], None)
        .expect("plain");
    let b = t
        .store
        .import_tarball(&zst[..], Some("zstd"), &[], None)
        .expect("zstd");
    assert_eq!(a.layers[0].diff_id, b.layers[0].diff_id);
    assert!(b.layers[0].media_type.ends_with("+zstd"));
    let mut r = t.store.open_blob(&b.layers[0].blob).expect("blob");
    let mut v = Vec::new();
    r.read_to_end(&mut v).expect("verified read");
    assert_eq!(v, zst);
}

/// Child side of the cross-process mount test: mounts and unmounts once in another process.
#[test]
fn child_entry() {
    let Ok(graph) = std::env::var("STORE_CHILD_GRAPH") else {
        return;
    };
    let run = std::env::var("STORE_CHILD_RUN").expect("run");
    let store = Store::open(StoreOptions {
        graph_root: graph.into(),
        run_root: run.into(),
        driver: "overlay".into(),
        mount_options: vec![],
        search_registries: vec![],
        limits: Limits::default(),
    })
    .expect("open");
    store.mount("shared").expect("child mount");
    assert_eq!(store.mount_count("shared").expect("count"), 2);
    assert_eq!(
        store.unmount("shared", false).expect("child unmount"),
        1,
        "the parent's mount stays"
    );
}

#[test]
fn mount_counts_are_shared_between_processes() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    t.store
        .import_tarball(&busybox_tar()[..], Some("busybox"), &[], None)
        .expect("import");
    t.store
        .create_container("shared", Some("busybox"))
        .expect("create");
    let root = t.store.mount("shared").expect("mount");
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "child_entry", "--nocapture", "-q"])
        .env("STORE_CHILD_GRAPH", t.graph())
        .env("STORE_CHILD_RUN", t.dir.path().join("run"))
        .output()
        .expect("child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        root.join("bin/busybox").exists(),
        "still mounted after the child's unmount"
    );
    assert_eq!(t.store.unmount("shared", false).expect("unmount"), 0);
    assert_eq!(mounts_under(&t.graph()), 0);
}

#[test]
fn a_failed_container_create_leaves_nothing() {
    if !ready() {
        return;
    }
    let t = T::new("overlay");
    let e = t
        .store
        .create_container("c2", Some("no-such-image"))
        .expect_err("unknown image");
    assert!(matches!(e, StorageError::ImageNotKnown(_)), "{e}");
    assert!(matches!(
        t.store.create_container("../escape", None),
        Err(StorageError::ContainerNotKnown(_))
    ));
    assert_eq!(
        fs::read_dir(t.graph().join("containers"))
            .expect("dir")
            .count(),
        0
    );
    assert!(t.store.containers().expect("list").is_empty());
    // An image-less container layer works (rootfs-from-scratch containers).
    t.store.create_container("empty", None).expect("empty");
    let root = t.store.mount("empty").expect("mount");
    assert_eq!(fs::read_dir(&root).expect("root").count(), 0);
    t.store.delete_container("empty").expect("delete");
    assert_eq!(mounts_under(&t.graph()), 0);
}
