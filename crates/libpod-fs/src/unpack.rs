//! Unpacking a tar stream into a directory inside a [`Root`]: every parent resolved inside
//! the root, every entry created on its parent's descriptor with `O_NOFOLLOW`/`O_EXCL`.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat};
use nix::sys::stat::{FileStat, Mode, SFlag, fchmod, fstatat, makedev, mkdirat, mknodat};
use nix::sys::time::TimeSpec;
use nix::unistd::{Gid, Uid, UnlinkatFlags, fchown, fchownat, linkat, symlinkat, unlinkat};

use crate::error::{FsError, Result, sys};
use crate::root::{Kind, Root, clean};
use crate::walk;

/// How [`unpack`] treats ownership and what is already there.
#[derive(Clone, Debug, Default)]
pub struct UnpackOptions {
    /// Give every entry this uid and gid; `None` keeps the archive's (when we are root).
    pub chown: Option<(u32, u32)>,
    /// Let a directory replace a non-directory and the reverse (podman's `--overwrite`).
    pub overwrite: bool,
    /// Set the extended attributes recorded in PAX `SCHILY.xattr.` records, where the file
    /// system takes them (others are skipped, as tar(1) does).
    pub xattrs: bool,
}

/// The `SCHILY.xattr.` records of an entry's PAX header.
fn pax_xattrs<R: Read>(e: &mut tar::Entry<'_, R>) -> Vec<(String, Vec<u8>)> {
    let Ok(Some(exts)) = e.pax_extensions() else {
        return Vec::new();
    };
    exts.flatten()
        .filter_map(|x| {
            let k = x.key().ok()?.strip_prefix("SCHILY.xattr.")?.to_string();
            Some((k, x.value_bytes().to_vec()))
        })
        .collect()
}

fn bad(entry: &str, reason: impl Into<String>) -> FsError {
    FsError::BadEntry {
        entry: entry.to_string(),
        reason: reason.into(),
    }
}

/// The components of a tar entry's name; `..` is refused, a leading `/` or `./` dropped.
pub fn entry_components(raw: &[u8]) -> Result<Vec<OsString>> {
    let name = String::from_utf8_lossy(raw);
    let mut out = Vec::new();
    for c in raw.split(|b| *b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err(bad(&name, "it contains \"..\"")),
            c => out.push(OsStr::from_bytes(c).to_os_string()),
        }
    }
    Ok(out)
}

/// Removes `name` in `dir` and, for a directory, everything under it (by descriptor).
pub fn remove_all(dir: &OwnedFd, name: &OsStr, rel: &Path) -> Result<()> {
    match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Err(Errno::ENOENT) => Ok(()),
        Err(e) => Err(sys("stat", rel)(e)),
        Ok(st) if Kind::of(&st) == Kind::Dir => {
            let sub = walk::subdir(dir, &name.to_os_string(), rel)?;
            for n in walk::names(&sub, rel)? {
                remove_all(&sub, &n, &rel.join(&n))?;
            }
            unlinkat(dir, name, UnlinkatFlags::RemoveDir).map_err(sys("remove", rel))
        }
        Ok(_) => unlinkat(dir, name, UnlinkatFlags::NoRemoveDir).map_err(sys("remove", rel)),
    }
}

struct Unpacker<'a> {
    root: &'a Root,
    dest: PathBuf,
    opts: &'a UnpackOptions,
    is_root: bool,
    dir_times: Vec<(PathBuf, i64)>,
}

