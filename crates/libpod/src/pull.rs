//! Pulling images from registries (feature `pull`): registries.conf settings turned into the
//! storage layer's pull options.

use std::path::{Path, PathBuf};
use std::time::Duration;

use libpod_storage::{Image, ProgressFn, PullOptions};

use crate::error::Result;
use crate::runtime::Runtime;

/// How to reach registries, per call: credentials and TLS (the rest comes from
/// registries.conf).
#[derive(Clone, Default)]
pub struct RegistryAccess {
    /// An auth.json with credentials, as podman and skopeo write it (default:
    /// [`default_auth_file`]).
    pub auth_file: Option<PathBuf>,
    /// `--tls-verify`: `Some(false)` allows unverified TLS and plain HTTP with every registry,
    /// `Some(true)` verifies every one, `None` follows registries.conf.
    pub tls_verify: Option<bool>,
    /// `--creds`: user and password, used before the auth file's.
    pub credentials: Option<(String, String)>,
    /// `--cert-dir`: the directory of `*.crt` CAs and `*.cert`/`*.key` client pairs (default:
    /// the registry's directory under /etc/containers/certs.d and /etc/docker/certs.d).
    pub cert_dir: Option<PathBuf>,
    /// `--retry`: how many times a pull or push the network failed is tried again (default
    /// 3, as podman).
    pub retries: Option<u32>,
    /// `--retry-delay`: the wait before each new try (default: 1 s, doubling each time).
    pub retry_delay: Option<Duration>,
    /// Told about each new try: its number, how many there may be, the wait, and the error.
    pub on_retry: Option<fn(u32, u32, Duration, &str)>,
    /// Push only (`--compression-format gzip`): layers stored uncompressed go out as gzip,
    /// under a new manifest digest; by default every blob goes as stored.
    pub gzip_layers: bool,
}

impl std::fmt::Debug for RegistryAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAccess")
            .field("auth_file", &self.auth_file)
            .field("tls_verify", &self.tls_verify)
            .field("credentials", &libpod_storage::redacted(&self.credentials))
            .field("cert_dir", &self.cert_dir)
            .field("retries", &self.retries)
            .field("retry_delay", &self.retry_delay)
            .field("gzip_layers", &self.gzip_layers)
            .finish_non_exhaustive()
    }
}

/// One repository `search` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResult {
    /// Its full name (`REGISTRY/PATH`).
    pub name: String,
    /// The registry it is in.
    pub index: String,
    /// Its tags, when asked for.
    pub tags: Vec<String>,
}

/// Per-pull choices a caller makes (the rest comes from registries.conf).
#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    /// `os/arch` to choose from a multi-platform index (default: this machine's).
    pub platform: Option<String>,
    /// The policy.json to obey (default: the configured `signature_policy_path`, else
    /// `/etc/containers/policy.json`).
    pub signature_policy: Option<PathBuf>,
    /// Credentials and TLS.
    pub access: RegistryAccess,
}

impl Runtime {
    /// Pulls `reference` into the image store. Transports as podman spells them: `docker://`
    /// (the default; a short name tries `unqualified-search-registries` in order),
    /// `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE`, and
    /// `containers-storage:NAME` (an image already in our store).
    pub fn pull_image(&self, reference: &str, req: &PullRequest) -> Result<Image> {
        self.pull_image_with_progress(reference, req, None)
    }

