//! What changed in a container's filesystem (`diff`), and exporting it as a tarball.

use std::collections::BTreeMap;
use std::io::Write;

use libpod_fs::{Kind, Root};
use nix::sys::stat::{FileStat, SFlag};
use std::path::Path;

use crate::driver::Driver;
use crate::error::{Result, StorageError, io};
use crate::extract::decompressed;
use crate::store::Store;
use crate::types::{Change, ChangeKind, ContainerSize};

/// Every path under `root`, `/`-prefixed, with its `lstat`, walked by descriptor (a
/// running container cannot swap a directory for a symlink under the walk).
fn walk(root: &Path, out: &mut Vec<(String, FileStat)>) -> Result<()> {
    let fs_err = |e: libpod_fs::FsError| StorageError::Fs(e);
    let dir = Root::open(root)
        .and_then(|r| r.open_dir(Path::new(".")))
        .map_err(fs_err)?;
    libpod_fs::walk::walk(&dir, &mut |e| {
        out.push((format!("/{}", e.rel.display()), *e.stat));
        Ok(true)
    })
    .map_err(fs_err)
}

fn is_whiteout(m: &FileStat) -> bool {
    m.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFCHR.bits() && m.st_rdev == 0
}

/// (mode, size, mtime) of a path as an image layer recorded it.
type Entry = (u32, u64, u64);

/// Bytes of the non-directories among `paths`, each hard-linked inode once (as
/// containers/storage's `directory.Size` counts).
fn bytes_of(paths: &[(String, FileStat)]) -> u64 {
    let mut inodes = std::collections::HashSet::new();
    paths
        .iter()
        .filter(|(_, m)| Kind::of(m) != Kind::Dir)
        .filter(|(_, m)| m.st_nlink <= 1 || inodes.insert((m.st_dev, m.st_ino)))
        .map(|(_, m)| u64::try_from(m.st_size).unwrap_or(0))
        .sum()
}

impl Store {
    /// A container's disk use: its writable layer, and that plus its image (`ps --size`).
    pub fn container_size(&self, id: &str) -> Result<ContainerSize> {
        let c = self.container(id)?;
        let mut paths = Vec::new();
        walk(&self.upper_path(id), &mut paths)?;
        let rw = match self.driver {
            Driver::Overlay => bytes_of(&paths),
            // vfs keeps one full tree: count only what differs from the image.
            Driver::Vfs => {
                let changed: std::collections::HashSet<String> = self
                    .changes(id)?
                    .into_iter()
                    .filter(|ch| ch.kind != ChangeKind::Deleted)
                    .map(|ch| ch.path)
                    .collect();
                paths.retain(|(p, _)| changed.contains(p));
                bytes_of(&paths)
            }
        };
        // The image's files as they lie on disk (podman's rootFsSize leaves the writable
        // layer out).
        let root_fs = match self.driver {
            Driver::Overlay => {
                let mut total = 0;
                for d in &c.layers {
                    let mut paths = Vec::new();
                    walk(&self.layer_dir(d)?, &mut paths)?;
                    total += bytes_of(&paths);
                }
                total
            }
            Driver::Vfs => self.image_tree(&c.layers)?.values().map(|e| e.1).sum(),
        };
        Ok(ContainerSize { rw, root_fs })
    }

    /// Paths added, changed and deleted in a container, relative to its image, sorted.
    pub fn changes(&self, id: &str) -> Result<Vec<Change>> {
        let c = self.container(id)?;
        let mut out = Vec::new();
        match self.driver {
            Driver::Overlay => {
                let upper = self.upper_path(id);
                let lowers: Vec<_> = c
                    .layers
                    .iter()
                    .rev()
                    .map(|d| self.layer_dir(d))
                    .collect::<Result<_>>()?;
                let lowers: Vec<Root> = lowers
                    .iter()
                    .map(|l| Root::open(l).map_err(StorageError::Fs))
                    .collect::<Result<_>>()?;
                let in_lower = |p: &str| {
                    lowers.iter().any(|l| {
                        l.lstat(Path::new(p))
                            .ok()
                            .flatten()
                            .is_some_and(|m| !is_whiteout(&m))
                    })
                };
                let upper = Root::open(&upper).map_err(StorageError::Fs)?;
                for ch in libpod_fs::layer::layer_changes(&upper).map_err(StorageError::Fs)? {
                    use libpod_fs::layer::Change as L;
                    let (kind, p) = match ch {
                        L::Deleted(p) => (ChangeKind::Deleted, p),
                        // A directory made anew over the image's: podman calls it deleted.
                        L::Opaque(p) if in_lower(&format!("/{}", p.display())) => {
                            (ChangeKind::Deleted, p)
                        }
                        L::Present(p) if in_lower(&format!("/{}", p.display())) => {
                            (ChangeKind::Modified, p)
                        }
                        L::Present(p) | L::Opaque(p) => (ChangeKind::Added, p),
                    };
                    out.push(Change {
                        kind,
                        path: format!("/{}", p.display()),
                    });
                }
            }
            Driver::Vfs => {
                let image = self.image_tree(&c.layers)?;
                let mut paths = Vec::new();
                let root = self.upper_path(id);
                walk(&root, &mut paths)?;
                let mut seen = std::collections::BTreeSet::new();
                for (p, m) in paths {
                    seen.insert(p.clone());
                    let kind = match image.get(&p) {
                        None => Some(ChangeKind::Added),
                        Some(&(mode, size, mtime)) => {
                            let is_file = Kind::of(&m) == Kind::File;
                            let changed = mode & 0o7777 != m.st_mode & 0o7777
                                || (is_file
                                    && (size != m.st_size as u64 || mtime != m.st_mtime as u64));
                            changed.then_some(ChangeKind::Modified)
                        }
                    };
                    if let Some(kind) = kind {
                        out.push(Change { kind, path: p });
                    }
                }
                for p in image.keys().filter(|p| !seen.contains(*p)) {
                    out.push(Change {
                        kind: ChangeKind::Deleted,
                        path: p.clone(),
                    });
                }
                out.sort_by(|a, b| a.path.cmp(&b.path));
            }
        }
        Ok(out)
    }

