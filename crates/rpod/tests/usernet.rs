//! Issue 20: user-mode networking as root: `--network slirp4netns[:OPTS]` (against podman
//! 4.3.1) and `--network pasta[:OPTS]`, with published ports answering on the host, and the
//! helper gone with the container.

mod common;

use std::path::Path;

use common::podman::{inside, on_both, pair};

/// Helper processes (slirp4netns, pasta) whose command line names `id`.
fn helpers(id: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| (c.contains("slirp4netns") || c.contains("pasta")) && c.contains(id))
        .collect()
}

/// Runs a web server with `network`, checks its published port, removes it; the helper
/// must be gone after.
fn serve_and_fetch(r: &common::R, network: &str) {
    let id = r.ok(&[
        "run",
        "-d",
        "--network",
        network,
        "-p",
        "127.0.0.1::8080",
        "busybox",
        "sh",
        "-c",
        "mkdir -p /w; echo hello > /w/i; exec httpd -f -p 8080 -h /w",
    ]);
    let id = id.trim();
    assert!(!helpers(id).is_empty(), "a helper runs for {network}");
    let port: u16 = r
        .ok(&["port", id, "8080/tcp"])
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a host port");
    assert!(
        common::fetch(port, 100).contains("hello"),
        "{network}: the published port answers"
    );
    r.ok(&["rm", "-f", "-t", "0", id]);
    assert_eq!(
        helpers(id),
        Vec::<String>::new(),
        "{network}: the helper went with the container"
    );
    assert_eq!(r.leaks(&[], &[]), Vec::<String>::new());
}

#[test]
fn slirp4netns_as_podman_with_ports_and_options() {
    if !common::require("slirp4netns", Path::new("/usr/bin/slirp4netns").exists()) {
        return;
    }
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        inside(
            run,
            &["--network", "slirp4netns"],
            "ip -o -4 addr show tap0 | awk '{print $4}'; grep nameserver /etc/resolv.conf | head -1; ip route | grep default",
        )
    });
    assert_eq!(p, o);
    assert!(
        o.starts_with("10.0.2.100/24\nnameserver 10.0.2.3\ndefault via 10.0.2.2"),
        "{o}"
    );
    let (p, o) = on_both(&r, &pm, |run| {
        inside(
            run,
            &["--network", "slirp4netns:cidr=10.5.0.0/24,mtu=1500"],
            "ip -o -4 addr show tap0 | awk '{print $4}'; cat /sys/class/net/tap0/mtu",
        )
    });
    assert_eq!(p, o);
    assert_eq!(o, "10.5.0.100/24\n1500");
    // `run --rm` took its helpers along (slirp4netns ignores SIGTERM: seen leaking).
    assert_eq!(r.leaks(&[], &[]), Vec::<String>::new());
    let (p, o) = on_both(&r, &pm, |run| {
        let args = [
            "run",
            "--rm",
            "--network",
            "slirp4netns:bogus=1",
            "busybox",
            "true",
        ];
        let (code, _, err) = run(&args);
        (
            code,
            err.contains("unknown option for slirp4netns: \"bogus=1\""),
        )
    });
    // podman finds out at start (126); we refuse at create, before anything exists (125).
    assert_eq!((p.0, o.0), (126, 125));
    assert!(p.1 && o.1, "podman's words: {p:?} {o:?}");
    serve_and_fetch(&r, "slirp4netns");
}

#[test]
fn pasta_copies_the_hosts_address_and_forwards_ports() {
    if !common::require("pasta", Path::new("/usr/bin/pasta").exists()) || !common::ready() {
        return;
    }
    let r = common::R::new();
    let route = std::fs::read_to_string("/proc/net/route").expect("routes");
    let Some(iface) = route.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(1) == Some(&"00000000")).then(|| f[0].to_string())
    }) else {
        eprintln!("skipping: the host has no default route for pasta to copy");
        return;
    };
    let host = std::process::Command::new("ip")
        .args(["-o", "-4", "addr", "show", &iface])
        .output()
        .expect("ip");
    let host_addr = String::from_utf8_lossy(&host.stdout)
        .split_whitespace()
        .nth(3)
        .unwrap_or("")
        .to_string();
    let got = r.ok(&[
        "run",
        "--rm",
        "--network",
        "pasta",
        "busybox",
        "sh",
        "-c",
        &format!("ip -o -4 addr show {iface} | awk '{{print $4}}'"),
    ]);
    assert_eq!(got.trim(), host_addr, "the host's address on {iface}");
    serve_and_fetch(&r, "pasta");
}
