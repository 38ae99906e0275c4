//! `system df`: how much disk images, containers and volumes take, and how much of it could
//! be reclaimed (unused images, containers not running, volumes no container mounts).
//!
//! ```no_run
//! let rt = libpod::Runtime::builder().build()?;
//! let du = rt.disk_usage()?;
//! println!("{} volumes, {} bytes reclaimable", du.volumes.total, du.volumes.reclaimable);
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::path::Path;

use libpod_state::ContainerStatus as S;

use crate::error::Result;
use crate::runtime::Runtime;

/// One line of `system df`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsageSummary {
    /// How many there are.
    pub total: usize,
    /// How many are in use (images used by a container, running containers, mounted volumes).
    pub active: usize,
    /// Bytes on disk.
    pub size: u64,
    /// Bytes the unused ones take.
    pub reclaimable: u64,
}

/// What `system df` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskUsage {
    /// Images.
    pub images: UsageSummary,
    /// Containers (their writable layers).
    pub containers: UsageSummary,
    /// Local volumes (their data).
    pub volumes: UsageSummary,
}

/// Bytes of the files under `dir` (directories not counted, hard links once).
pub(crate) fn dir_bytes(dir: &Path) -> Result<u64> {
    let fd = libpod_fs::Root::open(dir)?.open_dir(Path::new("."))?;
    let mut seen = std::collections::HashSet::new();
    let mut total = 0u64;
    libpod_fs::walk::walk(&fd, &mut |e| {
        if libpod_fs::Kind::of(e.stat) != libpod_fs::Kind::Dir
            && (e.stat.st_nlink <= 1 || seen.insert((e.stat.st_dev, e.stat.st_ino)))
        {
            total += u64::try_from(e.stat.st_size).unwrap_or(0);
        }
        Ok(true)
    })?;
    Ok(total)
}

impl Runtime {
    /// Disk use by images, containers and volumes (`system df`).
    pub fn disk_usage(&self) -> Result<DiskUsage> {
        let containers = self.containers()?;
        let mut du = DiskUsage::default();
        for i in self.images()? {
            let used = containers.iter().any(|(c, _)| c.image_id == i.id);
            add(&mut du.images, used, i.size);
        }
        for (c, s) in &containers {
            let size = self
                .container(&c.id)
                .and_then(|c| c.size())
                .map_or(0, |s| s.rw);
            add(
                &mut du.containers,
                matches!(s.status, S::Running | S::Paused),
                size,
            );
        }
        for (v, _) in self.volumes()? {
            let used = !self.volume(&v.name)?.users()?.is_empty();
            let size = dir_bytes(&v.mount_point).unwrap_or(0);
            add(&mut du.volumes, used, size);
        }
        Ok(du)
    }
}

fn add(s: &mut UsageSummary, active: bool, size: u64) {
    s.total += 1;
    s.size += size;
    if active {
        s.active += 1;
    } else {
        s.reclaimable += size;
    }
}
