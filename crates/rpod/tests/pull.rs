//! Pulls, pushes and logins against a real registry (Debian's docker-registry on a free
//! 127.0.0.1 port), seeded and checked with skopeo. Needs root and the binaries: skipped with a
//! note outside CI, failed in CI.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::registry::Registry;
use common::require;

fn ready() -> bool {
    common::ready()
        && require(
            "docker-registry",
            Path::new("/usr/bin/docker-registry").exists(),
        )
        && require("skopeo", Path::new("/usr/bin/skopeo").exists())
}

/// An rpod with roots of its own; `registries` is its registries.conf.
struct R {
    dir: tempfile::TempDir,
}

impl R {
    fn new(registries: &str) -> R {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("registries.conf"), registries).expect("conf");
        R { dir }
    }

    fn cmd(&self, args: &[&str]) -> Output {
        self.cmd_in(args, None)
    }

    /// `cmd` with `input` on its stdin. The auth file defaults to one of this rpod's own.
    fn cmd_in(&self, args: &[&str], input: Option<&str>) -> Output {
        let mut c = common::rpod(self.dir.path());
        c.env(
            "LIBPOD_RS_REGISTRIES_CONF",
            self.dir.path().join("registries.conf"),
        )
        .env("REGISTRY_AUTH_FILE", self.dir.path().join("auth.json"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run rpod");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.unwrap_or("").as_bytes());
        }
        child.wait_with_output().expect("rpod output")
    }

    fn ok(&self, args: &[&str]) -> String {
        common::stdout_of(self.cmd(args), args)
    }

    fn fails(&self, args: &[&str]) -> (i32, String) {
        let o = self.cmd(args);
        assert!(!o.status.success(), "rpod {args:?} should have failed");
        eprintln!(
            "rpod {args:?}: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        );
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// An OCI archive of the busybox image, for skopeo to push.
    fn busybox_archive(&self) -> PathBuf {
        let tar = self.dir.path().join("rootfs.tar");
        let mut f = std::fs::File::create(&tar).expect("tar");
        libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut f)
            .expect("tarball");
        f.flush().expect("flush");
        self.ok(&["import", tar.to_str().expect("utf8"), "seed"]);
        let out = self.dir.path().join("busybox-oci.tar");
        self.ok(&[
            "save",
            "-o",
            out.to_str().expect("utf8"),
            "--format",
            "oci-archive",
            "seed",
        ]);
        self.ok(&["rmi", "seed"]);
        out
    }
}

impl Drop for R {
    fn drop(&mut self) {
        let _ = self.cmd(&["system", "reset", "--force"]);
    }
}

/// A skopeo source for the busybox image, with the rpod (and temporary dir) that holds it.
fn busybox_source() -> (R, String) {
    let seeder = R::new("");
    let src = format!("oci-archive:{}", seeder.busybox_archive().display());
    (seeder, src)
}

fn insecure(addr: &str) -> String {
    format!("[[registry]]\nlocation = \"{addr}\"\ninsecure = true\n")
}

#[test]
fn pull_by_tag_and_digest_then_run() {
    if !ready() {
        return;
    }
    let reg = Registry::start();
    let (_seeder, src) = busybox_source();
    let oci_digest = reg.seed(&src, "busybox:oci", "oci");
    let v2_digest = reg.seed(&src, "busybox:v2s2", "v2s2");

    let r = R::new(&format!(
        "unqualified-search-registries = [\"{}\"]\n{}",
        reg.addr,
        insecure(&reg.addr)
    ));
    // An OCI manifest by tag, then run from it without pulling again.
    let id = r.ok(&["pull", "-q", &format!("docker://{}/busybox:oci", reg.addr)]);
    assert_eq!(id.trim().len(), 64, "{id}");
    let out = r.ok(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--network",
        "none",
        &format!("{}/busybox:oci", reg.addr),
        "echo",
        "pulled",
    ]);
    assert_eq!(out.trim(), "pulled");
    // --all-tags: every tag of the repository; a tag with it is refused.
    let every = R::new(&insecure(&reg.addr));
    let repo = format!("{}/busybox", reg.addr);
    let ids = every.ok(&["pull", "-q", "--all-tags", &repo]);
    assert_eq!(ids.lines().count(), 2, "{ids}");
    let names = every.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(names.contains(":oci") && names.contains(":v2s2"), "{names}");
    let (code, err) = every.fails(&["pull", "-a", &format!("{repo}:oci")]);
    assert_eq!(code, 125);
    assert!(err.contains("without a tag"), "{err}");
    // A Docker v2 schema 2 manifest by digest (with podman's `image pull` spelling); the
    // layers are already here.
    let by_digest = format!("{}/busybox@{v2_digest}", reg.addr);
    r.ok(&["image", "pull", &by_digest]);
    let images = r.ok(&["images", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}"]);
    assert!(images.contains(&oci_digest), "{images}");
    assert!(images.contains(&v2_digest), "{images}");
    // A short name through unqualified-search-registries, pulled by `run` when missing.
    let out = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox:v2s2",
        "echo",
        "short",
    ]);
    assert_eq!(out.trim(), "short");
    // A tag that does not exist names the registry and the answer.
    let (code, err) = r.fails(&["pull", &format!("{}/busybox:nope", reg.addr)]);
    assert_eq!(code, 125);
    assert!(err.contains(&reg.addr) && err.contains("404"), "{err}");
}

#[test]
fn bad_digests_and_insecure_registries_are_refused_and_store_nothing() {
    if !ready() {
        return;
    }
    let reg = Registry::start();
    let (_seeder, src) = busybox_source();
    reg.seed(&src, "busybox:ok", "oci");

    // Plain HTTP is only used for registries configured as insecure.
    let strict = R::new("");
    let (code, err) = strict.fails(&["pull", &format!("{}/busybox:ok", reg.addr)]);
    assert_eq!(code, 125);
    assert!(err.contains(&reg.addr), "{err}");
    assert!(strict.ok(&["images", "-q"]).trim().is_empty());

    // A layer whose content does not match its digest is refused; nothing is recorded.
    let r = R::new(&insecure(&reg.addr));
    let inspect = Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            &format!("docker://{}/busybox:ok", reg.addr),
        ])
        .output()
        .expect("skopeo inspect");
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("inspect json");
    let layer = v["Layers"][0].as_str().expect("a layer").to_string();
    let file = reg.blob_file(&layer);
    let good = std::fs::read(&file).expect("layer blob");
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    std::fs::write(&file, &bad).expect("corrupt");
    let (code, err) = r.fails(&["pull", &format!("{}/busybox:ok", reg.addr)]);
    assert_eq!(code, 125);
    assert!(
        err.contains("digest mismatch") && err.contains(&layer),
        "{err}"
    );
    assert!(
        r.ok(&["images", "-q"]).trim().is_empty(),
        "nothing is stored"
    );

    // Repaired, the same pull completes.
    std::fs::write(&file, &good).expect("repair");
    r.ok(&["pull", &format!("{}/busybox:ok", reg.addr)]);
    assert_eq!(r.ok(&["images", "-q"]).lines().count(), 1);

    // A gzip layer whose blob is right but whose uncompressed content is not what the
    // config's diff ID says is refused as such; the image is not recorded.
    let scratch = tempfile::tempdir_in("/var/tmp").expect("tmp");
    let (lying, _) = two_layer_layout(scratch.path(), 64 << 10, true);
    reg.seed(&format!("oci:{}:big", lying.display()), "lying:1", "oci");
    let (code, err) = r.fails(&["pull", &format!("{}/lying:1", reg.addr)]);
    assert_eq!(code, 125);
    assert!(
        err.contains("digest mismatch") && err.contains("(uncompressed)"),
        "{err}"
    );
    assert_eq!(r.ok(&["images", "-q"]).lines().count(), 1, "only busybox");

    // A registry that is gone gives a clean error, and the local image stays usable
    // with --pull newer.
    let addr = reg.addr.clone();
    drop(reg);
    let name = format!("{addr}/busybox:ok");
    let (code, err) = r.fails(&["pull", "--retry", "1", "--retry-delay", "10ms", &name]);
    assert_eq!(code, 125);
    assert!(err.contains("refused") && err.contains("(1/1)"), "{err}");
    // (`newer` with a local copy does not wait for retries; podman falls back at once too.)
    let out = r.ok(&[
        "run",
        "--rm",
        "--pull",
        "newer",
        "--network",
        "none",
        &name,
        "echo",
        "local",
    ]);
    assert_eq!(out.trim(), "local");
}

