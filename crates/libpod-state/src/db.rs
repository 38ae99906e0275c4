//! The rules of the state, written once over any backend: uniqueness in the shared ID/name
//! namespace, pod membership, dependencies, exec sessions, schema and path checks.
//! Every write checks everything before it changes anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::codec::{decode, encode};
use crate::error::{Result, StateError};
use crate::ids::{check_id, check_name, is_full_id, is_hex};
use crate::state::State;
use crate::store::{Backend, Kind, NewContainer, Reader, Writer};
use crate::types::{
    ContainerConfig, ContainerState, ContainerStatus, DbPaths, ExecSession, ExitCodeRecord,
    PodConfig, PodState, Snapshot, Timestamp, VolumeConfig, VolumeState,
};
use crate::volumes::{
    add_volume, all_volumes, check_volumes, lookup_volume, refresh_volumes, remove_volume,
    volume_config, volume_state,
};

/// The schema this build writes and the newest it reads. 2 added volumes; a database of
/// schema 1 is upgraded when opened (the new tables start empty).
pub const SCHEMA_VERSION: u32 = 2;

/// A `State` over a backend.
pub(crate) struct StateDb<B: Backend> {
    backend: B,
    paths: DbPaths,
    closed: AtomicBool,
}

fn owner(kind: Kind, id: &str) -> String {
    match kind {
        Kind::Container => format!("container {id}"),
        Kind::Pod => format!("pod {id}"),
    }
}

fn ctr_config(r: &dyn Reader, id: &str) -> Result<ContainerConfig> {
    let bytes = r
        .container_config(id)?
        .ok_or_else(|| StateError::NoSuchContainer(id.to_string()))?;
    decode("container config", id, &bytes)
}

fn pod_config(r: &dyn Reader, id: &str) -> Result<PodConfig> {
    let bytes = r
        .pod_config(id)?
        .ok_or_else(|| StateError::NoSuchPod(id.to_string()))?;
    decode("pod config", id, &bytes)
}

/// Full ID, then name, then unique prefix.
fn lookup(r: &dyn Reader, kind: Kind, s: &str) -> Result<String> {
    let missing = || match kind {
        Kind::Container => StateError::NoSuchContainer(s.to_string()),
        Kind::Pod => StateError::NoSuchPod(s.to_string()),
    };
    if s.is_empty() {
        return Err(missing());
    }
    if is_full_id(s) && r.id_kind(s)? == Some(kind) {
        return Ok(s.to_string());
    }
    if let Some((k, id)) = r.name_owner(s)?
        && k == kind
    {
        return Ok(id);
    }
    if is_hex(s) {
        let mut ids = r.ids_with_prefix(kind, s)?;
        match ids.len() {
            0 => {}
            1 => return Ok(ids.remove(0)),
            n => {
                return Err(StateError::AmbiguousPrefix {
                    prefix: s.to_string(),
                    matches: n,
                });
            }
        }
    }
    Err(missing())
}

fn check_unused(r: &dyn Reader, id: &str, name: &str) -> Result<()> {
    if r.id_kind(id)?.is_some() || r.exec_session(id)?.is_some() {
        return Err(StateError::IdInUse(id.to_string()));
    }
    if let Some((kind, owner_id)) = r.name_owner(name)? {
        return Err(StateError::NameInUse {
            name: name.to_string(),
            owner: owner(kind, &owner_id),
        });
    }
    Ok(())
}

