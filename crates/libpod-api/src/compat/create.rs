//! `POST /containers/create`: Docker's container config and host config as the facade's
//! `ContainerOptions`, through the same parsers as `rpod create`'s flags.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::body::{Query, Reply, json, read_json};
use crate::ctx::{Call, Ctx, blocking};
use crate::error::{ApiError, Result};

/// A command: Docker takes a string or a list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Words {
    /// One string (a shell would split it; Docker keeps it as one word).
    One(String),
    /// A list.
    Many(Vec<String>),
}

impl Words {
    fn into_vec(self) -> Vec<String> {
        match self {
            Words::One(s) => vec![s],
            Words::Many(v) => v,
        }
    }
}

/// The body of a container create (the fields libpod-rs implements).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct CreateBody {
    hostname: String,
    user: String,
    tty: bool,
    open_stdin: bool,
    env: Option<Vec<String>>,
    cmd: Option<Words>,
    entrypoint: Option<Words>,
    image: String,
    labels: Option<BTreeMap<String, String>>,
    working_dir: String,
    stop_signal: Option<String>,
    stop_timeout: Option<u32>,
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    healthcheck: Option<Healthcheck>,
    host_config: HostConfig,
    networking_config: Option<NetworkingConfig>,
}

/// A healthcheck; durations in nanoseconds.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Healthcheck {
    test: Option<Vec<String>>,
    interval: i64,
    timeout: i64,
    start_period: i64,
    retries: u32,
}

/// A host port binding.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct PortBinding {
    host_ip: String,
    host_port: String,
}

/// A restart policy.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct RestartPolicy {
    name: String,
    maximum_retry_count: u32,
}

/// A `Mounts` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct MountEntry {
    #[serde(rename = "Type")]
    kind: String,
    source: String,
    target: String,
    read_only: bool,
}

/// The host config.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct HostConfig {
    binds: Option<Vec<String>>,
    auto_remove: bool,
    network_mode: String,
    port_bindings: Option<BTreeMap<String, Option<Vec<PortBinding>>>>,
    publish_all_ports: bool,
    restart_policy: Option<RestartPolicy>,
    privileged: bool,
    readonly_rootfs: bool,
    cap_add: Option<Vec<String>>,
    cap_drop: Option<Vec<String>>,
    dns: Option<Vec<String>>,
    dns_search: Option<Vec<String>>,
    dns_options: Option<Vec<String>>,
    extra_hosts: Option<Vec<String>>,
    init: Option<bool>,
    memory: i64,
    nano_cpus: i64,
    cpu_shares: u64,
    tmpfs: Option<BTreeMap<String, String>>,
    mounts: Option<Vec<MountEntry>>,
}

/// Per-network settings (`Aliases`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct EndpointConfig {
    aliases: Option<Vec<String>>,
}

/// The networks to join.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct NetworkingConfig {
    endpoints_config: Option<BTreeMap<String, Option<EndpointConfig>>>,
}

fn bad(e: libpod::LibpodError) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// The networks: `NetworkMode` (Docker's `default` and `bridge` are the default network),
/// plus any named in `NetworkingConfig`.
fn network_specs(b: &CreateBody) -> Vec<String> {
    let mode = b.host_config.network_mode.as_str();
    let mut specs = vec![mode.to_string()];
    if let Some(eps) = b
        .networking_config
        .as_ref()
        .and_then(|n| n.endpoints_config.as_ref())
    {
        for name in eps.keys() {
            if !specs.contains(name) && !matches!(mode, "host" | "none") {
                specs.push(name.clone());
            }
        }
    }
    if specs.len() > 1 && matches!(specs[0].as_str(), "" | "default" | "bridge") {
        specs.remove(0);
    }
    specs
}

