//! Packing a tree inside a [`Root`] into a tar stream, by descriptor.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, openat, readlinkat};
use nix::sys::stat::{FileStat, Mode, fstat, major, minor};

use crate::error::{FsError, Result, io, sys};
use crate::root::{Kind, Root, kind_name};
use crate::walk::{self, Entry};

/// How [`pack`] names and owns what it writes.
#[derive(Clone, Debug, Default)]
pub struct PackOptions {
    /// The name of the top entry in the archive; `None` packs a directory's contents only
    /// (podman's `SRC/.`).
    pub name: Option<PathBuf>,
    /// Follow a symlink named by the source path itself (inside the root).
    pub follow_final: bool,
    /// Record every entry as owned by this uid and gid instead of its own.
    pub owner: Option<(u32, u32)>,
    /// Record each entry's extended attributes (as PAX `SCHILY.xattr.` records).
    pub xattrs: bool,
    /// Record every file and directory with this mode instead of its own (`COPY --chmod`).
    pub mode: Option<u32>,
    /// Record every entry with this modification time (a digest of contents alone).
    pub mtime: Option<u64>,
    /// Leave out the entries (and what is under them) this says to, by their path relative
    /// to the source (a build's `.containerignore`).
    pub exclude: Option<Exclude>,
}

/// A predicate on paths relative to a packed source: those it holds are left out.
#[derive(Clone)]
pub struct Exclude(pub std::sync::Arc<dyn Fn(&Path) -> bool + Send + Sync>);

impl std::fmt::Debug for Exclude {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exclude(..)")
    }
}

/// One PAX record: `LEN KEY=VALUE\n`, where LEN counts the whole record, itself included.
fn pax_record(out: &mut Vec<u8>, key: &str, value: &[u8]) {
    let base = key.len() + value.len() + 3;
    let mut len = base + base.to_string().len();
    if len.to_string().len() > base.to_string().len() {
        len += 1;
    }
    out.extend_from_slice(format!("{len} {key}=").as_bytes());
    out.extend_from_slice(value);
    out.push(b'\n');
}

fn header(
    st: &FileStat,
    owner: Option<(u32, u32)>,
    mode: Option<u32>,
    mtime: Option<u64>,
) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    let own = st.st_mode & 0o7777;
    h.set_mode(if Kind::of(st) == Kind::Symlink {
        own
    } else {
        mode.unwrap_or(own)
    });
    let (uid, gid) = owner.unwrap_or((st.st_uid, st.st_gid));
    h.set_uid(uid.into());
    h.set_gid(gid.into());
    h.set_mtime(mtime.unwrap_or_else(|| u64::try_from(st.st_mtime).unwrap_or(0)));
    h.set_size(0);
    h
}

pub(crate) struct Packer<'a, W: Write> {
    pub(crate) tar: tar::Builder<W>,
    pub(crate) owner: Option<(u32, u32)>,
    pub(crate) xattrs: bool,
    pub(crate) src: &'a Path,
    pub(crate) mode: Option<u32>,
    pub(crate) mtime: Option<u64>,
    pub(crate) exclude: Option<Exclude>,
}

impl<W: Write> Packer<'_, W> {
    pub(crate) fn err(&self, e: std::io::Error) -> FsError {
        FsError::Io {
            path: self.src.to_path_buf(),
            source: e,
        }
    }

    /// Writes a PAX header with the extended attributes of `dir`/`name`, if asked and any.
    fn xattrs(&mut self, dir: &OwnedFd, name: &[u8], path: &Path) -> Result<()> {
        if !self.xattrs {
            return Ok(());
        }
        let attrs =
            crate::xattr::list(dir.as_fd(), name).map_err(sys("list the xattrs of", path))?;
        if attrs.iter().all(|(k, _)| overlay_own(k)) {
            return Ok(());
        }
        let mut data = Vec::new();
        for (k, v) in attrs.iter().filter(|(k, _)| !overlay_own(k)) {
            pax_record(&mut data, &format!("SCHILY.xattr.{k}"), v);
        }
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        self.tar
            .append_data(&mut h, "PaxHeader", data.as_slice())
            .map_err(|e| self.err(e))
    }

    /// Appends one entry (`dir`/`name` with `st`) as `path` in the archive.
    pub(crate) fn entry(
        &mut self,
        dir: &OwnedFd,
        name: &std::ffi::OsStr,
        st: &FileStat,
        path: &Path,
    ) -> Result<()> {
        if Kind::of(st) != Kind::Special
            || st.st_mode & libc_ifmt() != nix::sys::stat::SFlag::S_IFSOCK.bits()
        {
            self.xattrs(dir, name.as_bytes(), path)?;
        }
        let mut h = header(st, self.owner, self.mode, self.mtime);
        match Kind::of(st) {
            Kind::Dir => {
                h.set_entry_type(tar::EntryType::Directory);
                self.tar
                    .append_data(&mut h, path, std::io::empty())
                    .map_err(|e| self.err(e))
            }
            Kind::File => {
                let fd = openat(
                    dir,
                    name,
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(sys("open", path))?;
                self.file_from(fd, path)
            }
            Kind::Symlink => {
                let target = readlinkat(dir, name).map_err(sys("read the link", path))?;
                h.set_entry_type(tar::EntryType::Symlink);
                self.tar
                    .append_link(&mut h, path, Path::new(&target))
                    .map_err(|e| self.err(e))
            }
            Kind::Special => {
                let kind = match st.st_mode & libc_ifmt() {
                    m if m == nix::sys::stat::SFlag::S_IFCHR.bits() => tar::EntryType::Char,
                    m if m == nix::sys::stat::SFlag::S_IFBLK.bits() => tar::EntryType::Block,
                    m if m == nix::sys::stat::SFlag::S_IFIFO.bits() => tar::EntryType::Fifo,
                    // Sockets have no tar form: skipped, as tar(1) does.
                    _ => return Ok(()),
                };
                h.set_entry_type(kind);
                h.set_device_major(major(st.st_rdev) as u32)
                    .map_err(|e| self.err(e))?;
                h.set_device_minor(minor(st.st_rdev) as u32)
                    .map_err(|e| self.err(e))?;
                self.tar
                    .append_data(&mut h, path, std::io::empty())
                    .map_err(|e| self.err(e))
            }
        }
    }
}

