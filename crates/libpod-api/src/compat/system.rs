//! `_ping`, `version` and `info` in the Docker API's shapes.

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::HeaderValue;
use serde_json::json;

use crate::body::{Body, Reply, json};
use crate::ctx::{Ctx, blocking};
use crate::error::Result;
use crate::{DOCKER_API_VERSION, DOCKER_MIN_API_VERSION, LIBPOD_API_VERSION};

/// `GET|HEAD /_ping`: `OK`, with the headers clients negotiate the version from.
pub(crate) fn ping() -> Reply {
    let mut r = hyper::Response::new(Body::Full(Some(Bytes::from_static(b"OK"))));
    let h = r.headers_mut();
    for (k, v) in [
        ("API-Version", DOCKER_API_VERSION),
        ("Libpod-API-Version", LIBPOD_API_VERSION),
        ("Docker-Experimental", "false"),
        ("Ostype", "linux"),
        ("Cache-Control", "no-cache"),
        ("Pragma", "no-cache"),
        ("Content-Type", "text/plain; charset=utf-8"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    r
}

/// `GET /version`.
pub(crate) async fn version(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let info = blocking(move || Ok(rt.info()?)).await?;
    let (h, v) = (&info.host, &info.version);
    let details = json!({
        "APIVersion": LIBPOD_API_VERSION,
        "Arch": h.arch,
        "Experimental": "false",
        "KernelVersion": h.kernel,
        "MinAPIVersion": "4.0.0",
        "Os": v.os,
    });
    Ok(json(
        200,
        &json!({
            "Platform": {"Name": format!("{}/{}/{}", v.os, h.arch, h.distribution)},
            "Components": [{"Name": "Podman Engine", "Version": v.version, "Details": details}],
            "Version": v.version,
            "ApiVersion": DOCKER_API_VERSION,
            "MinAPIVersion": DOCKER_MIN_API_VERSION,
            "GitCommit": "",
            "GoVersion": "",
            "Os": v.os,
            "Arch": h.arch,
            "KernelVersion": h.kernel,
            "BuildTime": "",
        }),
    ))
}

/// `GET /info`.
pub(crate) async fn info(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let info = blocking(move || Ok(rt.info()?)).await?;
    let (h, s) = (&info.host, &info.store);
    let runtime = &h.oci_runtime;
    Ok(json(
        200,
        &json!({
            "ID": h.boot_id,
            "Containers": s.containers_total,
            "ContainersRunning": s.containers_running,
            "ContainersPaused": s.containers_paused,
            "ContainersStopped": s.containers_stopped,
            "Images": s.storage.images,
            "Driver": s.storage.driver,
            "DriverStatus": [["Backing Filesystem", s.storage.backing_filesystem]],
            "DockerRootDir": s.storage.graph_root,
            "NCPU": h.cpus,
            "MemTotal": h.mem_total,
            "OperatingSystem": h.distribution,
            "OSType": "linux",
            "Architecture": h.arch,
            "KernelVersion": h.kernel,
            "Name": h.hostname,
            "ServerVersion": info.version.version,
            "CgroupDriver": h.cgroup_manager,
            "CgroupVersion": h.cgroup_version.to_string(),
            "DefaultRuntime": runtime.name,
            "Runtimes": {runtime.name.clone(): {"path": runtime.path}},
            "Plugins": {
                "Volume": info.plugins.volume,
                "Network": info.plugins.network,
                "Log": info.plugins.log,
            },
            "RegistryConfig": {"IndexConfigs": {}, "InsecureRegistryCIDRs": []},
            "SecurityOptions": ["name=seccomp,profile=default"],
            "Labels": [],
            "ExperimentalBuild": false,
            "LiveRestoreEnabled": false,
            "Swarm": {"LocalNodeState": "inactive"},
            "Warnings": [],
        }),
    ))
}

/// `GET /system/df`: what images, containers and volumes take, as Docker's totals (the
/// per-object lists are left empty).
pub(crate) async fn df(ctx: &Arc<Ctx>) -> Result<Reply> {
    let rt = ctx.rt.clone();
    let (du, images, containers, volumes) = blocking(move || {
        let all = libpod::ListOptions {
            all: true,
            ..Default::default()
        };
        Ok((
            rt.disk_usage()?,
            rt.images()?,
            rt.list_containers(&all)?,
            rt.volumes()?,
        ))
    })
    .await?;
    let volumes: Vec<_> = volumes
        .iter()
        .map(|(c, _)| {
            let mut v = super::volumes::view(c);
            v["UsageData"] = json!({"Size": -1, "RefCount": -1});
            v
        })
        .collect();
    Ok(json(
        200,
        &json!({
            "LayersSize": du.images.size,
            "Images": images.iter().map(super::images::summary).collect::<Vec<_>>(),
            "Containers": containers.iter().map(|(c, s)| super::containers::summary(c, s)).collect::<Vec<_>>(),
            "Volumes": volumes,
            "BuildCache": [],
        }),
    ))
}

/// `POST /auth`: checks credentials with the registry (recorded nowhere: the client keeps
/// them, as with Docker).
pub(crate) async fn auth(ctx: &Arc<Ctx>, body: hyper::body::Incoming) -> Result<Reply> {
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Auth {
        username: String,
        password: String,
        serveraddress: String,
    }
    let a: Auth = crate::body::read_json(body).await?;
    if a.username.is_empty() || a.serveraddress.is_empty() {
        return Err(crate::error::ApiError::BadRequest(
            "username and serveraddress are required".into(),
        ));
    }
    let rt = ctx.rt.clone();
    blocking(move || {
        let scratch = tempfile::NamedTempFile::new()
            .map_err(|e| crate::error::ApiError::io("a scratch auth file", e))?;
        let registry = a
            .serveraddress
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let access = libpod::RegistryAccess {
            auth_file: Some(scratch.path().to_path_buf()),
            ..Default::default()
        };
        rt.login(&registry, &a.username, &a.password, &access)
            .map_err(|e| crate::error::ApiError::Unauthorized(e.to_string()))?;
        Ok(json(
            200,
            &json!({"Status": "Login Succeeded", "IdentityToken": ""}),
        ))
    })
    .await
}
