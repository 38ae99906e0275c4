//! Issue 14's attacks, run as an attacker would: `cp` through a container's symlinks (stopped
//! and running, and racing a container that swaps a directory for a symlink), other users
//! reaching into the store, and hostile image archives.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::{R, ready};

/// A host directory an attack aims at, holding one secret file.
fn target() -> tempfile::TempDir {
    let t = tempfile::Builder::new()
        .prefix("rpod-target")
        .tempdir_in("/tmp")
        .expect("tmp");
    fs::write(t.path().join("secret"), "host secret").expect("write");
    t
}

/// Asserts that the attack's target still holds just its secret, unchanged.
fn untouched(t: &Path) {
    let names: Vec<_> = fs::read_dir(t)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        ["secret"],
        "something was written into {}",
        t.display()
    );
    assert_eq!(
        fs::read_to_string(t.join("secret")).expect("read"),
        "host secret"
    );
}

/// Asserts that `out` (a copy out of a container) is not the host's secret.
fn not_leaked(out: &Path) {
    if let Ok(s) = fs::read_to_string(out) {
        assert!(
            !s.contains("host secret"),
            "{} holds the host file",
            out.display()
        );
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

#[test]
fn cp_stays_inside_stopped_and_running_containers() {
    if !ready() {
        return;
    }
    let r = R::new();
    let t = target();
    let h = t.path().display().to_string();
    r.ok(&[
        "run",
        "-d",
        "--name",
        "ev",
        "--network",
        "none",
        "busybox",
        "sleep",
        "100",
    ]);
    let links = format!(
        "ln -s ../../../../../../../..{h} /evil && ln -s {h} /abs && ln -s /evil /chain && \
         ln -s {h}/secret /etc/leak && mkdir -p /d && ln -s {h}/secret /d/final && \
         ln -s {h} /d/sub && echo inside > /d/file"
    );
    r.ok(&["exec", "ev", "sh", "-c", &links]);
    let payload = r.dir.path().join("payload");
    fs::write(&payload, "payload").expect("write");
    for state in ["running", "stopped"] {
        if state == "stopped" {
            r.ok(&["stop", "-t", "0", "ev"]);
        }
        for dest in [
            "/evil/",
            "/abs/",
            "/chain/",
            "/d/final",
            "/d/sub/",
            "/d/sub/x",
            "/abs/secret",
        ] {
            let _ = r.run(&["cp", path(&payload), &format!("ev:{dest}")]);
            untouched(t.path());
        }
        for src in [
            "/etc/leak",
            "/abs/secret",
            "/evil/secret",
            "/chain/secret",
            "/d/final",
        ] {
            let out = r.dir.path().join(format!("out-{state}"));
            let _ = fs::remove_file(&out);
            let _ = r.run(&["cp", &format!("ev:{src}"), path(&out)]);
            not_leaked(&out);
        }
        // A directory holding symlinks comes out as the symlinks themselves.
        let dir = r.dir.path().join(format!("dir-{state}"));
        r.ok(&["cp", "ev:/d", path(&dir)]);
        assert_eq!(
            fs::read_to_string(dir.join("file")).expect("file"),
            "inside\n"
        );
        assert!(
            fs::symlink_metadata(dir.join("sub"))
                .expect("sub")
                .is_symlink()
        );
        // And a tar stream out does not carry the host file either.
        let o = r.cmd(&["cp", "ev:/d/final", "-"]);
        assert!(!String::from_utf8_lossy(&o.stdout).contains("host secret"));
    }
    untouched(t.path());
}

#[test]
fn cp_racing_a_directory_swapped_for_a_symlink_stays_inside() {
    if !ready() {
        return;
    }
    let r = R::new();
    let t = target();
    let h = t.path().display().to_string();
    // The container swaps /w/real for a symlink to the host directory and back, endlessly.
    let swap = format!(
        "mkdir -p /w/real; while :; do mv /w/real /w/tmp; ln -s {h} /w/real; rm /w/real; \
         mv /w/tmp /w/real; done"
    );
    r.ok(&[
        "run",
        "-d",
        "--name",
        "sw",
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        &swap,
    ]);
    let payload = r.dir.path().join("payload");
    fs::write(&payload, "payload").expect("write");
    let out = r.dir.path().join("out");
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut tries = 0;
    while Instant::now() < deadline {
        let _ = r.run(&["cp", path(&payload), "sw:/w/real/"]);
        let _ = r.run(&["cp", "sw:/w/real/secret", path(&out)]);
        not_leaked(&out);
        tries += 1;
    }
    assert!(tries > 5, "only {tries} copies ran");
    untouched(t.path());
}

/// The busybox rootfs plus a setuid copy of busybox and a world-writable `kmsg` device.
fn evil_image(dir: &Path) -> PathBuf {
    let mut plain = Vec::new();
    libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut plain).expect("tar");
    let out = dir.join("evil.tar");
    let mut b = tar::Builder::new(fs::File::create(&out).expect("create"));
    let mut a = tar::Archive::new(&plain[..]);
    for e in a.entries().expect("entries") {
        let e = e.expect("entry");
        let h = e.header().clone();
        b.append(&h, e).expect("append");
    }
    let bb = fs::read("/bin/busybox").expect("busybox");
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o4755);
    h.set_size(bb.len() as u64);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, "bin/suid", &bb[..]).expect("suid");
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o666);
    h.set_entry_type(tar::EntryType::Char);
    h.set_size(0);
    h.set_device_major(1).expect("major");
    h.set_device_minor(11).expect("minor");
    b.append_data(&mut h, "dev/kmsgx", std::io::empty())
        .expect("dev");
    b.finish().expect("finish");
    out
}

