//! Network config files: `.conflist` and `.conf` (and `.json`) in the config dir, in CNI's
//! order (sorted by file name); creating and removing bridge networks.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::error::{NetworkError, Result, io};
use crate::types::{CniList, NetSubnet, Network, NetworkBackend};

fn bad(file: &Path, message: impl Into<String>) -> NetworkError {
    NetworkError::BadConfig {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

/// Parses one config file into a network.
pub fn parse_file(file: &Path, text: &str) -> Result<Network> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| bad(file, format!("not valid JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad(file, "not a JSON object"))?;
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad(file, "missing \"name\""))?;
    let version = obj
        .get("cniVersion")
        .and_then(Value::as_str)
        .unwrap_or("0.4.0")
        .to_string();
    let is_list = file.extension().is_some_and(|e| e == "conflist") || obj.contains_key("plugins");
    let plugins: Vec<Value> = if is_list {
        obj.get("plugins")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| bad(file, "a .conflist needs a \"plugins\" array"))?
    } else {
        vec![v.clone()]
    };
    if plugins.is_empty() {
        return Err(bad(file, "\"plugins\" is empty"));
    }
    for (i, p) in plugins.iter().enumerate() {
        if p.get("type")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(bad(file, format!("plugin {i} has no \"type\"")));
        }
    }
    Ok(from_cni(
        name,
        file,
        CniList {
            cni_version: version,
            plugins,
        },
    ))
}

/// What a CNI list defines, in podman's terms: driver (first plugin), bridge, subnets and
/// gateways of its IPAM ranges, internal (no masquerading), DNS (dnsname chained), labels
/// and options from `args` as podman writes them.
fn from_cni(name: &str, file: &Path, list: CniList) -> Network {
    let p = &list.plugins;
    let mut subnets = Vec::new();
    for ipam in p.iter().map(|p| &p["ipam"]) {
        if let Some(s) = ipam["subnet"].as_str() {
            subnets.push(NetSubnet {
                subnet: s.into(),
                gateway: ipam["gateway"].as_str().map(String::from),
                lease_range: None,
            });
        }
        for r in ipam["ranges"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|set| set.as_array().into_iter().flatten())
        {
            if let Some(s) = r["subnet"].as_str() {
                subnets.push(NetSubnet {
                    subnet: s.into(),
                    gateway: r["gateway"].as_str().map(String::from),
                    lease_range: match (r["rangeStart"].as_str(), r["rangeEnd"].as_str()) {
                        (Some(a), Some(b)) => Some(crate::types::LeaseRange {
                            start_ip: a.into(),
                            end_ip: b.into(),
                        }),
                        _ => None,
                    },
                });
            }
        }
    }
    let args = p.first().map(|f| &f["args"]);
    let map = |k: &str| -> std::collections::BTreeMap<String, String> {
        args.and_then(|a| serde_json::from_value(a[k].clone()).ok())
            .unwrap_or_default()
    };
    let created = fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(0));
    Network {
        name: name.into(),
        id: sha256_hex(name.as_bytes()),
        driver: p
            .first()
            .and_then(|p| p["type"].as_str())
            .unwrap_or("")
            .into(),
        network_interface: p
            .first()
            .and_then(|p| p["bridge"].as_str().or_else(|| p["master"].as_str()))
            .unwrap_or("")
            .into(),
        created: libpod_config::time::format_go(created),
        ipv6_enabled: subnets.iter().any(|s| s.subnet.contains(':')),
        subnets,
        internal: p.iter().any(|p| p["ipMasq"] == false),
        dns_enabled: p.iter().any(|p| p["type"] == "dnsname"),
        labels: map("podman_labels"),
        options: map("podman_options"),
        ipam_options: [("driver".to_string(), "host-local".to_string())].into(),
        backend: NetworkBackend::Cni,
        file: Some(file.to_path_buf()),
        cni: Some(list),
    }
}

/// The SHA-256 of `bytes`, in hex (a CNI network's ID, as podman derives it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The name of a JSON text that is a netavark network (not a CNI config), if it is one.
pub(crate) fn foreign_json(text: &str) -> Option<String> {
    let v: Value = serde_json::from_str(text).ok()?;
    let o = v.as_object()?;
    let netavark =
        o.contains_key("driver") && !o.contains_key("plugins") && !o.contains_key("type");
    netavark.then(|| o.get("name")?.as_str().map(String::from))?
}

