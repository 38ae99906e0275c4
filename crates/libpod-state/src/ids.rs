//! IDs and names: generation and validation (ground floor).

use std::io::Read;

use crate::error::{Result, StateError};

/// A new random 64-hex-digit ID from the kernel's random source.
pub fn new_id() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|source| StateError::Io {
            path: "/dev/urandom".into(),
            source,
        })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// True for 64 lowercase hex digits.
pub fn is_full_id(s: &str) -> bool {
    s.len() == 64 && is_hex(s)
}

/// True for a non-empty string of lowercase hex digits (a possible ID prefix).
pub fn is_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Checks an ID.
pub fn check_id(id: &str) -> Result<()> {
    if is_full_id(id) {
        Ok(())
    } else {
        Err(StateError::InvalidId(id.to_string()))
    }
}

/// Checks a name against podman's rule, `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn check_name(name: &str) -> Result<()> {
    let mut bytes = name.bytes();
    let ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StateError::InvalidName(name.to_string()))
    }
}
