//! `GET /images/json` in the Docker API's shape.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::body::{Reply, json};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// One entry of `GET /images/json`.
pub(crate) fn summary(img: &libpod::storage::Image) -> Value {
    let tags: Vec<String> = if img.names.is_empty() {
        vec!["<none>:<none>".into()]
    } else {
        img.names.clone()
    };
    let digests: Vec<String> = img
        .names
        .iter()
        .map(|n| {
            let repo = n
                .rsplit_once(':')
                .filter(|(_, t)| !t.contains('/'))
                .map_or(n.as_str(), |(r, _)| r);
            format!("{repo}@{}", img.manifest_digest)
        })
        .collect();
    json!({
        "Id": format!("sha256:{}", img.id),
        "ParentId": "",
        "RepoTags": tags,
        "RepoDigests": digests,
        "Created": img.created / 1_000_000_000,
        "Size": img.size,
        "VirtualSize": img.size,
        "SharedSize": -1,
        "Labels": img.config.labels,
        "Containers": -1,
    })
}

/// An image as Docker's inspect shows it.
fn inspect_view(img: &libpod::storage::Image) -> Value {
    let c = &img.config;
    let exposed: serde_json::Map<String, Value> = c
        .exposed_ports
        .iter()
        .map(|p| (p.clone(), json!({})))
        .collect();
    let volumes: serde_json::Map<String, Value> =
        c.volumes.iter().map(|v| (v.clone(), json!({}))).collect();
    let (os, arch) = img
        .platform
        .split_once('/')
        .unwrap_or(("linux", &img.platform));
    let mut v = summary(img);
    v["Created"] = json!(libpod::rfc3339_nano(img.created));
    if img.names.is_empty() {
        v["RepoTags"] = json!([]);
    }
    for (k, val) in [
        ("Parent", json!("")),
        ("Comment", json!("")),
        ("Os", json!(os)),
        ("Architecture", json!(arch)),
        (
            "Config",
            json!({
                "Env": c.env,
                "Cmd": c.cmd,
                "Entrypoint": c.entrypoint,
                "WorkingDir": c.working_dir.clone().unwrap_or_default(),
                "User": c.user.clone().unwrap_or_default(),
                "Labels": c.labels,
                "ExposedPorts": exposed,
                "Volumes": volumes,
                "StopSignal": c.stop_signal.clone().unwrap_or_default(),
            }),
        ),
        (
            "RootFS",
            json!({"Type": "layers", "Layers": img.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()}),
        ),
    ] {
        v[k] = val;
    }
    v
}

/// `GET /images/{name}/json` (the name may hold slashes; `sha256:` IDs too).
pub(crate) async fn inspect(ctx: &Arc<Ctx>, name: String) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let img = blocking(move || {
        let key = name.strip_prefix("sha256:").unwrap_or(&name);
        rt.image(key).map_err(|e| {
            if e.is_not_found() {
                ApiError::NotFound(format!("No such image: {name}"))
            } else {
                e.into()
            }
        })
    })
    .await?;
    Ok(json(200, &inspect_view(&img)))
}

/// `GET /images/json`.
pub(crate) async fn list(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let images = blocking(move || Ok(rt.images()?)).await?;
    Ok(json(200, &images.iter().map(summary).collect::<Vec<_>>()))
}
