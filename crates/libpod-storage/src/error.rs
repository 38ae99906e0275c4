//! Errors of the storage layer (ground floor).

use std::path::PathBuf;

/// Everything that can go wrong in image and container storage.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A path inside a layer, a container or an archive could not be used safely.
    #[error(transparent)]
    Fs(#[from] libpod_fs::FsError),
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A registry refused or failed a request.
    #[error("registry {registry}: {message}")]
    Registry {
        /// The registry's host (empty when several were tried).
        registry: String,
        /// What happened and what to do.
        message: String,
    },
    /// A registry could not be reached, or a transfer broke off: worth trying again.
    #[error("registry {registry}: {message}")]
    Unreachable {
        /// The registry's host.
        registry: String,
        /// What happened.
        message: String,
    },
    /// The signature policy does not allow an image.
    #[error("{reference}: refused by the signature policy: {reason}")]
    PolicyRejected {
        /// The image, as the policy saw it.
        reference: String,
        /// Which entry refused it, and why.
        reason: String,
    },
    /// A policy.json that cannot be used.
    #[error("signature policy {path}: {reason}")]
    BadPolicy {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// Content does not match its digest.
    #[error(
        "{what}: digest mismatch: expected {expected}, got {actual}; the content is damaged or was tampered with"
    )]
    DigestMismatch {
        /// What was checked.
        what: String,
        /// The digest it should have.
        expected: String,
        /// The digest it has.
        actual: String,
    },
    /// A digest string is not `sha256:` and 64 lowercase hex digits.
    #[error("invalid digest {0:?}: expected sha256:<64 hex digits>")]
    BadDigest(String),
    /// A layer entry would escape the layer or is otherwise refused.
    #[error("refusing layer entry {entry:?}: {reason}")]
    UnsafeEntry {
        /// The entry's path in the archive.
        entry: String,
        /// Why it is refused.
        reason: String,
    },
    /// An archive or layout is malformed.
    #[error("{source_name}: {reason}")]
    BadArchive {
        /// The archive or directory.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// An image reference does not parse.
    #[error("invalid image reference {reference:?}: {reason}")]
    BadReference {
        /// The reference as given.
        reference: String,
        /// Why.
        reason: String,
    },
    /// A `--change` instruction is not understood.
    #[error("invalid change {change:?}: {reason}")]
    BadChange {
        /// The instruction.
        change: String,
        /// Why.
        reason: String,
    },
    /// No image matches.
    #[error("{0}: image not known")]
    ImageNotKnown(String),
    /// Containers use the image.
    #[error("image {image} is in use by container(s) {}; remove them first or force the removal", containers.join(", "))]
    ImageInUse {
        /// The image ID.
        image: String,
        /// The containers that use it.
        containers: Vec<String>,
    },
    /// No container layer has this ID.
    #[error("container layer {0} not known")]
    ContainerNotKnown(String),
    /// A container layer with this ID exists.
    #[error("container layer {0} already exists")]
    ContainerExists(String),
    /// A mount or unmount failed.
    #[error("{op} {target}: {source}")]
    Mount {
        /// mount or unmount.
        op: &'static str,
        /// The mount point.
        target: PathBuf,
        /// The OS error.
        #[source]
        source: nix::Error,
    },
    /// A stored record does not decode.
    #[error("{what}: {detail}")]
    Corrupt {
        /// The file.
        what: PathBuf,
        /// The decoder's message.
        detail: String,
    },
    /// No free range of subordinate IDs is large enough for `--userns auto`.
    #[error("could not find enough available IDs: {0}")]
    NoFreeIds(String),
    /// The kernel or the filesystem cannot idmap a layer (a chowned copy is used instead).
    #[error("idmapped mount of {path}: {detail}")]
    IdmapUnsupported {
        /// The layer.
        path: PathBuf,
        /// The kernel's answer.
        detail: String,
    },
    /// A user namespace or an idmapped mount could not be made.
    #[error("user namespace for {what}: {detail}")]
    UserNs {
        /// What it was for (a layer's path, a container).
        what: String,
        /// What failed, and what to do.
        detail: String,
    },
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, StorageError>;

/// Attaches a path to an I/O error.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StorageError {
    let path = path.into();
    move |source| StorageError::Io { path, source }
}

impl StorageError {
    /// Whether the same operation may well succeed if tried again (the network failed it).
    pub fn is_transient(&self) -> bool {
        matches!(self, StorageError::Unreachable { .. })
    }
}
