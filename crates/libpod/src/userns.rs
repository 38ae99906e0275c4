//! User namespaces: `--userns` and the ID mappings decided at create (the storage layer
//! allocates `auto` ranges under its lock), the namespace each start makes or joins, and the
//! host directories the container's root must be able to reach.

use std::path::{Path, PathBuf};

use libpod_config::userns::{AUTO_USER, SUBGID_FILE, SUBUID_FILE, map_ranges, subid_ranges};
use libpod_config::{IdMappings, UserNs, UserNsMode};
use libpod_oci::Namespace;
use libpod_state::ContainerConfig;
use libpod_storage::{AutoIds, LayerUserNs};

use crate::error::{LibpodError, Result};
use crate::runtime::Inner;

fn invalid(msg: impl Into<String>) -> LibpodError {
    LibpodError::Invalid(msg.into())
}

/// The mappings `--uidmap`, `--gidmap`, `--subuidname` and `--subgidname` ask for (`None`
/// when none is given); either map alone stands for both, as podman has it.
///
/// ```
/// let m = libpod::parse_id_mappings(&["0:100000:65536".into()], &[], None, None)
///     .unwrap()
///     .unwrap();
/// assert_eq!(m.gid_map, m.uid_map);
/// assert!(libpod::parse_id_mappings(&[], &[], None, None).unwrap().is_none());
/// ```
pub fn parse_id_mappings(
    uidmap: &[String],
    gidmap: &[String],
    subuidname: Option<&str>,
    subgidname: Option<&str>,
) -> Result<Option<IdMappings>> {
    let named = subuidname.is_some() || subgidname.is_some();
    if !uidmap.is_empty() || !gidmap.is_empty() {
        if named {
            return Err(invalid(
                "--subuidname and --subgidname cannot be used with --uidmap or --gidmap",
            ));
        }
        return IdMappings::from_flags(uidmap, gidmap)
            .map(Some)
            .map_err(invalid);
    }
    if !named {
        return Ok(None);
    }
    let (u, g) = (
        subuidname.or(subgidname).unwrap_or_default(),
        subgidname.or(subuidname).unwrap_or_default(),
    );
    let uids = subid_ranges(Path::new(SUBUID_FILE), u, None).map_err(invalid)?;
    let gids = subid_ranges(Path::new(SUBGID_FILE), g, None).map_err(invalid)?;
    Ok(Some(IdMappings {
        uid_map: map_ranges(&uids),
        gid_map: map_ranges(&gids),
    }))
}

/// Parses `--userns` (see [`UserNsMode::parse`]).
pub fn parse_userns(value: &str) -> Result<UserNsMode> {
    UserNsMode::parse(value).map_err(invalid)
}

/// `podman unshare`: runs `command` in the user namespace a rootless user's containers
/// use. Root's containers need none, so root is refused with podman's message.
pub fn unshare(command: &[String]) -> Result<i32> {
    let _ = command;
    if nix::unistd::geteuid().is_root() {
        return Err(invalid("please use unshare with rootless"));
    }
    Err(invalid(
        "rootless containers are not supported yet, so there is no rootless user namespace \
         to enter: run as root",
    ))
}

/// The user namespace a new container gets: `mode` (else containers.conf's `userns`) with
/// `mappings`; another container's is stored by ID and made a dependency.
pub(crate) fn resolve(
    inner: &Inner,
    mode: Option<&UserNsMode>,
    mappings: Option<&IdMappings>,
    rootfs: bool,
    deps: &mut Vec<String>,
) -> Result<UserNs> {
    let d = &inner.config.container_defaults;
    let mode = match (mode, mappings) {
        (Some(m), _) => m.clone(),
        // Mappings alone ask for a namespace of the container's own.
        (None, Some(_)) => UserNsMode::Private,
        (None, None) => d.userns.clone(),
    };
    let root = nix::unistd::geteuid().is_root();
    let ns = match mode {
        UserNsMode::Host if mappings.is_none() => UserNs::default(),
        UserNsMode::Private => match mappings {
            Some(m) => UserNs {
                mode,
                mappings: Some(m.clone()),
            },
            None => {
                return Err(invalid(
                    "must provide at least one UID or GID mapping to configure a user namespace",
                ));
            }
        },
        UserNsMode::Auto { .. } if mappings.is_none() => UserNs {
            mode,
            mappings: None,
        },
        UserNsMode::KeepId { .. } | UserNsMode::NoMap if root => {
            let name = if mode == UserNsMode::NoMap {
                "nomap"
            } else {
                "keep-id"
            };
            return Err(invalid(format!(
                "{name} is only supported in rootless mode"
            )));
        }
        UserNsMode::KeepId { .. } | UserNsMode::NoMap => {
            return Err(invalid(
                "rootless containers are not supported yet: run as root",
            ));
        }
        UserNsMode::Container(c) if mappings.is_none() => {
            let id = inner.state.lookup_container_id(&c)?;
            let other = inner.state.container(&id)?;
            deps.push(id.clone());
            UserNs {
                mode: UserNsMode::Container(id),
                mappings: other.userns.mappings,
            }
        }
        UserNsMode::Path(p) if mappings.is_none() => UserNs {
            mappings: Some(mappings_of(&p)?),
            mode: UserNsMode::Path(p),
        },
        other => {
            return Err(invalid(format!(
                "--userns {} cannot be combined with --uidmap, --gidmap or --subuidname",
                other.as_podman_mode()
            )));
        }
    };
    if rootfs && ns.mode != UserNsMode::Host {
        return Err(invalid(
            "--rootfs with a user namespace is not supported yet: use an image",
        ));
    }
    Ok(ns)
}

