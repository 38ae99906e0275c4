//! The command line, spelled as podman spells it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod create;
mod events;
mod image;
mod pod;
mod stats;
mod system;
mod volume;

pub use create::*;
pub use events::*;
pub use image::*;
pub use pod::*;
pub use stats::*;
pub use system::*;
pub use volume::*;

/// Manage OCI containers and pods (podman-compatible).
#[derive(Parser, Debug)]
#[command(
    name = "rpod",
    version,
    about = "Manage OCI containers and pods (podman-compatible)",
    after_help = "Example:\n  rpod run --rm busybox echo hello"
)]
pub struct Cli {
    /// Persistent storage root.
    #[arg(long, global = true)]
    pub root: Option<PathBuf>,
    /// Per-boot storage root.
    #[arg(long, global = true)]
    pub runroot: Option<PathBuf>,
    /// Per-boot runtime files dir.
    #[arg(long, global = true)]
    pub tmpdir: Option<PathBuf>,
    /// OCI runtime, by name or path.
    #[arg(long, global = true)]
    pub runtime: Option<String>,
    /// conmon's path.
    #[arg(long, global = true)]
    pub conmon: Option<PathBuf>,
    /// cgroup manager (cgroupfs or systemd).
    #[arg(long, global = true)]
    pub cgroup_manager: Option<String>,
    /// Network config dir (CNI's or netavark's, whichever backend runs).
    #[arg(long, global = true)]
    pub network_config_dir: Option<PathBuf>,
    /// Network backend: cni or netavark (unset: chosen as podman does).
    #[arg(long, global = true)]
    pub network_backend: Option<String>,
    /// Storage driver (overlay or vfs).
    #[arg(long, global = true)]
    pub storage_driver: Option<String>,
    /// State database (memory, sqlite or redb).
    #[arg(long, global = true)]
    pub state_backend: Option<String>,
    /// Log level: trace, debug, info, warn, error, fatal or panic (debug shows every OCI
    /// runtime, conmon and CNI call with its duration).
    #[arg(long, global = true, default_value = "warn")]
    pub log_level: String,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        // clap's checks recurse through every subcommand and flag: more than a test thread's
        // 2 MiB stack in an unoptimised build (rpod's own main thread has 8 MiB).
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(|| super::Cli::command().debug_assert())
            .expect("thread")
            .join()
            .expect("the command line is consistent");
    }
}

