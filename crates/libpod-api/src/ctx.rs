//! What a handler is given: the facade, the activity tracker and the parsed request; and
//! the way it calls the facade (on a blocking thread).

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
