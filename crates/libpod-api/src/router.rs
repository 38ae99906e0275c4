//! Requests to handlers: the version prefix (`/v1.41`, `/v4.3.1/libpod`) is taken off, the
//! method and path segments pick the handler, and an error becomes the API's error body.

use std::sync::Arc;
use std::time::Instant;

use hyper::Request;
use hyper::body::Incoming;

use crate::body::{Query, Reply, error};
use crate::compat;
use crate::ctx::{Call, Ctx};

/// The path without its version prefix, and whether it is a libpod endpoint.
pub(crate) fn split_path(path: &str) -> (String, bool) {
    let mut rest = path;
    if let Some(after) = rest.strip_prefix("/v")
        && let Some(slash) = after.find('/')
        && after[..slash]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
    {
        rest = &after[slash..];
    }
    match rest.strip_prefix("/libpod/") {
        Some(r) => (format!("/{r}"), true),
        None => (rest.to_string(), false),
    }
}

/// Serves one request.
pub(crate) async fn route(ctx: Arc<Ctx>, req: Request<Incoming>) -> Reply {
    let _busy = ctx.tracker.busy();
    let started = Instant::now();
    let method = req.method().clone();
    let full = req.uri().path().to_string();
    let (path, libpod) = split_path(&full);
    let query = req.uri().query().unwrap_or("").to_string();
    let call = Call {
        method: method.clone(),
        query: Query::parse(req.uri().query()),
        req,
    };
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let served = if libpod {
        crate::podman::dispatch(&ctx, call, &segs).await
    } else {
        Err(call)
    };
    let result = match served {
        Ok(r) => r,
        Err(call) => compat::dispatch(&ctx, call, &segs, libpod).await,
    };
    let reply = match result {
        Ok(r) => r,
        Err(e) => error(&e, libpod),
    };
    tracing::debug!(
        %method, path = %full, query = %query, status = reply.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1e3, "API request"
    );
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_prefixes_are_taken_off() {
        assert_eq!(
            split_path("/v1.41/containers/json"),
            ("/containers/json".into(), false)
        );
        assert_eq!(split_path("/_ping"), ("/_ping".into(), false));
        assert_eq!(split_path("/v4.3.1/libpod/_ping"), ("/_ping".into(), true));
        assert_eq!(split_path("/libpod/info"), ("/info".into(), true));
        assert_eq!(split_path("/volumes/v1"), ("/volumes/v1".into(), false));
    }
}
