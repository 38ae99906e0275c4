//! The facade's error: one variant per layer, plus the runtime's own causes (ground floor).

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
pub enum LibpodError {
    /// The runtime was shut down.
    #[error("the runtime has been shut down; create a new one")]
    RuntimeStopped,
    /// Configuration.
    #[error(transparent)]
    Config(#[from] libpod_config::ConfigError),
    /// Locks.
    #[error(transparent)]
    Lock(#[from] libpod_lock::LockError),
    /// The state database.
    #[error(transparent)]
    State(#[from] libpod_state::StateError),
    /// Image and container storage.
    #[error(transparent)]
    Storage(#[from] libpod_storage::StorageError),
    /// The OCI runtime and conmon.
    #[error(transparent)]
    Oci(#[from] libpod_oci::OciError),
    /// Networking.
    #[error(transparent)]
    Network(#[from] libpod_network::NetworkError),
    /// A path inside a container could not be used safely (`cp`).
    #[error(transparent)]
    Fs(#[from] libpod_fs::FsError),
    /// The operation does not fit the container's status.
    #[error("container {id} is {status}: cannot {op}; {hint}")]
    InvalidStatus {
        /// Container ID.
        id: String,
        /// Its status.
        status: String,
        /// The operation.
        op: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// Running containers block the operation.
    #[error("{what} has running containers ({}); stop them first or force", ids.join(", "))]
    Running {
        /// The runtime or pod.
        what: String,
        /// The running containers.
        ids: Vec<String>,
    },
    /// A request that cannot be met.
    #[error("{0}")]
    Invalid(String),
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl LibpodError {
    /// podman's exit code for this error: 127 for a command not found in the container, 126
    /// for one that cannot be run, 125 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            LibpodError::Oci(e) => e.exit_code(),
            // podman: a host port already in use fails the start like an OCI runtime error.
            LibpodError::Network(
                libpod_network::NetworkError::PortInUse { .. }
                | libpod_network::NetworkError::StaticAddress(_),
            ) => 126,
            // podman: exec in a container that is not running.
            LibpodError::InvalidStatus { op: "exec", .. } => 255,
            _ => 125,
        }
    }

    /// True when the error says the container, pod, image or network does not exist.
    pub fn is_not_found(&self) -> bool {
        use libpod_state::StateError as St;
        matches!(
            self,
            LibpodError::State(St::NoSuchContainer(_) | St::NoSuchPod(_) | St::NoSuchVolume(_))
                | LibpodError::Storage(libpod_storage::StorageError::ImageNotKnown(_))
                | LibpodError::Network(libpod_network::NetworkError::NoSuchNetwork(_))
        )
    }

    /// True when the error says the object is in use: running, depended on, holding
    /// containers, or used by a container.
    pub fn is_in_use(&self) -> bool {
        use libpod_state::StateError as St;
        matches!(
            self,
            LibpodError::InvalidStatus { op: "remove", .. }
                | LibpodError::Running { .. }
                | LibpodError::State(
                    St::HasDependents { .. } | St::PodHasContainers { .. } | St::VolumeInUse { .. }
                )
                | LibpodError::Storage(libpod_storage::StorageError::ImageInUse { .. })
                | LibpodError::Network(libpod_network::NetworkError::NetworkInUse { .. })
        )
    }
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, LibpodError>;

/// Attaches a path to an I/O error.
pub(crate) fn io(
    path: impl Into<std::path::PathBuf>,
) -> impl FnOnce(std::io::Error) -> LibpodError {
    let path = path.into();
    move |source| LibpodError::Io { path, source }
}
