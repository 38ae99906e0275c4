//! `rpod`: the podman-compatible command line of libpod-rs.
//!
//! Only this crate knows about terminals and output formats. Errors print as one line on
//! stderr and exit with 125, as podman's own errors do.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use libpod::config::{CgroupManager, RuntimeConfig, StateBackend};

/// Exit code for an error of rpod itself (podman's).
const EXIT_RPOD_ERROR: u8 = 125;

#[derive(Parser, Debug)]
#[command(
    name = "rpod",
    version,
    about = "Manage OCI containers and pods (podman-compatible)"
)]
struct Cli {
    /// Persistent storage root (podman's --root).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    /// Per-boot storage root.
    #[arg(long, global = true)]
    runroot: Option<PathBuf>,
    /// Per-boot runtime files dir.
    #[arg(long, global = true)]
    tmpdir: Option<PathBuf>,
    /// OCI runtime, by name or path.
    #[arg(long, global = true)]
    runtime: Option<String>,
    /// conmon's path.
    #[arg(long, global = true)]
    conmon: Option<PathBuf>,
    /// cgroup manager (cgroupfs or systemd).
    #[arg(long, global = true, value_parser = parse_named::<CgroupManager>)]
    cgroup_manager: Option<CgroupManager>,
    /// CNI network config dir.
    #[arg(long, global = true)]
    network_config_dir: Option<PathBuf>,
    /// Storage driver (overlay or vfs).
    #[arg(long, global = true)]
    storage_driver: Option<String>,
    /// State database (memory, sqlite or redb).
    #[arg(long, global = true, value_parser = parse_named::<StateBackend>)]
    state_backend: Option<StateBackend>,
    /// Log level (error, warn, info, debug).
    #[arg(long, global = true, default_value = "warn")]
    log_level: String,
    #[command(subcommand)]
    command: Command,
}

fn parse_named<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse().map_err(|e| format!("expected {e}"))
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show the resolved configuration and host checks.
    ///
    /// Example: rpod info --format json
    Info {
        /// Output format: `json` (default: human-readable).
        #[arg(long, short)]
        format: Option<String>,
    },
    /// Show version information.
    Version,
}

impl Cli {
    fn config(&self) -> Result<RuntimeConfig> {
        let mut b = RuntimeConfig::builder();
        if let Some(v) = &self.root {
            b = b.graph_root(absolute(v)?);
        }
        if let Some(v) = &self.runroot {
            b = b.run_root(absolute(v)?);
        }
        if let Some(v) = &self.tmpdir {
            b = b.tmp_dir(absolute(v)?);
        }
        if let Some(v) = &self.runtime {
            b = b.oci_runtime(v.clone());
        }
        if let Some(v) = &self.conmon {
            b = b.conmon_paths(vec![absolute(v)?]);
        }
        if let Some(v) = self.cgroup_manager {
            b = b.cgroup_manager(v);
        }
        if let Some(v) = &self.network_config_dir {
            b = b.cni_config_dir(absolute(v)?);
        }
        if let Some(v) = &self.storage_driver {
            b = b.storage_driver(v.clone());
        }
        if let Some(v) = self.state_backend {
            b = b.state_backend(v);
        }
        Ok(b.build()?)
    }
}

/// Command-line paths may be relative to the working directory, as in podman.
fn absolute(p: &PathBuf) -> Result<PathBuf> {
    if p.is_absolute() {
        return Ok(p.clone());
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(cwd.join(p))
}

fn info(cfg: &RuntimeConfig, format: Option<&str>) -> Result<()> {
    let check = |r: Result<PathBuf, libpod::config::ConfigError>| match r {
        Ok(p) => serde_json::json!({"ok": true, "path": p}),
        Err(e) => serde_json::json!({"ok": false, "error": e.to_string()}),
    };
    let plugins: Vec<_> = ["bridge", "host-local", "loopback", "portmap"]
        .iter()
        .map(|p| serde_json::json!({"plugin": p, "path": cfg.find_cni_plugin(p)}))
        .collect();
    let doc = serde_json::json!({
        "config": cfg,
        "host": {
            "ociRuntime": check(cfg.runtime_path()),
            "conmon": check(cfg.conmon_path()),
            "cniPlugins": plugins,
        }
    });
    match format {
        Some("json") | Some("{{json .}}") => println!("{}", serde_json::to_string_pretty(&doc)?),
        Some(other) => anyhow::bail!("unsupported --format {other:?}; use json"),
        None => {
            println!("graphRoot:    {}", cfg.storage.graph_root.display());
            println!("runRoot:      {}", cfg.storage.run_root.display());
            println!("staticDir:    {}", cfg.static_dir.display());
            println!("tmpDir:       {}", cfg.tmp_dir.display());
            println!("storage:      {}", cfg.storage.driver);
            println!("state:        {}", cfg.state_backend);
            println!("cgroups:      {}", cfg.cgroup_manager);
            println!("locks:        {}", cfg.lock_kind);
            println!("network dir:  {}", cfg.cni_config_dir.display());
            match cfg.runtime_path() {
                Ok(p) => println!("ociRuntime:   {} ({})", cfg.oci_runtime, p.display()),
                Err(e) => println!("ociRuntime:   MISSING: {e}"),
            }
            match cfg.conmon_path() {
                Ok(p) => println!("conmon:       {}", p.display()),
                Err(e) => println!("conmon:       MISSING: {e}"),
            }
            for p in ["bridge", "host-local", "loopback", "portmap"] {
                match cfg.find_cni_plugin(p) {
                    Some(path) => println!("cni {p:<10} {}", path.display()),
                    None => println!("cni {p:<10} MISSING in {:?}", cfg.cni_plugin_dirs),
                }
            }
        }
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Info { format } => info(&cli.config()?, format.as_deref()),
        Command::Version => {
            println!("rpod version {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_RPOD_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(EXIT_RPOD_ERROR)
        }
    }
}
