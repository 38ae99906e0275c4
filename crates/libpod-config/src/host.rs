//! Discovery of binaries on the host: OCI runtimes, conmon, CNI plugin dirs.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{ConfigError, Origin};
use crate::types::RuntimeConfig;

/// The OCI runtimes we know, with the paths distributions install them at.
pub fn default_runtimes() -> BTreeMap<String, Vec<PathBuf>> {
    let mut m = BTreeMap::new();
    for name in ["runc", "crun", "youki", "runsc", "krun", "kata"] {
        let mut paths: Vec<PathBuf> = [
            "/usr/bin",
            "/usr/sbin",
            "/usr/local/bin",
            "/usr/local/sbin",
            "/sbin",
            "/bin",
        ]
        .iter()
        .map(|d| Path::new(d).join(name))
        .collect();
        if name == "runc" {
            paths.push(PathBuf::from("/usr/lib/cri-o-runc/sbin/runc"));
        }
        m.insert(name.to_string(), paths);
    }
    m
}

/// Where conmon is installed by podman, CRI-O and distributions (the seed's paths included).
pub fn default_conmon_paths() -> Vec<PathBuf> {
    [
        "/usr/libexec/podman/conmon",
        "/usr/local/libexec/podman/conmon",
        "/usr/local/lib/podman/conmon",
        "/usr/local/libexec/crio/conmon",
        "/usr/libexec/crio/conmon",
        "/usr/bin/conmon",
        "/usr/sbin/conmon",
        "/usr/local/bin/conmon",
        "/usr/local/sbin/conmon",
    ]
    .iter()
    .map(PathBuf::from)
    .collect()
}

/// CNI plugin dirs: Debian's, the seed's libexec dir and the upstream default.
pub fn default_cni_plugin_dirs() -> Vec<PathBuf> {
    ["/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin"]
        .iter()
        .map(PathBuf::from)
        .collect()
}

/// True when `path` is a regular file with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The directories of `$PATH` (as given, or the process's own).
fn path_dirs(path_var: Option<&str>) -> Vec<PathBuf> {
    let owned;
    let var = match path_var {
        Some(v) => v,
        None => {
            owned = std::env::var("PATH").unwrap_or_default();
            &owned
        }
    };
    var.split(':')
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Finds the first executable among `candidates`, then `name` on `$PATH`; returns what was searched on failure.
fn find(candidates: &[PathBuf], name: &str) -> Result<PathBuf, Vec<PathBuf>> {
    let mut searched = Vec::new();
    for c in candidates {
        if is_executable(c) {
            return Ok(c.clone());
        }
        searched.push(c.clone());
    }
    if !name.is_empty() && !name.contains('/') {
        for d in path_dirs(None) {
            let c = d.join(name);
            if is_executable(&c) {
                return Ok(c);
            }
            searched.push(c);
        }
    }
    Err(searched)
}

/// Resolves a runtime name (a key of `runtimes`, a name on `$PATH`) or absolute path.
pub(crate) fn resolve_runtime(
    name: &str,
    runtimes: &BTreeMap<String, Vec<PathBuf>>,
    origin: Origin,
) -> Result<PathBuf, ConfigError> {
    let candidates: Vec<PathBuf> = if name.starts_with('/') {
        vec![PathBuf::from(name)]
    } else {
        runtimes.get(name).cloned().unwrap_or_default()
    };
    let search_name = if name.starts_with('/') { "" } else { name };
    find(&candidates, search_name).map_err(|searched| ConfigError::RuntimeNotFound {
        origin,
        name: name.to_string(),
        searched,
    })
}

/// Resolves conmon from candidate paths; `$PATH` too, but only for the default candidates
/// (an explicit path that is missing must not be silently replaced by another conmon).
pub(crate) fn resolve_conmon(paths: &[PathBuf], origin: Origin) -> Result<PathBuf, ConfigError> {
    let on_path = if paths == default_conmon_paths().as_slice() {
        "conmon"
    } else {
        ""
    };
    find(paths, on_path).map_err(|searched| ConfigError::ConmonNotFound { origin, searched })
}

impl RuntimeConfig {
    /// The executable of the configured OCI runtime.
    pub fn runtime_path(&self) -> Result<PathBuf, ConfigError> {
        resolve_runtime(&self.oci_runtime, &self.runtimes, Origin::Default)
    }

    /// The executable of conmon.
    pub fn conmon_path(&self) -> Result<PathBuf, ConfigError> {
        resolve_conmon(&self.conmon_paths, Origin::Default)
    }

    /// The first plugin dir holding an executable `plugin`, if any.
    pub fn find_cni_plugin(&self, plugin: &str) -> Option<PathBuf> {
        self.cni_plugin_dirs
            .iter()
            .map(|d| d.join(plugin))
            .find(|p| is_executable(p))
    }
}
