//! Volumes against podman 4.3.1 (roots of its own): named volumes keep data across
//! containers and refuse removal while used; copy-up and `nocopy`; anonymous volumes from
//! `-v /path`, `--mount` and an image's `VOLUME`, gone with `--rm` and `rm -v`; a tmpfs
//! volume mounted only while used; podman's errors and exit codes for bad input.

mod common;

use common::podman::{Out, ok, on_both, pair};

fn lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(String::from).collect();
    v.sort();
    v
}

#[test]
fn named_volumes_keep_data_and_are_not_removed_while_used() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let made = ok(run, &["volume", "create", "--label", "app=db", "data"]);
        ok(
            run,
            &[
                "run",
                "--name",
                "w",
                "--network",
                "none",
                "-v",
                "data:/data",
                "busybox",
                "sh",
                "-c",
                "echo kept > /data/f",
            ],
        );
        let read = ok(
            run,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                "data:/d:ro",
                "busybox",
                "cat",
                "/d/f",
            ],
        );
        let (busy, _, err) = run(&["volume", "rm", "data"]);
        assert!(
            err.contains("volume data is being used by the following container(s)"),
            "{err}"
        );
        let fmt = "{{.Name}} {{.Driver}} {{.Labels}} {{.Scope}} {{.MountCount}}";
        let inspected = ok(run, &["volume", "inspect", "--format", fmt, "data"]);
        let listed = ok(run, &["volume", "ls", "--filter", "label=app=db", "-q"]);
        let table = ok(run, &["volume", "ls"]);
        ok(run, &["rm", "w"]);
        let removed = ok(run, &["volume", "rm", "data"]);
        let (gone, _, err) = run(&["volume", "rm", "data"]);
        assert!(err.contains("no volume with name \"data\" found"), "{err}");
        let (exists, _, _) = run(&["volume", "exists", "data"]);
        (
            made, read, busy, inspected, listed, table, removed, gone, exists,
        )
    });
    assert_eq!(p, o);
    assert_eq!((o.2, o.7, o.8), (2, 1, 1));
    assert_eq!(o.5, "DRIVER      VOLUME NAME\nlocal       data");
}

#[test]
fn volumes_receive_the_image_files_unless_nocopy() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let net = ["--network", "none"];
        let copied = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &["-v", "cu:/etc", "busybox", "ls", "/etc"],
            ]
            .concat(),
        );
        let not = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &["-v", "nc:/etc:nocopy", "busybox", "ls", "/etc"],
            ]
            .concat(),
        );
        // A volume that has data (the mount points the runtime made) is never written over.
        let again = ok(
            run,
            &[
                &["run", "--rm"][..],
                &net,
                &["-v", "nc:/etc", "busybox", "ls", "/etc"],
            ]
            .concat(),
        );
        let state = ok(
            run,
            &[
                "volume",
                "inspect",
                "--format",
                "{{.NeedsCopyUp}} {{.NeedsChown}}",
                "cu",
            ],
        );
        (lines(&copied), lines(&not), lines(&again), state)
    });
    assert_eq!(p, o);
    assert!(o.0.contains(&"passwd".to_string()), "{:?}", o.0);
    assert!(!o.1.contains(&"passwd".to_string()), "{:?}", o.1);
}

#[test]
fn anonymous_volumes_come_and_go_with_their_container() {
    let Some((r, pm)) = pair() else { return };
    let tar = r.dir.path().join("busybox.tar");
    let tar = tar.to_str().expect("utf8");
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["import", "--change", "VOLUME /data", tar, "withvol"]);
        let count = || ok(run, &["volume", "ls", "-q"]).lines().count();
        let net = ["--network", "none"];
        ok(
            run,
            &[&["run", "--rm"][..], &net, &["-v", "/a", "withvol", "true"]].concat(),
        );
        let after_rm = count();
        ok(
            run,
            &[
                &["create", "--name", "keep"][..],
                &net,
                &["--mount", "type=volume,dst=/m", "withvol", "true"],
            ]
            .concat(),
        );
        let kept = count();
        let mounts = ok(
            run,
            &[
                "inspect",
                "--format",
                "{{range .Mounts}}{{.Type}} {{.Destination}} {{.RW}} {{.Options}} {{.Propagation}};{{end}}",
                "keep",
            ],
        );
        // podman lists named volumes in map order, which varies: compare them as a set.
        let mut mounts: Vec<&str> = mounts.split(';').collect();
        mounts.sort();
        let mounts = mounts.join(";");
        ok(run, &["rm", "-v", "keep"]);
        let after_rm_v = count();
        ok(
            run,
            &[
                &["create", "--name", "ign", "--image-volume", "ignore"][..],
                &net,
                &["withvol", "true"],
            ]
            .concat(),
        );
        let ignored = count();
        (after_rm, kept, mounts, after_rm_v, ignored)
    });
    assert_eq!(p, o);
    assert_eq!((o.0, o.1, o.3, o.4), (0, 2, 0, 0));
}

