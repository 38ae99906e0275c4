//! What callers ask for: container and pod options (plain data, ground floor).

use std::collections::BTreeMap;
use std::path::PathBuf;

use libpod_state::{Mount, NetworkMode, PortMapping, Resources};

/// Options for a new container (`podman create`).
#[derive(Debug, Clone, Default)]
pub struct ContainerOptions {
    /// Image name or ID (required unless `rootfs` is given).
    pub image: String,
    /// Use this root filesystem directory instead of an image.
    pub rootfs: Option<PathBuf>,
    /// Leave that directory unwritten: an overlay takes the container's writes, kept until
    /// the container is removed (`--rootfs PATH:O`).
    pub rootfs_overlay: bool,
    /// Name (generated when `None`).
    pub name: Option<String>,
    /// Command (replaces the image's).
    pub command: Vec<String>,
    /// Entrypoint override.
    pub entrypoint: Option<Vec<String>>,
    /// Environment, `KEY=value`.
    pub env: Vec<String>,
    /// Working directory.
    pub workdir: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Hostname.
    pub hostname: Option<String>,
    /// Bind, tmpfs and volume mounts. A volume mount with an empty `source` gets a new
    /// anonymous volume; one naming a volume that does not exist creates it.
    pub mounts: Vec<Mount>,
    /// What the image's `VOLUME`s become (`--image-volume`).
    pub image_volume: ImageVolumeMode,
    /// Containers whose volumes and bind mounts this one mounts too (`--volumes-from
    /// CTR[:ro|rw]`).
    pub volumes_from: Vec<String>,
    /// Network mode.
    pub network: NetworkMode,
    /// Published ports.
    pub ports: Vec<PortMapping>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Stop signal (default SIGTERM, or the image's).
    pub stop_signal: Option<i32>,
    /// Seconds before SIGKILL on stop (default 10).
    pub stop_timeout: Option<u32>,
    /// Remove the container when it exits.
    pub auto_remove: bool,
    /// When it is started again after it exits on its own (see [`crate::parse_restart_policy`]).
    pub restart_policy: libpod_state::RestartPolicy,
    /// With `OnFailure`: how many restarts at most (0: no limit).
    pub restart_retries: u32,
    /// Its healthcheck: what changes the image's, or disables it.
    pub health: crate::HealthOptions,
    /// Run its process under an init that reaps zombies and forwards signals (`--init`).
    pub init: bool,
    /// The init binary (default: catatonit, then tini, where the host has them).
    pub init_path: Option<PathBuf>,
    /// Remove a container of the same name first (`--replace`).
    pub replace: bool,
    /// Write its process's PID here at each start (`--pidfile`).
    pub pidfile: Option<PathBuf>,
    /// Write its conmon's PID here at each start (`--conmon-pidfile`).
    pub conmon_pidfile: Option<PathBuf>,
    /// Its log driver (`None`: containers.conf's).
    pub log_driver: Option<libpod_config::LogDriver>,
    /// Its k8s-file log's path (see [`crate::parse_log_opts`]).
    pub log_path: Option<PathBuf>,
    /// Its log's largest size, bytes.
    pub log_size_max: Option<u64>,
    /// Its log tag.
    pub log_tag: Option<String>,
    /// Kill it after this many seconds of running (`--timeout`).
    pub timeout: Option<u32>,
    /// Capabilities added to the default set (names or `ALL`).
    pub cap_add: Vec<String>,
    /// Capabilities taken from it (names or `ALL`).
    pub cap_drop: Vec<String>,
    /// Pod to join (name or ID).
    pub pod: Option<String>,
    /// Resource limits.
    pub resources: Resources,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// Privileged.
    pub privileged: bool,
    /// Allocate a terminal.
    pub tty: bool,
    /// Keep stdin open.
    pub stdin: bool,
    /// Containers (names or IDs) that must run first (`--requires`): started before this
    /// one, and not removable while it exists.
    pub requires: Vec<String>,
    /// What it may do beyond its capabilities (`--security-opt`).
    pub security: libpod_config::SecurityOptions,
    /// Its PID, IPC, UTS and cgroup namespaces (`None` each: containers.conf's).
    pub namespaces: NamespaceOptions,
    /// Its user namespace (`--userns`; `None`: containers.conf's `userns`, or a namespace
    /// of its own when `id_mappings` are given).
    pub userns: Option<libpod_config::UserNsMode>,
    /// Its UID and GID mappings (see [`crate::parse_id_mappings`]).
    pub id_mappings: Option<libpod_config::IdMappings>,
    /// Its resolv.conf settings (`--dns`, `--dns-search`, `--dns-option`), after
    /// containers.conf's.
    pub dns: libpod_config::DnsSettings,
    /// Lines added at the top of its /etc/hosts (`--add-host`).
    pub add_hosts: Vec<libpod_config::HostEntry>,
    /// Ports it exposes besides the image's (`--expose`).
    pub expose: Vec<libpod_config::ports::ExposedPort>,
    /// Publish every exposed port on a free host port (`-P`).
    pub publish_all: bool,
    /// Names it answers to on networks with DNS besides its own (`--network-alias`).
    pub network_aliases: Vec<String>,
    /// Settings per network (see [`crate::parse_network`]).
    pub network_options: BTreeMap<String, libpod_state::NetworkOptions>,
    /// Addresses on its only network (`--ip`, `--ip6`).
    pub static_ips: Vec<std::net::IpAddr>,
    /// MAC address on its only network (`--mac-address`).
    pub static_mac: Option<String>,
    /// Its rlimits (see [`crate::parse_ulimit`]), over containers.conf's.
    pub ulimits: Vec<libpod_config::Ulimit>,
    /// Namespaced sysctls (see [`libpod_config::resources::parse_sysctl`]).
    pub sysctls: BTreeMap<String, String>,
    /// Host devices (`--device`; a directory gives every device under it).
    pub devices: Vec<libpod_config::DeviceMapping>,
    /// CDI devices by name (`--device vendor.com/class=name`), resolved at create from the
    /// specs in containers.conf's `cdi_spec_dirs` (`/etc/cdi`, `/var/run/cdi`).
    pub cdi_devices: Vec<String>,
    /// Device cgroup rules (`--device-cgroup-rule 'c 1:3 rwm'`).
    pub device_cgroup_rules: Vec<String>,
    /// Size of its `/dev/shm` in bytes (`None`: containers.conf's, 65,536,000 by default).
    pub shm_size: Option<u64>,
    /// The cgroup its cgroup is made under (`--cgroup-parent`).
    pub cgroup_parent: Option<String>,
    /// Supplementary groups, names or gids (`--group-add`).
    pub group_add: Vec<String>,
    /// Its process's umask (`None`: containers.conf's, 0022).
    pub umask: Option<u32>,
    /// Time zone: a zone name such as `Europe/Paris`, or `local` (`--tz`).
    pub timezone: Option<String>,
    /// Default and image variables left out (`--unsetenv`).
    pub unsetenv: Vec<String>,
    /// Only the variables given here (`--unsetenv-all`).
    pub unsetenv_all: bool,
    /// Pass this process's whole environment (`--env-host`).
    pub env_host: bool,
    /// Pass this process's proxy variables (`--http-proxy`; `None`: containers.conf's, on).
    pub http_proxy: Option<bool>,
    /// OCI annotations (`--annotation`), over containers.conf's.
    pub annotations: BTreeMap<String, String>,
    /// With a read-only root, tmpfs on /tmp, /var/tmp and /run (`None`: yes).
    pub read_only_tmpfs: Option<bool>,
    /// Leave the image's /etc/hosts (`--no-hosts`; `None`: containers.conf's `no_hosts`).
    pub no_hosts: Option<bool>,
    /// Variables merged with the image's: `${NAME}` is the image's value
    /// (`--env-merge 'PATH=/opt/bin:${PATH}'`).
    pub env_merge: Vec<String>,
    /// Host users whose /etc/passwd entries are copied in (`--hostuser`).
    pub hostusers: Vec<String>,
    /// The /etc/passwd line for a user the image lacks (`--passwd-entry`).
    pub passwd_entry: Option<String>,
    /// Add no /etc/passwd or /etc/group entry for the user (`--passwd=false`).
    pub no_passwd: bool,
    /// Directories that also get the managed /etc files (`--chrootdirs`).
    pub chrootdirs: Vec<String>,
    /// Execution domain: `LINUX` or `LINUX32` (`--personality`).
    pub personality: Option<String>,
    /// cgroup v2 files to set (`--cgroup-conf KEY=VALUE`; refused on cgroup v1).
    pub cgroup_conf: BTreeMap<String, String>,
    /// `--cgroups`: `enabled` (default), `no-conmon`, `disabled` (crun only), `split`
    /// (needs systemd).
    pub cgroups: Option<String>,
    /// Give the container this process's descriptors 3 to 3+N-1 (`run --preserve-fds N`);
    /// each start passes them if the starting process has them open.
    pub preserve_fds: u32,
}

/// The namespaces a container asks for; `None` takes containers.conf's (`pidns`, `ipcns`,
/// `utsns`, `cgroupns`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceOptions {
    /// `--pid`.
    pub pid: Option<libpod_config::NamespaceMode>,
    /// `--ipc`.
    pub ipc: Option<libpod_config::NamespaceMode>,
    /// `--uts`.
    pub uts: Option<libpod_config::NamespaceMode>,
    /// `--cgroupns`.
    pub cgroup: Option<libpod_config::NamespaceMode>,
}

