//! Safe layer extraction. Layers are hostile input: every path is resolved by the kernel
//! inside the layer root (through `libpod_fs::open_in`), so `..`, absolute symlinks and
//! symlinked parents cannot lead outside it; the last component of every entry is created with
//! `*at` calls that never follow a symlink. `..` in an entry or link name is refused outright,
//! and sizes are bounded. Errors name the entry.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use libpod_fs::open_in;
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat};
use nix::sys::stat::{
    FchmodatFlags, Mode, SFlag, UtimensatFlags, fchmodat, fstatat, futimens, makedev, mkdirat,
    mknodat, utimensat,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{Gid, Uid, UnlinkatFlags, fchownat, linkat, symlinkat, unlinkat};
use tar::EntryType;

use crate::error::{Result, StorageError, io};

/// What to do with OCI whiteouts (`.wh.NAME`, `.wh..wh..opq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whiteouts {
    /// Turn them into overlayfs whiteouts (0/0 character devices, the opaque xattr): for a
    /// layer extracted into its own directory and stacked by overlay.
    Overlay,
    /// Delete what they hide: for layers applied one after another onto one tree (vfs).
    Apply,
}

/// Limits on what one layer may write.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file.
    pub max_entry: u64,
    /// Largest total of file contents.
    pub max_total: u64,
    /// Most entries.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry: 64 << 30,
            max_total: 256 << 30,
            max_entries: 10_000_000,
        }
    }
}

/// What an extraction wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Entries processed.
    pub entries: u64,
    /// Bytes of file contents written.
    pub bytes: u64,
}

const OPAQUE: &str = ".wh..wh..opq";
const WHITEOUT_PREFIX: &str = ".wh.";

/// Wraps `r` in the decompressor its first bytes call for: gzip, zstd, or none.
pub fn decompressed<'a, R: Read + 'a>(r: R) -> Result<Box<dyn Read + 'a>> {
    Ok(decompressed_kind(r)?.0)
}

/// `decompressed`, and whether the stream was compressed at all.
pub fn decompressed_kind<'a, R: Read + 'a>(r: R) -> Result<(Box<dyn Read + 'a>, bool)> {
    let mut r = BufReader::with_capacity(256 * 1024, r);
    let head = r.fill_buf().map_err(io("<layer>"))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok((Box::new(flate2::bufread::MultiGzDecoder::new(r)), true))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let d =
            ruzstd::decoding::StreamingDecoder::new(r).map_err(|e| StorageError::BadArchive {
                source_name: "zstd layer".into(),
                reason: e.to_string(),
            })?;
        Ok((Box::new(d), true))
    } else {
        Ok((Box::new(r), false))
    }
}

fn refuse(entry: &str, reason: impl Into<String>) -> StorageError {
    StorageError::UnsafeEntry {
        entry: entry.to_string(),
        reason: reason.into(),
    }
}

/// Splits an entry name into normal components; `..` is refused, leading `/` and `.` dropped.
fn components(entry: &str, raw: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for c in raw.split(|b| *b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err(refuse(entry, "it contains `..`")),
            c => out.push(c.to_vec()),
        }
    }
    Ok(out)
}

fn join(comps: &[Vec<u8>]) -> Vec<u8> {
    comps.join(&b'/')
}

