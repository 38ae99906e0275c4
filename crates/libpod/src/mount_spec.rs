//! podman's mount flags as typed mounts: `-v`/`--volume`, `--mount` and `--tmpfs`, with
//! podman's grammar, option names and error messages. Pure functions: tested without root.
//!
//! ```
//! use libpod::mount_spec::parse_volume_flag;
//! use libpod::state::MountKind;
//! let m = parse_volume_flag("data:/var/lib/db:ro,nocopy")?;
//! assert_eq!((m.kind, m.source.as_str(), m.destination.as_str()), (MountKind::Volume, "data", "/var/lib/db"));
//! assert_eq!(m.options, ["ro", "nocopy"]);
//! assert_eq!(parse_volume_flag("/cache")?.source, ""); // an anonymous volume
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use libpod_state::{Mount, MountKind};

use crate::error::{LibpodError, Result};

/// The options a `-v` takes (besides `ro`/`rw`).
const VOLUME_OPTIONS: [&str; 24] = [
    "z",
    "Z",
    "U",
    "O",
    "copy",
    "nocopy",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
    "unbindable",
    "runbindable",
    "noexec",
    "exec",
    "nosuid",
    "suid",
    "nodev",
    "dev",
    "bind",
    "rbind",
    "idmap",
    "noatime",
];

fn invalid(msg: String) -> LibpodError {
    LibpodError::Invalid(msg)
}

fn check_destination(d: &str) -> Result<()> {
    if d.starts_with('/') {
        Ok(())
    } else {
        Err(invalid(format!(
            "invalid container path {d:?}, must be an absolute path"
        )))
    }
}

/// Checks `-v` options: known ones, and at most one of `ro`/`rw`.
fn volume_options(opts: &str) -> Result<Vec<String>> {
    let list: Vec<String> = opts
        .split(',')
        .filter(|o| !o.is_empty())
        .map(String::from)
        .collect();
    if list.iter().filter(|o| *o == "ro" || *o == "rw").count() > 1 {
        return Err(invalid(format!(
            "invalid options {:?}, can only specify 1 'rw' or 'ro' option",
            list.join(", ")
        )));
    }
    for o in &list {
        if o != "ro" && o != "rw" && !VOLUME_OPTIONS.contains(&o.as_str()) {
            return Err(invalid(format!("invalid option type {o:?}")));
        }
    }
    Ok(list)
}

/// `-v`: `CTR-DIR` (a new anonymous volume), `NAME:CTR-DIR[:OPTS]` (a named volume, made
/// when missing), `HOST-DIR:CTR-DIR[:OPTS]` (a bind mount; the host path must exist when the
/// container is created).
pub fn parse_volume_flag(s: &str) -> Result<Mount> {
    let parts: Vec<&str> = s.split(':').collect();
    let (src, dst, opts) = match parts.as_slice() {
        [dst] => ("", *dst, ""),
        [src, dst] => (*src, *dst, ""),
        [src, dst, o] => (*src, *dst, *o),
        _ => {
            return Err(invalid(format!(
                "invalid volume {s:?}: expected [SOURCE:]CONTAINER-DIR[:OPTIONS]"
            )));
        }
    };
    check_destination(dst)?;
    let options = volume_options(opts)?;
    let kind = if src.is_empty() || !(src.starts_with('/') || src.starts_with('.')) {
        if !src.is_empty() {
            libpod_state::check_name(src).map_err(|e| {
                invalid(format!(
                    "creating named volume {src:?}: running volume create option: {e}"
                ))
            })?;
        }
        MountKind::Volume
    } else {
        MountKind::Bind
    };
    Ok(Mount {
        kind,
        source: src.to_string(),
        destination: dst.to_string(),
        options,
    })
}

/// `--tmpfs CTR-DIR[:OPTS]`.
pub fn parse_tmpfs_flag(s: &str) -> Result<Mount> {
    let (dst, opts) = s.split_once(':').unwrap_or((s, ""));
    check_destination(dst)?;
    Ok(Mount {
        kind: MountKind::Tmpfs,
        source: String::new(),
        destination: dst.to_string(),
        options: opts
            .split(',')
            .filter(|o| !o.is_empty())
            .map(String::from)
            .collect(),
    })
}

