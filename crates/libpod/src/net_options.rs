//! `--network` as podman 4 reads it (every `--network` value: a mode, network names joined by
//! commas, or `NAME:ip=...,mac=...,alias=...,interface_name=...`), and `--ip`, `--ip6` and
//! `--mac-address`, which apply to a container's only network.
//!
//! ```
//! use libpod::{parse_network, state::NetworkMode};
//! let (mode, opts) = parse_network(&["web:ip=10.89.0.5,alias=www".into(), "db".into()])?;
//! assert_eq!(mode, NetworkMode::Networks(vec!["web".into(), "db".into()]));
//! assert_eq!(opts["web"].ips, ["10.89.0.5".parse::<std::net::IpAddr>().unwrap()]);
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;

use libpod_state::{NetworkMode, NetworkOptions};

use crate::error::{LibpodError, Result};

fn invalid(m: String) -> LibpodError {
    LibpodError::Invalid(m)
}

/// A MAC address as six hex octets (`92:d0:c6:0a:29:33`), lower-cased.
pub fn parse_mac(s: &str) -> Result<String> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(parts.join(":").to_ascii_lowercase())
    } else {
        Err(invalid(format!("address {s}: invalid MAC address")))
    }
}

/// An IP address given on the command line.
pub fn parse_ip(s: &str) -> Result<IpAddr> {
    s.parse()
        .map_err(|_| invalid(format!("{s:?} is not an ip address")))
}

fn network_opts(name: &str, spec: &str) -> Result<NetworkOptions> {
    let mut o = NetworkOptions::default();
    let bad = |e: LibpodError| invalid(format!("invalid option for network {name}: {e}"));
    for kv in spec.split(',').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match k {
            "ip" | "ip6" => o.ips.push(parse_ip(v).map_err(bad)?),
            "mac" => o.mac = Some(parse_mac(v).map_err(bad)?),
            "alias" => o.aliases.push(v.to_string()),
            "interface_name" => o.interface_name = Some(v.to_string()),
            _ => {
                return Err(invalid(format!(
                    "invalid option for network {name}: unknown bridge network option: {k}"
                )));
            }
        }
    }
    Ok(o)
}

/// One request per network, in order: interfaces named as asked, the others `eth0`,
/// `eth1`, ... skipping names taken; the container's aliases and the network's own.
pub(crate) fn requests(
    cfg: &libpod_state::ContainerConfig,
    networks: &[String],
) -> Vec<libpod_network::Request> {
    let taken: Vec<&str> = networks
        .iter()
        .filter_map(|n| cfg.network_options.get(n)?.interface_name.as_deref())
        .collect();
    let mut free = (0..)
        .map(|i| format!("eth{i}"))
        .filter(|n| !taken.contains(&n.as_str()));
    networks
        .iter()
        .map(|n| {
            let o = cfg.network_options.get(n).cloned().unwrap_or_default();
            let interface = o
                .interface_name
                .clone()
                .unwrap_or_else(|| free.next().unwrap_or_default());
            let mut aliases = cfg.network_aliases.clone();
            aliases.extend(o.aliases);
            libpod_network::Request {
                network: n.clone(),
                interface,
                name: cfg.name.clone(),
                aliases,
                ips: o.ips,
                mac: o.mac,
            }
        })
        .collect()
}

/// Every `--network` value: the mode and the settings per network. Modes other than
/// networks (`none`, `host`, `container:ID`, `pod`) stand alone.
pub fn parse_network(specs: &[String]) -> Result<(NetworkMode, BTreeMap<String, NetworkOptions>)> {
    let mut names: Vec<String> = Vec::new();
    let mut opts = BTreeMap::new();
    let mut mode: Option<NetworkMode> = None;
    for s in specs {
        let single = match s.as_str() {
            // `private` is a new namespace: for root, the bridge, as podman.
            "" | "bridge" | "default" | "private" => Some(NetworkMode::Default),
            "none" => Some(NetworkMode::None),
            "host" => Some(NetworkMode::Host),
            "pod" => Some(NetworkMode::Pod),
            _ => s
                .strip_prefix("container:")
                .map(|c| NetworkMode::Container(c.to_string()))
                .or_else(|| {
                    s.strip_prefix("ns:")
                        .map(|p| NetworkMode::Path(std::path::PathBuf::from(p)))
                }),
        };
        if let Some(m) = single.or_else(|| user_mode(s)) {
            mode = Some(m);
            continue;
        }
        match s.split_once(':') {
            Some((name, spec)) => {
                opts.insert(name.to_string(), network_opts(name, spec)?);
                names.push(name.to_string());
            }
            None => names.extend(s.split(',').filter(|n| !n.is_empty()).map(String::from)),
        }
    }
    match mode {
        Some(m) if specs.len() > 1 && m != NetworkMode::Default => Err(invalid(format!(
            "cannot set multiple networks without bridge network mode, selected mode {}: invalid argument",
            network_mode_name(&m)
        ))),
        Some(m) if names.is_empty() => Ok((m, opts)),
        _ if names.is_empty() => Ok((NetworkMode::Default, opts)),
        _ => Ok((NetworkMode::Networks(names), opts)),
    }
}