/// A registry that wants `tester:s3cret` (htpasswd in `dir`), holding private/busybox:1; with
/// the rpod that made the image.
fn basic_auth_registry(dir: &Path) -> (Registry, R) {
    let htpasswd = dir.join("htpasswd");
    let st = Command::new("htpasswd")
        .args(["-Bbc", htpasswd.to_str().expect("utf8"), "tester", "s3cret"])
        .stderr(Stdio::null())
        .status()
        .expect("htpasswd");
    assert!(st.success());
    let reg = Registry::start_with(&format!(
        "auth: {{htpasswd: {{realm: test, path: {}}}}}\n",
        htpasswd.display()
    ));
    let (seeder, src) = busybox_source();
    reg.seed_as(&src, "private/busybox:1", "oci", Some("tester:s3cret"));
    (reg, seeder)
}

/// The basic-auth registry in a scratch directory, the rpod that seeded it, and its image;
/// none when a tool is missing outside CI.
fn basic_auth_case() -> Option<(tempfile::TempDir, Registry, R, String)> {
    if !ready() || !require("htpasswd", Path::new("/usr/bin/htpasswd").exists()) {
        return None;
    }
    let scratch = tempfile::tempdir().expect("tmp");
    let (reg, seeder) = basic_auth_registry(scratch.path());
    let image = format!("{}/private/busybox:1", reg.addr);
    Some((scratch, reg, seeder, image))
}

#[test]
fn a_registry_with_basic_auth_takes_credentials_from_the_auth_file() {
    let Some((scratch, reg, _seeder, image)) = basic_auth_case() else {
        return;
    };

    let r = R::new(&insecure(&reg.addr));
    // Without credentials: refused, with a pointer to the auth file.
    let (code, err) = r.fails(&["pull", &image]);
    assert_eq!(code, 125);
    assert!(err.contains("credentials"), "{err}");
    // Wrong credentials: refused, nothing stored.
    let auth = scratch.path().join("auth.json");
    let write_auth = |user_pass: &str| {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(user_pass);
        std::fs::write(
            &auth,
            format!(
                "{{\"auths\": {{\"{}\": {{\"auth\": \"{token}\"}}}}}}",
                reg.addr
            ),
        )
        .expect("auth.json");
    };
    write_auth("tester:wrong");
    let authfile = auth.to_str().expect("utf8");
    let (code, err) = r.fails(&["pull", "--authfile", authfile, &image]);
    assert_eq!(code, 125);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(r.ok(&["images", "-q"]).trim().is_empty());
    // The right ones: pulled, and run --pull always pulls again with them.
    write_auth("tester:s3cret");
    r.ok(&["pull", "--authfile", authfile, &image]);
    let out = r.ok(&[
        "run",
        "--rm",
        "--pull",
        "always",
        "--authfile",
        authfile,
        "--network",
        "none",
        &image,
        "echo",
        "authed",
    ]);
    assert_eq!(out.trim(), "authed");
}

/// Writes an executable from another process, so no descriptor of ours open for writing
/// can leak into a concurrent fork (exec would fail with ETXTBSY).
fn write_executable(path: &Path, text: &str) {
    let st = Command::new("sh")
        .args([
            "-c",
            "printf '%s' \"$1\" > \"$2\" && chmod 755 \"$2\"",
            "sh",
            text,
        ])
        .arg(path)
        .status()
        .expect("sh");
    assert!(st.success());
}

