//! `GET /containers/json` and `GET /containers/{id}/json` in the Docker API's shapes.

use std::sync::Arc;

use libpod::state::{ContainerConfig, ContainerState, ContainerStatus as S, MountKind};
use serde_json::{Value, json};

use crate::body::{Query, Reply, json};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// Docker's name for a status (it has no `stopped`).
fn docker_status(s: S) -> &'static str {
    match s {
        S::Stopped => "exited",
        other => other.as_str(),
    }
}

/// Docker's `units.HumanDuration`.
pub(crate) fn human_duration(secs: i64) -> String {
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    match secs {
        s if s < 1 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        s if m == 1 || s < 120 => "About a minute".into(),
        _ if m < 60 => format!("{m} minutes"),
        _ if h == 1 => "About an hour".into(),
        _ if h < 48 => format!("{h} hours"),
        _ if d < 14 => format!("{d} days"),
        _ if d < 60 => format!("{} weeks", d / 7),
        _ if d < 730 => format!("{} months", d / 30),
        _ => format!("{} years", d / 365),
    }
}

/// The `Status` column: `Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`.
fn status_text(st: &ContainerState) -> String {
    let now = libpod::now_ns();
    let ago = |t: Option<i64>| human_duration((now - t.unwrap_or(now)) / 1_000_000_000);
    match st.status {
        S::Running => format!("Up {}", ago(st.started_at)),
        S::Paused => format!("Up {} (Paused)", ago(st.started_at)),
        S::Exited | S::Stopped => format!(
            "Exited ({}) {} ago",
            st.exit_code.unwrap_or(0),
            ago(st.finished_at)
        ),
        S::Removing => "Removal In Progress".into(),
        S::Configured | S::Created => "Created".into(),
    }
}

fn ports(cfg: &ContainerConfig) -> Vec<Value> {
    cfg.ports
        .iter()
        .flat_map(|p| {
            (0..p.range.max(1)).map(move |i| {
                json!({
                    "IP": if p.host_ip.is_empty() { "0.0.0.0" } else { &p.host_ip },
                    "PrivatePort": p.container_port + i,
                    "PublicPort": p.host_port + i,
                    "Type": p.protocol.as_str(),
                })
            })
        })
        .collect()
}

/// The networks it is configured for (a created container shows them too, as Docker's),
/// with the addresses it has while it runs and its aliases (its short ID among them).
/// Published ports as Docker maps them: `"80/tcp": [{"HostIp", "HostPort"}]`.
fn port_map(cfg: &ContainerConfig) -> Value {
    let mut map = serde_json::Map::new();
    for p in &cfg.ports {
        for i in 0..p.range.max(1) {
            let key = format!("{}/{}", p.container_port + i, p.protocol.as_str());
            let entry = json!({"HostIp": p.host_ip, "HostPort": (p.host_port + i).to_string()});
            match map.entry(key).or_insert_with(|| json!([])) {
                Value::Array(v) => v.push(entry),
                other => *other = json!([entry]),
            }
        }
    }
    Value::Object(map)
}

fn networks(cfg: &ContainerConfig, st: &ContainerState) -> Value {
    let mut names: Vec<String> = match &cfg.network {
        libpod::state::NetworkMode::Networks(n) => n.clone(),
        _ => Vec::new(),
    };
    for n in &st.networks {
        if !names.contains(&n.network) {
            names.push(n.network.clone());
        }
    }
    let short: String = cfg.id.chars().take(12).collect();
    let mut map = serde_json::Map::new();
    for name in names {
        let status = st.networks.iter().find(|n| n.network == name);
        let v4 = status.and_then(|n| n.addresses.iter().find(|a| !a.contains(':')));
        let (ip, prefix) = v4
            .and_then(|a| a.split_once('/'))
            .map_or(("", 0), |(ip, p)| (ip, p.parse::<u32>().unwrap_or(0)));
        let mut aliases: Vec<String> = cfg
            .network_options
            .get(&name)
            .map(|o| o.aliases.clone())
            .unwrap_or_default();
        aliases.extend(cfg.network_aliases.iter().cloned());
        aliases.push(short.clone());
        map.insert(
            name.clone(),
            json!({
                "Aliases": aliases,
                "IPAddress": ip,
                "IPPrefixLen": prefix,
                "Gateway": status.and_then(|n| n.gateway.clone()).unwrap_or_default(),
                "MacAddress": status.and_then(|n| n.mac.clone()).unwrap_or_default(),
                "NetworkID": name,
            }),
        );
    }
    Value::Object(map)
}

