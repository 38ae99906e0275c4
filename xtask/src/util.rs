//! Small helpers shared by the workflows.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` (relative to the workspace) when set,
/// else `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root().join(d),
        _ => root().join("target"),
    }
}

/// The cargo that runs us, so toolchain overrides carry through.
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// Runs a command with inherited stdio; fails when it exits non-zero.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} exited with {status}");
    }
    Ok(())
}

/// Runs a command, echoing its output while collecting stdout for parsing.
pub fn run_capture(cmd: &mut Command) -> Result<(bool, String)> {
    use std::io::{BufRead, BufReader};
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {shown}"))?;
    let mut out = String::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            out.push_str(&line);
            out.push('\n');
        }
    }
    Ok((child.wait()?.success(), out))
}

/// True when a command can be found and run.
pub fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Times a step and prints one summary line for it.
pub struct Steps {
    results: Vec<(String, bool, f64)>,
}

impl Steps {
    /// No steps yet.
    pub fn new() -> Self {
        Steps {
            results: Vec::new(),
        }
    }

    /// Runs one step, printing a banner before and a summary line after.
    pub fn step(&mut self, name: &str, f: impl FnOnce() -> Result<()>) -> bool {
        println!("\n==> {name}");
        let t = Instant::now();
        let r = f();
        let secs = t.elapsed().as_secs_f64();
        let ok = match &r {
            Ok(()) => true,
            Err(e) => {
                eprintln!("step `{name}` failed: {e:#}");
                false
            }
        };
        println!(
            "==> {name}: {} in {secs:.1}s",
            if ok { "ok" } else { "FAILED" }
        );
        self.results.push((name.to_string(), ok, secs));
        ok
    }

    /// Prints the table of steps; true when every step passed.
    pub fn summary(&self) -> bool {
        println!("\nsummary:");
        for (name, ok, secs) in &self.results {
            println!(
                "  {:<44} {:>6} {secs:>7.1}s",
                name,
                if *ok { "ok" } else { "FAILED" }
            );
        }
        self.results.iter().all(|(_, ok, _)| *ok)
    }
}
