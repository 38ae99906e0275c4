//! Nothing outside a root is ever opened, read or written through it.

use std::fs;
use std::os::fd::AsRawFd;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use libpod_fs::{Kind, PackOptions, Root, UnpackOptions, pack, unpack};
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use proptest::prelude::*;

struct Fixture {
    _t: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
}

/// A root and, beside it, an "outside" directory holding a secret.
fn fixture() -> Fixture {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().join("root");
    let outside = t.path().join("outside");
    fs::create_dir_all(root.join("etc")).expect("mkdir");
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("secret"), "host secret").expect("write");
    fs::write(root.join("etc/secret"), "container secret").expect("write");
    Fixture {
        root,
        outside,
        _t: t,
    }
}

fn real_path(fd: &impl AsRawFd) -> PathBuf {
    fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).expect("readlink")
}

#[test]
fn relative_absolute_and_chained_symlinks_resolve_inside() {
    let f = fixture();
    let out = f.outside.display().to_string();
    symlink("../../../../../../../../etc", f.root.join("rel")).expect("symlink");
    symlink(format!("{out}/.."), f.root.join("abs")).expect("symlink");
    symlink("rel", f.root.join("chain1")).expect("symlink");
    symlink("chain1/secret", f.root.join("chain2")).expect("symlink");
    symlink(format!("{out}/secret"), f.root.join("etc/link")).expect("symlink");
    let r = Root::open(&f.root).expect("root");
    for p in [
        "rel/secret",
        "chain2",
        "etc/link",
        "abs/outside/secret",
        "/../../etc/secret",
    ] {
        match r.read_bounded(Path::new(p), 1024) {
            Ok(b) => assert_eq!(b, b"container secret", "{p}"),
            Err(e) => assert!(e.is_not_found(), "{p}: {e}"),
        }
    }
    let fd = r.open_dir(Path::new("rel")).expect("rel");
    assert!(real_path(&fd).starts_with(&f.root), "{:?}", real_path(&fd));
}

#[test]
fn writes_through_an_intermediate_symlink_stay_inside() {
    let f = fixture();
    symlink(&f.outside, f.root.join("evil")).expect("symlink");
    let r = Root::open(&f.root).expect("root");
    r.mkdir_all(Path::new("evil/sub"), Mode::from_bits_truncate(0o755))
        .expect("mkdir");
    r.write_file(
        Path::new("evil/sub/payload"),
        b"x",
        Mode::from_bits_truncate(0o644),
    )
    .expect("write");
    assert!(
        f.root.join("outside/sub/payload").exists()
            || f.root
                .join(f.outside.strip_prefix("/").expect("abs"))
                .join("sub/payload")
                .exists()
    );
    assert_eq!(
        fs::read_dir(&f.outside).expect("ls").count(),
        1,
        "only the secret"
    );
}

#[test]
fn a_symlink_as_the_final_destination_is_replaced_not_followed() {
    let f = fixture();
    symlink(f.outside.join("secret"), f.root.join("etc/dest")).expect("symlink");
    let r = Root::open(&f.root).expect("root");
    r.write_file(
        Path::new("etc/dest"),
        b"new",
        Mode::from_bits_truncate(0o644),
    )
    .expect("write");
    assert_eq!(
        fs::read(f.outside.join("secret")).expect("read"),
        b"host secret"
    );
    assert_eq!(fs::read(f.root.join("etc/dest")).expect("read"), b"new");
}

#[test]
fn special_files_are_not_read_and_reads_are_bounded() {
    let f = fixture();
    nix::unistd::mkfifo(&f.root.join("fifo"), Mode::from_bits_truncate(0o644)).expect("fifo");
    symlink("/dev/zero", f.root.join("zero")).expect("symlink");
    let r = Root::open(&f.root).expect("root");
    let e = r.read_bounded(Path::new("fifo"), 10).expect_err("a fifo");
    assert!(e.to_string().contains("FIFO"), "{e}");
    // /dev/zero inside the root does not exist: the host's is never reached.
    assert!(r.read_bounded(Path::new("zero"), 10).is_err());
    fs::write(f.root.join("big"), vec![b'x'; 100]).expect("write");
    let e = r.read_bounded(Path::new("big"), 10).expect_err("too big");
    assert!(e.to_string().contains("larger"), "{e}");
}

#[test]
fn magic_links_are_refused() {
    let f = fixture();
    symlink("/proc/self/root/etc/passwd", f.root.join("magic")).expect("symlink");
    let r = Root::open(&f.root).expect("root");
    assert!(r.read_bounded(Path::new("magic"), 1 << 20).is_err());
}

fn tar_of(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(0o644);
        // Raw names: the builder itself refuses the hostile ones this test needs.
        let raw = |field: &mut [u8], v: &str| field[..v.len()].copy_from_slice(v.as_bytes());
        raw(&mut h.as_old_mut().name, name);
        if *kind == tar::EntryType::Symlink || *kind == tar::EntryType::Link {
            h.set_size(0);
            raw(&mut h.as_old_mut().linkname, data);
            h.set_cksum();
            b.append(&h, std::io::empty()).expect("link");
        } else {
            h.set_size(data.len() as u64);
            h.set_cksum();
            b.append(&h, data.as_bytes()).expect("data");
        }
    }
    b.into_inner().expect("tar")
}

