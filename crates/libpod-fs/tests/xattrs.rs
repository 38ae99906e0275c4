//! Extended attributes through pack and unpack: kept when asked, dropped otherwise.

use std::os::fd::AsFd;
use std::path::Path;

use libpod_fs::{PackOptions, Root, UnpackOptions, pack, unpack, xattr};

fn copy(from: &Path, to: &Path, keep: bool) {
    let mut buf = Vec::new();
    let src = Root::open(from).expect("src");
    let opts = PackOptions {
        xattrs: keep,
        ..Default::default()
    };
    pack(&src, Path::new("."), &opts, &mut buf).expect("pack");
    let dst = Root::open(to).expect("dst");
    let opts = UnpackOptions {
        xattrs: keep,
        ..Default::default()
    };
    unpack(&dst, Path::new("."), buf.as_slice(), &opts).expect("unpack");
}

#[test]
fn xattrs_survive_a_copy_only_when_asked() {
    let from = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(from.path().join("d")).expect("d");
    std::fs::write(from.path().join("d/f"), b"x").expect("f");
    let dir = std::fs::File::open(from.path()).expect("open");
    let sub = std::fs::File::open(from.path().join("d")).expect("open");
    // A long value: its PAX record's length has more digits than the key alone suggests.
    let long = vec![b'v'; 200];
    match xattr::set(sub.as_fd(), b"f", "user.long", &long) {
        Err(nix::errno::Errno::ENOTSUP) => return, // a file system without user xattrs
        r => r.expect("set"),
    }
    xattr::set(dir.as_fd(), b"d", "user.dir", b"on the directory").expect("set");

    let kept = tempfile::tempdir().expect("tmp");
    copy(from.path(), kept.path(), true);
    let k = std::fs::File::open(kept.path()).expect("open");
    let kd = std::fs::File::open(kept.path().join("d")).expect("open");
    assert_eq!(
        xattr::list(kd.as_fd(), b"f").expect("list"),
        [("user.long".to_string(), long)]
    );
    assert_eq!(
        xattr::list(k.as_fd(), b"d").expect("list"),
        [("user.dir".to_string(), b"on the directory".to_vec())]
    );
    assert_eq!(std::fs::read(kept.path().join("d/f")).expect("f"), b"x");

    let dropped = tempfile::tempdir().expect("tmp");
    copy(from.path(), dropped.path(), false);
    let dd = std::fs::File::open(dropped.path().join("d")).expect("open");
    assert_eq!(xattr::list(dd.as_fd(), b"f").expect("list"), []);
}
