//! libpod-rs: run OCI containers and pods on a Linux host.
//!
//! This crate is the thin facade a Rust program embeds: it re-exports the layers and, as later
//! issues land, composes them into a `Runtime` (see `docs/ARCHITECTURE.md`). It wires and
//! sequences; the layers do the work.
//!
//! # Cargo features
//!
//! None yet. Each backend (state databases, CNI, registry pulls) arrives behind its own
//! feature, documented here, and CI builds and tests the crate with each feature alone.

pub use libpod_config as config;
pub use libpod_lock as lock;
pub use libpod_network as network;
pub use libpod_oci as oci;
pub use libpod_state as state;
pub use libpod_storage as storage;
