//! Issue 20: `network reload` restores a container's forwarding after its firewall rules
//! were removed, on both backends, with podman's refusals.

mod common;

use std::process::Command;

use common::R;

/// Deletes every iptables rule (filter and nat) that names `pattern`.
fn delete_rules(pattern: &str) {
    for table in ["filter", "nat"] {
        let out = Command::new("iptables")
            .args(["-t", table, "-S"])
            .output()
            .expect("iptables");
        for rule in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("-A ") && l.contains(pattern))
        {
            // Through a shell: comments in the rules are quoted as the shell quotes.
            let _ = Command::new("sh")
                .arg("-c")
                .arg(format!("iptables -t {table} -D {}", &rule["-A ".len()..]))
                .status();
        }
    }
}

both_backends!(
    fn reload_restores_forwarding_after_the_rules_are_gone(backend) {
    if !common::ready() {
        return;
    }
    let r = R::on(Some(backend));
    let net = r.network();
    let subnet = format!("10.232.{}.", r.k);
    let id = r.ok(&["run", "-d", "--name", "web", "--network", &net, "-p", "127.0.0.1::8080",
        "busybox", "sh", "-c", "mkdir -p /www; echo hello > /www/i; exec httpd -f -p 8080 -h /www"]);
    let port: u16 = r.ok(&["port", "web", "8080/tcp"]).trim().rsplit(':').next()
        .and_then(|p| p.parse().ok()).expect("a host port");
    assert!(common::fetch(port, 100).contains("hello"), "published before");
    delete_rules(&subnet);
    assert!(r.leaks(std::slice::from_ref(&subnet), &[]).iter().all(|l| !l.starts_with("rule: ")));
    assert_eq!(common::fetch(port, 3), "", "no forwarding without the rules");
    let out = r.ok(&["network", "reload", "web"]);
    assert_eq!(out.trim(), id.trim(), "podman prints the container's ID");
    assert!(common::fetch(port, 100).contains("hello"), "published again after reload");
    let all = r.ok(&["network", "reload", "--all"]);
    assert_eq!(all.trim(), id.trim());
    // Refusals, in podman's words.
    r.ok(&["run", "-d", "--name", "lone", "--network", "none", "busybox", "sleep", "100"]);
    let (code, _, err) = r.run(&["network", "reload", "lone"]);
    assert_eq!(code, 125);
    assert!(err.contains("network is not configured, refusing to reload"), "{err}");
    r.ok(&["stop", "-t", "0", "web"]);
    let (code, _, err) = r.run(&["network", "reload", "web"]);
    assert_eq!(code, 125);
    assert!(err.contains("cannot reload network unless container network has been configured"), "{err}");
    r.ok(&["rm", "-f", "-t", "0", "web", "lone"]);
    assert_eq!(r.leaks(&[subnet], &[]), Vec::<String>::new());
});
