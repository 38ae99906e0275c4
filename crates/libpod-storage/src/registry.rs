//! Talking to a registry (feature `pull`): the HTTP client with its auth (anonymous, basic,
//! bearer tokens from a `WWW-Authenticate` challenge, credentials from an auth.json), the
//! registries.conf rules that say where a reference is fetched from (prefix, location, mirrors,
//! insecure, blocked), and auth.json editing for `login`/`logout`. Ground floor of the pull and
//! push modules: imports only the error and reference types.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use libpod_config::Registry;
use serde_json::Value;

use crate::auth::{Creds, auth_key, from_files, store_credentials};
use crate::error::{Result, StorageError};
use crate::reference::Reference;

/// Where and how to reach registries: registries.conf's settings and the caller's choices.
#[derive(Clone, Default)]
pub struct PullOptions {
    /// Registries searched, in order, for short names.
    pub search_registries: Vec<String>,
    /// Registries reached over plain HTTP or unverified TLS (the seed's `InsecureRegistries`).
    pub insecure: Vec<String>,
    /// registries.conf `[[registry]]` entries: prefix, location, insecure, blocked, mirrors.
    pub registries: Vec<Registry>,
    /// An auth.json (`{"auths": {"host": {"auth": base64(user:pass)}}}`).
    pub auth_file: Option<PathBuf>,
    /// `os/arch` to choose from an index (default: this machine's).
    pub platform: Option<String>,
    /// The signature policy images must pass before anything is fetched (none: no check).
    pub policy: Option<crate::policy::Policy>,
    /// `--tls-verify`: `Some(false)` reaches every registry over unverified TLS or plain HTTP,
    /// `Some(true)` verifies every one (registries.conf's `insecure` is ignored), `None`
    /// follows the configuration.
    pub tls_verify: Option<bool>,
    /// `--creds`: user and password for the registry, used before any auth file's.
    pub credentials: Option<(String, String)>,
    /// `--cert-dir`: the one directory of `*.crt` CAs and `*.cert`/`*.key` client pairs to
    /// use (default: the registry's directory under /etc/containers/certs.d and
    /// /etc/docker/certs.d).
    pub cert_dir: Option<PathBuf>,
    /// Push only: layers stored uncompressed go out as gzip, under a new manifest
    /// (`--compression-format gzip`); otherwise every blob goes as stored, digests kept.
    pub gzip_layers: bool,
}

/// `user:<redacted>`: a password never reaches a log through `{:?}`.
pub fn redacted(creds: &Option<(String, String)>) -> Option<String> {
    creds.as_ref().map(|(u, _)| format!("{u}:<redacted>"))
}

impl std::fmt::Debug for PullOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullOptions")
            .field("search_registries", &self.search_registries)
            .field("insecure", &self.insecure)
            .field("registries", &self.registries)
            .field("auth_file", &self.auth_file)
            .field("platform", &self.platform)
            .field("policy", &self.policy)
            .field("tls_verify", &self.tls_verify)
            .field("credentials", &redacted(&self.credentials))
            .field("cert_dir", &self.cert_dir)
            .field("gzip_layers", &self.gzip_layers)
            .finish()
    }
}

/// An HTTP answer that is not the expected one: worth another try for 429 and 5xx but 501 (a
/// busy or failing registry, as podman reads them), final otherwise.
pub(crate) fn status_err(registry: &str, status: u16, message: String) -> StorageError {
    if status == 429 || (status >= 500 && status != 501) {
        StorageError::Unreachable {
            registry: registry.to_string(),
            message,
        }
    } else {
        reg_err(registry, message)
    }
}

pub(crate) fn reg_err(registry: &str, message: impl Into<String>) -> StorageError {
    StorageError::Registry {
        registry: registry.to_string(),
        message: message.into(),
    }
}

/// One place to fetch a reference from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// The reference as this place names it.
    pub reference: Reference,
    /// Plain HTTP or unverified TLS allowed.
    pub insecure: bool,
    /// A mirror (not the reference's own location).
    pub mirror: bool,
}

