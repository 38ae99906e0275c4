//! Published ports (podman's `-p`): one type shared by the state database, which stores
//! them, and the network layer, which sets them up.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A published port's protocol (stored as podman names it: `tcp`, `udp`, `sctp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    #[default]
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// The name podman prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            "sctp" => Ok(Protocol::Sctp),
            other => Err(format!("protocol {other:?} is not tcp, udp or sctp")),
        }
    }
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PortMapping {
    /// Host address to bind ("" for all).
    #[serde(default)]
    pub host_ip: String,
    /// First host port.
    pub host_port: u16,
    /// First container port.
    pub container_port: u16,
    /// The transport protocol.
    pub protocol: Protocol,
    /// How many consecutive ports (1 for one).
    #[serde(default = "one")]
    pub range: u16,
}

fn one() -> u16 {
    1
}