#[test]
fn credential_helpers_of_auth_files_and_docker_config_are_asked() {
    let Some((scratch, reg, _seeder, image)) = basic_auth_case() else {
        return;
    };
    let r = R::new(&insecure(&reg.addr));
    let bin = scratch.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    // The helper protocol: `get`, the server on stdin, JSON on stdout.
    write_executable(
        &bin.join("docker-credential-rpodtest"),
        &format!(
            "#!/bin/sh\nread s\nif [ \"$s\" = \"{}\" ]; then\n  echo '{{\"ServerURL\":\"'$s'\",\"Username\":\"tester\",\"Secret\":\"s3cret\"}}'\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
            reg.addr
        ),
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let docker = scratch.path().join("docker");
    std::fs::create_dir(&docker).expect("docker dir");
    let pull = |auth: &str| {
        std::fs::write(r.dir.path().join("auth.json"), auth).expect("auth.json");
        common::rpod(r.dir.path())
            .env(
                "LIBPOD_RS_REGISTRIES_CONF",
                r.dir.path().join("registries.conf"),
            )
            .env("REGISTRY_AUTH_FILE", r.dir.path().join("auth.json"))
            .env("DOCKER_CONFIG", &docker)
            .env("XDG_CONFIG_HOME", scratch.path().join("config"))
            .env("PATH", &path)
            .args(["pull", "-q", &image])
            .output()
            .expect("rpod")
    };
    // credHelpers in the primary auth file.
    let o = pull(&format!(
        "{{\"credHelpers\": {{\"{}\": \"rpodtest\"}}}}",
        reg.addr
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    r.ok(&["rmi", &image]);
    // Nothing in the primary file: docker's config.json with its credsStore.
    std::fs::write(docker.join("config.json"), "{\"credsStore\": \"rpodtest\"}").expect("cfg");
    let o = pull("{}");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    r.ok(&["rmi", &image]);
    // A credHelpers entry naming a helper that is not installed: an error that names it.
    let o = pull(&format!(
        "{{\"credHelpers\": {{\"{}\": \"absent\"}}}}",
        reg.addr
    ));
    assert_eq!(o.status.code(), Some(125));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("docker-credential-absent"), "{err}");
}

#[test]
fn tls_verify_and_creds_flags_work_without_any_configuration() {
    let Some((_scratch, reg, seeder, image)) = basic_auth_case() else {
        return;
    };
    // No registries.conf entry: plain HTTP only with --tls-verify=false.
    let r = R::new("");
    let (code, err) = r.fails(&["pull", "--creds", "tester:s3cret", &image]);
    assert_eq!(code, 125);
    assert!(err.contains(&reg.addr), "{err}");
    let (code, err) = r.fails(&[
        "pull",
        "--tls-verify=false",
        "--creds",
        "tester:nope",
        &image,
    ]);
    assert_eq!(code, 125);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(r.ok(&["images", "-q"]).trim().is_empty());
    r.ok(&[
        "pull",
        "--tls-verify=false",
        "--creds",
        "tester:s3cret",
        &image,
    ]);
    assert_eq!(r.ok(&["images", "-q"]).lines().count(), 1);
    // The same on run, push and login; nothing was written to an auth file on the way.
    let out = r.ok(&[
        "run",
        "--rm",
        "--pull",
        "always",
        "--tls-verify=false",
        "--creds",
        "tester:s3cret",
        "--network",
        "none",
        &image,
        "echo",
        "flags",
    ]);
    assert_eq!(out.trim(), "flags");
    let copy = format!("{}/private/copy:1", reg.addr);
    let (code, _) = r.fails(&["push", "--tls-verify=false", &image, &copy]);
    assert_eq!(code, 125, "no credentials");
    r.ok(&[
        "image",
        "push",
        "-q",
        "--tls-verify=false",
        "--creds=tester:s3cret",
        &image,
        &copy,
    ]);
    assert!(!r.dir.path().join("auth.json").exists());
    let (code, _) = r.fails(&["login", "-u", "tester", "-p", "s3cret", &reg.addr]);
    assert_eq!(code, 125, "login over plain HTTP needs --tls-verify=false");
    r.ok(&[
        "login",
        "--tls-verify=false",
        "-u",
        "tester",
        "-p",
        "s3cret",
        &reg.addr,
    ]);
    // --tls-verify=true overrides registries.conf's insecure.
    let strict = R::new(&insecure(&reg.addr));
    let (code, _) = strict.fails(&[
        "pull",
        "--tls-verify=true",
        "--creds",
        "tester:s3cret",
        &copy,
    ]);
    assert_eq!(code, 125);
    strict.ok(&["pull", "--creds", "tester:s3cret", &copy]);
    drop(seeder);
}

#[test]
fn an_index_is_resolved_to_this_platform_or_the_one_asked_for() {
    if !ready() {
        return;
    }
    let reg = Registry::start();
    let (seeder, _) = busybox_source();
    // An OCI layout whose tag names an index of two platforms: amd64 is the busybox manifest,
    // "arm64" the same manifest with an annotation (so another digest), to see which is chosen.
    let layout = seeder.dir.path().join("layout");
    std::fs::create_dir(&layout).expect("layout");
    let archive = seeder.dir.path().join("busybox-oci.tar");
    let st = Command::new("tar")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(&layout)
        .status()
        .expect("tar");
    assert!(st.success());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index.json"))
            .expect("index json");
    let manifest = &index["manifests"][0];
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let amd64 = manifest["digest"].as_str().expect("digest").to_string();
    let mut other: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(&amd64)).expect("manifest")).expect("json");
    other["annotations"] = serde_json::json!({"test.arch": "arm64"});
    let other = serde_json::to_vec(&other).expect("manifest");
    let arm64 = libpod::storage::digest_of(&other);
    std::fs::write(blob(&arm64), &other).expect("arm64 manifest");
    let entry = |arch: &str, digest: &str, size: usize| {
        serde_json::json!({
            "mediaType": manifest["mediaType"],
            "digest": digest,
            "size": size,
            "platform": {"os": "linux", "architecture": arch},
        })
    };
    let multi = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            entry("arm64", &arm64, other.len()),
            entry("amd64", &amd64, manifest["size"].as_u64().expect("size") as usize),
        ],
    }))
    .expect("index");
    let digest = libpod::storage::digest_of(&multi);
    std::fs::write(blob(&digest), &multi).expect("index blob");
    let top = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest,
            "size": multi.len(),
            "annotations": {"org.opencontainers.image.ref.name": "multi"},
        }],
    });
    std::fs::write(layout.join("index.json"), top.to_string()).expect("index.json");
    let dest = format!("docker://{}/busybox:multi", reg.addr);
    let o = Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--dest-tls-verify=false"])
        .arg(format!("oci:{}:multi", layout.display()))
        .arg(&dest)
        .output()
        .expect("skopeo");
    assert!(
        o.status.success(),
        "skopeo copy --all: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    // skopeo may rewrite manifests on the way: the registry's index says which digest is which.
    let raw = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false", &dest])
        .output()
        .expect("skopeo inspect");
    let stored: serde_json::Value = serde_json::from_slice(&raw.stdout).expect("index json");
    let digest_for = |arch: &str| {
        stored["manifests"]
            .as_array()
            .expect("manifests")
            .iter()
            .find(|m| m["platform"]["architecture"] == arch)
            .and_then(|m| m["digest"].as_str())
            .expect("an entry for the architecture")
            .to_string()
    };
    let (amd64, arm64) = (digest_for("amd64"), digest_for("arm64"));
    assert_ne!(amd64, arm64);

    let r = R::new(&insecure(&reg.addr));
    let image = format!("{}/busybox:multi", reg.addr);
    let (code, err) = r.fails(&["pull", "--platform", "linux/s390x", &image]);
    assert_eq!(code, 125);
    assert!(
        err.contains("no linux/s390x image") && err.contains("linux/arm64, linux/amd64"),
        "{err}"
    );
    assert!(r.ok(&["images", "-q"]).trim().is_empty());
    // --platform picks its entry; without it, this machine's (amd64) is chosen, and runs.
    let digests = |r: &R| r.ok(&["images", "--format", "{{.Digest}}"]);
    r.ok(&["pull", "--platform", "linux/arm64", &image]);
    assert_eq!(digests(&r).trim(), arm64);
    // As podman: --arch (and --variant; arm64 is arm64/v8) instead of --platform, not both.
    let by_arch = R::new(&insecure(&reg.addr));
    by_arch.ok(&["pull", "--arch", "arm64", "--variant", "v8", &image]);
    assert_eq!(digests(&by_arch).trim(), arm64);
    let refined = R::new(&insecure(&reg.addr));
    refined.ok(&[
        "pull",
        "--platform",
        "linux/arm64",
        "--variant",
        "v8",
        &image,
    ]);
    assert_eq!(digests(&refined).trim(), arm64);
    let (code, err) = by_arch.fails(&[
        "pull",
        "--platform",
        "linux/arm64",
        "--arch",
        "amd64",
        &image,
    ]);
    assert_eq!(code, 125);
    assert!(err.contains("--platform cannot be given with"), "{err}");
    let r = R::new(&insecure(&reg.addr));
    r.ok(&["pull", &image]);
    assert_eq!(digests(&r).trim(), amd64);
    let out = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &image,
        "echo",
        "indexed",
    ]);
    assert_eq!(out.trim(), "indexed");
}

