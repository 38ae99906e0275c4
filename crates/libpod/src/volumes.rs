//! Named volumes, podman's fourth kind of object: created with a lock and a directory under
//! the graph root (`volumes/<name>/_data`), looked up by name or unique name prefix, removed
//! only when no container mounts them (the state refuses it in the same transaction that
//! would remove it). Only the `local` driver exists; `-o type=,device=,o=` volumes are
//! mounted on the host while a container that uses them runs (`volume_mounts.rs`).
//!
//! ```no_run
//! use libpod::{Runtime, VolumeOptions};
//! let rt = Runtime::builder().build()?;
//! let v = rt.create_volume(VolumeOptions {
//!     name: Some("data".into()),
//!     ..Default::default()
//! })?;
//! println!("{}", v.config()?.mount_point.display());
//! v.remove(false)?;
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use libpod_state::{Mount, MountKind, StateError, VolumeConfig, VolumeState};

use crate::error::{LibpodError, Result, io};
use crate::options::ImageVolumeMode;
use crate::runtime::{Inner, Runtime};
use crate::timefilter::now_ns as now;
use crate::volume_options::{LocalOptions, parse_local};

pub use crate::volume_options::LOCAL_DRIVER;

/// Options for a new volume (`podman volume create`).
#[derive(Debug, Clone, Default)]
pub struct VolumeOptions {
    /// Name; a random 64-hex-digit one when `None`, as podman.
    pub name: Option<String>,
    /// Driver; only `local`.
    pub driver: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Driver options (`-o`): `type`, `device`, `o`, `uid`, `gid`, `copy`, `nocopy`.
    pub options: BTreeMap<String, String>,
    /// An existing volume of that name is returned instead of an error (`--ignore`).
    pub ignore_existing: bool,
}

/// A volume of a runtime. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Volume {
    rt: Runtime,
    name: String,
}

impl Volume {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it is.
    pub fn config(&self) -> Result<VolumeConfig> {
        let _g = self.rt.inner.guard()?;
        Ok(self.rt.inner.state.volume(&self.name)?)
    }

    /// How it is used now.
    pub fn state(&self) -> Result<VolumeState> {
        let _g = self.rt.inner.guard()?;
        Ok(self.rt.inner.state.volume_state(&self.name)?)
    }

    /// The IDs of the containers that mount it.
    pub fn users(&self) -> Result<Vec<String>> {
        let _g = self.rt.inner.guard()?;
        Ok(self.rt.inner.state.volume_users(&self.name)?)
    }

    /// Its data directory, mounted first when it is a `type=`/`device=` volume (`volume
    /// mount`; counted as a user until `unmount`).
    pub fn mount(&self) -> Result<PathBuf> {
        let inner = &self.rt.inner;
        let _g = inner.guard()?;
        let cfg = inner.state.volume(&self.name)?;
        if parse_local(&cfg.options)?.is_mount() {
            let _l = inner.locks.retrieve(cfg.lock)?.lock()?;
            let mut st = inner.state.volume_state(&self.name)?;
            if st.mount_count == 0 {
                crate::volume_mounts::mount_host(&cfg, &parse_local(&cfg.options)?)?;
            }
            st.mount_count += 1;
            inner.state.save_volume_state(&self.name, &st)?;
        }
        Ok(cfg.mount_point)
    }

    /// Undoes one `mount` (the last one unmounts a `type=`/`device=` volume).
    pub fn unmount(&self) -> Result<()> {
        let inner = &self.rt.inner;
        let _g = inner.guard()?;
        let cfg = inner.state.volume(&self.name)?;
        if parse_local(&cfg.options)?.is_mount() {
            let _l = inner.locks.retrieve(cfg.lock)?.lock()?;
            let mut st = inner.state.volume_state(&self.name)?;
            st.mount_count = st.mount_count.saturating_sub(1);
            if st.mount_count == 0 {
                crate::volume_mounts::unmount_host(inner, &cfg)?;
            }
            inner.state.save_volume_state(&self.name, &st)?;
        }
        Ok(())
    }

