//! [`Root`]: a directory we do not trust, and every path inside it resolved within it.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, OpenHow, ResolveFlag, openat, openat2, readlinkat, renameat};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat, fstatat, mkdirat};
use nix::unistd::{UnlinkatFlags, unlinkat};

use crate::error::{FsError, Result, io, sys};

/// Opens `path` relative to `dir`, never leaving `dir`: `..`, absolute symlinks and
/// relative symlinks all resolve as if `dir` were `/`, and magic links (`/proc/*/fd`)
/// are refused. The only `openat2` call of the workspace.
pub fn open_in(dir: impl AsFd, path: &OsStr, flags: OFlag, mode: Mode) -> nix::Result<OwnedFd> {
    let path: &OsStr = if path.is_empty() {
        OsStr::new(".")
    } else {
        path
    };
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .mode(mode)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    loop {
        // The kernel answers EAGAIN when a rename raced the lookup: look again.
        match openat2(dir.as_fd(), path, how) {
            Err(Errno::EAGAIN | Errno::EINTR) => continue,
            other => return other,
        }
    }
}

/// The components of `rel` after lexical cleaning: `.` dropped, `..` removing the one
/// before it (and nothing at the top, as `/..` is `/`).
pub fn clean(rel: &Path) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => out.push(n.to_os_string()),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn joined(comps: &[OsString]) -> PathBuf {
    comps.iter().collect()
}

/// What a path names, from its `stat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symbolic link.
    Symlink,
    /// Anything else: device, FIFO, socket.
    Special,
}

impl Kind {
    /// The kind of a `stat` result.
    pub fn of(st: &FileStat) -> Kind {
        match SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) {
            SFlag::S_IFDIR => Kind::Dir,
            SFlag::S_IFREG => Kind::File,
            SFlag::S_IFLNK => Kind::Symlink,
            _ => Kind::Special,
        }
    }
}

/// Names a special file's type for error messages.
pub(crate) fn kind_name(st: &FileStat) -> &'static str {
    match SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) {
        SFlag::S_IFDIR => "a directory",
        SFlag::S_IFLNK => "a symlink",
        SFlag::S_IFCHR => "a character device",
        SFlag::S_IFBLK => "a block device",
        SFlag::S_IFIFO => "a FIFO",
        SFlag::S_IFSOCK => "a socket",
        _ => "not a regular file",
    }
}

/// A directory whose contents we do not trust (a container's root filesystem, an unpacked
/// archive, a layer): every path given to its methods is resolved inside it.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

