//! `commit` and `history` beside podman 4.3.1: a changed container committed by both tools
//! gives an image with the same settings, the same files (a deletion as a whiteout, a
//! replaced directory as an opaque one) and the same history; bad input fails alike and
//! leaves no image; an image committed here pushes to a real registry and podman runs it.

mod common;

use common::podman::{Out, ok, on_both, pair};
use common::registry::Registry;
use common::{R, ready};

/// What a container changes before it is committed.
const CHANGES: &str = "echo hi > /tmp/x; rm /etc/group; rm -rf /root; mkdir /root; \
                       touch /root/n; mkdir -p /d/e; echo deep > /d/e/f; chmod 0750 /d/e";

/// The committed image's settings that both tools must agree on.
fn settings(run: &dyn Fn(&[&str]) -> Out, image: &str) -> serde_json::Value {
    let out = ok(run, &["image", "inspect", image]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("inspect json");
    let mut v = v[0].clone();
    // The order of Env is podman's own (an ENV change moves PATH): compared as a set.
    if let Some(env) = v["Config"]["Env"].as_array_mut() {
        env.sort_by_key(|e| e.as_str().unwrap_or("").to_string());
    }
    serde_json::json!({
        "Config": v["Config"],
        "Author": v["Author"],
        "Comment": v["Comment"],
        "Layers": v["RootFS"]["Layers"].as_array().map(Vec::len),
        "ManifestType": v["ManifestType"],
        "History": v["History"].as_array().map(|h| h.iter().map(|s| {
            serde_json::json!([s["created_by"], s["comment"], s["author"], s["empty_layer"]])
        }).collect::<Vec<_>>()),
    })
}

#[test]
fn a_committed_container_runs_with_its_changes_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        let name = "committed";
        ok(
            run,
            &[
                "run", "--name", name, "-e", "FOO=bar", "-w", "/tmp", "--label", "a=b", "--expose",
                "8080", "busybox", "sh", "-c", CHANGES,
            ],
        );
        ok(
            run,
            &[
                "commit",
                "-q",
                "-f",
                "docker",
                "-m",
                "a message",
                "-a",
                "me",
                "-c",
                "CMD [\"cat\", \"/tmp/x\"]",
                "-c",
                "ENV MORE=1",
                "-c",
                "LABEL c=d",
                name,
                "cm",
            ],
        );
        let inside = ok(
            run,
            &[
                "run",
                "--rm",
                "cm",
                "sh",
                "-c",
                "cat /tmp/x /d/e/f; ls -a /root; ls /etc | grep -c group; stat -c %a /d/e; \
             echo $FOO $MORE; pwd",
            ],
        );
        let default_cmd = ok(run, &["run", "--rm", "cm"]);
        let history = ok(
            run,
            &[
                "history",
                "--format",
                "{{.ID}}|{{.CreatedBy}}|{{.Comment}}",
                "cm",
            ],
        );
        let quiet = ok(run, &["history", "-q", "--no-trunc", "cm"])
            .lines()
            .count();
        let diff = ok(run, &["image", "diff", "cm"]) + "|" + &ok(run, &["diff", name]);
        ok(run, &["rm", name]);
        (
            diff,
            inside,
            default_cmd,
            settings(run, "cm"),
            history.lines().count(),
            quiet,
        )
    });
    assert_eq!(
        o.1, "hi\ndeep\n.\n..\nn\n0\n750\nbar 1\n/tmp",
        "rpod's image files"
    );
    assert_eq!(p, o, "podman (left) and rpod (right) agree");
}

#[test]
fn bad_commits_fail_as_podman_and_leave_no_image() {
    let Some((r, pm)) = pair() else { return };
    let (p, o) = on_both(&r, &pm, |run| {
        ok(run, &["create", "--name", "src", "busybox", "true"]);
        let before = ok(run, &["images", "-q", "-a"]);
        let codes: Vec<i32> = [
            &["commit", "nosuch", "x"][..],
            &["commit", "-m", "msg", "src", "x"],
            &["commit", "-c", "BOGUS thing", "src", "x"],
            &["commit", "-f", "bogus", "src", "x"],
            &["commit", "src", "Bad Name"],
        ]
        .iter()
        .map(|a| run(a).0)
        .collect();
        let after = ok(run, &["images", "-q", "-a"]);
        ok(run, &["rm", "src"]);
        (codes, before == after)
    });
    assert_eq!(o, (vec![125; 5], true), "rpod");
    assert_eq!(p, o, "podman (left) and rpod (right) agree");
}

