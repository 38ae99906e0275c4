//! Networks as objects and containers' attachments. Every successful ADD is cached under the
//! run dir (the network's whole config, the interface, the namespace, the result and the port
//! mappings), so teardown and CHECK work from what was actually set up, even after the
//! network's file changed or went away, and so a network knows whether it is in use.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cni::{self, Invocation};
use crate::config::{self, Subnet};
use crate::error::{NetworkError, Result, io};
use crate::types::{Attachment, Network, NetworkCreate, PortMapping, Request};

/// What is cached for one container on one network.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    network: Network,
    ifname: String,
    netns: PathBuf,
    result: Value,
    ports: Vec<PortMapping>,
    /// The container's name and aliases as ADD gave them (DEL must give the same).
    #[serde(default)]
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

/// Networks in a config dir, plugins in plugin dirs, and attachments under a run dir.
#[derive(Debug, Clone)]
pub struct NetworkManager {
    config_dir: PathBuf,
    plugin_dirs: Vec<PathBuf>,
    run_dir: PathBuf,
    default_network: String,
    default_subnet: String,
}

impl NetworkManager {
    /// A manager; `run_dir` holds namespaces, the attachment cache and IPAM state.
    pub fn new(
        config_dir: &Path,
        plugin_dirs: &[PathBuf],
        run_dir: &Path,
        default_network: &str,
        default_subnet: &str,
    ) -> Self {
        NetworkManager {
            config_dir: config_dir.to_path_buf(),
            plugin_dirs: plugin_dirs.to_vec(),
            run_dir: run_dir.to_path_buf(),
            default_network: default_network.to_string(),
            default_subnet: default_subnet.to_string(),
        }
    }

    /// A manager for a runtime's configuration (run dir: `<tmp dir>/network`).
    pub fn from_config(c: &libpod_config::RuntimeConfig) -> Self {
        Self::new(
            &c.cni_config_dir,
            &c.cni_plugin_dirs,
            &c.tmp_dir.join("network"),
            &c.default_network,
            &c.default_subnet,
        )
    }

    /// The default network's name.
    pub fn default_network(&self) -> &str {
        &self.default_network
    }

    /// Where namespaces are bound.
    pub fn netns_dir(&self) -> PathBuf {
        self.run_dir.join("netns")
    }

    fn cache_dir(&self, container: &str) -> PathBuf {
        self.run_dir.join("cache").join(container)
    }

    fn ipam_dir(&self) -> PathBuf {
        self.run_dir.join("ipam")
    }

    /// Every network, and the files that could not be read (each named, none fatal).
    pub fn networks(&self) -> Result<(Vec<Network>, Vec<NetworkError>)> {
        config::load_dir(&self.config_dir)
    }

    /// One network by name.
    pub fn network(&self, name: &str) -> Result<Network> {
        self.networks()?
            .0
            .into_iter()
            .find(|n| n.name == name)
            .ok_or_else(|| NetworkError::NoSuchNetwork(name.to_string()))
    }

    /// Writes the default bridge network when the config dir defines no network at all.
    pub fn ensure_default(&self) -> Result<Option<Network>> {
        let (nets, _) = self.networks()?;
        if let Some(n) = nets.iter().find(|n| n.name == self.default_network) {
            return Ok(Some(n.clone()));
        }
        if !nets.is_empty() {
            return Ok(None);
        }
        let req = NetworkCreate {
            name: self.default_network.clone(),
            subnet: Some(self.default_subnet.clone()),
            // podman's default network resolves no names either.
            disable_dns: true,
            ..Default::default()
        };
        self.create(&req).map(Some)
    }