/// Whether an extended attribute is overlayfs' own (opaque directories, redirects): it
/// describes the upper directory, not the file, and a layer says the same with whiteouts.
fn overlay_own(key: &str) -> bool {
    key.starts_with("trusted.overlay.") || key.starts_with("user.overlay.")
}

fn libc_ifmt() -> u32 {
    nix::sys::stat::SFlag::S_IFMT.bits()
}

/// Writes `src` (a path inside `root`) to `out` as a tar stream, walking by descriptor.
pub fn pack(root: &Root, src: &Path, opts: &PackOptions, out: impl Write) -> Result<()> {
    let st = if opts.follow_final {
        root.stat(src)?
    } else {
        root.lstat(src)?
    }
    .ok_or_else(|| FsError::NotFound {
        path: src.to_path_buf(),
    })?;
    let mut p = Packer {
        tar: tar::Builder::new(out),
        owner: opts.owner,
        xattrs: opts.xattrs,
        src,
        mode: opts.mode,
        mtime: opts.mtime,
        exclude: opts.exclude.clone(),
    };
    let top_is_dir = Kind::of(&st) == Kind::Dir;
    if let Some(name) = &opts.name {
        if top_is_dir {
            let fd = root.open_dir(src)?;
            p.entry_for_dir(&fd, &st, name)?;
        } else if opts.follow_final {
            let f = root.open_file(src)?;
            p.file_from(f.into(), name)?;
        } else {
            let (dir, last) = root.parent(src)?;
            p.entry(&dir, &last, &st, name)?;
        }
    } else if top_is_dir {
        let fd = root.open_dir(src)?;
        p.tree(&fd, Path::new(""))?;
    } else {
        return Err(FsError::Copy(format!(
            "{}: only a directory's contents can be copied with a trailing \"/.\"",
            src.display()
        )));
    }
    p.tar.finish().map_err(io(src))
}

impl<W: Write> Packer<'_, W> {
    fn entry_for_dir(&mut self, fd: &OwnedFd, st: &FileStat, name: &Path) -> Result<()> {
        self.xattrs(fd, b".", name)?;
        let mut h = header(st, self.owner, self.mode, self.mtime);
        h.set_entry_type(tar::EntryType::Directory);
        self.tar
            .append_data(&mut h, name, std::io::empty())
            .map_err(|e| self.err(e))?;
        self.tree(fd, name)
    }

    /// A regular file from its open descriptor, checked again on it (it may have been
    /// swapped since it was listed).
    fn file_from(&mut self, fd: OwnedFd, path: &Path) -> Result<()> {
        let now = fstat(&fd).map_err(sys("stat", path))?;
        if Kind::of(&now) != Kind::File {
            return Err(FsError::NotRegular {
                path: path.to_path_buf(),
                kind: kind_name(&now),
            });
        }
        let mut h = header(&now, self.owner, self.mode, self.mtime);
        let size = u64::try_from(now.st_size).unwrap_or(0);
        h.set_size(size);
        h.set_entry_type(tar::EntryType::Regular);
        // A file that shrank meanwhile is padded, so the stream stays well formed.
        let data = File::from(fd)
            .take(size)
            .chain(std::io::repeat(0))
            .take(size);
        self.tar
            .append_data(&mut h, path, data)
            .map_err(|e| self.err(e))
    }

    fn tree(&mut self, dir: &OwnedFd, prefix: &Path) -> Result<()> {
        let mut failed = None;
        walk::walk(dir, &mut |e: Entry<'_>| {
            if self.exclude.as_ref().is_some_and(|x| (x.0)(e.rel)) {
                return Ok(false);
            }
            let path = prefix.join(e.rel);
            if let Err(err) = self.entry(e.dir, e.name, e.stat, &path) {
                failed = Some(err);
                return Ok(false);
            }
            Ok(true)
        })?;
        failed.map_or(Ok(()), Err)
    }
}
