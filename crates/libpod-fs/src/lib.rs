//! Path safety for libpod-rs.
//!
//! Every path inside a container's root filesystem, an unpacked archive, an image layout or
//! a layer is resolved by this crate, inside its root: [`Root`] holds the root's directory
//! descriptor and resolves with `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`, so
//! `..`, absolute and relative symlinks and races (a directory swapped for a symlink while
//! we work) all stay inside. New files are created on their parent's descriptor with
//! `O_NOFOLLOW | O_EXCL`, trees are walked by descriptor, and only regular files are read
//! as files. No other crate joins a container path to a host path.
//!
//! ```no_run
//! use libpod_fs::Root;
//! use std::path::Path;
//! let root = Root::open(Path::new("/var/lib/libpod-rs/storage/containers/x/merged"))?;
//! // An absolute symlink /etc/passwd -> /etc/shadow would resolve to the rootfs' shadow.
//! let passwd = root.read_bounded(Path::new("/etc/passwd"), 1 << 20)?;
//! # Ok::<(), libpod_fs::FsError>(())
//! ```

pub mod copy;
pub mod error;
pub mod host;
pub mod layer;
pub mod pack;
pub mod plan;
pub mod root;
pub mod unpack;
pub mod walk;
pub mod xattr;

pub use copy::copy_tree;
pub use error::{FsError, Result, go_io_text};
pub use pack::{Exclude, PackOptions, pack};
pub use plan::{Plan, Source, plan_copy};
pub use root::{Kind, Root, clean, open_in};
pub use unpack::{UnpackOptions, unpack};
