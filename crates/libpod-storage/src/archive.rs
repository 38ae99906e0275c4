//! Getting images in and out: a root filesystem tarball (`import`, with `--change` edits), an
//! OCI image layout directory or archive, a docker-archive (`docker save`); and saving to an
//! OCI archive or a docker-archive that podman and skopeo read. Archives are unpacked with the
//! same safe extractor as layers, so a hostile archive cannot write outside its scratch dir.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use libpod_fs::{Kind, Root};

use oci_spec::image::{ImageIndex, ImageManifest, MediaType};
use serde_json::{Map, Value, json};

use crate::blobs::{Reporting, lend, verify_error};
use crate::config_changes::apply_changes;
use crate::digest::{self, hex_of};
use crate::error::{Result, StorageError, io};
use crate::extract::{Extractor, Whiteouts, decompressed};
use crate::meta::Records;
use crate::reference::Reference;
use crate::store::Store;
use crate::types::{Image, LayerRef, ProgressFn};

/// The OCI annotation that names a manifest in an index.
const REF_NAME: &str = "org.opencontainers.image.ref.name";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// A stored manifest's media type: its own field, else what its config's type implies (Docker
/// or OCI).
pub fn manifest_media_type(manifest: &[u8]) -> String {
    let m: Value = serde_json::from_slice(manifest).unwrap_or_default();
    if let Some(t) = m["mediaType"].as_str() {
        return t.to_string();
    }
    if m["config"]["mediaType"]
        .as_str()
        .is_some_and(|t| t.contains("docker"))
    {
        DOCKER_MANIFEST.into()
    } else {
        OCI_MANIFEST.into()
    }
}
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// A layer as a Docker manifest lists it (Docker has no zstd layers).
fn docker_layer(mut l: LayerRef) -> Result<LayerRef> {
    l.media_type = match l.media_type.as_str() {
        "application/vnd.oci.image.layer.v1.tar" => "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip" => {
            "application/vnd.docker.image.rootfs.diff.tar.gzip"
        }
        t if t.starts_with("application/vnd.docker.") => return Ok(l),
        other => {
            return Err(bad(
                "docker format",
                format!("a {other} layer has no Docker media type: use the oci format"),
            ));
        }
    }
    .to_string();
    Ok(l)
}

fn bad(source: impl Into<String>, reason: impl Into<String>) -> StorageError {
    StorageError::BadArchive {
        source_name: source.into(),
        reason: reason.into(),
    }
}

/// The layer media type a blob's first bytes call for.
fn layer_media_type(path: &Path) -> Result<&'static str> {
    let mut head = [0u8; 4];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(io(path))?;
    Ok(match &head[..n] {
        [0x1f, 0x8b, ..] => "application/vnd.oci.image.layer.v1.tar+gzip",
        [0x28, 0xb5, 0x2f, 0xfd] => "application/vnd.oci.image.layer.v1.tar+zstd",
        _ => "application/vnd.oci.image.layer.v1.tar",
    })
}

/// The most a JSON file of an archive (manifest.json, an image config) may hold.
const MAX_JSON: u64 = 32 << 20;

/// Refuses a name that climbs out of the archive: it would resolve inside it anyway, but a
/// manifest naming `..` is hostile and the error should say so.
fn no_climbing(rel: &str, what: &str) -> Result<()> {
    if rel.split('/').any(|c| c == "..") {
        return Err(bad(what, format!("path {rel:?} leaves the archive")));
    }
    Ok(())
}

/// Opens the regular file `rel` inside an archive or layout, never leaving it.
fn open_inside(root: &Root, rel: &str, what: &str) -> Result<File> {
    no_climbing(rel, what)?;
    root.open_file(Path::new(rel))
        .map_err(|e| bad(what, format!("{rel:?}: {e}")))
}

/// Reads the regular file `rel` inside an archive or layout, at most `limit` bytes.
fn read_inside(root: &Root, rel: &str, what: &str, limit: u64) -> Result<Vec<u8>> {
    no_climbing(rel, what)?;
    root.read_bounded(Path::new(rel), limit)
        .map_err(|e| bad(what, format!("{rel:?}: {e}")))
}