    /// The image's files as its layers' tar headers describe them (for vfs, which keeps no layers).
    fn image_tree(&self, diff_ids: &[String]) -> Result<BTreeMap<String, Entry>> {
        let images = self.images()?;
        let mut tree = BTreeMap::new();
        for d in diff_ids {
            let blob = images
                .iter()
                .flat_map(|i| i.layers.iter())
                .find(|l| &l.diff_id == d)
                .map(|l| l.blob.clone())
                .ok_or_else(|| {
                    StorageError::ContainerNotKnown(format!("layer {d} has no stored blob"))
                })?;
            let mut ar = tar::Archive::new(decompressed(self.blobs.open(&blob)?)?);
            for e in ar.entries().map_err(io(&blob))? {
                let e = e.map_err(io(&blob))?;
                let raw = String::from_utf8_lossy(&e.path_bytes()).into_owned();
                let path: String = raw
                    .split('/')
                    .filter(|c| !c.is_empty() && *c != ".")
                    .fold(String::new(), |acc, c| format!("{acc}/{c}"));
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
                if name == ".wh..wh..opq" {
                    let prefix = format!("{dir}/");
                    tree.retain(|k: &String, _| !k.starts_with(&prefix));
                } else if let Some(hidden) = name.strip_prefix(".wh.") {
                    let gone = format!("{dir}/{hidden}");
                    tree.retain(|k: &String, _| k != &gone && !k.starts_with(&format!("{gone}/")));
                } else if !path.is_empty() {
                    let h = e.header();
                    tree.insert(
                        path,
                        (
                            h.mode().unwrap_or(0),
                            h.size().unwrap_or(0),
                            h.mtime().unwrap_or(0),
                        ),
                    );
                }
            }
        }
        Ok(tree)
    }

    /// Writes a container's whole filesystem as a tarball (`podman export`).
    pub fn export_container(&self, id: &str, out: impl Write) -> Result<()> {
        let root = self.mount(id)?;
        let result = (|| {
            let mut out = out;
            let r = Root::open(&root).map_err(StorageError::Fs)?;
            // Packed by descriptor: a symlink in the container is archived, never followed.
            libpod_fs::pack(
                &r,
                Path::new("/"),
                &libpod_fs::PackOptions::default(),
                &mut out,
            )
            .map_err(StorageError::Fs)?;
            out.flush().map_err(io("<output>"))
        })();
        let unmounted = self.unmount(id, false);
        result?;
        unmounted.map(drop)
    }
}

/// What one layer directory says about each path it mentions.
type LayerMap = BTreeMap<std::path::PathBuf, libpod_fs::layer::Change>;

/// Whether `path` is there in the tree the layers (`lower`, newest first) make.
fn exists_below(lower: &[LayerMap], path: &Path) -> bool {
    use libpod_fs::layer::Change as L;
    for layer in lower {
        match layer.get(path) {
            Some(L::Deleted(_)) => return false,
            Some(_) => return true,
            None => {}
        }
        // A deleted or opaque directory above it in this layer hides it below.
        let hidden = path
            .ancestors()
            .skip(1)
            .any(|a| matches!(layer.get(a), Some(L::Deleted(_) | L::Opaque(_))));
        if hidden {
            return false;
        }
    }
    false
}

impl Store {
    /// What an image's top layer changed against the layers under it (`image diff`),
    /// sorted by path.
    pub fn image_changes(&self, name: &str) -> Result<Vec<Change>> {
        use libpod_fs::layer::Change as L;
        if self.driver != Driver::Overlay {
            return Err(StorageError::ContainerNotKnown(
                "image diff needs the overlay driver (vfs keeps no layers)".into(),
            ));
        }
        let img = self.image(name)?;
        let Some((top, lower)) = img.layers.split_last() else {
            return Ok(Vec::new());
        };
        let read = |diff_id: &str| -> Result<Vec<L>> {
            let root = Root::open(&self.layer_dir(diff_id)?).map_err(StorageError::Fs)?;
            libpod_fs::layer::layer_changes(&root).map_err(StorageError::Fs)
        };
        let mut maps: Vec<LayerMap> = Vec::new();
        for l in lower.iter().rev() {
            let map = read(&l.diff_id)?
                .into_iter()
                .map(|c| {
                    let p = match &c {
                        L::Present(p) | L::Deleted(p) | L::Opaque(p) => p.clone(),
                    };
                    (p, c)
                })
                .collect();
            maps.push(map);
        }
        let mut out: Vec<Change> = read(&top.diff_id)?
            .into_iter()
            .map(|c| {
                let (kind, p) = match c {
                    L::Deleted(p) => (ChangeKind::Deleted, p),
                    // A directory made anew over one below: podman calls it deleted (its
                    // new contents are listed as added).
                    L::Opaque(p) if exists_below(&maps, &p) => (ChangeKind::Deleted, p),
                    L::Present(p) if exists_below(&maps, &p) => (ChangeKind::Modified, p),
                    L::Present(p) | L::Opaque(p) => (ChangeKind::Added, p),
                };
                Change {
                    kind,
                    path: format!("/{}", p.display()),
                }
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}
