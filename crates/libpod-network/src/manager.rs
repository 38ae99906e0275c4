//! Networks as objects and containers' attachments. Every successful ADD is cached under the
//! run dir (the network's whole config, the interface, the namespace, the result and the port
//! mappings), so teardown and CHECK work from what was actually set up, even after the
//! network's file changed or went away, and so a network knows whether it is in use.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cni::{self, Invocation};
use crate::config;
use crate::error::{NetworkError, Result, io};
use crate::ipam::Ipam;
use crate::netavark::{self, Call, Netavark};
use crate::types::{
    Attachment, CniList, Network, NetworkBackend, NetworkCreate, PortMapping, Request,
};

/// What is cached for one container on one network: everything teardown needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    backend: NetworkBackend,
    network: Network,
    cni: Option<CniList>,
    ifname: String,
    netns: PathBuf,
    /// The CNI result, or netavark's status block.
    result: Value,
    ports: Vec<PortMapping>,
    /// The container's name and aliases as ADD gave them (DEL must give the same).
    name: String,
    aliases: Vec<String>,
    /// The addresses and MAC netavark was given.
    ips: Vec<IpAddr>,
    mac: Option<String>,
}

impl Cached {
    fn network(&self) -> Network {
        let mut n = self.network.clone();
        n.backend = self.backend;
        n.cni = self.cni.clone();
        n
    }

    fn attachment(&self) -> Attachment {
        match self.backend {
            NetworkBackend::Cni => cni::attachment(&self.network.name, &self.ifname, &self.result),
            NetworkBackend::Netavark => {
                netavark::attachment(&self.network.name, &self.ifname, &self.result)
            }
        }
    }
}

/// Networks in a config dir, plugins in plugin dirs, and attachments under a run dir, for
/// one backend.
#[derive(Debug, Clone)]
pub struct NetworkManager {
    backend: NetworkBackend,
    config_dir: PathBuf,
    plugin_dirs: Vec<PathBuf>,
    run_dir: PathBuf,
    default_network: String,
    default_subnet: String,
    netavark: Netavark,
}

impl NetworkManager {
    /// A CNI manager; `run_dir` holds namespaces, the attachment cache and IPAM state.
    pub fn new(
        config_dir: &Path,
        plugin_dirs: &[PathBuf],
        run_dir: &Path,
        default_network: &str,
        default_subnet: &str,
    ) -> Self {
        NetworkManager {
            backend: NetworkBackend::Cni,
            config_dir: config_dir.to_path_buf(),
            plugin_dirs: plugin_dirs.to_vec(),
            run_dir: run_dir.to_path_buf(),
            default_network: default_network.to_string(),
            default_subnet: default_subnet.to_string(),
            netavark: Netavark {
                helper_dirs: Vec::new(),
                config_dir: run_dir.join("netavark"),
            },
        }
    }

    /// A manager for a runtime's configuration and backend (run dir: `<tmp dir>/network`).
    pub fn from_config(c: &libpod_config::RuntimeConfig, backend: NetworkBackend) -> Self {
        let dir = match backend {
            NetworkBackend::Cni => &c.cni_config_dir,
            NetworkBackend::Netavark => &c.netavark_config_dir,
        };
        let m = Self::new(
            dir,
            &c.cni_plugin_dirs,
            &c.tmp_dir.join("network"),
            &c.default_network,
            &c.default_subnet,
        );
        match backend {
            NetworkBackend::Cni => m,
            NetworkBackend::Netavark => m.with_netavark(&c.helper_binaries_dir),
        }
    }

    /// The same manager on netavark, with netavark and aardvark-dns looked for in
    /// `helper_dirs` (the config dir then holds netavark's JSON files).
    pub fn with_netavark(mut self, helper_dirs: &[PathBuf]) -> Self {
        self.backend = NetworkBackend::Netavark;
        self.netavark.helper_dirs = helper_dirs.to_vec();
        self
    }

