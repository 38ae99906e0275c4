//! User-mode networking, as podman runs it for unprivileged containers (and for root on
//! request): `slirp4netns` (a tap device in the namespace, 10.0.2.100 behind a NAT of its own,
//! ports forwarded through its API socket) and `pasta` (the host's addresses copied into the
//! namespace, ports forwarded by pasta itself). The helper process outlives the command that
//! started it; its PID is kept under the run dir and it is stopped at teardown (pasta also
//! quits by itself when the namespace's bind mount goes).

use std::fs;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cidr::Cidr;
use crate::error::{NetworkError, Result, io};
use crate::types::{Attachment, PortMapping, Protocol};

/// A user-mode network and its options (podman's `--network slirp4netns:OPTS` and
/// `pasta:OPTS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserNet {
    /// slirp4netns with podman's options.
    Slirp4netns(SlirpOptions),
    /// pasta with its own command-line options, passed through.
    Pasta(Vec<String>),
}

/// slirp4netns's options as podman spells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlirpOptions {
    /// Let the container reach the host's loopback through 10.0.2.2.
    pub allow_host_loopback: bool,
    /// The NAT's network (10.0.2.0/24).
    pub cidr: String,
    /// IPv6 too.
    pub enable_ipv6: bool,
    /// MTU of the tap device.
    pub mtu: u32,
    /// The host address (or interface) outbound connections leave from.
    pub outbound_addr: Option<String>,
}

impl Default for SlirpOptions {
    fn default() -> Self {
        SlirpOptions {
            allow_host_loopback: false,
            cidr: "10.0.2.0/24".into(),
            enable_ipv6: true,
            mtu: 65520,
            outbound_addr: None,
        }
    }
}

fn bad(what: &str, message: String) -> NetworkError {
    NetworkError::Invalid {
        what: what.into(),
        message,
    }
}

impl SlirpOptions {
    /// Parses podman's comma-separated options (`allow_host_loopback=true,mtu=1500`).
    pub fn parse(opts: &[String]) -> Result<SlirpOptions> {
        let mut o = SlirpOptions::default();
        let boolean = |k: &str, v: &str| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad(
                "slirp4netns",
                format!("{k}={v}: expected true or false"),
            )),
        };
        for kv in opts {
            let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
            match k {
                "allow_host_loopback" => o.allow_host_loopback = boolean(k, v)?,
                "enable_ipv6" => o.enable_ipv6 = boolean(k, v)?,
                "cidr" => {
                    let c = Cidr::parse_network(v)?;
                    if c.is_v6() || c.prefix > 25 {
                        return Err(bad(
                            "slirp4netns",
                            format!("cidr={v}: an IPv4 network of /25 or wider"),
                        ));
                    }
                    o.cidr = v.to_string();
                }
                "mtu" => {
                    o.mtu = v
                        .parse()
                        .ok()
                        .filter(|m| (68..=65521).contains(m))
                        .ok_or_else(|| {
                            bad("slirp4netns", format!("mtu={v}: expected 68 to 65521"))
                        })?;
                }
                "outbound_addr" => o.outbound_addr = Some(v.to_string()),
                // Ports go through slirp4netns's own API here, whichever handler is named.
                "port_handler" if matches!(v, "rootlesskit" | "slirp4netns") => {}
                _ => {
                    return Err(bad(
                        "slirp4netns",
                        format!("unknown option for slirp4netns: {kv:?}"),
                    ));
                }
            }
        }
        Ok(o)
    }

    /// The container's address, the gateway and the DNS forwarder in the NAT's network
    /// (.100, .2 and .3, as slirp4netns gives them).
    fn addresses(&self) -> Result<(String, String, String, u32)> {
        let c = Cidr::parse_network(&self.cidr)?;
        let at = |n: u128| c.addr(c.base + n).to_string();
        Ok((at(100), at(2), at(3), c.prefix))
    }
}

/// Where a container's helper keeps its PID, API socket and log.
fn files(run_dir: &Path, container: &str) -> (PathBuf, PathBuf, PathBuf) {
    let d = run_dir.join("usernet");
    // A socket's path must fit in 108 bytes: the short ID names it.
    let short: String = container.chars().take(12).collect();
    (
        d.join(format!("{container}.pid")),
        d.join(format!("{short}.sock")),
        d.join(format!("{container}.log")),
    )
}

/// Starts the helper for `container`'s namespace at `netns`, with its ports forwarded; what
/// the container got, as an attachment.
pub(crate) fn setup(
    run_dir: &Path,
    container: &str,
    netns: &Path,
    net: &UserNet,
    ports: &[PortMapping],
) -> Result<Attachment> {
    let dir = run_dir.join("usernet");
    fs::create_dir_all(&dir).map_err(io(&dir))?;
    let r = match net {
        UserNet::Slirp4netns(o) => slirp(run_dir, container, netns, o, ports),
        UserNet::Pasta(args) => pasta(run_dir, container, netns, args, ports),
    };
    if r.is_err() {
        let _ = teardown(run_dir, container);
    }
    r
}

