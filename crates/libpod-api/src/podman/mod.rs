//! podman's libpod API (`/v4.x/libpod/...`), as much as `podman --remote` needs for `ps`,
//! `images`, `pod ps`, `version`, `info` and `run`: its JSON shapes where they differ from
//! Docker's; the behaviour is the facade's, as for the Docker endpoints.

mod create;
mod pods;

use std::sync::Arc;

use hyper::Method;
use libpod::state::{ContainerConfig, ContainerState, ContainerStatus as S};
use serde_json::{Value, json};

use crate::body::{Query, Reply, empty, json};
use crate::ctx::{Call, Ctx, blocking};
use crate::error::{ApiError, Result};

/// Serves a libpod endpoint whose shape is podman's own; gives the call back for the ones
/// the Docker handlers serve alike (start, stop, attach, logs, version...).
pub(crate) async fn dispatch(
    ctx: &Arc<Ctx>,
    call: Call,
    segs: &[&str],
) -> std::result::Result<Result<Reply>, Call> {
    let q = &call.query;
    Ok(match (call.method.clone(), segs) {
        (Method::GET, ["info"]) => info(ctx).await,
        (Method::GET, ["containers", "json"]) => containers(ctx, q).await,
        (Method::POST, ["containers", "create"]) => create::create(ctx, call).await,
        (Method::GET, ["containers", id, "exists"]) => exists(ctx, id, Kind::Container).await,
        (Method::GET, ["containers", id, "json"]) => inspect(ctx, id).await,
        (Method::POST, ["containers", id, "wait"]) => wait(ctx, id, q).await,
        (Method::POST, ["containers", id, "shouldrestart"]) => should_restart(ctx, id).await,
        (Method::DELETE, ["containers", id]) => remove(ctx, id, q).await,
        (Method::GET, ["images", "json"]) => images(ctx).await,
        (Method::GET, ["images", name @ .., "exists"]) if !name.is_empty() => {
            exists(ctx, &name.join("/"), Kind::Image).await
        }
        (Method::POST, ["images", "pull"]) => pull(ctx, q).await,
        (Method::GET, ["pods", "json"]) => pods(ctx).await,
        (Method::GET, ["volumes", "json"]) => volumes(ctx).await,
        (Method::GET, ["networks", "json"]) => networks(ctx).await,
        (Method::POST, ["pods", "create"]) => pods::create(ctx, call.req.into_body()).await,
        (Method::POST, ["pods", id, "start"]) => pods::act(ctx, id, q, pods::Op::Start).await,
        (Method::POST, ["pods", id, "stop"]) => pods::act(ctx, id, q, pods::Op::Stop).await,
        (Method::GET, ["pods", id, "json"]) => pods::inspect(ctx, id).await,
        (Method::DELETE, ["pods", id]) => pods::remove(ctx, id, q).await,
        _ => return Err(call),
    })
}

/// What an `exists` asks about.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Container,
    Image,
}

/// `GET /libpod/{containers|images}/{name}/exists`: 204 or 404.
async fn exists(ctx: &Arc<Ctx>, name: &str, kind: Kind) -> Result<Reply> {
    let (rt, name) = (ctx.rt.clone(), name.to_string());
    blocking(move || {
        let found = match kind {
            Kind::Container => rt
                .container(&name)
                .map(|_| true)
                .or_else(|e| if e.is_not_found() { Ok(false) } else { Err(e) })?,
            Kind::Image => rt.image_exists(&name)?,
        };
        if found {
            Ok(empty(204))
        } else {
            Err(ApiError::NotFound(format!("no such object: {name}")))
        }
    })
    .await
}

/// `GET /libpod/info`: the facade's report, in podman's keys.
async fn info(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let info = blocking(move || Ok(rt.info()?)).await?;
    let v = serde_json::to_value(&info).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json(200, &v))
}

