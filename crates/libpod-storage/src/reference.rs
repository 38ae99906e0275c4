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

/// A repository path component as the distribution spec has it: lowercase letters and digits
/// in runs joined by one `.`, one or two `_`, or any number of `-`.
fn component_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: &u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(&b[0]) || !b.last().is_some_and(alnum) {
        return false;
    }
    let mut sep = String::new();
    for x in b {
        if alnum(x) {
            if !(sep.is_empty()
                || sep == "."
                || sep == "_"
                || sep == "__"
                || sep.bytes().all(|s| s == b'-'))
            {
                return false;
            }
            sep.clear();
        } else if matches!(x, b'.' | b'_' | b'-') {
            sep.push(*x as char);
        } else {
            return false;
        }
    }
    true
}

/// A registry host: DNS labels (letters, digits, inner hyphens) joined by dots, an
/// optional `:port`.
fn registry_ok(r: &str) -> bool {
    let (host, port) = match r.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (r, None),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    host.split('.').all(label_ok)
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A digest: `sha256:` and 64, `sha384:` and 96 or `sha512:` and 128 lowercase hex digits.
fn digest_ok(d: &str) -> bool {
    let Some((algo, hex)) = d.split_once(':') else {
        return false;
    };
    let len = match algo {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
                if !digest_ok(d) {
                    return Err(bad(
                        s,
                        "a digest is sha256:, sha384: or sha512: with 64, 96 or 128 hex digits",
                    ));
                }
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
        if !registry_ok(&registry) {
            return Err(bad(
                s,
                "the registry is a host name or address with an optional :port",
            ));
        }
        let repo_ok = !repository.is_empty() && repository.split('/').all(component_ok);
        if !repo_ok {
            return Err(bad(
                s,
                "repository names are lowercase letters and digits, joined by '.', '_', '__' or '-', in components separated by /",
            ));
        }
        if registry.len() + 1 + repository.len() > 255 {
            return Err(bad(s, "the name is longer than 255 characters"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distribution_grammar() {
        for ok in [
            "busybox",
            "a__b/c.d-e--f",
            "127.0.0.1:5000/x/y:v1.0",
            "localhost/x",
            "quay.io/a/b@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(Reference::parse(ok, "docker.io").is_ok(), "{ok}");
        }
        for bad in [
            "a..b",
            "-x",
            "x-",
            "a___b",
            "A",
            "x/",
            "bad-.host/x",
            "h:port/x",
            "x@md5:abc",
            "x@sha256:abc",
        ] {
            assert!(Reference::parse(bad, "docker.io").is_err(), "{bad}");
        }
    }
}
