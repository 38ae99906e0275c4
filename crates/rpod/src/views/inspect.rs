//! `inspect` of a container, with podman's field names.

use super::*;

/// `.State.Health` of a container's inspect (null without a healthcheck).
fn health_item(st: &ContainerState) -> Value {
    let Some(h) = &st.health else {
        return Value::Null;
    };
    json!({
        "Status": h.status.as_str(),
        "FailingStreak": h.failing_streak,
        "Log": h.log.iter().map(|l| json!({
            "Start": libpod::rfc3339_nano(l.start),
            "End": libpod::rfc3339_nano(l.end),
            "ExitCode": l.exit_code,
            "Output": l.output,
        })).collect::<Vec<_>>(),
    })
}

/// `.Config.Healthcheck` as podman shows it (durations in ns; `StartPeriod` only when set).
fn healthcheck_item(h: &libpod::config::HealthConfig) -> Value {
    let mut v = json!({
        "Test": h.test,
        "Timeout": h.timeout_ns(),
        "Retries": h.retries_or_default(),
    });
    // `--health-interval disable` leaves it out, as podman.
    if h.interval >= 0 {
        v["Interval"] = json!(h.interval_ns());
    }
    if h.start_period > 0 {
        v["StartPeriod"] = json!(h.start_period);
    }
    v
}

/// The `HostConfig` fields of what a container may do and use.
fn limits_host_config(cfg: &ContainerConfig) -> Value {
    let r = &cfg.resources;
    let rates = |v: &[libpod::config::DeviceRate]| {
        (!v.is_empty()).then(|| {
            v.iter()
                .map(|d| json!({"Path": d.path, "Rate": d.rate}))
                .collect::<Vec<_>>()
        })
    };
    json!({
        "Ulimits": cfg.ulimits.iter().map(|u| json!({"Name": u.oci_name(), "Soft": u.soft, "Hard": u.hard})).collect::<Vec<_>>(),
        "Devices": cfg.devices.iter().map(|d| json!({"PathOnHost": d.host, "PathInContainer": d.container, "CgroupPermissions": d.permissions})).collect::<Vec<_>>(),
        "DeviceCgroupRules": (!cfg.device_cgroup_rules.is_empty()).then_some(&cfg.device_cgroup_rules),
        "SecurityOpt": cfg.security.as_podman_opts(),
        "Sysctls": (!cfg.sysctls.is_empty()).then_some(&cfg.sysctls),
        "CpuQuota": r.cpu_quota.unwrap_or(0),
        "CpuPeriod": r.cpu_period.unwrap_or(0),
        "NanoCpus": match (r.cpu_quota, r.cpu_period) {
            (Some(q), Some(p)) if p > 0 => q.max(0) as u64 * 1_000_000_000 / p,
            _ => 0,
        },
        "CpusetCpus": r.cpuset_cpus.clone().unwrap_or_default(),
        "CpusetMems": r.cpuset_mems.clone().unwrap_or_default(),
        "MemoryReservation": r.memory_reservation.unwrap_or(0),
        "MemorySwap": r.memory_swap.unwrap_or(0),
        // podman: -1 (unset) once any memory setting exists, else 0.
        "MemorySwappiness": r.memory_swappiness.map_or_else(
            || if r.memory.is_some() || r.memory_reservation.is_some() || r.memory_swap.is_some() { -1 } else { 0 },
            |s| s as i64,
        ),
        "BlkioWeight": r.blkio_weight.unwrap_or(0),
        "BlkioDeviceReadBps": rates(&r.device_read_bps),
        "BlkioDeviceWriteBps": rates(&r.device_write_bps),
        "BlkioDeviceReadIOps": rates(&r.device_read_iops),
        "BlkioDeviceWriteIOps": rates(&r.device_write_iops),
        "ShmSize": cfg.shm_size.unwrap_or(libpod::config::DEFAULT_SHM_SIZE),
        "PidMode": cfg.namespaces.pid.as_podman_mode(),
        "IpcMode": cfg.namespaces.ipc.as_podman_mode(),
        "UTSMode": cfg.namespaces.uts.as_podman_mode(),
        "CgroupMode": cfg.namespaces.cgroup.as_podman_mode(),
        "UsernsMode": cfg.userns.mode.as_podman_mode(),
        "Dns": cfg.dns.servers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "DnsSearch": cfg.dns.search,
        "DnsOptions": cfg.dns.options,
        "ExtraHosts": cfg.extra_hosts.iter().map(|h| h.as_podman()).collect::<Vec<_>>(),
        "CgroupParent": cfg.cgroup_parent.clone().unwrap_or_default(),
        "GroupAdd": cfg.group_add,
    })
}

