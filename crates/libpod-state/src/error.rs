//! Errors of the state layer (ground floor).

use std::path::PathBuf;

/// Everything that can go wrong with the state database.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// No container has that ID, name or ID prefix.
    #[error("no container with name or ID {0:?} found")]
    NoSuchContainer(String),
    /// No pod has that ID, name or ID prefix.
    #[error("no pod with name or ID {0:?} found")]
    NoSuchPod(String),
    /// No volume has that name (or unique name prefix).
    #[error("no volume with name {0:?} found: no such volume")]
    NoSuchVolume(String),
    /// A volume with that name exists.
    #[error("volume with name {0} already exists: volume already exists")]
    VolumeExists(String),
    /// Containers use the volume.
    #[error("volume {name} is being used by the following container(s): {}: volume is being used", containers.join(", "))]
    VolumeInUse {
        /// The volume.
        name: String,
        /// The containers that mount it.
        containers: Vec<String>,
    },
    /// No exec session has that ID.
    #[error("no exec session with ID {0:?} found")]
    NoSuchExecSession(String),
    /// An ID prefix matches more than one object.
    #[error(
        "more than one result for ID prefix {prefix:?} ({matches} matches); give more of the ID"
    )]
    AmbiguousPrefix {
        /// The prefix as given.
        prefix: String,
        /// How many objects it matches.
        matches: usize,
    },
    /// The name is taken by a container or pod (they share one namespace).
    #[error(
        "the name {name:?} is already in use by {owner}; choose another name or remove it first"
    )]
    NameInUse {
        /// The name.
        name: String,
        /// "container <id>" or "pod <id>".
        owner: String,
    },
    /// The ID is taken (IDs are unique across containers, pods and exec sessions).
    #[error("the ID {0} is already in use")]
    IdInUse(String),
    /// An ID is not 64 lowercase hex digits.
    #[error("invalid ID {0:?}: an ID is 64 lowercase hex digits")]
    InvalidId(String),
    /// A name does not match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
    #[error("invalid name {0:?}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*")]
    InvalidName(String),
    /// Other containers depend on this one (they join its namespaces).
    #[error("container {id} has dependent containers which must be removed before it: {}: container already exists", dependents.join(", "))]
    HasDependents {
        /// The container.
        id: String,
        /// Containers that depend on it.
        dependents: Vec<String>,
    },
    /// A dependency named in a container's config does not exist or is not allowed.
    #[error("container {id} cannot depend on {dependency}: {reason}")]
    BadDependency {
        /// The container being added.
        id: String,
        /// The dependency.
        dependency: String,
        /// Why.
        reason: String,
    },
    /// The pod still has containers.
    #[error(
        "pod {pod} still has {count} container(s); remove them first or remove the pod with its containers"
    )]
    PodHasContainers {
        /// The pod.
        pod: String,
        /// How many containers it holds.
        count: usize,
    },
    /// A container or pod given to an operation is not the kind it expects.
    #[error("container {container} is not a member of pod {pod}")]
    NotInPod {
        /// The container.
        container: String,
        /// The pod.
        pod: String,
    },
    /// The container still has exec sessions.
    #[error("container {id} has {count} exec session(s); stop and remove them first")]
    HasExecSessions {
        /// The container.
        id: String,
        /// How many.
        count: usize,
    },
    /// The database was created for other paths than the runtime is configured with.
    #[error(
        "database {db} was created with {what} {recorded}, but the runtime is configured with {given}; use the original path or a new database"
    )]
    PathMismatch {
        /// The database file.
        db: PathBuf,
        /// Which path ("static dir", "tmp dir", "graph root", "run root").
        what: &'static str,
        /// What the database recorded.
        recorded: PathBuf,
        /// What the runtime was given.
        given: PathBuf,
    },
    /// The database was written by a newer libpod-rs.
    #[error(
        "database {path} has schema version {found}, newer than this libpod-rs supports ({supported}); upgrade libpod-rs"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// The database file is damaged or not a database.
    #[error(
        "database {path} is corrupt ({detail}); move it aside and migrate from a backup, or remove it to start empty"
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What the backend reported.
        detail: String,
    },
    /// A stored record does not decode.
    #[error("stored {what} {key:?} does not decode: {detail}")]
    Decode {
        /// The kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// The decoder's message.
        detail: String,
    },
    /// `import` was given a non-empty target, or a snapshot that is inconsistent.
    #[error("cannot import: {0}")]
    Import(String),
    /// The backend failed.
    #[error("database {path}: {op}: {source}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The backend was not compiled in.
    #[error("state backend {0} is not available in this build; enable the libpod feature `{0}`")]
    BackendUnavailable(&'static str),
    /// The state was closed.
    #[error("the state database is closed")]
    Closed,
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, StateError>;
