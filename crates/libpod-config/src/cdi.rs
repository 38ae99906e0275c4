//! Container Device Interface (CDI) specs, as podman 4 reads them: JSON or YAML files in
//! `/etc/cdi` and `/var/run/cdi` (or containers.conf `cdi_spec_dirs`) that name devices
//! `vendor.com/class=name` and say what giving one to a container means (device nodes,
//! environment, mounts). Resolving a name gives plain edits; libpod applies them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::resources::DeviceMapping;

/// Where CDI specs are read by default, lowest precedence first (a later directory's spec
/// for the same device wins).
pub const CDI_SPEC_DIRS: [&str; 2] = ["/etc/cdi", "/var/run/cdi"];

/// One spec file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    cdi_version: String,
    kind: String,
    #[serde(default)]
    devices: Vec<Device>,
    #[serde(default)]
    container_edits: Edits,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Device {
    name: String,
    #[serde(default)]
    container_edits: Edits,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Edits {
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    device_nodes: Vec<Node>,
    #[serde(default)]
    mounts: Vec<SpecMount>,
    #[serde(default)]
    hooks: Vec<serde_yaml_ng::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Node {
    path: String,
    host_path: Option<String>,
    permissions: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpecMount {
    host_path: String,
    container_path: String,
    #[serde(default)]
    options: Vec<String>,
}

/// What giving CDI devices to a container means.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdiEdits {
    /// Device nodes to make.
    pub devices: Vec<DeviceMapping>,
    /// `KEY=VALUE` variables to set.
    pub env: Vec<String>,
    /// Bind mounts: host path, container path, options.
    pub mounts: Vec<(PathBuf, String, Vec<String>)>,
}

/// Whether a `--device` value names a CDI device (`vendor.com/class=name`) rather than a path.
pub fn is_cdi_name(value: &str) -> bool {
    !value.starts_with('/')
        && value
            .split_once('=')
            .is_some_and(|(kind, name)| kind.contains('/') && !name.is_empty())
}

/// Per kind: its devices' edits by name, and the spec-wide edits.
type Kinds = BTreeMap<String, (BTreeMap<String, Edits>, Edits)>;

/// Reads every spec in `dirs` (`.json`, `.yaml`, `.yml`): kind to (device name to edits, the
/// spec's own edits). A file that cannot be read or parsed is an error naming it.
fn read_specs(dirs: &[PathBuf]) -> Result<Kinds, String> {
    let mut kinds = BTreeMap::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("json" | "yaml" | "yml")
                )
            })
            .collect();
        files.sort();
        for f in files {
            let spec = read_spec(&f)?;
            let devices = spec
                .devices
                .into_iter()
                .map(|d| (d.name, d.container_edits))
                .collect();
            kinds.insert(spec.kind, (devices, spec.container_edits));
        }
    }
    Ok(kinds)
}

fn read_spec(f: &Path) -> Result<Spec, String> {
    let text =
        std::fs::read_to_string(f).map_err(|e| format!("reading CDI spec {}: {e}", f.display()))?;
    let spec: Spec =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("CDI spec {}: {e}", f.display()))?;
    let (vendor_class, ok_version) = (spec.kind.split_once('/'), !spec.cdi_version.is_empty());
    if vendor_class.is_none() || !ok_version {
        return Err(format!(
            "CDI spec {}: needs a cdiVersion and a kind such as vendor.com/class",
            f.display()
        ));
    }
    Ok(spec)
}