/// What `rel` is inside an archive (not following a final symlink); `None` if missing.
fn kind_inside(root: &Root, rel: &str) -> Option<Kind> {
    root.lstat(Path::new(rel))
        .ok()
        .flatten()
        .map(|st| Kind::of(&st))
}

/// A scratch directory under the graph root, removed when dropped.
pub(crate) fn scratch(store: &Store) -> Result<tempfile::TempDir> {
    let base = store.opts.graph_root.join("tmp");
    fs::create_dir_all(&base).map_err(io(&base))?;
    tempfile::tempdir_in(&base).map_err(io(&base))
}

impl Store {
    /// Imports a root filesystem tarball (plain, gzip or zstd) as a one-layer image, applying
    /// `changes` (`CMD ["sh"]`, `ENV A=b`, ...) to its config.
    pub fn import_tarball(
        &self,
        tarball: impl Read,
        reference: Option<&str>,
        changes: &[String],
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        let names: Vec<String> = reference
            .map(Store::normalize_name)
            .transpose()?
            .into_iter()
            .collect();
        let mut config = Map::new();
        apply_changes(&mut config, changes)?;
        self.write(true, |rec| {
            let (blob, blob_size) = self.blobs.put(
                Reporting::new(tarball, "tarball", None, progress),
                None,
                "tarball",
            )?;
            let media = layer_media_type(&self.blobs.path(&blob)?)?;
            let (diff_id, _) = self.ensure_layer(rec, &blob, None, None)?;
            let now = crate::time::format(crate::time::now());
            let config = json!({
                "created": now,
                "architecture": "amd64",
                "os": "linux",
                "config": config,
                "rootfs": {"type": "layers", "diff_ids": [diff_id]},
                // As podman records an import.
                "history": [{
                    "created": now,
                    "created_by": format!("/bin/sh -c #(nop) ADD file:{} in /", hex_of(&diff_id)?),
                    "comment": "imported from tarball",
                }],
            });
            let layers = vec![LayerRef {
                blob: blob.clone(),
                media_type: media.into(),
                blob_size,
                diff_id,
            }];
            self.store_image(rec, &config, layers, &names)
        })
    }

    /// Stores a config we made and an OCI manifest for it, then records the image.
    pub(crate) fn store_image(
        &self,
        rec: &mut Records,
        config: &Value,
        layers: Vec<LayerRef>,
        names: &[String],
    ) -> Result<Image> {
        self.store_image_as(rec, config, layers, names, false, &Default::default())
    }

