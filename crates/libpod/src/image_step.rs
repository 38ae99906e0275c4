//! Images a builder makes step by step: each step's settings and history entry given by the
//! builder (not taken from a container, as `commit` does), on a container's changes or on an
//! image alone; and finding a step made before, for a build's cache.
//!
//! ```no_run
//! # fn main() -> Result<(), libpod::LibpodError> {
//! let rt = libpod::Runtime::builder().build()?;
//! let base = rt.image("busybox")?;
//! let mut settings = rt.image_settings(&base.id)?;
//! settings.insert("Env".into(), serde_json::json!(["A=1"]));
//! let step = libpod::ImageStep {
//!     parent: Some(base.id.clone()),
//!     settings,
//!     created_by: "/bin/sh -c #(nop) ENV A=1".into(),
//!     ..Default::default()
//! };
//! let image = rt.commit_step(None, &step)?;
//! # let _ = image;
//! # Ok(())
//! # }
//! ```

use libpod_storage::{CommitSpec, Image};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::commit::ImageFormat;
use crate::container::Container;
use crate::error::Result;
use crate::runtime::Runtime;

/// One step of an image a builder makes.
#[derive(Clone, Debug, Default)]
pub struct ImageStep {
    /// The image it is made on (`None`: on nothing, `FROM scratch`).
    pub parent: Option<String>,
    /// The image's settings after the step (the OCI config's `config`).
    pub settings: Map<String, Value>,
    /// Its history entry's `created_by` (what identifies it in the cache).
    pub created_by: String,
    /// Its history entry's comment.
    pub comment: Option<String>,
    /// Names for the new image.
    pub names: Vec<String>,
    /// Manifest format.
    pub format: ImageFormat,
    /// The image's author (`MAINTAINER`).
    pub author: Option<String>,
    /// The creation time to record, ns since the epoch (`None`: now; `--timestamp`).
    pub created: Option<i64>,
    /// Annotations of the image's manifest.
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl ImageStep {
    fn spec(&self) -> CommitSpec {
        CommitSpec {
            names: self.names.clone(),
            config: self.settings.clone(),
            created_by: self.created_by.clone(),
            author: self.author.clone(),
            comment: self.comment.clone(),
            docker: self.format == ImageFormat::Docker,
            created: self.created,
            annotations: self.annotations.clone(),
            ..Default::default()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry {
    created_by: String,
    empty_layer: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct History {
    history: Vec<Entry>,
    config: Map<String, Value>,
}

impl Runtime {
    /// Makes the image of `step`: `container`'s changes as a new layer on its image, or with
    /// no container, an empty-layer step on `step.parent`.
    pub fn commit_step(&self, container: Option<&Container>, step: &ImageStep) -> Result<Image> {
        match container {
            Some(c) => self.with_store(|s| s.commit_container(c.id(), &step.spec())),
            None => self.with_store(|s| s.derive_image(step.parent.as_deref(), &step.spec())),
        }
    }

    /// Image `image` with its layers above `parent`'s squashed into one new layer on
    /// `parent` (`None`: all of its layers into one), with `step`'s settings and history
    /// entry (`build --squash`, `--squash-all`).
    pub fn squash_image(
        &self,
        image: &str,
        parent: Option<&str>,
        step: &ImageStep,
    ) -> Result<Image> {
        self.with_store(|s| s.squash_image(image, parent, &step.spec()))
    }

    /// The settings (the OCI config's `config`) of image `id`.
    pub fn image_settings(&self, id: &str) -> Result<Map<String, Value>> {
        Ok(self.image_history_raw(id)?.config)
    }

    fn image_history_raw(&self, id: &str) -> Result<History> {
        let image = self.image(id)?;
        let raw = self.with_store(|s| s.read_blob(&image.config_digest))?;
        Ok(serde_json::from_slice(&raw).unwrap_or_default())
    }

    /// An image here made on `parent` by one more step whose `created_by` is `created_by`
    /// and which added a layer or not as `layer` says: a build's cache hit.
    pub fn cached_step(
        &self,
        parent: Option<&str>,
        created_by: &str,
        layer: bool,
    ) -> Result<Option<Image>> {
        let (base_layers, base_history) = match parent {
            Some(p) => (self.image(p)?.layers, self.image_history_raw(p)?.history),
            None => (Vec::new(), Vec::new()),
        };
        let want_layers = base_layers.len() + usize::from(layer);
        for img in self.images()? {
            let layers_match = img.layers.len() == want_layers
                && img
                    .layers
                    .iter()
                    .zip(&base_layers)
                    .all(|(a, b)| a.diff_id == b.diff_id);
            if !layers_match {
                continue;
            }
            let h = self.image_history_raw(&img.id)?.history;
            let same = h.len() == base_history.len() + 1
                && h.iter()
                    .zip(&base_history)
                    .all(|(a, b)| a.created_by == b.created_by)
                && h.last()
                    .is_some_and(|e| e.created_by == created_by && e.empty_layer != layer);
            if same {
                return Ok(Some(img));
            }
        }
        Ok(None)
    }
}
