//! The service: a tokio runtime, the accept loop, the idle timeout and the drain on SIGTERM.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::ctx::Ctx;
use crate::endpoint::{Endpoint, Listener, listen, take_activation};
use crate::error::{ApiError, Result};
use crate::router::route;
use crate::tracker::Tracker;

/// How long the service runs and drains.
#[derive(Clone, Debug)]
pub struct ServiceOptions {
    /// End after this long with no request in flight and no stream open (`--time`;
    /// `None`: never). podman's default is 5 seconds.
    pub idle_timeout: Option<Duration>,
    /// On SIGTERM or SIGINT, how long requests in flight may take to finish.
    pub drain_timeout: Duration,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            idle_timeout: Some(Duration::from_secs(5)),
            drain_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves the Docker and libpod APIs on `endpoint` until SIGTERM/SIGINT or the idle timeout;
/// blocks the calling thread (the service runs its own tokio runtime).
pub fn serve(rt: libpod::Runtime, endpoint: &Endpoint, opts: ServiceOptions) -> Result<()> {
    let activated = take_activation();
    // A client that hangs up mid-write must never end the service (rpod restores SIGPIPE's
    // default for its own output); children get the default back when they are spawned.
    // SAFETY: set before the service starts its threads.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigIgn,
        );
    }
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("libpod-api")
        .build()
        .map_err(|e| ApiError::io("start the service's threads", e))?;
    let drain = opts.drain_timeout;
    let result = tokio_rt.block_on(run(rt, endpoint, activated, opts));
    // Blocking calls still running (a stream whose client went, a stop with a timeout) do
    // not keep the process: the drain gave them their time.
    tokio_rt.shutdown_timeout(drain.min(Duration::from_secs(1)));
    result
}

async fn run(
    rt: libpod::Runtime,
    endpoint: &Endpoint,
    activated: Option<std::os::fd::RawFd>,
    opts: ServiceOptions,
) -> Result<()> {
    let listener = listen(endpoint, activated)?;
    let tracker = Tracker::new();
    let ctx = Arc::new(Ctx {
        rt,
        tracker: tracker.clone(),
        execs: Default::default(),
    });
    // Connections watch this to finish their request and close on shutdown.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut conns = JoinSet::new();
    let sig = |k: SignalKind| signal(k).map_err(|e| ApiError::io("handle signals", e));
    let (mut term, mut int) = (sig(SignalKind::terminate())?, sig(SignalKind::interrupt())?);
    tracing::debug!(%endpoint, "API service listening");
    loop {
        let idle = idle_deadline(&tracker, opts.idle_timeout);
        tokio::select! {
            accepted = accept(&listener) => match accepted {
                Ok(conn) => {
                    while conns.try_join_next().is_some() {}
                    spawn_connection(conn, &ctx, &stop_rx, &mut conns);
                }
                Err(e) => {
                    // Out of descriptors, say: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = tracker.changed() => {}
            _ = tokio::time::sleep_until(idle.into()) => {
                if let Some(t) = opts.idle_timeout
                    && tracker.active() == 0
                    && tracker.last_end() + t <= Instant::now()
                {
                    tracing::debug!("API service idle for {t:?}: ending");
                    break;
                }
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    if let Some(path) = listener_path(listener) {
        // Gone already is fine: nothing else to clean.
        let _ = std::fs::remove_file(path);
    }
    let _ = stop_tx.send(true);
    let drained = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(opts.drain_timeout, drained)
        .await
        .is_err()
    {
        tracing::warn!("requests still open after {:?}: ending", opts.drain_timeout);
    }
    Ok(())
}

/// When to look at idleness next: the timeout after the last activity ended, or a while
/// from now when something is active (activity changes wake the loop too).
fn idle_deadline(tracker: &Tracker, timeout: Option<Duration>) -> Instant {
    let far = Instant::now() + Duration::from_secs(3600);
    match timeout {
        None => far,
        Some(t) if tracker.active() > 0 => Instant::now() + t.max(Duration::from_millis(100)),
        Some(t) => tracker.last_end() + t,
    }
}

/// A connection from either kind of listener.
enum Conn {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

async fn accept(l: &Listener) -> std::io::Result<Conn> {
    match l {
        Listener::Unix(l, _) => l.accept().await.map(|(s, _)| Conn::Unix(s)),
        Listener::Tcp(l) => l.accept().await.map(|(s, _)| Conn::Tcp(s)),
    }
}

/// The socket file to remove when the service ends (not one systemd made).
fn listener_path(l: Listener) -> Option<std::path::PathBuf> {
    match l {
        Listener::Unix(_, path) => path,
        Listener::Tcp(_) => None,
    }
}

fn spawn_connection(
    conn: Conn,
    ctx: &Arc<Ctx>,
    stop: &watch::Receiver<bool>,
    conns: &mut JoinSet<()>,
) {
    match conn {
        Conn::Unix(s) => serve_io(s, ctx, stop.clone(), conns),
        Conn::Tcp(s) => serve_io(s, ctx, stop.clone(), conns),
    }
}

fn serve_io<S>(io: S, ctx: &Arc<Ctx>, mut stop: watch::Receiver<bool>, conns: &mut JoinSet<()>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + std::os::fd::AsFd + Unpin + Send + 'static,
{
    let ctx = ctx.clone();
    // A second descriptor of the connection, for hijacks to see the client hang up.
    let peer = io
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(|fd| crate::ctx::Peer(Arc::new(fd)));
    let svc = service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        let ctx = ctx.clone();
        if let Some(p) = &peer {
            req.extensions_mut().insert(p.clone());
        }
        async move { Ok::<_, Infallible>(route(ctx, req).await) }
    });
    let conn = http1::Builder::new()
        .serve_connection(TokioIo::new(io), svc)
        .with_upgrades();
    conns.spawn(async move {
        tokio::pin!(conn);
        let result = tokio::select! {
            r = conn.as_mut() => r,
            _ = stop.changed() => {
                // Finish the request in flight, then close.
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "API connection ended with an error");
        }
    });
}
