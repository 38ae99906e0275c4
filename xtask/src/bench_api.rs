//! `cargo xtask bench api`: the API service under load. 50 clients at once, each on its own
//! connection, run create, start, wait and remove cycles through the Docker API; throughput
//! and the 99th percentile of a cycle, for rpod's service and podman's on the same host.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{cargo, run};

const CLIENTS: usize = 50;
const CYCLES: usize = 4;

/// One HTTP/1.1 request on a kept-alive connection; the status and body (chunked or sized).
fn request(
    conn: &mut BufReader<UnixStream>,
    method: &str,
    path: &str,
    body: &str,
) -> Result<(u16, String)> {
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.get_mut().write_all(req.as_bytes())?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("status line")?;
    let (mut length, mut chunked) = (0usize, false);
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse()?;
        }
        chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
    }
    let mut out = Vec::new();
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let n = usize::from_str_radix(line.trim(), 16)?;
            let mut chunk = vec![0; n + 2];
            conn.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
    } else {
        out.resize(length, 0);
        conn.read_exact(&mut out)?;
    }
    Ok((status, String::from_utf8_lossy(&out).into_owned()))
}

/// One client's cycles; the milliseconds of each.
fn client(sock: &Path) -> Result<Vec<f64>> {
    let mut conn = BufReader::new(UnixStream::connect(sock)?);
    let mut times = Vec::new();
    for _ in 0..CYCLES {
        let t = Instant::now();
        let body = r#"{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}"#;
        let (st, created) = request(&mut conn, "POST", "/v1.41/containers/create", body)?;
        if st != 201 {
            bail!("create: {st} {created}");
        }
        let v: serde_json::Value = serde_json::from_str(&created)?;
        let id = v["Id"].as_str().context("created ID")?.to_string();
        let (st, b) = request(
            &mut conn,
            "POST",
            &format!("/v1.41/containers/{id}/start"),
            "",
        )?;
        if st != 204 {
            bail!("start: {st} {b}");
        }
        let (st, b) = request(
            &mut conn,
            "POST",
            &format!("/v1.41/containers/{id}/wait"),
            "",
        )?;
        if st != 200 || !b.contains("\"StatusCode\":0") {
            bail!("wait: {st} {b}");
        }
        let (st, b) = request(&mut conn, "DELETE", &format!("/v1.41/containers/{id}"), "")?;
        if st != 204 {
            bail!("remove: {st} {b}");
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

/// A service's figures under load.
#[derive(Clone, Copy, Debug)]
struct Figures {
    /// Cycles a second, all clients together.
    rate: f64,
    /// 99th percentile of a cycle, ms.
    p99: f64,
    /// Median cycle, ms.
    p50: f64,
}

/// Runs the clients against `sock`.
fn load(sock: &Path) -> Result<Figures> {
    let t = Instant::now();
    let handles: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let sock = sock.to_path_buf();
            std::thread::spawn(move || client(&sock))
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(
            h.join()
                .map_err(|_| anyhow::anyhow!("a client panicked"))??,
        );
    }
    let secs = t.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Ok(Figures {
        rate: all.len() as f64 / secs,
        p99: pct(0.99),
        p50: pct(0.5),
    })
}

/// Waits for a service's socket to answer, with a deadline.
fn wait_listening(sock: &Path, child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while UnixStream::connect(sock).is_err() {
        if let Some(st) = child.try_wait()? {
            bail!("the service exited: {st}");
        }
        if Instant::now() > deadline {
            bail!("no service on {}", sock.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

fn stop(mut child: Child) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}

/// One service's figures: started by `start` on `sock`, loaded, stopped.
fn measure(name: &str, sock: &Path, mut start: Command) -> Result<Figures> {
    let mut child = start
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("start {name}"))?;
    let r = wait_listening(sock, &mut child).and_then(|()| {
        // One cycle first, as warm-up.
        client(sock)?;
        load(sock)
    });
    stop(child);
    r
}

/// `cargo xtask bench api`.
pub fn bench_api() -> Result<()> {
    run(cargo().args(["build", "--release", "-p", "rpod"]))?;
    let bin: PathBuf = crate::util::target_dir().join("release/rpod");
    let dir = crate::bench::tempfile_dir()?;
    let result = (|| -> Result<Vec<(String, Figures)>> {
        let tar = dir.join("busybox.tar");
        crate::image::busybox_tarball(&dir, &tar)?;
        run(crate::bench::rpod(&bin, &dir)
            .arg("import")
            .arg(&tar)
            .arg("busybox"))?;
        let sock = dir.join("rpod.sock");
        let mut svc = crate::bench::rpod(&bin, &dir);
        svc.args(["system", "service", "--time", "0"])
            .arg(format!("unix://{}", sock.display()));
        let mut rows = vec![(
            "rpod system service".to_string(),
            measure("rpod", &sock, svc)?,
        )];
        if Path::new("/usr/bin/podman").exists() {
            let pd = crate::bench::podman_dir(&dir)?;
            let podman = |args: &[&str]| {
                let mut c = Command::new("podman");
                c.env("CONTAINERS_CONF", pd.join("containers.conf"))
                    .arg("--root")
                    .arg(pd.join("root"))
                    .arg("--runroot")
                    .arg(pd.join("run"))
                    .arg("--tmpdir")
                    .arg(pd.join("tmp"))
                    .arg("--network-config-dir")
                    .arg(pd.join("net"))
                    .args([
                        "--runtime",
                        "runc",
                        "--cgroup-manager",
                        "cgroupfs",
                        "--events-backend",
                        "file",
                    ])
                    .args(args);
                c
            };
            run(podman(&["import", &tar.display().to_string(), "busybox"]).stdout(Stdio::null()))?;
            let psock = pd.join("podman.sock");
            let svc = podman(&[
                "system",
                "service",
                "--time",
                "0",
                &format!("unix://{}", psock.display()),
            ]);
            rows.push((
                "podman 4.3.1 system service".to_string(),
                measure("podman", &psock, svc)?,
            ));
            let _ = podman(&["system", "reset", "--force"]).output();
            let _ = Command::new("umount")
                .arg("-R")
                .arg(pd.join("root"))
                .output();
        }
        Ok(rows)
    })();
    crate::bench::reset(&bin, &dir);
    let rows = result?;
    println!(
        "\nAPI load: {CLIENTS} clients x {CYCLES} cycles of create + start + wait + remove \
         (busybox true, network none):"
    );
    for (what, f) in &rows {
        println!(
            "  {what:<30} {:>7.1} cycles/s   p50 {:>7.1} ms   p99 {:>7.1} ms",
            f.rate, f.p50, f.p99
        );
    }
    if let [(_, ours), (_, theirs)] = rows.as_slice() {
        println!(
            "  throughput: {:.2}x podman's (goal >= 2x)",
            ours.rate / theirs.rate
        );
    }
    Ok(())
}
