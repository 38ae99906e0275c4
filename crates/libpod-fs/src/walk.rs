//! Walking a tree by descriptor: each directory opened on its parent's descriptor with
//! `O_NOFOLLOW`, so a directory swapped for a symlink mid-walk is never followed.

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::dir::Dir;
use nix::fcntl::{AtFlags, OFlag, openat};
use nix::sys::stat::{FileStat, Mode, fstatat};

use crate::error::{FsError, Result, sys};
use crate::root::Kind;

/// How deep a tree may go before the walk gives up (a loop of bind mounts, a hostile tree).
pub const MAX_DEPTH: usize = 512;

/// One entry met by [`walk`].
pub struct Entry<'a> {
    /// Its path relative to the walked directory.
    pub rel: &'a Path,
    /// Its `lstat`.
    pub stat: &'a FileStat,
    /// The directory holding it.
    pub dir: &'a OwnedFd,
    /// Its name in that directory.
    pub name: &'a OsString,
}

/// The names in `dir`, sorted, without `.` and `..`.
pub fn names(dir: &OwnedFd, rel: &Path) -> Result<Vec<OsString>> {
    let dup = dir.try_clone().map_err(|e| FsError::Io {
        path: rel.to_path_buf(),
        source: e,
    })?;
    let mut d = Dir::from_fd(dup).map_err(sys("read the directory", rel))?;
    let mut out = Vec::new();
    for e in d.iter() {
        let e = e.map_err(sys("read the directory", rel))?;
        let n = e.file_name().to_bytes();
        if n != b"." && n != b".." {
            out.push(n.to_vec());
        }
    }
    out.sort();
    Ok(out
        .into_iter()
        .map(std::os::unix::ffi::OsStringExt::from_vec)
        .collect())
}

/// Opens the subdirectory `name` of `dir`, refusing a symlink.
pub fn subdir(dir: &OwnedFd, name: &OsString, rel: &Path) -> Result<OwnedFd> {
    openat(
        dir,
        name.as_os_str(),
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(sys("open the directory", rel))
}

/// Calls `visit` for every entry under `dir` (parents before children), descending into
/// directories by descriptor; `visit` returns whether to descend into a directory.
pub fn walk(dir: &OwnedFd, visit: &mut dyn FnMut(Entry<'_>) -> Result<bool>) -> Result<()> {
    walk_at(dir, &PathBuf::new(), 0, visit)
}

fn walk_at(
    dir: &OwnedFd,
    prefix: &Path,
    depth: usize,
    visit: &mut dyn FnMut(Entry<'_>) -> Result<bool>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(FsError::Copy(format!(
            "{}: the tree is deeper than {MAX_DEPTH} levels",
            prefix.display()
        )));
    }
    for name in names(dir, prefix)? {
        let rel = prefix.join(&name);
        let stat = match fstatat(dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            // Removed since the listing: the tree is live, skip it.
            Err(nix::errno::Errno::ENOENT) => continue,
            Err(e) => return Err(sys("stat", &rel)(e)),
        };
        let descend = visit(Entry {
            rel: &rel,
            stat: &stat,
            dir,
            name: &name,
        })?;
        if descend && Kind::of(&stat) == Kind::Dir {
            let sub = subdir(dir, &name, &rel)?;
            walk_at(&sub, &rel, depth + 1, visit)?;
        }
    }
    Ok(())
}

/// Gives `dir` and everything under it to `uid`:`gid` (podman's `:U`), by descriptor and
/// never through a symlink (a link itself is re-owned, not what it points to).
pub fn chown_tree(dir: &OwnedFd, uid: u32, gid: u32) -> Result<()> {
    use nix::unistd::{Gid, Uid, fchown, fchownat};
    let (u, g) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
    fchown(dir, u, g).map_err(sys("chown", Path::new(".")))?;
    walk(dir, &mut |e| {
        fchownat(
            e.dir,
            e.name.as_os_str(),
            u,
            g,
            AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .map_err(sys("chown", e.rel))?;
        Ok(true)
    })
}
