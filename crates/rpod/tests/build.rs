//! `rpod build` beside podman 4.3.1 (buildah 1.28): a multi-stage Containerfile with most
//! instructions gives an image that runs alike and has the same settings; rebuilds come
//! from the cache until a copied file changes; `.containerignore`, build args, `--target`
//! and here-documents work; bad input fails as podman's does and never reads outside the
//! context.

mod common;

use std::path::Path;
use std::process::Command;

use common::podman::{Out, ok, on_both, pair};
use common::registry::Registry;
use common::{R, ready};

/// The Containerfile both tools build (no here-documents: buildah 1.28 has none).
const CONTAINERFILE: &str = r#"ARG BASE=busybox
FROM ${BASE} AS builder
ARG GREETING=hello
RUN mkdir -p /out && echo "$GREETING from builder" > /out/greeting && echo gone > /out/tmpfile
RUN rm /out/tmpfile

FROM busybox AS unused
RUN exit 1

FROM busybox
LABEL org.test=yes maintainer.name="A B"
ENV APP=/app \
    MODE=prod
WORKDIR $APP
COPY --from=builder /out/ ./from-builder/
COPY --chown=1000:1000 --chmod=0640 data.txt conf/
COPY dir/ ./dir/
COPY *.glob ./globs/
ADD archive.tar.gz /unpacked/
COPY motd /etc/motd
RUN echo run-step > /app/ran && rm /bin/wget
USER 1000
EXPOSE 8080/tcp 9090/udp
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD ["true"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/from-builder/greeting"]
"#;

/// What the image shows inside.
const LOOK: &str = "ls /app/from-builder; stat -c '%u %g %a' /app/conf/data.txt; ls /app/dir; \
    ls /app/globs; cat /unpacked/inner.txt /etc/motd /app/ran; ls /bin/wget || echo no-wget; \
    id -u; pwd; echo $MODE; readlink /app/dir/escape";

/// A build context in `dir`: files, a directory with an ignored file and a symlink that
/// points out of the context, globs, a gzip archive, and `.containerignore`.
fn context(dir: &Path) {
    let w = |p: &str, s: &str| {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, s).expect("write");
    };
    w("Containerfile", CONTAINERFILE);
    w("data.txt", "data\n");
    w("dir/x", "x\n");
    w("dir/secret", "secret\n");
    w("a.glob", "a\n");
    w("b.glob", "b\n");
    w("debug.log", "log\n");
    w("motd", "motd\n");
    w("in/inner.txt", "inner\n");
    w(".containerignore", "dir/secret\n*.log\n");
    std::os::unix::fs::symlink("/etc/shadow", dir.join("dir/escape")).expect("symlink");
    let made = Command::new("tar")
        .args(["czf", "archive.tar.gz", "-C", "in", "inner.txt"])
        .current_dir(dir)
        .status()
        .expect("tar");
    assert!(made.success());
}

