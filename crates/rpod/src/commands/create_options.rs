//! `create`/`run` flags as the library's `ContainerOptions`.

use super::*;

pub(super) fn options(a: &CreateArgs) -> Result<ContainerOptions> {
    let mut env = Vec::new();
    for f in &a.env_file {
        env.extend(parse::env_file(f)?);
    }
    for e in &a.env {
        // `-e NAME` takes the host's value; unset on the host, it is left out (as podman).
        if e.contains('=') {
            env.push(e.clone());
        } else if let Ok(v) = std::env::var(e) {
            env.push(format!("{e}={v}"));
        }
    }
    use libpod::mount_spec::{parse_mount_flag, parse_tmpfs_flag, parse_volume_flag};
    // `--mount` before `-v`, as podman reads them (the order `inspect` shows).
    let mounts = a
        .mount
        .iter()
        .map(|m| parse_mount_flag(m))
        .chain(a.volume.iter().map(|v| parse_volume_flag(v)))
        .chain(a.tmpfs.iter().map(|t| parse_tmpfs_flag(t)))
        .collect::<libpod::Result<Vec<_>>>()?;
    let (network, network_options) = libpod::parse_network(&a.network)?;
    let statics = a.addresses.options(&[])?;
    let entrypoint = a.entrypoint.as_ref().map(|e| {
        if e.trim_start().starts_with('[') {
            serde_json::from_str::<Vec<String>>(e)
                .map_err(|_| anyhow!("--entrypoint {e:?}: not a JSON array of strings"))
        } else {
            Ok(vec![e.clone()])
        }
    });
    let (log_size_max, log_path, log_tag) = libpod::parse_log_opts(&a.log_opt)?;
    let (restart_policy, restart_retries) =
        libpod::parse_restart_policy(a.restart.as_deref().unwrap_or("no"))?;
    let mut o = ContainerOptions {
        health: health_options(a)?,
        init: a.init || a.init_path.is_some(),
        init_path: a.init_path.clone(),
        replace: a.replace,
        log_driver: a
            .log_driver
            .as_deref()
            .map(|d| d.parse::<libpod::config::LogDriver>())
            .transpose()
            .map_err(|e| anyhow!("--log-driver: {e}"))?,
        log_path,
        log_size_max,
        log_tag,
        timeout: a.timeout,
        cap_add: a.cap_add.clone(),
        cap_drop: a.cap_drop.clone(),
        pidfile: a.pidfile.clone(),
        conmon_pidfile: a.conmon_pidfile.clone(),
        restart_policy,
        restart_retries,
        image: a.image.clone(),
        name: a.name.clone(),
        command: a.command.clone(),
        entrypoint: entrypoint.transpose()?,
        env,
        workdir: a.workdir.clone(),
        user: a.user.clone(),
        hostname: a.hostname.clone(),
        mounts,
        network,
        network_options,
        static_ips: statics.ips,
        static_mac: statics.mac,
        ports: a
            .publish
            .iter()
            .map(|p| libpod::parse_publish(p))
            .collect::<libpod::Result<_>>()?,
        labels: parse::labels(&a.label),
        stop_signal: a
            .stop_signal
            .as_deref()
            .map(libpod::parse_signal)
            .transpose()?,
        stop_timeout: a.stop_timeout,
        auto_remove: a.rm,
        pod: a.pod.clone(),
        resources: limits::create_resources(a)?,
        read_only: a.read_only,
        privileged: a.privileged,
        requires: a.requires.clone(),
        image_volume: a.image_volume.parse()?,
        volumes_from: a.volumes_from.clone(),
        tty: a.tty,
        stdin: a.interactive,
        rootfs: None,
        ..ContainerOptions::default()
    };
    limits::apply(a, &mut o)?;
    Ok(o)
}

/// The `--health-*` flags as the library's options.
fn health_options(a: &CreateArgs) -> Result<libpod::HealthOptions> {
    let dur = |flag: &str, v: &Option<String>| -> Result<Option<i64>> {
        match v.as_deref() {
            None => Ok(None),
            Some("disable") if flag == "--health-interval" => Ok(Some(-1)),
            Some(s) => libpod::parse_go_duration(s)
                .map(Some)
                .ok_or_else(|| anyhow!("{flag} {s:?}: not a duration such as 30s or 1m")),
        }
    };
    let on_failure = match a.health_on_failure.as_str() {
        "none" => libpod::state::HealthOnFailure::None,
        "kill" => libpod::state::HealthOnFailure::Kill,
        "restart" => libpod::state::HealthOnFailure::Restart,
        "stop" => libpod::state::HealthOnFailure::Stop,
        other => bail!("invalid healthcheck action {other:?}: none, kill, restart or stop"),
    };
    Ok(libpod::HealthOptions {
        test: a
            .health_cmd
            .as_deref()
            .map(libpod::parse_health_cmd)
            .transpose()?,
        interval: dur("--health-interval", &a.health_interval)?,
        timeout: dur("--health-timeout", &a.health_timeout)?,
        start_period: dur("--health-start-period", &a.health_start_period)?,
        retries: a.health_retries,
        on_failure,
        disabled: a.no_healthcheck,
    })
}
