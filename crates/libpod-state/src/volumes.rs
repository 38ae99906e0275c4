//! The rules for volumes, over any backend: names unique among volumes, a volume present for
//! every container that mounts it, and never removed while one does. Called by `db.rs`'s
//! `State` implementation inside its transactions.

use crate::codec::{decode, encode};
use crate::error::{Result, StateError};
use crate::ids::check_name;
use crate::store::{Reader, Writer};
use crate::types::{ContainerConfig, VolumeConfig, VolumeState};

pub(crate) fn volume_config(r: &dyn Reader, name: &str) -> Result<VolumeConfig> {
    let bytes = r
        .volume_config(name)?
        .ok_or_else(|| StateError::NoSuchVolume(name.to_string()))?;
    decode("volume config", name, &bytes)
}

pub(crate) fn volume_state(r: &dyn Reader, name: &str) -> Result<VolumeState> {
    let bytes = r
        .volume_state(name)?
        .ok_or_else(|| StateError::NoSuchVolume(name.to_string()))?;
    decode("volume state", name, &bytes)
}

pub(crate) fn add_volume(w: &mut dyn Writer, c: &VolumeConfig, s: &VolumeState) -> Result<()> {
    check_name(&c.name)?;
    let cfg = encode("volume config", &c.name, c)?;
    let st = encode("volume state", &c.name, s)?;
    if w.volume_config(&c.name)?.is_some() {
        return Err(StateError::VolumeExists(c.name.clone()));
    }
    w.insert_volume(&c.name, &cfg, &st)
}

pub(crate) fn remove_volume(w: &mut dyn Writer, name: &str) -> Result<()> {
    volume_config(w, name)?;
    let containers = w.volume_users(name)?;
    if !containers.is_empty() {
        return Err(StateError::VolumeInUse {
            name: name.to_string(),
            containers,
        });
    }
    w.delete_volume(name)
}

/// A volume by exact name, else by a name prefix that only one volume has (as podman).
pub(crate) fn lookup_volume(r: &dyn Reader, s: &str) -> Result<String> {
    if s.is_empty() {
        return Err(StateError::NoSuchVolume(s.to_string()));
    }
    if r.volume_config(s)?.is_some() {
        return Ok(s.to_string());
    }
    let names: Vec<String> = r
        .all_volumes()?
        .into_iter()
        .map(|(n, _, _)| n)
        .filter(|n| n.starts_with(s))
        .collect();
    match names.len() {
        0 => Err(StateError::NoSuchVolume(s.to_string())),
        1 => Ok(names[0].clone()),
        n => Err(StateError::AmbiguousPrefix {
            prefix: s.to_string(),
            matches: n,
        }),
    }
}

/// Checks that every named volume a new container mounts exists; returns their names.
pub(crate) fn check_volumes(r: &dyn Reader, config: &ContainerConfig) -> Result<Vec<String>> {
    let names = config.volume_names();
    for v in &names {
        volume_config(r, v)?;
    }
    Ok(names)
}

pub(crate) fn all_volumes(r: &dyn Reader) -> Result<Vec<(VolumeConfig, VolumeState)>> {
    r.all_volumes()?
        .iter()
        .map(|(n, c, s)| {
            Ok((
                decode("volume config", n, c)?,
                decode("volume state", n, s)?,
            ))
        })
        .collect()
}

/// After a reboot nothing is mounted.
pub(crate) fn refresh_volumes(w: &mut dyn Writer) -> Result<()> {
    for (name, _, st) in w.all_volumes()? {
        let mut s: VolumeState = decode("volume state", &name, &st)?;
        if s.mount_count != 0 {
            s.mount_count = 0;
            w.set_volume_state(&name, &encode("volume state", &name, &s)?)?;
        }
    }
    Ok(())
}
