//! info, system, `container` subcommands and version.

use super::*;

/// info, system, container and version.
pub(super) fn system_cmd(rt: &Runtime, cmd: Command, t: &mut Trace) -> Result<i32> {
    let _ = &t;
    match cmd {
        Command::Info { format } => {
            let info = serde_json::to_value(rt.info()?)?;
            // podman: one object for json, its YAML-style report without --format.
            match format.as_deref() {
                Some(f) => print!("{}", crate::format::output_one(&info, f)?),
                None => print!("{}", crate::format::yaml(&info)),
            }
            Ok(0)
        }
        Command::System(sc) => match sc {
            SystemCommand::Events(a) => super::events::events(rt, &a),
            // Building the runtime refreshed it after the boot and started what comes back.
            SystemCommand::Boot => Ok(0),
            SystemCommand::Df { format } => {
                let du = rt.disk_usage()?;
                let items: Vec<Value> = [
                    ("Images", du.images),
                    ("Containers", du.containers),
                    ("Local Volumes", du.volumes),
                ]
                .iter()
                .map(|(t, s)| views::usage_item(t, s))
                .collect();
                let f = format.as_deref().unwrap_or(
                    "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
                );
                print!("{}", output(&items, f, &[])?);
                Ok(0)
            }
            SystemCommand::Service { time, uri } => service(rt, time, uri),
            SystemCommand::Reset { force } => {
                confirm(force, "this removes every container, pod and image")?;
                rt.reset()?;
                Ok(0)
            }
            SystemCommand::Prune {
                all,
                force,
                volumes,
            } => {
                confirm(
                    force,
                    "this removes stopped containers, pods without running containers, and unused images",
                )?;
                let report = rt.prune(&libpod::PruneOptions {
                    all_images: all,
                    volumes,
                })?;
                for id in report
                    .pods
                    .iter()
                    .chain(&report.containers)
                    .chain(&report.images)
                    .chain(&report.volumes)
                {
                    println!("{id}");
                }
                Ok(0)
            }
            SystemCommand::Migrate { new_state_backend } => {
                let b: StateBackend = new_state_backend.parse().map_err(|e| {
                    anyhow!("--new-state-backend {new_state_backend}: expected {e}")
                })?;
                let file = rt.migrate_state(b)?;
                println!(
                    "state copied to {b}{}; set `[engine] database_backend = \"{b}\"` (or --state-backend {b}) to use it",
                    file.map(|f| format!(" ({})", f.display()))
                        .unwrap_or_default()
                );
                Ok(0)
            }
        },
        Command::Container(ContainerCommand::Exists { container }) => {
            match rt.container(&container) {
                Ok(_) => Ok(0),
                Err(e) if e.is_not_found() => Ok(1),
                Err(e) => Err(e.into()),
            }
        }
        Command::Container(ContainerCommand::Execsession { session }) => {
            rt.run_exec_session(&session)?;
            Ok(0)
        }
        Command::Container(ContainerCommand::Healthmonitor { container }) => {
            match rt.health_monitor(&container) {
                Ok(()) => Ok(0),
                Err(e) if e.is_not_found() => Ok(0),
                Err(e) => Err(e.into()),
            }
        }
        Command::Container(ContainerCommand::Cleanup { container }) => {
            match rt.cleanup_container(&container) {
                // Removed meanwhile by whoever waited for it: nothing left to clean.
                Ok(()) => Ok(0),
                Err(e) if e.is_not_found() => Ok(0),
                Err(e) => Err(e.into()),
            }
        }
        Command::Version { .. } | Command::Completion { .. } | Command::Unshare { .. } => Ok(0),
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}

/// `system service`: the REST API until idle for `time` seconds (0: never) or a SIGTERM.
fn service(rt: &Runtime, time: u64, uri: Option<String>) -> Result<i32> {
    let endpoint = match uri {
        Some(u) => u.parse()?,
        None => libpod_api::default_endpoint(),
    };
    if let libpod_api::Endpoint::Tcp(_) = endpoint {
        tracing::warn!(
            "Using the API service with TCP sockets is not recommended: anyone who can reach \
             it can run containers as this user; see `rpod system service --help`"
        );
    }
    let opts = libpod_api::ServiceOptions {
        idle_timeout: (time > 0).then(|| std::time::Duration::from_secs(time)),
        ..Default::default()
    };
    libpod_api::serve(rt.clone(), &endpoint, opts)?;
    Ok(0)
}
