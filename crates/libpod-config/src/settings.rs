//! One layer of configuration (what a file, the environment or the builder sets) and how
//! layers are laid over each other.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::Origin;
use crate::types::{
    CgroupManager, EventsLogger, LockKind, LogDriver, NetworkBackend, Registry, StateBackend,
};

/// A value and where it was set.
#[derive(Debug, Clone)]
pub(crate) struct Set<T> {
    pub(crate) value: T,
    pub(crate) origin: Origin,
}

/// Declares `Settings`, a layer where every field is optional, and its merge.
macro_rules! settings {
    ($($field:ident: $ty:ty),+ $(,)?) => {
        /// One layer of configuration: only what that layer sets.
        #[derive(Debug, Clone, Default)]
        pub(crate) struct Settings {
            $(pub(crate) $field: Option<Set<$ty>>,)+
            pub(crate) runtimes: BTreeMap<String, Set<Vec<PathBuf>>>,
            pub(crate) defaults: crate::defaults::DefaultsLayer,
            pub(crate) warnings: Vec<String>,
        }
        impl Settings {
            /// Lays `upper` over `self`: what `upper` sets wins.
            pub(crate) fn merge(&mut self, upper: Settings) {
                $(if upper.$field.is_some() { self.$field = upper.$field; })+
                self.runtimes.extend(upper.runtimes);
                self.defaults.merge(upper.defaults);
                self.warnings.extend(upper.warnings);
            }
        }
    };
}

settings! {
    graph_root: PathBuf,
    run_root: PathBuf,
    driver: String,
    mount_options: Vec<String>,
    image_default_transport: String,
    insecure_registries: Vec<String>,
    search_registries: Vec<String>,
    registries: Vec<Registry>,
    aliases: BTreeMap<String, String>,
    short_name_mode: String,
    signature_policy_path: PathBuf,
    state_backend: StateBackend,
    oci_runtime: String,
    conmon_paths: Vec<PathBuf>,
    conmon_env: Vec<String>,
    cgroup_manager: CgroupManager,
    static_dir: PathBuf,
    tmp_dir: PathBuf,
    max_log_size: Option<u64>,
    no_pivot_root: bool,
    cni_config_dir: PathBuf,
    cni_plugin_dirs: Vec<PathBuf>,
    network_backend: NetworkBackend,
    helper_binaries_dir: Vec<PathBuf>,
    default_network: String,
    default_subnet: String,
    num_locks: u32,
    lock_kind: LockKind,
    seccomp_profile: PathBuf,
    log_driver: LogDriver,
    default_capabilities: Vec<String>,
    events_logger: EventsLogger,
    events_log_path: PathBuf,
    events_log_max_size: Option<u64>,
    cdi_spec_dirs: Vec<PathBuf>,
}
