//! Issue 19: user namespaces against podman 4.3.1, seen from inside the container (`id`,
//! the kernel's maps, owners of image files and of files written to mounts) and from the
//! host; bad input refused with podman's messages and nothing created.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::podman::{Out, inside, ok, on_both, pair};

/// A container's root in a user namespace must pass through the test's 0700 directory.
fn open_up(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711)).expect("chmod");
}

#[test]
fn uidmap_and_auto_seen_from_inside_as_podman() {
    let Some((r, pm)) = pair() else { return };
    open_up(r.dir.path());
    open_up(pm.dir.path());
    let look = "id; cat /proc/self/uid_map /proc/self/gid_map; stat -c '%u:%g %n' / /bin/busybox \
                /etc/hosts; touch /new; stat -c '%u:%g %n' /new";
    let (p, o) = on_both(&r, &pm, |run| {
        [
            inside(run, &["--uidmap", "0:100000:65536"], look),
            // Only --gidmap: it stands for both.
            inside(
                run,
                &["--gidmap", "0:200000:5000"],
                "cat /proc/self/uid_map",
            ),
            inside(
                run,
                &["--userns", "auto"],
                "id -u; wc -l < /proc/self/uid_map",
            ),
            inside(
                run,
                &["--userns", "auto:size=5000", "--network", "none"],
                "awk '{print $1, $3}' /proc/self/uid_map",
            ),
            // Entries written for a user the image lacks belong to the mapped root.
            inside(
                run,
                &["--uidmap", "0:100000:65536", "--user", "1000"],
                "stat -c '%u:%g' /etc/passwd /etc/group; tail -1 /etc/passwd; tail -1 /etc/group",
            ),
            inside(run, &["--user", "1000"], "tail -1 /etc/group"),
        ]
    });
    assert_eq!(p, o);
    assert!(o[0].contains("uid=0(root) gid=0(root)"), "{}", o[0]);
    assert!(
        o[0].contains("0:0 /bin/busybox") && o[0].contains("0:0 /new"),
        "{}",
        o[0]
    );
    assert!(o[0].contains("0:0 /etc/hosts"), "{}", o[0]);
    assert_eq!(o[3], "0 5000");
    // The same in inspect.
    let (p, o) = on_both(&r, &pm, |run| {
        ok(
            run,
            &[
                "create",
                "--name",
                "m",
                "--uidmap",
                "0:100000:65536",
                "busybox",
                "true",
            ],
        );
        let mode = ok(
            run,
            &["inspect", "m", "--format", "{{.HostConfig.UsernsMode}}"],
        );
        let maps = ok(
            run,
            &[
                "inspect",
                "m",
                "--format",
                "{{json .HostConfig.IDMappings}}",
            ],
        );
        ok(run, &["rm", "m"]);
        let maps: serde_json::Value = serde_json::from_str(&maps).expect("json");
        (mode, maps)
    });
    assert_eq!(p, o);
    assert_eq!(o.0, "private");
    assert_eq!(o.1["UidMap"][0], "0:100000:65536");
}

#[test]
fn files_written_to_mounts_belong_to_the_mapped_ids() {
    let Some((r, pm)) = pair() else { return };
    open_up(r.dir.path());
    open_up(pm.dir.path());
    let owners = |run: &dyn Fn(&[&str]) -> Out, bind: &Path| {
        std::fs::create_dir_all(bind).expect("mkdir");
        nix::unistd::chown(bind, Some(300000.into()), Some(300000.into())).expect("chown");
        let v = format!("{}:/b", bind.display());
        let inner = inside(
            run,
            &["--uidmap", "0:300000:65536", "-v", &v, "-v", "uvol:/data"],
            "touch /b/f /data/g; chown 7:8 /b/f; stat -c '%u:%g' /b/f /data /data/g",
        );
        let host = std::fs::metadata(bind.join("f")).expect("f");
        (inner, host.uid(), host.gid())
    };
    let (p, o) = on_both(&r, &pm, |run| {
        let d = tempfile::tempdir_in(r.dir.path()).expect("tmp");
        owners(run, &d.path().join("bind"))
    });
    assert_eq!(p, o);
    assert_eq!(o.0, "7:8\n0:0\n0:0");
    assert_eq!((o.1, o.2), (300007, 300008), "the host sees the mapped IDs");
}

