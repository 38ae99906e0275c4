//! `POST /containers/{id}/attach`: the connection hijack (`Upgrade: tcp`, 101) carrying the
//! container's streams in Docker's framing, and stdin the other way; without the upgrade
//! header, its output as the response body.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue, UPGRADE};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use libpod::state::ContainerStatus as S;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::runtime::Handle;

use super::logs::frame;
use crate::body::{Body, Reply, stream};
use crate::ctx::{Call, Ctx, blocking};
use crate::error::{ApiError, Result};

type Io = TokioIo<Upgraded>;

/// Which streams the client asked for.
#[derive(Clone, Copy, Debug)]
struct Streams {
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
}

/// The container's output, framed, written to the hijacked connection.
struct Out {
    w: Arc<Mutex<WriteHalf<Io>>>,
    rt: Handle,
    stream: u8,
    wanted: bool,
    tty: bool,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.wanted && !buf.is_empty() {
            let data = frame(self.stream, buf, self.tty);
            let mut w = self
                .w
                .lock()
                .map_err(|_| std::io::Error::other("attach writer poisoned"))?;
            self.rt.block_on(async {
                w.write_all(&data).await?;
                w.flush().await
            })?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the client sends, read from the hijacked connection.
struct In {
    r: ReadHalf<Io>,
    rt: Handle,
}

impl Read for In {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.rt.block_on(self.r.read(buf))
    }
}

/// The container's output (as a body) into a channel.
struct ToChannel {
    tx: tokio::sync::mpsc::Sender<bytes::Bytes>,
    stream: u8,
    wanted: bool,
    tty: bool,
}

impl Write for ToChannel {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.wanted && !buf.is_empty() {
            self.tx
                .blocking_send(frame(self.stream, buf, self.tty))
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Connects to the container's attach socket; a container not started yet is initialised
/// first, so the socket exists and no output is missed when the client then starts it.
async fn connect(ctx: &Arc<Ctx>, id: &str) -> Result<(libpod::AttachConnection, bool)> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        let tty = c.config()?.tty;
        match c.state()?.status {
            S::Configured => c.init()?,
            S::Exited | S::Stopped | S::Removing => {
                return Err(ApiError::Conflict(
                    "You cannot attach to a stopped container, start it first".into(),
                ));
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
    let (conn, tty) = connect(ctx, id).await?;
    let s = Streams {
        stdin: q.flag("stdin"),
        stdout: q.flag("stdout"),
        stderr: q.flag("stderr"),
        tty,
    };
    if !call.req.headers().contains_key(UPGRADE) {
        return Ok(as_body(ctx, conn, s));
    }
    let on_upgrade = hyper::upgrade::on(&mut call.req);
    let busy = ctx.tracker.busy();
    tokio::spawn(async move {
        let _busy = busy;
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "attach: the upgrade failed");
                return;
            }
        };
        let (r, w) = tokio::io::split(TokioIo::new(upgraded));
        let rt = Handle::current();
        let done = tokio::task::spawn_blocking(move || pump(conn, r, w, rt, s)).await;
        if let Ok(Err(e)) = done {
            tracing::debug!(error = %e, "attach ended");
        }
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
    Ok(r)
}

/// Copies between the attach socket and the hijacked connection until the container's
/// streams close, then closes the connection's write side.
fn pump(
    conn: libpod::AttachConnection,
    r: ReadHalf<Io>,
    w: WriteHalf<Io>,
    rt: Handle,
    s: Streams,
) -> libpod::Result<()> {
    let w = Arc::new(Mutex::new(w));
    let out = |stream, wanted| Out {
        w: w.clone(),
        rt: rt.clone(),
        stream,
        wanted,
        tty: s.tty,
    };
    let (mut stdout, mut stderr) = (out(1, s.stdout), out(2, s.stderr));
    let stdin = s
        .stdin
        .then(|| Box::new(In { r, rt: rt.clone() }) as Box<dyn Read + Send>);
    let result = conn.run(stdin, &mut stdout, &mut stderr);
    if let Ok(mut w) = w.lock() {
        // The client may be gone already.
        let _ = rt.block_on(w.shutdown());
    }
    result
}

/// Without the hijack: the output as a streamed body (no stdin).
fn as_body(ctx: &Arc<Ctx>, conn: libpod::AttachConnection, s: Streams) -> Reply {
    let (reply, tx) = stream("application/vnd.docker.raw-stream", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        let to = |stream, wanted| ToChannel {
            tx: tx.clone(),
            stream,
            wanted,
            tty: s.tty,
        };
        let (mut o, mut e) = (to(1, s.stdout), to(2, s.stderr));
        if let Err(err) = conn.run(None, &mut o, &mut e) {
            tracing::debug!(error = %err, "attach ended");
        }
    });
    reply
}
