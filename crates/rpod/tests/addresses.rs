//! Issue 20: per-container addressing as podman 4.3 does it, on both backends: `--ip`,
//! `--mac-address`, `--network NAME:ip=...,mac=...,interface_name=...`, several networks with
//! their interfaces, `network connect --ip --alias`, and podman's refusals.

mod common;

use common::podman::{Out, ok, on_both, pair_on};

/// `ip -o` lines reduced to interface name and address (or MAC), sorted.
fn ifaces(out: &str) -> Vec<String> {
    let mut v: Vec<String> = out
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let name = f.get(1)?.trim_end_matches(':').split('@').next()?;
            (name != "lo").then(|| format!("{name} {}", f.get(3).unwrap_or(&"")))
        })
        .collect();
    v.sort();
    v
}

both_backends!(
    fn static_addresses_macs_and_interface_names_as_podman(backend) {
    let Some((r, pm)) = pair_on(Some(backend)) else { return };
    let k = r.k;
    let which = std::cell::Cell::new(0u8);
    let (p, o) = on_both(&r, &pm, |run: &dyn Fn(&[&str]) -> Out| {
        // Each tool its own subnets (podman runs first); the host part is what is compared.
        let base = 240 + which.get();
        which.set(which.get() + 1);
        let (a, b) = (format!("sa{k}"), format!("sb{k}"));
        for (i, n) in [&a, &b].into_iter().enumerate() {
            let subnet = format!("10.{base}.{}.0/24", k * 2 + i as u8);
            // Bridges of this test's own for rpod (podman 4.3 names its own and has no flag),
            // so tests running alongside never pick the same one.
            let bridge = format!("rs{i}{k}-{}", std::process::id() % 1000);
            let mut args = vec!["network", "create", "--subnet", &subnet];
            if base != 240 {
                args.extend(["--interface-name", &bridge]);
            }
            args.push(n);
            ok(run, &args);
        }
        let net_a = format!("10.{base}.{}", k * 2);
        let ip = format!("{net_a}.50");
        let mac = "92:d0:c6:0a:29:33";
        let one = ok(run, &["run", "--rm", "--network", &a, "--ip", &ip, "--mac-address", mac,
            "busybox", "sh", "-c", "ip -o -4 addr show eth0; cat /sys/class/net/eth0/address"]);
        let spec = format!("{a}:ip={net_a}.51,mac=92:d0:c6:0a:29:34,interface_name=foo0");
        let two = ok(run, &["run", "--rm", "--network", &spec, "--network", &b, "busybox", "ip", "-o", "link"]);
        let (two_ip, _, err_two) = run(&["run", "--rm", "--network", &format!("{a},{b}"), "--ip", &ip, "busybox", "true"]);
        let (outside, _, err_outside) = run(&["run", "--rm", "--network", &a, "--ip", "10.9.9.9", "busybox", "true"]);
        let (bad_mac, _, err_mac) = run(&["run", "--rm", "--network", &format!("{a}:mac=zz"), "busybox", "true"]);
        ok(run, &["rm", "-af", "-t", "0"]);
        for n in [&a, &b] {
            ok(run, &["network", "rm", n]);
        }
        let one = one.replace(&net_a, "NET");
        let mut lines = one.lines();
        let addr = lines.next().and_then(|l| l.split_whitespace().nth(3)).unwrap_or("").to_string();
        let got_mac = lines.last().unwrap_or("").to_string();
        let names: Vec<String> = ifaces(&two).iter().map(|l| l.split(' ').next().unwrap_or("").to_string()).collect();
        let two_mac = two.lines().find(|l| l.contains("foo0")).is_some_and(|l| l.contains("92:d0:c6:0a:29:34"));
        (addr, got_mac, names, two_mac,
         (two_ip, err_two.contains("--ip can only be set for a single network")),
         (outside, err_outside.contains("10.9.9.9")),
         (bad_mac, err_mac.contains("address zz: invalid MAC address")))
    });
    assert_eq!(p, o);
    assert_eq!(o.0, "NET.50/24");
    assert_eq!(o.1, "92:d0:c6:0a:29:33");
    assert_eq!(o.2, ["eth0", "foo0"]);
    assert!(o.3, "the network's own mac= is used");
    assert_eq!(o.4, (125, true));
    assert_eq!(o.5, (126, true), "fails the start, naming the address");
    assert_eq!(o.6, (125, true));
    let subnets = [format!("10.241.{}.", k * 2), format!("10.241.{}.", k * 2 + 1)];
    assert_eq!(r.leaks(&subnets, &[]), Vec::<String>::new());
});

