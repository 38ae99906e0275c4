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
    Cli, Command, ContainerCommand, CreateArgs, ImageCommand, ImagesArgs, NetworkCommand,
    PlatformFlags, PodCommand, PodTargets, PullArgs, PushArgs, RegistryFlags, SystemCommand,
    Targets,
};
use crate::format::{ago, output};
use crate::{parse, term, views};

const PS_HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("CommandLine", "COMMAND"),
    ("CreatedHuman", "CREATED"),
    ("RunningFor", "CREATED"),
    ("Names", "NAMES"),
    ("PodName", "POD NAME"),
];
const IMAGE_HEADERS: &[(&str, &str)] = &[
    ("ID", "IMAGE ID"),
    ("Id", "IMAGE ID"),
    ("CreatedSince", "CREATED"),
    ("SizeHuman", "SIZE"),
];
const POD_HEADERS: &[(&str, &str)] = &[
    ("ID", "POD ID"),
    ("CreatedHuman", "CREATED"),
    ("NumberOfContainers", "# OF CONTAINERS"),
    ("InfraID", "INFRA ID"),
];
const NET_HEADERS: &[(&str, &str)] = &[("ID", "NETWORK ID")];

/// Times rpod's own steps as debug events (`--log-level debug`).
struct Trace {
    start: Instant,
    last: Instant,
}

