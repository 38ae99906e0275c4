//! podman 4.3.1 as a differential reference: same input, same observable result. It runs
//! with a store, run dir, tmp dir and network dir of its own (never the host's), runc and
//! cgroupfs as on this host, and ulimits capped at the host's hard limits.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{R, ready, require};

/// A podman with roots of its own under a temporary directory.
pub struct Podman {
    /// Its directory (roots, containers.conf).
    pub dir: tempfile::TempDir,
    /// Its default network's name, also its bridge's.
    bridge: String,
}

impl Podman {
    /// A podman with its own roots; `None` (a noted skip, a failure in CI) without podman.
    pub fn new() -> Option<Podman> {
        Self::on(None, super::next_k())
    }

    /// A podman on a network backend (`None`: podman chooses).
    pub fn on(backend: Option<&str>, k: u8) -> Option<Podman> {
        if !require("podman", Path::new("/usr/bin/podman").exists()) {
            return None;
        }
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("containers.conf"),
            super::containers_conf(backend, k, "podman"),
        )
        .expect("containers.conf");
        let (bridge, third) = super::default_network(k, "podman");
        seed_default_network(&dir.path().join("net"), &bridge, &format!("10.{third}.{k}"));
        Some(Podman { dir, bridge })
    }

    /// `podman` with this reference's roots.
    pub fn command(&self) -> Command {
        let d = self.dir.path();
        let mut c = Command::new("/usr/bin/podman");
        c.env("CONTAINERS_CONF", d.join("containers.conf"))
            .args(["--root", &sub(d, "root"), "--runroot", &sub(d, "run")])
            .args([
                "--tmpdir",
                &sub(d, "tmp"),
                "--network-config-dir",
                &sub(d, "net"),
            ])
            .args(["--runtime", "runc", "--cgroup-manager", "cgroupfs"])
            .args(["--events-backend", "file", "--storage-driver", "overlay"]);
        c
    }

    /// Runs `podman args`.
    pub fn cmd(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run podman")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.cmd(args);
        assert!(
            o.status.success(),
            "podman {args:?} failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Imports the busybox rootfs tarball at `tar` as `busybox` (localhost/busybox).
    pub fn import(&self, tar: &Path) {
        self.ok(&["import", tar.to_str().expect("utf8"), "busybox"]);
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.cmd(&["rm", "-af", "-t", "0"]);
        let _ = self.cmd(&["system", "reset", "--force"]);
        // podman leaves overlay mounts under its root if anything was left running.
        let root: PathBuf = self.dir.path().join("root");
        let _ = Command::new("umount").arg("-R").arg(&root).output();
        // CNI's bridge plugin never removes its bridge.
        let _ = Command::new("ip")
            .args(["link", "delete", &self.bridge])
            .output();
    }
}

/// A 64-hex-digit network ID made from `name`.
fn hex_id(name: &str) -> String {
    let h: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{h:0>64}")
}

/// Writes podman's default network for both backends with a bridge named after it: podman
/// 4.3.1 names every default bridge `cni-podman0` or `podman0`, so parallel references with
/// subnets of their own would fight over one bridge's address.
fn seed_default_network(net: &Path, name: &str, prefix: &str) {
    std::fs::create_dir_all(net).expect("network dir");
    let subnet =
        serde_json::json!({"subnet": format!("{prefix}.0/24"), "gateway": format!("{prefix}.1")});
    let netavark = serde_json::json!({
        "name": name, "id": hex_id(name), "driver": "bridge",
        "network_interface": name, "created": "2026-01-01T00:00:00Z", "subnets": [subnet],
        "ipv6_enabled": false, "internal": false, "dns_enabled": false,
        "ipam_options": {"driver": "host-local"}
    });
    let cni = serde_json::json!({
        "cniVersion": "0.4.0", "name": name, "plugins": [
            {"type": "bridge", "bridge": name, "isGateway": true, "ipMasq": true,
             "hairpinMode": true, "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
             "ranges": [[subnet]]}, "capabilities": {"ips": true}},
            {"type": "portmap", "capabilities": {"portMappings": true}},
            {"type": "firewall", "backend": ""}, {"type": "tuning"}
        ]
    });
    std::fs::write(net.join(format!("{name}.json")), netavark.to_string()).expect("netavark");
    std::fs::write(net.join(format!("{name}.conflist")), cni.to_string()).expect("cni");
}

fn sub(d: &Path, s: &str) -> String {
    d.join(s).display().to_string()
}

/// (exit code, stdout, stderr) of one command.
pub type Out = (i32, String, String);

/// The two tools with the busybox image.
pub fn pair() -> Option<(R, Podman)> {
    pair_on(None)
}

/// The two tools with the busybox image, both on one network backend.
pub fn pair_on(backend: Option<&str>) -> Option<(R, Podman)> {
    if !ready() {
        return None;
    }
    let r = R::on(backend);
    let pm = Podman::on(backend, r.k)?;
    pm.import(&r.dir.path().join("busybox.tar"));
    Some((r, pm))
}

/// Runs `script` once with podman and once with rpod, each given a runner of its own.
pub fn on_both<T>(r: &R, pm: &Podman, script: impl Fn(&dyn Fn(&[&str]) -> Out) -> T) -> (T, T) {
    let podman = |args: &[&str]| {
        let o = pm.cmd(args);
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let rpod = |args: &[&str]| r.run(args);
    (script(&podman), script(&rpod))
}

pub fn ok(run: &dyn Fn(&[&str]) -> Out, args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out.trim().to_string()
}

/// `run --rm FLAGS busybox sh -c SCRIPT` with one tool; its stdout, asserted successful.
pub fn inside(run: &dyn Fn(&[&str]) -> Out, flags: &[&str], script: &str) -> String {
    let args = [
        &["run", "--rm"][..],
        flags,
        &["busybox", "sh", "-c", script],
    ]
    .concat();
    ok(run, &args)
}
