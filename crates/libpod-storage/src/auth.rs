//! Registry credentials, found as containers/image finds them: the caller's own, else the
//! first of the auth files (the primary one, `$XDG_CONFIG_HOME/containers/auth.json`,
//! `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`) that has some for the
//! repository, by namespace (`host/ns/repo`, then `host/ns`, then `host`), through the file's
//! `credHelpers` entry for the host, its `auths` entry, or its `credsStore` helper. Also the
//! auth.json editing of `login` and `logout`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use crate::error::{Result, StorageError};
use crate::reference::Reference;

/// A user name and its password (or token).
pub(crate) type Creds = (String, String);

/// Asks a credential helper (name, server, whether a missing helper is an error).
pub(crate) type Helper<'a> = &'a mut dyn FnMut(&str, &str, bool) -> Result<Option<Creds>>;

/// The auth.json key for a registry: its host, as podman writes it.
pub(crate) fn auth_key(registry: &str) -> &str {
    registry
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
}

/// The auth files searched after the primary one, in containers/image's order.
pub fn fallback_auth_files() -> Vec<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let home = var("HOME");
    let mut out = Vec::new();
    if let Some(x) = var("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config"))) {
        out.push(x.join("containers/auth.json"));
    }
    if let Some(d) = var("DOCKER_CONFIG").or_else(|| home.map(|h| h.join(".docker"))) {
        out.push(d.join("config.json"));
    }
    out
}

/// An auth file's key as containers/image reads it: no scheme, no `/v1/` path of docker's
/// legacy keys, `index.docker.io` as `docker.io`.
fn normalized_key(k: &str) -> String {
    let k = auth_key(k);
    let k = ["/v1", "/v2"]
        .iter()
        .find_map(|p| k.strip_suffix(p))
        .unwrap_or(k);
    match k.strip_prefix("index.docker.io") {
        Some(rest) => format!("docker.io{rest}"),
        None => k.to_string(),
    }
}

/// The keys to try for a repository, most specific first: `host/a/b`, `host/a`, `host`.
fn keys_for(registry: &str, repository: &str) -> Vec<String> {
    let mut keys = vec![registry.to_string()];
    let mut path = registry.to_string();
    for part in repository.split('/').filter(|p| !p.is_empty()) {
        path = format!("{path}/{part}");
        keys.push(path.clone());
    }
    keys.reverse();
    keys
}

fn decode_auth(file: &Path, key: &str, auth: &str) -> Result<Creds> {
    let bad = || {
        auth_file_err(
            file,
            format!("the \"auth\" of {key:?} is not base64 of user:password"),
        )
    };
    let text = B64
        .decode(auth.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let (u, p) = text.split_once(':').ok_or_else(bad)?;
    Ok((u.to_string(), p.to_string()))
}

/// What one auth file holds for a repository: its `credHelpers` helper for the host, else
/// the most specific `auths` entry, else its `credsStore` helper (asked with `helper`,
/// which runs `docker-credential-NAME get`).
pub(crate) fn lookup_in(
    file: &Path,
    v: &Value,
    r: &Reference,
    helper: Helper<'_>,
) -> Result<Option<Creds>> {
    if let Some(h) = v["credHelpers"]
        .as_object()
        .and_then(|m| m.iter().find(|(k, _)| normalized_key(k) == r.registry))
        .and_then(|(_, h)| h.as_str())
    {
        return helper(h, &r.registry, true);
    }
    if let Some(auths) = v["auths"].as_object() {
        for key in keys_for(&r.registry, &r.repository) {
            let entry = auths.iter().find(|(k, _)| normalized_key(k) == key);
            if let Some(auth) = entry
                .and_then(|(_, e)| e["auth"].as_str())
                .filter(|a| !a.is_empty())
            {
                return decode_auth(file, &key, auth).map(Some);
            }
        }
    }
    match v["credsStore"].as_str().filter(|s| !s.is_empty()) {
        Some(h) => helper(h, &r.registry, false),
        None => Ok(None),
    }
}

/// Asks `docker-credential-NAME get` (looked up on `PATH`) for `server`'s credentials.
/// "Not found" from the helper is `None`; a helper that is missing is an error when a
/// `credHelpers` entry names it (`required`), else skipped, as a `credsStore` made for
/// another tool should not break anonymous pulls.
pub(crate) fn run_helper(name: &str, server: &str, required: bool) -> Result<Option<Creds>> {
    run_helper_on(name, server, required, None)
}

/// `run_helper` with another `PATH` to find the helper on (for tests, which share one
/// environment).
fn run_helper_on(
    name: &str,
    server: &str,
    required: bool,
    path: Option<&std::ffi::OsStr>,
) -> Result<Option<Creds>> {
    let program = format!("docker-credential-{name}");
    let err = |m: String| StorageError::Registry {
        registry: server.to_string(),
        message: format!("credential helper {program}: {m}"),
    };
    let mut cmd = Command::new(&program);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let child = cmd
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            tracing::debug!(%program, "credential helper not on PATH; skipped");
            return Ok(None);
        }
        Err(e) => return Err(err(format!("{e} (is it installed and on PATH?)"))),
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| err(e.to_string()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        if text.contains("credentials not found") {
            return Ok(None);
        }
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(err(format!("{} {}", out.status, why.trim())));
    }
    let v: Value = serde_json::from_str(&text).map_err(|e| err(format!("bad answer: {e}")))?;
    match (v["Username"].as_str(), v["Secret"].as_str()) {
        // An identity token (OAuth refresh token): not a password we could send.
        (Some("<token>"), _) => Ok(None),
        (Some(u), Some(s)) if !s.is_empty() => Ok(Some((u.to_string(), s.to_string()))),
        _ => Ok(None),
    }
}