    /// Whether netavark and aardvark-dns can be found in `helper_dirs`.
    pub fn netavark_available(helper_dirs: &[PathBuf]) -> bool {
        Netavark {
            helper_dirs: helper_dirs.to_vec(),
            config_dir: PathBuf::new(),
        }
        .available()
    }

    /// The backend in use.
    pub fn backend(&self) -> NetworkBackend {
        self.backend
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

    fn ipam(&self) -> Ipam {
        Ipam::new(&self.run_dir.join("netavark-ipam"))
    }

    /// Every network, and the files that could not be read (each named, none fatal). Under
    /// netavark the default network is listed even with no file, as podman's.
    pub fn networks(&self) -> Result<(Vec<Network>, Vec<NetworkError>)> {
        let (mut nets, errs) = match self.backend {
            NetworkBackend::Cni => config::load_dir(&self.config_dir)?,
            NetworkBackend::Netavark => netavark::load_dir(&self.config_dir)?,
        };
        if !nets.iter().any(|n| n.name == self.default_network) {
            nets.push(self.default_definition());
            nets.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok((nets, errs))
    }

    /// The default network when no file defines it: in memory only, as podman 4's (for CNI
    /// too: its plugin list is made here and never written).
    fn default_definition(&self) -> Network {
        let mut n = crate::create::definition(
            &NetworkCreate {
                name: self.default_network.clone(),
                subnets: vec![crate::types::SubnetRequest {
                    subnet: self.default_subnet.clone(),
                    ..Default::default()
                }],
                // podman's is podman0: the name and a 0, cut to fit a device name.
                bridge: Some(format!(
                    "{}0",
                    self.default_network.chars().take(14).collect::<String>()
                )),
                disable_dns: true,
                ..Default::default()
            },
            &[],
            self.backend,
            // Fixed, as podman's default network's: it is made again at every listing.
            config::sha256_hex(self.default_network.as_bytes()),
        )
        .unwrap_or_default();
        if self.backend == NetworkBackend::Cni {
            let conf = config::bridge_conflist(&n, &self.ipam_dir());
            n.cni = Some(CniList {
                cni_version: conf["cniVersion"].as_str().unwrap_or("1.0.0").to_string(),
                plugins: conf["plugins"].as_array().cloned().unwrap_or_default(),
            });
        }
        n
    }

    /// One network by name; one defined for the other backend is an error saying so.
    pub fn network(&self, name: &str) -> Result<Network> {
        let (nets, errs) = self.networks()?;
        if let Some(n) = nets.into_iter().find(|n| n.name == name) {
            return Ok(n);
        }
        Err(errs
            .into_iter()
            .find(|e| matches!(e, NetworkError::WrongBackend { name: n, .. } if n == name))
            .unwrap_or_else(|| NetworkError::NoSuchNetwork(name.to_string())))
    }

    /// The default network: its file's, or the one in memory.
    pub fn ensure_default(&self) -> Result<Network> {
        self.network(&self.default_network)
    }

    /// Creates a bridge network; subnet and bridge are chosen when not given.
    pub fn create(&self, req: &NetworkCreate) -> Result<Network> {
        let (nets, _) = self.networks()?;
        if nets.iter().any(|n| n.name == req.name) {
            return Err(NetworkError::NetworkExists(req.name.clone()));
        }
        let id = crate::create::new_id(self.backend, &req.name)?;
        let mut net = crate::create::definition(req, &nets, self.backend, id)?;
        match self.backend {
            NetworkBackend::Cni => {
                // Name resolution where the plugin is installed, as podman 4 does under CNI.
                net.dns_enabled &= cni::find_plugin(&self.plugin_dirs, "dnsname").is_ok();
                let conf = config::bridge_conflist(&net, &self.ipam_dir());
                fs::create_dir_all(&self.config_dir).map_err(io(&self.config_dir))?;
                let file = self.config_dir.join(format!("{}.conflist", req.name));
                let bytes =
                    serde_json::to_vec_pretty(&conf).map_err(|e| NetworkError::Invalid {
                        what: req.name.clone(),
                        message: e.to_string(),
                    })?;
                config::write_atomic(&file, &bytes)?;
                config::parse_file(&file, &String::from_utf8_lossy(&bytes))
            }
            NetworkBackend::Netavark => {
                net.file = Some(netavark::write(&self.config_dir, &net)?);
                Ok(net)
            }
        }
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
        let (true, Some(file)) = (net.name != self.default_network, net.file.clone()) else {
            return Err(NetworkError::DefaultNetwork(name.to_string()));
        };
        let users = self.users(name)?;
        if !users.is_empty() {
            return Err(NetworkError::NetworkInUse {
                name: name.to_string(),
                containers: users,
            });
        }
        fs::remove_file(&file).map_err(io(&file))?;
        // A bridge is ours to delete; a macvlan's parent is the host's.
        let b = &net.network_interface;
        if net.driver == "bridge" && !b.is_empty() && Path::new("/sys/class/net").join(b).exists() {
            let _ = Command::new("ip").args(["link", "delete", b]).status();
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
        crate::ipam::check_in_subnets(&net, &req.ips)?;
        let mut cached = Cached {
            backend: net.backend,
            network: net.clone(),
            cni: net.cni.clone(),
            ifname: req.interface.clone(),
            netns: netns.to_path_buf(),
            result: Value::Null,
            ports: ports.to_vec(),
            name: req.name.clone(),
            aliases: req.aliases.clone(),
            ips: req.ips.clone(),
            mac: req.mac.clone(),
        };
        if net.backend == NetworkBackend::Netavark {
            // podman 4.3 makes the short ID a name on every netavark network.
            cached.aliases.push(container.chars().take(12).collect());
        }
        self.add(container, &mut cached)?;
        self.save(container, &cached)?;
        Ok(cached.attachment())
    }

    /// Records an attachment; without its record it could never be torn down, so a failure
    /// undoes it.
    fn save(&self, container: &str, c: &Cached) -> Result<()> {
        let dir = self.cache_dir(container);
        let saved = fs::create_dir_all(&dir).map_err(io(&dir)).and_then(|_| {
            let bytes = serde_json::to_vec(c).map_err(|e| NetworkError::Invalid {
                what: "cache".into(),
                message: e.to_string(),
            })?;
            config::write_atomic(&dir.join(format!("{}.json", c.network.name)), &bytes)
        });
        if saved.is_err() {
            let _ = self.del(container, c);
        }
        saved
    }

    /// Sets every attachment of a container up again as it was (`network reload`, e.g.
    /// after the firewall was flushed): each torn down (its failure ignored: what it removes
    /// may be gone already) and set up with the same addresses, MAC, names and ports.
    pub fn reload(&self, container: &str) -> Result<Vec<Attachment>> {
        let mut out = Vec::new();
        for (_, mut c) in self.cached(container) {
            let _ = self.del(container, &c);
            if c.ips.is_empty() {
                c.ips = c
                    .attachment()
                    .addresses
                    .iter()
                    .filter_map(|a| a.split('/').next()?.parse().ok())
                    .collect();
            }
            if c.mac.is_none() {
                c.mac = c.attachment().mac;
            }
            self.add(container, &mut c)?;
            self.save(container, &c)?;
            out.push(c.attachment());
        }
        Ok(out)
    }

    fn invocation<'a>(&'a self, container: &'a str, c: &'a Cached) -> Invocation<'a> {
        Invocation {
            container_id: container,
            netns: &c.netns,
            ifname: &c.ifname,
            plugin_dirs: &self.plugin_dirs,
            name: &c.name,
            aliases: &c.aliases,
            run_dir: &self.run_dir,
            ips: &c.ips,
            mac: c.mac.as_deref(),
        }
    }

    fn call<'a>(&self, container: &'a str, net: &'a Network, c: &'a Cached) -> Call<'a> {
        Call {
            container_id: container,
            container_name: &c.name,
            network: net,
            ifname: &c.ifname,
            ips: &c.ips,
            mac: c.mac.as_deref(),
            aliases: &c.aliases,
            ports: &c.ports,
        }
    }

    /// Sets up one attachment: the result goes into `c` (and, for netavark, the addresses
    /// given). A failure leaves nothing behind.
    fn add(&self, container: &str, c: &mut Cached) -> Result<()> {
        let net = c.network();
        match c.backend {
            NetworkBackend::Cni => {
                c.result = cni::add(&net, &self.invocation(container, c), &c.ports)?;
            }
            NetworkBackend::Netavark => {
                c.ips = self.ipam().allocate(&net, container, &c.ips)?;
                match self
                    .netavark
                    .setup(&c.netns, &self.call(container, &net, c))
                {
                    Ok(v) => {
                        c.result = v;
                        if net.driver == "bridge" {
                            hairpin(&net.network_interface);
                        }
                    }
                    Err(e) => {
                        let _ = self
                            .netavark
                            .teardown(&c.netns, &self.call(container, &net, c));
                        let _ = self.ipam().release(&net.name, container);
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    /// Tears one attachment down as it was set up.
    fn del(&self, container: &str, c: &Cached) -> Result<()> {
        let net = c.network();
        match c.backend {
            NetworkBackend::Cni => cni::del(
                &net,
                &self.invocation(container, c),
                Some(&c.result),
                &c.ports,
            ),
            NetworkBackend::Netavark => {
                let done = self
                    .netavark
                    .teardown(&c.netns, &self.call(container, &net, c));
                // The addresses go back even when teardown failed: the namespace is going.
                self.ipam().release(&net.name, container)?;
                done
            }
        }
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
        self.del(container, &c)?;
        fs::remove_file(&file).map_err(io(&file))
    }

    /// What a container is attached to, from the cache.
    pub fn attachments(&self, container: &str) -> Vec<Attachment> {
        self.cached(container)
            .into_iter()
            .map(|(_, c)| c.attachment())
            .collect()
    }

    /// Starts a user-mode network (slirp4netns or pasta) for a container's namespace, with
    /// its ports forwarded; stopped by [`NetworkManager::teardown`].
    pub fn setup_user_network(
        &self,
        container: &str,
        netns: &Path,
        net: &crate::UserNet,
        ports: &[PortMapping],
    ) -> Result<Attachment> {
        crate::usernet::setup(&self.run_dir, container, netns, net, ports)
    }

    /// Detaches a container from every network it is on (each DEL runs even if one fails)
    /// and stops its user-mode network helper, if it has one.
    pub fn teardown(&self, container: &str) -> Result<()> {
        let _ = crate::usernet::teardown(&self.run_dir, container);
        let mut first = None;
        for (_, c) in self.cached(container).into_iter().rev() {
            if let Err(e) = self.detach_one(container, &c.network.name) {
                first.get_or_insert(e);
            }
        }
        let _ = fs::remove_dir(self.cache_dir(container));
        first.map_or(Ok(()), Err)
    }

    /// CNI CHECK of every attachment of a container (netavark 1.4 has no check).
    pub fn check(&self, container: &str) -> Result<()> {
        for (_, c) in self.cached(container) {
            if c.backend == NetworkBackend::Cni {
                let inv = self.invocation(container, &c);
                cni::check(&c.network(), &inv, &c.result, &c.ports)?;
            }
        }
        Ok(())
    }
}

/// Turns hairpin mode on for every port of a bridge, so a container reaches its own published
/// ports through the host's address (netavark 1.4 leaves it off; the CNI bridge plugin sets it
/// with `hairpinMode`). Every port of our bridge is one of its network's containers.
fn hairpin(bridge: &str) {
    let dir = Path::new("/sys/class/net").join(bridge).join("brif");
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let _ = fs::write(e.path().join("hairpin_mode"), "1");
    }
}
