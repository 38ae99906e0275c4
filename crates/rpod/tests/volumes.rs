//! Volumes against podman 4.3.1 (roots of its own): named volumes keep data across
//! containers and refuse removal while used; copy-up and `nocopy`; anonymous volumes from
//! `-v /path`, `--mount` and an image's `VOLUME`, gone with `--rm` and `rm -v`; a tmpfs
//! volume mounted only while used; podman's errors and exit codes for bad input.

mod common;

use common::podman::{Out, ok, on_both, pair};

fn lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(String::from).collect();
    v.sort();
    v
}

#[test]
fn named_volumes_keep_data_and_are_not_removed_while_used() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let made = ok(run, &["volume", "create", "--label", "app=db", "data"]);
        ok(
            run,
            &[
                "run",
                "--name",
                "w",
                "--network",
                "none",
                "-v",
                "data:/data",
                "busybox",
                "sh",
                "-c",
                "echo kept > /data/f",
            ],
        );
        let read = ok(
            run,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                "data:/d:ro",
                "busybox",
                "cat",
                "/d/f",
            ],
        );
        let (busy, _, err) = run(&["volume", "rm", "data"]);
        assert!(
            err.contains("volume data is being used by the following container(s)"),
            "{err}"
        );
        let fmt = "{{.Name}} {{.Driver}} {{.Labels}} {{.Scope}} {{.MountCount}}";
        let inspected = ok(run, &["volume", "inspect", "--format", fmt, "data"]);
        let listed = ok(run, &["volume", "ls", "--filter", "label=app=db", "-q"]);
        let table = ok(run, &["volume", "ls"]);
        ok(run, &["rm", "w"]);
        let removed = ok(run, &["volume", "rm", "data"]);
        let (gone, _, err) = run(&["volume", "rm", "data"]);
        assert!(err.contains("no volume with name \"data\" found"), "{err}");
        let (exists, _, _) = run(&["volume", "exists", "data"]);
        (
            made, read, busy, inspected, listed, table, removed, gone, exists,
        )
    });
    assert_eq!(p, o);
    assert_eq!((o.2, o.7, o.8), (2, 1, 1));
    assert_eq!(o.5, "DRIVER      VOLUME NAME\nlocal       data");
}

#[test]
fn volumes_receive_the_image_files_unless_nocopy() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let net = ["--network", "none"];
        let copied = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &["-v", "cu:/etc", "busybox", "ls", "/etc"],
            ]
            .concat(),
        );
        let not = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &["-v", "nc:/etc:nocopy", "busybox", "ls", "/etc"],
            ]
            .concat(),
        );
        // A volume that has data (the mount points the runtime made) is never written over.
        let again = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &["-v", "nc:/etc", "busybox", "ls", "/etc"],
            ]
            .concat(),
        );
        let state = ok(
            run,
            &[
                "volume",
                "inspect",
                "--format",
                "{{.NeedsCopyUp}} {{.NeedsChown}}",
                "cu",
            ],
        );
        (lines(&copied), lines(&not), lines(&again), state)
    });
    assert_eq!(p, o);
    assert!(o.0.contains(&"passwd".to_string()), "{:?}", o.0);
    assert!(!o.1.contains(&"passwd".to_string()), "{:?}", o.1);
}

