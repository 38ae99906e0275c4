//! What each command does: build the runtime from the global flags, act, print.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::CommandFactory;
use libpod::config::{CgroupManager, StateBackend};
use libpod::state::ContainerStatus as S;
use libpod::{
    Container, ContainerOptions, LogOptions, PodOptions, PullRequest, RegistryAccess, Runtime,
};
use serde_json::{Value, json};

use crate::cli::{
    Cli, Command, ContainerCmd, ContainerCommand, CreateArgs, HealthcheckCommand, ImageCommand,
    ImagesArgs, NetworkCommand, PlatformFlags, PodCommand, PodTargets, PullArgs, PushArgs,
    RegistryFlags, RmiArgs, SystemCommand, Targets, VolumeCommand,
};
use crate::format::{ago, output};
use crate::{parse, term, views};

mod build;
mod container;
mod create_options;
mod events;
mod image;
mod inspect;
mod limits;
mod networks;
mod pods;
mod registry;
mod stats;
mod system;
mod volumes;

use inspect::*;
use networks::*;
use pods::*;
use registry::*;

/// Times rpod's own steps as debug events (`--log-level debug`).
struct Trace {
    start: Instant,
    last: Instant,
}

impl Trace {
    pub(super) fn step(&mut self, what: &str) {
        if tracing::enabled!(tracing::Level::DEBUG) {
            let now = Instant::now();
            tracing::debug!(
                step = what,
                ms = (now - self.last).as_secs_f64() * 1e3,
                since_start_ms = (now - self.start).as_secs_f64() * 1e3,
                "rpod step"
            );
            self.last = now;
        }
    }
}

