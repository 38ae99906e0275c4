//! The three file formats we read, with podman's key names: containers.conf, storage.conf
//! and registries.conf v2. Parsing is strict: unknown keys and wrong types are errors that
//! name the file, line and key.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{ConfigError, Origin};
use crate::types::{Mirror, Registry};

/// containers.conf: `[containers]`, `[engine]`, `[network]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainersConf {
    /// `[containers]`.
    #[serde(default)]
    pub containers: ContainersTable,
    /// `[engine]`.
    #[serde(default)]
    pub engine: EngineTable,
    /// `[network]`.
    #[serde(default)]
    pub network: NetworkTable,
}

/// containers.conf `[containers]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainersTable {
    /// `default_capabilities`: with or without `CAP_`.
    pub default_capabilities: Option<Spanned<Vec<String>>>,
    /// `log_driver`.
    pub log_driver: Option<Spanned<String>>,
    /// `log_size_max` in bytes, -1 for unlimited.
    pub log_size_max: Option<Spanned<i64>>,
    /// `seccomp_profile`.
    pub seccomp_profile: Option<Spanned<String>>,
}

/// containers.conf `[engine]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineTable {
    /// `cgroup_manager`.
    pub cgroup_manager: Option<Spanned<String>>,
    /// `conmon_path`: candidate paths.
    pub conmon_path: Option<Spanned<Vec<String>>>,
    /// `conmon_env_vars`.
    pub conmon_env_vars: Option<Spanned<Vec<String>>>,
    /// `database_backend`: memory, sqlite or redb.
    pub database_backend: Option<Spanned<String>>,
    /// `events_logger`: file, journald or none.
    pub events_logger: Option<Spanned<String>>,
    /// `events_logfile_path`.
    pub events_logfile_path: Option<Spanned<String>>,
    /// `events_logfile_max_size`: bytes, with an optional k, m or g (powers of 1000).
    pub events_logfile_max_size: Option<Spanned<String>>,
    /// `image_default_transport`.
    pub image_default_transport: Option<Spanned<String>>,
    /// `lock_type`.
    pub lock_type: Option<Spanned<String>>,
    /// `no_pivot_root`.
    pub no_pivot_root: Option<Spanned<bool>>,
    /// `num_locks`.
    pub num_locks: Option<Spanned<u32>>,
    /// `runtime`: a name from `[engine.runtimes]` or an absolute path.
    pub runtime: Option<Spanned<String>>,
    /// `[engine.runtimes]`: name to candidate paths.
    pub runtimes: Option<BTreeMap<String, Spanned<Vec<String>>>>,
    /// `signature_policy_path` (our addition; podman takes it from a flag).
    pub signature_policy_path: Option<Spanned<String>>,
    /// `static_dir`.
    pub static_dir: Option<Spanned<String>>,
    /// `tmp_dir`.
    pub tmp_dir: Option<Spanned<String>>,
}

/// containers.conf `[network]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkTable {
    /// `cni_plugin_dirs`.
    pub cni_plugin_dirs: Option<Spanned<Vec<String>>>,
    /// `default_network`.
    pub default_network: Option<Spanned<String>>,
    /// `default_subnet`.
    pub default_subnet: Option<Spanned<String>>,
    /// `network_config_dir`.
    pub network_config_dir: Option<Spanned<String>>,
}

/// storage.conf.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConf {
    /// `[storage]`.
    #[serde(default)]
    pub storage: StorageTable,
}

/// storage.conf `[storage]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageTable {
    /// `driver`.
    pub driver: Option<Spanned<String>>,
    /// `graphroot`.
    pub graphroot: Option<Spanned<String>>,
    /// `runroot`.
    pub runroot: Option<Spanned<String>>,
    /// `[storage.options]`.
    #[serde(default)]
    pub options: StorageOptions,
}

/// storage.conf `[storage.options]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageOptions {
    /// `mountopt`: comma-separated mount options for the driver.
    pub mountopt: Option<Spanned<String>>,
    /// `[storage.options.overlay]`.
    #[serde(default)]
    pub overlay: OverlayOptions,
}

/// storage.conf `[storage.options.overlay]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayOptions {
    /// `mountopt`: comma-separated overlay mount options.
    pub mountopt: Option<Spanned<String>>,
}

/// registries.conf, version 2.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RegistriesConf {
    /// `unqualified-search-registries`.
    pub unqualified_search_registries: Option<Spanned<Vec<String>>>,
    /// `short-name-mode`: enforcing, permissive or disabled.
    pub short_name_mode: Option<Spanned<String>>,
    /// `[[registry]]`.
    pub registry: Option<Vec<RegistryEntry>>,
    /// `[aliases]`.
    pub aliases: Option<BTreeMap<String, String>>,
}

/// registries.conf `[[registry]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryEntry {
    /// `prefix`.
    pub prefix: Option<String>,
    /// `location`.
    pub location: Option<String>,
    /// `insecure`.
    #[serde(default)]
    pub insecure: bool,
    /// `blocked`.
    #[serde(default)]
    pub blocked: bool,
    /// `[[registry.mirror]]`.
    #[serde(default)]
    pub mirror: Vec<MirrorEntry>,
}

/// registries.conf `[[registry.mirror]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MirrorEntry {
    /// `location`.
    pub location: String,
    /// `insecure`.
    #[serde(default)]
    pub insecure: bool,
}

impl RegistryEntry {
    /// The plain-data form; `prefix` defaults to `location` and the other way round.
    pub fn to_registry(&self) -> Option<Registry> {
        let prefix = self.prefix.clone().or_else(|| self.location.clone())?;
        let location = self.location.clone().unwrap_or_else(|| prefix.clone());
        Some(Registry {
            prefix,
            location,
            insecure: self.insecure,
            blocked: self.blocked,
            mirrors: self
                .mirror
                .iter()
                .map(|m| Mirror {
                    location: m.location.clone(),
                    insecure: m.insecure,
                })
                .collect(),
        })
    }
}

/// A parsed file with its text, so later checks can turn spans into line numbers.
#[derive(Debug)]
pub struct Parsed<T> {
    /// The file's path.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    /// The parsed content.
    pub value: T,
}

impl<T> Parsed<T> {
    /// The origin of a value at `span` in this file.
    pub fn origin(&self, span: Range<usize>) -> Origin {
        Origin::File {
            path: self.path.clone(),
            line: line_col(&self.text, span.start).0,
        }
    }
}

/// Parses `text` (the contents of `path`) strictly as `T`.
pub fn parse<T: for<'de> Deserialize<'de>>(path: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str::<T>(text).map_err(|e| {
        let start = e.span().map(|s| s.start).unwrap_or(0);
        let (line, column) = line_col(text, start);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            key: key_at(text, start),
            message: e.message().trim().to_string(),
        }
    })
}

/// Reads and parses a file; `Ok(None)` when it does not exist.
pub fn load<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<Parsed<T>>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let value = parse(path, &text)?;
    Ok(Some(Parsed {
        path: path.to_path_buf(),
        text,
        value,
    }))
}

/// 1-based line and column of byte offset `pos` in `text` (clamped to the text).
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The key named on the line holding byte `pos`: the text before `=`, or a table header.
fn key_at(text: &str, pos: usize) -> String {
    let (line, _) = line_col(text, pos);
    let Some(l) = text.lines().nth(line - 1) else {
        return "?".to_string();
    };
    let l = l.trim();
    if let Some((k, _)) = l.split_once('=') {
        return k.trim().trim_matches('"').to_string();
    }
    if l.starts_with('[') {
        return l.trim_matches(|c| c == '[' || c == ']').trim().to_string();
    }
    "?".to_string()
}
