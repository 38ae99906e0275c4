//! OCI runtimes behind a small trait: how to invoke one. runc and crun share a command line,
//! so one implementation serves both; another runtime (youki, an in-process one) implements
//! the trait. crun cannot run on a cgroup v1 host that also mounts cgroup2 at
//! /sys/fs/cgroup/unified ("hybrid"); there we run it in a private mount namespace without that
//! mount, and say so.

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{OciError, Result, io};

/// How to run an OCI runtime with a runc-compatible command line.
pub trait OciRuntime: Send + Sync + Debug {
    /// Short name (`runc`, `crun`).
    fn name(&self) -> &str;
    /// The program to execute (the runtime, or a wrapper around it).
    fn program(&self) -> &Path;
    /// Arguments placed before the subcommand (`--root DIR`).
    fn global_args(&self) -> Vec<String>;
    /// How this runtime is run here and why, when that differs from the plain binary.
    fn note(&self) -> Option<&str>;
    /// Whether the runtime may still hold state for `id`; `false` lets callers skip a process
    /// spawn that could only answer "does not exist".
    fn has_state(&self, id: &str) -> bool {
        let _ = id;
        true
    }
    /// A command for `subcommand`, with the global arguments.
    fn command(&self, subcommand: &str) -> Command {
        let mut c = Command::new(self.program());
        c.args(self.global_args())
            .arg(subcommand)
            .stdin(Stdio::null());
        clear_signal_mask(&mut c);
        c
    }
}

/// runc, crun, or any runtime with their command line.
#[derive(Debug, Clone)]
pub struct RuncCompatible {
    name: String,
    binary: PathBuf,
    program: PathBuf,
    state_root: PathBuf,
    note: Option<String>,
}

/// True on a cgroup v1 host with cgroup2 also mounted at /sys/fs/cgroup/unified.
pub fn hybrid_cgroups() -> bool {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    info.lines()
        .any(|l| l.split(' ').nth(4) == Some("/sys/fs/cgroup/unified") && l.contains(" - cgroup2 "))
}

/// The cgroup version of the host: 2 for a pure cgroup2 hierarchy, else 1.
pub fn cgroup_version() -> u8 {
    match nix::sys::statfs::statfs("/sys/fs/cgroup") {
        Ok(s) if s.filesystem_type().0 as u64 == 0x6367_7270 => 2,
        _ => 1,
    }
}

impl RuncCompatible {
    /// A runtime at `binary` keeping its state under `state_root` (never the host's default,
    /// so tests and runtimes with their own run root do not meet). `wrapper_dir` holds the
    /// crun wrapper when one is needed.
    pub fn new(name: &str, binary: &Path, state_root: &Path, wrapper_dir: &Path) -> Result<Self> {
        if !binary.is_file() {
            return Err(OciError::Spawn {
                program: binary.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let is_crun = name == "crun" || binary.file_name().is_some_and(|n| n == "crun");
        let (program, note) = if is_crun && hybrid_cgroups() {
            std::fs::create_dir_all(wrapper_dir).map_err(io(wrapper_dir))?;
            let w = wrapper_dir.join("crun-without-unified");
            let script = format!(
                "#!/bin/sh\n# crun refuses hybrid cgroups; hide the cgroup2 mount in a private mount namespace.\nexec unshare -m --propagation private /bin/sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec \"$0\" \"$@\"' {} \"$@\"\n",
                binary.display()
            );
            write_executable(&w, &script)?;
            (
                w,
                Some("crun on a hybrid cgroup host (cgroup v1 with cgroup2 at /sys/fs/cgroup/unified): run in a private mount namespace without the cgroup2 mount, as crun refuses hybrid mode".to_string()),
            )
        } else {
            (binary.to_path_buf(), None)
        };
        Ok(RuncCompatible {
            name: name.to_string(),
            binary: binary.to_path_buf(),
            program,
            state_root: state_root.to_path_buf(),
            note,
        })
    }

    /// The runtime's own binary (not a wrapper).
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// `runtime --version`'s first line.
    pub fn version(&self) -> String {
        version_line(&self.binary).unwrap_or_else(|| "unknown".into())
    }
}

/// The first line `binary --version` prints, if it runs.
pub fn version_line(binary: &Path) -> Option<String> {
    let o = Command::new(binary).arg("--version").output().ok()?;
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .map(String::from)
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

impl OciRuntime for RuncCompatible {
    fn name(&self) -> &str {
        &self.name
    }

    fn program(&self) -> &Path {
        &self.program
    }

    fn global_args(&self) -> Vec<String> {
        vec!["--root".into(), self.state_root.display().to_string()]
    }

    fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    fn has_state(&self, id: &str) -> bool {
        // runc and crun keep a container's state in `<root>/<id>`.
        self.state_root.join(id).exists()
    }
}

/// Gives the child an empty signal mask: a caller that blocks signals to proxy them (`run`'s
/// signal proxy) must not pass the block on to the runtime, conmon or the container.
pub fn clear_signal_mask(c: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: sigemptyset and sigprocmask are async-signal-safe; nothing else runs between
    // fork and exec.
    unsafe {
        c.pre_exec(|| {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            if libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
