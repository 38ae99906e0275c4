//! Finding an `exec` command inside the container first, so that a missing or unrunnable one
//! gets podman's 127 or 126 and a clear message instead of the OCI runtime's raw error.

use std::path::Path;

use libpod_fs::{Kind, Root};
use libpod_oci::OciError;

use crate::error::Result;

/// What looking at one candidate path found.
enum Found {
    Runnable,
    NotRunnable,
    Missing,
}

fn look(root: &Root, path: &Path) -> Result<Found> {
    Ok(match root.stat(path)? {
        None => Found::Missing,
        Some(st) if Kind::of(&st) == Kind::File && st.st_mode & 0o111 != 0 => Found::Runnable,
        Some(_) => Found::NotRunnable,
    })
}

/// Checks that `cmd` can be run in the container whose root is `root`, as execve would find
/// it: a path (relative to `cwd`) as it is, a bare name along `PATH` from `env`.
pub(crate) fn check_command(root: &Root, cmd: &str, env: &[String], cwd: &str) -> Result<()> {
    let not_found = |message: &str| OciError::CommandNotFound {
        command: cmd.to_string(),
        message: message.to_string(),
    };
    let not_runnable = || OciError::CommandNotExecutable {
        command: cmd.to_string(),
        message: "permission denied".to_string(),
    };
    if cmd.contains('/') {
        let path = Path::new(cwd).join(cmd);
        return match look(root, &path)? {
            Found::Runnable => Ok(()),
            Found::NotRunnable => Err(not_runnable().into()),
            Found::Missing => Err(not_found("no such file or directory").into()),
        };
    }
    let path = env
        .iter()
        .rev()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(libpod_oci::DEFAULT_PATH.trim_start_matches("PATH="));
    let mut seen_unrunnable = false;
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        match look(root, &Path::new(dir).join(cmd))? {
            Found::Runnable => return Ok(()),
            Found::NotRunnable => seen_unrunnable = true,
            Found::Missing => {}
        }
    }
    if seen_unrunnable {
        Err(not_runnable().into())
    } else {
        Err(not_found("executable file not found in $PATH").into())
    }
}
