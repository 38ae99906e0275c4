//! `cargo xtask bench`: the criterion benches, then rpod side by side with the numbers podman
//! 4.3.1 gets on this machine kind (host-facts). `cargo xtask bench cli` runs only the latter,
//! `cargo xtask bench api` the API service under load, `cargo xtask bench build` builds beside
//! buildah's; any other argument is a criterion filter.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, have, run};

/// Runs the benches.
pub fn bench(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("cli") => cli(),
        Some("api") => crate::bench_api::bench_api(),
        Some("build") => crate::bench_build::bench_build(),
        Some("compare") => match args.get(1) {
            Some(rev) => crate::compare::compare(rev),
            None => bail!("usage: cargo xtask bench compare REV"),
        },
        Some(_) => run(cargo()
            .args(["bench", "-p", "libpod-benches", "--"])
            .args(args)),
        None => {
            run(cargo().args(["bench", "-p", "libpod-benches"]))?;
            cli()
        }
    }
}

/// `rpod` with the roots of `dir` (its output dropped).
pub(crate) fn rpod(bin: &Path, dir: &Path) -> Command {
    let mut c = Command::new(bin);
    c.arg("--root")
        .arg(dir.join("root"))
        .arg("--runroot")
        .arg(dir.join("run"))
        .arg("--network-config-dir")
        .arg(dir.join("net.d"));
    c.stdout(Stdio::null());
    c
}

pub(crate) fn prefix(bin: &Path, dir: &Path) -> String {
    format!(
        "{} --root {0}/root --runroot {0}/run --network-config-dir {0}/net.d",
        dir.display()
    )
    .replacen(&dir.display().to_string(), &bin.display().to_string(), 1)
}

/// Median of a hyperfine run, in milliseconds.
pub(crate) fn hyperfine(cmd: &str, runs: u32, prepare: Option<&str>, out: &Path) -> Result<f64> {
    let mut c = Command::new("hyperfine");
    c.args([
        "--style",
        "basic",
        "--warmup",
        "3",
        "--runs",
        &runs.to_string(),
        "--export-json",
    ])
    .arg(out);
    if let Some(p) = prepare {
        c.args(["--prepare", p]);
    }
    c.arg(cmd);
    run(&mut c)?;
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out)?)?;
    v["results"][0]["median"]
        .as_f64()
        .map(|s| s * 1000.0)
        .context("hyperfine median")
}

fn cli() -> Result<()> {
    if !have("hyperfine", "--version") {
        bail!("hyperfine is missing: run `cargo xtask setup`");
    }
    run(cargo().args(["build", "--release", "-p", "rpod"]))?;
    let bin: PathBuf = crate::util::target_dir().join("release/rpod");
    let dir = tempfile_dir()?;
    let result = (|| -> Result<Vec<(String, f64, String)>> {
        let tar = dir.join("busybox.tar");
        crate::image::busybox_tarball(&dir, &tar)?;
        run(rpod(&bin, &dir).arg("import").arg(&tar).arg("busybox"))?;
        let p = prefix(&bin, &dir);
        let json = dir.join("h.json");
        let mut rows = Vec::new();
        let run_rm = hyperfine(
            &format!("{p} run --rm --network none busybox /bin/true"),
            30,
            None,
            &json,
        )?;
        rows.push((
            "run --rm --network none IMG /bin/true".to_string(),
            run_rm,
            "< 70 ms (podman 136 ms)".to_string(),
        ));
        // An anonymous volume made, mounted and removed with the container: its cost is the
        // median of paired differences, the two runs alternating, so that the VM's drift
        // (several ms over a minute here) falls on both alike.
        let plain = ["run", "--rm", "--network", "none", "busybox", "/bin/true"];
        let volume = [
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            "/data",
            "busybox",
            "/bin/true",
        ];
        let timed = |args: &[&str]| -> Result<f64> {
            let t = Instant::now();
            run(rpod(&bin, &dir).args(args))?;
            Ok(t.elapsed().as_secs_f64() * 1000.0)
        };
        for _ in 0..3 {
            timed(&plain)?;
            timed(&volume)?;
        }
        let mut diffs = Vec::new();
        for _ in 0..40 {
            let a = timed(&plain)?;
            diffs.push(timed(&volume)? - a);
        }
        diffs.sort_by(f64::total_cmp);
        rows.push((
            "volume round trip (-v /data), paired".to_string(),
            diffs[diffs.len() / 2],
            "< 5 ms over run --rm".to_string(),
        ));
        rows.extend(bridge_rows(&bin, &dir, &tar, &json)?);
        let create = hyperfine(
            &format!("{p} create --network none busybox true"),
            30,
            None,
            &json,
        )?;
        rows.push((
            "create".to_string(),
            create,
            "< 12 ms (podman 35 ms)".to_string(),
        ));
        run(rpod(&bin, &dir).args(["rm", "--all", "--force"]))?;
        let t = Instant::now();
        for _ in 0..200 {
            run(rpod(&bin, &dir).args(["create", "--network", "none", "busybox", "true"]))?;
        }
        let creates = t.elapsed().as_secs_f64() * 1000.0;
        rows.push((
            "200 sequential creates".to_string(),
            creates,
            "< 2.5 s (podman 8.2 s)".to_string(),
        ));
        let ps = hyperfine(&format!("{p} ps -a"), 30, None, &json)?;
        rows.push((
            "ps -a with 200 containers".to_string(),
            ps,
            "< 15 ms (podman 98 ms)".to_string(),
        ));
        run(rpod(&bin, &dir).args(["rm", "--all", "--force"]))?;
        rows.push((
            "idle container, 1 s healthcheck: CPU per hour".to_string(),
            health_cpu_per_hour(&bin, &dir)? * 1000.0,
            "(ms of CPU time; podman runs none here: no systemd)".to_string(),
        ));
        Ok(rows)
    })();
    reset(&bin, &dir);
    let rows = result?;
    println!("\nrpod (release build), medians:");
    for (what, ms, goal) in rows {
        println!("  {what:<42} {ms:>9.1} ms   goal {goal}");
    }
    Ok(())
}

