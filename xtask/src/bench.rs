//! `cargo xtask bench`: criterion benches; figures go to docs/performance.md by hand.

use anyhow::Result;

use crate::util::{cargo, run};

/// Runs every criterion bench (extra args go to criterion, e.g. a filter).
pub fn bench(args: &[String]) -> Result<()> {
    run(cargo()
        .args(["bench", "-p", "libpod-benches", "--"])
        .args(args))
}
