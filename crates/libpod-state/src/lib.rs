//! The state database of libpod-rs: everything the runtime knows about containers and pods.
//!
//! One [`State`] trait, three backends: in-memory (always built), SQLite (feature `sqlite`,
//! through rusqlite) and redb (feature `redb`). The rules (one ID/name namespace shared by
//! containers and pods, lookup by full ID, name or unique prefix, pod membership, dependencies,
//! exec sessions, exit codes kept after removal, refresh after reboot) are written once in
//! `db.rs` over a small storage interface; the backends only store and index. A conformance
//! suite and a state-machine property test check that all three behave the same.
//!
//! Invariants: every operation is one transaction, and checks everything before it writes;
//! a database records its schema version and the runtime paths it was created with, and is
//! refused when either disagrees; damaged files and records are errors naming them, never
//! panics. Records are JSON, so configs and states round-trip every field.
//!
//! ```
//! use libpod_state::{ContainerConfig, ContainerState, DbPaths, State, new_id, open_memory};
//! let state = open_memory(&DbPaths::default()).unwrap();
//! let config = ContainerConfig { id: new_id().unwrap(), name: "web".into(), ..Default::default() };
//! state.add_container(&config, &ContainerState::default()).unwrap();
//! assert_eq!(state.lookup_container_id("web").unwrap(), config.id);
//! assert_eq!(state.lookup_container_id(&config.id[..12]).unwrap(), config.id);
//! ```

mod codec;
mod db;
mod error;
mod ids;
mod kv;
mod memory;
#[cfg(feature = "redb")]
mod redb_store;
#[cfg(feature = "sqlite")]
mod sqlite;
mod state;
mod store;
mod types;
mod volumes;

use std::path::Path;

pub use codec::decode;
pub use db::SCHEMA_VERSION;
pub use error::{Result, StateError};
pub use ids::{check_id, check_name, is_full_id, new_id};
pub use libpod_config::StateBackend;
pub use state::{State, copy_state};
pub use types::{
    ContainerConfig, ContainerState, ContainerStatus, DbPaths, ExecSession, ExitCodeRecord,
    HealthLogEntry, HealthOnFailure, HealthState, HealthStatus, Mount, MountKind, NetworkMode,
    NetworkOptions, NetworkStatus, PodConfig, PodState, PortMapping, Protocol, Resources,
    RestartPolicy, Snapshot, Timestamp, VolumeConfig, VolumeState,
};

/// A state that lives only in this process.
pub fn open_memory(paths: &DbPaths) -> Result<Box<dyn State>> {
    Ok(Box::new(db::StateDb::open(
        memory::MemoryBackend::default(),
        paths,
    )?))
}

/// Opens (creating if needed) a SQLite state database at `file`.
#[cfg(feature = "sqlite")]
pub fn open_sqlite(file: &Path, paths: &DbPaths) -> Result<Box<dyn State>> {
    Ok(Box::new(db::StateDb::open(
        sqlite::SqliteBackend::open(file)?,
        paths,
    )?))
}

/// Opens (creating if needed) a redb state database at `file`.
#[cfg(feature = "redb")]
pub fn open_redb(file: &Path, paths: &DbPaths) -> Result<Box<dyn State>> {
    Ok(Box::new(db::StateDb::open(
        redb_store::RedbBackend::open(file)?,
        paths,
    )?))
}

/// The database file a backend uses inside a runtime's static dir (`None` for memory).
pub fn db_file_name(backend: StateBackend) -> Option<&'static str> {
    match backend {
        StateBackend::Memory => None,
        StateBackend::Sqlite => Some("state.sqlite3"),
        StateBackend::Redb => Some("state.redb"),
    }
}

/// Opens the configured backend, its file inside `static_dir`.
pub fn open(backend: StateBackend, static_dir: &Path, paths: &DbPaths) -> Result<Box<dyn State>> {
    let file = static_dir.join(db_file_name(backend).unwrap_or_default());
    match backend {
        StateBackend::Memory => open_memory(paths),
        #[cfg(feature = "sqlite")]
        StateBackend::Sqlite => open_sqlite(&file, paths),
        #[cfg(feature = "redb")]
        StateBackend::Redb => open_redb(&file, paths),
        #[allow(unreachable_patterns)]
        other => {
            let _ = file;
            Err(StateError::BackendUnavailable(other.as_str()))
        }
    }
}

/// Decodes `bytes` as every kind of stored record, for fuzzing: never panics.
pub fn decode_any(bytes: &[u8]) -> usize {
    let ok = [
        decode::<ContainerConfig>("container config", "fuzz", bytes).is_ok(),
        decode::<ContainerState>("container state", "fuzz", bytes).is_ok(),
        decode::<PodConfig>("pod config", "fuzz", bytes).is_ok(),
        decode::<PodState>("pod state", "fuzz", bytes).is_ok(),
        decode::<ExecSession>("exec session", "fuzz", bytes).is_ok(),
        decode::<ExitCodeRecord>("exit code", "fuzz", bytes).is_ok(),
        decode::<DbPaths>("recorded paths", "fuzz", bytes).is_ok(),
        decode::<Snapshot>("snapshot", "fuzz", bytes).is_ok(),
        decode::<VolumeConfig>("volume config", "fuzz", bytes).is_ok(),
        decode::<VolumeState>("volume state", "fuzz", bytes).is_ok(),
    ];
    ok.iter().filter(|b| **b).count()
}
