//! The last step of a build: defaults under the merged layers, and checks of what was named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{ConfigError, Origin};
use crate::host;
use crate::settings::{Set, Settings};
use crate::types::{
    CgroupManager, DEFAULT_NETWORK, DEFAULT_SUBNET, EventsLogger, LockKind, LogDriver,
    RuntimeConfig, SECCOMP_DEFAULT_PATH, SECCOMP_OVERRIDE_PATH, StateBackend, StorageConfig,
};

fn is_root() -> bool {
    // The owner of /proc/self is the effective uid, which avoids an unsafe libc call.
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(true)
}

/// Applies defaults under the layers and checks what was named explicitly.
pub(crate) fn finish(
    s: Settings,
    env: &BTreeMap<String, String>,
) -> Result<RuntimeConfig, ConfigError> {
    let v = |o: Option<Set<PathBuf>>| o.map(|s| s.value);
    let (def_graph, def_run, def_net_dir) = if is_root() {
        (
            PathBuf::from("/var/lib/libpod-rs"),
            PathBuf::from("/run/libpod-rs"),
            PathBuf::from("/etc/libpod-rs/net.d"),
        )
    } else {
        let home = env.get("HOME").cloned().unwrap_or_else(|| "/tmp".into());
        let data = env
            .get("XDG_DATA_HOME")
            .cloned()
            .unwrap_or_else(|| format!("{home}/.local/share"));
        let config = env
            .get("XDG_CONFIG_HOME")
            .cloned()
            .unwrap_or_else(|| format!("{home}/.config"));
        let run = env
            .get("XDG_RUNTIME_DIR")
            .cloned()
            .unwrap_or_else(|| "/tmp".into());
        (
            Path::new(&data).join("libpod-rs"),
            Path::new(&run).join("libpod-rs"),
            Path::new(&config).join("libpod-rs/net.d"),
        )
    };
    let graph_root = v(s.graph_root).unwrap_or(def_graph);
    let run_root = v(s.run_root).unwrap_or(def_run);

    let mut runtimes = host::default_runtimes();
    let mut runtime_origins = BTreeMap::new();
    for (name, set) in s.runtimes {
        runtimes.insert(name.clone(), set.value);
        runtime_origins.insert(name, set.origin);
    }
    let oci_runtime = s.oci_runtime.unwrap_or(Set {
        value: "runc".into(),
        origin: Origin::Default,
    });
    // A runtime that was named (not defaulted) must exist now, so the error names its origin.
    if oci_runtime.origin != Origin::Default {
        host::resolve_runtime(&oci_runtime.value, &runtimes, oci_runtime.origin.clone())?;
    }
    let conmon_paths = match s.conmon_paths {
        Some(set) => {
            host::resolve_conmon(&set.value, set.origin)?;
            set.value
        }
        None => host::default_conmon_paths(),
    };
    let seccomp_profile = match s.seccomp_profile {
        Some(set) if !set.value.exists() => {
            return Err(ConfigError::InvalidValue {
                origin: set.origin,
                key: "seccomp_profile".into(),
                value: set.value.display().to_string(),
                expected: "an existing seccomp profile (JSON)".into(),
            });
        }
        Some(set) => Some(set.value),
        // The seed's rule: the CRI-O override wins over the containers default, if present.
        None => [SECCOMP_OVERRIDE_PATH, SECCOMP_DEFAULT_PATH]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists()),
    };
    let container_defaults = s.defaults.resolve();
    let tmp_dir = v(s.tmp_dir).unwrap_or_else(|| run_root.join("libpod"));

    Ok(RuntimeConfig {
        storage: StorageConfig {
            graph_root: graph_root.clone(),
            run_root: run_root.clone(),
            driver: s
                .driver
                .map(|d| d.value)
                .unwrap_or_else(|| "overlay".into()),
            mount_options: s.mount_options.map(|m| m.value).unwrap_or_default(),
        },
        image_default_transport: s
            .image_default_transport
            .map(|x| x.value)
            .unwrap_or_else(|| "docker://".into()),
        insecure_registries: s.insecure_registries.map(|x| x.value).unwrap_or_default(),
        search_registries: s
            .search_registries
            .map(|x| x.value)
            .unwrap_or_else(|| vec!["docker.io".into()]),
        registries: s.registries.map(|x| x.value).unwrap_or_default(),
        aliases: s.aliases.map(|x| x.value).unwrap_or_default(),
        short_name_mode: s
            .short_name_mode
            .map(|x| x.value)
            .unwrap_or_else(|| "permissive".into()),
        signature_policy_path: v(s.signature_policy_path),
        state_backend: s
            .state_backend
            .map(|x| x.value)
            .unwrap_or(StateBackend::Sqlite),
        oci_runtime: oci_runtime.value,
        runtimes,
        conmon_paths,
        conmon_env: s.conmon_env.map(|x| x.value).unwrap_or_else(|| {
            vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()]
        }),
        cgroup_manager: s
            .cgroup_manager
            .map(|x| x.value)
            .unwrap_or(CgroupManager::Cgroupfs),
        static_dir: v(s.static_dir).unwrap_or_else(|| graph_root.join("libpod")),
        events_log_path: v(s.events_log_path).unwrap_or_else(|| tmp_dir.join("events/events.log")),
        events_logger: s
            .events_logger
            .map(|x| x.value)
            .unwrap_or(EventsLogger::File),
        // containers.conf's default, "1m".
        events_log_max_size: s.events_log_max_size.map_or(Some(1_000_000), |x| x.value),
        tmp_dir,
        max_log_size: s.max_log_size.and_then(|x| x.value),
        no_pivot_root: s.no_pivot_root.is_some_and(|x| x.value),
        // podman keeps one dir for whichever backend runs; the defaults differ per backend.
        netavark_config_dir: v(s.cni_config_dir.clone())
            .unwrap_or_else(|| def_net_dir.with_file_name("networks")),
        cni_config_dir: v(s.cni_config_dir).unwrap_or(def_net_dir),
        network_backend: s.network_backend.map(|x| x.value),
        helper_binaries_dir: s.helper_binaries_dir.map(|x| x.value).unwrap_or_else(|| {
            [
                "/usr/local/libexec/podman",
                "/usr/local/lib/podman",
                "/usr/libexec/podman",
                "/usr/lib/podman",
            ]
            .iter()
            .map(PathBuf::from)
            .collect()
        }),
        cni_plugin_dirs: s
            .cni_plugin_dirs
            .map(|x| x.value)
            .unwrap_or_else(host::default_cni_plugin_dirs),
        default_network: s
            .default_network
            .map(|x| x.value)
            .unwrap_or_else(|| DEFAULT_NETWORK.into()),
        default_subnet: s
            .default_subnet
            .map(|x| x.value)
            .unwrap_or_else(|| DEFAULT_SUBNET.into()),
        num_locks: s.num_locks.map(|x| x.value).unwrap_or(2048),
        lock_kind: s.lock_kind.map(|x| x.value).unwrap_or(LockKind::File),
        seccomp_profile,
        log_driver: s.log_driver.map(|x| x.value).unwrap_or(LogDriver::K8sFile),
        warnings: {
            let mut w = s.warnings;
            w.extend(crate::defaults::unimplemented(&container_defaults));
            w
        },
        container_defaults,
        cdi_spec_dirs: s.cdi_spec_dirs.map(|x| x.value).unwrap_or_else(|| {
            crate::cdi::CDI_SPEC_DIRS
                .iter()
                .map(PathBuf::from)
                .collect()
        }),
        default_capabilities: s.default_capabilities.map(|x| x.value).unwrap_or_else(|| {
            crate::caps::DEFAULT_CAPABILITIES
                .iter()
                .map(|c| c.to_string())
                .collect()
        }),
    })
}
