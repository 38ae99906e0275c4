//! Errors of the lock layer (ground floor).

use std::path::PathBuf;

/// Everything that can go wrong with locks.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The lock file could not be opened, read or written.
    #[error("lock file {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The lock file exists but is not ours or is damaged.
    #[error(
        "lock file {path} is not a libpod-rs lock file ({reason}); remove it (it only lives until reboot) and retry"
    )]
    BadFile {
        /// The lock file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A lock number that is not allocated was retrieved or freed (a double free, or a stale number).
    #[error("lock {0} is not allocated; it was freed already or never allocated")]
    NotAllocated(u32),
    /// `allocate_given` named a number that is already taken.
    #[error("lock {0} is already allocated")]
    AlreadyAllocated(u32),
    /// Every one of the 2^32 lock numbers is in use.
    #[error("all {} lock numbers are allocated", u64::from(u32::MAX) + 1)]
    Exhausted,
    /// A lock syscall failed.
    #[error("{op} of lock {key} in {path}: {source}")]
    Syscall {
        /// The operation (lock, unlock, try-lock).
        op: &'static str,
        /// The lock's key (its number, or a reserved name).
        key: String,
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: nix::Error,
    },
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, LockError>;