/// `slirp4netns[:OPTS]` and `pasta[:OPTS]` (options separated by commas).
fn user_mode(s: &str) -> Option<NetworkMode> {
    let (head, opts) = s.split_once(':').unwrap_or((s, ""));
    let opts: Vec<String> = opts
        .split(',')
        .filter(|o| !o.is_empty())
        .map(String::from)
        .collect();
    match head {
        "slirp4netns" => Some(NetworkMode::Slirp4netns(opts)),
        "pasta" => Some(NetworkMode::Pasta(opts)),
        _ => None,
    }
}

/// A network mode as podman writes it (`bridge`, `none`, `host`, `container:ID`, `pod`,
/// network names joined by commas, `ns:PATH`).
pub fn network_mode_name(m: &NetworkMode) -> String {
    match m {
        NetworkMode::None => "none".into(),
        NetworkMode::Host => "host".into(),
        NetworkMode::Pod => "pod".into(),
        NetworkMode::Container(c) => format!("container:{c}"),
        NetworkMode::Default => "bridge".into(),
        NetworkMode::Networks(n) => n.join(","),
        NetworkMode::Path(p) => format!("ns:{}", p.display()),
        NetworkMode::Slirp4netns(o) if o.is_empty() => "slirp4netns".into(),
        NetworkMode::Slirp4netns(o) => format!("slirp4netns:{}", o.join(",")),
        NetworkMode::Pasta(o) if o.is_empty() => "pasta".into(),
        NetworkMode::Pasta(o) => format!("pasta:{}", o.join(",")),
    }
}

/// Applies `--ip`/`--ip6` (`ips`) and `--mac-address` to the container's one network
/// (`network`, the default's name when none was named); a network's own `ip=`/`mac=` win.
pub fn apply_static_addresses(
    network: &str,
    count: usize,
    ips: &[IpAddr],
    mac: Option<&str>,
    opts: &mut BTreeMap<String, NetworkOptions>,
) -> Result<()> {
    if ips.is_empty() && mac.is_none() {
        return Ok(());
    }
    if count > 1 {
        let flag = if ips.is_empty() {
            "--mac-address"
        } else {
            "--ip"
        };
        return Err(invalid(format!(
            "{flag} can only be set for a single network: invalid argument"
        )));
    }
    let o = opts.entry(network.to_string()).or_default();
    if o.ips.is_empty() {
        o.ips = ips.to_vec();
    }
    if o.mac.is_none() {
        o.mac = mac.map(String::from);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn modes_names_and_options_as_podman_reads_them() {
        assert_eq!(parse_network(&[]).expect("none").0, NetworkMode::Default);
        assert_eq!(
            parse_network(&s(&["host"])).expect("host").0,
            NetworkMode::Host
        );
        let (m, o) = parse_network(&s(&["a,b", "c:ip=10.1.0.5,mac=92:D0:C6:0A:29:33,alias=x"]))
            .expect("names");
        assert_eq!(m, NetworkMode::Networks(s(&["a", "b", "c"])));
        assert_eq!(o["c"].mac.as_deref(), Some("92:d0:c6:0a:29:33"));
        assert_eq!(o["c"].aliases, ["x"]);
        // A colon makes the whole head a name, as podman's parser does.
        let (m, _) = parse_network(&s(&["a,b:alias=y"])).expect("one name");
        assert_eq!(m, NetworkMode::Networks(s(&["a,b"])));
        let e = parse_network(&s(&["host", "a"])).expect_err("two modes");
        assert!(e.to_string().contains("selected mode host"), "{e}");
        let e = parse_network(&s(&["a:bogus=1"])).expect_err("option");
        assert!(
            e.to_string()
                .contains("unknown bridge network option: bogus")
        );
        let e = parse_network(&s(&["a:mac=zz"])).expect_err("mac");
        assert!(e.to_string().contains("address zz: invalid MAC address"));
    }

    #[test]
    fn static_addresses_go_to_the_only_network() {
        let ip: IpAddr = "10.1.0.9".parse().expect("ip");
        let mut o = BTreeMap::new();
        apply_static_addresses("n", 1, &[ip], Some("92:d0:c6:0a:29:33"), &mut o).expect("one");
        assert_eq!(o["n"].ips, [ip]);
        let e = apply_static_addresses("n", 2, &[ip], None, &mut o).expect_err("two");
        assert!(
            e.to_string()
                .contains("--ip can only be set for a single network")
        );
        assert!(parse_ip("bogus").is_err());
    }
}
