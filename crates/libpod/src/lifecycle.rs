//! Building and ending a runtime: the seed's `NewRuntime` order, the alive check with a
//! refresh after a reboot, the repair of what killed creators left, and shutdown. Above both
//! the runtime and its containers, which it drives.

use std::fs;
use std::sync::{Arc, RwLock};

use libpod_config::LockKind;
use libpod_lock::LockManager;
use libpod_network::NetworkManager;
use libpod_oci::{Executor, RuncCompatible};
use libpod_state::{ContainerStatus, DbPaths};
use libpod_state::{VolumeConfig, VolumeState};
use libpod_storage::{Store, StoreOptions};

use crate::container::Container;
use crate::error::{LibpodError, Result, io};
use crate::runtime::{Inner, Runtime, RuntimeBuilder, boot_id};
use crate::trace::span;

impl Runtime {
    /// Shuts the runtime down. Refused while containers run unless `force`, which stops them
    /// first; the state is closed either way, and every later call fails.
    pub fn shutdown(&self, force: bool) -> Result<()> {
        let mut valid = self
            .inner
            .valid
            .write()
            .map_err(|_| LibpodError::RuntimeStopped)?;
        if !*valid {
            return Err(LibpodError::RuntimeStopped);
        }
        let running: Vec<String> = self
            .inner
            .state
            .all_containers_with_state()?
            .into_iter()
            .filter(|(_, s)| matches!(s.status, ContainerStatus::Running | ContainerStatus::Paused))
            .map(|(c, _)| c.id)
            .collect();
        if !running.is_empty() && !force {
            return Err(LibpodError::Running {
                what: "the runtime".into(),
                ids: running,
            });
        }
        let mut first = None;
        for id in running {
            if let Err(e) = Container::stop_unguarded(&self.inner, &id, None) {
                first.get_or_insert(e);
            }
        }
        *valid = false;
        if let Err(e) = self.inner.state.close() {
            first.get_or_insert(e.into());
        }
        first.map_or(Ok(()), Err)
    }
}

impl RuntimeBuilder {
    /// Builds the runtime, in the seed's order; a failure undoes what was set up.
    pub fn build(self) -> Result<Runtime> {
        let t = span("config");
        let config = self.config.build()?;
        for w in &config.warnings {
            tracing::warn!("{w}");
        }
        drop(t);
        let t = span("storage: open");
        let store = Store::open(StoreOptions::from(&config))?;
        drop(t);
        let t = span("OCI runtime and conmon");
        let runtime_path = config.runtime_path()?;
        let name = if config.oci_runtime.starts_with('/') {
            runtime_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            config.oci_runtime.clone()
        };
        let oci = RuncCompatible::new(
            &name,
            &runtime_path,
            &config.tmp_dir.join("runtime"),
            &config.tmp_dir.join("wrappers"),
        )?;
        let exec = Executor::new(
            Arc::new(oci),
            &config.conmon_path()?,
            config.conmon_env.clone(),
            config.no_pivot_root,
        )?;
        libpod_fs::host::private_dir(&config.tmp_dir)?;
        // 0711 down to each container's own 0700 data directory, which a container in a
        // user namespace owns: its root must pass through to bind hosts and resolv.conf.
        libpod_fs::host::traversable_dir(&config.static_dir.join("containers"))?;
        libpod_fs::host::traversable_dir(&config.static_dir)?;
        drop(t);
        let t = span("locks");
        let locks = match config.lock_kind {
            LockKind::File => LockManager::open(&config.tmp_dir.join("locks"))?,
            LockKind::Memory => LockManager::in_memory(),
        };
        let net =
            NetworkManager::from_config(&config, crate::net_backend::resolve(&config, &store)?);
        let paths = DbPaths {
            static_dir: config.static_dir.clone(),
            tmp_dir: config.tmp_dir.clone(),
            graph_root: config.storage.graph_root.clone(),
            run_root: config.storage.run_root.clone(),
        };
        drop(t);
        let t = span("state: open");
        let state = libpod_state::open(config.state_backend, &config.static_dir, &paths)?;
        drop(t);
        let events = match config.events_logger {
            libpod_config::EventsLogger::None => None,
            // No journald backend: podman's default lands in the file (docs/decisions.md).
            libpod_config::EventsLogger::File | libpod_config::EventsLogger::Journald => Some(
                crate::events::EventLog::new(&config.events_log_path, config.events_log_max_size),
            ),
        };
        let inner = Arc::new(Inner {
            events,
            config,
            store,
            state,
            locks,
            exec,
            net,
            exit_command: self.exit_command,
            health_monitor: self.health_monitor,
            exec_session_command: self.exec_session_command,
            valid: RwLock::new(true),
        });
        let rt = Runtime { inner };
        let t = span("alive check and repair");
        let checked = rt.alive_check().and_then(|boot| rt.repair().map(|()| boot));
        drop(t);
        match checked {
            Ok(boot) => rt.start_at_boot(&boot),
            Err(e) => {
                // The seed shuts the store down; our state is the only thing holding a resource.
                let _ = rt.inner.state.close();
                return Err(e);
            }
        }
        Ok(rt)
    }
}