#[test]
fn anonymous_volumes_come_and_go_with_their_container() {
    let Some((r, pm)) = pair() else { return };
    let tar = r.dir.path().join("busybox.tar");
    let tar = tar.to_str().expect("utf8");
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["import", "--change", "VOLUME /data", tar, "withvol"]);
        let count = || ok(run, &["volume", "ls", "-q"]).lines().count();
        let net = ["--network", "none"];
        ok(
            run,
            &[&["run", "--rm"][..], &net, &["-v", "/a", "withvol", "true"]].concat(),
        );
        let after_rm = count();
        ok(
            run,
            &[
                &["create", "--name", "keep"][..],
                &net,
                &["--mount", "type=volume,dst=/m", "withvol", "true"],
            ]
            .concat(),
        );
        let kept = count();
        let mounts = ok(
            run,
            &[
                "inspect",
                "--format",
                "{{range .Mounts}}{{.Type}} {{.Destination}} {{.RW}} {{.Options}} {{.Propagation}};{{end}}",
                "keep",
            ],
        );
        // podman lists named volumes in map order, which varies: compare them as a set.
        let mut mounts: Vec<&str> = mounts.split(';').collect();
        mounts.sort();
        let mounts = mounts.join(";");
        ok(run, &["rm", "-v", "keep"]);
        let after_rm_v = count();
        ok(
            run,
            &[
                &["create", "--name", "ign", "--image-volume", "ignore"][..],
                &net,
                &["withvol", "true"],
            ]
            .concat(),
        );
        let ignored = count();
        (after_rm, kept, mounts, after_rm_v, ignored)
    });
    assert_eq!(p, o);
    assert_eq!((o.0, o.1, o.3, o.4), (0, 2, 0, 0));
}

#[test]
fn a_tmpfs_volume_is_mounted_only_while_a_container_uses_it() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        // podman 4.3 reads `size=` as a quota, so the shared part sizes by inodes.
        ok(
            run,
            &[
                "volume",
                "create",
                "-o",
                "type=tmpfs",
                "-o",
                "device=tmpfs",
                "-o",
                "o=nr_inodes=1k,uid=1000",
                "tv",
            ],
        );
        let df = ok(
            run,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                "tv:/t",
                "busybox",
                "sh",
                "-c",
                "df -i /t | tail -1 | awk '{print $2}'; stat -c '%u %a' /t",
            ],
        );
        let count = ok(
            run,
            &["volume", "inspect", "--format", "{{.MountCount}}", "tv"],
        );
        let mp = ok(
            run,
            &["volume", "inspect", "--format", "{{.Mountpoint}}", "tv"],
        );
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        (df, count, mounts.contains(&format!(" {mp} ")))
    });
    assert_eq!(p, o);
    assert_eq!(o, ("1024\n1000 1777".to_string(), "0".to_string(), false));
    // `size=` as tmpfs takes it.
    r.ok(&[
        "volume",
        "create",
        "-o",
        "type=tmpfs",
        "-o",
        "device=tmpfs",
        "-o",
        "o=size=2m",
        "sz",
    ]);
    let df = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        "sz:/t",
        "busybox",
        "sh",
        "-c",
        "df -k /t | tail -1 | awk '{print $2}'",
    ]);
    assert_eq!(df.trim(), "2048");
}

#[test]
fn bad_volume_input_is_refused_as_podman_refuses_it_and_creates_nothing() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["volume", "create", "v1"]);
        let cases: [&[&str]; 8] = [
            &["volume", "create", "v1"],
            &["volume", "create", "-o", "badopt=1", "v2"],
            &["volume", "create", "--driver", "nope", "v3"],
            &["volume", "create", "a/b"],
            &["create", "-v", "/tmp:/x:foo", "busybox", "true"],
            &["create", "-v", "v1:x", "busybox", "true"],
            &[
                "create",
                "--mount",
                "type=volume,src=v1,dst=/x,bar",
                "busybox",
                "true",
            ],
            &["create", "-v", "/tmp:/x", "-v", "v1:/x", "busybox", "true"],
        ];
        let results: Vec<(i32, String)> = cases
            .iter()
            .map(|args| {
                let (code, _, err): Out = run(args);
                // The message up to podman's wrapped cause, which names Go internals.
                let first = err.lines().last().unwrap_or("").to_string();
                (
                    code,
                    first.split(": ").take(2).collect::<Vec<_>>().join(": "),
                )
            })
            .collect();
        let (code, _, _) = run(&["volume", "exists", "v2"]);
        (results, code)
    });
    assert_eq!(p.0.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [125; 8]);
    assert_eq!(p.1, o.1);
    for ((pc, pm_msg), (oc, o_msg)) in p.0.iter().zip(&o.0) {
        assert_eq!(pc, oc, "{pm_msg} / {o_msg}");
        let key = pm_msg.trim_start_matches("Error: ");
        let key = &key[..key.len().min(20)];
        assert!(o_msg.contains(key), "podman: {pm_msg}\nrpod: {o_msg}");
    }
    // podman 4.3 creates a container for the last case before it fails; we do not.
    assert_eq!(r.ok(&["ps", "-aq"]), "");
}