/// What an image's `VOLUME` paths become in a new container (`--image-volume`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImageVolumeMode {
    /// An anonymous volume each (podman's `bind`, the default).
    #[default]
    Anonymous,
    /// A tmpfs each.
    Tmpfs,
    /// Nothing: the image's directory as it is.
    Ignore,
}

impl std::str::FromStr for ImageVolumeMode {
    type Err = crate::LibpodError;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "bind" | "anonymous" => Ok(ImageVolumeMode::Anonymous),
            "tmpfs" => Ok(ImageVolumeMode::Tmpfs),
            "ignore" => Ok(ImageVolumeMode::Ignore),
            other => Err(crate::LibpodError::Invalid(format!(
                "invalid image volume mode {other:?}: use bind, tmpfs or ignore"
            ))),
        }
    }
}

/// Options for a new pod (`podman pod create`).
#[derive(Debug, Clone)]
pub struct PodOptions {
    /// Name (generated when `None`).
    pub name: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Hostname of its members.
    pub hostname: Option<String>,
    /// Network mode of the infra container.
    pub network: NetworkMode,
    /// Published ports (on the infra container).
    pub ports: Vec<PortMapping>,
    /// Whether it has an infra container holding the shared namespaces.
    pub infra: bool,
    /// Namespaces its members share: `net`, `ipc`, `uts`.
    pub share: Vec<String>,
    /// More names the pod answers to on its networks (`--network-alias`).
    pub network_aliases: Vec<String>,
    /// Settings per network (see [`crate::parse_network`]).
    pub network_options: BTreeMap<String, libpod_state::NetworkOptions>,
    /// Addresses on its only network (`--ip`, `--ip6`).
    pub static_ips: Vec<std::net::IpAddr>,
    /// MAC address on its only network (`--mac-address`).
    pub static_mac: Option<String>,
}

