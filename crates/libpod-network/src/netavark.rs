//! netavark networks as podman 4.3 keeps and drives them: one JSON file per network in the
//! config dir (podman's format, 5-space indented), and `netavark --config DIR --rootless=false
//! --aardvark-binary PATH setup|teardown NETNS` with the container's options as JSON on stdin.
//! netavark answers with a status block per network, or `{"error": ...}` and a non-zero exit.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{NetworkError, Result, io};
use crate::types::{Attachment, Network, NetworkBackend, PortMapping};

fn bad(file: &Path, message: impl Into<String>) -> NetworkError {
    NetworkError::BadConfig {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

/// Parses one netavark network file.
pub fn parse_file(file: &Path, text: &str) -> Result<Network> {
    let mut n: Network =
        serde_json::from_str(text).map_err(|e| bad(file, format!("not a network: {e}")))?;
    crate::config::check_name("network name", &n.name, 200)
        .map_err(|e| bad(file, e.to_string()))?;
    if n.driver != "bridge" && n.driver != "macvlan" {
        return Err(bad(
            file,
            format!("driver {:?} is not supported (bridge or macvlan)", n.driver),
        ));
    }
    n.backend = NetworkBackend::Netavark;
    n.file = Some(file.to_path_buf());
    Ok(n)
}

/// Every netavark network in `dir`, sorted by file name; malformed files, duplicate names and
/// CNI files come back as errors beside the networks.
pub(crate) fn load_dir(dir: &Path) -> Result<(Vec<Network>, Vec<NetworkError>)> {
    let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(d) => d.flatten().map(|e| e.path()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(dir)(e)),
    };
    files.sort();
    let (mut nets, mut errs): (Vec<Network>, Vec<NetworkError>) = (Vec::new(), Vec::new());
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "json" | "conflist" | "conf") {
            continue;
        }
        let text = match fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                errs.push(io(&f)(e));
                continue;
            }
        };
        if ext != "json" || crate::config::foreign_json(&text).is_none() {
            if let Ok(n) = crate::config::parse_file(&f, &text) {
                errs.push(NetworkError::WrongBackend {
                    name: n.name,
                    file: f,
                    defined: NetworkBackend::Cni,
                    running: NetworkBackend::Netavark,
                });
                continue;
            }
            if ext != "json" {
                continue;
            }
        }
        crate::config::keep_first(&mut nets, &mut errs, &f, parse_file(&f, &text));
    }
    Ok((nets, errs))
}

/// Writes a network's file as podman does (`<dir>/<name>.json`, 5-space indent).
pub(crate) fn write(dir: &Path, n: &Network) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let file = dir.join(format!("{}.json", n.name));
    let mut bytes = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"     ");
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, fmt);
    n.serialize(&mut ser).map_err(|e| NetworkError::Invalid {
        what: n.name.clone(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    crate::config::write_atomic(&file, &bytes)?;
    Ok(file)
}

/// The netavark and aardvark-dns programs and the state dir they share.
#[derive(Debug, Clone)]
pub(crate) struct Netavark {
    /// Where the programs are looked for.
    pub helper_dirs: Vec<PathBuf>,
    /// netavark's `--config`: aardvark-dns's configs and pid file live under it.
    pub config_dir: PathBuf,
}

/// One container on one network, as netavark is told.
#[derive(Debug, Clone)]
pub(crate) struct Call<'a> {
    pub container_id: &'a str,
    pub container_name: &'a str,
    pub network: &'a Network,
    pub ifname: &'a str,
    pub ips: &'a [IpAddr],
    pub mac: Option<&'a str>,
    pub aliases: &'a [String],
    pub ports: &'a [PortMapping],
}

impl Call<'_> {
    /// The options JSON podman 4.3 sends for one network.
    fn options(&self) -> Value {
        let mut per = json!({
            "static_ips": self.ips,
            "aliases": self.aliases,
            "interface_name": self.ifname,
        });
        if let Some(m) = self.mac {
            per["static_mac"] = json!(m);
        }
        let name = &self.network.name;
        json!({
            "container_id": self.container_id,
            "container_name": self.container_name,
            "port_mappings": (!self.ports.is_empty()).then_some(self.ports),
            "networks": { name: per },
            "network_info": { name: self.network },
        })
    }
}

impl Netavark {
    fn program(&self, name: &'static str) -> Result<PathBuf> {
        self.helper_dirs
            .iter()
            .map(|d| d.join(name))
            .find(|p| libpod_config::is_executable(p))
            .ok_or_else(|| NetworkError::HelperNotFound {
                program: name,
                dirs: self.helper_dirs.clone(),
            })
    }

    /// Whether netavark is installed.
    pub(crate) fn available(&self) -> bool {
        self.program("netavark").is_ok()
    }

