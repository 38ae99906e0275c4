//! Pods: an infra container holds the shared namespaces (net, ipc, uts by default) and the
//! pod's network; members join them. The pod lock is always taken before container locks.

use std::path::{Path, PathBuf};

use libpod_state::{
    ContainerConfig, ContainerState, ContainerStatus as S, Mount, PodConfig, PodState,
};
use serde::Serialize;

use crate::container::Container;
use crate::error::{LibpodError, Result};
use crate::events::{EventStatus, EventType};
use crate::options::PodOptions;
use crate::runtime::{Inner, Runtime};
use crate::status::now;

/// A pod of a runtime.
#[derive(Clone)]
pub struct Pod {
    pub(crate) rt: Runtime,
    id: String,
}

impl std::fmt::Debug for Pod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pod({})", self.id)
    }
}

/// A pod's status, derived from its containers'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PodStatus {
    /// No container has started.
    Created,
    /// Every container runs.
    Running,
    /// Some containers run, some do not.
    Degraded,
    /// Every container is paused.
    Paused,
    /// No container runs.
    Exited,
}

impl std::fmt::Display for PodStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            PodStatus::Created => "Created",
            PodStatus::Running => "Running",
            PodStatus::Degraded => "Degraded",
            PodStatus::Paused => "Paused",
            PodStatus::Exited => "Exited",
        };
        f.write_str(s)
    }
}

/// Where a static program for the infra container is: catatonit (podman's) or busybox.
fn infra_program() -> Result<(PathBuf, Vec<String>)> {
    for (p, args) in [
        ("/usr/libexec/podman/catatonit", vec!["-P"]),
        ("/usr/bin/catatonit", vec!["-P"]),
        ("/bin/busybox", vec!["sleep", "2147483647"]),
    ] {
        if Path::new(p).is_file() {
            return Ok((
                PathBuf::from(p),
                args.into_iter().map(String::from).collect(),
            ));
        }
    }
    Err(LibpodError::Invalid(
        "no program for the pod's infra container: install catatonit or busybox-static".into(),
    ))
}

