//! Generating a container's OCI runtime spec (`config.json`) with `oci-spec`, as podman does:
//! entrypoint and command rules, environment, user from the image's own files, default mounts
//! and capabilities, masked paths, seccomp, rlimits capped at the host's, cgroup limits.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilities, LinuxCapabilitiesBuilder, LinuxNamespace,
    LinuxNamespaceBuilder, LinuxNamespaceType, Mount, MountBuilder, ProcessBuilder, RootBuilder,
    Spec, SpecBuilder, UserBuilder,
};

use crate::error::{OciError, Result};
use crate::types::{ContainerSpec, Namespace, UserMount};
use crate::user::resolve_user;

pub use libpod_config::caps::DEFAULT_CAPABILITIES;

/// The capabilities this process may hand on (its bounding set, `CapBnd`): a privileged
/// container gets these, as podman's does, since asking for more fails in runc.
pub fn caller_bounding_set() -> Vec<String> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapBnd:"))
                .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        })
        .map(libpod_config::caps::names_of_mask)
        .unwrap_or_else(|| {
            libpod_config::caps::CAP_NUMBERS
                .iter()
                .map(|c| c.to_string())
                .collect()
        })
}

/// The capabilities of a privileged process (`--privileged`, `exec --privileged`): every one
/// this process may hand on.
pub fn privileged_capabilities() -> Result<oci_spec::runtime::LinuxCapabilities> {
    let names = caller_bounding_set();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let set = caps(&names);
    LinuxCapabilitiesBuilder::default()
        .bounding(set.clone())
        .effective(set.clone())
        .permitted(set)
        .inheritable(HashSet::new())
        .ambient(HashSet::new())
        .build()
        .map_err(spec_err)
}

/// podman's default PATH.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn spec_err(e: impl std::fmt::Display) -> OciError {
    OciError::Spec(e.to_string())
}

/// Where `--init`'s binary is bound in the container, as podman binds it.
pub const INIT_PATH: &str = "/run/podman-init";

/// The process arguments, by podman's rules: the entrypoint (given, else the image's), then the
/// command (given, else the image's, unless an entrypoint was given).
pub fn process_args(spec: &ContainerSpec) -> Result<Vec<String>> {
    let entrypoint = spec
        .entrypoint
        .clone()
        .or_else(|| spec.image.entrypoint.clone())
        .unwrap_or_default();
    let cmd = if !spec.command.is_empty() {
        spec.command.clone()
    } else if spec.entrypoint.is_some() {
        Vec::new()
    } else {
        spec.image.cmd.clone().unwrap_or_default()
    };
    let args: Vec<String> = entrypoint.into_iter().chain(cmd).collect();
    if args.is_empty() || args[0].is_empty() {
        return Err(OciError::NoCommand);
    }
    if spec.init {
        return Ok([INIT_PATH.to_string(), "--".to_string()]
            .into_iter()
            .chain(args)
            .collect());
    }
    Ok(args)
}

/// Image environment, then the user's, by key; PATH, HOSTNAME, HOME and `container` filled in.
pub fn environment(spec: &ContainerSpec, hostname: &str, home: &str) -> Vec<String> {
    let mut env: Vec<String> = Vec::new();
    let set = |env: &mut Vec<String>, kv: &str| {
        let key = kv.split_once('=').map_or(kv, |(k, _)| k);
        env.retain(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) != key);
        env.push(kv.to_string());
    };
    let key = |kv: &str| kv.split_once('=').map_or(kv, |(k, _)| k).to_string();
    let image_env = spec
        .image
        .env
        .iter()
        .filter(|kv| !spec.unsetenv_all && !spec.unsetenv.contains(&key(kv)));
    for kv in image_env.chain(&spec.env) {
        set(&mut env, kv);
    }
    for kv in &spec.env_merge {
        // An image without PATH merges with the default one.
        let known: Vec<String> = env.iter().cloned().chain([DEFAULT_PATH.into()]).collect();
        let merged = expand(kv, &known);
        set(&mut env, &merged);
    }
    if spec.unsetenv_all {
        return env;
    }
    let has = |env: &[String], k: &str| env.iter().any(|e| e.starts_with(&format!("{k}=")));
    let defaults = vec![
        DEFAULT_PATH.to_string(),
        "container=podman".to_string(),
        format!("HOSTNAME={hostname}"),
        format!("HOME={home}"),
        // podman sets TERM with and without a terminal.
        "TERM=xterm".to_string(),
    ];
    for d in defaults {
        let key = key(&d);
        if !has(&env, &key) && !spec.unsetenv.contains(&key) {
            env.push(d);
        }
    }
    env
}

