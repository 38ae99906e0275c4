//! `info`: host and store information.

use serde::Serialize;

use crate::error::Result;
use crate::runtime::{Inner, Runtime};

/// The host.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostInfo {
    /// CPU architecture.
    pub arch: String,
    /// Kernel release.
    pub kernel: String,
    /// Operating system.
    pub os: String,
    /// Distribution (os-release `PRETTY_NAME`).
    pub distribution: String,
    /// Host name.
    pub hostname: String,
    /// CPUs available.
    pub cpus: usize,
    /// Total memory in bytes.
    pub mem_total: u64,
    /// cgroup version (1 or 2).
    pub cgroup_version: u8,
    /// cgroup manager.
    pub cgroup_manager: String,
    /// The network backend in use (`cni` or `netavark`).
    pub network_backend: String,
    /// OCI runtime: name, path, version, and how it is run here.
    pub oci_runtime: RuntimeInfo,
    /// conmon path and version.
    pub conmon: ProgramInfo,
    /// Boot ID.
    pub boot_id: String,
}

/// An OCI runtime.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeInfo {
    /// Name.
    pub name: String,
    /// Path of its binary.
    pub path: String,
    /// Its `--version`.
    pub version: String,
    /// How it is run here, when that differs from the plain binary, and why.
    pub note: Option<String>,
}

/// A helper program.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramInfo {
    /// Path.
    pub path: String,
    /// Its `--version`.
    pub version: String,
}

/// Storage and state.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    /// The storage layer's own report.
    #[serde(flatten)]
    pub storage: libpod_storage::StoreInfo,
    /// State backend.
    pub state_backend: String,
    /// Containers by status.
    pub containers_total: usize,
    /// Running containers.
    pub containers_running: usize,
    /// Paused containers.
    pub containers_paused: usize,
    /// Stopped or exited containers.
    pub containers_stopped: usize,
    /// Pods.
    pub pods: usize,
    /// Static dir.
    pub static_dir: String,
    /// Tmp dir.
    pub tmp_dir: String,
}

/// The drivers this build offers, as podman's `info` lists its plugins.
#[derive(Debug, Clone, Serialize)]
pub struct PluginsInfo {
    /// Volume drivers.
    pub volume: Vec<String>,
    /// Network drivers.
    pub network: Vec<String>,
    /// Log drivers.
    pub log: Vec<String>,
    /// Authorization plugins (none).
    pub authorization: Option<Vec<String>>,
}

/// The library's version, with podman's field names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionInfo {
    /// API version (the library's version).
    #[serde(rename = "APIVersion")]
    pub api_version: String,
    /// Version.
    pub version: String,
    /// `os/arch` in Go's names (`linux/amd64`).
    pub os_arch: String,
    /// Operating system.
    pub os: String,
}

/// Everything `info` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    /// The host.
    pub host: HostInfo,
    /// Storage and state.
    pub store: StoreInfo,
    /// Registries searched for short names (`search`), as podman reports them.
    pub registries: std::collections::BTreeMap<String, Vec<String>>,
    /// Drivers on offer.
    pub plugins: PluginsInfo,
    /// libpod-rs version.
    pub version: VersionInfo,
}

pub(crate) fn gather(inner: &Inner) -> Result<Info> {
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let distribution = os_release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into());
    let mem_total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            })
        })
        .unwrap_or(0)
        * 1024;
    let rt = inner.exec.runtime();
    let binary = inner
        .config
        .runtime_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let host = HostInfo {
        arch: crate::go_arch().into(),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string(),
        os: std::env::consts::OS.into(),
        distribution,
        hostname: std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap_or_default()
            .trim()
            .to_string(),
        cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        mem_total,
        cgroup_version: libpod_oci::cgroup_version(),
        cgroup_manager: inner.config.cgroup_manager.to_string(),
        network_backend: inner.net.backend().to_string(),
        oci_runtime: RuntimeInfo {
            name: rt.name().into(),
            version: libpod_oci::version_line(std::path::Path::new(&binary)).unwrap_or_default(),
            path: binary,
            note: rt.note().map(String::from),
        },
        conmon: ProgramInfo {
            path: inner
                .config
                .conmon_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            version: inner.exec.conmon_version(),
        },
        boot_id: crate::runtime::boot_id(),
    };
    let all = inner.state.all_containers_with_state()?;
    let count = |f: &dyn Fn(libpod_state::ContainerStatus) -> bool| {
        all.iter().filter(|(_, s)| f(s.status)).count()
    };
    use libpod_state::ContainerStatus as S;
    let store = StoreInfo {
        storage: inner.store.info()?,
        state_backend: inner.state.backend().into(),
        containers_total: all.len(),
        containers_running: count(&|s| s == S::Running),
        containers_paused: count(&|s| s == S::Paused),
        containers_stopped: count(&|s| matches!(s, S::Stopped | S::Exited)),
        pods: inner.state.all_pods()?.len(),
        static_dir: inner.config.static_dir.display().to_string(),
        tmp_dir: inner.config.tmp_dir.display().to_string(),
    };
    let mut registries = std::collections::BTreeMap::new();
    if !inner.config.search_registries.is_empty() {
        registries.insert("search".into(), inner.config.search_registries.clone());
    }
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Ok(Info {
        host,
        store,
        registries,
        plugins: PluginsInfo {
            volume: Vec::new(),
            network: names(&["bridge"]),
            log: names(&["k8s-file", "none"]),
            authorization: None,
        },
        version: VersionInfo {
            api_version: env!("CARGO_PKG_VERSION").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os_arch: format!("{}/{}", std::env::consts::OS, go_arch()),
            os: std::env::consts::OS.into(),
        },
    })
}

impl Runtime {
    /// Host and store information.
    pub fn info(&self) -> Result<Info> {
        let _g = self.inner.guard()?;
        gather(&self.inner)
    }
}

/// This machine's architecture as Go (and so podman and OCI images) names it: `amd64`, `arm64`.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}