    /// Creates a bridge network; subnet and bridge are chosen when not given.
    pub fn create(&self, req: &NetworkCreate) -> Result<Network> {
        config::check_name("network name", &req.name, 200)?;
        let (nets, _) = self.networks()?;
        if nets.iter().any(|n| n.name == req.name) {
            return Err(NetworkError::NetworkExists(req.name.clone()));
        }
        let used: Vec<Subnet> = nets
            .iter()
            .flat_map(|n| n.subnets())
            .filter_map(|s| Subnet::parse(&s).ok())
            .collect();
        let subnet = match &req.subnet {
            Some(s) => {
                let sn = Subnet::parse(s)?;
                if let Some(n) = nets.iter().find(|n| {
                    n.subnets()
                        .iter()
                        .filter_map(|x| Subnet::parse(x).ok())
                        .any(|x| x.overlaps(&sn))
                }) {
                    return Err(NetworkError::Invalid {
                        what: format!("subnet {s}"),
                        message: format!("overlaps network {}", n.name),
                    });
                }
                sn
            }
            None => (0..=255u8)
                .flat_map(|b| (0..=255u8).map(move |c| (b, c)))
                .filter_map(|(b, c)| {
                    Subnet::parse(&format!("10.{}.{c}.0/24", 132u16 + u16::from(b))).ok()
                })
                .find(|s| !used.iter().any(|u| u.overlaps(s)))
                .ok_or_else(|| NetworkError::Invalid {
                    what: "subnet".into(),
                    message: "no free subnet left; give one".into(),
                })?,
        };
        let gateway = match &req.gateway {
            Some(g) => {
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
                a
            }
            None => subnet.first_host(),
        };
        let bridge = match &req.bridge {
            Some(b) => {
                config::check_name("bridge name", b, 15)?;
                b.clone()
            }
            None => {
                let taken: Vec<String> = nets.iter().filter_map(Network::bridge).collect();
                // A name a device of the host already has is skipped too, as podman does.
                (0..10_000)
                    .map(|i| format!("rpod{i}"))
                    .find(|b| !taken.contains(b) && !Path::new("/sys/class/net").join(b).exists())
                    .unwrap_or_else(|| "rpod-x".into())
            }
        };
        // Name resolution where the plugin is installed, as podman 4 does under CNI.
        let dns = !req.disable_dns && cni::find_plugin(&self.plugin_dirs, "dnsname").is_ok();
        let conf = config::bridge_conflist(
            req,
            &format!("{}/{}", subnet.base, subnet.prefix),
            &gateway.to_string(),
            &bridge,
            &self.ipam_dir(),
            dns,
        );
        fs::create_dir_all(&self.config_dir).map_err(io(&self.config_dir))?;
        let file = self.config_dir.join(format!("{}.conflist", req.name));
        let bytes = serde_json::to_vec_pretty(&conf).map_err(|e| NetworkError::Invalid {
            what: req.name.clone(),
            message: e.to_string(),
        })?;
        config::write_atomic(&file, &bytes)?;
        config::parse_file(&file, &String::from_utf8_lossy(&bytes))
    }

