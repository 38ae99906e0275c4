//! Networks in the Docker API's shapes: list, inspect, create, connect, disconnect, remove,
//! prune.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::body::{Query, Reply, empty, json, read_json};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// A network by name, or by ID or an ID prefix (Docker's clients use either).
pub(crate) fn find(rt: &libpod::Runtime, key: &str) -> Result<libpod::network::Network> {
    match rt.network(key) {
        Ok(n) => Ok(n),
        Err(e) if e.is_not_found() => {
            let (nets, _) = rt.list_networks()?;
            let mut hits = nets.into_iter().filter(|n| n.id.starts_with(key));
            match (hits.next(), hits.next()) {
                (Some(n), None) if !key.is_empty() => Ok(n),
                (Some(_), Some(_)) => Err(ApiError::NotFound(format!(
                    "network {key:?}: more than one network has an ID starting so; give more"
                ))),
                _ => Err(ApiError::NotFound(format!("network {key} not found"))),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A network as Docker's inspect and list show it, with the containers attached.
fn view(
    n: &libpod::network::Network,
    attached: &[(
        libpod::state::ContainerConfig,
        libpod::state::ContainerState,
    )],
) -> Value {
    let config: Vec<Value> = n
        .subnets
        .iter()
        .map(|s| json!({"Subnet": s.subnet, "Gateway": s.gateway.clone().unwrap_or_default()}))
        .collect();
    let mut containers = serde_json::Map::new();
    for (cfg, st) in attached {
        if let Some(ns) = st.networks.iter().find(|s| s.network == n.name) {
            let addr = |v6: bool| {
                ns.addresses
                    .iter()
                    .find(|a| a.contains(':') == v6)
                    .cloned()
                    .unwrap_or_default()
            };
            containers.insert(
                cfg.id.clone(),
                json!({
                    "Name": cfg.name,
                    "EndpointID": "",
                    "MacAddress": ns.mac.clone().unwrap_or_default(),
                    "IPv4Address": addr(false),
                    "IPv6Address": addr(true),
                }),
            );
        }
    }
    json!({
        "Name": n.name,
        "Id": n.id,
        "Created": n.created,
        "Scope": "local",
        "Driver": n.driver,
        "EnableIPv6": n.ipv6_enabled,
        "IPAM": {"Driver": "default", "Options": n.ipam_options, "Config": config},
        "Internal": n.internal,
        "Attachable": false,
        "Ingress": false,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": false,
        "Containers": containers,
        "Options": n.options,
        "Labels": n.labels,
    })
}

/// `GET /networks?filters=`.
pub(crate) async fn list(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let filters = q
        .filters()?
        .into_iter()
        .map(|(k, v)| {
            format!("{k}={v}")
                .parse::<libpod::NetworkFilter>()
                .map_err(|e| ApiError::BadRequest(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let rt = ctx.rt.clone();
    let out = blocking(move || {
        let (nets, _) = rt.filter_networks(&filters)?;
        let all = rt.containers()?;
        Ok(nets.iter().map(|n| view(n, &all)).collect::<Vec<_>>())
    })
    .await?;
    Ok(json(200, &out))
}

/// `GET /networks/{id}`.
pub(crate) async fn inspect(ctx: &Arc<Ctx>, key: &str) -> Result<Reply> {
    let (rt, key) = (ctx.rt.clone(), key.to_string());
    let out = blocking(move || {
        let n = find(&rt, &key)?;
        Ok(view(&n, &rt.containers()?))
    })
    .await?;
    Ok(json(200, &out))
}

/// One `IPAM.Config` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct IpamConfig {
    subnet: String,
    #[serde(rename = "IPRange")]
    ip_range: String,
    gateway: String,
}

/// `IPAM`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Ipam {
    config: Option<Vec<IpamConfig>>,
}

/// The body of a network create.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct CreateBody {
    name: String,
    driver: String,
    internal: bool,
    #[serde(rename = "EnableIPv6")]
    enable_ipv6: bool,
    #[serde(rename = "IPAM")]
    ipam: Option<Ipam>,
    options: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
}

/// `POST /networks/create`: 201 `{"Id", "Warning"}`; 409 when the name is taken.
pub(crate) async fn create(ctx: &Arc<Ctx>, body: Incoming) -> Result<Reply> {
    let b: CreateBody = read_json(body).await?;
    if b.name.is_empty() {
        return Err(ApiError::BadRequest(
            "network create: Name is required".into(),
        ));
    }
    let cfgs = b.ipam.and_then(|i| i.config).unwrap_or_default();
    let pick = |f: fn(&IpamConfig) -> &String| -> Vec<String> {
        cfgs.iter()
            .map(f)
            .filter(|s| !s.is_empty())
            .cloned()
            .collect()
    };
    let subnets = libpod::subnet_requests(
        &pick(|c| &c.subnet),
        &pick(|c| &c.gateway),
        &pick(|c| &c.ip_range),
    )
    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let mut options = b.options.unwrap_or_default();
    // Docker's own bridge options mean nothing here; podman drops them too.
    options.retain(|k, _| !k.starts_with("com.docker.network."));
    let req = libpod::network::NetworkCreate {
        name: b.name.clone(),
        subnets,
        ipv6: b.enable_ipv6,
        internal: b.internal,
        labels: b.labels.unwrap_or_default(),
        driver: if b.driver.is_empty() {
            "bridge".into()
        } else {
            b.driver
        },
        options,
        ..Default::default()
    };
    let rt = ctx.rt.clone();
    let name = b.name;
    let n = blocking(move || match rt.network(&name) {
        Ok(_) => Err(ApiError::Conflict(format!(
            "network with name {name} already exists"
        ))),
        Err(e) if e.is_not_found() => Ok(rt.create_network(&req)?),
        Err(e) => Err(e.into()),
    })
    .await?;
    Ok(json(201, &json!({"Id": n.id, "Warning": ""})))
}

/// `DELETE /networks/{id}`.
pub(crate) async fn remove(ctx: &Arc<Ctx>, key: &str) -> Result<Reply> {
    let (rt, key) = (ctx.rt.clone(), key.to_string());
    blocking(move || {
        let n = find(&rt, &key)?;
        let mut report = rt.remove_networks(&[n.name], &libpod::RemoveOptions::default());
        match report.failed.pop() {
            Some((_, e)) => Err(e.into()),
            None => Ok(empty(204)),
        }
    })
    .await
}

/// `EndpointConfig` of a connect.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct Endpoint {
    aliases: Option<Vec<String>>,
    #[serde(rename = "IPAMConfig")]
    ipam_config: Option<BTreeMap<String, String>>,
    mac_address: String,
}

/// The body of a connect or disconnect.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct ConnectBody {
    container: String,
    endpoint_config: Option<Endpoint>,
}

/// `POST /networks/{id}/connect` and `/disconnect`.
pub(crate) async fn connect(ctx: &Arc<Ctx>, key: &str, body: Incoming, on: bool) -> Result<Reply> {
    let b: ConnectBody = read_json(body).await?;
    let ep = b.endpoint_config.unwrap_or_default();
    let ips: Vec<String> = ep
        .ipam_config
        .iter()
        .flatten()
        .filter(|(k, v)| matches!(k.as_str(), "IPv4Address" | "IPv6Address") && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    let mac = Some(ep.mac_address).filter(|m| !m.is_empty());
    let opts = libpod::connect_options(&ips, mac.as_deref(), &ep.aliases.unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let (rt, key) = (ctx.rt.clone(), key.to_string());
    blocking(move || {
        let n = find(&rt, &key)?;
        let c = rt.container(&b.container)?;
        if on {
            c.connect_network_with(&n.name, &opts)?;
        } else {
            c.disconnect_network(&n.name)?;
        }
        Ok(empty(200))
    })
    .await
}

/// `POST /networks/prune`.
pub(crate) async fn prune(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let gone = blocking(move || Ok(rt.prune_networks()?)).await?;
    Ok(json(200, &json!({"NetworksDeleted": gone})))
}
