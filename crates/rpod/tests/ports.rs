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
