//! State-machine property test: random operation sequences run against every backend and a
//! plain reference model (vectors and linear scans); every result must match, step by step.

mod common;

use std::collections::BTreeMap;

use common::{BACKENDS, db_in, scratch};
use libpod_state::{
    ContainerConfig, ContainerState, ContainerStatus, ExecSession, Mount, MountKind, PodConfig,
    PodState, State, StateError, VolumeConfig, VolumeState,
};
use proptest::prelude::*;

/// IDs with shared prefixes, so prefix lookups are sometimes ambiguous.
const IDS: [&str; 8] = ["aa1", "aa2", "ab", "b1", "b2", "c", "d", "e0"];
const NAMES: [&str; 6] = ["web", "db", "cache", "w", "-bad", "pod1"];
/// Volume names: two share a prefix, one is also a container name.
const VOLS: [&str; 4] = ["data", "data2", "web", "x/y"];
const STATUSES: [ContainerStatus; 6] = [
    ContainerStatus::Configured,
    ContainerStatus::Created,
    ContainerStatus::Running,
    ContainerStatus::Paused,
    ContainerStatus::Stopped,
    ContainerStatus::Exited,
];

fn full(i: usize) -> String {
    common::id(IDS[i])
}

#[derive(Debug, Clone)]
enum Op {
    AddPod {
        id: usize,
        name: usize,
    },
    AddContainer {
        id: usize,
        name: usize,
        pod: Option<usize>,
        deps: Vec<usize>,
        vols: Vec<usize>,
    },
    RemoveContainer(usize),
    Rename {
        id: usize,
        name: usize,
    },
    UpdateResources {
        id: usize,
        pids: i64,
    },
    UpdateNetwork {
        id: usize,
        networks: usize,
    },
    AddVolume(usize),
    RemoveVolume(usize),
    LookupVolume(usize, usize),
    VolumeUsers(usize),
    RemovePod(usize),
    RemovePodContainers(usize),
    SaveState {
        id: usize,
        status: usize,
        pid: u32,
    },
    LookupContainer(Query),
    LookupPod(Query),
    Dependents(usize),
    PodContainers(usize),
    AddExec {
        id: usize,
        ctr: usize,
    },
    RemoveExec(usize),
    AddExitCode {
        id: usize,
        code: i32,
        at: i64,
    },
    Prune(i64),
    Refresh,
}

#[derive(Debug, Clone)]
enum Query {
    Name(usize),
    Prefix(usize, usize),
    Garbage,
}

impl Query {
    fn text(&self) -> String {
        match self {
            Query::Name(n) => NAMES[*n].to_string(),
            Query::Prefix(i, len) => full(*i)[..*len].to_string(),
            Query::Garbage => "zz".to_string(),
        }
    }
}