impl Runtime {
    /// Starts the containers a reboot brings back (their restart policy says so); one that
    /// fails to start is logged, not the caller's failure.
    fn start_at_boot(&self, ids: &[String]) {
        for id in ids {
            if let Err(e) = self.container(id).and_then(|c| c.start()) {
                tracing::warn!(container = %id, error = %e, "not started again after the reboot");
            }
        }
    }

    /// Under the runtime-wide lock: refresh when the alive file is missing or from another
    /// boot. Returns the containers to start again after a refresh.
    fn alive_check(&self) -> Result<Vec<String>> {
        let _g = self.inner.locks.runtime_lock().lock()?;
        let alive = self.inner.config.tmp_dir.join("alive");
        let boot = boot_id();
        let recorded = fs::read_to_string(&alive).ok();
        let mut again = Vec::new();
        if recorded.as_deref().map(str::trim) != Some(boot.as_str()) {
            again = self.refresh()?;
            fs::write(&alive, &boot).map_err(io(&alive))?;
            crate::event_record::emit(
                &self.inner,
                crate::events::Event::new(
                    crate::events::EventType::System,
                    crate::events::EventStatus::Refresh,
                ),
            );
        }
        Ok(again)
    }

    /// Resets everything a reboot ends: container states, locks, mounts, namespaces and network
    /// attachments, runtime state; removes containers marked for auto-removal. Returns the
    /// containers whose restart policy starts them again after a reboot.
    fn refresh(&self) -> Result<Vec<String>> {
        let inner = &self.inner;
        let before = inner.state.all_containers_with_state()?;
        inner.state.refresh()?;
        inner.locks.free_all()?;
        for (c, _) in &before {
            let _ = inner.locks.allocate_given(c.lock);
        }
        for p in inner.state.all_pods()? {
            let _ = inner.locks.allocate_given(p.lock);
        }
        for (c, s) in &before {
            // After a real reboot these find nothing; after a simulated one they stop what
            // the previous boot left behind. Its conmon goes first, so it writes no exit
            // file and runs no exit command over the container's next run.
            if let Some(pid) = s.conmon_pid {
                kill_stale_conmon(pid, &c.id);
            }
            let _ = inner.exec.delete(&c.id, true);
            let _ = inner.net.teardown(&c.id);
            if let Some(ns) = &s.netns_path {
                let _ = libpod_network::remove_netns(ns);
            }
        }
        for e in fs::read_dir(inner.net.netns_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let _ = libpod_network::remove_netns(&e.path());
        }
        inner.store.reset_mounts()?;
        let exits = inner.config.tmp_dir.join("exits");
        let _ = fs::remove_dir_all(&exits);
        for (c, _) in before.iter().filter(|(c, _)| c.auto_remove) {
            let _ = Container::remove_unguarded(inner, &c.id, true, None);
        }
        Ok(before
            .iter()
            .filter(|(c, s)| crate::starts_at_boot(c, s))
            .map(|(c, _)| c.id.clone())
            .collect())
    }