#[test]
fn local_transports_pull_from_layouts_and_archives() {
    if !ready() {
        return;
    }
    let (seeder, src) = busybox_source();
    let archive = src.trim_start_matches("oci-archive:").to_string();
    let r = R::new("");
    let id = r.ok(&["pull", "-q", &src]);
    assert_eq!(id.trim().len(), 64, "{id}");
    // The same image as a docker-archive, and as an OCI layout directory.
    let docker = seeder.dir.path().join("busybox-docker.tar");
    r.ok(&[
        "save",
        "-o",
        docker.to_str().expect("utf8"),
        "--format",
        "docker-archive",
        id.trim(),
    ]);
    r.ok(&["rmi", "-f", id.trim()]);
    r.ok(&["pull", &format!("docker-archive:{}", docker.display())]);
    let layout = seeder.dir.path().join("layout");
    std::fs::create_dir(&layout).expect("layout");
    let st = Command::new("tar")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(&layout)
        .status()
        .expect("tar");
    assert!(st.success());
    let other = R::new("");
    let id2 = other.ok(&["pull", "-q", &format!("oci:{}", layout.display())]);
    assert_eq!(
        id2.trim(),
        id.trim(),
        "one image, one ID, whatever the transport"
    );
    let (code, err) = other.fails(&["pull", &format!("oci:{}:nosuchtag", layout.display())]);
    assert_eq!(code, 125);
    assert!(err.contains("nosuchtag"), "{err}");
    let (code, _) = other.fails(&["pull", "oci-archive:/nonexistent.tar"]);
    assert_eq!(code, 125);
    // An OCI archive's image chosen by its tag (the archive names it `seed`'s tag, latest).
    let third = R::new("");
    let id3 = third.ok(&["pull", "-q", &format!("{src}:latest")]);
    assert_eq!(id3.trim(), id.trim());
    let (code, err) = third.fails(&["pull", &format!("{src}:nosuchtag")]);
    assert_eq!(code, 125);
    assert!(err.contains("nosuchtag"), "{err}");
}

/// The manifest digest skopeo reads for `image` (`host/repo:tag`) from a plain-HTTP registry.
fn skopeo_digest(image: &str, creds: Option<&str>) -> String {
    let mut c = Command::new("skopeo");
    c.args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"]);
    if let Some(cr) = creds {
        c.args(["--creds", cr]);
    }
    let o = c.arg(format!("docker://{image}")).output().expect("skopeo");
    assert!(
        o.status.success(),
        "skopeo inspect {image}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn push_round_trips_keep_digests_and_ids() {
    if !ready() {
        return;
    }
    let reg = Registry::start();
    let (seeder, src) = busybox_source();
    let oci = reg.seed(&src, "busybox:oci", "oci");
    let v2 = reg.seed(&src, "busybox:v2s2", "v2s2");
    let r = R::new(&insecure(&reg.addr));
    // Pulled images pushed elsewhere keep their manifests byte for byte: skopeo sees the same
    // digests, OCI and Docker alike, and --digestfile says so too. Both manifests name one
    // config, so one image here, and each name pushes the manifest it came through.
    for tag in ["oci", "v2s2"] {
        r.ok(&["pull", "-q", &format!("{}/busybox:{tag}", reg.addr)]);
    }
    assert_eq!(r.ok(&["images", "-q"]).lines().count(), 1, "one image");
    for (tag, digest) in [("oci", &oci), ("v2s2", &v2)] {
        let from = format!("{}/busybox:{tag}", reg.addr);
        let to = format!("{}/copies/busybox:{tag}", reg.addr);
        let shown = r.ok(&["images", "--format", "{{.Digest}}", &from]);
        assert_eq!(shown.trim(), digest.as_str(), "{tag}");
        let file = r.dir.path().join(format!("digest-{tag}"));
        r.ok(&[
            "push",
            "--digestfile",
            file.to_str().expect("utf8"),
            &from,
            &format!("docker://{to}"),
        ]);
        assert_eq!(&std::fs::read_to_string(&file).expect("digest"), digest);
        assert_eq!(&skopeo_digest(&to, None), digest);
    }
    // A tag follows the manifest of the name it was made from; NAME@DIGEST picks one.
    let v2_name = format!("{}/busybox:v2s2", reg.addr);
    let oci_name = format!("{}/busybox:oci", reg.addr);
    let retagged = format!("{}/copies/retagged:1", reg.addr);
    r.ok(&["tag", &v2_name, &retagged]);
    r.ok(&["push", &retagged]);
    assert_eq!(&skopeo_digest(&retagged, None), &v2);
    let by_digest = format!("{}/busybox@{oci}", reg.addr);
    let pinned = format!("{}/copies/pinned:1", reg.addr);
    r.ok(&["push", &by_digest, &pinned]);
    assert_eq!(&skopeo_digest(&pinned, None), &oci);
    let inspect = r.ok(&[
        "image",
        "inspect",
        "--format",
        "{{json .RepoDigests}}",
        &v2_name,
    ]);
    assert!(
        inspect.contains(oci.as_str()) && inspect.contains(v2.as_str()),
        "{inspect}"
    );
    let file = r.dir.path().join("digest-local");
    r.ok(&[
        "push",
        "--digestfile",
        file.to_str().expect("utf8"),
        &v2_name,
        "containers-storage:localhost/copy:1",
    ]);
    assert_eq!(&std::fs::read_to_string(&file).expect("digest"), &v2);
    // Once no name stands for the Docker manifest, it is dropped; the OCI one stays.
    for n in [v2_name.as_str(), retagged.as_str(), "localhost/copy:1"] {
        r.ok(&["untag", &oci_name, n]);
    }
    let inspect = r.ok(&[
        "image",
        "inspect",
        "--format",
        "{{json .RepoDigests}}",
        &oci_name,
    ]);
    assert!(
        inspect.contains(oci.as_str()) && !inspect.contains(v2.as_str()),
        "{inspect}"
    );
    // An image made here (never in a registry) goes out under its own name, and a fresh store
    // pulling it back gets the same image ID and manifest digest.
    let tar = seeder.dir.path().join("rootfs.tar");
    let mine = format!("{}/mine/busybox:1", reg.addr);
    let id = r.ok(&["import", "-q", tar.to_str().expect("utf8"), &mine]);
    let local = r.ok(&["images", "--format", "{{.Digest}}", &mine]);
    r.ok(&["push", &mine]);
    assert_eq!(skopeo_digest(&mine, None), local.trim());
    let other = R::new(&insecure(&reg.addr));
    assert_eq!(other.ok(&["pull", "-q", &mine]).trim(), id.trim());
    assert_eq!(
        other
            .ok(&["images", "--format", "{{.Digest}}", &mine])
            .trim(),
        local.trim()
    );
    let out = other.ok(&["run", "--rm", "--network", "none", &mine, "echo", "pushed"]);
    assert_eq!(out.trim(), "pushed");
    // A second push sends no blob again (the registry has them all) and still succeeds.
    r.ok(&["push", &mine]);
    // --compression-format gzip: the uncompressed layer goes out as gzip, under a new
    // manifest; the image (its config) is the same one when pulled back.
    let gz = format!("{}/mine/busybox-gz:1", reg.addr);
    let file = r.dir.path().join("digest-gz");
    r.ok(&[
        "push",
        "--compression-format",
        "gzip",
        "--digestfile",
        file.to_str().expect("utf8"),
        &mine,
        &gz,
    ]);
    let pushed = std::fs::read_to_string(&file).expect("digest");
    assert_ne!(pushed, local.trim());
    assert_eq!(skopeo_digest(&gz, None), pushed);
    let raw = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{gz}"))
        .output()
        .expect("skopeo");
    let m: serde_json::Value = serde_json::from_slice(&raw.stdout).expect("manifest");
    let media = m["layers"][0]["mediaType"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(media.ends_with("gzip"), "{media}");
    let third_store = R::new(&insecure(&reg.addr));
    assert_eq!(third_store.ok(&["pull", "-q", &gz]).trim(), id.trim());
    // Archives as destinations; skopeo reads the same digest from the OCI one.
    let archive = r.dir.path().join("pushed-oci.tar");
    r.ok(&["push", &mine, &format!("oci-archive:{}", archive.display())]);
    let o = Command::new("skopeo")
        .args(["inspect", "--format", "{{.Digest}}"])
        .arg(format!("oci-archive:{}", archive.display()))
        .output()
        .expect("skopeo");
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), local.trim());
    // An OCI layout directory takes tags one by one, keeping the others; skopeo reads it, and
    // a pull from it gives the same image.
    let layout = r.dir.path().join("layout");
    r.ok(&["push", &mine, &format!("oci:{}:one", layout.display())]);
    r.ok(&["push", &mine, &format!("oci:{}:two", layout.display())]);
    for tag in ["one", "two"] {
        let o = Command::new("skopeo")
            .args(["inspect", "--format", "{{.Digest}}"])
            .arg(format!("oci:{}:{tag}", layout.display()))
            .output()
            .expect("skopeo");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            local.trim(),
            "{tag}"
        );
    }
    let third = R::new("");
    let from_layout = third.ok(&["pull", "-q", &format!("oci:{}:two", layout.display())]);
    assert_eq!(from_layout.trim(), id.trim());
    // Our own store as a transport: a push is a new name, a pull finds what is here.
    third.ok(&["push", id.trim(), "containers-storage:localhost/renamed:1"]);
    assert_eq!(
        third
            .ok(&["pull", "-q", "containers-storage:localhost/renamed:1"])
            .trim(),
        id.trim()
    );
    let (code, _) = third.fails(&["pull", "containers-storage:localhost/absent:1"]);
    assert_eq!(code, 125);
    // Refusals: an unknown image, a registry not marked insecure, a digest as destination.
    let (code, err) = r.fails(&["push", "nosuchimage", &format!("{}/x:1", reg.addr)]);
    assert_eq!(code, 125);
    assert!(err.contains("nosuchimage"), "{err}");
    let strict = R::new("");
    strict.ok(&["pull", "-q", &format!("oci-archive:{}", archive.display())]);
    let (code, err) = strict.fails(&["push", &id.trim()[..12], &format!("{}/strict:1", reg.addr)]);
    assert_eq!(code, 125);
    assert!(err.contains("insecure"), "{err}");
    let (code, err) = r.fails(&["push", &mine, &format!("{}/mine/busybox@{oci}", reg.addr)]);
    assert_eq!(code, 125);
    assert!(err.contains("tag"), "{err}");
}

