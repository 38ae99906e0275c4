//! Image operations in the Docker API's shapes: pull (`POST /images/create`), tag, remove,
//! save (`get`), load and prune.

use std::io::Write;
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::archive::{ToBody, feed};
use crate::body::{Query, Reply, empty, json, stream};
use crate::ctx::{Call, Ctx, blocking};
use crate::error::{ApiError, Result};

/// `image[:tag]` from `fromImage` and `tag` (a digest or a tag already in the name wins).
fn reference(q: &Query) -> Result<String> {
    let image = q
        .get("fromImage")
        .filter(|i| !i.is_empty())
        .ok_or_else(|| {
            ApiError::BadRequest("fromImage is required (image import is not served)".into())
        })?;
    let tag = q.get("tag").filter(|t| !t.is_empty());
    let named_tag = image
        .rsplit_once(':')
        .is_some_and(|(_, t)| !t.contains('/'));
    Ok(match tag {
        Some(t) if t.starts_with("sha256:") => format!("{image}@{t}"),
        Some(t) if !named_tag && !image.contains('@') => format!("{image}:{t}"),
        _ => image.to_string(),
    })
}

/// The credentials of `X-Registry-Auth` (base64url JSON `{"username", "password"}`).
fn credentials(call: &Call) -> Option<(String, String)> {
    let raw = call.req.headers().get("X-Registry-Auth")?.to_str().ok()?;
    let engines = [
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
        base64::engine::general_purpose::STANDARD,
    ];
    let bytes = engines.iter().find_map(|e| e.decode(raw.trim()).ok())?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let user = v["username"].as_str().filter(|u| !u.is_empty())?;
    Some((
        user.to_string(),
        v["password"].as_str().unwrap_or_default().to_string(),
    ))
}

fn line(v: Value) -> Bytes {
    let mut b = v.to_string().into_bytes();
    b.push(b'\n');
    Bytes::from(b)
}

/// `POST /images/create?fromImage=&tag=&platform=`: pulls, then reports as Docker's progress
/// stream does; a failed pull is an error status with the registry's reason.
pub(crate) async fn pull(ctx: &Arc<Ctx>, call: &Call) -> Result<Reply> {
    let q = &call.query;
    let reference = reference(q)?;
    let req = libpod::PullRequest {
        platform: q
            .get("platform")
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        access: libpod::RegistryAccess {
            credentials: credentials(call),
            ..Default::default()
        },
        ..Default::default()
    };
    let (rt, r) = (ctx.rt.clone(), reference.clone());
    let image = blocking(move || {
        rt.pull_image(&r, &req).map_err(|e| {
            if e.is_not_found() {
                ApiError::NotFound(format!("pull access denied or no such image {r}: {e}"))
            } else {
                e.into()
            }
        })
    })
    .await?;
    let (reply, tx) = stream("application/json", ctx.tracker.busy());
    let name = image.names.first().cloned().unwrap_or(reference.clone());
    for l in [
        json!({"status": format!("Pulling from {reference}")}),
        json!({"status": format!("Digest: {}", image.manifest_digest)}),
        json!({"status": format!("Status: Downloaded newer image for {name}")}),
    ] {
        let _ = tx.send(line(l)).await;
    }
    Ok(reply)
}

/// `POST /images/{name}/tag?repo=&tag=`: 201.
pub(crate) async fn tag(ctx: &Arc<Ctx>, name: String, q: &Query) -> Result<Reply> {
    let repo = q
        .get("repo")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::BadRequest("the repo parameter is required".into()))?;
    let new = format!(
        "{repo}:{}",
        q.get("tag").filter(|t| !t.is_empty()).unwrap_or("latest")
    );
    let rt = ctx.rt.clone();
    blocking(move || {
        rt.tag_image(name.strip_prefix("sha256:").unwrap_or(&name), &new)?;
        Ok(empty(201))
    })
    .await
}