impl Unpacker<'_> {
    /// Makes room for a new `name` in `dir`: what is there goes, unless a directory and
    /// a non-directory would replace each other without `overwrite`.
    fn clear(&self, dir: &OwnedFd, name: &OsStr, rel: &Path, new_is_dir: bool) -> Result<bool> {
        let st = match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Err(Errno::ENOENT) => return Ok(false),
            Err(e) => return Err(sys("stat", rel)(e)),
            Ok(st) => st,
        };
        let is_dir = Kind::of(&st) == Kind::Dir;
        if is_dir && new_is_dir {
            return Ok(true);
        }
        if is_dir != new_is_dir && !self.opts.overwrite {
            let (old, new) = if is_dir {
                ("directory", "non-directory")
            } else {
                ("non-directory", "directory")
            };
            return Err(FsError::Copy(format!(
                "cannot overwrite {old} \"{}\" with {new}: use --overwrite to replace it",
                rel.display()
            )));
        }
        remove_all(dir, name, rel)?;
        Ok(false)
    }

    fn owner_of(&self, h: &tar::Header) -> Option<(Uid, Gid)> {
        if !self.is_root {
            return None;
        }
        let (u, g) = match self.opts.chown {
            Some(o) => o,
            None => (
                h.uid()
                    .ok()
                    .and_then(|u| u32::try_from(u).ok())
                    .unwrap_or(0),
                h.gid()
                    .ok()
                    .and_then(|g| u32::try_from(g).ok())
                    .unwrap_or(0),
            ),
        };
        Some((Uid::from_raw(u), Gid::from_raw(g)))
    }

    /// Gives `name` in `dir` (not followed) the entry's owner, when we may.
    fn chown_at(&self, dir: &OwnedFd, name: &OsStr, h: &tar::Header, rel: &Path) -> Result<()> {
        if let Some((u, g)) = self.owner_of(h) {
            fchownat(dir, name, Some(u), Some(g), AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(sys("chown", rel))?;
        }
        Ok(())
    }

    fn finish_fd(&self, fd: &OwnedFd, h: &tar::Header, rel: &Path) -> Result<()> {
        if let Some((u, g)) = self.owner_of(h) {
            fchown(fd, Some(u), Some(g)).map_err(sys("chown", rel))?;
        }
        let mode = h.mode().unwrap_or(0o644) & 0o7777;
        fchmod(fd, Mode::from_bits_truncate(mode)).map_err(sys("chmod", rel))?;
        Ok(())
    }

    /// Sets the extended attributes on `name` in `dir`; a file system or a key that does not
    /// take them is skipped.
    fn set_xattrs(
        &self,
        dir: &OwnedFd,
        name: &OsStr,
        attrs: &[(String, Vec<u8>)],
        rel: &Path,
    ) -> Result<()> {
        use std::os::fd::AsFd;
        for (k, v) in attrs {
            match crate::xattr::set(dir.as_fd(), name.as_bytes(), k, v) {
                Ok(()) | Err(Errno::ENOTSUP) | Err(Errno::EPERM) => {}
                Err(e) => return Err(sys("set an xattr on", rel)(e)),
            }
        }
        Ok(())
    }

    fn entry<R: Read>(&mut self, e: &mut tar::Entry<'_, R>) -> Result<()> {
        let attrs = if self.opts.xattrs {
            pax_xattrs(e)
        } else {
            Vec::new()
        };
        let raw = e.path_bytes().into_owned();
        let comps = entry_components(&raw)?;
        let Some((last, parents)) = comps.split_last() else {
            return Ok(()); // the "." entry: the destination itself stays as it is
        };
        let rel: PathBuf = comps.iter().collect();
        let pdir = self.root.mkdir_all(
            &self.dest.join(parents.iter().collect::<PathBuf>()),
            Mode::from_bits_truncate(0o755),
        )?;
        let h = e.header().clone();
        let kind = h.entry_type();
        if kind.is_dir() {
            if !self.clear(&pdir, last, &rel, true)? {
                mkdirat(&pdir, last.as_os_str(), Mode::from_bits_truncate(0o700))
                    .map_err(sys("create the directory", &rel))?;
            }
            let fd = walk::subdir(&pdir, last, &rel)?;
            self.finish_fd(&fd, &h, &rel)?;
            let mtime = h
                .mtime()
                .ok()
                .and_then(|t| i64::try_from(t).ok())
                .unwrap_or(0);
            self.dir_times.push((self.dest.join(&rel), mtime));
            return self.set_xattrs(&pdir, last, &attrs, &rel);
        }
        self.clear(&pdir, last, &rel, false)?;
        self.non_dir(e, &h, &pdir, last, &rel)?;
        if kind != tar::EntryType::Link && kind != tar::EntryType::Symlink {
            self.set_xattrs(&pdir, last, &attrs, &rel)?;
        }
        Ok(())
    }

    /// Creates a non-directory entry `last` in `pdir`.
    fn non_dir<R: Read>(
        &mut self,
        e: &mut tar::Entry<'_, R>,
        h: &tar::Header,
        pdir: &OwnedFd,
        last: &OsStr,
        rel: &Path,
    ) -> Result<()> {
        let (h, rel) = (h.clone(), rel.to_path_buf());
        let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        let kind = h.entry_type();
        let mode = Mode::from_bits_truncate(h.mode().unwrap_or(0o644) & 0o7777);
        match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                let fd = openat(
                    pdir,
                    last,
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(sys("create", &rel))?;
                let mut f = File::from(fd);
                std::io::copy(e, &mut f).map_err(|source| FsError::Io {
                    path: rel.clone(),
                    source,
                })?;
                let fd: OwnedFd = f.into();
                self.finish_fd(&fd, &h, &rel)?;
                if let Ok(t) = h.mtime() {
                    let t = TimeSpec::new(i64::try_from(t).unwrap_or(0), 0);
                    let _ = nix::sys::stat::futimens(&fd, &t, &t);
                }
            }
            tar::EntryType::Symlink => {
                let target = e
                    .link_name_bytes()
                    .ok_or_else(|| bad(&name, "a symlink without a target"))?;
                symlinkat(OsStr::from_bytes(&target), pdir, last)
                    .map_err(sys("create the symlink", &rel))?;
                self.chown_at(pdir, last, &h, &rel)?;
            }
            tar::EntryType::Link => {
                let target = e
                    .link_name_bytes()
                    .ok_or_else(|| bad(&name, "a hard link without a target"))?;
                let tcomps = entry_components(&target)?;
                let (tdir, tname) = self
                    .root
                    .parent(&self.dest.join(tcomps.iter().collect::<PathBuf>()))?;
                linkat(&tdir, tname.as_os_str(), pdir, last, AtFlags::empty())
                    .map_err(sys("create the hard link", &rel))?;
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let sflag = match kind {
                    tar::EntryType::Char => SFlag::S_IFCHR,
                    tar::EntryType::Block => SFlag::S_IFBLK,
                    _ => SFlag::S_IFIFO,
                };
                let dev = makedev(
                    u64::from(h.device_major().ok().flatten().unwrap_or(0)),
                    u64::from(h.device_minor().ok().flatten().unwrap_or(0)),
                );
                mknodat(pdir, last, sflag, mode, dev)
                    .map_err(sys("create the device node", &rel))?;
                self.chown_at(pdir, last, &h, &rel)?;
            }
            // PAX headers and the like are consumed by the tar reader; others are skipped.
            _ => {}
        }
        Ok(())
    }
}