/// Container names, or `--latest`.
#[derive(Args, Debug, Clone, Default)]
pub struct Targets {
    /// Act on the latest container created.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Containers, by name or ID.
    pub names: Vec<String>,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Container commands, also under `rpod container`.
    #[command(flatten)]
    Ctr(Box<ContainerCmd>),
    /// List images.
    #[command(after_help = "Example:\n  rpod images --format '{{.Repository}}:{{.Tag}}'")]
    Images(ImagesArgs),
    /// Manage images.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Remove images.
    #[command(after_help = "Example:\n  rpod rmi busybox")]
    Rmi(RmiArgs),
    /// Add a name to an image.
    #[command(after_help = "Example:\n  rpod tag busybox mybox:1")]
    Tag {
        /// Image.
        image: String,
        /// New names.
        names: Vec<String>,
    },
    /// Remove names from an image.
    #[command(after_help = "Example:\n  rpod untag mybox localhost/mybox:1")]
    Untag {
        /// Image.
        image: String,
        /// Names to remove (default: all).
        names: Vec<String>,
    },
    /// Show an image's history.
    #[command(after_help = "Example:\n  rpod history busybox")]
    History(HistoryArgs),
    /// Build an image from a Containerfile.
    #[command(after_help = "Example:\n  rpod build -t app --build-arg V=2 .")]
    Build(Box<BuildArgs>),
    /// Import a root filesystem tarball as an image.
    #[command(after_help = "Example:\n  rpod import rootfs.tar busybox --change 'CMD [\"sh\"]'")]
    Import {
        /// Tarball (plain, gzip or zstd); `-` for stdin.
        file: PathBuf,
        /// Name for the image.
        reference: Option<String>,
        /// Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, ...); repeatable.
        #[arg(short = 'c', long)]
        change: Vec<String>,
        /// Print only the image ID.
        #[arg(short = 'q', long)]
        quiet: bool,
    },
    /// Pull an image from a registry.
    #[command(
        after_help = "Example:\n  rpod pull 127.0.0.1:5000/busybox:latest\n  rpod pull oci-archive:busybox.tar"
    )]
    Pull(PullArgs),
    /// Push an image to a registry (or write it to an archive).
    #[command(
        after_help = "Example:\n  rpod push 127.0.0.1:5000/busybox:latest\n  rpod push busybox docker://127.0.0.1:5000/tools/busybox:1\n  rpod push busybox oci-archive:busybox.tar"
    )]
    Push(PushArgs),
    /// Log in to a registry: the credentials are checked, then kept in the auth file.
    #[command(
        after_help = "Example:\n  rpod login -u alice 127.0.0.1:5000\n  echo \"$PASS\" | rpod login -u alice --password-stdin 127.0.0.1:5000"
    )]
    Login {
        /// Registry (`host[:port]`).
        registry: String,
        /// User name (asked for on a terminal when missing).
        #[arg(short = 'u', long)]
        username: Option<String>,
        /// Password (asked for on a terminal when missing; prefer --password-stdin).
        #[arg(short = 'p', long)]
        password: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// auth.json to write (default as for pull).
        #[arg(long)]
        authfile: Option<PathBuf>,
        /// Verify the registry's TLS certificate (`--tls-verify=false`: unverified TLS, then
        /// plain HTTP; default: as registries.conf says).
        #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
        tls_verify: Option<bool>,
        /// Directory of certificates for the registry (as for pull).
        #[arg(long)]
        cert_dir: Option<PathBuf>,
    },
    /// Log out of a registry: its credentials are removed from the auth file.
    #[command(after_help = "Example:\n  rpod logout 127.0.0.1:5000\n  rpod logout --all")]
    Logout {
        /// Registry (`host[:port]`).
        registry: Option<String>,
        /// Every registry.
        #[arg(short = 'a', long)]
        all: bool,
        /// auth.json to edit (default as for pull).
        #[arg(long)]
        authfile: Option<PathBuf>,
    },
    /// Load images from a docker-archive or OCI archive.
    #[command(after_help = "Example:\n  rpod load -i busybox.tar")]
    Load(LoadArgs),
    /// Save an image to an archive.
    #[command(after_help = "Example:\n  rpod save -o busybox.tar --format oci-archive busybox")]
    Save(SaveArgs),
    /// Search registries' catalogs for images.
    #[command(after_help = "Example:\n  rpod search --list-tags 127.0.0.1:5000/busy")]
    Search(SearchArgs),
    /// Manage pods.
    #[command(subcommand)]
    Pod(PodCommand),
    /// Manage networks.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Manage volumes.
    #[command(subcommand)]
    Volume(VolumeCommand),
    /// Show events (container, pod, image, volume, network, system).
    Events(EventsArgs),
    /// Run healthchecks.
    #[command(subcommand)]
    Healthcheck(HealthcheckCommand),
    /// Show system information.
    #[command(after_help = "Example:\n  rpod info --format '{{.host.ociRuntime.name}}'")]
    Info {
        /// json or a Go template.
        #[arg(short = 'f', long)]
        format: Option<String>,
    },
    /// Show version information.
    #[command(after_help = "Example:\n  rpod version")]
    Version {
        /// json or a Go template.
        #[arg(short = 'f', long)]
        format: Option<String>,
    },
    /// Run a command in the user namespace of a rootless user's containers.
    #[command(after_help = "Example:\n  rpod unshare cat /proc/self/uid_map")]
    Unshare {
        /// The command and its arguments (default: $SHELL).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// System maintenance.
    #[command(subcommand)]
    System(SystemCommand),
    /// Manage containers (every container command, and cleanup and exists).
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  rpod completion bash > /etc/bash_completion.d/rpod")]
    Completion {
        /// bash, zsh or fish.
        shell: String,
    },
}