/// Docker's create body as the facade's options.
pub(crate) fn options(name: Option<String>, b: CreateBody) -> Result<libpod::ContainerOptions> {
    let h = &b.host_config;
    use libpod::mount_spec::{parse_mount_flag, parse_tmpfs_flag, parse_volume_flag};
    let mut mounts = Vec::new();
    for m in h.mounts.iter().flatten() {
        let mut spec = format!("type={},source={},target={}", m.kind, m.source, m.target);
        if m.read_only {
            spec.push_str(",readonly");
        }
        mounts.push(parse_mount_flag(&spec).map_err(bad)?);
    }
    for bind in h.binds.iter().flatten() {
        mounts.push(parse_volume_flag(bind).map_err(bad)?);
    }
    for (dest, opts) in h.tmpfs.iter().flatten() {
        let spec = if opts.is_empty() {
            dest.clone()
        } else {
            format!("{dest}:{opts}")
        };
        mounts.push(parse_tmpfs_flag(&spec).map_err(bad)?);
    }
    let (network, network_options) = libpod::parse_network(&network_specs(&b)).map_err(bad)?;
    let mut ports = Vec::new();
    for (port, bindings) in h.port_bindings.iter().flatten() {
        for pb in bindings.iter().flatten() {
            let ip = if pb.host_ip.is_empty() {
                String::new()
            } else {
                format!("{}:", pb.host_ip)
            };
            let spec = format!("{ip}{}:{port}", pb.host_port);
            ports.push(libpod::parse_publish(&spec).map_err(bad)?);
        }
    }
    let expose = b
        .exposed_ports
        .iter()
        .flatten()
        .map(|(p, _)| libpod::parse_expose(p).map_err(bad))
        .collect::<Result<Vec<_>>>()?;
    let restart = h.restart_policy.as_ref().filter(|r| !r.name.is_empty());
    let (restart_policy, restart_retries) = match restart {
        Some(r) if r.name == "on-failure" && r.maximum_retry_count > 0 => {
            libpod::parse_restart_policy(&format!("on-failure:{}", r.maximum_retry_count))
        }
        Some(r) => libpod::parse_restart_policy(&r.name),
        None => libpod::parse_restart_policy("no"),
    }
    .map_err(bad)?;
    let mut resources = libpod::state::Resources::default();
    if h.memory > 0 {
        resources.memory = Some(h.memory);
    }
    if h.cpu_shares > 0 {
        resources.cpu_shares = Some(h.cpu_shares);
    }
    if h.nano_cpus > 0 {
        let (period, quota) = libpod::cpus_quota(h.nano_cpus as f64 / 1e9).map_err(bad)?;
        resources.cpu_period = Some(period);
        resources.cpu_quota = Some(quota);
    }
    let dns = libpod::config::DnsSettings {
        servers: h
            .dns
            .iter()
            .flatten()
            .map(|s| libpod::parse_dns_server(s).map_err(bad))
            .collect::<Result<_>>()?,
        search: h.dns_search.clone().unwrap_or_default(),
        options: h.dns_options.clone().unwrap_or_default(),
    };
    let add_hosts = h
        .extra_hosts
        .iter()
        .flatten()
        .map(|s| libpod::parse_add_host(s).map_err(bad))
        .collect::<Result<_>>()?;
    let aliases = b
        .networking_config
        .iter()
        .flat_map(|n| n.endpoints_config.iter().flatten())
        .flat_map(|(_, ep)| ep.iter().flat_map(|e| e.aliases.iter().flatten()))
        .cloned()
        .collect();
    Ok(libpod::ContainerOptions {
        image: b.image.clone(),
        name,
        command: b.cmd.map(Words::into_vec).unwrap_or_default(),
        entrypoint: b.entrypoint.map(Words::into_vec),
        env: b.env.unwrap_or_default(),
        workdir: Some(b.working_dir).filter(|s| !s.is_empty()),
        user: Some(b.user).filter(|s| !s.is_empty()),
        hostname: Some(b.hostname).filter(|s| !s.is_empty()),
        mounts,
        network,
        network_options,
        network_aliases: aliases,
        ports,
        expose,
        publish_all: h.publish_all_ports,
        labels: b.labels.unwrap_or_default(),
        stop_signal: b
            .stop_signal
            .as_deref()
            .map(libpod::parse_signal)
            .transpose()
            .map_err(bad)?,
        stop_timeout: b.stop_timeout,
        auto_remove: h.auto_remove,
        restart_policy,
        restart_retries,
        health: health(b.healthcheck),
        init: h.init.unwrap_or(false),
        cap_add: h.cap_add.clone().unwrap_or_default(),
        cap_drop: h.cap_drop.clone().unwrap_or_default(),
        resources,
        read_only: h.readonly_rootfs,
        privileged: h.privileged,
        tty: b.tty,
        stdin: b.open_stdin,
        dns,
        add_hosts,
        ..Default::default()
    })
}