#[test]
fn a_tmpfs_volume_is_mounted_only_while_a_container_uses_it() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        // podman 4.3 reads `size=` as a quota, so the shared part sizes by inodes.
        ok(
            run,
            &[
                "volume",
                "create",
                "-o",
                "type=tmpfs",
                "-o",
                "device=tmpfs",
                "-o",
                "o=nr_inodes=1k,uid=1000",
                "tv",
            ],
        );
        let df = ok(
            run,
            &[
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                "tv:/t",
                "busybox",
                "sh",
                "-c",
                "df -i /t | tail -1 | awk '{print $2}'; stat -c '%u %a' /t",
            ],
        );
        let count = ok(
            run,
            &["volume", "inspect", "--format", "{{.MountCount}}", "tv"],
        );
        let mp = ok(
            run,
            &["volume", "inspect", "--format", "{{.Mountpoint}}", "tv"],
        );
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        (df, count, mounts.contains(&format!(" {mp} ")))
    });
    assert_eq!(p, o);
    assert_eq!(o, ("1024\n1000 1777".to_string(), "0".to_string(), false));
    // `size=` as tmpfs takes it.
    r.ok(&[
        "volume",
        "create",
        "-o",
        "type=tmpfs",
        "-o",
        "device=tmpfs",
        "-o",
        "o=size=2m",
        "sz",
    ]);
    let df = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        "sz:/t",
        "busybox",
        "sh",
        "-c",
        "df -k /t | tail -1 | awk '{print $2}'",
    ]);
    assert_eq!(df.trim(), "2048");
}

#[test]
fn bad_volume_input_is_refused_as_podman_refuses_it_and_creates_nothing() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["volume", "create", "v1"]);
        let cases: [&[&str]; 8] = [
            &["volume", "create", "v1"],
            &["volume", "create", "-o", "badopt=1", "v2"],
            &["volume", "create", "--driver", "nope", "v3"],
            &["volume", "create", "a/b"],
            &["create", "-v", "/tmp:/x:foo", "busybox", "true"],
            &["create", "-v", "v1:x", "busybox", "true"],
            &[
                "create",
                "--mount",
                "type=volume,src=v1,dst=/x,bar",
                "busybox",
                "true",
            ],
            &["create", "-v", "/tmp:/x", "-v", "v1:/x", "busybox", "true"],
        ];
        let results: Vec<(i32, String)> = cases
            .iter()
            .map(|args| {
                let (code, _, err): Out = run(args);
                // The message up to podman's wrapped cause, which names Go internals.
                let first = err.lines().last().unwrap_or("").to_string();
                (
                    code,
                    first.split(": ").take(2).collect::<Vec<_>>().join(": "),
                )
            })
            .collect();
        let (code, _, _) = run(&["volume", "exists", "v2"]);
        (results, code)
    });
    assert_eq!(p.0.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [125; 8]);
    assert_eq!(p.1, o.1);
    for ((pc, pm_msg), (oc, o_msg)) in p.0.iter().zip(&o.0) {
        assert_eq!(pc, oc, "{pm_msg} / {o_msg}");
        let key = pm_msg.trim_start_matches("Error: ");
        let key = &key[..key.len().min(20)];
        assert!(o_msg.contains(key), "podman: {pm_msg}\nrpod: {o_msg}");
    }
    // podman 4.3 creates a container for the last case before it fails; we do not.
    assert_eq!(r.ok(&["ps", "-aq"]), "");
}
