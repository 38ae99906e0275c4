//! Committing a container's changes as a new image: its writable layer packed as an OCI
//! layer (whiteouts for deletions) on top of its image's layers, with a config the caller
//! composes (libpod knows the container's settings; the store knows layers and manifests).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use libpod_fs::Root;
use libpod_fs::layer::{Change as LayerChange, pack_changes, pack_overlay_upper};
use serde_json::{Map, Value, json};

use crate::archive::scratch;
use crate::driver::Driver;
use crate::error::{Result, StorageError, io};
use crate::store::Store;
use crate::types::{ChangeKind, Image, LayerRef, host_arch};

/// An uncompressed OCI layer's media type (local layers are kept as they were packed).
const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// What an image committed from a container is made of besides its files.
#[derive(Clone, Debug, Default)]
pub struct CommitSpec {
    /// Names for the new image (normalized here); none for an unnamed one.
    pub names: Vec<String>,
    /// The new image's runtime settings (the OCI image config's `config`: `Cmd`, `Env`, ...).
    pub config: Map<String, Value>,
    /// The history entry's `created_by` (the instruction that made it).
    pub created_by: String,
    /// The image's author.
    pub author: Option<String>,
    /// The history entry's comment (`commit -m`).
    pub comment: Option<String>,
    /// Add no layer: the step changed only settings.
    pub empty_layer: bool,
    /// One layer with the whole filesystem instead of the image's layers and a new one.
    pub squash: bool,
    /// The creation time to record, ns since the epoch (`None`: now).
    pub created: Option<i64>,
    /// A Docker schema 2 manifest and config instead of OCI's (`--format docker`).
    pub docker: bool,
    /// The image's comment (a Docker config's `comment`; OCI configs have none).
    pub image_comment: Option<String>,
    /// Annotations of its manifest (`build --annotation`).
    pub annotations: std::collections::BTreeMap<String, String>,
}

fn bad(reason: impl Into<String>) -> StorageError {
    StorageError::BadArchive {
        source_name: "commit".into(),
        reason: reason.into(),
    }
}

impl Store {
    /// Commits container `id` as a new image (see [`CommitSpec`]); the container keeps
    /// running or stays as it is.
    pub fn commit_container(&self, id: &str, spec: &CommitSpec) -> Result<Image> {
        let c = self.container(id)?;
        let tmp = scratch(self)?;
        let layer_file = tmp.path().join("layer.tar");
        let packed = !spec.empty_layer || spec.squash;
        if packed {
            self.pack_diff(id, spec.squash, &layer_file)?;
        }
        let parent = (!c.image.is_empty()).then_some(c.image.as_str());
        self.commit_on(parent, packed.then_some(layer_file.as_path()), spec)
    }

    /// A new image on `parent` (`None`: on nothing) with no new layer: a step that changed
    /// only settings (`ENV`, `CMD`, ...), recorded as an empty-layer history entry.
    pub fn derive_image(&self, parent: Option<&str>, spec: &CommitSpec) -> Result<Image> {
        self.commit_on(parent, None, spec)
    }

    /// Image `image` with its layers above `parent`'s squashed into one layer on `parent`
    /// (`None`: every layer into one, on nothing), with `spec`'s settings and history entry
    /// (`build --squash` and `--squash-all`). `parent`'s layers must begin `image`'s.
    pub fn squash_image(
        &self,
        image: &str,
        parent: Option<&str>,
        spec: &CommitSpec,
    ) -> Result<Image> {
        if self.driver != Driver::Overlay {
            return Err(bad("squashing layers needs the overlay driver"));
        }
        let img = self.image(image)?;
        let keep = match parent {
            Some(p) => {
                let p = self.image(p)?;
                let prefix = p.layers.len() <= img.layers.len()
                    && p.layers
                        .iter()
                        .zip(&img.layers)
                        .all(|(a, b)| a.diff_id == b.diff_id);
                if !prefix {
                    return Err(bad(format!("{} is not built on {}", img.id, p.id)));
                }
                p.layers.len()
            }
            None => 0,
        };
        // Each touched path once, the newest layer's word on it winning.
        let mut touched: std::collections::BTreeMap<std::path::PathBuf, LayerChange> =
            Default::default();
        for l in &img.layers[keep..] {
            let root = Root::open(&self.layer_dir(&l.diff_id)?).map_err(StorageError::Fs)?;
            for ch in libpod_fs::layer::layer_changes(&root).map_err(StorageError::Fs)? {
                let path = match &ch {
                    LayerChange::Present(p) | LayerChange::Deleted(p) | LayerChange::Opaque(p) => {
                        p.clone()
                    }
                };
                // A directory opaque in a lower new layer stays opaque.
                let was_opaque = matches!(touched.get(&path), Some(LayerChange::Opaque(_)));
                let ch = match ch {
                    LayerChange::Present(p) if was_opaque => LayerChange::Opaque(p),
                    other => other,
                };
                touched.insert(path, ch);
            }
        }
        let tmp = scratch(self)?;
        let layer_file = tmp.path().join("layer.tar");
        let tag = crate::digest::of_bytes(layer_file.to_string_lossy().as_bytes());
        let tag = tag.trim_start_matches("sha256:");
        // The squashed image's files, and its parent's (a whiteout only for what is there).
        let (top, below) = (format!("squash-{tag}"), format!("squash-base-{tag}"));
        self.create_container(&top, Some(&img.id))?;
        let below_made = match parent {
            Some(p) => self.create_container(&below, Some(p)).map(Some),
            None => Ok(None),
        };
        let packed = below_made.and_then(|b| {
            let merged = Root::open(&self.mount(&top)?).map_err(StorageError::Fs)?;
            let base = match b {
                Some(_) => Some(Root::open(&self.mount(&below)?).map_err(StorageError::Fs)?),
                None => None,
            };
            let mut changes = Vec::new();
            for (path, ch) in touched {
                let present = merged.lstat(&path).map_err(StorageError::Fs)?.is_some();
                let in_base = match &base {
                    Some(r) => r.lstat(&path).map_err(StorageError::Fs)?.is_some(),
                    None => false,
                };
                match (ch, present) {
                    (LayerChange::Opaque(p), true) => changes.push(LayerChange::Opaque(p)),
                    (_, true) => changes.push(LayerChange::Present(path)),
                    // overlayfs lists a whiteout over nothing as a name it cannot stat.
                    (_, false) if in_base => changes.push(LayerChange::Deleted(path)),
                    (_, false) => {}
                }
            }
            let out = File::create(&layer_file).map_err(io(&layer_file))?;
            let mut out = std::io::BufWriter::with_capacity(256 * 1024, out);
            pack_changes(&merged, &changes, &mut out).map_err(StorageError::Fs)?;
            out.flush().map_err(io(&layer_file))
        });
        for id in [&top, &below] {
            let _ = self.unmount(id, true);
            let _ = self.delete_container(id);
        }
        packed?;
        let spec = CommitSpec {
            squash: parent.is_none(),
            ..spec.clone()
        };
        self.commit_on(parent, Some(&layer_file), &spec)
    }

