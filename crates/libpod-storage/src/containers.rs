//! Container layers: the writable layer over an image, its mounts (idmapped lowers under a
//! user namespace) and its removal.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::driver::{self, Driver};
use crate::error::{Result, StorageError, io};
use crate::extract::{Extractor, Whiteouts};
use crate::meta::Records;
use crate::store::{Store, check_container_id};
use crate::types::{AutoIds, ContainerLayer, LayerUserNs};

impl Store {
    /// Creates a container's writable layer over an image (or an empty one for `None`).
    pub fn create_container(&self, id: &str, image: Option<&str>) -> Result<ContainerLayer> {
        self.create_container_with_metadata(id, image, "")
    }

    /// Like [`Store::create_container`], recording the caller's `metadata` with the layer.
    pub fn create_container_with_metadata(
        &self,
        id: &str,
        image: Option<&str>,
        metadata: &str,
    ) -> Result<ContainerLayer> {
        self.create_container_for(id, image, metadata, &LayerUserNs::Host)
    }

    /// Like [`Store::create_container_with_metadata`], for a container in the user
    /// namespace `userns`: the layer records its mappings (for `auto`, a range no other
    /// layer uses, chosen under the store's lock), its writable root is owned by the mapped
    /// root, and its mounts show the image's files through the mappings.
    pub fn create_container_for(
        &self,
        id: &str,
        image: Option<&str>,
        metadata: &str,
        userns: &LayerUserNs,
    ) -> Result<ContainerLayer> {
        check_container_id(id)?;
        self.write(false, |rec| {
            if rec.containers.iter().any(|c| c.id == id) {
                return Err(StorageError::ContainerExists(id.to_string()));
            }
            let (image_id, layers, blobs) = match image {
                Some(s) => {
                    let img = &rec.images[self.resolve(rec, s)?];
                    (
                        img.id.clone(),
                        img.layers.iter().map(|l| l.diff_id.clone()).collect(),
                        img.layers.iter().map(|l| l.blob.clone()).collect(),
                    )
                }
                None => (String::new(), Vec::new(), Vec::<String>::new()),
            };
            let id_mappings = match userns {
                LayerUserNs::Host => None,
                LayerUserNs::Mapped(m) => Some(m.clone()),
                LayerUserNs::Auto(a) => Some(self.allocate_auto(rec, &layers, a)?),
            };
            let dir = self.container_dir(id);
            let made = (|| -> Result<()> {
                fs::create_dir_all(&dir).map_err(io(&dir))?;
                // Only its own user may reach it once the root is searchable by others.
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io(&dir))?;
                match self.driver {
                    Driver::Overlay => {
                        for d in ["diff", "work", "merged"] {
                            fs::create_dir(dir.join(d)).map_err(io(dir.join(d)))?;
                        }
                    }
                    Driver::Vfs => {
                        let root = dir.join("rootfs");
                        fs::create_dir(&root).map_err(io(&root))?;
                        for b in &blobs {
                            let r = self.blobs.open(b)?;
                            Extractor::new(&root, Whiteouts::Apply, self.opts.limits)?
                                .extract(r)?;
                        }
                    }
                }
                if let Some(m) = &id_mappings {
                    self.own_layer(&dir, m)?;
                }
                Ok(())
            })();
            if let Err(e) = made {
                let _ = fs::remove_dir_all(&dir);
                return Err(e);
            }
            let c = ContainerLayer {
                id: id.to_string(),
                image: image_id,
                layers,
                driver: self.driver.name().to_string(),
                created: crate::time::now(),
                metadata: metadata.to_string(),
                id_mappings,
            };
            rec.containers.push(c.clone());
            Ok(c)
        })
    }

    /// Every container layer.
    pub fn containers(&self) -> Result<Vec<ContainerLayer>> {
        Ok(self.meta.lock(false)?.records.containers)
    }

    /// One container layer.
    pub fn container(&self, id: &str) -> Result<ContainerLayer> {
        self.meta
            .lock(false)?
            .records
            .containers
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StorageError::ContainerNotKnown(id.to_string()))
    }

    /// Where a container's root filesystem is (mounted or not).
    pub fn rootfs_path(&self, id: &str) -> PathBuf {
        match self.driver {
            Driver::Overlay => self.container_dir(id).join("merged"),
            Driver::Vfs => self.container_dir(id).join("rootfs"),
        }
    }

    /// The writable layer's directory (overlay's upper dir, vfs's root).
    pub fn upper_path(&self, id: &str) -> PathBuf {
        match self.driver {
            Driver::Overlay => self.container_dir(id).join("diff"),
            Driver::Vfs => self.container_dir(id).join("rootfs"),
        }
    }

    fn lowers(&self, rec: &Records, c: &ContainerLayer) -> Result<Vec<PathBuf>> {
        let mut v = self.layer_dirs(rec, &c.layers)?;
        v.reverse();
        if v.is_empty() {
            v.push(self.opts.graph_root.join("empty"));
        }
        Ok(v)
    }

    /// Mounts a container's root filesystem (counted: every mount needs an unmount).
    pub fn mount(&self, id: &str) -> Result<PathBuf> {
        self.write(false, |rec| {
            let c = rec
                .containers
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .ok_or_else(|| StorageError::ContainerNotKnown(id.to_string()))?;
            let target = self.rootfs_path(id);
            let count = rec.mounts.get(id).copied().unwrap_or(0);
            if self.driver == Driver::Overlay && (count == 0 || !driver::is_mounted(&target)) {
                let dir = self.container_dir(id);
                let lowers = self.lowers(rec, &c)?;
                match &c.id_mappings {
                    Some(m) => self.mount_mapped(&dir, &lowers, m, &target)?,
                    None => self.mount_over(&dir, &lowers, &target)?,
                }
            }
            rec.mounts.insert(id.to_string(), count + 1);
            Ok(target)
        })
    }

    /// Drops one mount (all of them with `force`); unmounts at zero. Returns the mounts left.
    pub fn unmount(&self, id: &str, force: bool) -> Result<u32> {
        self.write(false, |rec| {
            if !rec.containers.iter().any(|c| c.id == id) {
                return Err(StorageError::ContainerNotKnown(id.to_string()));
            }
            let count = rec.mounts.get(id).copied().unwrap_or(0);
            let left = if force { 0 } else { count.saturating_sub(1) };
            if left == 0 {
                if self.driver == Driver::Overlay {
                    driver::unmount(&self.rootfs_path(id))?;
                }
                rec.mounts.remove(id);
            } else {
                rec.mounts.insert(id.to_string(), left);
            }
            Ok(left)
        })
    }

    /// How many times a container's root filesystem is mounted.
    pub fn mount_count(&self, id: &str) -> Result<u32> {
        Ok(self
            .meta
            .lock(false)?
            .records
            .mounts
            .get(id)
            .copied()
            .unwrap_or(0))
    }

    /// Forgets every mount count, unmounting what is still mounted (after a reboot).
    pub fn reset_mounts(&self) -> Result<()> {
        self.write(false, |rec| {
            for id in rec.mounts.keys() {
                if self.driver == Driver::Overlay {
                    driver::unmount(&self.rootfs_path(id))?;
                }
            }
            rec.mounts.clear();
            Ok(())
        })
    }

    /// Deletes a container layer, unmounting it first.
    pub fn delete_container(&self, id: &str) -> Result<()> {
        self.write(true, |rec| {
            let i = rec
                .containers
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| StorageError::ContainerNotKnown(id.to_string()))?;
            if self.driver == Driver::Overlay {
                driver::unmount(&self.rootfs_path(id))?;
            }
            let dir = self.container_dir(id);
            match fs::remove_dir_all(&dir) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(StorageError::Io {
                        path: dir,
                        source: e,
                    });
                }
                _ => {}
            }
            rec.mounts.remove(id);
            rec.containers.remove(i);
            Ok(())
        })
    }

    /// A range for `--userns auto` that no other container layer's mappings touch.
    fn allocate_auto(
        &self,
        rec: &Records,
        layers: &[String],
        a: &AutoIds,
    ) -> Result<libpod_config::IdMappings> {
        use libpod_config::userns::{AUTO_MIN_SIZE, allocate};
        let size = match a.size {
            Some(n) => n,
            None => {
                let dirs = self.layer_dirs(rec, layers)?;
                let need = crate::idmap::max_id(&dirs)?.saturating_add(1);
                need.max(AUTO_MIN_SIZE).min(a.max_size.max(AUTO_MIN_SIZE))
            }
        };
        let used = |uids: bool| -> Vec<(u32, u32)> {
            rec.containers
                .iter()
                .filter_map(|c| c.id_mappings.as_ref())
                .flat_map(|m| if uids { &m.uid_map } else { &m.gid_map })
                .map(|m| (m.host_id, m.size))
                .collect()
        };
        let none = |kind: &str| {
            StorageError::NoFreeIds(format!(
                "no free range of {size} {kind}s in the subordinate ranges of user \"{}\" \
                 (/etc/sub{kind}); remove containers or add a range such as \
                 containers:2147483647:2147483648",
                libpod_config::userns::AUTO_USER
            ))
        };
        let uid = allocate(&a.uids, &used(true), size).ok_or_else(|| none("uid"))?;
        let gid = allocate(&a.gids, &used(false), size).ok_or_else(|| none("gid"))?;
        Ok(libpod_config::IdMappings::single(uid, gid, size))
    }

    /// The directories of `layers` (bottom first), through their short links.
    fn layer_dirs(&self, rec: &Records, layers: &[String]) -> Result<Vec<PathBuf>> {
        layers
            .iter()
            .map(|d| {
                let l = rec.layers.iter().find(|l| &l.diff_id == d).ok_or_else(|| {
                    StorageError::Corrupt {
                        what: self.opts.graph_root.join("layers.json"),
                        detail: format!("layer {d} is not recorded"),
                    }
                })?;
                Ok(self.opts.graph_root.join("l").join(&l.link))
            })
            .collect()
    }

    /// Gives a new mapped layer to the mapped root: the container's directory and the
    /// writable layer's root (overlay: its upper dir; vfs: the whole copy, every owner
    /// shifted through the mappings, since vfs has no mount to map them).
    fn own_layer(&self, dir: &Path, m: &libpod_config::IdMappings) -> Result<()> {
        let (uid, gid) = m.root_pair();
        let chown = |p: &Path| {
            nix::unistd::chown(p, Some(uid.into()), Some(gid.into())).map_err(|e| {
                StorageError::Io {
                    path: p.to_path_buf(),
                    source: e.into(),
                }
            })
        };
        chown(dir)?;
        match self.driver {
            Driver::Overlay => chown(&dir.join("diff")),
            Driver::Vfs => crate::idmap::shift_tree(&dir.join("rootfs"), m),
        }
    }

    /// Mounts the overlay of the container whose directory is `dir`: `lowers` under its own
    /// upper and work directories, with the store's mount options.
    fn mount_over(&self, dir: &Path, lowers: &[PathBuf], target: &Path) -> Result<()> {
        driver::mount_overlay(
            lowers,
            &dir.join("diff"),
            &dir.join("work"),
            target,
            &self.opts.mount_options,
        )
    }

    /// Mounts an overlay whose lowers are `lowers` bound through `m` (each bind is detached
    /// once the overlay holds it, so only the overlay is left to unmount).
    fn mount_mapped(
        &self,
        dir: &Path,
        lowers: &[PathBuf],
        m: &libpod_config::IdMappings,
        target: &Path,
    ) -> Result<()> {
        if !crate::mapped::idmap_disabled() {
            match self.mount_idmapped(dir, lowers, m, target) {
                Err(StorageError::IdmapUnsupported { path, detail }) => tracing::warn!(
                    "{}: {detail}; using copies of the image layers owned through the \
                     mappings instead",
                    path.display()
                ),
                other => return other,
            }
        }
        let copies = self.mapped_copies(lowers, m)?;
        self.mount_over(dir, &copies, target)
    }

    fn mount_idmapped(
        &self,
        dir: &Path,
        lowers: &[PathBuf],
        m: &libpod_config::IdMappings,
        target: &Path,
    ) -> Result<()> {
        let ns = crate::idmap::userns_fd(m)?;
        // Short paths: overlay's options must fit in a page.
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = self.opts.graph_root.join("i").join(&id[..id.len().min(16)]);
        let mut bound = Vec::new();
        let made = (|| -> Result<()> {
            for (i, l) in lowers.iter().enumerate() {
                let t = staging.join(i.to_string());
                fs::create_dir_all(&t).map_err(io(&t))?;
                crate::idmap::bind_idmapped(l, &t, std::os::fd::AsFd::as_fd(&ns))?;
                bound.push(t);
            }
            self.mount_over(dir, &bound, target)
        })();
        for t in &bound {
            let _ = nix::mount::umount2(t, nix::mount::MntFlags::MNT_DETACH);
        }
        let _ = fs::remove_dir_all(&staging);
        made
    }
}
