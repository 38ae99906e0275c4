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