fn query() -> impl Strategy<Value = Query> {
    prop_oneof![
        (0..NAMES.len()).prop_map(Query::Name),
        (0..IDS.len(), prop::sample::select(vec![1usize, 2, 3, 64]))
            .prop_map(|(i, l)| Query::Prefix(i, l)),
        Just(Query::Garbage),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let id = 0..IDS.len();
    prop_oneof![
        2 => (id.clone(), 0..NAMES.len()).prop_map(|(id, name)| Op::AddPod { id, name }),
        6 => (id.clone(), 0..NAMES.len(), prop::option::weighted(0.3, id.clone()), prop::collection::vec(id.clone(), 0..3), prop::collection::vec(0..VOLS.len(), 0..3))
            .prop_map(|(id, name, pod, deps, vols)| Op::AddContainer { id, name, pod, deps, vols }),
        2 => (0..VOLS.len()).prop_map(Op::AddVolume),
        2 => (0..VOLS.len()).prop_map(Op::RemoveVolume),
        1 => (0..VOLS.len(), 1usize..6).prop_map(|(v, l)| Op::LookupVolume(v, l)),
        1 => (0..VOLS.len()).prop_map(Op::VolumeUsers),
        3 => id.clone().prop_map(Op::RemoveContainer),
        2 => (id.clone(), 0..NAMES.len()).prop_map(|(id, name)| Op::Rename { id, name }),
        1 => (id.clone(), 1i64..100).prop_map(|(id, pids)| Op::UpdateResources { id, pids }),
        1 => (id.clone(), 0usize..3).prop_map(|(id, networks)| Op::UpdateNetwork { id, networks }),
        1 => id.clone().prop_map(Op::RemovePod),
        1 => id.clone().prop_map(Op::RemovePodContainers),
        3 => (id.clone(), 0..STATUSES.len(), 0u32..5).prop_map(|(id, status, pid)| Op::SaveState { id, status, pid }),
        3 => query().prop_map(Op::LookupContainer),
        2 => query().prop_map(Op::LookupPod),
        1 => id.clone().prop_map(Op::Dependents),
        1 => id.clone().prop_map(Op::PodContainers),
        2 => (id.clone(), id.clone()).prop_map(|(id, ctr)| Op::AddExec { id, ctr }),
        1 => id.clone().prop_map(Op::RemoveExec),
        1 => (id.clone(), -3i32..3, 0i64..10).prop_map(|(id, code, at)| Op::AddExitCode { id, code, at }),
        1 => (0i64..10).prop_map(Op::Prune),
        1 => Just(Op::Refresh),
    ]
}

/// The limits an `UpdateResources` op sets.
fn resources(pids: i64) -> libpod_state::Resources {
    libpod_state::Resources {
        pids: Some(pids),
        cpuset_cpus: Some("0".into()),
        ..Default::default()
    }
}

/// The networks an `UpdateNetwork` op sets (`n` of them).
fn networks(n: usize) -> libpod_state::NetworkMode {
    libpod_state::NetworkMode::Networks((0..n).map(|i| format!("net{i}")).collect())
}

/// The per-network settings an `UpdateNetwork` op sets: an address on the first network.
fn network_options(n: usize) -> std::collections::BTreeMap<String, libpod_state::NetworkOptions> {
    (0..n.min(1))
        .map(|_| {
            let o = libpod_state::NetworkOptions {
                ips: vec![std::net::IpAddr::from([10, 0, 0, n as u8])],
                ..Default::default()
            };
            ("net0".to_string(), o)
        })
        .collect()
}

/// The reference model: the rules written as plainly as possible.
#[derive(Default, Debug)]
struct Model {
    ctrs: Vec<(ContainerConfig, ContainerState)>,
    pods: Vec<PodConfig>,
    execs: Vec<ExecSession>,
    exits: BTreeMap<String, (i32, i64)>,
    vols: Vec<String>,
}

type Out = Result<String, &'static str>;

fn kind(e: &StateError) -> &'static str {
    match e {
        StateError::NoSuchContainer(_) => "no such container",
        StateError::NoSuchPod(_) => "no such pod",
        StateError::NoSuchExecSession(_) => "no such exec",
        StateError::AmbiguousPrefix { .. } => "ambiguous",
        StateError::NameInUse { .. } => "name in use",
        StateError::IdInUse(_) => "id in use",
        StateError::InvalidName(_) => "invalid name",
        StateError::HasDependents { .. } => "has dependents",
        StateError::BadDependency { .. } => "bad dependency",
        StateError::PodHasContainers { .. } => "pod has containers",
        StateError::HasExecSessions { .. } => "has exec sessions",
        StateError::NoSuchVolume(_) => "no such volume",
        StateError::VolumeExists(_) => "volume exists",
        StateError::VolumeInUse { .. } => "volume in use",
        other => panic!("unexpected error from a valid database: {other}"),
    }
}