/// `run --rm` on the default bridge network: rpod on each backend, and podman 4.3.1 (on
/// netavark, its choice here) with roots of its own, from the same run.
fn bridge_rows(
    bin: &Path,
    dir: &Path,
    tar: &Path,
    json: &Path,
) -> Result<Vec<(String, f64, String)>> {
    let mut rows = Vec::new();
    let podman = if Path::new("/usr/bin/podman").exists() {
        let pd = podman_dir(dir)?;
        let cmd = format!(
            "env CONTAINERS_CONF={0}/containers.conf podman --root {0}/root --runroot {0}/run \
             --tmpdir {0}/tmp --network-config-dir {0}/net --runtime runc \
             --cgroup-manager cgroupfs --events-backend file --network-backend netavark",
            pd.display()
        );
        run(Command::new("sh")
            .arg("-c")
            .arg(format!("{cmd} import {} busybox >/dev/null", tar.display())))?;
        let ms = hyperfine(&format!("{cmd} run --rm busybox /bin/true"), 20, None, json);
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!("{cmd} system reset --force >/dev/null 2>&1"))
            .status();
        let _ = Command::new("umount")
            .arg("-R")
            .arg(pd.join("root"))
            .output();
        Some(ms?)
    } else {
        None
    };
    let reference = podman.map_or("(podman missing)".to_string(), |p| {
        format!(
            "<= 0.4x podman: {:.0} ms (podman {p:.1} ms, same run)",
            p * 0.4
        )
    });
    for backend in ["cni", "netavark"] {
        let cmd = format!(
            "{} --root {1}/root --runroot {1}/run --network-config-dir {1}/net-{backend} \
             --network-backend {backend} run --rm busybox /bin/true",
            bin.display(),
            dir.display()
        );
        rows.push((
            format!("run --rm IMG /bin/true, default network, {backend}"),
            hyperfine(&cmd, 30, None, json)?,
            reference.clone(),
        ));
    }
    Ok(rows)
}

/// The reference podman's own directory under `dir`, with the containers.conf its runs use
/// (podman's ulimits as rpod's defaults, so both start containers alike).
pub(crate) fn podman_dir(dir: &Path) -> Result<PathBuf> {
    let pd = dir.join("podman");
    std::fs::create_dir_all(&pd)?;
    std::fs::write(
        pd.join("containers.conf"),
        "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n",
    )?;
    Ok(pd)
}

/// Removes everything an rpod made under `dir`, and `dir`.
pub(crate) fn reset(bin: &Path, dir: &Path) {
    let _ = rpod(bin, dir).args(["system", "reset", "--force"]).status();
    let _ = std::fs::remove_dir_all(dir);
}

/// CPU seconds an hour that the healthchecks of an idle container cost: its monitor and the
/// runtime processes it starts (their time is the monitor's children's), over 20 s.
fn health_cpu_per_hour(bin: &Path, dir: &Path) -> Result<f64> {
    run(rpod(bin, dir).args([
        "run",
        "-d",
        "--name",
        "hc",
        "--network",
        "none",
        "--health-cmd",
        "true",
        "--health-interval",
        "1s",
        "busybox",
        "sleep",
        "1000",
    ]))?;
    let monitor = || -> Option<u32> {
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd);
            (cmd.contains("healthmonitor") && cmd.contains(&*dir.to_string_lossy())).then_some(pid)
        })
    };
    // utime + stime + cutime + cstime, in clock ticks (fields 14-17 of /proc/PID/stat).
    let ticks = |pid: u32| -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some((11..15).filter_map(|i| f.get(i)?.parse::<u64>().ok()).sum())
    };
    let pid = monitor().context("no health monitor process")?;
    let t0 = ticks(pid).context("monitor stat")?;
    let span = std::time::Duration::from_secs(20);
    std::thread::sleep(span);
    let t1 = ticks(pid).context("monitor stat")?;
    run(rpod(bin, dir).args(["rm", "-f", "-t", "0", "hc"]))?;
    // /proc counts in USER_HZ, 100 on Linux whatever the kernel's tick.
    Ok((t1 - t0) as f64 / 100.0 * 3600.0 / span.as_secs_f64())
}

pub(crate) fn tempfile_dir() -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("rpod-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
