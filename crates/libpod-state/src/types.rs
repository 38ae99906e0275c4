//! Plain data stored in the state: container and pod configs and states, exec sessions, exit
//! codes (ground floor). Every type is serde; new fields get `#[serde(default)]` so older
//! databases keep decoding.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use libpod_config::ports::{PortMapping, Protocol};

/// Nanoseconds since the Unix epoch.
pub type Timestamp = i64;

/// A container's status, with libpod's names and transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    /// In the state, not yet created in the OCI runtime.
    #[default]
    Configured,
    /// Created in the OCI runtime, not started.
    Created,
    /// Running.
    Running,
    /// Frozen.
    Paused,
    /// Stopped by a stop request, its runtime state still present.
    Stopped,
    /// Its process exited.
    Exited,
    /// Being removed.
    Removing,
}

impl ContainerStatus {
    /// The lowercase name podman prints (podman, too, calls a configured container
    /// `created`: to a user both are made and not yet started).
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Configured => "created",
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Stopped => "stopped",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Removing => "removing",
        }
    }
}

impl fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of mount (stored as podman names it: `bind`, `tmpfs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MountKind {
    /// A host path bound into the container.
    #[default]
    Bind,
    /// A fresh tmpfs.
    Tmpfs,
    /// A named volume (`source` is the volume's name).
    Volume,
    /// An image's root filesystem, read-only (`source` is the image ID).
    Image,
    /// A fresh devpts.
    Devpts,
}

impl fmt::Display for MountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MountKind::Bind => "bind",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Volume => "volume",
            MountKind::Image => "image",
            MountKind::Devpts => "devpts",
        })
    }
}

/// A mount the user asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Mount {
    /// Bind, tmpfs or volume.
    pub kind: MountKind,
    /// Host path (bind), volume name (volume), image ID (image) or empty (tmpfs, devpts).
    pub source: String,
    /// Path inside the container.
    pub destination: String,
    /// Mount options (`ro`, `rbind`, `size=...`).
    #[serde(default)]
    pub options: Vec<String>,
}

/// When a container that exits on its own is started again (`--restart`, podman's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Never (podman shows it as "" in inspect, "no" on the command line).
    #[default]
    No,
    /// After a non-zero exit, up to the container's retry limit (0: no limit).
    OnFailure,
    /// After every exit that the user did not cause with stop or kill; and after a reboot.
    Always,
    /// As `Always`, but after a reboot only if it was running.
    UnlessStopped,
}

impl RestartPolicy {
    /// podman's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::OnFailure => "on-failure",
            RestartPolicy::Always => "always",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }
}

/// What a healthcheck that turns a container unhealthy does to it (`--health-on-failure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HealthOnFailure {
    /// Nothing: the status says it.
    #[default]
    None,
    /// SIGKILL (a restart policy then applies).
    Kill,
    /// Restart it.
    Restart,
    /// Stop it.
    Stop,
}

/// A container's health (`inspect .State.Health`), for a container with a healthcheck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Started; no check has passed, and the failures have not reached the retries.
    #[default]
    Starting,
    /// The last check passed.
    Healthy,
    /// As many consecutive checks as the retries failed.
    Unhealthy,
}

impl HealthStatus {
    /// podman's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
        }
    }
}

/// One healthcheck run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HealthLogEntry {
    /// When it started.
    pub start: Timestamp,
    /// When it ended.
    pub end: Timestamp,
    /// Its exit code (-1: it timed out or could not run).
    pub exit_code: i32,
    /// What it printed (at most 4 KiB).
    pub output: String,
}

/// The health state of a container with a healthcheck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HealthState {
    /// Its status.
    pub status: HealthStatus,
    /// Consecutive failed checks (outside the start period).
    pub failing_streak: u32,
    /// The last runs, oldest first (at most five, as podman keeps).
    pub log: Vec<HealthLogEntry>,
}

