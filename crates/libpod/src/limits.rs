//! What a new container may do and use, resolved at create time: its options over
//! containers.conf's `[containers]` defaults, each checked before anything is allocated
//! (a bad device, sysctl, profile or namespace is refused with nothing created).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libpod_config::{
    ContainerDefaults, DeviceMapping, NamespaceMode, Namespaces, Resources, SeccompMode,
    SecurityOptions, Ulimit,
};
use libpod_state::NetworkMode;

use crate::error::{LibpodError, Result};
use crate::options::ContainerOptions;
use crate::runtime::Inner;

fn invalid(msg: impl Into<String>) -> LibpodError {
    LibpodError::Invalid(msg.into())
}

/// A new container's resolved limits and permissions, every one checked.
pub(crate) struct Limits {
    pub(crate) env: Vec<String>,
    pub(crate) resources: Resources,
    pub(crate) security: SecurityOptions,
    pub(crate) namespaces: Namespaces,
    pub(crate) ulimits: Vec<Ulimit>,
    pub(crate) sysctls: BTreeMap<String, String>,
    pub(crate) devices: Vec<DeviceMapping>,
    pub(crate) annotations: BTreeMap<String, String>,
    /// Bind mounts the CDI devices ask for.
    pub(crate) cdi_mounts: Vec<libpod_state::Mount>,
}

impl Limits {
    /// Resolves `opts` over containers.conf; `container:` namespaces join `deps`;
    /// `image_labels` are the labels of the image it is made from.
    pub(crate) fn resolve(
        inner: &Inner,
        opts: &ContainerOptions,
        image_labels: &BTreeMap<String, String>,
        network: &NetworkMode,
        deps: &mut Vec<String>,
    ) -> Result<Limits> {
        let d = &inner.config.container_defaults;
        for r in &opts.device_cgroup_rules {
            libpod_oci::parse_cgroup_rule(r)?;
        }
        if let Some(tz) = &opts.timezone {
            timezone_file(tz)?;
        }
        process_checks(inner, opts)?;
        let namespaces = namespaces(inner, &opts.namespaces, deps)?;
        if opts.shm_size.is_some()
            && matches!(namespaces.ipc, NamespaceMode::Host | NamespaceMode::None)
        {
            return Err(invalid(format!(
                "invalid config provided: cannot set shmsize when running in the {} IPC Namespace",
                namespaces.ipc.as_podman_mode()
            )));
        }
        check_image_profile(opts, image_labels)?;
        let mut annotations = d.annotations.clone();
        annotations.extend(opts.annotations.clone());
        let cdi = if opts.cdi_devices.is_empty() {
            libpod_config::cdi::CdiEdits::default()
        } else {
            libpod_config::cdi::resolve(&inner.config.cdi_spec_dirs, &opts.cdi_devices)
                .map_err(invalid)?
        };
        let mut env = environment(d, opts);
        env.extend(cdi.env);
        let mut given_devices = opts.devices.clone();
        given_devices.extend(cdi.devices);
        Ok(Limits {
            cdi_mounts: cdi
                .mounts
                .into_iter()
                .map(|(host, dest, options)| libpod_state::Mount {
                    kind: libpod_state::MountKind::Bind,
                    source: host.display().to_string(),
                    destination: dest,
                    options,
                })
                .collect(),
            env,
            resources: resources(&opts.resources, d)?,
            security: security(&opts.security)?,
            sysctls: sysctls(d, &opts.sysctls, network, &namespaces)?,
            namespaces,
            ulimits: ulimits(d, &opts.ulimits),
            devices: devices(d, &given_devices)?,
            annotations,
        })
    }
}

/// `--seccomp-policy image`: the image's profile, if it has one, must be a JSON profile.
fn check_image_profile(
    opts: &ContainerOptions,
    image_labels: &BTreeMap<String, String>,
) -> Result<()> {
    if !opts.security.seccomp_policy_image {
        return Ok(());
    }
    if let Some(json) = image_labels.get(libpod_config::security::SECCOMP_PROFILE_LABEL) {
        serde_json::from_str::<serde_json::Value>(json).map_err(|e| {
            invalid(format!(
                "the seccomp profile in image {}'s label {}: {e}",
                opts.image,
                libpod_config::security::SECCOMP_PROFILE_LABEL
            ))
        })?;
    }
    Ok(())
}