fn add_container(
    w: &mut dyn Writer,
    config: &ContainerConfig,
    state: &ContainerState,
) -> Result<()> {
    check_id(&config.id)?;
    check_name(&config.name)?;
    let cfg = encode("container config", &config.id, config)?;
    let st = encode("container state", &config.id, state)?;
    check_unused(w, &config.id, &config.name)?;
    if let Some(pod) = &config.pod {
        pod_config(w, pod)?;
    }
    let mut seen = BTreeSet::new();
    for dep in &config.dependencies {
        let bad = |reason: String| StateError::BadDependency {
            id: config.id.clone(),
            dependency: dep.clone(),
            reason,
        };
        if dep == &config.id {
            return Err(bad("a container cannot depend on itself".into()));
        }
        if !seen.insert(dep) {
            return Err(bad("it is listed twice".into()));
        }
        let dep_cfg = match ctr_config(w, dep) {
            Err(StateError::NoSuchContainer(_)) => return Err(bad("no such container".into())),
            other => other?,
        };
        match (&config.pod, &dep_cfg.pod) {
            (Some(p), Some(q)) if p != q => {
                return Err(bad(format!("it is in pod {q}, not in pod {p}")));
            }
            (Some(p), None) => return Err(bad(format!("it is not in pod {p}"))),
            (None, Some(q)) => {
                return Err(bad(format!(
                    "it is in pod {q}; containers outside a pod cannot depend on its members"
                )));
            }
            _ => {}
        }
    }
    let volumes = check_volumes(w, config)?;
    w.insert_container(&NewContainer {
        id: &config.id,
        name: &config.name,
        pod: config.pod.as_deref(),
        dependencies: &config.dependencies,
        volumes: &volumes,
        config: &cfg,
        state: &st,
    })
}

fn add_pod(w: &mut dyn Writer, config: &PodConfig, state: &PodState) -> Result<()> {
    check_id(&config.id)?;
    check_name(&config.name)?;
    let cfg = encode("pod config", &config.id, config)?;
    let st = encode("pod state", &config.id, state)?;
    check_unused(w, &config.id, &config.name)?;
    w.insert_pod(&config.id, &config.name, &cfg, &st)
}

fn add_exec(w: &mut dyn Writer, s: &ExecSession) -> Result<()> {
    check_id(&s.id)?;
    let bytes = encode("exec session", &s.id, s)?;
    ctr_config(w, &s.container)?;
    if w.id_kind(&s.id)?.is_some() || w.exec_session(&s.id)?.is_some() {
        return Err(StateError::IdInUse(s.id.clone()));
    }
    w.put_exec_session(&s.id, &s.container, &bytes)
}

/// Containers after the containers they depend on; an error for cycles or missing ones.
fn dependency_order(containers: &[(ContainerConfig, ContainerState)]) -> Result<Vec<usize>> {
    let index: BTreeMap<&str, usize> = containers
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.id.as_str(), i))
        .collect();
    let mut order = Vec::with_capacity(containers.len());
    // 0 = unvisited, 1 = on the stack, 2 = placed.
    let mut mark = vec![0u8; containers.len()];
    fn visit(
        i: usize,
        cs: &[(ContainerConfig, ContainerState)],
        index: &BTreeMap<&str, usize>,
        mark: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<()> {
        match mark[i] {
            2 => return Ok(()),
            1 => {
                return Err(StateError::Import(format!(
                    "dependency cycle through container {}",
                    cs[i].0.id
                )));
            }
            _ => {}
        }
        mark[i] = 1;
        for dep in &cs[i].0.dependencies {
            let j = *index.get(dep.as_str()).ok_or_else(|| {
                StateError::Import(format!(
                    "container {} depends on {dep}, which the snapshot lacks",
                    cs[i].0.id
                ))
            })?;
            visit(j, cs, index, mark, order)?;
        }
        mark[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..containers.len() {
        visit(i, containers, &index, &mut mark, &mut order)?;
    }
    Ok(order)
}

impl<B: Backend> StateDb<B> {
    /// Opens the state over `backend`: checks the schema version and the recorded paths,
    /// recording them on first use.
    pub(crate) fn open(backend: B, paths: &DbPaths) -> Result<Self> {
        let db_path = backend.path().map(Path::to_path_buf).unwrap_or_default();
        let check = |r: &dyn Reader| -> Result<bool> {
            let Some(v) = r.meta("schema_version")? else {
                return Ok(false);
            };
            let found: u32 = v.parse().map_err(|_| StateError::Corrupt {
                path: db_path.clone(),
                detail: format!("schema version {v:?} is not a number"),
            })?;
            if found > SCHEMA_VERSION {
                return Err(StateError::NewerSchema {
                    path: db_path.clone(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            let recorded: DbPaths = match r.meta("paths")? {
                Some(p) => decode("recorded paths", "paths", p.as_bytes())?,
                None => {
                    return Err(StateError::Corrupt {
                        path: db_path.clone(),
                        detail: "no recorded paths".into(),
                    });
                }
            };
            for ((what, rec), (_, given)) in recorded.named().into_iter().zip(paths.named()) {
                if rec != given {
                    return Err(StateError::PathMismatch {
                        db: db_path.clone(),
                        what,
                        recorded: rec.clone(),
                        given: given.clone(),
                    });
                }
            }
            Ok(found == SCHEMA_VERSION)
        };
        if !backend.read(check)? {
            // First use; another process may be doing the same, so check again under the write lock.
            // An older schema is upgraded here: its tables exist by now (the backends create
            // missing ones when they open), so only the version changes.
            backend.write(|w| {
                if !check(w)? {
                    if w.meta("schema_version")?.is_none() {
                        let p = encode("recorded paths", "paths", paths)?;
                        w.set_meta("paths", &String::from_utf8_lossy(&p))?;
                    }
                    w.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
                }
                Ok(())
            })?;
        }
        Ok(StateDb {
            backend,
            paths: paths.clone(),
            closed: AtomicBool::new(false),
        })
    }

    fn read<T>(&self, f: impl FnOnce(&dyn Reader) -> Result<T>) -> Result<T> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StateError::Closed);
        }
        self.backend.read(f)
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Writer) -> Result<T>) -> Result<T> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StateError::Closed);
        }
        let started = std::time::Instant::now();
        let r = self.backend.write(f);
        tracing::trace!(
            backend = self.backend.name(),
            ok = r.is_ok(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "state write transaction"
        );
        r
    }
}

