//! `docker cp` through the API: `HEAD|GET /containers/{id}/archive?path=` (the path's stat in
//! the `X-Docker-Container-Path-Stat` header, and its tar stream) and `PUT` (a tar stream
//! unpacked into a directory), streamed both ways without holding an archive in memory.

use std::io::{Read, Write};
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use tokio::sync::mpsc;

use crate::body::{Query, Reply, empty, stream};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// Go's `os.FileMode` bits for a `st_mode` (what Docker's clients decode).
pub(crate) fn go_file_mode(mode: u32) -> u32 {
    let kind = match mode & libc::S_IFMT {
        libc::S_IFDIR => 1 << 31,
        libc::S_IFLNK => 1 << 27,
        libc::S_IFBLK => 1 << 26,
        libc::S_IFCHR => (1 << 26) | (1 << 21),
        libc::S_IFIFO => 1 << 25,
        libc::S_IFSOCK => 1 << 24,
        _ => 0,
    };
    let special = [
        (libc::S_ISUID, 1 << 23),
        (libc::S_ISGID, 1 << 22),
        (libc::S_ISVTX, 1 << 20),
    ]
    .iter()
    .filter(|(bit, _)| mode & bit != 0)
    .fold(0, |acc, (_, go)| acc | go);
    kind | special | (mode & 0o777)
}

fn path_param(q: &Query) -> Result<String> {
    q.get("path")
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::BadRequest("the path parameter is required".into()))
}

/// The stat header of `path`, or 404.
async fn stat(ctx: &Arc<Ctx>, id: &str, path: &str) -> Result<(libpod::Container, HeaderValue)> {
    let (rt, id, path) = (ctx.rt.clone(), id.to_string(), path.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        let st = c.stat_path(&path)?.ok_or_else(|| {
            ApiError::NotFound(format!("Could not find the file {path} in container {id}"))
        })?;
        let json = serde_json::json!({
            "name": st.name,
            "size": st.size,
            "mode": go_file_mode(st.mode),
            "mtime": libpod::rfc3339_nano(st.mtime),
            "linkTarget": "",
        });
        let b64 = base64::engine::general_purpose::STANDARD.encode(json.to_string());
        let header = HeaderValue::from_str(&b64)
            .map_err(|e| ApiError::Internal(format!("path stat header: {e}")))?;
        Ok((c, header))
    })
    .await
}

const STAT_HEADER: &str = "X-Docker-Container-Path-Stat";

/// `HEAD /containers/{id}/archive?path=`.
pub(crate) async fn head(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let (_, header) = stat(ctx, id, &path_param(q)?).await?;
    let mut r = empty(200);
    r.headers_mut().insert(STAT_HEADER, header);
    Ok(r)
}

/// Writes into a streamed response body.
pub(crate) struct ToBody(pub(crate) mpsc::Sender<Bytes>);

impl Write for ToBody {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Bytes::copy_from_slice(buf))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `GET /containers/{id}/archive?path=`: the tar stream of `path`.
pub(crate) async fn get(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let path = path_param(q)?;
    let (c, header) = stat(ctx, id, &path).await?;
    let (mut reply, tx) = stream("application/x-tar", ctx.tracker.busy());
    reply.headers_mut().insert(STAT_HEADER, header);
    tokio::task::spawn_blocking(move || {
        let out = std::io::BufWriter::with_capacity(64 * 1024, ToBody(tx));
        if let Err(e) = c.copy_out_tar(&path, out) {
            tracing::debug!(error = %e, "archive stream ended");
        }
    });
    Ok(reply)
}

/// A request body read from a blocking thread, as it arrives.
pub(crate) struct FromBody {
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
    cur: Bytes,
}

impl Read for FromBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.cur = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur.split_to(n));
        Ok(n)
    }
}

/// Feeds a request body's chunks to a blocking reader; a broken upload is an error there,
/// never a short archive taken as whole.
pub(crate) fn feed(mut body: Incoming) -> FromBody {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        while let Some(frame) = body.frame().await {
            let chunk = match frame {
                Ok(f) => match f.into_data() {
                    Ok(d) => Ok(d),
                    Err(_) => continue,
                },
                Err(e) => Err(std::io::Error::other(format!("the upload broke off: {e}"))),
            };
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    FromBody {
        rx,
        cur: Bytes::new(),
    }
}

/// `PUT /containers/{id}/archive?path=&noOverwriteDirNonDir=&copyUIDGID=`: unpacks the tar
/// body into the directory `path`.
pub(crate) async fn put(ctx: &Arc<Ctx>, id: &str, q: &Query, body: Incoming) -> Result<Reply> {
    let path = path_param(q)?;
    let opts = libpod::CopyOptions::new(
        // Docker: owners from the archive only with copyUIDGID; else the container's user.
        !q.flag("copyUIDGID"),
        !q.flag("noOverwriteDirNonDir"),
    );
    let reader = feed(body);
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        c.copy_in_tar(reader, &path, &opts).map_err(|e| match e {
            libpod::LibpodError::Fs(_) => ApiError::BadRequest(e.to_string()),
            other => other.into(),
        })?;
        Ok(empty(200))
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_modes_as_go_writes_them() {
        assert_eq!(
            super::go_file_mode(libc::S_IFDIR | 0o755),
            (1 << 31) | 0o755
        );
        assert_eq!(super::go_file_mode(libc::S_IFREG | 0o644), 0o644);
        assert_eq!(
            super::go_file_mode(libc::S_IFLNK | 0o777),
            (1 << 27) | 0o777
        );
        assert_eq!(
            super::go_file_mode(libc::S_IFREG | libc::S_ISUID | 0o755),
            (1 << 23) | 0o755
        );
    }
}