impl Root {
    /// Opens the directory `path` (on the host; the last component may not be a symlink
    /// that leads elsewhere only if the caller trusts it: this is the one host path).
    pub fn open(path: &Path) -> Result<Root> {
        let fd = nix::fcntl::open(
            path,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(sys("open the directory", path))?;
        Ok(Root {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// A root from a directory descriptor already open; `path` is only for messages.
    pub fn from_fd(fd: OwnedFd, path: PathBuf) -> Root {
        Root { fd, path }
    }

    /// The host path the root was opened at (for messages only: never join to it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The root's directory descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Opens `rel` inside the root with `flags` (creation `mode` if `O_CREAT`).
    pub fn resolve(&self, rel: &Path, flags: OFlag, mode: Mode) -> Result<OwnedFd> {
        open_in(&self.fd, rel.as_os_str(), flags, mode).map_err(sys("open", rel))
    }

    /// Opens the directory `rel` inside the root.
    pub fn open_dir(&self, rel: &Path) -> Result<OwnedFd> {
        self.resolve(rel, OFlag::O_RDONLY | OFlag::O_DIRECTORY, Mode::empty())
    }

    /// Opens the regular file `rel` for reading; anything else (a device, a FIFO) is
    /// refused before a byte is read (`O_NONBLOCK` keeps a FIFO from blocking the open).
    pub fn open_file(&self, rel: &Path) -> Result<File> {
        let fd = self.resolve(rel, OFlag::O_RDONLY | OFlag::O_NONBLOCK, Mode::empty())?;
        let st = fstat(&fd).map_err(sys("stat", rel))?;
        if Kind::of(&st) != Kind::File {
            return Err(FsError::NotRegular {
                path: rel.to_path_buf(),
                kind: kind_name(&st),
            });
        }
        let flags =
            nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_GETFL).map_err(sys("fcntl", rel))?;
        let flags = OFlag::from_bits_truncate(flags) & !OFlag::O_NONBLOCK;
        nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_SETFL(flags)).map_err(sys("fcntl", rel))?;
        Ok(File::from(fd))
    }

    /// Reads the regular file `rel`, refusing one larger than `limit` bytes.
    pub fn read_bounded(&self, rel: &Path, limit: u64) -> Result<Vec<u8>> {
        let f = self.open_file(rel)?;
        let mut out = Vec::new();
        f.take(limit + 1).read_to_end(&mut out).map_err(io(rel))?;
        if out.len() as u64 > limit {
            return Err(FsError::TooLarge {
                path: rel.to_path_buf(),
                limit,
            });
        }
        Ok(out)
    }

    /// The parent directory of `rel` (resolved inside the root) and `rel`'s last name.
    pub fn parent(&self, rel: &Path) -> Result<(OwnedFd, OsString)> {
        let comps = clean(rel);
        let (last, dir) = comps.split_last().ok_or_else(|| FsError::NoName {
            path: rel.to_path_buf(),
        })?;
        Ok((self.open_dir(&joined(dir))?, last.clone()))
    }

    /// `lstat` of `rel`: its parents resolved inside the root, its last component not
    /// followed; `None` when it does not exist. The root itself is `stat`ed.
    pub fn lstat(&self, rel: &Path) -> Result<Option<FileStat>> {
        let comps = clean(rel);
        let Some((last, dir)) = comps.split_last() else {
            return fstat(&self.fd).map(Some).map_err(sys("stat", rel));
        };
        let dfd = match self.open_dir(&joined(dir)) {
            Ok(d) => d,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        match fstatat(&dfd, last.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(st)),
            Err(Errno::ENOENT) => Ok(None),
            Err(e) => Err(sys("stat", rel)(e)),
        }
    }

    /// `stat` of `rel`, following symlinks inside the root; `None` when it does not exist.
    pub fn stat(&self, rel: &Path) -> Result<Option<FileStat>> {
        match self.resolve(rel, OFlag::O_PATH, Mode::empty()) {
            Ok(fd) => fstat(&fd).map(Some).map_err(sys("stat", rel)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the directory `rel` and its missing parents (with `mode`), each made on
    /// its parent's descriptor, and opens it.
    pub fn mkdir_all(&self, rel: &Path, mode: Mode) -> Result<OwnedFd> {
        self.mkdir_all_at(clean(rel), mode, 0)
    }

    fn mkdir_all_at(&self, comps: Vec<OsString>, mode: Mode, links: usize) -> Result<OwnedFd> {
        let mut dir = self.open_dir(Path::new("."))?;
        for (i, name) in comps.iter().enumerate() {
            let here = joined(&comps[..=i]);
            match mkdirat(&dir, name.as_os_str(), mode) {
                Ok(()) | Err(Errno::EEXIST) => {}
                Err(e) => return Err(sys("create the directory", here)(e)),
            }
            // Opened from the root again, so a symlink created meanwhile stays inside.
            match self.open_dir(&here) {
                Ok(d) => dir = d,
                Err(e) if e.is_not_found() && links < 40 => {
                    // A dangling symlink: create what it names, as seen inside the root.
                    let target =
                        readlinkat(&dir, name.as_os_str()).map_err(sys("read the link", &here))?;
                    let mut base: PathBuf = joined(&comps[..i]);
                    base.push(target);
                    let mut next = clean(&base);
                    next.extend(comps[i + 1..].iter().cloned());
                    return self.mkdir_all_at(next, mode, links + 1);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(dir)
    }

    /// Writes `data` to `rel` atomically (a new file in the same directory, renamed over
    /// the old one), never following a symlink at `rel`.
    pub fn write_file(&self, rel: &Path, data: &[u8], mode: Mode) -> Result<()> {
        let (dir, name) = self.parent(rel)?;
        let mut tmp = OsString::from(".");
        tmp.push(&name);
        tmp.push(format!(".tmp{}", std::process::id()));
        let _ = unlinkat(&dir, tmp.as_os_str(), UnlinkatFlags::NoRemoveDir);
        let fd = openat(
            &dir,
            tmp.as_os_str(),
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            mode,
        )
        .map_err(sys("create", rel))?;
        let written = File::from(fd).write_all(data).map_err(io(rel));
        let renamed = written.and_then(|()| {
            renameat(&dir, tmp.as_os_str(), &dir, name.as_os_str()).map_err(sys("rename", rel))
        });
        if renamed.is_err() {
            let _ = unlinkat(&dir, tmp.as_os_str(), UnlinkatFlags::NoRemoveDir);
        }
        renamed
    }

    /// Creates the symlink `rel` -> `target` unless something exists at `rel` (true when it
    /// made one); made on the parent's descriptor, so it cannot land outside the root.
    pub fn symlink_if_missing(&self, rel: &Path, target: &Path) -> Result<bool> {
        let (dir, name) = self.parent(rel)?;
        match nix::unistd::symlinkat(target, &dir, name.as_os_str()) {
            Ok(()) => Ok(true),
            Err(Errno::EEXIST) => Ok(false),
            Err(e) => Err(sys("create the symlink", rel)(e)),
        }
    }

    /// The host-side name a resolved path has, for messages (`/proc/self/fd` of `fd`).
    pub fn display(&self, rel: &Path) -> String {
        format!("{}/{}", self.path.display(), joined(&clean(rel)).display())
    }
}
