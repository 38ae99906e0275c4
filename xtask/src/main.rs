//! Workflows of libpod-rs, run as `cargo xtask <command>` (see README.md).

mod bench;
mod bench_api;
mod bench_build;
mod ci;
mod compare;
mod demo;
mod flags;
mod fuzz;
mod image;
mod setup;
mod util;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup            install what the project needs (Debian, as root), skipping what is present
  ci               setup, fmt, clippy, tests, each facade feature alone, benches built, fuzz
  demo             the README's main command
  bench [cli|FILTER]  the criterion benches and rpod beside podman's figures
  bench compare REV   run --rm of this tree against REV's rpod, in alternating pairs
  bench api           50 API clients at once (create/start/wait/remove), rpod and podman
  fuzz [TARGET] [SECONDS]   run fuzz targets (default: all, 20 s each)
  flags [--check]  README's table of run/create flags against podman's (write, or check)";

fn main() -> std::process::ExitCode {
    match dispatch() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("setup") => setup::setup(),
        Some("ci") => ci::ci(),
        Some("demo") => demo::demo(),
        Some("bench") => bench::bench(&args[1..]),
        Some("flags") => flags::flags(args.get(1).is_some_and(|a| a == "--check")),
        Some("fuzz") => {
            let seconds = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(20);
            let targets = match args.get(1) {
                Some(t) => vec![t.clone()],
                None => fuzz::targets()?,
            };
            for t in targets {
                fuzz::run_target(&t, seconds)?;
            }
            Ok(())
        }
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n{USAGE}"),
    }
}
