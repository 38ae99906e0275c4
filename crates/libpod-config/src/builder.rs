//! Layering: built-in defaults < system files < user files < environment < builder options.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use toml::Spanned;

use crate::error::{ConfigError, Origin};
use crate::files::{self, ContainersConf, Parsed, RegistriesConf, StorageConf};
use crate::settings::{Set, Settings};
use crate::types::{
    CgroupManager, EventsLogger, LockKind, LogDriver, NetworkBackend, RuntimeConfig, StateBackend,
};

fn set<T>(value: T, origin: Origin) -> Option<Set<T>> {
    Some(Set { value, origin })
}

fn abs_path(value: &str, origin: &Origin, key: &str) -> Result<PathBuf, ConfigError> {
    if value.starts_with('/') {
        Ok(PathBuf::from(value))
    } else {
        Err(ConfigError::RelativePath {
            origin: origin.clone(),
            key: key.to_string(),
            value: value.to_string(),
        })
    }
}

fn parse_enum<T: FromStr<Err = String>>(
    value: &str,
    origin: &Origin,
    key: &str,
) -> Result<T, ConfigError> {
    value.parse().map_err(|expected| ConfigError::InvalidValue {
        origin: origin.clone(),
        key: key.to_string(),
        value: value.to_string(),
        expected,
    })
}

/// The storage drivers we implement.
fn check_driver(value: &str, origin: &Origin, key: &str) -> Result<(), ConfigError> {
    if value == "overlay" || value == "vfs" {
        return Ok(());
    }
    Err(ConfigError::InvalidValue {
        origin: origin.clone(),
        key: key.to_string(),
        value: value.to_string(),
        expected: "one of overlay, vfs".into(),
    })
}

fn log_size(value: i64, origin: &Origin, key: &str) -> Result<Option<u64>, ConfigError> {
    match value {
        -1 => Ok(None),
        v if v > 0 => Ok(Some(v.unsigned_abs())),
        v => Err(ConfigError::InvalidValue {
            origin: origin.clone(),
            key: key.to_string(),
            value: v.to_string(),
            expected: "a positive number of bytes, or -1 for unlimited".to_string(),
        }),
    }
}

/// `1000`, `1k`, `1m`, `1g` (powers of 1000, as containers/common reads them); `0` or `-1`:
/// no limit.
fn human_size(value: &str, origin: &Origin, key: &str) -> Result<Option<u64>, ConfigError> {
    match value.trim() {
        "0" | "-1" => Ok(None),
        v => crate::units::parse_decimal(v)
            .map(Some)
            .ok_or_else(|| ConfigError::InvalidValue {
                origin: origin.clone(),
                key: key.to_string(),
                value: value.to_string(),
                expected: "a size such as 1000000, 500k or 1m".to_string(),
            }),
    }
}

/// Helpers that turn spanned file values into settings with file:line origins.
struct FileLayer<'a, T> {
    file: &'a Parsed<T>,
}

