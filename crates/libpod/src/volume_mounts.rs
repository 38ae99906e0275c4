//! Volumes when a container starts and stops: the first mount's copy-up of the image's files
//! and its ownership, the host mount of a `type=`/`device=` volume while any container that
//! uses it runs, and the bind mounts the OCI spec gets. Lock order: the container's lock,
//! then each volume's (in the order the container lists them); the state's transactions
//! keep a mounted volume from being removed.

use std::path::{Path, PathBuf};

use libpod_oci::UserMount;
use libpod_state::{ContainerConfig, ContainerState, Mount, MountKind, VolumeConfig};
use nix::mount::{MntFlags, MsFlags};

use crate::error::{LibpodError, Result, io};
use crate::runtime::Inner;
use crate::volume_options::{LocalOptions, parse_local};

/// Options of a `-v`/`--mount` that only libpod reads; the rest go to the mount itself.
const OURS: [&str; 7] = ["ro", "rw", "z", "Z", "copy", "nocopy", "U"];

/// The OCI mounts for a container's mounts, in order, preparing its volumes; the names of
/// the volumes whose mount count went up are recorded in `st`, for `release`.
pub(crate) fn user_mounts(
    inner: &Inner,
    cfg: &ContainerConfig,
    rootfs: &Path,
    st: &mut ContainerState,
) -> Result<Vec<UserMount>> {
    let mut out = Vec::new();
    for (n, m) in cfg.mounts.iter().enumerate() {
        let extra: Vec<String> = m
            .options
            .iter()
            .filter(|o| !OURS.contains(&o.as_str()))
            .cloned()
            .collect();
        let read_only = m.options.iter().any(|o| o == "ro");
        out.push(match m.kind {
            MountKind::Tmpfs => UserMount::Tmpfs {
                destination: m.destination.clone(),
                options: m.options.clone(),
            },
            MountKind::Devpts => UserMount::Devpts {
                destination: m.destination.clone(),
                options: m.options.clone(),
            },
            MountKind::Image => UserMount::Bind {
                source: image_mount(inner, &cfg.id, n, &m.source)?,
                destination: m.destination.clone(),
                read_only: true,
                options: vec!["nosuid".into(), "nodev".into()],
            },
            MountKind::Volume => {
                let source = prepare_volume(inner, cfg, m, rootfs, st)?;
                if m.options.iter().any(|o| o == "U") {
                    chown_to_user(cfg, rootfs, &source)?;
                }
                let mut options = extra;
                for o in ["nosuid", "nodev"] {
                    if !options.iter().any(|x| x == o) {
                        options.push(o.to_string());
                    }
                }
                UserMount::Bind {
                    source,
                    destination: m.destination.clone(),
                    read_only,
                    options,
                }
            }
            _ => {
                let mut source = PathBuf::from(&m.source);
                if m.options.iter().any(|o| o == "U") {
                    chown_to_user(cfg, rootfs, &source)?;
                }
                if m.options.iter().any(|o| o == "O") {
                    source = overlay_bind(inner, &cfg.id, n, &source)?;
                }
                UserMount::Bind {
                    source,
                    destination: m.destination.clone(),
                    read_only,
                    options: extra,
                }
            }
        });
    }
    Ok(out)
}

/// `:U`: the mount's source, and all under it, owned by the container's user.
fn chown_to_user(cfg: &ContainerConfig, rootfs: &Path, source: &Path) -> Result<()> {
    let user = libpod_oci::resolve_user(rootfs, cfg.user.as_deref().unwrap_or(""))?;
    let dir = libpod_fs::Root::open(source)?.open_dir(Path::new("."))?;
    let (uid, gid) = crate::userns::host_ids(cfg, user.uid, user.gid);
    libpod_fs::walk::chown_tree(&dir, uid, gid)?;
    Ok(())
}

/// Where a container's `:O` overlays live: `<tmp dir>/overlay-binds/<id>`.
fn overlay_root(inner: &Inner, id: &str) -> PathBuf {
    inner.config.tmp_dir.join("overlay-binds").join(id)
}

/// `:O`: an overlay with the host directory as its lower layer and a fresh upper layer, so
/// the container's writes never reach the host (they go when the container stops).
fn overlay_bind(inner: &Inner, id: &str, n: usize, lower: &Path) -> Result<PathBuf> {
    let base = overlay_root(inner, id).join(n.to_string());
    overlay_over(lower, &base, &base.join("merged"))
}

/// `--rootfs PATH:O`: the directory as the lower layer of an overlay whose upper layer lives
/// with the container's files, so its writes last until it is removed (as podman's); the
/// mount is released with the `:O` overlays at each stop.
pub(crate) fn rootfs_overlay(inner: &Inner, id: &str, lower: &Path) -> Result<PathBuf> {
    let upper_base = inner.userdata(id).join("rootfs-overlay");
    let merged = overlay_root(inner, id).join("rootfs").join("merged");
    overlay_over(lower, &upper_base, &merged)
}