impl<B: Backend> State for StateDb<B> {
    fn backend(&self) -> &'static str {
        self.backend.name()
    }

    fn path(&self) -> Option<&Path> {
        self.backend.path()
    }

    fn paths(&self) -> &DbPaths {
        &self.paths
    }

    fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Err(StateError::Closed);
        }
        self.backend.close()
    }

    fn refresh(&self) -> Result<()> {
        self.write(|w| {
            for (id, _, st) in w.all_containers()? {
                let mut s: ContainerState = decode("container state", &id, &st)?;
                s.status = match s.status {
                    ContainerStatus::Running
                    | ContainerStatus::Paused
                    | ContainerStatus::Stopped => ContainerStatus::Exited,
                    ContainerStatus::Created => ContainerStatus::Configured,
                    other => other,
                };
                s.pid = None;
                s.conmon_pid = None;
                s.netns_path = None;
                s.networks.clear();
                s.mount_point = None;
                let bytes = encode("container state", &id, &s)?;
                w.set_container_state(&id, &bytes)?;
            }
            for (id, bytes) in w.all_exec_sessions()? {
                let s: ExecSession = decode("exec session", &id, &bytes)?;
                w.delete_exec_session(&id, &s.container)?;
            }
            refresh_volumes(w)
        })
    }

    fn add_container(&self, config: &ContainerConfig, state: &ContainerState) -> Result<()> {
        self.write(|w| add_container(w, config, state))
    }

    fn remove_container(&self, id: &str) -> Result<()> {
        self.write(|w| {
            let c = ctr_config(w, id)?;
            let dependents = w.dependents(id)?;
            if !dependents.is_empty() {
                return Err(StateError::HasDependents {
                    id: id.to_string(),
                    dependents,
                });
            }
            let execs = w.exec_sessions_of(id)?;
            if !execs.is_empty() {
                return Err(StateError::HasExecSessions {
                    id: id.to_string(),
                    count: execs.len(),
                });
            }
            w.delete_container(
                id,
                &c.name,
                c.pod.as_deref(),
                &c.dependencies,
                &c.volume_names(),
            )
        })
    }

    fn container(&self, id: &str) -> Result<ContainerConfig> {
        self.read(|r| ctr_config(r, id))
    }

    fn container_exists(&self, id: &str) -> Result<bool> {
        self.read(|r| Ok(r.id_kind(id)? == Some(Kind::Container)))
    }

    fn lookup_container_id(&self, name_or_id: &str) -> Result<String> {
        self.read(|r| lookup(r, Kind::Container, name_or_id))
    }

    fn lookup_container(&self, name_or_id: &str) -> Result<ContainerConfig> {
        self.read(|r| ctr_config(r, &lookup(r, Kind::Container, name_or_id)?))
    }

    fn container_state(&self, id: &str) -> Result<ContainerState> {
        self.read(|r| {
            let bytes = r
                .container_state(id)?
                .ok_or_else(|| StateError::NoSuchContainer(id.to_string()))?;
            decode("container state", id, &bytes)
        })
    }

    fn save_container_state(&self, id: &str, state: &ContainerState) -> Result<()> {
        let bytes = encode("container state", id, state)?;
        self.write(|w| {
            if w.id_kind(id)? != Some(Kind::Container) {
                return Err(StateError::NoSuchContainer(id.to_string()));
            }
            w.set_container_state(id, &bytes)
        })
    }

    fn rename_container(&self, id: &str, new_name: &str) -> Result<()> {
        check_name(new_name)?;
        self.write(|w| {
            let mut c = ctr_config(w, id)?;
            if c.name == new_name {
                return Ok(());
            }
            if let Some((kind, owner_id)) = w.name_owner(new_name)? {
                return Err(StateError::NameInUse {
                    name: new_name.to_string(),
                    owner: owner(kind, &owner_id),
                });
            }
            let old = std::mem::replace(&mut c.name, new_name.to_string());
            let bytes = encode("container config", id, &c)?;
            w.rename_container(id, &old, new_name, &bytes)
        })
    }

    fn update_container_resources(&self, id: &str, resources: &crate::Resources) -> Result<()> {
        self.write(|w| {
            let mut c = ctr_config(w, id)?;
            c.resources = resources.clone();
            let bytes = encode("container config", id, &c)?;
            w.set_container_config(id, &bytes)
        })
    }

    fn update_container_network(
        &self,
        id: &str,
        network: &crate::NetworkMode,
        options: &std::collections::BTreeMap<String, crate::NetworkOptions>,
    ) -> Result<()> {
        self.write(|w| {
            let mut c = ctr_config(w, id)?;
            c.network = network.clone();
            c.network_options = options.clone();
            let bytes = encode("container config", id, &c)?;
            w.set_container_config(id, &bytes)
        })
    }

    fn container_dependents(&self, id: &str) -> Result<Vec<String>> {
        self.read(|r| {
            ctr_config(r, id)?;
            r.dependents(id)
        })
    }

    fn all_containers(&self) -> Result<Vec<ContainerConfig>> {
        self.read(|r| {
            r.all_containers()?
                .iter()
                .map(|(id, c, _)| decode("container config", id, c))
                .collect()
        })
    }

    fn all_containers_with_state(&self) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        self.read(|r| {
            r.all_containers()?
                .iter()
                .map(|(id, c, s)| {
                    Ok((
                        decode("container config", id, c)?,
                        decode("container state", id, s)?,
                    ))
                })
                .collect()
        })
    }

    fn add_pod(&self, config: &PodConfig, state: &PodState) -> Result<()> {
        self.write(|w| add_pod(w, config, state))
    }

    fn remove_pod(&self, id: &str) -> Result<()> {
        self.write(|w| {
            let p = pod_config(w, id)?;
            let members = w.pod_members(id)?;
            if !members.is_empty() {
                return Err(StateError::PodHasContainers {
                    pod: id.to_string(),
                    count: members.len(),
                });
            }
            w.delete_pod(id, &p.name)
        })
    }

    fn remove_pod_containers(&self, id: &str) -> Result<Vec<String>> {
        self.write(|w| {
            pod_config(w, id)?;
            let members = w.pod_members(id)?;
            let inside: BTreeSet<&str> = members.iter().map(String::as_str).collect();
            let mut configs = Vec::new();
            for m in &members {
                let outside: Vec<String> = w
                    .dependents(m)?
                    .into_iter()
                    .filter(|d| !inside.contains(d.as_str()))
                    .collect();
                if !outside.is_empty() {
                    return Err(StateError::HasDependents {
                        id: m.clone(),
                        dependents: outside,
                    });
                }
                let execs = w.exec_sessions_of(m)?;
                if !execs.is_empty() {
                    return Err(StateError::HasExecSessions {
                        id: m.clone(),
                        count: execs.len(),
                    });
                }
                configs.push(ctr_config(w, m)?);
            }
            for c in &configs {
                w.delete_container(
                    &c.id,
                    &c.name,
                    c.pod.as_deref(),
                    &c.dependencies,
                    &c.volume_names(),
                )?;
            }
            Ok(members)
        })
    }

    fn pod(&self, id: &str) -> Result<PodConfig> {
        self.read(|r| pod_config(r, id))
    }

    fn lookup_pod_id(&self, name_or_id: &str) -> Result<String> {
        self.read(|r| lookup(r, Kind::Pod, name_or_id))
    }

    fn lookup_pod(&self, name_or_id: &str) -> Result<PodConfig> {
        self.read(|r| pod_config(r, &lookup(r, Kind::Pod, name_or_id)?))
    }

    fn pod_state(&self, id: &str) -> Result<PodState> {
        self.read(|r| {
            let bytes = r
                .pod_state(id)?
                .ok_or_else(|| StateError::NoSuchPod(id.to_string()))?;
            decode("pod state", id, &bytes)
        })
    }

    fn save_pod_state(&self, id: &str, state: &PodState) -> Result<()> {
        let bytes = encode("pod state", id, state)?;
        self.write(|w| {
            if w.id_kind(id)? != Some(Kind::Pod) {
                return Err(StateError::NoSuchPod(id.to_string()));
            }
            w.set_pod_state(id, &bytes)
        })
    }

    fn pod_containers(&self, id: &str) -> Result<Vec<String>> {
        self.read(|r| {
            pod_config(r, id)?;
            r.pod_members(id)
        })
    }

    fn all_pods(&self) -> Result<Vec<PodConfig>> {
        self.read(|r| {
            r.all_pods()?
                .iter()
                .map(|(id, c, _)| decode("pod config", id, c))
                .collect()
        })
    }

    fn add_exit_code(&self, id: &str, code: i32, at: Timestamp) -> Result<()> {
        check_id(id)?;
        let bytes = encode("exit code", id, &ExitCodeRecord { code, at })?;
        self.write(|w| w.put_exit_code(id, &bytes))
    }

    fn exit_code(&self, id: &str) -> Result<Option<ExitCodeRecord>> {
        self.read(|r| {
            r.exit_code(id)?
                .map(|b| decode("exit code", id, &b))
                .transpose()
        })
    }

    fn prune_exit_codes(&self, before: Timestamp) -> Result<usize> {
        self.write(|w| {
            let mut n = 0;
            for (id, bytes) in w.all_exit_codes()? {
                let rec: ExitCodeRecord = decode("exit code", &id, &bytes)?;
                if rec.at < before {
                    w.delete_exit_code(&id)?;
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    fn add_exec_session(&self, session: &ExecSession) -> Result<()> {
        self.write(|w| add_exec(w, session))
    }

    fn exec_session(&self, id: &str) -> Result<ExecSession> {
        self.read(|r| {
            let bytes = r
                .exec_session(id)?
                .ok_or_else(|| StateError::NoSuchExecSession(id.to_string()))?;
            decode("exec session", id, &bytes)
        })
    }

    fn save_exec_session(&self, session: &ExecSession) -> Result<()> {
        let bytes = encode("exec session", &session.id, session)?;
        self.write(|w| {
            let old = w
                .exec_session(&session.id)?
                .ok_or_else(|| StateError::NoSuchExecSession(session.id.clone()))?;
            let old: ExecSession = decode("exec session", &session.id, &old)?;
            if old.container != session.container {
                return Err(StateError::NoSuchExecSession(format!(
                    "{} in container {}",
                    session.id, session.container
                )));
            }
            w.put_exec_session(&session.id, &session.container, &bytes)
        })
    }

    fn remove_exec_session(&self, id: &str) -> Result<()> {
        self.write(|w| {
            let bytes = w
                .exec_session(id)?
                .ok_or_else(|| StateError::NoSuchExecSession(id.to_string()))?;
            let s: ExecSession = decode("exec session", id, &bytes)?;
            w.delete_exec_session(id, &s.container)
        })
    }

    fn container_exec_sessions(&self, id: &str) -> Result<Vec<ExecSession>> {
        self.read(|r| {
            ctr_config(r, id)?;
            r.exec_sessions_of(id)?
                .iter()
                .map(|(eid, b)| decode("exec session", eid, b))
                .collect()
        })
    }

    fn add_volume(&self, config: &VolumeConfig, state: &VolumeState) -> Result<()> {
        self.write(|w| add_volume(w, config, state))
    }

    fn remove_volume(&self, name: &str) -> Result<()> {
        self.write(|w| remove_volume(w, name))
    }

    fn volume(&self, name: &str) -> Result<VolumeConfig> {
        self.read(|r| volume_config(r, name))
    }

    fn lookup_volume(&self, name_or_prefix: &str) -> Result<VolumeConfig> {
        self.read(|r| volume_config(r, &lookup_volume(r, name_or_prefix)?))
    }

    fn volume_state(&self, name: &str) -> Result<VolumeState> {
        self.read(|r| volume_state(r, name))
    }

    fn save_volume_state(&self, name: &str, state: &VolumeState) -> Result<()> {
        let bytes = encode("volume state", name, state)?;
        self.write(|w| {
            volume_config(w, name)?;
            w.set_volume_state(name, &bytes)
        })
    }

    fn volume_users(&self, name: &str) -> Result<Vec<String>> {
        self.read(|r| {
            volume_config(r, name)?;
            r.volume_users(name)
        })
    }

    fn all_volumes(&self) -> Result<Vec<(VolumeConfig, VolumeState)>> {
        self.read(all_volumes)
    }

    fn export(&self) -> Result<Snapshot> {
        self.read(|r| {
            let pods = r
                .all_pods()?
                .iter()
                .map(|(id, c, s)| Ok((decode("pod config", id, c)?, decode("pod state", id, s)?)))
                .collect::<Result<_>>()?;
            let containers = r
                .all_containers()?
                .iter()
                .map(|(id, c, s)| {
                    Ok((
                        decode("container config", id, c)?,
                        decode("container state", id, s)?,
                    ))
                })
                .collect::<Result<_>>()?;
            let exec_sessions = r
                .all_exec_sessions()?
                .iter()
                .map(|(id, b)| decode("exec session", id, b))
                .collect::<Result<_>>()?;
            let exit_codes = r
                .all_exit_codes()?
                .iter()
                .map(|(id, b)| Ok((id.clone(), decode("exit code", id, b)?)))
                .collect::<Result<_>>()?;
            Ok(Snapshot {
                paths: self.paths.clone(),
                pods,
                containers,
                exec_sessions,
                exit_codes,
                volumes: all_volumes(r)?,
            })
        })
    }

    fn import(&self, snapshot: &Snapshot) -> Result<()> {
        for ((what, theirs), (_, ours)) in
            snapshot.paths.named().into_iter().zip(self.paths.named())
        {
            if theirs != ours {
                return Err(StateError::PathMismatch {
                    db: self
                        .backend
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                    what,
                    recorded: ours.clone(),
                    given: theirs.clone(),
                });
            }
        }
        let order = dependency_order(&snapshot.containers)?;
        self.write(|w| {
            if !w.all_containers()?.is_empty()
                || !w.all_pods()?.is_empty()
                || !w.all_volumes()?.is_empty()
            {
                return Err(StateError::Import(
                    "the target database is not empty".into(),
                ));
            }
            for (c, s) in &snapshot.volumes {
                add_volume(w, c, s)?;
            }
            for (c, s) in &snapshot.pods {
                add_pod(w, c, s)?;
            }
            for &i in &order {
                let (c, s) = &snapshot.containers[i];
                add_container(w, c, s)?;
            }
            for e in &snapshot.exec_sessions {
                add_exec(w, e)?;
            }
            for (id, rec) in &snapshot.exit_codes {
                check_id(id)?;
                w.put_exit_code(id, &encode("exit code", id, rec)?)?;
            }
            Ok(())
        })
    }
}