/// The `[[registry]]` entry whose prefix matches `name` (`host/repo`) longest.
/// A `*.domain` prefix matches any host under that domain (and applies to it in place).
fn rule<'a>(opts: &'a PullOptions, name: &str) -> Option<&'a Registry> {
    let host = name.split('/').next().unwrap_or(name);
    let host_name = host.split(':').next().unwrap_or(host);
    opts.registries
        .iter()
        .filter(|r| {
            let p = r.prefix.trim_end_matches('/');
            match p.strip_prefix("*.") {
                Some(domain) => host_name.ends_with(&format!(".{domain}")),
                None => !p.is_empty() && (name == p || name.starts_with(&format!("{p}/"))),
            }
        })
        .max_by_key(|r| (!r.prefix.starts_with("*."), r.prefix.len()))
}

/// `r` with the `prefix` part of its name replaced by `location`.
fn relocate(r: &Reference, prefix: &str, location: &str) -> Result<Reference> {
    let name = r.name();
    let rest = &name[prefix.trim_end_matches('/').len().min(name.len())..];
    let mut s = format!("{}{rest}", location.trim_end_matches('/'));
    if let Some(t) = &r.tag {
        s.push_str(&format!(":{t}"));
    }
    if let Some(d) = &r.digest {
        s.push_str(&format!("@{d}"));
    }
    Reference::parse(&s, &r.registry)
}

/// Where to fetch `r` from, in order: the mirrors of the `[[registry]]` whose prefix matches,
/// then its location (the reference's own registry without a rule). A blocked registry is an
/// error naming the rule.
pub(crate) fn sources(r: &Reference, opts: &PullOptions) -> Result<Vec<Source>> {
    let mut out = configured_sources(r, opts)?;
    if let Some(verify) = opts.tls_verify {
        for s in &mut out {
            s.insecure = !verify;
        }
    }
    Ok(out)
}

/// [`sources`] as the configuration alone has them.
fn configured_sources(r: &Reference, opts: &PullOptions) -> Result<Vec<Source>> {
    let listed = |host: &str| opts.insecure.iter().any(|i| i == host);
    let Some(rule) = rule(opts, &r.name()) else {
        return Ok(vec![Source {
            reference: r.clone(),
            insecure: listed(&r.registry),
            mirror: false,
        }]);
    };
    if rule.blocked {
        return Err(reg_err(
            &r.registry,
            format!(
                "{} is blocked by the registries.conf entry for prefix {:?}",
                r.name(),
                rule.prefix
            ),
        ));
    }
    if rule.prefix.starts_with("*.") {
        // A wildcard entry says how to reach each host it covers, not where to go instead.
        return Ok(vec![Source {
            reference: r.clone(),
            insecure: rule.insecure || listed(&r.registry),
            mirror: false,
        }]);
    }
    let mut out = Vec::new();
    for m in &rule.mirrors {
        let reference = relocate(r, &rule.prefix, &m.location)?;
        out.push(Source {
            insecure: m.insecure || listed(&reference.registry),
            reference,
            mirror: true,
        });
    }
    let location = if rule.location.is_empty() {
        &rule.prefix
    } else {
        &rule.location
    };
    let reference = relocate(r, &rule.prefix, location)?;
    out.push(Source {
        insecure: rule.insecure || listed(&reference.registry),
        reference,
        mirror: false,
    });
    Ok(out)
}

/// Credentials: the caller's own (`--creds`), else the auth files' for the place contacted
/// (`src`), else for the registry the user named, which is where `login` keeps them when a
/// rule relocates it.
pub(crate) fn credentials_for(
    opts: &PullOptions,
    src: &Reference,
    asked: &Reference,
) -> Result<Option<Creds>> {
    if let Some(c) = &opts.credentials {
        return Ok(Some(c.clone()));
    }
    let file = opts.auth_file.as_deref();
    match from_files(file, src)? {
        Some(c) => Ok(Some(c)),
        None => from_files(file, asked),
    }
}

/// Checks `user:password` against `registry` (`GET /v2/`, answering its challenge) and, when
/// the registry accepts them, records them in `opts.auth_file` (`login`).
pub fn login(opts: &PullOptions, registry: &str, user: &str, password: &str) -> Result<()> {
    let file = opts
        .auth_file
        .as_deref()
        .ok_or_else(|| reg_err(registry, "no auth file to record the credentials in"))?;
    let host = auth_key(registry);
    let r = Reference::parse(&format!("{host}/x"), host)?;
    let src = sources(&r, opts)?
        .into_iter()
        .find(|s| !s.mirror)
        .ok_or_else(|| reg_err(host, "no location"))?;
    let mut c = Client::new(
        &src.reference.registry,
        src.insecure,
        Some((user.to_string(), password.to_string())),
        opts.cert_dir.as_deref(),
    )?;
    let resp = c.get("/v2/", "application/json")?;
    match resp.status().as_u16() {
        200 => store_credentials(file, host, user, password),
        s => Err(reg_err(
            host,
            format!("the registry answered HTTP {s} to the credentials; nothing was recorded"),
        )),
    }
}

