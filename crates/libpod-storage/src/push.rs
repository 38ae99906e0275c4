//! Pushing an image to a registry (feature `pull`): each blob the registry lacks is uploaded
//! (a HEAD says which it has), then the manifest, byte for byte as stored, so the image keeps
//! its digest: a pull of what was pushed yields the same manifest digest and image ID.

use std::fs;

use crate::archive::manifest_media_type;
use crate::error::Result;
use crate::reference::Reference;
use crate::registry::{Body, Client, PullOptions, reg_err, sources};
use crate::store::Store;
use crate::types::{Progress, ProgressFn};

/// The body of a failed reply, for the error.
fn reply_text(resp: ureq::http::Response<ureq::Body>) -> String {
    let status = resp.status().as_u16();
    let text = resp
        .into_body()
        .with_config()
        .limit(64 << 10)
        .read_to_string()
        .unwrap_or_default();
    format!("HTTP {status}: {}", text.trim())
}

impl Store {
    /// Pushes image `name_or_id` to `dest` (`[docker://]host/repo[:tag]`, tag `latest` when
    /// none) and returns the manifest digest the registry now holds for it.
    pub fn push(
        &self,
        name_or_id: &str,
        dest: &str,
        opts: &PullOptions,
        mut progress: Option<ProgressFn<'_>>,
    ) -> Result<String> {
        let dest = dest.strip_prefix("docker://").unwrap_or(dest);
        let r = Reference::parse(dest, "docker.io")?;
        let tag = match (&r.tag, &r.digest) {
            (Some(t), _) => t.clone(),
            (None, Some(_)) => {
                return Err(reg_err(
                    &r.registry,
                    format!("push to {dest}: a digest names content, not a place; give a tag"),
                ));
            }
            (None, None) => "latest".into(),
        };
        // The place itself, not a mirror; a blocked registry is refused.
        let src = sources(&r, opts)?
            .into_iter()
            .find(|s| !s.mirror)
            .ok_or_else(|| reg_err(&r.registry, "no location to push to"))?;
        let repo = src.reference.repository.clone();
        // Opened under the store's lock, then read without it: an open blob stays readable
        // even if a removal collects it meanwhile, and the store is not held during uploads.
        let (img, mut manifest, mut blobs) = {
            let l = self.meta.lock(false)?;
            let img = self.resolve_image(&l.records, name_or_id)?;
            let manifest = self.blobs.read(&img.manifest_digest)?;
            let mut blobs = Vec::new();
            for (d, size) in img
                .layers
                .iter()
                .map(|l| (l.blob.clone(), l.blob_size))
                .chain([(img.config_digest.clone(), 0)])
            {
                if blobs.iter().any(|(x, _, _)| x == &d) {
                    continue;
                }
                let p = self.blobs.path(&d)?;
                let f = fs::File::open(&p).map_err(|e| crate::error::StorageError::Io {
                    path: p.clone(),
                    source: e,
                })?;
                blobs.push((d, size, f));
            }
            (img, manifest, blobs)
        };
        let mut digest = img.manifest_digest.clone();
        if opts.gzip_layers
            && let Some(m) = self.gzip_uncompressed(&manifest, &mut blobs)?
        {
            digest = crate::digest::of_bytes(&m);
            manifest = m;
        }
        let mut c = Client::for_source(&src, &r, opts)?;
        for (d, size, f) in &blobs {
            let path = format!("/v2/{repo}/blobs/{d}");
            let head = c.send("HEAD", &path, &[], Body::None)?;
            if head.status().as_u16() != 200 {
                let start = c.send(
                    "POST",
                    &format!("/v2/{repo}/blobs/uploads/"),
                    &[],
                    Body::None,
                )?;
                if start.status().as_u16() != 202 {
                    return Err(reg_err(
                        &c.registry,
                        format!("starting the upload of {d}: {}", reply_text(start)),
                    ));
                }
                let location = start
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| reg_err(&c.registry, "the upload reply has no Location"))?
                    .to_string();
                let sep = if location.contains('?') { '&' } else { '?' };
                let put = c.send(
                    "PUT",
                    &format!("{location}{sep}digest={d}"),
                    &[("Content-Type", "application/octet-stream")],
                    Body::File(f),
                )?;
                if put.status().as_u16() != 201 {
                    return Err(reg_err(
                        &c.registry,
                        format!("uploading {d}: {}", reply_text(put)),
                    ));
                }
            }
            if let Some(p) = progress.as_mut() {
                let size = if *size > 0 {
                    *size
                } else {
                    f.metadata().map(|m| m.len()).unwrap_or(0)
                };
                p(&Progress {
                    item: d.clone(),
                    done: size,
                    total: Some(size),
                });
            }
        }
        let media = manifest_media_type(&manifest);
        let put = c.send(
            "PUT",
            &format!("/v2/{repo}/manifests/{tag}"),
            &[("Content-Type", media.as_str())],
            Body::Bytes(&manifest),
        )?;
        if put.status().as_u16() != 201 {
            return Err(reg_err(
                &c.registry,
                format!("storing the manifest as {tag}: {}", reply_text(put)),
            ));
        }
        // The registry names what it stored; it must be what we sent.
        if let Some(got) = put
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            && got != digest
        {
            return Err(crate::error::StorageError::DigestMismatch {
                what: format!("pushed manifest {}", src.reference),
                expected: digest,
                actual: got.to_string(),
            });
        }
        Ok(digest)
    }

    /// Gzips the layers `manifest` lists as uncompressed tar into new blobs of this store,
    /// puts them in `blobs` (digest, size, open file) in place of the originals, and returns
    /// the manifest naming them; none when every layer is compressed already.
    fn gzip_uncompressed(
        &self,
        manifest: &[u8],
        blobs: &mut [(String, u64, fs::File)],
    ) -> Result<Option<Vec<u8>>> {
        let bad = |e: serde_json::Error| crate::error::StorageError::BadArchive {
            source_name: "manifest".into(),
            reason: e.to_string(),
        };
        let mut v: serde_json::Value = serde_json::from_slice(manifest).map_err(bad)?;
        // Each blob once, even when the manifest lists it twice.
        let mut done: std::collections::HashMap<String, (String, u64)> = Default::default();
        for layer in v["layers"].as_array_mut().into_iter().flatten() {
            let gzip_type = match layer["mediaType"].as_str() {
                Some("application/vnd.oci.image.layer.v1.tar") => {
                    "application/vnd.oci.image.layer.v1.tar+gzip"
                }
                Some("application/vnd.docker.image.rootfs.diff.tar") => {
                    "application/vnd.docker.image.rootfs.diff.tar.gzip"
                }
                _ => continue,
            };
            let from = layer["digest"].as_str().unwrap_or("").to_string();
            if !done.contains_key(&from) {
                let Some(slot) = blobs.iter_mut().find(|(d, _, _)| *d == from) else {
                    continue;
                };
                let source_path = self.blobs.path(&from)?;
                let mut w = self.blobs.writer(None, &format!("gzip of layer {from}"))?;
                let mut gz = flate2::write::GzEncoder::new(&mut w, flate2::Compression::default());
                std::io::copy(&mut slot.2, &mut gz)
                    .and_then(|_| gz.finish().map(drop))
                    .map_err(|e| crate::error::StorageError::Io {
                        path: source_path,
                        source: e,
                    })?;
                let (digest, size) = w.finish()?;
                let path = self.blobs.path(&digest)?;
                let file = fs::File::open(&path).map_err(|e| crate::error::StorageError::Io {
                    path: path.clone(),
                    source: e,
                })?;
                *slot = (digest.clone(), size, file);
                done.insert(from.clone(), (digest, size));
            }
            let Some((digest, size)) = done.get(&from) else {
                continue;
            };
            layer["digest"] = digest.clone().into();
            layer["size"] = (*size).into();
            layer["mediaType"] = gzip_type.into();
        }
        if done.is_empty() {
            return Ok(None);
        }
        Ok(Some(serde_json::to_vec(&v).map_err(bad)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_from_the_manifest_or_its_config() {
        let oci = serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json"});
        assert_eq!(
            manifest_media_type(&serde_json::to_vec(&oci).expect("json")),
            "application/vnd.oci.image.manifest.v1+json"
        );
        let docker = serde_json::json!({"config": {"mediaType": "application/vnd.docker.container.image.v1+json"}});
        assert_eq!(
            manifest_media_type(&serde_json::to_vec(&docker).expect("json")),
            "application/vnd.docker.distribution.manifest.v2+json"
        );
        let bare = serde_json::json!({"config": {}});
        assert_eq!(
            manifest_media_type(&serde_json::to_vec(&bare).expect("json")),
            "application/vnd.oci.image.manifest.v1+json"
        );
    }
}