/// The checks of `--personality`, `--cgroups`, `--cgroup-conf`, `--chrootdirs` and
/// `--hostuser`, with podman's messages.
fn process_checks(inner: &Inner, opts: &ContainerOptions) -> Result<()> {
    if let Some(p) = opts.personality.as_deref()
        && !matches!(p, "LINUX" | "LINUX32")
    {
        return Err(invalid(format!(
            "invalid --personality {p:?}: LINUX or LINUX32"
        )));
    }
    match opts
        .cgroups
        .as_deref()
        .or(Some(inner.config.container_defaults.cgroups.as_str()))
    {
        None | Some("enabled" | "no-conmon") => {}
        Some("disabled") => {
            return Err(invalid(format!(
                "requested OCI runtime {} is not compatible with NoCgroups: invalid argument",
                inner.config.oci_runtime
            )));
        }
        Some("split") => {
            return Err(invalid(
                "--cgroups split needs the systemd cgroup manager (this runtime uses cgroupfs)",
            ));
        }
        Some(other) => {
            return Err(invalid(format!(
                "invalid --cgroups {other:?}: enabled, disabled, no-conmon or split"
            )));
        }
    }
    if !opts.cgroup_conf.is_empty() && libpod_oci::cgroup_version() != 2 {
        return Err(invalid("cannot use --cgroup-conf without cgroup v2"));
    }
    libpod_oci::check_preserved_fds(opts.preserve_fds)?;
    if let Some(r) = &opts.rootfs {
        if !r.is_dir() {
            return Err(invalid(format!(
                "--rootfs {}: not a directory on this host",
                r.display()
            )));
        }
        let s = r.display().to_string();
        if opts.rootfs_overlay && (s.contains(',') || s.contains(':')) {
            return Err(invalid(format!(
                "--rootfs {s}:O: an overlay's lower directory cannot have ',' or ':' in its path"
            )));
        }
    }
    if let Some(d) = opts.chrootdirs.iter().find(|d| !d.starts_with('/')) {
        return Err(invalid(format!(
            "--chrootdirs {d:?}: the path must be absolute"
        )));
    }
    for u in &opts.hostusers {
        if crate::passwd::host_passwd_line(u).is_none() {
            return Err(invalid(format!(
                "--hostuser {u}: no such user in the host's /etc/passwd"
            )));
        }
    }
    Ok(())
}

/// Parses `--ulimit`: `NAME=SOFT[:HARD]`, or `host` for every limit this process has.
///
/// ```
/// let u = libpod::parse_ulimit("nofile=100:200").unwrap();
/// assert_eq!((u[0].soft, u[0].hard), (100, 200));
/// assert!(libpod::parse_ulimit("host").unwrap().len() > 10);
/// ```
pub fn parse_ulimit(value: &str) -> Result<Vec<Ulimit>> {
    if value != "host" {
        return Ulimit::parse(value).map(|u| vec![u]).map_err(invalid);
    }
    use nix::sys::resource::{Resource as R, getrlimit};
    let all = [
        ("as", R::RLIMIT_AS),
        ("core", R::RLIMIT_CORE),
        ("cpu", R::RLIMIT_CPU),
        ("data", R::RLIMIT_DATA),
        ("fsize", R::RLIMIT_FSIZE),
        ("locks", R::RLIMIT_LOCKS),
        ("memlock", R::RLIMIT_MEMLOCK),
        ("msgqueue", R::RLIMIT_MSGQUEUE),
        ("nice", R::RLIMIT_NICE),
        ("nofile", R::RLIMIT_NOFILE),
        ("nproc", R::RLIMIT_NPROC),
        ("rss", R::RLIMIT_RSS),
        ("rtprio", R::RLIMIT_RTPRIO),
        ("rttime", R::RLIMIT_RTTIME),
        ("sigpending", R::RLIMIT_SIGPENDING),
        ("stack", R::RLIMIT_STACK),
    ];
    let n = |v: u64| i64::try_from(v).unwrap_or(-1);
    Ok(all
        .into_iter()
        .filter_map(|(name, r)| {
            let (soft, hard) = getrlimit(r).ok()?;
            Some(Ulimit {
                name: name.into(),
                soft: n(soft),
                hard: n(hard),
            })
        })
        .collect())
}

