//! The store: images, the layers they share, and containers' writable layers. Every change
//! happens under the store-wide lock and is recorded only once its files are in place; a
//! failure removes what it made.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::blobs::{Blobs, Reporting, verify_error};
use crate::digest::{Hashing, hex_of};
use crate::driver::{self, Driver};
use crate::error::{Result, StorageError, io};
use crate::extract::{Extractor, Limits, Whiteouts};
use crate::meta::{Meta, Records};
use crate::reference::Reference;
use crate::types::{Image, ImageConfig, Layer, LayerRef, ProgressFn, StoreInfo};

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Persistent root.
    pub graph_root: PathBuf,
    /// Per-boot root.
    pub run_root: PathBuf,
    /// `overlay` (falls back to vfs where overlay cannot mount) or `vfs`.
    pub driver: String,
    /// Extra overlay mount options.
    pub mount_options: Vec<String>,
    /// Registries tried, in order, for short image names.
    pub search_registries: Vec<String>,
    /// Bounds on what one layer may write.
    pub limits: Limits,
}

impl From<&libpod_config::RuntimeConfig> for StoreOptions {
    fn from(c: &libpod_config::RuntimeConfig) -> Self {
        StoreOptions {
            graph_root: c.storage.graph_root.clone(),
            run_root: c.storage.run_root.clone(),
            driver: c.storage.driver.clone(),
            mount_options: c.storage.mount_options.clone(),
            search_registries: c.search_registries.clone(),
            limits: Limits::default(),
        }
    }
}

/// What `remove_image` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedImage {
    /// The image's ID.
    pub id: String,
    /// Names taken off it.
    pub untagged: Vec<String>,
    /// Whether the image itself was deleted (not only untagged).
    pub deleted: bool,
}

/// Image and container storage under one graph root.
#[derive(Debug)]
pub struct Store {
    pub(crate) opts: StoreOptions,
    pub(crate) driver: Driver,
    driver_reason: String,
    pub(crate) blobs: Blobs,
    pub(crate) meta: Meta,
}

/// Characters allowed in a container layer ID (it becomes a directory name).
pub(crate) fn check_container_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && !id.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(StorageError::ContainerNotKnown(format!(
            "{id:?} (IDs are [A-Za-z0-9_.-], not starting with .)"
        )))
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect()
    })
}

