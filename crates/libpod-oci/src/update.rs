//! Changing a running container's cgroup values (`podman update`).

use std::path::Path;

use oci_spec::runtime::LinuxResources;

use crate::conmon::Executor;
use crate::error::{OciError, Result};

impl Executor {
    /// Changes a running container's cgroup values (`runc update --resources FILE`); the
    /// values are written to `file` first and it is removed after.
    pub fn update(&self, id: &str, resources: &LinuxResources, file: &Path) -> Result<()> {
        let json = serde_json::to_vec(resources)
            .map_err(|e| OciError::Spec(format!("resources of {id}: {e}")))?;
        std::fs::write(file, json).map_err(crate::error::io(file))?;
        let path = file.display().to_string();
        let r = self
            .run("update", id, &["--resources", &path, id])
            .map(drop);
        let _ = std::fs::remove_file(file);
        r
    }
}