impl Default for PodOptions {
    fn default() -> Self {
        PodOptions {
            name: None,
            labels: BTreeMap::new(),
            hostname: None,
            network: NetworkMode::Default,
            ports: Vec::new(),
            infra: true,
            share: vec!["net".into(), "ipc".into(), "uts".into()],
            network_aliases: Vec::new(),
            network_options: BTreeMap::new(),
            static_ips: Vec::new(),
            static_mac: None,
        }
    }
}

/// What `logs` returns (`podman logs`).
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// Only lines at or after this time (nanoseconds since the epoch; see
    /// [`parse_time_filter`](crate::parse_time_filter)).
    pub since: Option<i64>,
    /// Only lines before this time (nanoseconds since the epoch).
    pub until: Option<i64>,
    /// Only the last N lines.
    pub tail: Option<usize>,
}

/// How `Container::exec` runs its command (`podman exec`'s flags).
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// More environment, `KEY=VALUE`, after the container's own.
    pub env: Vec<String>,
    /// User (name, uid, `uid:gid`), resolved in the container's files.
    pub user: Option<String>,
    /// Working directory in the container.
    pub workdir: Option<String>,
    /// A terminal for the command: the OCI runtime makes one, proxies the caller's terminal
    /// (which must be on stdin, stdout or stderr) in raw mode, and passes on resizes.
    pub tty: bool,
    /// Every capability for the command, whatever the container has (`exec --privileged`).
    pub privileged: bool,
    /// With `tty`: the terminal's size (rows, columns) from the first instant, before the
    /// command runs (`process.consoleSize`), so it never sees 0x0.
    pub console_size: Option<(u16, u16)>,
}
