//! Network drivers and their options, as podman 4.3 takes them: `bridge` (`mtu`, `vlan`,
//! `isolate`), `macvlan` (`parent`, `mode`, `mtu`), and `ipvlan` (`parent`, `mode`, `mtu`;
//! CNI only, as podman 4.3). A macvlan or ipvlan network's `network_interface` is its parent,
//! the interface of the host's default route when none is named.

use std::collections::BTreeMap;

use crate::error::{NetworkError, Result};
use crate::types::NetworkBackend;

fn invalid(what: &str, message: String) -> NetworkError {
    NetworkError::Invalid {
        what: what.into(),
        message,
    }
}

/// Checks `driver` and its `options` for `backend`; returns the options kept in the
/// network (without `parent`, which becomes its interface) and the parent.
pub(crate) fn check(
    driver: &str,
    options: &BTreeMap<String, String>,
    backend: NetworkBackend,
) -> Result<(BTreeMap<String, String>, Option<String>)> {
    let unsupported = |kind: &str, k: &str| {
        invalid(
            "network options",
            format!("unsupported {kind} network option {k}"),
        )
    };
    let number = |k: &str, v: &str, max: u32| -> Result<()> {
        v.parse::<u32>()
            .ok()
            .filter(|n| *n <= max)
            .map(drop)
            .ok_or_else(|| {
                invalid(
                    "network options",
                    format!("{k}={v}: expected a number up to {max}"),
                )
            })
    };
    let mut kept = BTreeMap::new();
    let mut parent = None;
    for (k, v) in options {
        match (driver, k.as_str()) {
            (_, "mtu") => number(k, v, 65536)?,
            ("bridge", "vlan") => number(k, v, 4094)?,
            ("bridge", "isolate") if matches!(v.as_str(), "true" | "false" | "strict") => {}
            ("bridge", "isolate") => {
                return Err(invalid(
                    "network options",
                    format!("isolate={v}: expected true, false or strict"),
                ));
            }
            ("macvlan" | "ipvlan", "parent") => {
                crate::config::check_name("parent interface", v, 15)?;
                parent = Some(v.clone());
                continue;
            }
            ("macvlan", "mode")
                if matches!(v.as_str(), "bridge" | "private" | "vepa" | "passthru") => {}
            ("ipvlan", "mode") if matches!(v.as_str(), "l2" | "l3" | "l3s") => {}
            ("macvlan" | "ipvlan", "mode") => {
                return Err(invalid(
                    "network options",
                    format!("unknown {driver} mode {v:?}"),
                ));
            }
            ("bridge" | "macvlan" | "ipvlan", _) => return Err(unsupported(driver, k)),
            _ => {}
        }
        kept.insert(k.clone(), v.clone());
    }
    match (driver, backend) {
        ("bridge" | "macvlan", _) | ("ipvlan", NetworkBackend::Cni) => Ok((kept, parent)),
        _ => Err(invalid(
            "network driver",
            format!("unsupported driver {driver}: invalid argument"),
        )),
    }
}

/// The interface of the host's default IPv4 route (the parent a macvlan gets by default).
pub(crate) fn default_route_interface() -> Option<String> {
    let routes = std::fs::read_to_string("/proc/net/route").ok()?;
    routes.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(1) == Some(&"00000000")).then(|| f[0].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: &[(&str, &str)]) -> BTreeMap<String, String> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn options_by_driver_and_backend() {
        let nv = NetworkBackend::Netavark;
        let (kept, parent) = check(
            "macvlan",
            &opts(&[("parent", "eth0"), ("mode", "private")]),
            nv,
        )
        .expect("macvlan");
        assert_eq!(
            (kept, parent.as_deref()),
            (opts(&[("mode", "private")]), Some("eth0"))
        );
        assert!(
            check(
                "bridge",
                &opts(&[("mtu", "1400"), ("vlan", "5"), ("isolate", "true")]),
                nv
            )
            .is_ok()
        );
        let e = check("bridge", &opts(&[("bogus", "1")]), nv).expect_err("bogus");
        assert!(
            e.to_string()
                .contains("unsupported bridge network option bogus"),
            "{e}"
        );
        assert!(
            check("ipvlan", &BTreeMap::new(), nv).is_err(),
            "not with netavark 1.4"
        );
        assert!(check("ipvlan", &BTreeMap::new(), NetworkBackend::Cni).is_ok());
        assert!(check("macvlan", &opts(&[("mode", "l2")]), nv).is_err());
        assert!(check("foo", &BTreeMap::new(), nv).is_err());
    }
}
