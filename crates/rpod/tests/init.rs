//! `--init` against podman 4.3.1: the command runs under catatonit bound at /run/podman-init,
//! which reaps the zombies orphans leave; inspect shows it as podman does.

mod common;

use common::podman::{ok, on_both, pair};

#[test]
fn init_reaps_orphans_and_shows_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        // PID 1 is `sleep` under the init, which does not reap: the orphan `sleep 0.1` the
        // subshell leaves is reparented to the init, which must reap it (without one it
        // stays a zombie). Polled until the orphan is gone or shows as a zombie.
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "z",
                "--init",
                "--network",
                "none",
                "busybox",
                "sh",
                "-c",
                "(sleep 0.1 &); exec sleep 1000",
            ],
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let out = loop {
            let ps = ok(run, &["exec", "z", "ps", "-o", "stat,comm"]);
            let sleeps = ps.lines().filter(|l| l.ends_with("sleep")).count();
            // Wait for the reap itself: a zombie shows for a moment before the init reaps
            // it, and one left at the deadline is a failure.
            if sleeps == 1 {
                break ps;
            }
            assert!(std::time::Instant::now() < deadline, "never reaped: {ps}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let pid1 = ok(run, &["exec", "z", "cat", "/proc/1/cmdline"]).replace('\0', " ");
        ok(run, &["rm", "-f", "-t", "0", "z"]);
        let out = format!("{pid1}\n{out}");
        ok(
            run,
            &["create", "--name", "it", "--init", "busybox", "sleep", "1"],
        );
        let inspect = ok(
            run,
            &[
                "inspect",
                "--format",
                "{{.Path}} {{.Args}} {{.HostConfig.Init}}",
                "it",
            ],
        );
        ok(run, &["rm", "it"]);
        let (code, _, err) = run(&[
            "run",
            "--rm",
            "--init-path",
            "/nonexistent/init",
            "busybox",
            "true",
        ]);
        (out, inspect, code != 0, err.contains("/nonexistent/init"))
    });
    assert!(o.0.starts_with("/run/podman-init -- sh -c"), "{}", o.0);
    assert!(
        !o.0.lines().any(|l| l.starts_with('Z')),
        "a zombie: {}",
        o.0
    );
    assert_eq!(o.1.trim(), "/run/podman-init [-- sleep 1] true");
    assert_eq!((p.0, p.1), (o.0, o.1));
    assert!(o.2 && o.3, "a missing init path is refused, naming it");
}