fn health(h: Option<Healthcheck>) -> libpod::HealthOptions {
    let Some(h) = h else {
        return libpod::HealthOptions::default();
    };
    let ns = |v: i64| (v > 0).then_some(v);
    libpod::HealthOptions {
        disabled: h
            .test
            .as_deref()
            .is_some_and(|t| t.first().is_some_and(|w| w == "NONE")),
        test: h.test.filter(|t| !t.is_empty()),
        interval: ns(h.interval),
        timeout: ns(h.timeout),
        start_period: ns(h.start_period),
        retries: (h.retries > 0).then_some(h.retries),
        ..Default::default()
    }
}

/// A container create request (its query string and JSON body) as the facade's options:
/// what the service does before it creates; a malformed body or field is a 400 naming it.
///
/// ```
/// let o = libpod_api::create_options(Some("name=web"), br#"{"Image":"busybox","Cmd":["true"]}"#)?;
/// assert_eq!((o.name.as_deref(), o.command.as_slice()), (Some("web"), &["true".to_string()][..]));
/// assert_eq!(libpod_api::create_options(None, b"{").unwrap_err().status(), 400);
/// # Ok::<(), libpod_api::ApiError>(())
/// ```
pub fn create_options(query: Option<&str>, body: &[u8]) -> Result<libpod::ContainerOptions> {
    let name = name_param(&Query::parse(query));
    let body: CreateBody = crate::body::decode_json(body)?;
    options(name, body)
}

/// `POST /containers/create?name=`: 201 `{"Id", "Warnings"}`; 404 when the image is not
/// here (clients pull then), 409 when the name is taken.
pub(crate) async fn create(ctx: &Arc<Ctx>, call: Call) -> Result<Reply> {
    let name = name_param(&call.query);
    let body: CreateBody = read_json(call.req.into_body()).await?;
    if body.image.is_empty() {
        return Err(ApiError::BadRequest("config: Image is required".into()));
    }
    let image = body.image.clone();
    let opts = options(name, body)?;
    let rt = ctx.rt.clone();
    let id = blocking(move || {
        if !rt.image_exists(&image)? {
            return Err(ApiError::NotFound(format!("No such image: {image}")));
        }
        Ok(rt.create_container(opts)?.id().to_string())
    })
    .await?;
    Ok(json(201, &serde_json::json!({"Id": id, "Warnings": []})))
}

fn name_param(q: &Query) -> Option<String> {
    q.get("name")
        .filter(|n| !n.is_empty())
        .map(|n| n.trim_start_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_docker_body_becomes_options() {
        let body: CreateBody = crate::body::decode_json(
            br#"{"Image":"busybox","Cmd":["echo","hi"],"Env":["A=1"],"Labels":{"l":"v"},
                 "HostConfig":{"AutoRemove":true,"Binds":["/tmp:/data:ro"],
                   "PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]},
                   "RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},
                   "NetworkMode":"default","Memory":1048576},
                 "Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":1000000000}}"#,
        )
        .expect("decode");
        let o = options(Some("web".into()), body).expect("options");
        assert_eq!(o.command, ["echo", "hi"]);
        assert!(o.auto_remove);
        assert_eq!(o.mounts[0].destination, "/data");
        assert_eq!(
            (o.ports[0].host_port, o.ports[0].container_port),
            (8080, 80)
        );
        assert_eq!(o.restart_retries, 3);
        assert_eq!(o.network, libpod::state::NetworkMode::Default);
        assert_eq!(o.resources.memory, Some(1048576));
        assert_eq!(o.health.interval, Some(1_000_000_000));
        assert_eq!(o.labels["l"], "v");
    }

    #[test]
    fn a_bad_field_is_a_400_naming_it() {
        let e = crate::body::decode_json::<CreateBody>(br#"{"Image":5}"#).expect_err("bad");
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains("invalid type"), "{e}");
        let body: CreateBody =
            crate::body::decode_json(br#"{"Image":"x","HostConfig":{"Binds":[":"]}}"#)
                .expect("decode");
        assert_eq!(options(None, body).expect_err("bind").status(), 400);
    }
}
