//! Helpers shared by the state tests: one of each backend, and fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use libpod_state::{ContainerConfig, ContainerState, DbPaths, PodConfig, State, StateError};

/// A backend under test, with the directory holding its file.
pub struct Db {
    pub name: &'static str,
    pub state: Box<dyn State>,
    pub dir: tempfile::TempDir,
}

impl Db {
    pub fn file(&self) -> PathBuf {
        self.dir.path().join(format!("state.{}", self.name))
    }

    /// Closes and reopens the same file (persistent backends only).
    pub fn reopen(&mut self) {
        self.state.close().expect("close");
        self.state = open(self.name, &self.file(), &paths()).expect("reopen");
    }
}

pub fn paths() -> DbPaths {
    DbPaths {
        static_dir: "/test/static".into(),
        tmp_dir: "/test/tmp".into(),
        graph_root: "/test/graph".into(),
        run_root: "/test/run".into(),
    }
}

/// A scratch dir; on tmpfs when there is one, since these tests are not about fsync.
pub fn scratch() -> tempfile::TempDir {
    if Path::new("/dev/shm").is_dir()
        && let Ok(d) = tempfile::tempdir_in("/dev/shm")
    {
        return d;
    }
    tempfile::tempdir().expect("tempdir")
}

pub fn open(name: &str, file: &Path, paths: &DbPaths) -> Result<Box<dyn State>, StateError> {
    let _ = file; // unused when no persistent backend is built
    match name {
        "memory" => libpod_state::open_memory(paths),
        #[cfg(feature = "sqlite")]
        "sqlite" => libpod_state::open_sqlite(file, paths),
        #[cfg(feature = "redb")]
        "redb" => libpod_state::open_redb(file, paths),
        other => panic!("unknown backend {other}"),
    }
}

/// Every backend built in, the in-memory one always.
pub const BACKENDS: &[&str] = &[
    "memory",
    #[cfg(feature = "sqlite")]
    "sqlite",
    #[cfg(feature = "redb")]
    "redb",
];
/// The backends with a file.
pub const PERSISTENT: &[&str] = &[
    #[cfg(feature = "sqlite")]
    "sqlite",
    #[cfg(feature = "redb")]
    "redb",
];

pub fn db_in(name: &'static str, dir: tempfile::TempDir) -> Db {
    let file = dir.path().join(format!("state.{name}"));
    let state = open(name, &file, &paths()).expect("open");
    Db { name, state, dir }
}

/// One fresh database of each backend.
pub fn all() -> Vec<Db> {
    BACKENDS.iter().map(|n| db_in(n, scratch())).collect()
}

/// An ID built from a short tag, padded to 64 hex digits.
pub fn id(tag: &str) -> String {
    format!("{tag:0<64}")
}

pub fn ctr(tag: &str, name: &str) -> ContainerConfig {
    ContainerConfig {
        id: id(tag),
        name: name.to_string(),
        created: 1,
        ..Default::default()
    }
}

pub fn pod(tag: &str, name: &str) -> PodConfig {
    PodConfig {
        id: id(tag),
        name: name.to_string(),
        created: 1,
        ..Default::default()
    }
}

pub fn st() -> ContainerState {
    ContainerState::default()
}