#[test]
fn login_checks_and_keeps_credentials_and_logout_drops_them() {
    let Some((_scratch, reg, _seeder, image)) = basic_auth_case() else {
        return;
    };
    let r = R::new(&insecure(&reg.addr));
    let auth = r.dir.path().join("auth.json");
    // Wrong credentials are checked with the registry and not recorded.
    let o = r.cmd_in(
        &["login", "-u", "tester", "--password-stdin", &reg.addr],
        Some("wrong\n"),
    );
    assert_eq!(o.status.code(), Some(125), "{o:?}");
    assert!(!auth.exists(), "nothing recorded");
    // The right ones are; then pull and push use them (the auth file from the environment).
    let o = r.cmd_in(
        &["login", "-u", "tester", "--password-stdin", &reg.addr],
        Some("s3cret\n"),
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "Login Succeeded!"
    );
    let kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&auth).expect("auth.json")).expect("json");
    assert!(kept["auths"][&reg.addr]["auth"].is_string(), "{kept}");
    r.ok(&["pull", &image]);
    let copy = format!("{}/private/copy:1", reg.addr);
    r.ok(&["push", &image, &copy]);
    assert!(!skopeo_digest(&copy, Some("tester:s3cret")).is_empty());
    // Logout drops them: pulls are refused again; a second logout says there was nothing.
    assert_eq!(
        r.ok(&["logout", &reg.addr]).trim(),
        format!("Removed login credentials for {}", reg.addr)
    );
    let (code, err) = r.fails(&["pull", &image]);
    assert_eq!(code, 125);
    assert!(err.contains("credentials"), "{err}");
    let (code, err) = r.fails(&["push", &image, &copy]);
    assert_eq!(code, 125);
    assert!(
        err.contains("login") || err.contains("credentials"),
        "{err}"
    );
    let (code, err) = r.fails(&["logout", &reg.addr]);
    assert_eq!(code, 125);
    assert!(err.contains("not logged into"), "{err}");
}

