//! The three file formats we read, with podman's key names: containers.conf, storage.conf
//! and registries.conf v2. Wrong types are errors that name the file, line and key; unknown
//! keys are errors in storage.conf and registries.conf, warnings in containers.conf (as
//! podman treats them).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{ConfigError, Origin};
use crate::types::{Mirror, Registry};

pub use crate::conf_containers::{ContainersConf, ContainersTable, EngineTable, NetworkTable};

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