/// Whether the container joins an existing user namespace (another container's, a path).
pub(crate) fn joins_userns(cfg: &ContainerConfig) -> bool {
    is_joined(&cfg.userns)
}

/// Whether the runtime makes the container's network namespace (with its new user
/// namespace) and networks are attached after `create`, as podman does.
pub(crate) fn network_after_create(cfg: &ContainerConfig) -> bool {
    cfg.userns.mode.is_new() && cfg.userns.mappings.is_some()
}

fn is_joined(ns: &UserNs) -> bool {
    ns.mappings.is_some() && matches!(ns.mode, UserNsMode::Container(_) | UserNsMode::Path(_))
}

/// The host IDs of container IDs `uid` and `gid` (themselves outside a user namespace).
pub(crate) fn host_ids(cfg: &ContainerConfig, uid: u32, gid: u32) -> (u32, u32) {
    match &cfg.userns.mappings {
        Some(m) => (m.host_uid(uid), m.host_gid(gid)),
        None => (uid, gid),
    }
}

/// A joined user namespace cannot enter a network namespace the host made (the host's user
/// namespace owns it): such a container takes `--network none` or `host`.
pub(crate) fn check_network(ns: &UserNs, network: &libpod_state::NetworkMode) -> Result<()> {
    use libpod_state::NetworkMode as N;
    if is_joined(ns) && !matches!(network, N::None | N::Host) {
        return Err(invalid(format!(
            "--userns {} joins an existing user namespace, which cannot enter a network \
             namespace made on the host: use --network none or --network host with it",
            ns.mode.as_podman_mode()
        )));
    }
    Ok(())
}

/// The mappings of an existing user namespace: `/proc/PID/uid_map` beside a
/// `/proc/PID/ns/user` path, else read from inside it.
fn mappings_of(path: &Path) -> Result<IdMappings> {
    if !path.exists() {
        return Err(invalid(format!(
            "namespace path {}: no such file or directory",
            path.display()
        )));
    }
    let read = |file: &str| -> Result<String> {
        match path.parent().and_then(Path::parent) {
            Some(proc) if path.ends_with("ns/user") && proc.starts_with("/proc") => {
                std::fs::read_to_string(proc.join(file))
                    .map_err(|e| invalid(format!("reading {}: {e}", proc.join(file).display())))
            }
            _ => {
                let o = std::process::Command::new("nsenter")
                    .arg(format!("--user={}", path.display()))
                    .args(["cat", &format!("/proc/self/{file}")])
                    .output()
                    .map_err(|e| invalid(format!("nsenter: {e}")))?;
                if !o.status.success() {
                    return Err(invalid(format!(
                        "{} is not a user namespace: {}",
                        path.display(),
                        String::from_utf8_lossy(&o.stderr).trim()
                    )));
                }
                Ok(String::from_utf8_lossy(&o.stdout).into_owned())
            }
        }
    };
    let parse = |text: String| -> Vec<libpod_config::IdMap> {
        text.lines()
            .filter_map(|l| {
                let n: Vec<u32> = l
                    .split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect();
                match n.as_slice() {
                    [c, h, s] => Some(libpod_config::IdMap {
                        container_id: *c,
                        host_id: *h,
                        size: *s,
                    }),
                    _ => None,
                }
            })
            .collect()
    };
    Ok(IdMappings {
        uid_map: parse(read("uid_map")?),
        gid_map: parse(read("gid_map")?),
    })
}

