//! libpod-rs: run OCI containers and pods on a Linux host.
//!
//! This crate is the thin facade a Rust program embeds: it re-exports the layers and, as later
//! issues land, composes them into a `Runtime` (see `docs/ARCHITECTURE.md`). It wires and
//! sequences; the layers do the work.
//!
//! # Cargo features
//!
//! Each backend is behind its own feature; CI builds and tests this crate with each one alone
//! (and with none). The in-memory state backend is always built.
//!
//! - `sqlite` (default): the SQLite state backend (rusqlite with a bundled SQLite). Durable,
//!   shared safely by many processes; the default `[engine] database_backend`.
//! - `redb` (default): the redb state backend, a pure-Rust embedded database shared by
//!   processes through redb's multi-writer mode.
//!
//! Later features (`cni`, `pull`) arrive with the layers that need them.

pub use libpod_config as config;
pub use libpod_lock as lock;
pub use libpod_network as network;
pub use libpod_oci as oci;
pub use libpod_state as state;
pub use libpod_storage as storage;
