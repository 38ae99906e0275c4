//! Networking for libpod-rs: network namespaces, and two backends behind one
//! [`NetworkManager`], as podman 4.3 has them: CNI plugin chains (as libpod drove them through
//! ocicni) and netavark with aardvark-dns. A [`Network`] is one definition for both (podman's
//! netavark JSON fields); a network file of the other backend is reported, never misread.
//!
//! A container (or pod) gets a network namespace bind-mounted under the run dir, so it
//! outlives the process that made it and is joined by path in the OCI spec
//! ([`create_netns`], [`remove_netns`]). [`NetworkManager`] loads `.conflist` and `.conf`
//! files in CNI's order (a malformed one is reported with its file and skipped), keeps the
//! default network in memory when no file defines it (`rpod` on 10.131.0.0/16, bridge
//! `rpod0`, by default: podman's is `podman`), creates and removes bridge networks, and runs plugin chains as libcni does: per-plugin
//! config, `prevResult` chaining, `runtimeConfig` for declared capabilities (port mappings),
//! CHECK, and DEL in reverse from the cached ADD result.
//!
//! netavark networks are JSON files in podman's format; the manager hands out their
//! addresses (netavark has no IPAM of its own) from lease files under the run dir, and runs
//! `netavark setup|teardown` once per network with podman's options JSON.
//!
//! Invariants: a failed ADD (or setup) is undone (DEL of the chain, or teardown) and leaves
//! no veth, address or rule;
//! every attachment is cached until its DEL succeeds, so teardown works from what was set up
//! and a network in use cannot be removed; plugin errors carry the plugin's own message.

mod cidr;
mod cni;
mod config;
mod create;
mod driver;
mod error;
mod ipam;
mod manager;
mod netavark;
mod netns;
pub mod ports;
mod types;
mod usernet;

pub use cidr::Cidr;
pub use config::{parse_file, sha256_hex};
pub use error::{NetworkError, Result};
pub use manager::NetworkManager;
pub use netns::{create_netns, is_netns, remove_netns, set_netns_sysctls};
pub use types::{
    Attachment, CniList, LeaseRange, NetSubnet, Network, NetworkBackend, NetworkCreate,
    PortMapping, Protocol, Request, SubnetRequest,
};
pub use usernet::{SlirpOptions, UserNet};
