//! Private host directories and files, made with their final mode from the start (a
//! `chmod` afterwards would leave a window), and existing ones tightened.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Result, io};

/// Creates `path` and its missing parents as 0700 directories; an existing `path` owned
/// by us loses its group and other permissions.
pub fn private_dir(path: &Path) -> Result<()> {
    dir_with(path, |m| m & 0o7700)
}

/// Creates `path` (and missing parents, 0700) as a 0711 directory, or sets an existing one
/// of ours to 0711: others may pass through it to what is shared below (a user namespace's
/// root reaching its container's files) but never list or read it.
pub fn traversable_dir(path: &Path) -> Result<()> {
    dir_with(path, |m| (m & 0o7000) | 0o711)
}

/// Creates `path` (and missing parents) as a 0700 directory; an existing one of ours loses
/// read and write for group and others but keeps a search bit (a 0711 directory stays so).
pub fn unlisted_dir(path: &Path) -> Result<()> {
    dir_with(path, |m| m & 0o7711)
}

/// Creates `path` and missing parents as 0700 directories, then gives `path`, when it is
/// ours, the mode `mode` makes of its current one.
fn dir_with(path: &Path, mode: impl Fn(u32) -> u32) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(io(path))?;
    set_mode_if_ours(path, mode)
}

fn set_mode_if_ours(path: &Path, mode: impl Fn(u32) -> u32) -> Result<()> {
    let m = std::fs::metadata(path).map_err(io(path))?;
    let (now, want) = (m.mode() & 0o7777, mode(m.mode() & 0o7777));
    if m.uid() == nix::unistd::geteuid().as_raw() && now != want {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(want)).map_err(io(path))?;
    }
    Ok(())
}

/// The first of `path`'s ancestors (itself included) that others cannot pass through, if
/// any: a user namespace's root could not reach what lies below it.
pub fn first_closed_ancestor(path: &Path) -> Option<std::path::PathBuf> {
    path.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_dir() && m.mode() & 0o001 == 0))
        .map(Path::to_path_buf)
}

/// Creates `path` (if missing) as a 0600 file, or tightens the existing one, and opens it
/// for appending.
pub fn private_file(path: &Path) -> Result<File> {
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    tighten(path)?;
    Ok(f)
}

/// Removes group and other permissions from `path` when it is ours and has any.
pub fn tighten(path: &Path) -> Result<()> {
    set_mode_if_ours(path, |m| m & 0o7700)
}
