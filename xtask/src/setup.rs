//! `cargo xtask setup`: install what the project needs on a fresh Debian machine.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::util::{have, run};

/// Debian packages the tests and the demo use, with a file that shows each is installed.
const PACKAGES: &[(&str, &str)] = &[
    ("runc", "/usr/sbin/runc"),
    ("crun", "/usr/bin/crun"),
    ("conmon", "/usr/bin/conmon"),
    ("containernetworking-plugins", "/usr/lib/cni/bridge"),
    ("busybox-static", "/bin/busybox"),
    ("iptables", "/usr/sbin/iptables"),
    ("docker-registry", "/usr/bin/docker-registry"),
    ("skopeo", "/usr/bin/skopeo"),
    ("umoci", "/usr/bin/umoci"),
    ("hyperfine", "/usr/bin/hyperfine"),
    ("apache2-utils", "/usr/bin/htpasswd"),
    ("openssl", "/usr/bin/openssl"),
    // `--init`, and podman's pause process for pods.
    ("catatonit", "/usr/bin/catatonit"),
    // Name resolution between containers on CNI networks (brings dnsmasq-base).
    (
        "golang-github-containernetworking-plugin-dnsname",
        "/usr/lib/cni/dnsname",
    ),
    // The second network backend, with its name server (podman 4.3's choice when present).
    ("netavark", "/usr/lib/podman/netavark"),
    ("aardvark-dns", "/usr/lib/podman/aardvark-dns"),
    // User-mode networking (`--network slirp4netns`, `--network pasta`).
    ("slirp4netns", "/usr/bin/slirp4netns"),
    ("passt", "/usr/bin/pasta"),
    // The differential reference the tests compare rpod with.
    ("podman", "/usr/bin/podman"),
    // Clients of `rpod system service`: the docker CLI (any on PATH will do: a newer static
    // one may be there already), the Docker SDK for Python and docker-compose 1.29.
    ("docker.io", "PATH:docker"),
    (
        "python3-docker",
        "/usr/lib/python3/dist-packages/docker/__init__.py",
    ),
    ("docker-compose", "/usr/bin/docker-compose"),
    // The reference for `rpod build`'s speed (`cargo xtask bench build`).
    ("buildah", "/usr/bin/buildah"),
];

/// Whether a package's file is there; `PATH:NAME` is a program anywhere on PATH.
fn installed(file: &str) -> bool {
    match file.strip_prefix("PATH:") {
        Some(name) => std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file())),
        None => Path::new(file).exists(),
    }
}

/// The range podman's documentation gives `--userns auto`: the user `containers` in
/// /etc/subuid and /etc/subgid (added when neither file names it).
const SUBID_LINE: &str = "containers:2147483647:2147483648";

fn subordinate_ids() -> Result<()> {
    for file in ["/etc/subuid", "/etc/subgid"] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.lines().any(|l| l.starts_with("containers:")) {
            println!("setup: {file} has a containers range");
            continue;
        }
        if !is_root() {
            bail!("setup needs root to add `{SUBID_LINE}` to {file} (for --userns auto)");
        }
        let mut text = text;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(SUBID_LINE);
        text.push('\n');
        std::fs::write(file, text)?;
        println!("setup: added {SUBID_LINE} to {file} (for --userns auto)");
    }
    Ok(())
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Installs missing packages with apt-get and cargo-fuzz with cargo; says what it does.
pub fn setup() -> Result<()> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, file)| !installed(file))
        .map(|(pkg, _)| *pkg)
        .collect();
    if missing.is_empty() {
        println!("setup: all {} packages present", PACKAGES.len());
    } else {
        println!("setup: installing {}", missing.join(" "));
        if !is_root() {
            bail!(
                "setup needs root to install {}: run it as root, or `sudo apt-get install {}`",
                missing.join(", "),
                missing.join(" ")
            );
        }
        if !Path::new("/usr/bin/apt-get").exists() {
            bail!(
                "setup supports Debian (apt-get); install by hand: {}",
                missing.join(" ")
            );
        }
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
        for (pkg, file) in PACKAGES {
            if !installed(file) {
                bail!("package {pkg} installed but {file} is missing");
            }
        }
    }
    subordinate_ids()?;
    if have("cargo-fuzz", "--version") || have("cargo", "fuzz --version") || cargo_fuzz_installed()
    {
        println!("setup: cargo-fuzz present");
    } else {
        println!("setup: installing cargo-fuzz (cargo install cargo-fuzz --locked)");
        run(
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
                "install",
                "cargo-fuzz",
                "--locked",
                "--quiet",
            ]),
        )?;
    }
    Ok(())
}

fn cargo_fuzz_installed() -> bool {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}
