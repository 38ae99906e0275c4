//! What the rpod test suites share: skips outside CI, rpod with roots of a test's own.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU8, Ordering};

pub mod podman;

/// True when `ok`; otherwise a failure in CI and a noted skip elsewhere.
pub fn require(what: &str, ok: bool) -> bool {
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI: {what} is required but missing (run `cargo xtask setup`)"
        );
        eprintln!("skipping: {what} is missing (run `cargo xtask setup`)");
    }
    ok
}

/// Root, runc, conmon and busybox-static: what every container test needs.
pub fn ready() -> bool {
    require("root", nix::unistd::geteuid().is_root())
        && require(
            "runc and conmon",
            Path::new("/usr/sbin/runc").exists() && Path::new("/usr/bin/conmon").exists(),
        )
        && require("busybox-static", Path::new("/bin/busybox").exists())
}

/// The global flags that give rpod roots under `dir`.
pub fn roots(dir: &Path) -> Vec<String> {
    [
        ("--root", "root"),
        ("--runroot", "run"),
        ("--network-config-dir", "net.d"),
    ]
    .iter()
    .flat_map(|(flag, sub)| [flag.to_string(), dir.join(sub).display().to_string()])
    .collect()
}

/// `rpod` with roots under `dir`.
pub fn rpod(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rpod"));
    // The test's own containers.conf (if it wrote one), never the host's podman files.
    c.env("CONTAINERS_CONF", dir.join("containers.conf"));
    c.args(roots(dir));
    c
}

/// The containers.conf the podman reference runs with; rpod's tests use the same, so both
/// start from the same defaults.
pub const REFERENCE_CONTAINERS_CONF: &str = "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n\
     [engine]\nevents_logger = \"file\"\n";

/// Asserts that `rpod args` succeeded; returns its stdout.
pub fn stdout_of(o: Output, args: &[&str]) -> String {
    assert!(
        o.status.success(),
        "rpod {args:?} failed ({}): {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

static NEXT: AtomicU8 = AtomicU8::new(0);

/// A test's own roots (removed with `system reset` when dropped).
pub struct R {
    /// The directory holding the roots.
    pub dir: tempfile::TempDir,
    /// This test's number, for its network and subnet.
    pub k: u8,
}

impl R {
    /// Roots of its own, with the busybox image imported as `busybox`.
    pub fn new() -> R {
        let dir = tempfile::tempdir().expect("tmp");
        let k = NEXT.fetch_add(1, Ordering::SeqCst) + 10 + (std::process::id() % 40) as u8;
        std::fs::write(
            dir.path().join("containers.conf"),
            REFERENCE_CONTAINERS_CONF,
        )
        .expect("containers.conf");
        let r = R { dir, k };
        let tar = r.dir.path().join("busybox.tar");
        let mut f = std::fs::File::create(&tar).expect("tar");
        libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut f)
            .expect("tarball");
        r.ok(&["import", tar.to_str().expect("utf8"), "busybox"]);
        r
    }

    /// A bridge network of this test's own: `net<k>` on 10.232.k.0/24.
    pub fn network(&self) -> String {
        let name = format!("net{}", self.k);
        self.ok(&[
            "network",
            "create",
            "--subnet",
            &format!("10.232.{}.0/24", self.k),
            "--interface-name",
            &format!("rpc{}-{}", self.k, std::process::id() % 1000),
            &name,
        ]);
        name
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        rpod(self.dir.path()).args(args).output().expect("run rpod")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        stdout_of(self.cmd(args), args)
    }

    /// Runs; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o = self.cmd(args);
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
}

impl Drop for R {
    fn drop(&mut self) {
        let _ = self.cmd(&["system", "reset", "--force"]);
        let _ = self.cmd(&["network", "rm", "--force", &format!("net{}", self.k)]);
    }
}