/// `HostConfig.PortBindings`: each published port, and each `--expose` one without a
/// binding as null, as podman shows them.
fn port_bindings(cfg: &ContainerConfig) -> serde_json::Map<String, Value> {
    let mut out: serde_json::Map<String, Value> = cfg
        .expose
        .iter()
        .flat_map(|e| e.keys())
        .map(|k| (k, Value::Null))
        .collect();
    out.extend(published(&cfg.ports));
    out
}

/// Published ports as podman's `PortBindings` map (`"80/tcp": [{HostIp, HostPort}]`).
pub fn published(ports: &[libpod::state::PortMapping]) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for p in ports {
        for i in 0..p.range.max(1) {
            out.insert(
                format!("{}/{}", p.container_port + i, p.protocol),
                json!([{"HostIp": p.host_ip, "HostPort": (p.host_port + i).to_string()}]),
            );
        }
    }
    out
}

/// `HostConfig` of a container's inspect.
fn host_config(cfg: &ContainerConfig) -> Value {
    let mut v = limits_host_config(cfg);
    // Only a container with mappings has them, as podman shows it.
    if let Some(m) = &cfg.userns.mappings {
        v["IDMappings"] = json!({ "UidMap": m.podman_uids(), "GidMap": m.podman_gids() });
    }
    let rest = json!({
        "Memory": cfg.resources.memory.unwrap_or(0),
        "PidsLimit": cfg.resources.pids.unwrap_or(0),
        "CpuShares": cfg.resources.cpu_shares.unwrap_or(0),
        "Privileged": cfg.privileged,
        "ReadonlyRootfs": cfg.read_only,
        "AutoRemove": cfg.auto_remove,
        "Init": cfg.init_path.is_some(),
        "CapAdd": cfg.cap_add,
        "CapDrop": cfg.cap_drop,
        "LogConfig": {
            "Type": cfg.log_driver.map_or("k8s-file", |d| d.as_str()),
            "Config": null,
            "Path": cfg.log_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
            "Tag": cfg.log_tag.clone().unwrap_or_default(),
            "Size": cfg.log_size_max.map_or("0B".to_string(), |n| crate::format::size_digits(n, 4)),
        },
        "OomKillDisable": cfg.resources.oom_kill_disable,
        "OomScoreAdj": cfg.resources.oom_score_adj.unwrap_or(0),
        "RestartPolicy": {
            "Name": match cfg.restart_policy {
                libpod::state::RestartPolicy::No => "",
                p => p.as_str(),
            },
            "MaximumRetryCount": cfg.restart_retries,
        },
        "NetworkMode": network_mode(&cfg.network),
        "PortBindings": port_bindings(cfg),
        // podman 4.3 turns -P into bindings at create and shows false.
        "PublishAllPorts": false,
    });
    if let (Some(v), Value::Object(rest)) = (v.as_object_mut(), rest) {
        v.extend(rest);
    }
    v
}

