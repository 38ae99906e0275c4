//! Plain data: networks, port mappings, attachment results (ground floor).

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use libpod_config::NetworkBackend;

use serde::{Deserialize, Serialize};

/// A network as podman defines it, for either backend: the fields of podman's netavark JSON
/// file (which is also how `network inspect` prints it), and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Network {
    /// Name.
    pub name: String,
    /// 64 hex digits (for CNI networks, the SHA-256 of the name, as podman).
    pub id: String,
    /// `bridge` (the only driver created here), or what a CNI list's first plugin is.
    pub driver: String,
    /// The host device: the bridge.
    pub network_interface: String,
    /// Creation time, RFC 3339.
    pub created: String,
    /// Subnets with their gateways.
    #[serde(default)]
    pub subnets: Vec<NetSubnet>,
    /// Whether an IPv6 subnet is in it.
    #[serde(default)]
    pub ipv6_enabled: bool,
    /// No route to the outside and no masquerading.
    #[serde(default)]
    pub internal: bool,
    /// Its containers resolve each other by name (aardvark-dns or dnsname).
    #[serde(default)]
    pub dns_enabled: bool,
    /// Labels (`--label`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Driver options (`--opt`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// IPAM options (`driver`: `host-local`).
    #[serde(default)]
    pub ipam_options: BTreeMap<String, String>,
    /// Which backend's file defines it.
    #[serde(skip)]
    pub backend: NetworkBackend,
    /// The file it came from (`None` for netavark's default network, which lives in memory
    /// as podman's does).
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// A CNI network's list as written.
    #[serde(skip)]
    pub cni: Option<CniList>,
}

/// One subnet of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NetSubnet {
    /// CIDR.
    pub subnet: String,
    /// Gateway address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// The addresses containers get from, when narrower than the subnet (`--ip-range`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_range: Option<LeaseRange>,
}

/// First and last address handed out in a subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LeaseRange {
    /// First address.
    pub start_ip: String,
    /// Last address.
    pub end_ip: String,
}

/// One subnet asked for at creation: `--subnet` with the `--gateway` and `--ip-range` given
/// in the same position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubnetRequest {
    /// CIDR.
    pub subnet: String,
    /// Gateway; the subnet's first host when `None`.
    pub gateway: Option<String>,
    /// Range containers get addresses from (CIDR inside the subnet).
    pub ip_range: Option<String>,
}

/// A CNI network's `cniVersion` and plugin chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CniList {
    /// `cniVersion` of the list.
    pub cni_version: String,
    /// The plugin configs, as written (passed to plugins unchanged but for the fields CNI adds).
    pub plugins: Vec<serde_json::Value>,
}

impl Network {
    /// The subnets, CIDR form.
    pub fn subnets(&self) -> Vec<String> {
        self.subnets.iter().map(|s| s.subnet.clone()).collect()
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
    /// Addresses it asks for (`--ip`); the next free ones when empty.
    pub ips: Vec<std::net::IpAddr>,
    /// The MAC address it asks for (`--mac-address`).
    pub mac: Option<String>,
}

/// A request to create a bridge network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkCreate {
    /// Name.
    pub name: String,
    /// Subnets, IPv4 and IPv6 (dual stack); a free IPv4 one is chosen when empty.
    pub subnets: Vec<SubnetRequest>,
    /// Add a free IPv6 subnet when none is given (`--ipv6`).
    pub ipv6: bool,
    /// Bridge device name; chosen when `None`.
    pub bridge: Option<String>,
    /// No masquerading to the outside.
    pub internal: bool,
    /// No name resolution between its containers (`--disable-dns`).
    pub disable_dns: bool,
    /// Labels (`--label`).
    pub labels: BTreeMap<String, String>,
    /// `bridge` (when empty), `macvlan` or `ipvlan` (`--driver`).
    pub driver: String,
    /// Driver options (`--opt`: `mtu`, `vlan`, `isolate`, `parent`, `mode`).
    pub options: BTreeMap<String, String>,
}
