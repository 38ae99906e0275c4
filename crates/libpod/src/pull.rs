//! Pulling images from registries (feature `pull`): registries.conf settings turned into the
//! storage layer's pull options.

use std::path::{Path, PathBuf};

use libpod_storage::{Image, PullOptions};

use crate::error::Result;
use crate::runtime::Runtime;

/// Per-pull choices a caller makes (the rest comes from registries.conf).
#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    /// `os/arch` to choose from a multi-platform index (default: this machine's).
    pub platform: Option<String>,
    /// An auth.json with credentials, as podman and skopeo write it.
    pub auth_file: Option<PathBuf>,
}

impl Runtime {
    /// Pulls `reference` into the image store. Transports as podman spells them: `docker://`
    /// (the default; a short name tries `unqualified-search-registries` in order),
    /// `oci:DIR[:TAG]`, `oci-archive:FILE` and `docker-archive:FILE`.
    pub fn pull_image(&self, reference: &str, req: &PullRequest) -> Result<Image> {
        if let Some(local) = self.pull_local(reference)? {
            return Ok(local);
        }
        let cfg = self.config()?;
        let mut insecure = cfg.insecure_registries.clone();
        let mut blocked = Vec::new();
        for r in &cfg.registries {
            if r.insecure {
                insecure.push(r.location.clone());
            }
            if r.blocked {
                blocked.push(r.location.clone());
            }
        }
        let opts = PullOptions {
            search_registries: cfg.search_registries.clone(),
            insecure,
            blocked,
            auth_file: req.auth_file.clone(),
            platform: req.platform.clone(),
        };
        let _s = crate::trace::span("pull image");
        Ok(self.store()?.pull(reference, &opts, None)?)
    }

    /// The local transports; `None` for a registry reference.
    fn pull_local(&self, reference: &str) -> Result<Option<Image>> {
        let store = self.store()?;
        if let Some(dir) = reference.strip_prefix("oci:") {
            // `oci:DIR:TAG`; a colon followed by something that is no directory is the tag.
            let (dir, tag) = match dir.rsplit_once(':') {
                Some((d, t)) if !Path::new(dir).is_dir() => (d, Some(t)),
                _ => (dir, None),
            };
            return Ok(Some(store.import_oci_layout(
                Path::new(dir),
                tag,
                &[],
                None,
            )?));
        }
        let archive = reference
            .strip_prefix("oci-archive:")
            .or_else(|| reference.strip_prefix("docker-archive:"));
        match archive {
            Some(file) => {
                let images = store.load(Path::new(file), None)?;
                let first = images.into_iter().next().ok_or_else(|| {
                    libpod_storage::StorageError::BadArchive {
                        source_name: file.to_string(),
                        reason: "the archive holds no image".into(),
                    }
                })?;
                Ok(Some(first))
            }
            None => Ok(None),
        }
    }
}
