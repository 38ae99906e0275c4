//! The `local` volume driver's options (`-o type=,device=,o=,uid=,gid=,copy,nocopy`),
//! checked as podman checks them (ground floor of the volume modules).

use std::collections::BTreeMap;

use crate::error::{LibpodError, Result};

/// The only volume driver: directories (or mounts) on this host.
pub const LOCAL_DRIVER: &str = "local";

/// The `local` driver's options, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LocalOptions {
    /// Filesystem type to mount (`tmpfs`, `ext4`, ...).
    pub fs_type: Option<String>,
    /// What to mount.
    pub device: Option<String>,
    /// Mount options (`o=`), without the ones the driver takes for itself.
    pub mount_options: Vec<String>,
    /// Owner of the data directory.
    pub uid: Option<u32>,
    /// Group of the data directory.
    pub gid: Option<u32>,
    /// No copy-up of the image's files.
    pub nocopy: bool,
}

impl LocalOptions {
    /// Whether the volume is a mount (made when a container starts) rather than a directory.
    pub fn is_mount(&self) -> bool {
        self.fs_type.is_some() || self.device.is_some()
    }
}

fn bad_option(key: &str) -> LibpodError {
    LibpodError::Invalid(format!(
        "invalid mount option {key} for driver '{LOCAL_DRIVER}': invalid argument"
    ))
}

fn id_value(key: &str, v: &str) -> Result<u32> {
    v.parse()
        .map_err(|_| LibpodError::Invalid(format!("volume option {key}={v}: not a number")))
}

/// Checks the `local` driver's options as podman does: unknown keys are errors.
pub(crate) fn parse_local(options: &BTreeMap<String, String>) -> Result<LocalOptions> {
    let mut out = LocalOptions::default();
    for (k, v) in options {
        match k.to_ascii_lowercase().as_str() {
            "type" => out.fs_type = Some(v.clone()).filter(|v| !v.is_empty()),
            "device" => out.device = Some(v.clone()).filter(|v| !v.is_empty()),
            "uid" => out.uid = Some(id_value(k, v)?),
            "gid" => out.gid = Some(id_value(k, v)?),
            "nocopy" => out.nocopy = true,
            "copy" => out.nocopy = false,
            "o" => {
                for o in v.split(',').filter(|o| !o.is_empty()) {
                    match o.split_once('=') {
                        Some(("uid", n)) => out.uid = Some(id_value("uid", n)?),
                        Some(("gid", n)) => out.gid = Some(id_value("gid", n)?),
                        _ if o == "nocopy" => out.nocopy = true,
                        _ if o == "copy" => out.nocopy = false,
                        _ => out.mount_options.push(o.to_string()),
                    }
                }
            }
            _ => return Err(bad_option(k)),
        }
    }
    if out.device.is_some() && out.fs_type.is_none() {
        return Err(LibpodError::Invalid(
            "volume option device= needs type= (the filesystem to mount it as)".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn local_options_are_read_as_podman_reads_them() {
        let o = parse_local(&opts(&[
            ("type", "tmpfs"),
            ("device", "tmpfs"),
            ("o", "size=2m,uid=1000,nocopy,mode=0700"),
        ]))
        .expect("valid");
        assert_eq!(
            o,
            LocalOptions {
                fs_type: Some("tmpfs".into()),
                device: Some("tmpfs".into()),
                mount_options: vec!["size=2m".into(), "mode=0700".into()],
                uid: Some(1000),
                gid: None,
                nocopy: true,
            }
        );
        assert!(o.is_mount());
        assert!(!parse_local(&opts(&[("UID", "5")])).expect("uid").is_mount());
        let e = parse_local(&opts(&[("badopt", "1")])).expect_err("unknown");
        assert!(e.to_string().contains("invalid mount option badopt"), "{e}");
        assert!(parse_local(&opts(&[("uid", "x")])).is_err());
        assert!(parse_local(&opts(&[("device", "/dev/sda1")])).is_err());
    }
}