impl Trace {
    fn step(&mut self, what: &str) {
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
        cb
    });
    if let Ok(exe) = std::env::current_exe() {
        let mut args = global_args(cli);
        args.extend(["container".to_string(), "cleanup".to_string()]);
        b = b.exit_command(exe, args);
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

fn options(a: &CreateArgs) -> Result<ContainerOptions> {
    let mut env = Vec::new();
    for f in &a.env_file {
        env.extend(parse::env_file(f)?);
    }
    for e in &a.env {
        // `-e NAME` takes the host's value; unset on the host, it is left out (as podman).
        if e.contains('=') {
            env.push(e.clone());
        } else if let Ok(v) = std::env::var(e) {
            env.push(format!("{e}={v}"));
        }
    }
    let mut mounts: Vec<_> = a
        .volume
        .iter()
        .map(|v| parse::volume(v))
        .collect::<Result<_>>()?;
    mounts.extend(
        a.tmpfs
            .iter()
            .map(|v| parse::tmpfs(v))
            .collect::<Result<Vec<_>>>()?,
    );
    let entrypoint = a.entrypoint.as_ref().map(|e| {
        if e.trim_start().starts_with('[') {
            serde_json::from_str::<Vec<String>>(e)
                .map_err(|_| anyhow!("--entrypoint {e:?}: not a JSON array of strings"))
        } else {
            Ok(vec![e.clone()])
        }
    });
    Ok(ContainerOptions {
        image: a.image.clone(),
        name: a.name.clone(),
        command: a.command.clone(),
        entrypoint: entrypoint.transpose()?,
        env,
        workdir: a.workdir.clone(),
        user: a.user.clone(),
        hostname: a.hostname.clone(),
        mounts,
        network: a.network.as_deref().map(parse::network).unwrap_or_default(),
        ports: a
            .publish
            .iter()
            .map(|p| parse::publish(p))
            .collect::<Result<_>>()?,
        labels: parse::labels(&a.label),
        stop_signal: a
            .stop_signal
            .as_deref()
            .map(libpod::parse_signal)
            .transpose()?,
        stop_timeout: a.stop_timeout,
        auto_remove: a.rm,
        pod: a.pod.clone(),
        resources: libpod::state::Resources {
            memory: a.memory.as_deref().map(parse::memory).transpose()?,
            pids: a.pids_limit,
            cpu_shares: a.cpu_shares,
        },
        read_only: a.read_only,
        privileged: a.privileged,
        tty: a.tty,
        stdin: a.interactive,
        rootfs: None,
    })
}

/// Copies the container's output to ours until it exits; stdin too with `-i`.
fn attach_and_wait(
    rt: &Runtime,
    c: &Container,
    stdin: bool,
    start: bool,
    sig_proxy: bool,
) -> Result<i32> {
    // First, before any thread: the proxy's signal block is inherited by threads made later.
    if sig_proxy {
        crate::sigproxy::start(c.clone());
    }
    let bundle = rt.bundle_path(c.id());
    // A container that ran before gets a new conmon (and attach socket) before we connect,
    // so `start -a` shows the new run's output.
    if start && matches!(c.state()?.status, S::Configured | S::Exited | S::Stopped) {
        c.init()?;
    }
    // A container terminal gets the host terminal's size and, when it is typed into, raw
    // keys (restored when this returns).
    let tty = c.config()?.tty;
    if tty {
        term::forward_resizes(bundle.clone());
    }
    let _raw = (tty && stdin).then(term::RawMode::enter).flatten();
    let input: Option<Box<dyn Read + Send>> = if stdin {
        Some(Box::new(std::io::stdin()))
    } else {
        None
    };
    // Connected before start, so no output is missed.
    let sock = libpod::oci::connect_attach(&bundle).ok();
    let reader = sock.map(|s| {
        std::thread::spawn(move || {
            let (mut o, mut e) = (std::io::stdout(), std::io::stderr());
            libpod::oci::attach_socket(s, input, &mut o, &mut e)
        })
    });
    if start {
        c.start()?;
    }
    let code = match c.wait() {
        Ok(code) => code,
        // conmon's exit command may remove an auto-removed container before we look: its
        // exit code is kept.
        Err(e) if e.is_not_found() => rt
            .exit_code(c.id())?
            .ok_or_else(|| anyhow!("container {} is gone and left no exit code", c.id()))?,
        Err(e) => return Err(e.into()),
    };
    if let Some(r) = reader {
        let _ = r.join();
    }
    Ok(code)
}

fn pull_request(
    platform: PlatformFlags,
    registry: RegistryFlags,
    signature_policy: Option<PathBuf>,
) -> Result<PullRequest> {
    Ok(PullRequest {
        platform: platform_of(platform)?,
        signature_policy,
        access: access(registry)?,
    })
}

/// `--platform`, or `--os`/`--arch`/`--variant` (each defaulting to this machine's), as one
/// `os/arch[/variant]`; none when nothing was asked.
fn platform_of(f: PlatformFlags) -> Result<Option<String>> {
    if let Some(p) = f.platform {
        if f.os.is_some() || f.arch.is_some() {
            bail!("--platform cannot be given with --os or --arch");
        }
        // As podman: --variant may refine a --platform that names none.
        return Ok(Some(match f.variant {
            Some(v) if p.split('/').count() == 2 => format!("{p}/{v}"),
            _ => p,
        }));
    }
    if f.os.is_none() && f.arch.is_none() && f.variant.is_none() {
        return Ok(None);
    }
    let arch = f
        .arch
        .unwrap_or_else(|| libpod::storage::host_arch().to_string());
    let mut p = format!("{}/{arch}", f.os.as_deref().unwrap_or("linux"));
    if let Some(v) = f.variant {
        p.push('/');
        p.push_str(&v);
    }
    Ok(Some(p))
}

/// The registry flags as libpod takes them.
fn access(registry: RegistryFlags) -> Result<RegistryAccess> {
    Ok(RegistryAccess {
        auth_file: registry.authfile,
        tls_verify: registry.tls_verify,
        credentials: creds(registry.creds)?,
        cert_dir: registry.cert_dir,
        retries: registry.retry,
        retry_delay: registry.retry_delay,
        on_retry: Some(|n, of, delay, e| {
            eprintln!("rpod: {e}; trying again in {delay:?} ({n}/{of})");
        }),
        gzip_layers: false,
    })
}

/// `--creds USER[:PASSWORD]` split; a missing password is asked for on a terminal.
fn creds(given: Option<String>) -> Result<Option<(String, String)>> {
    let Some(given) = given else {
        return Ok(None);
    };
    let (user, pass) = match given.split_once(':') {
        Some((u, p)) if !p.is_empty() => (u.to_string(), p.to_string()),
        // As podman: `USER` or `USER:` asks for the password.
        _ if std::io::stdin().is_terminal() => {
            let user = given.split_once(':').map_or(given.as_str(), |(u, _)| u);
            credentials_from_user(Some(user.to_string()), None, false)?
        }
        _ => bail!("--creds {given}: give USER:PASSWORD (no terminal to ask for the password)"),
    };
    if user.is_empty() {
        bail!("--creds: the user name must not be empty");
    }
    Ok(Some((user, pass)))
}

/// A progress callback drawing a bar per blob on a terminal (nothing when `quiet`).
fn blob_bars(quiet: bool) -> impl FnMut(&libpod::storage::Progress) {
    let mut bars = if quiet {
        None
    } else {
        crate::bars::Bars::new("Copying blob")
    };
    move |p| {
        if let Some(b) = bars.as_mut() {
            b.update(p)
        }
    }
}

/// Pulls with a bar per layer on a terminal.
fn pull_with_bars(
    rt: &Runtime,
    reference: &str,
    req: &PullRequest,
    quiet: bool,
) -> Result<libpod::storage::Image> {
    let mut report = blob_bars(quiet);
    Ok(rt.pull_image_with_progress(reference, req, Some(&mut report))?)
}

/// The user name and password for `login`: from the flags, standard input, or asked for on
/// the terminal (the password without echo).
fn credentials_from_user(
    username: Option<String>,
    password: Option<String>,
    password_stdin: bool,
) -> Result<(String, String)> {
    let tty = std::io::stdin().is_terminal();
    let user = match username {
        Some(u) => u,
        None if tty && !password_stdin => {
            eprint!("Username: ");
            let mut u = String::new();
            std::io::stdin().read_line(&mut u)?;
            u.trim().to_string()
        }
        None => bail!("give the user name with --username"),
    };
    let pass = match password {
        Some(p) if !password_stdin => p,
        Some(_) => bail!("--password and --password-stdin are exclusive"),
        None if password_stdin => {
            let mut p = String::new();
            std::io::stdin().read_to_string(&mut p)?;
            p.trim_end_matches(['\n', '\r']).to_string()
        }
        None if tty => {
            eprint!("Password: ");
            let p = term::read_hidden_line()?;
            eprintln!();
            p
        }
        None => bail!("give the password with --password-stdin (or --password)"),
    };
    if user.is_empty() || pass.is_empty() {
        bail!("the user name and password must not be empty");
    }
    Ok((user, pass))
}

/// Applies `--pull` before create: the image is pulled when the policy says so.
fn ensure_image(rt: &Runtime, a: &CreateArgs) -> Result<()> {
    let present = rt.image(&a.image).is_ok();
    match a.pull.as_str() {
        "never" => return Ok(()),
        "missing" if present => return Ok(()),
        _ => {}
    }
    // Only now: `--creds USER` may ask for a password.
    let mut req = pull_request(
        a.platform.clone(),
        a.registry.clone(),
        a.signature_policy.clone(),
    )?;
    // `newer` with a local copy falls back to it at once, as podman, unless told to retry.
    if a.pull == "newer" && present && req.access.retries.is_none() {
        req.access.retries = Some(0);
    }
    match pull_with_bars(rt, &a.image, &req, false) {
        Ok(_) => Ok(()),
        // `newer` keeps using the local copy when the registry cannot be asked.
        Err(e) if a.pull == "newer" && present => {
            eprintln!(
                "rpod: could not check {} for a newer image: {e}; using the local one",
                a.image
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

fn run_container(
    rt: &Runtime,
    detach: bool,
    sig_proxy: bool,
    a: &CreateArgs,
    t: &mut Trace,
) -> Result<i32> {
    ensure_image(rt, a)?;
    let c = rt.create_container(options(a)?)?;
    t.step("create (name check, lock, storage, state)");
    if detach {
        c.start()?;
        t.step("start (mount, network, spec, conmon, runtime)");
        println!("{}", c.id());
        return Ok(0);
    }
    let code = match attach_and_wait(rt, &c, a.interactive, true, sig_proxy) {
        Ok(code) => code,
        Err(e) => {
            if a.rm {
                let _ = c.remove(true);
            }
            return Err(e);
        }
    };
    t.step("start, attach and wait");
    if a.rm {
        // conmon's exit command may have removed it already.
        match c.remove(false) {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        t.step("remove");
    }
    Ok(code)
}

/// `ps`'s options.
struct PsOpts<'a> {
    all: bool,
    quiet: bool,
    format: Option<&'a str>,
    filters: &'a [String],
    latest_only: bool,
    no_trunc: bool,
    pod: bool,
}

fn ps(rt: &Runtime, o: PsOpts<'_>) -> Result<i32> {
    let PsOpts {
        all,
        quiet,
        format,
        filters,
        latest_only,
        no_trunc,
        pod,
    } = o;
    let mut list = rt.containers()?;
    // `-l` is the last created of all containers, running or not, as podman's.
    list.retain(|(c, s)| {
        all || (latest_only && !c.is_infra) || (s.status == S::Running && !c.is_infra)
    });
    for f in filters {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| anyhow!("invalid filter {f:?}: expected KEY=VALUE"))?;
        let images = rt.images()?;
        let pods = rt.pods()?;
        list.retain(|(c, s)| match k {
            "name" => c.name.contains(v),
            "id" => c.id.starts_with(v),
            "status" => s.status.as_str() == v || (v == "exited" && s.status == S::Stopped),
            "label" => match v.split_once('=') {
                Some((lk, lv)) => c.labels.get(lk).is_some_and(|x| x == lv),
                None => c.labels.contains_key(v),
            },
            "pod" => c.pod.as_ref().is_some_and(|p| {
                p.starts_with(v)
                    || pods
                        .iter()
                        .any(|x| x.id() == p && x.config().is_ok_and(|pc| pc.name == v))
            }),
            "ancestor" => {
                c.image_name.contains(v)
                    || c.image_id.starts_with(v)
                    || images
                        .iter()
                        .any(|i| i.id == c.image_id && i.names.iter().any(|n| n.contains(v)))
            }
            _ => true,
        });
        if !matches!(k, "name" | "id" | "status" | "label" | "pod" | "ancestor") {
            bail!("unsupported filter {k:?}; use name, id, status, label, pod or ancestor");
        }
    }
    if latest_only {
        list.sort_by_key(|(c, _)| c.created);
        let n = list.len().saturating_sub(1);
        list.drain(..n);
    }
    // Oldest first, as podman lists them.
    list.sort_by_key(|(c, _)| c.created);
    if quiet {
        for (c, _) in &list {
            println!(
                "{}",
                if no_trunc {
                    c.id.clone()
                } else {
                    c.id[..12].to_string()
                }
            );
        }
        return Ok(0);
    }
    let images = rt.images()?;
    // A pod's members share its network, so they show its published ports, as podman does.
    let pods: Vec<(String, String, String)> = rt
        .pods()?
        .iter()
        .filter_map(|p| {
            p.config()
                .ok()
                .map(|c| (c.id, c.name, views::ports_line(&c.ports)))
        })
        .collect();
    let items: Vec<Value> = list
        .iter()
        .map(|(c, s)| {
            let img = images.iter().find(|i| i.id == c.image_id);
            let pod = c
                .pod
                .as_ref()
                .and_then(|p| pods.iter().find(|(id, _, _)| id == p));
            let pn = pod.map(|(_, n, _)| n.clone()).unwrap_or_default();
            let mut v = views::ps_item(c, s, img, &pn);
            if let Some((_, _, ports)) = pod
                && c.ports.is_empty()
            {
                v["Ports"] = json!(ports);
            }
            if no_trunc {
                v["ID"] = json!(c.id);
                v["Command"] = v["CommandLine"].clone();
            }
            v
        })
        .collect();
    let default = if pod {
        "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.PodName}}"
    } else {
        "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
    };
    let f = format.unwrap_or(default);
    print!("{}", output(&items, f, PS_HEADERS)?);
    Ok(0)
}

fn inspect(rt: &Runtime, format: Option<&str>, kind: Option<&str>, t: &Targets) -> Result<i32> {
    let names = if t.latest {
        vec![latest(rt)?]
    } else {
        t.names.clone()
    };
    if names.is_empty() {
        bail!("give at least one name or ID");
    }
    let mut items = Vec::new();
    let mut missing = Vec::new();
    for n in &names {
        let want = |k: &str| kind.is_none_or(|x| x == k);
        if want("container")
            && let Ok(c) = rt.container(n)
        {
            items.push(container_json(rt, &c)?);
            continue;
        }
        if want("image")
            && let Ok(i) = rt.image(n)
        {
            items.push(views::inspect_image(&i));
            continue;
        }
        if want("pod")
            && let Ok(p) = rt.pod(n)
        {
            items.push(pod_inspect_json(&p)?);
            continue;
        }
        missing.push(n.clone());
    }
    // podman prints what it found, then an error for what it did not.
    if !items.is_empty() || missing.is_empty() {
        print!("{}", output(&items, format.unwrap_or("json"), &[])?);
    }
    match missing.last() {
        Some(n) => {
            for m in &missing[..missing.len() - 1] {
                eprintln!("Error: no such object: {m:?}");
            }
            bail!("no such object: {n:?}")
        }
        None => Ok(0),
    }
}

fn container_json(rt: &Runtime, c: &Container) -> Result<Value> {
    let (cfg, st) = (c.config()?, c.state()?);
    let img = rt.image(&cfg.image_id).ok();
    let userdata = rt.config()?.static_dir.join("containers").join(&cfg.id);
    Ok(views::inspect_container(
        &cfg,
        &st,
        img.as_ref(),
        &rt.log_path(&cfg.id).display().to_string(),
        &userdata,
    ))
}

/// `pod inspect`'s view: `pod_json` without the `pod ps` JSON kept aside.
fn pod_inspect_json(p: &libpod::Pod) -> Result<Value> {
    let mut v = pod_json(p)?;
    if let Some(m) = v.as_object_mut() {
        m.remove("__json");
    }
    Ok(v)
}

fn pod_json(p: &libpod::Pod) -> Result<Value> {
    let cfg = p.config()?;
    let st = p.pod_state()?;
    let ctrs = p.containers()?;
    Ok(json!({
        "Id": cfg.id,
        "ID": &cfg.id[..12],
        "Name": cfg.name,
        "Created": crate::format::rfc3339(cfg.created),
        "CreatedHuman": ago(cfg.created),
        "State": p.status()?.to_string(),
        "Status": p.status()?.to_string(),
        "Hostname": cfg.hostname.clone().unwrap_or_default(),
        "Labels": cfg.labels,
        "InfraContainerID": st.infra_container.clone().unwrap_or_default(),
        "InfraID": st.infra_container.as_deref().map(|i| &i[..12]).unwrap_or(""),
        "SharedNamespaces": cfg.shared_namespaces,
        "NumContainers": ctrs.len(),
        "NumberOfContainers": ctrs.len(),
        "Containers": ctrs.iter().map(|(c, s)| json!({"Id": c.id, "Name": c.name, "State": s.status.as_str()})).collect::<Vec<_>>(),
        "Ports": views::ports_line(&cfg.ports),
        // What `pod ps --format json` prints, as podman 4.3.
        "__json": {
            "Cgroup": "",
            "Containers": ctrs.iter().map(|(c, s)| json!({"Id": c.id, "Names": c.name, "Status": s.status.as_str()})).collect::<Vec<_>>(),
            "Created": libpod::rfc3339_nano(cfg.created),
            "Id": cfg.id,
            "InfraId": st.infra_container.clone().unwrap_or_default(),
            "Name": cfg.name,
            "Namespace": "",
            "Networks": Vec::<String>::new(),
            "Status": p.status()?.to_string(),
            "Labels": cfg.labels,
        },
    }))
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

fn pod_targets(rt: &Runtime, t: &PodTargets) -> Result<Vec<libpod::Pod>> {
    if t.all {
        return Ok(rt.pods()?);
    }
    if t.latest {
        let mut pods = rt.pods()?;
        pods.sort_by_key(|p| p.config().map(|c| c.created).unwrap_or(0));
        return pods
            .pop()
            .map(|p| vec![p])
            .ok_or_else(|| anyhow!("no pods"));
    }
    if t.names.is_empty() {
        bail!("give at least one pod name or ID, --all or --latest");
    }
    t.names.iter().map(|n| Ok(rt.pod(n)?)).collect()
}

fn each_pod(rt: &Runtime, t: &PodTargets, f: impl Fn(&libpod::Pod) -> Result<()>) -> Result<i32> {
    for p in pod_targets(rt, t)? {
        f(&p)?;
        println!("{}", p.id());
    }
    Ok(0)
}

/// `top`'s rows as tab-separated lines for `format::columns`.
fn top_rows(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter().map(|r| r.join("\t")).collect()
}

/// `cp`: podman's spelling over `Container::copy_in`/`copy_out` and their tar forms.
fn cp(rt: &Runtime, src: &str, dest: &str, opts: &libpod::CopyOptions) -> Result<i32> {
    let split = |s: &str| -> Option<(String, String)> {
        s.split_once(':')
            .filter(|(c, _)| !c.is_empty() && !c.contains('/'))
            .map(|(c, p)| (c.to_string(), p.to_string()))
    };
    match (split(src), split(dest)) {
        (None, Some((c, p))) if src == "-" => {
            rt.container(&c)?
                .copy_in_tar(std::io::stdin().lock(), &p, opts)?
        }
        (None, Some((c, p))) => rt.container(&c)?.copy_in(Path::new(src), &p, opts)?,
        (Some((c, p)), None) if dest == "-" => {
            let mut out = std::io::stdout().lock();
            rt.container(&c)?.copy_out_tar(&p, &mut out)?;
            std::io::Write::flush(&mut out)?;
        }
        (Some((c, p)), None) => rt.container(&c)?.copy_out(&p, Path::new(dest), opts)?,
        (Some(_), Some(_)) => {
            bail!("copying between containers is not supported: copy to the host first")
        }
        (None, None) => bail!("one of SRC and DEST must be CONTAINER:PATH"),
    }
    Ok(0)
}

/// Keeps the images that pass every `--filter KEY=VALUE`, as podman reads them.
fn filter_images(
    rt: &Runtime,
    imgs: &mut Vec<libpod::storage::Image>,
    filters: &[String],
) -> Result<()> {
    for f in filters {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| anyhow!("invalid filter {f:?}: expected KEY=VALUE"))?;
        // before= and since= compare creation times with the image they name.
        let created = |s: &str| -> Result<i64> { Ok(rt.image(s)?.created) };
        match k {
            // Several reference= filters: any of them (below), as docker and podman.
            "reference" => {}
            "dangling" => {
                let want = match v {
                    "true" => true,
                    "false" => false,
                    _ => bail!("invalid filter {f:?}: dangling is true or false"),
                };
                imgs.retain(|i| i.names.is_empty() == want);
            }
            "label" => imgs.retain(|i| match v.split_once('=') {
                Some((lk, lv)) => i.config.labels.get(lk).is_some_and(|x| x == lv),
                None => i.config.labels.contains_key(v),
            }),
            "before" => {
                let t = created(v)?;
                imgs.retain(|i| i.created < t);
            }
            "since" => {
                let t = created(v)?;
                imgs.retain(|i| i.created > t);
            }
            "id" => imgs.retain(|i| i.id.starts_with(v.trim_start_matches("sha256:"))),
            "digest" => imgs.retain(|i| i.manifest_digests().any(|d| d == v)),
            _ => bail!(
                "unsupported filter {k:?}; use reference, dangling, label, before, since, id or digest"
            ),
        }
    }
    let references = reference_filters(filters);
    if !references.is_empty() {
        imgs.retain(|i| {
            i.names
                .iter()
                .any(|n| references.iter().any(|p| parse::reference_matches(p, n)))
        });
    }
    Ok(())
}

/// The patterns of the `reference=` filters.
fn reference_filters(filters: &[String]) -> Vec<&str> {
    filters
        .iter()
        .filter_map(|f| f.strip_prefix("reference="))
        .collect()
}

fn images(rt: &Runtime, a: &ImagesArgs) -> Result<i32> {
    let ImagesArgs {
        quiet,
        ref format,
        all,
        digests,
        no_trunc,
        noheading,
        ref filter,
        ref image,
    } = *a;
    let (format, only) = (format.as_deref(), image.as_deref());
    let mut imgs = rt.images()?;
    filter_images(rt, &mut imgs, filter)?;
    let references = reference_filters(filter);
    // Untagged images are what dangling=true asks for.
    let all = all || filter.iter().any(|f| f == "dangling=true");
    // Asked by name, only that name's row is listed, as podman does.
    let mut only_name = None;
    if let Some(name) = only {
        let id = rt.image(name).ok().map(|i| i.id);
        imgs.retain(|i| Some(&i.id) == id.as_ref());
        only_name = rt.image_name(name).ok().flatten();
    }
    imgs.sort_by_key(|i| std::cmp::Reverse(i.created));
    let ctrs = rt.containers()?;
    if quiet {
        for i in imgs.iter().filter(|i| all || !i.names.is_empty()) {
            if no_trunc {
                println!("sha256:{}", i.id);
            } else {
                println!("{}", &i.id[..12]);
            }
        }
        return Ok(0);
    }
    let default = format!(
        "table {{{{.Repository}}}}\t{{{{.Tag}}}}\t{}{}\t{{{{.CreatedSince}}}}\t{{{{.SizeHuman}}}}",
        if digests { "{{.Digest}}\t" } else { "" },
        "{{.ID}}",
    );
    let f = format.unwrap_or(&default);
    let mut items: Vec<Value> = if f == "json" {
        imgs.iter()
            .map(|i| {
                views::image_items(i, ctrs.iter().filter(|(c, _)| c.image_id == i.id).count())
                    .swap_remove(0)
            })
            .collect()
    } else {
        imgs.iter()
            .filter(|i| all || !i.names.is_empty())
            .flat_map(|i| {
                views::image_items(i, ctrs.iter().filter(|(c, _)| c.image_id == i.id).count())
            })
            .filter(|v| {
                // A row is one name: the name asked for, and names the reference filters
                // match, as docker lists them.
                let row = format!(
                    "{}:{}",
                    v["Repository"].as_str().unwrap_or(""),
                    v["Tag"].as_str().unwrap_or("")
                );
                only_name.as_ref().is_none_or(|n| row == *n)
                    && (references.is_empty()
                        || references.iter().any(|p| parse::reference_matches(p, &row)))
            })
            .collect()
    };
    if no_trunc {
        // As podman: the whole ID, with its algorithm.
        for v in &mut items {
            let full = format!("sha256:{}", v["Id"].as_str().unwrap_or(""));
            v["ID"] = Value::String(full);
        }
    }
    let text = output(&items, f, IMAGE_HEADERS)?;
    if noheading && f.starts_with("table") {
        print!("{}", text.split_once('\n').map_or("", |(_, rest)| rest));
    } else {
        print!("{text}");
    }
    Ok(0)
}

/// `pull`: the image ID on stdout, a summary (and bars on a terminal) on stderr.
fn pull(rt: &Runtime, a: PullArgs) -> Result<i32> {
    let req = pull_request(a.platform, a.registry, a.signature_policy)?;
    if a.all_tags {
        let mut report = blob_bars(a.quiet);
        let imgs = rt.pull_all_tags_with_progress(&a.reference, &req, Some(&mut report))?;
        if !a.quiet {
            eprintln!("Pulled {} tags of {}", imgs.len(), a.reference);
        }
        for img in imgs {
            println!("{}", img.id);
        }
        return Ok(0);
    }
    let img = pull_with_bars(rt, &a.reference, &req, a.quiet)?;
    if !a.quiet {
        eprintln!(
            "Pulled {} ({} layers)",
            img.names.join(", "),
            img.layers.len()
        );
    }
    println!("{}", img.id);
    Ok(0)
}

/// `push`: to the image's own name unless a destination is given.
fn push(rt: &Runtime, a: PushArgs) -> Result<i32> {
    let dest = a.destination.unwrap_or_else(|| a.image.clone());
    let mut report = blob_bars(a.quiet);
    let mut access = access(a.registry)?;
    access.gzip_layers = a.compression_format.is_some();
    let digest = rt.push_image(&a.image, &dest, &access, Some(&mut report))?;
    if let Some(f) = a.digestfile {
        std::fs::write(&f, &digest)
            .with_context(|| format!("writing the digest to {}", f.display()))?;
    }
    if !a.quiet {
        eprintln!("Pushed {dest} ({digest})");
    }
    Ok(0)
}

/// `untag`: drops `names` from `image` (all of its names when none are given).
fn untag(rt: &Runtime, image: &str, names: Vec<String>) -> Result<i32> {
    let names = if names.is_empty() {
        rt.image(image)?.names
    } else {
        names
    };
    for n in names {
        rt.untag_image(image, &n)?;
    }
    Ok(0)
}

/// `rmi` and `image rm`.
fn remove_images(rt: &Runtime, names: &[String], force: bool, ignore: bool) -> Result<i32> {
    if names.is_empty() {
        bail!("give at least one image");
    }
    let opts = libpod::RemoveOptions {
        force,
        timeout: None,
        ignore_missing: force || ignore,
    };
    Ok(report(rt.remove_images(names, &opts)))
}

fn prune_images(rt: &Runtime, all: bool) -> Result<Vec<String>> {
    let used: Vec<String> = rt
        .containers()?
        .into_iter()
        .map(|(c, _)| c.image_id)
        .collect();
    let mut removed = Vec::new();
    for i in rt.images()? {
        if !used.contains(&i.id) && (all || i.names.is_empty()) {
            rt.with_store(|s| s.remove_image(&i.id, true))?;
            removed.push(i.id);
        }
    }
    Ok(removed)
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

fn remove_everything(rt: &Runtime) -> Result<()> {
    for p in rt.pods()? {
        p.remove(true, true)?;
    }
    for (c, _) in rt.containers()? {
        rt.container(&c.id)?.remove(true)?;
    }
    Ok(())
}

fn dispatch(rt: &Runtime, cmd: Command, t: &mut Trace) -> Result<i32> {
    match cmd {
        Command::Run {
            detach,
            sig_proxy,
            args,
        } => run_container(rt, detach, sig_proxy, &args, t),
        Command::Create(a) => {
            ensure_image(rt, &a)?;
            let c = rt.create_container(options(&a)?)?;
            println!("{}", c.id());
            Ok(0)
        }
        Command::Start {
            attach,
            interactive,
            sig_proxy,
            targets: tg,
        } => {
            if attach {
                let list = targets(rt, &tg)?;
                let c = list.first().ok_or_else(|| anyhow!("no container"))?;
                return attach_and_wait(rt, c, interactive, true, sig_proxy);
            }
            // A container already running is left as it is, and not named (as podman).
            let mut code = 0;
            for (i, c) in targets(rt, &tg)?.iter().enumerate() {
                match c.state().map(|s| s.status) {
                    Ok(S::Running) => continue,
                    _ => match c.start() {
                        Ok(()) => println!("{}", tg.names.get(i).map_or(c.id(), String::as_str)),
                        Err(e) => {
                            let e = anyhow::Error::from(e);
                            eprintln!("Error: {}", crate::one_line(&e));
                            code = crate::exit_code_of(&e);
                        }
                    },
                }
            }
            Ok(code)
        }
        Command::Stop {
            time,
            all,
            targets: tg,
        } => {
            if all {
                for (c, s) in rt.containers()? {
                    if matches!(s.status, S::Running | S::Paused) && !c.is_infra {
                        rt.container(&c.id)?.stop(time)?;
                        println!("{}", c.id);
                    }
                }
                return Ok(0);
            }
            each(rt, &tg, |c| c.stop(time).map(drop).map_err(Into::into))
        }
        Command::Restart { time, targets: tg } => each(rt, &tg, |c| Ok(c.restart(time)?)),
        Command::Kill {
            signal,
            targets: tg,
        } => {
            let sig = libpod::parse_signal(&signal)?;
            each(rt, &tg, |c| Ok(c.kill(sig)?))
        }
        Command::Pause(tg) => each(rt, &tg, |c| Ok(c.pause()?)),
        Command::Unpause(tg) => each(rt, &tg, |c| Ok(c.unpause()?)),
        Command::Rm {
            force,
            all,
            ignore,
            time,
            targets: tg,
        } => {
            let names: Vec<String> = if all {
                rt.containers()?
                    .into_iter()
                    .filter(|(c, _)| !c.is_infra)
                    .map(|(c, _)| c.id)
                    .collect()
            } else if tg.latest {
                vec![latest(rt)?]
            } else if tg.names.is_empty() {
                bail!("give at least one container name or ID, --all or --latest");
            } else {
                tg.names.clone()
            };
            let opts = libpod::RemoveOptions {
                force,
                timeout: time,
                ignore_missing: force || ignore,
            };
            Ok(report(rt.remove_containers(&names, &opts)))
        }
        Command::Ps {
            all,
            quiet,
            format,
            filter,
            latest,
            no_trunc,
            pod,
        } => ps(
            rt,
            PsOpts {
                all,
                quiet,
                format: format.as_deref(),
                filters: &filter,
                latest_only: latest,
                no_trunc,
                pod,
            },
        ),
        Command::Logs {
            follow,
            tail,
            since,
            until,
            timestamps,
            targets: tg,
        } => {
            let now = libpod::storage::time::now();
            let time = |flag: &str, v: Option<String>| -> Result<Option<i64>> {
                v.map(|s| {
                    libpod::parse_time_filter(&s, now)
                        .with_context(|| format!("parsing {flag} {s:?}"))
                })
                .transpose()
            };
            let opts = LogOptions {
                since: time("--since", since)?,
                until: time("--until", until)?,
                tail,
            };
            let list = targets(rt, &tg)?;
            // Several containers: each line behind its container's short ID, as podman.
            let many = list.len() > 1;
            for c in &list {
                let prefix = if many {
                    format!("{} ", &c.id()[..12])
                } else {
                    String::new()
                };
                let print = |l: &libpod::oci::LogLine| {
                    let mut text = prefix.clone();
                    if timestamps {
                        let t = libpod::storage::time::parse(&l.time).map(libpod::rfc3339_nano);
                        text.push_str(&t.unwrap_or_else(|| l.time.clone()));
                        text.push(' ');
                    }
                    text.push_str(&l.text);
                    if l.stream == "stderr" {
                        eprintln!("{text}");
                    } else {
                        println!("{text}");
                    }
                };
                if follow && !many {
                    c.follow_logs(&opts, print)?;
                } else {
                    c.logs(&opts)?.iter().for_each(print);
                }
            }
            Ok(0)
        }
        Command::Exec {
            interactive,
            tty,
            env,
            user,
            workdir,
            container,
            command,
        } => {
            let c = rt.container(&container)?;
            // The runtime proxies a terminal only from one of ours; without one, `-t` is
            // dropped as podman does when output goes to a file or a pipe.
            let tty = tty && term::any_terminal();
            let stdin = if interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            };
            let o = libpod::ExecOptions {
                env,
                user,
                workdir,
                tty,
            };
            Ok(c.exec(&command, &o, [stdin, Stdio::inherit(), Stdio::inherit()])?)
        }
        Command::Attach(tg) => {
            let c = targets(rt, &tg)?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("no container"))?;
            if c.state()?.status != S::Running {
                bail!("container {} is not running: nothing to attach to", c.id());
            }
            attach_and_wait(rt, &c, false, false, true)
        }
        Command::Wait(tg) => {
            for c in targets(rt, &tg)? {
                println!("{}", c.wait()?);
            }
            Ok(0)
        }
        Command::Inspect {
            format,
            kind,
            targets: tg,
        } => inspect(rt, format.as_deref(), kind.as_deref(), &tg),
        Command::Port(tg) => {
            for c in targets(rt, &tg)? {
                for p in c.config()?.ports {
                    for i in 0..p.range.max(1) {
                        let ip = if p.host_ip.is_empty() {
                            "0.0.0.0"
                        } else {
                            &p.host_ip
                        };
                        println!(
                            "{}/{} -> {ip}:{}",
                            p.container_port + i,
                            p.protocol,
                            p.host_port + i
                        );
                    }
                }
            }
            Ok(0)
        }
        Command::Top { latest, args } => {
            // With --latest every word is a descriptor; otherwise the first names the container.
            let (names, descriptors) = if latest {
                (Vec::new(), args.as_slice())
            } else {
                match args.split_first() {
                    Some((c, rest)) => (vec![c.clone()], rest),
                    None => bail!("top needs a container (or --latest)"),
                }
            };
            let tg = Targets { latest, names };
            let c = targets(rt, &tg)?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("no container"))?;
            print!(
                "{}",
                crate::format::columns(&top_rows(&c.top(descriptors)?))
            );
            Ok(0)
        }
        Command::Cp {
            archive,
            overwrite,
            src,
            dest,
        } => cp(
            rt,
            &src,
            &dest,
            &libpod::CopyOptions::new(archive, overwrite),
        ),
        Command::Export {
            output: out,
            container,
        } => {
            let c = rt.container(&container)?;
            match out {
                Some(p) => c.export(
                    std::fs::File::create(&p)
                        .with_context(|| format!("creating {}", p.display()))?,
                )?,
                None => {
                    if std::io::stdout().is_terminal() {
                        bail!("refusing to write a tarball to a terminal; use -o FILE or redirect");
                    }
                    c.export(std::io::stdout().lock())?
                }
            }
            Ok(0)
        }
        Command::Diff { container } => {
            for ch in rt.container(&container)?.changes()? {
                let k = match ch.kind {
                    libpod::storage::ChangeKind::Added => 'A',
                    libpod::storage::ChangeKind::Modified => 'C',
                    libpod::storage::ChangeKind::Deleted => 'D',
                };
                println!("{k} {}", ch.path);
            }
            Ok(0)
        }
        Command::Mount { container } => {
            match container {
                Some(c) => println!("{}", rt.container(&c)?.mount()?.display()),
                None => {
                    for (id, path) in rt.mounted_containers()? {
                        println!("{} {}", &id[..12], path.display());
                    }
                }
            }
            Ok(0)
        }
        Command::Unmount { container } => {
            rt.container(&container)?.unmount()?;
            println!("{container}");
            Ok(0)
        }
        Command::Images(a) => images(rt, &a),
        Command::Image(ic) => match ic {
            ImageCommand::Inspect {
                format,
                images: names,
            } => {
                let items: Vec<Value> = names
                    .iter()
                    .map(|n| Ok(views::inspect_image(&rt.image(n)?)))
                    .collect::<Result<_>>()?;
                print!(
                    "{}",
                    output(&items, format.as_deref().unwrap_or("json"), &[])?
                );
                Ok(0)
            }
            ImageCommand::Rm {
                force,
                ignore,
                images: names,
            } => remove_images(rt, &names, force, ignore),
            ImageCommand::Tag { image, names } => {
                for n in names {
                    rt.tag_image(&image, &n)?;
                }
                Ok(0)
            }
            ImageCommand::Untag { image, names } => untag(rt, &image, names),
            ImageCommand::Prune { all, force } => {
                confirm(force, "this removes every image no container uses")?;
                for id in prune_images(rt, all)? {
                    println!("{id}");
                }
                Ok(0)
            }
            ImageCommand::Ls(a) => images(rt, &a),
            ImageCommand::Pull(a) => pull(rt, a),
            ImageCommand::Push(a) => push(rt, a),
        },
        Command::Rmi {
            force,
            ignore,
            images: names,
        } => remove_images(rt, &names, force, ignore),
        Command::Tag { image, names } => {
            for n in names {
                rt.tag_image(&image, &n)?;
            }
            Ok(0)
        }
        Command::Untag { image, names } => untag(rt, &image, names),
        Command::Import {
            file,
            reference,
            change,
            quiet,
        } => {
            let mut cb = progress();
            let img = if file.as_os_str() == "-" {
                rt.import_tarball(
                    std::io::stdin().lock(),
                    reference.as_deref(),
                    &change,
                    lend(&mut cb),
                )?
            } else {
                let f = std::fs::File::open(&file)
                    .with_context(|| format!("opening {}", file.display()))?;
                rt.import_tarball(f, reference.as_deref(), &change, lend(&mut cb))?
            };
            if quiet {
                println!("{}", img.id);
            } else {
                println!("sha256:{}", img.id);
            }
            Ok(0)
        }
        Command::Pull(a) => pull(rt, a),
        Command::Push(a) => push(rt, a),
        Command::Login {
            registry,
            username,
            password,
            password_stdin,
            authfile,
            tls_verify,
            cert_dir,
        } => {
            let (user, pass) = credentials_from_user(username, password, password_stdin)?;
            let access = RegistryAccess {
                auth_file: authfile,
                tls_verify,
                cert_dir,
                ..Default::default()
            };
            rt.login(&registry, &user, &pass, &access)?;
            println!("Login Succeeded!");
            Ok(0)
        }
        Command::Logout {
            registry,
            all,
            authfile,
        } => {
            let file = authfile;
            match (registry, all) {
                (_, true) => {
                    libpod::logout(None, file)?;
                    println!("Removed login credentials for all registries");
                }
                (Some(r), false) => {
                    if !libpod::logout(Some(&r), file)? {
                        bail!("not logged into {r}");
                    }
                    println!("Removed login credentials for {r}");
                }
                (None, false) => bail!("give a registry, or --all"),
            }
            Ok(0)
        }
        Command::Load { input, quiet } => {
            let mut cb = progress();
            for img in rt.load_images(&input, lend(&mut cb))? {
                let names = if img.names.is_empty() {
                    format!("sha256:{}", img.id)
                } else {
                    img.names.join(", ")
                };
                println!("{}{names}", if quiet { "" } else { "Loaded image: " });
            }
            Ok(0)
        }
        Command::Save {
            output: out,
            format,
            image,
        } => {
            let f = std::fs::File::create(&out)
                .with_context(|| format!("creating {}", out.display()))?;
            let w = std::io::BufWriter::new(f);
            let mut cb = progress();
            rt.save_image(&image, format.parse()?, w, lend(&mut cb))?;
            Ok(0)
        }
        Command::Pod(pc) => pod(rt, pc),
        Command::Network(nc) => network(rt, nc),
        Command::Info { format } => {
            let info = serde_json::to_value(rt.info()?)?;
            // podman: one object for json, its YAML-style report without --format.
            match format.as_deref() {
                Some(f) => print!("{}", crate::format::output_one(&info, f)?),
                None => print!("{}", crate::format::yaml(&info)),
            }
            Ok(0)
        }
        Command::System(sc) => match sc {
            SystemCommand::Reset { force } => {
                confirm(force, "this removes every container, pod and image")?;
                remove_everything(rt)?;
                for i in rt.images()? {
                    rt.with_store(|s| s.remove_image(&i.id, true))?;
                }
                Ok(0)
            }
            SystemCommand::Prune { all, force } => {
                confirm(
                    force,
                    "this removes stopped containers, pods without running containers, and unused images",
                )?;
                for p in rt.pods()? {
                    if !matches!(
                        p.status()?,
                        libpod::PodStatus::Running
                            | libpod::PodStatus::Degraded
                            | libpod::PodStatus::Paused
                    ) {
                        p.remove(true, true)?;
                        println!("{}", p.id());
                    }
                }
                for (c, s) in rt.containers()? {
                    if matches!(
                        s.status,
                        S::Exited | S::Stopped | S::Configured | S::Created
                    ) && c.pod.is_none()
                    {
                        rt.container(&c.id)?.remove(false)?;
                        println!("{}", c.id);
                    }
                }
                for id in prune_images(rt, all)? {
                    println!("{id}");
                }
                Ok(0)
            }
            SystemCommand::Migrate { new_state_backend } => {
                let b: StateBackend = new_state_backend.parse().map_err(|e| {
                    anyhow!("--new-state-backend {new_state_backend}: expected {e}")
                })?;
                let file = rt.migrate_state(b)?;
                println!(
                    "state copied to {b}{}; set `[engine] database_backend = \"{b}\"` (or --state-backend {b}) to use it",
                    file.map(|f| format!(" ({})", f.display()))
                        .unwrap_or_default()
                );
                Ok(0)
            }
        },
        Command::Container(ContainerCommand::Cleanup { container }) => {
            match rt.cleanup_container(&container) {
                // Removed meanwhile by whoever waited for it: nothing left to clean.
                Ok(()) => Ok(0),
                Err(e) if e.is_not_found() => Ok(0),
                Err(e) => Err(e.into()),
            }
        }
        Command::Version { .. } | Command::Completion { .. } => Ok(0),
    }
}

fn pod(rt: &Runtime, pc: PodCommand) -> Result<i32> {
    match pc {
        PodCommand::Create {
            name,
            publish,
            network,
            hostname,
            label,
            infra,
        } => {
            let p = rt.create_pod(PodOptions {
                name,
                labels: parse::labels(&label),
                hostname,
                network: network.as_deref().map(parse::network).unwrap_or_default(),
                ports: publish
                    .iter()
                    .map(|p| parse::publish(p))
                    .collect::<Result<_>>()?,
                infra,
                ..Default::default()
            })?;
            println!("{}", p.id());
            Ok(0)
        }
        PodCommand::Start(t) => each_pod(rt, &t, |p| Ok(p.start()?)),
        PodCommand::Stop { time, targets: t } => each_pod(rt, &t, |p| Ok(p.stop(time)?)),
        PodCommand::Kill { signal, targets: t } => {
            let s = libpod::parse_signal(&signal)?;
            each_pod(rt, &t, |p| Ok(p.kill(s)?))
        }
        PodCommand::Pause(t) => each_pod(rt, &t, |p| Ok(p.pause()?)),
        PodCommand::Unpause(t) => each_pod(rt, &t, |p| Ok(p.unpause()?)),
        PodCommand::Restart(t) => each_pod(rt, &t, |p| Ok(p.restart(None)?)),
        PodCommand::Rm {
            force,
            ignore,
            time,
            targets: t,
        } => {
            let names: Vec<String> = if t.all || t.latest {
                pod_targets(rt, &t)?
                    .iter()
                    .map(|p| p.id().to_string())
                    .collect()
            } else {
                t.names.clone()
            };
            if names.is_empty() && !t.all {
                bail!("give at least one pod name or ID, --all or --latest");
            }
            let opts = libpod::RemoveOptions {
                force,
                timeout: time,
                ignore_missing: force || ignore,
            };
            Ok(report(rt.remove_pods(&names, &opts)))
        }
        PodCommand::Ps { quiet, format } => {
            let pods = rt.pods()?;
            if quiet {
                for p in &pods {
                    println!("{}", &p.id()[..12]);
                }
                return Ok(0);
            }
            let items: Vec<Value> = pods.iter().map(pod_json).collect::<Result<_>>()?;
            print!("{}", output(&items, format.as_deref().unwrap_or("table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.CreatedHuman}}\t{{.InfraID}}\t{{.NumberOfContainers}}"), POD_HEADERS)?);
            Ok(0)
        }
        PodCommand::Inspect { format, targets: t } => {
            let items: Vec<Value> = pod_targets(rt, &t)?
                .iter()
                .map(pod_inspect_json)
                .collect::<Result<_>>()?;
            let f = format.as_deref().unwrap_or("json");
            match items.as_slice() {
                [one] => print!("{}", crate::format::output_one(one, f)?),
                _ => print!("{}", output(&items, f, &[])?),
            }
            Ok(0)
        }
    }
}

fn network(rt: &Runtime, nc: NetworkCommand) -> Result<i32> {
    match nc {
        NetworkCommand::Create {
            subnet,
            gateway,
            interface,
            internal,
            name,
        } => {
            let n = rt.create_network(&libpod::network::NetworkCreate {
                name,
                subnet,
                gateway,
                bridge: interface,
                internal,
            })?;
            println!("{}", n.name);
            Ok(0)
        }
        NetworkCommand::Ls { quiet, format } => {
            let (list, errs) = rt.list_networks()?;
            for e in errs {
                eprintln!("WARN: {e}");
            }
            if quiet {
                for n in &list {
                    println!("{}", n.name);
                }
                return Ok(0);
            }
            let items: Vec<Value> = list.iter().map(views::network_item).collect();
            print!(
                "{}",
                output(
                    &items,
                    format
                        .as_deref()
                        .unwrap_or("table {{.ID}}\t{{.Name}}\t{{.Driver}}"),
                    NET_HEADERS
                )?
            );
            Ok(0)
        }
        NetworkCommand::Inspect { format, names } => {
            let items: Vec<Value> = names
                .iter()
                .map(|n| Ok(views::network_item(&rt.network(n)?)))
                .collect::<Result<_>>()?;
            print!(
                "{}",
                output(&items, format.as_deref().unwrap_or("json"), &[])?
            );
            Ok(0)
        }
        NetworkCommand::Rm { force, names } => {
            let opts = libpod::RemoveOptions {
                force,
                timeout: None,
                ignore_missing: false,
            };
            Ok(report(rt.remove_networks(&names, &opts)))
        }
    }
}
