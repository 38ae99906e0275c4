//! The options `create` and `run` share.

use std::path::PathBuf;

use clap::Args;

use super::{PlatformFlags, RegistryFlags};

/// Options shared by `create` and `run`.
#[derive(Args, Debug, Clone, Default)]
pub struct CreateArgs {
    /// Name.
    #[arg(long)]
    pub name: Option<String>,
    /// Environment variable (KEY=value); repeatable.
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// File of KEY=value lines.
    #[arg(long = "env-file")]
    pub env_file: Vec<PathBuf>,
    /// Working directory.
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// User (name, uid, name:group, uid:gid).
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Hostname.
    #[arg(short = 'h', long)]
    pub hostname: Option<String>,
    /// [HOST-DIR|VOLUME:]CONTAINER-DIR[:OPTIONS]; repeatable.
    #[arg(short = 'v', long = "volume")]
    pub volume: Vec<String>,
    /// type=bind|volume|tmpfs,source=...,destination=...[,OPTIONS]; repeatable.
    #[arg(long)]
    pub mount: Vec<String>,
    /// Mount the volumes of this container too, CTR[:ro|rw]; repeatable.
    #[arg(long)]
    pub volumes_from: Vec<String>,
    /// What the image's VOLUMEs become: bind (anonymous volumes), tmpfs or ignore.
    #[arg(long, default_value = "bind")]
    pub image_volume: String,
    /// Tmpfs mount CONTAINER-DIR[:options]; repeatable.
    #[arg(long)]
    pub tmpfs: Vec<String>,
    /// Publish a port [[ip:][hostPort]:]containerPort[/proto]; repeatable.
    #[arg(short = 'p', long = "publish")]
    pub publish: Vec<String>,
    /// Network: bridge (default), none, host, container:NAME, network names, or
    /// NAME:ip=IP,mac=MAC,alias=NAME,interface_name=NAME; repeatable.
    #[arg(long = "network", alias = "net")]
    pub network: Vec<String>,
    /// Static addresses on the container's only network.
    #[command(flatten)]
    pub addresses: super::AddressFlags,
    /// Pod to join.
    #[arg(long)]
    pub pod: Option<String>,
    /// Entrypoint (a command, or a JSON array).
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Read-only root filesystem.
    #[arg(long)]
    pub read_only: bool,
    /// Restart policy: no, on-failure[:N], always, unless-stopped.
    #[arg(long)]
    pub restart: Option<String>,
    /// Healthcheck command: a shell command, a JSON array, or none.
    #[arg(long)]
    pub health_cmd: Option<String>,
    /// Time between healthchecks (30s; disable: only `healthcheck run`).
    #[arg(long)]
    pub health_interval: Option<String>,
    /// Failures in a row that make the container unhealthy (3).
    #[arg(long)]
    pub health_retries: Option<u32>,
    /// Time a healthcheck may take (30s).
    #[arg(long)]
    pub health_timeout: Option<String>,
    /// Time after start when failures do not count (0s).
    #[arg(long)]
    pub health_start_period: Option<String>,
    /// What turning unhealthy does: none, kill, restart, stop.
    #[arg(long, default_value = "none")]
    pub health_on_failure: String,
    /// No healthcheck, not even the image's.
    #[arg(long)]
    pub no_healthcheck: bool,
    /// Run the command under an init (catatonit) that reaps zombies and forwards signals.
    #[arg(long)]
    pub init: bool,
    /// The init binary for --init.
    #[arg(long)]
    pub init_path: Option<PathBuf>,
    /// Disable the OOM killer for the container.
    #[arg(long)]
    pub oom_kill_disable: bool,
    /// The process's OOM score adjustment (-1000 to 1000).
    #[arg(long, allow_hyphen_values = true)]
    pub oom_score_adj: Option<i32>,
    /// Where output goes: k8s-file, none, passthrough, journald.
    #[arg(long)]
    pub log_driver: Option<String>,
    /// Log options: max-size=SIZE, path=PATH, tag=TAG; repeatable.
    #[arg(long)]
    pub log_opt: Vec<String>,
    /// Keys that detach from a foreground `run`, leaving the container running (default with
    /// a terminal: ctrl-p,ctrl-q; "" for none).
    #[arg(long)]
    pub detach_keys: Option<String>,
    /// Add capabilities (names such as NET_RAW, or ALL); repeatable, comma-separated.
    #[arg(long)]
    pub cap_add: Vec<String>,
    /// Drop capabilities (names, or ALL); repeatable, comma-separated.
    #[arg(long)]
    pub cap_drop: Vec<String>,
    /// Kill the container after this many seconds.
    #[arg(long)]
    pub timeout: Option<u32>,
    /// Remove a container with the same name first.
    #[arg(long)]
    pub replace: bool,
    /// Write the container process's PID to this file.
    #[arg(long)]
    pub pidfile: Option<PathBuf>,
    /// Write conmon's PID to this file.
    #[arg(long)]
    pub conmon_pidfile: Option<PathBuf>,
    /// Every capability and device.
    #[arg(long)]
    pub privileged: bool,
    /// Write the container's ID to this file (which must not exist).
    #[arg(long)]
    pub cidfile: Option<PathBuf>,
    /// Containers that must run first (comma-separated; repeatable).
    #[arg(long, value_delimiter = ',')]
    pub requires: Vec<String>,
    /// Signal that stops the container.
    #[arg(long)]
    pub stop_signal: Option<String>,
    /// Seconds to wait before SIGKILL on stop.
    #[arg(long)]
    pub stop_timeout: Option<u32>,
    /// Label KEY=value; repeatable.
    #[arg(long = "label")]
    pub label: Vec<String>,
    /// Remove the container when it exits.
    #[arg(long)]
    pub rm: bool,
    /// Keep stdin open.
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a terminal.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// When to pull the image: always, missing, never or newer.
    #[arg(long, default_value = "missing", value_parser = ["always", "missing", "never", "newer"])]
    pub pull: String,
    /// Which platform to pull from a multi-platform image.
    #[command(flatten)]
    pub platform: PlatformFlags,
    /// Registry access for a pull.
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// policy.json that pulled images must pass (default: /etc/containers/policy.json).
    #[arg(long)]
    pub signature_policy: Option<PathBuf>,
    /// Security options: seccomp=unconfined|PATH, no-new-privileges, apparmor=, label=,
    /// mask=PATHS, unmask=ALL|PATHS, proc-opts=, systempaths=unconfined; repeatable.
    #[arg(long)]
    pub security_opt: Vec<String>,
    /// Where the seccomp profile comes from: default or image.
    #[arg(long, default_value = "default", value_parser = ["default", "image"])]
    pub seccomp_policy: String,
    /// Host device HOST[:CONTAINER][:PERMISSIONS]; repeatable.
    #[arg(long)]
    pub device: Vec<String>,
    /// Device cgroup rule 'TYPE MAJOR:MINOR ACCESS'; repeatable.
    #[arg(long)]
    pub device_cgroup_rule: Vec<String>,
    /// rlimit NAME=SOFT[:HARD], or host; repeatable.
    #[arg(long)]
    pub ulimit: Vec<String>,
    /// Namespaced sysctl NAME=VALUE; repeatable.
    #[arg(long)]
    pub sysctl: Vec<String>,
    /// Size of /dev/shm (64m).
    #[arg(long)]
    pub shm_size: Option<String>,
    /// No longer supported (a warning, as in podman).
    #[arg(long)]
    pub kernel_memory: Option<String>,
    /// cgroup limits (also `rpod update`'s flags).
    #[command(flatten)]
    pub resources: ResourceFlags,
    /// The cgroup to make the container's cgroup under.
    #[arg(long)]
    pub cgroup_parent: Option<String>,
    /// Cgroup namespace: host or private.
    #[arg(long)]
    pub cgroupns: Option<String>,
    /// PID namespace: host, private, container:ID, ns:PATH.
    #[arg(long)]
    pub pid: Option<String>,
    /// IPC namespace: host, private, shareable, none, container:ID, ns:PATH.
    #[arg(long)]
    pub ipc: Option<String>,
    /// UTS namespace: host, private, container:ID, ns:PATH.
    #[arg(long)]
    pub uts: Option<String>,
    /// Expose a port or range (PORT[-PORT][/PROTO]); repeatable.
    #[arg(long)]
    pub expose: Vec<String>,
    /// Publish every exposed port (--expose and the image's) on a free host port.
    #[arg(short = 'P', long)]
    pub publish_all: bool,
    /// Another name the container answers to on networks with DNS; repeatable.
    #[arg(long)]
    pub network_alias: Vec<String>,
    /// A name server for /etc/resolv.conf; repeatable.
    #[arg(long)]
    pub dns: Vec<String>,
    /// A search domain for /etc/resolv.conf (`.` for none); repeatable.
    #[arg(long)]
    pub dns_search: Vec<String>,
    /// A resolver option for /etc/resolv.conf; repeatable.
    #[arg(long)]
    pub dns_option: Vec<String>,
    /// Add NAME:IP to /etc/hosts; repeatable.
    #[arg(long)]
    pub add_host: Vec<String>,
    /// User namespace: host, private, auto[:size=N], keep-id, nomap, container:ID, ns:PATH.
    #[arg(long)]
    pub userns: Option<String>,
    /// UID mapping CONTAINER_ID:HOST_ID:SIZE in a user namespace; repeatable.
    #[arg(long)]
    pub uidmap: Vec<String>,
    /// GID mapping CONTAINER_ID:HOST_ID:SIZE in a user namespace; repeatable.
    #[arg(long)]
    pub gidmap: Vec<String>,
    /// Map the container's IDs to this user's ranges in /etc/subuid.
    #[arg(long)]
    pub subuidname: Option<String>,
    /// Map the container's GIDs to this group's ranges in /etc/subgid.
    #[arg(long)]
    pub subgidname: Option<String>,
    /// Supplementary group (name or gid); repeatable.
    #[arg(long)]
    pub group_add: Vec<String>,
    /// The process's umask (octal).
    #[arg(long)]
    pub umask: Option<String>,
    /// Time zone (a zone name, or local).
    #[arg(long)]
    pub tz: Option<String>,
    /// Leave out a default or image environment variable; repeatable.
    #[arg(long)]
    pub unsetenv: Vec<String>,
    /// Leave out every default and image environment variable.
    #[arg(long)]
    pub unsetenv_all: bool,
    /// Pass the whole host environment.
    #[arg(long)]
    pub env_host: bool,
    /// Pass the host's proxy variables (default true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub http_proxy: Option<bool>,
    /// OCI annotation KEY=VALUE; repeatable.
    #[arg(long)]
    pub annotation: Vec<String>,
    /// File of KEY=value label lines; repeatable.
    #[arg(long)]
    pub label_file: Vec<PathBuf>,
    /// With --read-only, tmpfs on /run, /tmp and /var/tmp (default true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub read_only_tmpfs: Option<bool>,
    /// Leave the image's /etc/hosts.
    #[arg(long)]
    pub no_hosts: bool,
    /// Merge with the image's environment: KEY=VALUE where ${NAME} is the image's; repeatable.
    #[arg(long)]
    pub env_merge: Vec<String>,
    /// Copy a host user's /etc/passwd entry in; repeatable.
    #[arg(long)]
    pub hostuser: Vec<String>,
    /// The /etc/passwd line for a user the image lacks ($USERNAME, $UID, $GID, $NAME, $HOME).
    #[arg(long)]
    pub passwd_entry: Option<String>,
    /// Add an /etc/passwd entry for a user the image lacks (default true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub passwd: Option<bool>,
    /// A directory inside that also gets /etc/hosts, resolv.conf and hostname; repeatable.
    #[arg(long)]
    pub chrootdirs: Vec<String>,
    /// Execution domain: LINUX or LINUX32.
    #[arg(long)]
    pub personality: Option<String>,
    /// cgroup v2 file KEY=VALUE; repeatable.
    #[arg(long)]
    pub cgroup_conf: Vec<String>,
    /// cgroups: enabled, disabled, no-conmon or split.
    #[arg(long)]
    pub cgroups: Option<String>,
    /// The image argument is a root filesystem directory, not an image.
    #[arg(long)]
    pub rootfs: bool,
    /// No pull progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Accepted for Docker compatibility; does nothing.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub disable_content_trust: Option<bool>,
    /// Read the pod to join from this file.
    #[arg(long)]
    pub pod_id_file: Option<PathBuf>,
    /// Set by `run --preserve-fds` (not a flag of `create`).
    #[arg(skip)]
    pub preserve_fds: u32,
    /// Print help (`-h` is `--hostname`, as in podman).
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Image, then the command and its arguments: options end at the image, as podman's
    /// (`run --entrypoint sh IMG -c 'x'` gives `-c` to the container).
    #[arg(
        value_name = "IMAGE [COMMAND [ARG...]]",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub argv: Vec<String>,
    /// Image (the first of `argv`; set by [`CreateArgs::split_argv`]).
    #[arg(skip)]
    pub image: String,
    /// Command and arguments (the rest of `argv`).
    #[arg(skip)]
    pub command: Vec<String>,
}