/// Credentials for `r` from the auth files: `primary`, then the fallbacks.
pub(crate) fn from_files(primary: Option<&Path>, r: &Reference) -> Result<Option<Creds>> {
    let files: Vec<PathBuf> = primary
        .map(Path::to_path_buf)
        .into_iter()
        .chain(fallback_auth_files())
        .collect();
    for f in &files {
        let m = read_auth_file(f)?;
        if m.is_empty() {
            continue;
        }
        let found = lookup_in(f, &Value::Object(m), r, &mut |h, server, required| {
            run_helper(h, server, required)
        })?;
        if found.is_some() {
            tracing::debug!(file = %f.display(), registry = %r.registry, "credentials found");
            return Ok(found);
        }
    }
    Ok(None)
}

/// `user:password` for `registry` from the auth file alone (no helpers, no fallbacks).
#[cfg(test)]
fn credentials(file: Option<&Path>, registry: &str) -> Option<Creds> {
    let r = Reference::parse(&format!("{registry}/x"), registry).ok()?;
    let v = Value::Object(read_auth_file(file?).ok()?);
    lookup_in(file?, &v, &r, &mut |_, _, _| Ok(None)).ok()?
}

fn auth_file_err(file: &Path, e: impl std::fmt::Display) -> StorageError {
    StorageError::Registry {
        registry: String::new(),
        message: format!("auth file {}: {e}", file.display()),
    }
}

/// Reads an auth.json as a JSON object; a missing file is an empty one.
fn read_auth_file(file: &Path) -> Result<serde_json::Map<String, Value>> {
    match fs::read(file) {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(Default::default()),
        Ok(b) => match serde_json::from_slice::<Value>(&b) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(auth_file_err(file, "not a JSON object")),
            Err(e) => Err(auth_file_err(file, e)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(auth_file_err(file, e)),
    }
}

/// Writes the auth.json whole, mode 0600, by rename: a reader never sees half a file, and the
/// temporary file is created new (unpredictable name, `O_EXCL`) so nothing planted there first
/// receives the credentials.
fn write_auth_file(file: &Path, m: serde_json::Map<String, Value>) -> Result<()> {
    use std::io::Write;
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| auth_file_err(file, e))?;
    let text = serde_json::to_vec_pretty(&Value::Object(m)).map_err(|e| auth_file_err(file, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".auth.json.")
        .tempfile_in(dir)
        .map_err(|e| auth_file_err(file, e))?;
    tmp.write_all(&text)
        .and_then(|()| tmp.write_all(b"\n"))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| auth_file_err(file, e))?;
    tmp.persist(file)
        .map_err(|e| auth_file_err(file, e.error))?;
    Ok(())
}

/// Records `user:password` for `registry` in the auth.json `file`, keeping its other entries.
pub fn store_credentials(file: &Path, registry: &str, user: &str, password: &str) -> Result<()> {
    let mut m = read_auth_file(file)?;
    let auths = m
        .entry("auths")
        .or_insert_with(|| Value::Object(Default::default()));
    let Value::Object(auths) = auths else {
        return Err(auth_file_err(file, "\"auths\" is not an object"));
    };
    auths.insert(
        auth_key(registry).to_string(),
        serde_json::json!({"auth": B64.encode(format!("{user}:{password}"))}),
    );
    write_auth_file(file, m)
}