/// A size with binary units as podman's `--memory` and `--shm-size` take it (`64m`);
/// `flag` names the option in the error.
pub fn parse_size(flag: &str, value: &str) -> Result<u64> {
    libpod_config::units::parse_ram(value).ok_or_else(|| {
        invalid(format!(
            "invalid {flag} {value:?}: expected a size such as 64m or 1g"
        ))
    })
}

/// Whether a `--device` value names a CDI device (`vendor.com/class=name`).
pub fn is_cdi_name(value: &str) -> bool {
    libpod_config::cdi::is_cdi_name(value)
}

/// `--device HOST[:CONTAINER][:PERMISSIONS]`.
pub fn parse_device(value: &str) -> Result<DeviceMapping> {
    DeviceMapping::parse(value).map_err(invalid)
}

/// `--device-read-bps PATH:RATE` and its siblings (`bytes`: the rate may be a size).
pub fn parse_device_rate(value: &str, bytes: bool) -> Result<libpod_config::DeviceRate> {
    libpod_config::DeviceRate::parse(value, bytes).map_err(invalid)
}

/// `--pid`, `--ipc`, `--uts`, `--cgroupns` (`kind`: `pid`, `ipc`, `uts`, `cgroupns`).
pub fn parse_namespace(value: &str, kind: &str) -> Result<NamespaceMode> {
    NamespaceMode::parse(value, kind).map_err(invalid)
}

/// `--dns ADDRESS`.
pub fn parse_dns_server(value: &str) -> Result<std::net::IpAddr> {
    libpod_config::dns::parse_server(value).map_err(invalid)
}

/// `--add-host NAME:IP`.
pub fn parse_add_host(value: &str) -> Result<libpod_config::HostEntry> {
    libpod_config::HostEntry::parse(value).map_err(invalid)
}

/// `--sysctl NAME=VALUE`: only namespaced sysctls.
pub fn parse_sysctl(value: &str) -> Result<(String, String)> {
    libpod_config::resources::parse_sysctl(value).map_err(invalid)
}

/// `--umask`: octal, at most 7777.
pub fn parse_umask(value: &str) -> Result<u32> {
    u32::from_str_radix(value, 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| invalid(format!("invalid umask string {value}")))
}

/// `pod create --share`: the namespaces a pod's members share, comma-separated from
/// `cgroup`, `ipc`, `net`, `pid`, `uts`, or `none`; a leading `+` adds to the default
/// `ipc,net,uts`.
///
/// ```
/// assert_eq!(libpod::parse_pod_share("+pid").unwrap(), ["ipc", "net", "uts", "pid"]);
/// assert!(libpod::parse_pod_share("ipc,mnt").is_err());
/// ```
pub fn parse_pod_share(value: &str) -> Result<Vec<String>> {
    let (mut out, list): (Vec<String>, &str) = match value.strip_prefix('+') {
        Some(rest) => (vec!["ipc".into(), "net".into(), "uts".into()], rest),
        None => (Vec::new(), value),
    };
    for k in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        match k {
            "none" => {}
            "cgroup" | "ipc" | "net" | "pid" | "uts" => {
                if !out.iter().any(|o| o == k) {
                    out.push(k.to_string());
                }
            }
            other => {
                return Err(invalid(format!(
                    "invalid kernel namespace to share: {other}: use cgroup, ipc, net, pid, uts or none"
                )));
            }
        }
    }
    Ok(out)
}

