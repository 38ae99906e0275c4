//! Pods through the libpod API: create, start, stop, inspect, remove (list is in `mod.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

use crate::body::{Query, Reply, json, read_json};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// The PodSpecGenerator fields served.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PodSpec {
    name: String,
    labels: BTreeMap<String, String>,
    hostname: String,
    no_infra: bool,
}

/// `POST /libpod/pods/create`: 201 `{"Id"}`; 409 when the name is taken.
pub(crate) async fn create(ctx: &Arc<Ctx>, body: Incoming) -> Result<Reply> {
    let s: PodSpec = read_json(body).await?;
    let opts = libpod::PodOptions {
        name: Some(s.name).filter(|n| !n.is_empty()),
        labels: s.labels,
        hostname: Some(s.hostname).filter(|h| !h.is_empty()),
        infra: !s.no_infra,
        ..Default::default()
    };
    let rt = ctx.rt.clone();
    let id = blocking(move || Ok(rt.create_pod(opts)?.id().to_string())).await?;
    Ok(json(201, &json!({ "Id": id })))
}

/// What a pod request does.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    /// `POST /libpod/pods/{id}/start`.
    Start,
    /// `POST /libpod/pods/{id}/stop?t=`.
    Stop,
}

/// Starts or stops a pod: podman's `{"Id", "Errs"}` report.
pub(crate) async fn act(ctx: &Arc<Ctx>, id: &str, q: &Query, op: Op) -> Result<Reply> {
    let timeout = q.num::<u32>("t")?;
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let pod_id = blocking(move || {
        let p = rt.pod(&id)?;
        match op {
            Op::Start => p.start()?,
            Op::Stop => p.stop(timeout)?,
        }
        Ok(p.id().to_string())
    })
    .await?;
    Ok(json(200, &json!({"Id": pod_id, "Errs": []})))
}

/// `GET /libpod/pods/{id}/json`: the fields `podman --remote pod inspect` shows first.
pub(crate) async fn inspect(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let v = blocking(move || {
        let p = rt.pod(&id)?;
        let cfg = p.config()?;
        let members = p.containers()?;
        let infra = members
            .iter()
            .find(|(c, _)| c.is_infra)
            .map(|(c, _)| c.id.clone());
        Ok(json!({
            "Id": cfg.id,
            "Name": cfg.name,
            "Created": libpod::rfc3339_nano(cfg.created),
            "Hostname": cfg.hostname.unwrap_or_default(),
            "Labels": cfg.labels,
            "State": p.status()?.to_string(),
            "InfraContainerID": infra.unwrap_or_default(),
            "NumContainers": members.len(),
            "Containers": members.iter().map(|(c, s)| json!({
                "Id": c.id, "Name": c.name, "State": s.status.as_str(),
            })).collect::<Vec<_>>(),
        }))
    })
    .await?;
    Ok(json(200, &v))
}

/// `DELETE /libpod/pods/{id}?force=`: `{"Id", "RemovedCtrs", "Err"}`.
pub(crate) async fn remove(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let opts = libpod::PodRemoveOptions {
        force: q.flag("force"),
        with_containers: true,
        ..Default::default()
    };
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let (pod_id, members) = blocking(move || {
        let p = rt.pod(&id).map_err(|e| {
            if e.is_not_found() {
                ApiError::NotFound(format!("no pod with name or ID {id} found"))
            } else {
                e.into()
            }
        })?;
        let members: Vec<String> = p.containers()?.into_iter().map(|(c, _)| c.id).collect();
        p.remove(&opts)?;
        Ok((p.id().to_string(), members))
    })
    .await?;
    let removed: serde_json::Map<String, serde_json::Value> = members
        .into_iter()
        .map(|m| (m, serde_json::Value::Null))
        .collect();
    Ok(json(
        200,
        &json!({"Id": pod_id, "RemovedCtrs": removed, "Err": null}),
    ))
}
