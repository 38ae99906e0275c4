//! Idmapped mounts: a user namespace with given mappings (held by a short-lived child while
//! its descriptor is opened), an image layer bound through it so its files show the mapped
//! owners (the kernel shifts them; nothing is copied or chowned), and the highest ID an
//! image's files and users need (how `--userns auto` sizes a range).

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use libpod_config::IdMappings;
use libpod_config::userns::OVERFLOW_ID;
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, Pid, fork, pipe};

use crate::error::{Result, StorageError};

fn err(what: impl std::fmt::Display, detail: impl std::fmt::Display) -> StorageError {
    StorageError::UserNs {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

/// The short name of a mapping (its layer copies live under `mapped/<key>`).
pub(crate) fn mapping_key(m: &IdMappings) -> String {
    let text = format!(
        "{}|{}",
        IdMappings::proc_lines(&m.uid_map),
        IdMappings::proc_lines(&m.gid_map)
    );
    let d = crate::digest::of_bytes(text.as_bytes());
    d.trim_start_matches("sha256:")[..16].to_string()
}

/// A descriptor of a new user namespace with `m`'s mappings.
pub(crate) fn userns_fd(m: &IdMappings) -> Result<OwnedFd> {
    let what = "an idmapped mount";
    let (ready_r, ready_w) = pipe().map_err(|e| err(what, e))?;
    let (go_r, go_w) = pipe().map_err(|e| err(what, e))?;
    // SAFETY: the child makes only async-signal-safe calls (close, unshare, write, read,
    // _exit): the parent may have other threads.
    let child = match unsafe { fork() }.map_err(|e| err(what, format!("fork: {e}")))? {
        ForkResult::Child => unsafe {
            libc::close(ready_r.as_raw_fd());
            libc::close(go_w.as_raw_fd());
            let ok: u8 = u8::from(libc::unshare(libc::CLONE_NEWUSER) == 0);
            libc::write(ready_w.as_raw_fd(), (&raw const ok).cast(), 1);
            let mut b = 0u8;
            libc::read(go_r.as_raw_fd(), (&raw mut b).cast(), 1);
            libc::_exit(0)
        },
        ForkResult::Parent { child } => child,
    };
    drop(ready_w);
    drop(go_r);
    let opened = open_ns(child, &ready_r, m);
    // Closing the pipe lets the child exit; it is reaped whatever happened above.
    drop(go_w);
    let _ = waitpid(child, None);
    opened
}

fn open_ns(child: Pid, ready: &OwnedFd, m: &IdMappings) -> Result<OwnedFd> {
    let what = "an idmapped mount";
    let mut b = [0u8; 1];
    match nix::unistd::read(ready, &mut b) {
        Ok(1) if b[0] == 1 => {}
        _ => return Err(err(what, "the kernel refused a new user namespace")),
    }
    let proc = PathBuf::from(format!("/proc/{child}"));
    for (file, map) in [("uid_map", &m.uid_map), ("gid_map", &m.gid_map)] {
        let path = proc.join(file);
        // One write: the kernel takes a map only whole.
        std::fs::write(&path, IdMappings::proc_lines(map))
            .map_err(|e| err(what, format!("writing {}: {e}", path.display())))?;
    }
    let ns = proc.join("ns/user");
    File::open(&ns)
        .map(OwnedFd::from)
        .map_err(|e| err(what, format!("opening {}: {e}", ns.display())))
}

fn cpath(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| err(p.display(), "a path with a NUL byte"))
}

fn check(rc: libc::c_long, what: &Path, op: &str) -> Result<libc::c_long> {
    if rc < 0 {
        let e = std::io::Error::last_os_error();
        return Err(StorageError::IdmapUnsupported {
            path: what.to_path_buf(),
            detail: format!(
                "{op}: {e} (idmapped mounts need Linux 5.12 or later and a filesystem that \
                 supports them)"
            ),
        });
    }
    Ok(rc)
}

/// Binds `src` at `target` with its owners seen through the user namespace `userns`.
pub(crate) fn bind_idmapped(src: &Path, target: &Path, userns: BorrowedFd<'_>) -> Result<()> {
    let (s, t) = (cpath(src)?, cpath(target)?);
    // SAFETY: plain syscalls on valid NUL-terminated paths and descriptors we own.
    let fd = check(
        unsafe {
            libc::syscall(
                libc::SYS_open_tree,
                libc::AT_FDCWD,
                s.as_ptr(),
                libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC,
            )
        },
        src,
        "open_tree",
    )?;
    // SAFETY: open_tree returned a new descriptor that nothing else owns.
    let tree = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_IDMAP,
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    // SAFETY: `attr` outlives the call and its size is passed.
    check(
        unsafe {
            libc::syscall(
                libc::SYS_mount_setattr,
                tree.as_fd().as_raw_fd(),
                c"".as_ptr(),
                libc::AT_EMPTY_PATH,
                &raw const attr,
                std::mem::size_of::<libc::mount_attr>(),
            )
        },
        src,
        "mount_setattr",
    )?;
    // SAFETY: as above.
    check(
        unsafe {
            libc::syscall(
                libc::SYS_move_mount,
                tree.as_fd().as_raw_fd(),
                c"".as_ptr(),
                libc::AT_FDCWD,
                t.as_ptr(),
                libc::MOVE_MOUNT_F_EMPTY_PATH,
            )
        },
        target,
        "move_mount",
    )?;
    Ok(())
}

/// The highest UID or GID that files in `layers` (bottom first) or the users and groups of
/// the topmost `/etc/passwd` and `/etc/group` use; the overflow ID 65534 is left out, since
/// it shows the same whether it is mapped or not.
pub(crate) fn max_id(layers: &[PathBuf]) -> Result<u32> {
    let mut max = 0u32;
    let mut note = |id: u32| {
        if id != OVERFLOW_ID {
            max = max.max(id);
        }
    };
    for dir in layers {
        let root = libpod_fs::Root::open(dir)?;
        let top = root
            .fd()
            .try_clone_to_owned()
            .map_err(|e| err(dir.display(), e))?;
        libpod_fs::walk::walk(&top, &mut |e| {
            note(e.stat.st_uid);
            note(e.stat.st_gid);
            Ok(true)
        })?;
    }
    for (file, field) in [("etc/passwd", [2, 3]), ("etc/group", [2, 2])] {
        let Some(text) = layers.iter().rev().find_map(|d| {
            let root = libpod_fs::Root::open(d).ok()?;
            root.read_bounded(Path::new(file), 4 << 20).ok()
        }) else {
            continue;
        };
        for line in String::from_utf8_lossy(&text).lines() {
            let cols: Vec<&str> = line.split(':').collect();
            for f in field {
                if let Some(id) = cols.get(f).and_then(|v| v.parse().ok()) {
                    note(id);
                }
            }
        }
    }
    Ok(max)
}

fn fs_err(rel: &Path) -> impl FnOnce(nix::Error) -> libpod_fs::FsError + '_ {
    move |e| libpod_fs::FsError::Io {
        path: rel.to_path_buf(),
        source: e.into(),
    }
}