#[test]
fn overlay_chown_and_volumes_from_options_act_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let dir = tempfile::tempdir().expect("tmp");
        let lower = dir.path().join("lower");
        std::fs::create_dir(&lower).expect("lower");
        std::fs::write(lower.join("f"), "host").expect("f");
        let net = ["--network", "none"];
        // :O: the container writes to an overlay; the host directory stays as it was.
        let spec = format!("{}:/o:O", lower.display());
        let inside = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &[
                    "-v",
                    &spec,
                    "busybox",
                    "sh",
                    "-c",
                    "echo changed > /o/f; echo n > /o/g; cat /o/f",
                ],
            ]
            .concat(),
        );
        let host = std::fs::read_to_string(lower.join("f")).expect("f");
        let host_g = lower.join("g").exists();
        // :U: the source is given to the container's user.
        let owned = dir.path().join("owned");
        std::fs::create_dir(&owned).expect("owned");
        std::fs::write(owned.join("a"), "").expect("a");
        let spec = format!("{}:/u:U", owned.display());
        let ids = ok(
            run,
            &[
                &["run", "--rm", "-u", "1234:5678"][..],
                &net,
                &["-v", &spec, "busybox", "stat", "-c", "%u:%g", "/u", "/u/a"],
            ]
            .concat(),
        );
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(owned.join("a")).expect("meta");
        // --volumes-from with :ro.
        ok(
            run,
            &[
                &["create", "--name", "src"][..],
                &net,
                &["-v", "srcvol:/s", "busybox", "true"],
            ]
            .concat(),
        );
        let ro = ok(
            run,
            &[
                &["run", "--rm", "--volumes-from", "src:ro"][..],
                &net,
                &[
                    "busybox",
                    "sh",
                    "-c",
                    "touch /s/x 2>/dev/null || echo read-only",
                ],
            ]
            .concat(),
        );
        let (busy, _, _) = run(&["volume", "rm", "srcvol"]);
        ok(run, &["rm", "src"]);
        (
            inside,
            host,
            host_g,
            ids,
            (meta.uid(), meta.gid()),
            ro,
            busy,
        )
    });
    assert_eq!(p, o);
    assert_eq!(o.1, "host");
    assert!(!o.2);
    assert_eq!(o.4, (1234, 5678));
    assert_eq!(o.5, "read-only");
}

#[test]
fn a_mount_made_on_the_host_under_an_rshared_bind_appears_inside() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path().to_path_buf();
        let sh = |cmd: &str| {
            let st = std::process::Command::new("sh")
                .args(["-c", cmd])
                .status()
                .expect("sh");
            assert!(st.success(), "{cmd}");
        };
        let ds = d.display().to_string();
        sh(&format!(
            "mount -t tmpfs tmpfs {ds} && mount --make-shared {ds} && mkdir {ds}/sub"
        ));
        let name = format!("prop{}", std::process::id());
        let spec = format!("{ds}:/p:rshared");
        let started = run(&[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            "none",
            "-v",
            &spec,
            "busybox",
            "sleep",
            "100",
        ]);
        sh(&format!("mount -t tmpfs -o size=1m tmpfs {ds}/sub"));
        let seen = run(&["exec", &name, "sh", "-c", "grep -c ' /p/sub ' /proc/mounts"]);
        let _ = run(&["rm", "-f", "-t", "0", &name]);
        sh(&format!("umount {ds}/sub; umount -l {ds}"));
        (started.0, seen.0, seen.1.trim().to_string())
    });
    assert_eq!(p, o);
    assert_eq!(o, (0, 0, "1".to_string()));
}

