//! What a container may use: cgroup limits, rlimits, devices and sysctls, with the parsers
//! for podman's spellings (plain data shared by the state, the OCI layer and the facade).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Resource limits (cgroup values, plus the process's `oom_score_adj`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Resources {
    /// Memory limit in bytes.
    #[serde(default)]
    pub memory: Option<i64>,
    /// Maximum number of pids.
    #[serde(default)]
    pub pids: Option<i64>,
    /// Relative CPU weight.
    #[serde(default)]
    pub cpu_shares: Option<u64>,
    /// Keep the kernel's OOM killer away from it (cgroup v1 `memory.oom_control`).
    #[serde(default)]
    pub oom_kill_disable: bool,
    /// Its process's `oom_score_adj` (-1000 to 1000).
    #[serde(default)]
    pub oom_score_adj: Option<i32>,
    /// CFS period in microseconds (`--cpu-period`, and 100000 with `--cpus`).
    #[serde(default)]
    pub cpu_period: Option<u64>,
    /// CFS quota in microseconds per period (`--cpu-quota`, `--cpus`).
    #[serde(default)]
    pub cpu_quota: Option<i64>,
    /// CPUs it may run on (`0-1`, `0,2`).
    #[serde(default)]
    pub cpuset_cpus: Option<String>,
    /// Memory nodes it may use.
    #[serde(default)]
    pub cpuset_mems: Option<String>,
    /// Soft memory limit in bytes.
    #[serde(default)]
    pub memory_reservation: Option<i64>,
    /// Memory plus swap in bytes (-1: unlimited swap).
    #[serde(default)]
    pub memory_swap: Option<i64>,
    /// How readily its pages are swapped (0-100).
    #[serde(default)]
    pub memory_swappiness: Option<u64>,
    /// Block I/O weight (10-1000).
    #[serde(default)]
    pub blkio_weight: Option<u16>,
    /// Read rate limits, bytes per second.
    #[serde(default)]
    pub device_read_bps: Vec<DeviceRate>,
    /// Write rate limits, bytes per second.
    #[serde(default)]
    pub device_write_bps: Vec<DeviceRate>,
    /// Read rate limits, operations per second.
    #[serde(default)]
    pub device_read_iops: Vec<DeviceRate>,
    /// Write rate limits, operations per second.
    #[serde(default)]
    pub device_write_iops: Vec<DeviceRate>,
    /// Block I/O weight per device (the rate is the weight).
    #[serde(default)]
    pub blkio_weight_device: Vec<DeviceRate>,
    /// Real-time scheduling period, microseconds.
    #[serde(default)]
    pub cpu_rt_period: Option<u64>,
    /// Real-time run time per period, microseconds.
    #[serde(default)]
    pub cpu_rt_runtime: Option<i64>,
}

/// A rate limit on one block device (`--device-read-bps /dev/sda:1mb`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRate {
    /// The host's device node.
    pub path: PathBuf,
    /// Bytes or operations per second.
    pub rate: u64,
}

impl DeviceRate {
    /// Parses `PATH:RATE`; `bytes` allows a size such as `1mb` (binary units), otherwise the
    /// rate is a plain number of operations.
    pub fn parse(value: &str, bytes: bool) -> Result<DeviceRate, String> {
        let (path, rate) = value
            .rsplit_once(':')
            .ok_or_else(|| format!("bad format {value:?}: use PATH:RATE"))?;
        if !path.starts_with('/') {
            return Err(format!(
                "{value:?}: the device {path:?} must be an absolute path"
            ));
        }
        let rate = if bytes {
            crate::units::parse_ram(rate)
        } else {
            rate.parse().ok().filter(|r| *r > 0)
        }
        .ok_or_else(|| format!("{value:?}: {rate:?} is not a rate"))?;
        Ok(DeviceRate {
            path: PathBuf::from(path),
            rate,
        })
    }
}

/// One rlimit (`--ulimit nofile=1024:2048`); -1 is unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ulimit {
    /// Short name as podman spells it: `nofile`, `nproc`, `core`...
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// The rlimits a container can be given, by podman's short name.
pub const ULIMIT_NAMES: [&str; 16] = [
    "as",
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

impl Ulimit {
    /// Parses `NAME=SOFT[:HARD]` (a missing hard limit equals the soft one).
    ///
    /// ```
    /// let u = libpod_config::Ulimit::parse("nofile=1024:2048").unwrap();
    /// assert_eq!((u.soft, u.hard), (1024, 2048));
    /// assert!(libpod_config::Ulimit::parse("nofiles=1").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Ulimit, String> {
        let bad = |why: String| {
            format!("ulimit option {value:?} requires name=SOFT:HARD, failed to be parsed: {why}")
        };
        let (name, limits) = value.split_once('=').ok_or_else(|| bad("no '='".into()))?;
        if !ULIMIT_NAMES.contains(&name) {
            return Err(bad(format!(
                "invalid ulimit type: {name} (one of {})",
                ULIMIT_NAMES.join(", ")
            )));
        }
        let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
        let num = |s: &str| -> Result<i64, String> {
            s.parse::<i64>()
                .ok()
                .filter(|n| *n >= -1)
                .ok_or_else(|| bad(format!("{s:?} is not a limit")))
        };
        let (soft, hard) = (num(soft)?, num(hard)?);
        let unlimited = |n: i64| if n == -1 { i64::MAX } else { n };
        if unlimited(soft) > unlimited(hard) {
            return Err(bad(format!(
                "the soft limit {soft} is above the hard limit {hard}"
            )));
        }
        Ok(Ulimit {
            name: name.to_string(),
            soft,
            hard,
        })
    }

    /// The OCI name: `RLIMIT_NOFILE`.
    pub fn oci_name(&self) -> String {
        format!("RLIMIT_{}", self.name.to_ascii_uppercase())
    }
}