fn program(name: &str) -> Result<PathBuf> {
    ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| NetworkError::HelperNotFound {
            program: if name == "pasta" {
                "pasta"
            } else {
                "slirp4netns"
            },
            dirs: vec![
                "/usr/bin".into(),
                "/usr/local/bin".into(),
                "/usr/sbin".into(),
            ],
        })
}

fn slirp(
    run_dir: &Path,
    container: &str,
    netns: &Path,
    o: &SlirpOptions,
    ports: &[PortMapping],
) -> Result<Attachment> {
    let bin = program("slirp4netns")?;
    let (pid_file, sock, log) = files(run_dir, container);
    let _ = fs::remove_file(&sock);
    let mut c = Command::new(&bin);
    c.args([
        "--configure",
        "--ready-fd=3",
        "--netns-type=path",
        "--enable-sandbox",
        "--enable-seccomp",
    ])
    .arg(format!("--mtu={}", o.mtu))
    .arg(format!("--cidr={}", o.cidr))
    .arg("--api-socket")
    .arg(&sock);
    if !o.allow_host_loopback {
        c.arg("--disable-host-loopback");
    }
    if o.enable_ipv6 {
        c.arg("--enable-ipv6");
    }
    if let Some(a) = &o.outbound_addr {
        c.arg(format!("--outbound-addr={a}"));
    }
    c.arg(netns).arg("tap0");
    let (ready_r, ready_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| NetworkError::Io {
            path: bin.clone(),
            source: e.into(),
        })?;
    let w = ready_w.as_raw_fd();
    let logf = fs::File::create(&log).map_err(io(&log))?;
    c.stdin(Stdio::null())
        .stdout(logf.try_clone().map_err(io(&log))?)
        .stderr(logf);
    // SAFETY: between fork and exec only async-signal-safe calls: dup2 and setsid.
    unsafe {
        c.pre_exec(move || {
            if libc::dup2(w, 3) < 0 || libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = c.spawn().map_err(io(&bin))?;
    drop(ready_w);
    fs::write(&pid_file, child.id().to_string()).map_err(io(&pid_file))?;
    wait_ready(ready_r, &bin, &log)?;
    let (addr, gw, dns, prefix) = o.addresses()?;
    for p in ports {
        forward(&sock, p, &addr)?;
    }
    Ok(Attachment {
        network: "slirp4netns".into(),
        interface: "tap0".into(),
        mac: None,
        addresses: vec![format!("{addr}/{prefix}")],
        gateway: Some(gw),
        dns: vec![dns],
        search: Vec::new(),
    })
}

/// Waits (10 s at most) for slirp4netns to write to its ready pipe.
fn wait_ready(r: std::os::fd::OwnedFd, bin: &Path, log: &Path) -> Result<()> {
    let mut f = fs::File::from(r);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut pfd = [nix::poll::PollFd::new(
        std::os::fd::AsFd::as_fd(&f),
        nix::poll::PollFlags::POLLIN,
    )];
    let left = deadline.saturating_duration_since(Instant::now());
    let n = nix::poll::poll(
        &mut pfd,
        nix::poll::PollTimeout::try_from(left).unwrap_or(nix::poll::PollTimeout::MAX),
    )
    .unwrap_or(0);
    let mut b = [0u8; 1];
    if n > 0 && f.read(&mut b).unwrap_or(0) == 1 {
        return Ok(());
    }
    let said = fs::read_to_string(log).unwrap_or_default();
    Err(NetworkError::Invalid {
        what: bin.display().to_string(),
        message: format!("did not get the namespace ready: {}", said.trim()),
    })
}

/// Asks slirp4netns (through its API socket) to forward one mapping's ports.
fn forward(sock: &Path, p: &PortMapping, guest: &str) -> Result<()> {
    for i in 0..p.range.max(1) {
        let host_addr = if p.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            p.host_ip.as_str()
        };
        let req = json!({"execute": "add_hostfwd", "arguments": {
            "proto": if p.protocol == Protocol::Udp { "udp" } else { "tcp" },
            "host_addr": host_addr, "host_port": p.host_port + i,
            "guest_addr": guest, "guest_port": p.container_port + i}});
        let mut s = UnixStream::connect(sock).map_err(io(sock))?;
        s.write_all(req.to_string().as_bytes()).map_err(io(sock))?;
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut out = String::new();
        s.read_to_string(&mut out).map_err(io(sock))?;
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        if let Some(e) = v["error"]["desc"].as_str() {
            return Err(NetworkError::PortInUse {
                port: format!("{host_addr}:{}/{}", p.host_port + i, p.protocol),
                holder: format!("slirp4netns: {e}"),
            });
        }
    }
    Ok(())
}

/// pasta's port arguments for the mappings (podman's: `-t`/`-u` per mapping, none otherwise;
/// nothing forwarded from the namespace to the host).
fn pasta_ports(ports: &[PortMapping]) -> Vec<String> {
    let mut a = Vec::new();
    let (mut tcp, mut udp) = (false, false);
    for p in ports {
        let n = p.range.max(1) - 1;
        let host = if p.host_ip.is_empty() {
            String::new()
        } else {
            format!("{}/", p.host_ip)
        };
        let spec = if n == 0 {
            format!("{host}{}:{}", p.host_port, p.container_port)
        } else {
            format!(
                "{host}{}-{}:{}-{}",
                p.host_port,
                p.host_port + n,
                p.container_port,
                p.container_port + n
            )
        };
        let flag = if p.protocol == Protocol::Udp {
            udp = true;
            "-u"
        } else {
            tcp = true;
            "-t"
        };
        a.extend([flag.to_string(), spec]);
    }
    if !tcp {
        a.extend(["-t".into(), "none".into()]);
    }
    if !udp {
        a.extend(["-u".into(), "none".into()]);
    }
    a.extend(["-T".into(), "none".into(), "-U".into(), "none".into()]);
    a
}

fn pasta(
    run_dir: &Path,
    container: &str,
    netns: &Path,
    args: &[String],
    ports: &[PortMapping],
) -> Result<Attachment> {
    let bin = program("pasta")?;
    let (pid_file, _, log) = files(run_dir, container);
    let out = Command::new(&bin)
        .arg("--config-net")
        .args(pasta_ports(ports))
        .arg("--no-map-gw")
        // As root it would turn into nobody, who cannot reach a namespace under our 0700
        // run dir; it stays root with only the capabilities it keeps for itself.
        .args(["--runas", "0:0"])
        .args(args)
        .arg("--pid")
        .arg(&pid_file)
        .arg("--log-file")
        .arg(&log)
        .arg("--netns")
        .arg(netns)
        .stdin(Stdio::null())
        .output()
        .map_err(io(&bin))?;
    if !out.status.success() {
        let said = fs::read_to_string(&log).unwrap_or_default();
        let err = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.contains("syslog"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(NetworkError::Invalid {
            what: bin.display().to_string(),
            message: format!("failed: {} {}", err.trim(), said.trim()),
        });
    }
    // pasta gives the namespace the host's interface, addresses and gateway.
    let iface = crate::driver::default_route_interface().unwrap_or_else(|| "eth0".into());
    Ok(Attachment {
        network: "pasta".into(),
        interface: iface,
        ..Default::default()
    })
}

/// Stops a container's helper, if it has one, and removes its files.
pub(crate) fn teardown(run_dir: &Path, container: &str) -> Result<()> {
    let (pid_file, sock, log) = files(run_dir, container);
    if let Ok(s) = fs::read_to_string(&pid_file)
        && let Ok(pid) = s.trim().parse::<i32>()
        && pid > 1
    {
        let pid = nix::unistd::Pid::from_raw(pid);
        // Only a helper of ours: its command line names the namespace's container.
        let ours = fs::read(format!("/proc/{pid}/cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains(container))
            .unwrap_or(false);
        if ours {
            // SIGKILL: slirp4netns (sandboxed) ignores SIGTERM, and neither helper keeps
            // anything worth a graceful end once the container is gone.
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
    for f in [&pid_file, &sock, &log] {
        let _ = fs::remove_file(f);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slirp_options_as_podman_spells_them() {
        let o = SlirpOptions::parse(&[
            "allow_host_loopback=true".into(),
            "mtu=1500".into(),
            "cidr=10.5.0.0/24".into(),
        ])
        .expect("options");
        assert!(o.allow_host_loopback);
        assert_eq!(
            o.addresses().expect("addresses"),
            (
                "10.5.0.100".into(),
                "10.5.0.2".into(),
                "10.5.0.3".into(),
                24
            )
        );
        let e = SlirpOptions::parse(&["bogus=1".into()]).expect_err("bogus");
        assert!(
            e.to_string().contains("unknown option for slirp4netns"),
            "{e}"
        );
        assert!(SlirpOptions::parse(&["mtu=10".into()]).is_err());
    }

    #[test]
    fn pasta_ports_as_podman_passes_them() {
        let p = |h: u16, c: u16, r: u16, proto: &str| PortMapping {
            host_ip: String::new(),
            host_port: h,
            container_port: c,
            protocol: proto.parse().expect("proto"),
            range: r,
        };
        assert_eq!(
            pasta_ports(&[p(8080, 80, 1, "tcp"), p(9000, 9000, 2, "udp")]),
            [
                "-t",
                "8080:80",
                "-u",
                "9000-9001:9000-9001",
                "-T",
                "none",
                "-U",
                "none"
            ]
        );
        assert_eq!(
            pasta_ports(&[]),
            ["-t", "none", "-u", "none", "-T", "none", "-U", "none"]
        );
    }
}