    /// Records an image on `parent` with the layer packed at `layer_file`, if any.
    fn commit_on(
        &self,
        parent: Option<&str>,
        layer_file: Option<&Path>,
        spec: &CommitSpec,
    ) -> Result<Image> {
        let names: Vec<String> = spec
            .names
            .iter()
            .map(|n| Store::normalize_name(n))
            .collect::<Result<_>>()?;
        let parent = parent.map(|p| self.image(p)).transpose()?;
        let parent_config: Value = match &parent {
            Some(p) => serde_json::from_slice(&self.read_blob(&p.config_digest)?)
                .map_err(|e| bad(format!("the image config of {}: {e}", p.id)))?,
            None => json!({}),
        };
        let created = crate::time::format(spec.created.unwrap_or_else(crate::time::now));
        self.write(true, |rec| {
            let (mut layers, mut diff_ids, mut history) = if spec.squash {
                (Vec::new(), Vec::new(), Vec::new())
            } else {
                let layers = parent.as_ref().map_or_else(Vec::new, |p| p.layers.clone());
                let diff_ids: Vec<Value> = layers.iter().map(|l| json!(l.diff_id)).collect();
                let history = parent_config["history"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                (layers, diff_ids, history)
            };
            if let Some(layer_file) = layer_file {
                let f = File::open(layer_file).map_err(io(layer_file))?;
                let (blob, blob_size) = self.blobs.put(f, None, "layer")?;
                let (diff_id, _) = self.ensure_layer(rec, &blob, None, None)?;
                diff_ids.push(json!(diff_id));
                layers.push(LayerRef {
                    blob,
                    media_type: OCI_LAYER.into(),
                    blob_size,
                    diff_id,
                });
            }
            let mut entry = json!({"created": created, "created_by": spec.created_by});
            if let Some(a) = &spec.author {
                entry["author"] = json!(a);
            }
            if let Some(m) = &spec.comment {
                entry["comment"] = json!(m);
            }
            if layer_file.is_none() {
                entry["empty_layer"] = json!(true);
            }
            history.push(entry);
            let mut config = json!({
                "created": created,
                "architecture": parent_config["architecture"].as_str().unwrap_or(host_arch()),
                "os": parent_config["os"].as_str().unwrap_or("linux"),
                "config": spec.config,
                "rootfs": {"type": "layers", "diff_ids": diff_ids},
                "history": history,
            });
            if let Some(a) = &spec.author {
                config["author"] = json!(a);
            }
            if let Some(c) = spec.image_comment.as_ref().filter(|_| spec.docker) {
                config["comment"] = json!(c);
            }
            self.store_image_as(rec, &config, layers, &names, spec.docker, &spec.annotations)
        })
    }

    /// Packs what container `id` changed (`squash`: its whole filesystem) into `dest`.
    fn pack_diff(&self, id: &str, squash: bool, dest: &Path) -> Result<()> {
        let out = File::create(dest).map_err(io(dest))?;
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, out);
        let fs_err = StorageError::Fs;
        if squash {
            let root = self.mount(id)?;
            let packed = Root::open(&root).and_then(|r| {
                let opts = libpod_fs::PackOptions::default();
                libpod_fs::pack(&r, Path::new("/"), &opts, &mut out)
            });
            let unmounted = self.unmount(id, false);
            packed.map_err(fs_err)?;
            unmounted?;
        } else {
            let upper = Root::open(&self.upper_path(id)).map_err(fs_err)?;
            self.pack_changes_of(id, &upper, &mut out)?;
        }
        out.flush().map_err(io(dest))
    }

    /// Packs the changes of container `id`, whose writable tree is `upper`.
    fn pack_changes_of(&self, id: &str, upper: &Root, out: impl Write) -> Result<()> {
        let fs_err = StorageError::Fs;
        match self.driver {
            Driver::Overlay => pack_overlay_upper(upper, out).map_err(fs_err),
            Driver::Vfs => {
                let changes: Vec<LayerChange> = self
                    .changes(id)?
                    .into_iter()
                    .map(|ch| match ch.kind {
                        ChangeKind::Deleted => LayerChange::Deleted(ch.path.into()),
                        _ => LayerChange::Present(ch.path.into()),
                    })
                    .collect();
                pack_changes(upper, &changes, out).map_err(fs_err)
            }
        }
    }
}