impl CreateArgs {
    /// Splits `argv` into the image and the command.
    pub fn split_argv(&mut self) {
        if let Some((image, command)) = self.argv.split_first() {
            self.image = image.clone();
            self.command = command.to_vec();
        }
    }
}

/// The cgroup limits `create`, `run` and `update` share.
#[derive(Args, Debug, Clone, Default)]
pub struct ResourceFlags {
    /// Memory limit (e.g. 64m, 1g).
    #[arg(short = 'm', long)]
    pub memory: Option<String>,
    /// Most processes.
    #[arg(long)]
    pub pids_limit: Option<i64>,
    /// CPU shares (relative weight).
    #[arg(short = 'c', long)]
    pub cpu_shares: Option<u64>,
    /// Number of CPUs (a CFS quota).
    #[arg(long)]
    pub cpus: Option<f64>,
    /// CFS period, microseconds.
    #[arg(long)]
    pub cpu_period: Option<u64>,
    /// CFS quota, microseconds.
    #[arg(long, allow_hyphen_values = true)]
    pub cpu_quota: Option<i64>,
    /// CPUs to run on (0-1, 0,2).
    #[arg(long)]
    pub cpuset_cpus: Option<String>,
    /// Memory nodes to use.
    #[arg(long)]
    pub cpuset_mems: Option<String>,
    /// Soft memory limit.
    #[arg(long)]
    pub memory_reservation: Option<String>,
    /// Memory plus swap (-1: unlimited swap).
    #[arg(long, allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Swappiness, 0 to 100.
    #[arg(long)]
    pub memory_swappiness: Option<u64>,
    /// Block I/O weight of one device, DEVICE:WEIGHT; repeatable.
    #[arg(long)]
    pub blkio_weight_device: Vec<String>,
    /// Real-time period, microseconds.
    #[arg(long)]
    pub cpu_rt_period: Option<u64>,
    /// Real-time run time per period, microseconds.
    #[arg(long, allow_hyphen_values = true)]
    pub cpu_rt_runtime: Option<i64>,
    /// Block I/O weight, 10 to 1000.
    #[arg(long)]
    pub blkio_weight: Option<u16>,
    /// Read rate limit PATH:RATE (bytes); repeatable.
    #[arg(long)]
    pub device_read_bps: Vec<String>,
    /// Write rate limit PATH:RATE (bytes); repeatable.
    #[arg(long)]
    pub device_write_bps: Vec<String>,
    /// Read rate limit PATH:RATE (operations); repeatable.
    #[arg(long)]
    pub device_read_iops: Vec<String>,
    /// Write rate limit PATH:RATE (operations); repeatable.
    #[arg(long)]
    pub device_write_iops: Vec<String>,
}
