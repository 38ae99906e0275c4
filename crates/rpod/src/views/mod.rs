//! podman-shaped views of containers, images, pods and networks: the JSON `inspect` and
//! `--format json` print (podman's field names), and the fields templates can use.

use libpod::network::Network;
use libpod::state::{
    ContainerConfig, ContainerState, ContainerStatus as S, MountKind, NetworkMode, PortMapping,
    VolumeConfig, VolumeState,
};
use libpod::storage::Image;
use serde_json::{Value, json};

mod inspect;

pub use inspect::{inspect_container, published};

use crate::format::{ago, duration, rfc3339, size};

/// podman's status line: `Up 5 seconds`, `Exited (0) 3 seconds ago`, `Created`.
pub fn status_line(st: &ContainerState) -> String {
    match st.status {
        S::Running => match &st.health {
            Some(h) => format!(
                "Up {} ago ({})",
                duration(st.started_at.unwrap_or(0)),
                h.status.as_str()
            ),
            None => format!("Up {} ago", duration(st.started_at.unwrap_or(0))),
        },
        S::Paused => "Paused".into(),
        S::Exited | S::Stopped => format!(
            "Exited ({}) {}",
            st.exit_code.unwrap_or(0),
            ago(st.finished_at.unwrap_or(0))
        ),
        S::Created => "Created".into(),
        S::Configured => "Created".into(),
        S::Removing => "Removing".into(),
    }
}