/// The container commands: at the top level and under `rpod container`, as podman has them.
#[derive(Subcommand, Debug)]
pub enum ContainerCmd {
    /// Run a command in a new container.
    #[command(
        disable_help_flag = true,
        after_help = "Example:\n  rpod run --rm busybox echo hello\n  rpod run -d --name web -p 127.0.0.1:8080:80 busybox httpd -f -p 80 -h /var/www"
    )]
    Run {
        /// Run in the background and print the container ID.
        #[arg(short = 'd', long)]
        detach: bool,
        /// Pass signals sent to rpod on to the container (default true).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
        sig_proxy: bool,
        /// Remove the container and then its image when it exits (unless others use it).
        #[arg(long)]
        rmi: bool,
        /// Give the container rpod's file descriptors 3 to 3+N-1.
        #[arg(long, default_value_t = 0)]
        preserve_fds: u32,
        /// Container options.
        #[command(flatten)]
        args: CreateArgs,
    },
    /// Create a container without starting it.
    #[command(
        disable_help_flag = true,
        after_help = "Example:\n  rpod create --name web busybox httpd -f"
    )]
    Create(CreateArgs),
    /// Start containers.
    #[command(after_help = "Example:\n  rpod start -a web")]
    Start {
        /// Attach to the container's output and exit with its code.
        #[arg(short = 'a', long)]
        attach: bool,
        /// Keep stdin open and pass it on (with `--attach`).
        #[arg(short = 'i', long)]
        interactive: bool,
        /// With `--attach`, pass signals sent to rpod on to the container (default true).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
        sig_proxy: bool,
        /// With `--attach`, keys that detach (default with a terminal: ctrl-p,ctrl-q).
        #[arg(long)]
        detach_keys: Option<String>,
        /// Start every container that is not running.
        #[arg(long)]
        all: bool,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// Stop containers.
    #[command(after_help = "Example:\n  rpod stop -t 5 web")]
    Stop {
        /// Seconds before SIGKILL.
        #[arg(short = 't', long = "time")]
        time: Option<u32>,
        /// Stop every running container.
        #[arg(short = 'a', long)]
        all: bool,
        /// Ignore containers that do not exist.
        #[arg(short = 'i', long)]
        ignore: bool,
        /// Read container IDs from these files (as written by `create --cidfile`).
        #[arg(long)]
        cidfile: Vec<PathBuf>,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// Restart containers.
    #[command(after_help = "Example:\n  rpod restart web")]
    Restart {
        /// Seconds before SIGKILL.
        #[arg(short = 't', long = "time")]
        time: Option<u32>,
        /// Restart every container.
        #[arg(short = 'a', long)]
        all: bool,
        /// With --all, only the running ones.
        #[arg(long)]
        running: bool,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// Send a signal to containers.
    #[command(after_help = "Example:\n  rpod kill -s HUP web")]
    Kill {
        /// Signal (name or number).
        #[arg(short = 's', long, default_value = "KILL")]
        signal: String,
        /// Signal every running container.
        #[arg(short = 'a', long)]
        all: bool,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// Pause containers.
    #[command(after_help = "Example:\n  rpod pause web")]
    Pause(Targets),
    /// Unpause containers.
    #[command(after_help = "Example:\n  rpod unpause web")]
    Unpause(Targets),
    /// Remove containers.
    #[command(after_help = "Example:\n  rpod rm -f web")]
    Rm {
        /// Stop running containers first.
        #[arg(short = 'f', long)]
        force: bool,
        /// Remove every container.
        #[arg(short = 'a', long)]
        all: bool,
        /// Ignore containers that do not exist.
        #[arg(short = 'i', long)]
        ignore: bool,
        /// Seconds to wait for a running container to stop before killing it (with -f).
        #[arg(short = 't', long = "time")]
        time: Option<u32>,
        /// Also remove, first, the containers that depend on these.
        #[arg(long)]
        depend: bool,
        /// Also remove their anonymous volumes.
        #[arg(short = 'v', long)]
        volumes: bool,
        /// Read container IDs from these files (as written by `create --cidfile`).
        #[arg(long)]
        cidfile: Vec<PathBuf>,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// List containers.
    #[command(after_help = "Example:\n  rpod ps -a --format '{{.ID}} {{.Names}} {{.Status}}'")]
    #[command(alias = "ls", alias = "list")]
    Ps {
        /// Show stopped containers too.
        #[arg(short = 'a', long)]
        all: bool,
        /// Only IDs.
        #[arg(short = 'q', long)]
        quiet: bool,
        /// json, a Go template, or `table ...`.
        #[arg(long)]
        format: Option<String>,
        /// name=, id=, status=, label=, pod=, ancestor=, before=, since=, network=, exited=;
        /// repeatable (one key's values match any).
        #[arg(short = 'f', long)]
        filter: Vec<String>,
        /// Only the latest container.
        #[arg(short = 'l', long)]
        latest: bool,
        /// Only the last N created containers.
        #[arg(short = 'n', long)]
        last: Option<usize>,
        /// Sort by command, created, id, image, names, pod, runningfor or status.
        #[arg(long)]
        sort: Option<String>,
        /// Do not truncate IDs.
        #[arg(long)]
        no_trunc: bool,
        /// Show the pod of each container.
        #[arg(long)]
        pod: bool,
        /// Show each container's disk use.
        #[arg(short = 's', long)]
        size: bool,
    },
    /// Show containers' CPU, memory, network and block I/O use.
    #[command(after_help = "Example:\n  rpod stats --no-stream --format json web")]
    Stats(StatsArgs),
    /// Show a container's logs.
    #[command(after_help = "Example:\n  rpod logs -f --tail 10 web")]
    Logs {
        /// Keep following new output.
        #[arg(short = 'f', long)]
        follow: bool,
        /// Only the last N lines.
        #[arg(long)]
        tail: Option<usize>,
        /// Only lines since this time: a duration (10m), an RFC 3339 time, a date or Unix seconds.
        #[arg(long)]
        since: Option<String>,
        /// Only lines until this time (the same forms as --since).
        #[arg(long)]
        until: Option<String>,
        /// Prefix each line with its time.
        #[arg(short = 't', long)]
        timestamps: bool,
        /// With several containers, prefix lines with the name rather than the ID.
        #[arg(short = 'n', long = "names")]
        show_names: bool,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// Run a command in a running container.
    #[command(after_help = "Example:\n  rpod exec web ls /")]
    Exec {
        /// Keep stdin open.
        #[arg(short = 'i', long)]
        interactive: bool,
        /// Allocate a terminal.
        #[arg(short = 't', long)]
        tty: bool,
        /// Environment variable; repeatable.
        #[arg(short = 'e', long = "env")]
        env: Vec<String>,
        /// User.
        #[arg(short = 'u', long)]
        user: Option<String>,
        /// Working directory.
        #[arg(short = 'w', long)]
        workdir: Option<String>,
        /// Read environment variables from these files (KEY=VALUE lines).
        #[arg(long)]
        env_file: Vec<PathBuf>,
        /// Run in the background and print the exec session's ID.
        #[arg(short = 'd', long)]
        detach: bool,
        /// Give the command every capability.
        #[arg(long)]
        privileged: bool,
        /// Container.
        container: String,
        /// Command and arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
    /// Attach to a running container's output (and input, when it keeps stdin open).
    #[command(after_help = "Example:\n  rpod attach --detach-keys ctrl-x web")]
    Attach {
        /// Do not pass our input on.
        #[arg(long)]
        no_stdin: bool,
        /// Keys that detach, leaving the container running (default with a terminal:
        /// ctrl-p,ctrl-q; "" for none).
        #[arg(long)]
        detach_keys: Option<String>,
        /// Pass signals sent to rpod on to the container (default true).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
        sig_proxy: bool,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// Wait for containers to exit (or reach a state) and print their exit codes.
    #[command(after_help = "Example:\n  rpod wait web\n  rpod wait --condition running web")]
    Wait {
        /// A state to wait for (repeatable: any of them): created, initialized, running,
        /// paused, exited, stopped.
        #[arg(long)]
        condition: Vec<String>,
        /// How often to look at the state, for states other than an exit.
        #[arg(short = 'i', long, default_value = "250ms")]
        interval: String,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// Rename a container.
    #[command(after_help = "Example:\n  rpod rename web web-old")]
    Rename {
        /// Container.
        container: String,
        /// Its new name.
        name: String,
    },
    /// Change a container's cgroup limits (applied at once when it runs).
    #[command(after_help = "Example:\n  rpod update --cpus 0.5 --memory 256m web")]
    Update {
        /// The new limits.
        #[command(flatten)]
        resources: ResourceFlags,
        /// Container.
        container: String,
    },
    /// Create containers in the OCI runtime without starting them.
    #[command(after_help = "Example:\n  rpod container init web")]
    Init(Targets),
    /// Remove every container that is not running.
    #[command(after_help = "Example:\n  rpod container prune --force")]
    Prune {
        /// Do not ask.
        #[arg(short = 'f', long)]
        force: bool,
        /// KEY=VALUE filters, as ps takes them.
        #[arg(long)]
        filter: Vec<String>,
    },
    /// Show details of containers, images or pods.
    #[command(after_help = "Example:\n  rpod inspect --format '{{.State.ExitCode}}' web")]
    Inspect {
        /// json (default) or a Go template.
        #[arg(short = 'f', long)]
        format: Option<String>,
        /// container, image or pod (default: whichever matches).
        #[arg(short = 't', long = "type")]
        kind: Option<String>,
        /// Targets.
        #[command(flatten)]
        targets: Targets,
    },
    /// List a container's published ports, or the host address of one.
    #[command(after_help = "Example:\n  rpod port web 80/tcp")]
    Port {
        /// Every running container's ports.
        #[arg(short = 'a', long)]
        all: bool,
        /// Act on the latest container created.
        #[arg(short = 'l', long)]
        latest: bool,
        /// The container (unless --latest or --all), then a private port (PORT[/PROTO]).
        args: Vec<String>,
    },
    /// Show a container's processes, in podman's format descriptors.
    #[command(
        after_help = "Descriptors: args capamb capbnd capeff capinh capprm comm etime group hgroup hpid huser nice pcpu pgid pid ppid rgroup ruser seccomp state stime time tty user vsz,\nand the AIX codes %C %G %P %U %a %c %g %n %p %r %t %u %x %y %z.\n\nExample:\n  rpod top web\n  rpod top web pid,user,args\n  rpod top -l %p %C %a"
    )]
    Top {
        /// The latest container created.
        #[arg(short = 'l', long)]
        latest: bool,
        /// The container, then format descriptors (default: user pid ppid pcpu etime tty time args).
        #[arg(allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Copy files between a container and the host (CONTAINER:PATH on one side).
    #[command(after_help = "Example:\n  rpod cp web:/etc/hostname ./hostname")]
    Cp {
        /// Chown copied files to the container's user (default true; `--archive=false` keeps
        /// their owners).
        #[arg(short = 'a', long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
        archive: bool,
        /// Allow a directory to replace a non-directory and the reverse.
        #[arg(long)]
        overwrite: bool,
        /// Source: a host path, `-` (a tar stream on stdin) or CONTAINER:PATH.
        src: String,
        /// Destination: a host path, `-` (a tar stream on stdout) or CONTAINER:PATH.
        dest: String,
    },
    /// Export a container's filesystem as a tarball.
    #[command(after_help = "Example:\n  rpod export -o web.tar web")]
    Export {
        /// Output file (default: stdout).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Container.
        container: String,
    },
    /// Make an image of a container's changes and settings.
    #[command(after_help = "Example:\n  rpod commit -c 'CMD [\"httpd\"]' web web:v2")]
    Commit(CommitArgs),
    /// Show a container's filesystem changes.
    #[command(after_help = "Example:\n  rpod diff web")]
    Diff {
        /// Container.
        container: String,
    },
    /// Mount a container's root filesystem (or list mounted ones).
    #[command(after_help = "Example:\n  rpod mount web")]
    Mount {
        /// Container.
        container: Option<String>,
    },
    /// Unmount a container's root filesystem.
    #[command(alias = "umount", after_help = "Example:\n  rpod unmount web")]
    Unmount {
        /// Container.
        container: String,
    },
}
