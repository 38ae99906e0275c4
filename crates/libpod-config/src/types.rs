//! Plain data: the resolved configuration and its enums (ground floor, no I/O).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The seed's default seccomp profile path.
pub const SECCOMP_DEFAULT_PATH: &str = "/usr/share/containers/seccomp.json";
/// The seed's override seccomp profile path: used instead of the default when it exists.
pub const SECCOMP_OVERRIDE_PATH: &str = "/etc/crio/seccomp.json";
/// Our default network's name; podman's is `podman`, so both can live on one host.
pub const DEFAULT_NETWORK: &str = "rpod";
/// Our default network's subnet; podman's is 10.88.0.0/16.
pub const DEFAULT_SUBNET: &str = "10.131.0.0/16";

/// Declares a string-valued enum with its spellings, `Display`, `FromStr` and the list
/// of accepted names used in error messages.
macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $var),+ }
        impl $name {
            /// Every accepted spelling, for error messages.
            pub const NAMES: &'static [&'static str] = &[$($s),+];
            /// The spelling used in files and on the command line.
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $s),+ } }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s { $($s => Ok($name::$var),)+ _ => Err(format!("one of {}", Self::NAMES.join(", "))) }
            }
        }
    };
}

named_enum!(
    /// Which database keeps containers and pods (`[engine] database_backend`).
    StateBackend {
        /// In-process only; nothing survives the runtime.
        Memory => "memory",
        /// SQLite through rusqlite.
        Sqlite => "sqlite",
        /// redb, a pure-Rust embedded database.
        Redb => "redb",
    }
);

named_enum!(
    /// Which program sets up container networks (`[network] network_backend`).
    NetworkBackend {
        /// CNI plugin chains (`.conflist` files).
        Cni => "cni",
        /// netavark with aardvark-dns (podman's JSON network files).
        Netavark => "netavark",
    }
);

named_enum!(
    /// How container cgroups are managed (`[engine] cgroup_manager`).
    CgroupManager {
        /// Write cgroupfs directly.
        Cgroupfs => "cgroupfs",
        /// Ask systemd for scopes (needs systemd as PID 1).
        Systemd => "systemd",
    }
);

named_enum!(
    /// Which lock implementation backs container and pod locks (`[engine] lock_type`).
    LockKind {
        /// Byte-range (OFD) locks on one file in the tmp dir: shared across processes.
        File => "file",
        /// In-process locks only, for throwaway runtimes and tests.
        Memory => "memory",
    }
);

named_enum!(
    /// Where container output goes (`[containers] log_driver`).
    LogDriver {
        /// conmon's Kubernetes-style log file.
        K8sFile => "k8s-file",
        /// Output is discarded.
        None => "none",
        /// The container's output goes straight to conmon's own (no log).
        Passthrough => "passthrough",
        /// The systemd journal (only where journald runs).
        Journald => "journald",
    }
);

named_enum!(
    /// Where events go (`[engine] events_logger`).
    EventsLogger {
        /// JSON lines in a file (podman's `file` backend).
        File => "file",
        /// podman's default; there is no journald backend here, so events go to the file
        /// (docs/decisions.md).
        Journald => "journald",
        /// No events are kept.
        None => "none",
    }
);

/// Where images and container root filesystems live (storage.conf `[storage]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageConfig {
    /// Persistent storage root (`graphroot`).
    pub graph_root: PathBuf,
    /// Per-boot storage root (`runroot`).
    pub run_root: PathBuf,
    /// Storage driver name: `overlay` or `vfs`.
    pub driver: String,
    /// Extra options for the driver (`[storage.options] mount_options`).
    pub mount_options: Vec<String>,
}

/// One `[[registry]]` of registries.conf v2.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Registry {
    /// The image-name prefix this entry applies to.
    pub prefix: String,
    /// Where images for that prefix are fetched from (defaults to the prefix).
    pub location: String,
    /// Plain HTTP or unverified TLS is allowed.
    pub insecure: bool,
    /// Pulls from this registry are refused.
    pub blocked: bool,
    /// Mirrors tried before `location`, in order.
    pub mirrors: Vec<Mirror>,
}

