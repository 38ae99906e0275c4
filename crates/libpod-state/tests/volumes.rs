//! Volumes in every backend: their own namespace, lookups, use by containers, removal rules,
//! snapshots, and the upgrade of a database written before volumes existed (schema 1).

mod common;

use std::path::Path;

use common::{PERSISTENT, all, ctr, id, st};
use libpod_state::{
    ContainerStatus, DbPaths, Mount, MountKind, StateError, VolumeConfig, VolumeState,
};

fn vol(name: &str) -> VolumeConfig {
    VolumeConfig {
        name: name.to_string(),
        driver: "local".into(),
        mount_point: format!("/test/graph/volumes/{name}/_data").into(),
        created: 7,
        lock: 3,
        ..Default::default()
    }
}

fn mounting(tag: &str, name: &str, volumes: &[&str]) -> libpod_state::ContainerConfig {
    let mut c = ctr(tag, name);
    c.mounts = volumes
        .iter()
        .enumerate()
        .map(|(i, v)| Mount {
            kind: MountKind::Volume,
            source: v.to_string(),
            destination: format!("/m{i}"),
            options: vec!["rw".into()],
        })
        .collect();
    c
}

#[test]
fn volumes_are_added_looked_up_and_removed() {
    for db in all() {
        let s = &db.state;
        let mut full = vol("data");
        full.labels.insert("app".into(), "db".into());
        full.options.insert("type".into(), "tmpfs".into());
        full.anonymous = true;
        full.uid = Some(1000);
        full.gid = Some(100);
        s.add_volume(&full, &VolumeState::default()).expect(db.name);
        s.add_volume(&vol("database"), &VolumeState::default())
            .expect(db.name);
        assert_eq!(s.volume("data").expect(db.name), full, "{}", db.name);
        // Volumes have a namespace of their own: a container may share a volume's name.
        s.add_container(&ctr("c1", "data"), &st()).expect(db.name);
        assert_eq!(s.lookup_volume("data").expect(db.name).name, "data");
        assert_eq!(s.lookup_volume("datab").expect(db.name).name, "database");
        assert!(
            matches!(
                s.lookup_volume("da"),
                Err(StateError::AmbiguousPrefix { matches: 2, .. })
            ),
            "{}",
            db.name
        );
        assert!(matches!(
            s.lookup_volume("nope"),
            Err(StateError::NoSuchVolume(_))
        ));
        let e = s
            .add_volume(&vol("data"), &VolumeState::default())
            .expect_err("exists");
        assert!(matches!(e, StateError::VolumeExists(_)), "{}: {e}", db.name);
        for bad in ["a/b", "..", "-x", ""] {
            let e = s
                .add_volume(&vol(bad), &VolumeState::default())
                .expect_err(bad);
            assert!(matches!(e, StateError::InvalidName(_)), "{bad}: {e}");
        }
        let st2 = VolumeState {
            mount_count: 2,
            needs_copy_up: true,
            needs_chown: true,
        };
        s.save_volume_state("data", &st2).expect(db.name);
        assert_eq!(s.volume_state("data").expect(db.name), st2);
        s.remove_volume("database").expect(db.name);
        let names: Vec<String> = s
            .all_volumes()
            .expect(db.name)
            .into_iter()
            .map(|(c, _)| c.name)
            .collect();
        assert_eq!(names, ["data"], "{}", db.name);
        assert!(matches!(
            s.remove_volume("database"),
            Err(StateError::NoSuchVolume(_))
        ));
        assert!(matches!(
            s.save_volume_state("database", &st2),
            Err(StateError::NoSuchVolume(_))
        ));
    }
}