#[test]
fn joining_another_containers_user_namespace() {
    let Some((r, _pm)) = pair() else { return };
    open_up(r.dir.path());
    r.ok(&[
        "run",
        "-d",
        "--name",
        "owner",
        "--uidmap",
        "0:400000:70000",
        "busybox",
        "sleep",
        "60",
    ]);
    let ns = |args: &[&str]| r.ok(args).trim().to_string();
    let want = ns(&["exec", "owner", "readlink", "/proc/self/ns/user"]);
    let got = ns(&[
        "run",
        "--rm",
        "--userns",
        "container:owner",
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        "readlink /proc/self/ns/user; cat /proc/self/uid_map",
    ]);
    assert!(got.starts_with(&want), "{got} vs {want}");
    assert!(got.contains("400000") && got.contains("70000"), "{got}");
    // It depends on the owner, which cannot go first.
    let (code, _, err) = r.run(&["rm", "owner"]);
    assert_ne!(code, 0, "{err}");
    // Its own network namespace would belong to the host's user namespace: refused.
    let (code, _, err) = r.run(&["create", "--userns", "container:owner", "busybox"]);
    assert_eq!(code, 125);
    assert!(err.contains("--network none"), "{err}");
    r.ok(&["rm", "-f", "-t", "0", "owner"]);
}

#[test]
fn bad_user_namespace_requests_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let cases: &[&[&str]] = &[
        &["--uidmap", "0:100000:1000", "--uidmap", "500:200000:10"],
        &["--userns", "keep-id"],
        &["--userns", "nomap"],
        &["--userns", "private"],
        &["--subuidname", "nobody"],
        &["--uidmap", "bogus"],
    ];
    for flags in cases {
        let args = [&["create"][..], flags, &["busybox", "true"]].concat();
        let ((pc, _, pe), (rc, _, re)) = on_both(&r, &pm, |run| run(&args));
        assert_eq!((rc, pc), (125, 125), "{flags:?}: rpod {re} podman {pe}");
        if flags[1] != "bogus" {
            let msg = |e: &str| e.trim().trim_start_matches("Error: ").to_string();
            let (pm_msg, r_msg) = (msg(&pe), msg(&re));
            let tail = pm_msg.rsplit(": ").next().unwrap_or_default().to_string();
            assert!(
                r_msg.ends_with(&tail),
                "{flags:?}: rpod {r_msg:?} podman {pm_msg:?}"
            );
        }
    }
    let (p, o) = on_both(&r, &pm, |run| ok(run, &["ps", "-aq"]));
    assert_eq!((p.as_str(), o.as_str()), ("", ""), "nothing created");
    let (code, _, err) = r.run(&["unshare", "true"]);
    assert_eq!(code, 125);
    assert!(err.contains("please use unshare with rootless"), "{err}");
}

#[test]
fn containers_conf_userns_auto_is_the_default() {
    let Some((r, _pm)) = pair() else { return };
    open_up(r.dir.path());
    let conf = r.dir.path().join("containers.conf");
    let text = std::fs::read_to_string(&conf).expect("conf");
    std::fs::write(
        &conf,
        text.replace("[containers]\n", "[containers]\nuserns = \"auto\"\n"),
    )
    .expect("write");
    let maps = r.ok(&["run", "--rm", "busybox", "cat", "/proc/self/uid_map"]);
    let f: Vec<u64> = maps
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    assert_eq!((f[0], f[2]), (0, 1024), "{maps}");
    assert!(f[1] >= 2147483647, "from the containers range: {maps}");
    // The flag still wins.
    let host = r.ok(&[
        "run",
        "--rm",
        "--userns",
        "host",
        "busybox",
        "cat",
        "/proc/self/uid_map",
    ]);
    assert!(
        host.split_whitespace().eq(["0", "0", "4294967295"]),
        "{host}"
    );
}
