//! Containers: creation, and a lifecycle with libpod's states. Every operation takes the
//! container's lock and first syncs its state from conmon's exit file, so processes acting on
//! one container agree; every step that allocates something undoes it when a later one fails.

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use libpod_oci::LogLine;
use libpod_state::{ContainerConfig, ContainerState, ContainerStatus as S};
use nix::sys::signal::Signal;

use crate::error::{LibpodError, Result};
use crate::options::LogOptions;
use crate::runtime::{Inner, Runtime};
use crate::status::{cleanup_with, lock, now, record_exit, status_err, sync};
use crate::steps::{init, start, stop};
use crate::trace::span;

/// A container of a runtime. Cheap to clone.
///
/// ```no_run
/// use libpod::{ContainerOptions, RemoveOptions, Runtime};
/// let rt = Runtime::builder().build()?;
/// let web = rt.create_container(ContainerOptions {
///     image: "busybox".into(),
///     name: Some("web".into()),
///     command: vec!["httpd".into(), "-f".into()],
///     ..Default::default()
/// })?;
/// web.start()?;
/// let code = web.stop(Some(5))?;
/// println!("web exited with {code:?}");
/// let report = rt.remove_containers(&["web".into()], &RemoveOptions::default());
/// assert!(report.failed.is_empty());
/// # Ok::<(), libpod::LibpodError>(())
/// ```
#[derive(Clone)]
pub struct Container {
    pub(crate) rt: Runtime,
    pub(crate) id: String,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Container({})", self.id)
    }
}

/// Parses a signal as podman takes it: `SIGTERM`, `TERM`, `term` or `15`.
pub fn parse_signal(s: &str) -> Result<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n)
            .map(|s| s as i32)
            .map_err(|_| LibpodError::Invalid(format!("invalid signal {s}")));
    }
    let up = s.to_ascii_uppercase();
    let name = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    Signal::from_str(&name)
        .map(|s| s as i32)
        .map_err(|_| LibpodError::Invalid(format!("invalid signal {s}")))
}

