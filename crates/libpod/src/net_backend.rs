//! Which network backend a runtime uses, by podman 4.3's rule: the configured one; else the
//! one recorded in the graph root (`defaultNetworkBackend`, podman's file); else netavark
//! when it is installed and the system is fresh (no containers, no images, at most one CNI
//! network), CNI otherwise, and the choice recorded so it never changes under a store.

use std::fs;

use libpod_config::{NetworkBackend, RuntimeConfig};
use libpod_network::NetworkManager;
use libpod_storage::Store;

use crate::error::{LibpodError, Result};

/// The file podman records its choice in, under the graph root.
pub const BACKEND_FILE: &str = "defaultNetworkBackend";

/// The backend `config` and `store` call for (recording a choice made by the rule).
pub(crate) fn resolve(config: &RuntimeConfig, store: &Store) -> Result<NetworkBackend> {
    if let Some(b) = config.network_backend {
        return Ok(b);
    }
    let file = config.storage.graph_root.join(BACKEND_FILE);
    match fs::read_to_string(&file) {
        Ok(t) => {
            return t.trim().parse().map_err(|e| {
                LibpodError::Invalid(format!(
                    "{}: {:?} is not a network backend (expected {e}); fix or remove the file",
                    file.display(),
                    t.trim()
                ))
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(LibpodError::Io {
                path: file,
                source: e,
            });
        }
    }
    let chosen = if NetworkManager::netavark_available(&config.helper_binaries_dir)
        && store.containers()?.is_empty()
        && store.images()?.is_empty()
        && NetworkManager::from_config(config, NetworkBackend::Cni)
            .networks()?
            .0
            .len()
            <= 1
    {
        NetworkBackend::Netavark
    } else {
        NetworkBackend::Cni
    };
    fs::write(&file, chosen.as_str()).map_err(|e| LibpodError::Io {
        path: file.clone(),
        source: e,
    })?;
    Ok(chosen)
}