#[test]
fn mirrors_are_tried_first_and_the_name_asked_for_is_kept() {
    if !ready() {
        return;
    }
    let mirror = Registry::start();
    let origin = Registry::start();
    let (_seeder, src) = busybox_source();
    let on_mirror = mirror.seed(&src, "hub/busybox:1", "oci");
    origin.seed(&src, "busybox:2", "v2s2");
    // `example.test` stands for a registry reached only through its rules: its location is
    // the origin, and a mirror under a path comes first.
    let r = R::new(&format!(
        "[[registry]]\nprefix = \"example.test\"\nlocation = \"{}\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"{}/hub\"\ninsecure = true\n",
        origin.addr, mirror.addr
    ));
    r.ok(&["pull", "example.test/busybox:1"]);
    // Tag 2 is not on the mirror: the origin answers.
    r.ok(&["pull", "example.test/busybox:2"]);
    // (Each tag is on one side only, so each pull shows which side served it.)
    let images = r.ok(&["images", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}"]);
    assert!(
        images.contains(&format!("example.test/busybox:1 {on_mirror}")),
        "{images}"
    );
    assert!(images.contains("example.test/busybox:2 "), "{images}");
    // Neither has tag 3: the error names what was tried.
    let (code, err) = r.fails(&["pull", "example.test/busybox:3"]);
    assert_eq!(code, 125);
    assert!(
        err.contains(&mirror.addr) && err.contains(&origin.addr),
        "{err}"
    );
    // A blocked prefix is refused before any request.
    let blocked = R::new(&format!(
        "[[registry]]\nprefix = \"{}\"\nblocked = true\n",
        origin.addr
    ));
    let (code, err) = blocked.fails(&["pull", &format!("{}/busybox:2", origin.addr)]);
    assert_eq!(code, 125);
    assert!(err.contains("blocked"), "{err}");
}

#[test]
fn the_signature_policy_refuses_before_anything_is_stored() {
    if !ready() {
        return;
    }
    let reg = Registry::start();
    let (_seeder, src) = busybox_source();
    reg.seed(&src, "busybox:1", "oci");
    reg.seed(&src, "team/busybox:1", "oci");
    let r = R::new(&insecure(&reg.addr));
    let policy = r.dir.path().join("policy.json");
    std::fs::write(
        &policy,
        format!(
            r#"{{"default": [{{"type": "insecureAcceptAnything"}}],
                "transports": {{
                    "docker": {{"{0}/team": [{{"type": "reject"}}]}},
                    "oci-archive": {{"": [{{"type": "reject"}}]}}
                }}}}"#,
            reg.addr
        ),
    )
    .expect("policy");
    let p = policy.to_str().expect("utf8");
    // The namespace `team` is rejected: by pull and by run's pull, and nothing is stored.
    let (code, err) = r.fails(&[
        "pull",
        "--signature-policy",
        p,
        &format!("{}/team/busybox:1", reg.addr),
    ]);
    assert_eq!(code, 125);
    assert!(
        err.contains("signature policy") && err.contains("reject"),
        "{err}"
    );
    let (code, _) = r.fails(&[
        "run",
        "--rm",
        "--signature-policy",
        p,
        "--network",
        "none",
        &format!("{}/team/busybox:1", reg.addr),
        "true",
    ]);
    assert_eq!(code, 125);
    assert_eq!(r.ok(&["images", "-qa"]), "");
    // Every local archive is rejected too; the rest of the registry is accepted.
    let (code, err) = r.fails(&["pull", "--signature-policy", p, &src]);
    assert_eq!(code, 125);
    assert!(err.contains("oci-archive"), "{err}");
    r.ok(&[
        "pull",
        "--signature-policy",
        p,
        &format!("{}/busybox:1", reg.addr),
    ]);
    // A policy that cannot be read is named, with what to do.
    std::fs::write(&policy, "{\"default\": []}").expect("policy");
    let (code, err) = r.fails(&[
        "pull",
        "--signature-policy",
        p,
        &format!("{}/busybox:1", reg.addr),
    ]);
    assert_eq!(code, 125);
    assert!(err.contains("policy.json"), "{err}");
}

/// A TCP proxy to `target` that cuts every connection, and stops listening, once `limit` bytes
/// have gone to clients: a registry that dies mid-pull. Counts what it forwards.
struct Proxy {
    addr: String,
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
    dead: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    /// The port the proxy listens on (to come back on the same address).
    fn port(&self) -> u16 {
        self.addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("proxy port")
    }