impl Model {
    fn ctr(&self, id: &str) -> Option<&(ContainerConfig, ContainerState)> {
        self.ctrs.iter().find(|(c, _)| c.id == id)
    }
    fn pod(&self, id: &str) -> Option<&PodConfig> {
        self.pods.iter().find(|p| p.id == id)
    }
    fn name_taken(&self, name: &str) -> bool {
        self.ctrs.iter().any(|(c, _)| c.name == name) || self.pods.iter().any(|p| p.name == name)
    }
    fn id_taken(&self, id: &str) -> bool {
        self.ctr(id).is_some() || self.pod(id).is_some() || self.execs.iter().any(|e| e.id == id)
    }
    fn dependents(&self, id: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .ctrs
            .iter()
            .filter(|(c, _)| c.dependencies.iter().any(|d| d == id))
            .map(|(c, _)| c.id.clone())
            .collect();
        v.sort();
        v
    }
    fn volume_users(&self, v: &str) -> Vec<String> {
        let mut u: Vec<String> = self
            .ctrs
            .iter()
            .filter(|(c, _)| c.volume_names().iter().any(|n| n == v))
            .map(|(c, _)| c.id.clone())
            .collect();
        u.sort();
        u
    }
    fn members(&self, pod: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .ctrs
            .iter()
            .filter(|(c, _)| c.pod.as_deref() == Some(pod))
            .map(|(c, _)| c.id.clone())
            .collect();
        v.sort();
        v
    }
    fn lookup(&self, q: &str, containers: bool) -> Out {
        let missing = if containers {
            "no such container"
        } else {
            "no such pod"
        };
        let ids: Vec<(&str, &str)> = if containers {
            self.ctrs
                .iter()
                .map(|(c, _)| (c.id.as_str(), c.name.as_str()))
                .collect()
        } else {
            self.pods
                .iter()
                .map(|p| (p.id.as_str(), p.name.as_str()))
                .collect()
        };
        if q.is_empty() {
            return Err(missing);
        }
        if let Some((id, _)) = ids.iter().find(|(id, _)| *id == q) {
            return Ok(id.to_string());
        }
        if let Some((id, _)) = ids.iter().find(|(_, n)| *n == q) {
            return Ok(id.to_string());
        }
        let hex = q
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let matches: Vec<&&str> = ids
            .iter()
            .map(|(id, _)| id)
            .filter(|id| hex && id.starts_with(q))
            .collect();
        match matches.len() {
            0 => Err(missing),
            1 => Ok(matches[0].to_string()),
            _ => Err("ambiguous"),
        }
    }