/// A `[[registry.mirror]]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mirror {
    /// The mirror's location.
    pub location: String,
    /// Plain HTTP or unverified TLS is allowed for this mirror.
    pub insecure: bool,
}

/// The resolved configuration of a runtime: every field of libpod's `RuntimeConfig`, plus ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeConfig {
    /// Image and container storage.
    pub storage: StorageConfig,
    /// Transport used for image names without one (`docker://`).
    pub image_default_transport: String,
    /// Registries reached over plain HTTP or unverified TLS.
    pub insecure_registries: Vec<String>,
    /// Registries searched for short image names, in order.
    pub search_registries: Vec<String>,
    /// Every `[[registry]]` entry of registries.conf.
    pub registries: Vec<Registry>,
    /// How short names are resolved: enforcing, permissive or disabled.
    pub short_name_mode: String,
    /// Short-name aliases (`[aliases]`).
    pub aliases: BTreeMap<String, String>,
    /// Signature policy (policy.json); `None` uses the system default.
    pub signature_policy_path: Option<PathBuf>,
    /// Which state database to use.
    pub state_backend: StateBackend,
    /// The OCI runtime to use, by name (a key of `runtimes`) or absolute path.
    pub oci_runtime: String,
    /// Known OCI runtimes: name to candidate paths, first existing wins.
    pub runtimes: BTreeMap<String, Vec<PathBuf>>,
    /// Candidate paths of conmon, first existing wins.
    pub conmon_paths: Vec<PathBuf>,
    /// Environment given to conmon.
    pub conmon_env: Vec<String>,
    /// cgroup manager.
    pub cgroup_manager: CgroupManager,
    /// Persistent runtime files (state database, per-container data).
    pub static_dir: PathBuf,
    /// Per-boot runtime files (alive file, locks, exit files).
    pub tmp_dir: PathBuf,
    /// Largest container log in bytes; `None` is unlimited (libpod's -1).
    pub max_log_size: Option<u64>,
    /// Use `MS_MOVE` instead of `pivot_root` for the container root.
    pub no_pivot_root: bool,
    /// Directory holding CNI network configs.
    pub cni_config_dir: PathBuf,
    /// Directory holding netavark network configs (the same as `cni_config_dir` when
    /// `network_config_dir` is set).
    pub netavark_config_dir: PathBuf,
    /// The network backend asked for; `None` lets the runtime choose as podman 4.3 does.
    pub network_backend: Option<NetworkBackend>,
    /// Where helper programs (netavark, aardvark-dns) are looked for, in order.
    pub helper_binaries_dir: Vec<PathBuf>,
    /// Directories searched for CNI plugins, in order.
    pub cni_plugin_dirs: Vec<PathBuf>,
    /// Network given to containers that ask for none in particular.
    pub default_network: String,
    /// Subnet of the default network when we create it.
    pub default_subnet: String,
    /// Number of locks to expect; a hint for sizing, not a ceiling.
    pub num_locks: u32,
    /// Lock implementation.
    pub lock_kind: LockKind,
    /// Seccomp profile; `None` when neither the default nor the override path exists.
    pub seccomp_profile: Option<PathBuf>,
    /// Where container output goes.
    pub log_driver: LogDriver,
    /// Capabilities every container gets unless it asks otherwise (`CAP_*` names).
    pub default_capabilities: Vec<String>,
    /// Where events go.
    pub events_logger: EventsLogger,
    /// The event log (`events_logfile_path`; default `<tmp_dir>/events/events.log`).
    pub events_log_path: PathBuf,
    /// The size past which the event log is rotated (`events_logfile_max_size`; `None`:
    /// never).
    pub events_log_max_size: Option<u64>,
    /// Directories of CDI device specs, lowest precedence first (`[engine] cdi_spec_dirs`).
    pub cdi_spec_dirs: Vec<PathBuf>,
    /// What new containers get when their options say nothing (`[containers]`).
    pub container_defaults: crate::container_defaults::ContainerDefaults,
    /// Keys that were read but are not acted on, each naming its file: shown as warnings.
    pub warnings: Vec<String>,
}

impl Default for NetworkBackend {
    /// netavark, podman 4's choice on a fresh system.
    fn default() -> Self {
        NetworkBackend::Netavark
    }
}
