//! `history`: the steps an image was built by, from its config.

use serde::Deserialize;

use crate::error::{LibpodError, Result};
use crate::runtime::Runtime;

/// One step of an image's history (`history`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The image's ID on its newest step, an image here that ends at a lower step's layer on
    /// that step; `None` otherwise (`<missing>`).
    pub id: Option<String>,
    /// When, ns since the epoch (0 when the config does not say).
    pub created: i64,
    /// The command that made it.
    pub created_by: String,
    /// Its comment.
    pub comment: String,
    /// Bytes of the layer it added (stored size); 0 for a step without one.
    pub size: u64,
    /// Whether it added no layer.
    pub empty_layer: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Step {
    created: String,
    created_by: String,
    comment: String,
    empty_layer: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    history: Vec<Step>,
}

impl Runtime {
    /// An image's history, newest step first, as `podman history` lists it.
    ///
    /// ```no_run
    /// # let rt = libpod::Runtime::builder().build()?;
    /// for step in rt.image_history("busybox")? {
    ///     println!("{} {}", step.id.as_deref().unwrap_or("<missing>"), step.created_by);
    /// }
    /// # Ok::<(), libpod::LibpodError>(())
    /// ```
    pub fn image_history(&self, name: &str) -> Result<Vec<HistoryEntry>> {
        let image = self.image(name)?;
        let raw = self.with_store(|s| s.read_blob(&image.config_digest))?;
        let config: Config = serde_json::from_slice(&raw).map_err(|e| {
            LibpodError::Invalid(format!("image {}: its config is not JSON: {e}", image.id))
        })?;
        let (images, sizes) = self.with_store(|s| Ok((s.images()?, s.layers()?)))?;
        // Uncompressed sizes, as podman shows them.
        let size_of = |diff_id: &str| {
            sizes
                .iter()
                .find(|l| l.diff_id == diff_id)
                .map_or(0, |l| l.size)
        };
        let mut layers = image.layers.iter();
        let mut below = 0usize;
        let mut out: Vec<HistoryEntry> = Vec::new();
        for s in &config.history {
            let size = if s.empty_layer {
                0
            } else {
                below += 1;
                layers.next().map_or(0, |l| size_of(&l.diff_id))
            };
            out.push(HistoryEntry {
                // The image here whose layers end where this step's do, as podman finds it.
                id: (!s.empty_layer)
                    .then(|| {
                        image_with_layers(&images, &image.layers[..below.min(image.layers.len())])
                    })
                    .flatten(),
                created: crate::parse_rfc3339(&s.created).unwrap_or(0),
                created_by: s.created_by.clone(),
                comment: s.comment.clone(),
                size,
                empty_layer: s.empty_layer,
            });
        }
        if out.is_empty() {
            // No history in the config: one step per layer, as podman shows it.
            out = image
                .layers
                .iter()
                .map(|l| HistoryEntry {
                    created: image.created,
                    size: l.blob_size,
                    ..Default::default()
                })
                .collect();
        }
        out.reverse();
        // The newest step is the image itself; a lower one is named by another image here
        // that ends at its layer (the image it was built on).
        for e in out.iter_mut().skip(1) {
            e.id = e.id.take().filter(|id| *id != image.id);
        }
        if let Some(top) = out.first_mut() {
            top.id = Some(image.id.clone());
        }
        Ok(out)
    }
}

/// The ID of an image whose layers are exactly `layers` (`None` if there is none).
pub(crate) fn image_with_layers(
    images: &[libpod_storage::Image],
    layers: &[libpod_storage::LayerRef],
) -> Option<String> {
    images
        .iter()
        .find(|i| {
            i.layers.len() == layers.len()
                && i.layers
                    .iter()
                    .zip(layers)
                    .all(|(a, b)| a.diff_id == b.diff_id)
        })
        .map(|i| i.id.clone())
}
