//! At each start: what a container's stored limits and permissions become in its OCI spec
//! (namespaces by path, the seccomp profile, the time zone file, read-only tmpfs mounts).

use std::path::PathBuf;

use libpod_config::{NamespaceMode, SeccompMode};
use libpod_oci::{Namespace, UserMount};
use libpod_state::ContainerConfig;

use crate::error::{LibpodError, Result};
use crate::runtime::Inner;

/// The namespace of `kind` (`pid`, `ipc`, `uts`, `cgroup`): the pod's when the pod shares it,
/// else the container's own choice; another container's is joined through its process.
pub(crate) fn namespace(
    inner: &Inner,
    cfg: &ContainerConfig,
    kind: &str,
    mode: &NamespaceMode,
) -> Result<Namespace> {
    if let Some(ns) = pod_namespace(inner, cfg, kind)? {
        return Ok(ns);
    }
    Ok(match mode {
        NamespaceMode::Private | NamespaceMode::Shareable | NamespaceMode::None => {
            Namespace::Private
        }
        NamespaceMode::Host => Namespace::Host,
        NamespaceMode::Path(p) => Namespace::Path(p.clone()),
        NamespaceMode::Container(id) => {
            let pid = inner.state.container_state(id)?.pid.ok_or_else(|| {
                LibpodError::Invalid(format!(
                    "cannot join the {kind} namespace of container {id}: it is not running"
                ))
            })?;
            Namespace::Path(PathBuf::from(format!("/proc/{pid}/ns/{kind}")))
        }
    })
}

/// The pod's namespace of `kind`, when the container is in a pod that shares it.
fn pod_namespace(inner: &Inner, cfg: &ContainerConfig, kind: &str) -> Result<Option<Namespace>> {
    let Some(pod) = &cfg.pod else {
        return Ok(None);
    };
    if cfg.is_infra {
        return Ok(None);
    }
    let p = inner.state.pod(pod)?;
    if !p.shared_namespaces.iter().any(|s| s == kind) {
        return Ok(None);
    }
    let infra = inner
        .state
        .pod_state(pod)?
        .infra_container
        .ok_or_else(|| LibpodError::Invalid(format!("pod {pod} has no infra container")))?;
    let pid = inner.state.container_state(&infra)?.pid.ok_or_else(|| {
        LibpodError::Invalid(format!("the infra container of pod {pod} is not running"))
    })?;
    Ok(Some(Namespace::Path(PathBuf::from(format!(
        "/proc/{pid}/ns/{kind}"
    )))))
}