/// Every path under `dir` whose name is `name` (found as root, never following symlinks).
fn find(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let ft = e.file_type().expect("type");
            if e.file_name() == name {
                out.push(e.path());
            }
            if ft.is_dir() {
                todo.push(e.path());
            }
        }
    }
    out
}

/// Runs `args` as `nobody`; true when it succeeded.
fn as_nobody(args: &[&str]) -> bool {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .args(args)
        .output()
        .expect("setpriv")
        .status
        .success()
}

#[test]
fn other_users_reach_nothing_in_the_store() {
    if !ready() {
        return;
    }
    let r = R::new();
    // The test's own directory is open to all: only rpod's modes can keep `nobody` out.
    fs::set_permissions(r.dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    let img = evil_image(r.dir.path());
    r.ok(&["import", path(&img), "evil"]);
    r.ok(&[
        "run",
        "-d",
        "--name",
        "m",
        "--network",
        "none",
        "-e",
        "TOKEN=s3cret",
        "evil",
        "sleep",
        "100",
    ]);
    let suid = find(r.dir.path(), "suid");
    let kmsg = find(r.dir.path(), "kmsgx");
    let configs = find(r.dir.path(), "config.json");
    let dbs: Vec<_> = find(r.dir.path(), "state.sqlite3");
    assert!(!suid.is_empty() && !kmsg.is_empty() && !configs.is_empty() && !dbs.is_empty());
    assert!(as_nobody(&["true"]), "setpriv works");
    for p in &suid {
        assert!(!as_nobody(&[path(p), "true"]), "nobody ran {}", p.display());
    }
    for p in &kmsg {
        assert!(
            !as_nobody(&["sh", "-c", &format!("echo x > {}", path(p))]),
            "nobody wrote {}",
            p.display()
        );
    }
    for p in configs.iter().chain(&dbs) {
        assert!(!as_nobody(&["cat", path(p)]), "nobody read {}", p.display());
        let mode = fs::metadata(p).expect("stat").permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", p.display());
    }
    // The graph root is 0711 as podman's (a user namespace's root passes through it to its
    // own container); nobody may list it, and the run root stays private.
    for (sub, want) in [("root", 0o711), ("run", 0o700)] {
        let p = r.dir.path().join(sub);
        let mode = fs::metadata(&p).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, want, "{sub} is {mode:o}");
        assert!(!as_nobody(&["ls", path(&p)]), "nobody listed {sub}");
    }
}

