//! Without the `cni` feature: namespaces only (`none`, `host`, `container:`, pods).

use std::path::Path;

use libpod_network::{Attachment, PortMapping, Request};

use crate::error::{LibpodError, Result};
use crate::runtime::Inner;

fn unavailable() -> LibpodError {
    LibpodError::Invalid("this build has no CNI networking (the libpod `cni` feature); use network mode none, host or container:".into())
}

/// There is no default network without CNI.
pub(crate) fn default_network(_inner: &Inner) -> Result<String> {
    Err(unavailable())
}

/// There are no networks to attach to without CNI.
pub(crate) fn setup(
    _inner: &Inner,
    _id: &str,
    _netns: &Path,
    _reqs: &[Request],
    _ports: &[PortMapping],
) -> Result<Vec<Attachment>> {
    Err(unavailable())
}

/// There are no networks to connect to without CNI.
pub(crate) fn connect(
    _inner: &Inner,
    _id: &str,
    _netns: &Path,
    _req: &Request,
) -> Result<Attachment> {
    Err(unavailable())
}

/// There are no networks to disconnect from without CNI.
pub(crate) fn disconnect(_inner: &Inner, _id: &str, _network: &str) -> Result<()> {
    Err(unavailable())
}

/// There are no networks to reload without CNI.
pub(crate) fn reload(_inner: &Inner, _id: &str) -> Result<Vec<Attachment>> {
    Err(unavailable())
}

/// There is no user-mode networking without the `cni` feature.
pub(crate) fn user_network(
    _inner: &Inner,
    _cfg: &libpod_state::ContainerConfig,
    _netns: &Path,
) -> Result<Attachment> {
    Err(unavailable())
}