#[test]
fn export_import_mount_and_disk_usage() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let dir = tempfile::tempdir().expect("tmp");
        let tar = dir.path().join("ex.tar");
        let tar = tar.to_str().expect("utf8");
        ok(run, &["volume", "create", "ex"]);
        ok(
            run,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                "ex:/d",
                "busybox",
                "sh",
                "-c",
                "echo data > /d/a; mkdir /d/sub; echo x > /d/sub/b",
            ],
        );
        ok(run, &["volume", "export", "-o", tar, "ex"]);
        ok(run, &["volume", "create", "im"]);
        ok(run, &["volume", "import", "im", tar]);
        let back = ok(
            run,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                "im:/i",
                "busybox",
                "cat",
                "/i/a",
                "/i/sub/b",
            ],
        );
        let df = ok(run, &["system", "df"]);
        let shape: Vec<String> = df
            .lines()
            .map(|l| l.split("  ").next().unwrap_or("").to_string())
            .collect();
        let vols = ok(run, &["system", "df", "--format", "{{.Type}} {{.Total}}"]);
        (back, shape, vols)
    });
    assert_eq!(p, o);
    assert_eq!(o.0, "data\nx");
    // A type=tmpfs volume is mounted by `volume mount` until `volume unmount`.
    r.ok(&[
        "volume",
        "create",
        "-o",
        "type=tmpfs",
        "-o",
        "device=tmpfs",
        "tv",
    ]);
    let mp = r.ok(&["volume", "mount", "tv"]);
    let mounted = || {
        std::fs::read_to_string("/proc/self/mountinfo")
            .expect("mountinfo")
            .contains(&format!(" {} ", mp.trim()))
    };
    assert!(mounted());
    r.ok(&["volume", "unmount", "tv"]);
    assert!(!mounted());
    // Not mounted, it cannot be exported.
    let (code, _, err) = r.run(&["volume", "export", "-o", "/dev/null", "tv"]);
    assert_eq!(code, 125);
    assert!(err.contains("not mounted"), "{err}");
}

#[test]
fn image_and_devpts_mounts_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let tar = r.dir.path().join("busybox.tar");
    let tar = tar.to_str().expect("utf8");
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["import", tar, "other"]);
        let net = ["--network", "none"];
        let seen = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &[
                    "--mount",
                    "type=image,source=other,target=/img",
                    "busybox",
                    "sh",
                    "-c",
                    "ls /img; touch /img/x 2>/dev/null || echo read-only",
                ],
            ]
            .concat(),
        );
        let pts = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &[
                    "--mount",
                    "type=devpts,destination=/dev/pts2",
                    "busybox",
                    "sh",
                    "-c",
                    "grep -c '^devpts /dev/pts2 devpts' /proc/mounts",
                ],
            ]
            .concat(),
        );
        (lines(&seen), pts)
    });
    assert_eq!(p, o);
    assert!(o.0.contains(&"read-only".to_string()) && o.0.contains(&"bin".to_string()));
    assert_eq!(o.1, "1");
    // An image a container mounts is not deleted under it (podman 4.3 deletes it, and the
    // container can then not be removed).
    r.ok(&["import", "--change", "LABEL mounted=1", tar, "mounted"]);
    r.ok(&[
        "create",
        "--name",
        "holder",
        "--network",
        "none",
        "--mount",
        "type=image,source=mounted,target=/img",
        "busybox",
        "true",
    ]);
    let (code, _, err) = r.run(&["rmi", "mounted"]);
    assert_eq!(code, 2, "{err}");
    r.ok(&["rm", "holder"]);
    r.ok(&["rmi", "mounted"]);
}

/// The busybox rootfs with a `/data` directory whose file has an owner, a mode and a
/// `user.` extended attribute (a PAX `SCHILY.xattr.` record, as tar(1) writes it).
fn image_with_xattrs(dir: &std::path::Path) -> std::path::PathBuf {
    let mut base = Vec::new();
    libpod::storage::busybox::rootfs_tarball(std::path::Path::new("/bin/busybox"), &mut base)
        .expect("tarball");
    let path = dir.join("xattrs.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&path).expect("tar"));
    let mut ar = tar::Archive::new(base.as_slice());
    for e in ar.entries().expect("entries") {
        let mut e = e.expect("entry");
        let h = e.header().clone();
        b.append(&h, &mut e).expect("copy");
    }
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o750);
    h.set_uid(1000);
    h.set_gid(1001);
    h.set_size(0);
    b.append_data(&mut h, "data/", std::io::empty())
        .expect("dir");
    let record = b"26 SCHILY.xattr.user.k=hi\n";
    let mut x = tar::Header::new_ustar();
    x.set_entry_type(tar::EntryType::XHeader);
    x.set_size(record.len() as u64);
    b.append_data(&mut x, "PaxHeader", &record[..])
        .expect("pax");
    let mut f = tar::Header::new_ustar();
    f.set_mode(0o640);
    f.set_uid(1000);
    f.set_gid(1001);
    f.set_size(1);
    b.append_data(&mut f, "data/f", &b"x"[..]).expect("file");
    b.into_inner().expect("finish");
    path
}

