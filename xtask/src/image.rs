//! A busybox image tarball from the host's busybox-static, for the demo and the CLI benches.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Writes `dest`: `/bin/busybox`, an applet symlink each, `/etc/passwd`, `/etc/group`, a web page.
pub fn busybox_tarball(work: &Path, dest: &Path) -> Result<()> {
    let root = work.join("rootfs");
    for d in ["bin", "etc", "tmp", "proc", "sys", "dev", "root", "var/www"] {
        fs::create_dir_all(root.join(d)).with_context(|| format!("mkdir {d}"))?;
    }
    fs::copy("/bin/busybox", root.join("bin/busybox"))
        .context("copying /bin/busybox (install busybox-static)")?;
    let list = Command::new("/bin/busybox")
        .arg("--list")
        .output()
        .context("busybox --list")?;
    for a in String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|a| !a.is_empty() && *a != "busybox")
    {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(a))
            .with_context(|| format!("applet {a}"))?;
    }
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    )?;
    fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n")?;
    fs::write(
        root.join("var/www/index.html"),
        "<h1>Hello from a libpod-rs pod</h1>\n",
    )?;
    let st = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("--numeric-owner")
        .arg("-cf")
        .arg(dest)
        .arg(".")
        .status()
        .context("tar")?;
    if !st.success() {
        bail!("tar failed: {st}");
    }
    Ok(())
}