/// The seccomp profile it runs under: containers.conf's by default (or the image's own with
/// `--seccomp-policy image`, written beside the container's other files), none when
/// unconfined.
pub(crate) fn seccomp_profile(
    inner: &Inner,
    cfg: &ContainerConfig,
    image_labels: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<Option<PathBuf>> {
    Ok(match &cfg.security.seccomp {
        SeccompMode::Default => {
            let from_image = image_labels
                .filter(|_| cfg.security.seccomp_policy_image)
                .and_then(|l| l.get(libpod_config::security::SECCOMP_PROFILE_LABEL));
            match from_image {
                Some(json) => {
                    let p = inner.userdata(&cfg.id).join("seccomp.json");
                    std::fs::write(&p, json).map_err(|e| {
                        LibpodError::Invalid(format!("writing {}: {e}", p.display()))
                    })?;
                    Some(p)
                }
                None => inner.config.seccomp_profile.clone(),
            }
        }
        SeccompMode::Unconfined => None,
        SeccompMode::Profile(p) => Some(p.clone()),
    })
}

/// `/etc/localtime` for `--tz`: a copy of the zone file in the container's own directory
/// (binding the host's file would let the container write it).
pub(crate) fn timezone(inner: &Inner, cfg: &ContainerConfig) -> Result<Option<(PathBuf, String)>> {
    let Some(tz) = &cfg.timezone else {
        return Ok(None);
    };
    let src = crate::limits::timezone_file(tz)?;
    let dst = inner.userdata(&cfg.id).join("localtime");
    std::fs::copy(&src, &dst).map_err(|e| {
        LibpodError::Invalid(format!(
            "copying time zone {} to {}: {e}",
            src.display(),
            dst.display()
        ))
    })?;
    Ok(Some((dst, "/etc/localtime".to_string())))
}

/// With a read-only root: writable tmpfs on /tmp, /var/tmp and /run, as podman mounts them,
/// unless the container mounts something there itself.
pub(crate) fn read_only_tmpfs(cfg: &ContainerConfig, mounts: &mut Vec<UserMount>) {
    if !cfg.read_only || cfg.no_read_only_tmpfs {
        return;
    }
    for dest in ["/run", "/tmp", "/var/tmp"] {
        if mounts.iter().any(|m| m.destination() == dest) {
            continue;
        }
        mounts.push(UserMount::Tmpfs {
            destination: dest.to_string(),
            options: vec!["rw".into(), "rprivate".into(), "tmpcopyup".into()],
        });
    }
}

/// `--chrootdirs`: the managed /etc/hosts and resolv.conf bound again under each chroot
/// directory.
pub(crate) fn chroot_copies(cfg: &ContainerConfig, etc: &mut Vec<(PathBuf, String)>) {
    let mut more = Vec::new();
    for dir in &cfg.chrootdirs {
        // As podman: /etc/hosts and resolv.conf, not hostname.
        let shared = |d: &str| d == "/etc/hosts" || d == "/etc/resolv.conf";
        for (host, dest) in etc.iter().filter(|(_, d)| shared(d)) {
            more.push((host.clone(), format!("{}{dest}", dir.trim_end_matches('/'))));
        }
    }
    etc.extend(more);
}

/// What the container may do and use, into its spec: joined namespaces, capabilities, cgroup
/// values and path, seccomp, security options, rlimits, sysctls, devices and process settings.
pub(crate) fn apply_limits(
    inner: &Inner,
    cfg: &ContainerConfig,
    image_labels: Option<&std::collections::BTreeMap<String, String>>,
    spec: &mut libpod_oci::ContainerSpec,
) -> Result<()> {
    spec.ipc = namespace(inner, cfg, "ipc", &cfg.namespaces.ipc)?;
    spec.pid = namespace(inner, cfg, "pid", &cfg.namespaces.pid)?;
    spec.cgroup = namespace(inner, cfg, "cgroup", &cfg.namespaces.cgroup)?;
    spec.no_shm = cfg.namespaces.ipc == libpod_config::NamespaceMode::None;
    spec.privileged = cfg.privileged;
    spec.capabilities = Some(crate::resolve_caps(
        &inner.config.default_capabilities,
        &cfg.cap_add,
        &cfg.cap_drop,
        &libpod_oci::caller_bounding_set(),
    ));
    spec.read_only = cfg.read_only;
    spec.limits = cfg.resources.clone();
    let parent = cfg.cgroup_parent.as_deref().unwrap_or("/libpod_rs_parent");
    spec.cgroup_path = Some(format!(
        "{}/libpod-rs-{}",
        parent.trim_end_matches('/'),
        cfg.id
    ));
    spec.seccomp_profile = seccomp_profile(inner, cfg, image_labels)?;
    spec.annotations = cfg.annotations.clone();
    spec.security = cfg.security.clone();
    spec.ulimits = cfg.ulimits.clone();
    spec.sysctls = cfg.sysctls.clone();
    spec.devices = cfg.devices.clone();
    spec.device_cgroup_rules = cfg.device_cgroup_rules.clone();
    spec.shm_size = cfg.shm_size;
    spec.group_add = cfg.group_add.clone();
    spec.umask = cfg.umask;
    spec.unsetenv = cfg.unsetenv.clone();
    spec.unsetenv_all = cfg.unsetenv_all;
    spec.env_merge = cfg.env_merge.clone();
    spec.personality = cfg.personality.clone();
    spec.cgroup_conf = cfg.cgroup_conf.clone();
    Ok(())
}
