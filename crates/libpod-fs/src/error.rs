//! The crate's one error type, a variant per cause.

use std::path::PathBuf;

/// What went wrong resolving, reading or writing a path inside a root.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// A system call on a path failed.
    #[error("{what} {path}: {source}")]
    Sys {
        /// What was being done ("open", "create", ...).
        what: &'static str,
        /// The path, as seen inside its root.
        path: PathBuf,
        /// The kernel's answer.
        #[source]
        source: nix::errno::Errno,
    },
    /// Reading or writing file contents failed.
    #[error("{path}: {source}")]
    Io {
        /// The path, as seen inside its root.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A path that must name a regular file names something else (a device, a FIFO, ...).
    #[error("{path} is not a regular file ({kind}); only regular files are read")]
    NotRegular {
        /// The path, as seen inside its root.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// A file is larger than the caller allows.
    #[error("{path} is larger than {limit} bytes")]
    TooLarge {
        /// The path, as seen inside its root.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A path has no last component to create or replace (like `/` or `..`).
    #[error("{path:?} does not name a file")]
    NoName {
        /// The path given.
        path: PathBuf,
    },
    /// A tar entry would be written outside the destination (`..` or an absolute hard link).
    #[error("archive entry {entry:?}: {reason}")]
    BadEntry {
        /// The entry's name.
        entry: String,
        /// Why it was refused.
        reason: String,
    },
    /// A copy that podman's rules refuse (directory onto a file, missing directory, ...).
    #[error("{0}")]
    Copy(String),
    /// The path does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path, as seen inside its root.
        path: PathBuf,
    },
}

impl FsError {
    /// True when the error says the path does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            FsError::NotFound { .. }
                | FsError::Sys {
                    source: nix::errno::Errno::ENOENT,
                    ..
                }
        )
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, FsError>;

/// Builds the `map_err` closure for a failed system call on `path`.
pub(crate) fn sys(
    what: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(nix::errno::Errno) -> FsError {
    let path = path.into();
    move |source| {
        if source == nix::errno::Errno::ENOENT {
            FsError::NotFound { path }
        } else {
            FsError::Sys { what, path, source }
        }
    }
}

/// Builds the `map_err` closure for a failed read or write of `path`.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> FsError {
    let path = path.into();
    move |source| FsError::Io { path, source }
}

/// An I/O error as Go prints it (`no such file or directory`), without Rust's "(os error N)":
/// the text podman users and their scripts know.
pub fn go_io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = s.split(" (os error").next().unwrap_or(&s);
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}
