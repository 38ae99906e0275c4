//! Containers: creation, and a lifecycle with libpod's states. Every operation takes the
//! container's lock and first syncs its state from conmon's exit file, so processes acting on
//! one container agree; every step that allocates something undoes it when a later one fails.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::time::Duration;

use libpod_network::{PortMapping as NetPort, Request};
use libpod_oci::{
    ContainerSpec, CreateOptions, ImageDefaults, Limits, LogLine, Namespace, UserMount,
};
use libpod_state::{
    ContainerConfig, ContainerState, ContainerStatus as S, ExecSession, NetworkMode, NetworkStatus,
};
use nix::sys::signal::Signal;

use crate::error::{LibpodError, Result};
use crate::options::{ContainerOptions, ExecOptions, LogOptions};
use crate::runtime::{Inner, Runtime};
use crate::trace::span;

/// A container of a runtime. Cheap to clone.
#[derive(Clone)]
pub struct Container {
    pub(crate) rt: Runtime,
    id: String,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Container({})", self.id)
    }
}

/// Nanoseconds since the epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
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

fn status_err(id: &str, st: S, op: &'static str, hint: &'static str) -> LibpodError {
    LibpodError::InvalidStatus {
        id: id.to_string(),
        status: st.to_string(),
        op,
        hint,
    }
}

