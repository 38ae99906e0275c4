//! Image operations of the facade: list, look up, tag, untag, import, load, save. Each call
//! holds the runtime's shutdown guard for its whole length, so after `shutdown` every one
//! fails; the storage layer itself is never handed out.
//!
//! ```no_run
//! use libpod::{ArchiveFormat, Runtime};
//! let rt = Runtime::builder().build()?;
//! rt.tag_image("busybox", "mybox:1")?;
//! for img in rt.images()? {
//!     println!("{} {:?}", &img.id[..12], img.names);
//! }
//! let out = std::fs::File::create("mybox.tar").map_err(|e| libpod::LibpodError::Invalid(e.to_string()))?;
//! rt.save_image("mybox:1", ArchiveFormat::DockerArchive, out, None)?;
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use libpod_storage::{Image, ProgressFn, Store};

use crate::error::{LibpodError, Result};
use crate::events::{EventStatus, EventType};
use crate::runtime::Runtime;

/// Paths the runtime mounts over in every container: their placeholders in a writable layer
/// are no change of the container's (podman's `diff` leaves them out).
pub(crate) const RUNTIME_MOUNTS: &[&str] = &[
    "/dev",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/mtab",
    "/etc/resolv.conf",
    "/proc",
    "/run",
    "/run/.containerenv",
    "/run/notify",
    "/run/secrets",
    "/sys",
];

/// An image archive's format (`save --format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArchiveFormat {
    /// `docker save` / `podman save` (the default).
    DockerArchive,
    /// A tar of an OCI image layout.
    OciArchive,
    /// An OCI image layout directory (`save --format oci-dir -o DIR`).
    OciDir,
}

impl FromStr for ArchiveFormat {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "docker-archive" => Ok(ArchiveFormat::DockerArchive),
            "oci-archive" => Ok(ArchiveFormat::OciArchive),
            "oci-dir" => Ok(ArchiveFormat::OciDir),
            other => Err(LibpodError::Invalid(format!(
                "unsupported archive format {other:?}; use docker-archive, oci-archive or oci-dir"
            ))),
        }
    }
}

impl Runtime {
    /// Runs `f` on the image store with the shutdown guard held (for what the facade has no
    /// method for; the store does not outlive the call).
    pub fn with_store<T>(&self, f: impl FnOnce(&Store) -> libpod_storage::Result<T>) -> Result<T> {
        let _g = self.inner.guard()?;
        Ok(f(&self.inner.store)?)
    }

    /// What image `name`'s top layer changed against the layers under it (`image diff`),
    /// the runtime's mount points left out as podman does.
    pub fn image_changes(&self, name: &str) -> Result<Vec<libpod_storage::Change>> {
        let mut changes = self.with_store(|s| s.image_changes(name))?;
        changes.retain(|c| !RUNTIME_MOUNTS.contains(&c.path.as_str()));
        Ok(changes)
    }

    /// Every image.
    pub fn images(&self) -> Result<Vec<Image>> {
        self.with_store(Store::images)
    }

    /// The image with this name, ID or ID prefix.
    pub fn image(&self, name_or_id: &str) -> Result<Image> {
        self.with_store(|s| s.image(name_or_id))
    }

    /// The full name a short or partial name stands for, if an image has it.
    pub fn image_name(&self, name: &str) -> Result<Option<String>> {
        self.with_store(|s| s.image_name(name))
    }