/// A host device given to a container (`--device /dev/fuse:/dev/fuse:rwm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceMapping {
    /// The host's device node (or directory of nodes).
    pub host: PathBuf,
    /// Where it appears in the container.
    pub container: String,
    /// Cgroup access: some of `r`, `w`, `m`.
    pub permissions: String,
}

impl DeviceMapping {
    /// Parses `HOST[:CONTAINER][:PERMISSIONS]`.
    ///
    /// ```
    /// let d = libpod_config::DeviceMapping::parse("/dev/null:/dev/mynull:r").unwrap();
    /// assert_eq!((d.container.as_str(), d.permissions.as_str()), ("/dev/mynull", "r"));
    /// ```
    pub fn parse(value: &str) -> Result<DeviceMapping, String> {
        let parts: Vec<&str> = value.split(':').collect();
        let perms = |p: &str| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| "rwm".contains(c));
        let (host, container, permissions) = match parts.as_slice() {
            [h] => (*h, *h, "rwm"),
            [h, p] if perms(p) => (*h, *h, *p),
            [_, p] if !p.starts_with('/') => return Err(format!("invalid device mode: {p}")),
            [h, c] => (*h, *c, "rwm"),
            [h, c, p] if perms(p) => (*h, *c, *p),
            [_, _, p] => return Err(format!("invalid device mode: {p}")),
            _ => {
                return Err(format!(
                    "invalid device {value:?}: use HOST[:CONTAINER][:PERMISSIONS], permissions \
                     being some of r, w, m"
                ));
            }
        };
        for p in [host, container] {
            if !p.starts_with('/') {
                return Err(format!(
                    "invalid device {value:?}: {p:?} is not an absolute path"
                ));
            }
        }
        Ok(DeviceMapping {
            host: PathBuf::from(host),
            container: container.to_string(),
            permissions: permissions.to_string(),
        })
    }
}

/// Which namespace a sysctl belongs to, if it is namespaced (podman's list): only those
/// may be set in a container.
pub fn sysctl_namespace(name: &str) -> Option<&'static str> {
    const IPC: [&str; 8] = [
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ];
    if IPC.contains(&name) || name.starts_with("fs.mqueue.") {
        Some("ipc")
    } else if name.starts_with("net.") {
        Some("net")
    } else if name == "kernel.domainname" || name == "kernel.hostname" {
        Some("uts")
    } else {
        None
    }
}

/// Parses `NAME=VALUE` for `--sysctl`, refusing a sysctl that is not namespaced.
pub fn parse_sysctl(value: &str) -> Result<(String, String), String> {
    let (k, v) = value
        .split_once('=')
        .ok_or_else(|| format!("sysctl {value:?} is not in the form of NAME=VALUE"))?;
    if sysctl_namespace(k).is_none() {
        return Err(format!("sysctl '{k}' is not allowed"));
    }
    Ok((k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulimits() {
        let u = Ulimit::parse("nproc=10").expect("ok");
        assert_eq!(
            (u.soft, u.hard, u.oci_name().as_str()),
            (10, 10, "RLIMIT_NPROC")
        );
        assert_eq!(Ulimit::parse("core=-1").expect("ok").hard, -1);
        assert!(Ulimit::parse("nofile=2:1").is_err());
        assert!(Ulimit::parse("nofile=1:-1").is_ok());
        assert!(Ulimit::parse("nofile").is_err());
        assert!(Ulimit::parse("nofile=x").is_err());
    }

    #[test]
    fn devices() {
        let d = DeviceMapping::parse("/dev/fuse").expect("ok");
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/fuse", "rwm")
        );
        let d = DeviceMapping::parse("/dev/null:rw").expect("ok");
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/null", "rw")
        );
        assert!(DeviceMapping::parse("/dev/null:/dev/x:rwx").is_err());
        assert!(DeviceMapping::parse("dev/null").is_err());
        assert!(DeviceMapping::parse("/a:/b:r:w").is_err());
    }

    #[test]
    fn sysctls_and_rates() {
        assert_eq!(sysctl_namespace("net.ipv4.ip_forward"), Some("net"));
        assert_eq!(sysctl_namespace("fs.mqueue.msg_max"), Some("ipc"));
        assert!(parse_sysctl("kernel.panic=1").is_err());
        assert!(parse_sysctl("net.ipv4.ip_forward").is_err());
        let r = DeviceRate::parse("/dev/sda:1mb", true).expect("ok");
        assert_eq!(r.rate, 1 << 20);
        assert!(DeviceRate::parse("/dev/sda:x", false).is_err());
    }
}
