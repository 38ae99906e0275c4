//! What new containers get when their options say nothing (plain data, ground floor).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::resources::{DeviceMapping, Ulimit};
use crate::security::NamespaceMode;

/// The size of /dev/shm without a setting, as podman 4.3 mounts it (`size=64000k`).
pub const DEFAULT_SHM_SIZE: u64 = 65_536_000;

/// What a new container gets when its options say nothing, from containers.conf
/// `[containers]` (podman 4.3's defaults otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerDefaults {
    /// `annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `apparmor_profile` (applies only where AppArmor is enabled).
    pub apparmor_profile: String,
    /// `dns_servers`.
    pub dns_servers: Vec<std::net::IpAddr>,
    /// `dns_searches`.
    pub dns_searches: Vec<String>,
    /// `dns_options`.
    pub dns_options: Vec<String>,
    /// `base_hosts_file`: the file a container's `/etc/hosts` starts from.
    pub base_hosts_file: Option<PathBuf>,
    /// `cgroupns` (podman's default on cgroup v1 hosts is the host's).
    pub cgroupns: NamespaceMode,
    /// `cgroups`: `enabled`, `disabled`, `no-conmon` or `split`.
    pub cgroups: String,
    /// `default_sysctls`, in order.
    pub sysctls: Vec<(String, String)>,
    /// `default_ulimits`.
    pub ulimits: Vec<Ulimit>,
    /// `devices`.
    pub devices: Vec<DeviceMapping>,
    /// `env`.
    pub env: Vec<String>,
    /// `env_host`.
    pub env_host: bool,
    /// `http_proxy` (default true).
    pub http_proxy: bool,
    /// `init`.
    pub init: bool,
    /// `init_path`.
    pub init_path: Option<PathBuf>,
    /// `ipcns` (default `shareable`).
    pub ipcns: NamespaceMode,
    /// `label` (SELinux; no effect where it is off).
    pub label: bool,
    /// `log_tag`.
    pub log_tag: Option<String>,
    /// `netns` (`None`: the default network).
    pub netns: Option<String>,
    /// `no_hosts`.
    pub no_hosts: bool,
    /// `oom_score_adj`.
    pub oom_score_adj: Option<i32>,
    /// `pidns`.
    pub pidns: NamespaceMode,
    /// `pids_limit` (default 2048; `None`: unlimited).
    pub pids_limit: Option<i64>,
    /// `read_only`.
    pub read_only: bool,
    /// `shm_size` in bytes (default 65,536,000, as podman 4.3 mounts it).
    pub shm_size: u64,
    /// `tz`.
    pub tz: Option<String>,
    /// `umask` (default 0022).
    pub umask: u32,
    /// `userns` (default `host`).
    pub userns: crate::userns::UserNsMode,
    /// `userns_size` (default 65536): the most IDs `auto` gives when it sizes the range
    /// from the image.
    pub userns_size: u32,
    /// `utsns`.
    pub utsns: NamespaceMode,
}

impl Default for ContainerDefaults {
    fn default() -> Self {
        ContainerDefaults {
            annotations: BTreeMap::new(),
            apparmor_profile: "containers-default-0.50.1".into(),
            base_hosts_file: None,
            dns_servers: Vec::new(),
            dns_searches: Vec::new(),
            dns_options: Vec::new(),
            cgroupns: NamespaceMode::Host,
            cgroups: "enabled".into(),
            sysctls: Vec::new(),
            ulimits: Vec::new(),
            devices: Vec::new(),
            env: Vec::new(),
            env_host: false,
            http_proxy: true,
            init: false,
            init_path: None,
            ipcns: NamespaceMode::Shareable,
            label: true,
            log_tag: None,
            netns: None,
            no_hosts: false,
            oom_score_adj: None,
            pidns: NamespaceMode::Private,
            pids_limit: Some(2048),
            read_only: false,
            shm_size: DEFAULT_SHM_SIZE,
            tz: None,
            umask: 0o022,
            userns: crate::userns::UserNsMode::Host,
            userns_size: 65536,
            utsns: NamespaceMode::Private,
        }
    }
}

impl ContainerDefaults {
    /// containers.conf's resolv.conf settings.
    pub fn dns(&self) -> crate::DnsSettings {
        crate::DnsSettings {
            servers: self.dns_servers.clone(),
            search: self.dns_searches.clone(),
            options: self.dns_options.clone(),
        }
    }
}