    /// Whether an image with this name or ID exists (`image exists`).
    pub fn image_exists(&self, name_or_id: &str) -> Result<bool> {
        match self.image(name_or_id) {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Adds `new_name` to an image.
    pub fn tag_image(&self, image: &str, new_name: &str) -> Result<Image> {
        let i = self.with_store(|s| s.tag(image, new_name))?;
        self.image_event(EventStatus::Tag, &i.id, new_name);
        Ok(i)
    }

    fn image_event(&self, status: EventStatus, id: &str, name: &str) {
        crate::event_record::object(&self.inner, EventType::Image, status, id, name);
    }

    /// Takes `name` off an image.
    pub fn untag_image(&self, image: &str, name: &str) -> Result<Image> {
        let i = self.with_store(|s| s.untag(image, name))?;
        self.image_event(EventStatus::Untag, &i.id, name);
        Ok(i)
    }

    /// Imports a root filesystem tarball as an image (`import`), with Dockerfile-style
    /// `changes`.
    pub fn import_tarball(
        &self,
        tarball: impl Read,
        reference: Option<&str>,
        changes: &[String],
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        let i = self.with_store(|s| s.import_tarball(tarball, reference, changes, progress))?;
        self.image_event(EventStatus::Import, &i.id, reference.unwrap_or_default());
        Ok(i)
    }

    /// Loads every image of a docker-archive or OCI archive (`load`).
    pub fn load_images(
        &self,
        archive: &Path,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Vec<Image>> {
        let images = self.with_store(|s| s.load(archive, progress))?;
        for i in &images {
            let name = i.names.first().map_or("", String::as_str);
            self.image_event(EventStatus::LoadFromArchive, &i.id, name);
        }
        Ok(images)
    }

    /// Writes an image as an archive (`save`).
    pub fn save_image(
        &self,
        image: &str,
        format: ArchiveFormat,
        out: impl Write,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<()> {
        self.save_images(&[image.to_string()], &[], format, out, progress)
    }

    /// Writes several images into one archive (`save -m`): a docker-archive holds them all
    /// (the first also named `extra_tags`, as `save IMG TAG...` does); an OCI archive one.
    pub fn save_images(
        &self,
        images: &[String],
        extra_tags: &[String],
        format: ArchiveFormat,
        out: impl Write,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<()> {
        match (format, images) {
            (ArchiveFormat::DockerArchive, _) => {
                self.with_store(|s| s.save_docker_archive_many(images, extra_tags, out, progress))?
            }
            (ArchiveFormat::OciArchive, [one]) => {
                self.with_store(|s| s.save_oci_archive(one, out, progress))?
            }
            (ArchiveFormat::OciArchive, _) => {
                return Err(LibpodError::Invalid(
                    "an oci-archive holds one image: save several as a docker-archive".into(),
                ));
            }
            (ArchiveFormat::OciDir, _) => {
                return Err(LibpodError::Invalid(
                    "oci-dir is a directory, not a stream: use save_oci_dir (-o DIR)".into(),
                ));
            }
        }
        for image in images {
            self.image_event(EventStatus::Save, "", image);
        }
        Ok(())
    }

    /// Writes image `image` as an OCI image layout directory `dir` (`save --format oci-dir`).
    pub fn save_oci_dir(
        &self,
        image: &str,
        dir: &Path,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<()> {
        self.with_store(|s| s.save_oci_layout(image, dir, None, progress))?;
        self.image_event(EventStatus::Save, "", image);
        Ok(())
    }

    /// Loads every image of an archive read from `input` (`load` from stdin), through a
    /// temporary file beside the store (an archive is read twice: index, then blobs).
    pub fn load_images_from(
        &self,
        input: impl std::io::Read,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Vec<Image>> {
        let base = Path::new("/var/tmp");
        let mut tmp = tempfile::Builder::new()
            .prefix("rpod-load-")
            .tempfile_in(if base.is_dir() {
                base
            } else {
                Path::new("/tmp")
            })
            .map_err(crate::error::io("a temporary file for the archive"))?;
        let mut input = input;
        std::io::copy(&mut input, tmp.as_file_mut())
            .map_err(crate::error::io("the archive on stdin"))?;
        self.load_images(tmp.path(), progress)
    }

    /// Containers whose root filesystem is mounted, with where (`mount` without arguments).
    pub fn mounted_containers(&self) -> Result<Vec<(String, PathBuf)>> {
        self.with_store(|s| {
            let mut out = Vec::new();
            for c in s.containers()? {
                if s.mount_count(&c.id)? > 0 {
                    out.push((c.id.clone(), s.rootfs_path(&c.id)));
                }
            }
            Ok(out)
        })
    }

    /// Runs `f` on the network manager with the shutdown guard held.
    pub fn with_networks<T>(
        &self,
        f: impl FnOnce(&libpod_network::NetworkManager) -> libpod_network::Result<T>,
    ) -> Result<T> {
        let _g = self.inner.guard()?;
        Ok(f(&self.inner.net)?)
    }
}
