//! Address allocation for netavark networks, which (as with podman) gets its addresses from
//! the caller: one file per network under the run dir, changed only under an exclusive lock,
//! handing out the next free host address after the last one given (as podman's IPAM does,
//! so a released address is not reused at once).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::cidr::Cidr;
use crate::error::{NetworkError, Result, io};
use crate::types::Network;

/// What is allocated on one network.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Leases {
    /// Address to container ID.
    ips: BTreeMap<IpAddr, String>,
    /// The last address given per subnet.
    last: BTreeMap<String, IpAddr>,
}

/// Allocations under one directory.
#[derive(Debug, Clone)]
pub(crate) struct Ipam {
    dir: PathBuf,
}

/// Fails unless every address of `wanted` is a host address of one of `net`'s subnets
/// (checked before either backend runs, as podman does).
pub(crate) fn check_in_subnets(net: &Network, wanted: &[IpAddr]) -> Result<()> {
    for w in wanted {
        let fits = net
            .subnets
            .iter()
            .filter_map(|s| Cidr::parse(&s.subnet).ok())
            .any(|r| r.offset(w).is_some_and(|o| r.usable(o)));
        if !fits {
            return Err(NetworkError::StaticAddress(format!(
                "requested static ip {w} not in any subnet on network {}",
                net.name
            )));
        }
    }
    Ok(())
}

impl Ipam {
    pub(crate) fn new(dir: &Path) -> Self {
        Ipam {
            dir: dir.to_path_buf(),
        }
    }

