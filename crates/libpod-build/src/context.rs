//! A build context sent as a tar stream (`rpod build -`, the API's `POST /build`): unpacked
//! by the path-safe extractor into a directory of its own, removed when dropped.

use std::io::Read;
use std::path::Path;

use libpod::fs::{Root, UnpackOptions};

use crate::error::{BuildError, Result, io};

/// An unpacked build context.
#[derive(Debug)]
pub struct ContextDir {
    dir: tempfile::TempDir,
}

impl ContextDir {
    /// Where it was unpacked.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Unpacks a context tar (plain, gzip or zstd) into a new directory under /var/tmp (else the
/// temporary directory), as podman puts contexts it receives; no entry lands outside it.
///
/// ```no_run
/// let ctx = libpod_build::unpack_context(std::io::stdin())?;
/// let opts = libpod_build::BuildOptions { context: ctx.path().to_path_buf(), ..Default::default() };
/// # let _ = opts;
/// # Ok::<(), libpod_build::BuildError>(())
/// ```
pub fn unpack_context(tar: impl Read) -> Result<ContextDir> {
    let base = Path::new("/var/tmp");
    let dir = tempfile::Builder::new()
        .prefix("rpod-build-context-")
        .tempdir_in(if base.is_dir() {
            base
        } else {
            Path::new("/tmp")
        })
        .map_err(io("a directory for the build context"))?;
    let root = Root::open(dir.path()).map_err(libpod::LibpodError::from)?;
    let tar = libpod::storage::extract::decompressed(tar).map_err(libpod::LibpodError::from)?;
    let opts = UnpackOptions {
        chown: None,
        overwrite: true,
        xattrs: false,
    };
    libpod::fs::unpack(&root, Path::new("."), tar, &opts).map_err(|e| {
        BuildError::Invalid(format!(
            "the build context is not a readable tar stream: {e}"
        ))
    })?;
    Ok(ContextDir { dir })
}
