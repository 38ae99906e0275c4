//! Starting a container's health monitor (see `health.rs` for what it does).

use std::process::Stdio;

use crate::runtime::Inner;

/// Starts the container's health monitor, if it has a periodic healthcheck and the runtime a
/// monitor command; in a process group of its own, so the starting command's end or a
/// terminal's signals leave it running.
pub(crate) fn spawn_monitor(inner: &Inner, cfg: &libpod_state::ContainerConfig) {
    use std::os::unix::process::CommandExt;
    let (Some(hc), Some((program, args))) = (&cfg.healthcheck, &inner.health_monitor) else {
        return;
    };
    if hc.interval < 0 {
        return;
    }
    let spawned = std::process::Command::new(program)
        .args(args)
        .arg(&cfg.id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    match spawned {
        // Reaped by a thread, so a long-lived embedder keeps no zombie.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => tracing::warn!(container = %cfg.id, error = %e, "health monitor not started"),
    }
}