impl Container {
    /// The full ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.rt.inner
    }

    /// The immutable configuration.
    pub fn config(&self) -> Result<ContainerConfig> {
        let _g = self.inner().guard()?;
        Ok(self.inner().state.container(&self.id)?)
    }

    /// The current state, synced with the exit file.
    pub fn state(&self) -> Result<ContainerState> {
        let _g = self.inner().guard()?;
        let cfg = self.inner().state.container(&self.id)?;
        let _l = lock(self.inner(), &cfg)?;
        let mut st = self.inner().state.container_state(&self.id)?;
        sync(self.inner(), &cfg, &mut st)?;
        Ok(st)
    }

    /// Runs `f` with the lock held and the state synced, then saves the state it leaves.
    pub(crate) fn locked<T>(
        &self,
        f: impl FnOnce(&Inner, &ContainerConfig, &mut ContainerState) -> Result<T>,
    ) -> Result<T> {
        let inner = self.inner();
        let _g = inner.guard()?;
        let cfg = inner.state.container(&self.id)?;
        let _l = lock(inner, &cfg)?;
        let mut st = inner.state.container_state(&self.id)?;
        sync(inner, &cfg, &mut st)?;
        let r = f(inner, &cfg, &mut st);
        inner.state.save_container_state(&self.id, &st)?;
        r
    }

    /// Prepares the container in the OCI runtime (mount, network, bundle, conmon): `created`.
    pub fn init(&self) -> Result<()> {
        self.locked(|inner, cfg, st| match st.status {
            S::Configured | S::Exited | S::Stopped => init(inner, cfg, st),
            S::Created => Ok(()),
            s => Err(status_err(&cfg.id, s, "init", "stop it first")),
        })
    }

    /// Starts the container (initialising it first when needed); starting a running one is a
    /// no-op. Its dependencies start first, as podman does: a pod member's infra container, the
    /// container whose network it joins, and those it requires.
    pub fn start(&self) -> Result<()> {
        let cfg = self.config()?;
        for dep in &cfg.dependencies {
            let dep = Container {
                rt: self.rt.clone(),
                id: dep.clone(),
            };
            if !matches!(dep.state()?.status, S::Running | S::Paused) {
                dep.start()?;
            }
        }
        self.locked(start)
    }

    /// Stops the container: its stop signal, then SIGKILL after `timeout` seconds (default:
    /// its stop timeout). Stopping a stopped container is a no-op. Returns the exit code.
    pub fn stop(&self, timeout: Option<u32>) -> Result<Option<i32>> {
        let inner = self.inner();
        let _g = inner.guard()?;
        Self::stop_unguarded(inner, &self.id, timeout)
    }

    pub(crate) fn stop_unguarded(
        inner: &Inner,
        id: &str,
        timeout: Option<u32>,
    ) -> Result<Option<i32>> {
        let cfg = inner.state.container(id)?;
        let auto_remove = cfg.auto_remove;
        let code = {
            let _l = lock(inner, &cfg)?;
            let mut st = inner.state.container_state(id)?;
            sync(inner, &cfg, &mut st)?;
            if matches!(st.status, S::Running | S::Paused | S::Created) {
                st.stopped_by_user = true;
                crate::event_record::container(inner, crate::events::EventStatus::Stop, &cfg);
            }
            let r = stop(inner, &cfg, &mut st, timeout);
            inner.state.save_container_state(id, &st)?;
            r?;
            st.exit_code
        };
        if auto_remove {
            Self::remove_unguarded(inner, id, false, None)?;
        }
        Ok(code)
    }

    /// Sends a signal to the container's process.
    pub fn kill(&self, signal: i32) -> Result<()> {
        self.locked(|inner, cfg, st| match st.status {
            S::Running | S::Paused => {
                // Whatever the signal does, a restart policy does not undo it.
                st.stopped_by_user = true;
                inner.exec.kill(&cfg.id, signal, false)?;
                crate::event_record::container(inner, crate::events::EventStatus::Kill, cfg);
                Ok(())
            }
            s => Err(status_err(&cfg.id, s, "kill", "it is not running")),
        })
    }

    /// Gives the container a new name (`rename`), running or not; the name must be free
    /// among containers and pods.
    pub fn rename(&self, new_name: &str) -> Result<()> {
        self.locked(|inner, cfg, _| {
            inner.state.rename_container(&cfg.id, new_name)?;
            let renamed = ContainerConfig {
                name: new_name.to_string(),
                ..cfg.clone()
            };
            crate::event_record::container(inner, crate::events::EventStatus::Rename, &renamed);
            Ok(())
        })
    }

    /// Freezes the container.
    pub fn pause(&self) -> Result<()> {
        self.locked(|inner, cfg, st| match st.status {
            S::Running => {
                inner.exec.pause(&cfg.id)?;
                st.status = S::Paused;
                crate::event_record::container(inner, crate::events::EventStatus::Pause, cfg);
                Ok(())
            }
            s => Err(status_err(
                &cfg.id,
                s,
                "pause",
                "only a running container can be paused",
            )),
        })
    }

    /// Thaws the container.
    pub fn unpause(&self) -> Result<()> {
        self.locked(|inner, cfg, st| match st.status {
            S::Paused => {
                inner.exec.unpause(&cfg.id)?;
                st.status = S::Running;
                crate::event_record::container(inner, crate::events::EventStatus::Unpause, cfg);
                Ok(())
            }
            s => Err(status_err(&cfg.id, s, "unpause", "it is not paused")),
        })
    }

    /// Stops (if running) and starts the container again.
    pub fn restart(&self, timeout: Option<u32>) -> Result<()> {
        self.locked(|inner, cfg, st| {
            if matches!(st.status, S::Running | S::Paused) {
                stop(inner, cfg, st, timeout)?;
            }
            st.restart_count += 1;
            crate::event_record::container(inner, crate::events::EventStatus::Restart, cfg);
            start(inner, cfg, st)
        })
    }

    /// Starts the container again for its restart policy, unless something happened since
    /// the exit that ended at `finished_at` (a start, a stop, a removal).
    pub(crate) fn restart_by_policy(&self, finished_at: Option<i64>) -> Result<()> {
        self.locked(|inner, cfg, st| {
            if st.finished_at != finished_at || !crate::should_restart(cfg, st) {
                return Ok(());
            }
            st.restart_count += 1;
            crate::event_record::container(inner, crate::events::EventStatus::Restart, cfg);
            start(inner, cfg, st)
        })
    }

    /// Waits for the container to exit and returns its exit code; the lock is not held while
    /// waiting, so other processes can act on it. A container created with auto-removal is
    /// removed before this returns.
    pub fn wait(&self) -> Result<i32> {
        Ok(self.wait_while(|| false)?.unwrap_or(-1))
    }

    /// [`Container::wait`] for a caller that may stop caring (an API client that went away):
    /// `gone` is asked at least every half second, and `Ok(None)` returned once it says so.
    pub fn wait_while(&self, gone: impl Fn() -> bool) -> Result<Option<i32>> {
        let auto_remove = self.config()?.auto_remove;
        loop {
            let (status, code, conmon, pid) = {
                let st = self.state()?;
                (st.status, st.exit_code, st.conmon_pid, st.pid)
            };
            match status {
                S::Exited | S::Stopped => return Ok(Some(code.unwrap_or(-1))),
                S::Configured => {
                    return Err(status_err(&self.id, status, "wait", "start it first"));
                }
                _ => {}
            }
            if gone() {
                return Ok(None);
            }
            let paths = self.inner().paths(&self.id);
            let _t = span("wait: the container's exit file");
            let pids = libpod_oci::Pids {
                conmon: conmon.unwrap_or(0),
                container: pid.unwrap_or(0),
            };
            let slice = Some(Duration::from_millis(500));
            match libpod_oci::wait_exit(&self.id, &paths.exit_dir, pids, slice) {
                // Removing at once is faster than waiting for conmon's exit command to do it.
                Ok(code) if auto_remove => {
                    return match self.remove(false) {
                        Ok(()) => Ok(Some(code)),
                        Err(e) if e.is_not_found() => Ok(Some(code)),
                        Err(e) => Err(e),
                    };
                }
                Ok(_)
                | Err(libpod_oci::OciError::Conmon { .. })
                | Err(libpod_oci::OciError::Timeout { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The processes running in the container, one row each under a header row, in the
    /// columns `descriptors` name as podman's `top` does (`pid`, `user`, `args`, `%C`, ...;
    /// none means podman's default set).
    pub fn top(&self, descriptors: &[String]) -> Result<Vec<Vec<String>>> {
        let columns = crate::top::descriptors(descriptors)?;
        let st = self.state()?;
        let pid = match (st.status, st.pid) {
            (S::Running | S::Paused, Some(pid)) => pid,
            (s, _) => return Err(status_err(&self.id, s, "top", "start it first")),
        };
        let rootfs = st.mount_point.unwrap_or_default();
        crate::top::table(pid, &rootfs, &columns)
    }

    /// The container's log lines.
    pub fn logs(&self, opts: &LogOptions) -> Result<Vec<LogLine>> {
        let _g = self.inner().guard()?;
        let cfg = self.config()?;
        let mut lines = libpod_oci::read_log(&crate::logs::log_file(self.inner(), &cfg)?)?;
        if opts.since.is_some() || opts.until.is_some() {
            // Compared as times, not text: conmon writes offsets, a filter may be in UTC.
            lines.retain(|l| {
                let t = libpod_storage::time::parse(&l.time).unwrap_or(0);
                opts.since.is_none_or(|s| t >= s) && opts.until.is_none_or(|u| t <= u)
            });
        }
        if let Some(n) = opts.tail {
            let skip = lines.len().saturating_sub(n);
            lines.drain(..skip);
        }
        Ok(lines)
    }

    /// Calls `f` for every log line, then for new ones as they come, until the container exits.
    pub fn follow_logs(&self, opts: &LogOptions, mut f: impl FnMut(&LogLine)) -> Result<()> {
        self.follow_logs_while(
            opts,
            |l| {
                f(l);
                std::ops::ControlFlow::Continue(())
            },
            || false,
        )
    }

    /// [`Container::follow_logs`] that also ends when `f` breaks or `gone` says the reader
    /// went away (asked at least every 200 ms, even while the container is silent).
    pub fn follow_logs_while(
        &self,
        opts: &LogOptions,
        mut f: impl FnMut(&LogLine) -> std::ops::ControlFlow<()>,
        gone: impl Fn() -> bool,
    ) -> Result<()> {
        let mut seen = 0;
        loop {
            let exited = matches!(self.state()?.status, S::Exited | S::Stopped | S::Configured);
            let lines = self.logs(&LogOptions {
                since: opts.since,
                until: opts.until,
                tail: None,
            })?;
            let start = if seen == 0 {
                opts.tail.map_or(0, |n| lines.len().saturating_sub(n))
            } else {
                seen
            };
            for l in lines.iter().skip(start) {
                if f(l).is_break() {
                    return Ok(());
                }
            }
            seen = lines.len().max(start);
            if exited || gone() {
                return Ok(());
            }
            // Woken by conmon writing the log or the exit file, whichever comes first.
            let paths = self.inner().paths(&self.id);
            let st = self.state()?;
            let pids = libpod_oci::Pids {
                conmon: st.conmon_pid.unwrap_or(0),
                container: st.pid.unwrap_or(0),
            };
            match libpod_oci::wait_exit(
                &self.id,
                &paths.exit_dir,
                pids,
                Some(Duration::from_millis(200)),
            ) {
                Ok(_)
                | Err(libpod_oci::OciError::Timeout { .. })
                | Err(libpod_oci::OciError::Conmon { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Mounts the root filesystem (counted) and returns where.
    pub fn mount(&self) -> Result<PathBuf> {
        self.locked(|inner, cfg, _| {
            let p = match &cfg.rootfs {
                Some(p) => p.clone(),
                None => inner.store.mount(&cfg.id)?,
            };
            crate::event_record::container(inner, crate::events::EventStatus::Mount, cfg);
            Ok(p)
        })
    }

    /// Drops one mount of the root filesystem.
    pub fn unmount(&self) -> Result<()> {
        self.locked(|inner, cfg, _| {
            if cfg.rootfs.is_none() {
                inner.store.unmount(&cfg.id, false)?;
            }
            crate::event_record::container(inner, crate::events::EventStatus::Unmount, cfg);
            Ok(())
        })
    }

    /// Writes the container's filesystem as a tarball.
    pub fn export(&self, out: impl Write) -> Result<()> {
        self.locked(|inner, cfg, _| Ok(inner.store.export_container(&cfg.id, out)?))
    }

    /// What changed in its filesystem, leaving out what the runtime mounts over (`/etc/hosts`,
    /// `/proc`, ...) and the container's own mount points, as podman's `diff` does.
    pub fn changes(&self) -> Result<Vec<libpod_storage::Change>> {
        self.locked(|inner, cfg, _| {
            let mut changes = inner.store.changes(&cfg.id)?;
            changes.retain(|c| {
                !crate::images::RUNTIME_MOUNTS.contains(&c.path.as_str())
                    && !cfg.mounts.iter().any(|m| m.destination == c.path)
            });
            Ok(changes)
        })
    }

    /// Removes the container; a running one only with `force` (stopped first).
    pub fn remove(&self, force: bool) -> Result<()> {
        let inner = self.inner();
        let _g = inner.guard()?;
        Self::remove_unguarded(inner, &self.id, force, None)
    }

    /// Its disk use: the writable layer, and that plus its image (`ps --size`).
    pub fn size(&self) -> Result<libpod_storage::ContainerSize> {
        let inner = self.inner();
        let _g = inner.guard()?;
        Ok(inner.store.container_size(&self.id)?)
    }

    /// The IDs of the containers that depend on this one (join its namespaces or require it).
    pub fn dependents(&self) -> Result<Vec<String>> {
        let _g = self.inner().guard()?;
        Ok(self.inner().state.container_dependents(&self.id)?)
    }

    /// Removes the container as `remove` does; a running one (with `force`) gets `timeout`
    /// seconds after its stop signal before SIGKILL, instead of its own stop timeout.
    pub fn remove_with_timeout(&self, force: bool, timeout: Option<u32>) -> Result<()> {
        let inner = self.inner();
        let _g = inner.guard()?;
        Self::remove_unguarded(inner, &self.id, force, timeout)
    }

    /// Removes the container as `opts` say: `force` and `timeout` as for
    /// `remove_with_timeout`, and with `volumes` its anonymous volumes too (`rm -v`; a
    /// `--rm` container always loses them). A volume another container still mounts stays.
    pub fn remove_with(&self, opts: &crate::RemoveOptions) -> Result<()> {
        let inner = self.inner();
        let _g = inner.guard()?;
        Self::remove_full(inner, &self.id, opts.force, opts.timeout, opts.volumes)
    }

    pub(crate) fn remove_unguarded(
        inner: &Inner,
        id: &str,
        force: bool,
        timeout: Option<u32>,
    ) -> Result<()> {
        Self::remove_full(inner, id, force, timeout, false)
    }

    fn remove_full(
        inner: &Inner,
        id: &str,
        force: bool,
        timeout: Option<u32>,
        volumes: bool,
    ) -> Result<()> {
        let cfg = inner.state.container(id)?;
        let dependents = inner.state.container_dependents(id)?;
        if !dependents.is_empty() {
            return Err(libpod_state::StateError::HasDependents {
                id: id.to_string(),
                dependents,
            }
            .into());
        }
        let _l = lock(inner, &cfg)?;
        let mut st = inner.state.container_state(id)?;
        // An exit is recorded here but released below, with the removal.
        if record_exit(inner, &cfg, &mut st) {
            inner
                .state
                .add_exit_code(id, st.exit_code.unwrap_or(-1), now())?;
        }
        if matches!(st.status, S::Running | S::Paused | S::Created) {
            if !force && st.status != S::Created {
                return Err(status_err(
                    id,
                    st.status,
                    "remove",
                    "stop it first, or force the removal",
                ));
            }
            stop(inner, &cfg, &mut st, timeout)?;
        }
        // Marked first: a removal interrupted half way shows as `removing`, and `rm -f` finishes it.
        st.status = S::Removing;
        inner.state.save_container_state(id, &st)?;
        let paths = inner.paths(id);
        // The runtime's state goes in parallel with the storage and our own files; the bundle
        // only after it, as the runtime may still read it.
        cleanup_with(inner, &cfg, &mut st, || -> Result<()> {
            if cfg.rootfs.is_none() {
                match inner.store.delete_container(id) {
                    Ok(()) | Err(libpod_storage::StorageError::ContainerNotKnown(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            for d in [inner.userdata(id), paths.persist_dir.clone()] {
                let _ = fs::remove_dir_all(d);
            }
            Ok(())
        })?;
        let _ = fs::remove_dir_all(&paths.bundle);
        let _ = fs::remove_file(paths.exit_dir.join(id));
        for s in inner.state.container_exec_sessions(id).unwrap_or_default() {
            let _ = inner.state.remove_exec_session(&s.id);
        }
        inner.state.remove_container(id)?;
        inner.locks.free(cfg.lock)?;
        crate::event_record::container(inner, crate::events::EventStatus::Remove, &cfg);
        if volumes || cfg.auto_remove {
            crate::volumes::remove_anonymous(inner, &cfg);
        }
        Ok(())
    }
}