/// `DELETE /images/{name}?force=`: `[{"Untagged"}, {"Deleted"}]`.
pub(crate) async fn remove(ctx: &Arc<Ctx>, name: String, q: &Query) -> Result<Reply> {
    let opts = libpod::RemoveOptions {
        force: q.flag("force"),
        ..Default::default()
    };
    let rt = ctx.rt.clone();
    blocking(move || {
        let key = name.strip_prefix("sha256:").unwrap_or(&name).to_string();
        let before = rt.image(&key).map_err(|e| {
            if e.is_not_found() {
                ApiError::NotFound(format!("No such image: {name}"))
            } else {
                e.into()
            }
        })?;
        let mut report = rt.remove_images(std::slice::from_ref(&key), &opts);
        if let Some((_, e)) = report.failed.pop() {
            return Err(if e.is_in_use() {
                ApiError::Conflict(e.to_string())
            } else {
                e.into()
            });
        }
        let mut out: Vec<Value> = Vec::new();
        let still = rt.image(&before.id).ok();
        let kept: Vec<String> = still.map(|i| i.names).unwrap_or_default();
        for n in before.names.iter().filter(|n| !kept.contains(n)) {
            out.push(json!({"Untagged": n}));
        }
        if !rt.image_exists(&before.id)? {
            out.push(json!({"Deleted": format!("sha256:{}", before.id)}));
        }
        Ok(json(200, &out))
    })
    .await
}

/// `GET /images/get?names=`: one image's archive (several at once are refused, clearly).
pub(crate) async fn save_named(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    match q.all("names").as_slice() {
        [one] => save(ctx, one.to_string()).await,
        [] => Err(ApiError::BadRequest("names is required".into())),
        _ => Err(ApiError::BadRequest(
            "saving several images in one archive is not supported: save them one by one".into(),
        )),
    }
}

/// `GET /images/{name}/get`: a docker-archive tar stream.
pub(crate) async fn save(ctx: &Arc<Ctx>, name: String) -> Result<Reply> {
    let (rt, n) = (ctx.rt.clone(), name.clone());
    blocking(move || Ok(rt.image(&n)?)).await?;
    let (reply, tx) = stream("application/x-tar", ctx.tracker.busy());
    let rt = ctx.rt.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, ToBody(tx));
        let r = rt.save_image(&name, libpod::ArchiveFormat::DockerArchive, &mut out, None);
        if let Err(e) = r.and_then(|()| {
            out.flush()
                .map_err(|e| libpod::LibpodError::Invalid(e.to_string()))
        }) {
            tracing::debug!(error = %e, "image save stream ended");
        }
    });
    Ok(reply)
}

/// `POST /images/load`: the archive body is spooled to a file under the run dir (an archive
/// is read out of order), then loaded.
pub(crate) async fn load(ctx: &Arc<Ctx>, body: Incoming) -> Result<Reply> {
    let mut reader = feed(body);
    let rt = ctx.rt.clone();
    let images = blocking(move || {
        let dir = rt.config()?.tmp_dir;
        std::fs::create_dir_all(&dir)
            .map_err(|e| ApiError::io(format!("create {}", dir.display()), e))?;
        let mut spool = tempfile::NamedTempFile::new_in(&dir)
            .map_err(|e| ApiError::io(format!("a file under {}", dir.display()), e))?;
        std::io::copy(&mut reader, spool.as_file_mut())
            .map_err(|e| ApiError::BadRequest(format!("reading the archive: {e}")))?;
        Ok(rt.load_images(spool.path(), None)?)
    })
    .await?;
    let (reply, tx) = stream("application/json", ctx.tracker.busy());
    for i in images {
        let name = i
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| format!("sha256:{}", i.id));
        let _ = tx
            .send(line(json!({"stream": format!("Loaded image: {name}\n")})))
            .await;
    }
    Ok(reply)
}

/// `POST /images/prune?filters={"dangling":["false"]}`: unused images (untagged ones unless
/// `dangling=false`).
pub(crate) async fn prune(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let all = q
        .filters()?
        .iter()
        .any(|(k, v)| k == "dangling" && matches!(v.as_str(), "false" | "0"));
    let rt = ctx.rt.clone();
    let gone = blocking(move || Ok(rt.prune_images(all)?)).await?;
    let deleted: Vec<Value> = gone.iter().map(|id| json!({"Deleted": id})).collect();
    Ok(json(
        200,
        &json!({"ImagesDeleted": deleted, "SpaceReclaimed": 0}),
    ))
}
