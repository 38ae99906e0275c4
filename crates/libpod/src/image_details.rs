//! What `image inspect` shows beyond the store's record: the image's config as written
//! (author, comment, history), its manifest's type and the image it was made from.
//!
//! ```no_run
//! let rt = libpod::Runtime::builder().build()?;
//! let d = rt.image_details("busybox")?;
//! println!("{} steps, parent {:?}", d.history.len(), d.parent);
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use libpod_storage::Image;
use serde::Deserialize;

use crate::error::{LibpodError, Result};
use crate::runtime::Runtime;

/// One step of an image's history as its config records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct HistoryStep {
    /// When (RFC 3339).
    pub created: String,
    /// The command that made it.
    pub created_by: String,
    /// Who.
    pub author: String,
    /// Its comment.
    pub comment: String,
    /// Whether it added no layer.
    pub empty_layer: bool,
}

/// An image with what its config and manifest say.
#[derive(Clone, Debug)]
pub struct ImageDetails {
    /// The store's record.
    pub image: Image,
    /// The config's author.
    pub author: String,
    /// The config's comment (Docker configs only).
    pub comment: String,
    /// The config's history, oldest first.
    pub history: Vec<HistoryStep>,
    /// The media type of its manifest.
    pub manifest_type: String,
    /// The image here it was made from (its layers but the last), if any.
    pub parent: Option<String>,
    /// Its manifest's annotations.
    pub annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    author: String,
    comment: String,
    history: Vec<HistoryStep>,
}

impl Runtime {
    /// The details `image inspect` shows of image `name`.
    pub fn image_details(&self, name: &str) -> Result<ImageDetails> {
        let image = self.image(name)?;
        let (raw, manifest, images) = self.with_store(|s| {
            Ok((
                s.read_blob(&image.config_digest)?,
                s.read_blob(&image.manifest_digest)?,
                s.images()?,
            ))
        })?;
        let config: RawConfig = serde_json::from_slice(&raw).map_err(|e| {
            LibpodError::Invalid(format!("image {}: its config is not JSON: {e}", image.id))
        })?;
        let n = image.layers.len();
        let parent = (n > 1)
            .then(|| crate::history::image_with_layers(&images, &image.layers[..n - 1]))
            .flatten();
        let annotations = serde_json::from_slice::<serde_json::Value>(&manifest)
            .ok()
            .and_then(|m| serde_json::from_value(m["annotations"].clone()).ok())
            .unwrap_or_default();
        Ok(ImageDetails {
            annotations,
            manifest_type: libpod_storage::manifest_media_type(&manifest),
            author: config.author,
            comment: config.comment,
            history: config.history,
            parent,
            image,
        })
    }
}

/// One layer of an image, bottom first, for `image tree`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeLayer {
    /// Its diff ID.
    pub diff_id: String,
    /// Its uncompressed size.
    pub size: u64,
    /// Names of the images here whose top layer it is (on the same layers below).
    pub top_of: Vec<String>,
}

impl Runtime {
    /// An image's layers with their sizes and the images that end at each (`image tree`).
    pub fn image_tree(&self, name: &str) -> Result<(Image, Vec<TreeLayer>)> {
        let image = self.image(name)?;
        let (images, layers) = self.with_store(|s| Ok((s.images()?, s.layers()?)))?;
        let tree = image
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let chain = &image.layers[..=i];
                let mut top_of: Vec<String> = images
                    .iter()
                    .filter(|img| {
                        img.layers.len() == chain.len()
                            && img
                                .layers
                                .iter()
                                .zip(chain)
                                .all(|(a, b)| a.diff_id == b.diff_id)
                    })
                    .flat_map(|img| img.names.iter().cloned())
                    .collect();
                top_of.sort();
                TreeLayer {
                    diff_id: l.diff_id.clone(),
                    size: layers
                        .iter()
                        .find(|x| x.diff_id == l.diff_id)
                        .map_or(0, |x| x.size),
                    top_of,
                }
            })
            .collect();
        Ok((image, tree))
    }
}