/// `${NAME}` and `$NAME` in `text` replaced by their values in `env` (empty when unset).
fn expand(text: &str, env: &[String]) -> String {
    let value = |name: &str| {
        env.iter()
            .find_map(|e| e.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
            .unwrap_or("")
            .to_string()
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = if let Some(b) = after.strip_prefix('{') {
            match b.find('}') {
                Some(end) => (&b[..end], &b[end + 1..]),
                None => ("", after),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !valid {
            out.push('$');
            rest = after;
        } else {
            out.push_str(&value(name));
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn caps(names: &[&str]) -> HashSet<Capability> {
    names
        .iter()
        .filter_map(|n| serde_json::from_value(serde_json::json!(n)).ok())
        .collect()
}

fn mount(dest: &str, typ: &str, source: impl Into<PathBuf>, options: &[&str]) -> Result<Mount> {
    MountBuilder::default()
        .destination(dest)
        .typ(typ)
        .source(source.into())
        .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .build()
        .map_err(spec_err)
}

fn namespace(typ: LinuxNamespaceType, ns: &Namespace) -> Result<Option<LinuxNamespace>> {
    match ns {
        Namespace::Host => Ok(None),
        Namespace::Private => Ok(Some(
            LinuxNamespaceBuilder::default()
                .typ(typ)
                .build()
                .map_err(spec_err)?,
        )),
        Namespace::Path(p) => Ok(Some(
            LinuxNamespaceBuilder::default()
                .typ(typ)
                .path(p.clone())
                .build()
                .map_err(spec_err)?,
        )),
    }
}

/// The default cgroup path of a container under cgroupfs; its own parent, apart from podman's.
pub fn default_cgroup_path(id: &str) -> String {
    format!("/libpod_rs_parent/libpod-rs-{id}")
}

/// The mounts every container gets: /proc, /dev, /dev/pts, /dev/shm (sized, or none with
/// `--ipc none`), /dev/mqueue, /sys and its cgroups (read-write only when privileged).
fn default_mounts(spec: &ContainerSpec) -> Result<Vec<Mount>> {
    // `proc-opts=` replaces the defaults, as podman does.
    let proc_opts: Vec<&str> = if spec.security.proc_opts.is_empty() {
        vec!["nosuid", "noexec", "nodev"]
    } else {
        spec.security.proc_opts.iter().map(String::as_str).collect()
    };
    let mut pts = vec![
        "nosuid",
        "noexec",
        "newinstance",
        "ptmxmode=0666",
        "mode=0620",
    ];
    // The tty group must exist inside for devpts to take it (a small user namespace).
    let userns = spec.has_userns();
    let tty_mapped = spec
        .id_mappings
        .as_ref()
        .is_none_or(|m| m.gid_map.iter().any(|r| r.to_host(5).is_some()));
    if !userns || tty_mapped {
        pts.push("gid=5");
    }
    let mut mounts = vec![
        mount("/proc", "proc", "proc", &proc_opts)?,
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        )?,
        mount("/dev/pts", "devpts", "devpts", &pts)?,
    ];
    if !spec.no_shm {
        let size = format!(
            "size={}k",
            spec.shm_size
                .unwrap_or(libpod_config::DEFAULT_SHM_SIZE)
                .div_ceil(1024)
        );
        mounts.push(mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", &size],
        )?);
    }
    mounts.push(mount(
        "/dev/mqueue",
        "mqueue",
        "mqueue",
        &["nosuid", "noexec", "nodev"],
    )?);
    let rw = if spec.privileged { "rw" } else { "ro" };
    // A fresh sysfs shows the container's own network namespace (new or joined); only a
    // container in the host's namespace sees the host's /sys. In a user namespace the kernel
    // allows a sysfs mount only for a network namespace that user namespace owns (one the
    // runtime makes with it): a joined one gets the host's /sys bound, as podman does.
    let sysfs = match spec.network {
        Namespace::Host => false,
        Namespace::Private => true,
        Namespace::Path(_) => !userns,
    };
    if sysfs {
        mounts.push(mount(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", rw],
        )?);
    } else {
        mounts.push(mount(
            "/sys",
            "bind",
            "/sys",
            &["rbind", "nosuid", "noexec", "nodev", rw],
        )?);
    }
    mounts.push(mount(
        "/sys/fs/cgroup",
        "cgroup",
        "cgroup",
        &["nosuid", "noexec", "nodev", "relatime", rw],
    )?);
    Ok(mounts)
}

/// The capability names the process gets and the OCI capability sets: podman's defaults (or
/// the container's own set), every one the caller may hand on when privileged.
fn capabilities(spec: &ContainerSpec) -> Result<(Vec<String>, LinuxCapabilities)> {
    let cap_names: Vec<String> = if spec.privileged {
        caller_bounding_set()
    } else {
        spec.capabilities
            .clone()
            .unwrap_or_else(|| DEFAULT_CAPABILITIES.iter().map(|c| c.to_string()).collect())
    };
    let names: Vec<&str> = cap_names.iter().map(String::as_str).collect();
    let capset = caps(&names);
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(capset.clone())
        .effective(capset.clone())
        .permitted(capset)
        // The builder's defaults would add inheritable and ambient capabilities outside the
        // bounding set, which the kernel refuses; podman grants none.
        .inheritable(HashSet::new())
        .ambient(HashSet::new())
        .build()
        .map_err(spec_err)?;
    Ok((cap_names, capabilities))
}

/// One user mount as an OCI mount: binds recursive and private unless told otherwise.
fn user_mount(m: &UserMount) -> Result<Mount> {
    match m {
        UserMount::Bind {
            source,
            destination,
            read_only,
            options,
        } => {
            if !source.is_absolute() || !destination.starts_with('/') {
                return Err(OciError::Spec(format!(
                    "bind mount {}:{destination} needs absolute paths",
                    source.display()
                )));
            }
            const PROPAGATION: [&str; 6] = [
                "shared", "slave", "private", "rshared", "rslave", "rprivate",
            ];
            let mut o: Vec<&str> = options.iter().map(String::as_str).collect();
            if !o.iter().any(|x| *x == "bind" || *x == "rbind") {
                o.push("rbind");
            }
            if !o.iter().any(|x| PROPAGATION.contains(x)) {
                o.push("rprivate");
            }
            if *read_only {
                o.push("ro");
            }
            mount(destination, "bind", source.clone(), &o)
        }
        UserMount::Devpts {
            destination,
            options,
        } => {
            if !destination.starts_with('/') {
                return Err(OciError::Spec(format!(
                    "devpts mount {destination} needs an absolute path"
                )));
            }
            let mut o: Vec<&str> = vec!["nosuid", "noexec", "newinstance", "ptmxmode=0666"];
            o.extend(options.iter().map(String::as_str));
            mount(destination, "devpts", "devpts", &o)
        }
        UserMount::Tmpfs {
            destination,
            options,
        } => {
            if !destination.starts_with('/') {
                return Err(OciError::Spec(format!(
                    "tmpfs mount {destination} needs an absolute path"
                )));
            }
            let mut o: Vec<&str> = vec!["nosuid", "nodev"];
            o.extend(options.iter().map(String::as_str));
            mount(destination, "tmpfs", "tmpfs", &o)
        }
    }
}

/// The `linux` section: namespaces, cgroup resources and devices, propagation, masked
/// paths, personality, sysctls and the seccomp filter for the granted capabilities.
fn linux(spec: &ContainerSpec, cap_names: &[String]) -> Result<oci_spec::runtime::Linux> {
    let mut namespaces = vec![
        LinuxNamespaceBuilder::default()
            .typ(LinuxNamespaceType::Mount)
            .build()
            .map_err(spec_err)?,
    ];
    for (typ, ns) in [
        (LinuxNamespaceType::Pid, &spec.pid),
        (LinuxNamespaceType::Ipc, &spec.ipc),
        (LinuxNamespaceType::Uts, &spec.uts),
        (LinuxNamespaceType::Network, &spec.network),
        (LinuxNamespaceType::Cgroup, &spec.cgroup),
    ] {
        if let Some(n) = namespace(typ, ns)? {
            namespaces.push(n);
        }
    }
    if let Some(n) = namespace(
        LinuxNamespaceType::User,
        spec.userns.as_ref().unwrap_or(&Namespace::Host),
    )? {
        namespaces.push(n);
    }
    let (devices, rules) = crate::spec_linux::devices(spec)?;
    let resources = crate::spec_linux::resources(spec, rules)?;
    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .resources(resources)
        .devices(devices)
        .cgroups_path(PathBuf::from(
            spec.cgroup_path
                .clone()
                .unwrap_or_else(|| default_cgroup_path(&spec.id)),
        ));
    // A mount that shares or receives mounts needs the root to propagate too, as podman
    // sets it: `shared` for any shared mount, else `rslave` for any slave one.
    let wants = |names: &[&str]| {
        spec.mounts.iter().any(|m| match m {
            UserMount::Bind { options, .. } => options.iter().any(|o| names.contains(&o.as_str())),
            UserMount::Tmpfs { .. } | UserMount::Devpts { .. } => false,
        })
    };
    if wants(&["shared", "rshared"]) {
        linux = linux.rootfs_propagation("shared");
    } else if wants(&["slave", "rslave"]) {
        linux = linux.rootfs_propagation("rslave");
    }
    if let Some(m) = spec.id_mappings.as_ref().filter(|_| spec.has_userns()) {
        let (uids, gids) = crate::spec_linux::id_mappings(m)?;
        linux = linux.uid_mappings(uids).gid_mappings(gids);
    }
    let (masked, readonly) = crate::spec_linux::masked_paths(spec);
    // Always set: the builder would otherwise fill in its own defaults.
    linux = linux.masked_paths(masked).readonly_paths(readonly);
    if let Some(p) = spec.personality.as_deref() {
        let domain = p
            .parse::<oci_spec::runtime::LinuxPersonalityDomain>()
            .map_err(|_| OciError::InvalidInput(format!("invalid personality {p:?}")))?;
        linux = linux.personality(
            oci_spec::runtime::LinuxPersonalityBuilder::default()
                .domain(domain)
                .build()
                .map_err(spec_err)?,
        );
    }
    if !spec.sysctls.is_empty() {
        linux = linux.sysctl(
            spec.sysctls
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        );
    }
    if let Some(p) = spec.seccomp_profile.as_ref().filter(|_| !spec.privileged) {
        linux = linux.seccomp(crate::seccomp::load_profile(p, cap_names)?);
    }
    linux.build().map_err(spec_err)
}

/// The process's user: its ids, supplementary groups (the image's and `--group-add`'s) and
/// umask.
fn process_user(
    spec: &ContainerSpec,
    user: &crate::user::ResolvedUser,
) -> Result<oci_spec::runtime::User> {
    let mut ouser = UserBuilder::default().uid(user.uid).gid(user.gid);
    let mut gids = user.additional_gids.clone();
    for g in crate::user::resolve_groups(&spec.rootfs, &spec.group_add)? {
        if !gids.contains(&g) {
            gids.push(g);
        }
    }
    if !gids.is_empty() {
        ouser = ouser.additional_gids(gids);
    }
    ouser = ouser.umask(spec.umask.unwrap_or(0o022));
    ouser.build().map_err(spec_err)
}

/// Builds the spec for `spec`.
pub fn generate(spec: &ContainerSpec) -> Result<Spec> {
    let args = process_args(spec)?;
    let user_spec = spec
        .user
        .clone()
        .or_else(|| spec.image.user.clone())
        .unwrap_or_default();
    let user = resolve_user(&spec.rootfs, &user_spec)?;
    let hostname = spec
        .hostname
        .clone()
        .unwrap_or_else(|| spec.id.chars().take(12).collect());
    let env = environment(spec, &hostname, &user.home);
    let cwd = spec
        .workdir
        .clone()
        .or_else(|| spec.image.working_dir.clone())
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "/".into());
    if !cwd.starts_with('/') {
        return Err(OciError::Spec(format!(
            "working directory {cwd:?} must be absolute"
        )));
    }

    let (cap_names, capabilities) = capabilities(spec)?;
    let rlimits = crate::spec_linux::rlimits(spec)?;
    let mut process = ProcessBuilder::default();
    if let Some(p) = spec
        .security
        .apparmor
        .as_deref()
        .filter(|p| *p != "unconfined")
        && !spec.privileged
    {
        process = process.apparmor_profile(p);
    }
    if let Some(adj) = spec.limits.oom_score_adj {
        process = process.oom_score_adj(adj);
    }
    let process = process
        .terminal(spec.terminal)
        .user(process_user(spec, &user)?)
        .args(args)
        .env(env)
        .cwd(cwd)
        .capabilities(capabilities)
        .rlimits(rlimits)
        .no_new_privileges(spec.security.no_new_privileges)
        .build()
        .map_err(spec_err)?;

    let mut mounts = default_mounts(spec)?;
    // Parents before children (`/data` before `/data/cache`), as podman sorts them.
    let mut user: Vec<&UserMount> = spec.mounts.iter().collect();
    user.sort_by_key(|m| m.destination().trim_end_matches('/').matches('/').count());
    for m in user {
        mounts.push(user_mount(m)?);
    }

    // After the user's mounts, so a volume on /etc does not hide them; a user mount on the
    // same path wins.
    for (host, dest) in &spec.etc_files {
        if spec.mounts.iter().any(|m| m.destination() == dest) {
            continue;
        }
        mounts.push(mount(dest, "bind", host.clone(), &["bind", "rprivate"])?);
    }

    let linux = linux(spec, &cap_names)?;
    let mut b = SpecBuilder::default()
        .version("1.0.2-dev")
        .root(
            RootBuilder::default()
                .path(spec.rootfs.clone())
                .readonly(spec.read_only)
                .build()
                .map_err(spec_err)?,
        )
        .process(process)
        .mounts(mounts)
        .linux(linux);
    // Only a UTS namespace of the container's own gets its hostname: setting one in a joined
    // namespace would rename the host or every other member of a pod.
    if spec.uts == Namespace::Private {
        b = b.hostname(hostname);
    }
    if !spec.annotations.is_empty() {
        b = b.annotations(
            spec.annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        );
    }
    let mut out = b.build().map_err(spec_err)?;
    if spec.uts != Namespace::Private {
        // The builder's default hostname ("youki") would otherwise be set in the joined namespace.
        out.set_hostname(None);
    }
    Ok(out)
}

/// Writes `config.json` into `bundle`.
pub fn write_bundle(bundle: &Path, spec: &Spec) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let private = |e: libpod_fs::FsError| OciError::Spec(e.to_string());
    libpod_fs::host::private_dir(bundle).map_err(private)?;
    let path = bundle.join("config.json");
    let json = serde_json::to_vec(spec)
        .map_err(|e| OciError::Spec(format!("writing {}: {e}", path.display())))?;
    // 0600 from the start: the spec holds the container's environment.
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut f| f.write_all(&json))
        .map_err(crate::error::io(&path))?;
    libpod_fs::host::tighten(&path).map_err(private)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_merge_unsetenv_and_unsetenv_all() {
        let mut s = ContainerSpec::default();
        s.image.env = vec!["PATH=/img".into(), "A=1".into(), "B=2".into()];
        s.env = vec!["C=3".into()];
        s.env_merge = vec!["PATH=/x:${PATH}".into(), "D=$A-${C}-$NONE.".into()];
        s.unsetenv = vec!["B".into(), "TERM".into()];
        let env = environment(&s, "h", "/root");
        assert!(env.contains(&"PATH=/x:/img".to_string()), "{env:?}");
        assert!(env.contains(&"D=1-3-.".to_string()), "{env:?}");
        assert!(
            !env.iter()
                .any(|e| e.starts_with("B=") || e.starts_with("TERM="))
        );
        s.image.env.clear();
        s.unsetenv_all = true;
        let env = environment(&s, "h", "/root");
        assert_eq!(env[0], "C=3");
        assert!(env[1].starts_with("PATH=/x:/usr/local/sbin"), "{env:?}");
        assert_eq!(expand("cost $5 and ${", &[]), "cost $5 and ${");
    }
}
