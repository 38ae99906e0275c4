//! The container's /etc/hosts, /etc/resolv.conf, /etc/hostname and /run/.containerenv, written beside its other
//! files on the host and bind-mounted, as podman writes them.

use std::fs;
use std::path::{Path, PathBuf};

use libpod_state::{ContainerConfig, NetworkStatus};

use crate::error::{Result, io};

/// The host's name (`--network host` containers take it, as podman's do).
pub(crate) fn host_hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The host's address for `host.containers.internal` when no network gateway leads to it: the
/// source address of the default route (a UDP `connect` sends nothing).
fn host_address() -> Option<String> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // TEST-NET-3: only the route is looked up; no packet is sent.
    s.connect("203.0.113.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then(|| ip.to_string())
}

/// What a pod member's /etc/hosts names besides the host's entries: the pod (its infra
/// container's addresses under the pod's name and the infra's name) and every member.
#[derive(Debug, Clone, Default)]
pub(crate) struct PodHosts {
    /// The pod's name.
    pub pod: String,
    /// Its infra container's name.
    pub infra: String,
    /// Its other containers' names, in creation order.
    pub members: Vec<String>,
}

/// /etc/hosts as podman 4.3 writes it: the host's entries, `host.containers.internal` (the
/// network's gateway, else the host's address), then the container's own addresses under its
/// hostname and name (127.0.0.1 without a network); in a pod, the infra's addresses under the
/// pod's and infra's names, then each member at 127.0.0.1.
pub(crate) fn hosts_file(
    host_hosts: &str,
    hostname: &str,
    name: &str,
    networks: &[NetworkStatus],
    host_ip: Option<String>,
    pod: Option<&PodHosts>,
) -> String {
    let (hostname, name) = match pod {
        Some(p) => (p.pod.as_str(), p.infra.as_str()),
        None => (hostname, name),
    };
    let mut out = String::new();
    out.push_str(&host_lines(host_hosts));
    let gateway = networks.iter().find_map(|n| n.gateway.clone());

    if let Some(ip) = gateway.or(host_ip) {
        out.push_str(&format!("{ip}\thost.containers.internal\n"));
    }
    let addrs: Vec<&str> = networks
        .iter()
        .flat_map(|n| &n.addresses)
        .map(|a| a.split('/').next().unwrap_or(a))
        .collect();
    if addrs.is_empty() {
        out.push_str(&format!("127.0.0.1\t{hostname} {name}\n"));
    }
    for ip in addrs {
        out.push_str(&format!("{ip}\t{hostname} {name}\n"));
    }
    for m in pod.iter().flat_map(|p| &p.members) {
        out.push_str(&format!("127.0.0.1\t{m}\n"));
    }
    out
}

/// The host's /etc/hosts entries, one per line, comments and blank lines left out.
fn host_lines(host_hosts: &str) -> String {
    let mut out = String::new();
    for line in host_hosts.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut f = line.split_whitespace();
        if let Some(ip) = f.next() {
            let names: Vec<&str> = f.collect();
            if !names.is_empty() {
                out.push_str(&format!("{ip}\t{}\n", names.join(" ")));
            }
        }
    }
    out
}

/// `--add-host` lines, which podman puts first.
fn added_hosts(extra: &[libpod_config::HostEntry]) -> String {
    extra
        .iter()
        .map(|h| format!("{}\t{}\n", h.ip, h.name))
        .collect()
}