#[test]
fn copy_up_keeps_owners_modes_and_xattrs() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let tar = image_with_xattrs(r.dir.path());
    r.ok(&["import", tar.to_str().expect("utf8"), "xa"]);
    let listing = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        "xv:/data",
        "xa",
        "ls",
        "-lnd",
        "/data",
        "/data/f",
    ]);
    let cols: Vec<Vec<&str>> = listing
        .lines()
        .map(|l| l.split_whitespace().take(4).collect())
        .collect();
    assert_eq!(
        cols,
        [
            ["drwxr-x---", "2", "1000", "1001"],
            ["-rw-r-----", "1", "1000", "1001"]
        ],
        "{listing}"
    );
    let mountpoint = r.ok(&["volume", "inspect", "--format", "{{.Mountpoint}}", "xv"]);
    let data = std::fs::File::open(mountpoint.trim()).expect("volume data");
    let attrs = libpod::fs::xattr::list(std::os::fd::AsFd::as_fd(&data), b"f").expect("xattrs");
    assert_eq!(attrs, [("user.k".to_string(), b"hi".to_vec())]);
}

/// `volume rm` racing `create -v` never leaves a container whose volume is gone, nor a
/// volume directory without its volume.
#[test]
fn volume_rm_racing_create_never_loses_a_used_volume() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let mut removed = 0;
    let mut volumes_dir = None;
    for i in 0..12 {
        let name = format!("c{i}");
        let (created, gone) = std::thread::scope(|s| {
            let c = s.spawn(|| r.run(&["create", "--name", &name, "-v", "race:/d", "busybox"]));
            let v = s.spawn(|| r.run(&["volume", "rm", "race"]));
            (c.join().expect("create"), v.join().expect("volume rm"))
        });
        assert_eq!(created.0, 0, "create: {}", created.2);
        // 0: removed before the create (which made it again), 1: not made yet, 2: in use.
        assert!(matches!(gone.0, 0..=2), "volume rm: {gone:?}");
        removed += usize::from(gone.0 == 0);
        // The container's volume is there, with its directory.
        let mp = r.ok(&["volume", "inspect", "--format", "{{.Mountpoint}}", "race"]);
        let mp = std::path::PathBuf::from(mp.trim());
        assert!(mp.is_dir(), "{} is gone", mp.display());
        volumes_dir = mp
            .parent()
            .and_then(|p| p.parent())
            .map(|p| p.to_path_buf());
        let (busy, _, err) = r.run(&["volume", "rm", "race"]);
        assert_eq!(busy, 2, "{err}");
        r.ok(&["rm", &name]);
    }
    r.ok(&["volume", "rm", "race"]);
    let dir = volumes_dir.expect("a mountpoint");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("volumes dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        Vec::<std::ffi::OsString>::new(),
        "in {}",
        dir.display()
    );
    eprintln!("volume rm won {removed} of 12 races");
    // A directory a creator killed half way left (made, never recorded) goes with the next
    // runtime; a volume that is recorded stays.
    std::fs::create_dir_all(dir.join("ghost/_data")).expect("ghost");
    r.ok(&["volume", "create", "real"]);
    assert_eq!(r.ok(&["volume", "ls", "-q"]).trim(), "real");
    assert!(!dir.join("ghost").exists(), "the ghost directory stayed");
    assert!(dir.join("real/_data").is_dir());
}