    /// `pull_image`, telling `progress` about each layer as its bytes arrive (item: the
    /// layer's digest; done of total bytes).
    pub fn pull_image_with_progress(
        &self,
        reference: &str,
        req: &PullRequest,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<Image> {
        let policy = self.policy(req.signature_policy.as_deref())?;
        if let Some(local) = self.pull_local(reference, &policy)? {
            return Ok(local);
        }
        let mut opts = self.registry_options(&req.access, req.platform.clone())?;
        opts.policy = Some(policy);
        let _s = crate::trace::span("pull image");
        let store = self.store()?;
        let mut progress = progress;
        let image = with_retries(&req.access, || {
            store.pull(reference, &opts, libpod_storage::lend(&mut progress))
        })?;
        crate::event_record::object(
            &self.inner,
            crate::events::EventType::Image,
            crate::events::EventStatus::Pull,
            &image.id,
            reference,
        );
        Ok(image)
    }

    /// Pulls every tag of `repository` (a registry's, without a tag or digest: `--all-tags`),
    /// in the registry's order; `progress` hears about each layer of each.
    pub fn pull_all_tags_with_progress(
        &self,
        repository: &str,
        req: &PullRequest,
        mut progress: Option<ProgressFn<'_>>,
    ) -> Result<Vec<Image>> {
        if [
            "oci:",
            "oci-archive:",
            "docker-archive:",
            "containers-storage:",
        ]
        .iter()
        .any(|t| repository.starts_with(t))
        {
            return Err(crate::LibpodError::Invalid(format!(
                "{repository}: --all-tags lists a registry's tags; use a docker:// repository"
            )));
        }
        let opts = self.registry_options(&req.access, req.platform.clone())?;
        let (name, tags) = libpod_storage::list_tags(repository, &opts)?;
        let mut out = Vec::new();
        for t in tags {
            let one = format!("{name}:{t}");
            let lent = libpod_storage::lend(&mut progress);
            out.push(self.pull_image_with_progress(&one, req, lent)?);
        }
        Ok(out)
    }

    /// Repositories matching `term` in registries' catalogs (`search`): `REGISTRY/TEXT`, or
    /// `TEXT` at each search registry; at most `limit` (0: all), each with its tags when
    /// `list_tags`.
    ///
    /// ```no_run
    /// # let rt = libpod::Runtime::builder().build()?;
    /// let access = libpod::RegistryAccess { tls_verify: Some(false), ..Default::default() };
    /// for hit in rt.search_images("127.0.0.1:5000/busy", &access, 10, false)? {
    ///     println!("{}", hit.name);
    /// }
    /// # Ok::<(), libpod::LibpodError>(())
    /// ```
    pub fn search_images(
        &self,
        term: &str,
        access: &RegistryAccess,
        limit: usize,
        list_tags: bool,
    ) -> Result<Vec<SearchResult>> {
        let opts = self.registry_options(access, None)?;
        let mut names = libpod_storage::search(term, &opts)?;
        names.sort();
        if limit > 0 {
            names.truncate(limit);
        }
        names
            .into_iter()
            .map(|name| {
                let tags = if list_tags {
                    // In the registry's order, as podman lists them.
                    libpod_storage::list_tags(&name, &opts)?.1
                } else {
                    Vec::new()
                };
                let index = name.split('/').next().unwrap_or("").to_string();
                Ok(SearchResult { name, index, tags })
            })
            .collect()
    }

    /// The signature policy: `path`, else the configured one, else podman's default file.
    fn policy(&self, path: Option<&Path>) -> Result<libpod_storage::Policy> {
        let cfg = self.config()?;
        let path = path
            .map(Path::to_path_buf)
            .or_else(|| cfg.signature_policy_path.clone())
            .unwrap_or_else(|| PathBuf::from("/etc/containers/policy.json"));
        Ok(libpod_storage::Policy::load(&path)?)
    }

    /// registries.conf's settings with the caller's access choices and platform.
    fn registry_options(
        &self,
        access: &RegistryAccess,
        platform: Option<String>,
    ) -> Result<PullOptions> {
        let cfg = self.config()?;
        Ok(PullOptions {
            search_registries: cfg.search_registries.clone(),
            insecure: cfg.insecure_registries.clone(),
            registries: cfg.registries.clone(),
            auth_file: Some(access.auth_file.clone().unwrap_or_else(default_auth_file)),
            platform,
            policy: None,
            tls_verify: access.tls_verify,
            credentials: access.credentials.clone(),
            cert_dir: access.cert_dir.clone(),
            gzip_layers: access.gzip_layers,
        })
    }

    /// Pushes image `image` to `dest` and returns the manifest digest written. Transports:
    /// `docker://` (the default: `host/repo[:tag]`), `oci:DIR[:TAG]` (added to the layout),
    /// `oci-archive:FILE` and `docker-archive:FILE` (the archive written whole), and
    /// `containers-storage:NAME` (our own store: a new name). `progress` hears about each blob.
    pub fn push_image(
        &self,
        image: &str,
        dest: &str,
        access: &RegistryAccess,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<String> {
        let store = self.store()?;
        let archive = |file: &str| -> Result<std::fs::File> {
            std::fs::File::create(file)
                .map_err(|e| crate::LibpodError::Invalid(format!("creating {file}: {e}")))
        };
        if let Some(file) = dest.strip_prefix("oci-archive:") {
            store.save_oci_archive(image, archive(file)?, progress)?;
            return Ok(store.image(image)?.manifest_digest);
        }
        if let Some(file) = dest.strip_prefix("docker-archive:") {
            store.save_docker_archive(image, archive(file)?, progress)?;
            return Ok(store.image(image)?.manifest_digest);
        }
        if let Some(dir) = dest.strip_prefix("oci:") {
            let (dir, tag) = path_and_tag(dir);
            store.save_oci_layout(image, Path::new(dir), tag, progress)?;
            return Ok(store.image(image)?.manifest_digest);
        }
        if let Some(name) = dest.strip_prefix("containers-storage:") {
            // A copy within our own store is one more name for the same image.
            let tagged = store.tag(image, name)?;
            let name = tagged
                .names
                .last()
                .cloned()
                .unwrap_or_else(|| name.to_string());
            return Ok(store.image(&name)?.manifest_digest);
        }
        if dest.starts_with("dir:") {
            return Err(crate::LibpodError::Invalid(format!(
                "push to {dest}: this transport is not supported; use docker://, oci:, oci-archive:, docker-archive: or containers-storage:"
            )));
        }
        let opts = self.registry_options(access, None)?;
        let _s = crate::trace::span("push image");
        let mut progress = progress;
        let digest = with_retries(access, || {
            store.push(image, dest, &opts, libpod_storage::lend(&mut progress))
        })?;
        crate::event_record::object(
            &self.inner,
            crate::events::EventType::Image,
            crate::events::EventStatus::Push,
            "",
            dest,
        );
        Ok(digest)
    }

    /// Checks `user` and `password` with `registry` and records them in the auth file
    /// (`login`); `access` says which file and how to reach the registry (its `credentials`
    /// are not used).
    pub fn login(
        &self,
        registry: &str,
        user: &str,
        password: &str,
        access: &RegistryAccess,
    ) -> Result<()> {
        let opts = self.registry_options(access, None)?;
        Ok(libpod_storage::login(&opts, registry, user, password)?)
    }
}

/// Runs `f` until it succeeds, fails for a reason other than the network, or has been tried
/// again `access.retries` times (default 3), waiting `access.retry_delay` (default 1 s, then
/// doubling, as podman) before each new try. A pull keeps what finished, so a new try fetches
/// only the rest.
fn with_retries<T>(
    access: &RegistryAccess,
    mut f: impl FnMut() -> std::result::Result<T, libpod_storage::StorageError>,
) -> Result<T> {
    let retries = access.retries.unwrap_or(3);
    let mut attempt = 0;
    loop {
        match f() {
            Err(e) if e.is_transient() && attempt < retries => {
                let delay = access
                    .retry_delay
                    .unwrap_or_else(|| Duration::from_secs(1 << attempt.min(6)));
                attempt += 1;
                if let Some(tell) = access.on_retry {
                    tell(attempt, retries, delay, &e.to_string());
                }
                std::thread::sleep(delay);
            }
            r => return Ok(r?),
        }
    }
}

/// Drops `registry`'s credentials from the auth file (every registry's with `None`); returns
/// whether there were any (`logout`).
pub fn logout(registry: Option<&str>, auth_file: Option<PathBuf>) -> Result<bool> {
    let file = auth_file.unwrap_or_else(default_auth_file);
    Ok(libpod_storage::remove_credentials(&file, registry)?)
}

/// Where podman keeps credentials: `$REGISTRY_AUTH_FILE`, else
/// `$XDG_RUNTIME_DIR/containers/auth.json`, else `/run/containers/<uid>/auth.json`.
pub fn default_auth_file() -> PathBuf {
    if let Some(f) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|f| !f.is_empty()) {
        return PathBuf::from(f);
    }
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => Path::new(&d).join("containers/auth.json"),
        None => PathBuf::from(format!(
            "/run/containers/{}/auth.json",
            nix::unistd::getuid().as_raw()
        )),
    }
}

