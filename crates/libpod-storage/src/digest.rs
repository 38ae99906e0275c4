//! sha256 digests: parsing, and hashing while reading or writing (ground floor).

use std::io::{self, Read, Write};

use sha2::{Digest as _, Sha256};

use crate::error::{Result, StorageError};

/// Checks `sha256:<64 hex>` and returns the hex part.
pub fn hex_of(digest: &str) -> Result<&str> {
    match digest.strip_prefix("sha256:") {
        Some(h)
            if h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(h)
        }
        _ => Err(StorageError::BadDigest(digest.to_string())),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// The digest of some bytes.
pub fn of_bytes(bytes: &[u8]) -> String {
    format!("sha256:{}", to_hex(&Sha256::digest(bytes)))
}

/// Hashes what passes through it, in either direction.
pub struct Hashing<T> {
    inner: T,
    hasher: Option<Sha256>,
    count: u64,
}

impl<T> Hashing<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Hashing {
            inner,
            hasher: Some(Sha256::new()),
            count: 0,
        }
    }

    /// Wraps `inner`, only counting: for a stream whose digest is known and checked elsewhere.
    /// Its `finish` and `current` digests are then meaningless; only the count is.
    pub fn counting(inner: T) -> Self {
        Hashing {
            inner,
            hasher: None,
            count: 0,
        }
    }

    #[cfg(feature = "pull")]
    /// The wrapped value.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    #[cfg(feature = "pull")]
    /// Counts and hashes `bytes` as if they had passed through (they are already there).
    pub(crate) fn absorb(&mut self, bytes: &[u8]) {
        if let Some(h) = &mut self.hasher {
            h.update(bytes);
        }
        self.count += bytes.len() as u64;
    }

    /// The digest of everything so far.
    pub fn current(&self) -> String {
        format!(
            "sha256:{}",
            to_hex(&self.hasher.clone().unwrap_or_default().finalize())
        )
    }

    /// The digest and size of everything so far, and the inner value.
    pub fn finish(self) -> (String, u64, T) {
        (
            format!(
                "sha256:{}",
                to_hex(&self.hasher.unwrap_or_default().finalize())
            ),
            self.count,
            self.inner,
        )
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
