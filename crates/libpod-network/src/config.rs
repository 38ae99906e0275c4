//! Network config files: `.conflist` and `.conf` (and `.json`) in the config dir, in CNI's
//! order (sorted by file name); creating and removing bridge networks.

use std::fs;
use std::net::Ipv4Addr;
use std::path::Path;

use serde_json::{Value, json};

use crate::error::{NetworkError, Result, io};
use crate::types::{Network, NetworkCreate};

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
    Ok(Network {
        name: name.to_string(),
        cni_version: version,
        plugins,
        file: file.to_path_buf(),
    })
}

/// Every network in `dir`, in CNI order; malformed files and duplicate names come back as
/// errors beside the networks, never stopping the others.
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
        match parse_file(&f, &text) {
            Ok(n) if nets.iter().any(|x| x.name == n.name) => errs.push(bad(
                &f,
                format!(
                    "network name {} already defined by an earlier file; this one is ignored",
                    n.name
                ),
            )),
            Ok(n) => nets.push(n),
            Err(e) => errs.push(e),
        }
    }
    Ok((nets, errs))
}

/// An IPv4 subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    /// Network address.
    pub base: Ipv4Addr,
    /// Prefix length.
    pub prefix: u8,
}

impl Subnet {
    /// Parses `a.b.c.d/n`, requiring host bits to be zero.
    pub fn parse(s: &str) -> Result<Subnet> {
        let inv = |m: &str| NetworkError::Invalid {
            what: format!("subnet {s}"),
            message: m.into(),
        };
        let (a, p) = s
            .split_once('/')
            .ok_or_else(|| inv("expected CIDR form a.b.c.d/n"))?;
        let base: Ipv4Addr = a.parse().map_err(|_| inv("not an IPv4 address"))?;
        let prefix: u8 = p
            .parse()
            .ok()
            .filter(|p| (8..=30).contains(p))
            .ok_or_else(|| inv("the prefix must be 8 to 30"))?;
        if u32::from(base) & !Self::mask(prefix) != 0 {
            return Err(inv("host bits are set"));
        }
        Ok(Subnet { base, prefix })
    }

    fn mask(prefix: u8) -> u32 {
        u32::MAX << (32 - u32::from(prefix))
    }

    /// Whether two subnets share an address.
    pub fn overlaps(&self, o: &Subnet) -> bool {
        let m = Self::mask(self.prefix.min(o.prefix));
        u32::from(self.base) & m == u32::from(o.base) & m
    }

    /// Whether `a` is a usable host address in it.
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        let m = Self::mask(self.prefix);
        u32::from(a) & m == u32::from(self.base)
            && u32::from(a) != u32::from(self.base)
            && u32::from(a) != (u32::from(self.base) | !m)
    }

    /// The first host address (the default gateway).
    pub fn first_host(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.base) + 1)
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

/// The conflist of a bridge network (podman's plugin chain: bridge, portmap, firewall, tuning).
pub fn bridge_conflist(
    req: &NetworkCreate,
    subnet: &str,
    gateway: &str,
    bridge: &str,
    ipam_dir: &Path,
    dns: bool,
) -> Value {
    let mut ipam = json!({
        "type": "host-local",
        "ranges": [[{"subnet": subnet, "gateway": gateway}]],
        "dataDir": ipam_dir.display().to_string(),
    });
    if !req.internal {
        ipam["routes"] = json!([{"dst": "0.0.0.0/0"}]);
    }
    let mut conf = json!({
        "cniVersion": "1.0.0",
        "name": req.name,
        "plugins": [
            {"type": "bridge", "bridge": bridge, "isGateway": true, "ipMasq": !req.internal, "hairpinMode": true, "ipam": ipam},
            {"type": "portmap", "capabilities": {"portMappings": true}},
            {"type": "firewall"},
            {"type": "tuning"}
        ]
    });
    // As podman 4 writes a network with name resolution under CNI.
    if dns && let Some(p) = conf["plugins"].as_array_mut() {
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
