//! Issue 20: `network connect` and `disconnect` of running and stopped containers, with
//! podman's refusals.

mod common;

use common::{R, ready};

fn ipv4(r: &R, ctr: &str, ifname: &str) -> Option<String> {
    let out = r.ok(&["exec", ctr, "ip", "-o", "-4", "addr", "show"]);
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(ifname))
        .and_then(|l| l.split_whitespace().nth(3))
        .map(|a| a.split('/').next().unwrap_or(a).to_string())
}

fn networks(r: &R, ctr: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&r.ok(&[
        "inspect",
        ctr,
        "--format",
        "{{json .NetworkSettings.Networks}}",
    ]))
    .expect("json");
    let mut k: Vec<String> = v
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

both_backends!(
    fn connect_and_disconnect_running_and_stopped_containers(backend) {
    if !ready() {
        return;
    }
    let r = R::on(Some(backend));
    let a = r.network();
    let b = format!("netb{}", r.k);
    r.ok(&[
        "network",
        "create",
        "--subnet",
        &format!("10.234.{}.0/24", r.k),
        "--interface-name",
        &format!("rpd{}-{}", r.k, std::process::id() % 1000),
        &b,
    ]);
    r.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        &b,
        "busybox",
        "sh",
        "-c",
        "echo hi > /tmp/i; exec httpd -f -p 80 -h /tmp",
    ]);
    let web = ipv4(&r, "web", "eth0").expect("web's address");
    // While it runs, its namespace, lease and firewall rules are there to be found.
    let held = r.leaks(&[format!("10.234.{}.", r.k)], &[]);
    assert!(held.iter().any(|l| l.contains("/network/netns/")), "{held:?}");
    assert!(held.iter().any(|l| l.starts_with("rule: ")), "{held:?}");
    r.ok(&[
        "run",
        "-d",
        "--name",
        "cli",
        "--network",
        &a,
        "busybox",
        "sleep",
        "100",
    ]);
    assert_eq!(ipv4(&r, "cli", "eth1"), None);
    r.ok(&["network", "connect", &b, "cli"]);
    let second = ipv4(&r, "cli", "eth1").expect("eth1 after connect");
    assert!(second.starts_with(&format!("10.234.{}.", r.k)), "{second}");
    // busybox's static wget crashes resolving; nc speaks HTTP well enough.
    let get = format!("printf 'GET /i HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {web} 80");
    assert!(
        r.ok(&["exec", "cli", "sh", "-c", &get]).ends_with("hi\n"),
        "web answers over eth1"
    );
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    assert_eq!(networks(&r, "cli"), both);
    let (code, _, err) = r.run(&["network", "connect", &b, "cli"]);
    assert_eq!(code, 125);
    assert!(err.contains("is already connected to network"), "{err}");
    // Kept across a restart.
    r.ok(&["restart", "-t", "0", "cli"]);
    assert!(
        ipv4(&r, "cli", "eth1").is_some(),
        "eth1 back after a restart"
    );
    r.ok(&["network", "disconnect", &b, "cli"]);
    assert_eq!(ipv4(&r, "cli", "eth1"), None, "eth1 gone");
    assert_eq!(networks(&r, "cli"), std::slice::from_ref(&a));
    let (code, _, err) = r.run(&["network", "disconnect", &b, "cli"]);
    assert_eq!(code, 125);
    assert!(
        err.contains("container cli is not connected to network"),
        "{err}"
    );
    // A stopped container: stored for its next start.
    r.ok(&["stop", "-t", "0", "cli"]);
    r.ok(&["network", "connect", &b, "cli"]);
    r.ok(&["start", "cli"]);
    assert!(ipv4(&r, "cli", "eth1").is_some(), "connected while stopped");
    let (code, _, err) = r.run(&["network", "connect", "nosuchnet", "cli"]);
    assert_eq!(code, 125, "{err}");
    assert!(
        err.contains("unable to find network with name or ID nosuchnet: network not found"),
        "podman's words: {err}"
    );
    r.ok(&[
        "run",
        "-d",
        "--name",
        "lonely",
        "--network",
        "none",
        "busybox",
        "sleep",
        "100",
    ]);
    let (code, _, err) = r.run(&["network", "connect", &b, "lonely"]);
    assert_eq!(code, 125);
    assert!(err.contains("invalid network mode"), "{err}");
    r.ok(&["rm", "-f", "-t", "0", "web", "cli", "lonely"]);
    r.ok(&["network", "rm", &b]);
    let subnets = [format!("10.232.{}.", r.k), format!("10.234.{}.", r.k)];
    assert_eq!(r.leaks(&subnets, &[]), Vec::<String>::new());
});

both_backends!(
    fn network_prune_removes_only_unused_networks_as_podman(backend) {
    use common::podman::{ok, on_both, pair_on};
    let Some((r, pm)) = pair_on(Some(backend)) else { return };
    let which = std::cell::Cell::new(0u8);
    let (p, o) = on_both(&r, &pm, |run| {
        // Each tool its own subnets and bridges (podman runs first).
        let base = 237 + which.get();
        which.set(which.get() + 1);
        for (i, name) in ["pused", "punused"].into_iter().enumerate() {
            let subnet = format!("10.{base}.{}.0/24", r.k * 2 + i as u8);
            let bridge = format!("rpp{base}{i}-{}", r.k);
            // podman 4.3 names its bridges itself; ours get names of this test's own.
            let mut args = vec!["network", "create", "--subnet", &subnet];
            if base != 237 {
                args.extend(["--interface-name", &bridge]);
            }
            args.push(name);
            ok(run, &args);
        }
        ok(
            run,
            &[
                "create",
                "--name",
                "u",
                "--network",
                "pused",
                "busybox",
                "true",
            ],
        );
        let pruned = ok(run, &["network", "prune", "-f"]);
        let names = ok(run, &["network", "ls", "--format", "{{.Name}}"]);
        ok(run, &["rm", "u"]);
        let again = ok(run, &["network", "prune", "-f"]);
        (pruned, names.lines().any(|l| l == "pused"), again)
    });
    assert_eq!(p, o);
    assert_eq!(o, ("punused".to_string(), true, "pused".to_string()));
});