    fn start(target: &str, port: u16, limit: u64) -> Proxy {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("proxy port");
        let addr = listener.local_addr().expect("addr").to_string();
        let sent = Arc::new(AtomicU64::new(0));
        let dead = Arc::new(AtomicBool::new(false));
        let (target, s, d) = (target.to_string(), sent.clone(), dead.clone());
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            while !d.load(Ordering::SeqCst) {
                let client = match listener.accept() {
                    Ok((c, _)) => c,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                let _ = client.set_nonblocking(false);
                let Ok(upstream) = TcpStream::connect(&target) else {
                    continue;
                };
                let (mut c_read, mut u_write) = (
                    client.try_clone().expect("clone"),
                    upstream.try_clone().expect("clone"),
                );
                // Requests go up untouched.
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_read, &mut u_write);
                    let _ = u_write.shutdown(std::net::Shutdown::Write);
                });
                let (mut up, mut down, s, d) = (upstream, client, s.clone(), d.clone());
                std::thread::spawn(move || {
                    use std::io::Read;
                    let mut buf = [0u8; 16 << 10];
                    loop {
                        let n = match up.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if s.fetch_add(n as u64, Ordering::SeqCst) + n as u64 > limit {
                            d.store(true, Ordering::SeqCst);
                        }
                        if d.load(Ordering::SeqCst) || down.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = down.shutdown(std::net::Shutdown::Both);
                    let _ = up.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Proxy { addr, sent, dead }
    }

    fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether it has passed its limit and cut the connections.
    fn dead(&self) -> bool {
        self.dead.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.dead.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Entries left by unfinished work (staged layers `tmp-*`, temporary blobs `.tmp*`) under `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("tmp-") || name.starts_with(".tmp") {
                out.push(e.path());
            } else if e.file_type().is_ok_and(|t| t.is_dir()) && name != "merged" {
                stack.push(e.path());
            }
        }
    }
    out
}

/// An OCI layout with two gzip layers, busybox and `big` bytes of noise, tagged `big`. With
/// `lie`, the config gives the noise layer a wrong diff ID (every blob digest is right).
fn two_layer_layout(dir: &Path, big: usize, lie: bool) -> (PathBuf, u64) {
    let layout = dir.join(if lie { "lying-layers" } else { "two-layers" });
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("layout");
    let put = |bytes: &[u8]| -> String {
        let d = libpod::storage::digest_of(bytes);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), bytes).expect("blob");
        d
    };
    let gzip = |tar: &[u8]| -> Vec<u8> {
        let mut c = Command::new("gzip")
            .arg("-1c")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("gzip");
        let mut input = c.stdin.take().expect("stdin");
        let tar = tar.to_vec();
        let feeder = std::thread::spawn(move || input.write_all(&tar));
        let out = c.wait_with_output().expect("gzip output");
        feeder.join().expect("feed").expect("write");
        out.stdout
    };
    let mut base = Vec::new();
    libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut base)
        .expect("tarball");
    let noise_dir = dir.join("noise");
    std::fs::create_dir_all(noise_dir.join("data")).expect("noise");
    let mut noise = vec![0u8; big];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for b in noise.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(noise_dir.join("data/noise.bin"), &noise).expect("noise");
    let o = Command::new("tar")
        .args(["--numeric-owner", "-C"])
        .arg(&noise_dir)
        .args(["-cf", "-", "data"])
        .output()
        .expect("tar");
    assert!(o.status.success());
    let tars = [base, o.stdout];
    let mut layers = Vec::new();
    let mut diff_ids = Vec::new();
    let mut total = 0u64;
    for t in &tars {
        let gz = gzip(t);
        total += gz.len() as u64;
        diff_ids.push(libpod::storage::digest_of(t));
        layers.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": put(&gz),
            "size": gz.len(),
        }));
    }
    if lie {
        diff_ids[1] = libpod::storage::digest_of(b"not the noise layer");
    }
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .expect("config");
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(&config), "size": config.len()},
        "layers": layers,
    }))
    .expect("manifest");
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": put(&manifest),
            "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": "big"},
        }],
    });
    std::fs::write(layout.join("index.json"), index.to_string()).expect("index");
    std::fs::write(
        layout.join("oci-layout"),
        "{\"imageLayoutVersion\": \"1.0.0\"}",
    )
    .expect("oci-layout");
    (layout, total)
}

#[test]
fn a_registry_dying_mid_pull_leaves_nothing_and_the_retry_reuses_what_finished() {
    if !ready()
        || !require(
            "gzip",
            Path::new("/usr/bin/gzip").exists() || Path::new("/bin/gzip").exists(),
        )
    {
        return;
    }
    let reg = Registry::start();
    let scratch = tempfile::tempdir().expect("tmp");
    let big = 16 << 20;
    let (layout, total) = two_layer_layout(scratch.path(), big, false);
    let o = Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false"])
        .arg(format!("oci:{}:big", layout.display()))
        .arg(format!("docker://{}/two:big", reg.addr))
        .output()
        .expect("skopeo");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The registry (seen through the proxy) dies after 8 MB: the busybox layer (about 1 MB)
    // is through, the 16 MB one is not. Port 0 on the first start: a port picked and let go
    // could be taken by a parallel test before the proxy binds it.
    let dying = Proxy::start(&reg.addr, 0, 8 << 20);
    let port = dying.port();
    let image = format!("{}/two:big", dying.addr);
    let r = R::new(&insecure(&dying.addr));
    let (code, err) = r.fails(&["pull", "--retry", "0", &image]);
    assert_eq!(code, 125);
    assert!(err.contains(&dying.addr), "{err}");
    assert!(err.lines().count() <= 2, "one clean error: {err}");
    assert_eq!(r.ok(&["images", "-qa"]), "", "nothing half-committed");
    assert_eq!(leftovers(r.dir.path()), Vec::<PathBuf>::new());
    assert!(dying.sent() > 1 << 20 && dying.sent() < total);
    // What came through of the big layer waits for the next pull (not as a half-committed
    // blob: in the store's tmp directory).
    let partial = |dir: &Path| {
        std::fs::read_dir(dir.join("root/blobs/tmp"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("partial-"))
            .count()
    };
    assert_eq!(partial(r.dir.path()), 1);
    drop(dying);
    // The registry is back on the same address: the retry completes, fetching only what had
    // not finished: not the busybox layer, and only the rest of the big one (a range).
    std::thread::sleep(Duration::from_millis(50));
    let back = Proxy::start(&reg.addr, port, u64::MAX);
    let id = r.ok(&["pull", "-q", &image]);
    assert_eq!(id.trim().len(), 64);
    assert!(
        back.sent() < big as u64,
        "the retry fetched {} bytes for a {big}-byte layer",
        back.sent()
    );
    assert_eq!(partial(r.dir.path()), 0);
    let out = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &image,
        "sh",
        "-c",
        "wc -c < /data/noise.bin",
    ]);
    assert_eq!(out.trim(), big.to_string());
    assert_eq!(leftovers(r.dir.path()), Vec::<PathBuf>::new());

    // By default a pull the network breaks is tried again by itself, as podman's is: the
    // registry dies mid-pull and comes back while rpod waits between tries.
    let dying = Proxy::start(&reg.addr, 0, 8 << 20);
    let port = dying.port();
    let image = format!("{}/two:big", dying.addr);
    let fresh = R::new(&insecure(&dying.addr));
    let out = std::thread::scope(|s| {
        let pull = s.spawn(|| fresh.cmd(&["pull", "-q", "--retry-delay", "300ms", &image]));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !dying.dead() {
            assert!(Instant::now() < deadline, "the proxy never cut the pull");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(dying);
        std::thread::sleep(Duration::from_millis(50));
        let back = Proxy::start(&reg.addr, port, u64::MAX);
        let out = pull.join().expect("pull thread");
        assert!(back.sent() < big as u64, "resumed: {} bytes", back.sent());
        drop(back);
        out
    });
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("trying again in 300ms (1/3)"), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), id.trim());

    // Kept bytes that are not the layer's (garbage here) cost a second fetch, not the pull.
    let inspect = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false"])
        .arg(format!("docker://{}/two:big", reg.addr))
        .output()
        .expect("skopeo inspect");
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("inspect json");
    let layer = v["Layers"][1].as_str().expect("the big layer").to_string();
    let garbled = R::new(&insecure(&reg.addr));
    garbled.ok(&["images"]);
    let kept = garbled.dir.path().join(format!(
        "root/blobs/tmp/partial-{}",
        layer.trim_start_matches("sha256:")
    ));
    std::fs::write(&kept, vec![0u8; 1 << 20]).expect("garbage");
    let again = garbled.ok(&["pull", "-q", &format!("{}/two:big", reg.addr)]);
    assert_eq!(again.trim(), id.trim());
    assert!(!kept.exists());
}

/// `%XX` escapes of a query value decoded.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            s.get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// base64url without padding, as JWTs use.
fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A token service for the registry's `auth: token` mode: checks basic credentials
/// (`tester:s3cret`) and answers with a JWT for the scope asked, signed with `key`, whose
/// certificate travels in the `x5c` header. Runs until the test ends.
fn token_service(dir: &Path) -> (String, PathBuf) {
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    let st = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=token-signer", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl req");
    assert!(st.success());
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&cert)
        .output()
        .expect("openssl x509");
    assert!(der.status.success());
    use base64::Engine;
    let x5c = base64::engine::general_purpose::STANDARD.encode(&der.stdout);
    let listener = TcpListener::bind("127.0.0.1:0").expect("token port");
    let addr = listener.local_addr().expect("addr").to_string();
    let work = dir.to_path_buf();
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut conn) = conn else { continue };
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match std::io::Read::read(&mut conn, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => req.extend_from_slice(&buf[..k]),
                }
            }
            let req = String::from_utf8_lossy(&req).into_owned();
            let target = req.split_whitespace().nth(1).unwrap_or("").to_string();
            let authorized = req.lines().any(|l| {
                l.to_ascii_lowercase().starts_with("authorization: basic ")
                    && base64::engine::general_purpose::STANDARD
                        .decode(l[21..].trim())
                        .is_ok_and(|d| d == b"tester:s3cret")
            });
            if !authorized {
                let _ = conn.write_all(
                    b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            let query = target.split_once('?').map_or("", |(_, q)| q);
            let access: Vec<serde_json::Value> = query
                .split('&')
                .filter_map(|kv| kv.strip_prefix("scope="))
                .filter_map(|s| {
                    let s = percent_decode(s);
                    let mut p = s.splitn(3, ':');
                    let (t, name, actions) = (p.next()?, p.next()?, p.next()?);
                    Some(serde_json::json!({"type": t, "name": name,
                        "actions": actions.split(',').collect::<Vec<_>>()}))
                })
                .collect();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs();
            let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5c": [x5c]});
            let claims = serde_json::json!({
                "iss": "test-issuer", "sub": "tester", "aud": "test-registry",
                "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("t{n}"),
                "access": access,
            });
            let signing = format!(
                "{}.{}",
                b64url(header.to_string().as_bytes()),
                b64url(claims.to_string().as_bytes())
            );
            let input = work.join(format!("jwt-{n}"));
            std::fs::write(&input, &signing).expect("jwt input");
            let sig = Command::new("openssl")
                .args(["dgst", "-sha256", "-sign"])
                .arg(work.join("key.pem"))
                .arg(&input)
                .output()
                .expect("openssl dgst");
            let token = format!("{signing}.{}", b64url(&sig.stdout));
            let body = serde_json::json!({"token": token}).to_string();
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    (addr, cert)
}

#[test]
fn a_registry_with_bearer_tokens_serves_login_pull_and_push() {
    if !ready() || !require("openssl", Path::new("/usr/bin/openssl").exists()) {
        return;
    }
    let scratch = tempfile::tempdir().expect("tmp");
    let (token_addr, cert) = token_service(scratch.path());
    let reg = Registry::start_with(&format!(
        "auth: {{token: {{realm: \"http://{token_addr}/token\", service: test-registry, issuer: test-issuer, rootcertbundle: {}}}}}\n",
        cert.display()
    ));
    let (_seeder, src) = busybox_source();
    // skopeo goes through the same token dance to seed it.
    let digest = reg.seed_as(&src, "tokens/busybox:1", "oci", Some("tester:s3cret"));
    let image = format!("{}/tokens/busybox:1", reg.addr);
    let r = R::new(&insecure(&reg.addr));
    // Anonymous: the token service refuses, and so do we.
    let (code, err) = r.fails(&["pull", &image]);
    assert_eq!(code, 125);
    assert!(err.contains("token"), "{err}");
    let o = r.cmd_in(
        &["login", "-u", "tester", "--password-stdin", &reg.addr],
        Some("wrong"),
    );
    assert_eq!(o.status.code(), Some(125), "{o:?}");
    let o = r.cmd_in(
        &["login", "-u", "tester", "--password-stdin", &reg.addr],
        Some("s3cret"),
    );
    assert!(o.status.success(), "{o:?}");
    r.ok(&["pull", &image]);
    assert_eq!(
        r.ok(&["images", "--format", "{{.Digest}}", &image]).trim(),
        digest
    );
    // A push asks for a wider scope (pull,push) on another repository: a second token.
    let copy = format!("{}/tokens/copy:1", reg.addr);
    r.ok(&["push", &image, &copy]);
    assert_eq!(skopeo_digest(&copy, Some("tester:s3cret")), digest);
}

#[test]
fn a_tls_registry_is_verified_against_trusted_cas_and_takes_client_certificates() {
    if !ready() || !require("openssl", Path::new("/usr/bin/openssl").exists()) {
        return;
    }
    let scratch = tempfile::tempdir().expect("tmp");
    let dir = scratch.path();
    let openssl = |args: &[&str]| {
        let st = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null())
            .status()
            .expect("openssl");
        assert!(st.success(), "openssl {args:?}");
    };
    // A CA of our own, and the registry's certificate for 127.0.0.1 signed by it.
    for ca in ["ca", "other-ca"] {
        let (subject, key, crt) = (
            format!("/CN=rpod test {ca}"),
            format!("{ca}.key"),
            format!("{ca}.crt"),
        );
        openssl(&[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", &subject,
            "-keyout", &key, "-out", &crt,
        ]);
    }
    // A key and a certificate signed by our CA: `NAME.key`, `NAME.OUT` with extensions `ext`.
    let issue = |name: &str, subject: &str, ext: &str, out: &str| {
        let (key, csr, cnf, crt) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.cnf"),
            format!("{name}.{out}"),
        );
        openssl(&[
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", &key, "-out", &csr,
        ]);
        std::fs::write(dir.join(&cnf), ext).expect("ext");
        openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            &cnf,
            "-out",
            &crt,
        ]);
    };
    issue(
        "server",
        "/CN=127.0.0.1",
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        "pem",
    );
    let (key, cert) = (dir.join("server.key"), dir.join("server.pem"));
    let reg = Registry::start_full(
        "",
        &format!(
            ", tls: {{certificate: {}, key: {}}}",
            cert.display(),
            key.display()
        ),
    );
    let (_seeder, src) = busybox_source();
    reg.seed(&src, "tls/busybox:1", "oci");
    let image = format!("{}/tls/busybox:1", reg.addr);
    // Verified TLS by default: a certificate nobody vouches for is refused, with the reason.
    let strict = R::new("");
    let (code, err) = strict.fails(&["pull", &image]);
    assert_eq!(code, 125);
    assert!(
        err.to_lowercase().contains("certificate") && err.contains("insecure"),
        "{err}"
    );
    assert_eq!(strict.ok(&["images", "-qa"]), "");
    // Marked insecure: TLS without verification (not plain HTTP, which this one does not speak).
    let r = R::new(&insecure(&reg.addr));
    let out = r.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &image,
        "echo",
        "over-tls",
    ]);
    assert_eq!(out.trim(), "over-tls");
    r.ok(&["push", &image, &format!("{}/tls/copy:1", reg.addr)]);

    // Verified against our CA: with --cert-dir, or the registry's certs.d directory.
    let certs = dir.join("certs");
    std::fs::create_dir_all(&certs).expect("certs");
    std::fs::copy(dir.join("other-ca.crt"), certs.join("other.crt")).expect("ca");
    let cert_dir = certs.to_str().expect("utf8");
    let (code, err) = strict.fails(&["pull", "--cert-dir", cert_dir, &image]);
    assert_eq!(code, 125, "another CA does not vouch for it");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    std::fs::copy(dir.join("ca.crt"), certs.join("ca.crt")).expect("ca");
    strict.ok(&["pull", "--cert-dir", cert_dir, &image]);
    strict.ok(&[
        "push",
        "--cert-dir",
        cert_dir,
        &image,
        &format!("{}/tls/verified:1", reg.addr),
    ]);
    strict.ok(&[
        "login",
        "--cert-dir",
        cert_dir,
        "-u",
        "anyone",
        "-p",
        "any",
        &reg.addr,
    ]);
    // A key without its certificate is named, not skipped.
    std::fs::write(certs.join("client.key"), "x").expect("key");
    let (code, err) = strict.fails(&["pull", "--cert-dir", cert_dir, &image]);
    assert_eq!(code, 125);
    assert!(err.contains("client.key"), "{err}");

    // A registry that wants a client certificate signed by our CA gets certs.d's pair.
    issue(
        "client",
        "/CN=rpod client",
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        "cert",
    );
    let mtls = Registry::start_full(
        "",
        &format!(
            ", tls: {{certificate: {}, key: {}, clientcas: [{}]}}",
            cert.display(),
            key.display(),
            dir.join("ca.crt").display()
        ),
    );
    std::fs::remove_file(certs.join("client.key")).expect("rm");
    let login = [
        "login",
        "--cert-dir",
        cert_dir,
        "-u",
        "a",
        "-p",
        "b",
        &mtls.addr,
    ];
    let (code, _) = strict.fails(&login);
    assert_eq!(code, 125, "no client certificate");
    for f in ["client.cert", "client.key"] {
        std::fs::copy(dir.join(f), certs.join(f)).expect("client pair");
    }
    strict.ok(&login);
    let there = format!("{}/tls/mutual:1", mtls.addr);
    strict.ok(&["push", "--cert-dir", cert_dir, &image, &there]);
    let other = R::new("");
    other.ok(&["pull", "--cert-dir", cert_dir, &there]);
}