/// A request body that can be sent again (after an auth challenge).
#[derive(Clone, Copy)]
pub(crate) enum Body<'a> {
    /// No body.
    None,
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// A file, sent whole (from its start) with its length.
    File(&'a fs::File),
}

fn challenge_param(h: &str, key: &str) -> Option<String> {
    let i = h.find(&format!("{key}=\""))? + key.len() + 2;
    let j = h[i..].find('"')? + i;
    Some(h[i..j].to_string())
}

/// One registry's client: scheme, credentials, and the Authorization header once earned.
#[derive(Clone)]
pub(crate) struct Client {
    agent: ureq::Agent,
    base: String,
    /// The registry's host, for messages.
    pub registry: String,
    creds: Option<(String, String)>,
    auth: Option<String>,
    /// May fall back to plain HTTP (not yet known to speak TLS).
    insecure: bool,
}

impl Client {
    /// A client for `registry` (`host[:port]`). An `insecure` one is tried over HTTPS without
    /// certificate checks first, then over plain HTTP, as podman does. Certificates come from
    /// `cert_dir`, else the registry's certs.d directories (see [`crate::certs`]).
    pub fn new(
        registry: &str,
        insecure: bool,
        creds: Option<(String, String)>,
        cert_dir: Option<&Path>,
    ) -> Result<Client> {
        let trust = crate::certs::trust(registry, cert_dir, !insecure)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .disable_verification(insecure)
                    .root_certs(trust.roots)
                    .client_cert(trust.client)
                    .build(),
            )
            .build()
            .into();
        Ok(Client {
            agent,
            base: format!("https://{}", endpoint_host(registry)),
            registry: registry.to_string(),
            creds,
            auth: None,
            insecure,
        })
    }

    /// A client for place `src` of reference `asked`, with the credentials and certificates
    /// `opts` give for it.
    pub fn for_source(src: &Source, asked: &Reference, opts: &PullOptions) -> Result<Client> {
        Client::new(
            &src.reference.registry,
            src.insecure,
            credentials_for(opts, &src.reference, asked)?,
            opts.cert_dir.as_deref(),
        )
    }

    /// Sends `method` to `path` (or an absolute URL), answering an auth challenge (basic, or a
    /// bearer token) when the registry asks, again when it asks for a wider scope (push).
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        // Credentials go only to the registry itself, not to an upload URL on another host.
        let ours = url.starts_with(&format!("{}/", self.base));
        // Challenges answered in this call: the same one again means the credentials are
        // wrong; a new one (a wider scope, an expired token) is answered.
        let mut answered: Vec<String> = Vec::new();
        for _ in 0..3 {
            let mut req = ureq::http::Request::builder().method(method).uri(&url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            if let Some(a) = self.auth.as_ref().filter(|_| ours) {
                req = req.header("Authorization", a);
            }
            let built =
                |e: ureq::http::Error| reg_err(&self.registry, format!("{method} {path}: {e}"));
            let sent = match body {
                Body::None => self.agent.run(req.body(()).map_err(built)?),
                Body::Bytes(b) => self.agent.run(req.body(b).map_err(built)?),
                Body::File(mut f) => {
                    use std::io::Seek;
                    f.seek(std::io::SeekFrom::Start(0))
                        .map_err(|e| reg_err(&self.registry, format!("{method} {path}: {e}")))?;
                    self.agent.run(req.body(f).map_err(built)?)
                }
            };
            // An insecure registry that does not speak TLS is asked again over plain HTTP
            // (once; the answer holds for the client's life).
            let sent = match sent {
                Err(ureq::Error::Io(_) | ureq::Error::Tls(_) | ureq::Error::Rustls(_))
                    if self.insecure && self.base.starts_with("https://") && ours =>
                {
                    self.insecure = false;
                    self.base = format!("http://{}", endpoint_host(&self.registry));
                    return self.send(method, path, headers, body);
                }
                other => {
                    if other.is_ok() {
                        // It answered over this scheme: no fallback from now on.
                        self.insecure = false;
                    }
                    other
                }
            };
            tracing::debug!(
                registry = %self.registry,
                method,
                url = %url,
                status = sent.as_ref().ok().map(|r| r.status().as_u16()),
                "registry request"
            );
            let resp = sent.map_err(|e| {
                let hint = failure_hint(&e, self.base.starts_with("https:"));
                let message = format!("{method} {path}: {e}{hint}");
                if transient(&e) {
                    StorageError::Unreachable {
                        registry: self.registry.clone(),
                        message,
                    }
                } else {
                    reg_err(&self.registry, message)
                }
            })?;
            if resp.status().as_u16() != 401 {
                return Ok(resp);
            }
            let challenge = resp
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            // The same challenge answered once already: the credentials are wrong.
            if !ours || answered.contains(&challenge) {
                break;
            }
            self.auth = Some(self.answer(&challenge)?);
            answered.push(challenge);
        }
        Err(reg_err(
            &self.registry,
            format!(
                "{method} {path}: authentication failed; check the credentials (rpod login {})",
                self.registry
            ),
        ))
    }

    /// GET `path` with an `Accept` list.
    pub fn get(&mut self, path: &str, accept: &str) -> Result<ureq::http::Response<ureq::Body>> {
        self.send("GET", path, &[("Accept", accept)], Body::None)
    }

    fn answer(&self, challenge: &str) -> Result<String> {
        let basic = self
            .creds
            .as_ref()
            .map(|(u, p)| format!("Basic {}", B64.encode(format!("{u}:{p}"))));
        if challenge.to_ascii_lowercase().starts_with("basic") {
            return basic.ok_or_else(|| {
                reg_err(
                    &self.registry,
                    format!(
                        "the registry requires credentials; log in first (rpod login {})",
                        self.registry
                    ),
                )
            });
        }
        let realm = challenge_param(challenge, "realm").ok_or_else(|| {
            reg_err(
                &self.registry,
                format!("unsupported authentication challenge {challenge:?}"),
            )
        })?;
        let mut url = realm;
        let mut sep = if url.contains('?') { '&' } else { '?' };
        for k in ["service", "scope"] {
            if let Some(v) = challenge_param(challenge, k) {
                url.push(sep);
                url.push_str(&format!("{k}={}", v.replace(' ', "%20")));
                sep = '&';
            }
        }
        let mut req = self.agent.get(&url);
        if let Some(b) = &basic {
            req = req.header("Authorization", b);
        }
        let mut resp = req
            .call()
            .map_err(|e| reg_err(&self.registry, format!("token from {url}: {e}")))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| reg_err(&self.registry, e.to_string()))?;
        if status != 200 {
            return Err(reg_err(
                &self.registry,
                format!(
                    "token from {url}: HTTP {status}{}",
                    if status == 401 {
                        "; check the credentials"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| reg_err(&self.registry, format!("token reply: {e}")))?;
        let token = v["token"]
            .as_str()
            .or(v["access_token"].as_str())
            .ok_or_else(|| reg_err(&self.registry, "the token service returned no token"))?;
        Ok(format!("Bearer {token}"))
    }

    /// GET `path` whole (at most 16 MiB); its bytes and content type. Not 200 is an error.
    pub fn bytes(&mut self, path: &str, accept: &str) -> Result<(Vec<u8>, String)> {
        let (bytes, ctype, _) = self.fetch(path, accept)?;
        Ok((bytes, ctype))
    }

    /// `bytes`, with the next page's path or URL when the answer has one (`Link`).
    pub fn page(&mut self, path: &str, accept: &str) -> Result<(Vec<u8>, Option<String>)> {
        let (bytes, _, next) = self.fetch(path, accept)?;
        Ok((bytes, next))
    }

    /// A small body (up to 16 MiB) that must come with 200, its content type and next page.
    fn fetch(&mut self, path: &str, accept: &str) -> Result<(Vec<u8>, String, Option<String>)> {
        let resp = self.get(path, accept)?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let ctype = header("content-type").unwrap_or_default();
        let next = header("link").as_deref().and_then(next_link);
        let mut body = resp.into_body();
        let bytes = body
            .with_config()
            .limit(16 << 20)
            .read_to_vec()
            .map_err(|e| reg_err(&self.registry, format!("GET {path}: {e}")))?;
        if status != 200 {
            return Err(status_err(
                &self.registry,
                status,
                format!(
                    "GET {path}: HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes).trim()
                ),
            ));
        }
        Ok((bytes, ctype, next))
    }
}

/// The host a registry's API is served from: Docker Hub's is `registry-1.docker.io`, as
/// containers/image reaches it; every other registry is its own.
pub fn endpoint_host(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        other => other,
    }
}

/// What to do about a failed request, by its cause: a name that does not resolve, nothing
/// listening, no answer in time, or (over HTTPS only) a TLS failure.
fn failure_hint(e: &ureq::Error, https: bool) -> &'static str {
    use std::io::ErrorKind as K;
    const TLS: &str = "; if this registry serves plain HTTP or an unverifiable certificate, mark it insecure = true in registries.conf (or pass --tls-verify=false), or trust its CA: put it in /etc/containers/certs.d/HOST:PORT/ca.crt (or pass --cert-dir)";
    let dns = "; the registry's host name could not be resolved: check the name and the host's DNS";
    match e {
        ureq::Error::HostNotFound => dns,
        ureq::Error::Timeout(_) => {
            "; the registry did not answer in time: check the network, a proxy, or try again"
        }
        ureq::Error::Io(io) if io.kind() == K::ConnectionRefused => {
            "; nothing accepts connections there: check the host and port, and that the registry runs"
        }
        ureq::Error::Io(io) if io.kind() == K::TimedOut => {
            "; the registry did not answer in time: check the network, a proxy, or try again"
        }
        ureq::Error::Io(io) if io.to_string().contains("lookup") => dns,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) if https => TLS,
        // A plain-HTTP server answering a TLS hello looks like a broken stream.
        ureq::Error::Io(io) if https && matches!(io.kind(), K::InvalidData | K::UnexpectedEof) => {
            TLS
        }
        _ => "",
    }
}

