//! A small root filesystem built from the host's static busybox: the test and demo image.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::error::{Result, StorageError, io};

/// `/etc/passwd` of the image: root, a normal user, nobody.
const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
/// `/etc/group` of the image.
const GROUP: &str = "root:x:0:\ntester:x:1000:\nwheel:x:10:tester\nnogroup:x:65534:\n";

/// Writes a tarball of a root filesystem: `/bin/busybox` from `busybox` (a static binary),
/// a symlink per applet it lists, `/etc/passwd`, `/etc/group`, and the usual empty dirs.
pub fn rootfs_tarball(busybox: &Path, out: impl Write) -> Result<()> {
    let list = Command::new(busybox)
        .arg("--list")
        .output()
        .map_err(io(busybox))?;
    if !list.status.success() {
        return Err(StorageError::BadArchive {
            source_name: busybox.display().to_string(),
            reason: "`busybox --list` failed".into(),
        });
    }
    let applets: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .map(String::from)
        .collect();
    let mut tar = tar::Builder::new(out);
    let header = |path: &str, kind: tar::EntryType, mode: u32, size: u64| -> Result<tar::Header> {
        let mut h = tar::Header::new_gnu();
        h.set_path(path).map_err(io(path))?;
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(size);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_700_000_000);
        Ok(h)
    };
    for d in [
        "bin", "dev", "etc", "home", "proc", "root", "sys", "usr", "usr/bin", "usr/sbin", "sbin",
        "var", "var/www", "run",
    ] {
        let mut h = header(d, tar::EntryType::Directory, 0o755, 0)?;
        h.set_cksum();
        tar.append(&h, std::io::empty()).map_err(io(d))?;
    }
    for (d, mode, uid) in [("tmp", 0o1777, 0), ("home/tester", 0o755, 1000)] {
        let mut h = header(d, tar::EntryType::Directory, mode, 0)?;
        h.set_uid(uid);
        h.set_gid(uid);
        h.set_cksum();
        tar.append(&h, std::io::empty()).map_err(io(d))?;
    }
    let bin = File::open(busybox).map_err(io(busybox))?;
    let size = bin.metadata().map_err(io(busybox))?.len();
    let mut h = header("bin/busybox", tar::EntryType::Regular, 0o755, size)?;
    h.set_cksum();
    tar.append(&h, bin).map_err(io(busybox))?;
    for a in applets.iter().filter(|a| a.as_str() != "busybox") {
        let mut h = header(&format!("bin/{a}"), tar::EntryType::Symlink, 0o777, 0)?;
        h.set_link_name("busybox").map_err(io(a.as_str()))?;
        h.set_cksum();
        tar.append(&h, std::io::empty()).map_err(io(a.as_str()))?;
    }
    for (p, text) in [
        ("etc/passwd", PASSWD),
        ("etc/group", GROUP),
        ("etc/hostname", "busybox\n"),
        ("var/www/index.html", "hello from libpod-rs\n"),
    ] {
        let mut h = header(p, tar::EntryType::Regular, 0o644, text.len() as u64)?;
        h.set_cksum();
        tar.append(&h, text.as_bytes()).map_err(io(p))?;
    }
    tar.into_inner()
        .and_then(|mut w| w.flush())
        .map_err(io("<tarball>"))
}

/// Where the host's static busybox is, if installed (Debian's busybox-static puts it in /bin).
pub fn host_busybox() -> Option<&'static Path> {
    ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file())
}