    fn locked<T>(&self, network: &str, f: impl FnOnce(&mut Leases) -> Result<T>) -> Result<T> {
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let lock_path = self.dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        let _guard: Flock<File> =
            Flock::lock(lock, FlockArg::LockExclusive).map_err(|(_, e)| NetworkError::Io {
                path: lock_path.clone(),
                source: e.into(),
            })?;
        let file = self.dir.join(format!("{network}.json"));
        let mut leases: Leases = match fs::read(&file) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| NetworkError::BadConfig {
                file: file.clone(),
                message: format!("unreadable address leases ({e}); remove the file to start over"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Leases::default(),
            Err(e) => return Err(io(&file)(e)),
        };
        let out = f(&mut leases)?;
        if leases.ips.is_empty() && leases.last.is_empty() {
            let _ = fs::remove_file(&file);
        } else {
            let bytes = serde_json::to_vec(&leases).map_err(|e| NetworkError::Invalid {
                what: file.display().to_string(),
                message: e.to_string(),
            })?;
            crate::config::write_atomic(&file, &bytes)?;
        }
        Ok(out)
    }

    /// One address per subnet of `net` for `container`: `wanted` where given (refused when
    /// another container holds it or it is outside every subnet), else the next free one.
    pub(crate) fn allocate(
        &self,
        net: &Network,
        container: &str,
        wanted: &[IpAddr],
    ) -> Result<Vec<IpAddr>> {
        self.locked(&net.name, |l| {
            let mut got = Vec::new();
            check_in_subnets(net, wanted)?;
            for w in wanted {
                match l.ips.get(w) {
                    Some(c) if c != container => {
                        return Err(NetworkError::StaticAddress(format!(
                            "IPAM error: requested ip address {w} is already allocated to container ID {c}"
                        )));
                    }
                    _ => got.push(*w),
                }
            }
            for s in &net.subnets {
                let r = Cidr::parse(&s.subnet)?;
                if got.iter().any(|a| r.offset(a).is_some()) {
                    continue;
                }
                let gateway: Option<IpAddr> = s.gateway.as_deref().and_then(|g| g.parse().ok());
                // The lease range, as offsets in the subnet (all of it when none is set).
                let bound = |a: Option<&String>, d: u128| {
                    a.and_then(|a| a.parse().ok())
                        .and_then(|a: IpAddr| r.offset(&a))
                        .unwrap_or(d)
                };
                let lease = s.lease_range.as_ref();
                let lo = bound(lease.map(|l| &l.start_ip), 0);
                let hi = bound(lease.map(|l| &l.end_ip), r.size() - 1).max(lo);
                let span = hi - lo + 1;
                let last = l
                    .last
                    .get(&s.subnet)
                    .and_then(|a| r.offset(a))
                    .filter(|o| (lo..=hi).contains(o))
                    .map_or(span - 1, |o| o - lo);
                let free = (1..=span.min(1 << 24))
                    .map(|i| lo + (last + i) % span)
                    .filter(|o| r.usable(*o))
                    .map(|o| r.addr(r.base + o))
                    .find(|a| Some(*a) != gateway && !l.ips.contains_key(a))
                    .ok_or_else(|| NetworkError::NoFreeAddress(s.subnet.clone()))?;
                l.last.insert(s.subnet.clone(), free);
                got.push(free);
            }
            for a in &got {
                l.ips.insert(*a, container.to_string());
            }
            Ok(got)
        })
    }

    /// Gives back every address `container` holds on `network`.
    pub(crate) fn release(&self, network: &str, container: &str) -> Result<()> {
        self.locked(network, |l| {
            l.ips.retain(|_, c| c != container);
            if l.ips.is_empty() {
                l.last.clear();
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::NetSubnet;

    fn net(subnet: &str, gw: &str) -> Network {
        Network {
            name: "n".into(),
            subnets: vec![NetSubnet {
                subnet: subnet.into(),
                gateway: Some(gw.into()),
                lease_range: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn next_free_after_the_last_skipping_the_gateway_and_broadcast() {
        let d = tempfile::tempdir().expect("tmp");
        let ipam = Ipam::new(d.path());
        let n = net("10.1.2.0/30", "10.1.2.1");
        let a = ipam.allocate(&n, "a", &[]).expect("a");
        assert_eq!(a, ["10.1.2.2".parse::<IpAddr>().expect("ip")]);
        let e = ipam.allocate(&n, "b", &[]).expect_err("full");
        assert!(e.to_string().contains("failed to find free IP"), "{e}");
        ipam.release("n", "a").expect("release");
        assert_eq!(ipam.allocate(&n, "b", &[]).expect("b"), a);
    }

    #[test]
    fn addresses_come_from_the_lease_range() {
        let d = tempfile::tempdir().expect("tmp");
        let ipam = Ipam::new(d.path());
        let mut n = net("10.1.2.0/24", "10.1.2.1");
        n.subnets[0].lease_range = Some(crate::types::LeaseRange {
            start_ip: "10.1.2.129".into(),
            end_ip: "10.1.2.130".into(),
        });
        let ip = |s: &str| -> IpAddr { s.parse().expect("ip") };
        assert_eq!(ipam.allocate(&n, "a", &[]).expect("a"), [ip("10.1.2.129")]);
        assert_eq!(ipam.allocate(&n, "b", &[]).expect("b"), [ip("10.1.2.130")]);
        assert!(ipam.allocate(&n, "c", &[]).is_err(), "the range is used up");
    }

    #[test]
    fn a_wanted_address_is_given_once_and_must_be_in_a_subnet() {
        let d = tempfile::tempdir().expect("tmp");
        let ipam = Ipam::new(d.path());
        let n = net("10.1.2.0/24", "10.1.2.1");
        let w: IpAddr = "10.1.2.9".parse().expect("ip");
        assert_eq!(ipam.allocate(&n, "a", &[w]).expect("a"), [w]);
        assert!(ipam.allocate(&n, "b", &[w]).is_err());
        assert!(
            ipam.allocate(&n, "b", &["10.9.9.9".parse().expect("ip")])
                .is_err()
        );
        let next = ipam.allocate(&n, "c", &[]).expect("c");
        assert_eq!(next, ["10.1.2.2".parse::<IpAddr>().expect("ip")]);
        let v6 = net("fd00:1::/64", "fd00:1::1");
        assert_eq!(
            ipam.allocate(&v6, "a", &[]).expect("v6"),
            ["fd00:1::2".parse::<IpAddr>().expect("ip")]
        );
    }
}