/// What the storage layer makes a new container's layer for.
pub(crate) fn layer_request(inner: &Inner, ns: &UserNs) -> Result<LayerUserNs> {
    Ok(match (&ns.mode, &ns.mappings) {
        (UserNsMode::Auto { size }, None) => {
            let ranges = |file: &str| {
                subid_ranges(Path::new(file), AUTO_USER, None).map_err(|e| {
                    LibpodError::Storage(libpod_storage::StorageError::NoFreeIds(format!(
                        "{e}; add a range such as {AUTO_USER}:2147483647:2147483648 to \
                         {SUBUID_FILE} and {SUBGID_FILE}"
                    )))
                })
            };
            LayerUserNs::Auto(AutoIds {
                size: *size,
                max_size: inner.config.container_defaults.userns_size,
                uids: ranges(SUBUID_FILE)?,
                gids: ranges(SUBGID_FILE)?,
            })
        }
        (UserNsMode::Host, _) | (_, None) => LayerUserNs::Host,
        // Joined namespaces see the layer through the same mappings.
        (_, Some(m)) => LayerUserNs::Mapped(m.clone()),
    })
}

/// The user namespace a start gives the runtime, with its mappings.
pub(crate) fn spec_namespace(
    inner: &Inner,
    cfg: &ContainerConfig,
) -> Result<(Namespace, Option<IdMappings>)> {
    let ns = &cfg.userns;
    let mappings = ns.mappings.clone();
    Ok(match &ns.mode {
        UserNsMode::Host => (Namespace::Host, None),
        // A container in the host's user namespace has none to join.
        UserNsMode::Container(_) if mappings.is_none() => (Namespace::Host, None),
        UserNsMode::Container(id) => {
            let pid = inner.state.container_state(id)?.pid.ok_or_else(|| {
                invalid(format!(
                    "cannot join the user namespace of container {id}: it is not running"
                ))
            })?;
            (
                Namespace::Path(PathBuf::from(format!("/proc/{pid}/ns/user"))),
                mappings,
            )
        }
        UserNsMode::Path(p) => (Namespace::Path(p.clone()), mappings),
        _ => (Namespace::Private, mappings),
    })
}

/// In a user namespace, `net.*` sysctls of a network namespace the host made (not the
/// runtime, with the user namespace) are set from the host before the runtime starts:
/// inside, /proc/sys/net belongs to the host's user namespace.
pub(crate) fn host_net_sysctls(spec: &mut libpod_oci::ContainerSpec) -> Result<()> {
    let Namespace::Path(netns) = &spec.network else {
        return Ok(());
    };
    if !spec.has_userns() {
        return Ok(());
    }
    let net: Vec<(String, String)> = spec
        .sysctls
        .iter()
        .filter(|(k, _)| k.starts_with("net."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if net.is_empty() {
        return Ok(());
    }
    libpod_network::set_netns_sysctls(netns, &net)
        .map_err(|e| invalid(format!("container {}: {e}", spec.id)))?;
    spec.sysctls.retain(|k, _| !k.starts_with("net."));
    Ok(())
}

/// Readies the host side for a container whose root is a mapped ID: every directory above
/// the storage must let it pass, and its own data directory and the files bound from it
/// (hosts, resolv.conf, hostname) are its, as podman makes them.
pub(crate) fn prepare_host_dirs(
    inner: &Inner,
    cfg: &ContainerConfig,
    etc: &[(PathBuf, String)],
) -> Result<()> {
    let Some(m) = &cfg.userns.mappings else {
        return Ok(());
    };
    for dir in [&inner.config.storage.graph_root, &inner.config.static_dir] {
        if let Some(closed) = libpod_fs::host::first_closed_ancestor(dir) {
            return Err(invalid(format!(
                "container {}: its root in a user namespace cannot reach {} because {} is \
                 not searchable by others; run `chmod o+x {}` or use a storage root below \
                 a directory others may pass through",
                cfg.name,
                dir.display(),
                closed.display(),
                closed.display()
            )));
        }
    }
    let userdata = inner.userdata(&cfg.id);
    let (uid, gid) = m.root_pair();
    let own = |p: &Path| {
        nix::unistd::chown(p, Some(uid.into()), Some(gid.into()))
            .map_err(|e| invalid(format!("chown {}: {e}", p.display())))
    };
    own(&userdata)?;
    for (host, _) in etc.iter().filter(|(h, _)| h.starts_with(&userdata)) {
        own(host)?;
    }
    Ok(())
}
