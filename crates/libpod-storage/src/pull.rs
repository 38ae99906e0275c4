//! Pulling images over the OCI distribution protocol (feature `pull`): manifests (OCI image
//! manifest and index, Docker v2 schema 2 manifest and manifest list), the platform chosen from
//! an index, blobs streamed into the blob store and verified before they are committed, layers
//! already present skipped, several layers at once. A pull that stops half way commits nothing;
//! the blobs it finished stay (verified) and the next pull reuses them. Auth: anonymous, basic
//! and bearer tokens, with credentials from an auth.json as podman and skopeo write it.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use crate::blobs::lend;
use crate::digest;
use crate::error::{Result, StorageError};
use crate::reference::Reference;
use crate::store::{StagedLayer, Store};
use crate::types::{Image, LayerRef, ProgressFn};

const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// Where and how to pull from.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Registries searched, in order, for short names.
    pub search_registries: Vec<String>,
    /// Registries reached over plain HTTP (configured as insecure).
    pub insecure: Vec<String>,
    /// Registries pulls may not use.
    pub blocked: Vec<String>,
    /// An auth.json (`{"auths": {"host": {"auth": base64(user:pass)}}}`).
    pub auth_file: Option<PathBuf>,
    /// `os/arch` to choose from an index (default: this machine's).
    pub platform: Option<String>,
}

fn reg_err(registry: &str, message: impl Into<String>) -> StorageError {
    StorageError::Registry {
        registry: registry.to_string(),
        message: message.into(),
    }
}

/// `user:password` for `registry` from an auth.json, if any.
fn credentials(file: Option<&Path>, registry: &str) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(&std::fs::read(file?).ok()?).ok()?;
    let auth = v["auths"][registry]["auth"].as_str()?;
    let text = String::from_utf8(B64.decode(auth.trim()).ok()?).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// One registry's client: scheme, credentials, and the Authorization header once earned.
#[derive(Clone)]
struct Client {
    agent: ureq::Agent,
    base: String,
    registry: String,
    creds: Option<(String, String)>,
    auth: Option<String>,
}

fn challenge_param(h: &str, key: &str) -> Option<String> {
    let i = h.find(&format!("{key}=\""))? + key.len() + 2;
    let j = h[i..].find('"')? + i;
    Some(h[i..j].to_string())
}

impl Client {
    fn new(registry: &str, insecure: bool, creds: Option<(String, String)>) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .build()
            .into();
        let scheme = if insecure { "http" } else { "https" };
        Client {
            agent,
            base: format!("{scheme}://{registry}"),
            registry: registry.to_string(),
            creds,
            auth: None,
        }
    }

    /// GET `path`, answering one auth challenge (basic, or a bearer token) if the registry asks.
    fn get(&mut self, path: &str, accept: &str) -> Result<ureq::http::Response<ureq::Body>> {
        for _ in 0..2 {
            let mut req = self
                .agent
                .get(&format!("{}{path}", self.base))
                .header("Accept", accept);
            if let Some(a) = &self.auth {
                req = req.header("Authorization", a);
            }
            let resp = req.call().map_err(|e| {
                let hint = if self.base.starts_with("https:") && matches!(e, ureq::Error::Io(_) | ureq::Error::Tls(_) | ureq::Error::Rustls(_)) {
                    "; if this registry serves plain HTTP or an unverifiable certificate, mark it insecure = true in registries.conf"
                } else {
                    ""
                };
                reg_err(&self.registry, format!("GET {path}: {e}{hint}"))
            })?;
            if resp.status().as_u16() != 401 || self.auth.is_some() && self.creds.is_none() {
                return Ok(resp);
            }
            let challenge = resp
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            self.auth = Some(self.answer(&challenge)?);
        }
        Err(reg_err(
            &self.registry,
            format!("GET {path}: authentication failed; check the credentials in the auth file"),
        ))
    }

    fn answer(&self, challenge: &str) -> Result<String> {
        let basic = self
            .creds
            .as_ref()
            .map(|(u, p)| format!("Basic {}", B64.encode(format!("{u}:{p}"))));
        if challenge.to_ascii_lowercase().starts_with("basic") {
            return basic.ok_or_else(|| reg_err(&self.registry, "the registry requires credentials; add them to the auth file (rpod login is not built yet)"));
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
        let v: Value = serde_json::from_slice(
            &resp
                .body_mut()
                .read_to_vec()
                .map_err(|e| reg_err(&self.registry, e.to_string()))?,
        )
        .map_err(|e| reg_err(&self.registry, format!("token reply: {e}")))?;
        let token = v["token"]
            .as_str()
            .or(v["access_token"].as_str())
            .ok_or_else(|| reg_err(&self.registry, "the token service returned no token"))?;
        Ok(format!("Bearer {token}"))
    }

    fn bytes(&mut self, path: &str, accept: &str) -> Result<(Vec<u8>, String)> {
        let resp = self.get(path, accept)?;
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut body = resp.into_body();
        let bytes = body
            .with_config()
            .limit(16 << 20)
            .read_to_vec()
            .map_err(|e| reg_err(&self.registry, format!("GET {path}: {e}")))?;
        if status != 200 {
            return Err(reg_err(
                &self.registry,
                format!(
                    "GET {path}: HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes).trim()
                ),
            ));
        }
        Ok((bytes, ctype))
    }
}

