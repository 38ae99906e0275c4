//! The overlay driver (and when overlay cannot work here, the vfs copy driver): mounting,
//! unmounting, and finding out which one this host supports.

use std::fs;
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};

use crate::error::{Result, StorageError, io};

/// Which driver a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Driver {
    Overlay,
    Vfs,
}

impl Driver {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Driver::Overlay => "overlay",
            Driver::Vfs => "vfs",
        }
    }
}

/// Mounts an overlay of `lowers` (topmost first) with `upper` and `work` at `target`.
pub(crate) fn mount_overlay(
    lowers: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
    extra: &[String],
) -> Result<()> {
    let lower: Vec<String> = lowers.iter().map(|p| p.display().to_string()).collect();
    let mut data = format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.join(":"),
        upper.display(),
        work.display()
    );
    for o in extra {
        data.push(',');
        data.push_str(o);
    }
    if data.len() >= 4096 {
        return Err(StorageError::Mount {
            op: "mount",
            target: target.to_path_buf(),
            source: nix::errno::Errno::E2BIG,
        });
    }
    mount(
        Some("overlay"),
        target,
        Some("overlay"),
        MsFlags::empty(),
        Some(data.as_str()),
    )
    .map_err(|source| StorageError::Mount {
        op: "mount",
        target: target.to_path_buf(),
        source,
    })
}

/// Unmounts `target`; a busy mount is detached so it goes once its last user does.
pub(crate) fn unmount(target: &Path) -> Result<()> {
    match umount2(target, MntFlags::empty()) {
        Ok(()) | Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOENT) => Ok(()),
        Err(nix::errno::Errno::EBUSY) => {
            umount2(target, MntFlags::MNT_DETACH).map_err(|source| StorageError::Mount {
                op: "unmount",
                target: target.to_path_buf(),
                source,
            })
        }
        Err(source) => Err(StorageError::Mount {
            op: "unmount",
            target: target.to_path_buf(),
            source,
        }),
    }
}

/// True when `path` is a mount point (listed in /proc/self/mountinfo).
pub(crate) fn is_mounted(path: &Path) -> bool {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    let want = path.display().to_string();
    info.lines()
        .any(|l| l.split(' ').nth(4) == Some(want.as_str()))
}

/// Decides the driver for a graph root: `requested`, unless overlay cannot mount here. The
/// answer is tried with a real mount once per boot and cached under the run root.
pub(crate) fn choose(
    requested: &str,
    graph_root: &Path,
    run_root: &Path,
) -> Result<(Driver, String)> {
    if requested == "vfs" {
        return Ok((Driver::Vfs, "vfs requested by the configuration".into()));
    }
    let cache = run_root.join("overlay-check");
    if let Ok(v) = fs::read_to_string(&cache) {
        return Ok(match v.strip_prefix("ok") {
            Some(_) => (Driver::Overlay, "overlay works on this host".into()),
            None => (Driver::Vfs, v),
        });
    }
    let result = try_overlay(graph_root);
    let (driver, text) = match result {
        Ok(()) => (Driver::Overlay, "ok".to_string()),
        Err(reason) => (
            Driver::Vfs,
            format!(
                "overlay unavailable ({reason}); using vfs, which copies each image per container"
            ),
        ),
    };
    fs::create_dir_all(run_root).map_err(io(run_root))?;
    fs::write(&cache, &text).map_err(io(&cache))?;
    Ok((
        driver,
        if driver == Driver::Overlay {
            "overlay works on this host".into()
        } else {
            text
        },
    ))
}

fn try_overlay(graph_root: &Path) -> std::result::Result<(), String> {
    let fss = fs::read_to_string("/proc/filesystems").map_err(|e| e.to_string())?;
    if !fss
        .lines()
        .any(|l| l.split_whitespace().last() == Some("overlay"))
    {
        return Err("the kernel lists no overlay filesystem".into());
    }
    fs::create_dir_all(graph_root).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir_in(graph_root).map_err(|e| e.to_string())?;
    let [l, u, w, m] = ["l", "u", "w", "m"].map(|n| dir.path().join(n));
    for d in [&l, &u, &w, &m] {
        fs::create_dir(d).map_err(|e| e.to_string())?;
    }
    mount_overlay(&[l], &u, &w, &m, &[]).map_err(|e| e.to_string())?;
    unmount(&m).map_err(|e| e.to_string())
}

/// The name of the filesystem holding `path`.
pub(crate) fn backing_filesystem(path: &Path) -> String {
    match nix::sys::statfs::statfs(path) {
        Ok(s) => match s.filesystem_type().0 as u64 {
            0xEF53 => "extfs".into(),
            0x5846_5342 => "xfs".into(),
            0x9123_683E => "btrfs".into(),
            0x0102_1994 => "tmpfs".into(),
            0x794C_7630 => "overlayfs".into(),
            0x2FC1_2FC1 => "zfs".into(),
            other => format!("{other:#x}"),
        },
        Err(e) => format!("unknown ({e})"),
    }
}