/// How a container gets its network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "mode", content = "value")]
pub enum NetworkMode {
    /// The runtime's default network.
    #[default]
    Default,
    /// Loopback only.
    None,
    /// The host's network namespace.
    Host,
    /// Another container's network namespace.
    Container(String),
    /// The pod's (infra container's) network namespace.
    Pod,
    /// These networks, by name.
    Networks(Vec<String>),
    /// A network namespace that already exists, by its path (`ns:PATH`).
    Path(PathBuf),
    /// User-mode networking through slirp4netns, with podman's options.
    Slirp4netns(Vec<String>),
    /// User-mode networking through pasta, with pasta's own options.
    Pasta(Vec<String>),
}

/// A container's settings on one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NetworkOptions {
    /// Addresses it asks for (one per family at most); the next free ones when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<std::net::IpAddr>,
    /// The MAC address it asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// More names on this network only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The interface's name inside the container (`ethN` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<String>,
}

/// Resource limits (defined with the configuration's plain data, shared with the OCI layer).
pub use libpod_config::Resources;

/// A container's configuration: set at creation, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContainerConfig {
    /// 64 lowercase hex digits.
    pub id: String,
    /// Unique among containers and pods.
    pub name: String,
    /// The pod it belongs to.
    #[serde(default)]
    pub pod: Option<String>,
    /// Its lock number.
    pub lock: u32,
    /// When it was created.
    pub created: Timestamp,
    /// Image ID (config digest), or empty when run from a root filesystem path.
    #[serde(default)]
    pub image_id: String,
    /// Image name as the user gave it.
    #[serde(default)]
    pub image_name: String,
    /// A root filesystem path used instead of an image.
    #[serde(default)]
    pub rootfs: Option<PathBuf>,
    /// That path is the lower layer of an overlay, never written (`--rootfs PATH:O`).
    #[serde(default)]
    pub rootfs_overlay: bool,
    /// Entrypoint override.
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    /// Command (arguments after the entrypoint).
    #[serde(default)]
    pub command: Vec<String>,
    /// Environment, `KEY=value`.
    #[serde(default)]
    pub env: Vec<String>,
    /// Working directory.
    #[serde(default)]
    pub workdir: Option<String>,
    /// User (name, uid or uid:gid).
    #[serde(default)]
    pub user: Option<String>,
    /// Hostname.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Allocate a terminal.
    #[serde(default)]
    pub tty: bool,
    /// Keep stdin open.
    #[serde(default)]
    pub stdin: bool,
    /// Mounts.
    #[serde(default)]
    pub mounts: Vec<Mount>,
    /// Network mode.
    #[serde(default)]
    pub network: NetworkMode,
    /// Published ports.
    #[serde(default)]
    pub ports: Vec<PortMapping>,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Signal that stops it (a number).
    #[serde(default = "sigterm")]
    pub stop_signal: i32,
    /// Seconds between the stop signal and SIGKILL.
    #[serde(default = "ten")]
    pub stop_timeout: u32,
    /// Remove it when it exits.
    #[serde(default)]
    pub auto_remove: bool,
    /// Resource limits.
    #[serde(default)]
    pub resources: Resources,
    /// Read-only root filesystem.
    #[serde(default)]
    pub read_only: bool,
    /// Privileged.
    #[serde(default)]
    pub privileged: bool,
    /// Containers whose namespaces it joins: they cannot be removed before it.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// The OCI runtime, by name or path.
    #[serde(default)]
    pub oci_runtime: String,
    /// Whether it is its pod's infra container.
    #[serde(default)]
    pub is_infra: bool,
    /// When it is started again after it exits.
    #[serde(default)]
    pub restart_policy: RestartPolicy,
    /// With `OnFailure`: how many restarts at most (0: no limit).
    #[serde(default)]
    pub restart_retries: u32,
    /// Its healthcheck (the image's, or the `--health-*` flags').
    #[serde(default)]
    pub healthcheck: Option<libpod_config::HealthConfig>,
    /// What turning unhealthy does to it.
    #[serde(default)]
    pub health_on_failure: HealthOnFailure,
    /// The init binary its process runs under (`--init`), bound at `/run/podman-init`.
    #[serde(default)]
    pub init_path: Option<PathBuf>,
    /// A file its process's PID is written to at each start (`--pidfile`).
    #[serde(default)]
    pub pidfile: Option<PathBuf>,
    /// A file its conmon's PID is written to at each start (`--conmon-pidfile`).
    #[serde(default)]
    pub conmon_pidfile: Option<PathBuf>,
    /// Its log driver (`--log-driver`; `None`: containers.conf's).
    #[serde(default)]
    pub log_driver: Option<libpod_config::LogDriver>,
    /// Its k8s-file log's path (`--log-opt path=`).
    #[serde(default)]
    pub log_path: Option<PathBuf>,
    /// Its log's largest size in bytes (`--log-opt max-size=`).
    #[serde(default)]
    pub log_size_max: Option<u64>,
    /// Its log tag (`--log-opt tag=`).
    #[serde(default)]
    pub log_tag: Option<String>,
    /// Seconds it may run before it is killed (`--timeout`).
    #[serde(default)]
    pub timeout: Option<u32>,
    /// Capabilities added to the default set (`CAP_*` names, or `ALL`).
    #[serde(default)]
    pub cap_add: Vec<String>,
    /// Capabilities taken from it (`CAP_*` names, or `ALL`).
    #[serde(default)]
    pub cap_drop: Vec<String>,
    /// Its `--security-opt` settings.
    #[serde(default)]
    pub security: libpod_config::SecurityOptions,
    /// Its PID, IPC, UTS and cgroup namespaces (other containers' stored by ID).
    #[serde(default)]
    pub namespaces: libpod_config::Namespaces,
    /// Its user namespace and the mappings it got (another container's stored by ID).
    #[serde(default)]
    pub userns: libpod_config::UserNs,
    /// Its resolv.conf settings (containers.conf's, then its own).
    #[serde(default)]
    pub dns: libpod_config::DnsSettings,
    /// Lines added at the top of its /etc/hosts (`--add-host`).
    #[serde(default)]
    pub extra_hosts: Vec<libpod_config::HostEntry>,
    /// Ports it exposes besides the image's (`--expose`).
    #[serde(default)]
    pub expose: Vec<libpod_config::ports::ExposedPort>,
    /// Names it answers to on its networks besides its own (`--network-alias`).
    #[serde(default)]
    pub network_aliases: Vec<String>,
    /// Its settings on particular networks (`--ip`, `--mac-address`, `--network
    /// NAME:ip=...`, `network connect --ip`), by network name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub network_options: BTreeMap<String, NetworkOptions>,
    /// Its rlimits (`--ulimit`, containers.conf `default_ulimits`).
    #[serde(default)]
    pub ulimits: Vec<libpod_config::Ulimit>,
    /// Its sysctls (`--sysctl`, containers.conf `default_sysctls`).
    #[serde(default)]
    pub sysctls: BTreeMap<String, String>,
    /// Host devices it is given (`--device`), directories expanded to their nodes.
    #[serde(default)]
    pub devices: Vec<libpod_config::DeviceMapping>,
    /// Device cgroup rules (`--device-cgroup-rule 'c 1:3 rwm'`).
    #[serde(default)]
    pub device_cgroup_rules: Vec<String>,
    /// Size of its `/dev/shm` in bytes (`None`: [`libpod_config::DEFAULT_SHM_SIZE`]).
    #[serde(default)]
    pub shm_size: Option<u64>,
    /// The cgroup its own cgroup is made under (`--cgroup-parent`).
    #[serde(default)]
    pub cgroup_parent: Option<String>,
    /// Supplementary groups for its process (`--group-add`; `keep-groups` kept as is).
    #[serde(default)]
    pub group_add: Vec<String>,
    /// Its process's umask (`None`: 0022).
    #[serde(default)]
    pub umask: Option<u32>,
    /// Its time zone (`--tz`: a zone name, or `local` for the host's).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Image environment variables left out (`--unsetenv`).
    #[serde(default)]
    pub unsetenv: Vec<String>,
    /// Leave out every default and image variable (`--unsetenv-all`).
    #[serde(default)]
    pub unsetenv_all: bool,
    /// OCI annotations (`--annotation`).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// With a read-only root: no tmpfs on /tmp, /var/tmp and /run (`--read-only-tmpfs=false`).
    #[serde(default)]
    pub no_read_only_tmpfs: bool,
    /// Leave the image's /etc/hosts (`--no-hosts`).
    #[serde(default)]
    pub no_hosts: bool,
    /// Variables merged with the image's (`--env-merge 'PATH=/x:${PATH}'`).
    #[serde(default)]
    pub env_merge: Vec<String>,
    /// Host users whose /etc/passwd entries are copied in (`--hostuser`).
    #[serde(default)]
    pub hostusers: Vec<String>,
    /// The /etc/passwd line added for a user the image lacks (`--passwd-entry`, with
    /// `$USERNAME`, `$UID`, `$GID`, `$NAME`, `$HOME`).
    #[serde(default)]
    pub passwd_entry: Option<String>,
    /// Add no /etc/passwd or /etc/group entry for its user (`--passwd=false`).
    #[serde(default)]
    pub no_passwd: bool,
    /// Directories inside that also get /etc/hosts, resolv.conf and hostname (`--chrootdirs`).
    #[serde(default)]
    pub chrootdirs: Vec<String>,
    /// Its execution domain (`--personality LINUX32`).
    #[serde(default)]
    pub personality: Option<String>,
    /// cgroup v2 files to set (`--cgroup-conf memory.high=...`).
    #[serde(default)]
    pub cgroup_conf: BTreeMap<String, String>,
    /// Descriptors 3 to 3+N-1 of the starting process go to the container (`--preserve-fds`).
    #[serde(default)]
    pub preserve_fds: u32,
}