fn platform_of(v: &Value) -> String {
    format!(
        "{}/{}",
        v["platform"]["os"].as_str().unwrap_or(""),
        v["platform"]["architecture"].as_str().unwrap_or("")
    )
}

impl Store {
    /// Pulls `reference` (a short name tries the search registries in order) and returns the
    /// stored image; `progress` hears about each blob.
    pub fn pull(
        &self,
        reference: &str,
        opts: &PullOptions,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        let reference = reference.strip_prefix("docker://").unwrap_or(reference);
        let cands: Vec<Reference> = if Reference::is_qualified(reference) {
            vec![Reference::parse(reference, "docker.io")?]
        } else {
            if opts.search_registries.is_empty() {
                return Err(reg_err(
                    "(none configured)",
                    format!(
                        "{reference} is a short name and registries.conf has no unqualified-search-registries; give the registry, as in docker.io/library/{reference}"
                    ),
                ));
            }
            opts.search_registries
                .iter()
                .map(|r| Reference::parse(reference, r))
                .collect::<Result<_>>()?
        };
        if cands.len() == 1 {
            return self.pull_one(&cands[0], opts, progress);
        }
        let mut errors = Vec::new();
        let mut progress = progress;
        for r in &cands {
            match self.pull_one(r, opts, lend(&mut progress)) {
                Ok(img) => return Ok(img),
                Err(e) => errors.push(e.to_string()),
            }
        }
        let tried: Vec<&str> = cands.iter().map(|r| r.registry.as_str()).collect();
        Err(reg_err(
            &tried.join(", "),
            format!("no registry had {reference}: {}", errors.join("; ")),
        ))
    }

