//! Runtime configuration for libpod-rs.
//!
//! This crate owns [`RuntimeConfig`]: every setting of libpod's runtime (storage, OCI runtime,
//! conmon, CNI, state backend, locks, registries), its defaults discovered on the host, and the
//! files that set it, in the containers ecosystem's formats and key names (containers.conf,
//! storage.conf, registries.conf v2), and the plain data of what a container may do and use
//! ([`SecurityOptions`], [`Resources`]) with parsers for podman's spellings. Precedence, lowest
//! first: built-in defaults, podman's containers.conf files, system files (`/etc/libpod-rs`), user files (`$XDG_CONFIG_HOME/libpod-rs`), environment variables
//! (`LIBPOD_RS_*`), then options given to [`ConfigBuilder`].
//!
//! Invariants: a built config holds only absolute paths; a value that was named explicitly
//! (not defaulted) and is unusable is an error that names its origin (file and line,
//! variable, or builder); parsing never panics on any input.
//!
//! ```
//! use libpod_config::{ConfigBuilder, StateBackend};
//! let cfg = ConfigBuilder::isolated()
//!     .graph_root("/tmp/example/root")
//!     .state_backend(StateBackend::Memory)
//!     .build()
//!     .unwrap();
//! assert_eq!(cfg.static_dir, std::path::Path::new("/tmp/example/root/libpod"));
//! ```

mod builder;
pub mod caps;
pub mod cdi;
mod conf_containers;
mod container_defaults;
mod defaults;
pub mod dns;
mod error;
pub mod files;
mod finish;
pub mod health;
mod host;
pub mod ports;
pub mod resources;
pub mod security;
mod settings;
pub mod time;
mod types;
pub mod units;
pub mod userns;

pub use builder::{ConfigBuilder, ENV_VARS, PODMAN_CONTAINERS_CONF};
pub use container_defaults::{ContainerDefaults, DEFAULT_SHM_SIZE};
pub use dns::{DnsSettings, HostEntry};
pub use error::{ConfigError, Origin};
pub use health::HealthConfig;
pub use host::{default_cni_plugin_dirs, default_conmon_paths, default_runtimes, is_executable};
pub use resources::{DeviceMapping, DeviceRate, Resources, Ulimit};
pub use security::{NamespaceMode, Namespaces, SeccompMode, SecurityOptions};
pub use types::{
    CgroupManager, DEFAULT_NETWORK, DEFAULT_SUBNET, EventsLogger, LockKind, LogDriver, Mirror,
    NetworkBackend, Registry, RuntimeConfig, SECCOMP_DEFAULT_PATH, SECCOMP_OVERRIDE_PATH,
    StateBackend, StorageConfig,
};
pub use userns::{IdMap, IdMappings, UserNs, UserNsMode};

/// Parses the text of a containers.conf, storage.conf or registries.conf (chosen by `kind`:
/// `containers`, `storage`, `registries`). For fuzzing and `rpod` validation: never panics.
pub fn parse_file_text(kind: &str, path: &std::path::Path, text: &str) -> Result<(), ConfigError> {
    match kind {
        "storage" => files::parse::<files::StorageConf>(path, text).map(drop),
        "registries" => files::parse::<files::RegistriesConf>(path, text).map(drop),
        _ => files::parse::<files::ContainersConf>(path, text).map(drop),
    }
}