    fn apply(&mut self, op: &Op) -> Out {
        match op {
            Op::AddPod { id, name } => {
                let (id, name) = (full(*id), NAMES[*name]);
                if name.starts_with('-') {
                    return Err("invalid name");
                }
                if self.id_taken(&id) {
                    return Err("id in use");
                }
                if self.name_taken(name) {
                    return Err("name in use");
                }
                self.pods.push(PodConfig {
                    id,
                    name: name.into(),
                    ..Default::default()
                });
                Ok(String::new())
            }
            Op::AddContainer {
                id,
                name,
                pod,
                deps,
                vols,
            } => {
                let c = container(*id, *name, *pod, deps, vols);
                if c.name.starts_with('-') {
                    return Err("invalid name");
                }
                if self.id_taken(&c.id) {
                    return Err("id in use");
                }
                if self.name_taken(&c.name) {
                    return Err("name in use");
                }
                if let Some(p) = &c.pod
                    && self.pod(p).is_none()
                {
                    return Err("no such pod");
                }
                for (i, d) in c.dependencies.iter().enumerate() {
                    if *d == c.id || c.dependencies[..i].contains(d) {
                        return Err("bad dependency");
                    }
                    match self.ctr(d) {
                        None => return Err("bad dependency"),
                        Some((dc, _)) if dc.pod != c.pod => return Err("bad dependency"),
                        _ => {}
                    }
                }
                if c.volume_names().iter().any(|v| !self.vols.contains(v)) {
                    return Err("no such volume");
                }
                self.ctrs.push((c, ContainerState::default()));
                Ok(String::new())
            }
            Op::RemoveContainer(i) => {
                let id = full(*i);
                self.ctr(&id).ok_or("no such container")?;
                if !self.dependents(&id).is_empty() {
                    return Err("has dependents");
                }
                if self.execs.iter().any(|e| e.container == id) {
                    return Err("has exec sessions");
                }
                self.ctrs.retain(|(c, _)| c.id != id);
                Ok(String::new())
            }
            Op::AddVolume(v) => {
                let name = VOLS[*v];
                if name.contains('/') {
                    return Err("invalid name");
                }
                if self.vols.iter().any(|n| n == name) {
                    return Err("volume exists");
                }
                self.vols.push(name.to_string());
                Ok(String::new())
            }
            Op::RemoveVolume(v) => {
                let name = VOLS[*v];
                if !self.vols.iter().any(|n| n == name) {
                    return Err("no such volume");
                }
                if !self.volume_users(name).is_empty() {
                    return Err("volume in use");
                }
                self.vols.retain(|n| n != name);
                Ok(String::new())
            }
            Op::LookupVolume(v, len) => {
                let q: String = VOLS[*v].chars().take(*len).collect();
                if self.vols.contains(&q) {
                    return Ok(q);
                }
                let m: Vec<&String> = self.vols.iter().filter(|n| n.starts_with(&q)).collect();
                match m.len() {
                    0 => Err("no such volume"),
                    1 => Ok(m[0].clone()),
                    _ => Err("ambiguous"),
                }
            }
            Op::VolumeUsers(v) => {
                let name = VOLS[*v];
                if !self.vols.iter().any(|n| n == name) {
                    return Err("no such volume");
                }
                Ok(self.volume_users(name).join(","))
            }
            Op::RemovePod(i) => {
                let id = full(*i);
                self.pod(&id).ok_or("no such pod")?;
                if !self.members(&id).is_empty() {
                    return Err("pod has containers");
                }
                self.pods.retain(|p| p.id != id);
                Ok(String::new())
            }
            Op::RemovePodContainers(i) => {
                let id = full(*i);
                self.pod(&id).ok_or("no such pod")?;
                let members = self.members(&id);
                for m in &members {
                    if self.dependents(m).iter().any(|d| !members.contains(d)) {
                        return Err("has dependents");
                    }
                    if self.execs.iter().any(|e| &e.container == m) {
                        return Err("has exec sessions");
                    }
                }
                self.ctrs.retain(|(c, _)| !members.contains(&c.id));
                Ok(members.join(","))
            }
            Op::Rename { id, name } => {
                let (id, name) = (full(*id), NAMES[*name].to_string());
                if name.starts_with('-') {
                    return Err("invalid name");
                }
                let current = self.ctr(&id).ok_or("no such container")?.0.name.clone();
                if current != name && self.name_taken(&name) {
                    return Err("name in use");
                }
                if let Some((c, _)) = self.ctrs.iter_mut().find(|(c, _)| c.id == id) {
                    c.name = name;
                }
                Ok(String::new())
            }
            Op::UpdateResources { id, pids } => {
                let id = full(*id);
                let c = self.ctrs.iter_mut().find(|(c, _)| c.id == id);
                let (c, _) = c.ok_or("no such container")?;
                c.resources = resources(*pids);
                Ok(String::new())
            }
            Op::UpdateNetwork { id, networks: n } => {
                let id = full(*id);
                let c = self.ctrs.iter_mut().find(|(c, _)| c.id == id);
                let (c, _) = c.ok_or("no such container")?;
                c.network = networks(*n);
                c.network_options = network_options(*n);
                Ok(String::new())
            }
            Op::SaveState { id, status, pid } => {
                let id = full(*id);
                let s = self
                    .ctrs
                    .iter_mut()
                    .find(|(c, _)| c.id == id)
                    .ok_or("no such container")?;
                s.1 = ContainerState {
                    status: STATUSES[*status],
                    pid: Some(*pid),
                    ..Default::default()
                };
                Ok(String::new())
            }
            Op::LookupContainer(q) => self.lookup(&q.text(), true),
            Op::LookupPod(q) => self.lookup(&q.text(), false),
            Op::Dependents(i) => {
                let id = full(*i);
                self.ctr(&id).ok_or("no such container")?;
                Ok(self.dependents(&id).join(","))
            }
            Op::PodContainers(i) => {
                let id = full(*i);
                self.pod(&id).ok_or("no such pod")?;
                Ok(self.members(&id).join(","))
            }
            Op::AddExec { id, ctr } => {
                let e = exec(*id, *ctr);
                self.ctr(&e.container).ok_or("no such container")?;
                if self.id_taken(&e.id) {
                    return Err("id in use");
                }
                self.execs.push(e);
                Ok(String::new())
            }
            Op::RemoveExec(i) => {
                let id = full(*i);
                let before = self.execs.len();
                self.execs.retain(|e| e.id != id);
                if self.execs.len() == before {
                    Err("no such exec")
                } else {
                    Ok(String::new())
                }
            }
            Op::AddExitCode { id, code, at } => {
                self.exits.insert(full(*id), (*code, *at));
                Ok(String::new())
            }
            Op::Prune(before) => {
                let n = self.exits.len();
                self.exits.retain(|_, (_, at)| *at >= *before);
                Ok((n - self.exits.len()).to_string())
            }
            Op::Refresh => {
                for (_, s) in &mut self.ctrs {
                    s.status = match s.status {
                        ContainerStatus::Running
                        | ContainerStatus::Paused
                        | ContainerStatus::Stopped => ContainerStatus::Exited,
                        ContainerStatus::Created => ContainerStatus::Configured,
                        other => other,
                    };
                    s.pid = None;
                }
                self.execs.clear();
                Ok(String::new())
            }
        }
    }
}

