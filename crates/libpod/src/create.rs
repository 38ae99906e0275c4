//! Creating containers and finding them: `Runtime::create_container`, lookups by name or ID,
//! and the listing with synced states.

use std::path::PathBuf;

use libpod_state::{ContainerConfig, ContainerState, ContainerStatus as S, NetworkMode};

use crate::error::{LibpodError, Result};
use crate::options::ContainerOptions;
use crate::runtime::{Inner, Runtime};
use crate::trace::span;

use crate::container::{Container, parse_signal};
use crate::limits::Limits;
use crate::status::{lock, now, sync};

impl Runtime {
    /// Creates a container; a name in use is refused before anything is allocated, and a
    /// failure at any later step undoes the earlier ones.
    pub fn create_container(&self, opts: ContainerOptions) -> Result<Container> {
        let inner = &self.inner;
        let _g = inner.guard()?;
        check_request(inner, &opts)?;
        let (image_id, image_name, image_cfg) = match &opts.rootfs {
            Some(_) => (String::new(), String::new(), Default::default()),
            None => {
                let img = inner.store.image(&opts.image)?;
                let name = img
                    .names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| opts.image.clone());
                (img.id, name, img.config)
            }
        };
        let libpod_storage::ImageConfig {
            stop_signal: image_stop,
            volumes: image_volumes,
            healthcheck: image_health,
            labels: image_labels,
            exposed_ports: image_exposed,
            ..
        } = image_cfg;
        let mut user_mounts = user_mounts(inner, &opts)?;
        let (pod, mut dependencies, network) = pod_and_network(inner, &opts)?;
        let mut limits = Limits::resolve(inner, &opts, &image_labels, &network, &mut dependencies)?;
        let userns = crate::userns::resolve(
            inner,
            opts.userns.as_ref(),
            opts.id_mappings.as_ref(),
            opts.rootfs.is_some(),
            &mut dependencies,
        )?;
        crate::userns::check_network(&userns, &network)?;
        check_names(&opts, &network)?;
        let network_options = network_options(inner, &opts, &network)?;
        let ports =
            crate::ports::resolve(&opts.ports, &opts.expose, &image_exposed, opts.publish_all)?;
        user_mounts.append(&mut limits.cdi_mounts);
        dependencies.dedup();
        // Everything that can refuse the request is decided before anything is allocated.
        let d = &inner.config.container_defaults;
        let checked = Checked {
            cap_add: crate::normalize_caps(&opts.cap_add)?,
            cap_drop: crate::normalize_caps(&opts.cap_drop)?,
            init_path: if opts.init || d.init {
                Some(find_init(
                    opts.init_path.as_deref().or(d.init_path.as_deref()),
                )?)
            } else {
                None
            },
            healthcheck: crate::health::resolve(image_health, &opts.health),
            stop_signal: match (opts.stop_signal, image_stop) {
                (Some(s), _) => s,
                (None, Some(s)) => parse_signal(&s).unwrap_or(15),
                (None, None) => 15,
            },
        };
        let id = libpod_state::new_id()?;
        // By exact name: "b" is a free name even when an ID starts with "b".
        let taken = |n: &str| crate::names::name_owner(inner.state.as_ref(), n).is_some();
        let name = match opts.name.clone() {
            Some(n) => n,
            None => (0..13)
                .map(|n| crate::names::generate(&id, n))
                .find(|n| !taken(n))
                .unwrap_or_else(|| id[..12].to_string()),
        };
        // Held until the container is recorded: until then, its lock being free means its
        // creator died (see `Runtime::repair`).
        let t = span("locks: allocate");
        let (lock, _creating) = inner.locks.allocate_locked()?;
        drop(t);
        let lock_n = lock.number().unwrap_or(0);
        // Named volumes that do not exist yet and anonymous ones are made now; undone below
        // if the container is not recorded.
        let (mounts, made_volumes) = match crate::volumes::container_volumes(
            self,
            &user_mounts,
            &image_volumes,
            opts.image_volume,
        ) {
            Ok(v) => v,
            Err(e) => {
                let _ = inner.locks.free(lock_n);
                return Err(e);
            }
        };
        let generated_name = opts.name.is_none();
        let cfg = ContainerConfig {
            id,
            name,
            pod,
            lock: lock_n,
            created: now(),
            image_id,
            image_name,
            mounts,
            network,
            dependencies,
            oci_runtime: inner.config.oci_runtime.clone(),
            is_infra: false,
            userns,
            dns: d.dns().then(&opts.dns),
            extra_hosts: opts.add_hosts.clone(),
            expose: opts.expose.clone(),
            network_aliases: opts.network_aliases.clone(),
            network_options,
            ports,
            ..config_from(opts, d, limits, checked)
        };
        self.record(cfg, made_volumes, generated_name)
    }

    /// Stores a new container's config, retrying when another process took its generated
    /// name or removed a named volume it uses between our checks and the insert; any other
    /// failure undoes the lock and the volumes made for it.
    fn record(
        &self,
        mut cfg: ContainerConfig,
        mut made_volumes: Vec<String>,
        generated_name: bool,
    ) -> Result<Container> {
        let inner = &self.inner;
        let mut attempt = 0;
        loop {
            match self.add_container_keep_lock(&mut cfg) {
                Ok(c) => {
                    crate::event_record::container(inner, crate::events::EventStatus::Create, &cfg);
                    return Ok(c);
                }
                // Another process took the same generated name between our check and our
                // insert: pick another; a name the user chose is theirs to change.
                Err(LibpodError::State(libpod_state::StateError::NameInUse { .. }))
                    if generated_name && attempt < 8 =>
                {
                    attempt += 1;
                    cfg.name = crate::names::generate(&libpod_state::new_id()?, attempt);
                }
                // A `volume rm` took a named volume between our making sure of it and our
                // insert: make it again (podman fails here).
                Err(LibpodError::State(libpod_state::StateError::NoSuchVolume(ref v)))
                    if attempt < 8 && cfg.volume_names().contains(v) =>
                {
                    attempt += 1;
                    let v = v.clone();
                    match crate::volumes::ensure_named(self, &v) {
                        Ok(true) => made_volumes.push(v),
                        Ok(false) => {}
                        Err(e) => return Err(undo_create(inner, cfg.lock, &made_volumes, e)),
                    }
                }
                Err(e) => return Err(undo_create(inner, cfg.lock, &made_volumes, e)),
            }
        }
    }

    /// Stores a container config with its storage and lock (allocated and held as `cfg.lock`);
    /// the layer records the lock number, so a creator killed half way is recognised. On
    /// failure the layer is removed and the lock freed.
    pub(crate) fn add_container(&self, mut cfg: ContainerConfig) -> Result<Container> {
        self.add_container_keep_lock(&mut cfg).inspect_err(|_| {
            let _ = self.inner.locks.free(cfg.lock);
        })
    }

    /// Like `add_container`, but a failure leaves the lock allocated (for a retry).
    fn add_container_keep_lock(&self, cfg: &mut ContainerConfig) -> Result<Container> {
        let inner = &self.inner;
        let meta = serde_json::json!({ "lock": cfg.lock }).to_string();
        let image = if cfg.image_id.is_empty() {
            None
        } else {
            Some(cfg.image_id.as_str())
        };
        if cfg.rootfs.is_none() {
            let _t = span("storage: create the container layer");
            let userns = crate::userns::layer_request(inner, &cfg.userns)?;
            let layer = inner
                .store
                .create_container_for(&cfg.id, image, &meta, &userns)?;
            // `auto` ranges are chosen by the store, under its lock.
            if cfg.userns.mode != libpod_config::UserNsMode::Host {
                cfg.userns.mappings = layer.id_mappings;
            }
        }
        let t = span("state: add the container");
        let added = inner.state.add_container(cfg, &ContainerState::default());
        drop(t);
        if let Err(e) = added {
            if cfg.rootfs.is_none() {
                let _ = inner.store.delete_container(&cfg.id);
            }
            return Err(e.into());
        }
        Ok(Container {
            rt: self.clone(),
            id: cfg.id.clone(),
        })
    }

    /// A container by name, full ID or unique ID prefix.
    pub fn container(&self, name_or_id: &str) -> Result<Container> {
        let _g = self.inner.guard()?;
        let id = self.inner.state.lookup_container_id(name_or_id)?;
        Ok(Container {
            rt: self.clone(),
            id,
        })
    }

    /// Every container with its state, synced with exit files.
    pub fn containers(&self) -> Result<Vec<(ContainerConfig, ContainerState)>> {
        let inner = &self.inner;
        let _g = inner.guard()?;
        let mut all = inner.state.all_containers_with_state()?;
        let mut gone = Vec::new();
        for (cfg, st) in all.iter_mut() {
            // Only a container whose exit was not recorded yet needs its lock and a sync.
            if matches!(st.status, S::Running | S::Paused | S::Created)
                && (libpod_oci::read_exit_code(&inner.paths(&cfg.id).exit_dir, &cfg.id).is_some()
                    || st.conmon_pid.is_some_and(|p| !libpod_oci::pid_alive(p)))
            {
                let synced = lock(inner, cfg).and_then(|_l| {
                    *st = inner.state.container_state(&cfg.id)?;
                    sync(inner, cfg, st)
                });
                match synced {
                    Ok(_) => {}
                    // Removed meanwhile (conmon's exit command, an auto-removed container).
                    Err(LibpodError::State(libpod_state::StateError::NoSuchContainer(_))) => {
                        gone.push(cfg.id.clone())
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        all.retain(|(c, _)| !gone.contains(&c.id));
        Ok(all)
    }

    /// A recorded exit code of a container that may be gone (`run --rm`).
    pub fn exit_code(&self, id: &str) -> Result<Option<i32>> {
        let _g = self.inner.guard()?;
        Ok(self.inner.state.exit_code(id)?.map(|r| r.code))
    }

    /// The cleanup conmon's exit command asks for: record the exit, release the network,
    /// mounts and runtime state, remove the container if it was marked for auto-removal, or
    /// start it again if its restart policy asks (after [`crate::backoff`], without holding
    /// its lock, so a `stop` or `rm` meanwhile wins).
    pub fn cleanup_container(&self, name_or_id: &str) -> Result<()> {
        let c = self.container(name_or_id)?;
        let st = c.state()?;
        let cfg = c.config()?;
        if cfg.auto_remove && matches!(st.status, S::Exited | S::Stopped) {
            c.remove(false)?;
        } else if crate::should_restart(&cfg, &st) {
            std::thread::sleep(crate::backoff(&st));
            c.restart_by_policy(st.finished_at)?;
        }
        Ok(())
    }

    /// The path of a container's log (its `--log-opt path=`, else the default one).
    pub fn log_path(&self, id: &str) -> PathBuf {
        self.inner
            .state
            .container(id)
            .ok()
            .and_then(|c| c.log_path)
            .unwrap_or_else(|| self.inner.paths(id).log)
    }

    /// The per-container directory of conmon's bundle.
    pub fn bundle_path(&self, id: &str) -> PathBuf {
        self.inner.paths(id).bundle
    }
}

/// Frees a failed create's lock and removes the volumes it made; hands back the error.
fn undo_create(
    inner: &crate::runtime::Inner,
    lock: u32,
    made: &[String],
    e: LibpodError,
) -> LibpodError {
    let _ = inner.locks.free(lock);
    for v in made {
        let _ = crate::volumes::remove_unguarded(inner, v);
    }
    e
}

/// The init binary for `--init`: the one given, else catatonit or tini where installed.
fn find_init(given: Option<&std::path::Path>) -> Result<PathBuf> {
    const CANDIDATES: &[&str] = &[
        "/usr/libexec/podman/catatonit",
        "/usr/bin/catatonit",
        "/usr/local/bin/catatonit",
        "/usr/bin/tini",
        "/usr/bin/tini-static",
    ];
    if let Some(p) = given {
        return if libpod_config::is_executable(p) {
            Ok(p.to_path_buf())
        } else {
            Err(LibpodError::Invalid(format!(
                "--init-path {}: not an executable file",
                p.display()
            )))
        };
    }
    CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| libpod_config::is_executable(p))
        .ok_or_else(|| {
            LibpodError::Invalid(
                "--init: no init binary found (install catatonit or tini, or give --init-path)"
                    .into(),
            )
        })
}

/// What `create` decided from the options that could refuse them.
struct Checked {
    cap_add: Vec<String>,
    cap_drop: Vec<String>,
    init_path: Option<PathBuf>,
    healthcheck: Option<libpod_config::HealthConfig>,
    stop_signal: i32,
}

/// The refusals that come before any lookup: the log driver, `--rm` with a restart policy,
/// a name that is invalid or in use (after `--replace` removed its holder).
fn check_request(inner: &crate::runtime::Inner, opts: &ContainerOptions) -> Result<()> {
    crate::logs::check(opts.log_driver.unwrap_or(inner.config.log_driver))?;
    if opts.auto_remove && opts.restart_policy != libpod_state::RestartPolicy::No {
        return Err(LibpodError::Invalid(
            "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"".into(),
        ));
    }
    if let (true, Some(n)) = (opts.replace, &opts.name)
        && let Ok(id) = inner.state.lookup_container_id(n)
        && inner.state.container(&id).is_ok_and(|c| c.name == *n)
    {
        Container::remove_unguarded(inner, &id, true, None)?;
    }
    if let Some(n) = &opts.name {
        crate::names::check_free(inner.state.as_ref(), n)?;
    }
    Ok(())
}

/// A pod's settings per network (those of its infra container), as a container's.
pub(crate) fn pod_network_options(
    inner: &Inner,
    opts: &crate::PodOptions,
) -> Result<std::collections::BTreeMap<String, libpod_state::NetworkOptions>> {
    let as_container = ContainerOptions {
        network_options: opts.network_options.clone(),
        static_ips: opts.static_ips.clone(),
        static_mac: opts.static_mac.clone(),
        ..Default::default()
    };
    network_options(inner, &as_container, &opts.network)
}

/// The settings per network, with `--ip`/`--mac-address` on the only network (the
/// default's name when none was named); refused where no network of ours is joined.
fn network_options(
    inner: &Inner,
    opts: &ContainerOptions,
    network: &NetworkMode,
) -> Result<std::collections::BTreeMap<String, libpod_state::NetworkOptions>> {
    if let NetworkMode::Slirp4netns(o) = network {
        libpod_network::SlirpOptions::parse(o)?;
    }
    let mut o = opts.network_options.clone();
    let statics = !opts.static_ips.is_empty() || opts.static_mac.is_some();
    let names = match network {
        NetworkMode::Networks(n) => n.clone(),
        NetworkMode::Default if statics => vec![crate::net::default_network(inner)?],
        NetworkMode::Default => Vec::new(),
        _ if statics || !o.is_empty() => {
            return Err(LibpodError::Invalid(
                "--ip, --mac-address and network options need a bridge network: invalid argument"
                    .into(),
            ));
        }
        _ => Vec::new(),
    };
    if let Some(first) = names.first() {
        crate::net_options::apply_static_addresses(
            first,
            names.len(),
            &opts.static_ips,
            opts.static_mac.as_deref(),
            &mut o,
        )?;
    }
    Ok(o)
}

/// Name resolution flags that cannot apply: DNS settings without a network (podman's
/// message), added hosts with `--no-hosts`.
fn check_names(opts: &ContainerOptions, network: &NetworkMode) -> Result<()> {
    if *network == NetworkMode::None && !opts.dns.is_empty() {
        return Err(LibpodError::Invalid(
            "conflicting options: dns and the network mode: none".into(),
        ));
    }
    if opts.no_hosts == Some(true) && !opts.add_hosts.is_empty() {
        return Err(LibpodError::Invalid(
            "--no-hosts and --add-host cannot be set together".into(),
        ));
    }
    Ok(())
}

/// The container's own mounts with those of `--volumes-from`, checked; image mounts keep
/// the image's ID, so a later tag cannot change what they show.
fn user_mounts(
    inner: &crate::runtime::Inner,
    opts: &ContainerOptions,
) -> Result<Vec<libpod_state::Mount>> {
    let mut user_mounts = opts.mounts.clone();
    crate::volumes::volumes_from(inner, &opts.volumes_from, &mut user_mounts)?;
    crate::volumes::check_mounts(&user_mounts)?;
    for m in user_mounts
        .iter_mut()
        .filter(|m| m.kind == libpod_state::MountKind::Image)
    {
        m.source = inner.store.image(&m.source)?.id;
    }
    Ok(user_mounts)
}

/// The pod (by ID), the dependencies it and the network bring (the pod's infra container,
/// a container whose network is joined, `--requires`), and the network mode: containers.conf's
/// `netns` when none is asked for, the pod's when the pod shares its network.
fn pod_and_network(
    inner: &crate::runtime::Inner,
    opts: &ContainerOptions,
) -> Result<(Option<String>, Vec<String>, NetworkMode)> {
    let (pod, mut dependencies) = match &opts.pod {
        Some(p) => {
            let pid = inner.state.lookup_pod_id(p)?;
            let infra = inner.state.pod_state(&pid)?.infra_container;
            (Some(pid), infra.into_iter().collect::<Vec<_>>())
        }
        None => (None, Vec::new()),
    };
    let pod_shares_net = match &pod {
        Some(p) => inner
            .state
            .pod(p)?
            .shared_namespaces
            .iter()
            .any(|s| s == "net"),
        None => false,
    };
    let mut network = opts.network.clone();
    if let NetworkMode::Container(other) = &network {
        let oid = inner.state.lookup_container_id(other)?;
        dependencies.push(oid.clone());
        network = NetworkMode::Container(oid);
    }
    for r in &opts.requires {
        dependencies.push(inner.state.lookup_container_id(r)?);
    }
    if network == NetworkMode::Default && pod_shares_net {
        network = NetworkMode::Pod;
    } else if network == NetworkMode::Default && opts.pod.is_none() {
        match inner.config.container_defaults.netns.as_deref() {
            Some("host") => network = NetworkMode::Host,
            Some("none") => network = NetworkMode::None,
            _ => {}
        }
    }
    Ok((pod, dependencies, network))
}

/// The parts of a new container's config that come straight from its options, its resolved
/// limits and containers.conf's defaults (identity, mounts and network are the caller's).
fn config_from(
    opts: ContainerOptions,
    d: &libpod_config::ContainerDefaults,
    limits: Limits,
    checked: Checked,
) -> ContainerConfig {
    ContainerConfig {
        rootfs: opts.rootfs,
        rootfs_overlay: opts.rootfs_overlay,
        entrypoint: opts.entrypoint,
        command: opts.command,
        env: limits.env,
        workdir: opts.workdir,
        user: opts.user,
        hostname: opts.hostname,
        tty: opts.tty,
        stdin: opts.stdin,
        labels: opts.labels,
        stop_signal: checked.stop_signal,
        stop_timeout: opts.stop_timeout.unwrap_or(10),
        auto_remove: opts.auto_remove,
        restart_policy: opts.restart_policy,
        healthcheck: checked.healthcheck,
        health_on_failure: opts.health.on_failure,
        pidfile: opts.pidfile,
        log_driver: opts.log_driver,
        log_path: opts.log_path,
        log_size_max: opts.log_size_max,
        log_tag: opts.log_tag.or_else(|| d.log_tag.clone()),
        timeout: opts.timeout,
        cap_add: checked.cap_add,
        cap_drop: checked.cap_drop,
        conmon_pidfile: opts.conmon_pidfile,
        init_path: checked.init_path,
        restart_retries: opts.restart_retries,
        resources: limits.resources,
        read_only: opts.read_only || d.read_only,
        security: limits.security,
        namespaces: limits.namespaces,
        ulimits: limits.ulimits,
        sysctls: limits.sysctls,
        devices: limits.devices,
        device_cgroup_rules: opts.device_cgroup_rules,
        shm_size: Some(opts.shm_size.unwrap_or(d.shm_size)),
        cgroup_parent: opts.cgroup_parent,
        group_add: opts.group_add,
        umask: Some(opts.umask.unwrap_or(d.umask)),
        timezone: opts.timezone.or_else(|| d.tz.clone()),
        unsetenv: opts.unsetenv,
        unsetenv_all: opts.unsetenv_all,
        annotations: limits.annotations,
        no_read_only_tmpfs: opts.read_only_tmpfs == Some(false),
        no_hosts: opts.no_hosts.unwrap_or(d.no_hosts),
        env_merge: opts.env_merge,
        hostusers: opts.hostusers,
        passwd_entry: opts.passwd_entry,
        no_passwd: opts.no_passwd,
        chrootdirs: opts.chrootdirs,
        personality: opts.personality,
        cgroup_conf: opts.cgroup_conf,
        preserve_fds: opts.preserve_fds,
        privileged: opts.privileged,
        ..Default::default()
    }
}