/// Holds a container's lock.
fn lock(inner: &Inner, cfg: &ContainerConfig) -> Result<libpod_lock::LockGuard> {
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
fn cleanup(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) {
    cleanup_with(inner, cfg, st, || ());
}

/// Releases what a stopped container holds, running `more` while the OCI runtime deletes its
/// state: `runtime delete` is a process of its own and the slowest step, and nothing else
/// here depends on it.
fn cleanup_with<T>(
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
fn sync(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<bool> {
    let exited = record_exit(inner, cfg, st);
    if exited {
        cleanup(inner, cfg, st);
        inner.state.save_container_state(&cfg.id, st)?;
        inner
            .state
            .add_exit_code(&cfg.id, st.exit_code.unwrap_or(-1), now())?;
    }
    Ok(exited)
}

/// Notes in `st` an exit seen in the exit file (or a dead conmon); nothing is saved or
/// released yet. True when the container was found to have exited.
fn record_exit(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> bool {
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
    true
}

impl Container {
    /// The full ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn inner(&self) -> &Inner {
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
    fn locked<T>(
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
    /// no-op. A pod member starts its pod's infra container first, as podman does.
    pub fn start(&self) -> Result<()> {
        let cfg = self.config()?;
        if let Some(pod) = &cfg.pod
            && !cfg.is_infra
        {
            let infra = {
                let _g = self.inner().guard()?;
                self.inner().state.pod_state(pod)?.infra_container
            };
            if let Some(infra) = infra {
                Container {
                    rt: self.rt.clone(),
                    id: infra,
                }
                .start()?;
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
            S::Running | S::Paused => Ok(inner.exec.kill(&cfg.id, signal, false)?),
            s => Err(status_err(&cfg.id, s, "kill", "it is not running")),
        })
    }

    /// Freezes the container.
    pub fn pause(&self) -> Result<()> {
        self.locked(|inner, cfg, st| match st.status {
            S::Running => {
                inner.exec.pause(&cfg.id)?;
                st.status = S::Paused;
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
            start(inner, cfg, st)
        })
    }

    /// Waits for the container to exit and returns its exit code; the lock is not held while
    /// waiting, so other processes can act on it. A container created with auto-removal is
    /// removed before this returns.
    pub fn wait(&self) -> Result<i32> {
        let auto_remove = self.config()?.auto_remove;
        loop {
            let (status, code, conmon, pid) = {
                let st = self.state()?;
                (st.status, st.exit_code, st.conmon_pid, st.pid)
            };
            match status {
                S::Exited | S::Stopped => return Ok(code.unwrap_or(-1)),
                S::Configured => {
                    return Err(status_err(&self.id, status, "wait", "start it first"));
                }
                _ => {}
            }
            let paths = self.inner().paths(&self.id);
            let _t = span("wait: the container's exit file");
            let pids = libpod_oci::Pids {
                conmon: conmon.unwrap_or(0),
                container: pid.unwrap_or(0),
            };
            match libpod_oci::wait_exit(&self.id, &paths.exit_dir, pids, None) {
                // Removing at once is faster than waiting for conmon's exit command to do it.
                Ok(code) if auto_remove => {
                    return match self.remove(false) {
                        Ok(()) => Ok(code),
                        Err(e) if e.is_not_found() => Ok(code),
                        Err(e) => Err(e),
                    };
                }
                Ok(_) | Err(libpod_oci::OciError::Conmon { .. }) => {}
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

    /// Runs a command in the running container with `stdio`; returns its exit code.
    pub fn exec(&self, command: &[String], o: &ExecOptions, stdio: [Stdio; 3]) -> Result<i32> {
        let inner = self.inner();
        let _g = inner.guard()?;
        let cfg = inner.state.container(&self.id)?;
        let (process, rootfs, pid) = {
            let _l = lock(inner, &cfg)?;
            let mut st = inner.state.container_state(&self.id)?;
            sync(inner, &cfg, &mut st)?;
            if st.status != S::Running {
                return Err(status_err(&self.id, st.status, "exec", "start it first"));
            }
            let spec =
                oci_spec::runtime::Spec::load(inner.paths(&self.id).bundle.join("config.json"))
                    .map_err(|e| {
                        LibpodError::Invalid(format!("reading the container's spec: {e}"))
                    })?;
            let process = spec.process().clone().ok_or_else(|| {
                LibpodError::Invalid("the container's spec has no process".into())
            })?;
            (process, st.mount_point.clone().unwrap_or_default(), st.pid)
        };
        if command.is_empty() {
            return Err(LibpodError::Invalid("exec needs a command".into()));
        }
        let mut process = process;
        process.set_args(Some(command.to_vec()));
        process.set_terminal(Some(o.tty));
        let mut e = process.env().clone().unwrap_or_default();
        e.extend(o.env.iter().cloned());
        process.set_env(Some(e));
        if let Some(w) = &o.workdir {
            process.set_cwd(PathBuf::from(w));
        }
        if let Some(u) = &o.user {
            let r = libpod_oci::resolve_user(&rootfs, u)?;
            let user = oci_spec::runtime::UserBuilder::default()
                .uid(r.uid)
                .gid(r.gid)
                .additional_gids(r.additional_gids)
                .build()
                .map_err(|e| LibpodError::Invalid(e.to_string()))?;
            process.set_user(user);
        }
        // Looked up as the container's processes see their files, mounts included.
        if let Some(pid) = pid
            && let Ok(root) = libpod_fs::Root::open(Path::new(&format!("/proc/{pid}/root")))
        {
            let env = process.env().clone().unwrap_or_default();
            let cwd = process.cwd().display().to_string();
            crate::lookpath::check_command(&root, &command[0], &env, &cwd)?;
        }
        let session = ExecSession {
            id: libpod_state::new_id()?,
            container: self.id.clone(),
            command: command.to_vec(),
            running: true,
            created: now(),
            ..Default::default()
        };
        inner.state.add_exec_session(&session)?;
        let r = inner
            .exec
            .exec(&self.id, &inner.paths(&self.id).bundle, &process, stdio);
        let _ = inner.state.remove_exec_session(&session.id);
        Ok(r?)
    }

    /// The container's log lines.
    pub fn logs(&self, opts: &LogOptions) -> Result<Vec<LogLine>> {
        let _g = self.inner().guard()?;
        let mut lines = libpod_oci::read_log(&self.inner().paths(&self.id).log)?;
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
                f(l);
            }
            seen = lines.len().max(start);
            if exited {
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
        self.locked(|inner, cfg, _| match &cfg.rootfs {
            Some(p) => Ok(p.clone()),
            None => Ok(inner.store.mount(&cfg.id)?),
        })
    }

    /// Drops one mount of the root filesystem.
    pub fn unmount(&self) -> Result<()> {
        self.locked(|inner, cfg, _| {
            if cfg.rootfs.is_none() {
                inner.store.unmount(&cfg.id, false)?;
            }
            Ok(())
        })
    }

    /// Writes the container's filesystem as a tarball.
    pub fn export(&self, out: impl Write) -> Result<()> {
        self.locked(|inner, cfg, _| Ok(inner.store.export_container(&cfg.id, out)?))
    }

    /// What changed in its filesystem.
    pub fn changes(&self) -> Result<Vec<libpod_storage::Change>> {
        self.locked(|inner, cfg, _| Ok(inner.store.changes(&cfg.id)?))
    }

    /// Removes the container; a running one only with `force` (stopped first).
    pub fn remove(&self, force: bool) -> Result<()> {
        let inner = self.inner();
        let _g = inner.guard()?;
        Self::remove_unguarded(inner, &self.id, force, None)
    }

    /// Removes the container as `remove` does; a running one (with `force`) gets `timeout`
    /// seconds after its stop signal before SIGKILL, instead of its own stop timeout.
    pub fn remove_with_timeout(&self, force: bool, timeout: Option<u32>) -> Result<()> {
        let inner = self.inner();
        let _g = inner.guard()?;
        Self::remove_unguarded(inner, &self.id, force, timeout)
    }

    pub(crate) fn remove_unguarded(
        inner: &Inner,
        id: &str,
        force: bool,
        timeout: Option<u32>,
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
        Ok(())
    }
}

/// Maps the state's network mode to namespaces and attachments, creating what is needed.
fn network(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<Namespace> {
    let requests: Vec<String> = match &cfg.network {
        NetworkMode::Host => return Ok(Namespace::Host),
        NetworkMode::Container(other) => {
            let o = inner.state.container_state(other)?;
            return o.netns_path.map(Namespace::Path).ok_or_else(|| {
                LibpodError::Invalid(format!(
                    "container {other} has no network namespace to join; start it first"
                ))
            });
        }
        NetworkMode::Pod => {
            let pod = cfg
                .pod
                .as_deref()
                .ok_or_else(|| LibpodError::Invalid("network mode pod outside a pod".into()))?;
            let infra =
                inner.state.pod_state(pod)?.infra_container.ok_or_else(|| {
                    LibpodError::Invalid(format!("pod {pod} has no infra container"))
                })?;
            let o = inner.state.container_state(&infra)?;
            return o.netns_path.map(Namespace::Path).ok_or_else(|| {
                LibpodError::Invalid(format!("the infra container of pod {pod} is not running"))
            });
        }
        NetworkMode::None => Vec::new(),
        NetworkMode::Default => vec![crate::net::default_network(inner)?],
        NetworkMode::Networks(n) => n.clone(),
    };
    let ns = inner.net.create_netns(&cfg.id)?;
    st.netns_path = Some(ns.clone());
    if !requests.is_empty() {
        let reqs: Vec<Request> = requests
            .iter()
            .enumerate()
            .map(|(i, n)| Request {
                network: n.clone(),
                interface: format!("eth{i}"),
            })
            .collect();
        let ports: Vec<NetPort> = cfg
            .ports
            .iter()
            .map(|p| NetPort {
                host_ip: p.host_ip.clone(),
                host_port: p.host_port,
                container_port: p.container_port,
                protocol: p.protocol.to_string(),
                range: p.range,
            })
            .collect();
        let attached = crate::net::setup(inner, &cfg.id, &ns, &reqs, &ports)?;
        st.networks = attached
            .into_iter()
            .map(|a| NetworkStatus {
                network: a.network,
                interface: a.interface,
                mac: a.mac,
                addresses: a.addresses,
                gateway: a.gateway,
                dns: a.dns,
            })
            .collect();
    }
    Ok(Namespace::Path(ns))
}

/// Namespaces a pod member joins through its pod's infra container.
fn pod_namespace(inner: &Inner, cfg: &ContainerConfig, kind: &str) -> Result<Namespace> {
    let Some(pod) = &cfg.pod else {
        return Ok(Namespace::Private);
    };
    if cfg.is_infra {
        return Ok(Namespace::Private);
    }
    let p = inner.state.pod(pod)?;
    if !p.shared_namespaces.iter().any(|s| s == kind) {
        return Ok(Namespace::Private);
    }
    let infra = inner
        .state
        .pod_state(pod)?
        .infra_container
        .ok_or_else(|| LibpodError::Invalid(format!("pod {pod} has no infra container")))?;
    let pid = inner.state.container_state(&infra)?.pid.ok_or_else(|| {
        LibpodError::Invalid(format!("the infra container of pod {pod} is not running"))
    })?;
    Ok(Namespace::Path(PathBuf::from(format!(
        "/proc/{pid}/ns/{kind}"
    ))))
}

fn init(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<()> {
    let r = init_steps(inner, cfg, st);
    if r.is_err() {
        cleanup(inner, cfg, st);
        st.status = if st.status == S::Created {
            S::Configured
        } else {
            st.status
        };
    }
    r
}

fn init_steps(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<()> {
    // A process killed after `runtime create` but before saving the state leaves the runtime's
    // container behind; a fresh one could not be created over it.
    if inner.config.tmp_dir.join("runtime").join(&cfg.id).exists() {
        cleanup(inner, cfg, st);
    }
    let t = span("storage: mount the root filesystem");
    let rootfs = match &cfg.rootfs {
        Some(p) => p.clone(),
        None => inner.store.mount(&cfg.id)?,
    };
    drop(t);
    st.mount_point = Some(rootfs.clone());
    let image = if cfg.image_id.is_empty() {
        None
    } else {
        inner.store.image(&cfg.image_id).ok()
    };
    let t = span("network: namespace and CNI");
    let network = network(inner, cfg, st)?;
    drop(t);
    let host_net = network == Namespace::Host;
    // In the host's network namespace the host's name, as podman; else the short ID.
    let hostname = cfg.hostname.clone().unwrap_or_else(|| {
        if host_net {
            crate::etc::host_hostname()
        } else {
            cfg.id[..12].to_string()
        }
    });
    let etc = crate::etc::etc_files(
        &inner.userdata(&cfg.id),
        &cfg.name,
        &hostname,
        &st.networks,
        host_net,
    )?;
    if let Some(user) = &cfg.user {
        crate::etc::ensure_user_entries(&rootfs, user)?;
    }
    let joined_uts = pod_namespace(inner, cfg, "uts")?;
    let spec = ContainerSpec {
        id: cfg.id.clone(),
        rootfs,
        image: image
            .map(|i| ImageDefaults {
                entrypoint: i.config.entrypoint,
                cmd: i.config.cmd,
                env: i.config.env,
                working_dir: i.config.working_dir,
                user: i.config.user,
            })
            .unwrap_or_default(),
        entrypoint: cfg.entrypoint.clone(),
        command: cfg.command.clone(),
        env: cfg.env.clone(),
        workdir: cfg.workdir.clone(),
        user: cfg.user.clone(),
        hostname: if matches!(joined_uts, Namespace::Path(_)) {
            None
        } else {
            Some(hostname)
        },
        terminal: cfg.tty,
        mounts: cfg
            .mounts
            .iter()
            .map(|m| match m.kind {
                libpod_state::MountKind::Tmpfs => UserMount::Tmpfs {
                    destination: m.destination.clone(),
                    options: m.options.clone(),
                },
                _ => UserMount::Bind {
                    source: PathBuf::from(&m.source),
                    destination: m.destination.clone(),
                    read_only: m.options.iter().any(|o| o == "ro"),
                },
            })
            .collect(),
        etc_files: etc,
        network,
        ipc: pod_namespace(inner, cfg, "ipc")?,
        uts: joined_uts,
        pid: Namespace::Private,
        privileged: cfg.privileged,
        capabilities: Some(inner.config.default_capabilities.clone()),
        read_only: cfg.read_only,
        limits: Limits {
            memory: cfg.resources.memory,
            pids: cfg.resources.pids,
            cpu_shares: cfg.resources.cpu_shares,
        },
        cgroup_path: None,
        seccomp_profile: inner.config.seccomp_profile.clone(),
        annotations: Default::default(),
    };
    let paths = inner.paths(&cfg.id);
    let t = span("spec: generate and write the bundle");
    libpod_oci::write_bundle(&paths.bundle, &libpod_oci::generate(&spec)?)?;
    drop(t);
    let _t = span("conmon: runtime create");
    let exit_command = inner.exit_command.clone().map(|(p, mut a)| {
        a.push(cfg.id.clone());
        (p, a)
    });
    let created = inner.exec.create(
        &paths,
        &CreateOptions {
            id: cfg.id.clone(),
            name: cfg.name.clone(),
            terminal: cfg.tty,
            stdin: cfg.stdin,
            log_size_max: inner.config.max_log_size,
            exit_command,
            skip_log_sync: cfg.auto_remove,
        },
    )?;
    st.status = S::Created;
    st.pid = Some(created.pid);
    st.conmon_pid = Some(created.conmon_pid);
    st.exit_code = None;
    st.finished_at = None;
    Ok(())
}

fn start(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<()> {
    match st.status {
        S::Running => return Ok(()),
        S::Paused => {
            return Err(status_err(
                &cfg.id,
                st.status,
                "start",
                "unpause it instead",
            ));
        }
        S::Removing => {
            return Err(status_err(
                &cfg.id,
                st.status,
                "start",
                "it is being removed",
            ));
        }
        S::Created => {}
        _ => init(inner, cfg, st)?,
    }
    let t = span("runtime: start");
    let started = inner.exec.start(&cfg.id);
    drop(t);
    if let Err(e) = started {
        cleanup(inner, cfg, st);
        st.status = S::Exited;
        return Err(e.into());
    }
    st.status = S::Running;
    st.started_at = Some(now());
    Ok(())
}

fn stop(
    inner: &Inner,
    cfg: &ContainerConfig,
    st: &mut ContainerState,
    timeout: Option<u32>,
) -> Result<()> {
    match st.status {
        S::Running | S::Paused | S::Created => {}
        _ => return Ok(()),
    }
    if st.status == S::Paused {
        inner.exec.unpause(&cfg.id)?;
    }
    let paths = inner.paths(&cfg.id);
    let t = Duration::from_secs(u64::from(timeout.unwrap_or(cfg.stop_timeout)));
    let code = if st.status == S::Created {
        inner.exec.delete(&cfg.id, true)?;
        libpod_oci::read_exit_code(&paths.exit_dir, &cfg.id).unwrap_or(-1)
    } else {
        match inner.exec.stop(
            &cfg.id,
            &paths,
            st.conmon_pid.unwrap_or(0),
            cfg.stop_signal,
            t,
        ) {
            Ok(c) => c,
            // conmon was gone: the process was killed with the runtime, its code unknown.
            Err(libpod_oci::OciError::Conmon { .. }) => 137,
            Err(e) => return Err(e.into()),
        }
    };
    st.exit_code = Some(code);
    st.finished_at = Some(now());
    cleanup(inner, cfg, st);
    st.status = S::Exited;
    inner.state.add_exit_code(&cfg.id, code, now())?;
    Ok(())
}

impl Runtime {
    /// Creates a container; a name in use is refused before anything is allocated, and a
    /// failure at any later step undoes the earlier ones.
    pub fn create_container(&self, opts: ContainerOptions) -> Result<Container> {
        let inner = &self.inner;
        let _g = inner.guard()?;
        let taken = |n: &str| {
            inner.state.lookup_container_id(n).is_ok() || inner.state.lookup_pod_id(n).is_ok()
        };
        if let Some(n) = &opts.name {
            libpod_state::check_name(n)?;
            if taken(n) {
                let owner = inner
                    .state
                    .lookup_container_id(n)
                    .map(|i| format!("container {i}"))
                    .unwrap_or_else(|_| "a pod".into());
                return Err(libpod_state::StateError::NameInUse {
                    name: n.clone(),
                    owner,
                }
                .into());
            }
        }
        let (image_id, image_name, image_stop) = match &opts.rootfs {
            Some(_) => (String::new(), String::new(), None),
            None => {
                let img = inner.store.image(&opts.image)?;
                let name = img
                    .names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| opts.image.clone());
                (img.id, name, img.config.stop_signal)
            }
        };
        let (pod, dependencies) = match &opts.pod {
            Some(p) => {
                let pid = inner.state.lookup_pod_id(p)?;
                let infra = inner.state.pod_state(&pid)?.infra_container;
                (Some(pid), infra.into_iter().collect())
            }
            None => (None, Vec::new()),
        };
        let id = libpod_state::new_id()?;
        let name = match opts.name.clone() {
            Some(n) => n,
            None => (0..13)
                .map(|n| crate::names::generate(&id, n))
                .find(|n| !taken(n))
                .unwrap_or_else(|| id[..12].to_string()),
        };
        let stop_signal = match (opts.stop_signal, image_stop) {
            (Some(s), _) => s,
            (None, Some(s)) => parse_signal(&s).unwrap_or(15),
            (None, None) => 15,
        };
        // Held until the container is recorded: until then, its lock being free means its
        // creator died (see `Runtime::repair`).
        let t = span("locks: allocate");
        let (lock, _creating) = inner.locks.allocate_locked()?;
        drop(t);
        let lock_n = lock.number().unwrap_or(0);
        let network = if pod.is_some() && opts.network == NetworkMode::Default {
            NetworkMode::Pod
        } else {
            opts.network.clone()
        };
        let cfg = ContainerConfig {
            id: id.clone(),
            name,
            pod,
            lock: lock_n,
            created: now(),
            image_id,
            image_name,
            rootfs: opts.rootfs.clone(),
            entrypoint: opts.entrypoint,
            command: opts.command,
            env: opts.env,
            workdir: opts.workdir,
            user: opts.user,
            hostname: opts.hostname,
            tty: opts.tty,
            stdin: opts.stdin,
            mounts: opts.mounts,
            network,
            ports: opts.ports,
            labels: opts.labels,
            stop_signal,
            stop_timeout: opts.stop_timeout.unwrap_or(10),
            auto_remove: opts.auto_remove,
            resources: opts.resources,
            read_only: opts.read_only,
            privileged: opts.privileged,
            dependencies,
            oci_runtime: inner.config.oci_runtime.clone(),
            is_infra: false,
        };
        let mut cfg = cfg;
        let mut attempt = 0;
        loop {
            match self.add_container_keep_lock(&cfg) {
                Ok(c) => return Ok(c),
                // Another process took the same generated name between our check and our
                // insert: pick another; a name the user chose is theirs to change.
                Err(LibpodError::State(libpod_state::StateError::NameInUse { .. }))
                    if opts.name.is_none() && attempt < 8 =>
                {
                    attempt += 1;
                    cfg.name = crate::names::generate(&libpod_state::new_id()?, attempt);
                }
                Err(e) => {
                    let _ = inner.locks.free(cfg.lock);
                    return Err(e);
                }
            }
        }
    }

    /// Stores a container config with its storage and lock (allocated and held as `cfg.lock`);
    /// the layer records the lock number, so a creator killed half way is recognised. On
    /// failure the layer is removed and the lock freed.
    pub(crate) fn add_container(&self, cfg: ContainerConfig) -> Result<Container> {
        self.add_container_keep_lock(&cfg).inspect_err(|_| {
            let _ = self.inner.locks.free(cfg.lock);
        })
    }

    /// Like `add_container`, but a failure leaves the lock allocated (for a retry).
    fn add_container_keep_lock(&self, cfg: &ContainerConfig) -> Result<Container> {
        let inner = &self.inner;
        let meta = serde_json::json!({ "lock": cfg.lock }).to_string();
        let image = if cfg.image_id.is_empty() {
            None
        } else {
            Some(cfg.image_id.as_str())
        };
        if cfg.rootfs.is_none() {
            let _t = span("storage: create the container layer");
            inner
                .store
                .create_container_with_metadata(&cfg.id, image, &meta)?;
        }
        let t = span("state: add the container");
        let added = inner.state.add_container(cfg, &ContainerState::default());
        drop(t);
        if let Err(e) = added {
            if cfg.rootfs.is_none() {
                let _ = inner.store.delete_container(&cfg.id);
            }
            return Err(e.into());
        }
        Ok(Container {
            rt: self.clone(),
            id: cfg.id.clone(),
        })
    }

    /// A container by name, full ID or unique ID prefix.
    pub fn container(&self, name_or_id: &str) -> Result<Container> {
        let _g = self.inner.guard()?;
        let id = self.inner.state.lookup_container_id(name_or_id)?;
        Ok(Container {
            rt: self.clone(),
            id,
        })
    }

    /// Every container with its state, synced with exit files.
    pub fn containers(&self) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        let inner = &self.inner;
        let _g = inner.guard()?;
        let mut all = inner.state.all_containers_with_state()?;
        let mut gone = Vec::new();
        for (cfg, st) in all.iter_mut() {
            // Only a container whose exit was not recorded yet needs its lock and a sync.
            if matches!(st.status, S::Running | S::Paused | S::Created)
                && (libpod_oci::read_exit_code(&inner.paths(&cfg.id).exit_dir, &cfg.id).is_some()
                    || st.conmon_pid.is_some_and(|p| !libpod_oci::pid_alive(p)))
            {
                let synced = lock(inner, cfg).and_then(|_l| {
                    *st = inner.state.container_state(&cfg.id)?;
                    sync(inner, cfg, st)
                });
                match synced {
                    Ok(_) => {}
                    // Removed meanwhile (conmon's exit command, an auto-removed container).
                    Err(LibpodError::State(libpod_state::StateError::NoSuchContainer(_))) => {
                        gone.push(cfg.id.clone())
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        all.retain(|(c, _)| !gone.contains(&c.id));
        Ok(all)
    }

    /// A recorded exit code of a container that may be gone (`run --rm`).
    pub fn exit_code(&self, id: &str) -> Result<Option<i32>> {
        let _g = self.inner.guard()?;
        Ok(self.inner.state.exit_code(id)?.map(|r| r.code))
    }

    /// The cleanup conmon's exit command asks for: record the exit, release the network,
    /// mounts and runtime state, and remove the container if it was marked for auto-removal.
    pub fn cleanup_container(&self, name_or_id: &str) -> Result<()> {
        let c = self.container(name_or_id)?;
        let st = c.state()?;
        let cfg = c.config()?;
        if cfg.auto_remove && matches!(st.status, S::Exited | S::Stopped) {
            c.remove(false)?;
        }
        Ok(())
    }

    /// The path of a container's log.
    pub fn log_path(&self, id: &str) -> PathBuf {
        self.inner.paths(id).log
    }

    /// The per-container directory of conmon's bundle.
    pub fn bundle_path(&self, id: &str) -> PathBuf {
        self.inner.paths(id).bundle
    }
}