impl Runtime {
    /// The local transports; `None` for a registry reference.
    fn pull_local(
        &self,
        reference: &str,
        policy: &libpod_storage::Policy,
    ) -> Result<Option<Image>> {
        let store = self.store()?;
        // Our own store: nothing to fetch, the image must be here.
        if let Some(name) = reference.strip_prefix("containers-storage:") {
            return Ok(Some(store.image(name)?));
        }
        let Some((transport, rest)) = reference
            .split_once(':')
            .filter(|(t, _)| ["oci", "oci-archive", "docker-archive"].contains(t))
        else {
            return Ok(None);
        };
        let (path, tag) = if transport == "docker-archive" {
            (rest, None)
        } else {
            path_and_tag(rest)
        };
        // The real path (no `..`, no symlinks), so a scope cannot be stepped around; a tag is
        // kept.
        let real = std::fs::canonicalize(path)
            .or_else(|_| std::path::absolute(path))
            .unwrap_or_else(|_| PathBuf::from(path));
        let scope = match tag {
            Some(t) => format!("{}:{t}", real.display()),
            None => real.display().to_string(),
        };
        policy.check(transport, &scope)?;
        if transport == "oci" {
            return Ok(Some(store.import_oci_layout(
                Path::new(path),
                tag,
                &[],
                None,
            )?));
        }
        // `oci-archive:FILE:TAG` names one image of the archive.
        let images = store.load_tagged(Path::new(path), tag, None)?;
        let first =
            images
                .into_iter()
                .next()
                .ok_or_else(|| libpod_storage::StorageError::BadArchive {
                    source_name: path.to_string(),
                    reason: "the archive holds no image".into(),
                })?;
        Ok(Some(first))
    }
}

/// `PATH[:TAG]` of the `oci:` and `oci-archive:` transports: a last colon starts a tag when
/// the whole is no existing path and what follows it is no path.
fn path_and_tag(rest: &str) -> (&str, Option<&str>) {
    match rest.rsplit_once(':') {
        Some((p, t)) if !Path::new(rest).exists() && !t.contains('/') => (p, Some(t)),
        _ => (rest, None),
    }
}
