//! The connection hijack (`Upgrade: tcp`, 101) that attach and exec start use: the
//! container's streams in Docker's framing one way, stdin the other; without the upgrade
//! header, the output as the response body. And `POST /containers/{id}/attach` over it.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue, UPGRADE};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use libpod::state::ContainerStatus as S;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::logs::frame;
use crate::body::{Body, Reply, stream};
use crate::ctx::{Call, Ctx, Peer, blocking};
use crate::error::{ApiError, Result};

type Io = TokioIo<Upgraded>;

/// Where a stream's bytes go: the hijacked connection, or a response body.
#[derive(Clone)]
pub(crate) enum Hijack {
    /// The upgraded connection, written and read from blocking threads through the runtime.
    Conn {
        /// Its write side, shared by stdout and stderr.
        w: Arc<Mutex<WriteHalf<Io>>>,
        /// Its read side, taken once for stdin.
        r: Arc<Mutex<Option<ReadHalf<Io>>>>,
        /// The service's runtime.
        rt: Handle,
    },
    /// A response body (no stdin then).
    Body(mpsc::Sender<bytes::Bytes>),
}

/// One output stream of a hijack, framed unless it is a terminal's.
pub(crate) struct Out {
    to: Hijack,
    stream: u8,
    wanted: bool,
    tty: bool,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.wanted || buf.is_empty() {
            return Ok(buf.len());
        }
        let data = frame(self.stream, buf, self.tty);
        match &self.to {
            Hijack::Conn { w, rt, .. } => {
                let mut w = w
                    .lock()
                    .map_err(|_| std::io::Error::other("hijack writer poisoned"))?;
                rt.block_on(async {
                    w.write_all(&data).await?;
                    w.flush().await
                })?;
            }
            Hijack::Body(tx) => tx
                .blocking_send(data)
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the client sends over the hijacked connection.
pub(crate) struct In {
    r: Option<ReadHalf<Io>>,
    rt: Option<Handle>,
}

impl Read for In {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (&mut self.r, &self.rt) {
            (Some(r), Some(rt)) => rt.block_on(r.read(buf)),
            _ => Ok(0),
        }
    }
}

impl Hijack {
    /// A writer for output stream `stream` (1 stdout, 2 stderr); unwanted output is dropped.
    pub(crate) fn writer(&self, stream: u8, wanted: bool, tty: bool) -> Out {
        Out {
            to: self.clone(),
            stream,
            wanted,
            tty,
        }
    }

    /// The client's input (empty for a body, or once taken).
    pub(crate) fn reader(&self) -> In {
        match self {
            Hijack::Conn { r, rt, .. } => In {
                r: r.lock().ok().and_then(|mut r| r.take()),
                rt: Some(rt.clone()),
            },
            Hijack::Body(_) => In { r: None, rt: None },
        }
    }

    /// Ends the output: the client sees the connection's end.
    pub(crate) fn close(self) {
        if let Hijack::Conn { w, rt, .. } = self
            && let Ok(mut w) = w.lock()
        {
            // The client may be gone already.
            let _ = rt.block_on(w.shutdown());
        }
    }
}

/// The connection's upgrade, when the client asks for one (take it before the body).
pub(crate) fn upgrade_of(call: &mut Call) -> Option<OnUpgrade> {
    call.req
        .headers()
        .contains_key(UPGRADE)
        .then(|| hyper::upgrade::on(&mut call.req))
}

/// Hijacks the connection (101) when the client asked for the upgrade, else streams the
/// response body; `run` gets the streams on a blocking thread.
pub(crate) fn hijack(
    ctx: &Arc<Ctx>,
    upgrade: Option<OnUpgrade>,
    run: impl FnOnce(Option<Hijack>) + Send + 'static,
) -> Reply {
    let Some(on_upgrade) = upgrade else {
        let (mut reply, tx) = stream("application/vnd.docker.raw-stream", ctx.tracker.busy());
        // Raw bytes until the connection closes, as a hijacked connection carries them
        // (podman's client reads the connection itself, so no chunked encoding): hyper writes
        // a body of unknown length so only in an HTTP/1.0 response.
        *reply.version_mut() = hyper::Version::HTTP_10;
        reply
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        tokio::task::spawn_blocking(move || run(Some(Hijack::Body(tx))));
        return reply;
    };
    let busy = ctx.tracker.busy();
    tokio::spawn(async move {
        let _busy = busy;
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "the connection upgrade failed");
                return;
            }
        };
        let (r, w) = tokio::io::split(TokioIo::new(upgraded));
        let h = Hijack::Conn {
            w: Arc::new(Mutex::new(w)),
            r: Arc::new(Mutex::new(Some(r))),
            rt: Handle::current(),
        };
        let _ = tokio::task::spawn_blocking(move || run(Some(h))).await;
    });
    let mut r = hyper::Response::new(Body::Full(None));
    *r.status_mut() = hyper::StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(UPGRADE, HeaderValue::from_static("tcp"));
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.docker.raw-stream"),
    );
    r
}

/// Connects to the container's attach socket; a container not started yet is initialised
/// first, so the socket exists and no output is missed when the client then starts it.
async fn connect(ctx: &Arc<Ctx>, id: &str) -> Result<(libpod::AttachConnection, bool)> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        let tty = c.config()?.tty;
        match c.state()?.status {
            // Made ready again, as podman does: `start -a` attaches before it starts.
            S::Configured | S::Exited | S::Stopped => c.init()?,
            S::Removing => {
                return Err(ApiError::Conflict(format!(
                    "container {id} is being removed"
                )));
            }
            _ => {}
        }
        Ok((c.connect_attach()?, tty))
    })
    .await
}

/// `POST /containers/{id}/attach?stream=&stdin=&stdout=&stderr=`.
pub(crate) async fn attach(ctx: &Arc<Ctx>, id: &str, mut call: Call) -> Result<Reply> {
    let q = &call.query;
    let (stdin, stdout, stderr) = (q.flag("stdin"), q.flag("stdout"), q.flag("stderr"));
    // Docker reads the detach keys on the server: ctrl-p,ctrl-q unless the client says.
    let keys = libpod::parse_detach_keys(q.get("detachKeys").unwrap_or("ctrl-p,ctrl-q"))
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let upgrade = upgrade_of(&mut call);
    let peer = call.req.extensions().get::<Peer>().cloned();
    let (conn, tty) = connect(ctx, id).await?;
    Ok(hijack(ctx, upgrade, move |io| {
        let Some(io) = io else { return };
        // A client that hangs up ends the attach even while the container is silent.
        let done = Arc::new(AtomicBool::new(false));
        if let (Some(peer), Hijack::Conn { .. }, Ok(closer)) = (peer, &io, conn.closer()) {
            let done = done.clone();
            std::thread::spawn(move || {
                if peer.wait_hang_up(&done) {
                    closer.close();
                }
            });
        }
        let (mut o, mut e) = (io.writer(1, stdout, tty), io.writer(2, stderr, tty));
        let input = stdin.then(|| Box::new(io.reader()) as Box<dyn Read + Send>);
        if let Err(err) = conn.run_detachable(input, &mut o, &mut e, &keys) {
            tracing::debug!(error = %err, "attach ended");
        }
        done.store(true, Ordering::SeqCst);
        io.close();
    }))
}
