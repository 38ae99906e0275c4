//! The signature policy (containers-policy.json(5)): which images may be stored, by transport
//! and scope. `insecureAcceptAnything` and `reject` are enforced; signature requirements
//! (`signedBy`, `sigstoreSigned`) cannot be verified here, so an image they govern is refused
//! (never accepted unverified). Ground floor: imports only the error type.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Result, StorageError};

/// One requirement of a policy entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type")]
enum Requirement {
    /// Anything goes.
    #[serde(rename = "insecureAcceptAnything")]
    Accept,
    /// Nothing goes.
    #[serde(rename = "reject")]
    Reject,
    /// A signature check we cannot do: refused.
    #[serde(rename = "signedBy", alias = "sigstoreSigned")]
    Signed {},
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: Vec<Requirement>,
    #[serde(default)]
    transports: BTreeMap<String, BTreeMap<String, Vec<Requirement>>>,
}

/// A loaded policy.json.
#[derive(Debug, Clone)]
pub struct Policy {
    path: PathBuf,
    file: File,
}

fn refused(reference: &str, why: String) -> StorageError {
    StorageError::PolicyRejected {
        reference: reference.to_string(),
        reason: why,
    }
}

impl Policy {
    /// Reads and checks `path`; a missing or malformed file is an error naming it.
    pub fn load(path: &Path) -> Result<Policy> {
        let bad = |reason: String| StorageError::BadPolicy {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read(path).map_err(|e| {
            bad(format!(
                "{e}; create it (for example {{\"default\": [{{\"type\": \"insecureAcceptAnything\"}}]}}) or point signature_policy_path elsewhere"
            ))
        })?;
        let file: File = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
        if file.default.is_empty() {
            return Err(bad("\"default\" lists no requirement".into()));
        }
        Ok(Policy {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The requirements for `reference` over `transport` (`docker`, `oci`, `oci-archive`,
    /// `docker-archive`) and the scope they came from: the most specific scope wins.
    fn requirements(&self, transport: &str, reference: &str) -> (&[Requirement], String) {
        if let Some(scopes) = self.file.transports.get(transport) {
            for scope in candidate_scopes(transport, reference) {
                if let Some(r) = scopes.get(&scope) {
                    return (r, format!("transports.{transport}.{scope:?}"));
                }
            }
            if let Some(r) = scopes.get("") {
                return (r, format!("transports.{transport}.\"\""));
            }
        }
        (&self.file.default, "default".into())
    }

    /// Whether `reference` (as `transport` names it: `host/repo:tag` for docker, a path for
    /// the others) may be stored; an error says which entry of which file refused it.
    pub fn check(&self, transport: &str, reference: &str) -> Result<()> {
        let (reqs, scope) = self.requirements(transport, reference);
        for r in reqs {
            match r {
                Requirement::Accept => {}
                Requirement::Reject => {
                    return Err(refused(
                        reference,
                        format!("rejected by {scope} of {}", self.path.display()),
                    ));
                }
                Requirement::Signed {} => {
                    return Err(refused(
                        reference,
                        format!(
                            "{scope} of {} requires a signature, which rpod cannot verify",
                            self.path.display()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Scopes from most to least specific. docker: the reference itself (with tag or digest),
/// then the repository, its parent namespaces, the host, then `*.domain` wildcards; other
/// transports: the path (with any `:tag`), then its parent directories.
fn candidate_scopes(transport: &str, reference: &str) -> Vec<String> {
    let mut out = vec![reference.to_string()];
    if transport == "docker" {
        let repo = match reference.rsplit_once('@') {
            Some((r, _)) => r,
            None => match reference.rsplit_once(':') {
                Some((r, t)) if !t.contains('/') => r,
                _ => reference,
            },
        };
        let mut s = repo;
        loop {
            if s != reference {
                out.push(s.to_string());
            }
            match s.rsplit_once('/') {
                Some((parent, _)) => s = parent,
                None => break,
            }
        }
        let host = s.split(':').next().unwrap_or(s);
        let mut labels: &str = host;
        while let Some((_, rest)) = labels.split_once('.') {
            out.push(format!("*.{rest}"));
            labels = rest;
        }
    } else {
        let path = reference.split(':').next().unwrap_or(reference);
        let mut p = Path::new(path);
        if path != reference {
            out.push(path.to_string());
        }
        while let Some(parent) = p.parent() {
            if parent.as_os_str().is_empty() {
                break;
            }
            out.push(parent.display().to_string());
            p = parent;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("policy.json");
        std::fs::write(&p, text).expect("write");
        Policy::load(&p).expect("policy")
    }

    #[test]
    fn the_most_specific_docker_scope_wins() {
        let p = policy(
            r#"{"default": [{"type": "reject"}],
                "transports": {"docker": {
                    "reg.example:5000": [{"type": "insecureAcceptAnything"}],
                    "reg.example:5000/team/bad": [{"type": "reject"}],
                    "reg.example:5000/team/bad:ok": [{"type": "insecureAcceptAnything"}],
                    "*.trusted.example": [{"type": "insecureAcceptAnything"}]
                }}}"#,
        );
        assert!(p.check("docker", "reg.example:5000/team/good:1").is_ok());
        let e = p
            .check("docker", "reg.example:5000/team/bad:1")
            .expect_err("rejected")
            .to_string();
        assert!(e.contains("team/bad") && e.contains("policy.json"), "{e}");
        assert!(p.check("docker", "reg.example:5000/team/bad:ok").is_ok());
        assert!(p.check("docker", "a.b.trusted.example/x/y:1").is_ok());
        assert!(p.check("docker", "other.example/x:1").is_err(), "default");
        assert!(p.check("oci-archive", "/tmp/x.tar").is_err(), "default");
    }

    #[test]
    fn signatures_are_refused_and_bad_files_named() {
        let p =
            policy(r#"{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k"}]}"#);
        let e = p
            .check("docker", "r.example/x:1")
            .expect_err("unverifiable")
            .to_string();
        assert!(e.contains("signature"), "{e}");
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("policy.json");
        std::fs::write(&f, r#"{"default": [{"type": "maybe"}]}"#).expect("write");
        assert!(
            Policy::load(&f)
                .expect_err("unknown type")
                .to_string()
                .contains("policy.json")
        );
        let missing = Policy::load(&dir.path().join("none.json")).expect_err("missing");
        assert!(
            missing.to_string().contains("insecureAcceptAnything"),
            "{missing}"
        );
    }

    #[test]
    fn other_transports_match_paths_and_parents() {
        let p = policy(
            r#"{"default": [{"type": "insecureAcceptAnything"}],
                "transports": {"oci-archive": {"/srv/untrusted": [{"type": "reject"}]}}}"#,
        );
        assert!(p.check("oci-archive", "/srv/untrusted/a.tar").is_err());
        assert!(p.check("oci-archive", "/srv/ok/a.tar").is_ok());
        assert!(p.check("docker-archive", "/srv/untrusted/a.tar").is_ok());
    }
}
