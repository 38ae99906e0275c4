//! Issue 20: `-P/--publish-all` with `--expose` and an image's `EXPOSE`, free host ports
//! for `-p CONTAINER_PORT`, `port` and `inspect`, against podman 4.3.1.

mod common;

use common::podman::{ok, on_both, pair_on};

/// `port`'s lines with the (free, so different) host ports masked, sorted.
fn masked(port: &str) -> Vec<String> {
    let mut v: Vec<String> = port
        .lines()
        .map(|l| match l.rsplit_once(':') {
            Some((head, p)) if p.parse::<u16>().is_ok_and(|p| p > 0) => format!("{head}:N"),
            _ => l.to_string(),
        })
        .collect();
    v.sort();
    v
}

both_backends!(
    fn publish_all_and_expose_as_podman(backend) {
    let Some((r, pm)) = pair_on(Some(backend)) else { return };
    let tar = r.dir.path().join("busybox.tar");
    let tar = tar.to_str().expect("utf8").to_string();
    let (p, o) = on_both(&r, &pm, |run| {
        ok(
            run,
            &["import", "--change", "EXPOSE 7070/tcp", &tar, "exposing"],
        );
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "pp",
                "-P",
                "--expose",
                "8080",
                "--expose",
                "9000-9001/udp",
                "-p",
                "127.0.0.1::5000",
                "exposing",
                "sleep",
                "100",
            ],
        );
        let port = ok(run, &["port", "pp"]);
        let one = masked(&ok(run, &["port", "pp", "8080"]));
        let (code, _, err) = run(&["port", "pp", "91"]);
        let bindings = ok(
            run,
            &[
                "inspect",
                "pp",
                "--format",
                "{{json .HostConfig.PortBindings}}",
            ],
        );
        ok(run, &["rm", "-f", "-t", "0", "pp"]);
        ok(
            run,
            &[
                "create", "--name", "pq", "-p", "8081:80", "--expose", "7000", "busybox", "true",
            ],
        );
        let q = ok(
            run,
            &[
                "inspect",
                "pq",
                "--format",
                "{{json .HostConfig.PortBindings}}",
            ],
        );
        ok(run, &["rm", "pq"]);
        let b: serde_json::Value = serde_json::from_str(&bindings).expect("json");
        let mut keys: Vec<String> = b.as_object().expect("map").keys().cloned().collect();
        keys.sort();
        let all_bound = b.as_object().expect("map").values().all(|v| {
            v[0]["HostPort"]
                .as_str()
                .and_then(|p| p.parse::<u16>().ok())
                .is_some_and(|p| p > 0)
        });
        let q: serde_json::Value = serde_json::from_str(&q).expect("json");
        (
            masked(&port),
            keys,
            all_bound,
            q,
            one,
            code,
            err.trim().to_string(),
        )
    });
    assert_eq!(p, o);
    assert_eq!(
        o.1,
        ["5000/tcp", "7070/tcp", "8080/tcp", "9000/udp", "9001/udp"],
        "every exposed port and the free -p one"
    );
    assert!(o.2, "every binding has a host port");
    assert!(o.3["7000/tcp"].is_null(), "exposed only: {}", o.3);
});

both_backends!(
    fn ports_published_with_publish_all_answer_on_the_host(backend) {
    if !common::ready() {
        return;
    }
    let r = common::R::on(Some(backend));
    let net = r.network();
    r.ok(&[
        "run",
        "-d",
        "--network",
        &net,
        "--name",
        "web",
        "-P",
        "--expose",
        "8080",
        "busybox",
        "sh",
        "-c",
        "echo hello > /tmp/index.html; exec httpd -f -p 8080 -h /tmp",
    ]);
    let port: u16 = r
        .ok(&["port", "web", "8080/tcp"])
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a host port");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let body = loop {
        let mut body = String::new();
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(3)));
            let _ = s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n");
            let _ = s.read_to_string(&mut body);
        }
        if body.contains("hello") || std::time::Instant::now() > deadline {
            break body;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        body.contains("hello"),
        "no page on 127.0.0.1:{port}: {body:?}"
    );
    r.ok(&["rm", "-f", "-t", "0", "web"]);
    let subnet = format!("10.232.{}.", r.k);
    assert_eq!(r.leaks(&[subnet], &[]), Vec::<String>::new());
});