/// Mounts `lower` with `base/upper` and `base/work` at `merged`.
fn overlay_over(lower: &Path, base: &Path, merged: &Path) -> Result<PathBuf> {
    let (upper, work, merged) = (base.join("upper"), base.join("work"), merged.to_path_buf());
    for d in [&upper, &work, &merged] {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    let data = format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.display(),
        upper.display(),
        work.display()
    );
    nix::mount::mount(
        Some("overlay"),
        &merged,
        Some("overlay"),
        MsFlags::empty(),
        Some(data.as_str()),
    )
    .map_err(|e| {
        LibpodError::Invalid(format!(
            "mounting an overlay over {} (the :O option): {e}",
            lower.display()
        ))
    })?;
    Ok(merged)
}

/// `--mount type=image`: the image's layers as a read-only overlay (one layer: a read-only
/// bind), under the same directory as the `:O` overlays, released with them.
fn image_mount(inner: &Inner, id: &str, n: usize, image: &str) -> Result<PathBuf> {
    let mut layers = inner.store.image_layer_dirs(image)?;
    let merged = overlay_root(inner, id)
        .join(format!("img{n}"))
        .join("merged");
    std::fs::create_dir_all(&merged).map_err(io(&merged))?;
    layers.reverse();
    let fail = |e: nix::errno::Errno| {
        LibpodError::Invalid(format!("mounting image {image} for the container: {e}"))
    };
    if let [only] = layers.as_slice() {
        nix::mount::mount(
            Some(only.as_path()),
            &merged,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(fail)?;
        nix::mount::mount(
            None::<&str>,
            &merged,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
            None::<&str>,
        )
        .map_err(fail)?;
    } else {
        let lower: Vec<String> = layers.iter().map(|l| l.display().to_string()).collect();
        let data = format!("lowerdir={}", lower.join(":"));
        nix::mount::mount(
            Some("overlay"),
            &merged,
            Some("overlay"),
            MsFlags::MS_RDONLY,
            Some(data.as_str()),
        )
        .map_err(fail)?;
    }
    Ok(merged)
}

/// Unmounts and removes a container's `:O` overlays (idempotent).
pub(crate) fn release_overlays(inner: &Inner, id: &str) {
    let root = overlay_root(inner, id);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return;
    };
    for e in entries.flatten() {
        let _ = nix::mount::umount2(&e.path().join("merged"), MntFlags::MNT_DETACH);
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// Readies one volume for a container: host mount (counted), copy-up, ownership.
fn prepare_volume(
    inner: &Inner,
    cfg: &ContainerConfig,
    m: &Mount,
    rootfs: &Path,
    st: &mut ContainerState,
) -> Result<PathBuf> {
    let vcfg = inner.state.volume(&m.source)?;
    let local = parse_local(&vcfg.options)?;
    let _l = inner.locks.retrieve(vcfg.lock)?.lock()?;
    let mut vst = inner.state.volume_state(&vcfg.name)?;
    if local.is_mount() && !st.mounted_volumes.contains(&vcfg.name) {
        if vst.mount_count == 0 {
            mount_host(&vcfg, &local)?;
        }
        vst.mount_count += 1;
        inner.state.save_volume_state(&vcfg.name, &vst)?;
        st.mounted_volumes.push(vcfg.name.clone());
    }
    let nocopy = local.nocopy || m.options.iter().any(|o| o == "nocopy");
    let mut changed = false;
    if vst.needs_copy_up && !nocopy && copy_up(rootfs, &m.destination, &vcfg.mount_point)? {
        vst.needs_copy_up = false;
        changed = true;
    }
    if vst.needs_chown {
        take_ownership(cfg, rootfs, &m.destination, &vcfg.mount_point)?;
        vst.needs_chown = false;
        changed = true;
    }
    // One write for both (each is a durable transaction).
    if changed {
        inner.state.save_volume_state(&vcfg.name, &vst)?;
    }
    Ok(vcfg.mount_point)
}

/// Copies the image's directory at `dest` into an empty volume, as podman: only when the
/// image has a non-empty directory there and the volume is empty (a volume with data was
/// changed outside and is never written over). True when the copy was made.
fn copy_up(rootfs: &Path, dest: &str, data: &Path) -> Result<bool> {
    let root = libpod_fs::Root::open(rootfs)?;
    let rel = Path::new(dest.trim_start_matches('/'));
    let is_dir = root
        .lstat(rel)?
        .is_some_and(|s| libpod_fs::Kind::of(&s) == libpod_fs::Kind::Dir);
    if !is_dir || is_empty(&root, rel)? {
        return Ok(false);
    }
    let target = libpod_fs::Root::open(data)?;
    if !is_empty(&target, Path::new("."))? {
        return Ok(false);
    }
    libpod_fs::copy_tree(&root, rel, &target, Path::new("."))?;
    Ok(true)
}

fn is_empty(root: &libpod_fs::Root, rel: &Path) -> Result<bool> {
    let dir = root.open_dir(rel)?;
    let mut any = false;
    libpod_fs::walk::walk(&dir, &mut |_| {
        any = true;
        // One entry is enough; do not descend.
        Ok(false)
    })?;
    Ok(!any)
}

/// A new volume takes the owner and mode of the image's directory it is mounted over, else
/// the container's user (podman's `fixVolumePermissions`).
fn take_ownership(cfg: &ContainerConfig, rootfs: &Path, dest: &str, data: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let root = libpod_fs::Root::open(rootfs)?;
    match root.stat(Path::new(dest.trim_start_matches('/')))? {
        Some(st) => {
            std::os::unix::fs::lchown(data, Some(st.st_uid), Some(st.st_gid)).map_err(io(data))?;
            std::fs::set_permissions(data, std::fs::Permissions::from_mode(st.st_mode & 0o7777))
                .map_err(io(data))?;
        }
        None => {
            let user = libpod_oci::resolve_user(rootfs, cfg.user.as_deref().unwrap_or(""))?;
            // The rootfs shows mapped owners already; the user's IDs are the container's.
            let (uid, gid) = crate::userns::host_ids(cfg, user.uid, user.gid);
            std::os::unix::fs::lchown(data, Some(uid), Some(gid)).map_err(io(data))?;
        }
    }
    Ok(())
}

/// Mounts a `type=`/`device=` volume on its data directory.
pub(crate) fn mount_host(v: &VolumeConfig, local: &LocalOptions) -> Result<()> {
    let fs_type = local.fs_type.clone().unwrap_or_else(|| "none".into());
    let device = local.device.clone().unwrap_or_else(|| fs_type.clone());
    let mut opts = local.mount_options.clone();
    if fs_type == "tmpfs" {
        opts.extend(v.uid.map(|u| format!("uid={u}")));
        opts.extend(v.gid.map(|g| format!("gid={g}")));
    }
    let (flags, data) = split_flags(&opts);
    nix::mount::mount(
        Some(device.as_str()),
        &v.mount_point,
        Some(fs_type.as_str()),
        flags,
        Some(data.as_str()).filter(|d| !d.is_empty()),
    )
    .map_err(|e| {
        LibpodError::Invalid(format!(
            "mounting volume {} ({device} as {fs_type}, options {:?}) on {}: {e}",
            v.name,
            opts.join(","),
            v.mount_point.display()
        ))
    })
}

/// Mount options that are flags (`ro`, `nosuid`, `bind`...) and the rest, for the filesystem.
fn split_flags(opts: &[String]) -> (MsFlags, String) {
    let mut flags = MsFlags::empty();
    let mut data = Vec::new();
    for o in opts {
        match o.as_str() {
            "ro" => flags |= MsFlags::MS_RDONLY,
            "rw" => flags.remove(MsFlags::MS_RDONLY),
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            "bind" => flags |= MsFlags::MS_BIND,
            "rbind" => flags |= MsFlags::MS_BIND | MsFlags::MS_REC,
            "suid" | "dev" | "exec" => {}
            other => data.push(other.to_string()),
        }
    }
    (flags, data.join(","))
}

/// Unmounts a host-mounted volume (lazily: a process of a dead container may still hold it).
pub(crate) fn unmount_host(_inner: &Inner, v: &VolumeConfig) -> Result<()> {
    match nix::mount::umount2(&v.mount_point, MntFlags::MNT_DETACH) {
        Ok(()) | Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOENT) => Ok(()),
        Err(e) => Err(LibpodError::Invalid(format!(
            "unmounting volume {} from {}: {e}",
            v.name,
            v.mount_point.display()
        ))),
    }
}

/// Gives back what `user_mounts` took: each counted volume's count goes down, and the last
/// user unmounts it. Idempotent: the list in `st` is emptied.
pub(crate) fn release(inner: &Inner, st: &mut ContainerState) {
    for name in std::mem::take(&mut st.mounted_volumes) {
        let Ok(v) = inner.state.volume(&name) else {
            continue;
        };
        let Ok(lock) = inner.locks.retrieve(v.lock) else {
            continue;
        };
        let Ok(_l) = lock.lock() else { continue };
        if let Ok(mut vst) = inner.state.volume_state(&name) {
            vst.mount_count = vst.mount_count.saturating_sub(1);
            if vst.mount_count == 0 {
                let _ = unmount_host(inner, &v);
            }
            let _ = inner.state.save_volume_state(&name, &vst);
        }
    }
}
