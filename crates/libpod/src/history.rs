//! `history`: the steps an image was built by, from its config.

use serde::Deserialize;

use crate::error::{LibpodError, Result};
use crate::runtime::Runtime;

/// One step of an image's history (`history`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The image's ID on its newest step; `None` on the others (`<missing>`).
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
        let mut layers = image.layers.iter();
        let mut out: Vec<HistoryEntry> = config
            .history
            .iter()
            .map(|s| HistoryEntry {
                id: None,
                created: crate::parse_rfc3339(&s.created).unwrap_or(0),
                created_by: s.created_by.clone(),
                comment: s.comment.clone(),
                size: if s.empty_layer {
                    0
                } else {
                    layers.next().map_or(0, |l| l.blob_size)
                },
                empty_layer: s.empty_layer,
            })
            .collect();
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
        if let Some(top) = out.first_mut() {
            top.id = Some(image.id.clone());
        }
        Ok(out)
    }
}