/// Every CNI network in `dir`, in CNI order; malformed files, duplicate names and netavark
/// files come back as errors beside the networks, never stopping the others.
pub fn load_dir(dir: &Path) -> Result<(Vec<Network>, Vec<NetworkError>)> {
    let mut files: Vec<_> = match fs::read_dir(dir) {
        Ok(d) => d
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "conflist" || e == "conf" || e == "json")
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(dir)(e)),
    };
    files.sort();
    let (mut nets, mut errs): (Vec<Network>, Vec<NetworkError>) = (Vec::new(), Vec::new());
    for f in files {
        let text = match fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                errs.push(io(&f)(e));
                continue;
            }
        };
        if let Some(name) = foreign_json(&text) {
            errs.push(NetworkError::WrongBackend {
                name,
                file: f,
                defined: NetworkBackend::Netavark,
                running: NetworkBackend::Cni,
            });
            continue;
        }
        keep_first(&mut nets, &mut errs, &f, parse_file(&f, &text));
    }
    Ok((nets, errs))
}

/// Adds a parsed network unless an earlier file defined its name (then, or on a parse
/// error, the error is kept beside the networks).
pub(crate) fn keep_first(
    nets: &mut Vec<Network>,
    errs: &mut Vec<NetworkError>,
    file: &Path,
    parsed: Result<Network>,
) {
    match parsed {
        Ok(n) if nets.iter().any(|x| x.name == n.name) => errs.push(bad(
            file,
            format!(
                "network name {} already defined by an earlier file; this one is ignored",
                n.name
            ),
        )),
        Ok(n) => nets.push(n),
        Err(e) => errs.push(e),
    }
}

/// Checks a network or bridge name.
pub fn check_name(what: &str, name: &str, max: usize) -> Result<()> {
    let mut b = name.bytes();
    let ok = name.len() <= max
        && b.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(NetworkError::Invalid {
            what: format!("{what} {name:?}"),
            message: format!(
                "must match [a-zA-Z0-9][a-zA-Z0-9_.-]* and be at most {max} characters"
            ),
        })
    }
}

/// The conflist of a bridge network (podman's plugin chain: bridge, portmap, firewall, tuning,
/// and dnsname where its containers resolve names); labels and options go in the bridge's
/// `args` as podman keeps them.
pub fn bridge_conflist(n: &Network, ipam_dir: &Path) -> Value {
    let ranges: Vec<Value> = n
        .subnets
        .iter()
        .map(|s| {
            let mut r = json!({"subnet": s.subnet, "gateway": s.gateway});
            if let Some(l) = &s.lease_range {
                r["rangeStart"] = json!(l.start_ip);
                r["rangeEnd"] = json!(l.end_ip);
            }
            json!([r])
        })
        .collect();
    let mut ipam = json!({
        "type": "host-local",
        "ranges": ranges,
        "dataDir": ipam_dir.display().to_string(),
    });
    if !n.internal {
        let mut routes = vec![json!({"dst": "0.0.0.0/0"})];
        if n.ipv6_enabled {
            routes.push(json!({"dst": "::/0"}));
        }
        ipam["routes"] = json!(routes);
    }
    let mut first = if n.driver == "bridge" {
        json!({"type": "bridge", "bridge": n.network_interface, "isGateway": true, "ipMasq": !n.internal, "hairpinMode": true, "ipam": ipam})
    } else {
        // macvlan and ipvlan: the parent is the master; no bridge, no forwarding of ours.
        json!({"type": n.driver, "master": n.network_interface, "ipam": ipam})
    };
    for (k, v) in &n.options {
        match k.as_str() {
            "mtu" | "vlan" => first[k] = json!(v.parse::<u32>().unwrap_or(0)),
            "mode" => first["mode"] = json!(v),
            _ => {}
        }
    }
    if !n.labels.is_empty() || !n.options.is_empty() {
        first["args"] = json!({"podman_labels": n.labels, "podman_options": n.options});
    }
    let plugins = if n.driver == "bridge" {
        json!([
            first,
            {"type": "portmap", "capabilities": {"portMappings": true}},
            {"type": "firewall"},
            {"type": "tuning"}
        ])
    } else {
        json!([first, {"type": "tuning"}])
    };
    let mut conf = json!({"cniVersion": "1.0.0", "name": n.name, "plugins": plugins});
    // As podman 4 writes a network with name resolution under CNI.
    if n.dns_enabled
        && n.driver == "bridge"
        && let Some(p) = conf["plugins"].as_array_mut()
    {
        p.push(
            json!({"type": "dnsname", "domainName": DNS_DOMAIN, "capabilities": {"aliases": true}}),
        );
    }
    conf
}

/// The domain containers on a network with DNS are found under, as podman's.
pub const DNS_DOMAIN: &str = "dns.podman";

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))
}
