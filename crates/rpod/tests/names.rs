//! Issue 20: a container's name resolution files against podman 4.3.1: `--dns`,
//! `--dns-search`, `--dns-option`, `--add-host` in /etc/resolv.conf and /etc/hosts on the
//! default network, the host's and none, in `inspect`, and bad input refused alike.

mod common;

use common::podman::{inside, ok, on_both, pair};

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
