//! The Docker Engine API's endpoints (and the libpod ones that share them), by method and
//! path.

mod archive;
mod attach;
mod build;
mod containers;
mod create;
mod events;
mod exec;
mod image_ops;
mod images;
mod lifecycle;
mod logs;
mod networks;
mod ops;
mod system;
mod volumes;

pub(crate) use containers::filters as container_filters;
pub use create::create_options;
pub(crate) use images::summary as image_summary;

/// A `filters` query parameter (`{"key": ["value"]}`) as `(key, value)` pairs.
pub fn parse_filters(query: &str) -> Result<Vec<(String, String)>> {
    crate::body::Query::parse(Some(query)).filters()
}

use std::sync::Arc;

use hyper::Method;

use crate::body::Reply;
use crate::ctx::{Call, Ctx};
use crate::error::{ApiError, Result};

/// Picks the handler for a request, by method and path segments.
pub(crate) async fn dispatch(
    ctx: &Arc<Ctx>,
    call: Call,
    segs: &[&str],
    libpod: bool,
) -> Result<Reply> {
    let m = call.method.clone();
    let q = &call.query;
    match (m, segs) {
        (Method::GET | Method::HEAD, ["_ping"]) => Ok(system::ping()),
        (Method::GET, ["version"]) => system::version(ctx).await,
        (Method::GET, ["info"]) if !libpod => system::info(ctx).await,
        (Method::GET, ["system", "df"]) if !libpod => system::df(ctx).await,
        (Method::POST, ["auth"]) if !libpod => system::auth(ctx, call.req.into_body()).await,
        (Method::POST, ["containers", id, op @ ("pause" | "unpause")]) => {
            lifecycle::pause(ctx, id, *op == "pause").await
        }
        (Method::GET, ["events"]) if !libpod => events::events(ctx, q).await,
        (Method::GET, ["containers", "json"]) if !libpod => containers::list(ctx, q).await,
        (Method::POST, ["containers", "create"]) if !libpod => create::create(ctx, call).await,
        (Method::GET, ["containers", id, "json"]) if !libpod => containers::inspect(ctx, id).await,
        (Method::POST, ["containers", id, "start"]) => lifecycle::start(ctx, id).await,
        (Method::POST, ["containers", id, "stop"]) => lifecycle::stop(ctx, id, q).await,
        (Method::POST, ["containers", id, "kill"]) => lifecycle::kill(ctx, id, q).await,
        (Method::POST, ["containers", id, "restart"]) => lifecycle::restart(ctx, id, q).await,
        (Method::POST, ["containers", id, "wait"]) if !libpod => lifecycle::wait(ctx, id, q).await,
        (Method::HEAD, ["containers", id, "archive"]) => archive::head(ctx, id, q).await,
        (Method::GET, ["containers", id, "archive"]) => archive::get(ctx, id, q).await,
        (Method::PUT, ["containers", id, "archive"]) => {
            archive::put(ctx, id, q, call.req.into_body()).await
        }
        (Method::POST, ["containers", id, "resize"]) => lifecycle::resize(ctx, id, q).await,
        (Method::POST, ["containers", id, "attach"]) => attach::attach(ctx, id, call).await,
        (Method::GET, ["containers", id, "logs"]) => logs::logs(ctx, id, q, libpod).await,
        (Method::DELETE, ["containers", id]) if !libpod => lifecycle::remove(ctx, id, q).await,
        (Method::GET, ["containers", id, "top"]) => ops::top(ctx, id, q).await,
        (Method::GET, ["containers", id, "changes"]) => ops::changes(ctx, id).await,
        (Method::GET, ["containers", id, "export"]) => ops::export(ctx, id).await,
        (Method::GET, ["containers", id, "stats"]) if !libpod => ops::stats(ctx, id, q).await,
        (Method::POST, ["containers", id, "rename"]) => ops::rename(ctx, id, q).await,
        (Method::POST, ["containers", id, "update"]) if !libpod => {
            ops::update(ctx, id, call.req.into_body()).await
        }
        (Method::POST, ["containers", "prune"]) if !libpod => ops::prune(ctx, q).await,
        (Method::GET, ["images", "json"]) if !libpod => images::list(ctx).await,
        (Method::POST, ["images", "create"]) if !libpod => image_ops::pull(ctx, &call).await,
        (Method::POST, ["images", "load"]) if !libpod => {
            image_ops::load(ctx, call.req.into_body()).await
        }
        (Method::POST, ["commit"]) => image_ops::commit(ctx, q, libpod).await,
        (Method::POST, ["build"]) if !libpod => build::build(ctx, q, call.req.into_body()).await,
        (Method::GET, ["images", "search"]) if !libpod => image_ops::search(ctx, &call).await,
        (Method::POST, ["images", "prune"]) if !libpod => image_ops::prune(ctx, q).await,
        (Method::GET, ["images", "get"]) if !libpod => image_ops::save_named(ctx, q).await,
        (Method::GET, ["images", name @ .., "get"]) if !libpod && !name.is_empty() => {
            image_ops::save(ctx, name.join("/")).await
        }
        (Method::POST, ["images", name @ .., "push"]) if !libpod && !name.is_empty() => {
            image_ops::push(ctx, name.join("/"), &call).await
        }
        (Method::GET, ["images", name @ .., "history"]) if !libpod && !name.is_empty() => {
            image_ops::history(ctx, name.join("/")).await
        }
        (Method::POST, ["images", name @ .., "tag"]) if !libpod && !name.is_empty() => {
            image_ops::tag(ctx, name.join("/"), q).await
        }
        (Method::GET, ["images", name @ .., "json"]) if !libpod && !name.is_empty() => {
            images::inspect(ctx, name.join("/")).await
        }
        (Method::POST, ["containers", id, "exec"]) => {
            exec::create(ctx, id, call.req.into_body()).await
        }
        (Method::POST, ["exec", id, "start"]) => exec::start(ctx, id, call).await,
        (Method::POST, ["exec", id, "resize"]) => exec::resize(ctx, id, &call).await,
        (Method::GET, ["exec", id, "json"]) => exec::inspect(ctx, id).await,
        (Method::DELETE, ["images", name @ ..]) if !libpod && !name.is_empty() => {
            image_ops::remove(ctx, name.join("/"), q).await
        }
        (Method::GET, ["networks"]) if !libpod => networks::list(ctx, q).await,
        (Method::POST, ["networks", "create"]) if !libpod => {
            networks::create(ctx, call.req.into_body()).await
        }
        (Method::POST, ["networks", "prune"]) if !libpod => networks::prune(ctx).await,
        (Method::GET, ["networks", id]) if !libpod => networks::inspect(ctx, id).await,
        (Method::DELETE, ["networks", id]) if !libpod => networks::remove(ctx, id).await,
        (Method::POST, ["networks", id, op @ ("connect" | "disconnect")]) if !libpod => {
            networks::connect(ctx, id, call.req.into_body(), *op == "connect").await
        }
        (Method::GET, ["volumes"]) if !libpod => volumes::list(ctx, q).await,
        (Method::POST, ["volumes", "create"]) if !libpod => {
            volumes::create(ctx, call.req.into_body()).await
        }
        (Method::POST, ["volumes", "prune"]) if !libpod => volumes::prune(ctx, q).await,
        (Method::GET, ["volumes", name]) if !libpod => volumes::inspect(ctx, name).await,
        (Method::DELETE, ["volumes", name]) if !libpod => volumes::remove(ctx, name, q).await,
        (method, _) => Err(ApiError::NoRoute {
            method: method.to_string(),
            path: format!("/{}", segs.join("/")),
        }),
    }
}
