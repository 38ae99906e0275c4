//! `start`, `stop`, `kill`, `restart`, `DELETE` and `wait` of a container.

use std::sync::Arc;

use bytes::Bytes;
use libpod::state::ContainerStatus as S;

use crate::body::{Query, Reply, empty, stream};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

fn running(s: S) -> bool {
    matches!(s, S::Running | S::Paused)
}

/// `POST /containers/{id}/start`: 204, or 304 when it is running already.
pub(crate) async fn start(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        if running(c.state()?.status) {
            return Err(ApiError::NotModified(format!(
                "container {id} is running already"
            )));
        }
        c.start()?;
        Ok(empty(204))
    })
    .await
}

/// `POST /containers/{id}/stop?t=`: 204, or 304 when it is not running.
pub(crate) async fn stop(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let timeout = q.num::<u32>("t")?;
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        if !running(c.state()?.status) {
            return Err(ApiError::NotModified(format!(
                "container {id} is not running"
            )));
        }
        c.stop(timeout)?;
        Ok(empty(204))
    })
    .await
}

/// `POST /containers/{id}/kill?signal=`: 204, or 409 when it is not running.
pub(crate) async fn kill(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let signal = libpod::parse_signal(q.get("signal").unwrap_or("KILL"))?;
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        if !running(c.state()?.status) {
            return Err(ApiError::Conflict(format!(
                "Cannot kill container: {id}: Container {} is not running",
                c.id()
            )));
        }
        c.kill(signal)?;
        Ok(empty(204))
    })
    .await
}

/// `POST /containers/{id}/restart?t=`.
pub(crate) async fn restart(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let timeout = q.num::<u32>("t")?;
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        rt.container(&id)?.restart(timeout)?;
        Ok(empty(204))
    })
    .await
}

/// `DELETE /containers/{id}?force=&v=`.
pub(crate) async fn remove(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let opts = libpod::RemoveOptions {
        force: q.flag("force"),
        volumes: q.flag("v"),
        ..Default::default()
    };
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let mut report = rt.remove_containers(std::slice::from_ref(&id), &opts);
        match report.failed.pop() {
            Some((_, e)) if e.is_in_use() => Err(ApiError::Conflict(format!(
                "You cannot remove a running container {id}. Stop the container before \
                 attempting removal or force remove"
            ))),
            Some((_, e)) => Err(e.into()),
            None => Ok(empty(204)),
        }
    })
    .await
}

/// `POST /containers/{id}/wait?condition=`: the headers go out at once (clients start the
/// container only then), the body `{"StatusCode": N}` when the condition is met.
pub(crate) async fn wait(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let cond: libpod::ExitCondition = q.get("condition").unwrap_or("").parse()?;
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    // The wait begins before the reply goes: the client may start the container (and it
    // may exit) as soon as it has the headers.
    let waiter = blocking(move || Ok(rt.container(&id)?.begin_wait(cond)?)).await?;
    let (reply, tx) = stream("application/json", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        let body = match waiter.wait_while(|| tx.is_closed()) {
            Ok(Some(code)) => serde_json::json!({"StatusCode": code, "Error": null}),
            Ok(None) => return,
            Err(e) => serde_json::json!({"StatusCode": -1, "Error": {"Message": e.to_string()}}),
        };
        let mut bytes = body.to_string().into_bytes();
        bytes.push(b'\n');
        // The client may have gone: nothing to tell then.
        let _ = tx.blocking_send(Bytes::from(bytes));
    });
    Ok(reply)
}

/// `POST /containers/{id}/resize?h=&w=`: the size of its terminal.
pub(crate) async fn resize(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let (h, w) = (q.num::<u16>("h")?, q.num::<u16>("w")?);
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        if let (Some(rows), Some(cols)) = (h, w) {
            c.resize_terminal(rows, cols)?;
        }
        Ok(empty(200))
    })
    .await
}

/// `POST /containers/{id}/pause` and `/unpause`: 204.
pub(crate) async fn pause(ctx: &Arc<Ctx>, id: &str, on: bool) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        if on {
            c.pause()?
        } else {
            c.unpause()?
        }
        Ok(empty(204))
    })
    .await
}
