//! Errors of the OCI layer (ground floor).

use std::path::PathBuf;

/// Everything that can go wrong generating bundles and driving the OCI runtime.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A binary (runtime, conmon) could not be started.
    #[error(
        "cannot run {program}: {source}; is it installed? (`cargo xtask setup` installs runc, crun and conmon)"
    )]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The container has no command to run.
    #[error("no command specified: the image has no entrypoint or command; give one")]
    NoCommand,
    /// The user named for the container does not exist in its /etc/passwd or /etc/group.
    #[error("unable to find user {user}: {reason}")]
    NoSuchUser {
        /// The user as given.
        user: String,
        /// Why.
        reason: String,
    },
    /// The spec could not be built.
    #[error("invalid OCI spec: {0}")]
    Spec(String),
    /// A device, device rule or similar input the caller gave is unusable (the message
    /// names it and what to give instead).
    #[error("{0}")]
    InvalidInput(String),
    /// The command does not exist in the container (podman exits 127).
    #[error(
        "{command}: executable file not found in the container ($PATH or the given path): {message}"
    )]
    CommandNotFound {
        /// The command.
        command: String,
        /// The runtime's message.
        message: String,
    },
    /// The command exists but cannot be executed (podman exits 126).
    #[error("{command}: permission denied or not executable: {message}")]
    CommandNotExecutable {
        /// The command.
        command: String,
        /// The runtime's message.
        message: String,
    },
    /// The OCI runtime refused an operation; `message` is its own text.
    #[error("{runtime} {op} {id}: {message}")]
    Runtime {
        /// The runtime's name.
        runtime: String,
        /// The operation.
        op: &'static str,
        /// The container ID.
        id: String,
        /// The runtime's error text.
        message: String,
    },
    /// conmon failed or went away.
    #[error("conmon for {id}: {message}")]
    Conmon {
        /// The container ID.
        id: String,
        /// What happened.
        message: String,
    },
    /// Waiting timed out.
    #[error("timed out after {seconds} s waiting for container {id} to exit")]
    Timeout {
        /// The container ID.
        id: String,
        /// The timeout.
        seconds: u64,
    },
    /// A syscall failed.
    #[error("{op}: {source}")]
    Sys {
        /// What was done.
        op: String,
        /// The error.
        #[source]
        source: nix::Error,
    },
}

impl OciError {
    /// The exit code podman gives for this error: 127 command not found, 126 cannot invoke,
    /// 125 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            OciError::CommandNotFound { .. } => 127,
            // podman: an unknown user is the runtime failing to start the process.
            OciError::CommandNotExecutable { .. } | OciError::NoSuchUser { .. } => 126,
            _ => 125,
        }
    }
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, OciError>;

/// Attaches a path to an I/O error.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> OciError {
    let path = path.into();
    move |source| OciError::Io { path, source }
}