fn sigterm() -> i32 {
    15
}

fn ten() -> u32 {
    10
}

/// One network a container is attached to, as the network layer reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NetworkStatus {
    /// Network name.
    pub network: String,
    /// Interface inside the container.
    pub interface: String,
    /// MAC address.
    #[serde(default)]
    pub mac: Option<String>,
    /// Addresses in CIDR form.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Gateway.
    #[serde(default)]
    pub gateway: Option<String>,
    /// DNS servers.
    #[serde(default)]
    pub dns: Vec<String>,
    /// DNS search domains the network gives.
    #[serde(default)]
    pub search: Vec<String>,
}

/// A container's mutable state, saved separately from its config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContainerState {
    /// Status.
    pub status: ContainerStatus,
    /// PID of its first process, while it runs.
    #[serde(default)]
    pub pid: Option<u32>,
    /// PID of its conmon.
    #[serde(default)]
    pub conmon_pid: Option<u32>,
    /// Exit code of its last run.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Whether the last run was OOM-killed.
    #[serde(default)]
    pub oom_killed: bool,
    /// When it last started.
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    /// When it last exited.
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// Its network namespace.
    #[serde(default)]
    pub netns_path: Option<PathBuf>,
    /// Its networks.
    #[serde(default)]
    pub networks: Vec<NetworkStatus>,
    /// Where its root filesystem is mounted.
    #[serde(default)]
    pub mount_point: Option<PathBuf>,
    /// How many times it was restarted.
    #[serde(default)]
    pub restart_count: u32,
    /// Volumes whose mount count this run of the container raised (released at cleanup).
    #[serde(default)]
    pub mounted_volumes: Vec<String>,
    /// The last run ended by the user's stop or kill: no restart policy applies to it.
    #[serde(default)]
    pub stopped_by_user: bool,
    /// Its health, with a healthcheck (reset to starting at each start).
    #[serde(default)]
    pub health: Option<HealthState>,
}

