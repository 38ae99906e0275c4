//! `cargo xtask bench compare REV`: `run --rm` of this tree's rpod against REV's, in
//! alternating pairs, so the VM's drift falls on both alike; prints the medians and the
//! median of the paired differences with its quartiles. For "not slower than before".

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::bench::{reset, rpod};
use crate::util::{cargo, root, run, target_dir};

/// Pairs timed.
const PAIRS: usize = 150;

/// Builds REV's rpod (release) in a worktree of its own, once per revision.
fn build_rev(rev: &str) -> Result<PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--verify", &format!("{rev}^{{commit}}")])
        .current_dir(root())
        .output()?;
    if !out.status.success() {
        bail!("{rev} is not a commit");
    }
    let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let tree = target_dir().join("compare").join(&commit[..12]);
    let bin = tree.join("target").join("release").join("rpod");
    if bin.exists() {
        return Ok(bin);
    }
    let src = tree.join("src");
    if !src.exists() {
        run(Command::new("git")
            .args(["worktree", "add", "--detach"])
            .arg(&src)
            .arg(&commit)
            .current_dir(root()))?;
    }
    run(cargo()
        .args(["build", "--release", "-p", "rpod"])
        .current_dir(&src)
        .env("CARGO_TARGET_DIR", tree.join("target")))?;
    Ok(bin)
}

fn timed(bin: &Path, dir: &Path) -> Result<f64> {
    let t = Instant::now();
    let status = rpod(bin, dir)
        .args(["run", "--rm", "--network", "none", "busybox", "/bin/true"])
        .status()?;
    if !status.success() {
        bail!("{} run --rm failed", bin.display());
    }
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Compares this tree's rpod with REV's.
pub fn compare(rev: &str) -> Result<()> {
    let old = build_rev(rev)?;
    run(cargo().args(["build", "--release", "-p", "rpod"]))?;
    let new = target_dir().join("release/rpod");
    let base = std::env::temp_dir().join(format!("rpod-compare-{}", std::process::id()));
    std::fs::create_dir_all(&base)?;
    let tar = base.join("busybox.tar");
    crate::image::busybox_tarball(&base, &tar)?;
    let (dold, dnew) = (base.join("old"), base.join("new"));
    for (bin, dir) in [(&old, &dold), (&new, &dnew)] {
        run(rpod(bin, dir).arg("import").arg(&tar).arg("busybox"))?;
        timed(bin, dir)?;
    }
    let (mut o, mut n, mut d) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..PAIRS {
        let (a, b) = if i % 2 == 0 {
            let a = timed(&old, &dold)?;
            (a, timed(&new, &dnew)?)
        } else {
            let b = timed(&new, &dnew)?;
            (timed(&old, &dold)?, b)
        };
        o.push(a);
        n.push(b);
        d.push(b - a);
    }
    reset(&old, &dold);
    reset(&new, &dnew);
    let _ = std::fs::remove_dir_all(&base);
    let dm = median(&mut d);
    let (q1, q3) = (d[d.len() / 4], d[d.len() * 3 / 4]);
    println!(
        "run --rm --network none busybox /bin/true, {PAIRS} alternating pairs:\n  {rev}: {:.1} ms\n  this tree: {:.1} ms\n  paired difference (this tree - {rev}): median {dm:+.1} ms, quartiles {q1:+.1} / {q3:+.1} ms",
        median(&mut o),
        median(&mut n)
    );
    Ok(())
}
