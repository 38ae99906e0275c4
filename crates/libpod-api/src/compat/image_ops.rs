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

/// Runs a pull or a push on a blocking thread and streams Docker's progress messages while
/// it runs: a line per layer at most every 100 ms, the final lines `done` gives, or
/// `{"errorDetail", "error"}` when it fails (the status is 200 by then, as Docker's).
fn progress_stream<F, D>(ctx: &Arc<Ctx>, verb: &'static str, work: F, done: D) -> Reply
where
    F: FnOnce(&mut dyn FnMut(&libpod::storage::Progress)) -> libpod::Result<String>
        + Send
        + 'static,
    D: FnOnce(String) -> Vec<Value> + Send + 'static,
{
    let (reply, tx) = stream("application/json", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        let mut last: std::collections::HashMap<String, std::time::Instant> = Default::default();
        let mut report = |p: &libpod::storage::Progress| {
            let now = std::time::Instant::now();
            let due = last
                .get(&p.item)
                .is_none_or(|t| now.duration_since(*t).as_millis() >= 100);
            if due || p.total == Some(p.done) {
                last.insert(p.item.clone(), now);
                let id: String = p
                    .item
                    .trim_start_matches("sha256:")
                    .chars()
                    .take(12)
                    .collect();
                let _ = tx.blocking_send(line(json!({
                    "status": verb,
                    "progressDetail": {"current": p.done, "total": p.total},
                    "id": id,
                })));
            }
        };
        let lines = match work(&mut report) {
            Ok(result) => done(result),
            Err(e) => {
                vec![json!({"errorDetail": {"message": e.to_string()}, "error": e.to_string()})]
            }
        };
        for l in lines {
            let _ = tx.blocking_send(line(l));
        }
    });
    reply
}

fn registry_access(call: &Call) -> libpod::RegistryAccess {
    libpod::RegistryAccess {
        credentials: credentials(call),
        ..Default::default()
    }
}

/// `POST /images/create?fromImage=&tag=&platform=`: pulls, streaming Docker's progress
/// messages; a failure is the stream's last message.
pub(crate) async fn pull(ctx: &Arc<Ctx>, call: &Call) -> Result<Reply> {
    let q = &call.query;
    let reference = reference(q)?;
    let req = libpod::PullRequest {
        platform: q
            .get("platform")
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        access: registry_access(call),
        ..Default::default()
    };
    let rt = ctx.rt.clone();
    let r = reference.clone();
    let work = move |report: &mut dyn FnMut(&libpod::storage::Progress)| {
        Ok(rt
            .pull_image_with_progress(&r, &req, Some(report))?
            .manifest_digest)
    };
    let done = move |digest: String| {
        vec![
            json!({"status": format!("Digest: {digest}")}),
            json!({"status": format!("Status: Downloaded newer image for {reference}")}),
        ]
    };
    Ok(progress_stream(ctx, "Downloading", work, done))
}

/// `POST /images/{name}/push?tag=`: pushes to the registry the name says, streaming
/// Docker's progress messages.
pub(crate) async fn push(ctx: &Arc<Ctx>, name: String, call: &Call) -> Result<Reply> {
    let tag = call.query.get("tag").filter(|t| !t.is_empty());
    let image = match tag {
        Some(t) => format!("{name}:{t}"),
        None => name,
    };
    let access = registry_access(call);
    let rt = ctx.rt.clone();
    let img = image.clone();
    let work = move |report: &mut dyn FnMut(&libpod::storage::Progress)| {
        rt.push_image(&img, &img, &access, Some(report))
    };
    let done = move |digest: String| {
        let tag = image
            .rsplit_once(':')
            .map_or("latest", |(_, t)| t)
            .to_string();
        vec![json!({
            "status": format!("{tag}: digest: {digest}"),
            "aux": {"Tag": tag, "Digest": digest},
        })]
    };
    Ok(progress_stream(ctx, "Pushing", work, done))
}

/// `GET /images/{name}/history`: newest step first.
pub(crate) async fn history(ctx: &Arc<Ctx>, name: String) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let steps = blocking(move || {
        let key = name.strip_prefix("sha256:").unwrap_or(&name);
        Ok(rt.image_history(key)?)
    })
    .await?;
    let out: Vec<Value> = steps
        .iter()
        .map(|s| {
            json!({
                "Id": s.id.as_ref().map_or("<missing>".to_string(), |i| format!("sha256:{i}")),
                "Created": s.created / 1_000_000_000,
                "CreatedBy": s.created_by,
                "Tags": null,
                "Size": s.size,
                "Comment": s.comment,
            })
        })
        .collect();
    Ok(json(200, &out))
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
    let names: Vec<String> = q.all("names").iter().map(|n| n.to_string()).collect();
    if names.is_empty() {
        return Err(ApiError::BadRequest("names is required".into()));
    }
    save_all(ctx, names).await
}