/// The settings both must agree on (buildah's own label left out).
fn settings(run: &dyn Fn(&[&str]) -> Out, image: &str) -> serde_json::Value {
    let out = ok(run, &["image", "inspect", image]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("inspect json");
    let mut config = v[0]["Config"].clone();
    if let Some(l) = config["Labels"].as_object_mut() {
        l.remove("io.buildah.version");
    }
    serde_json::json!({"Config": config, "Healthcheck": v[0]["Healthcheck"]})
}

#[test]
fn a_multi_stage_build_runs_and_inspects_as_podmans() {
    let Some((r, pm)) = pair() else { return };
    let ctx = tempfile::tempdir().expect("ctx");
    context(ctx.path());
    let dir = ctx.path().to_str().expect("utf8").to_string();
    let (p, o) = on_both(&r, &pm, |run| {
        let built = ok(
            run,
            &[
                "build",
                "-q",
                "--format",
                "docker",
                "--build-arg",
                "GREETING=hi",
                "-t",
                "built",
                &dir,
            ],
        );
        let id = built.lines().last().unwrap_or("").to_string();
        let default = ok(run, &["run", "--rm", "built"]);
        let inside = ok(
            run,
            &["run", "--rm", "--entrypoint", "sh", "built", "-c", LOOK],
        );
        (id.len(), default, inside, settings(run, "built"))
    });
    assert_eq!(o.1, "hi from builder");
    assert!(
        o.2.contains("greeting\n1000 1000 640\nescape\nx\na.glob\nb.glob\ninner\nmotd\nrun-step"),
        "{}",
        o.2
    );
    assert!(
        o.2.contains("no-wget") && o.2.ends_with("/etc/shadow"),
        "{}",
        o.2
    );
    assert_eq!(p, o, "podman (left) and rpod (right) agree");

    // The image built here goes to a registry, and podman runs what it pulls.
    let reg = Registry::start();
    let remote = format!("{}/built:1", reg.addr);
    r.ok(&["push", "--tls-verify=false", "built", &remote]);
    pm.ok(&["pull", "-q", "--tls-verify=false", &remote]);
    assert_eq!(pm.ok(&["run", "--rm", &remote]).trim(), "hi from builder");
}

/// `rpod args` with `input` on its stdin.
fn with_stdin(r: &R, args: &[&str], input: &[u8]) -> std::process::Output {
    use std::io::Write as _;
    let mut child = common::rpod(r.dir.path())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait_with_output().expect("wait")
}

/// How many steps a build's output says came from the cache.
fn cache_hits(out: &str) -> usize {
    out.lines()
        .filter(|l| l.starts_with("--> Using cache"))
        .count()
}

#[test]
fn rebuilds_come_from_the_cache_until_a_copied_file_changes() {
    if !ready() {
        return;
    }
    let r = R::new();
    let ctx = tempfile::tempdir().expect("ctx");
    context(ctx.path());
    let dir = ctx.path().to_str().expect("utf8");
    let first = r.ok(&["build", "-t", "cached", dir]);
    assert_eq!(cache_hits(&first), 0, "{first}");
    let steps = first.lines().filter(|l| l.starts_with("STEP ")).count();
    let id = first.lines().last().expect("id").to_string();
    let again = r.ok(&["build", "-t", "cached", dir]);
    // Every step but the two FROMs (the unused stage is not built).
    assert_eq!(cache_hits(&again), steps - 2, "{again}");
    assert_eq!(again.lines().last(), Some(id.as_str()), "the same image");
    // A changed file: steps before its COPY come from the cache, the rest are made anew.
    std::fs::write(ctx.path().join("data.txt"), "changed\n").expect("write");
    let changed = r.ok(&["build", "-t", "cached", dir]);
    // The builder's three steps, and LABEL, ENV, WORKDIR and COPY --from.
    assert_eq!(cache_hits(&changed), 7, "{changed}");
    assert_ne!(changed.lines().last(), Some(id.as_str()));
    let shown = r.ok(&[
        "run",
        "--rm",
        "--entrypoint",
        "cat",
        "cached",
        "/app/conf/data.txt",
    ]);
    assert_eq!(shown.trim(), "changed");
    let fresh = r.ok(&["build", "--no-cache", "-t", "cached", dir]);
    assert_eq!(cache_hits(&fresh), 0, "{fresh}");
}

#[test]
fn ignore_files_args_targets_and_here_documents() {
    if !ready() {
        return;
    }
    let r = R::new();
    let ctx = tempfile::tempdir().expect("ctx");
    context(ctx.path());
    let dir = ctx.path().to_str().expect("utf8");
    // The builder stage alone: its file, and none of the final stage's.
    r.ok(&[
        "build",
        "-q",
        "--target",
        "builder",
        "-t",
        "only-builder",
        dir,
    ]);
    let out = r.ok(&[
        "run",
        "--rm",
        "only-builder",
        "sh",
        "-c",
        "cat /out/greeting; ls /app 2>&1 || true; ls /out",
    ]);
    assert_eq!(
        out,
        "hello from builder\nls: /app: No such file or directory\ngreeting\n"
    );
    // The whole context copied: ignored files left out.
    let heredocs = "FROM busybox\nARG WHO=world\nCOPY . /ctx/\nCOPY <<EOF /etc/greeting\nhello $WHO\nEOF\n\
        RUN <<EOT\nset -e\necho from-heredoc > /ran\nEOT\nRUN [\"sh\", \"-c\", \"echo exec-form >> /ran\"]\n";
    std::fs::write(ctx.path().join("Heredocs"), heredocs).expect("write");
    let file = ctx.path().join("Heredocs");
    r.ok(&[
        "build",
        "-q",
        "-f",
        file.to_str().expect("utf8"),
        "--build-arg",
        "WHO=you",
        "-t",
        "hd",
        dir,
    ]);
    let out = r.ok(&[
        "run",
        "--rm",
        "hd",
        "sh",
        "-c",
        "cat /etc/greeting /ran; ls /ctx/dir; ls /ctx | grep -c log || true",
    ]);
    assert_eq!(out, "hello you\nfrom-heredoc\nexec-form\nescape\nx\n0\n");
    // A Containerfile on stdin.
    let done = with_stdin(
        &r,
        &["build", "-q", "-f", "-", "-t", "stdin", dir],
        b"FROM busybox\nLABEL from=stdin\n",
    );
    assert!(done.status.success());
    let label = r.ok(&["image", "inspect", "--format", "{{.Labels.from}}", "stdin"]);
    assert_eq!(label.trim(), "stdin");
    // The context as a tar stream on stdin.
    let tar = Command::new("tar")
        .args(["-C", dir, "-cf", "-", "."])
        .output()
        .expect("tar");
    let args = ["build", "-q", "--target", "builder", "-t", "fromtar", "-"];
    assert!(with_stdin(&r, &args, &tar.stdout).status.success());
    let out = r.ok(&["run", "--rm", "fromtar", "cat", "/out/greeting"]);
    assert_eq!(out.trim(), "hello from builder");
}

#[test]
fn bad_builds_fail_as_podmans_and_never_read_outside_the_context() {
    let Some((r, pm)) = pair() else { return };
    let ctx = tempfile::tempdir().expect("ctx");
    let c = ctx.path();
    std::os::unix::fs::symlink("/etc/shadow", c.join("evil")).expect("symlink");
    std::os::unix::fs::symlink("/", c.join("rootlink")).expect("symlink");
    let files = [
        ("Syntax", "FROM busybox\nRUN true\nBOGUS x\n"),
        ("Fails", "FROM busybox\nRUN exit 3\n"),
        ("Evil", "FROM busybox\nCOPY evil /e\n"),
        ("Through", "FROM busybox\nCOPY rootlink/etc/shadow /e\n"),
        ("Missing", "FROM busybox\nCOPY nosuch /x\n"),
        ("NoImage", "FROM nosuch.invalid/none:1\n"),
    ];
    for (name, text) in files {
        std::fs::write(c.join(name), text).expect("write");
    }
    let dir = c.to_str().expect("utf8").to_string();
    let (p, o) = on_both(&r, &pm, |run| {
        files
            .iter()
            .map(|(name, _)| {
                let f = format!("{dir}/{name}");
                run(&["build", "-q", "-f", &f, &dir]).0
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(o, [125, 3, 125, 125, 125, 125], "rpod");
    assert_eq!(p, o, "podman (left) and rpod (right) agree");
    let (_, _, err) = r.run(&["build", "-f", &format!("{dir}/Syntax"), &dir]);
    assert!(err.contains("Syntax:3:") && err.contains("BOGUS"), "{err}");
    let (_, _, err) = r.run(&["build", "-f", &format!("{dir}/Evil"), &dir]);
    assert!(err.contains("Evil:2: COPY: evil"), "{err}");
}

#[test]
fn squashed_builds_have_one_new_layer_and_keep_deletions() {
    if !ready() {
        return;
    }
    let r = R::new();
    let ctx = tempfile::tempdir().expect("ctx");
    std::fs::write(
        ctx.path().join("Containerfile"),
        "FROM busybox\nRUN rm /bin/wget && mkdir -p /o && echo 1 > /o/a\n\
         RUN rm -rf /root && mkdir /root && echo n > /root/new && rm /o/a && echo 2 > /o/b\n",
    )
    .expect("Containerfile");
    let dir = ctx.path().to_str().expect("utf8");
    let base = r.ok(&[
        "image",
        "inspect",
        "--format",
        "{{len .RootFS.Layers}}",
        "busybox",
    ]);
    let base: usize = base.trim().parse().expect("layers");
    for (flag, layers) in [("--squash", base + 1), ("--squash-all", 1)] {
        let name = format!("sq{flag}");
        r.ok(&["build", "-q", flag, "-t", &name, dir]);
        let n = r.ok(&[
            "image",
            "inspect",
            "--format",
            "{{len .RootFS.Layers}}",
            &name,
        ]);
        assert_eq!(n.trim(), layers.to_string(), "{flag}");
        let (_, out, err) = r.run(&[
            "run",
            "--rm",
            &name,
            "sh",
            "-c",
            "ls /bin/wget; ls /o /root",
        ]);
        assert_eq!(out, "/o:\nb\n\n/root:\nnew\n", "{flag}: {err}");
        assert_eq!(
            err.trim(),
            "ls: /bin/wget: No such file or directory",
            "{flag}"
        );
    }
}

#[test]
fn onbuild_triggers_secrets_annotations_and_run_options() {
    if !ready() {
        return;
    }
    let r = R::new();
    let ctx = tempfile::tempdir().expect("ctx");
    let w = |name: &str, text: &str| std::fs::write(ctx.path().join(name), text).expect("write");
    w(
        "Parent",
        "FROM busybox\nONBUILD RUN echo triggered > /onbuild\n",
    );
    w(
        "Child",
        "FROM parent\nRUN --mount=type=secret,id=tok test \"$(cat /run/secrets/tok)\" = s3cret && echo ok > /checked\n\
        RUN --mount=type=secret,id=absent true\nRUN test -e /host/marker && echo seen > /saw\n",
    );
    w(
        "Required",
        "FROM busybox\nRUN --mount=type=secret,id=absent,required true\n",
    );
    w("secret.txt", "s3cret");
    let host = tempfile::tempdir().expect("host");
    std::fs::write(host.path().join("marker"), "").expect("marker");
    let dir = ctx.path().to_str().expect("utf8");
    let f = |n: &str| ctx.path().join(n).display().to_string();
    r.ok(&[
        "build",
        "-q",
        "--format",
        "docker",
        "-f",
        &f("Parent"),
        "-t",
        "parent",
        dir,
    ]);
    let secret = format!("id=tok,src={}", f("secret.txt"));
    let volume = format!("{}:/host:ro", host.path().display());
    r.ok(&[
        "build",
        "-q",
        "-f",
        &f("Child"),
        "--secret",
        &secret,
        "-v",
        &volume,
        "--annotation",
        "org.example.note=hi",
        "-t",
        "child",
        dir,
    ]);
    let out = r.ok(&[
        "run",
        "--rm",
        "child",
        "sh",
        "-c",
        "cat /onbuild /checked /saw; cat /run/secrets/tok 2>/dev/null | wc -c",
    ]);
    assert_eq!(out, "triggered\nok\nseen\n0\n");
    let note = r.ok(&[
        "image",
        "inspect",
        "--format",
        "{{index .Annotations \"org.example.note\"}}",
        "child",
    ]);
    assert_eq!(note.trim(), "hi");
    let (code, _, err) = r.run(&["build", "-q", "-f", &f("Required"), dir]);
    assert_eq!(code, 125);
    assert!(err.contains("secret \"absent\" is required"), "{err}");
    let (code, _, err) = r.run(&["build", "--ssh", "default", dir]);
    assert_eq!(code, 125);
    assert!(err.contains("--ssh is not supported"), "{err}");
}
