//! The `linux` parts of a spec that follow from what a container may use and do: cgroup
//! resources, device nodes and device rules, rlimits, masked paths, as podman sets them.

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use nix::sys::resource::{Resource, getrlimit};
use oci_spec::runtime::{
    LinuxBlockIoBuilder, LinuxCpuBuilder, LinuxDevice, LinuxDeviceBuilder, LinuxDeviceCgroup,
    LinuxDeviceCgroupBuilder, LinuxDeviceType, LinuxMemoryBuilder, LinuxPidsBuilder,
    LinuxResources, LinuxResourcesBuilder, LinuxThrottleDevice, LinuxThrottleDeviceBuilder,
    LinuxWeightDeviceBuilder, PosixRlimit, PosixRlimitBuilder, PosixRlimitType,
    get_default_maskedpaths, get_default_readonly_paths,
};

use crate::error::{OciError, Result};
use crate::types::ContainerSpec;

fn spec_err(e: impl std::fmt::Display) -> OciError {
    OciError::Spec(e.to_string())
}

/// A device node on the host: its type, numbers and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostDevice {
    /// Character or block.
    pub typ: LinuxDeviceType,
    /// Major number.
    pub major: i64,
    /// Minor number.
    pub minor: i64,
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
}

/// Reads the device node at `path` (following symlinks, as `--device /dev/disk/by-id/...`
/// means the device); an error names the path when it is missing or not a device.
pub fn host_device(path: &Path) -> Result<HostDevice> {
    let m = std::fs::metadata(path).map_err(|e| {
        OciError::InvalidInput(format!(
            "stat {}: {}: give an existing device node",
            path.display(),
            libpod_fs::go_io_text(&e)
        ))
    })?;
    let typ = if m.file_type().is_char_device() {
        LinuxDeviceType::C
    } else if m.file_type().is_block_device() {
        LinuxDeviceType::B
    } else {
        return Err(OciError::InvalidInput(format!(
            "{} is not a device node (character or block)",
            path.display()
        )));
    };
    let rdev = m.rdev();
    Ok(HostDevice {
        typ,
        major: nix::sys::stat::major(rdev) as i64,
        minor: nix::sys::stat::minor(rdev) as i64,
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
    })
}

