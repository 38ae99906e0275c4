//! Plain data: networks, port mappings, attachment results (ground floor).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A CNI network: a conflist's name, version and plugin chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Name.
    pub name: String,
    /// `cniVersion` of the list.
    pub cni_version: String,
    /// The plugin configs, as written (passed to plugins unchanged but for the fields CNI adds).
    pub plugins: Vec<serde_json::Value>,
    /// The file it came from.
    pub file: PathBuf,
}

impl Network {
    /// Whether its containers resolve each other by name (the dnsname plugin is chained).
    pub fn dns_enabled(&self) -> bool {
        self.plugins.iter().any(|p| p["type"] == "dnsname")
    }

    /// The first plugin's type (`bridge`, `macvlan`, ...): the network's driver.
    pub fn driver(&self) -> String {
        self.plugins
            .first()
            .and_then(|p| p["type"].as_str())
            .unwrap_or("")
            .to_string()
    }

    /// The bridge device, for bridge networks.
    pub fn bridge(&self) -> Option<String> {
        self.plugins
            .iter()
            .find(|p| p["type"] == "bridge")
            .and_then(|p| p["bridge"].as_str())
            .map(String::from)
    }

    /// Subnets of its host-local IPAM ranges (or `subnet`).
    pub fn subnets(&self) -> Vec<String> {
        let mut v = Vec::new();
        for p in &self.plugins {
            let ipam = &p["ipam"];
            if let Some(s) = ipam["subnet"].as_str() {
                v.push(s.to_string());
            }
            for set in ipam["ranges"].as_array().into_iter().flatten() {
                for r in set.as_array().into_iter().flatten() {
                    if let Some(s) = r["subnet"].as_str() {
                        v.push(s.to_string());
                    }
                }
            }
        }
        v
    }
}

pub use libpod_config::ports::{PortMapping, Protocol};

/// What a container got on one network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Network name.
    pub network: String,
    /// Interface inside the container.
    pub interface: String,
    /// Its MAC address.
    pub mac: Option<String>,
    /// Its addresses, CIDR form.
    pub addresses: Vec<String>,
    /// Gateway.
    pub gateway: Option<String>,
    /// DNS servers.
    pub dns: Vec<String>,
    /// DNS search domains the network gives (`dns.podman` where it resolves names).
    pub search: Vec<String>,
}

/// One network a container asks for: its name and the interface name inside the container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Network name.
    pub network: String,
    /// Interface name (`eth0`).
    pub interface: String,
    /// The container's name, which other containers on a network with DNS resolve.
    pub name: String,
    /// More names it answers to on this network (`--network-alias`).
    pub aliases: Vec<String>,
}

/// A request to create a bridge network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkCreate {
    /// Name.
    pub name: String,
    /// Subnet (CIDR); chosen when `None`.
    pub subnet: Option<String>,
    /// Gateway; the subnet's first address when `None`.
    pub gateway: Option<String>,
    /// Bridge device name; chosen when `None`.
    pub bridge: Option<String>,
    /// No masquerading to the outside.
    pub internal: bool,
    /// No name resolution between its containers (`--disable-dns`).
    pub disable_dns: bool,
}