#[test]
fn a_running_container_commits_paused_and_squashed_and_keeps_running() {
    if !ready() {
        return;
    }
    let r = R::new();
    r.ok(&[
        "run",
        "-d",
        "--name",
        "live",
        "busybox",
        "sh",
        "-c",
        "echo live > /live; exec sleep 100",
    ]);
    // The file is written by the container's first command: wait for it, with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while r.run(&["exec", "live", "cat", "/live"]).1.trim() != "live" {
        assert!(
            std::time::Instant::now() < deadline,
            "the container never wrote /live"
        );
    }
    let id = r.ok(&["commit", "-q", "--pause", "--squash", "live", "squashed"]);
    assert_eq!(id.trim().len(), 64, "{id}");
    let state = r.ok(&["inspect", "--format", "{{.State.Status}}", "live"]);
    assert_eq!(state.trim(), "running");
    let layers = r.ok(&[
        "image",
        "inspect",
        "--format",
        "{{len .RootFS.Layers}}",
        "squashed",
    ]);
    assert_eq!(layers.trim(), "1", "--squash makes one layer");
    assert_eq!(
        r.ok(&["run", "--rm", "squashed", "cat", "/live"]).trim(),
        "live"
    );
    let events = r.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "event=commit",
        "--format",
        "{{.Name}}",
    ]);
    assert_eq!(events.trim(), "live", "a commit event");
    r.ok(&["rm", "-f", "-t", "0", "live"]);
}

#[test]
fn an_image_committed_here_pushes_and_podman_runs_it() {
    let Some((r, pm)) = pair() else { return };
    let reg = Registry::start();
    r.ok(&[
        "run",
        "--name",
        "src",
        "busybox",
        "sh",
        "-c",
        "echo pushed > /etc/motd; rm /etc/group",
    ]);
    r.ok(&[
        "commit",
        "-q",
        "-c",
        "CMD [\"cat\", \"/etc/motd\"]",
        "src",
        "made",
    ]);
    let tree = r.ok(&["image", "tree", "made"]);
    let lines: Vec<&str> = tree.lines().collect();
    assert_eq!(lines[1], "Tags:     [localhost/made:latest]", "{tree}");
    assert!(
        lines[4].starts_with("├── ID: ")
            && lines[4].ends_with("Top Layer of: [localhost/busybox:latest]"),
        "{tree}"
    );
    assert!(
        lines[5].starts_with("└── ID: ")
            && lines[5].ends_with("Top Layer of: [localhost/made:latest]"),
        "{tree}"
    );
    let remote = format!("{}/made:1", reg.addr);
    r.ok(&["push", "--tls-verify=false", "made", &remote]);
    pm.ok(&["pull", "-q", "--tls-verify=false", &remote]);
    assert_eq!(pm.ok(&["run", "--rm", &remote]).trim(), "pushed");
    let group = pm.cmd(&["run", "--rm", &remote, "ls", "/etc/group"]);
    assert!(!group.status.success(), "the whiteout hides /etc/group");
    r.ok(&["rm", "src"]);
}