/// `--cpus N` as a CFS quota over podman's 100 ms period; refused above the host's CPU count
/// (a quota the machine cannot give).
///
/// ```
/// assert_eq!(libpod::cpus_quota(0.5).unwrap(), (100_000, 50_000));
/// assert!(libpod::cpus_quota(100_000.0).is_err());
/// ```
pub fn cpus_quota(cpus: f64) -> Result<(u64, i64)> {
    let host = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if !(0.01..=host).contains(&cpus) {
        return Err(invalid(format!(
            "range of CPUs is from 0.01 to {host:.2}, as there are only {host} CPUs available"
        )));
    }
    Ok((100_000, (cpus * 100_000.0).round() as i64))
}

/// The namespaces each kind gets: the option, else containers.conf's; `container:NAME` is
/// stored by ID and made a dependency (started first, kept while this one exists).
pub(crate) fn namespaces(
    inner: &Inner,
    opts: &crate::options::NamespaceOptions,
    deps: &mut Vec<String>,
) -> Result<Namespaces> {
    let d = &inner.config.container_defaults;
    let mut one =
        |given: &Option<NamespaceMode>, default: &NamespaceMode| -> Result<NamespaceMode> {
            match given.clone().unwrap_or_else(|| default.clone()) {
                NamespaceMode::Container(c) => {
                    let id = inner.state.lookup_container_id(&c)?;
                    deps.push(id.clone());
                    Ok(NamespaceMode::Container(id))
                }
                NamespaceMode::Path(p) if !p.exists() => Err(invalid(format!(
                    "namespace path {}: no such file or directory",
                    p.display()
                ))),
                m => Ok(m),
            }
        };
    Ok(Namespaces {
        pid: one(&opts.pid, &d.pidns)?,
        ipc: one(&opts.ipc, &d.ipcns)?,
        uts: one(&opts.uts, &d.utsns)?,
        cgroup: one(&opts.cgroup, &d.cgroupns)?,
    })
}

