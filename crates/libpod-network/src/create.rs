//! A new network's definition, the same for both backends: name checked, subnets of either
//! family that overlap no other network (the first free 10.x.y.0/24 from 10.132.0.0 when none
//! is given, a random unique local /64 for `--ipv6`), each with its gateway (the first host
//! unless given) and lease range, and a bridge name no network and no host device has.

use std::net::IpAddr;
use std::path::Path;

use crate::cidr::Cidr;
use crate::config;
use crate::error::{NetworkError, Result};
use crate::types::{LeaseRange, NetSubnet, Network, NetworkBackend, NetworkCreate, SubnetRequest};

fn invalid(what: String, message: impl Into<String>) -> NetworkError {
    NetworkError::Invalid {
        what,
        message: message.into(),
    }
}

/// Every subnet of the existing networks.
fn used(nets: &[Network]) -> Vec<(String, Cidr)> {
    nets.iter()
        .flat_map(|n| {
            n.subnets
                .iter()
                .filter_map(|s| Some((n.name.clone(), Cidr::parse(&s.subnet).ok()?)))
        })
        .collect()
}

/// The first free 10.x.y.0/24 from 10.132.0.0.
fn free_v4(taken: &[Cidr]) -> Result<Cidr> {
    (0..=255u8)
        .flat_map(|b| (0..=255u8).map(move |c| (b, c)))
        .filter_map(|(b, c)| {
            Cidr::parse_network(&format!("10.{}.{c}.0/24", 132u16 + u16::from(b))).ok()
        })
        .find(|s| !taken.iter().any(|u| u.overlaps(s)))
        .ok_or_else(|| invalid("subnet".into(), "no free subnet left; give one"))
}

/// A free unique local /64 with a random global ID (RFC 4193), as podman picks one.
fn free_v6(taken: &[Cidr]) -> Result<Cidr> {
    for _ in 0..16 {
        let r = random_bytes::<5>()?;
        let s = format!(
            "fd{:02x}:{:02x}{:02x}:{:02x}{:02x}::/64",
            r[0], r[1], r[2], r[3], r[4]
        );
        let c = Cidr::parse_network(&s)?;
        if !taken.iter().any(|u| u.overlaps(&c)) {
            return Ok(c);
        }
    }
    Err(invalid(
        "subnet".into(),
        "no free IPv6 subnet found; give one",
    ))
}

/// One subnet with its gateway and lease range, checked.
fn subnet(req: &SubnetRequest, c: Cidr) -> Result<NetSubnet> {
    let gateway = match &req.gateway {
        Some(g) => {
            let a: IpAddr = g
                .parse()
                .map_err(|_| invalid(format!("gateway {g}"), "not an IP address"))?;
            if !c.contains_host(&a) {
                return Err(invalid(
                    format!("gateway {g}"),
                    format!("not a host address of {c}"),
                ));
            }
            a
        }
        None => c.first_host(),
    };
    let lease_range = match &req.ip_range {
        Some(r) => {
            let range = Cidr::parse(r)?;
            let inside =
                c.offset(&range.addr(range.base)).is_some() && c.offset(&range.last()).is_some();
            if !inside {
                return Err(invalid(
                    format!("ip range {r}"),
                    format!("not inside subnet {c}"),
                ));
            }
            // podman hands out from the range's first host to its last address.
            Some(LeaseRange {
                start_ip: range.addr(range.base + 1).to_string(),
                end_ip: range.last().to_string(),
            })
        }
        None => None,
    };
    Ok(NetSubnet {
        subnet: c.to_string(),
        gateway: Some(gateway.to_string()),
        lease_range,
    })
}