/// Whether a request failed on the way (refused, reset, timed out), not by what either side
/// said: a TLS or protocol mismatch is not worth repeating.
fn transient(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as K;
    match e {
        ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            K::ConnectionRefused
                | K::ConnectionReset
                | K::ConnectionAborted
                | K::TimedOut
                | K::BrokenPipe
                | K::NotConnected
                | K::NetworkUnreachable
                | K::HostUnreachable
                | K::UnexpectedEof
        ),
        _ => false,
    }
}

/// The `rel="next"` target of a `Link` header (`<URL>; rel="next"`), as registries paginate.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use libpod_config::Mirror;

    #[test]
    fn docker_hub_is_reached_at_its_api_host() {
        assert_eq!(endpoint_host("docker.io"), "registry-1.docker.io");
        assert_eq!(endpoint_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn a_failure_gets_the_hint_of_its_cause() {
        use std::io::{Error, ErrorKind};
        assert!(failure_hint(&ureq::Error::HostNotFound, true).contains("resolved"));
        let refused = ureq::Error::Io(Error::from(ErrorKind::ConnectionRefused));
        assert!(failure_hint(&refused, true).contains("nothing accepts connections"));
        let timed_out = ureq::Error::Io(Error::from(ErrorKind::TimedOut));
        assert!(failure_hint(&timed_out, false).contains("in time"));
        assert!(failure_hint(&ureq::Error::Tls("bad cert"), true).contains("insecure"));
        // Over plain HTTP a TLS hint would mislead.
        assert!(failure_hint(&ureq::Error::Tls("bad cert"), false).is_empty());
    }

    fn opts() -> PullOptions {
        PullOptions {
            insecure: vec!["plain.example:5000".into()],
            registries: vec![
                Registry {
                    prefix: "docker.io".into(),
                    location: "docker.io".into(),
                    insecure: false,
                    blocked: false,
                    mirrors: vec![Mirror {
                        location: "127.0.0.1:5001/hub".into(),
                        insecure: true,
                    }],
                },
                Registry {
                    prefix: "example.com/team".into(),
                    location: "plain.example:5000/team-mirror".into(),
                    ..Default::default()
                },
                Registry {
                    prefix: "bad.example".into(),
                    location: "bad.example".into(),
                    blocked: true,
                    ..Default::default()
                },
                Registry {
                    prefix: "*.corp.example".into(),
                    insecure: true,
                    ..Default::default()
                },
                Registry {
                    prefix: "*.banned.example".into(),
                    blocked: true,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn mirrors_come_first_then_the_location() {
        let r = Reference::parse("docker.io/library/busybox:1", "docker.io").expect("ref");
        let s = sources(&r, &opts()).expect("sources");
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].reference.to_string(),
            "127.0.0.1:5001/hub/library/busybox:1"
        );
        assert!(s[0].insecure && s[0].mirror);
        assert_eq!(s[1].reference, r);
        assert!(!s[1].insecure && !s[1].mirror);
    }

    #[test]
    fn the_longest_prefix_relocates_and_keeps_the_digest() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("example.com/team/app@{d}"), "docker.io").expect("ref");
        let s = sources(&r, &opts()).expect("sources");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].reference.registry, "plain.example:5000");
        assert_eq!(s[0].reference.repository, "team-mirror/app");
        assert_eq!(s[0].reference.digest.as_deref(), Some(d.as_str()));
        assert!(s[0].insecure, "listed insecure by host");
        // `example.com/teamwork` is not under the prefix `example.com/team`.
        let r = Reference::parse("example.com/teamwork/app", "docker.io").expect("ref");
        assert_eq!(sources(&r, &opts()).expect("sources")[0].reference, r);
    }

    #[test]
    fn wildcard_prefixes_apply_to_every_host_under_them_in_place() {
        let r = Reference::parse("reg.corp.example:5000/x/y:1", "docker.io").expect("ref");
        let s = sources(&r, &opts()).expect("sources");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].reference, r);
        assert!(s[0].insecure);
        let r = Reference::parse("a.b.banned.example/x:1", "docker.io").expect("ref");
        assert!(sources(&r, &opts()).is_err(), "blocked by wildcard");
        let r = Reference::parse("corp.example/x:1", "docker.io").expect("ref");
        assert!(
            !sources(&r, &opts()).expect("sources")[0].insecure,
            "the domain itself is not under *."
        );
    }

    #[test]
    fn tls_verify_overrides_the_configuration_both_ways() {
        let r = Reference::parse("docker.io/library/busybox:1", "docker.io").expect("ref");
        let mut o = opts();
        o.tls_verify = Some(true);
        let s = sources(&r, &o).expect("sources");
        assert_eq!(s.len(), 2, "mirrors still come first");
        assert!(
            s.iter().all(|s| !s.insecure),
            "the insecure mirror is verified"
        );
        o.tls_verify = Some(false);
        assert!(sources(&r, &o).expect("sources").iter().all(|s| s.insecure));
        // Blocking is not a TLS matter.
        let r = Reference::parse("bad.example/x:1", "docker.io").expect("ref");
        assert!(sources(&r, &o).is_err());
    }

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        assert_eq!(
            next_link("</v2/busybox/tags/list?last=b&n=2>; rel=\"next\"").as_deref(),
            Some("/v2/busybox/tags/list?last=b&n=2")
        );
        assert_eq!(next_link("<https://r.example/x>; rel=\"prev\""), None);
        assert_eq!(
            next_link("</b>; rel=prev, </n>; rel=next").as_deref(),
            Some("/n")
        );
    }

    #[test]
    fn debug_output_does_not_show_the_password() {
        let o = PullOptions {
            credentials: Some(("alice".into(), "s3cret".into())),
            ..Default::default()
        };
        let shown = format!("{o:?}");
        assert!(
            shown.contains("alice:<redacted>") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[test]
    fn a_blocked_prefix_is_refused_by_name() {
        let r = Reference::parse("bad.example/x:1", "docker.io").expect("ref");
        let e = sources(&r, &opts()).expect_err("blocked").to_string();
        assert!(e.contains("blocked") && e.contains("bad.example"), "{e}");
    }

    #[test]
    fn given_credentials_come_before_the_auth_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("auth.json");
        store_credentials(&file, "reg.example", "filed", "pw").expect("store");
        let r = Reference::parse("reg.example/x:1", "docker.io").expect("ref");
        let mut o = PullOptions {
            auth_file: Some(file),
            ..Default::default()
        };
        assert_eq!(
            credentials_for(&o, &r, &r).expect("lookup"),
            Some(("filed".to_string(), "pw".to_string()))
        );
        o.credentials = Some(("given".into(), "secret".into()));
        assert_eq!(
            credentials_for(&o, &r, &r).expect("lookup"),
            Some(("given".to_string(), "secret".to_string()))
        );
    }
}