/// Unpacks the tar stream `input` into the directory `dest` inside `root`.
pub fn unpack(root: &Root, dest: &Path, input: impl Read, opts: &UnpackOptions) -> Result<()> {
    let mut u = Unpacker {
        root,
        dest: clean(dest).iter().collect(),
        opts,
        is_root: nix::unistd::geteuid().is_root(),
        dir_times: Vec::new(),
    };
    let mut ar = tar::Archive::new(input);
    let entries = ar.entries().map_err(|source| FsError::Io {
        path: dest.to_path_buf(),
        source,
    })?;
    for e in entries {
        let mut e = e.map_err(|source| FsError::Io {
            path: dest.to_path_buf(),
            source,
        })?;
        u.entry(&mut e)?;
    }
    // Innermost last written first, so a parent's time is not changed by its children.
    for (path, mtime) in u.dir_times.iter().rev() {
        if let Ok(fd) = root.open_dir(path) {
            let t = TimeSpec::new(*mtime, 0);
            let _ = nix::sys::stat::futimens(&fd, &t, &t);
        }
    }
    Ok(())
}

/// Stat helper for callers that need an entry's kind after unpacking.
pub fn kind_at(dir: &OwnedFd, name: &OsStr) -> Option<Kind> {
    fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW)
        .ok()
        .map(|st: FileStat| Kind::of(&st))
}
