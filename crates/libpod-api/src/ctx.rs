//! What a handler is given: the facade, the activity tracker and the parsed request; and
//! the way it calls the facade (on a blocking thread).

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::{Method, Request};

use crate::body::Query;
use crate::error::{ApiError, Result};
use crate::tracker::Tracker;

/// What every handler has: the facade and the activity tracker.
pub(crate) struct Ctx {
    /// The facade.
    pub(crate) rt: libpod::Runtime,
    /// Requests and streams in flight.
    pub(crate) tracker: Tracker,
    /// Exec instances made through the API.
    pub(crate) execs: Execs,
}

/// One request, parsed.
pub(crate) struct Call {
    /// Its method.
    pub(crate) method: Method,
    /// Its query parameters.
    pub(crate) query: Query,
    /// The request itself (for its body, headers and upgrade).
    pub(crate) req: Request<Incoming>,
}

/// Runs a facade call on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("a facade call did not finish: {e}")))?
}

/// An exec instance.
#[derive(Clone, Debug, Default)]
pub(crate) struct Exec {
    /// Its container's ID.
    pub(crate) container: String,
    /// The command.
    pub(crate) command: Vec<String>,
    /// How it runs.
    pub(crate) opts: libpod::ExecOptions,
    /// Whether the client sends input.
    pub(crate) stdin: bool,
    /// Whether the client wants its output.
    pub(crate) stdout: bool,
    /// Whether the client wants its errors.
    pub(crate) stderr: bool,
    /// Started and not ended.
    pub(crate) running: bool,
    /// Its exit code once it ended.
    pub(crate) exit_code: Option<i32>,
    /// Our end of its terminal, to size it.
    pub(crate) pty: Option<Arc<OwnedFd>>,
    /// When it ended.
    pub(crate) ended: Option<std::time::Instant>,
}

/// The service's exec instances, by ID.
pub(crate) type Execs = Mutex<HashMap<String, Exec>>;
