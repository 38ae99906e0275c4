//! Volumes in the Docker API's shapes: list, inspect, create, remove, prune.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::body::{Query, Reply, empty, json, read_json};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// A volume as Docker shows it.
pub(crate) fn view(v: &libpod::state::VolumeConfig) -> Value {
    json!({
        "Name": v.name,
        "Driver": v.driver,
        "Mountpoint": v.mount_point,
        "CreatedAt": libpod::rfc3339_nano(v.created),
        "Labels": v.labels,
        "Scope": "local",
        "Options": v.options,
    })
}

fn not_found(name: &str, e: libpod::LibpodError) -> ApiError {
    if e.is_not_found() {
        ApiError::NotFound(format!("get {name}: no such volume"))
    } else {
        e.into()
    }
}

fn volume_filters(q: &Query) -> Result<Vec<libpod::VolumeFilter>> {
    q.filters()?
        .into_iter()
        .map(|(k, v)| {
            format!("{k}={v}")
                .parse::<libpod::VolumeFilter>()
                .map_err(|e| ApiError::BadRequest(e.to_string()))
        })
        .collect()
}

/// `GET /volumes?filters=`: `{"Volumes": [...], "Warnings": []}`.
pub(crate) async fn list(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let filters = volume_filters(q)?;
    let rt = ctx.rt.clone();
    let out = blocking(move || {
        let kept = rt.list_volumes(&filters)?;
        Ok(kept.iter().map(|(c, _)| view(c)).collect::<Vec<_>>())
    })
    .await?;
    Ok(json(200, &json!({"Volumes": out, "Warnings": []})))
}

/// `GET /volumes/{name}`.
pub(crate) async fn inspect(ctx: &Arc<Ctx>, name: &str) -> Result<Reply> {
    let (rt, name) = (ctx.rt.clone(), name.to_string());
    let cfg = blocking(move || {
        rt.volume(&name)
            .and_then(|v| v.config())
            .map_err(|e| not_found(&name, e))
    })
    .await?;
    Ok(json(200, &view(&cfg)))
}

/// The body of a volume create.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct CreateBody {
    name: String,
    driver: String,
    driver_opts: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
}

/// `POST /volumes/create`: 201 with the volume (Docker returns an existing one as it is).
pub(crate) async fn create(ctx: &Arc<Ctx>, body: Incoming) -> Result<Reply> {
    let b: CreateBody = read_json(body).await?;
    let opts = libpod::VolumeOptions {
        name: Some(b.name).filter(|n| !n.is_empty()),
        driver: Some(b.driver).filter(|d| !d.is_empty()),
        labels: b.labels.unwrap_or_default(),
        options: b.driver_opts.unwrap_or_default(),
        ignore_existing: true,
    };
    let rt = ctx.rt.clone();
    let cfg = blocking(move || Ok(rt.create_volume(opts)?.config()?)).await?;
    Ok(json(201, &view(&cfg)))
}

/// `DELETE /volumes/{name}?force=`: 204, 404, or 409 while a container uses it.
pub(crate) async fn remove(ctx: &Arc<Ctx>, name: &str, q: &Query) -> Result<Reply> {
    let opts = libpod::RemoveOptions {
        force: q.flag("force"),
        ..Default::default()
    };
    let (rt, name) = (ctx.rt.clone(), name.to_string());
    blocking(move || {
        let mut report = rt.remove_volumes(std::slice::from_ref(&name), &opts);
        match report.failed.pop() {
            Some((_, e)) => Err(not_found(&name, e)),
            None => Ok(empty(204)),
        }
    })
    .await
}

/// `POST /volumes/prune?filters=`.
pub(crate) async fn prune(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let filters = volume_filters(q)?;
    let rt = ctx.rt.clone();
    let gone = blocking(move || Ok(rt.prune_volumes(&filters)?)).await?;
    Ok(json(
        200,
        &json!({"VolumesDeleted": gone, "SpaceReclaimed": 0}),
    ))
}
