//! Pulling images over the OCI distribution protocol (feature `pull`): manifests (OCI image
//! manifest and index, Docker v2 schema 2 manifest and manifest list), the platform chosen from
//! an index, blobs streamed into the blob store and verified before they are committed, layers
//! already present skipped, several layers at once. A pull that stops half way commits nothing;
//! the blobs it finished stay (verified) and the next pull reuses them. Auth: anonymous, basic
//! and bearer tokens, with credentials from an auth.json as podman and skopeo write it.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;

use serde_json::Value;

use crate::blobs::lend;
use crate::chunks::{ChunkReader, next_chunk};
use crate::digest;
use crate::error::{Result, StorageError};
use crate::reference::Reference;
use crate::registry::{Client, PullOptions, Source, reg_err, sources};
use crate::store::{StagedLayer, Store};
use crate::types::{Image, LayerRef, ProgressFn};

const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

use crate::types::host_arch;

/// An index entry's `os/arch[/variant]`.
fn platform_of(v: &Value) -> String {
    let p = &v["platform"];
    let mut s = format!(
        "{}/{}",
        p["os"].as_str().unwrap_or(""),
        p["architecture"].as_str().unwrap_or("")
    );
    if let Some(variant) = p["variant"].as_str().filter(|x| !x.is_empty()) {
        s.push('/');
        s.push_str(variant);
    }
    s
}