/// `--mount type=bind|volume|tmpfs,source=...,destination=...,OPTIONS` (`src`, `dst`,
/// `target` too; `readonly`/`ro[=true|false]`, `bind-propagation=`, `tmpfs-size=`,
/// `tmpfs-mode=`, `volume-nocopy`, and the `-v` options).
pub fn parse_mount_flag(s: &str) -> Result<Mount> {
    let mut kind = None;
    let (mut src, mut dst) = (String::new(), None);
    let mut options = Vec::new();
    for field in s.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = match field.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (field, None),
        };
        match (k, v) {
            ("type", Some(t)) => {
                kind = Some(match t {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    "image" => MountKind::Image,
                    "devpts" => MountKind::Devpts,
                    other => return Err(invalid(format!("invalid filesystem type {other:?}"))),
                })
            }
            ("source" | "src", Some(v)) => src = v.to_string(),
            ("target" | "destination" | "dst", Some(v)) => dst = Some(v.to_string()),
            ("readonly" | "ro", None | Some("true")) => options.push("ro".into()),
            ("readonly" | "ro", Some("false")) => options.push("rw".into()),
            ("rw", None | Some("true")) => options.push("rw".into()),
            ("bind-propagation", Some(p)) if VOLUME_OPTIONS[6..14].contains(&p) => {
                options.push(p.to_string())
            }
            ("volume-nocopy", None | Some("true")) => options.push("nocopy".into()),
            ("tmpfs-size", Some(v)) => options.push(format!("size={v}")),
            ("tmpfs-mode", Some(v)) => options.push(format!("mode={v}")),
            ("relabel", Some("shared")) => options.push("z".into()),
            ("relabel", Some("private")) => options.push("Z".into()),
            // devpts's own options.
            ("uid" | "gid" | "mode" | "max", Some(v)) if kind == Some(MountKind::Devpts) => {
                options.push(format!("{k}={v}"))
            }
            (o, None) if VOLUME_OPTIONS.contains(&o) => options.push(o.to_string()),
            _ => return Err(invalid(format!("{field}: invalid mount option"))),
        }
    }
    let kind = kind.ok_or_else(|| invalid(format!("--mount {s:?}: type= is required")))?;
    let dst = dst.ok_or_else(|| invalid(format!("--mount {s:?}: destination= is required")))?;
    check_destination(&dst)?;
    match kind {
        MountKind::Bind if src.is_empty() => {
            return Err(invalid(format!(
                "--mount {s:?}: a bind mount needs source="
            )));
        }
        MountKind::Volume if !src.is_empty() => libpod_state::check_name(&src)?,
        MountKind::Tmpfs | MountKind::Devpts if !src.is_empty() => {
            return Err(invalid(format!(
                "--mount {s:?}: a {kind} mount has no source"
            )));
        }
        MountKind::Image if src.is_empty() => {
            return Err(invalid(format!(
                "--mount {s:?}: an image mount needs source=IMAGE"
            )));
        }
        MountKind::Image if options.iter().any(|o| o == "rw") => {
            return Err(invalid(format!(
                "--mount {s:?}: image mounts are read-only here (rw=true is not supported)"
            )));
        }
        _ => {}
    }
    Ok(Mount {
        kind,
        source: src,
        destination: dst,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_flags_as_podman_reads_them() {
        let m = parse_volume_flag("/tmp:/x:ro,rshared").expect("bind");
        assert_eq!(m.kind, MountKind::Bind);
        assert_eq!(m.options, ["ro", "rshared"]);
        let m = parse_volume_flag("v1:/data").expect("named");
        assert_eq!((m.kind, m.source.as_str()), (MountKind::Volume, "v1"));
        let m = parse_volume_flag("/anon").expect("anonymous");
        assert_eq!((m.kind, m.source.as_str()), (MountKind::Volume, ""));
        let err = |s: &str| parse_volume_flag(s).expect_err(s).to_string();
        assert!(err("/tmp:/x:foo").contains("invalid option type \"foo\""));
        assert!(err("v1:x").contains("must be an absolute path"));
        assert!(err("a/b:/x").contains("names must match"));
        assert!(err("/tmp:/x:ro,rw").contains("can only specify 1 'rw' or 'ro' option"));
        assert!(err("a:b:c:d").contains("invalid volume"));
    }

    #[test]
    fn mount_flags_as_podman_reads_them() {
        let m = parse_mount_flag("type=volume,src=v,dst=/d,ro,volume-nocopy").expect("volume");
        assert_eq!(
            (m.kind, m.source.as_str(), m.destination.as_str()),
            (MountKind::Volume, "v", "/d")
        );
        assert_eq!(m.options, ["ro", "nocopy"]);
        let m = parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=700").expect("t");
        assert_eq!(m.options, ["size=1m", "mode=700"]);
        let m = parse_mount_flag("type=bind,source=/tmp,destination=/x,bind-propagation=rslave")
            .expect("bind");
        assert_eq!(m.options, ["rslave"]);
        let m = parse_mount_flag("type=volume,dst=/anon").expect("anonymous");
        assert_eq!(m.source, "");
        let m = parse_mount_flag("type=image,source=busybox,target=/img").expect("image");
        assert_eq!((m.kind, m.source.as_str()), (MountKind::Image, "busybox"));
        let m = parse_mount_flag("type=devpts,destination=/dev/pts2,mode=600").expect("devpts");
        assert_eq!(
            (m.kind, m.options.clone()),
            (MountKind::Devpts, vec!["mode=600".to_string()])
        );
        let err = |s: &str| parse_mount_flag(s).expect_err(s).to_string();
        assert!(err("type=foo,dst=/x").contains("invalid filesystem type \"foo\""));
        assert!(err("type=volume,src=v1,dst=/x,bar").contains("bar: invalid mount option"));
        assert!(err("type=bind,dst=/x").contains("needs source="));
        assert!(err("type=volume,src=v").contains("destination= is required"));
        assert!(err("dst=/x").contains("type= is required"));
    }

    #[test]
    fn tmpfs_flags() {
        let m = parse_tmpfs_flag("/run:size=1m,mode=1777").expect("tmpfs");
        assert_eq!(m.options, ["size=1m", "mode=1777"]);
        assert!(parse_tmpfs_flag("run").is_err());
    }
}