impl<T> FileLayer<'_, T> {
    fn string(&self, v: &Option<Spanned<String>>) -> Option<Set<String>> {
        v.as_ref().map(|s| Set {
            value: s.get_ref().clone(),
            origin: self.file.origin(s.span()),
        })
    }
    fn strings(&self, v: &Option<Spanned<Vec<String>>>) -> Option<Set<Vec<String>>> {
        v.as_ref().map(|s| Set {
            value: s.get_ref().clone(),
            origin: self.file.origin(s.span()),
        })
    }
    fn scalar<V: Clone>(&self, v: &Option<Spanned<V>>) -> Option<Set<V>> {
        v.as_ref().map(|s| Set {
            value: s.get_ref().clone(),
            origin: self.file.origin(s.span()),
        })
    }
    fn path(
        &self,
        v: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<Set<PathBuf>>, ConfigError> {
        self.string(v)
            .map(|s| {
                Ok(Set {
                    value: abs_path(&s.value, &s.origin, key)?,
                    origin: s.origin,
                })
            })
            .transpose()
    }
    fn paths(
        &self,
        v: &Option<Spanned<Vec<String>>>,
        key: &str,
    ) -> Result<Option<Set<Vec<PathBuf>>>, ConfigError> {
        self.strings(v)
            .map(|s| {
                let value = s
                    .value
                    .iter()
                    .map(|p| abs_path(p, &s.origin, key))
                    .collect::<Result<_, _>>()?;
                Ok(Set {
                    value,
                    origin: s.origin,
                })
            })
            .transpose()
    }
    fn named<E: FromStr<Err = String>>(
        &self,
        v: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<Set<E>>, ConfigError> {
        self.string(v)
            .map(|s| {
                Ok(Set {
                    value: parse_enum(&s.value, &s.origin, key)?,
                    origin: s.origin,
                })
            })
            .transpose()
    }
}

fn containers_layer(file: &Parsed<ContainersConf>) -> Result<Settings, ConfigError> {
    let l = FileLayer { file };
    let c = &file.value.containers;
    let e = &file.value.engine;
    let n = &file.value.network;
    let max_log_size = match &c.log_size_max {
        Some(s) => {
            let origin = file.origin(s.span());
            set(log_size(*s.get_ref(), &origin, "log_size_max")?, origin)
        }
        None => None,
    };
    let mut runtimes = BTreeMap::new();
    for (name, paths) in e.runtimes.iter().flatten() {
        let origin = file.origin(paths.span());
        let key = format!("engine.runtimes.{name}");
        let value = paths
            .get_ref()
            .iter()
            .map(|p| abs_path(p, &origin, &key))
            .collect::<Result<_, _>>()?;
        runtimes.insert(name.clone(), Set { value, origin });
    }
    Ok(Settings {
        log_driver: l.named(&c.log_driver, "log_driver")?,
        default_capabilities: match &c.default_capabilities {
            Some(caps) => {
                let origin = file.origin(caps.span());
                let names = caps
                    .get_ref()
                    .iter()
                    .map(|n| {
                        crate::caps::normalize(n).ok_or_else(|| ConfigError::InvalidValue {
                            origin: origin.clone(),
                            key: "default_capabilities".into(),
                            value: n.clone(),
                            expected: "capability names such as CHOWN or CAP_NET_RAW".into(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                set(names, origin)
            }
            None => None,
        },
        max_log_size,
        seccomp_profile: l.path(&c.seccomp_profile, "seccomp_profile")?,
        cgroup_manager: l.named(&e.cgroup_manager, "cgroup_manager")?,
        cdi_spec_dirs: l.paths(&e.cdi_spec_dirs, "cdi_spec_dirs")?,
        conmon_paths: l.paths(&e.conmon_path, "conmon_path")?,
        conmon_env: l.strings(&e.conmon_env_vars),
        state_backend: l.named(&e.database_backend, "database_backend")?,
        image_default_transport: l.string(&e.image_default_transport),
        lock_kind: l.named(&e.lock_type, "lock_type")?,
        no_pivot_root: l.scalar(&e.no_pivot_root),
        num_locks: l.scalar(&e.num_locks),
        oci_runtime: l.string(&e.runtime),
        runtimes,
        signature_policy_path: l.path(&e.signature_policy_path, "signature_policy_path")?,
        static_dir: l.path(&e.static_dir, "static_dir")?,
        tmp_dir: l.path(&e.tmp_dir, "tmp_dir")?,
        events_logger: l.named(&e.events_logger, "events_logger")?,
        events_log_path: l.path(&e.events_logfile_path, "events_logfile_path")?,
        events_log_max_size: match &e.events_logfile_max_size {
            Some(s) => {
                let origin = file.origin(s.span());
                set(
                    human_size(s.get_ref(), &origin, "events_logfile_max_size")?,
                    origin,
                )
            }
            None => None,
        },
        cni_plugin_dirs: l.paths(&n.cni_plugin_dirs, "cni_plugin_dirs")?,
        helper_binaries_dir: l.paths(&e.helper_binaries_dir, "helper_binaries_dir")?,
        // podman's "" means "choose"; it is the commented default in every shipped file.
        network_backend: match &n.network_backend {
            Some(b) if b.get_ref().is_empty() => None,
            _ => l.named(&n.network_backend, "network_backend")?,
        },
        default_network: l.string(&n.default_network),
        default_subnet: l.string(&n.default_subnet),
        cni_config_dir: l.path(&n.network_config_dir, "network_config_dir")?,
        defaults: crate::defaults::layer(file, c)?,
        warnings: crate::conf_containers::unknown_keys(&file.text)
            .into_iter()
            .map(|k| {
                format!(
                    "{}: key {k:?} is not supported by libpod-rs: ignored",
                    file.path.display()
                )
            })
            .collect(),
        ..Settings::default()
    })
}

fn storage_layer(file: &Parsed<StorageConf>) -> Result<Settings, ConfigError> {
    let l = FileLayer { file };
    let s = &file.value.storage;
    let driver = l.string(&s.driver);
    if let Some(d) = &driver {
        check_driver(&d.value, &d.origin, "driver")?;
    }
    let mountopt = l
        .string(&s.options.overlay.mountopt)
        .or_else(|| l.string(&s.options.mountopt));
    Ok(Settings {
        driver,
        graph_root: l.path(&s.graphroot, "graphroot")?,
        run_root: l.path(&s.runroot, "runroot")?,
        mount_options: mountopt.map(|m| Set {
            value: m
                .value
                .split(',')
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            origin: m.origin,
        }),
        ..Settings::default()
    })
}

fn registries_layer(file: &Parsed<RegistriesConf>) -> Result<Settings, ConfigError> {
    let l = FileLayer { file };
    let r = &file.value;
    if let Some(mode) = &r.short_name_mode {
        let v = mode.get_ref().as_str();
        if !matches!(v, "enforcing" | "permissive" | "disabled") {
            return Err(ConfigError::InvalidValue {
                origin: file.origin(mode.span()),
                key: "short-name-mode".into(),
                value: v.into(),
                expected: "one of enforcing, permissive, disabled".into(),
            });
        }
    }
    let file_origin = Origin::File {
        path: file.path.clone(),
        line: 1,
    };
    let registries = match &r.registry {
        Some(entries) => {
            let mut out = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                out.push(e.to_registry().ok_or_else(|| ConfigError::InvalidValue {
                    origin: file_origin.clone(),
                    key: format!("registry[{i}]"),
                    value: String::new(),
                    expected: "a `prefix` or a `location`".into(),
                })?);
            }
            set(out, file_origin.clone())
        }
        None => None,
    };
    let insecure = registries.as_ref().map(|r| Set {
        value: r
            .value
            .iter()
            .filter(|r| r.insecure)
            .map(|r| r.location.clone())
            .collect(),
        origin: r.origin.clone(),
    });
    Ok(Settings {
        search_registries: l.strings(&r.unqualified_search_registries),
        short_name_mode: l.string(&r.short_name_mode),
        registries,
        insecure_registries: insecure,
        aliases: r.aliases.clone().map(|a| Set {
            value: a,
            origin: file_origin,
        }),
        ..Settings::default()
    })
}

/// Environment variables that set single values, with the key each sets.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("LIBPOD_RS_ROOT", "graph root"),
    ("LIBPOD_RS_RUNROOT", "run root"),
    ("LIBPOD_RS_STORAGE_DRIVER", "storage driver"),
    ("LIBPOD_RS_STATIC_DIR", "static dir"),
    ("LIBPOD_RS_TMPDIR", "tmp dir"),
    ("LIBPOD_RS_RUNTIME", "OCI runtime"),
    ("LIBPOD_RS_CONMON", "conmon path"),
    ("LIBPOD_RS_CGROUP_MANAGER", "cgroup manager"),
    ("LIBPOD_RS_STATE_BACKEND", "state backend"),
    ("LIBPOD_RS_NETWORK_CONFIG_DIR", "CNI config dir"),
    ("LIBPOD_RS_LOCK_TYPE", "lock kind"),
    ("LIBPOD_RS_LOG_DRIVER", "log driver"),
    ("LIBPOD_RS_CONF", "an extra containers.conf, read last"),
    ("LIBPOD_RS_STORAGE_CONF", "an extra storage.conf, read last"),
    (
        "LIBPOD_RS_REGISTRIES_CONF",
        "an extra registries.conf, read last",
    ),
];

fn env_layer(env: &BTreeMap<String, String>) -> Result<Settings, ConfigError> {
    let mut s = Settings::default();
    for (var, value) in env {
        if !var.starts_with("LIBPOD_RS_") {
            continue;
        }
        let o = Origin::Env(var.clone());
        match var.as_str() {
            "LIBPOD_RS_ROOT" => s.graph_root = set(abs_path(value, &o, var)?, o),
            "LIBPOD_RS_RUNROOT" => s.run_root = set(abs_path(value, &o, var)?, o),
            "LIBPOD_RS_STORAGE_DRIVER" => {
                check_driver(value, &o, var)?;
                s.driver = set(value.clone(), o)
            }
            "LIBPOD_RS_STATIC_DIR" => s.static_dir = set(abs_path(value, &o, var)?, o),
            "LIBPOD_RS_TMPDIR" => s.tmp_dir = set(abs_path(value, &o, var)?, o),
            "LIBPOD_RS_RUNTIME" => s.oci_runtime = set(value.clone(), o),
            "LIBPOD_RS_CONMON" => s.conmon_paths = set(vec![abs_path(value, &o, var)?], o),
            "LIBPOD_RS_CGROUP_MANAGER" => s.cgroup_manager = set(parse_enum(value, &o, var)?, o),
            "LIBPOD_RS_STATE_BACKEND" => s.state_backend = set(parse_enum(value, &o, var)?, o),
            "LIBPOD_RS_NETWORK_CONFIG_DIR" => s.cni_config_dir = set(abs_path(value, &o, var)?, o),
            "LIBPOD_RS_LOCK_TYPE" => s.lock_kind = set(parse_enum(value, &o, var)?, o),
            "LIBPOD_RS_LOG_DRIVER" => s.log_driver = set(parse_enum(value, &o, var)?, o),
            // File variables are handled by the file loader.
            "LIBPOD_RS_CONF" | "LIBPOD_RS_STORAGE_CONF" | "LIBPOD_RS_REGISTRIES_CONF" => {}
            _ => {
                let known: Vec<&str> = ENV_VARS.iter().map(|(v, _)| *v).collect();
                return Err(ConfigError::InvalidValue {
                    origin: o,
                    key: var.clone(),
                    value: value.clone(),
                    expected: format!("a known variable: {}", known.join(", ")),
                });
            }
        }
    }
    Ok(s)
}

/// podman's containers.conf files, read below ours so a podman user's settings apply.
pub const PODMAN_CONTAINERS_CONF: [&str; 2] = [
    "/usr/share/containers/containers.conf",
    "/etc/containers/containers.conf",
];

/// Builds a [`RuntimeConfig`] from defaults, files, environment and explicit options.
///
/// `RuntimeConfig::builder()` reads the system and user files and the process environment;
/// [`ConfigBuilder::isolated`] reads neither, for tests and embedders that want full control.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    podman_files: Vec<PathBuf>,
    system_dir: Option<PathBuf>,
    user_dir: Option<PathBuf>,
    env: BTreeMap<String, String>,
    options: Settings,
}

impl RuntimeConfig {
    /// A builder that reads podman's containers.conf files (or the one `CONTAINERS_CONF`
    /// names), `/etc/libpod-rs`, the user's config dir and the environment.
    pub fn builder() -> ConfigBuilder {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let user_dir = env
            .get("XDG_CONFIG_HOME")
            .filter(|d| d.starts_with('/'))
            .map(PathBuf::from)
            .or_else(|| {
                env.get("HOME")
                    .filter(|h| h.starts_with('/'))
                    .map(|h| Path::new(h).join(".config"))
            })
            .map(|d| d.join("libpod-rs"));
        // As podman: CONTAINERS_CONF names the one containers.conf to read instead of its
        // default files.
        let podman_files = match env.get("CONTAINERS_CONF").filter(|p| !p.is_empty()) {
            Some(p) => vec![PathBuf::from(p)],
            None => PODMAN_CONTAINERS_CONF.iter().map(PathBuf::from).collect(),
        };
        ConfigBuilder {
            podman_files,
            system_dir: Some(PathBuf::from("/etc/libpod-rs")),
            user_dir,
            env,
            options: Settings::default(),
        }
    }
}

macro_rules! setters {
    ($($(#[$m:meta])* $name:ident($field:ident: $ty:ty) $conv:expr;)+) => {
        $(
            $(#[$m])*
            pub fn $name(mut self, $field: $ty) -> Self {
                #[allow(clippy::redundant_closure_call)]
                let v = ($conv)($field);
                self.options.$field = set(v, Origin::Builder);
                self
            }
        )+
    };
}

impl ConfigBuilder {
    /// A builder that reads no files and no environment: defaults plus what you set.
    pub fn isolated() -> Self {
        ConfigBuilder {
            podman_files: Vec::new(),
            system_dir: None,
            user_dir: None,
            env: BTreeMap::new(),
            options: Settings::default(),
        }
    }

    /// Reads these containers.conf files first, lowest precedence first (default: podman's,
    /// [`PODMAN_CONTAINERS_CONF`]).
    pub fn podman_config_files(mut self, files: Vec<PathBuf>) -> Self {
        self.podman_files = files;
        self
    }

    /// Reads system files from `dir` instead of `/etc/libpod-rs` (`None`: no system files).
    pub fn system_config_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.system_dir = dir;
        self
    }

    /// Reads user files from `dir` (`None`: no user files).
    pub fn user_config_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.user_dir = dir;
        self
    }

    /// Uses `env` instead of the process environment.
    pub fn environment(mut self, env: BTreeMap<String, String>) -> Self {
        self.env = env;
        self
    }

    /// Adds a known OCI runtime with candidate paths.
    pub fn runtime_paths(mut self, name: &str, paths: Vec<PathBuf>) -> Self {
        self.options.runtimes.insert(
            name.to_string(),
            Set {
                value: paths,
                origin: Origin::Builder,
            },
        );
        self
    }

    setters! {
        /// Persistent storage root.
        graph_root(graph_root: impl Into<PathBuf>) Into::into;
        /// Per-boot storage root.
        run_root(run_root: impl Into<PathBuf>) Into::into;
        /// Storage driver (`overlay` or `vfs`).
        storage_driver(driver: impl Into<String>) Into::into;
        /// Mount options for the storage driver.
        mount_options(mount_options: Vec<String>) std::convert::identity;
        /// Transport for image names without one.
        image_default_transport(image_default_transport: impl Into<String>) Into::into;
        /// Registries reached without TLS verification.
        insecure_registries(insecure_registries: Vec<String>) std::convert::identity;
        /// Registries searched for short names.
        search_registries(search_registries: Vec<String>) std::convert::identity;
        /// Signature policy file.
        signature_policy_path(signature_policy_path: impl Into<PathBuf>) Into::into;
        /// State database backend.
        state_backend(state_backend: StateBackend) std::convert::identity;
        /// OCI runtime by name or absolute path.
        oci_runtime(oci_runtime: impl Into<String>) Into::into;
        /// conmon's path (or candidates, first found wins).
        conmon_paths(conmon_paths: Vec<PathBuf>) std::convert::identity;
        /// Environment given to conmon.
        conmon_env(conmon_env: Vec<String>) std::convert::identity;
        /// cgroup manager.
        cgroup_manager(cgroup_manager: CgroupManager) std::convert::identity;
        /// Directories of CDI device specs.
        cdi_spec_dirs(cdi_spec_dirs: Vec<PathBuf>) std::convert::identity;
        /// Persistent runtime dir.
        static_dir(static_dir: impl Into<PathBuf>) Into::into;
        /// Per-boot runtime dir.
        tmp_dir(tmp_dir: impl Into<PathBuf>) Into::into;
        /// Largest container log (`None`: unlimited).
        max_log_size(max_log_size: Option<u64>) std::convert::identity;
        /// Use `MS_MOVE` instead of `pivot_root`.
        no_pivot_root(no_pivot_root: bool) std::convert::identity;
        /// CNI config dir.
        cni_config_dir(cni_config_dir: impl Into<PathBuf>) Into::into;
        /// CNI plugin dirs.
        cni_plugin_dirs(cni_plugin_dirs: Vec<PathBuf>) std::convert::identity;
        /// The network backend (unset: chosen as podman 4.3 does).
        network_backend(network_backend: NetworkBackend) std::convert::identity;
        /// Where netavark and aardvark-dns are looked for.
        helper_binaries_dir(helper_binaries_dir: Vec<PathBuf>) std::convert::identity;
        /// Default network name.
        default_network(default_network: impl Into<String>) Into::into;
        /// Subnet of the default network.
        default_subnet(default_subnet: impl Into<String>) Into::into;
        /// Expected number of locks (a sizing hint).
        num_locks(num_locks: u32) std::convert::identity;
        /// Lock implementation.
        lock_kind(lock_kind: LockKind) std::convert::identity;
        /// Seccomp profile.
        seccomp_profile(seccomp_profile: impl Into<PathBuf>) Into::into;
        /// Log driver.
        log_driver(log_driver: LogDriver) std::convert::identity;
        /// Where events go.
        events_logger(events_logger: EventsLogger) std::convert::identity;
        /// The event log file.
        events_log_path(events_log_path: impl Into<PathBuf>) Into::into;
        /// The event log's rotation size (`None`: never rotated).
        events_log_max_size(events_log_max_size: Option<u64>) std::convert::identity;
    }

    /// The files read, in precedence order (lowest first): path, whether it must exist, and
    /// which kind of file it is (named by its variable, whatever the file is called).
    fn file_list(&self) -> Vec<(PathBuf, bool, FileKind)> {
        let kinds = [
            ("containers.conf", "LIBPOD_RS_CONF", FileKind::Containers),
            ("storage.conf", "LIBPOD_RS_STORAGE_CONF", FileKind::Storage),
            (
                "registries.conf",
                "LIBPOD_RS_REGISTRIES_CONF",
                FileKind::Registries,
            ),
        ];
        let mut out: Vec<_> = self
            .podman_files
            .iter()
            .map(|p| (p.clone(), false, FileKind::Containers))
            .collect();
        for dir in [&self.system_dir, &self.user_dir].into_iter().flatten() {
            for (name, _, kind) in kinds {
                out.push((dir.join(name), false, kind));
            }
        }
        for (_, var, kind) in kinds {
            if let Some(p) = self.env.get(var) {
                out.push((PathBuf::from(p), true, kind));
            }
        }
        out
    }

    /// Reads the layers and resolves the final configuration.
    pub fn build(self) -> Result<RuntimeConfig, ConfigError> {
        let mut layers = Settings::default();
        for (path, required, kind) in self.file_list() {
            if required && !path.exists() {
                return Err(ConfigError::Io {
                    path,
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "named by the environment but missing",
                    ),
                });
            }
            let layer = match kind {
                FileKind::Storage => files::load::<StorageConf>(&path)?
                    .map(|f| storage_layer(&f))
                    .transpose()?,
                FileKind::Registries => files::load::<RegistriesConf>(&path)?
                    .map(|f| registries_layer(&f))
                    .transpose()?,
                FileKind::Containers => files::load::<ContainersConf>(&path)?
                    .map(|f| containers_layer(&f))
                    .transpose()?,
            };
            if let Some(l) = layer {
                layers.merge(l);
            }
        }
        layers.merge(env_layer(&self.env)?);
        check_builder(&self.options)?;
        layers.merge(self.options);
        crate::finish::finish(layers, &self.env)
    }
}

/// The three kinds of configuration file.
#[derive(Debug, Clone, Copy)]
enum FileKind {
    Containers,
    Storage,
    Registries,
}

/// Builder options get the same checks as files: absolute paths and a known storage driver.
fn check_builder(s: &Settings) -> Result<(), ConfigError> {
    let o = Origin::Builder;
    let paths = [
        ("graph_root", &s.graph_root),
        ("run_root", &s.run_root),
        ("static_dir", &s.static_dir),
        ("tmp_dir", &s.tmp_dir),
        ("events_log_path", &s.events_log_path),
        ("cni_config_dir", &s.cni_config_dir),
        ("seccomp_profile", &s.seccomp_profile),
        ("signature_policy_path", &s.signature_policy_path),
    ];
    for (key, v) in paths {
        if let Some(v) = v {
            abs_path(&v.value.to_string_lossy(), &o, key)?;
        }
    }
    for (key, v) in [
        ("conmon_paths", &s.conmon_paths),
        ("cni_plugin_dirs", &s.cni_plugin_dirs),
        ("helper_binaries_dir", &s.helper_binaries_dir),
    ] {
        for p in v.iter().flat_map(|v| v.value.iter()) {
            abs_path(&p.to_string_lossy(), &o, key)?;
        }
    }
    if let Some(d) = &s.driver {
        check_driver(&d.value, &o, "storage_driver")?;
    }
    Ok(())
}
