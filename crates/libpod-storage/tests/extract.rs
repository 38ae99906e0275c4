//! Layer extraction against hostile and unusual tarballs, built here byte by byte.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use libpod_storage::StorageError;
use libpod_storage::extract::{Limits, Whiteouts, extract_layer};

/// One tar entry: (kind byte, path, link target, data, mode).
struct E<'a> {
    kind: u8,
    path: &'a str,
    link: &'a str,
    data: &'a [u8],
    mode: u32,
    uid: u64,
    size: Option<u64>,
    dev: (u32, u32),
}

fn e<'a>(kind: u8, path: &'a str) -> E<'a> {
    E {
        kind,
        path,
        link: "",
        data: b"",
        mode: if kind == b'5' { 0o755 } else { 0o644 },
        uid: 0,
        size: None,
        dev: (0, 0),
    }
}
fn file<'a>(path: &'a str, data: &'a [u8]) -> E<'a> {
    E {
        data,
        ..e(b'0', path)
    }
}
fn dir(path: &str) -> E<'_> {
    e(b'5', path)
}
fn symlink<'a>(path: &'a str, target: &'a str) -> E<'a> {
    E {
        link: target,
        ..e(b'2', path)
    }
}
fn hardlink<'a>(path: &'a str, target: &'a str) -> E<'a> {
    E {
        link: target,
        ..e(b'1', path)
    }
}