/// A pod's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PodConfig {
    /// 64 lowercase hex digits.
    pub id: String,
    /// Unique among containers and pods.
    pub name: String,
    /// Its lock number.
    pub lock: u32,
    /// When it was created.
    pub created: Timestamp,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Namespaces its members share through the infra container (`net`, `ipc`, `uts`).
    #[serde(default)]
    pub shared_namespaces: Vec<String>,
    /// Whether it has an infra container.
    #[serde(default)]
    pub has_infra: bool,
    /// Hostname of its members.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Network mode of the infra container.
    #[serde(default)]
    pub network: NetworkMode,
    /// Published ports (held by the infra container).
    #[serde(default)]
    pub ports: Vec<PortMapping>,
}

/// A pod's mutable state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PodState {
    /// Its infra container, once created.
    #[serde(default)]
    pub infra_container: Option<String>,
    /// Its cgroup parent.
    #[serde(default)]
    pub cgroup_path: Option<PathBuf>,
}

/// An exec session: a process started in a running container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExecSession {
    /// 64 lowercase hex digits.
    pub id: String,
    /// Its container.
    pub container: String,
    /// The command.
    pub command: Vec<String>,
    /// Its PID while running.
    #[serde(default)]
    pub pid: Option<u32>,
    /// Its exit code once exited.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Whether it is running.
    #[serde(default)]
    pub running: bool,
    /// When it was created.
    pub created: Timestamp,
    /// More environment, `KEY=VALUE` (a detached session's options, for its runner).
    #[serde(default)]
    pub env: Vec<String>,
    /// User it runs as.
    #[serde(default)]
    pub user: Option<String>,
    /// Working directory.
    #[serde(default)]
    pub workdir: Option<String>,
    /// Every capability (`exec --privileged`).
    #[serde(default)]
    pub privileged: bool,
}

