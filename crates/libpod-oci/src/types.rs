//! Plain data: what a container asks of the OCI layer (ground floor).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What the image says containers run (filled from the storage layer by libpod).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageDefaults {
    /// Entrypoint.
    pub entrypoint: Option<Vec<String>>,
    /// Command.
    pub cmd: Option<Vec<String>>,
    /// Environment.
    pub env: Vec<String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// User.
    pub user: Option<String>,
}

/// A mount the user asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserMount {
    /// A host path bound into the container.
    Bind {
        /// Host path.
        source: PathBuf,
        /// Container path.
        destination: String,
        /// Read-only.
        read_only: bool,
        /// More mount options (`nosuid`, `nodev`, `noexec`, a propagation such as `rshared`,
        /// which replaces the default `rprivate`).
        options: Vec<String>,
    },
    /// A fresh devpts instance.
    Devpts {
        /// Container path.
        destination: String,
        /// Mount options (`mode=`, `max=`, `uid=`, `gid=`).
        options: Vec<String>,
    },
    /// A tmpfs.
    Tmpfs {
        /// Container path.
        destination: String,
        /// Mount options (`size=64m`, `mode=1777`).
        options: Vec<String>,
    },
}

impl UserMount {
    /// The path inside the container.
    pub fn destination(&self) -> &str {
        match self {
            UserMount::Bind { destination, .. }
            | UserMount::Tmpfs { destination, .. }
            | UserMount::Devpts { destination, .. } => destination,
        }
    }
}

/// How a container gets one kind of namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Namespace {
    /// A new one.
    #[default]
    Private,
    /// The host's.
    Host,
    /// An existing one, by path (another container's, a pod's, a bind-mounted netns).
    Path(PathBuf),
}

/// Resource limits: the configuration's plain data (cgroup values and `oom_score_adj`).
pub use libpod_config::Resources as Limits;

/// Everything needed to generate a container's OCI runtime spec.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    /// Container ID.
    pub id: String,
    /// The mounted root filesystem.
    pub rootfs: PathBuf,
    /// Image defaults.
    pub image: ImageDefaults,
    /// Entrypoint override.
    pub entrypoint: Option<Vec<String>>,
    /// Run the process under the init bound at [`crate::INIT_PATH`] (`--init`).
    pub init: bool,
    /// Command (replaces the image's when not empty).
    pub command: Vec<String>,
    /// Environment, `KEY=value`, over the image's.
    pub env: Vec<String>,
    /// Working directory override.
    pub workdir: Option<String>,
    /// User override (`name`, `uid`, `name:group`, `uid:gid`).
    pub user: Option<String>,
    /// Hostname (default: the first 12 characters of the ID).
    pub hostname: Option<String>,
    /// Allocate a terminal.
    pub terminal: bool,
    /// User mounts.
    pub mounts: Vec<UserMount>,
    /// Files bound over `/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname`: (host file, container path).
    pub etc_files: Vec<(PathBuf, String)>,
    /// Network namespace.
    pub network: Namespace,
    /// IPC namespace.
    pub ipc: Namespace,
    /// UTS namespace.
    pub uts: Namespace,
    /// PID namespace.
    pub pid: Namespace,
    /// Cgroup namespace.
    pub cgroup: Namespace,
    /// No `/dev/shm` at all (`--ipc none`).
    pub no_shm: bool,
    /// All capabilities, all devices, no seccomp, no masked paths.
    pub privileged: bool,
    /// Capabilities (`CAP_*` names); `None` for podman's defaults.
    pub capabilities: Option<Vec<String>>,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// Resource limits.
    pub limits: Limits,
    /// cgroup path (cgroupfs: an absolute path under each hierarchy).
    pub cgroup_path: Option<String>,
    /// Seccomp profile in the containers (Docker) format.
    pub seccomp_profile: Option<PathBuf>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// `--security-opt` settings (the seccomp choice is made by the caller, above).
    pub security: libpod_config::SecurityOptions,
    /// rlimits over the defaults (nofile and nproc at the host's hard limits).
    pub ulimits: Vec<libpod_config::Ulimit>,
    /// Namespaced sysctls.
    pub sysctls: BTreeMap<String, String>,
    /// Host device nodes made in the container (directories already expanded).
    pub devices: Vec<libpod_config::DeviceMapping>,
    /// Extra device cgroup rules (`c 1:3 rwm`, `b *:* r`).
    pub device_cgroup_rules: Vec<String>,
    /// Size of `/dev/shm` in bytes (`None`: [`libpod_config::DEFAULT_SHM_SIZE`]).
    pub shm_size: Option<u64>,
    /// Supplementary groups by name or number, resolved in the container's /etc/group.
    pub group_add: Vec<String>,
    /// The process's umask (`None`: 0022).
    pub umask: Option<u32>,
    /// Environment variables left out, default or image ones (`--unsetenv`).
    pub unsetenv: Vec<String>,
    /// Only the user's environment: no image or default variables (`--unsetenv-all`).
    pub unsetenv_all: bool,
    /// `KEY=VALUE` where `${NAME}` is the value so far (`--env-merge`).
    pub env_merge: Vec<String>,
    /// `LINUX` or `LINUX32`.
    pub personality: Option<String>,
    /// cgroup v2 files to set (`linux.resources.unified`).
    pub cgroup_conf: BTreeMap<String, String>,
    /// User namespace (`None`: the host's).
    pub userns: Option<Namespace>,
    /// Its UID and GID mappings (a new namespace's, or the joined one's).
    pub id_mappings: Option<libpod_config::IdMappings>,
}

impl ContainerSpec {
    /// Whether it gets a user namespace (a new one or a joined one).
    pub fn has_userns(&self) -> bool {
        self.userns.as_ref().is_some_and(|n| *n != Namespace::Host)
    }
}

/// The runtime's view of a container (`runc state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeState {
    /// `created`, `running`, `paused`, `stopped`.
    pub status: String,
    /// Its init process, when it has one.
    pub pid: Option<u32>,
}

/// One line of a container's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// RFC 3339 timestamp as conmon wrote it.
    pub time: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    /// The text, without its newline; partial lines are joined.
    pub text: String,
}