#[test]
fn unpacking_never_leaves_the_root() {
    let f = fixture();
    let out = f.outside.display().to_string();
    let r = Root::open(&f.root).expect("root");
    // A symlink to the host directory, then a file written "through" it.
    let t = tar_of(&[
        ("d", tar::EntryType::Symlink, out.as_str()),
        ("d/payload", tar::EntryType::Regular, "p"),
        ("up", tar::EntryType::Symlink, "../../../.."),
        ("up/payload2", tar::EntryType::Regular, "p"),
    ]);
    unpack(&r, Path::new("/"), &t[..], &UnpackOptions::default()).expect("unpack");
    assert_eq!(
        fs::read_dir(&f.outside).expect("ls").count(),
        1,
        "only the secret"
    );
    let t = tar_of(&[("../escape", tar::EntryType::Regular, "p")]);
    assert!(unpack(&r, Path::new("/"), &t[..], &UnpackOptions::default()).is_err());
    let t = tar_of(&[("hl", tar::EntryType::Link, "../outside/secret")]);
    assert!(unpack(&r, Path::new("/"), &t[..], &UnpackOptions::default()).is_err());
}

#[test]
fn packing_a_symlink_copies_the_link_or_follows_it_inside() {
    let f = fixture();
    symlink(f.outside.join("secret"), f.root.join("etc/link")).expect("symlink");
    let r = Root::open(&f.root).expect("root");
    let mut buf = Vec::new();
    let opts = PackOptions {
        name: Some("link".into()),
        ..Default::default()
    };
    pack(&r, Path::new("etc/link"), &opts, &mut buf).expect("pack");
    let mut a = tar::Archive::new(&buf[..]);
    let e = a
        .entries()
        .expect("entries")
        .next()
        .expect("one")
        .expect("entry");
    assert_eq!(e.header().entry_type(), tar::EntryType::Symlink);
    let follow = PackOptions {
        follow_final: true,
        ..opts
    };
    // Followed inside the root, the host path does not exist there.
    assert!(pack(&r, Path::new("etc/link"), &follow, Vec::new()).is_err());
}

#[test]
fn a_directory_swapped_for_a_symlink_during_copies_stays_inside() {
    let f = fixture();
    fs::create_dir_all(f.root.join("w/sub")).expect("mkdir");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (root, outside, s) = (f.root.clone(), f.outside.clone(), stop.clone());
    let swapper = std::thread::spawn(move || {
        while !s.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = fs::rename(root.join("w"), root.join("w.tmp"));
            let _ = symlink(&outside, root.join("w"));
            let _ = fs::remove_file(root.join("w"));
            let _ = fs::rename(root.join("w.tmp"), root.join("w"));
        }
    });
    let r = Root::open(&f.root).expect("root");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let mut n = 0u32;
    while std::time::Instant::now() < deadline {
        let _ = r.write_file(Path::new("w/sub/x"), b"x", Mode::from_bits_truncate(0o644));
        let t = tar_of(&[("y", tar::EntryType::Regular, "y")]);
        let _ = unpack(&r, Path::new("w"), &t[..], &UnpackOptions::default());
        n += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    swapper.join().expect("join");
    assert!(n > 10);
    assert_eq!(
        fs::read_dir(&f.outside).expect("ls").count(),
        1,
        "only the secret"
    );
}

/// Every path under `dir` (not following symlinks).
fn snapshot(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(e.path());
            }
            out.push(e.path());
        }
    }
    out.sort();
    out
}

#[derive(Clone, Debug)]
enum Node {
    Dir(String),
    Link(String, String),
}

fn node() -> impl Strategy<Value = Node> {
    let name = prop::sample::select(vec!["a", "b", "c", "a/b", "b/c", "c/a"]);
    let target = prop::sample::select(vec![
        "..",
        "../..",
        "/",
        "/OUT",
        "/OUT/..",
        "a",
        "../a",
        "b/../..",
        "/proc/self/root",
        "c/..",
    ]);
    prop_oneof![
        name.clone().prop_map(|n| Node::Dir(n.to_string())),
        (name, target).prop_map(|(n, t)| Node::Link(n.to_string(), t.to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_symlink_trees_never_reach_outside(
        nodes in prop::collection::vec(node(), 1..10),
        paths in prop::collection::vec(prop::sample::select(vec!["a/x", "b/c/x", "a/b/x", "c/a/b/x", "x"]), 1..5),
    ) {
        let f = fixture();
        let out = f.outside.display().to_string();
        for n in &nodes {
            match n {
                Node::Dir(d) => { let _ = fs::create_dir_all(f.root.join(d)); }
                Node::Link(l, t) => { let _ = symlink(t.replace("/OUT", &out), f.root.join(l)); }
            }
        }
        // Setting up follows host symlinks itself: what is outside now is the baseline.
        let before = snapshot(&f.outside);
        let r = Root::open(&f.root).expect("root");
        for p in &paths {
            let p = Path::new(p);
            if let Ok(fd) = r.resolve(p.parent().unwrap_or(Path::new("")), OFlag::O_PATH, Mode::empty()) {
                prop_assert!(real_path(&fd).starts_with(&f.root));
            }
            let _ = r.mkdir_all(p.parent().unwrap_or(Path::new("")), Mode::from_bits_truncate(0o755));
            let _ = r.write_file(p, b"x", Mode::from_bits_truncate(0o644));
            if let Ok(Some(st)) = r.stat(p) { prop_assert_eq!(Kind::of(&st), Kind::File); }
        }
        prop_assert_eq!(snapshot(&f.outside), before);
    }
}
