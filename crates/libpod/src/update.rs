//! `podman update`: changing a container's cgroup limits, kept for its next starts and
//! applied at once to a running one.

use libpod_config::Resources;
use libpod_state::ContainerStatus as S;

use crate::container::Container;
use crate::error::{LibpodError, Result};

/// Lays the limits `changes` sets over `current`: every `Some` field and every non-empty list
/// replaces the current one (`pids` 0 or less removes the limit); the rest stays.
///
/// ```
/// use libpod::config::Resources;
/// let current = Resources { memory: Some(1 << 30), pids: Some(100), ..Default::default() };
/// let changes = Resources { pids: Some(50), ..Default::default() };
/// let merged = libpod::merge_resources(&current, &changes);
/// assert_eq!((merged.memory, merged.pids), (Some(1 << 30), Some(50)));
/// ```
pub fn merge_resources(current: &Resources, changes: &Resources) -> Resources {
    let mut r = current.clone();
    macro_rules! take {
        ($($f:ident),+) => { $(if changes.$f.is_some() { r.$f = changes.$f.clone(); })+ };
    }
    take!(
        memory,
        cpu_shares,
        oom_score_adj,
        cpu_period,
        cpu_quota,
        cpuset_cpus,
        cpuset_mems,
        memory_reservation,
        memory_swap,
        memory_swappiness,
        blkio_weight,
        cpu_rt_period,
        cpu_rt_runtime
    );
    if let Some(p) = changes.pids {
        r.pids = (p > 0).then_some(p);
    }
    for (mine, theirs) in [
        (&mut r.device_read_bps, &changes.device_read_bps),
        (&mut r.device_write_bps, &changes.device_write_bps),
        (&mut r.device_read_iops, &changes.device_read_iops),
        (&mut r.device_write_iops, &changes.device_write_iops),
        (&mut r.blkio_weight_device, &changes.blkio_weight_device),
    ] {
        if !theirs.is_empty() {
            *mine = theirs.clone();
        }
    }
    r
}

impl Container {
    /// Changes the container's cgroup limits (`podman update`) with `changes` as
    /// [`merge_resources`] lays them over the current ones: checked first, applied to a
    /// running or paused container through the OCI runtime, then stored for its next starts.
    /// If the runtime refuses, nothing is stored.
    pub fn update(&self, changes: &Resources) -> Result<()> {
        self.locked(|inner, cfg, st| {
            if st.status == S::Removing {
                return Err(LibpodError::Invalid(format!(
                    "container {} is being removed: it cannot be updated",
                    cfg.id
                )));
            }
            // The checks of `create`, without its defaults: the current values are the base.
            let merged = crate::limits::check_resources(&merge_resources(&cfg.resources, changes))?;
            if matches!(st.status, S::Running | S::Paused) {
                let file = inner.paths(&cfg.id).bundle.join("update.json");
                let res = libpod_oci::update_resources(&merged)?;
                inner.exec.update(&cfg.id, &res, &file)?;
            }
            inner.state.update_container_resources(&cfg.id, &merged)?;
            let updated = libpod_state::ContainerConfig {
                resources: merged,
                ..cfg.clone()
            };
            crate::event_record::container(inner, crate::events::EventStatus::Update, &updated);
            Ok(())
        })
    }
}