/// resolv.conf as podman writes it with DNS settings: search domains, name servers and
/// options, each the container's where it has some, else the host's (`--dns-search .`:
/// none).
pub(crate) fn resolv_with(host_resolv: &str, dns: &libpod_config::DnsSettings) -> String {
    let host = |key: &str| entries(host_resolv, key);
    let pick = |mine: &[String], key: &str| {
        if mine.is_empty() {
            host(key)
        } else {
            mine.to_vec()
        }
    };
    let search: Vec<String> = pick(&dns.search, "search")
        .into_iter()
        .filter(|s| s != ".")
        .collect();
    let servers: Vec<String> = if dns.servers.is_empty() {
        host("nameserver")
    } else {
        dns.servers.iter().map(ToString::to_string).collect()
    };
    let options = pick(&dns.options, "options");
    let mut out = String::new();
    if !search.is_empty() {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    for s in servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

/// The words of a resolv.conf's `key` lines (`nameserver`, `search`, `options`).
fn entries(resolv: &str, key: &str) -> Vec<String> {
    resolv
        .lines()
        .filter_map(|l| l.trim().strip_prefix(key))
        .filter(|rest| rest.starts_with([' ', '\t']))
        .flat_map(|rest| rest.split_whitespace().map(str::to_string))
        .collect()
}

/// The container's DNS settings with its networks' resolvers and domains before the host's
/// (`host_resolv`), as podman writes them; its own search domains still win.
fn with_network_dns(
    dns: &libpod_config::DnsSettings,
    networks: &[NetworkStatus],
    host_resolv: &str,
) -> libpod_config::DnsSettings {
    let mut merged = dns.clone();
    let servers = networks.iter().flat_map(|n| n.dns.iter().cloned());
    merged.servers = servers
        .chain(entries(host_resolv, "nameserver"))
        .filter_map(|s| s.parse().ok())
        .collect();
    merged.servers.dedup();
    if merged.search.is_empty() {
        merged.search = networks.iter().flat_map(|n| n.search.clone()).collect();
        merged.search.extend(entries(host_resolv, "search"));
    }
    merged
}

/// The host's resolv.conf, without loopback resolvers a container's own namespace cannot
/// reach; rebuilt with the container's DNS settings when it has some.
fn resolv_conf(
    host_net: bool,
    dns: &libpod_config::DnsSettings,
    networks: &[NetworkStatus],
) -> String {
    let host_resolv = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    // A network that resolves container names gives its resolver and domain first, then
    // the host's, as podman writes them; the container's own settings still win.
    if networks.iter().any(|n| !n.dns.is_empty()) && dns.servers.is_empty() {
        let usable = without_loopback(&host_resolv);
        return resolv_with(&usable, &with_network_dns(dns, networks, &usable));
    }
    if !dns.is_empty() {
        let usable = if host_net {
            host_resolv
        } else {
            without_loopback(&host_resolv)
        };
        return resolv_with(&usable, dns);
    }
    if host_net {
        return host_resolv;
    }
    without_loopback(&host_resolv)
}

fn without_loopback(host_resolv: &str) -> String {
    host_resolv
        .lines()
        .filter(|l| {
            !(l.trim_start().starts_with("nameserver") && (l.contains("127.") || l.contains("::1")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// What `/run/.containerenv` says, as podman writes it: nothing, except to a privileged
/// container, which learns the engine and itself (tools test for the file to know they run
/// in a container).
fn containerenv(cfg: &ContainerConfig) -> String {
    if !cfg.privileged {
        return String::new();
    }
    format!(
        "engine=\"libpod-rs-{}\"\nname=\"{}\"\nid=\"{}\"\nimage=\"{}\"\nimageid=\"{}\"\nrootless={}\n",
        env!("CARGO_PKG_VERSION"),
        cfg.name,
        cfg.id,
        cfg.image_name,
        cfg.image_id,
        u8::from(!nix::unistd::geteuid().is_root()),
    )
}

/// Makes `/etc/mtab` a link to `/proc/mounts` when the image has none, as podman does
/// (`mount` and `df` read it); created through `libpod_fs::Root`.
pub(crate) fn ensure_mtab(rootfs: &Path) -> Result<()> {
    let root = libpod_fs::Root::open(rootfs)?;
    if root.lstat(Path::new("etc"))?.is_none() {
        root.mkdir_all(
            Path::new("etc"),
            nix::sys::stat::Mode::from_bits_truncate(0o755),
        )?;
    }
    root.symlink_if_missing(Path::new("etc/mtab"), Path::new("/proc/mounts"))?;
    Ok(())
}

/// Writes the files podman bind-mounts into every container (`/etc/hosts`, `resolv.conf`,
/// `hostname`, `/run/.containerenv`) into `dir`; returns (host path, container path) pairs.
pub(crate) fn etc_files(
    dir: &Path,
    cfg: &ContainerConfig,
    hostname: &str,
    networks: &[NetworkStatus],
    host_net: bool,
    base_hosts: Option<&Path>,
    pod: Option<&PodHosts>,
) -> Result<Vec<(PathBuf, String)>> {
    let name = &cfg.name;
    libpod_fs::host::private_dir(dir)?;
    // containers.conf `base_hosts_file` replaces the host's /etc/hosts as the starting point.
    let host_hosts =
        fs::read_to_string(base_hosts.unwrap_or(Path::new("/etc/hosts"))).unwrap_or_default();
    // In the host's network namespace: the host's entries and host.containers.internal, as
    // podman 4.3 writes them (no line of the container's own).
    let hosts = if host_net {
        let mut h = host_lines(&host_hosts);
        if let Some(ip) = host_address() {
            h.push_str(&format!("{ip}\thost.containers.internal\n"));
        }
        h
    } else {
        hosts_file(&host_hosts, hostname, name, networks, host_address(), pod)
    };
    let hosts = added_hosts(&cfg.extra_hosts) + &hosts;
    let mut out = Vec::new();
    // Without a network there is no name server to name: podman mounts no resolv.conf.
    let resolv = (cfg.network != libpod_state::NetworkMode::None)
        .then(|| resolv_conf(host_net, &cfg.dns, networks));
    // `--no-hosts`: the image's own /etc/hosts stays.
    let hosts = (!cfg.no_hosts).then_some(hosts);
    for (file, text) in [
        ("hosts", hosts),
        ("resolv.conf", resolv),
        // Without a newline, as podman writes it.
        ("hostname", Some(hostname.to_string())),
        (".containerenv", Some(containerenv(cfg))),
    ] {
        let Some(text) = text else { continue };
        let p = dir.join(file);
        fs::write(&p, text).map_err(io(&p))?;
        let dest = if file == ".containerenv" {
            "/run/.containerenv".to_string()
        } else {
            format!("/etc/{file}")
        };
        out.push((p, dest));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_as_podman_writes_them() {
        let host = "127.0.0.1 localhost\n# a comment\n\n10.0.0.5   db  db.local\n";
        let none = hosts_file(host, "abc", "web", &[], Some("192.0.2.2".into()), None);
        assert_eq!(
            none,
            "127.0.0.1\tlocalhost\n10.0.0.5\tdb db.local\n192.0.2.2\thost.containers.internal\n\
             127.0.0.1\tabc web\n"
        );
        let net = NetworkStatus {
            network: "n".into(),
            interface: "eth0".into(),
            addresses: vec!["10.88.0.4/16".into()],
            gateway: Some("10.88.0.1".into()),
            ..Default::default()
        };
        let bridged = hosts_file("", "abc", "web", std::slice::from_ref(&net), None, None);
        assert_eq!(
            bridged,
            "10.88.0.1\thost.containers.internal\n10.88.0.4\tabc web\n"
        );
        let pod = PodHosts {
            pod: "hp1".into(),
            infra: "62c837837fa9-infra".into(),
            members: vec!["hm1".into(), "hm2".into()],
        };
        let member = hosts_file("", "hp1", "hm2", &[net], None, Some(&pod));
        assert_eq!(
            member,
            "10.88.0.1\thost.containers.internal\n10.88.0.4\thp1 62c837837fa9-infra\n\
             127.0.0.1\thm1\n127.0.0.1\thm2\n"
        );
    }
}
