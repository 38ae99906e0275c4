//! Private host directories and files, made with their final mode from the start (a
//! `chmod` afterwards would leave a window), and existing ones tightened.

use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Result, io};

/// Creates `path` and its missing parents as 0700 directories; an existing `path` owned
/// by us loses its group and other permissions.
pub fn private_dir(path: &Path) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(io(path))?;
    tighten(path)
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
    let m = std::fs::metadata(path).map_err(io(path))?;
    if m.uid() == nix::unistd::geteuid().as_raw() && m.mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m.mode() & 0o7700))
            .map_err(io(path))?;
    }
    Ok(())
}