#[test]
fn several_images_save_to_one_archive_load_from_stdin_and_go_to_an_oci_dir() {
    let Some((r, pm)) = pair() else { return };
    r.ok(&[
        "run",
        "--name",
        "src",
        "busybox",
        "sh",
        "-c",
        "echo made > /made",
    ]);
    r.ok(&["commit", "-q", "src", "made:1"]);
    let dir = tempfile::tempdir().expect("tmp");
    let multi = dir.path().join("multi.tar");
    let m = multi.to_str().expect("utf8");
    r.ok(&["save", "-m", "-o", m, "busybox", "made:1"]);
    // podman reads both images of our archive.
    let loaded = pm.ok(&["load", "-i", m]);
    assert!(
        loaded.contains("localhost/made:1") && loaded.contains("localhost/busybox:latest"),
        "{loaded}"
    );
    assert_eq!(
        pm.ok(&["run", "--rm", "made:1", "cat", "/made"]).trim(),
        "made"
    );
    // Our own archive back in from stdin, after the image is gone.
    r.ok(&["rm", "src"]);
    r.ok(&["rmi", "made:1"]);
    let out = common::rpod(r.dir.path())
        .arg("load")
        .stdin(std::fs::File::open(&multi).expect("open"))
        .output()
        .expect("load");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Loaded image: localhost/made:1"));
    // An OCI layout directory skopeo reads.
    let oci = dir.path().join("layout");
    r.ok(&[
        "save",
        "--format",
        "oci-dir",
        "-o",
        oci.to_str().expect("utf8"),
        "made:1",
    ]);
    let inspect = std::process::Command::new("skopeo")
        .args(["inspect", &format!("oci:{}", oci.display())])
        .output()
        .expect("skopeo");
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("json");
    assert_eq!(v["Layers"].as_array().map(Vec::len), Some(2));
    // Several names without -m name one image, as podman's save does.
    let tags = dir.path().join("tags.tar");
    r.ok(&[
        "save",
        "-o",
        tags.to_str().expect("utf8"),
        "made:1",
        "also:2",
    ]);
    let listed = pm.ok(&["load", "-i", tags.to_str().expect("utf8")]);
    assert!(listed.contains("localhost/also:2"), "{listed}");
}

#[test]
fn search_lists_a_registrys_catalog_and_tags_as_podman() {
    let Some((r, pm)) = pair() else { return };
    let reg = Registry::start();
    for name in ["team/busybox:1", "team/busybox:2", "other/tool:1"] {
        let remote = format!("{}/{name}", reg.addr);
        r.ok(&["tag", "busybox", &remote]);
        r.ok(&["push", "--tls-verify=false", &remote]);
    }
    let term = format!("{}/busy", reg.addr);
    let (p, o) = on_both(&r, &pm, |run| {
        let names = ok(
            run,
            &[
                "search",
                "--tls-verify=false",
                "--format",
                "{{.Name}}",
                &term,
            ],
        );
        let tags = ok(
            run,
            &[
                "search",
                "--tls-verify=false",
                "--list-tags",
                "--format",
                "{{.Name}}:{{.Tag}}",
                &format!("{}/team/busybox", reg.addr),
            ],
        );
        let official = ok(
            run,
            &[
                "search",
                "--tls-verify=false",
                "--filter",
                "is-official=true",
                "--format",
                "{{.Name}}",
                &term,
            ],
        );
        (names, tags, official)
    });
    assert_eq!(o.0, format!("{}/team/busybox", reg.addr));
    // podman prints its table with --list-tags whatever --format says.
    assert!(
        o.1.starts_with("NAME") && o.1.lines().count() == 3,
        "{}",
        o.1
    );
    assert_eq!(p, o, "podman (left) and rpod (right) agree");
}

#[test]
fn image_prune_takes_only_what_its_filters_keep() {
    if !ready() {
        return;
    }
    let r = R::new();
    r.ok(&["create", "--name", "src", "busybox", "true"]);
    let id = r.ok(&["commit", "-q", "-c", "LABEL prune=me", "src", "pruneme"]);
    r.ok(&["rm", "src"]);
    // Made just now: nothing is older than a day.
    assert_eq!(
        r.ok(&["image", "prune", "-a", "-f", "--filter", "until=24h"])
            .trim(),
        ""
    );
    let gone = r.ok(&["image", "prune", "-a", "-f", "--filter", "label=prune=me"]);
    assert_eq!(gone.trim(), id.trim());
    r.ok(&["image", "exists", "busybox"]);
    let (code, _, err) = r.run(&["image", "prune", "-f", "--filter", "bogus=1"]);
    assert_eq!(code, 125);
    assert!(err.contains("bogus"), "{err}");
}