/// The subnets of a new network: those asked for (none overlapping another network or each
/// other), else a free IPv4 one; and a free IPv6 one with `ipv6` when none was given.
fn subnets(req: &NetworkCreate, nets: &[Network]) -> Result<Vec<NetSubnet>> {
    let existing = used(nets);
    let mut taken: Vec<Cidr> = existing.iter().map(|(_, c)| *c).collect();
    let mut out = Vec::new();
    for r in &req.subnets {
        let c = Cidr::parse_network(&r.subnet)?;
        if let Some((name, _)) = existing.iter().find(|(_, u)| u.overlaps(&c)) {
            return Err(invalid(
                format!("subnet {}", r.subnet),
                format!("overlaps network {name}"),
            ));
        }
        if taken.iter().any(|u| u.overlaps(&c)) {
            return Err(invalid(
                format!("subnet {}", r.subnet),
                "overlaps another subnet given",
            ));
        }
        taken.push(c);
        out.push(subnet(r, c)?);
    }
    if out.is_empty() {
        let c = free_v4(&taken)?;
        taken.push(c);
        out.push(subnet(&SubnetRequest::default(), c)?);
    }
    if req.ipv6 && !out.iter().any(|s| s.subnet.contains(':')) {
        out.push(subnet(&SubnetRequest::default(), free_v6(&taken)?)?);
    }
    Ok(out)
}

fn choose_bridge(req: &NetworkCreate, nets: &[Network]) -> Result<String> {
    if let Some(b) = &req.bridge {
        config::check_name("bridge name", b, 15)?;
        return Ok(b.clone());
    }
    let taken: Vec<&str> = nets.iter().map(|n| n.network_interface.as_str()).collect();
    // A name a device of the host already has is skipped too, as podman does.
    Ok((0..10_000)
        .map(|i| format!("rpod{i}"))
        .find(|b| !taken.contains(&b.as_str()) && !Path::new("/sys/class/net").join(b).exists())
        .unwrap_or_else(|| "rpod-x".into()))
}

/// The definition of a new bridge network, checked against the existing `nets`.
pub(crate) fn definition(
    req: &NetworkCreate,
    nets: &[Network],
    backend: NetworkBackend,
    id: String,
) -> Result<Network> {
    config::check_name("network name", &req.name, 200)?;
    let subnets = subnets(req, nets)?;
    let driver = if req.driver.is_empty() {
        "bridge"
    } else {
        req.driver.as_str()
    };
    let (options, parent) = crate::driver::check(driver, &req.options, backend)?;
    if driver != "bridge" && req.subnets.is_empty() {
        // No DHCP here (podman 4.3 has none with netavark either).
        return Err(invalid(
            "network".into(),
            format!("{driver} driver needs at least one subnet specified, DHCP is not supported"),
        ));
    }
    let interface = if driver == "bridge" {
        choose_bridge(req, nets)?
    } else {
        parent
            .or_else(crate::driver::default_route_interface)
            .ok_or_else(|| {
                invalid(
                    "parent interface".into(),
                    "the host has no default route; give -o parent=IFACE",
                )
            })?
    };
    Ok(Network {
        name: req.name.clone(),
        id,
        driver: driver.into(),
        network_interface: interface,
        created: libpod_config::time::format_go(libpod_config::time::now()),
        ipv6_enabled: subnets.iter().any(|s| s.subnet.contains(':')),
        subnets,
        internal: req.internal,
        dns_enabled: !req.disable_dns,
        labels: req.labels.clone(),
        options,
        ipam_options: [("driver".to_string(), "host-local".to_string())].into(),
        backend,
        file: None,
        cni: None,
    })
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    use std::io::Read;
    let mut b = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(crate::error::io("/dev/urandom"))?;
    Ok(b)
}

/// A new network's ID: podman derives a CNI network's from its name; netavark networks get a
/// random one.
pub(crate) fn new_id(backend: NetworkBackend, name: &str) -> Result<String> {
    Ok(match backend {
        NetworkBackend::Cni => config::sha256_hex(name.as_bytes()),
        NetworkBackend::Netavark => random_bytes::<32>()?
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect(),
    })
}
