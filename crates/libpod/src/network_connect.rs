//! `podman network connect` and `disconnect`: a container joins or leaves a network; a
//! running one is attached or detached at once (its next interface, `eth1`...), and the
//! stored network list keeps the change for its next starts.

use libpod_state::{ContainerConfig, ContainerStatus as S, NetworkMode, NetworkOptions};

use crate::container::Container;
use crate::error::{LibpodError, Result};
use crate::runtime::Inner;

/// The networks a container in bridge mode is on (its default network when none was named);
/// other modes cannot connect, as podman's refusal says.
fn networks_of(inner: &Inner, cfg: &ContainerConfig) -> Result<Vec<String>> {
    match &cfg.network {
        NetworkMode::Default => Ok(vec![crate::net::default_network(inner)?]),
        NetworkMode::Networks(n) => Ok(n.clone()),
        NetworkMode::None => Err(LibpodError::Invalid(
            "\"\" is not supported: invalid network mode".into(),
        )),
        other => Err(LibpodError::Invalid(format!(
            "{:?} is not supported: invalid network mode",
            crate::network_mode_name(other)
        ))),
    }
}

/// The first `ethN` no attachment of the container uses.
fn free_interface(st: &libpod_state::ContainerState) -> String {
    (0..)
        .map(|i| format!("eth{i}"))
        .find(|n| !st.networks.iter().any(|a| &a.interface == n))
        .unwrap_or_else(|| "eth0".into())
}

/// `network connect`'s `--ip`, `--ip6`, `--mac-address` and `--alias`, as podman takes them.
///
/// ```
/// let o = libpod::connect_options(&["10.89.0.9".into()], Some("92:d0:c6:0a:29:33"), &["db".into()])?;
/// assert_eq!(o.aliases, ["db"]);
/// # Ok::<(), libpod::LibpodError>(())
/// ```
pub fn connect_options(
    ips: &[String],
    mac: Option<&str>,
    aliases: &[String],
) -> Result<NetworkOptions> {
    Ok(NetworkOptions {
        ips: ips
            .iter()
            .map(|i| crate::parse_ip(i))
            .collect::<Result<_>>()?,
        mac: mac.map(crate::parse_mac).transpose()?,
        aliases: aliases.to_vec(),
        interface_name: None,
    })
}

impl Container {
    /// Connects the container to `network` (`podman network connect`): stored for its next
    /// starts and, when it runs, attached now on its next free interface.
    pub fn connect_network(&self, network: &str) -> Result<()> {
        self.connect_network_with(network, &NetworkOptions::default())
    }

    /// [`Container::connect_network`] with settings on that network (`--ip`, `--alias`...).
    pub fn connect_network_with(&self, network: &str, opts: &NetworkOptions) -> Result<()> {
        self.locked(|inner, cfg, st| {
            let net = inner.net.network(network)?;
            let mut names = networks_of(inner, cfg)?;
            if names.contains(&net.name) {
                return Err(LibpodError::Invalid(format!(
                    "container {} is already connected to network {:?}: network is already \
                     connected",
                    cfg.id, net.name
                )));
            }
            let mut options = cfg.network_options.clone();
            if *opts != NetworkOptions::default() {
                options.insert(net.name.clone(), opts.clone());
            }
            if matches!(st.status, S::Running | S::Paused | S::Created)
                && let Some(ns) = st.netns_path.clone()
            {
                let mut with = cfg.clone();
                with.network_options = options.clone();
                let mut req =
                    crate::net_options::requests(&with, std::slice::from_ref(&net.name)).remove(0);
                if opts.interface_name.is_none() {
                    req.interface = free_interface(st);
                }
                let a = crate::net::connect(inner, &cfg.id, &ns, &req)?;
                st.networks.push(crate::steps::network_status(a));
            }
            names.push(net.name);
            inner.state.update_container_network(
                &cfg.id,
                &NetworkMode::Networks(names),
                &options,
            )?;
            Ok(())
        })
    }

    /// Disconnects the container from `network` (`podman network disconnect`): detached now
    /// when it runs, and left out of its next starts.
    pub fn disconnect_network(&self, network: &str) -> Result<()> {
        self.locked(|inner, cfg, st| {
            let mut names = networks_of(inner, cfg)?;
            let name = inner
                .net
                .network(network)
                .map(|n| n.name)
                .unwrap_or_else(|_| network.to_string());
            let Some(i) = names.iter().position(|n| *n == name) else {
                return Err(LibpodError::Invalid(format!(
                    "container {} is not connected to network {network}",
                    cfg.name
                )));
            };
            if st.networks.iter().any(|a| a.network == name) {
                crate::net::disconnect(inner, &cfg.id, &name)?;
                st.networks.retain(|a| a.network != name);
            }
            names.remove(i);
            let mut options = cfg.network_options.clone();
            options.remove(&name);
            inner.state.update_container_network(
                &cfg.id,
                &NetworkMode::Networks(names),
                &options,
            )?;
            Ok(())
        })
    }

    /// Sets the container's networks up again as they were (`podman network reload`): the
    /// firewall rules, the name server's entries and the port mappings come back with the
    /// same addresses. Only a running container with networks of its own can reload.
    pub fn reload_network(&self) -> Result<()> {
        self.locked(|inner, cfg, st| {
            if st.netns_path.is_none() || st.status != S::Running {
                return Err(LibpodError::Invalid(
                    "cannot reload network unless container network has been configured: \
                     container state improper"
                        .into(),
                ));
            }
            let bridged = matches!(cfg.network, NetworkMode::Default | NetworkMode::Networks(_));
            if st.networks.is_empty() || !bridged {
                return Err(LibpodError::Invalid(format!(
                    "container {} network is not configured, refusing to reload: container \
                     state improper",
                    cfg.id
                )));
            }
            let attached = crate::net::reload(inner, &cfg.id)?;
            st.networks = attached
                .into_iter()
                .map(crate::steps::network_status)
                .collect();
            Ok(())
        })
    }
}