/// The device nodes under `/dev` a privileged container gets, as podman gives them: all but
/// the terminal ones the runtime makes itself.
fn privileged_devices() -> Vec<(String, HostDevice)> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from("/dev")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                let skip = ["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/fd"];
                if !skip.iter().any(|s| path == Path::new(s)) {
                    stack.push(path);
                }
            } else if (ft.is_char_device() || ft.is_block_device())
                && !["/dev/console", "/dev/ptmx", "/dev/tty"]
                    .iter()
                    .any(|s| path == Path::new(s))
                && let Ok(d) = host_device(&path)
            {
                out.push((path.display().to_string(), d));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The device nodes to make in the container and the cgroup rules that allow them.
pub(crate) fn devices(spec: &ContainerSpec) -> Result<(Vec<LinuxDevice>, Vec<LinuxDeviceCgroup>)> {
    let mut nodes = Vec::new();
    // Everything denied, then each device allowed; a privileged container may use all.
    let mut rules = vec![rule(spec.privileged, None, None, None, "rwm")?];
    let mut wanted: Vec<(String, HostDevice, String)> = Vec::new();
    if spec.privileged {
        wanted.extend(
            privileged_devices()
                .into_iter()
                .map(|(p, d)| (p, d, "rwm".to_string())),
        );
    }
    for d in &spec.devices {
        let dev = host_device(&d.host)?;
        wanted.retain(|(p, _, _)| *p != d.container);
        wanted.push((d.container.clone(), dev, d.permissions.clone()));
    }
    for (path, d, perms) in wanted {
        nodes.push(
            LinuxDeviceBuilder::default()
                .path(path)
                .typ(d.typ)
                .major(d.major)
                .minor(d.minor)
                .file_mode(d.mode)
                .uid(d.uid)
                .gid(d.gid)
                .build()
                .map_err(spec_err)?,
        );
        if !spec.privileged {
            rules.push(rule(
                true,
                Some(d.typ),
                Some(d.major),
                Some(d.minor),
                &perms,
            )?);
        }
    }
    for r in &spec.device_cgroup_rules {
        rules.push(parse_cgroup_rule(r)?);
    }
    Ok((nodes, rules))
}

fn rule(
    allow: bool,
    typ: Option<LinuxDeviceType>,
    major: Option<i64>,
    minor: Option<i64>,
    access: &str,
) -> Result<LinuxDeviceCgroup> {
    let mut b = LinuxDeviceCgroupBuilder::default()
        .allow(allow)
        .access(access);
    if let Some(t) = typ {
        b = b.typ(t);
    }
    if let Some(m) = major {
        b = b.major(m);
    }
    if let Some(m) = minor {
        b = b.minor(m);
    }
    b.build().map_err(spec_err)
}

/// Parses a device cgroup rule as podman takes it: `TYPE MAJOR:MINOR ACCESS`, type one of
/// `a`, `b`, `c`, numbers or `*`, access some of `rwm` (`a` alone allows everything).
pub fn parse_cgroup_rule(value: &str) -> Result<LinuxDeviceCgroup> {
    let bad = || {
        OciError::InvalidInput(format!(
            "invalid device cgroup rule requires type, major:Minor, and access rules: {value:?} \
             (such as 'c 1:3 rwm' or 'b *:* r')"
        ))
    };
    let f: Vec<&str> = value.split_whitespace().collect();
    let typ = match f.first().copied() {
        Some("a") => LinuxDeviceType::A,
        Some("b") => LinuxDeviceType::B,
        Some("c") => LinuxDeviceType::C,
        _ => return Err(bad()),
    };
    if f.len() == 1 && typ == LinuxDeviceType::A {
        return rule(true, Some(typ), None, None, "rwm");
    }
    let [_, nums, access] = f.as_slice() else {
        return Err(bad());
    };
    let (major, minor) = nums.split_once(':').ok_or_else(bad)?;
    let num = |s: &str| -> Result<Option<i64>> {
        match s {
            "*" => Ok(None),
            n => n.parse().map(Some).map_err(|_| bad()),
        }
    };
    if access.is_empty() || !access.chars().all(|c| "rwm".contains(c)) {
        return Err(bad());
    }
    rule(true, Some(typ), num(major)?, num(minor)?, access)
}

fn throttle(rates: &[libpod_config::DeviceRate]) -> Result<Vec<LinuxThrottleDevice>> {
    rates
        .iter()
        .map(|r| {
            let d = host_device(&r.path)?;
            if d.typ != LinuxDeviceType::B {
                return Err(OciError::InvalidInput(format!(
                    "{} is not a block device: rate limits apply to block devices",
                    r.path.display()
                )));
            }
            LinuxThrottleDeviceBuilder::default()
                .major(d.major)
                .minor(d.minor)
                .rate(r.rate)
                .build()
                .map_err(spec_err)
        })
        .collect()
}

/// The cgroup resources: devices, memory, CPU, pids and block I/O.
pub(crate) fn resources(
    spec: &ContainerSpec,
    rules: Vec<LinuxDeviceCgroup>,
) -> Result<LinuxResources> {
    let mut r = limits_resources(&spec.limits, Some(rules))?;
    if !spec.cgroup_conf.is_empty() {
        r.set_unified(Some(
            spec.cgroup_conf
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ));
    }
    Ok(r)
}

/// The cgroup values of `l` for `runc update`: memory, CPU, pids and block I/O (device rules
/// stay as the container was created).
pub fn update_resources(l: &crate::types::Limits) -> Result<LinuxResources> {
    limits_resources(l, None)
}

fn limits_resources(
    l: &crate::types::Limits,
    rules: Option<Vec<LinuxDeviceCgroup>>,
) -> Result<LinuxResources> {
    let mut r = LinuxResourcesBuilder::default();
    if let Some(rules) = rules {
        r = r.devices(rules);
    }
    if let Some(m) = memory(l)? {
        r = r.memory(m);
    }
    if let Some(p) = l.pids {
        r = r.pids(
            LinuxPidsBuilder::default()
                .limit(p)
                .build()
                .map_err(spec_err)?,
        );
    }
    if let Some(c) = cpu(l)? {
        r = r.cpu(c);
    }
    if let Some(b) = block_io(l)? {
        r = r.block_io(b);
    }
    r.build().map_err(spec_err)
}

/// The memory controller's values, when any is set.
fn memory(l: &crate::types::Limits) -> Result<Option<oci_spec::runtime::LinuxMemory>> {
    let set = l.memory.is_some()
        || l.oom_kill_disable
        || l.memory_reservation.is_some()
        || l.memory_swap.is_some()
        || l.memory_swappiness.is_some();
    if !set {
        return Ok(None);
    }
    let mut m = LinuxMemoryBuilder::default();
    if let Some(v) = l.memory {
        m = m.limit(v);
    }
    if l.oom_kill_disable {
        m = m.disable_oom_killer(true);
    }
    if let Some(v) = l.memory_reservation {
        m = m.reservation(v);
    }
    if let Some(v) = l.memory_swap {
        m = m.swap(v);
    }
    if let Some(v) = l.memory_swappiness {
        m = m.swappiness(v);
    }
    m.build().map(Some).map_err(spec_err)
}

/// The CPU controllers' values, when any is set.
fn cpu(l: &crate::types::Limits) -> Result<Option<oci_spec::runtime::LinuxCpu>> {
    let set = l.cpu_shares.is_some()
        || l.cpu_rt_period.is_some()
        || l.cpu_rt_runtime.is_some()
        || l.cpu_period.is_some()
        || l.cpu_quota.is_some()
        || l.cpuset_cpus.is_some()
        || l.cpuset_mems.is_some();
    if !set {
        return Ok(None);
    }
    let mut c = LinuxCpuBuilder::default();
    if let Some(v) = l.cpu_shares {
        c = c.shares(v);
    }
    if let Some(v) = l.cpu_period {
        c = c.period(v);
    }
    if let Some(v) = l.cpu_quota {
        c = c.quota(v);
    }
    if let Some(v) = l.cpu_rt_period {
        c = c.realtime_period(v);
    }
    if let Some(v) = l.cpu_rt_runtime {
        c = c.realtime_runtime(v);
    }
    if let Some(v) = &l.cpuset_cpus {
        c = c.cpus(v.clone());
    }
    if let Some(v) = &l.cpuset_mems {
        c = c.mems(v.clone());
    }
    c.build().map(Some).map_err(spec_err)
}

/// The block I/O controller's values (weights by device number), when any is set.
fn block_io(l: &crate::types::Limits) -> Result<Option<oci_spec::runtime::LinuxBlockIo>> {
    let set = l.blkio_weight.is_some()
        || !l.blkio_weight_device.is_empty()
        || !l.device_read_bps.is_empty()
        || !l.device_write_bps.is_empty()
        || !l.device_read_iops.is_empty()
        || !l.device_write_iops.is_empty();
    if !set {
        return Ok(None);
    }
    let mut b = LinuxBlockIoBuilder::default();
    if let Some(w) = l.blkio_weight {
        b = b.weight(w);
    }
    if !l.blkio_weight_device.is_empty() {
        let weights = l
            .blkio_weight_device
            .iter()
            .map(|r| {
                let d = host_device(&r.path)?;
                LinuxWeightDeviceBuilder::default()
                    .major(d.major)
                    .minor(d.minor)
                    .weight(u16::try_from(r.rate).unwrap_or(u16::MAX))
                    .build()
                    .map_err(spec_err)
            })
            .collect::<Result<Vec<_>>>()?;
        b = b.weight_device(weights);
    }
    if !l.device_read_bps.is_empty() {
        b = b.throttle_read_bps_device(throttle(&l.device_read_bps)?);
    }
    if !l.device_write_bps.is_empty() {
        b = b.throttle_write_bps_device(throttle(&l.device_write_bps)?);
    }
    if !l.device_read_iops.is_empty() {
        b = b.throttle_read_iops_device(throttle(&l.device_read_iops)?);
    }
    if !l.device_write_iops.is_empty() {
        b = b.throttle_write_iops_device(throttle(&l.device_write_iops)?);
    }
    b.build().map(Some).map_err(spec_err)
}

/// The host's hard limit for a resource (what a container may be given by default).
fn host_hard_limit(r: Resource) -> u64 {
    getrlimit(r).map(|(_, hard)| hard).unwrap_or(1024)
}

/// rlimits: nofile and nproc as high as the host allows (podman's defaults), then the
/// container's own, which replace a default of the same name.
pub(crate) fn rlimits(spec: &ContainerSpec) -> Result<Vec<PosixRlimit>> {
    let mut out: Vec<(String, u64, u64)> = Vec::new();
    for (name, res, want) in [
        ("RLIMIT_NOFILE", Resource::RLIMIT_NOFILE, 1_048_576u64),
        ("RLIMIT_NPROC", Resource::RLIMIT_NPROC, 4_194_304u64),
    ] {
        // Raising a limit above the host's hard limit fails ("error setting rlimit"): cap it.
        let v = want.min(host_hard_limit(res));
        out.push((name.to_string(), v, v));
    }
    for u in &spec.ulimits {
        let v = |n: i64| if n < 0 { u64::MAX } else { n as u64 };
        let name = u.oci_name();
        out.retain(|(n, _, _)| *n != name);
        out.push((name, v(u.soft), v(u.hard)));
    }
    out.into_iter()
        .map(|(name, soft, hard)| {
            let typ: PosixRlimitType = serde_json::from_value(serde_json::json!(name))
                .map_err(|_| OciError::Spec(format!("unknown rlimit {name}")))?;
            PosixRlimitBuilder::default()
                .typ(typ)
                .soft(soft)
                .hard(hard)
                .build()
                .map_err(spec_err)
        })
        .collect()
}

/// Masked and read-only paths: podman's defaults, less what `unmask` names, plus `mask`;
/// none when privileged or with `systempaths=unconfined`.
pub(crate) fn masked_paths(spec: &ContainerSpec) -> (Vec<String>, Vec<String>) {
    let s = &spec.security;
    if spec.privileged || s.systempaths_unconfined {
        return (Vec::new(), Vec::new());
    }
    let unmasked = |p: &String| s.unmask.iter().any(|u| u == "ALL" || u == p);
    let mut masked: Vec<String> = get_default_maskedpaths()
        .into_iter()
        .filter(|p| !unmasked(p))
        .collect();
    let readonly: Vec<String> = get_default_readonly_paths()
        .into_iter()
        .filter(|p| !unmasked(p))
        .collect();
    for m in &s.mask {
        if !masked.contains(m) {
            masked.push(m.clone());
        }
    }
    (masked, readonly)
}

/// A user namespace's mappings in the OCI form.
pub(crate) fn id_mappings(
    m: &libpod_config::IdMappings,
) -> Result<(
    Vec<oci_spec::runtime::LinuxIdMapping>,
    Vec<oci_spec::runtime::LinuxIdMapping>,
)> {
    let conv = |map: &[libpod_config::IdMap]| -> Result<Vec<oci_spec::runtime::LinuxIdMapping>> {
        map.iter()
            .map(|r| {
                oci_spec::runtime::LinuxIdMappingBuilder::default()
                    .container_id(r.container_id)
                    .host_id(r.host_id)
                    .size(r.size)
                    .build()
                    .map_err(|e| OciError::Spec(e.to_string()))
            })
            .collect()
    };
    Ok((conv(&m.uid_map)?, conv(&m.gid_map)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_rules() {
        let r = parse_cgroup_rule("c 1:3 rwm").expect("ok");
        assert_eq!(
            (r.major(), r.minor(), r.typ()),
            (Some(1), Some(3), Some(LinuxDeviceType::C))
        );
        let r = parse_cgroup_rule("b *:* r").expect("ok");
        assert_eq!((r.major(), r.access().as_deref()), (None, Some("r")));
        assert!(parse_cgroup_rule("a").is_ok());
        for bad in ["x 1:3 r", "c 1 r", "c 1:3 rx", "c a:3 r", "", "c 1:3"] {
            assert!(parse_cgroup_rule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dev_null_is_a_device_and_tmp_is_not() {
        let d = host_device(Path::new("/dev/null")).expect("ok");
        assert_eq!((d.typ, d.major, d.minor), (LinuxDeviceType::C, 1, 3));
        assert!(host_device(Path::new("/tmp")).is_err());
        assert!(host_device(Path::new("/dev/no-such-device")).is_err());
    }

    #[test]
    fn unmask_and_mask() {
        let mut s = ContainerSpec::default();
        s.security.unmask = vec!["/proc/kcore".into()];
        s.security.mask = vec!["/etc/motd".into()];
        let (m, r) = masked_paths(&s);
        assert!(!m.contains(&"/proc/kcore".to_string()) && m.contains(&"/etc/motd".to_string()));
        assert!(r.contains(&"/proc/sys".to_string()));
        s.security.unmask = vec!["ALL".into()];
        let (m, r) = masked_paths(&s);
        assert_eq!((m, r.is_empty()), (vec!["/etc/motd".to_string()], true));
    }
}
