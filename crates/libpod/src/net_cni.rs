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

/// Starts a container's user-mode network (slirp4netns or pasta).
pub(crate) fn user_network(
    inner: &Inner,
    cfg: &libpod_state::ContainerConfig,
    netns: &Path,
) -> Result<Attachment> {
    let net = match &cfg.network {
        libpod_state::NetworkMode::Slirp4netns(o) => {
            libpod_network::UserNet::Slirp4netns(libpod_network::SlirpOptions::parse(o)?)
        }
        libpod_state::NetworkMode::Pasta(o) => libpod_network::UserNet::Pasta(o.clone()),
        _ => {
            return Err(crate::LibpodError::Invalid(
                "not a user-mode network".into(),
            ));
        }
    };
    Ok(inner
        .net
        .setup_user_network(&cfg.id, netns, &net, &cfg.ports)?)
}