/// Writes raw ustar headers, so names the `tar` crate would refuse (`..`, absolute) get through.
fn tarball(entries: &[E<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for en in entries {
        let mut h = [0u8; 512];
        let put = |h: &mut [u8; 512], off: usize, len: usize, v: &[u8]| {
            h[off..off + v.len().min(len)].copy_from_slice(&v[..v.len().min(len)])
        };
        put(&mut h, 0, 100, en.path.as_bytes());
        put(&mut h, 100, 8, format!("{:07o}\0", en.mode).as_bytes());
        put(&mut h, 108, 8, format!("{:07o}\0", en.uid).as_bytes());
        put(&mut h, 116, 8, format!("{:07o}\0", en.uid).as_bytes());
        let size = en.size.unwrap_or(en.data.len() as u64);
        put(&mut h, 124, 12, format!("{size:011o}\0").as_bytes());
        put(
            &mut h,
            136,
            12,
            format!("{:011o}\0", 1_600_000_000u64).as_bytes(),
        );
        h[156] = en.kind;
        put(&mut h, 157, 100, en.link.as_bytes());
        put(&mut h, 257, 8, b"ustar\x0000");
        put(&mut h, 329, 8, format!("{:07o}\0", en.dev.0).as_bytes());
        put(&mut h, 337, 8, format!("{:07o}\0", en.dev.1).as_bytes());
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        put(&mut h, 148, 8, format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(en.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// A sandbox with the layer root inside it, so anything written outside the root shows.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        fs::create_dir(dir.path().join("root")).expect("mkdir");
        fs::write(dir.path().join("outside.txt"), "keep").expect("write");
        Sandbox { dir }
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn extract(
        &self,
        entries: &[E<'_>],
        mode: Whiteouts,
    ) -> Result<libpod_storage::extract::Stats, StorageError> {
        extract_layer(&tarball(entries)[..], &self.root(), mode, Limits::default())
    }
    /// Everything in the sandbox outside `root/`.
    fn outside(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
    fn assert_contained(&self) {
        assert_eq!(
            self.outside(),
            vec!["outside.txt".to_string(), "root".to_string()]
        );
        assert_eq!(
            fs::read_to_string(self.dir.path().join("outside.txt")).expect("read"),
            "keep"
        );
    }
}

fn refused(r: Result<libpod_storage::extract::Stats, StorageError>, entry: &str) -> String {
    match r {
        Err(StorageError::UnsafeEntry { entry: got, reason }) => {
            assert_eq!(got, entry, "the error names the entry ({reason})");
            reason
        }
        other => panic!("expected entry {entry} to be refused, got {other:?}"),
    }
}

#[test]
fn dot_dot_paths_are_refused() {
    let s = Sandbox::new();
    let reason = refused(
        s.extract(&[file("../outside.txt", b"pwned")], Whiteouts::Overlay),
        "../outside.txt",
    );
    assert!(reason.contains(".."), "{reason}");
    refused(
        s.extract(&[file("a/../../x", b"pwned")], Whiteouts::Overlay),
        "a/../../x",
    );
    s.assert_contained();
}

#[test]
fn absolute_paths_are_contained() {
    let s = Sandbox::new();
    s.extract(&[file("/etc/abs", b"inside")], Whiteouts::Overlay)
        .expect("extract");
    assert_eq!(fs::read(s.root().join("etc/abs")).expect("read"), b"inside");
    s.assert_contained();
}

#[test]
fn writes_through_escaping_symlinks_stay_inside() {
    let s = Sandbox::new();
    let outside = s.dir.path().display().to_string();
    s.extract(
        &[
            symlink("abs", "/"),
            file("abs/etc/through-abs", b"1"),
            symlink("rel", "../../../../.."),
            file("rel/through-rel", b"2"),
        ],
        Whiteouts::Overlay,
    )
    .expect("extract");
    assert_eq!(
        fs::read(s.root().join("etc/through-abs")).expect("contained"),
        b"1"
    );
    assert_eq!(
        fs::read(s.root().join("through-rel")).expect("contained"),
        b"2"
    );
    // A symlink to the sandbox's real path resolves inside the layer, where that path does
    // not exist: writing through it is refused, like `tar -x` does, naming the entry.
    refused(
        s.extract(
            &[symlink("host", &outside), file("host/outside.txt", b"3")],
            Whiteouts::Overlay,
        ),
        "host/outside.txt",
    );
    // The symlinks themselves are kept as they were written.
    assert_eq!(
        fs::read_link(s.root().join("abs")).expect("link"),
        Path::new("/")
    );
    s.assert_contained();
}

#[test]
fn hard_links_cannot_reach_outside() {
    let s = Sandbox::new();
    refused(
        s.extract(&[hardlink("hl", "../outside.txt")], Whiteouts::Overlay),
        "hl",
    );
    // An absolute target is looked up inside the layer, where /outside.txt does not exist.
    let abs = format!("{}/outside.txt", s.dir.path().display());
    refused(
        s.extract(&[hardlink("hl2", &abs)], Whiteouts::Overlay),
        "hl2",
    );
    // Through a symlink that points out: still resolved inside.
    refused(
        s.extract(
            &[symlink("up", "/"), hardlink("hl3", "up/outside.txt")],
            Whiteouts::Overlay,
        ),
        "hl3",
    );
    assert_eq!(
        fs::metadata(s.dir.path().join("outside.txt"))
            .expect("meta")
            .nlink(),
        1
    );
    s.assert_contained();
}

#[test]
fn a_symlink_replaced_by_a_directory_is_not_written_through() {
    let s = Sandbox::new();
    let outside = s.dir.path().display().to_string();
    s.extract(
        &[symlink("d", &outside), dir("d"), file("d/f", b"x")],
        Whiteouts::Overlay,
    )
    .expect("extract");
    assert!(
        fs::symlink_metadata(s.root().join("d"))
            .expect("d")
            .is_dir(),
        "the symlink became a directory"
    );
    assert_eq!(fs::read(s.root().join("d/f")).expect("f"), b"x");
    s.assert_contained();
}

#[test]
fn a_path_resolves_afresh_after_a_removal_on_its_way() {
    // `l` resolves through the symlink `d/n -> .` to `d`; the entry `l/n` replaces that
    // symlink with a directory, so `l` now means `d/n`, and `l/f` belongs there. (A reused
    // descriptor for `l` would put it in `d`.) A file in place of the symlink makes `l/g`
    // unreachable, which is refused.
    let s = Sandbox::new();
    s.extract(
        &[
            dir("d"),
            symlink("d/n", "."),
            symlink("l", "d/n"),
            dir("l/n"),
            file("l/f", b"x"),
        ],
        Whiteouts::Overlay,
    )
    .expect("extract");
    assert_eq!(fs::read(s.root().join("d/n/f")).expect("d/n/f"), b"x");
    assert!(!s.root().join("d/f").exists());
    s.assert_contained();
    let s = Sandbox::new();
    let r = s.extract(
        &[
            dir("d"),
            symlink("d/n", "."),
            symlink("l", "d/n"),
            file("l/n", b"1"),
            file("l/g", b"2"),
        ],
        Whiteouts::Overlay,
    );
    refused(r, "l/g");
    assert!(!s.root().join("d/g").exists());
    s.assert_contained();
}

#[test]
fn a_file_replaced_by_a_symlink_then_written_through_stays_inside() {
    let s = Sandbox::new();
    s.extract(
        &[
            file("x", b"1"),
            symlink("x", "/outside.txt"),
            file("x", b"2"),
        ],
        Whiteouts::Overlay,
    )
    .expect("extract");
    assert_eq!(fs::read(s.root().join("x")).expect("x"), b"2");
    assert!(!s.root().join("outside.txt").exists());
    s.assert_contained();
}

#[test]
fn huge_and_truncated_entries_are_refused() {
    let s = Sandbox::new();
    let small = Limits {
        max_entry: 1 << 20,
        max_total: 2 << 20,
        max_entries: 100,
    };
    let huge = E {
        size: Some(1 << 40),
        ..file("huge", b"")
    };
    let r = extract_layer(&tarball(&[huge])[..], &s.root(), Whiteouts::Overlay, small);
    assert!(refused(r, "huge").contains("limit"));
    let data = vec![7u8; 600 << 10];
    let r = extract_layer(
        &tarball(&[
            file("a", &data),
            file("b", &data),
            file("c", &data),
            file("d", &data),
        ])[..],
        &s.root(),
        Whiteouts::Overlay,
        small,
    );
    assert!(refused(r, "d").contains("total"));
    let mut t = tarball(&[E {
        size: Some(4096),
        ..file("cut", &[1u8; 100])
    }]);
    t.truncate(512 + 100);
    let r = extract_layer(&t[..], &s.root(), Whiteouts::Overlay, Limits::default());
    assert!(r.is_err(), "a truncated entry is an error");
    let many: Vec<E<'_>> = (0..5).map(|_| file("same", b"")).collect();
    let r = extract_layer(
        &tarball(&many)[..],
        &s.root(),
        Whiteouts::Overlay,
        Limits {
            max_entries: 3,
            ..small
        },
    );
    assert!(matches!(r, Err(StorageError::UnsafeEntry { .. })));
    s.assert_contained();
}

#[test]
fn metadata_is_kept() {
    let s = Sandbox::new();
    let setuid = E {
        mode: 0o4755,
        uid: 1234,
        ..file("bin/su", b"#!")
    };
    let dev = E {
        dev: (1, 3),
        mode: 0o666,
        ..e(b'3', "dev/null")
    };
    s.extract(
        &[
            dir("bin"),
            setuid,
            hardlink("bin/su2", "bin/su"),
            symlink("bin/sh", "su"),
            dev,
            e(b'6', "fifo"),
        ],
        Whiteouts::Overlay,
    )
    .expect("extract");
    let m = fs::metadata(s.root().join("bin/su")).expect("su");
    assert_eq!(
        (m.mode() & 0o7777, m.uid(), m.gid(), m.mtime()),
        (0o4755, 1234, 1234, 1_600_000_000)
    );
    assert_eq!(
        m.ino(),
        fs::metadata(s.root().join("bin/su2")).expect("su2").ino(),
        "a hard link"
    );
    assert_eq!(
        fs::read_link(s.root().join("bin/sh")).expect("sh"),
        Path::new("su")
    );
    let d = fs::metadata(s.root().join("dev/null")).expect("dev");
    assert!(d.file_type().is_char_device());
    assert_eq!(d.rdev(), nix::sys::stat::makedev(1, 3));
    assert!(
        fs::metadata(s.root().join("fifo"))
            .expect("fifo")
            .file_type()
            .is_fifo()
    );
    assert_eq!(
        fs::metadata(s.root().join("bin")).expect("bin").mtime(),
        1_600_000_000,
        "dir times set last"
    );
}

#[test]
fn whiteouts_become_overlay_whiteouts() {
    let s = Sandbox::new();
    s.extract(
        &[
            dir("etc"),
            file("etc/.wh.gone", b""),
            dir("opaque"),
            file("opaque/.wh..wh..opq", b""),
        ],
        Whiteouts::Overlay,
    )
    .expect("extract");
    let w = fs::symlink_metadata(s.root().join("etc/gone")).expect("whiteout");
    assert!(
        w.file_type().is_char_device() && w.rdev() == 0,
        "a 0/0 character device"
    );
    let mut buf = [0u8; 8];
    let path = std::ffi::CString::new(s.root().join("opaque").display().to_string()).expect("path");
    // SAFETY: valid NUL-terminated strings and a buffer of the given length.
    let n = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            c"trusted.overlay.opaque".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    assert_eq!(n, 1, "opaque xattr set");
    assert_eq!(buf[0], b'y');
}

#[test]
fn whiteouts_apply_onto_a_tree() {
    let s = Sandbox::new();
    s.extract(
        &[
            dir("a"),
            file("a/old", b""),
            dir("a/sub"),
            file("a/sub/x", b""),
            file("keep", b""),
            file("gone", b""),
        ],
        Whiteouts::Apply,
    )
    .expect("lower");
    s.extract(
        &[
            file(".wh.gone", b""),
            dir("a"),
            file("a/.wh..wh..opq", b""),
            file("a/new", b""),
        ],
        Whiteouts::Apply,
    )
    .expect("upper");
    assert!(!s.root().join("gone").exists());
    assert!(s.root().join("keep").exists());
    assert!(
        !s.root().join("a/old").exists() && !s.root().join("a/sub").exists(),
        "the opaque dir hides the lower contents"
    );
    assert!(
        s.root().join("a/new").exists(),
        "but keeps this layer's own"
    );
    let r = s.extract(&[file(".wh...", b"")], Whiteouts::Apply);
    assert!(matches!(r, Err(StorageError::UnsafeEntry { .. })));
}

#[test]
fn gzip_and_zstd_layers() {
    use std::io::Write;
    let raw = tarball(&[file("hello", b"world")]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let zst =
        ruzstd::encoding::compress_to_vec(&raw[..], ruzstd::encoding::CompressionLevel::Fastest);
    for (name, bytes) in [("plain", raw.clone()), ("gzip", gz), ("zstd", zst)] {
        let s = Sandbox::new();
        let stats = extract_layer(&bytes[..], &s.root(), Whiteouts::Overlay, Limits::default())
            .expect(name);
        assert_eq!(stats.bytes, 5);
        assert_eq!(fs::read(s.root().join("hello")).expect(name), b"world");
    }
}

#[test]
fn replacing_kinds() {
    let s = Sandbox::new();
    s.extract(
        &[
            file("x", b"1"),
            dir("x"),
            file("x/y", b"2"),
            file("x", b"3"),
        ],
        Whiteouts::Overlay,
    )
    .expect("extract");
    assert_eq!(
        fs::read(s.root().join("x")).expect("x"),
        b"3",
        "a file replaces a directory tree"
    );
}
