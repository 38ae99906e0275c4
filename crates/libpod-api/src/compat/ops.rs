//! Container operations beyond the lifecycle: `top`, `changes`, `export`, `stats`, `rename`,
//! `update` and `prune`, in the Docker API's shapes.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Value, json};

use super::archive::ToBody;
use crate::body::{Query, Reply, empty, json, read_json, stream};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// `GET /containers/{id}/top?ps_args=`: `{"Titles", "Processes"}` (podman's descriptors;
/// `ps_args` words that are not descriptors, such as `-ef`, give the default columns).
pub(crate) async fn top(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let args: Vec<String> = q
        .get("ps_args")
        .unwrap_or("")
        .split([' ', ','])
        .filter(|w| !w.is_empty() && !w.starts_with('-'))
        .map(str::to_string)
        .collect();
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let mut rows = blocking(move || {
        let c = rt.container(&id)?;
        if c.state()?.status != libpod::state::ContainerStatus::Running {
            return Err(ApiError::Conflict(format!("Container {id} is not running")));
        }
        Ok(c.top(&args)?)
    })
    .await?;
    let titles = if rows.is_empty() {
        Vec::new()
    } else {
        rows.remove(0)
    };
    Ok(json(200, &json!({"Titles": titles, "Processes": rows})))
}

/// `GET /containers/{id}/changes`: `[{"Path", "Kind"}]`, Kind 0 modified, 1 added, 2 deleted.
pub(crate) async fn changes(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let changes = blocking(move || Ok(rt.container(&id)?.changes()?)).await?;
    let out: Vec<Value> = changes
        .iter()
        .map(|c| {
            let kind = match c.kind {
                libpod::storage::ChangeKind::Modified => 0,
                libpod::storage::ChangeKind::Added => 1,
                libpod::storage::ChangeKind::Deleted => 2,
            };
            json!({"Path": c.path, "Kind": kind})
        })
        .collect();
    Ok(json(200, &out))
}

/// `GET /containers/{id}/export`: its filesystem as a tar stream.
pub(crate) async fn export(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let c = blocking(move || Ok(rt.container(&id)?)).await?;
    let (reply, tx) = stream("application/x-tar", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        let out = std::io::BufWriter::with_capacity(64 * 1024, ToBody(tx));
        if let Err(e) = c.export(out) {
            tracing::debug!(error = %e, "export stream ended");
        }
    });
    Ok(reply)
}

fn cpu(s: Option<&libpod::ContainerStats>) -> Value {
    json!({
        "cpu_usage": {"total_usage": s.map_or(0, |x| x.cpu_ns), "usage_in_kernelmode": 0, "usage_in_usermode": 0},
        "system_cpu_usage": s.map_or(0, |x| x.host_cpu_ns),
        "online_cpus": s.map_or(0, |x| x.online_cpus),
        "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
    })
}

/// A reading as Docker's stats JSON (`pre`: the reading before, for the CPU percentage).
fn stats_view(s: &libpod::ContainerStats, pre: Option<&libpod::ContainerStats>) -> Value {
    json!({
        "read": libpod::rfc3339_nano(s.at),
        "preread": pre.map_or_else(|| "0001-01-01T00:00:00Z".to_string(), |p| libpod::rfc3339_nano(p.at)),
        "id": s.id,
        "name": format!("/{}", s.name),
        "pids_stats": {"current": s.pids},
        "num_procs": 0,
        "cpu_stats": cpu(Some(s)),
        "precpu_stats": cpu(pre),
        "memory_stats": {"usage": s.mem_usage, "limit": s.mem_limit, "stats": {}},
        "blkio_stats": {"io_service_bytes_recursive": [
            {"major": 0, "minor": 0, "op": "read", "value": s.block_read},
            {"major": 0, "minor": 0, "op": "write", "value": s.block_write},
        ]},
        "networks": {"eth0": {
            "rx_bytes": s.net_rx, "rx_packets": 0, "rx_errors": 0, "rx_dropped": 0,
            "tx_bytes": s.net_tx, "tx_packets": 0, "tx_errors": 0, "tx_dropped": 0,
        }},
    })
}

