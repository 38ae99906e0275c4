//! Published ports decided when a container is created, as podman decides them: a free
//! host port for each `-p CONTAINER_PORT` without one, and with `-P` one for every exposed
//! port (`--expose` and the image's `EXPOSE`) that is not published already.

use std::collections::BTreeSet;

use libpod_config::ports::{ExposedPort, PortMapping, Protocol};

use crate::error::{LibpodError, Result};

/// `--expose PORT[-PORT][/PROTO]`.
pub fn parse_expose(value: &str) -> Result<ExposedPort> {
    ExposedPort::parse(value).map_err(LibpodError::Invalid)
}

/// `-p [[IP:][HOST_PORT]:]CONTAINER_PORT[/PROTO]` (no host port: a free one at create).
pub fn parse_publish(value: &str) -> Result<PortMapping> {
    PortMapping::parse(value).map_err(LibpodError::Invalid)
}

/// Each published port as `port` lists it: (`8080/tcp`, `0.0.0.0:32768`).
///
/// ```
/// let p = libpod::parse_publish("127.0.0.1:9000-9001:90-91/udp").unwrap();
/// assert_eq!(
///     libpod::published_ports(&[p])[1],
///     ("91/udp".to_string(), "127.0.0.1:9001".to_string())
/// );
/// ```
pub fn published_ports(ports: &[PortMapping]) -> Vec<(String, String)> {
    ports
        .iter()
        .flat_map(|p| {
            let ip = if p.host_ip.is_empty() {
                "0.0.0.0"
            } else {
                &p.host_ip
            };
            (0..p.range.max(1)).map(move |i| {
                (
                    format!("{}/{}", p.container_port + i, p.protocol),
                    format!("{ip}:{}", p.host_port + i),
                )
            })
        })
        .collect()
}

/// The host address `port` shows for one private port (`8080` meaning `8080/tcp`), if it is
/// published.
///
/// ```
/// let p = libpod::parse_publish("127.0.0.1:9000:90/udp").unwrap();
/// assert_eq!(libpod::published_port(&[p.clone()], "90/udp").as_deref(), Some("127.0.0.1:9000"));
/// assert_eq!(libpod::published_port(&[p], "90"), None);
/// ```
pub fn published_port(ports: &[PortMapping], private: &str) -> Option<String> {
    let key = if private.contains('/') {
        private.to_string()
    } else {
        format!("{private}/tcp")
    };
    published_ports(ports)
        .into_iter()
        .find(|(p, _)| *p == key)
        .map(|(_, host)| host)
}

/// The container's published ports with every host port chosen.
pub(crate) fn resolve(
    given: &[PortMapping],
    expose: &[ExposedPort],
    image_exposed: &[String],
    publish_all: bool,
) -> Result<Vec<PortMapping>> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for p in given {
        if p.host_port != 0 {
            out.push(p.clone());
            continue;
        }
        // Each port of a range gets a free port of its own, as podman's `-P` does.
        for i in 0..p.range.max(1) {
            out.push(PortMapping {
                host_port: free_port(&p.host_ip, p.protocol, &mut taken)?,
                container_port: p.container_port + i,
                range: 1,
                ..p.clone()
            });
        }
    }
    if !publish_all {
        return Ok(out);
    }
    let image: Vec<ExposedPort> = image_exposed
        .iter()
        .filter_map(|s| ExposedPort::parse(s).ok())
        .collect();
    for e in expose.iter().chain(&image) {
        for i in 0..e.range {
            let port = e.port + i;
            if out.iter().any(|p| p.covers(port, e.protocol)) {
                continue;
            }
            out.push(PortMapping {
                host_ip: String::new(),
                host_port: free_port("", e.protocol, &mut taken)?,
                container_port: port,
                protocol: e.protocol,
                range: 1,
            });
        }
    }
    Ok(out)
}

/// A port the kernel says is free now on `ip` (all addresses for ""), not chosen before.
fn free_port(ip: &str, protocol: Protocol, taken: &mut BTreeSet<u16>) -> Result<u16> {
    let ip = if ip.is_empty() { "0.0.0.0" } else { ip };
    for _ in 0..16 {
        let port = match protocol {
            Protocol::Udp => std::net::UdpSocket::bind((ip, 0)).and_then(|s| s.local_addr()),
            // SCTP ports share TCP's numbering here; a free TCP port is a fair pick.
            Protocol::Tcp | Protocol::Sctp => {
                std::net::TcpListener::bind((ip, 0)).and_then(|l| l.local_addr())
            }
        }
        .map(|a| a.port())
        .map_err(|e| LibpodError::Invalid(format!("no free {protocol} port on {ip}: {e}")))?;
        if taken.insert(port) {
            return Ok(port);
        }
    }
    Err(LibpodError::Invalid(format!(
        "no free {protocol} port on {ip}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_all_covers_every_exposed_port_once() {
        let given = [
            PortMapping::parse("8080:80").expect("p"),
            PortMapping::parse("90-91/udp").expect("p"),
        ];
        let expose = [
            ExposedPort::parse("80").expect("e"),
            ExposedPort::parse("7000-7001").expect("e"),
        ];
        let out =
            resolve(&given, &expose, &["53/udp".into(), "90/udp".into()], true).expect("resolve");
        let keys: Vec<String> = out
            .iter()
            .map(|p| format!("{}/{}", p.container_port, p.protocol))
            .collect();
        assert_eq!(
            keys,
            [
                "80/tcp", "90/udp", "91/udp", "7000/tcp", "7001/tcp", "53/udp"
            ]
        );
        assert!(out.iter().all(|p| p.host_port != 0 && p.range == 1));
        let mut hosts: Vec<u16> = out.iter().map(|p| p.host_port).collect();
        hosts.sort_unstable();
        hosts.dedup();
        assert_eq!(hosts.len(), out.len(), "no host port twice");
        let none = resolve(&given[..1], &expose, &[], false).expect("resolve");
        assert_eq!(none, given[..1]);
    }
}
