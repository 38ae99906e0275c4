//! The crate's errors, each with the HTTP status the APIs give it (ground floor).

/// What can go wrong serving the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A facade call failed; the status follows from its cause.
    #[error(transparent)]
    Libpod(#[from] libpod::LibpodError),
    /// The request names something that does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed: a body, a query parameter (400).
    #[error("{0}")]
    BadRequest(String),
    /// The object is not in a state for this (409).
    #[error("{0}")]
    Conflict(String),
    /// The registry refused the credentials (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Nothing to do: the container is already started or stopped (304).
    #[error("{0}")]
    NotModified(String),
    /// The request body is larger than the service accepts (413).
    #[error("request body too large: the limit is {0} bytes")]
    TooLarge(usize),
    /// The endpoint is not served (404, as Docker answers).
    #[error("page not found: {method} {path}")]
    NoRoute {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
    },
    /// The endpoint URI is not `unix://PATH` or `tcp:HOST:PORT`.
    #[error("invalid endpoint {0:?}: use unix:///PATH or tcp:HOST:PORT")]
    Endpoint(String),
    /// An I/O failure of the service itself (socket, runtime threads).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A blocking facade call panicked or was cancelled.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The crate's result type.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    /// The HTTP status code for this error.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Libpod(e) if e.is_not_found() => 404,
            ApiError::Libpod(e) if e.is_in_use() => 409,
            ApiError::Libpod(libpod::LibpodError::State(
                libpod::state::StateError::NameInUse { .. },
            )) => 409,
            ApiError::Libpod(libpod::LibpodError::Invalid(_)) => 400,
            ApiError::Libpod(_) => 500,
            ApiError::NotFound(_) | ApiError::NoRoute { .. } => 404,
            ApiError::BadRequest(_) | ApiError::Endpoint(_) => 400,
            ApiError::Conflict(_) => 409,
            ApiError::Unauthorized(_) => 401,
            ApiError::NotModified(_) => 304,
            ApiError::TooLarge(_) => 413,
            ApiError::Io { .. } | ApiError::Internal(_) => 500,
        }
    }

    /// podman's cause for this error (its `define` error text), which its clients match on:
    /// `no such container` and the like; else the message.
    pub fn cause(&self) -> String {
        use libpod::state::StateError as St;
        let known = match self {
            ApiError::Libpod(libpod::LibpodError::State(St::NoSuchContainer(_))) => {
                "no such container"
            }
            ApiError::Libpod(libpod::LibpodError::State(St::NoSuchPod(_))) => "no such pod",
            ApiError::Libpod(libpod::LibpodError::State(St::NoSuchVolume(_))) => "no such volume",
            ApiError::Libpod(e) if e.is_not_found() => "no such object",
            _ => return self.to_string(),
        };
        known.to_string()
    }

    /// An I/O error with what was being done.
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        ApiError::Io {
            what: what.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_cause() {
        assert_eq!(ApiError::NotFound("x".into()).status(), 404);
        assert_eq!(ApiError::TooLarge(1).status(), 413);
        let gone =
            libpod::LibpodError::State(libpod::state::StateError::NoSuchContainer("c".into()));
        assert_eq!(ApiError::from(gone).status(), 404);
        let bad = libpod::LibpodError::Invalid("bad".into());
        assert_eq!(ApiError::from(bad).status(), 400);
    }
}