fn container(
    id: usize,
    name: usize,
    pod: Option<usize>,
    deps: &[usize],
    vols: &[usize],
) -> ContainerConfig {
    ContainerConfig {
        id: full(id),
        name: NAMES[name].to_string(),
        pod: pod.map(full),
        dependencies: deps.iter().map(|d| full(*d)).collect(),
        mounts: vols
            .iter()
            .map(|v| Mount {
                kind: MountKind::Volume,
                source: VOLS[*v].to_string(),
                destination: "/v".into(),
                options: Vec::new(),
            })
            .collect(),
        ..Default::default()
    }
}

fn volume(v: usize) -> VolumeConfig {
    VolumeConfig {
        name: VOLS[v].to_string(),
        driver: "local".into(),
        ..Default::default()
    }
}

fn exec(id: usize, ctr: usize) -> ExecSession {
    ExecSession {
        id: full(id),
        container: full(ctr),
        ..Default::default()
    }
}

fn run(s: &dyn State, op: &Op) -> Out {
    let unit = |r: Result<(), StateError>| r.map(|_| String::new()).map_err(|e| kind(&e));
    let list = |r: Result<Vec<String>, StateError>| r.map(|v| v.join(",")).map_err(|e| kind(&e));
    match op {
        Op::AddPod { id, name } => unit(s.add_pod(
            &PodConfig {
                id: full(*id),
                name: NAMES[*name].into(),
                ..Default::default()
            },
            &PodState::default(),
        )),
        Op::AddContainer {
            id,
            name,
            pod,
            deps,
            vols,
        } => unit(s.add_container(
            &container(*id, *name, *pod, deps, vols),
            &ContainerState::default(),
        )),
        Op::AddVolume(v) => unit(s.add_volume(&volume(*v), &VolumeState::default())),
        Op::RemoveVolume(v) => unit(s.remove_volume(VOLS[*v])),
        Op::LookupVolume(v, len) => {
            let q: String = VOLS[*v].chars().take(*len).collect();
            s.lookup_volume(&q).map(|c| c.name).map_err(|e| kind(&e))
        }
        Op::VolumeUsers(v) => list(s.volume_users(VOLS[*v])),
        Op::RemoveContainer(i) => unit(s.remove_container(&full(*i))),
        Op::Rename { id, name } => unit(s.rename_container(&full(*id), NAMES[*name])),
        Op::UpdateResources { id, pids } => {
            unit(s.update_container_resources(&full(*id), &resources(*pids)))
        }
        Op::UpdateNetwork { id, networks: n } => {
            unit(s.update_container_network(&full(*id), &networks(*n), &network_options(*n)))
        }
        Op::RemovePod(i) => unit(s.remove_pod(&full(*i))),
        Op::RemovePodContainers(i) => s
            .remove_pod_containers(&full(*i))
            .map(|mut v| {
                v.sort();
                v.join(",")
            })
            .map_err(|e| kind(&e)),
        Op::SaveState { id, status, pid } => unit(s.save_container_state(
            &full(*id),
            &ContainerState {
                status: STATUSES[*status],
                pid: Some(*pid),
                ..Default::default()
            },
        )),
        Op::LookupContainer(q) => s.lookup_container_id(&q.text()).map_err(|e| kind(&e)),
        Op::LookupPod(q) => s.lookup_pod_id(&q.text()).map_err(|e| kind(&e)),
        Op::Dependents(i) => list(s.container_dependents(&full(*i))),
        Op::PodContainers(i) => list(s.pod_containers(&full(*i))),
        Op::AddExec { id, ctr } => unit(s.add_exec_session(&exec(*id, *ctr))),
        Op::RemoveExec(i) => unit(s.remove_exec_session(&full(*i))),
        Op::AddExitCode { id, code, at } => unit(s.add_exit_code(&full(*id), *code, *at)),
        Op::Prune(before) => s
            .prune_exit_codes(*before)
            .map(|n| n.to_string())
            .map_err(|e| kind(&e)),
        Op::Refresh => unit(s.refresh()),
    }
}

