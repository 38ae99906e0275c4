//! `system prune`, `image prune` and `system reset` as podman selects their victims: pods
//! without running members, stopped containers outside pods, and unused images (untagged
//! only, unless `all`).
//!
//! ```no_run
//! use libpod::{PruneOptions, Runtime};
//! let rt = Runtime::builder().build()?;
//! let report = rt.prune(&PruneOptions { all_images: false, volumes: true })?;
//! println!("{} pods, {} containers, {} images", report.pods.len(), report.containers.len(), report.images.len());
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use libpod_state::ContainerStatus as S;

use crate::error::Result;
use crate::pod::{PodRemoveOptions, PodStatus};
use crate::runtime::Runtime;

/// What `prune` removes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneOptions {
    /// Every unused image, not only untagged ones.
    pub all_images: bool,
    /// Unused volumes too (`--volumes`).
    pub volumes: bool,
}

/// What `prune` removed, by ID.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Pods removed.
    pub pods: Vec<String>,
    /// Containers removed.
    pub containers: Vec<String>,
    /// Images removed.
    pub images: Vec<String>,
    /// Volumes removed, by name.
    pub volumes: Vec<String>,
}

/// Whether `prune` takes a container in this status (one not running, paused or going).
pub fn is_prunable(status: S) -> bool {
    matches!(status, S::Exited | S::Stopped | S::Configured | S::Created)
}

impl Runtime {
    /// Removes pods with no running member, stopped containers outside pods, and unused
    /// images (`system prune`).
    pub fn prune(&self, opts: &PruneOptions) -> Result<PruneReport> {
        let mut report = PruneReport::default();
        for p in self.pods()? {
            if !matches!(
                p.status()?,
                PodStatus::Running | PodStatus::Degraded | PodStatus::Paused
            ) {
                p.remove(&PodRemoveOptions {
                    force: true,
                    ..Default::default()
                })?;
                report.pods.push(p.id().to_string());
            }
        }
        for (c, s) in self.containers()? {
            if is_prunable(s.status) && c.pod.is_none() {
                self.container(&c.id)?.remove(false)?;
                report.containers.push(c.id);
            }
        }
        report.images = self.prune_images(opts.all_images)?;
        if opts.volumes {
            report.volumes = self.prune_volumes(&[])?;
        }
        Ok(report)
    }

    /// Removes every container that is not running (pod members too) and matches `filters`
    /// (`container prune`); returns their IDs.
    pub fn prune_containers(&self, filters: &[crate::ContainerFilter]) -> Result<Vec<String>> {
        let opts = crate::ListOptions {
            all: true,
            filters: filters.to_vec(),
            ..Default::default()
        };
        let chosen: Vec<String> = self
            .list_containers(&opts)?
            .into_iter()
            .filter(|(_, s)| is_prunable(s.status))
            .map(|(c, _)| c.id)
            .collect();
        for id in &chosen {
            self.container(id)?.remove(false)?;
        }
        Ok(chosen)
    }

    /// Removes images no container uses: untagged ones, or all with `all` (`image prune`).
    pub fn prune_images(&self, all: bool) -> Result<Vec<String>> {
        self.prune_images_filtered(all, &[])
    }

    /// [`Runtime::prune_images`] of only the images `filters` keep (`image prune --filter
    /// until=24h --filter label=k=v`).
    pub fn prune_images_filtered(
        &self,
        all: bool,
        filters: &[crate::ImageFilter],
    ) -> Result<Vec<String>> {
        let candidates: Vec<String> = self
            .list_images(filters)?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let used: Vec<String> = self
            .containers()?
            .into_iter()
            .flat_map(|(c, _)| {
                let mounted = c
                    .mounts
                    .into_iter()
                    .filter(|m| m.kind == libpod_state::MountKind::Image)
                    .map(|m| m.source);
                std::iter::once(c.image_id).chain(mounted)
            })
            .collect();
        let mut removed = Vec::new();
        for i in self.images()? {
            if !used.contains(&i.id) && (all || i.names.is_empty()) && candidates.contains(&i.id) {
                self.with_store(|s| s.remove_image(&i.id, true))?;
                removed.push(i.id);
            }
        }
        Ok(removed)
    }

    /// Removes every pod, container, image and volume (`system reset`).
    pub fn reset(&self) -> Result<()> {
        for p in self.pods()? {
            p.remove(&PodRemoveOptions {
                force: true,
                ..Default::default()
            })?;
        }
        for (c, _) in self.containers()? {
            self.container(&c.id)?.remove(true)?;
        }
        for i in self.images()? {
            self.with_store(|s| s.remove_image(&i.id, true))?;
        }
        for (v, _) in self.volumes()? {
            self.volume(&v.name)?.remove(true)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_containers_that_do_not_run_are_pruned() {
        use super::{S, is_prunable};
        for s in [S::Exited, S::Stopped, S::Configured, S::Created] {
            assert!(is_prunable(s), "{s}");
        }
        for s in [S::Running, S::Paused, S::Removing] {
            assert!(!is_prunable(s), "{s}");
        }
    }
}
