//! What the rpod test suites share: skips outside CI, rpod with roots of a test's own.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

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
    c.args(roots(dir));
    c
}

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