both_backends!(
    fn a_pods_published_port_and_its_hosts_file_as_podman(backend) {
    let Some((r, pm)) = pair_on(Some(backend)) else { return };
    let k = r.k;
    let which = std::cell::Cell::new(0u8);
    let (p, o) = on_both(&r, &pm, |run| {
        let n = 248 + which.get();
        which.set(which.get() + 1);
        let net = format!("pp{k}");
        let subnet = format!("10.{n}.{k}.0/24");
        let bridge = format!("rpp{k}-{}", std::process::id() % 1000);
        let mut args = vec!["network", "create", "--subnet", &subnet];
        if n != 248 {
            args.extend(["--interface-name", &bridge]);
        }
        args.push(&net);
        ok(run, &args);
        let pod = format!("web{k}");
        ok(run, &["pod", "create", "--name", &pod, "--network", &net, "-p", "127.0.0.1::8080"]);
        ok(run, &["run", "-d", "--pod", &pod, "--name", "server", "busybox", "sh", "-c",
            "mkdir -p /w; echo hello > /w/i; exec httpd -f -p 8080 -h /w"]);
        let hosts = ok(run, &["run", "--rm", "--pod", &pod, "--name", "reader", "busybox", "cat", "/etc/hosts"]);
        let port: u16 = ok(run, &["pod", "inspect", &pod, "--format", "{{json .InfraConfig.PortBindings}}"])
            .split("HostPort\":\"").nth(1).and_then(|s| s.split('"').next())
            .and_then(|p| p.parse().ok()).unwrap_or(0);
        let body = common::fetch(port, 100);
        ok(run, &["pod", "rm", "-f", "-t", "0", &pod]);
        ok(run, &["network", "rm", &net]);
        // The infra's name holds the pod's ID, and the addresses differ: masked.
        let hosts: Vec<String> = hosts.lines().filter(|l| !l.starts_with("127.0.0.1\t") || !l.contains("localhost"))
            .map(|l| {
                // The host part too: podman keeps leases across runs under /run/containers.
                let l = l.replace(&format!("10.{n}.{k}."), "NET.");
                let l = match l.split_once('\t') {
                    Some((ip, rest)) if ip.starts_with("NET.") && ip != "NET.1" => {
                        format!("NET.X\t{rest}")
                    }
                    _ => l,
                };
                match l.split_once("-infra") {
                    Some((head, _)) => format!("{} INFRA", head.rsplit_once(' ').map_or(head, |x| x.0)),
                    None => l,
                }
            })
            .filter(|l| l.contains("NET.") || l.contains("\t") && !l.starts_with("127.0.0.1\tvm") && !l.starts_with("127.0.0.1\trunsc"))
            .collect();
        (hosts, body.contains("hello"))
    });
    assert_eq!(p, o);
    assert!(o.1, "the pod's published port answers on the host");
    assert_eq!(o.0.last().map(String::as_str), Some("127.0.0.1\treader"), "{:?}", o.0);
    assert_eq!(r.leaks(&[format!("10.249.{k}.")], &[]), Vec::<String>::new());
});

both_backends!(
    fn a_container_reaches_its_own_published_port_through_the_host(backend) {
    if !common::ready() {
        return;
    }
    let r = common::R::on(Some(backend));
    let net = r.network();
    let gateway = format!("10.232.{}.1", r.k);
    // A port of its own (the bridge, and so the address, exists only once the container runs,
    // so no free port can be probed on it first).
    let publish = format!("{gateway}:{}:8080", 31000 + u32::from(r.k));
    r.ok(&["run", "-d", "--name", "web", "--network", &net, "-p", &publish,
        "busybox", "sh", "-c", "mkdir -p /w; echo hello > /w/i; exec httpd -f -p 8080 -h /w"]);
    let port = r.ok(&["port", "web", "8080/tcp"]);
    let port = port.trim().rsplit(':').next().unwrap_or("");
    // Hairpin: out through the bridge to the host's address, back in to itself.
    // (netavark 1.4 alone leaves hairpin off, and podman 4.3 fails this; we turn it on.)
    let mut got = String::new();
    for _ in 0..20 {
        let (_, out, _) = r.run(&["exec", "web", "sh", "-c",
            &format!("printf 'GET /i HTTP/1.0\\r\\n\\r\\n' | nc -w 1 {gateway} {port}")]);
        got = out;
        if got.contains("hello") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(got.contains("hello"), "hairpin through {gateway}:{port}: {got:?}");
    r.ok(&["rm", "-f", "-t", "0", "web"]);
    assert_eq!(r.leaks(&[format!("10.232.{}.", r.k)], &[]), Vec::<String>::new());
});
