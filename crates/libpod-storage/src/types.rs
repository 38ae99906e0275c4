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
    /// The image's healthcheck (`Healthcheck`).
    #[serde(default)]
    pub healthcheck: Option<libpod_config::HealthConfig>,
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
    /// Other manifests of the same image (same config), pulled through another format or
    /// compression; `manifest_digest` is the one it was first stored with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternates: Vec<AltManifest>,
}

/// Another manifest of an image: its own layer blobs, and the names that came through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AltManifest {
    /// Digest of the manifest.
    pub digest: String,
    /// Names pulled (or tagged) through this manifest; they push it, not the first one.
    pub names: Vec<String>,
    /// Its layers, bottom first (same diff IDs, perhaps other blobs).
    pub layers: Vec<LayerRef>,
}

impl Image {
    /// The manifest (digest and layers) to use for `digest` when it is one of the image's,
    /// else for `name` when it came through another manifest, else the first one.
    pub fn manifest_for(&self, name: Option<&str>, digest: Option<&str>) -> (&str, &[LayerRef]) {
        let alt = self
            .alternates
            .iter()
            .find(|a| Some(a.digest.as_str()) == digest)
            .or_else(|| {
                self.alternates
                    .iter()
                    .find(|a| name.is_some_and(|n| a.names.iter().any(|x| x == n)))
            });
        match alt {
            Some(a) if Some(self.manifest_digest.as_str()) != digest => (&a.digest, &a.layers),
            _ => (&self.manifest_digest, &self.layers),
        }
    }

    /// Every manifest digest of the image, the first one first.
    pub fn manifest_digests(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.manifest_digest.as_str())
            .chain(self.alternates.iter().map(|a| a.digest.as_str()))
    }

    /// Records that `names` now stand for manifest `digest` (with `layers`).
    pub(crate) fn bind_names(&mut self, digest: &str, layers: &[LayerRef], names: &[String]) {
        self.unbind_names(names);
        if digest == self.manifest_digest {
            return;
        }
        match self.alternates.iter_mut().find(|a| a.digest == digest) {
            Some(a) => a.names.extend(names.iter().cloned()),
            None => self.alternates.push(AltManifest {
                digest: digest.to_string(),
                names: names.to_vec(),
                layers: layers.to_vec(),
            }),
        }
    }

    /// Forgets which manifest `names` stood for (they now stand for the first, or are gone).
    /// A manifest no name stands for any more is dropped, and its blobs with it.
    pub(crate) fn unbind_names(&mut self, names: &[String]) {
        for a in &mut self.alternates {
            a.names.retain(|n| !names.contains(n));
        }
        self.alternates.retain(|a| !a.names.is_empty());
    }
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
    /// The user namespace mappings its files are seen through (`None`: the host's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_mappings: Option<libpod_config::IdMappings>,
}

/// The user namespace a new container layer is made for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LayerUserNs {
    /// The host's: files as they are.
    #[default]
    Host,
    /// These mappings: the image's files seen through them, the writable layer's root owned
    /// by the mapped root.
    Mapped(libpod_config::IdMappings),
    /// A range of subordinate IDs no other container layer uses (`--userns auto`).
    Auto(AutoIds),
}

/// What `--userns auto` may take.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoIds {
    /// How many IDs; `None`: as many as the image's files and users need, at least
    /// [`libpod_config::userns::AUTO_MIN_SIZE`] and at most `max_size`.
    pub size: Option<u32>,
    /// The most IDs a size taken from the image may reach.
    pub max_size: u32,
    /// The subordinate UID ranges (`/etc/subuid`'s `containers` entries).
    pub uids: Vec<(u32, u32)>,
    /// The subordinate GID ranges.
    pub gids: Vec<(u32, u32)>,
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

/// A container's disk use (`ps --size`), in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSize {
    /// Its writable layer: what it added or changed (directories not counted, hard links once).
    pub rw: u64,
    /// Its image's layers as they lie on disk, without the writable layer (as podman's
    /// `rootFsSize`; `ps` shows it as "virtual").
    pub root_fs: u64,
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

/// This machine's architecture as OCI names it (`amd64`, `arm64`, ...).
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(blob: &str) -> LayerRef {
        LayerRef {
            blob: blob.into(),
            media_type: String::new(),
            blob_size: 1,
            diff_id: "sha256:diff".into(),
        }
    }

    #[test]
    fn names_stand_for_the_manifest_they_came_through() {
        let mut img = Image {
            id: "id".into(),
            names: vec!["a:1".into(), "b:1".into()],
            manifest_digest: "sha256:first".into(),
            config_digest: "sha256:config".into(),
            layers: vec![layer("sha256:gz")],
            created: 0,
            size: 1,
            config: ImageConfig::default(),
            platform: String::new(),
            alternates: Vec::new(),
        };
        img.bind_names("sha256:first", &[layer("sha256:gz")], &["a:1".into()]);
        assert!(
            img.alternates.is_empty(),
            "the first manifest needs no entry"
        );
        img.bind_names("sha256:other", &[layer("sha256:zst")], &["b:1".into()]);
        assert_eq!(img.manifest_for(Some("a:1"), None).0, "sha256:first");
        let (d, layers) = img.manifest_for(Some("b:1"), None);
        assert_eq!((d, layers[0].blob.as_str()), ("sha256:other", "sha256:zst"));
        // A digest wins over a name; an unknown digest or name means the first manifest.
        assert_eq!(
            img.manifest_for(Some("b:1"), Some("sha256:first")).0,
            "sha256:first"
        );
        assert_eq!(
            img.manifest_for(Some("a:1"), Some("sha256:other")).0,
            "sha256:other"
        );
        assert_eq!(
            img.manifest_for(Some("c:1"), Some("sha256:x")).0,
            "sha256:first"
        );
        assert_eq!(
            img.manifest_digests().collect::<Vec<_>>(),
            ["sha256:first", "sha256:other"]
        );
        // Rebinding moves a name; unbinding sends it back to the first manifest.
        img.bind_names("sha256:other", &[], &["a:1".into()]);
        assert_eq!(img.manifest_for(Some("a:1"), None).0, "sha256:other");
        img.unbind_names(&["a:1".into()]);
        assert_eq!(img.alternates.len(), 1, "b:1 still stands for it");
        img.unbind_names(&["b:1".into()]);
        assert_eq!(img.manifest_for(Some("b:1"), None).0, "sha256:first");
        assert!(img.alternates.is_empty(), "no name stands for it: dropped");
    }
}
