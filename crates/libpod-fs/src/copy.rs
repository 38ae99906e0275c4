//! Copying a tree between two roots: packed on one thread and unpacked on this one through
//! a pipe, so neither side ever resolves a path outside its root and nothing is buffered
//! whole. Owners, modes, device nodes and extended attributes are kept.

use std::path::Path;

use crate::error::{FsError, Result};
use crate::root::Root;

/// Copies `src` under `from` into the directory `dest` under `to` (which may hold files; they
/// are replaced).
pub fn copy_tree(from: &Root, src: &Path, to: &Root, dest: &Path) -> Result<()> {
    let (reader, writer) = std::io::pipe().map_err(|e| FsError::Io {
        path: to.path().join(dest),
        source: e,
    })?;
    let opts = crate::PackOptions {
        xattrs: true,
        ..Default::default()
    };
    std::thread::scope(|s| {
        let packer = s.spawn(move || crate::pack(from, src, &opts, writer));
        let unpacked = crate::unpack(
            to,
            dest,
            reader,
            &crate::UnpackOptions {
                chown: None,
                overwrite: true,
                xattrs: true,
            },
        );
        let packed = packer
            .join()
            .map_err(|_| FsError::Copy("the packing thread panicked".into()))?;
        packed?;
        unpacked
    })
}