both_backends!(
    fn connect_with_an_address_and_an_alias(backend) {
    if !common::ready() {
        return;
    }
    let r = common::R::on(Some(backend));
    let net = r.network();
    let ip = format!("10.232.{}.77", r.k);
    r.ok(&["run", "-d", "--name", "db", "busybox", "sleep", "100"]);
    r.ok(&["network", "connect", "--ip", &ip, "--alias", "database", &net, "db"]);
    let addrs = r.ok(&["exec", "db", "ip", "-o", "-4", "addr", "show", "eth1"]);
    assert!(addrs.contains(&format!("{ip}/24")), "{addrs}");
    let found = r.ok(&["run", "--rm", "--network", &net, "busybox", "nslookup", "database"]);
    assert!(found.contains(&ip), "the alias resolves to the static address: {found}");
    // The address is the container's: a second container asking for it is refused, and
    // the start leaves nothing behind.
    let (code, _, err) = r.run(&["run", "--rm", "--network", &net, "--ip", &ip, "busybox", "true"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains(&ip), "{err}");
    // The setting is kept for the next start.
    r.ok(&["restart", "-t", "0", "db"]);
    let again = r.ok(&["exec", "db", "ip", "-o", "-4", "addr", "show", "eth1"]);
    assert!(again.contains(&format!("{ip}/24")), "{again}");
    r.ok(&["rm", "-f", "-t", "0", "db"]);
    assert_eq!(r.leaks(&[format!("10.232.{}.", r.k)], &[]), Vec::<String>::new());
});

/// A named network namespace of the test's own, deleted when dropped.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.0])
            .status();
    }
}

#[test]
fn an_existing_namespace_by_path_and_private() {
    if !common::ready() {
        return;
    }
    let r = common::R::new();
    let ns = Netns(format!("rpt{}-{}", r.k, std::process::id()));
    let made = std::process::Command::new("ip")
        .args(["netns", "add", &ns.0])
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "ip netns add");
    let path = format!("ns:/run/netns/{}", ns.0);
    let links = r.ok(&[
        "run",
        "--rm",
        "--network",
        &path,
        "busybox",
        "ip",
        "-o",
        "link",
    ]);
    assert_eq!(
        links.lines().count(),
        1,
        "only the namespace's loopback: {links}"
    );
    r.ok(&[
        "create",
        "--name",
        "nsc",
        "--network",
        &path,
        "busybox",
        "true",
    ]);
    let mode = r.ok(&["inspect", "nsc", "--format", "{{.HostConfig.NetworkMode}}"]);
    assert_eq!(mode.trim(), path);
    let (code, _, err) = r.run(&["run", "--rm", "--network", "ns:/tmp", "busybox", "true"]);
    assert_eq!(code, 125);
    assert!(err.contains("/tmp: not a network namespace"), "{err}");
    // `private` is the bridge for root, as podman's.
    let addr = r.ok(&[
        "run",
        "--rm",
        "--network",
        "private",
        "busybox",
        "ip",
        "-o",
        "-4",
        "addr",
        "show",
        "eth0",
    ]);
    assert!(addr.contains("inet "), "{addr}");
    r.ok(&["rm", "nsc"]);
}