/// Drops `registry`'s credentials from the auth.json `file` (every registry's with `None`);
/// returns whether there were any.
pub fn remove_credentials(file: &Path, registry: Option<&str>) -> Result<bool> {
    let mut m = read_auth_file(file)?;
    let removed = match (m.get_mut("auths"), registry) {
        (Some(Value::Object(a)), Some(r)) => a.remove(auth_key(r)).is_some(),
        (Some(Value::Object(a)), None) => {
            let any = !a.is_empty();
            a.clear();
            any
        }
        _ => false,
    };
    if removed {
        write_auth_file(file, m)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_and_logout_edit_the_auth_file_and_keep_the_rest() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("sub/auth.json");
        store_credentials(&f, "a.example:5000", "u", "p:w").expect("store");
        store_credentials(&f, "b.example", "v", "q").expect("store");
        assert_eq!(
            credentials(Some(&f), "a.example:5000"),
            Some(("u".into(), "p:w".into()))
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&f).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        assert!(remove_credentials(&f, Some("a.example:5000")).expect("rm"));
        assert!(!remove_credentials(&f, Some("a.example:5000")).expect("rm again"));
        assert_eq!(credentials(Some(&f), "a.example:5000"), None);
        assert!(credentials(Some(&f), "b.example").is_some());
        assert!(remove_credentials(&f, None).expect("all"));
        assert_eq!(credentials(Some(&f), "b.example"), None);
        fs::write(&f, "[1]").expect("write");
        let e = store_credentials(&f, "c", "u", "p").expect_err("not an object");
        assert!(e.to_string().contains("auth.json"), "{e}");
    }

    #[test]
    fn namespaces_helpers_and_legacy_keys_are_read_as_containers_image_reads_them() {
        let f = Path::new("auth.json");
        let enc = |s: &str| B64.encode(s);
        let v = serde_json::json!({
            "auths": {
                "reg.example": {"auth": enc("host:1")},
                "reg.example/team": {"auth": enc("team:2")},
                "https://index.docker.io/v1/": {"auth": enc("hub:3")},
                "empty.example": {},
            },
            "credHelpers": {"helped.example": "vault"},
            "credsStore": "desktop",
        });
        let mut asked = Vec::new();
        let mut helper = |h: &str, s: &str, req: bool| {
            asked.push(format!("{h} {s} {req}"));
            Ok(Some(("from".to_string(), h.to_string())))
        };
        let get = |r: &str, helper: Helper<'_>| {
            let r = Reference::parse(r, "docker.io").expect("ref");
            lookup_in(f, &v, &r, helper)
                .expect("lookup")
                .map(|(u, _)| u)
        };
        assert_eq!(
            get("reg.example/team/app:1", &mut helper).as_deref(),
            Some("team")
        );
        assert_eq!(
            get("reg.example/other/app:1", &mut helper).as_deref(),
            Some("host")
        );
        assert_eq!(
            get("docker.io/library/busybox", &mut helper).as_deref(),
            Some("hub")
        );
        assert_eq!(
            get("helped.example/x", &mut helper).as_deref(),
            Some("from")
        );
        // No entry with credentials: the file's credsStore.
        assert_eq!(get("empty.example/x", &mut helper).as_deref(), Some("from"));
        assert_eq!(
            asked,
            ["vault helped.example true", "desktop empty.example false"]
        );
        let bad = serde_json::json!({"auths": {"reg.example": {"auth": "!!"}}});
        let r = Reference::parse("reg.example/x", "docker.io").expect("ref");
        let e = lookup_in(f, &bad, &r, &mut |_, _, _| Ok(None)).expect_err("bad base64");
        assert!(e.to_string().contains("reg.example"), "{e}");
    }

    #[test]
    fn a_helper_program_answers_through_its_protocol() {
        let dir = tempfile::tempdir().expect("tmp");
        // The helper protocol: `get`, the server on stdin, JSON on stdout.
        let script = dir.path().join("docker-credential-testhelper");
        fs::write(
            &script,
            "#!/bin/sh\nread s\ncase \"$s\" in\n  known.example) echo '{\"ServerURL\":\"known.example\",\"Username\":\"u\",\"Secret\":\"pw\"}';;\n  *) echo 'credentials not found in native keychain'; exit 1;;\nesac\n",
        )
        .expect("script");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
        let path = std::ffi::OsString::from(dir.path());
        // Retried on ETXTBSY: a process forked by another test while the script was open
        // for writing holds it open a moment.
        let on = |server| {
            let mut r = run_helper_on("testhelper", server, true, Some(&path));
            for _ in 0..20 {
                match &r {
                    Err(e) if e.to_string().contains("busy") => {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        r = run_helper_on("testhelper", server, true, Some(&path));
                    }
                    _ => break,
                }
            }
            r
        };
        assert_eq!(
            on("known.example").expect("asked"),
            Some(("u".to_string(), "pw".to_string()))
        );
        assert_eq!(on("other.example").expect("not found is none"), None);
        assert!(
            run_helper("surely-not-installed", "x.example", false)
                .expect("skipped")
                .is_none()
        );
        let e = run_helper("surely-not-installed", "x.example", true).expect_err("required");
        assert!(
            e.to_string()
                .contains("docker-credential-surely-not-installed"),
            "{e}"
        );
    }
}