/// Whole-database comparison, after every step.
fn same(s: &dyn State, m: &Model) -> Result<(), TestCaseError> {
    let mut want = m.ctrs.clone();
    want.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    prop_assert_eq!(s.all_containers_with_state().expect("list"), want);
    let mut pods: Vec<String> = m.pods.iter().map(|p| p.id.clone()).collect();
    pods.sort();
    prop_assert_eq!(
        s.all_pods()
            .expect("pods")
            .into_iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        pods
    );
    let snap = s.export().expect("export");
    let mut execs: Vec<String> = m.execs.iter().map(|e| e.id.clone()).collect();
    execs.sort();
    prop_assert_eq!(
        snap.exec_sessions
            .into_iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        execs
    );
    let exits: BTreeMap<String, (i32, i64)> = snap
        .exit_codes
        .into_iter()
        .map(|(k, v)| (k, (v.code, v.at)))
        .collect();
    prop_assert_eq!(&exits, &m.exits);
    let mut vols = m.vols.clone();
    vols.sort();
    prop_assert_eq!(
        snap.volumes
            .into_iter()
            .map(|(v, _)| v.name)
            .collect::<Vec<_>>(),
        vols
    );
    Ok(())
}

fn cases() -> u32 {
    std::env::var("STATE_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_backend_matches_the_model(ops in prop::collection::vec(op(), 1..40)) {
        for &name in BACKENDS {
            let db = db_in(name, scratch());
            let mut model = Model::default();
            for (step, op) in ops.iter().enumerate() {
                let want = model.apply(op);
                let got = run(db.state.as_ref(), op);
                prop_assert_eq!(&got, &want, "{} step {}: {:?}", name, step, op);
                same(db.state.as_ref(), &model)?;
            }
        }
    }
}