/// Opens `path` inside the layer root through the one safe resolver.
fn in_root(root: &OwnedFd, path: impl AsRef<OsStr>, flags: OFlag) -> nix::Result<OwnedFd> {
    open_in(root, path.as_ref(), flags, Mode::empty())
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Extracts one layer into one directory.
pub struct Extractor {
    root: OwnedFd,
    whiteouts: Whiteouts,
    limits: Limits,
    stats: Stats,
    /// Directories to stamp with their mtime once their children are written.
    dir_times: Vec<(Vec<u8>, i64)>,
    /// Paths this layer wrote (Apply mode: an opaque whiteout keeps only these).
    written: HashSet<Vec<u8>>,
    /// The last parent directory opened, reused by the next entry in the same directory;
    /// dropped whenever anything is removed, so a replaced directory is never written into.
    last_dir: Option<(Vec<u8>, OwnedFd)>,
    /// The copy buffer for file contents (one write per file of up to its size).
    buf: Vec<u8>,
    /// Refuse device nodes and FIFOs (an image archive's own files are never special).
    refuse_special: bool,
}

impl Extractor {
    /// Extracts into `dest`, which must exist.
    pub fn new(dest: &Path, whiteouts: Whiteouts, limits: Limits) -> Result<Self> {
        let root = nix::fcntl::open(
            dest,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| StorageError::Io {
            path: dest.to_path_buf(),
            source: e.into(),
        })?;
        Ok(Extractor {
            root,
            whiteouts,
            limits,
            stats: Stats::default(),
            dir_times: Vec::new(),
            written: HashSet::new(),
            last_dir: None,
            buf: Vec::new(),
            refuse_special: false,
        })
    }

    /// Refuses device nodes and FIFOs: for archives whose files are read as blobs.
    pub fn refuse_special_files(mut self) -> Self {
        self.refuse_special = true;
        self
    }

    /// Reads a tar stream (possibly compressed) and writes its entries.
    pub fn extract(self, layer: impl Read) -> Result<Stats> {
        self.extract_tar(decompressed(layer)?)
    }

    /// Reads an uncompressed tar stream and writes its entries.
    pub fn extract_tar(mut self, tar: impl Read) -> Result<Stats> {
        let mut archive = tar::Archive::new(tar);
        let entries = archive.entries().map_err(|e| StorageError::BadArchive {
            source_name: "layer".into(),
            reason: e.to_string(),
        })?;
        for entry in entries {
            let mut entry = entry.map_err(|e| StorageError::BadArchive {
                source_name: "layer".into(),
                reason: e.to_string(),
            })?;
            self.stats.entries += 1;
            if self.stats.entries > self.limits.max_entries {
                return Err(refuse(
                    "<layer>",
                    format!("more than {} entries", self.limits.max_entries),
                ));
            }
            let raw = entry.path_bytes().into_owned();
            let name = String::from_utf8_lossy(&raw).into_owned();
            self.entry(&name, &raw, &mut entry)?;
        }
        // Innermost first, so stamping a parent comes after its children changed it.
        let times = std::mem::take(&mut self.dir_times);
        for (path, mtime) in times.iter().rev() {
            if let Ok(fd) = in_root(
                &self.root,
                OsStr::from_bytes(path),
                OFlag::O_RDONLY | OFlag::O_DIRECTORY,
            ) {
                let t = TimeSpec::new(*mtime, 0);
                let _ = futimens(&fd, &t, &t);
            }
        }
        Ok(self.stats)
    }

    /// Opens (creating as needed) the directory `comps` inside the root.
    fn dir(&mut self, entry: &str, comps: &[Vec<u8>]) -> Result<OwnedFd> {
        if comps.is_empty() {
            return in_root(&self.root, ".", OFlag::O_PATH | OFlag::O_DIRECTORY)
                .map_err(|e| self.err(entry, "open the layer root", e));
        }
        let path = join(comps);
        match in_root(
            &self.root,
            OsStr::from_bytes(&path),
            OFlag::O_PATH | OFlag::O_DIRECTORY,
        ) {
            Ok(fd) => Ok(fd),
            Err(Errno::ENOENT) => {
                let (last, parent) = comps
                    .split_last()
                    .ok_or_else(|| refuse(entry, "empty path"))?;
                let pfd = self.dir(entry, parent)?;
                match mkdirat(
                    &pfd,
                    OsStr::from_bytes(last),
                    Mode::from_bits_truncate(0o755),
                ) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(self.err(entry, "create a parent directory", e)),
                }
                self.written.insert(path.clone());
                in_root(
                    &self.root,
                    OsStr::from_bytes(&path),
                    OFlag::O_PATH | OFlag::O_DIRECTORY,
                )
                .map_err(|e| self.err(entry, "open a parent directory (a dangling symlink?)", e))
            }
            Err(Errno::ENOTDIR) => Err(refuse(entry, "a parent is not a directory")),
            Err(e) => Err(self.err(entry, "open a parent directory", e)),
        }
    }

    /// Copies up to `size` bytes of `r` to `f` through the extractor's buffer (up to 1 MiB
    /// at a time, so a typical file is one write); returns how many there were.
    fn copy(&mut self, r: &mut impl Read, size: u64, f: &mut File) -> std::io::Result<u64> {
        let want = usize::try_from(size.min(1 << 20)).unwrap_or(1 << 20);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        let mut done = 0u64;
        while done < size {
            let room = usize::try_from((size - done).min(want as u64)).unwrap_or(want);
            let mut n = 0;
            while n < room {
                match r.read(&mut self.buf[n..room]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if n == 0 {
                break;
            }
            f.write_all(&self.buf[..n])?;
            done += n as u64;
        }
        Ok(done)
    }

    fn err(&self, entry: &str, what: &str, e: Errno) -> StorageError {
        refuse(entry, format!("cannot {what}: {e}"))
    }

    /// Removes `name` in `dir` whatever it is (a tree is removed depth first, never followed).
    fn remove(&self, entry: &str, dir: BorrowedFd<'_>, name: &OsStr) -> Result<()> {
        let st = match fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(()),
            Err(e) => return Err(self.err(entry, "inspect an existing path", e)),
        };
        if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR {
            let fd = openat(
                dir,
                name,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| self.err(entry, "open a directory to remove", e))?;
            let children: Vec<Vec<u8>> = {
                let mut d = nix::dir::Dir::from_fd(fd.try_clone().map_err(io("<layer dir>"))?)
                    .map_err(|e| self.err(entry, "list a directory to remove", e))?;
                d.iter()
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_bytes().to_vec())
                    .filter(|n| n != b"." && n != b"..")
                    .collect()
            };
            for c in children {
                self.remove(entry, fd.as_fd(), OsStr::from_bytes(&c))?;
            }
            unlinkat(dir, name, UnlinkatFlags::RemoveDir)
                .map_err(|e| self.err(entry, "remove a directory", e))
        } else {
            unlinkat(dir, name, UnlinkatFlags::NoRemoveDir)
                .map_err(|e| self.err(entry, "remove a file", e))
        }
    }

    fn entry<R: Read>(&mut self, entry: &str, raw: &[u8], e: &mut tar::Entry<'_, R>) -> Result<()> {
        let comps = components(entry, raw)?;
        let Some((last, parent)) = comps.split_last() else {
            return Ok(()); // the root itself: its metadata belongs to whoever made the directory
        };
        let kind = e.header().entry_type();
        let last_str = String::from_utf8_lossy(last);
        if last_str.starts_with(WHITEOUT_PREFIX) {
            // A whiteout removes things, perhaps the cached directory or one above it.
            self.last_dir = None;
            return self.whiteout(entry, parent, &last_str);
        }
        let parent_path = join(parent);
        let pfd = match self.last_dir.take() {
            Some((p, fd)) if p == parent_path => fd,
            _ => self.dir(entry, parent)?,
        };
        let name = OsStr::from_bytes(last);
        let existing = fstatat(&pfd, name, AtFlags::AT_SYMLINK_NOFOLLOW).ok();
        let existing_dir = existing.is_some_and(|st| {
            SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR
        });
        let replaced = existing.is_some() && !(kind == EntryType::Directory && existing_dir);
        if replaced {
            // Replace what is there, never writing through it (a symlink stays a symlink until removed).
            self.remove(entry, pfd.as_fd(), name)?;
        }
        self.written.insert(join(&comps));
        let header = e.header().clone();
        let mode = header
            .mode()
            .map_err(|er| refuse(entry, format!("bad mode: {er}")))?
            & 0o7777;
        // A blank owner field means 0, as GNU tar reads it; anything else unparseable is refused.
        let blank = |f: &[u8]| f.iter().all(|b| *b == 0 || *b == b' ');
        let uid = match header.uid() {
            Ok(u) => u,
            Err(_) if blank(&header.as_old().uid) => 0,
            Err(er) => return Err(refuse(entry, format!("bad uid: {er}"))),
        };
        let gid = match header.gid() {
            Ok(g) => g,
            Err(_) if blank(&header.as_old().gid) => 0,
            Err(er) => return Err(refuse(entry, format!("bad gid: {er}"))),
        };
        let mtime = header.mtime().unwrap_or(0);
        let mtime = i64::try_from(mtime).unwrap_or(0);
        let perm = Mode::from_bits_truncate(mode);
        let mut xattrs = Vec::new();
        if let Ok(Some(pax)) = e.pax_extensions() {
            for ext in pax.flatten() {
                if let Some(k) = ext.key().ok().and_then(|k| k.strip_prefix("SCHILY.xattr.")) {
                    xattrs.push((k.to_string(), ext.value_bytes().to_vec()));
                }
            }
        }
        match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                let size = e.size();
                if size > self.limits.max_entry {
                    return Err(refuse(
                        entry,
                        format!(
                            "its size {size} exceeds the per-file limit {}",
                            self.limits.max_entry
                        ),
                    ));
                }
                if self.stats.bytes.saturating_add(size) > self.limits.max_total {
                    return Err(refuse(
                        entry,
                        format!(
                            "the layer exceeds the total size limit {}",
                            self.limits.max_total
                        ),
                    ));
                }
                let fd = openat(
                    &pfd,
                    name,
                    OFlag::O_WRONLY
                        | OFlag::O_CREAT
                        | OFlag::O_EXCL
                        | OFlag::O_NOFOLLOW
                        | OFlag::O_CLOEXEC,
                    Mode::from_bits_truncate(0o600),
                )
                .map_err(|er| self.err(entry, "create the file", er))?;
                let mut f = File::from(fd);
                let n = self
                    .copy(e, size, &mut f)
                    .map_err(|er| refuse(entry, format!("write failed: {er}")))?;
                if n != size {
                    return Err(refuse(entry, format!("truncated: {n} of {size} bytes")));
                }
                self.stats.bytes += n;
                self.owner(entry, &pfd, name, uid, gid)?;
                fchmodat(&pfd, name, perm, FchmodatFlags::FollowSymlink)
                    .map_err(|er| self.err(entry, "set its mode", er))?;
                self.xattrs(entry, &pfd, name, &xattrs)?;
                let t = TimeSpec::new(mtime, 0);
                futimens(&f, &t, &t).map_err(|er| self.err(entry, "set its time", er))?;
            }
            EntryType::Directory => {
                if !existing_dir {
                    mkdirat(&pfd, name, Mode::from_bits_truncate(0o700))
                        .map_err(|er| self.err(entry, "create the directory", er))?;
                }
                self.owner(entry, &pfd, name, uid, gid)?;
                fchmodat(&pfd, name, perm, FchmodatFlags::FollowSymlink)
                    .map_err(|er| self.err(entry, "set its mode", er))?;
                self.xattrs(entry, &pfd, name, &xattrs)?;
                self.dir_times.push((join(&comps), mtime));
            }
            EntryType::Symlink => {
                let target = e
                    .link_name_bytes()
                    .ok_or_else(|| refuse(entry, "a symlink without a target"))?
                    .into_owned();
                symlinkat(OsStr::from_bytes(&target), &pfd, name)
                    .map_err(|er| self.err(entry, "create the symlink", er))?;
                self.owner(entry, &pfd, name, uid, gid)?;
                let t = TimeSpec::new(mtime, 0);
                let _ = utimensat(&pfd, name, &t, &t, UtimensatFlags::NoFollowSymlink);
            }
            EntryType::Link => {
                let target = e
                    .link_name_bytes()
                    .ok_or_else(|| refuse(entry, "a hard link without a target"))?
                    .into_owned();
                let tcomps = components(entry, &target)?;
                if tcomps.is_empty() {
                    return Err(refuse(entry, "a hard link to the layer root"));
                }
                let tfd = in_root(
                    &self.root,
                    OsStr::from_bytes(&join(&tcomps)),
                    OFlag::O_PATH | OFlag::O_NOFOLLOW,
                )
                .map_err(|er| {
                    self.err(entry, "find the hard link's target inside the layer", er)
                })?;
                let st = nix::sys::stat::fstat(&tfd)
                    .map_err(|er| self.err(entry, "inspect the hard link's target", er))?;
                if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR {
                    return Err(refuse(entry, "a hard link to a directory"));
                }
                let linked = linkat(&tfd, "", &pfd, name, AtFlags::AT_EMPTY_PATH).or_else(|_| {
                    // Without CAP_DAC_READ_SEARCH, link through the fd's /proc entry instead.
                    let proc = format!("/proc/self/fd/{}", tfd.as_raw_fd());
                    linkat(
                        nix::fcntl::AT_FDCWD,
                        proc.as_str(),
                        &pfd,
                        name,
                        AtFlags::AT_SYMLINK_FOLLOW,
                    )
                });
                linked.map_err(|er| self.err(entry, "create the hard link", er))?;
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo if self.refuse_special => {
                return Err(refuse(
                    entry,
                    "device nodes and FIFOs have no place in an image archive",
                ));
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                let (t, dev) = match kind {
                    EntryType::Char | EntryType::Block => {
                        let major = header.device_major().ok().flatten().unwrap_or(0);
                        let minor = header.device_minor().ok().flatten().unwrap_or(0);
                        let t = if kind == EntryType::Char {
                            SFlag::S_IFCHR
                        } else {
                            SFlag::S_IFBLK
                        };
                        (t, makedev(u64::from(major), u64::from(minor)))
                    }
                    _ => (SFlag::S_IFIFO, 0),
                };
                mknodat(&pfd, name, t, perm, dev)
                    .map_err(|er| self.err(entry, "create the device node or fifo", er))?;
                self.owner(entry, &pfd, name, uid, gid)?;
                fchmodat(&pfd, name, perm, FchmodatFlags::NoFollowSymlink)
                    .or_else(|er| {
                        if er == Errno::EOPNOTSUPP {
                            Ok(())
                        } else {
                            Err(er)
                        }
                    })
                    .map_err(|er| self.err(entry, "set its mode", er))?;
                self.xattrs(entry, &pfd, name, &xattrs)?;
            }
            other => return Err(refuse(entry, format!("unsupported entry type {other:?}"))),
        }
        // A removal can change how a path resolves (a symlink on the way may be gone): the
        // cache is kept only when nothing was removed.
        if !replaced {
            self.last_dir = Some((parent_path, pfd));
        }
        Ok(())
    }

    fn owner(&self, entry: &str, dir: &OwnedFd, name: &OsStr, uid: u64, gid: u64) -> Result<()> {
        let uid =
            u32::try_from(uid).map_err(|_| refuse(entry, format!("uid {uid} out of range")))?;
        let gid =
            u32::try_from(gid).map_err(|_| refuse(entry, format!("gid {gid} out of range")))?;
        match fchownat(
            dir,
            name,
            Some(Uid::from_raw(uid)),
            Some(Gid::from_raw(gid)),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        ) {
            Ok(()) => Ok(()),
            // Without root, files stay ours: the only owner we may give.
            Err(Errno::EPERM) if !is_root() => Ok(()),
            Err(e) => Err(self.err(entry, "set its owner", e)),
        }
    }

    fn xattrs(
        &self,
        entry: &str,
        dir: &OwnedFd,
        name: &OsStr,
        xattrs: &[(String, Vec<u8>)],
    ) -> Result<()> {
        for (k, v) in xattrs {
            match libpod_fs::xattr::set(dir.as_fd(), name.as_bytes(), k, v) {
                Ok(()) => {}
                // Filesystems or namespaces that refuse a class of attributes: skip, as tar does.
                Err(Errno::ENOTSUP | Errno::EPERM) => {}
                Err(e) => return Err(self.err(entry, &format!("set xattr {k}"), e)),
            }
        }
        Ok(())
    }

    fn whiteout(&mut self, entry: &str, parent: &[Vec<u8>], last: &str) -> Result<()> {
        let pfd = self.dir(entry, parent)?;
        if last == OPAQUE {
            return match self.whiteouts {
                Whiteouts::Overlay => {
                    libpod_fs::xattr::set(pfd.as_fd(), b".", "trusted.overlay.opaque", b"y")
                        .map_err(|e| self.err(entry, "mark the directory opaque", e))
                }
                Whiteouts::Apply => {
                    let dir = in_root(
                        &self.root,
                        OsStr::from_bytes(&join(parent)),
                        OFlag::O_RDONLY | OFlag::O_DIRECTORY,
                    )
                    .map_err(|e| self.err(entry, "open the opaque directory", e))?;
                    let mut d = nix::dir::Dir::from_fd(dir)
                        .map_err(|e| self.err(entry, "list the opaque directory", e))?;
                    let names: Vec<Vec<u8>> = d
                        .iter()
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_bytes().to_vec())
                        .filter(|n| n != b"." && n != b"..")
                        .collect();
                    for n in names {
                        let mut p = parent.to_vec();
                        p.push(n.clone());
                        if !self.written.contains(&join(&p)) {
                            self.remove(entry, pfd.as_fd(), OsStr::from_bytes(&n))?;
                        }
                    }
                    Ok(())
                }
            };
        }
        let hidden = &last[WHITEOUT_PREFIX.len()..];
        if hidden.is_empty() || hidden == "." || hidden == ".." {
            return Err(refuse(entry, "a whiteout that names no file"));
        }
        let name = OsStr::new(hidden);
        self.remove(entry, pfd.as_fd(), name)?;
        if self.whiteouts == Whiteouts::Overlay {
            mknodat(&pfd, name, SFlag::S_IFCHR, Mode::empty(), makedev(0, 0))
                .map_err(|e| self.err(entry, "create the whiteout", e))?;
        }
        Ok(())
    }
}

/// Extracts a (possibly compressed) layer into `dest`.
pub fn extract_layer(
    layer: impl Read,
    dest: &Path,
    whiteouts: Whiteouts,
    limits: Limits,
) -> Result<Stats> {
    Extractor::new(dest, whiteouts, limits)?.extract(layer)
}
