//! `cargo xtask demo`: the README's main command. Today: set up the host, build rpod, and
//! show the resolved configuration and host checks of a throwaway runtime root.

use std::process::Command;

use anyhow::{Context, Result};

use crate::util::{cargo, root, run};

/// Installs what is missing, builds rpod, and runs `rpod info` against a temporary root.
pub fn demo() -> Result<()> {
    crate::setup::setup()?;
    run(cargo().args(["build", "--release", "-p", "rpod"]))?;
    let rpod = root().join("target/release/rpod");
    let tmp = std::env::temp_dir().join(format!("rpod-demo-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).with_context(|| format!("create {}", tmp.display()))?;
    println!(
        "\n$ rpod --root {0}/root --runroot {0}/run info",
        tmp.display()
    );
    let result = run(Command::new(&rpod)
        .arg("--root")
        .arg(tmp.join("root"))
        .arg("--runroot")
        .arg(tmp.join("run"))
        .arg("info"));
    let _ = std::fs::remove_dir_all(&tmp);
    result
}
