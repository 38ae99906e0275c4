//! Plain data of the store: images, layers, container layers, info (ground floor).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What an image asks of the containers made from it (from its OCI config).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageConfig {
    /// Entrypoint.
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    /// Default command.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// Environment, `KEY=value`.
    #[serde(default)]
    pub env: Vec<String>,
    /// Working directory.
    #[serde(default)]
    pub working_dir: Option<String>,
    /// User.
    #[serde(default)]
    pub user: Option<String>,
    /// Exposed ports (`80/tcp`).
    #[serde(default)]
    pub exposed_ports: Vec<String>,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Stop signal.
    #[serde(default)]
    pub stop_signal: Option<String>,
    /// Volumes the image declares.
    #[serde(default)]
    pub volumes: Vec<String>,
}

/// One layer of an image, as its manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    /// Digest of the stored (possibly compressed) blob.
    pub blob: String,
    /// Media type of the blob.
    pub media_type: String,
    /// Size of the blob.
    pub blob_size: u64,
    /// Digest of the uncompressed tar (the layer's identity).
    pub diff_id: String,
}

/// An image in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// The image ID: the hex of its config digest.
    pub id: String,
    /// Fully qualified names (`localhost/busybox:latest`).
    pub names: Vec<String>,
    /// Digest of its manifest.
    pub manifest_digest: String,
    /// Digest of its config.
    pub config_digest: String,
    /// Layers, bottom first.
    pub layers: Vec<LayerRef>,
    /// Creation time from its config (nanoseconds since the epoch), else the import time.
    pub created: i64,
    /// Uncompressed size of its layers.
    pub size: u64,
    /// What containers made from it run.
    pub config: ImageConfig,
    /// OS and architecture from its config.
    pub platform: String,
}

/// An extracted layer, shared by every image that lists its diff ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// Digest of the uncompressed tar.
    pub diff_id: String,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// Short name of its link under `<graph root>/l`, which keeps overlay mount options short.
    pub link: String,
}

/// A container's writable layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerLayer {
    /// The container's ID.
    pub id: String,
    /// The image it was made from (empty for none).
    pub image: String,
    /// Its image's layers (diff IDs), bottom first.
    pub layers: Vec<String>,
    /// `overlay` or `vfs`.
    pub driver: String,
    /// Creation time (nanoseconds since the epoch).
    pub created: i64,
    /// The creator's own data (libpod records the container's lock number here).
    #[serde(default)]
    pub metadata: String,
}

/// What kind of change a path saw in a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    /// Added.
    Added,
    /// Changed.
    Modified,
    /// Deleted.
    Deleted,
}

/// One change in a container's filesystem, relative to its image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// Absolute path inside the container.
    pub path: String,
}

/// Store information for `info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    /// Graph root.
    pub graph_root: PathBuf,
    /// Run root.
    pub run_root: PathBuf,
    /// Driver in use.
    pub driver: String,
    /// Why this driver (for example, why overlay was not used).
    pub driver_reason: String,
    /// Filesystem type of the graph root.
    pub backing_filesystem: String,
    /// Number of images.
    pub images: usize,
    /// Number of container layers.
    pub containers: usize,
    /// Number of extracted layers.
    pub layers: usize,
}

/// Progress of a long copy: bytes done of a total, for one named item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// What is being copied (a layer digest, a file).
    pub item: String,
    /// Bytes done.
    pub done: u64,
    /// Total bytes, when known.
    pub total: Option<u64>,
}

/// Receives progress reports.
pub type ProgressFn<'a> = &'a mut dyn FnMut(&Progress);
