//! Container flags scripts use, against podman 4.3.1 with roots of its own: `--requires`,
//! `--network container:` and `rm --depend`, `--cidfile`, `ps --size`, and the files podman
//! puts into every container (`/etc/mtab`, `/run/.containerenv`).

mod common;

use common::podman::{ok, on_both, pair};

#[test]
fn dependencies_block_removal_and_depend_removes_dependents_first() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let a = ok(
            run,
            &[
                "create",
                "--name",
                "a",
                "--network",
                "none",
                "busybox",
                "true",
            ],
        );
        let b = ok(
            run,
            &[
                "create",
                "--name",
                "b",
                "--requires",
                "a",
                "--network",
                "none",
                "busybox",
                "true",
            ],
        );
        let c = ok(
            run,
            &[
                "create",
                "--name",
                "c",
                "--network",
                "container:b",
                "busybox",
                "true",
            ],
        );
        let (code_a, _, err_a) = run(&["rm", "a"]);
        let (code_b, _, err_b) = run(&["rm", "b"]);
        assert!(
            err_a.contains("has dependent containers which must be removed before it"),
            "{err_a}"
        );
        assert!(err_b.contains(&b), "{err_b}");
        let removed = ok(run, &["rm", "--depend", "a"]);
        // Named by full ID, dependents first.
        let order: Vec<&str> = removed
            .lines()
            .map(|l| {
                [("a", &a), ("b", &b), ("c", &c)]
                    .iter()
                    .find(|(_, id)| id.as_str() == l)
                    .map_or("?", |(n, _)| *n)
            })
            .collect();
        let left = ok(run, &["ps", "-aq"]);
        (code_a, code_b, order.join(","), left)
    });
    assert_eq!(p, o);
    assert_eq!(o, (125, 125, "c,b,a".to_string(), String::new()));
}

#[test]
fn required_containers_start_first() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(
            run,
            &[
                "create",
                "--name",
                "base",
                "--network",
                "none",
                "busybox",
                "sleep",
                "100",
            ],
        );
        ok(
            run,
            &[
                "run",
                "-d",
                "--name",
                "top",
                "--requires",
                "base",
                "--network",
                "none",
                "busybox",
                "sleep",
                "100",
            ],
        );
        let mut up: Vec<String> = ok(run, &["ps", "--format", "{{.Names}}"])
            .lines()
            .map(String::from)
            .collect();
        up.sort();
        // `base` cannot go while `top` needs it.
        let (code, _, _) = run(&["rm", "-f", "-t", "0", "base"]);
        // One at a time: podman removes the names of one call in parallel.
        ok(run, &["rm", "-f", "-t", "0", "top"]);
        ok(run, &["rm", "-f", "-t", "0", "base"]);
        (up, code)
    });
    assert_eq!(p, o);
    assert_eq!(o.0, ["base", "top"]);
}

#[test]
fn cidfiles_are_written_by_create_and_read_by_stop_and_rm() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("cid");
        let fs = f.to_str().expect("utf8");
        let id = ok(
            run,
            &[
                "create",
                "--cidfile",
                fs,
                "--network",
                "none",
                "busybox",
                "sleep",
                "100",
            ],
        );
        // The file holds the ID alone, without a newline.
        assert_eq!(std::fs::read_to_string(&f).expect("cidfile"), id);
        let (again, _, err) = run(&["create", "--cidfile", fs, "busybox", "true"]);
        assert!(err.contains("container id file exists"), "{err}");
        ok(run, &["start", &id]);
        let stopped = ok(run, &["stop", "-t", "0", "--cidfile", fs]);
        let removed = ok(run, &["rm", "--cidfile", fs]);
        let missing = dir.path().join("none");
        let (miss, _, err) = run(&["stop", "--cidfile", missing.to_str().expect("utf8")]);
        assert!(
            err.contains("reading CIDFile: open") && err.contains("no such file or directory"),
            "{err}"
        );
        (again, stopped == id, removed == id, miss)
    });
    assert_eq!(p, o);
    assert_eq!(o, (125, true, true, 125));
    // Unlike podman 4.3, nothing was created for the refused cidfile.
    assert_eq!(r.ok(&["ps", "-aq"]), "");
}

#[test]
fn sizes_and_the_files_every_container_gets_match_podman() {
    let Some((r, pm)) = pair() else { return };
    let script = "echo hello > /f; dd if=/dev/zero of=/g bs=1k count=5 2>/dev/null; \
                  readlink /etc/mtab; wc -c < /run/.containerenv";
    let (p, o) = on_both(&r, &pm, |run| {
        let out = ok(
            run,
            &[
                "run",
                "--name",
                "s",
                "--network",
                "none",
                "busybox",
                "sh",
                "-c",
                script,
            ],
        );
        let size = ok(
            run,
            &["ps", "-a", "--size", "--format", "{{.Names}} {{.Size}}"],
        );
        let json = ok(run, &["ps", "-a", "--size", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        let keys = ok(
            run,
            &[
                "run",
                "--rm",
                "--privileged",
                "--network",
                "none",
                "busybox",
                "sh",
                "-c",
                "cut -d= -f1 /run/.containerenv",
            ],
        );
        (out, size, v[0]["Size"].clone(), keys)
    });
    assert_eq!(p, o);
    assert!(o.1.starts_with("s 5.14kB (virtual "), "{}", o.1);
}
