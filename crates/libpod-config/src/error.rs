//! Errors of the configuration layer (ground floor: imports nothing else of this crate).

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from; errors name it so users can find and fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A built-in default, discovered on the host.
    Default,
    /// A configuration file, at a 1-based line.
    File {
        /// The file that set the value.
        path: PathBuf,
        /// 1-based line of the key in that file.
        line: usize,
    },
    /// An environment variable.
    Env(String),
    /// An option the embedding program passed to the builder.
    Builder,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => write!(f, "the built-in default"),
            Origin::File { path, line } => write!(f, "{}:{}", path.display(), line),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Builder => write!(f, "the runtime builder options"),
        }
    }
}

/// Everything that can go wrong while loading or resolving configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid TOML, has a key we do not know, or a value of the wrong type.
    #[error("{path}:{line}:{column}: key `{key}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The key on that line (or `?` when the error is not about one key).
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A path that must be absolute is relative.
    #[error("{origin}: `{key}` must be an absolute path, got `{value}`")]
    RelativePath {
        /// Where the value was set.
        origin: Origin,
        /// The key.
        key: String,
        /// The relative value.
        value: String,
    },
    /// A value is outside what the key accepts.
    #[error("{origin}: `{key}` = `{value}` is not valid; expected {expected}")]
    InvalidValue {
        /// Where the value was set.
        origin: Origin,
        /// The key or variable.
        key: String,
        /// The value as given.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// An OCI runtime was named but no executable for it exists.
    #[error(
        "{origin}: OCI runtime `{name}` not found (searched {}); install it or set [engine.runtimes] {name} = [\"/path/to/{name}\"]",
        display_paths(searched)
    )]
    RuntimeNotFound {
        /// Where the runtime was named.
        origin: Origin,
        /// The runtime's name or path.
        name: String,
        /// Every place that was looked at.
        searched: Vec<PathBuf>,
    },
    /// conmon was not found in any of its candidate paths.
    #[error(
        "{origin}: conmon not found (searched {}); install conmon or set [engine] conmon_path",
        display_paths(searched)
    )]
    ConmonNotFound {
        /// Where the conmon paths were set.
        origin: Origin,
        /// Every place that was looked at.
        searched: Vec<PathBuf>,
    },
}

fn display_paths(paths: &[PathBuf]) -> String {
    let v: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if v.is_empty() {
        "nothing".to_string()
    } else {
        v.join(", ")
    }
}
