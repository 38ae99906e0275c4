//! `cargo xtask bench build`: `rpod build` beside buildah 1.28 (Debian's) on the same
//! 5-step Containerfile, each with roots of its own: a cold build (no cache) and a rebuild
//! that every step takes from the cache. `RUN` steps use no network in both, so the figures
//! are the builders' own.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::bench::{hyperfine, prefix, reset, rpod, tempfile_dir};
use crate::util::{cargo, have, run};

/// The Containerfile both build: FROM, ENV, RUN, COPY, CMD.
const CONTAINERFILE: &str = "FROM busybox\nENV APP=/app\nRUN mkdir -p /app && echo built > /app/built\nCOPY data.txt /app/\nCMD [\"cat\", \"/app/built\"]\n";

/// Runs the comparison and prints its medians.
pub fn bench_build() -> Result<()> {
    if !have("hyperfine", "--version") || !Path::new("/usr/bin/buildah").exists() {
        bail!("hyperfine or buildah is missing: run `cargo xtask setup`");
    }
    run(cargo().args(["build", "--release", "-p", "rpod"]))?;
    let bin = crate::util::target_dir().join("release/rpod");
    let dir = tempfile_dir()?;
    let buildah = format!(
        "buildah --root {0}/buildah/root --runroot {0}/buildah/run --storage-driver overlay",
        dir.display()
    );
    let result = (|| -> Result<Vec<(String, f64)>> {
        let tar = dir.join("busybox.tar");
        crate::image::busybox_tarball(&dir, &tar)?;
        run(rpod(&bin, &dir).arg("import").arg(&tar).arg("busybox"))?;
        let oci = dir.join("busybox-oci.tar");
        run(rpod(&bin, &dir)
            .args(["save", "--format", "oci-archive", "-o"])
            .arg(&oci)
            .arg("busybox"))?;
        let ctx = dir.join("ctx");
        std::fs::create_dir_all(&ctx)?;
        std::fs::write(ctx.join("Containerfile"), CONTAINERFILE)?;
        std::fs::write(ctx.join("data.txt"), "data\n")?;
        let sh = |cmd: String| run(Command::new("sh").arg("-c").arg(cmd));
        sh(format!(
            "{buildah} pull -q oci-archive:{} >/dev/null",
            oci.display()
        ))?;
        sh(format!(
            "{buildah} tag $({buildah} images -q | head -1) busybox"
        ))?;
        let json = dir.join("h.json");
        let p = prefix(&bin, &dir);
        let c = ctx.display();
        let mut rows = Vec::new();
        let mut row = |what: &str, cmd: String| -> Result<()> {
            rows.push((what.to_string(), hyperfine(&cmd, 10, None, &json)?));
            Ok(())
        };
        row(
            "rpod build, cold (--no-cache)",
            format!("{p} build -q --no-cache --network none -t b {c}"),
        )?;
        row(
            "buildah bud, cold (--no-cache)",
            format!(
                "{buildah} bud -q --no-cache --network none --isolation oci --runtime runc -t b {c}"
            ),
        )?;
        row(
            "buildah bud --layers, cold (--no-cache)",
            format!(
                "{buildah} bud -q --layers --no-cache --network none --isolation oci --runtime runc -t b {c}"
            ),
        )?;
        run(rpod(&bin, &dir)
            .args(["build", "-q", "--network", "none", "-t", "b"])
            .arg(&ctx))?;
        row(
            "rpod build, every step cached",
            format!("{p} build -q --network none -t b {c}"),
        )?;
        row(
            "buildah bud --layers, every step cached",
            format!(
                "{buildah} bud -q --layers --network none --isolation oci --runtime runc -t b {c}"
            ),
        )?;
        Ok(rows)
    })();
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!("{buildah} rmi -a -f >/dev/null 2>&1"))
        .status();
    let _ = Command::new("umount")
        .arg("-R")
        .arg(dir.join("buildah/root"))
        .output();
    reset(&bin, &dir);
    let rows = result?;
    println!("\nbuilds of a 5-step Containerfile (release rpod; buildah 1.28), medians of 10:");
    for (what, ms) in &rows {
        println!("  {what:<44} {ms:>9.1} ms");
    }
    let get = |w: &str| rows.iter().find(|r| r.0 == w).map_or(0.0, |r| r.1);
    println!(
        "  cold: rpod / buildah = {:.2} (goal <= 1); cached: rpod / buildah --layers = {:.2} (goal <= 0.3)",
        get("rpod build, cold (--no-cache)") / get("buildah bud, cold (--no-cache)"),
        get("rpod build, every step cached") / get("buildah bud --layers, every step cached"),
    );
    Ok(())
}