/// `0.0.0.0:8080->80/tcp, ...` as podman prints ports.
pub fn ports_line(ports: &[PortMapping]) -> String {
    ports
        .iter()
        .map(|p| {
            let ip = if p.host_ip.is_empty() {
                "0.0.0.0"
            } else {
                &p.host_ip
            };
            if p.range > 1 {
                format!(
                    "{ip}:{}-{}->{}-{}/{}",
                    p.host_port,
                    p.host_port + p.range - 1,
                    p.container_port,
                    p.container_port + p.range - 1,
                    p.protocol
                )
            } else {
                format!("{ip}:{}->{}/{}", p.host_port, p.container_port, p.protocol)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn network_mode(n: &NetworkMode) -> String {
    libpod::network_mode_name(n)
}

/// The command line of a container as podman shows it.
pub fn command(cfg: &ContainerConfig, image: Option<&Image>) -> Vec<String> {
    let ep = cfg
        .entrypoint
        .clone()
        .or_else(|| image.and_then(|i| i.config.entrypoint.clone()))
        .unwrap_or_default();
    let cmd = if !cfg.command.is_empty() {
        cfg.command.clone()
    } else if cfg.entrypoint.is_some() {
        vec![]
    } else {
        image.and_then(|i| i.config.cmd.clone()).unwrap_or_default()
    };
    ep.into_iter().chain(cmd).collect()
}

/// `ps --size`'s column: `5.14kB (virtual 1.98MB)`.
pub fn size_line(s: &libpod::storage::ContainerSize) -> String {
    let compact = |b| size(b).replace(' ', "");
    format!("{} (virtual {})", compact(s.rw), compact(s.root_fs))
}

/// One `ps` row: podman's JSON keys plus the template fields (`ID`, `Names`, `Status`...).
pub fn ps_item(
    cfg: &ContainerConfig,
    st: &ContainerState,
    image: Option<&Image>,
    pod_name: &str,
    with_json: bool,
) -> Value {
    let cmd = command(cfg, image);
    let line = cmd.join(" ");
    // The table's COMMAND, cut as podman cuts it (`--no-trunc` shows it whole).
    let short: String = if line.chars().count() > 17 {
        format!("{}...", line.chars().take(17).collect::<String>())
    } else {
        line.clone()
    };
    // What `--format json` prints: podman's fields and types (`json_form` prints it); built
    // only when asked for, as a table of 200 rows would pay for it.
    let as_json = if !with_json {
        Value::Null
    } else {
        json!({
            "AutoRemove": cfg.auto_remove,
            "Command": cmd,
            "CreatedAt": ago(cfg.created),
            "Exited": matches!(st.status, S::Exited | S::Stopped),
            "ExitedAt": st.finished_at.map_or(-62_135_596_800, |t| t / 1_000_000_000),
            "ExitCode": st.exit_code.unwrap_or(0),
            "Id": cfg.id,
            "Image": cfg.image_name,
            "ImageID": cfg.image_id,
            "IsInfra": cfg.is_infra,
            "Labels": if cfg.labels.is_empty() { Value::Null } else { json!(cfg.labels) },
            "Mounts": cfg.mounts.iter().map(|m| m.destination.clone()).collect::<Vec<_>>(),
            "Names": [cfg.name],
            "Namespaces": {},
            "Networks": st.networks.iter().map(|n| n.network.clone()).collect::<Vec<_>>(),
            "Pid": st.pid.unwrap_or(0),
            "Pod": cfg.pod.clone().unwrap_or_default(),
            "PodName": pod_name,
            "Ports": cfg.ports.iter().map(|p| json!({"host_ip": p.host_ip, "container_port": p.container_port, "host_port": p.host_port, "range": p.range, "protocol": p.protocol})).collect::<Vec<_>>(),
            "Size": Value::Null,
            "StartedAt": st.started_at.map_or(-62_135_596_800, |t| t / 1_000_000_000),
            "State": st.status.as_str(),
            "Status": status_line(st),
            "Created": cfg.created / 1_000_000_000,
        })
    };
    let mut v = json!({
        "Id": cfg.id,
        "ID": &cfg.id[..12],
        "Image": cfg.image_name,
        "ImageID": cfg.image_id,
        "Command": short,
        "CommandLine": line,
        "Created": crate::format::go_time(cfg.created),
        "CreatedAt": crate::format::go_time(cfg.created),
        "CreatedHuman": ago(cfg.created),
        "RunningFor": ago(cfg.created),
        // Templates' `.State` is the status line, as podman's; JSON has the name (`ps_json`).
        "State": status_line(st),
        "Status": status_line(st),
        "ExitCode": st.exit_code.unwrap_or(0),
        "Exited": matches!(st.status, S::Exited | S::Stopped),
        "Pid": st.pid.unwrap_or(0),
        "Names": cfg.name,
        "NamesList": [cfg.name],
        "Pod": cfg.pod.clone().unwrap_or_default(),
        "PodName": pod_name,
        "IsInfra": cfg.is_infra,
        "Ports": ports_line(&cfg.ports),
        "Labels": cfg.labels,
        "StartedAt": st.started_at.unwrap_or(0) / 1_000_000_000,
        "ExitedAt": st.finished_at.unwrap_or(0) / 1_000_000_000,
        "Networks": st.networks.iter().map(|n| n.network.clone()).collect::<Vec<_>>(),
    });
    if with_json {
        v["__json"] = as_json;
    }
    v
}

fn repo_tag(name: &str) -> (String, String) {
    match name.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
        _ => (name.to_string(), "<none>".to_string()),
    }
}

/// `images` rows: one per name (or one `<none>` row), podman's JSON keys plus template fields.
pub fn image_items(img: &Image, containers: usize) -> Vec<Value> {
    let names: Vec<String> = if img.names.is_empty() {
        vec!["<none>:<none>".into()]
    } else {
        img.names.clone()
    };
    let digest = img.manifest_for(None, None).0;
    // What `images --format json` prints: podman's fields, one object per image.
    let as_json = json!({
        "Id": img.id,
        "ParentId": "",
        "RepoTags": Value::Null,
        "RepoDigests": img.names.iter().map(|n| format!("{}@{digest}", repo_tag(n).0)).collect::<Vec<_>>(),
        "Size": img.size,
        "SharedSize": 0,
        "VirtualSize": img.size,
        "Labels": if img.config.labels.is_empty() { Value::Null } else { json!(img.config.labels) },
        "Containers": containers,
        "Names": img.names,
        "Digest": digest,
        "History": img.names,
        "Created": img.created / 1_000_000_000,
        "CreatedAt": crate::format::rfc3339_secs(img.created),
    });
    names
        .iter()
        .map(|n| {
            let (repo, tag) = repo_tag(n);
            // Templates see podman's template fields: human sizes and times.
            json!({
                "__json": as_json,
                "Id": img.id,
                "ID": &img.id[..12],
                "Repository": repo,
                "Tag": tag,
                "Names": img.names,
                "RepoTags": img.names,
                "Digest": img.manifest_for(Some(n.as_str()), None).0,
                "Created": ago(img.created),
                "CreatedAt": crate::format::go_time(img.created),
                "CreatedSince": ago(img.created),
                "Size": size(img.size),
                "SizeHuman": size(img.size),
                "VirtualSize": size(img.size),
                "Labels": img.config.labels,
                "Containers": containers,
            })
        })
        .collect()
}

/// `REPO@DIGEST` for each repository the image is named in and each manifest it has, as
/// podman lists them.
fn repo_digests(img: &libpod::storage::Image) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in &img.names {
        for d in img.manifest_digests() {
            let rd = format!("{}@{d}", repo_tag(n).0);
            if !out.contains(&rd) {
                out.push(rd);
            }
        }
    }
    out
}

/// `image inspect`, with podman's field names (empty config fields left out, as podman's
/// `omitempty` does).
pub fn inspect_image(d: &libpod::ImageDetails) -> Value {
    let img = &d.image;
    let (os, arch) = img.platform.split_once('/').unwrap_or(("linux", "amd64"));
    let c = &img.config;
    let mut config = serde_json::Map::new();
    let mut put = |k: &str, v: Value, empty: bool| {
        if !empty {
            config.insert(k.into(), v);
        }
    };
    let set = |v: &[String]| {
        v.iter()
            .map(|p| (p.clone(), json!({})))
            .collect::<serde_json::Map<_, _>>()
    };
    put(
        "User",
        json!(c.user),
        c.user.as_deref().unwrap_or("").is_empty(),
    );
    put(
        "ExposedPorts",
        json!(set(&c.exposed_ports)),
        c.exposed_ports.is_empty(),
    );
    put("Env", json!(c.env), c.env.is_empty());
    put("Entrypoint", json!(c.entrypoint), c.entrypoint.is_none());
    put("Cmd", json!(c.cmd), c.cmd.is_none());
    put("Volumes", json!(set(&c.volumes)), c.volumes.is_empty());
    put(
        "WorkingDir",
        json!(c.working_dir),
        c.working_dir.as_deref().unwrap_or("").is_empty(),
    );
    put("Labels", json!(c.labels), c.labels.is_empty());
    put(
        "StopSignal",
        json!(c.stop_signal),
        c.stop_signal.as_deref().unwrap_or("").is_empty(),
    );
    let history: Vec<Value> = d
        .history
        .iter()
        .map(|h| {
            let mut v = json!({"created": h.created, "created_by": h.created_by});
            if !h.author.is_empty() {
                v["author"] = json!(h.author);
            }
            if !h.comment.is_empty() {
                v["comment"] = json!(h.comment);
            }
            if h.empty_layer {
                v["empty_layer"] = json!(true);
            }
            v
        })
        .collect();
    let mut v = json!({
        "Id": img.id,
        "Digest": img.manifest_digest,
        "RepoTags": img.names,
        "RepoDigests": repo_digests(img),
        "Created": rfc3339(img.created),
        "Config": config,
        "Version": "",
        "Author": d.author,
        "Architecture": arch,
        "Os": os,
        "Size": img.size,
        "VirtualSize": img.size,
        "RootFS": {"Type": "layers", "Layers": img.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
        "Labels": if c.labels.is_empty() { Value::Null } else { json!(c.labels) },
        "Annotations": d.annotations,
        "ManifestType": d.manifest_type,
        "User": c.user.clone().unwrap_or_default(),
        "History": history,
        "NamesHistory": img.names,
    });
    if let Some(p) = &d.parent {
        v["Parent"] = json!(p);
    }
    // podman shows an image's healthcheck beside its config, zero durations left out.
    if let Some(h) = &c.healthcheck {
        let mut hc = json!({"Test": h.test});
        for (k, n) in [
            ("Interval", h.interval),
            ("Timeout", h.timeout),
            ("StartPeriod", h.start_period),
        ] {
            if n != 0 {
                hc[k] = json!(n);
            }
        }
        if h.retries != 0 {
            hc["Retries"] = json!(h.retries);
        }
        v["Healthcheck"] = hc;
    }
    if !d.comment.is_empty() {
        v["Comment"] = json!(d.comment);
    }
    v
}

/// A network as `network ls` and `network inspect` print it (podman 4 field names).
pub fn network_item(n: &Network) -> Value {
    let as_json = serde_json::to_value(n).unwrap_or_default();
    let mut v = as_json.clone();
    v["ID"] = json!(n.id.get(..12).unwrap_or(&n.id));
    v["__json"] = as_json;
    v
}

/// One volume as podman's `volume inspect` and `volume ls` show it.
pub fn volume_item(v: &VolumeConfig, st: &VolumeState) -> Value {
    let mut as_json = json!({
        "Name": v.name,
        "Driver": v.driver,
        "Mountpoint": v.mount_point,
        "CreatedAt": libpod::rfc3339_nano(v.created),
        "Labels": v.labels,
        "Scope": "local",
        "Options": v.options,
        "MountCount": st.mount_count,
        "NeedsCopyUp": st.needs_copy_up,
        "NeedsChown": st.needs_chown,
    });
    if let Some(u) = v.uid {
        as_json["UID"] = json!(u);
    }
    if let Some(g) = v.gid {
        as_json["GID"] = json!(g);
    }
    if v.anonymous {
        as_json["Anonymous"] = json!(true);
    }
    let mut item = as_json.clone();
    for k in ["UID", "GID"] {
        if item.get(k).is_none() {
            item[k] = json!(0);
        }
    }
    item["Anonymous"] = json!(v.anonymous);
    item["__json"] = as_json;
    item
}

/// A container's mounts as podman's `inspect` lists them (volumes, then bind mounts, each in
/// the order given; tmpfs left out), volumes with their data directories (`mount_point` of a
/// volume name).
pub fn mount_items(
    cfg: &ContainerConfig,
    mount_point: impl Fn(&str) -> Option<std::path::PathBuf>,
) -> Vec<Value> {
    const PROPAGATION: [&str; 6] = [
        "shared", "slave", "private", "rshared", "rslave", "rprivate",
    ];
    let mut mounts: Vec<&libpod::state::Mount> = cfg
        .mounts
        .iter()
        .filter(|m| !matches!(m.kind, MountKind::Tmpfs | MountKind::Devpts))
        .collect();
    mounts.sort_by_key(|m| m.kind != MountKind::Volume);
    mounts
        .into_iter()
        .map(|m| {
            let propagation = m
                .options
                .iter()
                .find(|o| PROPAGATION.contains(&o.as_str()))
                .map_or("rprivate", String::as_str);
            let mut options: Vec<&str> = m
                .options
                .iter()
                .map(String::as_str)
                .filter(|o| !["ro", "rw"].contains(o) && !PROPAGATION.contains(o))
                .collect();
            let rw = !m.options.iter().any(|o| o == "ro");
            if m.kind == MountKind::Image {
                return json!({
                    "Type": "image", "Source": m.source, "Destination": m.destination,
                    "Driver": "", "Mode": "", "Options": ["ro", "nosuid", "nodev"],
                    "RW": false, "Propagation": "rprivate",
                });
            }
            if m.kind == MountKind::Volume {
                for o in ["nosuid", "nodev"] {
                    if !options.contains(&o) {
                        options.push(o);
                    }
                }
                options.push("rbind");
                json!({
                    "Type": "volume", "Name": m.source,
                    "Source": mount_point(&m.source).unwrap_or_default(),
                    "Destination": m.destination, "Driver": "local", "Mode": "",
                    "Options": options, "RW": rw, "Propagation": propagation,
                })
            } else {
                options.push("rbind");
                json!({
                    "Type": "bind", "Source": m.source, "Destination": m.destination,
                    "Driver": "", "Mode": "", "Options": options, "RW": rw,
                    "Propagation": propagation,
                })
            }
        })
        .collect()
}

/// One `system df` line, with podman's four-digit sizes (`6.548MB`, `0B (0%)`).
pub fn usage_item(kind: &str, s: &libpod::UsageSummary) -> Value {
    let pct = if s.size == 0 {
        0
    } else {
        (s.reclaimable as f64 * 100.0 / s.size as f64).round() as u64
    };
    json!({
        "Type": kind,
        "Total": s.total,
        "Active": s.active,
        "Size": crate::format::size_digits(s.size, 4),
        "Reclaimable": format!("{} ({pct}%)", crate::format::size_digits(s.reclaimable, 4)),
        "RawSize": s.size,
        "RawReclaimable": s.reclaimable,
    })
}

/// One event as podman's `events` prints it without `--format`.
pub fn event_line(e: &libpod::events::Event) -> String {
    use libpod::events::EventType as T;
    let head = format!("{} {} {}", crate::format::go_time(e.time), e.kind, e.status);
    match e.kind {
        T::Container | T::Pod => {
            let mut s = format!("{head} {} (image={}, name={}", e.id, e.image, e.name);
            if !e.pod_id.is_empty() {
                s.push_str(&format!(", pod_id={}", e.pod_id));
            }
            if !e.health_status.is_empty() {
                s.push_str(&format!(", health_status={}", e.health_status));
            }
            for (k, v) in e.attributes.iter().flatten() {
                s.push_str(&format!(", {k}={v}"));
            }
            s + ")"
        }
        T::Network => format!("{head} {} (container={}, name={})", e.id, e.id, e.network),
        T::Image => format!("{head} {} {}", e.id, e.name),
        T::System if e.name.is_empty() => head,
        T::System | T::Volume => format!("{head} {}", e.name),
    }
}

/// An event's fields for `--format` templates, as podman names them.
pub fn event_item(e: &libpod::events::Event) -> Value {
    json!({
        "ContainerExitCode": e.exit_code,
        "ID": e.id,
        "Image": e.image,
        "Name": e.name,
        "Network": e.network,
        "Status": e.status.as_str(),
        "Time": crate::format::go_time(e.time),
        "TimeNano": e.time,
        "Type": e.kind.as_str(),
        "HealthStatus": e.health_status,
        "PodID": e.pod_id,
        "Attributes": e.attributes,
    })
}
