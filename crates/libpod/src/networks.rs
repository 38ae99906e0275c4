//! Network operations of the facade (create, list, inspect), each under the shutdown guard;
//! removal is in `remove.rs`.
//!
//! ```no_run
//! use libpod::{Runtime, network::NetworkCreate};
//! let rt = Runtime::builder().build()?;
//! rt.create_network(&NetworkCreate { name: "web".into(), ..Default::default() })?;
//! let (nets, broken) = rt.list_networks()?;
//! assert!(nets.iter().any(|n| n.name == "web") && broken.is_empty());
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use libpod_network::{Network, NetworkCreate, NetworkError};

use crate::error::Result;
use crate::runtime::Runtime;

/// `--subnet`, `--gateway` and `--ip-range` as podman pairs them: by position, never more
/// gateways or ranges than subnets.
///
/// ```
/// let s = libpod::subnet_requests(&["10.89.9.0/24".into(), "fd00:9::/64".into()],
///     &["10.89.9.254".into()], &[])?;
/// assert_eq!(s[0].gateway.as_deref(), Some("10.89.9.254"));
/// assert_eq!(s[1].gateway, None);
/// # Ok::<(), libpod::LibpodError>(())
/// ```
pub fn subnet_requests(
    subnets: &[String],
    gateways: &[String],
    ranges: &[String],
) -> Result<Vec<libpod_network::SubnetRequest>> {
    if gateways.len() > subnets.len() {
        return Err(crate::LibpodError::Invalid(
            "cannot set more gateways than subnets".into(),
        ));
    }
    if ranges.len() > subnets.len() {
        return Err(crate::LibpodError::Invalid(
            "cannot set more ranges than subnets".into(),
        ));
    }
    Ok(subnets
        .iter()
        .enumerate()
        .map(|(i, s)| libpod_network::SubnetRequest {
            subnet: s.clone(),
            gateway: gateways.get(i).cloned(),
            ip_range: ranges.get(i).cloned(),
        })
        .collect())
}

/// A network's ID as podman shows it for CNI networks: the SHA-256 of its name, in hex.
pub fn network_id(name: &str) -> String {
    libpod_storage::digest_of(name.as_bytes())
        .trim_start_matches("sha256:")
        .to_string()
}

impl Runtime {
    /// Creates a bridge network.
    pub fn create_network(&self, req: &NetworkCreate) -> Result<Network> {
        let net = self.with_networks(|n| n.create(req))?;
        crate::event_record::object(
            &self.inner,
            crate::events::EventType::Network,
            crate::events::EventStatus::Create,
            &net.id,
            &net.name,
        );
        Ok(net)
    }

    /// Every network, and the config files that could not be read (with why).
    pub fn list_networks(&self) -> Result<(Vec<Network>, Vec<NetworkError>)> {
        self.with_networks(|n| n.networks())
    }

    /// The networks that pass `filters` (see [`crate::NetworkFilter`]), and the config files
    /// that could not be read.
    pub fn filter_networks(
        &self,
        filters: &[crate::NetworkFilter],
    ) -> Result<(Vec<Network>, Vec<NetworkError>)> {
        let (nets, errs) = self.list_networks()?;
        let default = self.inner.net.default_network().to_string();
        let counted: Vec<(Network, usize)> = nets
            .into_iter()
            .map(|n| {
                // The default network is never dangling, as podman's.
                let users = self.network_users(&n.name).map_or(0, |u| u.len())
                    + usize::from(n.name == default);
                (n, users)
            })
            .collect();
        let kept = crate::select_networks(&counted, filters)
            .into_iter()
            .cloned()
            .collect();
        Ok((kept, errs))
    }

    /// The network with this name.
    pub fn network(&self, name: &str) -> Result<Network> {
        self.with_networks(|n| n.network(name))
    }

    /// The containers attached to a network.
    pub fn network_users(&self, name: &str) -> Result<Vec<String>> {
        self.with_networks(|n| n.users(name))
    }

    /// `network prune`: removes every network no container uses (in its configuration, in
    /// any state, or attached), except the default one; returns their names, sorted.
    pub fn prune_networks(&self) -> Result<Vec<String>> {
        let (nets, _) = self.list_networks()?;
        let default = self.inner.net.default_network().to_string();
        let mut used: std::collections::BTreeSet<String> = [default].into();
        for (cfg, _) in self.containers()? {
            match cfg.network {
                libpod_state::NetworkMode::Default => {}
                libpod_state::NetworkMode::Networks(n) => used.extend(n),
                _ => {}
            }
        }
        let mut removed = Vec::new();
        for net in nets.into_iter().filter(|n| !used.contains(&n.name)) {
            if !self.network_users(&net.name)?.is_empty() {
                continue;
            }
            let report = self.remove_networks(
                std::slice::from_ref(&net.name),
                &crate::RemoveOptions::default(),
            );
            if report.failed.is_empty() {
                removed.push(net.name);
            }
        }
        removed.sort();
        Ok(removed)
    }

    /// `network reload --all`: every running container with networks of its own, reloaded
    /// (see [`crate::Container::reload_network`]); each container's ID with its outcome.
    pub fn reload_all_networks(&self) -> Result<Vec<(String, Result<()>)>> {
        let mut out = Vec::new();
        for (cfg, st) in self.containers()? {
            if st.status == libpod_state::ContainerStatus::Running && !st.networks.is_empty() {
                let r = self.container(&cfg.id).and_then(|c| c.reload_network());
                out.push((cfg.id, r));
            }
        }
        Ok(out)
    }
}
