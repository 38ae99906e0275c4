//! Image references: parsing and normalisation as podman does them (ground floor).

use std::fmt;

use crate::error::{Result, StorageError};

/// A parsed image reference: registry, repository, tag and/or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host (with port), e.g. `docker.io`, `localhost`, `127.0.0.1:5000`.
    pub registry: String,
    /// Repository path, e.g. `library/busybox`.
    pub repository: String,
    /// Tag, when given (or defaulted).
    pub tag: Option<String>,
    /// Digest, when given.
    pub digest: Option<String>,
}

fn bad(reference: &str, reason: &str) -> StorageError {
    StorageError::BadReference {
        reference: reference.to_string(),
        reason: reason.to_string(),
    }
}

/// True when the first path component names a registry rather than a repository.
fn is_registry(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

impl Reference {
    /// Parses `s`. A short name (no registry) gets `default_registry`; on `docker.io` a
    /// one-component repository gets `library/`, and a missing tag becomes `latest` unless a
    /// digest is given.
    pub fn parse(s: &str, default_registry: &str) -> Result<Self> {
        if s.is_empty() {
            return Err(bad(s, "empty"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(s, "contains white space"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                crate::digest::hex_of(d)
                    .map_err(|_| bad(s, "the digest must be sha256:<64 hex digits>"))?;
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(rest[i + 1..].to_string())),
            _ => (rest, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !ok {
                return Err(bad(s, "a tag is 1 to 128 of [A-Za-z0-9_.-]"));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if is_registry(first) => (first.to_string(), rest.to_string()),
            _ => (default_registry.to_string(), name.to_string()),
        };
        let repo_ok = !repository.is_empty()
            && repository.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase()
                            || b.is_ascii_digit()
                            || matches!(b, b'_' | b'.' | b'-')
                    })
            });
        if !repo_ok {
            return Err(bad(
                s,
                "repository names are lowercase [a-z0-9_.-] components separated by /",
            ));
        }
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// True when `s` names its registry explicitly.
    pub fn is_qualified(s: &str) -> bool {
        s.split_once('/')
            .is_some_and(|(first, _)| is_registry(first))
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}
