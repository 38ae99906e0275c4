//! `RUN --mount=`: a cache directory kept between builds (a named volume per cache `id`),
//! or a tmpfs. Bind and secret mounts are refused with a clear message until they are built.

use libpod::state::{Mount, MountKind};

/// The mounts of a `RUN` step's container (`expand`: the step's variable expansion), or
/// what is wrong with one.
pub(crate) fn run_mounts(
    specs: &[String],
    expand: &dyn Fn(&str) -> String,
) -> std::result::Result<Vec<Mount>, String> {
    specs.iter().map(|s| mount(s, expand)).collect()
}

fn mount(spec: &str, expand: &dyn Fn(&str) -> String) -> std::result::Result<Mount, String> {
    let mut kind = "bind";
    let (mut target, mut id, mut size, mut ro) = (None, None, None, false);
    for part in spec.split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, "true"));
        match k {
            "type" => kind = v,
            "target" | "dst" | "destination" => target = Some(expand(v)),
            "id" => id = Some(v.to_string()),
            "size" | "tmpfs-size" => size = Some(v.to_string()),
            "ro" | "readonly" => ro = v != "false",
            "sharing" | "mode" | "uid" | "gid" | "rw" | "readwrite" => {}
            other => return Err(format!("--mount: unknown option {other:?}")),
        }
    }
    let target = target.ok_or("--mount needs target=")?;
    match kind {
        "cache" => {
            let key = id.unwrap_or_else(|| target.clone());
            let digest = libpod::storage::digest_of(key.as_bytes());
            let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
            Ok(Mount {
                kind: MountKind::Volume,
                source: format!("buildcache-{}", &hex[..16.min(hex.len())]),
                destination: target,
                options: if ro { vec!["ro".into()] } else { Vec::new() },
            })
        }
        "tmpfs" => Ok(Mount {
            kind: MountKind::Tmpfs,
            source: "tmpfs".into(),
            destination: target,
            options: size.map(|s| vec![format!("size={s}")]).unwrap_or_default(),
        }),
        other => Err(format!(
            "--mount=type={other} is not supported here yet: use type=cache or type=tmpfs"
        )),
    }
}