/// One entry of `GET /libpod/containers/json` (podman's `ListContainer`).
fn list_entry(cfg: &ContainerConfig, st: &ContainerState, pod_name: &str) -> Value {
    let mut cmd = cfg.entrypoint.clone().unwrap_or_default();
    cmd.extend(cfg.command.iter().cloned());
    let secs = |t: Option<i64>| t.map_or(-62_135_596_800, |t| t / 1_000_000_000);
    json!({
        "AutoRemove": cfg.auto_remove,
        "Command": cmd,
        "Created": libpod::rfc3339_nano(cfg.created),
        "CreatedAt": "",
        "Exited": matches!(st.status, S::Exited | S::Stopped),
        "ExitedAt": secs(st.finished_at),
        "ExitCode": st.exit_code.unwrap_or(0),
        "Id": cfg.id,
        "Image": cfg.image_name,
        "ImageID": cfg.image_id,
        "IsInfra": cfg.is_infra,
        "Labels": cfg.labels,
        "Mounts": cfg.mounts.iter().map(|m| m.destination.clone()).collect::<Vec<_>>(),
        "Names": [cfg.name],
        "Namespaces": {},
        "Networks": st.networks.iter().map(|n| n.network.clone()).collect::<Vec<_>>(),
        "Pid": st.pid.unwrap_or(0),
        "Pod": cfg.pod.clone().unwrap_or_default(),
        "PodName": pod_name,
        "Ports": cfg.ports.iter().map(|p| json!({
            "host_ip": p.host_ip, "container_port": p.container_port,
            "host_port": p.host_port, "range": p.range.max(1), "protocol": p.protocol.as_str(),
        })).collect::<Vec<_>>(),
        "Restarts": st.restart_count,
        "StartedAt": secs(st.started_at),
        "State": st.status.as_str(),
        "Status": "",
    })
}

