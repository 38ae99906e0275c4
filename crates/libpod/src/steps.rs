//! The steps under `init`, `start` and `stop`: namespaces and networks, the bundle, the
//! runtime's create and start, and the stop signal with its timeout. Each step undoes what it
//! allocated when a later one fails.

use std::time::Duration;

use libpod_oci::{ContainerSpec, CreateOptions, ImageDefaults, Namespace};
use libpod_state::{
    ContainerConfig, ContainerState, ContainerStatus as S, NetworkMode, NetworkStatus,
};

use crate::error::{LibpodError, Result};
use crate::runtime::Inner;
use crate::trace::span;

use crate::status::{cleanup, now, status_err};

/// Maps the state's network mode to namespaces and attachments, creating what is needed.
fn network(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<Namespace> {
    let requests: Vec<String> = match &cfg.network {
        NetworkMode::Host => return Ok(Namespace::Host),
        NetworkMode::Slirp4netns(_) | NetworkMode::Pasta(_) => {
            let ns = inner.net.create_netns(&cfg.id)?;
            st.netns_path = Some(ns.clone());
            let a = crate::net::user_network(inner, cfg, &ns)?;
            st.networks = vec![network_status(a)];
            return Ok(Namespace::Path(ns));
        }
        NetworkMode::Path(p) => {
            if !libpod_network::is_netns(p) {
                return Err(LibpodError::Invalid(format!(
                    "{}: not a network namespace; give the path of one (a bind mount of \
                     /proc/PID/ns/net, or /run/netns/NAME)",
                    p.display()
                )));
            }
            return Ok(Namespace::Path(p.clone()));
        }
        NetworkMode::Container(other) => {
            let o = inner.state.container_state(other)?;
            return o.netns_path.map(Namespace::Path).ok_or_else(|| {
                LibpodError::Invalid(format!(
                    "container {other} has no network namespace to join; start it first"
                ))
            });
        }
        NetworkMode::Pod => {
            let pod = cfg
                .pod
                .as_deref()
                .ok_or_else(|| LibpodError::Invalid("network mode pod outside a pod".into()))?;
            let infra =
                inner.state.pod_state(pod)?.infra_container.ok_or_else(|| {
                    LibpodError::Invalid(format!("pod {pod} has no infra container"))
                })?;
            let o = inner.state.container_state(&infra)?;
            return o.netns_path.map(Namespace::Path).ok_or_else(|| {
                LibpodError::Invalid(format!("the infra container of pod {pod} is not running"))
            });
        }
        // A joined user namespace can enter only namespaces it owns: the runtime makes
        // this one (loopback up) after joining it.
        // A new user namespace must own its network namespace, or the runtime could not
        // enter it for `exec`: the runtime makes it, and it is attached once made.
        // A joined user namespace owns no host-made one: `none` is the runtime's too.
        NetworkMode::None | NetworkMode::Default | NetworkMode::Networks(_)
            if crate::userns::network_after_create(cfg)
                || (crate::userns::joins_userns(cfg) && cfg.network == NetworkMode::None) =>
        {
            return Ok(Namespace::Private);
        }
        _ => requests(inner, cfg)?,
    };
    let ns = inner.net.create_netns(&cfg.id)?;
    st.netns_path = Some(ns.clone());
    attach(inner, cfg, st, &ns, &requests)?;
    Ok(Namespace::Path(ns))
}

/// The networks a container of mode none, default or named networks is attached to.
fn requests(inner: &Inner, cfg: &ContainerConfig) -> Result<Vec<String>> {
    Ok(match &cfg.network {
        NetworkMode::Default => vec![crate::net::default_network(inner)?],
        NetworkMode::Networks(n) => n.clone(),
        _ => Vec::new(),
    })
}

/// Attaches a container in a new user namespace to its networks once the runtime made its
/// network namespace (kept at the usual path by a bind mount of the process's).
fn network_after_create(
    inner: &Inner,
    cfg: &ContainerConfig,
    st: &mut ContainerState,
    pid: u32,
) -> Result<()> {
    let requests = requests(inner, cfg)?;
    if requests.is_empty() {
        return Ok(());
    }
    let ns = inner.net.adopt_netns(&cfg.id, pid)?;
    st.netns_path = Some(ns.clone());
    attach(inner, cfg, st, &ns, &requests)
}

/// What the state records of one attachment.
pub(crate) fn network_status(a: libpod_network::Attachment) -> NetworkStatus {
    NetworkStatus {
        network: a.network,
        interface: a.interface,
        mac: a.mac,
        addresses: a.addresses,
        gateway: a.gateway,
        dns: a.dns,
        search: a.search,
    }
}

/// Attaches the namespace at `ns` to the requested networks, recording the attachments.
fn attach(
    inner: &Inner,
    cfg: &ContainerConfig,
    st: &mut ContainerState,
    ns: &std::path::Path,
    requests: &[String],
) -> Result<()> {
    if !requests.is_empty() {
        let mut reqs = crate::net_options::requests(cfg, requests);
        // A pod's infra container answers to the pod's name, as podman's.
        if cfg.is_infra
            && let Some(pod) = &cfg.pod
            && let Ok(p) = inner.state.pod(pod)
        {
            for r in &mut reqs {
                r.name = p.name.clone();
            }
        }
        let attached = crate::net::setup(inner, &cfg.id, ns, &reqs, &cfg.ports)?;
        st.networks = attached.into_iter().map(network_status).collect();
    }
    Ok(())
}

pub(crate) fn init(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<()> {
    let r = init_steps(inner, cfg, st);
    if r.is_ok() {
        crate::event_record::container(inner, crate::events::EventStatus::Init, cfg);
    }
    if r.is_err() {
        cleanup(inner, cfg, st);
        st.status = if st.status == S::Created {
            S::Configured
        } else {
            st.status
        };
    }
    r
}

/// The files podman manages in /etc (and the user entries), written for this start.
fn etc_files(
    inner: &Inner,
    cfg: &ContainerConfig,
    st: &ContainerState,
    rootfs: &std::path::Path,
    hostname: &str,
    host_net: bool,
) -> Result<Vec<(std::path::PathBuf, String)>> {
    let t = span("etc: mtab, hosts, resolv.conf, hostname, .containerenv, users");
    if cfg.rootfs.is_none() {
        crate::etc::ensure_mtab(rootfs)?;
    }
    let pod = pod_hosts(inner, cfg);
    let networks = pod.as_ref().map_or(&st.networks, |(n, _)| n);
    let mut etc = crate::etc::etc_files(
        &inner.userdata(&cfg.id),
        cfg,
        hostname,
        networks,
        host_net,
        inner.config.container_defaults.base_hosts_file.as_deref(),
        pod.as_ref().map(|(_, p)| p),
    )?;
    etc.extend(crate::spec_fields::timezone(inner, cfg)?);
    crate::spec_fields::chroot_copies(cfg, &mut etc);
    let owner = cfg.userns.mappings.as_ref().map(|m| m.root_pair());
    crate::passwd::add_host_users(rootfs, &cfg.hostusers, owner)?;
    if let Some(user) = cfg.user.as_ref().filter(|_| !cfg.no_passwd) {
        crate::passwd::ensure_user_entries(rootfs, user, cfg.passwd_entry.as_deref(), owner)?;
    }
    drop(t);
    Ok(etc)
}

/// For a container on its pod's network: the infra container's attachments and what its
/// /etc/hosts names (the pod, then every member in creation order), as podman 4.3 writes it.
fn pod_hosts(
    inner: &Inner,
    cfg: &ContainerConfig,
) -> Option<(Vec<NetworkStatus>, crate::etc::PodHosts)> {
    if cfg.network != NetworkMode::Pod {
        return None;
    }
    let pod = cfg.pod.as_deref()?;
    let infra = inner.state.pod_state(pod).ok()?.infra_container?;
    let infra_cfg = inner.state.container(&infra).ok()?;
    let networks = inner.state.container_state(&infra).ok()?.networks;
    let mut members: Vec<ContainerConfig> = inner
        .state
        .pod_containers(pod)
        .ok()?
        .iter()
        .filter(|id| **id != infra)
        .filter_map(|id| inner.state.container(id).ok())
        .collect();
    members.sort_by_key(|c| c.created);
    let hosts = crate::etc::PodHosts {
        pod: inner.state.pod(pod).ok()?.name,
        infra: infra_cfg.name,
        members: members.into_iter().map(|c| c.name).collect(),
    };
    Some((networks, hosts))
}

fn hostname_of(spec: &ContainerSpec) -> String {
    spec.hostname.clone().unwrap_or_default()
}

/// conmon and the OCI runtime's `create`, with the container's log and exit command.
fn runtime_create(
    inner: &Inner,
    cfg: &ContainerConfig,
    paths: &libpod_oci::ContainerPaths,
) -> Result<libpod_oci::Created> {
    let _t = span("conmon: runtime create");
    let exit_command = inner.exit_command.clone().map(|(p, mut a)| {
        a.push(cfg.id.clone());
        (p, a)
    });
    Ok(inner.exec.create(
        paths,
        &CreateOptions {
            id: cfg.id.clone(),
            name: cfg.name.clone(),
            terminal: cfg.tty,
            stdin: cfg.stdin,
            log_size_max: cfg.log_size_max.or(inner.config.max_log_size),
            log_driver: crate::logs::driver(inner, cfg).as_str().to_string(),
            log_path: cfg.log_path.clone(),
            log_tag: cfg.log_tag.clone(),
            timeout: cfg.timeout,
            exit_command,
            skip_log_sync: cfg.auto_remove,
            // A later start by a process without them (a restart policy's) passes none.
            preserve_fds: if libpod_oci::check_preserved_fds(cfg.preserve_fds).is_ok() {
                cfg.preserve_fds
            } else {
                0
            },
        },
    )?)
}

fn init_steps(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<()> {
    // A process killed after `runtime create` but before saving the state leaves the runtime's
    // container behind; a fresh one could not be created over it.
    if inner.config.tmp_dir.join("runtime").join(&cfg.id).exists() {
        cleanup(inner, cfg, st);
    }
    let t = span("storage: mount the root filesystem");
    let rootfs = match &cfg.rootfs {
        Some(p) if cfg.rootfs_overlay => crate::volume_mounts::rootfs_overlay(inner, &cfg.id, p)?,
        Some(p) => p.clone(),
        None => inner.store.mount(&cfg.id)?,
    };
    drop(t);
    st.mount_point = Some(rootfs.clone());
    let image = if cfg.image_id.is_empty() {
        None
    } else {
        inner.store.image(&cfg.image_id).ok()
    };
    let t = span("network: namespace and CNI");
    let network = network(inner, cfg, st)?;
    drop(t);
    let host_net = network == Namespace::Host;
    // In the host's network namespace the host's name, as podman; else the short ID.
    let hostname = cfg.hostname.clone().unwrap_or_else(|| {
        if host_net {
            crate::etc::host_hostname()
        } else {
            cfg.id[..12].to_string()
        }
    });
    let etc = etc_files(inner, cfg, st, &rootfs, &hostname, host_net)?;
    crate::userns::prepare_host_dirs(inner, cfg, &etc)?;
    let (userns, id_mappings) = crate::userns::spec_namespace(inner, cfg)?;
    let t = span("volumes: mount, copy up");
    let mut mounts = crate::volume_mounts::user_mounts(inner, cfg, &rootfs, st)?;
    drop(t);
    if let Some(init) = &cfg.init_path {
        mounts.push(libpod_oci::UserMount::Bind {
            source: init.clone(),
            destination: libpod_oci::INIT_PATH.into(),
            read_only: true,
            options: Vec::new(),
        });
    }
    crate::spec_fields::read_only_tmpfs(cfg, &mut mounts);
    use crate::spec_fields::namespace as ns;
    let joined_uts = ns(inner, cfg, "uts", &cfg.namespaces.uts)?;
    let image_labels = image.as_ref().map(|i| i.config.labels.clone());
    let mut spec = ContainerSpec {
        id: cfg.id.clone(),
        rootfs,
        image: image
            .map(|i| ImageDefaults {
                entrypoint: i.config.entrypoint,
                cmd: i.config.cmd,
                env: i.config.env,
                working_dir: i.config.working_dir,
                user: i.config.user,
            })
            .unwrap_or_default(),
        entrypoint: cfg.entrypoint.clone(),
        init: cfg.init_path.is_some(),
        command: cfg.command.clone(),
        env: cfg.env.clone(),
        workdir: cfg.workdir.clone(),
        user: cfg.user.clone(),
        hostname: if matches!(joined_uts, Namespace::Path(_)) {
            None
        } else {
            Some(hostname)
        },
        terminal: cfg.tty,
        mounts,
        etc_files: etc,
        network,
        uts: joined_uts,
        userns: Some(userns),
        id_mappings,
        ..ContainerSpec::default()
    };
    crate::spec_fields::apply_limits(inner, cfg, image_labels.as_ref(), &mut spec)?;
    crate::userns::host_net_sysctls(&mut spec)?;
    let paths = inner.paths(&cfg.id);
    let t = span("spec: generate and write the bundle");
    libpod_oci::write_bundle(&paths.bundle, &libpod_oci::generate(&spec)?)?;
    drop(t);
    if let Some(user) = cfg.user.as_ref().filter(|_| !cfg.no_passwd) {
        let owner = cfg.userns.mappings.as_ref().map(|m| m.root_pair());
        crate::passwd::ensure_group_entry(&spec.rootfs, user, owner)?;
    }
    let created = runtime_create(inner, cfg, &paths)?;
    st.status = S::Created;
    st.pid = Some(created.pid);
    st.conmon_pid = Some(created.conmon_pid);
    st.exit_code = None;
    st.finished_at = None;
    if crate::userns::network_after_create(cfg) && spec.network == Namespace::Private {
        let _t = span("network: attach the runtime's namespace");
        network_after_create(inner, cfg, st, created.pid)?;
        // /etc/hosts again, now with the addresses (written in place: the bind shows it).
        crate::etc::etc_files(
            &inner.userdata(&cfg.id),
            cfg,
            &hostname_of(&spec),
            &st.networks,
            false,
            inner.config.container_defaults.base_hosts_file.as_deref(),
            None,
        )?;
    }
    Ok(())
}

pub(crate) fn start(inner: &Inner, cfg: &ContainerConfig, st: &mut ContainerState) -> Result<()> {
    match st.status {
        S::Running => return Ok(()),
        S::Paused => {
            return Err(status_err(
                &cfg.id,
                st.status,
                "start",
                "unpause it instead",
            ));
        }
        S::Removing => {
            return Err(status_err(
                &cfg.id,
                st.status,
                "start",
                "it is being removed",
            ));
        }
        S::Created => {}
        _ => init(inner, cfg, st)?,
    }
    let t = span("runtime: start");
    let started = inner.exec.start(&cfg.id);
    drop(t);
    if let Err(e) = started {
        cleanup(inner, cfg, st);
        st.status = S::Exited;
        return Err(e.into());
    }
    st.status = S::Running;
    st.started_at = Some(now());
    st.stopped_by_user = false;
    st.oom_killed = false;
    write_pidfiles(cfg, st);
    if cfg.healthcheck.is_some() {
        st.health = Some(libpod_state::HealthState::default());
        crate::monitor::spawn_monitor(inner, cfg);
    }
    crate::event_record::container(inner, crate::events::EventStatus::Start, cfg);
    Ok(())
}

pub(crate) fn stop(
    inner: &Inner,
    cfg: &ContainerConfig,
    st: &mut ContainerState,
    timeout: Option<u32>,
) -> Result<()> {
    match st.status {
        S::Running | S::Paused | S::Created => {}
        _ => return Ok(()),
    }
    if st.status == S::Paused {
        inner.exec.unpause(&cfg.id)?;
    }
    let paths = inner.paths(&cfg.id);
    let t = Duration::from_secs(u64::from(timeout.unwrap_or(cfg.stop_timeout)));
    let code = if st.status == S::Created {
        inner.exec.delete(&cfg.id, true)?;
        libpod_oci::read_exit_code(&paths.exit_dir, &cfg.id).unwrap_or(-1)
    } else {
        match inner.exec.stop(
            &cfg.id,
            &paths,
            st.conmon_pid.unwrap_or(0),
            cfg.stop_signal,
            t,
        ) {
            Ok(c) => c,
            // conmon was gone: the process was killed with the runtime, its code unknown.
            Err(libpod_oci::OciError::Conmon { .. }) => 137,
            Err(e) => return Err(e.into()),
        }
    };
    st.exit_code = Some(code);
    st.finished_at = Some(now());
    crate::event_record::died(inner, cfg, code);
    cleanup(inner, cfg, st);
    crate::event_record::container(inner, crate::events::EventStatus::Cleanup, cfg);
    st.status = S::Exited;
    inner.state.add_exit_code(&cfg.id, code, now())?;
    Ok(())
}

/// `--pidfile` and `--conmon-pidfile`: the PIDs of this run (a failure to write is logged).
fn write_pidfiles(cfg: &ContainerConfig, st: &ContainerState) {
    for (file, pid) in [(&cfg.pidfile, st.pid), (&cfg.conmon_pidfile, st.conmon_pid)] {
        if let (Some(f), Some(pid)) = (file, pid)
            && let Err(e) = std::fs::write(f, pid.to_string())
        {
            tracing::warn!(file = %f.display(), error = %e, "pid file not written");
        }
    }
}