    /// [`Store::store_image`] with a Docker schema 2 manifest when `docker` is set (layer
    /// media types renamed to Docker's).
    pub(crate) fn store_image_as(
        &self,
        rec: &mut Records,
        config: &Value,
        layers: Vec<LayerRef>,
        names: &[String],
        docker: bool,
        annotations: &std::collections::BTreeMap<String, String>,
    ) -> Result<Image> {
        let layers = if docker {
            layers
                .into_iter()
                .map(docker_layer)
                .collect::<Result<Vec<_>>>()?
        } else {
            layers
        };
        let (manifest_type, config_type) = if docker {
            (DOCKER_MANIFEST, DOCKER_CONFIG)
        } else {
            (OCI_MANIFEST, OCI_CONFIG)
        };
        let config_bytes =
            serde_json::to_vec(config).map_err(|e| bad("image config", e.to_string()))?;
        oci_spec::image::ImageConfiguration::from_reader(&config_bytes[..])
            .map_err(|e| bad("image config", e.to_string()))?;
        let config_digest = self.blobs.put_bytes(&config_bytes, "image config")?;
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {"mediaType": config_type, "digest": config_digest, "size": config_bytes.len()},
            "layers": layers.iter().map(|l| json!({"mediaType": l.media_type, "digest": l.blob, "size": l.blob_size})).collect::<Vec<_>>(),
        });
        let mut manifest = manifest;
        if !annotations.is_empty() {
            manifest["annotations"] = json!(annotations);
        }
        let manifest_bytes =
            serde_json::to_vec(&manifest).map_err(|e| bad("manifest", e.to_string()))?;
        ImageManifest::from_reader(&manifest_bytes[..])
            .map_err(|e| bad("manifest", e.to_string()))?;
        let manifest_digest = self.blobs.put_bytes(&manifest_bytes, "manifest")?;
        self.commit_image(rec, &manifest_digest, &config_digest, layers, names)
    }

    /// Imports one image from an OCI image layout directory: the manifest named `tag` (by its
    /// `org.opencontainers.image.ref.name`), or the only one. `names` default to the ref name.
    pub fn import_oci_layout(
        &self,
        dir: &Path,
        tag: Option<&str>,
        names: &[String],
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        let what = dir.display().to_string();
        let root = Root::open(dir).map_err(|e| bad(&what, e.to_string()))?;
        if kind_inside(&root, "oci-layout") != Some(Kind::File) {
            return Err(bad(&what, "not an OCI image layout (no oci-layout file)"));
        }
        let index =
            ImageIndex::from_reader(&read_inside(&root, "index.json", &what, MAX_JSON)?[..])
                .map_err(|e| bad(&what, format!("index.json: {e}")))?;
        let refs: Vec<String> = index
            .manifests()
            .iter()
            .filter_map(|d| d.annotations().as_ref()?.get(REF_NAME).cloned())
            .collect();
        // A ref name is a tag (`latest`) or, as archives we write carry, a whole name
        // (`localhost/x:latest`), which its tag also selects when no ref name is the tag.
        let ref_of = |d: &oci_spec::image::Descriptor| {
            d.annotations()
                .as_ref()
                .and_then(|a| a.get(REF_NAME))
                .cloned()
        };
        let desc = match tag {
            Some(t) => index
                .manifests()
                .iter()
                .find(|d| ref_of(d).is_some_and(|r| r == t))
                .or_else(|| {
                    index.manifests().iter().find(|d| {
                        ref_of(d).is_some_and(|r| {
                            r.rsplit_once(':').is_some_and(|(n, tg)| {
                                tg == t && !n.is_empty() && !tg.contains('/')
                            })
                        })
                    })
                }),
            None if index.manifests().len() == 1 => index.manifests().first(),
            None => None,
        }
        .ok_or_else(|| {
            bad(
                &what,
                format!("no manifest named {tag:?}; the layout holds {refs:?}"),
            )
        })?;
        let mut digest = desc.digest().to_string();
        let mut media = desc.media_type().to_string();
        let mut size = desc.size();
        let ref_name = desc
            .annotations()
            .as_ref()
            .and_then(|a| a.get(REF_NAME))
            .cloned();
        let blob = |d: &str| -> Result<String> { Ok(format!("blobs/sha256/{}", hex_of(d)?)) };
        // A blob is read up to the size its descriptor declares, and no further.
        let read = |d: &str, size: u64| -> Result<Vec<u8>> {
            let bytes = read_inside(&root, &blob(d)?, &what, size.min(MAX_JSON))?;
            let actual = digest::of_bytes(&bytes);
            if actual != d {
                return Err(StorageError::DigestMismatch {
                    what: format!("{what}: blob {d}"),
                    expected: d.into(),
                    actual,
                });
            }
            Ok(bytes)
        };
        if media == MediaType::ImageIndex.to_string() {
            let nested = ImageIndex::from_reader(&read(&digest, size)?[..])
                .map_err(|e| bad(&what, e.to_string()))?;
            let d = nested
                .manifests()
                .iter()
                .find(|d| {
                    d.platform().as_ref().is_some_and(|p| {
                        p.os().to_string() == "linux" && p.architecture().to_string() == "amd64"
                    })
                })
                .ok_or_else(|| bad(&what, "the index has no linux/amd64 manifest"))?;
            digest = d.digest().to_string();
            media = d.media_type().to_string();
            size = d.size();
        }
        let manifest_bytes = read(&digest, size)?;
        let manifest = ImageManifest::from_reader(&manifest_bytes[..])
            .map_err(|e| bad(&what, format!("manifest: {e}")))?;
        let config_digest = manifest.config().digest().to_string();
        let config_bytes = read(&config_digest, manifest.config().size())?;
        let (_, _, _, diff_ids) = crate::store::parse_config(&config_bytes, &what)?;
        if diff_ids.len() != manifest.layers().len() {
            return Err(bad(
                &what,
                format!(
                    "{} layers but {} diff IDs in the config",
                    manifest.layers().len(),
                    diff_ids.len()
                ),
            ));
        }
        let names: Vec<String> = if !names.is_empty() {
            names
                .iter()
                .map(|n| Store::normalize_name(n))
                .collect::<Result<_>>()?
        } else {
            ref_name
                .iter()
                .filter_map(|r| Reference::parse(r, "localhost").ok())
                .filter(|_| ref_name.as_deref().is_some_and(Reference::is_qualified))
                .map(|r| r.to_string())
                .collect()
        };
        let mut progress = progress;
        self.write(true, |rec| {
            self.blobs
                .put(&config_bytes[..], Some(&config_digest), "image config")?;
            let mut layers = Vec::new();
            for (l, diff) in manifest.layers().iter().zip(&diff_ids) {
                let d = l.digest().to_string();
                // Bounded by the declared size; the digest check catches a short one.
                let f = open_inside(&root, &blob(&d)?, &what)?.take(l.size());
                let (b, size) = self.blobs.put(
                    Reporting::new(f, &d, Some(l.size()), lend(&mut progress)),
                    Some(&d),
                    &format!("{what}: layer {d}"),
                )?;
                let (diff_id, _) = self.ensure_layer(rec, &b, Some(diff), None)?;
                layers.push(LayerRef {
                    blob: b,
                    media_type: l.media_type().to_string(),
                    blob_size: size,
                    diff_id,
                });
            }
            let m = self.blobs.put_bytes(&manifest_bytes, "manifest")?;
            let _ = &media;
            self.commit_image(rec, &m, &config_digest, layers, &names)
        })
    }

    /// Unpacks an archive safely into a scratch directory.
    fn unpack(
        &self,
        archive: &Path,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<tempfile::TempDir> {
        let dir = scratch(self)?;
        let f = File::open(archive).map_err(io(archive))?;
        let total = f.metadata().map(|m| m.len()).ok();
        let name = archive.display().to_string();
        let mut r = Reporting::new(f, &name, total, progress);
        Extractor::new(dir.path(), Whiteouts::Apply, self.opts.limits)?
            .refuse_special_files()
            .extract(&mut r)
            .map_err(|e| match e {
                StorageError::UnsafeEntry { entry, reason } => {
                    bad(&name, format!("entry {entry:?}: {reason}"))
                }
                other => other,
            })?;
        // Read past the tar trailer, so progress ends at the file's size.
        io::copy(&mut r, &mut io::sink()).map_err(io(archive))?;
        Ok(dir)
    }

    /// Imports from an OCI archive (a tar of an OCI image layout).
    pub fn import_oci_archive(
        &self,
        archive: &Path,
        tag: Option<&str>,
        names: &[String],
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        let dir = self.unpack(archive, progress)?;
        self.import_oci_layout(dir.path(), tag, names, None)
    }

    /// Imports every image of a docker-archive (`docker save` / `podman save` format).
    pub fn import_docker_archive(
        &self,
        archive: &Path,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Vec<Image>> {
        let dir = self.unpack(archive, progress)?;
        self.import_docker_dir(dir.path(), &archive.display().to_string())
    }

    fn import_docker_dir(&self, dir: &Path, what: &str) -> Result<Vec<Image>> {
        let root = Root::open(dir).map_err(|e| bad(what, e.to_string()))?;
        let manifest: Vec<HashMap<String, Value>> =
            serde_json::from_slice(&read_inside(&root, "manifest.json", what, MAX_JSON)?)
                .map_err(|e| bad(what, format!("manifest.json: {e}")))?;
        if manifest.is_empty() {
            return Err(bad(what, "manifest.json lists no image"));
        }
        self.write(true, |rec| {
            let mut images = Vec::new();
            for entry in &manifest {
                let cfg_name = entry.get("Config").and_then(Value::as_str).ok_or_else(|| bad(what, "an image without Config"))?;
                let config_bytes = read_inside(&root, cfg_name, what, MAX_JSON)?;
                let (_, _, _, diff_ids) = crate::store::parse_config(&config_bytes, what)?;
                let layer_names: Vec<&str> = entry.get("Layers").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                if layer_names.len() != diff_ids.len() {
                    return Err(bad(what, format!("{} layers but {} diff IDs in {cfg_name}", layer_names.len(), diff_ids.len())));
                }
                let mut layers = Vec::new();
                for (name, diff) in layer_names.iter().zip(&diff_ids) {
                    let f = open_inside(&root, name, what)?;
                    let (b, size) = self.blobs.put(f, None, &format!("{what}: {name}"))?;
                    let (diff_id, _) = self.ensure_layer(rec, &b, Some(diff), None)?;
                    layers.push(LayerRef { blob: b.clone(), media_type: layer_media_type(&self.blobs.path(&b)?)?.into(), blob_size: size, diff_id });
                }
                let names: Vec<String> = entry
                    .get("RepoTags")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).filter_map(|t| Reference::parse(t, "docker.io").ok()).map(|r| r.to_string()).collect())
                    .unwrap_or_default();
                let config: Value = serde_json::from_slice(&config_bytes).map_err(|e| bad(what, e.to_string()))?;
                // Keep the config's exact bytes: its digest is the image ID.
                let config_digest = self.blobs.put_bytes(&config_bytes, "image config")?;
                let manifest = json!({
                    "schemaVersion": 2,
                    "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_bytes.len()},
                    "layers": layers.iter().map(|l| json!({"mediaType": l.media_type, "digest": l.blob, "size": l.blob_size})).collect::<Vec<_>>(),
                });
                let _ = config;
                let mbytes = serde_json::to_vec(&manifest).map_err(|e| bad(what, e.to_string()))?;
                let mdigest = self.blobs.put_bytes(&mbytes, "manifest")?;
                images.push(self.commit_image(rec, &mdigest, &config_digest, layers, &names)?);
            }
            Ok(images)
        })
    }

    /// Loads an archive of either kind (`podman load`): a docker-archive or an OCI archive.
    pub fn load(&self, archive: &Path, progress: Option<ProgressFn<'_>>) -> Result<Vec<Image>> {
        self.load_tagged(archive, None, progress)
    }

    /// `load`, taking from an OCI archive only the image tagged `tag` (when given).
    pub fn load_tagged(
        &self,
        archive: &Path,
        tag: Option<&str>,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Vec<Image>> {
        let dir = self.unpack(archive, progress)?;
        let what = archive.display().to_string();
        let root = Root::open(dir.path()).map_err(|e| bad(&what, e.to_string()))?;
        if kind_inside(&root, "manifest.json") == Some(Kind::File) {
            self.import_docker_dir(dir.path(), &what)
        } else if kind_inside(&root, "oci-layout") == Some(Kind::File) {
            Ok(vec![self.import_oci_layout(dir.path(), tag, &[], None)?])
        } else {
            Err(bad(
                &what,
                "neither a docker-archive (manifest.json) nor an OCI archive (oci-layout)",
            ))
        }
    }

    /// The names an archive carries: the one asked for when it is one of the image's (as
    /// podman labels a save of `name:tag`), else all of them.
    fn names_for_save(&self, img: &Image, asked: &str) -> Vec<String> {
        let wanted: Vec<String> = Reference::parse(asked, "localhost")
            .map(|r| r.to_string())
            .into_iter()
            .chain(std::iter::once(asked.to_string()))
            .collect();
        match img.names.iter().find(|n| wanted.contains(n)) {
            Some(n) => vec![n.clone()],
            // The names that stand for the manifest written (`img` is the view asked for).
            None => img
                .names
                .iter()
                .filter(|n| !img.alternates.iter().any(|a| a.names.contains(n)))
                .cloned()
                .collect(),
        }
    }

    /// Writes image `name_or_id` into the OCI layout directory `dir` (made if missing) under
    /// `tag` (default: the image's tag), keeping the layout's other images; a manifest already
    /// tagged so there is replaced. Blobs already present are not written again.
    pub fn save_oci_layout(
        &self,
        name_or_id: &str,
        dir: &Path,
        tag: Option<&str>,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<()> {
        let lock = self.meta.lock(false)?;
        let img = self.resolve_image(&lock.records, name_or_id)?;
        let tag = match tag {
            Some(t) => t.to_string(),
            None => self
                .names_for_save(&img, name_or_id)
                .first()
                .and_then(|n| n.rsplit_once(':').map(|(_, t)| t.to_string()))
                .filter(|t| !t.contains('/'))
                .unwrap_or_else(|| "latest".into()),
        };
        let what = dir.display().to_string();
        let blobs = dir.join("blobs/sha256");
        fs::create_dir_all(&blobs).map_err(io(&blobs))?;
        let layout = dir.join("oci-layout");
        if !layout.exists() {
            fs::write(&layout, br#"{"imageLayoutVersion":"1.0.0"}"#).map_err(io(&layout))?;
        }
        let manifest = self.blobs.read(&img.manifest_digest)?;
        let mut progress = progress;
        let mut put = |digest: &str, size: u64, from: &mut dyn Read| -> Result<()> {
            let dest = blobs.join(hex_of(digest)?);
            if dest.exists() {
                return Ok(());
            }
            let mut tmp = tempfile::NamedTempFile::new_in(&blobs).map_err(io(&blobs))?;
            let mut r = Reporting::new(from, digest, Some(size), lend(&mut progress));
            std::io::copy(&mut r, &mut tmp).map_err(io(tmp.path()))?;
            tmp.persist(&dest).map_err(|e| StorageError::Io {
                path: dest.clone(),
                source: e.error,
            })?;
            Ok(())
        };
        for l in &img.layers {
            put(&l.blob, l.blob_size, &mut self.blobs.open(&l.blob)?)?;
        }
        let config = self.blobs.read(&img.config_digest)?;
        put(&img.config_digest, config.len() as u64, &mut &config[..])?;
        put(
            &img.manifest_digest,
            manifest.len() as u64,
            &mut &manifest[..],
        )?;
        let media = manifest_media_type(&manifest);
        let index_path = dir.join("index.json");
        let mut index: Value = match fs::read(&index_path) {
            Ok(b) => {
                serde_json::from_slice(&b).map_err(|e| bad(&what, format!("index.json: {e}")))?
            }
            Err(_) => json!({"schemaVersion": 2, "manifests": []}),
        };
        let entries = index["manifests"]
            .as_array_mut()
            .ok_or_else(|| bad(&what, "index.json has no manifests list"))?;
        entries.retain(|m| m["annotations"][REF_NAME].as_str() != Some(tag.as_str()));
        entries.push(json!({
            "mediaType": media,
            "digest": img.manifest_digest,
            "size": manifest.len(),
            "annotations": { REF_NAME: tag },
        }));
        let text = serde_json::to_vec(&index).map_err(|e| bad(&what, e.to_string()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
        tmp.write_all(&text).map_err(io(tmp.path()))?;
        tmp.persist(&index_path).map_err(|e| StorageError::Io {
            path: index_path.clone(),
            source: e.error,
        })?;
        drop(lock);
        Ok(())
    }

    /// Writes an image as an OCI archive.
    pub fn save_oci_archive(
        &self,
        name_or_id: &str,
        out: impl Write,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<()> {
        // Held shared for the whole export, so the image's blobs cannot be collected under us.
        let lock = self.meta.lock(false)?;
        let img = self.resolve_image(&lock.records, name_or_id)?;
        let names = self.names_for_save(&img, name_or_id);
        let manifest = self.blobs.read(&img.manifest_digest)?;
        let media = manifest_media_type(&manifest);
        let mut desc =
            json!({"mediaType": media, "digest": img.manifest_digest, "size": manifest.len()});
        if let Some(n) = names.first() {
            desc["annotations"] = json!({ REF_NAME: n });
        }
        let index = serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [desc]}))
            .map_err(|e| bad("index", e.to_string()))?;
        let mut tar = tar::Builder::new(out);
        dir_entry(&mut tar, "blobs/")?;
        dir_entry(&mut tar, "blobs/sha256/")?;
        file_entry(&mut tar, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        file_entry(&mut tar, "index.json", &index)?;
        file_entry(
            &mut tar,
            &format!("blobs/sha256/{}", hex_of(&img.manifest_digest)?),
            &manifest,
        )?;
        let config = self.blobs.read(&img.config_digest)?;
        file_entry(
            &mut tar,
            &format!("blobs/sha256/{}", hex_of(&img.config_digest)?),
            &config,
        )?;
        let mut progress = progress;
        for l in &img.layers {
            let r = Reporting::new(
                self.blobs.open(&l.blob)?,
                &l.blob,
                Some(l.blob_size),
                lend(&mut progress),
            );
            stream_entry(
                &mut tar,
                &format!("blobs/sha256/{}", hex_of(&l.blob)?),
                l.blob_size,
                r,
                &l.blob,
            )?;
        }
        tar.into_inner()
            .and_then(|mut w| w.flush())
            .map_err(io("<output>"))?;
        drop(lock);
        Ok(())
    }

    /// Writes image `name_or_id` as a docker-archive (`docker save`, `podman save`).
    pub fn save_docker_archive(
        &self,
        name_or_id: &str,
        out: impl Write,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<()> {
        self.save_docker_archive_many(&[name_or_id.to_string()], &[], out, progress)
    }

    /// Writes several images into one docker-archive (`save -m`): a config each, each layer
    /// once, and a `manifest.json` entry per image with the names it was asked by (the first
    /// also with `extra_tags`, as `save IMG TAG...` names it).
    pub fn save_docker_archive_many(
        &self,
        names: &[String],
        extra_tags: &[String],
        out: impl Write,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<()> {
        let extra: Vec<String> = extra_tags
            .iter()
            .map(|t| Store::normalize_name(t))
            .collect::<Result<_>>()?;
        // Held shared for the whole export, so no blob can be collected under us.
        let lock = self.meta.lock(false)?;
        let mut tar = tar::Builder::new(out);
        let mut progress = progress;
        let mut written: Vec<String> = Vec::new();
        let mut entries: Vec<Value> = Vec::new();
        for name in names {
            let img = self.resolve_image(&lock.records, name)?;
            let cfg_name = format!("{}.json", img.id);
            if !written.contains(&cfg_name) {
                file_entry(&mut tar, &cfg_name, &self.blobs.read(&img.config_digest)?)?;
                written.push(cfg_name.clone());
            }
            let mut layer_names = Vec::new();
            for l in &img.layers {
                let name = format!("{}/layer.tar", hex_of(&l.diff_id)?);
                if !written.contains(&name) {
                    let size = lock
                        .records
                        .layers
                        .iter()
                        .find(|x| x.diff_id == l.diff_id)
                        .map(|x| x.size)
                        .ok_or_else(|| bad("store", format!("layer {} not recorded", l.diff_id)))?;
                    dir_entry(&mut tar, &format!("{}/", hex_of(&l.diff_id)?))?;
                    let r = decompressed(Reporting::new(
                        self.blobs.open(&l.blob)?,
                        &l.blob,
                        Some(l.blob_size),
                        lend(&mut progress),
                    ))?;
                    stream_entry(&mut tar, &name, size, r, &l.blob)?;
                    written.push(name.clone());
                }
                layer_names.push(name);
            }
            let mut tags: Vec<String> = self
                .names_for_save(&img, name)
                .into_iter()
                .filter(|n| !n.contains('@'))
                .collect();
            if entries.is_empty() {
                tags.extend(
                    extra
                        .iter()
                        .filter(|t| !tags.contains(t))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
            }
            entries.push(json!({"Config": cfg_name, "RepoTags": tags, "Layers": layer_names}));
        }
        let manifest = serde_json::to_vec(&Value::Array(entries))
            .map_err(|e| bad("manifest", e.to_string()))?;
        file_entry(&mut tar, "manifest.json", &manifest)?;
        tar.into_inner()
            .and_then(|mut w| w.flush())
            .map_err(io("<output>"))?;
        drop(lock);
        Ok(())
    }
}

fn header(path: &str, size: u64, kind: tar::EntryType, mode: u32) -> Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path).map_err(io(path))?;
    h.set_size(size);
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_cksum();
    Ok(h)
}

fn dir_entry<W: Write>(tar: &mut tar::Builder<W>, path: &str) -> Result<()> {
    let h = header(path, 0, tar::EntryType::Directory, 0o755)?;
    tar.append(&h, io::empty()).map_err(io(path))
}

fn file_entry<W: Write>(tar: &mut tar::Builder<W>, path: &str, bytes: &[u8]) -> Result<()> {
    let h = header(path, bytes.len() as u64, tar::EntryType::Regular, 0o644)?;
    tar.append(&h, bytes).map_err(io(path))
}

fn stream_entry<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    size: u64,
    r: impl Read,
    blob: &str,
) -> Result<()> {
    let h = header(path, size, tar::EntryType::Regular, 0o644)?;
    tar.append(&h, r).map_err(|e| verify_error(blob, e))
}