/// Sysctls: containers.conf's (those that would touch a host namespace left out), then the
/// container's own (refused when they would, with podman's message).
pub(crate) fn sysctls(
    d: &ContainerDefaults,
    given: &BTreeMap<String, String>,
    network: &NetworkMode,
    ns: &Namespaces,
) -> Result<BTreeMap<String, String>> {
    let host_ns = |kind: &str| match kind {
        "net" => *network == NetworkMode::Host,
        "ipc" => ns.ipc == NamespaceMode::Host,
        "uts" => ns.uts == NamespaceMode::Host,
        _ => false,
    };
    let mut out = BTreeMap::new();
    for (k, v) in &d.sysctls {
        if !libpod_config::resources::sysctl_namespace(k).is_some_and(host_ns) {
            out.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in given {
        let kind = libpod_config::resources::sysctl_namespace(k)
            .ok_or_else(|| invalid(format!("sysctl '{k}' is not allowed")))?;
        if host_ns(kind) {
            let name = match kind {
                "net" => "Network",
                "ipc" => "IPC",
                _ => "UTS",
            };
            return Err(invalid(format!(
                "sysctl {k}={v} can't be set since {name} Namespace set to host: invalid argument"
            )));
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

/// rlimits: containers.conf's, then the container's, by name.
pub(crate) fn ulimits(d: &ContainerDefaults, given: &[Ulimit]) -> Vec<Ulimit> {
    let mut out: Vec<Ulimit> = d.ulimits.clone();
    for u in given {
        out.retain(|o| o.name != u.name);
        out.push(u.clone());
    }
    out
}

/// Devices: containers.conf's, then the container's; a directory gives each device node
/// under it (at the same place under the container path); each must be a device now.
pub(crate) fn devices(
    d: &ContainerDefaults,
    given: &[DeviceMapping],
) -> Result<Vec<DeviceMapping>> {
    let mut out: Vec<DeviceMapping> = Vec::new();
    for dev in d.devices.iter().chain(given) {
        let expanded = if dev.host.is_dir() {
            nodes_under(&dev.host)?
                .into_iter()
                .map(|p| DeviceMapping {
                    container: Path::new(&dev.container)
                        .join(p.strip_prefix(&dev.host).unwrap_or(&p))
                        .display()
                        .to_string(),
                    host: p,
                    permissions: dev.permissions.clone(),
                })
                .collect()
        } else {
            libpod_oci::host_device(&dev.host)?;
            vec![dev.clone()]
        };
        for e in expanded {
            out.retain(|o| o.container != e.container);
            out.push(e);
        }
    }
    Ok(out)
}

/// The character and block device nodes under `dir`, recursively, sorted.
fn nodes_under(dir: &Path) -> Result<Vec<PathBuf>> {
    use std::os::unix::fs::FileTypeExt;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| invalid(format!("reading device directory {}: {e}", d.display())))?;
        for e in entries.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_char_device() || ft.is_block_device() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Checks the security options: a seccomp profile must open and parse now; an AppArmor
/// profile needs AppArmor.
pub(crate) fn security(s: &SecurityOptions) -> Result<SecurityOptions> {
    if let Some(p) = s.apparmor.as_deref().filter(|p| *p != "unconfined")
        && !libpod_config::security::apparmor_enabled()
    {
        return Err(invalid(format!(
            "apparmor profile {p:?} specified, but Apparmor is not enabled on this system"
        )));
    }
    if let SeccompMode::Profile(p) = &s.seccomp {
        let text = std::fs::read(p).map_err(|e| {
            invalid(format!(
                "opening seccomp profile failed: open {}: {}",
                p.display(),
                libpod_fs::go_io_text(&e)
            ))
        })?;
        serde_json::from_slice::<serde_json::Value>(&text).map_err(|e| {
            invalid(format!(
                "decoding seccomp profile {} failed: {e}",
                p.display()
            ))
        })?;
    }
    Ok(s.clone())
}

/// A new container's cgroup values: checked, then containers.conf's defaults where the
/// options say nothing (`--pids-limit 0` or -1 is unlimited).
pub(crate) fn resources(given: &Resources, d: &ContainerDefaults) -> Result<Resources> {
    let mut r = check_resources(given)?;
    r.pids = match given.pids {
        Some(n) if n <= 0 => None,
        Some(n) => Some(n),
        None => d.pids_limit,
    };
    if r.oom_score_adj.is_none() {
        r.oom_score_adj = d.oom_score_adj;
    }
    Ok(r)
}

/// Checks the cgroup values podman checks before any runtime sees them, and drops the block
/// I/O weight where the kernel has no such control (as podman, with its warning).
pub(crate) fn check_resources(given: &Resources) -> Result<Resources> {
    let mut r = given.clone();
    if let Some(s) = r.memory_swappiness
        && s > 100
    {
        return Err(invalid(format!(
            "invalid value: {s}, valid memory swappiness range is 0-100"
        )));
    }
    if let Some(w) = r.blkio_weight {
        if !(10..=1000).contains(&w) {
            return Err(invalid(format!(
                "invalid blkio weight {w}: the range is 10 to 1000"
            )));
        }
        let v1 = Path::new("/sys/fs/cgroup/blkio/blkio.weight").exists()
            || Path::new("/sys/fs/cgroup/blkio/blkio.bfq.weight").exists();
        if !v1 && !Path::new("/sys/fs/cgroup/io.weight").exists() {
            tracing::warn!(
                "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
            );
            r.blkio_weight = None;
        }
    }
    if let (Some(swap), Some(mem)) = (r.memory_swap, r.memory)
        && swap != -1
        && swap < mem
    {
        return Err(invalid(
            "minimum memoryswap limit should be larger than memory limit, see usage",
        ));
    }
    for rates in [
        &r.device_read_bps,
        &r.device_write_bps,
        &r.device_read_iops,
        &r.device_write_iops,
    ] {
        for rate in rates {
            libpod_oci::host_device(&rate.path)?;
        }
    }
    Ok(r)
}

/// The environment: containers.conf's, the caller's whole environment (`--env-host`), its
/// proxy variables (`--http-proxy`, on by default), then the container's own.
pub(crate) fn environment(d: &ContainerDefaults, opts: &ContainerOptions) -> Vec<String> {
    let mut env: Vec<String> = d.env.clone();
    if opts.env_host || d.env_host {
        env.extend(std::env::vars().map(|(k, v)| format!("{k}={v}")));
    }
    if opts.http_proxy.unwrap_or(d.http_proxy) {
        const PROXY: [&str; 8] = [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "ftp_proxy",
            "FTP_PROXY",
            "no_proxy",
            "NO_PROXY",
        ];
        for k in PROXY {
            if let Ok(v) = std::env::var(k) {
                env.push(format!("{k}={v}"));
            }
        }
    }
    env.extend(opts.env.iter().cloned());
    env
}

/// The host file a container's `/etc/localtime` shows for `--tz` (`local`: the host's own).
pub(crate) fn timezone_file(tz: &str) -> Result<PathBuf> {
    let p = if tz == "local" {
        PathBuf::from("/etc/localtime")
    } else {
        if tz.split('/').any(|c| c == ".." || c.is_empty()) {
            return Err(invalid(format!("finding timezone: unknown time zone {tz}")));
        }
        Path::new("/usr/share/zoneinfo").join(tz)
    };
    if !p.is_file() {
        return Err(invalid(format!("finding timezone: unknown time zone {tz}")));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysctls_against_host_namespaces() {
        let d = ContainerDefaults {
            sysctls: vec![("net.ipv4.ping_group_range".into(), "0 0".into())],
            ..Default::default()
        };
        let ns = Namespaces::default();
        let none = BTreeMap::new();
        let s = sysctls(&d, &none, &NetworkMode::Default, &ns).expect("ok");
        assert_eq!(s.len(), 1);
        // The default is left out in the host's network namespace, not refused.
        assert!(
            sysctls(&d, &none, &NetworkMode::Host, &ns)
                .expect("ok")
                .is_empty()
        );
        let given = BTreeMap::from([("net.ipv4.ip_forward".to_string(), "1".to_string())]);
        let e = sysctls(&d, &given, &NetworkMode::Host, &ns)
            .expect_err("an error")
            .to_string();
        assert!(e.contains("Network Namespace set to host"), "{e}");
        let given = BTreeMap::from([("kernel.panic".to_string(), "1".to_string())]);
        assert!(sysctls(&d, &given, &NetworkMode::Default, &ns).is_err());
    }

    #[test]
    fn resources_checked_and_defaulted() {
        let d = ContainerDefaults::default();
        let r = resources(&Resources::default(), &d).expect("ok");
        assert_eq!(r.pids, Some(2048));
        let r = resources(
            &Resources {
                pids: Some(0),
                ..Default::default()
            },
            &d,
        )
        .expect("ok");
        assert_eq!(r.pids, None);
        let bad = Resources {
            memory_swappiness: Some(101),
            ..Default::default()
        };
        assert!(resources(&bad, &d).is_err());
        let bad = Resources {
            memory: Some(2 << 20),
            memory_swap: Some(1 << 20),
            ..Default::default()
        };
        assert!(resources(&bad, &d).is_err());
    }

    #[test]
    fn devices_expand_directories_and_must_exist() {
        let d = ContainerDefaults::default();
        let given = [DeviceMapping::parse("/dev/null:/dev/mynull:r").expect("ok")];
        assert_eq!(devices(&d, &given).expect("ok")[0].container, "/dev/mynull");
        let missing = [DeviceMapping::parse("/dev/no-such-device").expect("ok")];
        assert!(devices(&d, &missing).is_err());
        let dir = [DeviceMapping::parse("/dev/pts").expect("ok")];
        // /dev/pts holds ptmx at least.
        assert!(
            devices(&d, &dir)
                .expect("ok")
                .iter()
                .any(|m| m.container == "/dev/pts/ptmx")
        );
    }

    #[test]
    fn timezones() {
        assert!(timezone_file("../../etc/passwd").is_err());
        assert!(timezone_file("No/Such_Zone").is_err());
    }
}
