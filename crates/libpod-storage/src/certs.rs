//! What a registry connection trusts and presents, found as podman finds it: the system's CA
//! bundle, plus the `*.crt` CAs and `*.cert`/`*.key` client pairs of the registry's certs.d
//! directory (the first of `~/.config/containers/certs.d/HOST[:PORT]` when not root,
//! `/etc/containers/certs.d/...`, `/etc/docker/certs.d/...`), or of the one directory given
//! with `--cert-dir`. Ground floor of `registry`: `error` only.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, parse_pem};

use crate::error::{Result, StorageError};

/// System CA bundles, the first found is used (Debian, Fedora, SUSE, Alpine).
const SYSTEM_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The certs.d roots searched for a registry's directory when no `--cert-dir` is given.
const CERTS_D: [&str; 2] = ["/etc/containers/certs.d", "/etc/docker/certs.d"];

/// What a connection to one registry trusts (`roots`) and presents (`client`).
pub(crate) struct Trust {
    pub roots: RootCerts,
    pub client: Option<ClientCert>,
}

fn cert_err(registry: &str, path: &Path, e: impl std::fmt::Display) -> StorageError {
    StorageError::Registry {
        registry: registry.to_string(),
        message: format!("certificate file {}: {e}", path.display()),
    }
}

/// The system's CA certificates, read once; empty when there is no bundle (then the built-in
/// Mozilla list is used instead).
fn system_roots() -> &'static [Certificate<'static>] {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        SYSTEM_BUNDLES
            .iter()
            .find_map(|p| fs::read(p).ok())
            .map(|pem| {
                parse_pem(&pem)
                    .filter_map(|i| match i {
                        Ok(PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// [`system_roots`] as ureq takes them, built once (shared, not copied, by every client); the
/// built-in list when there is no bundle.
fn system_root_certs() -> RootCerts {
    static ROOTS: OnceLock<RootCerts> = OnceLock::new();
    ROOTS
        .get_or_init(|| match system_roots() {
            [] => RootCerts::WebPki,
            certs => RootCerts::new_with_certs(certs),
        })
        .clone()
}

/// The directory holding `registry`'s certificates: `cert_dir` when given, else the
/// registry's directory under the first of `roots` that has one (as containers/image).
fn cert_dirs(registry: &str, cert_dir: Option<&Path>, roots: &[PathBuf]) -> Vec<PathBuf> {
    match cert_dir {
        Some(d) => vec![d.to_path_buf()],
        None => roots
            .iter()
            .map(|r| r.join(registry))
            .find(|d| d.is_dir())
            .into_iter()
            .collect(),
    }
}

/// The certificates in PEM file `path` (at least one).
fn certs_in(registry: &str, path: &Path) -> Result<Vec<Certificate<'static>>> {
    let pem = fs::read(path).map_err(|e| cert_err(registry, path, e))?;
    let mut out = Vec::new();
    for item in parse_pem(&pem) {
        if let PemItem::Certificate(c) = item.map_err(|e| cert_err(registry, path, e))? {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(cert_err(registry, path, "no PEM certificate in it"));
    }
    Ok(out)
}

/// The trust for `registry`: from `cert_dir` when given, else from its certs.d directories.
/// A `verify`-less connection only needs the client certificate.
pub(crate) fn trust(registry: &str, cert_dir: Option<&Path>, verify: bool) -> Result<Trust> {
    // A user's own directory comes first when not root (rootless podman's).
    let user = std::env::var_os("HOME")
        .filter(|_| !nix::unistd::geteuid().is_root())
        .map(|h| PathBuf::from(h).join(".config/containers/certs.d"));
    let roots: Vec<PathBuf> = user
        .into_iter()
        .chain(CERTS_D.iter().map(PathBuf::from))
        .collect();
    trust_from(registry, &cert_dirs(registry, cert_dir, &roots), verify)
}

fn trust_from(registry: &str, dirs: &[PathBuf], verify: bool) -> Result<Trust> {
    let mut extra = Vec::new();
    let mut client = None;
    for dir in dirs {
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| cert_err(registry, dir, e))?
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for p in &files {
            match p.extension().and_then(|e| e.to_str()) {
                Some("crt") => extra.extend(certs_in(registry, p)?),
                Some("cert") => {
                    let key = p.with_extension("key");
                    let pem = fs::read(&key).map_err(|e| {
                        cert_err(registry, &key, format!("{e} (each .cert needs its .key)"))
                    })?;
                    let k = PrivateKey::from_pem(&pem).map_err(|e| cert_err(registry, &key, e))?;
                    let chain = certs_in(registry, p)?;
                    // The first pair in name order is the one presented.
                    if client.is_none() {
                        client = Some(ClientCert::new_with_certs(&chain, k));
                    }
                }
                Some("key") if !p.with_extension("cert").exists() => {
                    return Err(cert_err(registry, p, "a .key without its .cert"));
                }
                _ => {}
            }
        }
    }
    // Unverified connections need no roots, so the bundle is not even read for them.
    let roots = match (verify, extra.is_empty()) {
        (false, _) => RootCerts::WebPki,
        (true, true) => system_root_certs(),
        (true, false) => RootCerts::new_with_certs(&[system_roots(), &extra[..]].concat()),
    };
    Ok(Trust { roots, client })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_dir_wins_else_the_first_certs_d_that_has_the_registry() {
        let a = tempfile::tempdir().expect("tmp");
        let b = tempfile::tempdir().expect("tmp");
        let c = tempfile::tempdir().expect("tmp");
        fs::create_dir_all(b.path().join("reg.example:5000")).expect("dir");
        fs::create_dir_all(c.path().join("reg.example:5000")).expect("dir");
        let roots = [a.path(), b.path(), c.path()].map(Path::to_path_buf);
        assert_eq!(
            cert_dirs("reg.example:5000", None, &roots),
            vec![b.path().join("reg.example:5000")]
        );
        assert!(cert_dirs("other.example", None, &roots).is_empty());
        assert_eq!(
            cert_dirs("reg.example:5000", Some(a.path()), &roots),
            vec![a.path().to_path_buf()]
        );
    }

    #[test]
    fn bad_files_are_named() {
        let d = tempfile::tempdir().expect("tmp");
        fs::write(d.path().join("ca.crt"), "not pem").expect("write");
        let e = trust_from("r", &[d.path().to_path_buf()], true)
            .err()
            .expect("refused")
            .to_string();
        assert!(
            e.contains("ca.crt") && e.contains("no PEM certificate"),
            "{e}"
        );
        fs::remove_file(d.path().join("ca.crt")).expect("rm");
        fs::write(d.path().join("client.key"), "x").expect("write");
        let e = trust_from("r", &[d.path().to_path_buf()], true)
            .err()
            .expect("refused")
            .to_string();
        assert!(
            e.contains("client.key") && e.contains("without its .cert"),
            "{e}"
        );
        fs::write(d.path().join("client.cert"), "x").expect("write");
        fs::remove_file(d.path().join("client.key")).expect("rm");
        let e = trust_from("r", &[d.path().to_path_buf()], true)
            .err()
            .expect("refused")
            .to_string();
        assert!(
            e.contains("client.key") && e.contains("needs its .key"),
            "{e}"
        );
    }
}
