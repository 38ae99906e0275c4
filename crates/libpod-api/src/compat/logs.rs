//! `GET /containers/{id}/logs`: the log in Docker's stream framing (8-byte headers unless the
//! container has a terminal), whole or followed.

use std::ops::ControlFlow;
use std::sync::Arc;

use bytes::Bytes;

use crate::body::{Query, Reply, stream};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// Docker's stream framing: `[stream, 0, 0, 0, len (u32, big-endian)]` then the bytes; with
/// a terminal the bytes go as they are.
pub(crate) fn frame(stream: u8, data: &[u8], tty: bool) -> Bytes {
    if tty {
        return Bytes::copy_from_slice(data);
    }
    let mut out = Vec::with_capacity(8 + data.len());
    out.extend_from_slice(&[stream, 0, 0, 0]);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    Bytes::from(out)
}

/// The options of a logs request.
struct Want {
    opts: libpod::LogOptions,
    stdout: bool,
    stderr: bool,
    timestamps: bool,
    follow: bool,
}

fn want(q: &Query) -> Result<Want> {
    let tail = match q.get("tail") {
        None | Some("" | "all") => None,
        // podman sends -1 for all.
        Some(_) => q
            .num::<i64>("tail")?
            .filter(|n| *n >= 0)
            .map(|n| n as usize),
    };
    Ok(Want {
        opts: libpod::LogOptions {
            since: q.time("since")?,
            until: q.time("until")?,
            tail,
        },
        stdout: q.flag("stdout"),
        stderr: q.flag("stderr"),
        timestamps: q.flag("timestamps"),
        follow: q.flag("follow"),
    })
}

fn line_bytes(w: &Want, line: &libpod::oci::LogLine, tty: bool) -> Option<Bytes> {
    let err = line.stream == "stderr";
    if (err && !w.stderr) || (!err && !w.stdout) {
        return None;
    }
    let mut text = String::new();
    if w.timestamps {
        text.push_str(&line.time);
        text.push(' ');
    }
    text.push_str(&line.text);
    text.push('\n');
    Some(frame(if err { 2 } else { 1 }, text.as_bytes(), tty))
}

/// `GET /containers/{id}/logs?stdout=&stderr=&follow=&since=&until=&tail=&timestamps=`.
/// libpod's endpoint sends both streams when neither is asked for; Docker's refuses.
pub(crate) async fn logs(ctx: &Arc<Ctx>, id: &str, q: &Query, libpod: bool) -> Result<Reply> {
    let mut w = want(q)?;
    if libpod && q.get("stdout").is_none() && q.get("stderr").is_none() {
        (w.stdout, w.stderr) = (true, true);
    }
    if !w.stdout && !w.stderr {
        return Err(ApiError::BadRequest(
            "you must choose at least one stream: stdout=1 or stderr=1".into(),
        ));
    }
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let (c, tty) = blocking(move || {
        let c = rt.container(&id)?;
        let tty = c.config()?.tty;
        Ok((c, tty))
    })
    .await?;
    let (reply, tx) = stream("application/vnd.docker.raw-stream", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        // A client gone ends the stream (its body's receiver is dropped).
        let send = |line: &libpod::oci::LogLine| match line_bytes(&w, line, tty) {
            Some(b) => match tx.blocking_send(b) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            },
            None => ControlFlow::Continue(()),
        };
        let result = if w.follow {
            c.follow_logs_while(&w.opts, send, || tx.is_closed())
        } else {
            c.logs(&w.opts).map(|lines| {
                let _ = lines.iter().try_for_each(send);
            })
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "logs stream ended");
        }
    });
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_docker_headers() {
        assert_eq!(
            &frame(1, b"hi\n", false)[..],
            b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"
        );
        assert_eq!(&frame(2, b"e", false)[..4], b"\x02\x00\x00\x00");
        assert_eq!(&frame(1, b"raw", true)[..], b"raw");
    }
}