    fn run(&self, command: &'static str, netns: &Path, call: &Call<'_>) -> Result<Value> {
        let bin = self.program("netavark")?;
        let aardvark = self.program("aardvark-dns")?;
        fs::create_dir_all(&self.config_dir).map_err(io(&self.config_dir))?;
        let _lock = host_lock(&self.config_dir)?;
        let started = std::time::Instant::now();
        let mut child = Command::new(&bin)
            .arg("--config")
            .arg(&self.config_dir)
            .arg("--rootless=false")
            .arg(format!("--aardvark-binary={}", aardvark.display()))
            .arg(command)
            .arg(netns)
            .env("RUST_LOG", "netavark=warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io(&bin))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(call.options().to_string().as_bytes());
        }
        let out = child.wait_with_output().map_err(io(&bin))?;
        tracing::debug!(
            command,
            container = call.container_id,
            network = %call.network.name,
            status = out.status.code(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "netavark"
        );
        let parsed: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        if out.status.success() {
            return Ok(parsed.unwrap_or(Value::Null));
        }
        let message = parsed
            .as_ref()
            .and_then(|v| v["error"].as_str().map(String::from))
            .unwrap_or_else(|| String::from_utf8_lossy(&out.stderr).trim().to_string());
        Err(NetworkError::Netavark {
            command,
            network: call.network.name.clone(),
            message,
        })
    }

    /// `netavark setup`: the status block netavark returns for the network.
    pub(crate) fn setup(&self, netns: &Path, call: &Call<'_>) -> Result<Value> {
        let v = self.run("setup", netns, call)?;
        Ok(v[&call.network.name].clone())
    }

    /// `netavark teardown` with the options setup was given.
    pub(crate) fn teardown(&self, netns: &Path, call: &Call<'_>) -> Result<()> {
        self.run("teardown", netns, call).map(drop)
    }
}

/// Where netavark calls are serialised host-wide: its firewall chains and bridges belong to
/// the host, and two netavark processes at once (of one store or of two) race creating them
/// (podman serialises its own through one lock under /run for the same reason).
const HOST_LOCK: &str = "/run/lock/libpod-rs-netavark.lock";

/// Holds the host-wide netavark lock (the config dir's, where /run/lock is not writable).
fn host_lock(config_dir: &Path) -> Result<nix::fcntl::Flock<fs::File>> {
    let open = |p: &Path| {
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(p)
    };
    let fallback = config_dir.join("netavark.lock");
    let (path, file) = match open(Path::new(HOST_LOCK)) {
        Ok(f) => (PathBuf::from(HOST_LOCK), f),
        Err(_) => (fallback.clone(), open(&fallback).map_err(io(&fallback))?),
    };
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| {
        NetworkError::Io {
            path,
            source: e.into(),
        }
    })
}

/// What a status block says about the container's interface.
pub(crate) fn attachment(network: &str, ifname: &str, status: &Value) -> Attachment {
    let iface = &status["interfaces"][ifname];
    let mut a = Attachment {
        network: network.into(),
        interface: ifname.into(),
        mac: iface["mac_address"].as_str().map(String::from),
        ..Default::default()
    };
    for s in iface["subnets"].as_array().into_iter().flatten() {
        if let Some(ip) = s["ipnet"].as_str() {
            a.addresses.push(ip.to_string());
        }
        if a.gateway.is_none() {
            a.gateway = s["gateway"].as_str().map(String::from);
        }
    }
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    };
    a.dns = strings(&status["dns_server_ips"]);
    a.search = strings(&status["dns_search_domains"]);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_either_backend_are_told_apart() {
        let d = tempfile::tempdir().expect("tmp");
        let n = Network {
            name: "web".into(),
            id: "ab".repeat(32),
            driver: "bridge".into(),
            network_interface: "rpod9".into(),
            created: "2026-12-07T00:00:00Z".into(),
            dns_enabled: true,
            ..Default::default()
        };
        let f = write(d.path(), &n).expect("write");
        let text = fs::read_to_string(&f).expect("read");
        assert!(text.starts_with("{\n     \"name\": \"web\""), "{text}");
        assert_eq!(crate::config::foreign_json(&text).as_deref(), Some("web"));
        fs::write(
            d.path().join("old.conflist"),
            r#"{"cniVersion":"1.0.0","name":"old","plugins":[{"type":"bridge"}]}"#,
        )
        .expect("conflist");
        let (nets, errs) = load_dir(d.path()).expect("load");
        assert_eq!(nets.len(), 1);
        assert_eq!(nets[0].name, "web");
        assert!(nets[0].dns_enabled);
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].to_string().contains("is a cni network"),
            "{}",
            errs[0]
        );
        let (cni, errs) = crate::config::load_dir(d.path()).expect("cni load");
        assert_eq!(cni.len(), 1);
        assert!(errs[0].to_string().contains("is a netavark network"));
    }

    #[test]
    fn a_status_block_becomes_an_attachment() {
        let v = json!({"dns_search_domains": ["dns.podman"], "dns_server_ips": ["10.89.0.1"],
            "interfaces": {"eth0": {"mac_address": "aa:bb", "subnets": [{"ipnet": "10.89.0.3/24", "gateway": "10.89.0.1"}]}}});
        let a = attachment("n", "eth0", &v);
        assert_eq!(a.addresses, ["10.89.0.3/24"]);
        assert_eq!(a.gateway.as_deref(), Some("10.89.0.1"));
        assert_eq!(a.mac.as_deref(), Some("aa:bb"));
        assert_eq!(a.search, ["dns.podman"]);
    }
}
