//! Issue 20: a container's name resolution files against podman 4.3.1: `--dns`,
//! `--dns-search`, `--dns-option`, `--add-host` in /etc/resolv.conf and /etc/hosts on the
//! default network, the host's and none, in `inspect`, and bad input refused alike.

mod common;

use common::podman::{inside, ok, on_both, pair, pair_on};

const FLAGS: &[&str] = &[
    "--dns",
    "10.1.2.3",
    "--dns",
    "10.1.2.4",
    "--dns-search",
    "example.com",
    "--dns-option",
    "ndots:2",
    "--add-host",
    "db:10.9.9.9",
    "--add-host",
    "v6:fd00::1",
];

#[test]
fn resolv_conf_and_hosts_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        [
            // Everything but the lines naming the network's addresses, which differ.
            inside(
                run,
                FLAGS,
                "cat /etc/resolv.conf; grep -v host.containers.internal /etc/hosts | sed '$d'",
            ),
            inside(run, &["--dns-search", "."], "cat /etc/resolv.conf"),
            inside(run, &["--dns-option", "ndots:3"], "cat /etc/resolv.conf"),
            inside(
                run,
                &[
                    "--network",
                    "host",
                    "--dns",
                    "10.1.1.1",
                    "--add-host",
                    "db:10.9.9.9",
                ],
                "cat /etc/resolv.conf /etc/hosts",
            ),
            inside(
                run,
                &["--network", "none", "--add-host", "db:10.9.9.9"],
                "sed '$d' /etc/hosts; test -e /etc/resolv.conf && echo resolv || echo none",
            ),
        ]
    });
    assert_eq!(p, o);
    assert!(
        o[0].starts_with("search example.com\nnameserver 10.1.2.3\nnameserver 10.1.2.4\noptions ndots:2\n10.9.9.9\tdb\nfd00::1\tv6\n"),
        "{}",
        o[0]
    );
    // The same settings in inspect.
    let (p, o) = on_both(&r, &pm, |run| {
        let args = [&["create", "--name", "d"][..], FLAGS, &["busybox", "true"]].concat();
        ok(run, &args);
        let fields = ["Dns", "DnsSearch", "DnsOptions", "ExtraHosts"].map(|f| {
            ok(
                run,
                &[
                    "inspect",
                    "d",
                    "--format",
                    &format!("{{{{json .HostConfig.{f}}}}}"),
                ],
            )
        });
        ok(run, &["rm", "d"]);
        fields
    });
    assert_eq!(p, o);
    assert_eq!(o[3], r#"["db:10.9.9.9","v6:fd00::1"]"#);
}

#[test]
fn name_resolution_flags_that_cannot_apply_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let cases: &[&[&str]] = &[
        &["--network", "none", "--dns", "10.1.1.1"],
        &["--network", "none", "--dns-search", "x.com"],
        &["--no-hosts", "--add-host", "db:10.1.1.1"],
        &["--add-host", "bad"],
        &["--add-host", "db:notip"],
        &["--dns", "notanip"],
    ];
    for flags in cases {
        let args = [&["create"][..], flags, &["busybox", "true"]].concat();
        let ((pc, _, pe), (rc, _, re)) = on_both(&r, &pm, |run| run(&args));
        assert_eq!((rc, pc), (125, 125), "{flags:?}: rpod {re} podman {pe}");
        let msg = |e: &str| e.trim().trim_start_matches("Error: ").to_string();
        assert_eq!(msg(&re), msg(&pe), "{flags:?}");
    }
    let (p, o) = on_both(&r, &pm, |run| ok(run, &["ps", "-aq"]));
    assert_eq!((p.as_str(), o.as_str()), ("", ""), "nothing created");
}

#[test]
fn containers_conf_dns_keys_come_before_the_flags_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let keys = "[containers]\ndns_servers = [\"10.3.3.3\"]\ndns_searches = [\"conf.example\"]\n\
                dns_options = [\"ndots:4\"]\n";
    for dir in [r.dir.path(), pm.dir.path()] {
        let conf = dir.join("containers.conf");
        let text = std::fs::read_to_string(&conf).expect("conf");
        std::fs::write(&conf, text.replace("[containers]\n", keys)).expect("write");
    }
    let (p, o) = on_both(&r, &pm, |run| {
        inside(run, &["--dns", "10.4.4.4"], "cat /etc/resolv.conf")
    });
    assert_eq!(p, o);
    assert_eq!(
        o,
        "search conf.example\nnameserver 10.3.3.3\nnameserver 10.4.4.4\noptions ndots:4"
    );
}

/// The lines of `nslookup NAME` that give an answer's address.
fn answers(out: &str) -> Vec<String> {
    let mut after_name = false;
    let mut v = Vec::new();
    for l in out.lines() {
        if l.starts_with("Name:") {
            after_name = true;
        } else if after_name && let Some(a) = l.strip_prefix("Address:") {
            v.push(a.trim().to_string());
        }
    }
    v
}