/// Installs the stderr subscriber for `--log-level`, with podman's level names (`fatal` and
/// `panic` show errors only); an unknown level is an error.
pub fn init_logging(level: &str) -> Result<()> {
    let max = match level {
        "trace" => tracing::Level::TRACE,
        "debug" => tracing::Level::DEBUG,
        "info" => tracing::Level::INFO,
        "warn" | "warning" => tracing::Level::WARN,
        "error" | "fatal" | "panic" => tracing::Level::ERROR,
        other => bail!(
            "invalid log level {other:?}: use trace, debug, info, warn, error, fatal or panic"
        ),
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(max)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    Ok(())
}

/// The global flags that conmon's exit command must repeat to reach this runtime.
fn global_args(cli: &Cli) -> Vec<String> {
    let mut a = Vec::new();
    let mut add = |flag: &str, v: Option<String>| {
        if let Some(v) = v {
            a.push(flag.to_string());
            a.push(v);
        }
    };
    let abs = |p: &Option<PathBuf>| p.as_ref().map(|p| absolute(p).display().to_string());
    add("--root", abs(&cli.root));
    add("--runroot", abs(&cli.runroot));
    add("--tmpdir", abs(&cli.tmpdir));
    add("--runtime", cli.runtime.clone());
    add("--conmon", abs(&cli.conmon));
    add("--cgroup-manager", cli.cgroup_manager.clone());
    add("--network-config-dir", abs(&cli.network_config_dir));
    add("--network-backend", cli.network_backend.clone());
    add("--storage-driver", cli.storage_driver.clone());
    add("--state-backend", cli.state_backend.clone());
    a
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

fn runtime(cli: &Cli) -> Result<Runtime> {
    let mut b = Runtime::builder();
    let c = cli;
    let root = c.root.as_deref().map(absolute);
    let runroot = c.runroot.as_deref().map(absolute);
    let tmpdir = c.tmpdir.as_deref().map(absolute);
    let conmon = c.conmon.as_deref().map(absolute);
    let netdir = c.network_config_dir.as_deref().map(absolute);
    let cgm: Option<CgroupManager> = c
        .cgroup_manager
        .as_deref()
        .map(|s| {
            s.parse()
                .map_err(|e| anyhow!("--cgroup-manager {s}: expected {e}"))
        })
        .transpose()?;
    let sb: Option<StateBackend> = c
        .state_backend
        .as_deref()
        .map(|s| {
            s.parse()
                .map_err(|e| anyhow!("--state-backend {s}: expected {e}"))
        })
        .transpose()?;
    let nb: Option<libpod::config::NetworkBackend> = c
        .network_backend
        .as_deref()
        .map(|s| {
            s.parse()
                .map_err(|e| anyhow!("--network-backend {s}: expected {e}"))
        })
        .transpose()?;
    let (runtime, driver) = (c.runtime.clone(), c.storage_driver.clone());
    b = b.config(move |mut cb| {
        if let Some(v) = root {
            cb = cb.graph_root(v);
        }
        if let Some(v) = runroot {
            cb = cb.run_root(v);
        }
        if let Some(v) = tmpdir {
            cb = cb.tmp_dir(v);
        }
        if let Some(v) = runtime {
            cb = cb.oci_runtime(v);
        }
        if let Some(v) = conmon {
            cb = cb.conmon_paths(vec![v]);
        }
        if let Some(v) = cgm {
            cb = cb.cgroup_manager(v);
        }
        if let Some(v) = netdir {
            cb = cb.cni_config_dir(v);
        }
        if let Some(v) = driver {
            cb = cb.storage_driver(v);
        }
        if let Some(v) = sb {
            cb = cb.state_backend(v);
        }
        if let Some(v) = nb {
            cb = cb.network_backend(v);
        }
        cb
    });
    if let Ok(exe) = std::env::current_exe() {
        let mut args = global_args(cli);
        let mut monitor = args.clone();
        args.extend(["container".to_string(), "cleanup".to_string()]);
        b = b.exit_command(exe.clone(), args);
        let mut session = monitor.clone();
        monitor.extend(["container".to_string(), "healthmonitor".to_string()]);
        b = b.health_monitor_command(exe.clone(), monitor);
        session.extend(["container".to_string(), "execsession".to_string()]);
        b = b.exec_session_command(exe, session);
    }
    Ok(b.build()?)
}

/// Runs the command; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    init_logging(&cli.log_level)?;
    let mut t = Trace {
        start: Instant::now(),
        last: Instant::now(),
    };
    match &cli.command {
        Command::Version { format } => return version(format.as_deref()),
        Command::Completion { shell } => return completion(shell),
        Command::Unshare { command } => return Ok(libpod::unshare(command)?),
        _ => {}
    }
    let rt = runtime(&cli)?;
    t.step("runtime (config, storage, OCI runtime, locks, network, state)");
    let code = dispatch(&rt, cli.command, &mut t)?;
    t.step("command");
    drop(rt);
    t.step("close");
    Ok(code)
}

fn completion(shell: &str) -> Result<i32> {
    let sh = match shell {
        "bash" => clap_complete::Shell::Bash,
        "zsh" => clap_complete::Shell::Zsh,
        "fish" => clap_complete::Shell::Fish,
        other => bail!("unsupported shell {other:?}; use bash, zsh or fish"),
    };
    clap_complete::generate(sh, &mut Cli::command(), "rpod", &mut std::io::stdout());
    Ok(0)
}

fn version(format: Option<&str>) -> Result<i32> {
    let os_arch = format!("{}/{}", std::env::consts::OS, libpod::go_arch());
    let v = json!({"Client": {"APIVersion": env!("CARGO_PKG_VERSION"), "Version": env!("CARGO_PKG_VERSION"), "OsArch": os_arch, "Os": std::env::consts::OS, "Engine": "libpod-rs"}});
    match format {
        Some(f) => print!("{}", crate::format::output_one(&v, f)?),
        None => {
            println!("Client:       libpod-rs (rpod)");
            println!("Version:      {}", env!("CARGO_PKG_VERSION"));
            println!("API Version:  {}", env!("CARGO_PKG_VERSION"));
            println!("OS/Arch:      {os_arch}");
        }
    }
    Ok(0)
}

fn latest(rt: &Runtime) -> Result<String> {
    rt.containers()?
        .into_iter()
        .max_by_key(|(c, _)| c.created)
        .map(|(c, _)| c.id)
        .ok_or_else(|| anyhow!("no containers to act on with --latest"))
}

fn targets(rt: &Runtime, t: &Targets) -> Result<Vec<Container>> {
    if t.latest {
        return Ok(vec![rt.container(&latest(rt)?)?]);
    }
    if t.names.is_empty() {
        bail!("give at least one container name or ID, or --latest");
    }
    t.names.iter().map(|n| Ok(rt.container(n)?)).collect()
}

/// `targets`, or with `all` every container (only running ones when `running_only`),
/// selected by the library as `ps` selects them.
fn with_all(rt: &Runtime, targets: Targets, all: bool, running_only: bool) -> Result<Targets> {
    if !all {
        return Ok(targets);
    }
    let opts = libpod::ListOptions {
        all: !running_only,
        ..Default::default()
    };
    let names = rt
        .list_containers(&opts)?
        .into_iter()
        .map(|(c, _)| c.id)
        .collect();
    Ok(Targets {
        latest: false,
        names,
    })
}

/// `targets` without the names no container has (`--ignore`).
/// `targets` with the IDs read from `--cidfile` files added; a missing file is skipped when
/// `ignore`, else an error as podman's.
fn with_cidfiles(mut targets: Targets, files: &[PathBuf], ignore: bool) -> Result<Targets> {
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(id) => targets.names.push(id.trim().to_string()),
            Err(e) if ignore && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!(
                "reading CIDFile: open {}: {}",
                f.display(),
                libpod::fs::go_io_text(&e)
            ),
        }
    }
    Ok(targets)
}

fn without_missing(rt: &Runtime, mut targets: Targets) -> Targets {
    targets
        .names
        .retain(|n| !matches!(rt.container(n), Err(e) if e.is_not_found()));
    targets
}

/// Prints a removal's lines and errors (each once) and returns podman's exit code.
fn report(r: libpod::RemoveReport) -> i32 {
    for l in &r.removed {
        println!("{l}");
    }
    for (_, e) in &r.failed {
        eprintln!(
            "Error: {}",
            crate::one_line(&anyhow::Error::msg(e.to_string()))
        );
    }
    r.exit_code()
}