/// Gives every file under `dir` (and `dir`) the owners its owners map to through `m`, as a
/// copy seen in the namespace needs; setuid and setgid bits, which a chown clears, are put
/// back.
pub(crate) fn shift_tree(dir: &Path, m: &IdMappings) -> Result<()> {
    use nix::fcntl::AtFlags;
    use nix::sys::stat::{FchmodatFlags, Mode, fchmodat};
    use nix::unistd::{Gid, Uid, fchownat};
    let root = libpod_fs::Root::open(dir)?;
    let top = root
        .fd()
        .try_clone_to_owned()
        .map_err(|e| err(dir.display(), e))?;
    let st = nix::sys::stat::fstat(&top).map_err(|e| err(dir.display(), e))?;
    nix::unistd::fchown(
        &top,
        Some(Uid::from_raw(m.host_uid(st.st_uid))),
        Some(Gid::from_raw(m.host_gid(st.st_gid))),
    )
    .map_err(|e| err(dir.display(), e))?;
    libpod_fs::walk::walk(&top, &mut |e| {
        let (u, g) = (m.host_uid(e.stat.st_uid), m.host_gid(e.stat.st_gid));
        let name = e.name.as_os_str();
        fchownat(
            e.dir,
            name,
            Some(Uid::from_raw(u)),
            Some(Gid::from_raw(g)),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map_err(fs_err(e.rel))?;
        let kind = e.stat.st_mode & libc::S_IFMT;
        if kind != libc::S_IFLNK && e.stat.st_mode & 0o6000 != 0 {
            let mode = Mode::from_bits_truncate(e.stat.st_mode & 0o7777);
            fchmodat(e.dir, name, mode, FchmodatFlags::FollowSymlink).map_err(fs_err(e.rel))?;
        }
        Ok(true)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_id_reads_files_and_users_but_not_nobody() {
        let d = tempfile::tempdir().expect("tmp");
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir_all(a.join("etc")).expect("mkdir");
        std::fs::create_dir_all(b.join("etc")).expect("mkdir");
        std::fs::write(a.join("etc/passwd"), "old:x:9000:9000::/:/bin/sh\n").expect("w");
        std::fs::write(
            b.join("etc/passwd"),
            "root:x:0:0::/:/bin/sh\nu:x:1500:42::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
        )
        .expect("w");
        std::fs::write(b.join("etc/group"), "g:x:2000:\n").expect("w");
        let f = b.join("owned");
        std::fs::write(&f, "").expect("w");
        nix::unistd::chown(&f, Some(1700.into()), Some(1800.into())).expect("chown");
        // The lower layer's passwd is hidden by the upper one's.
        assert_eq!(max_id(&[a.clone(), b.clone()]).expect("max"), 2000);
        std::fs::remove_file(b.join("etc/group")).expect("rm");
        assert_eq!(max_id(&[a, b]).expect("max"), 1800);
    }

    #[test]
    fn shifting_a_tree_maps_owners_and_keeps_setuid() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let d = tempfile::tempdir().expect("tmp");
        let su = d.path().join("su");
        std::fs::write(&su, "").expect("w");
        nix::unistd::chown(&su, Some(5.into()), Some(6.into())).expect("chown");
        std::fs::set_permissions(&su, std::fs::Permissions::from_mode(0o4755)).expect("chmod");
        std::os::unix::fs::symlink("su", d.path().join("ln")).expect("ln");
        shift_tree(d.path(), &IdMappings::single(100000, 200000, 65536)).expect("shift");
        let m = std::fs::metadata(&su).expect("stat");
        assert_eq!(
            (m.uid(), m.gid(), m.mode() & 0o7777),
            (100005, 200006, 0o4755)
        );
        let l = std::fs::symlink_metadata(d.path().join("ln")).expect("lstat");
        assert_eq!((l.uid(), l.gid()), (100000, 200000));
        assert_eq!(std::fs::metadata(d.path()).expect("stat").uid(), 100000);
    }

    #[test]
    fn a_userns_descriptor_has_the_mappings() {
        let m = IdMappings::single(300000, 400000, 1000);
        let fd = userns_fd(&m).expect("userns");
        let st = nix::sys::stat::fstat(&fd).expect("fstat");
        assert_ne!(
            st.st_ino,
            nix::sys::stat::stat("/proc/self/ns/user")
                .expect("stat")
                .st_ino,
            "a namespace of its own"
        );
    }
}
