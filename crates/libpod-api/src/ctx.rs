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

/// A second descriptor of a request's connection (in its extensions): a hijack polls it to
/// see the client hang up while the container says nothing.
#[derive(Clone, Debug)]
pub(crate) struct Peer(pub(crate) Arc<OwnedFd>);

impl Peer {
    /// Blocks until the client has closed the connection (both ways: a half-close, which
    /// docker's CLI does when it has no input to send, is not a hang-up) or `done` says the
    /// stream ended; looks at `done` every half second.
    pub(crate) fn wait_hang_up(&self, done: &std::sync::atomic::AtomicBool) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let mut fds = [PollFd::new(self.0.as_fd(), PollFlags::empty())];
            if poll(&mut fds, PollTimeout::from(500u16)).unwrap_or(0) > 0
                && fds[0]
                    .revents()
                    .is_some_and(|r| r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR))
            {
                return true;
            }
        }
        false
    }
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
