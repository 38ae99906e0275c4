//! Packing a container's changes as an image layer: what is new or changed as entries,
//! what was deleted as a `.wh.NAME` whiteout and a directory that hides its lower contents
//! with a `.wh..wh..opq` marker, as the OCI image spec writes them.

use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::sys::stat::{FileStat, SFlag};

use crate::error::{FsError, Result, io};
use crate::pack::Packer;
use crate::root::{Kind, Root};
use crate::walk::{self, Entry};

/// The name of an opaque directory's marker.
pub const OPAQUE: &str = ".wh..wh..opq";

/// One change of a layer, for [`pack_changes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Present in the tree (added or modified): packed as it is, a directory without its
    /// contents (they are listed on their own).
    Present(PathBuf),
    /// Deleted: packed as its whiteout.
    Deleted(PathBuf),
    /// A directory that hides what lower layers have in it: packed as it is, then its
    /// opaque marker.
    Opaque(PathBuf),
}

/// Whether `st` is overlayfs' whiteout (a character device 0/0).
pub fn is_whiteout(st: &FileStat) -> bool {
    st.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFCHR.bits() && st.st_rdev == 0
}

fn packer<W: Write>(out: W, src: &Path) -> Packer<'_, W> {
    Packer {
        tar: tar::Builder::new(out),
        owner: None,
        xattrs: true,
        src,
        mode: None,
        mtime: None,
        exclude: None,
    }
}

impl<W: Write> Packer<'_, W> {
    /// An empty marker file at `path` (a whiteout or an opaque marker).
    fn marker(&mut self, path: &Path) -> Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0);
        h.set_size(0);
        h.set_mtime(0);
        self.tar
            .append_data(&mut h, path, std::io::empty())
            .map_err(|e| self.err(e))
    }
}

/// The whiteout's path for a deleted `path`.
fn whiteout_of(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.as_bytes()).unwrap_or_default();
    let mut wh = b".wh.".to_vec();
    wh.extend_from_slice(name);
    path.parent()
        .unwrap_or(Path::new(""))
        .join(std::ffi::OsStr::from_bytes(&wh))
}

/// Packs an overlayfs upper directory as a layer: whiteout devices become `.wh.` entries and
/// opaque directories get their marker, right after their own entry.
pub fn pack_overlay_upper(upper: &Root, out: impl Write) -> Result<()> {
    let src = Path::new("upper");
    let mut p = packer(out, src);
    let top = upper.open_dir(Path::new("."))?;
    let mut failed = None;
    walk::walk(&top, &mut |e: Entry<'_>| {
        let done = if is_whiteout(e.stat) {
            p.marker(&whiteout_of(e.rel))
        } else {
            p.entry(e.dir, e.name, e.stat, e.rel).and_then(|()| {
                if Kind::of(e.stat) == Kind::Dir && opaque(e.dir, e.name.as_bytes()) {
                    p.marker(&e.rel.join(OPAQUE))
                } else {
                    Ok(())
                }
            })
        };
        match done {
            Ok(()) => Ok(true),
            Err(err) => {
                failed = Some(err);
                Ok(false)
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    p.tar.finish().map_err(io(src))
}

/// Whether overlayfs marked the directory opaque (its lower contents hidden).
fn opaque(dir: &std::os::fd::OwnedFd, name: &[u8]) -> bool {
    crate::xattr::list(dir.as_fd(), name).is_ok_and(|attrs| {
        attrs.iter().any(|(k, v)| {
            (k == "trusted.overlay.opaque" || k == "user.overlay.opaque") && v.as_slice() == b"y"
        })
    })
}

/// Packs listed changes of the tree at `root` as a layer (for a driver without an upper
/// directory); a deletion under a deleted directory is left to the directory's whiteout.
pub fn pack_changes(root: &Root, changes: &[Change], out: impl Write) -> Result<()> {
    let src = Path::new("changes");
    let mut p = packer(out, src);
    let mut deleted: Vec<&Path> = Vec::new();
    for ch in changes {
        match ch {
            Change::Present(path) | Change::Opaque(path) => {
                let rel = relative(path);
                let st = root.lstat(rel)?.ok_or_else(|| FsError::NotFound {
                    path: path.to_path_buf(),
                })?;
                let (dir, name) = root.parent(rel)?;
                p.entry(&dir, &name, &st, rel)?;
                if matches!(ch, Change::Opaque(_)) && Kind::of(&st) == Kind::Dir {
                    p.marker(&rel.join(OPAQUE))?;
                }
            }
            Change::Deleted(path) => {
                let rel = relative(path);
                if deleted.iter().any(|d| rel.starts_with(d)) {
                    continue;
                }
                deleted.push(rel);
                p.marker(&whiteout_of(rel))?;
            }
        }
    }
    p.tar.finish().map_err(io(src))
}

fn relative(path: &Path) -> &Path {
    path.strip_prefix("/").unwrap_or(path)
}

/// What one extracted overlay-format layer directory (whiteout devices, opaque xattrs)
/// says about each path under it, `/`-separated from its top.
pub fn layer_changes(layer: &Root) -> Result<Vec<Change>> {
    let top = layer.open_dir(Path::new("."))?;
    let mut out = Vec::new();
    walk::walk(&top, &mut |e: Entry<'_>| {
        let path = e.rel.to_path_buf();
        out.push(if is_whiteout(e.stat) {
            Change::Deleted(path)
        } else if Kind::of(e.stat) == Kind::Dir && opaque(e.dir, e.name.as_bytes()) {
            Change::Opaque(path)
        } else {
            Change::Present(path)
        });
        Ok(true)
    })?;
    Ok(out)
}