    fn pull_one(
        &self,
        r: &Reference,
        opts: &PullOptions,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        if opts.blocked.iter().any(|b| b == &r.registry) {
            return Err(reg_err(
                &r.registry,
                "the registry is blocked by registries.conf",
            ));
        }
        let insecure = opts.insecure.iter().any(|i| i == &r.registry);
        let mut client = Client::new(
            &r.registry,
            insecure,
            credentials(opts.auth_file.as_deref(), &r.registry),
        );
        let want = opts.platform.clone().unwrap_or_else(|| {
            format!(
                "linux/{}",
                if std::env::consts::ARCH == "x86_64" {
                    "amd64"
                } else {
                    std::env::consts::ARCH
                }
            )
        });
        let mut target = r
            .digest
            .clone()
            .or_else(|| r.tag.clone())
            .unwrap_or_else(|| "latest".into());
        let (manifest, manifest_digest) = loop {
            let (bytes, ctype) =
                client.bytes(&format!("/v2/{}/manifests/{target}", r.repository), ACCEPT)?;
            let d = digest::of_bytes(&bytes);
            if target.starts_with("sha256:") && d != target {
                return Err(StorageError::DigestMismatch {
                    what: format!("manifest {}@{target}", r.name()),
                    expected: target,
                    actual: d,
                });
            }
            let v: Value = serde_json::from_slice(&bytes)
                .map_err(|e| reg_err(&r.registry, format!("manifest: {e}")))?;
            if v["manifests"].is_array() || ctype.contains("index") || ctype.contains("list") {
                let pick = v["manifests"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|m| platform_of(m) == want);
                let avail: Vec<String> = v["manifests"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(platform_of)
                    .collect();
                target = pick
                    .and_then(|m| m["digest"].as_str())
                    .map(String::from)
                    .ok_or_else(|| {
                        reg_err(
                            &r.registry,
                            format!("no {want} image in the index (it has {})", avail.join(", ")),
                        )
                    })?;
                continue;
            }
            break ((bytes, v), d);
        };
        let (manifest_bytes, m) = manifest;
        let config_digest = m["config"]["digest"]
            .as_str()
            .ok_or_else(|| reg_err(&r.registry, "the manifest names no config"))?
            .to_string();
        let (config, _) = client.bytes(
            &format!("/v2/{}/blobs/{config_digest}", r.repository),
            "*/*",
        )?;
        self.blobs
            .put(&config[..], Some(&config_digest), "image config")?;
        let (_, _, _, diff_ids) = crate::store::parse_config(&config, &r.to_string())?;
        let layers: Vec<(String, String, u64)> = m["layers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                (
                    l["digest"].as_str().unwrap_or("").to_string(),
                    l["mediaType"].as_str().unwrap_or("").to_string(),
                    l["size"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        if layers.len() != diff_ids.len() {
            return Err(reg_err(
                &r.registry,
                format!(
                    "{} layers but {} diff IDs in the config",
                    layers.len(),
                    diff_ids.len()
                ),
            ));
        }
        // Layers already in the store are not fetched again; the rest come three at a time.
        // Layers already in the store are not fetched again; the rest come three at a time,
        // each extracted while it downloads (the bytes go to the blob store and the extractor
        // at once), and kept only if the blob's digest checks out at the end.
        let mut seen = std::collections::HashSet::new();
        let missing: Vec<&(String, String, u64)> = layers
            .iter()
            .filter(|(d, _, _)| !self.blobs.path(d).is_ok_and(|p| p.exists()))
            .filter(|(d, _, _)| seen.insert(d.clone()))
            .collect();
        let mut staged: HashMap<String, StagedLayer> = HashMap::new();
        let mut failures = Vec::new();
        for batch in missing.chunks(3) {
            let got: Vec<Result<(String, StagedLayer)>> = std::thread::scope(|s| {
                let hs: Vec<_> = batch
                    .iter()
                    .map(|(d, _, size)| {
                        let mut c = client.clone();
                        let repo = r.repository.clone();
                        s.spawn(move || self.fetch_layer(&mut c, &repo, d, *size))
                    })
                    .collect();
                hs.into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(reg_err("", "a download thread panicked")))
                    })
                    .collect()
            });
            for g in got {
                match g {
                    Ok((d, l)) => {
                        staged.insert(d, l);
                    }
                    Err(e) => failures.push(e),
                }
            }
        }
        if let Some(p) = progress {
            for (d, _, size) in &layers {
                p(&crate::types::Progress {
                    item: d.clone(),
                    done: *size,
                    total: Some(*size),
                });
            }
        }
        if let Some(e) = failures.into_iter().next() {
            return Err(e);
        }
        let name = match (&r.tag, &r.digest) {
            (Some(_), _) => r.to_string(),
            (None, Some(d)) => format!("{}@{d}", r.name()),
            (None, None) => r.to_string(),
        };
        // Only now, with every blob verified, is anything recorded; nothing is collected on
        // failure, so finished blobs serve the next attempt.
        self.write(false, |rec| {
            let mut refs = Vec::new();
            for ((d, media, size), diff) in layers.iter().zip(&diff_ids) {
                let (diff_id, _) = match staged.remove(d) {
                    Some(l) => self.commit_layer(rec, l, d, Some(diff))?,
                    None => self.ensure_layer(rec, d, Some(diff), None)?,
                };
                refs.push(LayerRef {
                    blob: d.clone(),
                    media_type: media.clone(),
                    blob_size: *size,
                    diff_id,
                });
            }
            self.blobs
                .put(&manifest_bytes[..], Some(&manifest_digest), "manifest")?;
            self.commit_image(
                rec,
                &manifest_digest,
                &config_digest,
                refs,
                std::slice::from_ref(&name),
            )
        })
    }