/// `GET /containers/{id}/stats?stream=&one-shot=`: a reading a second (streamed until the
/// client goes or the container stops), or one; without `one-shot`, a single reading comes
/// with the one before it so a CPU percentage can be worked out.
pub(crate) async fn stats(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let streaming = q
        .get("stream")
        .is_none_or(|v| matches!(v, "1" | "true" | "True"));
    let one_shot = q.flag("one-shot");
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let c = blocking(move || Ok(rt.container(&id)?)).await?;
    let (reply, tx) = stream("application/json", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        let mut pre = None;
        if !streaming && !one_shot {
            pre = c.stats().ok();
            std::thread::sleep(Duration::from_millis(500));
        }
        loop {
            let Ok(now) = c.stats() else { break };
            let mut line = stats_view(&now, pre.as_ref()).to_string().into_bytes();
            line.push(b'\n');
            if tx.blocking_send(Bytes::from(line)).is_err() || !streaming || now.started_at == 0 {
                break;
            }
            pre = Some(now);
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    Ok(reply)
}

/// `POST /containers/{id}/rename?name=`.
pub(crate) async fn rename(ctx: &Arc<Ctx>, id: &str, q: &Query) -> Result<Reply> {
    let name = q
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::BadRequest("the name parameter is required".into()))?
        .trim_start_matches('/')
        .to_string();
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        rt.container(&id)?.rename(&name)?;
        Ok(empty(204))
    })
    .await
}

/// The body of an update (the limits libpod-rs can change on a container).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct UpdateBody {
    memory: i64,
    memory_swap: i64,
    memory_reservation: i64,
    nano_cpus: i64,
    cpu_shares: u64,
    cpu_period: u64,
    cpu_quota: i64,
    cpuset_cpus: String,
    cpuset_mems: String,
    pids_limit: Option<i64>,
    blkio_weight: u16,
}

/// `POST /containers/{id}/update`: `{"Warnings": []}`.
pub(crate) async fn update(ctx: &Arc<Ctx>, id: &str, body: Incoming) -> Result<Reply> {
    let b: UpdateBody = read_json(body).await?;
    let pos = |v: i64| (v > 0).then_some(v);
    let mut r = libpod::state::Resources {
        memory: pos(b.memory),
        memory_swap: (b.memory_swap != 0).then_some(b.memory_swap),
        memory_reservation: pos(b.memory_reservation),
        cpu_shares: (b.cpu_shares > 0).then_some(b.cpu_shares),
        cpu_period: (b.cpu_period > 0).then_some(b.cpu_period),
        cpu_quota: pos(b.cpu_quota),
        cpuset_cpus: Some(b.cpuset_cpus).filter(|s| !s.is_empty()),
        cpuset_mems: Some(b.cpuset_mems).filter(|s| !s.is_empty()),
        pids: b.pids_limit.filter(|p| *p != 0),
        blkio_weight: (b.blkio_weight > 0).then_some(b.blkio_weight),
        ..Default::default()
    };
    if b.nano_cpus > 0 {
        let (period, quota) = libpod::cpus_quota(b.nano_cpus as f64 / 1e9)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        r.cpu_period = Some(period);
        r.cpu_quota = Some(quota);
    }
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    blocking(move || {
        rt.container(&id)?.update(&r)?;
        Ok(json(200, &json!({"Warnings": []})))
    })
    .await
}

/// `POST /containers/prune?filters=`: removes stopped containers.
pub(crate) async fn prune(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let filters = super::containers::filters(q)?;
    let rt = ctx.rt.clone();
    let gone = blocking(move || Ok(rt.prune_containers(&filters)?)).await?;
    Ok(json(
        200,
        &json!({"ContainersDeleted": gone, "SpaceReclaimed": 0}),
    ))
}
