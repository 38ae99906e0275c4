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

/// A port range a container exposes (`--expose 8080`, `9000-9001/udp`, an image's `EXPOSE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposedPort {
    /// First port.
    pub port: u16,
    /// How many consecutive ports.
    #[serde(default = "one")]
    pub range: u16,
    /// The transport protocol.
    #[serde(default)]
    pub protocol: Protocol,
}

impl ExposedPort {
    /// Parses `PORT[-PORT][/PROTO]`.
    ///
    /// ```
    /// let e = libpod_config::ports::ExposedPort::parse("9000-9001/udp").unwrap();
    /// assert_eq!((e.port, e.range, e.protocol.as_str()), (9000, 2, "udp"));
    /// ```
    pub fn parse(s: &str) -> Result<ExposedPort, String> {
        let (spec, proto) = s.rsplit_once('/').unwrap_or((s, "tcp"));
        let protocol: Protocol = proto.parse()?;
        let (port, range) = port_range(spec, s)?;
        Ok(ExposedPort {
            port,
            range,
            protocol,
        })
    }

    /// Each port as podman keys it (`8080/tcp`).
    pub fn keys(&self) -> Vec<String> {
        (0..self.range)
            .map(|i| format!("{}/{}", self.port + i, self.protocol))
            .collect()
    }
}

/// `A` or `A-B` (1 to 65535, `B` not below `A`): the first port and how many.
fn port_range(p: &str, whole: &str) -> Result<(u16, u16), String> {
    let (a, b) = p.split_once('-').unwrap_or((p, p));
    let num = |v: &str| {
        v.parse::<u16>()
            .map_err(|_| format!("invalid port {whole:?}"))
    };
    let (a, b) = (num(a)?, num(b)?);
    if a == 0 || b < a {
        return Err(format!("invalid port range in {whole:?}"));
    }
    Ok((a, b - a + 1))
}

impl PortMapping {
    /// Parses `-p [[IP:][HOST_PORT]:]CONTAINER_PORT[/PROTO]`, with `A-B` ranges; no host
    /// port leaves `host_port` 0, for a free one chosen when the container is created.
    ///
    /// ```
    /// use libpod_config::ports::PortMapping;
    /// let p = PortMapping::parse("127.0.0.1:8080:80").unwrap();
    /// assert_eq!((p.host_ip.as_str(), p.host_port, p.container_port), ("127.0.0.1", 8080, 80));
    /// assert_eq!(PortMapping::parse("80/udp").unwrap().host_port, 0);
    /// ```
    pub fn parse(s: &str) -> Result<PortMapping, String> {
        let (spec, proto) = s.rsplit_once('/').unwrap_or((s, "tcp"));
        let protocol: Protocol = proto
            .parse()
            .map_err(|_| format!("invalid port {s:?}: protocol must be tcp, udp or sctp"))?;
        let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
        let (container_port, range) = port_range(parts[0], s)?;
        let (host_ip, host) = match parts.len() {
            1 => (String::new(), None),
            2 => (String::new(), Some(parts[1])),
            _ => (
                parts[2].trim_matches(|c| c == '[' || c == ']').to_string(),
                Some(parts[1]),
            ),
        };
        if !host_ip.is_empty() && host_ip.parse::<std::net::IpAddr>().is_err() {
            return Err(format!("invalid host IP {host_ip:?} in {s:?}"));
        }
        let host_port = match host.filter(|h| !h.is_empty()) {
            Some(h) => {
                let (h0, hn) = port_range(h, s)?;
                if hn != range {
                    return Err(format!(
                        "host and container port ranges differ in size in {s:?}"
                    ));
                }
                h0
            }
            None => 0,
        };
        Ok(PortMapping {
            host_ip,
            host_port,
            container_port,
            protocol,
            range,
        })
    }

    /// Whether it publishes container port `port` over `protocol`.
    pub fn covers(&self, port: u16, protocol: Protocol) -> bool {
        self.protocol == protocol
            && port >= self.container_port
            && u32::from(port) < u32::from(self.container_port) + u32::from(self.range.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_and_expose() {
        let p = PortMapping::parse("9000-9001:90-91/udp").expect("range");
        assert_eq!(
            (p.host_port, p.container_port, p.range, p.protocol),
            (9000, 90, 2, Protocol::Udp)
        );
        assert!(p.covers(91, Protocol::Udp) && !p.covers(92, Protocol::Udp));
        assert!(!p.covers(90, Protocol::Tcp));
        assert_eq!(
            PortMapping::parse("127.0.0.1::80").expect("free").host_port,
            0
        );
        assert_eq!(
            PortMapping::parse("[::1]:8080:80").expect("v6").host_ip,
            "::1"
        );
        for bad in ["80/icmp", "x:80", "1-3:1-2", "0", "5-4", "bad-ip:1:2"] {
            assert!(PortMapping::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            ExposedPort::parse("7000").expect("one").keys(),
            ["7000/tcp"]
        );
        assert!(ExposedPort::parse("70000").is_err() && ExposedPort::parse("1/icmp").is_err());
    }
}
