//! Pulling images from registries (feature `pull`): registries.conf settings turned into the
//! storage layer's pull options.

use std::path::PathBuf;

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
    /// Pulls `reference` (`docker://` optional; a short name tries
    /// `unqualified-search-registries` in order) into the image store.
    pub fn pull_image(&self, reference: &str, req: &PullRequest) -> Result<Image> {
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
}
