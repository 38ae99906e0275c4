//! A new network's definition, the same for both backends: name checked, a subnet that
//! overlaps no other network (the first free 10.x.y.0/24 from 10.132.0.0 when none is given),
//! the gateway (the subnet's first host unless given), and a bridge name no network and no
//! host device has.

use std::net::Ipv4Addr;
use std::path::Path;

use crate::config::{self, Subnet};
use crate::error::{NetworkError, Result};
use crate::types::{NetSubnet, Network, NetworkBackend, NetworkCreate};

fn choose_subnet(req: &NetworkCreate, nets: &[Network]) -> Result<Subnet> {
    let subnets_of = |n: &Network| -> Vec<Subnet> {
        n.subnets
            .iter()
            .filter_map(|s| Subnet::parse(&s.subnet).ok())
            .collect()
    };
    if let Some(s) = &req.subnet {
        let sn = Subnet::parse(s)?;
        if let Some(n) = nets
            .iter()
            .find(|n| subnets_of(n).iter().any(|x| x.overlaps(&sn)))
        {
            return Err(NetworkError::Invalid {
                what: format!("subnet {s}"),
                message: format!("overlaps network {}", n.name),
            });
        }
        return Ok(sn);
    }
    let used: Vec<Subnet> = nets.iter().flat_map(subnets_of).collect();
    (0..=255u8)
        .flat_map(|b| (0..=255u8).map(move |c| (b, c)))
        .filter_map(|(b, c)| Subnet::parse(&format!("10.{}.{c}.0/24", 132u16 + u16::from(b))).ok())
        .find(|s| !used.iter().any(|u| u.overlaps(s)))
        .ok_or_else(|| NetworkError::Invalid {
            what: "subnet".into(),
            message: "no free subnet left; give one".into(),
        })
}

fn choose_gateway(req: &NetworkCreate, subnet: &Subnet) -> Result<Ipv4Addr> {
    let Some(g) = &req.gateway else {
        return Ok(subnet.first_host());
    };
    let a = g.parse().map_err(|_| NetworkError::Invalid {
        what: format!("gateway {g}"),
        message: "not an IPv4 address".into(),
    })?;
    if !subnet.contains(a) {
        return Err(NetworkError::Invalid {
            what: format!("gateway {g}"),
            message: format!("not a host address of {}/{}", subnet.base, subnet.prefix),
        });
    }
    Ok(a)
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
) -> Result<Network> {
    config::check_name("network name", &req.name, 200)?;
    let subnet = choose_subnet(req, nets)?;
    let gateway = choose_gateway(req, &subnet)?;
    let id = match backend {
        // podman derives a CNI network's ID from its name; netavark networks get a random one.
        NetworkBackend::Cni => config::sha256_hex(req.name.as_bytes()),
        NetworkBackend::Netavark => random_id()?,
    };
    Ok(Network {
        name: req.name.clone(),
        id,
        driver: "bridge".into(),
        network_interface: choose_bridge(req, nets)?,
        created: libpod_config::time::format_go(libpod_config::time::now()),
        subnets: vec![NetSubnet {
            subnet: format!("{}/{}", subnet.base, subnet.prefix),
            gateway: Some(gateway.to_string()),
        }],
        ipv6_enabled: false,
        internal: req.internal,
        dns_enabled: !req.disable_dns,
        labels: req.labels.clone(),
        options: Default::default(),
        ipam_options: [("driver".to_string(), "host-local".to_string())].into(),
        backend,
        file: None,
        cni: None,
    })
}

fn random_id() -> Result<String> {
    use std::io::Read;
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(crate::error::io("/dev/urandom"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}
