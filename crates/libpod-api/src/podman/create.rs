//! `POST /libpod/containers/create`: podman's SpecGenerator (the fields `podman --remote`
//! sends for what libpod-rs implements) as the facade's `ContainerOptions`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::body::{Reply, json, read_json};
use crate::ctx::{Call, Ctx, blocking};
use crate::error::{ApiError, Result};

/// `netns`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Namespace {
    nsmode: String,
    value: String,
}

/// One of `portmappings`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PortMapping {
    host_ip: String,
    container_port: u16,
    host_port: u16,
    range: u16,
    protocol: String,
}

/// The SpecGenerator fields served.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Spec {
    name: String,
    image: String,
    command: Vec<String>,
    entrypoint: Option<Vec<String>>,
    env: BTreeMap<String, String>,
    labels: BTreeMap<String, String>,
    remove: bool,
    terminal: bool,
    stdin: bool,
    work_dir: String,
    user: String,
    hostname: String,
    netns: Namespace,
    #[serde(rename = "Networks")]
    networks: BTreeMap<String, serde_json::Value>,
    portmappings: Vec<PortMapping>,
    cap_add: Vec<String>,
    cap_drop: Vec<String>,
    privileged: bool,
    read_only_filesystem: bool,
    pod: String,
    init: bool,
    stop_timeout: Option<u32>,
    restart_policy: String,
    restart_tries: Option<u32>,
}

fn bad(e: libpod::LibpodError) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// The network specs as `--network` takes them.
fn network_specs(s: &Spec) -> Vec<String> {
    match s.netns.nsmode.as_str() {
        "" | "bridge" | "default" | "private" if !s.networks.is_empty() => {
            s.networks.keys().cloned().collect()
        }
        "" | "bridge" | "default" | "private" => vec![String::new()],
        "container" | "ns" => vec![format!("{}:{}", s.netns.nsmode, s.netns.value)],
        other => vec![other.to_string()],
    }
}

fn options(s: Spec) -> Result<libpod::ContainerOptions> {
    let (network, network_options) = libpod::parse_network(&network_specs(&s)).map_err(bad)?;
    let ports = s
        .portmappings
        .iter()
        .map(|p| {
            let ip = if p.host_ip.is_empty() {
                String::new()
            } else {
                format!("{}:", p.host_ip)
            };
            let proto = if p.protocol.is_empty() {
                "tcp"
            } else {
                &p.protocol
            };
            let host = if p.host_port == 0 {
                String::new()
            } else {
                p.host_port.to_string()
            };
            let spec = if p.range > 1 {
                let (hl, cl) = (p.host_port + p.range - 1, p.container_port + p.range - 1);
                format!("{ip}{host}-{hl}:{}-{cl}/{proto}", p.container_port)
            } else {
                format!("{ip}{host}:{}/{proto}", p.container_port)
            };
            libpod::parse_publish(&spec).map_err(bad)
        })
        .collect::<Result<Vec<_>>>()?;
    let policy = match (s.restart_policy.as_str(), s.restart_tries) {
        ("", _) => "no".to_string(),
        ("on-failure", Some(n)) if n > 0 => format!("on-failure:{n}"),
        (p, _) => p.to_string(),
    };
    let (restart_policy, restart_retries) = libpod::parse_restart_policy(&policy).map_err(bad)?;
    Ok(libpod::ContainerOptions {
        image: s.image,
        name: Some(s.name).filter(|n| !n.is_empty()),
        command: s.command,
        entrypoint: s.entrypoint,
        env: s.env.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
        labels: s.labels,
        auto_remove: s.remove,
        tty: s.terminal,
        stdin: s.stdin,
        workdir: Some(s.work_dir).filter(|w| !w.is_empty()),
        user: Some(s.user).filter(|u| !u.is_empty()),
        hostname: Some(s.hostname).filter(|h| !h.is_empty()),
        network,
        network_options,
        ports,
        cap_add: s.cap_add,
        cap_drop: s.cap_drop,
        privileged: s.privileged,
        read_only: s.read_only_filesystem,
        pod: Some(s.pod).filter(|p| !p.is_empty()),
        init: s.init,
        stop_timeout: s.stop_timeout,
        restart_policy,
        restart_retries,
        ..Default::default()
    })
}

/// `POST /libpod/containers/create`: 201 `{"Id", "Warnings"}`.
pub(crate) async fn create(ctx: &Arc<Ctx>, call: Call) -> Result<Reply> {
    let spec: Spec = read_json(call.req.into_body()).await?;
    if spec.image.is_empty() {
        return Err(ApiError::BadRequest("image is required".into()));
    }
    let opts = options(spec)?;
    let rt = ctx.rt.clone();
    let id = blocking(move || Ok(rt.create_container(opts)?.id().to_string())).await?;
    Ok(json(201, &serde_json::json!({"Id": id, "Warnings": []})))
}