both_backends!(
    fn containers_on_a_network_with_dns_find_each_other_by_name_and_alias(backend) {
    let Some((r, pm)) = pair_on(Some(backend)) else { return };
    let net = r.network();
    let web_ip = |run: &dyn Fn(&[&str]) -> common::podman::Out| {
        let out = ok(
            run,
            &["exec", "web", "ip", "-o", "-4", "addr", "show", "eth0"],
        );
        out.split_whitespace()
            .nth(3)
            .and_then(|a| a.split('/').next())
            .expect("an address")
            .to_string()
    };
    // podman gets a network of its own on another subnet.
    let pnet = format!("pdns{}", r.k);
    let psubnet = format!("10.236.{}.0/24", r.k);
    pm.ok(&["network", "create", "--subnet", &psubnet, &pnet]);
    let (p, o) = on_both(&r, &pm, |run| {
        let n = if ok(run, &["network", "ls", "-q"]).lines().any(|l| l == pnet) {
            pnet.clone()
        } else {
            net.clone()
        };
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "web",
                "--network",
                &n,
                "--network-alias",
                "www",
                "busybox",
                "sleep",
                "100",
            ],
        );
        let ip = web_ip(run);
        let look = ok(
            run,
            &[
                "run",
                "--rm",
                "--network",
                &n,
                "busybox",
                "sh",
                "-c",
                "cat /etc/resolv.conf; echo --; nslookup web.dns.podman; echo --; nslookup www.dns.podman",
            ],
        );
        ok(run, &["rm", "-f", "-t", "0", "web"]);
        let mut parts = look.split("--\n");
        let resolv = parts.next().unwrap_or_default().to_string();
        let by_name = answers(parts.next().unwrap_or_default()) == [ip.clone()];
        let by_alias = answers(parts.next().unwrap_or_default()) == [ip];
        // The network's resolver is its gateway, which differs between the two.
        let resolv: Vec<String> = resolv
            .lines()
            .map(|l| {
                if l.starts_with("nameserver 10.23") {
                    "nameserver GATEWAY".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
        (resolv, by_name, by_alias)
    });
    pm.ok(&["network", "rm", &pnet]);
    assert_eq!(p, o);
    assert_eq!(
        o.0[..2],
        ["search dns.podman", "nameserver GATEWAY"],
        "{:?}",
        o.0
    );
    assert!(o.1 && o.2, "found by name and by alias");
    // The resolver (aardvark-dns or dnsmasq) went with the network's last container, and
    // nothing else of the attachments is left.
    let subnet = format!("10.232.{}.", r.k);
    assert_eq!(r.leaks(&[subnet], &[]), Vec::<String>::new());
    // A network without DNS gives the host's resolv.conf.
    r.ok(&[
        "network",
        "create",
        "--disable-dns",
        "--subnet",
        &format!("10.235.{}.0/24", r.k),
        "--interface-name",
        &format!("rpe{}-{}", r.k, std::process::id() % 1000),
        "quiet",
    ]);
    let plain = r.ok(&[
        "run",
        "--rm",
        "--network",
        "quiet",
        "busybox",
        "cat",
        "/etc/resolv.conf",
    ]);
    assert!(!plain.contains("dns.podman"), "{plain}");
    r.ok(&["network", "rm", "quiet"]);
});

both_backends!(
    fn a_pods_name_resolves_on_its_network_as_podman(backend) {
    let Some((r, pm)) = pair_on(Some(backend)) else { return };
    let k = r.k;
    let which = std::cell::Cell::new(0u8);
    let (p, o) = on_both(&r, &pm, |run| {
        let n = 244 + which.get();
        which.set(which.get() + 1);
        let net = format!("pn{k}");
        let bridge = format!("rpn{k}-{}", std::process::id() % 1000);
        let subnet = format!("10.{n}.{k}.0/24");
        let mut args = vec!["network", "create", "--subnet", &subnet];
        if n != 244 {
            args.extend(["--interface-name", &bridge]);
        }
        args.push(&net);
        ok(run, &args);
        let pod = format!("pod{k}");
        ok(run, &["pod", "create", "--name", &pod, "--network", &net]);
        ok(run, &["run", "-d", "--pod", &pod, "--name", "member", "busybox", "sleep", "100"]);
        let look = |name: &str| {
            let (_, out, _) = run(&["run", "--rm", "--network", &net, "busybox", "nslookup", name]);
            answers(&out).len()
        };
        let found = (look(&pod), look("member"));
        ok(run, &["pod", "rm", "-f", "-t", "0", &pod]);
        ok(run, &["network", "rm", &net]);
        found
    });
    assert_eq!(p, o);
    assert_eq!(o, (1, 0), "the pod's name resolves, its members' names do not");
    assert_eq!(r.leaks(&[format!("10.245.{k}.")], &[]), Vec::<String>::new());
});

both_backends!(
    fn a_pods_alias_and_static_address(backend) {
    if !common::ready() {
        return;
    }
    let r = common::R::on(Some(backend));
    let net = r.network();
    let ip = format!("10.232.{}.99", r.k);
    let pod = format!("pa{}", r.k);
    r.ok(&["pod", "create", "--name", &pod, "--network", &net, "--ip", &ip, "--network-alias", "palias"]);
    r.ok(&["run", "-d", "--pod", &pod, "--name", "member", "busybox", "sleep", "100"]);
    let own = r.ok(&["exec", "member", "ip", "-o", "-4", "addr", "show", "eth0"]);
    assert!(own.contains(&format!("{ip}/24")), "the pod's static address: {own}");
    let found = r.ok(&["run", "--rm", "--network", &net, "busybox", "nslookup", "palias"]);
    assert_eq!(answers(&found), std::slice::from_ref(&ip), "{found}");
    r.ok(&["pod", "rm", "-f", "-t", "0", &pod]);
    assert_eq!(r.leaks(&[format!("10.232.{}.", r.k)], &[]), Vec::<String>::new());
});