    /// Containers attached to a network.
    pub fn users(&self, name: &str) -> Result<Vec<String>> {
        let dir = self.run_dir.join("cache");
        let mut v = Vec::new();
        for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.path().join(format!("{name}.json")).exists() {
                v.push(e.file_name().to_string_lossy().into_owned());
            }
        }
        v.sort();
        Ok(v)
    }

    /// Removes a network (refused while containers use it) and its bridge device.
    pub fn remove(&self, name: &str) -> Result<()> {
        let net = self.network(name)?;
        let users = self.users(name)?;
        if !users.is_empty() {
            return Err(NetworkError::NetworkInUse {
                name: name.to_string(),
                containers: users,
            });
        }
        fs::remove_file(&net.file).map_err(io(&net.file))?;
        if let Some(b) = net.bridge()
            && Path::new("/sys/class/net").join(&b).exists()
        {
            let _ = Command::new("ip").args(["link", "delete", &b]).status();
        }
        Ok(())
    }

    /// A new network namespace for a container, bound under the run dir.
    pub fn create_netns(&self, container: &str) -> Result<PathBuf> {
        crate::netns::create_netns(&self.netns_dir(), &format!("rpod-{container}"))
    }

    /// Keeps the network namespace of process `pid` (one a runtime made) at the path
    /// [`NetworkManager::create_netns`] would give the container, for attaching networks.
    pub fn adopt_netns(&self, container: &str, pid: u32) -> Result<PathBuf> {
        crate::netns::bind_netns(
            &self.netns_dir(),
            &format!("rpod-{container}"),
            &PathBuf::from(format!("/proc/{pid}/ns/net")),
        )
    }

    /// Attaches a container's namespace to networks: all or nothing (a failure detaches what
    /// was attached). The port mappings go to the first network.
    pub fn setup(
        &self,
        container: &str,
        netns: &Path,
        requests: &[Request],
        ports: &[PortMapping],
    ) -> Result<Vec<Attachment>> {
        if !ports.is_empty() {
            let others: Vec<(String, Vec<PortMapping>)> = self
                .all_cached()
                .into_iter()
                .filter(|(c, _)| c != container)
                .collect();
            crate::ports::check_ports_free(ports, &others)?;
        }
        let mut done: Vec<Attachment> = Vec::new();
        for (i, req) in requests.iter().enumerate() {
            let ports = if i == 0 { ports } else { &[] };
            match self.attach_one(container, netns, req, ports) {
                Ok(a) => done.push(a),
                Err(e) => {
                    for a in done.iter().rev() {
                        let _ = self.detach_one(container, &a.network);
                    }
                    return Err(e);
                }
            }
        }
        Ok(done)
    }

    fn attach_one(
        &self,
        container: &str,
        netns: &Path,
        req: &Request,
        ports: &[PortMapping],
    ) -> Result<Attachment> {
        let net = self.network(&req.network)?;
        let inv = Invocation {
            container_id: container,
            netns,
            ifname: &req.interface,
            plugin_dirs: &self.plugin_dirs,
            name: &req.name,
            aliases: &req.aliases,
            run_dir: &self.run_dir,
        };
        let result = cni::add(&net, &inv, ports)?;
        let dir = self.cache_dir(container);
        let cached = Cached {
            network: net.clone(),
            ifname: req.interface.clone(),
            netns: netns.to_path_buf(),
            result: result.clone(),
            ports: ports.to_vec(),
            name: req.name.clone(),
            aliases: req.aliases.clone(),
        };
        let saved = fs::create_dir_all(&dir).map_err(io(&dir)).and_then(|_| {
            let bytes = serde_json::to_vec(&cached).map_err(|e| NetworkError::Invalid {
                what: "cache".into(),
                message: e.to_string(),
            })?;
            config::write_atomic(&dir.join(format!("{}.json", net.name)), &bytes)
        });
        if let Err(e) = saved {
            // Without the cache entry the attachment could never be torn down: undo it now.
            let _ = cni::del(&net, &inv, Some(&result), ports);
            return Err(e);
        }
        Ok(cni::attachment(&net.name, &req.interface, &result))
    }

    /// Attaches a container's namespace to one more network (`network connect`).
    pub fn connect(&self, container: &str, netns: &Path, req: &Request) -> Result<Attachment> {
        self.attach_one(container, netns, req, &[])
    }

    /// Detaches a container from one network (`network disconnect`).
    pub fn disconnect(&self, container: &str, network: &str) -> Result<()> {
        self.detach_one(container, network)
    }

    /// Every container's published ports, from the attachment cache.
    fn all_cached(&self) -> Vec<(String, Vec<PortMapping>)> {
        fs::read_dir(self.run_dir.join("cache"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                let ctr = e.file_name().to_string_lossy().into_owned();
                let ports = self
                    .cached(&ctr)
                    .into_iter()
                    .flat_map(|(_, c)| c.ports)
                    .collect();
                (ctr, ports)
            })
            .filter(|(_, p): &(String, Vec<PortMapping>)| !p.is_empty())
            .collect()
    }

    fn cached(&self, container: &str) -> Vec<(PathBuf, Cached)> {
        let mut v: Vec<(PathBuf, Cached)> = fs::read_dir(self.cache_dir(container))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let c = serde_json::from_slice(&fs::read(e.path()).ok()?).ok()?;
                Some((e.path(), c))
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn detach_one(&self, container: &str, network: &str) -> Result<()> {
        let file = self.cache_dir(container).join(format!("{network}.json"));
        let c: Cached =
            serde_json::from_slice(&fs::read(&file).map_err(io(&file))?).map_err(|e| {
                NetworkError::BadConfig {
                    file: file.clone(),
                    message: e.to_string(),
                }
            })?;
        let inv = Invocation {
            container_id: container,
            netns: &c.netns,
            ifname: &c.ifname,
            plugin_dirs: &self.plugin_dirs,
            name: &c.name,
            aliases: &c.aliases,
            run_dir: &self.run_dir,
        };
        cni::del(&c.network, &inv, Some(&c.result), &c.ports)?;
        fs::remove_file(&file).map_err(io(&file))
    }

    /// What a container is attached to, from the cache.
    pub fn attachments(&self, container: &str) -> Vec<Attachment> {
        self.cached(container)
            .into_iter()
            .map(|(_, c)| cni::attachment(&c.network.name, &c.ifname, &c.result))
            .collect()
    }

    /// Detaches a container from every network it is on (each DEL runs even if one fails).
    pub fn teardown(&self, container: &str) -> Result<()> {
        let mut first = None;
        for (_, c) in self.cached(container).into_iter().rev() {
            if let Err(e) = self.detach_one(container, &c.network.name) {
                first.get_or_insert(e);
            }
        }
        let _ = fs::remove_dir(self.cache_dir(container));
        first.map_or(Ok(()), Err)
    }

    /// CNI CHECK of every attachment of a container.
    pub fn check(&self, container: &str) -> Result<()> {
        for (_, c) in self.cached(container) {
            let inv = Invocation {
                container_id: container,
                netns: &c.netns,
                ifname: &c.ifname,
                plugin_dirs: &self.plugin_dirs,
                name: &c.name,
                aliases: &c.aliases,
                run_dir: &self.run_dir,
            };
            cni::check(&c.network, &inv, &c.result, &c.ports)?;
        }
        Ok(())
    }
}