    /// Removes volume directories their creator never recorded (killed between making the
    /// directory and the state insert). Creators hold the volume-names lock over both, so
    /// under it a directory the state does not know is garbage; when the lock is busy this
    /// waits for the next runtime.
    fn repair_volume_dirs(&self, known: &[(VolumeConfig, VolumeState)]) -> Result<()> {
        let inner = &self.inner;
        let Some(_names) = inner.locks.volume_names_lock().try_lock()? else {
            return Ok(());
        };
        let dir = inner.config.storage.graph_root.join("volumes");
        for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Some(name) = e.file_name().to_str().map(String::from) else {
                continue;
            };
            // Known when the runtime read the state: no query. Otherwise asked again under
            // the lock, as a creator may have recorded it since.
            if known.iter().any(|(v, _)| v.name == name) {
                continue;
            }
            if matches!(
                inner.state.volume(&name),
                Err(libpod_state::StateError::NoSuchVolume(_))
            ) {
                tracing::info!(volume = %name, "removing a volume directory no volume owns");
                let _ = fs::remove_dir_all(e.path());
            }
        }
        Ok(())
    }

    /// Removes what creators killed half way left: container layers that no container owns
    /// and locks that nothing uses, when their lock is free (a live creator holds it until the
    /// container is recorded).
    fn repair(&self) -> Result<()> {
        let inner = &self.inner;
        let containers = inner.state.all_containers()?;
        let pods = inner.state.all_pods()?;
        let volumes = inner.state.all_volumes()?;
        let known: std::collections::BTreeSet<&str> =
            containers.iter().map(|c| c.id.as_str()).collect();
        let mut used: std::collections::BTreeSet<u32> = containers
            .iter()
            .map(|c| c.lock)
            .chain(pods.iter().map(|p| p.lock))
            .chain(volumes.iter().map(|(v, _)| v.lock))
            .collect();
        for layer in inner.store.containers()? {
            if known.contains(layer.id.as_str()) {
                continue;
            }
            let lock = serde_json::from_str::<serde_json::Value>(&layer.metadata)
                .ok()
                .and_then(|v| v["lock"].as_u64())
                .and_then(|n| u32::try_from(n).ok());
            let Some(n) = lock else { continue };
            match inner.locks.retrieve(n) {
                Ok(l) => match l.try_lock()? {
                    // Re-read under the lock: a creator records its container before letting go.
                    Some(_g) if !inner.state.container_exists(&layer.id)? => {
                        let _ = inner.store.delete_container(&layer.id);
                    }
                    Some(_g) => {
                        used.insert(n);
                    }
                    // Its creator is alive and still creating.
                    None => {
                        used.insert(n);
                    }
                },
                Err(_) => {
                    let _ = inner.store.delete_container(&layer.id);
                }
            }
        }
        self.repair_volume_dirs(&volumes)?;
        for n in inner.locks.allocated()? {
            if used.contains(&n) {
                continue;
            }
            let l = inner.locks.retrieve(n)?;
            if let Some(g) = l.try_lock()? {
                let now_used = inner.state.all_containers()?.iter().any(|c| c.lock == n)
                    || inner.state.all_pods()?.iter().any(|p| p.lock == n)
                    || inner.state.all_volumes()?.iter().any(|(v, _)| v.lock == n);
                drop(g);
                if !now_used {
                    inner.locks.free(n)?;
                }
            }
        }
        Ok(())
    }
}

/// SIGKILLs a conmon the previous boot left (a simulated reboot), if `pid` still is that
/// container's conmon (after a real reboot the number may be another process's), and waits
/// for it to be gone.
fn kill_stale_conmon(pid: u32, id: &str) {
    let Ok(cmd) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return;
    };
    let cmd = String::from_utf8_lossy(&cmd);
    if !cmd.contains("conmon") || !cmd.contains(id) {
        return;
    }
    let Some(fd) = libpod_oci::pidfd_open(pid) else {
        return;
    };
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    libpod_oci::readable_within(
        std::os::fd::AsFd::as_fd(&fd),
        std::time::Duration::from_secs(1),
    );
}
