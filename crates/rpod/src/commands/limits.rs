//! The create/run flags for what a container may do and use, as the library's options.

use super::*;
use crate::cli::ResourceFlags;

/// `64m` or a number of bytes, as podman's memory flags take them.
fn ram(flag: &str, v: &str) -> Result<i64> {
    Ok(i64::try_from(libpod::parse_size(flag, v)?)?)
}

fn rates(v: &[String], bytes: bool) -> Result<Vec<libpod::config::DeviceRate>> {
    Ok(v.iter()
        .map(|r| libpod::parse_device_rate(r, bytes))
        .collect::<libpod::Result<_>>()?)
}

fn namespace(v: &Option<String>, kind: &str) -> Result<Option<libpod::config::NamespaceMode>> {
    Ok(v.as_deref()
        .map(|s| libpod::parse_namespace(s, kind))
        .transpose()?)
}

/// `create`'s cgroup flags, with the OOM flags.
pub(super) fn create_resources(a: &CreateArgs) -> Result<libpod::state::Resources> {
    if a.kernel_memory.is_some() {
        tracing::warn!("The --kernel-memory flag is no longer supported. This flag is a noop.");
    }
    Ok(libpod::state::Resources {
        oom_kill_disable: a.oom_kill_disable,
        oom_score_adj: a.oom_score_adj,
        ..resources(&a.resources)?
    })
}

/// The cgroup flags `create` and `update` share.
pub(super) fn resources(a: &ResourceFlags) -> Result<libpod::state::Resources> {
    let (mut period, mut quota) = (a.cpu_period, a.cpu_quota);
    if let Some(cpus) = a.cpus {
        if period.is_some() || quota.is_some() {
            bail!("--cpus and --cpu-period/--cpu-quota cannot be set together");
        }
        let (p, q) = libpod::cpus_quota(cpus)?;
        (period, quota) = (Some(p), Some(q));
    }
    let memory_swap = match a.memory_swap.as_deref() {
        None => None,
        Some("-1") => Some(-1),
        Some(v) => Some(ram("--memory-swap", v)?),
    };
    Ok(libpod::state::Resources {
        memory: a
            .memory
            .as_deref()
            .map(|m| ram("--memory", m))
            .transpose()?,
        pids: a.pids_limit,
        cpu_shares: a.cpu_shares,
        cpu_period: period,
        cpu_quota: quota,
        cpuset_cpus: a.cpuset_cpus.clone(),
        cpuset_mems: a.cpuset_mems.clone(),
        memory_reservation: a
            .memory_reservation
            .as_deref()
            .map(|m| ram("--memory-reservation", m))
            .transpose()?,
        memory_swap,
        memory_swappiness: a.memory_swappiness,
        blkio_weight: a.blkio_weight,
        device_read_bps: rates(&a.device_read_bps, true)?,
        device_write_bps: rates(&a.device_write_bps, true)?,
        device_read_iops: rates(&a.device_read_iops, false)?,
        device_write_iops: rates(&a.device_write_iops, false)?,
        blkio_weight_device: rates(&a.blkio_weight_device, false)?,
        cpu_rt_period: a.cpu_rt_period,
        cpu_rt_runtime: a.cpu_rt_runtime,
        ..Default::default()
    })
}

/// Sets the security, namespace, device and process flags on `o`.
pub(super) fn apply(a: &CreateArgs, o: &mut ContainerOptions) -> Result<()> {
    for (i, s) in a.security_opt.iter().enumerate() {
        o.security.apply(s, i + 1).map_err(|e| anyhow!(e))?;
    }
    o.security.seccomp_policy_image = a.seccomp_policy == "image";
    o.namespaces = libpod::NamespaceOptions {
        pid: namespace(&a.pid, "pid")?,
        ipc: namespace(&a.ipc, "ipc")?,
        uts: namespace(&a.uts, "uts")?,
        cgroup: namespace(&a.cgroupns, "cgroupns")?,
    };
    o.userns = a.userns.as_deref().map(libpod::parse_userns).transpose()?;
    o.dns = libpod::config::DnsSettings {
        servers: a
            .dns
            .iter()
            .map(|s| libpod::parse_dns_server(s))
            .collect::<libpod::Result<_>>()?,
        search: a.dns_search.clone(),
        options: a.dns_option.clone(),
    };
    o.expose = a
        .expose
        .iter()
        .map(|e| libpod::parse_expose(e))
        .collect::<libpod::Result<_>>()?;
    o.publish_all = a.publish_all;
    o.network_aliases = a.network_alias.clone();
    o.add_hosts = a
        .add_host
        .iter()
        .map(|h| libpod::parse_add_host(h))
        .collect::<libpod::Result<_>>()?;
    o.id_mappings = libpod::parse_id_mappings(
        &a.uidmap,
        &a.gidmap,
        a.subuidname.as_deref(),
        a.subgidname.as_deref(),
    )?;
    for u in &a.ulimit {
        o.ulimits.extend(libpod::parse_ulimit(u)?);
    }
    for s in &a.sysctl {
        let (k, v) = libpod::parse_sysctl(s)?;
        o.sysctls.insert(k, v);
    }
    for d in &a.device {
        if libpod::is_cdi_name(d) {
            o.cdi_devices.push(d.clone());
        } else {
            o.devices.push(libpod::parse_device(d)?);
        }
    }
    o.device_cgroup_rules = a.device_cgroup_rule.clone();
    o.shm_size = a
        .shm_size
        .as_deref()
        .map(|s| {
            libpod::parse_size("--shm-size", s)
                .map_err(|_| anyhow!("unable to translate --shm-size: invalid size: '{s}'"))
        })
        .transpose()?;
    o.cgroup_parent = a.cgroup_parent.clone();
    o.group_add = a
        .group_add
        .iter()
        .flat_map(|g| g.split(','))
        .map(str::to_string)
        .collect();
    o.umask = a.umask.as_deref().map(libpod::parse_umask).transpose()?;
    o.timezone = a.tz.clone();
    o.unsetenv = a.unsetenv.clone();
    o.unsetenv_all = a.unsetenv_all;
    o.env_host = a.env_host;
    o.http_proxy = a.http_proxy;
    o.annotations = parse::labels(&a.annotation);
    o.read_only_tmpfs = a.read_only_tmpfs;
    o.preserve_fds = a.preserve_fds;
    o.env_merge = a.env_merge.clone();
    o.hostusers = a.hostuser.clone();
    o.passwd_entry = a.passwd_entry.clone();
    o.no_passwd = a.passwd == Some(false);
    o.chrootdirs = a.chrootdirs.clone();
    o.personality = a.personality.clone();
    o.cgroup_conf = parse::labels(&a.cgroup_conf);
    o.cgroups = a.cgroups.clone();
    if a.rootfs {
        let (path, overlay) = match a.image.strip_suffix(":O") {
            Some(p) => (p, true),
            None => (a.image.as_str(), false),
        };
        o.rootfs = Some(std::path::PathBuf::from(path));
        o.rootfs_overlay = overlay;
        o.image = String::new();
    }
    if let Some(f) = &a.pod_id_file {
        let id = std::fs::read_to_string(f)
            .with_context(|| format!("reading --pod-id-file {}", f.display()))?;
        o.pod = Some(id.trim().to_string());
    }
    o.no_hosts = a.no_hosts.then_some(true);
    for f in &a.label_file {
        let lines = parse::env_file(f)?;
        for (k, v) in parse::labels(&lines) {
            o.labels.entry(k).or_insert(v);
        }
    }
    Ok(())
}
