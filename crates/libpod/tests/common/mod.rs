//! Shared by the runtime tests: a runtime in its own temporary roots with the busybox image.
#![allow(dead_code, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};

use libpod::config::StateBackend;
use libpod::{ContainerOptions, Runtime};

pub fn require(what: &str, ok: bool) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI: {what} is required but missing (run `cargo xtask setup`)"
    );
    eprintln!("skipping: {what} is missing (run `cargo xtask setup`)");
    false
}

pub fn ready() -> bool {
    require("root", nix::unistd::geteuid().is_root())
        && require("runc", Path::new("/usr/sbin/runc").exists())
        && require("conmon", Path::new("/usr/bin/conmon").exists())
        && require("busybox-static", Path::new("/bin/busybox").exists())
        && require(
            "CNI plugins",
            libpod::config::default_cni_plugin_dirs()
                .iter()
                .any(|d| d.join("bridge").exists()),
        )
}

/// A runtime of its own: roots, network config dir, and a default network on a subnet and
/// bridge no other test uses.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub rt: Runtime,
    pub k: u8,
    pub backend: StateBackend,
}

static NEXT: AtomicU8 = AtomicU8::new(0);

pub fn builder(dir: &Path, backend: StateBackend) -> libpod::RuntimeBuilder {
    let d = dir.to_path_buf();
    Runtime::builder_isolated().config(move |c| {
        c.graph_root(d.join("root"))
            .run_root(d.join("run"))
            .cni_config_dir(d.join("net.d"))
            .state_backend(backend)
            .default_network("testnet")
            // The lifecycle suites make their network as CNI does (rpod's suites run
            // every network test on both backends).
            .network_backend(libpod::config::NetworkBackend::Cni)
    })
}

impl Env {
    pub fn new(backend: StateBackend) -> Env {
        let dir = tempfile::tempdir().expect("tmp");
        let k = NEXT.fetch_add(1, Ordering::SeqCst) + 100 + (std::process::id() % 50) as u8;
        // The default network's file, written first: one of this test's own subnet and
        // bridge (the default in memory would be the same for every test).
        libpod::network::NetworkManager::new(
            &dir.path().join("net.d"),
            &libpod::config::default_cni_plugin_dirs(),
            &dir.path().join("run/libpod/network"),
            "unused",
            "192.168.255.0/24",
        )
        .create(&libpod::network::NetworkCreate {
            name: "testnet".into(),
            subnets: vec![libpod::network::SubnetRequest {
                subnet: format!("10.231.{k}.0/24"),
                ..Default::default()
            }],
            bridge: Some(format!("rpl{k}-{}", std::process::id() % 1000)),
            ..Default::default()
        })
        .expect("network");
        let rt = builder(dir.path(), backend).build().expect("runtime");
        let mut tar = Vec::new();
        libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut tar)
            .expect("tarball");
        rt.import_tarball(&tar[..], Some("busybox"), &[], None)
            .expect("import");
        Env {
            dir,
            rt,
            k,
            backend,
        }
    }

    pub fn opts(&self, cmd: &[&str]) -> ContainerOptions {
        ContainerOptions {
            image: "busybox".into(),
            command: cmd.iter().map(|s| s.to_string()).collect(),
            stop_timeout: Some(2),
            ..Default::default()
        }
    }

    pub fn graph(&self) -> PathBuf {
        self.dir.path().join("root")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // Whatever happened, nothing keeps running or mounted.
        if let Ok(pods) = self.rt.pods() {
            for p in pods {
                let _ = p.remove(&libpod::PodRemoveOptions {
                    force: true,
                    ..Default::default()
                });
            }
        }
        if let Ok(all) = self.rt.containers() {
            for (c, _) in all {
                if let Ok(ctr) = self.rt.container(&c.id) {
                    let _ = ctr.remove(true);
                }
            }
        }
        let _ = self.rt.with_networks(|n| n.remove("testnet"));
        // A test that shut its runtime down cannot remove the network: drop the bridge here.
        let bridge = format!("rpl{}-{}", self.k, std::process::id() % 1000);
        if Path::new("/sys/class/net").join(&bridge).exists() {
            let _ = std::process::Command::new("ip")
                .args(["link", "delete", &bridge])
                .status();
        }
    }
}

/// Mounts under a directory, from /proc/self/mountinfo.
pub fn mounts_under(p: &Path) -> usize {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let p = p.display().to_string();
    info.lines()
        .filter(|l| l.split(' ').nth(4).is_some_and(|m| m.starts_with(&p)))
        .count()
}
