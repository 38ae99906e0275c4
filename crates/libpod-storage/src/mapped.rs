//! Where idmapped mounts are not available (an older kernel, a filesystem without them, or
//! `LIBPOD_RS_OVERLAY_DISABLE_IDMAP=yes`, the counterpart of containers/storage's
//! `_CONTAINERS_OVERLAY_DISABLE_IDMAP`): a copy of each image layer with its owners shifted
//! through the mappings, made once per layer and mapping under `mapped/<key>/<link>` and
//! shared by every container with that mapping, collected with the last of them.

use std::fs;
use std::path::{Path, PathBuf};

use libpod_config::IdMappings;

use crate::error::{Result, io};
use crate::store::Store;

/// The environment variable that turns idmapped layers off.
pub const DISABLE_IDMAP_ENV: &str = "LIBPOD_RS_OVERLAY_DISABLE_IDMAP";

/// Whether idmapped layers are turned off (`LIBPOD_RS_OVERLAY_DISABLE_IDMAP=yes`).
pub(crate) fn idmap_disabled() -> bool {
    std::env::var(DISABLE_IDMAP_ENV).is_ok_and(|v| v == "yes" || v == "1" || v == "true")
}

impl Store {
    /// The mapped copies of `lowers` (paths under `l/`, top first), made where missing.
    pub(crate) fn mapped_copies(&self, lowers: &[PathBuf], m: &IdMappings) -> Result<Vec<PathBuf>> {
        let dir = self
            .opts
            .graph_root
            .join("mapped")
            .join(crate::idmap::mapping_key(m));
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        lowers
            .iter()
            .map(|l| {
                let name = l.file_name().map(|n| n.to_os_string()).unwrap_or_default();
                let copy = dir.join(&name);
                if !copy.exists() {
                    make_copy(l, &copy, m)?;
                }
                Ok(copy)
            })
            .collect()
    }
}

/// Copies `src` to `dst` with every owner shifted through `m`; `dst` appears whole or not at
/// all (made under a temporary name, then renamed).
fn make_copy(src: &Path, dst: &Path, m: &IdMappings) -> Result<()> {
    let name = dst
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dst.with_file_name(format!(".tmp-{name}"));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir(&tmp).map_err(io(&tmp))?;
    let made = copy_tree(src, &tmp).and_then(|()| crate::idmap::shift_tree(&tmp, m));
    if let Err(e) = made.and_then(|()| fs::rename(&tmp, dst).map_err(io(dst))) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    Ok(())
}

/// Copies the tree at `src` into the empty directory `dst`: owners, modes, device nodes
/// (overlay's whiteouts) and extended attributes (its opaque markers) kept.
fn copy_tree(src: &Path, dst: &Path) -> Result<()> {
    let from = libpod_fs::Root::open(src)?;
    let to = libpod_fs::Root::open(dst)?;
    Ok(libpod_fs::copy_tree(
        &from,
        Path::new("."),
        &to,
        Path::new("."),
    )?)
}