/// `podman inspect` of a container, with podman's field names.
pub fn inspect_container(
    cfg: &ContainerConfig,
    st: &ContainerState,
    image: Option<&Image>,
    log_path: &str,
    userdata: &std::path::Path,
    mounts: Vec<Value>,
) -> Value {
    let mut cmd = command(cfg, image);
    if cfg.init_path.is_some() {
        // As podman: the process is the init, the command its arguments.
        cmd.splice(0..0, [libpod::oci::INIT_PATH.to_string(), "--".to_string()]);
    }
    let ports: serde_json::Map<String, Value> = cfg
        .ports
        .iter()
        .flat_map(|p| {
            (0..p.range.max(1)).map(move |i| {
                (
                    format!("{}/{}", p.container_port + i, p.protocol),
                    json!([{"HostIp": p.host_ip, "HostPort": (p.host_port + i).to_string()}]),
                )
            })
        })
        .collect();
    let first = st.networks.first();
    let addr = |n: &libpod::state::NetworkStatus| {
        n.addresses
            .first()
            .map(|a| a.split('/').next().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    let prefix = |n: &libpod::state::NetworkStatus| {
        n.addresses
            .first()
            .and_then(|a| a.split('/').nth(1))
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let networks: serde_json::Map<String, Value> = st
        .networks
        .iter()
        .map(|n| (n.network.clone(), json!({"IPAddress": addr(n), "IPPrefixLen": prefix(n), "Gateway": n.gateway.clone().unwrap_or_default(), "MacAddress": n.mac.clone().unwrap_or_default(), "NetworkID": n.network})))
        .collect();
    json!({
        "Id": cfg.id,
        "Created": rfc3339(cfg.created),
        "Path": cmd.first().cloned().unwrap_or_default(),
        "Args": cmd.iter().skip(1).collect::<Vec<_>>(),
        "State": {
            "OciVersion": "1.0.2-dev",
            "Status": st.status.as_str(),
            "Running": st.status == S::Running,
            "Paused": st.status == S::Paused,
            "Restarting": false,
            "OOMKilled": st.oom_killed,
            "Dead": false,
            "Pid": st.pid.unwrap_or(0),
            "ConmonPid": st.conmon_pid.unwrap_or(0),
            "ExitCode": st.exit_code.unwrap_or(0),
            "Error": "",
            "StartedAt": st.started_at.map(rfc3339).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
            "FinishedAt": st.finished_at.map(rfc3339).unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
            "Health": health_item(st),
        },
        "Image": cfg.image_id,
        "ImageName": cfg.image_name,
        "Rootfs": cfg.rootfs.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
        "Pod": cfg.pod.clone().unwrap_or_default(),
        "ResolvConfPath": userdata.join("resolv.conf"),
        "HostnamePath": userdata.join("hostname"),
        "HostsPath": userdata.join("hosts"),
        "Name": cfg.name,
        "RestartCount": st.restart_count,
        "Driver": "overlay",
        "OCIRuntime": cfg.oci_runtime,
        "LogPath": log_path,
        "IsInfra": cfg.is_infra,
        "Mounts": mounts,
        "NetworkSettings": {
            "IPAddress": first.map(addr).unwrap_or_default(),
            "IPPrefixLen": first.map(prefix).unwrap_or(0),
            "Gateway": first.and_then(|n| n.gateway.clone()).unwrap_or_default(),
            "MacAddress": first.and_then(|n| n.mac.clone()).unwrap_or_default(),
            "Ports": ports,
            "Networks": networks,
            "SandboxKey": st.netns_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
        },
        "Config": {
            "Hostname": cfg.hostname.clone().unwrap_or_else(|| cfg.id[..12].to_string()),
            "User": cfg.user.clone().unwrap_or_default(),
            "Env": image.map(|i| i.config.env.clone()).unwrap_or_default().into_iter().chain(cfg.env.clone()).collect::<Vec<_>>(),
            "Cmd": if cfg.command.is_empty() { image.and_then(|i| i.config.cmd.clone()) } else { Some(cfg.command.clone()) },
            "Entrypoint": cfg.entrypoint.clone().or_else(|| image.and_then(|i| i.config.entrypoint.clone())),
            "Image": cfg.image_name,
            "WorkingDir": cfg.workdir.clone().or_else(|| image.and_then(|i| i.config.working_dir.clone())).unwrap_or_else(|| "/".into()),
            "Labels": cfg.labels,
            "Healthcheck": cfg.healthcheck.as_ref().map(healthcheck_item),
            "Timeout": cfg.timeout.unwrap_or(0),
            "StopSignal": cfg.stop_signal,
            "StopTimeout": cfg.stop_timeout,
            "Tty": cfg.tty,
            "OpenStdin": cfg.stdin,
            "Annotations": cfg.annotations,
            "Timezone": cfg.timezone.clone().unwrap_or_default(),
            "Umask": format!("{:04o}", cfg.umask.unwrap_or(0o022)),
        },
        "HostConfig": host_config(cfg),
    })
}