/// `GET /libpod/containers/json?all=&limit=&filters=`.
async fn containers(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let opts = libpod::ListOptions {
        all: q.flag("all"),
        last: q
            .num::<i64>("limit")?
            .filter(|n| *n > 0)
            .map(|n| n as usize),
        filters: crate::compat::container_filters(q)?,
        ..Default::default()
    };
    let rt = ctx.rt.clone();
    let out = blocking(move || {
        let list = rt.list_containers(&opts)?;
        let pods: Vec<(String, String)> = rt
            .pods()?
            .iter()
            .filter_map(|p| p.config().ok().map(|c| (c.id, c.name)))
            .collect();
        Ok(list
            .iter()
            .map(|(c, s)| {
                let pod = c
                    .pod
                    .as_ref()
                    .and_then(|id| pods.iter().find(|(i, _)| i == id));
                list_entry(c, s, pod.map_or("", |(_, n)| n.as_str()))
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(json(200, &out))
}

/// `GET /libpod/containers/{id}/json`: the fields `podman --remote` reads after a create.
async fn inspect(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let (cfg, st) = blocking(move || {
        let c = rt.container(&id)?;
        Ok((c.config()?, c.state()?))
    })
    .await?;
    Ok(json(
        200,
        &json!({
            "Id": cfg.id,
            "Name": cfg.name,
            "Created": libpod::rfc3339_nano(cfg.created),
            "Image": cfg.image_id,
            "ImageName": cfg.image_name,
            "State": {
                "Status": st.status.as_str(),
                "Running": st.status == S::Running,
                "Paused": st.status == S::Paused,
                "Pid": st.pid.unwrap_or(0),
                "ExitCode": st.exit_code.unwrap_or(0),
            },
            "Config": {"Tty": cfg.tty, "OpenStdin": cfg.stdin, "Labels": cfg.labels},
            "HostConfig": {"AutoRemove": cfg.auto_remove},
        }),
    ))
}

/// `POST /libpod/containers/{id}/wait?condition=`: the exit code as a bare number, once it
/// stops (podman's conditions: `stopped`, `exited`, `running`...).
async fn wait(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let conditions = q
        .all("condition")
        .iter()
        .map(|c| c.parse::<libpod::WaitCondition>())
        .collect::<libpod::Result<Vec<_>>>()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let code = blocking(move || {
        let c = rt.container(&id)?;
        Ok(c.wait_for(&conditions, std::time::Duration::from_millis(50))?)
    })
    .await?;
    Ok(json(200, &code))
}

/// `DELETE /libpod/containers/{id}?force=&v=`: podman's reports.
async fn remove(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let opts = libpod::RemoveOptions {
        force: q.flag("force"),
        volumes: q.flag("v"),
        ignore_missing: q.flag("ignore"),
        ..Default::default()
    };
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let mut report = rt.remove_containers(std::slice::from_ref(&id), &opts);
        if let Some((_, e)) = report.failed.pop() {
            return Err(e.into());
        }
        let out: Vec<Value> = report
            .removed
            .iter()
            .map(|i| json!({"Id": i, "Err": null}))
            .collect();
        Ok(json(200, &out))
    })
    .await
}

/// `GET /libpod/images/json` (podman's `ImageSummary`).
async fn images(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let images = blocking(move || Ok(rt.images()?)).await?;
    let out: Vec<Value> = images
        .iter()
        .map(|i| {
            let mut v = crate::compat::image_summary(i);
            v["Id"] = json!(i.id);
            v["Names"] = json!(i.names);
            v["Digest"] = json!(i.manifest_digest);
            v["Dangling"] = json!(i.names.is_empty());
            v["ReadOnly"] = json!(false);
            v
        })
        .collect();
    Ok(json(200, &out))
}

/// `GET /libpod/pods/json` (podman's `ListPodsReport`).
async fn pods(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let out = blocking(move || {
        let mut out = Vec::new();
        for p in rt.pods()? {
            let cfg = p.config()?;
            let members = p.containers()?;
            let infra = members.iter().find(|(c, _)| c.is_infra).map(|(c, _)| c.id.clone());
            out.push(json!({
                "Cgroup": "",
                "Containers": members.iter().map(|(c, s)| json!({
                    "Id": c.id, "Names": c.name, "Status": s.status.as_str(), "RestartCount": s.restart_count,
                })).collect::<Vec<_>>(),
                "Created": libpod::rfc3339_nano(cfg.created),
                "Id": cfg.id,
                "InfraId": infra.unwrap_or_default(),
                "Name": cfg.name,
                "Namespace": "",
                "Networks": [],
                "Status": p.status()?.to_string(),
                "Labels": cfg.labels,
            }));
        }
        Ok(out)
    })
    .await?;
    Ok(json(200, &out))
}

/// `POST /libpod/images/pull?reference=&policy=`: pulls as the policy says (`missing` uses a
/// local image), reporting podman's `ImagePullReport` lines.
async fn pull(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let reference = q
        .get("reference")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::BadRequest("reference is required".into()))?
        .to_string();
    let policy: libpod::PullPolicy = q
        .get("policy")
        .unwrap_or("always")
        .parse()
        .map_err(|e: libpod::LibpodError| ApiError::BadRequest(e.to_string()))?;
    let rt = ctx.rt.clone();
    let id = blocking(move || {
        let local = rt.image(&reference).ok();
        match (policy.decide(local.is_some()), local) {
            (libpod::PullDecision::UseLocal, Some(i)) => Ok(i.id),
            (libpod::PullDecision::UseLocal, None) => Err(ApiError::NotFound(format!(
                "{reference}: image not known, and the pull policy is never"
            ))),
            (libpod::PullDecision::Pull { fall_back }, local) => {
                match rt.pull_image(&reference, &libpod::PullRequest::default()) {
                    Ok(i) => Ok(i.id),
                    Err(_) if fall_back && local.is_some() => {
                        Ok(local.map(|i| i.id).unwrap_or_default())
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    })
    .await?;
    Ok(json(200, &json!({"images": [id], "id": id})))
}

/// `POST /libpod/containers/{id}/shouldrestart`: 204 when its restart policy starts it again
/// after this exit (the client then waits again), else 404.
async fn should_restart(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        let c = rt.container(&id)?;
        if libpod::should_restart(&c.config()?, &c.state()?) {
            Ok(empty(204))
        } else {
            Err(ApiError::NotFound(format!(
                "container {id} will not be restarted"
            )))
        }
    })
    .await
}

/// `GET /libpod/volumes/json` (podman's volume reports).
async fn volumes(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let vols = blocking(move || Ok(rt.volumes()?)).await?;
    let out: Vec<Value> = vols
        .iter()
        .map(|(c, _)| {
            json!({
                "Name": c.name,
                "Driver": c.driver,
                "Mountpoint": c.mount_point,
                "CreatedAt": libpod::rfc3339_nano(c.created),
                "Labels": c.labels,
                "Scope": "local",
                "Options": c.options,
                "Anonymous": c.anonymous,
                "UID": c.uid.unwrap_or(0),
                "GID": c.gid.unwrap_or(0),
            })
        })
        .collect();
    Ok(json(200, &out))
}

/// `GET /libpod/networks/json`: the networks in podman's own JSON.
async fn networks(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let (nets, _) = blocking(move || Ok(rt.list_networks()?)).await?;
    Ok(json(200, &nets))
}
