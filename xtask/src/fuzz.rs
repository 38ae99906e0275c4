//! `cargo xtask fuzz`: the cargo-fuzz targets under `fuzz/`, run without a sanitizer so the
//! stable toolchain can build them.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{root, run};

fn cargo_fuzz() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root().join("fuzz")).arg("fuzz");
    c
}

/// The fuzz targets, from `fuzz/fuzz_targets/*.rs`.
pub fn targets() -> Result<Vec<String>> {
    let dir = root().join("fuzz/fuzz_targets");
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".rs"))
                .map(String::from)
        })
        .collect();
    v.sort();
    if v.is_empty() {
        bail!("no fuzz targets in {}", dir.display());
    }
    Ok(v)
}

/// Runs one target for `seconds`; a crash fails with the artifact path in the output.
pub fn run_target(target: &str, seconds: u32) -> Result<()> {
    let corpus = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&corpus)?;
    let seeds = root().join("fuzz/seeds").join(target);
    let mut c = cargo_fuzz();
    c.args(["run", "-s", "none", target]).arg(&corpus);
    if seeds.is_dir() {
        c.arg(&seeds);
    }
    c.args([
        "--",
        &format!("-max_total_time={seconds}"),
        "-max_len=65536",
    ]);
    run(&mut c)
}