/// Resolves CDI device names against the specs in `dirs`: their device nodes (host path
/// defaulting to the container path), environment and mounts, the spec-wide edits once per
/// spec. An unknown name, or a device needing OCI hooks, is an error naming it.
///
/// ```no_run
/// let edits = libpod_config::cdi::resolve(
///     &[std::path::PathBuf::from("/etc/cdi")],
///     &["vendor.com/gpu=0".to_string()],
/// );
/// ```
pub fn resolve(dirs: &[PathBuf], names: &[String]) -> Result<CdiEdits, String> {
    let kinds = read_specs(dirs)?;
    let mut out = CdiEdits::default();
    let mut applied_kinds = Vec::new();
    for name in names {
        let (kind, dev) = name
            .split_once('=')
            .ok_or_else(|| format!("{name:?} is not a CDI device name (vendor.com/class=name)"))?;
        let unresolvable = || format!("setting up CDI devices: unresolvable CDI devices {name}");
        let (devices, common) = kinds.get(kind).ok_or_else(unresolvable)?;
        let chosen: Vec<&Edits> = if dev == "all" {
            devices.values().collect()
        } else {
            vec![devices.get(dev).ok_or_else(unresolvable)?]
        };
        if !applied_kinds.contains(&kind) {
            applied_kinds.push(kind);
            apply(common, name, &mut out)?;
        }
        for e in chosen {
            apply(e, name, &mut out)?;
        }
    }
    Ok(out)
}

fn apply(e: &Edits, name: &str, out: &mut CdiEdits) -> Result<(), String> {
    if !e.hooks.is_empty() {
        return Err(format!(
            "CDI device {name} needs OCI hooks, which libpod-rs does not run yet"
        ));
    }
    out.env.extend(e.env.iter().cloned());
    for n in &e.device_nodes {
        out.devices.push(DeviceMapping {
            host: PathBuf::from(n.host_path.as_deref().unwrap_or(&n.path)),
            container: n.path.clone(),
            permissions: n.permissions.clone().unwrap_or_else(|| "rwm".into()),
        });
    }
    for m in &e.mounts {
        out.mounts.push((
            PathBuf::from(&m.host_path),
            m.container_path.clone(),
            m.options.clone(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_specs_resolve() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::write(
            d.path().join("a.json"),
            r#"{"cdiVersion":"0.5.0","kind":"example.com/test","containerEdits":{"env":["ALL=1"]},
               "devices":[{"name":"nul","containerEdits":{"deviceNodes":[{"path":"/dev/cdinull","hostPath":"/dev/null"}],"env":["X=1"]}},
                          {"name":"zero","containerEdits":{"deviceNodes":[{"path":"/dev/zero"}]}}]}"#,
        )
        .expect("write");
        std::fs::write(
            d.path().join("b.yaml"),
            "cdiVersion: 0.5.0\nkind: example.com/hooked\ndevices:\n- name: h\n  containerEdits:\n    hooks:\n    - hookName: createRuntime\n      path: /bin/true\n",
        )
        .expect("write");
        let dirs = [d.path().to_path_buf()];
        let e = resolve(&dirs, &["example.com/test=nul".into()]).expect("resolves");
        assert_eq!(e.env, ["ALL=1", "X=1"]);
        assert_eq!(e.devices[0].host, Path::new("/dev/null"));
        assert_eq!(e.devices[0].container, "/dev/cdinull");
        let all = resolve(&dirs, &["example.com/test=all".into()]).expect("all");
        assert_eq!(all.devices.len(), 2);
        assert!(resolve(&dirs, &["example.com/test=nope".into()]).is_err());
        assert!(resolve(&dirs, &["example.com/none=nul".into()]).is_err());
        let hooked = resolve(&dirs, &["example.com/hooked=h".into()]).expect_err("hooks");
        assert!(hooked.contains("hooks"), "{hooked}");
        std::fs::write(d.path().join("c.json"), "{not json").expect("write");
        let bad = resolve(&dirs, &["example.com/test=nul".into()]).expect_err("bad file");
        assert!(bad.contains("c.json"), "{bad}");
        assert!(is_cdi_name("vendor.com/class=name") && !is_cdi_name("/dev/null"));
        assert!(!is_cdi_name("/dev/a=b") && !is_cdi_name("nodevice"));
    }
}
