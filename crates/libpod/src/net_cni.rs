//! Container networks through CNI (feature `cni`).

use std::path::Path;

use libpod_network::{Attachment, PortMapping, Request};

use crate::error::Result;
use crate::runtime::Inner;

/// The default network's name, writing its config first when no network exists.
pub(crate) fn default_network(inner: &Inner) -> Result<String> {
    inner.net.ensure_default()?;
    Ok(inner.net.default_network().to_string())
}

/// Attaches a namespace to networks.
pub(crate) fn setup(
    inner: &Inner,
    id: &str,
    netns: &Path,
    reqs: &[Request],
    ports: &[PortMapping],
) -> Result<Vec<Attachment>> {
    Ok(inner.net.setup(id, netns, reqs, ports)?)
}

/// Attaches a namespace to one more network.
pub(crate) fn connect(inner: &Inner, id: &str, netns: &Path, req: &Request) -> Result<Attachment> {
    Ok(inner.net.connect(id, netns, req)?)
}

/// Detaches a container from one network.
pub(crate) fn disconnect(inner: &Inner, id: &str, network: &str) -> Result<()> {
    Ok(inner.net.disconnect(id, network)?)
}

/// Sets a container's attachments up again as they were.
pub(crate) fn reload(inner: &Inner, id: &str) -> Result<Vec<Attachment>> {
    Ok(inner.net.reload(id)?)
}
