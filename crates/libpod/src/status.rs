//! A container's status kept true: its lock, the sync from conmon's exit file, and the
//! cleanup of what a stopped container holds. Below `container`, `steps` and `create`, which
//! all use it.

use std::fs;

use libpod_state::{ContainerConfig, ContainerState, ContainerStatus as S};

use crate::error::{LibpodError, Result};
use crate::runtime::Inner;
use crate::trace::span;

/// Nanoseconds since the epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// The error for an operation the container's status does not allow.
pub(crate) fn status_err(id: &str, st: S, op: &'static str, hint: &'static str) -> LibpodError {
    LibpodError::InvalidStatus {
        id: id.to_string(),
        status: st.to_string(),
        op,
        hint,
    }
}

/// Holds a container's lock.
pub(crate) fn lock(inner: &Inner, cfg: &ContainerConfig) -> Result<libpod_lock::LockGuard> {
    match inner.locks.retrieve(cfg.lock) {
        Ok(l) => Ok(l.lock()?),
        // Another process (conmon's exit command, say) removed the container, freeing its
        // lock, after `cfg` was read: report it gone, as the state does, so callers that
        // accept a removed container (`run --rm`) do.
        Err(e @ libpod_lock::LockError::NotAllocated(_)) => {
            inner.state.container(&cfg.id)?;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Finishes a container whose process is gone: runtime state, network, namespace, mounts.
/// Unconditional and idempotent, so it also finishes what a killed process left half done
/// (resources it made but never recorded in the state).
pub(crate) fn cleanup(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) {
    cleanup_with(inner, cfg, st, || ());
}

/// Releases what a stopped container holds, running `more` while the OCI runtime deletes its
/// state: `runtime delete` is a process of its own and the slowest step, and nothing else
/// here depends on it.
pub(crate) fn cleanup_with<T>(
    inner: &Inner,
    cfg: &ContainerConfig,
    st: &mut ContainerState,
    more: impl FnOnce() -> T,
) -> T {
    let _t = span("cleanup (runtime delete, network teardown, unmount)");
    // Only a process known to have ended (its exit file is there) is deleted in parallel; one
    // whose conmon died may still run, and `delete --force` must kill it before its mounts and
    // files go.
    let ended = libpod_oci::read_exit_code(&inner.paths(&cfg.id).exit_dir, &cfg.id).is_some();
    if !ended {
        let _ = inner.exec.delete(&cfg.id, true);
    }
    std::thread::scope(|s| {
        let delete = s.spawn(|| {
            if ended {
                let _ = inner.exec.delete(&cfg.id, true);
            }
        });
        let _ = inner.net.teardown(&cfg.id);
        st.networks.clear();
        let ns = st
            .netns_path
            .take()
            .unwrap_or_else(|| inner.net.netns_dir().join(format!("rpod-{}", cfg.id)));
        let _ = libpod_network::remove_netns(&ns);
        st.mount_point = None;
        crate::volume_mounts::release(inner, st);
        crate::volume_mounts::release_overlays(inner, &cfg.id);
        if cfg.rootfs.is_none() {
            let _ = inner.store.unmount(&cfg.id, true);
        }
        st.pid = None;
        st.conmon_pid = None;
        let r = more();
        let _ = delete.join();
        r
    })
}

/// Brings the state up to date with the exit file (and a dead conmon), releasing what the
/// container held when it has exited.
pub(crate) fn sync(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<bool> {
    let exited = record_exit(inner, cfg, st);
    if exited {
        cleanup(inner, cfg, st);
        crate::event_record::container(inner, crate::events::EventStatus::Cleanup, cfg);
        inner.state.save_container_state(&cfg.id, st)?;
        inner
            .state
            .add_exit_code(&cfg.id, st.exit_code.unwrap_or(-1), now())?;
    }
    Ok(exited)
}

/// Notes in `st` an exit seen in the exit file (or a dead conmon); nothing is saved or
/// released yet. True when the container was found to have exited.
pub(crate) fn record_exit(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> bool {
    if !matches!(st.status, S::Running | S::Paused | S::Created | S::Stopped) {
        return false;
    }
    let paths = inner.paths(&cfg.id);
    let mut code = libpod_oci::read_exit_code(&paths.exit_dir, &cfg.id);
    let conmon_gone = st.conmon_pid.is_some_and(|p| !libpod_oci::pid_alive(p));
    if conmon_gone && code.is_none() {
        // conmon writes the exit file, then exits: it may have done both since the first look.
        code = libpod_oci::read_exit_code(&paths.exit_dir, &cfg.id);
    }
    if code.is_none() && !conmon_gone && st.status != S::Stopped {
        return false;
    }
    if code.is_none() && st.status == S::Created && !conmon_gone {
        return false;
    }
    st.exit_code = Some(code.unwrap_or(-1));
    st.finished_at = Some(
        fs::metadata(paths.exit_dir.join(&cfg.id))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or_else(now, |d| d.as_nanos() as i64),
    );
    st.status = S::Exited;
    // conmon leaves `oom` in its persist dir when the kernel's OOM killer ended the process.
    st.oom_killed = paths.persist_dir.join("oom").exists();
    crate::event_record::died(inner, cfg, st.exit_code.unwrap_or(-1));
    true
}