#[test]
fn a_volume_in_use_cannot_go_and_a_missing_one_cannot_be_mounted() {
    for db in all() {
        let s = &db.state;
        s.add_volume(&vol("v"), &VolumeState::default())
            .expect(db.name);
        // A missing volume: refused, nothing added.
        let e = s
            .add_container(&mounting("a1", "a", &["v", "gone"]), &st())
            .expect_err("missing volume");
        assert!(matches!(e, StateError::NoSuchVolume(_)), "{}: {e}", db.name);
        assert!(!s.container_exists(&id("a1")).expect(db.name));
        // Mounted twice by one container, once by another.
        s.add_container(&mounting("a1", "a", &["v", "v"]), &st())
            .expect(db.name);
        s.add_container(&mounting("b1", "b", &["v"]), &st())
            .expect(db.name);
        assert_eq!(
            s.volume_users("v").expect(db.name),
            [id("a1"), id("b1")],
            "{}",
            db.name
        );
        match s.remove_volume("v") {
            Err(StateError::VolumeInUse { containers, .. }) => {
                assert_eq!(containers.len(), 2, "{}", db.name);
            }
            other => panic!("{}: {other:?}", db.name),
        }
        s.remove_container(&id("a1")).expect(db.name);
        s.remove_container(&id("b1")).expect(db.name);
        assert!(s.volume_users("v").expect(db.name).is_empty());
        s.remove_volume("v").expect(db.name);
    }
}

#[test]
fn refresh_unmounts_volumes_and_snapshots_carry_them() {
    for source in all() {
        let s = &source.state;
        s.add_volume(
            &vol("v"),
            &VolumeState {
                mount_count: 3,
                needs_copy_up: true,
                ..Default::default()
            },
        )
        .expect(source.name);
        s.add_container(&mounting("a1", "a", &["v"]), &st())
            .expect(source.name);
        s.refresh().expect(source.name);
        let vs = s.volume_state("v").expect(source.name);
        assert_eq!((vs.mount_count, vs.needs_copy_up), (0, true));
        let snap = s.export().expect(source.name);
        assert_eq!(snap.volumes.len(), 1);
        for target in all() {
            libpod_state::copy_state(s.as_ref(), target.state.as_ref()).expect(target.name);
            assert_eq!(target.state.export().expect(target.name), snap);
            assert!(matches!(
                target.state.remove_volume("v"),
                Err(StateError::VolumeInUse { .. })
            ));
        }
    }
}

#[test]
fn volumes_persist_across_reopening() {
    for &name in PERSISTENT {
        let mut db = common::db_in(name, common::scratch());
        db.state
            .add_volume(&vol("kept"), &VolumeState::default())
            .expect(name);
        db.state
            .add_container(&mounting("a1", "a", &["kept"]), &st())
            .expect(name);
        db.reopen();
        assert_eq!(db.state.volume("kept").expect(name), vol("kept"));
        assert_eq!(db.state.volume_users("kept").expect(name), [id("a1")]);
    }
}

/// A database written by the main of 2026-12-06 (schema 1, before volumes): a container
/// `keep`, a pod `p1` with its infra container.
#[test]
fn a_schema_1_database_opens_keeps_its_containers_and_gains_volumes() {
    for &name in PERSISTENT {
        let ext = if name == "sqlite" { "sqlite3" } else { "redb" };
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(format!("schema1.{ext}"));
        let dir = common::scratch();
        let file = dir.path().join(format!("state.{ext}"));
        std::fs::copy(&fixture, &file).expect("copy fixture");
        let base = format!("/tmp/fx/{name}");
        let paths = DbPaths {
            static_dir: format!("{base}/root/libpod").into(),
            tmp_dir: format!("{base}/run/libpod").into(),
            graph_root: format!("{base}/root").into(),
            run_root: format!("{base}/run").into(),
        };
        let s = common::open(name, &file, &paths).expect(name);
        let keep = s.lookup_container("keep").expect(name);
        assert_eq!(keep.name, "keep");
        assert_eq!(
            s.container_state(&keep.id).expect(name).status,
            ContainerStatus::Configured
        );
        assert_eq!(s.all_containers().expect(name).len(), 2, "{name}");
        assert_eq!(s.lookup_pod("p1").expect(name).name, "p1");
        assert!(s.all_volumes().expect(name).is_empty());
        s.add_volume(&vol("new"), &VolumeState::default())
            .expect(name);
        let mut c = mounting("c1", "user", &["new"]);
        c.created = 2;
        s.add_container(&c, &st()).expect(name);
        s.close().expect(name);
        // Upgraded for good: reopened, it holds everything.
        let s = common::open(name, &file, &paths).expect(name);
        assert_eq!(s.volume_users("new").expect(name), [id("c1")]);
        assert_eq!(s.all_containers().expect(name).len(), 3);
    }
}
