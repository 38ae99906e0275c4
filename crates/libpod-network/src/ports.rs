//! Host ports: refused before anything is set up when another container publishes them or
//! something on the host listens on them (podman: "address already in use", exit 126).

use std::net::{IpAddr, Ipv4Addr, TcpListener, UdpSocket};

use crate::error::{NetworkError, Result};
use crate::types::{PortMapping, Protocol};

/// The host address a mapping binds (all addresses when none is given).
pub fn host_address(p: &PortMapping) -> IpAddr {
    p.host_ip
        .parse()
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Whether two mappings claim a common host port: same protocol, overlapping ranges, and
/// the same address or either on all addresses.
pub fn ports_overlap(a: &PortMapping, b: &PortMapping) -> bool {
    let (ia, ib) = (host_address(a), host_address(b));
    let addr = ia == ib || ia.is_unspecified() || ib.is_unspecified();
    let (a0, a1) = (
        u32::from(a.host_port),
        u32::from(a.host_port) + u32::from(a.range.max(1)),
    );
    let (b0, b1) = (
        u32::from(b.host_port),
        u32::from(b.host_port) + u32::from(b.range.max(1)),
    );
    a.protocol == b.protocol && addr && a0 < b1 && b0 < a1
}

/// Whether a process on the host holds the port (a bind test; nothing is sent).
pub fn held_on_host(p: &PortMapping, port: u16) -> bool {
    let addr = (host_address(p), port);
    let in_use = |e: std::io::Error| e.kind() == std::io::ErrorKind::AddrInUse;
    match p.protocol {
        Protocol::Udp => UdpSocket::bind(addr).err().is_some_and(in_use),
        // SCTP has no std socket; a TCP bind is the closest check we have.
        Protocol::Tcp | Protocol::Sctp => TcpListener::bind(addr).err().is_some_and(in_use),
    }
}

fn in_use(p: &PortMapping, port: u16, holder: &str) -> NetworkError {
    let ip = if p.host_ip.is_empty() {
        "0.0.0.0"
    } else {
        &p.host_ip
    };
    NetworkError::PortInUse {
        port: format!("{ip}:{port}/{}", p.protocol),
        holder: holder.to_string(),
    }
}

/// Fails if any of `ports` is published by another container (`others`: container and its
/// mappings) or held on the host.
pub fn check_ports_free(
    ports: &[PortMapping],
    others: &[(String, Vec<PortMapping>)],
) -> Result<()> {
    for p in ports {
        for (ctr, theirs) in others {
            if theirs.iter().any(|t| ports_overlap(p, t)) {
                return Err(in_use(p, p.host_port, &format!("container {ctr}")));
            }
        }
        for port in p.host_port..=p.host_port.saturating_add(p.range.max(1) - 1) {
            if held_on_host(p, port) {
                return Err(in_use(p, port, "a process on the host"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(ip: &str, port: u16, range: u16, proto: &str) -> PortMapping {
        PortMapping {
            host_ip: ip.into(),
            host_port: port,
            container_port: 80,
            protocol: proto.parse().expect("protocol"),
            range,
        }
    }

    #[test]
    fn overlaps_by_address_range_and_protocol() {
        assert!(ports_overlap(
            &pm("127.0.0.1", 8080, 1, "tcp"),
            &pm("", 8080, 1, "tcp")
        ));
        assert!(ports_overlap(
            &pm("", 8079, 3, "tcp"),
            &pm("127.0.0.1", 8081, 1, "tcp")
        ));
        assert!(!ports_overlap(
            &pm("127.0.0.1", 8080, 1, "tcp"),
            &pm("127.0.0.2", 8080, 1, "tcp")
        ));
        assert!(!ports_overlap(
            &pm("", 8080, 1, "tcp"),
            &pm("", 8080, 1, "udp")
        ));
        assert!(!ports_overlap(
            &pm("", 8080, 1, "tcp"),
            &pm("", 8081, 1, "tcp")
        ));
    }

    #[test]
    fn a_port_held_on_the_host_is_refused() {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let e = check_ports_free(&[pm("127.0.0.1", port, 1, "tcp")], &[]).expect_err("held");
        assert!(e.to_string().contains("already in use"), "{e}");
        let others = vec![("abc".to_string(), vec![pm("", 1, 1, "tcp")])];
        assert!(check_ports_free(&[pm("127.0.0.1", 1, 1, "tcp")], &others).is_err());
    }
}