    /// Writes its contents to `out` as a tar stream (`volume export`); a `type=` volume must
    /// be mounted (in use, or `mount`ed).
    pub fn export(&self, out: impl std::io::Write) -> Result<()> {
        let root = self.data_root()?;
        libpod_fs::pack(
            &root,
            std::path::Path::new("."),
            &libpod_fs::PackOptions {
                xattrs: true,
                ..Default::default()
            },
            out,
        )?;
        Ok(())
    }

    /// Unpacks a tar stream into it (`volume import`), by descriptor inside its data
    /// directory (an archive cannot write outside it).
    pub fn import(&self, input: impl std::io::Read) -> Result<()> {
        let root = self.data_root()?;
        libpod_fs::unpack(
            &root,
            std::path::Path::new("."),
            input,
            &libpod_fs::UnpackOptions {
                chown: None,
                overwrite: true,
                xattrs: true,
            },
        )?;
        Ok(())
    }

    fn data_root(&self) -> Result<libpod_fs::Root> {
        let cfg = self.config()?;
        if parse_local(&cfg.options)?.is_mount() && self.state()?.mount_count == 0 {
            return Err(LibpodError::Invalid(format!(
                "volume {} is not mounted: mount it with `volume mount` (or start a container that uses it) first",
                self.name
            )));
        }
        Ok(libpod_fs::Root::open(&cfg.mount_point)?)
    }