/// What containers run, read from an OCI or Docker image config.
pub(crate) fn parse_config(
    bytes: &[u8],
    what: &str,
) -> Result<(ImageConfig, i64, String, Vec<String>)> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| StorageError::BadArchive {
        source_name: what.to_string(),
        reason: format!("image config: {e}"),
    })?;
    let c = &v["config"];
    let config = ImageConfig {
        entrypoint: strings(&c["Entrypoint"]),
        cmd: strings(&c["Cmd"]),
        env: strings(&c["Env"]).unwrap_or_default(),
        working_dir: c["WorkingDir"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(String::from),
        user: c["User"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(String::from),
        exposed_ports: c["ExposedPorts"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
        labels: c["Labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        stop_signal: c["StopSignal"].as_str().map(String::from),
        volumes: c["Volumes"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
        healthcheck: serde_json::from_value(c["Healthcheck"].clone()).ok(),
    };
    let created = v["created"]
        .as_str()
        .and_then(crate::time::parse)
        .unwrap_or(0);
    let platform = format!(
        "{}/{}",
        v["os"].as_str().unwrap_or("linux"),
        v["architecture"].as_str().unwrap_or("amd64")
    );
    let diff_ids = strings(&v["rootfs"]["diff_ids"]).unwrap_or_default();
    Ok((config, created, platform, diff_ids))
}

/// A layer extracted into a temporary directory but not recorded yet.
pub(crate) struct StagedLayer {
    tmp: tempfile::TempDir,
    diff_id: String,
    size: u64,
    /// Keeps another command's `Store::open` from clearing `tmp` meanwhile.
    _hold: crate::blobs::TmpHold,
}

/// A layer's uncompressed tar, hashed for its diff ID, and whether the blob was compressed.
/// An uncompressed layer's diff ID is its blob's digest, which every caller verifies (the blob
/// writer, or a verified read), so its bytes are only counted, not hashed a second time.
fn diff_id_stream<'a>(r: impl Read + 'a) -> Result<(Hashing<Box<dyn Read + 'a>>, bool)> {
    let (tar, compressed) = crate::extract::decompressed_kind(r)?;
    let hashed = if compressed {
        Hashing::new(tar)
    } else {
        Hashing::counting(tar)
    };
    Ok((hashed, compressed))
}

/// The diff ID: the hash of the uncompressed tar, or the blob's own digest when it was one.
fn diff_id(compressed: bool, digest: String, blob: &str) -> String {
    if compressed { digest } else { blob.to_string() }
}

impl Store {
    /// Opens (creating) a store, picks its driver, and clears leftovers of interrupted writes.
    pub fn open(opts: StoreOptions) -> Result<Store> {
        // Layers hold setuid binaries and device nodes of images, which no other user of the
        // host may reach: the run root and every directory holding layers or blobs are
        // private (0700). The graph root and `containers` are 0711, as podman's, so that a
        // container's root in a user namespace can pass through them to its own directory;
        // each container directory is 0700, owned by the root it is for.
        let g = &opts.graph_root;
        let migrating = fs::metadata(g).is_ok_and(|m| m.permissions().mode() & 0o7777 != 0o711);
        libpod_fs::host::private_dir(&opts.run_root)?;
        for d in ["layers", "l", "empty", "blobs", "i", "mapped"] {
            libpod_fs::host::private_dir(&g.join(d))?;
        }
        if migrating {
            // A store made before: its container directories were open to everyone.
            for e in fs::read_dir(g.join("containers"))
                .into_iter()
                .flatten()
                .flatten()
            {
                libpod_fs::host::private_dir(&e.path())?;
            }
        }
        libpod_fs::host::traversable_dir(&g.join("containers"))?;
        libpod_fs::host::traversable_dir(g)?;
        let (driver, driver_reason) =
            driver::choose(&opts.driver, &opts.graph_root, &opts.run_root)?;
        let store = Store {
            blobs: Blobs::new(&opts.graph_root)?,
            meta: Meta::new(&opts.graph_root, &opts.run_root),
            driver,
            driver_reason,
            opts,
        };
        let lock = store.meta.lock(true)?;
        // Leftovers of interrupted writes, unless another command is writing right now.
        if let Some(_quiet) = store.blobs.quiet_tmp()? {
            store.blobs.clean_tmp()?;
            for e in fs::read_dir(store.layers_dir())
                .map_err(io(store.layers_dir()))?
                .flatten()
            {
                if e.file_name().to_string_lossy().starts_with("tmp-") {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
        drop(lock);
        Ok(store)
    }

    fn layers_dir(&self) -> PathBuf {
        self.opts.graph_root.join("layers")
    }

    pub(crate) fn layer_dir(&self, diff_id: &str) -> Result<PathBuf> {
        Ok(self.layers_dir().join(hex_of(diff_id)?))
    }

    pub(crate) fn container_dir(&self, id: &str) -> PathBuf {
        self.opts.graph_root.join("containers").join(id)
    }

    /// Driver, paths and counts.
    pub fn info(&self) -> Result<StoreInfo> {
        let l = self.meta.lock(false)?;
        Ok(StoreInfo {
            graph_root: self.opts.graph_root.clone(),
            run_root: self.opts.run_root.clone(),
            driver: self.driver.name().to_string(),
            driver_reason: self.driver_reason.clone(),
            backing_filesystem: driver::backing_filesystem(&self.opts.graph_root),
            images: l.records.images.len(),
            containers: l.records.containers.len(),
            layers: l.records.layers.len(),
        })
    }

    /// Makes sure the layer in blob `blob` is extracted (once per diff ID); returns its diff ID.
    pub(crate) fn ensure_layer(
        &self,
        rec: &mut Records,
        blob: &str,
        expected_diff: Option<&str>,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<(String, u64)> {
        if let Some(d) = expected_diff
            && let Some(l) = rec.layers.iter().find(|l| l.diff_id == d)
        {
            return Ok((l.diff_id.clone(), l.size));
        }
        let size = fs::metadata(self.blobs.path(blob)?).map(|m| m.len()).ok();
        let reader = Reporting::new(self.blobs.open(blob)?, blob, size, progress);
        let staged = self.stage_layer(reader, blob)?;
        self.commit_layer(rec, staged, blob, expected_diff)
    }

    /// Extracts a layer stream into a temporary directory under `layers/`, outside the store
    /// lock; [`Store::commit_layer`] records it. Dropped, it removes its directory.
    /// `stage_layer` with the work split over threads: this one extracts while another
    /// decompresses, and a third hashes the diff ID of a compressed layer, so none of them
    /// waits for another's CPU.
    #[cfg(feature = "pull")]
    pub(crate) fn stage_layer_split(&self, r: impl Read + Send, blob: &str) -> Result<StagedLayer> {
        use std::io::Write as _;
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<std::sync::Arc<Vec<u8>>>(8);
            let inflater = s.spawn(move || -> Result<(String, u64, bool)> {
                let (mut tar, compressed) = crate::extract::decompressed_kind(r)?;
                // An uncompressed layer's diff ID is its blob's digest, verified anyway.
                let (htx, hrx) = std::sync::mpsc::sync_channel::<std::sync::Arc<Vec<u8>>>(8);
                let hasher = compressed.then(|| {
                    s.spawn(move || {
                        let mut h = Hashing::new(io::sink());
                        for c in hrx {
                            // A sink takes every byte.
                            let _ = h.write_all(&c);
                        }
                        h.finish().0
                    })
                });
                let mut size = 0u64;
                // To the end of the stream, whether or not the extractor still listens, so
                // the diff ID covers every byte and the sender is never left blocked.
                loop {
                    let chunk =
                        crate::chunks::next_chunk(&mut tar).map_err(|e| verify_error(blob, e))?;
                    if chunk.is_empty() {
                        break;
                    }
                    size += chunk.len() as u64;
                    let chunk = std::sync::Arc::new(chunk);
                    if compressed {
                        let _ = htx.send(std::sync::Arc::clone(&chunk));
                    }
                    let _ = tx.send(chunk);
                }
                drop(htx);
                let digest = match hasher.map(|h| h.join()) {
                    Some(Ok(d)) => d,
                    Some(Err(_)) => {
                        return Err(verify_error(
                            blob,
                            io::Error::other("the hashing thread panicked"),
                        ));
                    }
                    None => String::new(),
                };
                Ok((digest, size, compressed))
            });
            let hold = self.blobs.hold_tmp();
            let tmp = tempfile::Builder::new()
                .prefix("tmp-")
                .tempdir_in(self.layers_dir())
                .map_err(io(self.layers_dir()));
            let mut chunks = crate::chunks::ChunkReader::new(rx);
            let extracted = match &tmp {
                Ok(t) if self.driver == Driver::Overlay => {
                    Extractor::new(t.path(), Whiteouts::Overlay, self.opts.limits)
                        .and_then(|x| x.extract_tar(&mut chunks))
                        .map(drop)
                }
                _ => Ok(()),
            };
            // Past the tar trailer, and after a failure: the inflater must not block.
            let _ = io::copy(&mut chunks, &mut io::sink());
            drop(chunks);
            let hashed = inflater.join().unwrap_or_else(|_| {
                Err(verify_error(
                    blob,
                    io::Error::other("the decompressing thread panicked"),
                ))
            });
            let (hold, tmp) = (hold?, tmp?);
            let (digest, size, compressed) = hashed?;
            extracted?;
            Ok(StagedLayer {
                tmp,
                diff_id: diff_id(compressed, digest, blob),
                size,
                _hold: hold,
            })
        })
    }

    pub(crate) fn stage_layer(&self, r: impl Read, blob: &str) -> Result<StagedLayer> {
        let (mut hashed, compressed) = diff_id_stream(r)?;
        let hold = self.blobs.hold_tmp()?;
        let tmp = tempfile::Builder::new()
            .prefix("tmp-")
            .tempdir_in(self.layers_dir())
            .map_err(io(self.layers_dir()))?;
        let overlay = self.driver == Driver::Overlay;
        let extracted = if overlay {
            Extractor::new(tmp.path(), Whiteouts::Overlay, self.opts.limits)?
                .extract_tar(&mut hashed)
                .map(drop)
        } else {
            Ok(())
        };
        // Hash to the end of the stream (past the tar trailer), so the diff ID covers it all.
        let drained = io::copy(&mut hashed, &mut io::sink()).map_err(|e| verify_error(blob, e));
        extracted?;
        drained?;
        let (digest, size, _) = hashed.finish();
        Ok(StagedLayer {
            tmp,
            diff_id: diff_id(compressed, digest, blob),
            size,
            _hold: hold,
        })
    }

    /// Records a staged layer under the store lock (once per diff ID); returns its diff ID.
    pub(crate) fn commit_layer(
        &self,
        rec: &mut Records,
        staged: StagedLayer,
        blob: &str,
        expected_diff: Option<&str>,
    ) -> Result<(String, u64)> {
        let StagedLayer {
            tmp,
            diff_id,
            size: usize_,
            _hold,
        } = staged;
        let overlay = self.driver == Driver::Overlay;
        if let Some(d) = expected_diff
            && d != diff_id
        {
            return Err(StorageError::DigestMismatch {
                what: format!("layer {blob} (uncompressed)"),
                expected: d.to_string(),
                actual: diff_id,
            });
        }
        if !rec.layers.iter().any(|l| l.diff_id == diff_id) {
            let dest = self.layer_dir(&diff_id)?;
            let link = hex_of(&diff_id)?[..20].to_string();
            let _ = fs::remove_dir_all(&dest);
            if overlay {
                let path = tmp.keep();
                fs::rename(&path, &dest).map_err(io(&dest))?;
            } else {
                fs::create_dir_all(&dest).map_err(io(&dest))?;
            }
            let l = self.opts.graph_root.join("l").join(&link);
            let _ = fs::remove_file(&l);
            std::os::unix::fs::symlink(Path::new("../layers").join(hex_of(&diff_id)?), &l)
                .map_err(io(&l))?;
            rec.layers.push(Layer {
                diff_id: diff_id.clone(),
                size: usize_,
                link,
            });
        }
        Ok((diff_id, usize_))
    }

    /// Records an image from stored manifest and config blobs; names move to it from other images.
    pub(crate) fn commit_image(
        &self,
        rec: &mut Records,
        manifest_digest: &str,
        config_digest: &str,
        layers: Vec<LayerRef>,
        names: &[String],
    ) -> Result<Image> {
        let config_bytes = self.blobs.read(config_digest)?;
        let (config, created, platform, _) = parse_config(&config_bytes, config_digest)?;
        let id = hex_of(config_digest)?.to_string();
        let size = layers
            .iter()
            .map(|l| {
                rec.layers
                    .iter()
                    .find(|x| x.diff_id == l.diff_id)
                    .map_or(0, |x| x.size)
            })
            .sum();
        for img in rec.images.iter_mut().filter(|i| i.id != id) {
            img.names.retain(|n| !names.contains(n));
            img.unbind_names(names);
        }
        let image = match rec.images.iter_mut().find(|i| i.id == id) {
            Some(existing) => {
                for n in names {
                    if !existing.names.contains(n) {
                        existing.names.push(n.clone());
                    }
                }
                // The same image through another manifest: kept, so these names push it.
                existing.bind_names(manifest_digest, &layers, names);
                existing.clone()
            }
            None => {
                let img = Image {
                    id,
                    names: names.to_vec(),
                    manifest_digest: manifest_digest.to_string(),
                    config_digest: config_digest.to_string(),
                    layers,
                    created: if created == 0 {
                        crate::time::now()
                    } else {
                        created
                    },
                    size,
                    config,
                    platform,
                    alternates: Vec::new(),
                };
                rec.images.push(img.clone());
                img
            }
        };
        Ok(image)
    }

    /// Runs `f` under the exclusive lock and saves what changed. With `collect`, files nothing
    /// references any more are deleted after the records are saved; on failure, those the
    /// failed operation made are deleted.
    pub(crate) fn write<T>(
        &self,
        collect: bool,
        f: impl FnOnce(&mut Records) -> Result<T>,
    ) -> Result<T> {
        let l = self.meta.lock(true)?;
        let before = l.records.clone();
        let mut rec = before.clone();
        match f(&mut rec) {
            Ok(v) => {
                let garbage = if collect {
                    self.garbage(&mut rec)?
                } else {
                    Vec::new()
                };
                self.meta.save(&before, &rec)?;
                self.delete(garbage);
                Ok(v)
            }
            Err(e) => {
                let mut committed = before;
                if let Ok(g) = self.garbage(&mut committed) {
                    self.delete(g);
                }
                Err(e)
            }
        }
    }

    fn delete(&self, garbage: Vec<PathBuf>) {
        for p in garbage {
            // A symlink or file goes with remove_file; a layer directory with remove_dir_all.
            if fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
                let _ = fs::remove_dir_all(&p);
            } else {
                let _ = fs::remove_file(&p);
            }
        }
    }

    /// Drops unreferenced layers from `rec` and lists every file nothing references.
    fn garbage(&self, rec: &mut Records) -> Result<Vec<PathBuf>> {
        let mut layers: BTreeSet<&str> = BTreeSet::new();
        let mut blobs: BTreeSet<&str> = BTreeSet::new();
        for i in &rec.images {
            blobs.extend(i.manifest_digests());
            blobs.insert(&i.config_digest);
            for l in i
                .layers
                .iter()
                .chain(i.alternates.iter().flat_map(|a| &a.layers))
            {
                layers.insert(&l.diff_id);
                blobs.insert(&l.blob);
            }
        }
        for c in &rec.containers {
            layers.extend(c.layers.iter().map(String::as_str));
        }
        let mut out = Vec::new();
        for b in self.blobs.list()? {
            if !blobs.contains(b.as_str()) {
                out.push(self.blobs.path(&b)?);
            }
        }
        let keep: Vec<Layer> = rec
            .layers
            .iter()
            .filter(|l| layers.contains(l.diff_id.as_str()))
            .cloned()
            .collect();
        let dirs: BTreeSet<String> = keep
            .iter()
            .map(|l| hex_of(&l.diff_id).map(String::from))
            .collect::<Result<_>>()?;
        let links: BTreeSet<&str> = keep.iter().map(|l| l.link.as_str()).collect();
        for e in fs::read_dir(self.layers_dir())
            .map_err(io(self.layers_dir()))?
            .flatten()
        {
            if !dirs.contains(&*e.file_name().to_string_lossy()) {
                out.push(e.path());
            }
        }
        let ldir = self.opts.graph_root.join("l");
        for e in fs::read_dir(&ldir).map_err(io(&ldir))?.flatten() {
            if !links.contains(&*e.file_name().to_string_lossy()) {
                out.push(e.path());
            }
        }
        // Mapped copies of layers still kept, for mappings a container still has.
        let keys: BTreeSet<String> = rec
            .containers
            .iter()
            .filter_map(|c| c.id_mappings.as_ref().map(crate::idmap::mapping_key))
            .collect();
        let mdir = self.opts.graph_root.join("mapped");
        for e in fs::read_dir(&mdir).into_iter().flatten().flatten() {
            if !keys.contains(&*e.file_name().to_string_lossy()) {
                out.push(e.path());
                continue;
            }
            for c in fs::read_dir(e.path()).into_iter().flatten().flatten() {
                if !links.contains(&*c.file_name().to_string_lossy()) {
                    out.push(c.path());
                }
            }
        }
        rec.layers = keep;
        Ok(out)
    }

    /// Every extracted layer (diff ID, uncompressed size).
    pub fn layers(&self) -> Result<Vec<crate::types::Layer>> {
        Ok(self.meta.lock(false)?.records.layers)
    }

    /// Every image.
    pub fn images(&self) -> Result<Vec<Image>> {
        Ok(self.meta.lock(false)?.records.images)
    }

    /// Finds an image by name (short names as podman resolves them), ID or ID prefix.
    pub fn image(&self, name_or_id: &str) -> Result<Image> {
        let l = self.meta.lock(false)?;
        self.resolve_image(&l.records, name_or_id)
    }

    /// The name of its image that `s` stands for (none when `s` is an ID or a digest).
    pub fn image_name(&self, s: &str) -> Result<Option<String>> {
        let img = self.image(s)?;
        Ok(std::iter::once(s.to_string())
            .chain(self.candidates(s))
            .find(|c| img.names.contains(c)))
    }

    /// The image `s` names, seen through the manifest `s` stands for (a name that came
    /// through another manifest, or `NAME@DIGEST`): its `manifest_digest` and `layers` are
    /// that manifest's.
    pub(crate) fn resolve_image(&self, rec: &Records, s: &str) -> Result<Image> {
        let mut img = rec.images[self.resolve(rec, s)?].clone();
        let digest = s.split_once('@').map(|(_, d)| d);
        let name = std::iter::once(s.to_string())
            .chain(self.candidates(s))
            .find(|c| img.names.contains(c));
        let d = img.manifest_for(name.as_deref(), digest).0.to_string();
        // That manifest first, the first one among the others (with the names it stood for).
        if let Some(k) = img.alternates.iter().position(|a| a.digest == d) {
            let first_names: Vec<String> = img
                .names
                .iter()
                .filter(|n| !img.alternates.iter().any(|a| a.names.contains(n)))
                .cloned()
                .collect();
            let alt = &mut img.alternates[k];
            std::mem::swap(&mut img.manifest_digest, &mut alt.digest);
            std::mem::swap(&mut img.layers, &mut alt.layers);
            alt.names = first_names;
        }
        Ok(img)
    }

    /// The names a user string may stand for, most specific first.
    fn candidates(&self, s: &str) -> Vec<String> {
        let mut out = Vec::new();
        if Reference::is_qualified(s) {
            if let Ok(r) = Reference::parse(s, "localhost") {
                out.push(r.to_string());
            }
            return out;
        }
        for reg in std::iter::once("localhost")
            .chain(self.opts.search_registries.iter().map(String::as_str))
        {
            if let Ok(r) = Reference::parse(s, reg) {
                out.push(r.to_string());
            }
        }
        out
    }

    pub(crate) fn resolve(&self, rec: &Records, s: &str) -> Result<usize> {
        let id = s.strip_prefix("sha256:").unwrap_or(s);
        if let Some(i) = rec.images.iter().position(|i| i.id == id) {
            return Ok(i);
        }
        if let Some(i) = rec
            .images
            .iter()
            .position(|i| i.names.iter().any(|n| n == s))
        {
            return Ok(i);
        }
        // name@digest matches the manifest digest.
        if let Some((name, digest)) = s.split_once('@') {
            for c in self.candidates(name) {
                let repo = c.rsplit_once(':').map_or(c.as_str(), |(r, _)| r);
                if let Some(i) = rec.images.iter().position(|i| {
                    i.manifest_digests().any(|d| d == digest)
                        && i.names.iter().any(|n| n.starts_with(&format!("{repo}:")))
                }) {
                    return Ok(i);
                }
            }
        }
        for c in self.candidates(s) {
            if let Some(i) = rec.images.iter().position(|i| i.names.contains(&c)) {
                return Ok(i);
            }
        }
        if id.len() >= 3 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            let m: Vec<usize> = (0..rec.images.len())
                .filter(|&i| rec.images[i].id.starts_with(id))
                .collect();
            if m.len() == 1 {
                return Ok(m[0]);
            }
        }
        Err(StorageError::ImageNotKnown(s.to_string()))
    }

    /// Normalises a name for local use: short names go under `localhost/`, as podman does.
    pub fn normalize_name(name: &str) -> Result<String> {
        Ok(Reference::parse(name, "localhost")?.to_string())
    }

    /// Adds a name to an image (moving it from any other image).
    pub fn tag(&self, name_or_id: &str, new_name: &str) -> Result<Image> {
        let name = Self::normalize_name(new_name)?;
        self.write(false, |rec| {
            let i = self.resolve(rec, name_or_id)?;
            // The new name stands for the same manifest as the one it was made from.
            let seen = self.resolve_image(rec, name_or_id)?;
            let names = std::slice::from_ref(&name);
            for img in rec.images.iter_mut() {
                img.names.retain(|n| n != &name);
                img.unbind_names(names);
            }
            rec.images[i].names.push(name.clone());
            rec.images[i].bind_names(&seen.manifest_digest, &seen.layers, names);
            Ok(rec.images[i].clone())
        })
    }

    /// Removes a name from an image; the image stays, even with no names.
    pub fn untag(&self, name_or_id: &str, name: &str) -> Result<Image> {
        self.write(false, |rec| {
            let i = self.resolve(rec, name_or_id)?;
            let cands: Vec<String> = std::iter::once(name.to_string())
                .chain(self.candidates(name))
                .collect();
            let before = rec.images[i].names.len();
            rec.images[i].names.retain(|n| !cands.contains(n));
            rec.images[i].unbind_names(&cands);
            if rec.images[i].names.len() == before {
                return Err(StorageError::ImageNotKnown(format!(
                    "{name} (not a name of image {})",
                    rec.images[i].id
                )));
            }
            Ok(rec.images[i].clone())
        })
    }

    /// Container layers made from an image.
    pub fn image_users(&self, name_or_id: &str) -> Result<Vec<String>> {
        let l = self.meta.lock(false)?;
        let i = self.resolve(&l.records, name_or_id)?;
        let id = &l.records.images[i].id;
        Ok(l.records
            .containers
            .iter()
            .filter(|c| &c.image == id)
            .map(|c| c.id.clone())
            .collect())
    }

    /// The directories of an image's layers, bottom first (overlay driver only: vfs keeps
    /// no layers), for mounting the image read-only.
    pub fn image_layer_dirs(&self, name_or_id: &str) -> Result<Vec<PathBuf>> {
        if self.driver != Driver::Overlay {
            return Err(StorageError::ContainerNotKnown(format!(
                "image {name_or_id}: mounting an image needs the overlay driver"
            )));
        }
        let img = self.image(name_or_id)?;
        img.layers
            .iter()
            .map(|l| self.layer_dir(&l.diff_id))
            .collect()
    }

    /// Removes an image. Given one of several names, only that name goes (unless `force`).
    /// Refused while containers use it; their layers are for the caller to remove first.
    pub fn remove_image(&self, name_or_id: &str, force: bool) -> Result<RemovedImage> {
        self.write(true, |rec| {
            let i = self.resolve(rec, name_or_id)?;
            let img = rec.images[i].clone();
            let by_name = img
                .names
                .iter()
                .find(|n| *n == name_or_id || self.candidates(name_or_id).contains(n))
                .cloned();
            if let Some(n) = by_name
                && img.names.len() > 1
                && !force
            {
                rec.images[i].names.retain(|x| x != &n);
                rec.images[i].unbind_names(std::slice::from_ref(&n));
                return Ok(RemovedImage {
                    id: img.id,
                    untagged: vec![n],
                    deleted: false,
                });
            }
            let users: Vec<String> = rec
                .containers
                .iter()
                .filter(|c| c.image == img.id)
                .map(|c| c.id.clone())
                .collect();
            if !users.is_empty() {
                return Err(StorageError::ImageInUse {
                    image: img.id,
                    containers: users,
                });
            }
            rec.images.remove(i);
            Ok(RemovedImage {
                id: img.id,
                untagged: img.names,
                deleted: true,
            })
        })
    }

    /// Reads a blob whole, verified (for exports and tests).
    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>> {
        self.blobs.read(digest)
    }

    /// Opens a blob, verified at its end.
    pub fn open_blob(&self, digest: &str) -> Result<impl Read + use<>> {
        self.blobs.open(digest)
    }

    /// Every stored blob's digest.
    pub fn blob_digests(&self) -> Result<Vec<String>> {
        self.blobs.list()
    }
}

#[cfg(test)]
mod config_tests {
    #[test]
    fn an_image_healthcheck_is_read_from_its_config() {
        let cfg = br#"{"config":{"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","check"],"Interval":5000000000,"Retries":2}},"rootfs":{"type":"layers","diff_ids":[]}}"#;
        let (c, ..) = super::parse_config(cfg, "test").expect("config");
        let h = c.healthcheck.expect("healthcheck");
        assert_eq!(h.test, ["CMD-SHELL", "check"]);
        assert_eq!((h.interval, h.retries, h.timeout), (5_000_000_000, 2, 0));
        let none = br#"{"config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[]}}"#;
        assert_eq!(
            super::parse_config(none, "test")
                .expect("config")
                .0
                .healthcheck,
            None
        );
    }
}
