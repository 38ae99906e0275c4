//! `RUN --mount=`: a cache directory kept between builds (a named volume per cache `id`), a
//! tmpfs, or a secret file given with `--secret` (read-only; its contents never reach a
//! layer). Bind mounts
//! are refused with a clear message until they are built.

use std::collections::BTreeMap;
use std::path::PathBuf;

use libpod::state::{Mount, MountKind};

/// The mounts of a `RUN` step's container (`expand`: the step's variable expansion;
/// `secrets`: the build's `--secret` files by ID), or what is wrong with one. A secret not
/// given is left out unless `required`.
pub(crate) fn run_mounts(
    specs: &[String],
    expand: &dyn Fn(&str) -> String,
    secrets: &BTreeMap<String, PathBuf>,
) -> std::result::Result<Vec<Mount>, String> {
    let mut out = Vec::new();
    for s in specs {
        if let Some(m) = mount(s, expand, secrets)? {
            out.push(m);
        }
    }
    Ok(out)
}

fn mount(
    spec: &str,
    expand: &dyn Fn(&str) -> String,
    secrets: &BTreeMap<String, PathBuf>,
) -> std::result::Result<Option<Mount>, String> {
    let mut kind = "bind";
    let (mut target, mut id, mut size, mut ro, mut required) = (None, None, None, false, false);
    for part in spec.split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, "true"));
        match k {
            "type" => kind = v,
            "target" | "dst" | "destination" => target = Some(expand(v)),
            "id" => id = Some(v.to_string()),
            "size" | "tmpfs-size" => size = Some(v.to_string()),
            "ro" | "readonly" => ro = v != "false",
            "required" => required = v != "false",
            "sharing" | "mode" | "uid" | "gid" | "rw" | "readwrite" => {}
            other => return Err(format!("--mount: unknown option {other:?}")),
        }
    }
    if kind == "secret" {
        let id = id.ok_or("--mount=type=secret needs id=")?;
        let Some(src) = secrets.get(&id) else {
            return if required {
                Err(format!(
                    "secret {id:?} is required: give it with --secret id={id},src=FILE"
                ))
            } else {
                Ok(None)
            };
        };
        return Ok(Some(Mount {
            kind: MountKind::Bind,
            source: src.display().to_string(),
            destination: target.unwrap_or_else(|| format!("/run/secrets/{id}")),
            options: vec!["ro".into(), "rbind".into()],
        }));
    }
    let target = target.ok_or("--mount needs target=")?;
    Ok(Some(match kind {
        "cache" => {
            let key = id.unwrap_or_else(|| target.clone());
            let digest = libpod::storage::digest_of(key.as_bytes());
            let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
            Mount {
                kind: MountKind::Volume,
                source: format!("buildcache-{}", &hex[..16.min(hex.len())]),
                destination: target,
                options: if ro { vec!["ro".into()] } else { Vec::new() },
            }
        }
        "tmpfs" => Mount {
            kind: MountKind::Tmpfs,
            source: "tmpfs".into(),
            destination: target,
            options: size.map(|s| vec![format!("size={s}")]).unwrap_or_default(),
        },
        other => {
            return Err(format!(
                "--mount=type={other} is not supported here yet: use type=cache, tmpfs or secret"
            ));
        }
    }))
}