    /// Downloads layer blob `d` into the blob store while extracting it into a staged layer.
    fn fetch_layer(
        &self,
        c: &mut Client,
        repo: &str,
        d: &str,
        size: u64,
    ) -> Result<(String, StagedLayer)> {
        let resp = c.get(&format!("/v2/{repo}/blobs/{d}"), "*/*")?;
        if resp.status().as_u16() != 200 {
            return Err(reg_err(
                &c.registry,
                format!("GET blob {d}: HTTP {}", resp.status().as_u16()),
            ));
        }
        // A registry may not send more than the manifest says (plus slack for a wrong size).
        let mut body = resp
            .into_body()
            .into_reader()
            .take(size.saturating_add(1 << 20));
        let mut blob = self.blobs.writer(Some(d), &format!("layer {d}"))?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
        // Two threads per layer: this one stores and hashes the blob as it arrives, the other
        // extracts it from the same bytes; the blob's digest is checked once both are done.
        let (downloaded, layer) = std::thread::scope(|s| {
            let extractor = s.spawn(move || self.stage_layer(ChunkReader::new(rx), d));
            let downloaded = (|| -> io::Result<()> {
                loop {
                    let chunk = next_chunk(&mut body)?;
                    if chunk.is_empty() {
                        return Ok(());
                    }
                    blob.write_all(&chunk)?;
                    // An extractor that stopped (on a bad entry) no longer listens; the
                    // download still completes so that the digest is checked first.
                    let _ = tx.send(chunk);
                }
            })();
            drop(tx);
            let layer = extractor
                .join()
                .unwrap_or_else(|_| Err(reg_err("", "an extraction thread panicked")));
            (downloaded, layer)
        });
        downloaded.map_err(|e| reg_err(&c.registry, format!("GET blob {d}: {e}")))?;
        // The blob's digest decides first: a tampered layer is refused as such.
        blob.finish()?;
        Ok((d.to_string(), layer?))
    }
}

/// Reads up to 256 KiB from `r` (less only at the end); empty at the end of the stream.
fn next_chunk(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut chunk = vec![0u8; 256 << 10];
    let mut n = 0;
    while n < chunk.len() {
        match r.read(&mut chunk[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    chunk.truncate(n);
    Ok(chunk)
}

/// The chunks sent over a channel, read as one stream that ends when the sender is gone.
struct ChunkReader {
    rx: Receiver<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
}

impl ChunkReader {
    fn new(rx: Receiver<Vec<u8>>) -> Self {
        ChunkReader {
            rx,
            cur: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(c) => {
                    self.cur = c;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_through_a_channel_read_as_the_original_stream() {
        let data: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let mut src = std::io::Cursor::new(data.clone());
        let sender = std::thread::spawn(move || {
            let mut sizes = Vec::new();
            loop {
                let c = next_chunk(&mut src).expect("read");
                if c.is_empty() {
                    return sizes;
                }
                sizes.push(c.len());
                tx.send(c).expect("send");
            }
        });
        let mut out = Vec::new();
        ChunkReader::new(rx).read_to_end(&mut out).expect("read");
        assert_eq!(
            sender.join().expect("join"),
            vec![262_144, 262_144, 175_712]
        );
        assert_eq!(out, data);
    }
}