fn mounts(cfg: &ContainerConfig) -> Vec<Value> {
    cfg.mounts
        .iter()
        .map(|m| {
            let kind = match m.kind {
                MountKind::Volume => "volume",
                MountKind::Tmpfs => "tmpfs",
                _ => "bind",
            };
            json!({
                "Type": kind,
                "Name": if kind == "volume" { m.source.as_str() } else { "" },
                "Source": m.source,
                "Destination": m.destination,
                "RW": !m.options.iter().any(|o| o == "ro"),
            })
        })
        .collect()
}

fn command_line(cfg: &ContainerConfig) -> String {
    let mut words = cfg.entrypoint.clone().unwrap_or_default();
    words.extend(cfg.command.iter().cloned());
    words.join(" ")
}

/// One entry of `GET /containers/json`.
pub(crate) fn summary(cfg: &ContainerConfig, st: &ContainerState) -> Value {
    json!({
        "Id": cfg.id,
        "Names": [format!("/{}", cfg.name)],
        "Image": cfg.image_name,
        "ImageID": format!("sha256:{}", cfg.image_id),
        "Command": command_line(cfg),
        "Created": cfg.created / 1_000_000_000,
        "Ports": ports(cfg),
        "Labels": cfg.labels,
        "State": docker_status(st.status),
        "Status": status_text(st),
        "HostConfig": {"NetworkMode": libpod::network_mode_name(&cfg.network)},
        "NetworkSettings": {"Networks": networks(cfg, st)},
        "Mounts": mounts(cfg),
    })
}

/// The `filters` parameter as the facade's container filters.
pub(crate) fn filters(q: &Query) -> Result<Vec<libpod::ContainerFilter>> {
    q.filters()?
        .into_iter()
        .map(|(k, v)| {
            format!("{k}={v}")
                .parse::<libpod::ContainerFilter>()
                .map_err(|e| ApiError::BadRequest(e.to_string()))
        })
        .collect()
}

/// `GET /containers/json?all=&limit=&filters=`.
pub(crate) async fn list(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let filters = filters(q)?;
    let all = q.flag("all");
    let opts = libpod::ListOptions {
        // Docker lists paused containers with the running ones: they are picked below.
        all: true,
        // Docker's clients send -1 for no limit.
        last: q
            .num::<i64>("limit")?
            .filter(|n| *n > 0)
            .map(|n| n as usize),
        filters,
        ..Default::default()
    };
    let rt = ctx.rt.clone();
    let list = blocking(move || Ok(rt.list_containers(&opts)?)).await?;
    let out: Vec<Value> = list
        .iter()
        .filter(|(_, s)| all || matches!(s.status, S::Running | S::Paused))
        .map(|(c, s)| summary(c, s))
        .collect();
    Ok(json(200, &out))
}

/// `GET /containers/{id}/json`.
pub(crate) async fn inspect(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let (rt, id) = (ctx.rt.clone(), id.to_string());
    let (cfg, st) = blocking(move || {
        let c = rt.container(&id)?;
        Ok((c.config()?, c.state()?))
    })
    .await?;
    Ok(json(200, &inspect_view(&cfg, &st)))
}

fn time_or_zero(t: Option<i64>) -> String {
    t.map_or_else(|| "0001-01-01T00:00:00Z".into(), libpod::rfc3339_nano)
}