impl Pod {
    /// The pod's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn inner(&self) -> &Inner {
        &self.rt.inner
    }

    /// Its configuration.
    pub fn config(&self) -> Result<PodConfig> {
        let _g = self.inner().guard()?;
        Ok(self.inner().state.pod(&self.id)?)
    }

    /// Its state.
    pub fn pod_state(&self) -> Result<PodState> {
        let _g = self.inner().guard()?;
        Ok(self.inner().state.pod_state(&self.id)?)
    }

    /// Its containers (infra first), with their states.
    pub fn containers(&self) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        let ids = {
            let _g = self.inner().guard()?;
            self.inner().state.pod_containers(&self.id)?
        };
        let mut v = Vec::new();
        for id in ids {
            let c = self.rt.container(&id)?;
            v.push((c.config()?, c.state()?));
        }
        v.sort_by_key(|(c, _)| (!c.is_infra, c.created));
        Ok(v)
    }

    /// The status derived from its containers.
    pub fn status(&self) -> Result<PodStatus> {
        let states: Vec<S> = self
            .containers()?
            .into_iter()
            .map(|(_, s)| s.status)
            .collect();
        let running = states.iter().filter(|s| **s == S::Running).count();
        Ok(
            if states.is_empty()
                || states
                    .iter()
                    .all(|s| matches!(s, S::Configured | S::Created))
            {
                PodStatus::Created
            } else if running == states.len() {
                PodStatus::Running
            } else if states.iter().all(|s| *s == S::Paused) {
                PodStatus::Paused
            } else if running > 0 || states.contains(&S::Paused) {
                PodStatus::Degraded
            } else {
                PodStatus::Exited
            },
        )
    }

    /// Runs `f` on its containers in order, under the pod lock; every container is tried,
    /// the first error is returned.
    fn each(&self, infra_first: bool, f: impl Fn(&Container) -> Result<()>) -> Result<()> {
        let cfg = self.config()?;
        let _l = self.inner().locks.retrieve(cfg.lock)?.lock()?;
        let mut list = self.containers()?;
        if !infra_first {
            list.reverse();
        }
        let mut first = None;
        for (c, _) in list {
            if let Err(e) = self.rt.container(&c.id).and_then(|ctr| f(&ctr)) {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Starts the infra container, then the members.
    pub fn start(&self) -> Result<()> {
        self.each(true, |c| c.start())?;
        self.event(EventStatus::Start);
        Ok(())
    }

    /// Records a pod event.
    fn event(&self, status: EventStatus) {
        let name = self.config().map(|c| c.name).unwrap_or_default();
        crate::event_record::object(self.inner(), EventType::Pod, status, &self.id, &name);
    }

    /// Stops the members, then the infra container.
    pub fn stop(&self, timeout: Option<u32>) -> Result<()> {
        self.each(false, |c| c.stop(timeout).map(drop))?;
        self.event(EventStatus::Stop);
        Ok(())
    }

    /// Signals every running container.
    pub fn kill(&self, signal: i32) -> Result<()> {
        self.each(false, |c| match c.state()?.status {
            S::Running | S::Paused => c.kill(signal),
            _ => Ok(()),
        })?;
        self.event(EventStatus::Kill);
        Ok(())
    }

    /// Pauses every running container.
    pub fn pause(&self) -> Result<()> {
        self.each(false, |c| {
            if c.state()?.status == S::Running {
                c.pause()
            } else {
                Ok(())
            }
        })?;
        self.event(EventStatus::Pause);
        Ok(())
    }

    /// Unpauses every paused container.
    pub fn unpause(&self) -> Result<()> {
        self.each(true, |c| {
            if c.state()?.status == S::Paused {
                c.unpause()
            } else {
                Ok(())
            }
        })?;
        self.event(EventStatus::Unpause);
        Ok(())
    }

    /// Stops and starts the pod.
    pub fn restart(&self, timeout: Option<u32>) -> Result<()> {
        self.stop(timeout)?;
        self.start()
    }

    /// Removes the pod: its containers too unless `with_containers` is off (then a pod with
    /// members is refused); running members only with `force`, given `timeout` to stop.
    ///
    /// ```no_run
    /// # let rt = libpod::Runtime::builder().build()?;
    /// let pod = rt.pod("web")?;
    /// pod.remove(&libpod::PodRemoveOptions { force: true, ..Default::default() })?;
    /// # Ok::<(), libpod::LibpodError>(())
    /// ```
    pub fn remove(&self, opts: &PodRemoveOptions) -> Result<()> {
        let PodRemoveOptions {
            force,
            with_containers,
            timeout,
        } = *opts;
        let cfg = self.config()?;
        let members = self.containers()?;
        let others: Vec<&(ContainerConfig, ContainerState)> =
            members.iter().filter(|(c, _)| !c.is_infra).collect();
        if !others.is_empty() && !with_containers {
            return Err(libpod_state::StateError::PodHasContainers {
                pod: self.id.clone(),
                count: others.len(),
            }
            .into());
        }
        let running: Vec<String> = members
            .iter()
            .filter(|(_, s)| matches!(s.status, S::Running | S::Paused))
            .map(|(c, _)| c.id.clone())
            .collect();
        if !running.is_empty() && !force {
            return Err(LibpodError::Running {
                what: format!("pod {}", cfg.name),
                ids: running,
            });
        }
        {
            let _l = self.inner().locks.retrieve(cfg.lock)?.lock()?;
            // Members first: they depend on the infra container.
            for (c, _) in members.iter().rev() {
                let _g = self.inner().guard()?;
                Container::remove_unguarded(self.inner(), &c.id, force, timeout)?;
            }
            let _g = self.inner().guard()?;
            self.inner().state.remove_pod(&self.id)?;
        }
        self.inner().locks.free(cfg.lock)?;
        crate::event_record::object(
            self.inner(),
            EventType::Pod,
            EventStatus::Remove,
            &self.id,
            &cfg.name,
        );
        Ok(())
    }
}

/// How [`Pod::remove`] removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodRemoveOptions {
    /// Stop running members first.
    pub force: bool,
    /// Remove the members too (else a pod with members is refused).
    pub with_containers: bool,
    /// Seconds a running member gets to stop before SIGKILL.
    pub timeout: Option<u32>,
}

impl Default for PodRemoveOptions {
    fn default() -> Self {
        PodRemoveOptions {
            force: false,
            with_containers: true,
            timeout: None,
        }
    }
}

impl Runtime {
    /// Creates a pod and, unless asked not to, its infra container.
    pub fn create_pod(&self, opts: PodOptions) -> Result<Pod> {
        let inner = &self.inner;
        let _g = inner.guard()?;
        let taken = |n: &str| crate::names::name_owner(inner.state.as_ref(), n).is_some();
        if let Some(n) = &opts.name {
            crate::names::check_free(inner.state.as_ref(), n)?;
        }
        let infra_prog = if opts.infra {
            Some(infra_program()?)
        } else {
            None
        };
        let id = libpod_state::new_id()?;
        let name = opts.name.clone().unwrap_or_else(|| {
            (0..13)
                .map(|n| crate::names::generate(&id, n))
                .find(|n| !taken(n))
                .unwrap_or_else(|| id[..12].to_string())
        });
        let network_options = crate::create::pod_network_options(inner, &opts)?;
        let ports = crate::ports::resolve(&opts.ports, &[], &[], false)?;
        let (pod_lock, _creating) = inner.locks.allocate_locked()?;
        let lock = pod_lock.number().unwrap_or(0);
        let cfg = PodConfig {
            id: id.clone(),
            name: name.clone(),
            lock,
            created: now(),
            labels: opts.labels.clone(),
            shared_namespaces: if opts.infra {
                opts.share.clone()
            } else {
                Vec::new()
            },
            has_infra: opts.infra,
            hostname: opts.hostname.clone(),
            network: opts.network.clone(),
            ports: ports.clone(),
        };
        if let Err(e) = inner.state.add_pod(&cfg, &PodState::default()) {
            let _ = inner.locks.free(lock);
            return Err(e.into());
        }
        let pod = Pod {
            rt: self.clone(),
            id: id.clone(),
        };
        if let Some((prog, args)) = infra_prog {
            let made = (|| -> Result<()> {
                let infra_id = libpod_state::new_id()?;
                let (infra_lock, _infra_creating) = inner.locks.allocate_locked()?;
                let file = prog
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "infra".into());
                let dest = format!("/.rpod-infra/{file}");
                let c = ContainerConfig {
                    id: infra_id.clone(),
                    name: format!("{}-infra", &id[..12]),
                    pod: Some(id.clone()),
                    lock: infra_lock.number().unwrap_or(0),
                    created: now(),
                    command: std::iter::once(dest.clone()).chain(args).collect(),
                    mounts: vec![Mount {
                        kind: libpod_state::MountKind::Bind,
                        source: prog.display().to_string(),
                        destination: dest,
                        options: vec!["ro".into()],
                    }],
                    network: opts.network.clone(),
                    network_aliases: opts.network_aliases.clone(),
                    network_options: network_options.clone(),
                    ports: ports.clone(),
                    hostname: opts.hostname.clone().or_else(|| Some(name.clone())),
                    stop_signal: 9,
                    stop_timeout: 0,
                    oci_runtime: inner.config.oci_runtime.clone(),
                    is_infra: true,
                    ..Default::default()
                };
                self.add_container(c)?;
                inner.state.save_pod_state(
                    &id,
                    &PodState {
                        infra_container: Some(infra_id),
                        cgroup_path: None,
                    },
                )?;
                Ok(())
            })();
            if let Err(e) = made {
                for c in inner.state.pod_containers(&id).unwrap_or_default() {
                    let _ = Container::remove_unguarded(inner, &c, true, None);
                }
                let _ = inner.state.remove_pod(&id);
                let _ = inner.locks.free(lock);
                return Err(e);
            }
        }
        pod.event(EventStatus::Create);
        Ok(pod)
    }

    /// A pod by name, full ID or unique ID prefix.
    pub fn pod(&self, name_or_id: &str) -> Result<Pod> {
        let _g = self.inner.guard()?;
        let id = self.inner.state.lookup_pod_id(name_or_id)?;
        Ok(Pod {
            rt: self.clone(),
            id,
        })
    }

    /// Every pod.
    pub fn pods(&self) -> Result<Vec<Pod>> {
        let _g = self.inner.guard()?;
        Ok(self
            .inner
            .state
            .all_pods()?
            .into_iter()
            .map(|p| Pod {
                rt: self.clone(),
                id: p.id,
            })
            .collect())
    }
}