/// `GET /images/{name}/get`: a docker-archive tar stream.
pub(crate) async fn save(ctx: &Arc<Ctx>, name: String) -> Result<Reply> {
    save_all(ctx, vec![name]).await
}

/// Every image named, in one docker-archive streamed (a name not found is a 404 first).
async fn save_all(ctx: &Arc<Ctx>, names: Vec<String>) -> Result<Reply> {
    let (rt, ns) = (ctx.rt.clone(), names.clone());
    blocking(move || {
        for n in &ns {
            rt.image(n)?;
        }
        Ok(())
    })
    .await?;
    let (reply, tx) = stream("application/x-tar", ctx.tracker.busy());
    let rt = ctx.rt.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, ToBody(tx));
        let format = libpod::ArchiveFormat::DockerArchive;
        let r = rt.save_images(&names, &[], format, &mut out, None);
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
    let given = q.filters()?;
    let all = given
        .iter()
        .any(|(k, v)| k == "dangling" && matches!(v.as_str(), "false" | "0"));
    // `until` and `label` narrow what is pruned; `dangling` chose `all` above.
    let filters = given
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "until" | "label"))
        .map(|(k, v)| format!("{k}={v}").parse())
        .collect::<libpod::Result<Vec<libpod::ImageFilter>>>()?;
    let rt = ctx.rt.clone();
    let gone = blocking(move || Ok(rt.prune_images_filtered(all, &filters)?)).await?;
    let deleted: Vec<Value> = gone.iter().map(|id| json!({"Deleted": id})).collect();
    Ok(json(
        200,
        &json!({"ImagesDeleted": deleted, "SpaceReclaimed": 0}),
    ))
}

/// `POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=` (and libpod's, with
/// `format` and `squash`): `{"Id": "sha256:..."}`. Docker pauses by default; `changes` holds
/// instructions one per line or repeated.
pub(crate) async fn commit(ctx: &Arc<Ctx>, q: &Query, libpod: bool) -> Result<Reply> {
    let container = q
        .get("container")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::BadRequest("the container parameter is required".into()))?
        .to_string();
    let reference = q.get("repo").filter(|r| !r.is_empty()).map(|repo| {
        format!(
            "{repo}:{}",
            q.get("tag").filter(|t| !t.is_empty()).unwrap_or("latest")
        )
    });
    let format = match q.get("format") {
        Some(f) if libpod && !f.is_empty() => f.parse()?,
        // Docker's images carry their comment in a Docker config.
        _ if !libpod => libpod::ImageFormat::Docker,
        _ => libpod::ImageFormat::Oci,
    };
    let opts = libpod::CommitOptions {
        reference,
        changes: q
            .all("changes")
            .iter()
            .flat_map(|c| c.lines())
            .filter(|c| !c.trim().is_empty())
            .map(str::to_string)
            .collect(),
        message: q
            .get("comment")
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        author: q
            .get("author")
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        pause: q
            .get("pause")
            .is_none_or(|p| matches!(p, "1" | "true" | "True")),
        squash: q.flag("squash"),
        format,
        include_volumes: false,
    };
    let rt = ctx.rt.clone();
    blocking(move || {
        let img = rt.container(&container)?.commit(&opts)?;
        let status = if libpod { 200 } else { 201 };
        Ok(json(
            status,
            &serde_json::json!({"Id": format!("sha256:{}", img.id)}),
        ))
    })
    .await
}

/// `GET /images/search?term=&limit=&filters=`: repositories in registries' catalogs, as
/// Docker's search results (a catalog has no descriptions or stars).
pub(crate) async fn search(ctx: &Arc<Ctx>, call: &Call) -> Result<Reply> {
    let q = &call.query;
    let term = q
        .get("term")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::BadRequest("the term parameter is required".into()))?
        .to_string();
    let limit = q.num::<usize>("limit")?.unwrap_or(25);
    let filters = q.filters()?;
    // Nothing in a catalog is official, automated or starred.
    let excluded = filters.iter().any(|(k, v)| {
        (matches!(k.as_str(), "is-official" | "is-automated") && v == "true")
            || (k == "stars" && v.parse::<u32>().is_ok_and(|n| n > 0))
    });
    let access = registry_access(call);
    let rt = ctx.rt.clone();
    blocking(move || {
        let hits = if excluded {
            Vec::new()
        } else {
            rt.search_images(&term, &access, limit, false)?
        };
        let out: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                serde_json::json!({"name": h.name, "description": "", "star_count": 0,
                    "is_official": false, "is_automated": false})
            })
            .collect();
        Ok(json(200, &out))
    })
    .await
}