/// A container as Docker's inspect shows it.
fn inspect_view(cfg: &ContainerConfig, st: &ContainerState) -> Value {
    let mut args = cfg.entrypoint.clone().unwrap_or_default();
    args.extend(cfg.command.iter().cloned());
    let path = if args.is_empty() {
        String::new()
    } else {
        args.remove(0)
    };
    json!({
        "Id": cfg.id,
        "Created": libpod::rfc3339_nano(cfg.created),
        "Path": path,
        "Args": args,
        "State": {
            "Status": docker_status(st.status),
            "Running": st.status == S::Running,
            "Paused": st.status == S::Paused,
            "Restarting": false,
            "OOMKilled": st.oom_killed,
            "Dead": false,
            "Pid": st.pid.unwrap_or(0),
            "ExitCode": st.exit_code.unwrap_or(0),
            "Error": "",
            "StartedAt": time_or_zero(st.started_at),
            "FinishedAt": time_or_zero(st.finished_at),
            "Health": st.health.as_ref().map(|h| json!({
                "Status": h.status.as_str(),
                "FailingStreak": h.failing_streak,
                "Log": h.log.iter().map(|l| json!({
                    "Start": libpod::rfc3339_nano(l.start),
                    "End": libpod::rfc3339_nano(l.end),
                    "ExitCode": l.exit_code,
                    "Output": l.output,
                })).collect::<Vec<_>>(),
            })),
        },
        "Image": format!("sha256:{}", cfg.image_id),
        "Name": format!("/{}", cfg.name),
        "RestartCount": st.restart_count,
        "Driver": "overlay",
        "Platform": "linux",
        "HostConfig": {
            "NetworkMode": libpod::network_mode_name(&cfg.network),
            "PortBindings": port_map(cfg),
            // Docker's clients read logs through the API only for drivers they know;
            // conmon's k8s-file log is read through it like Docker's json-file.
            "LogConfig": {"Type": match cfg.log_driver {
                Some(libpod::config::LogDriver::None) => "none",
                Some(libpod::config::LogDriver::Journald) => "journald",
                Some(libpod::config::LogDriver::Passthrough) => "passthrough",
                _ => "json-file",
            }, "Config": {}},
            "AutoRemove": cfg.auto_remove,
            "Privileged": cfg.privileged,
            "ReadonlyRootfs": cfg.read_only,
            "RestartPolicy": {"Name": cfg.restart_policy.as_str(), "MaximumRetryCount": cfg.restart_retries},
        },
        "Config": {
            "Hostname": cfg.hostname.clone().unwrap_or_else(|| cfg.id.chars().take(12).collect()),
            "User": cfg.user.clone().unwrap_or_default(),
            "Env": cfg.env,
            "Cmd": cfg.command,
            "Entrypoint": cfg.entrypoint,
            "Image": cfg.image_name,
            "WorkingDir": cfg.workdir.clone().unwrap_or_default(),
            "Labels": cfg.labels,
            "Tty": cfg.tty,
            "OpenStdin": cfg.stdin,
            "StopSignal": cfg.stop_signal.to_string(),
            "StopTimeout": cfg.stop_timeout,
            "Healthcheck": cfg.healthcheck.as_ref().map(|h| json!({
                "Test": h.test,
                "Interval": h.interval,
                "Timeout": h.timeout,
                "StartPeriod": h.start_period,
                "Retries": h.retries,
            })),
        },
        "NetworkSettings": {"Networks": networks(cfg, st), "Ports": port_map(cfg)},
        "Mounts": mounts(cfg),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_docker_writes_them() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(59), "59 seconds");
        assert_eq!(human_duration(90), "About a minute");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(3600), "About an hour");
        assert_eq!(human_duration(7200), "2 hours");
        assert_eq!(human_duration(3 * 86400), "3 days");
    }
}
