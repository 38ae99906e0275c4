//! Image and container storage of libpod-rs (the part containers/storage plays for podman).
mod digest;
mod error;
pub mod extract;
mod reference;
mod types;
pub use error::{Result, StorageError};
