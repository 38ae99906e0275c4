//! Where a container's output goes (`--log-driver`, `--log-opt`) and where its log is read.

use std::path::PathBuf;

use libpod_config::LogDriver;
use libpod_state::ContainerConfig;

use crate::error::{LibpodError, Result};
use crate::runtime::Inner;

/// The journald socket conmon writes to.
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

/// The container's log driver: its own, else containers.conf's.
pub(crate) fn driver(inner: &Inner, cfg: &ContainerConfig) -> LogDriver {
    cfg.log_driver.unwrap_or(inner.config.log_driver)
}

/// The k8s-file log the container writes, or why there is none to read.
pub(crate) fn log_file(inner: &Inner, cfg: &ContainerConfig) -> Result<PathBuf> {
    match driver(inner, cfg) {
        LogDriver::K8sFile => Ok(cfg
            .log_path
            .clone()
            .unwrap_or_else(|| inner.paths(&cfg.id).log)),
        d => Err(LibpodError::Invalid(format!(
            "this container is using the '{}' log driver, cannot read logs: this container is not logging output",
            d.as_str()
        ))),
    }
}

/// Checks a log driver can be used on this host (journald needs journald running).
pub(crate) fn check(d: LogDriver) -> Result<()> {
    if d == LogDriver::Journald && !std::path::Path::new(JOURNAL_SOCKET).exists() {
        return Err(LibpodError::Invalid(format!(
            "the journald log driver needs journald, and {JOURNAL_SOCKET} is missing: use k8s-file, none or passthrough"
        )));
    }
    Ok(())
}

/// `--log-opt` values as podman reads them: `max-size=` (bytes, with k, m or g), `path=`,
/// `tag=`; returns (max size, path, tag).
pub fn parse_log_opts(opts: &[String]) -> Result<(Option<u64>, Option<PathBuf>, Option<String>)> {
    let (mut size, mut path, mut tag) = (None, None, None);
    for o in opts {
        let (k, v) = o
            .split_once('=')
            .ok_or_else(|| LibpodError::Invalid(format!("--log-opt {o:?}: expected KEY=VALUE")))?;
        match k {
            "max-size" => {
                size = Some(libpod_config::units::parse_decimal(v).ok_or_else(|| {
                    LibpodError::Invalid(format!(
                        "--log-opt max-size={v}: not a size such as 10k or 1m"
                    ))
                })?)
            }
            "path" if v.starts_with('/') => path = Some(PathBuf::from(v)),
            "path" => {
                return Err(LibpodError::Invalid(format!(
                    "--log-opt path={v}: the log's path must be absolute"
                )));
            }
            "tag" => tag = Some(v.to_string()),
            other => {
                return Err(LibpodError::Invalid(format!(
                    "--log-opt {other}: unknown option (max-size, path, tag)"
                )));
            }
        }
    }
    Ok((size, path, tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_opts_as_podman() {
        let (s, p, t) = parse_log_opts(&[
            "max-size=10k".into(),
            "path=/tmp/x.log".into(),
            "tag=web".into(),
        ])
        .expect("opts");
        assert_eq!(
            (s, p, t),
            (Some(10_000), Some("/tmp/x.log".into()), Some("web".into()))
        );
        assert!(parse_log_opts(&["path=rel".into()]).is_err());
        assert!(parse_log_opts(&["color=red".into()]).is_err());
        assert!(parse_log_opts(&["max-size=lots".into()]).is_err());
        assert_eq!(libpod_config::units::parse_decimal("1.5m"), Some(1_500_000));
    }
}