/// Runs `f` on each target, printing its name as podman does; errors are printed as they
/// come, once, and the last one's exit code is returned after every target was tried.
fn each(rt: &Runtime, t: &Targets, f: impl Fn(&Container) -> Result<()>) -> Result<i32> {
    let mut failed = None;
    let list = targets(rt, t)?;
    for (i, c) in list.iter().enumerate() {
        match f(c) {
            Ok(()) => println!(
                "{}",
                t.names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| c.id().to_string())
            ),
            Err(e) => {
                eprintln!("Error: {}", crate::one_line(&e));
                failed = Some(crate::exit_code_of(&e));
            }
        }
    }
    Ok(failed.unwrap_or(0))
}

fn confirm(force: bool, what: &str) -> Result<()> {
    if force {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("{what}: not confirmed; use --force when not on a terminal");
    }
    eprint!("WARNING! {what}. Are you sure you want to continue? [y/N] ");
    let mut a = String::new();
    std::io::stdin().read_line(&mut a)?;
    if a.trim().eq_ignore_ascii_case("y") {
        Ok(())
    } else {
        bail!("{what}: cancelled")
    }
}

/// A progress callback.
type ProgressCb = Box<dyn FnMut(&libpod::storage::Progress)>;

fn progress() -> Option<ProgressCb> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(Box::new(|p: &libpod::storage::Progress| {
        let item: String = p.item.chars().take(19).collect();
        match p.total {
            Some(t) if t > 0 => eprint!(
                "\rCopying {item} {:>10} / {:<10} [{:<30}]",
                crate::format::size(p.done),
                crate::format::size(t),
                "=".repeat((p.done.min(t) * 30 / t) as usize)
            ),
            _ => eprint!("\rCopying {item} {:>10}", crate::format::size(p.done)),
        }
        if p.total.is_some_and(|t| p.done >= t) {
            eprintln!();
        }
    }))
}

/// Lends the progress callback to one call.
fn lend(cb: &mut Option<ProgressCb>) -> Option<&mut dyn FnMut(&libpod::storage::Progress)> {
    match cb {
        Some(f) => Some(&mut **f),
        None => None,
    }
}

/// Routes each command to its group's handler.
fn dispatch(rt: &Runtime, cmd: Command, t: &mut Trace) -> Result<i32> {
    match cmd {
        Command::Pod(pc) => pod(rt, pc),
        Command::Network(nc) => network(rt, nc),
        Command::Volume(vc) => volumes::volume(rt, vc),
        Command::Events(a) => events::events(rt, &a),
        Command::Healthcheck(HealthcheckCommand::Run { container }) => {
            // podman: this run's result, whatever the container's status.
            if rt.container(&container)?.run_healthcheck()?.passed() {
                Ok(0)
            } else {
                println!("unhealthy");
                Ok(1)
            }
        }
        Command::Ctr(c) => container_cmd(rt, *c, t),
        Command::Container(ContainerCommand::Ctr(c)) => container_cmd(rt, *c, t),
        c @ (Command::Images { .. }
        | Command::Image { .. }
        | Command::Rmi { .. }
        | Command::Tag { .. }
        | Command::Untag { .. }
        | Command::Import { .. }
        | Command::History { .. }
        | Command::Build { .. }
        | Command::Load { .. }
        | Command::Save { .. }
        | Command::Search { .. }
        | Command::Pull { .. }
        | Command::Push { .. }) => image::image_cmd(rt, c, t),
        c @ (Command::Login { .. } | Command::Logout { .. }) => registry::login_cmd(rt, c, t),
        c @ (Command::Info { .. }
        | Command::System { .. }
        | Command::Container { .. }
        | Command::Version { .. }
        | Command::Unshare { .. }
        | Command::Completion { .. }) => system::system_cmd(rt, c, t),
    }
}

/// Routes a container command (top level or under `container`) to its handler.
fn container_cmd(rt: &Runtime, cmd: ContainerCmd, t: &mut Trace) -> Result<i32> {
    use ContainerCmd as C;
    match cmd {
        c @ (C::Run { .. }
        | C::Create { .. }
        | C::Start { .. }
        | C::Stop { .. }
        | C::Restart { .. }
        | C::Kill { .. }
        | C::Pause { .. }
        | C::Unpause { .. }
        | C::Rm { .. }) => container::lifecycle(rt, c, t),
        c @ (C::Wait { .. }
        | C::Init { .. }
        | C::Prune { .. }
        | C::Rename { .. }
        | C::Update { .. }) => container::states(rt, c),
        C::Stats(a) => stats::stats(rt, &a, false),
        c @ (C::Logs { .. } | C::Exec { .. } | C::Attach { .. }) => container::io(rt, c, t),
        c @ (C::Ps { .. } | C::Inspect { .. } | C::Port { .. } | C::Top { .. }) => {
            inspect::listing(rt, c, t)
        }
        c @ (C::Cp { .. }
        | C::Export { .. }
        | C::Diff { .. }
        | C::Mount { .. }
        | C::Unmount { .. }) => inspect::files(rt, c, t),
        C::Commit(a) => image::commit(rt, &a),
    }
}