/// A tar archive of `entries` (name, kind, link target or contents), names written raw.
fn archive(dir: &Path, name: &str, entries: &[(&str, tar::EntryType, &str)]) -> PathBuf {
    let out = dir.join(name);
    let mut b = tar::Builder::new(fs::File::create(&out).expect("create"));
    for (n, kind, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(0o644);
        h.set_size(0);
        match kind {
            tar::EntryType::Symlink => b.append_link(&mut h, n, data).expect("link"),
            tar::EntryType::Char => {
                h.set_device_major(1).expect("major");
                h.set_device_minor(5).expect("minor");
                b.append_data(&mut h, n, std::io::empty()).expect("dev")
            }
            _ => {
                h.set_size(data.len() as u64);
                b.append_data(&mut h, n, data.as_bytes()).expect("data")
            }
        }
    }
    b.finish().expect("finish");
    out
}

#[test]
fn hostile_archives_are_refused() {
    if !ready() {
        return;
    }
    let r = R::new();
    let t = target();
    let h = t.path().display().to_string();
    // A layer and a config on the host, which an archive must not reach.
    fs::write(
        t.path().join("config.json"),
        r#"{"rootfs":{"type":"layers","diff_ids":[]}}"#,
    )
    .expect("cfg");
    let d = r.dir.path();
    let manifest = |cfg: &str, layers: &str| {
        format!(r#"[{{"Config":"{cfg}","RepoTags":["x:1"],"Layers":[{layers}]}}]"#)
    };
    let m1 = manifest("d/config.json", "");
    let m2 = manifest("d/zero", "");
    let m3 = manifest("zero", "");
    let cases = [
        archive(
            d,
            "parent.tar",
            &[
                ("d", tar::EntryType::Symlink, &h),
                ("manifest.json", tar::EntryType::Regular, &m1),
            ],
        ),
        archive(
            d,
            "dev.tar",
            &[
                ("d", tar::EntryType::Symlink, "/dev"),
                ("manifest.json", tar::EntryType::Regular, &m2),
            ],
        ),
        archive(
            d,
            "node.tar",
            &[
                ("zero", tar::EntryType::Char, ""),
                ("manifest.json", tar::EntryType::Regular, &m3),
            ],
        ),
    ];
    for a in &cases {
        let (code, _, err) = r.run(&["load", "-i", path(a)]);
        assert_eq!(code, 125, "{}: {err}", a.display());
        assert!(err.contains(path(a)) || err.contains("archive"), "{err}");
    }
    // An OCI layout whose blob is a symlink to a host file, and one with an oversized blob.
    let blob = "a".repeat(64);
    let index = |size: u64| {
        format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{blob}","size":{size}}}]}}"#
        )
    };
    let (i1, i2) = (index(10), index(10));
    let big = "x".repeat(4096);
    let link_target = format!("{h}/secret");
    let oci = [
        archive(
            d,
            "oci-link.tar",
            &[
                (
                    "oci-layout",
                    tar::EntryType::Regular,
                    r#"{"imageLayoutVersion":"1.0.0"}"#,
                ),
                ("index.json", tar::EntryType::Regular, &i1),
                (
                    &format!("blobs/sha256/{blob}"),
                    tar::EntryType::Symlink,
                    &link_target,
                ),
            ],
        ),
        archive(
            d,
            "oci-big.tar",
            &[
                (
                    "oci-layout",
                    tar::EntryType::Regular,
                    r#"{"imageLayoutVersion":"1.0.0"}"#,
                ),
                ("index.json", tar::EntryType::Regular, &i2),
                (
                    &format!("blobs/sha256/{blob}"),
                    tar::EntryType::Regular,
                    &big,
                ),
            ],
        ),
    ];
    for a in &oci {
        let (code, _, err) = r.run(&["load", "-i", path(a)]);
        assert_eq!(code, 125, "{}: {err}", a.display());
        assert!(!err.contains("host secret"), "{err}");
    }
    // Nothing was loaded: only the busybox image the test started with.
    assert_eq!(r.ok(&["images", "-q"]).lines().count(), 1);
    assert_eq!(
        fs::read_to_string(t.path().join("secret")).expect("read"),
        "host secret"
    );
}
