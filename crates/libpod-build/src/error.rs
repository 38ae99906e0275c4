//! The build's errors: one variant per cause, each naming the file, line and instruction
//! where there is one.

use std::path::PathBuf;

/// What went wrong in a build.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The Containerfile's syntax.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// The Containerfile.
        file: String,
        /// Its line (1-based).
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// An instruction that cannot be carried out as written.
    #[error("{file}:{line}: {instruction}: {reason}")]
    Instruction {
        /// The Containerfile.
        file: String,
        /// Its line (1-based).
        line: usize,
        /// The instruction's keyword.
        instruction: String,
        /// Why.
        reason: String,
    },
    /// A `RUN` step's command failed.
    #[error("building at STEP \"{step}\": while running runtime: exit status {code}")]
    StepFailed {
        /// The step as written.
        step: String,
        /// Its exit code.
        code: i32,
    },
    /// The build's options.
    #[error("{0}")]
    Invalid(String),
    /// Reading the context or the Containerfile.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The runtime below.
    #[error(transparent)]
    Libpod(#[from] libpod::LibpodError),
}

impl BuildError {
    /// The exit code podman gives for it: a failed `RUN` step's own, else 125.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::StepFailed { code, .. } => *code,
            BuildError::Libpod(e) => e.exit_code(),
            _ => 125,
        }
    }
}

/// The crate's result.
pub type Result<T> = std::result::Result<T, BuildError>;

/// Maps an I/O error on `path`.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.into();
    move |source| BuildError::Io { path, source }
}
