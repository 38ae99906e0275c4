//! Issue 20: `network create` with several subnets (dual stack), gateways and ranges by
//! position, `--ipv6`, labels, and `network ls --filter`, against podman 4.3.1 on both
//! backends.

mod common;

use common::podman::{Out, ok, on_both, pair_on};

both_backends!(
    fn dual_stack_ranges_labels_and_filters_as_podman(backend) {
    let Some((r, pm)) = pair_on(Some(backend)) else { return };
    let k = r.k;
    let which = std::cell::Cell::new(0u8);
    let (p, o) = on_both(&r, &pm, |run: &dyn Fn(&[&str]) -> Out| {
        // Each tool its own subnets (podman runs first), masked before comparing.
        let n = 242 + which.get();
        which.set(which.get() + 1);
        let (v4, v6) = (format!("10.{n}.{k}"), format!("fd00:{n}:{k}:"));
        let name = format!("ds{k}");
        let bridge = format!("rds{k}-{}", std::process::id() % 1000);
        let mut args = vec!["network", "create", "--label", "app=web"];
        let (s4, g4, r4, s6) = (format!("{v4}.0/24"), format!("{v4}.254"), format!("{v4}.128/25"), format!("{v6}:/64"));
        args.extend(["--subnet", &s4, "--gateway", &g4, "--ip-range", &r4, "--subnet", &s6]);
        if n != 242 {
            args.extend(["--interface-name", &bridge]);
        }
        args.push(&name);
        ok(run, &args);
        let mask = |s: &str| s.replace(&v4, "V4").replace(&v6, "V6:");
        // Parsed: the keys' order is the printer's, not part of the answer.
        let subnets: serde_json::Value = serde_json::from_str(&mask(&ok(
            run,
            &["network", "inspect", &name, "--format", "{{json .Subnets}}"],
        )))
        .expect("json");
        let v6_on = ok(run, &["network", "inspect", &name, "--format", "{{.IPv6Enabled}}"]);
        let inside = mask(&ok(run, &["run", "--rm", "--network", &name, "busybox", "sh", "-c",
            "ip -o addr show eth0 | grep -v fe80 | awk '{print $4}'; grep -v '^127\\|^::1' /etc/hosts | awk '{print $1}'"]));
        let by_label = ok(run, &["network", "ls", "-q", "--filter", "label=app=web"]);
        let dangling = ok(run, &["network", "ls", "-q", "--filter", "dangling=true"]);
        let (too_many, _, _) = run(&["network", "create", "--subnet", &format!("10.{n}.{}.0/24", k + 100),
            "--gateway", "10.0.0.1", "--gateway", "10.0.0.2", "bad"]);
        let (overlap, _, _) = run(&["network", "create", "--subnet", &format!("{v4}.0/25"), "bad"]);
        ok(run, &["network", "rm", &name]);
        // podman keeps its address leases under /run/containers/networks across stores and
        // runs, so its host parts may be further on: compared as "in the range" only.
        let in_range = inside
            .lines()
            .map(|l| {
                let host = l.split('/').next().unwrap_or(l);
                let v4 = host.strip_prefix("V4.").and_then(|n| n.parse::<u16>().ok());
                match v4 {
                    Some(n) if (129..254).contains(&n) => l.replacen(host, "V4.R", 1),
                    _ if host.starts_with("V6::") && host != "V6::1" => l.replacen(host, "V6::H", 1),
                    _ => l.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        ((subnets, v6_on, in_range, by_label, dangling.lines().any(|l| l == name), too_many, overlap), inside)
    });
    assert_eq!(p.0, o.0);
    let (o, ours) = o;
    let subnets = &o.0;
    assert_eq!(subnets[0]["lease_range"]["start_ip"], "V4.129", "{subnets}");
    assert_eq!(subnets[1]["gateway"], "V6::1", "{subnets}");
    assert_eq!(o.1, "true");
    let inside: Vec<&str> = ours.lines().collect();
    assert_eq!(inside[..2], ["V4.129/24", "V6::2/64"], "{inside:?}");
    for a in ["V4.129", "V6::2"] {
        assert!(inside[2..].contains(&a), "/etc/hosts names {a}: {inside:?}");
    }
    assert_eq!(o.5, 125);
    assert_eq!(o.6, 125);
    let subnets = [format!("10.243.{k}."), format!("fd00:243:{k}:")];
    assert_eq!(r.leaks(&subnets, &[]), Vec::<String>::new());
});

/// A veth pair of the test's own (the parent of its macvlan networks), deleted when dropped.
struct Veth(String);

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["link", "del", &self.0])
            .status();
    }
}

both_backends!(
    fn macvlan_on_a_parent_of_the_tests_own_and_bridge_options(backend) {
    if !common::ready() {
        return;
    }
    let r = common::R::on(Some(backend));
    let k = r.k;
    let parent = Veth(format!("rmv{k}-{}", std::process::id() % 1000));
    let peer = format!("rmw{k}-{}", std::process::id() % 1000);
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ip link add {0} type veth peer name {peer} && ip link set {0} up && ip link set {peer} up",
            parent.0
        ))
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "veth pair");
    let net = format!("mv{k}");
    let v4 = format!("10.246.{k}");
    r.ok(&["network", "create", "-d", "macvlan", "-o", &format!("parent={}", parent.0),
        "-o", "mode=bridge", "--subnet", &format!("{v4}.0/24"), &net]);
    let shown = r.ok(&["network", "inspect", &net, "--format", "{{.Driver}} {{.NetworkInterface}}"]);
    assert_eq!(shown.trim(), format!("macvlan {}", parent.0));
    r.ok(&["run", "-d", "--name", "web", "--network", &net, "--ip", &format!("{v4}.10"), "busybox", "sh", "-c",
        "mkdir -p /w; echo hello > /w/i; exec httpd -f -p 80 -h /w"]);
    let got = r.ok(&["run", "--rm", "--network", &net, "busybox", "sh", "-c",
        &format!("ip -o -4 addr show eth0; printf 'GET /i HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {v4}.10 80")]);
    assert!(got.contains(&format!("inet {v4}.")), "an address of the subnet: {got}");
    assert!(got.trim_end().ends_with("hello"), "one container reaches the other: {got}");
    r.ok(&["rm", "-f", "-t", "0", "web"]);
    r.ok(&["network", "rm", &net]);
    assert!(std::path::Path::new("/sys/class/net").join(&parent.0).exists(), "the parent is the host's and stays");
    let (code, _, err) = r.run(&["network", "create", "-d", "macvlan", "-o", &format!("parent={}", parent.0), "nosub"]);
    assert_eq!(code, 125);
    assert!(err.contains("needs at least one subnet"), "{err}");
    let (code, _, err) = r.run(&["network", "create", "-o", "bogus=1", "bad"]);
    assert_eq!(code, 125);
    assert!(err.contains("unsupported bridge network option bogus"), "{err}");
    // A bridge with its MTU.
    let mtu_net = format!("mtu{k}");
    r.ok(&["network", "create", "-o", "mtu=1400", "--subnet", &format!("10.247.{k}.0/24"),
        "--interface-name", &format!("rmt{k}-{}", std::process::id() % 1000), &mtu_net]);
    let mtu = r.ok(&["run", "--rm", "--network", &mtu_net, "busybox", "cat", "/sys/class/net/eth0/mtu"]);
    assert_eq!(mtu.trim(), "1400");
    r.ok(&["network", "rm", &mtu_net]);
    assert_eq!(r.leaks(&[format!("{v4}."), format!("10.247.{k}.")], &[]), Vec::<String>::new());
});
