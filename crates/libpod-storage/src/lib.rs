//! Image and container storage of libpod-rs (the part containers/storage and the local
//! transports of containers/image play for podman).
//!
//! A [`Store`] under a graph root holds images (a content-addressed, verified blob store of
//! manifests, configs and layers; names and tags normalised as podman does), the layers they
//! share (extracted once per diff ID, freed with their last user), and containers' writable
//! layers (overlay mounts over the image layers, counted across processes; a vfs copy where
//! overlay cannot mount). Images come in from root filesystem tarballs, OCI layouts and
//! archives, and docker-archives, and go out as OCI archives and docker-archives.
//!
//! Invariants: layers are hostile input, extracted so that nothing is written outside the
//! layer directory ([`extract`]); every change happens under a store-wide file lock and is
//! recorded only once its files are in place; a failed operation leaves no directory, mount
//! or unreferenced blob behind; blobs are verified against their digest when written and read.
//! (The one exception is a failed pull: blobs it finished and verified stay, unreferenced, so
//! the next pull resumes; the next collecting operation deletes them if nothing uses them.)
//!
//! Feature `pull`: `Store::pull` fetches images over the OCI distribution protocol and
//! `Store::push` sends them back; `store_credentials`/`remove_credentials` edit an auth.json.

mod archive;
#[cfg(feature = "pull")]
mod auth;
mod blobs;
pub mod busybox;
#[cfg(feature = "pull")]
mod certs;
mod changes;
#[cfg(feature = "pull")]
mod chunks;
mod commit;
mod config_changes;
mod containers;
mod digest;
mod driver;
mod error;
pub mod extract;
mod idmap;
mod mapped;
mod meta;
mod policy;
#[cfg(feature = "pull")]
mod pull;
#[cfg(feature = "pull")]
mod push;
mod reference;
#[cfg(feature = "pull")]
mod registry;
mod store;
pub use libpod_config::time;
mod types;

pub use archive::manifest_media_type;
#[cfg(feature = "pull")]
pub use auth::{fallback_auth_files, remove_credentials, store_credentials};
pub use blobs::lend;
pub use commit::CommitSpec;
pub use config_changes::apply_changes;
pub use digest::of_bytes as digest_of;
pub use error::{Result, StorageError};
pub use policy::Policy;
#[cfg(feature = "pull")]
pub use pull::{list_tags, search};
pub use reference::Reference;
#[cfg(feature = "pull")]
pub use registry::{PullOptions, login, redacted};
pub use store::{RemovedImage, Store, StoreOptions};
pub use types::{
    AltManifest, AutoIds, Change, ChangeKind, ContainerLayer, ContainerSize, Image, ImageConfig,
    Layer, LayerRef, LayerUserNs, Progress, ProgressFn, StoreInfo, host_arch,
};