/// An exit code kept after its container may be gone (for `run --rm` and `wait`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExitCodeRecord {
    /// The exit code.
    pub code: i32,
    /// When it was recorded.
    pub at: Timestamp,
}

/// The paths a database was created for; checked on every open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DbPaths {
    /// The runtime's static dir.
    pub static_dir: PathBuf,
    /// The runtime's tmp dir.
    pub tmp_dir: PathBuf,
    /// Storage graph root.
    pub graph_root: PathBuf,
    /// Storage run root.
    pub run_root: PathBuf,
}

impl DbPaths {
    /// The four paths with their names, for checks and messages.
    pub fn named(&self) -> [(&'static str, &PathBuf); 4] {
        [
            ("static dir", &self.static_dir),
            ("tmp dir", &self.tmp_dir),
            ("graph root", &self.graph_root),
            ("run root", &self.run_root),
        ]
    }
}

impl ContainerConfig {
    /// The names of the named volumes it mounts, each once.
    pub fn volume_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .mounts
            .iter()
            .filter(|m| m.kind == MountKind::Volume)
            .map(|m| m.source.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// A named volume: what it is, fixed at creation (podman's `volume create`). Volumes have a
/// namespace of their own, apart from containers and pods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VolumeConfig {
    /// Unique among volumes; `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
    pub name: String,
    /// The driver (`local`).
    pub driver: String,
    /// Where its data lives on the host (`<graph root>/volumes/<name>/_data`).
    pub mount_point: PathBuf,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Driver options (`type`, `device`, `o`, `uid`, `gid`, ...), as given.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Creation time (nanoseconds since the epoch).
    pub created: Timestamp,
    /// Made for one container (`-v /path` or an image's `VOLUME`), removed with it by `rm -v`.
    #[serde(default)]
    pub anonymous: bool,
    /// Lock number.
    pub lock: u32,
    /// Owner of its data directory, when set (`-o uid=`).
    #[serde(default)]
    pub uid: Option<u32>,
    /// Group of its data directory, when set (`-o gid=`).
    #[serde(default)]
    pub gid: Option<u32>,
}

/// What changes as a volume is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VolumeState {
    /// How many running containers have it mounted (a `type=`/`device=` volume is mounted on
    /// the host while this is above zero).
    #[serde(default)]
    pub mount_count: u32,
    /// Still to receive the image's files the first time it is mounted over a path that has
    /// some (podman's copy-up).
    #[serde(default)]
    pub needs_copy_up: bool,
    /// Still to be given to the container's user the first time it is mounted.
    #[serde(default)]
    pub needs_chown: bool,
}

/// Everything in a state database, for copying between backends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    /// Recorded paths.
    pub paths: DbPaths,
    /// Pods with their states.
    pub pods: Vec<(PodConfig, PodState)>,
    /// Containers with their states.
    pub containers: Vec<(ContainerConfig, ContainerState)>,
    /// Exec sessions.
    pub exec_sessions: Vec<ExecSession>,
    /// Exit codes by container ID.
    pub exit_codes: BTreeMap<String, ExitCodeRecord>,
    /// Volumes with their states (absent from snapshots of schema 1).
    #[serde(default)]
    pub volumes: Vec<(VolumeConfig, VolumeState)>,
}
