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
    /// Network: bridge (default), none, host, container:NAME, or network names.
    #[arg(long)]
    pub network: Option<String>,
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
    /// Memory limit (e.g. 64m, 1g).
    #[arg(short = 'm', long)]
    pub memory: Option<String>,
    /// Most processes.
    #[arg(long)]
    pub pids_limit: Option<i64>,
    /// CPU shares (relative weight).
    #[arg(short = 'c', long)]
    pub cpu_shares: Option<u64>,
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
    /// Print help (`-h` is `--hostname`, as in podman).
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Image.
    pub image: String,
    /// Command and arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}