/// Whether index entry `v` is for `want` (`os/arch[/variant]`): a variant on one side only
/// does not disqualify (linux/arm64 is linux/arm64/v8).
fn platform_matches(v: &Value, want: &str) -> bool {
    let have = platform_of(v);
    let mut h = have.splitn(3, '/');
    let mut w = want.splitn(3, '/');
    h.next() == w.next()
        && h.next() == w.next()
        && match (h.next(), w.next()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

/// The older variants that can run where `want` (`os/arm/vN`) does, newest first: an armv7
/// machine runs armv6 and armv5 code, as containers/image reckons.
fn older_variants(want: &str) -> Vec<String> {
    let mut parts = want.splitn(3, '/');
    let (Some(os), Some("arm"), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
        return Vec::new();
    };
    let n: u32 = v
        .strip_prefix('v')
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    (5..n).rev().map(|k| format!("{os}/arm/v{k}")).collect()
}

/// What `reference` may stand for: itself when qualified, else the short name at each search
/// registry in order.
fn candidates(reference: &str, opts: &PullOptions) -> Result<Vec<Reference>> {
    Ok(if Reference::is_qualified(reference) {
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
    })
}

/// The tags of repository `repository` (`[docker://]HOST/PATH`, or a short name tried at each
/// search registry in order), every page of them, with the name they were found under.
pub fn list_tags(repository: &str, opts: &PullOptions) -> Result<(String, Vec<String>)> {
    let repository = repository.strip_prefix("docker://").unwrap_or(repository);
    // A parsed reference gets `latest` by default; the user's text says whether one was given.
    let last = repository.rsplit('/').next().unwrap_or(repository);
    if repository.contains('@') || last.contains(':') {
        return Err(reg_err(
            repository,
            format!("{repository}: give a repository without a tag or digest to list its tags"),
        ));
    }
    let mut errors = Vec::new();
    for r in candidates(repository, opts)? {
        match tags_at(&r, opts) {
            Ok(tags) => return Ok((r.name(), tags)),
            Err(e) => errors.push(e),
        }
    }
    Err(combined(repository, "", errors))
}

/// The repositories of the registries `term` names (`REGISTRY/TEXT`, or `TEXT` at each
/// search registry) whose names contain its text, from each registry's `_catalog`: full
/// names, registry first (`search`).
pub fn search(term: &str, opts: &PullOptions) -> Result<Vec<String>> {
    let term = term.strip_prefix("docker://").unwrap_or(term);
    let (registries, text): (Vec<String>, &str) = match term.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => {
            (vec![host.to_string()], rest)
        }
        _ => (opts.search_registries.clone(), term),
    };
    if registries.is_empty() {
        return Err(reg_err(
            "(none configured)",
            format!(
                "{term}: registries.conf has no unqualified-search-registries; give one, as in REGISTRY/{term}"
            ),
        ));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for reg in &registries {
        match catalog(reg, opts) {
            Ok(repos) => out.extend(
                repos
                    .into_iter()
                    .filter(|r| r.contains(text))
                    .map(|r| format!("{reg}/{r}")),
            ),
            Err(e) => errors.push(e),
        }
    }
    if out.is_empty() && !errors.is_empty() {
        return Err(combined(term, "searching: ", errors));
    }
    Ok(out)
}

/// Every repository in `registry`'s `_catalog`, every page of it.
fn catalog(registry: &str, opts: &PullOptions) -> Result<Vec<String>> {
    let r = Reference::parse(&format!("{registry}/catalog"), registry)?;
    let src = sources(&r, opts)?
        .into_iter()
        .find(|s| !s.mirror)
        .ok_or_else(|| reg_err(registry, "no location to search at"))?;
    let mut c = Client::for_source(&src, &r, opts)?;
    paged(
        &mut c,
        "/v2/_catalog",
        "repositories",
        registry,
        "its catalog",
    )
}

/// Every page of a paginated list (`Link` headers) at `path`: the strings under `key`.
fn paged(c: &mut Client, path: &str, key: &str, registry: &str, what: &str) -> Result<Vec<String>> {
    let mut path = path.to_string();
    let mut out = Vec::new();
    // A bound keeps a looping registry from holding us forever.
    for _ in 0..10_000 {
        let (bytes, next) = c.page(&path, "application/json")?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| reg_err(registry, format!("{what}: {e}")))?;
        out.extend(
            v[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from),
        );
        match next {
            // A registry that names the same page again would keep us here.
            Some(n) if n != path => path = n,
            _ => return Ok(out),
        }
    }
    Err(reg_err(registry, format!("{what}: too many pages")))
}

/// One error for several places that failed: the only one as it is, else their messages
/// joined, transient (worth another try) when every one of them was.
fn combined(registry: &str, prefix: &str, mut errors: Vec<StorageError>) -> StorageError {
    if errors.len() == 1 && prefix.is_empty() {
        return errors.remove(0);
    }
    let transient = !errors.is_empty() && errors.iter().all(StorageError::is_transient);
    let message = format!(
        "{prefix}{}",
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
    if transient {
        StorageError::Unreachable {
            registry: registry.to_string(),
            message,
        }
    } else {
        reg_err(registry, message)
    }
}

/// `GET /v2/REPO/tags/list` at `r`'s own location, following the pages.
fn tags_at(r: &Reference, opts: &PullOptions) -> Result<Vec<String>> {
    let src = sources(r, opts)?
        .into_iter()
        .find(|s| !s.mirror)
        .ok_or_else(|| reg_err(&r.registry, "no location to list tags at"))?;
    let mut c = Client::for_source(&src, r, opts)?;
    let path = format!("/v2/{}/tags/list", src.reference.repository);
    paged(
        &mut c,
        &path,
        "tags",
        &r.registry,
        &format!("the tags of {}", r.name()),
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
        let cands = candidates(reference, opts)?;
        if cands.len() == 1 {
            return self.pull_one(&cands[0], opts, progress);
        }
        let mut errors = Vec::new();
        let mut progress = progress;
        for r in &cands {
            match self.pull_one(r, opts, lend(&mut progress)) {
                Ok(img) => return Ok(img),
                Err(e) => errors.push(e),
            }
        }
        let tried: Vec<&str> = cands.iter().map(|r| r.registry.as_str()).collect();
        Err(combined(
            &tried.join(", "),
            &format!("no registry had {reference}: "),
            errors,
        ))
    }

    /// Pulls `r` from the first of its sources (mirrors, then its location) that has it.
    fn pull_one(
        &self,
        r: &Reference,
        opts: &PullOptions,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        if let Some(p) = &opts.policy {
            p.check("docker", &r.to_string())?;
        }
        let srcs = sources(r, opts)?;
        let mut progress = progress;
        let mut errors = Vec::new();
        for src in &srcs {
            match self.pull_from(r, src, opts, lend(&mut progress)) {
                Ok(img) => return Ok(img),
                // A mirror that fails is skipped; the last source's error is the answer.
                Err(e) if src.mirror => errors.push(e),
                Err(e) if errors.is_empty() => return Err(e),
                Err(e) => {
                    errors.push(e);
                    break;
                }
            }
        }
        Err(combined(&r.registry, "", errors))
    }

    /// Pulls `r` (the name it is stored under) from `src`.
    fn pull_from(
        &self,
        r: &Reference,
        src: &Source,
        opts: &PullOptions,
        mut progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        let name = r;
        let r = &src.reference;
        let mut client = Client::for_source(src, name, opts)?;
        let want = opts
            .platform
            .clone()
            .unwrap_or_else(|| format!("linux/{}", host_arch()));
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
                let entries = || v["manifests"].as_array().into_iter().flatten();
                // An exact match first (the variant asked for), then a looser one, then an
                // older variant that runs here.
                let pick = entries()
                    .find(|m| platform_of(m) == want)
                    .or_else(|| entries().find(|m| platform_matches(m, &want)))
                    .or_else(|| {
                        older_variants(&want)
                            .iter()
                            .find_map(|o| entries().find(|m| platform_of(m) == *o))
                    });
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
        // Checked now; stored (and synced) while the layers download.
        let actual = digest::of_bytes(&config);
        if actual != config_digest {
            return Err(StorageError::DigestMismatch {
                what: format!("image config of {}", r.name()),
                expected: config_digest,
                actual,
            });
        }
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
        // Three downloads at a time from one queue; their bytes are reported here, on the
        // caller's thread, as they arrive.
        let (ptx, prx) = std::sync::mpsc::channel::<(String, u64)>();
        let next = AtomicUsize::new(0);
        let (results, config_stored) = std::thread::scope(|s| {
            let config_stored = s.spawn(|| {
                self.blobs
                    .put(&config[..], Some(&config_digest), "image config")
            });
            let workers: Vec<_> = (0..missing.len().min(3))
                .map(|_| {
                    let (ptx, mut c, next, missing) =
                        (ptx.clone(), client.clone(), &next, &missing);
                    let repo = r.repository.as_str();
                    s.spawn(move || {
                        let mut out = Vec::new();
                        while let Some((d, _, size)) =
                            missing.get(next.fetch_add(1, Ordering::Relaxed))
                        {
                            out.push(self.fetch_layer(&mut c, repo, d, *size, &ptx));
                        }
                        out
                    })
                })
                .collect();
            drop(ptx);
            let sizes: HashMap<&str, u64> =
                layers.iter().map(|(d, _, n)| (d.as_str(), *n)).collect();
            for (d, done) in prx {
                if let Some(p) = progress.as_mut() {
                    let total = sizes.get(d.as_str()).copied();
                    p(&crate::types::Progress {
                        item: d,
                        done,
                        total,
                    });
                }
            }
            let results: Vec<Result<(String, StagedLayer)>> = workers
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .unwrap_or_else(|_| vec![Err(reg_err("", "a download thread panicked"))])
                })
                .collect();
            let config_stored = config_stored
                .join()
                .unwrap_or_else(|_| Err(reg_err("", "the config-storing thread panicked")));
            (results, config_stored)
        });
        config_stored?;
        for g in results {
            match g {
                Ok((d, l)) => {
                    staged.insert(d, l);
                }
                Err(e) => failures.push(e),
            }
        }
        // Layers that were already here are reported done.
        if let Some(p) = progress.as_mut() {
            for (d, _, size) in layers
                .iter()
                .filter(|(d, _, _)| !missing.iter().any(|(m, _, _)| m == d))
            {
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
        // Stored under the name asked for, whichever mirror served it.
        let name = match (&name.tag, &name.digest) {
            (Some(_), _) => name.to_string(),
            (None, Some(d)) => format!("{}@{d}", name.name()),
            (None, None) => name.to_string(),
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
        progress: &Sender<(String, u64)>,
    ) -> Result<(String, StagedLayer)> {
        let mut resumed = false;
        match self.fetch_layer_once(c, repo, d, size, progress, &mut resumed) {
            // Kept bytes that do not add up (a broken mirror's, say) are gone now: once more
            // from the start before the digest has the last word.
            Err(StorageError::DigestMismatch { .. }) if resumed => {
                self.fetch_layer_once(c, repo, d, size, progress, &mut resumed)
            }
            r => r,
        }
    }

    /// [`Store::fetch_layer`]'s one try; `resumed` says whether it carried on from kept bytes.
    fn fetch_layer_once(
        &self,
        c: &mut Client,
        repo: &str,
        d: &str,
        size: u64,
        progress: &Sender<(String, u64)>,
        resumed: &mut bool,
    ) -> Result<(String, StagedLayer)> {
        let what = format!("layer {d}");
        let path = format!("/v2/{repo}/blobs/{d}");
        // The bytes of an earlier try that broke off, if kept (and not more than the layer):
        // only the rest is asked for. A writer dropped unused deletes them.
        let kept = self
            .blobs
            .resume(d, &what)?
            .filter(|(_, _, have)| *have <= size);
        let (resp, kept) = match kept {
            // Everything is here already: the digest decides.
            Some(k) if k.2 == size => (None, Some(k)),
            Some((w, r, have)) => {
                let range = format!("bytes={have}-");
                let headers = [("Accept", "*/*"), ("Range", range.as_str())];
                let resp = match c.send("GET", &path, &headers, crate::registry::Body::None) {
                    Ok(resp) => resp,
                    Err(e) if e.is_transient() => {
                        w.keep_partial();
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                };
                let status = resp.status().as_u16();
                let from_here = resp
                    .headers()
                    .get("content-range")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with(&format!("bytes {have}-")));
                match status {
                    206 if from_here => (Some(resp), Some((w, r, have))),
                    // The whole blob instead: the kept bytes go.
                    200 => (Some(resp), None),
                    429 | 500 | 502..=599 => {
                        w.keep_partial();
                        return Err(crate::registry::status_err(
                            &c.registry,
                            status,
                            format!("GET blob {d} (from byte {have}): HTTP {status}"),
                        ));
                    }
                    // A range it will not serve as asked: start over.
                    _ => (Some(c.get(&path, "*/*")?), None),
                }
            }
            None => (Some(c.get(&path, "*/*")?), None),
        };
        *resumed = kept.is_some();
        if let Some(resp) = &resp {
            let status = resp.status().as_u16();
            if !(status == 200 || (status == 206 && kept.is_some())) {
                return Err(crate::registry::status_err(
                    &c.registry,
                    status,
                    format!("GET blob {d}: HTTP {status}"),
                ));
            }
        }
        let (mut blob, kept, have) = match kept {
            Some((w, r, n)) => (w, Some(r), n),
            None => (self.blobs.writer(Some(d), &what)?, None, 0),
        };
        // A registry may not send more than the manifest says (plus slack for a wrong size).
        let limit = size.saturating_add(1 << 20).saturating_sub(have);
        let mut body: Box<dyn Read + Send> = match resp {
            Some(resp) => Box::new(resp.into_body().into_reader().take(limit)),
            None => Box::new(io::empty()),
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
        // Two threads per layer: this one stores and hashes the blob as it arrives, the other
        // extracts it from the same bytes; the blob's digest is checked once both are done.
        let (downloaded, synced, layer) = std::thread::scope(|s| {
            let extractor = s.spawn(move || self.stage_layer_split(ChunkReader::new(rx), d));
            // A failed read is the network's (worth another try); a failed write is ours.
            let broke = |e: io::Error| StorageError::Unreachable {
                registry: c.registry.clone(),
                message: format!(
                    "GET blob {d}: {e}; the transfer broke off (finished layers are kept for the next try)"
                ),
            };
            let blob_io = |e: io::Error| StorageError::Io {
                path: std::path::PathBuf::from(format!("<blob {d}>")),
                source: e,
            };
            let downloaded = (|| -> Result<()> {
                let mut done = 0u64;
                // The kept bytes first: hashed and extracted, not written again.
                if let Some(mut r) = kept {
                    loop {
                        let chunk = next_chunk(&mut r).map_err(blob_io)?;
                        if chunk.is_empty() {
                            break;
                        }
                        blob.absorb(&chunk);
                        done += chunk.len() as u64;
                        let _ = progress.send((d.to_string(), done));
                        let _ = tx.send(chunk);
                    }
                }
                loop {
                    let chunk = next_chunk(&mut body).map_err(broke)?;
                    if chunk.is_empty() {
                        return Ok(());
                    }
                    blob.write_all(&chunk).map_err(blob_io)?;
                    done += chunk.len() as u64;
                    let _ = progress.send((d.to_string(), done));
                    // An extractor that stopped (on a bad entry) no longer listens; the
                    // download still completes so that the digest is checked first.
                    let _ = tx.send(chunk);
                }
            })();
            drop(tx);
            // Durable while the extractor finishes, rather than after it.
            let synced = match &downloaded {
                Ok(()) => blob.sync().map_err(blob_io),
                Err(_) => Ok(()),
            };
            let layer = extractor
                .join()
                .unwrap_or_else(|_| Err(reg_err("", "an extraction thread panicked")));
            (downloaded, synced, layer)
        });
        match downloaded {
            // What came through is kept, so the next try asks only for the rest.
            Err(e) if e.is_transient() => {
                blob.keep_partial();
                return Err(e);
            }
            other => other?,
        }
        synced?;
        // The blob's digest decides first: a tampered layer is refused as such.
        blob.finish()?;
        Ok((d.to_string(), layer?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_match_with_or_without_a_variant() {
        let e = |os: &str, arch: &str, variant: Option<&str>| {
            let mut p = serde_json::json!({"os": os, "architecture": arch});
            if let Some(v) = variant {
                p["variant"] = v.into();
            }
            serde_json::json!({ "platform": p })
        };
        assert_eq!(platform_of(&e("linux", "arm", Some("v7"))), "linux/arm/v7");
        assert!(platform_matches(
            &e("linux", "arm64", None),
            "linux/arm64/v8"
        ));
        assert!(platform_matches(
            &e("linux", "arm64", Some("v8")),
            "linux/arm64"
        ));
        assert!(!platform_matches(
            &e("linux", "arm", Some("v6")),
            "linux/arm/v7"
        ));
        assert!(!platform_matches(&e("linux", "amd64", None), "linux/arm64"));
        assert!(!platform_matches(
            &e("windows", "amd64", None),
            "linux/amd64"
        ));
        assert_eq!(
            older_variants("linux/arm/v7"),
            ["linux/arm/v6", "linux/arm/v5"]
        );
        assert!(older_variants("linux/arm/v5").is_empty());
        assert!(older_variants("linux/arm64/v8").is_empty());
    }
}