    /// Removes it; with `force`, the containers that mount it first (stopped, then removed),
    /// as podman's `volume rm -f`.
    pub fn remove(&self, force: bool) -> Result<()> {
        if force {
            for id in self.users()? {
                match self.rt.container(&id) {
                    Ok(c) => c.remove(true)?,
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let inner = &self.rt.inner;
        let _g = inner.guard()?;
        remove_unguarded(inner, &self.name)
    }
}

/// Removes a volume nobody mounts: the state first (which refuses a volume in use, in one
/// transaction), then its lock and its directory.
pub(crate) fn remove_unguarded(inner: &Inner, name: &str) -> Result<()> {
    let _names = inner.locks.volume_names_lock().lock()?;
    let cfg = inner.state.volume(name)?;
    let st = inner.state.volume_state(name)?;
    if st.mount_count > 0 {
        crate::volume_mounts::unmount_host(inner, &cfg)?;
    }
    inner.state.remove_volume(name)?;
    let _ = inner.locks.free(cfg.lock);
    crate::event_record::object(
        inner,
        crate::events::EventType::Volume,
        crate::events::EventStatus::Remove,
        "",
        name,
    );
    let dir = volume_dir(inner, name);
    match fs::remove_dir_all(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Removes the anonymous volumes a removed container mounted, except those another
/// container still mounts (`--volumes-from`), as podman.
pub(crate) fn remove_anonymous(inner: &Inner, cfg: &libpod_state::ContainerConfig) {
    for name in cfg.volume_names() {
        if inner.state.volume(&name).is_ok_and(|v| v.anonymous) {
            match remove_unguarded(inner, &name) {
                Ok(()) => {}
                Err(e) if e.is_in_use() => {}
                Err(e) => {
                    tracing::warn!(volume = %name, error = %e, "anonymous volume not removed")
                }
            }
        }
    }
}

/// `<graph root>/volumes/<name>`.
pub(crate) fn volume_dir(inner: &Inner, name: &str) -> PathBuf {
    inner.config.storage.graph_root.join("volumes").join(name)
}

impl Runtime {
    /// Creates a volume (`podman volume create`). A name in use is an error (or, with
    /// `ignore_existing`, that volume); anything that fails after the lock and directory were
    /// made removes them again.
    pub fn create_volume(&self, opts: VolumeOptions) -> Result<Volume> {
        let _g = self.inner.guard()?;
        self.create_volume_unguarded(opts, false)
    }

    pub(crate) fn create_volume_unguarded(
        &self,
        opts: VolumeOptions,
        anonymous: bool,
    ) -> Result<Volume> {
        let inner = &self.inner;
        let driver = opts.driver.clone().unwrap_or_else(|| LOCAL_DRIVER.into());
        let name = match &opts.name {
            Some(n) => n.clone(),
            None => libpod_state::new_id()?,
        };
        if driver != LOCAL_DRIVER {
            return Err(LibpodError::Invalid(format!(
                "volume {name} uses volume plugin {driver} but it could not be retrieved: no volume plugin with name {driver} available: required plugin missing (only the {LOCAL_DRIVER} driver exists)"
            )));
        }
        libpod_state::check_name(&name).map_err(|_| {
            LibpodError::Invalid(format!(
                "running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument (name {name:?})"
            ))
        })?;
        let local = parse_local(&opts.options)?;
        let _names = inner.locks.volume_names_lock().lock()?;
        match inner.state.volume(&name) {
            Ok(_) if opts.ignore_existing => {
                return Ok(Volume {
                    rt: self.clone(),
                    name,
                });
            }
            Ok(_) => return Err(StateError::VolumeExists(name).into()),
            Err(StateError::NoSuchVolume(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let (lock, _creating) = inner.locks.allocate_locked()?;
        let lock = lock.number().unwrap_or(0);
        let dir = volume_dir(inner, &name);
        let made = make_dirs(inner, &dir, &local);
        let cfg = VolumeConfig {
            name: name.clone(),
            driver,
            mount_point: dir.join("_data"),
            labels: opts.labels.clone(),
            options: opts.options.clone(),
            created: now(),
            anonymous,
            lock,
            uid: local.uid,
            gid: local.gid,
        };
        let st = VolumeState {
            mount_count: 0,
            needs_copy_up: !local.nocopy,
            // Given an owner, it keeps it; else the first container's user gets it.
            needs_chown: local.uid.is_none() && local.gid.is_none(),
        };
        let added = made.and_then(|()| Ok(inner.state.add_volume(&cfg, &st)?));
        if let Err(e) = added {
            // Only a directory this call made goes: another creator's would have failed
            // `make_dirs` with "exists".
            if !matches!(e, LibpodError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists)
            {
                let _ = fs::remove_dir_all(&dir);
            }
            let _ = inner.locks.free(lock);
            return Err(match e {
                LibpodError::Io { source, .. }
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    StateError::VolumeExists(name).into()
                }
                other => other,
            });
        }
        crate::event_record::object(
            inner,
            crate::events::EventType::Volume,
            crate::events::EventStatus::Create,
            "",
            &name,
        );
        Ok(Volume {
            rt: self.clone(),
            name,
        })
    }

    /// The volume with this name, else the only one whose name starts with it.
    pub fn volume(&self, name_or_prefix: &str) -> Result<Volume> {
        let _g = self.inner.guard()?;
        let cfg = self.inner.state.lookup_volume(name_or_prefix)?;
        Ok(Volume {
            rt: self.clone(),
            name: cfg.name,
        })
    }

    /// Whether a volume has exactly this name (`volume exists`).
    pub fn volume_exists(&self, name: &str) -> Result<bool> {
        let _g = self.inner.guard()?;
        match self.inner.state.volume(name) {
            Ok(_) => Ok(true),
            Err(StateError::NoSuchVolume(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Every volume with its state, by name.
    pub fn volumes(&self) -> Result<Vec<(VolumeConfig, VolumeState)>> {
        let _g = self.inner.guard()?;
        Ok(self.inner.state.all_volumes()?)
    }
}

/// Adds the volumes and bind mounts of the containers named (`CTR[:ro|rw]`) to `mounts`,
/// except where `mounts` already has the destination; `ro`/`rw` replaces their mode.
pub(crate) fn volumes_from(inner: &Inner, specs: &[String], mounts: &mut Vec<Mount>) -> Result<()> {
    for spec in specs {
        let (name, mode) = match spec.rsplit_once(':') {
            Some((n, m)) if m == "ro" || m == "rw" => (n, Some(m)),
            Some((_, m)) => {
                return Err(LibpodError::Invalid(format!(
                    "--volumes-from {spec}: invalid option {m:?}, use ro or rw"
                )));
            }
            None => (spec.as_str(), None),
        };
        let from = inner.state.lookup_container(name)?;
        for m in from.mounts {
            if m.kind == MountKind::Tmpfs || mounts.iter().any(|x| x.destination == m.destination) {
                continue;
            }
            let mut m = m;
            if let Some(mode) = mode {
                m.options.retain(|o| o != "ro" && o != "rw");
                m.options.push(mode.to_string());
            }
            mounts.push(m);
        }
    }
    Ok(())
}

/// Checks a new container's mounts: absolute destinations, each used once, volume names
/// valid, bind sources present.
pub(crate) fn check_mounts(mounts: &[Mount]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for m in mounts {
        if !m.destination.starts_with('/') {
            return Err(LibpodError::Invalid(format!(
                "invalid container path {:?}: it must be absolute",
                m.destination
            )));
        }
        if !seen.insert(m.destination.trim_end_matches('/')) {
            return Err(LibpodError::Invalid(format!(
                "{}: duplicate mount destination",
                m.destination
            )));
        }
        match m.kind {
            MountKind::Volume if !m.source.is_empty() => libpod_state::check_name(&m.source)?,
            MountKind::Bind => {
                if !m.source.starts_with('/') {
                    return Err(LibpodError::Invalid(format!(
                        "invalid host path {:?}: it must be absolute",
                        m.source
                    )));
                }
                fs::metadata(&m.source).map_err(io(&m.source))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A new container's mounts with its volumes made: anonymous ones for empty sources and for
/// the image's `VOLUME`s no mount covers (as `mode` says), named ones that do not exist yet.
/// Returns the mounts and the volumes this call made (to remove if the container is not
/// recorded).
/// Makes the named volume if it does not exist (podman makes a volume `-v NAME:/x` names);
/// true when this call made it.
pub(crate) fn ensure_named(rt: &Runtime, name: &str) -> Result<bool> {
    match rt.inner.state.volume(name) {
        Ok(_) => Ok(false),
        Err(StateError::NoSuchVolume(_)) => {
            let opts = VolumeOptions {
                name: Some(name.to_string()),
                // Another creator may make it at the same moment: theirs is as good.
                ignore_existing: true,
                ..Default::default()
            };
            rt.create_volume_unguarded(opts, false)?;
            Ok(true)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn container_volumes(
    rt: &Runtime,
    mounts: &[Mount],
    image_volumes: &[String],
    mode: ImageVolumeMode,
) -> Result<(Vec<Mount>, Vec<String>)> {
    let mut out: Vec<Mount> = mounts.to_vec();
    let covered = |out: &[Mount], d: &str| {
        out.iter()
            .any(|m| m.destination.trim_end_matches('/') == d.trim_end_matches('/'))
    };
    for d in image_volumes {
        if covered(&out, d) || !d.starts_with('/') {
            continue;
        }
        match mode {
            // podman's options for an image's volumes.
            ImageVolumeMode::Anonymous => out.push(Mount {
                kind: MountKind::Volume,
                source: String::new(),
                destination: d.clone(),
                options: vec!["nodev".into(), "exec".into(), "nosuid".into()],
            }),
            ImageVolumeMode::Tmpfs => out.push(Mount {
                kind: MountKind::Tmpfs,
                source: String::new(),
                destination: d.clone(),
                options: Vec::new(),
            }),
            ImageVolumeMode::Ignore => {}
        }
    }
    let mut made = Vec::new();
    let r = (|| -> Result<()> {
        for m in out.iter_mut().filter(|m| m.kind == MountKind::Volume) {
            if m.source.is_empty() {
                let v = rt.create_volume_unguarded(VolumeOptions::default(), true)?;
                m.source = v.name;
                made.push(m.source.clone());
            } else if ensure_named(rt, &m.source)? {
                made.push(m.source.clone());
            }
        }
        Ok(())
    })();
    if let Err(e) = r {
        for v in &made {
            let _ = remove_unguarded(&rt.inner, v);
        }
        return Err(e);
    }
    Ok((out, made))
}

/// `volumes/<name>` (0700, made new: an existing one means another volume) and `_data`
/// (0755, or the owner asked for).
fn make_dirs(inner: &Inner, dir: &std::path::Path, local: &LocalOptions) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    let parent = inner.config.storage.graph_root.join("volumes");
    libpod_fs::host::private_dir(&parent)?;
    fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .map_err(io(dir))?;
    let data = dir.join("_data");
    fs::DirBuilder::new()
        .mode(0o755)
        .create(&data)
        .map_err(io(&data))?;
    if local.uid.is_some() || local.gid.is_some() {
        std::os::unix::fs::chown(&data, local.uid, local.gid).map_err(io(&data))?;
    }
    Ok(())
}
