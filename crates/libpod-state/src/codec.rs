//! How records are stored: JSON, so every field survives and older records keep decoding.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Result, StateError};

/// Encodes a record.
pub(crate) fn encode<T: Serialize>(what: &'static str, key: &str, value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StateError::Decode {
        what,
        key: key.to_string(),
        detail: e.to_string(),
    })
}

/// Decodes a stored record; damage is an error naming the record, never a panic.
pub fn decode<T: DeserializeOwned>(what: &'static str, key: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StateError::Decode {
        what,
        key: key.to_string(),
        detail: e.to_string(),
    })
}
