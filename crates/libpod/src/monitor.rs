//! Starting a container's health monitor (see `health.rs` for what it does).

use std::process::Stdio;

use crate::runtime::Inner;

/// Starts the container's health monitor, if it has a periodic healthcheck and the runtime a
/// monitor command; in a process group of its own, so the starting command's end or a
/// terminal's signals leave it running.
pub(crate) fn spawn_monitor(inner: &Inner, cfg: &libpod_state::ContainerConfig) {
    let (Some(hc), Some((program, args))) = (&cfg.healthcheck, &inner.health_monitor) else {
        return;
    };
    if hc.interval < 0 {
        return;
    }
    if let Err(e) = spawn_helper(program, args, &cfg.id) {
        tracing::warn!(container = %cfg.id, error = %e, "health monitor not started");
    }
}

/// Starts `program args... last` detached: no stdio, a process group of its own (so the
/// starter's end or a terminal's signals leave it running), reaped by a thread so a
/// long-lived embedder keeps no zombie.
pub(crate) fn spawn_helper(
    program: &std::path::Path,
    args: &[String],
    last: &str,
) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new(program)
        .args(args)
        .arg(last)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}
