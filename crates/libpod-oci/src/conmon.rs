//! Driving the OCI runtime through conmon, as libpod does: conmon is started with a sync pipe
//! and a start pipe, runs `runtime create`, reports the container pid (or the runtime's error)
//! on the sync pipe, then stays as the container's monitor, writing its log and, when it exits,
//! its exit code into the exit dir. Waiting for that is event-driven: inotify on the exit dir
//! and a pidfd on conmon, so a dead conmon is noticed at once.

use std::fs;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use nix::sys::signal::Signal;
use nix::unistd::pipe2;

use crate::error::{OciError, Result, io};
use crate::runtime::{OciRuntime, version_line};
use crate::types::RuntimeState;

/// Where conmon and the runtime keep a container's files.
#[derive(Debug, Clone)]
pub struct ContainerPaths {
    /// Bundle dir: `config.json`, pid files, the runtime's log, the attach socket.
    pub bundle: PathBuf,
    /// The container's k8s-file log.
    pub log: PathBuf,
    /// Where conmon writes `<id>` with the exit code.
    pub exit_dir: PathBuf,
    /// conmon's persist dir (it writes `exit` there too).
    pub persist_dir: PathBuf,
    /// conmon's socket dir.
    pub socket_dir: PathBuf,
}

impl ContainerPaths {
    /// The usual layout for a container under a per-boot `run_dir` and a persistent `data_dir`.
    pub fn new(id: &str, run_dir: &Path, data_dir: &Path) -> Self {
        ContainerPaths {
            bundle: run_dir.join("containers").join(id),
            log: data_dir.join("containers").join(id).join("ctr.log"),
            exit_dir: run_dir.join("exits"),
            persist_dir: run_dir.join("persist").join(id),
            socket_dir: run_dir.join("socket"),
        }
    }

    fn pidfile(&self) -> PathBuf {
        self.bundle.join("pidfile")
    }

    fn conmon_pidfile(&self) -> PathBuf {
        self.bundle.join("conmon.pid")
    }

    fn runtime_log(&self) -> PathBuf {
        self.bundle.join("oci-log")
    }
}

/// How to start a container under conmon.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Container ID.
    pub id: String,
    /// Container name (for conmon's logs).
    pub name: String,
    /// Allocate a terminal.
    pub terminal: bool,
    /// Keep stdin open for attach.
    pub stdin: bool,
    /// Largest log in bytes.
    pub log_size_max: Option<u64>,
    /// Where the output goes: `k8s-file` (with the log's path), `none`, `passthrough` or
    /// `journald`, as conmon's `-l` takes them.
    pub log_driver: String,
    /// The k8s-file log's path, if not the default.
    pub log_path: Option<PathBuf>,
    /// A tag for the log (`--log-tag`).
    pub log_tag: Option<String>,
    /// Kill the container after this many seconds (`--timeout`).
    pub timeout: Option<u32>,
    /// A command conmon runs after the container exits, with its arguments.
    pub exit_command: Option<(PathBuf, Vec<String>)>,
    /// Skip conmon's fsync of the log when the container exits: for callers that delete the
    /// log with the container (`--rm`), where the sync only delays the exit file.
    pub skip_log_sync: bool,
    /// Pass this process's file descriptors 3 to 3+N-1 to the container (`--preserve-fds`);
    /// the caller has checked they are open and inheritable.
    pub preserve_fds: u32,
}

/// What `create` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    /// The container's init pid.
    pub pid: u32,
    /// conmon's pid.
    pub conmon_pid: u32,
}

/// Runs containers with an OCI runtime under conmon.
#[derive(Debug, Clone)]
pub struct Executor {
    runtime: Arc<dyn OciRuntime>,
    conmon: PathBuf,
    conmon_env: Vec<String>,
    no_pivot: bool,
}

/// The runtime's error text from its stderr (`msg="..."` when it logs in text form).
fn runtime_message(stderr: &[u8]) -> String {
    let s = String::from_utf8_lossy(stderr);
    let msgs: Vec<String> = s
        .lines()
        .filter_map(|l| {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
                return v["msg"].as_str().map(String::from);
            }
            match l.split_once("msg=") {
                Some((_, m)) => Some(m.trim().trim_matches('"').replace("\\\"", "\"")),
                None => Some(l.trim().to_string()).filter(|l| !l.is_empty()),
            }
        })
        .collect();
    msgs.join("; ")
}

/// Errors the runtime wrote to its JSON log (`--log-format=json --log=FILE`).
fn runtime_log_errors(path: &Path) -> String {
    let Ok(text) = fs::read_to_string(path) else {
        return String::new();
    };
    let v: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| matches!(v["level"].as_str(), Some("error" | "fatal")))
        .filter_map(|v| v["msg"].as_str().map(String::from))
        .collect();
    v.join("; ")
}

/// Reads conmon's first sync message (one JSON line). conmon keeps the pipe open while the
/// container lives, so reading to EOF would block until it exits.
fn read_sync_message(mut pipe: fs::File) -> Option<serde_json::Value> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.iter().position(|b| *b == b'\n') {
            return serde_json::from_slice(&buf[..end]).ok();
        }
        match pipe.read(&mut chunk) {
            Ok(0) => return serde_json::from_slice(&buf).ok(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Duplicates `fd` at or above 10 (close-on-exec), so the child can move it to 3 or 4
/// without clobbering the other.
fn high_fd(fd: &OwnedFd) -> Result<OwnedFd> {
    let n = fcntl(fd.as_fd(), FcntlArg::F_DUPFD_CLOEXEC(10)).map_err(|e| OciError::Sys {
        op: "dup".into(),
        source: e,
    })?;
    // SAFETY: fcntl returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(n) })
}

/// Waits up to `d` for `fd` (a pidfd, an inotify instance, ...) to become readable; true
/// if it did.
pub fn readable_within(fd: BorrowedFd<'_>, d: Duration) -> bool {
    let ms = i32::try_from(d.as_millis()).unwrap_or(i32::MAX);
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    matches!(
        poll(&mut fds, PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)),
        Ok(n) if n > 0
    )
}

/// A pidfd for `pid` (readable once the process ends), `None` when it is gone.
pub fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = RawFd::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: the syscall returned a new descriptor that nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// True while `pid` exists (and is not a zombie).
pub fn pid_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

/// Reads a container's exit code from the exit dir, if it has exited.
pub fn read_exit_code(exit_dir: &Path, id: &str) -> Option<i32> {
    fs::read_to_string(exit_dir.join(id))
        .ok()?
        .trim()
        .parse()
        .ok()
}

impl Executor {
    /// An executor for `runtime`, with conmon at `conmon` given `conmon_env`.
    pub fn new(
        runtime: Arc<dyn OciRuntime>,
        conmon: &Path,
        conmon_env: Vec<String>,
        no_pivot: bool,
    ) -> Result<Self> {
        if !conmon.is_file() {
            return Err(OciError::Spawn {
                program: conmon.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        Ok(Executor {
            runtime,
            conmon: conmon.to_path_buf(),
            conmon_env,
            no_pivot,
        })
    }

    /// The runtime.
    pub fn runtime(&self) -> &dyn OciRuntime {
        self.runtime.as_ref()
    }

    /// `conmon --version`'s first line.
    pub fn conmon_version(&self) -> String {
        version_line(&self.conmon).unwrap_or_else(|| "unknown".into())
    }

    pub(crate) fn run(&self, op: &'static str, id: &str, args: &[&str]) -> Result<Vec<u8>> {
        let mut c = self.runtime.command(op);
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = std::time::Instant::now();
        let out = c.output().map_err(|source| OciError::Spawn {
            program: self.runtime.program().to_path_buf(),
            source,
        })?;
        tracing::debug!(
            runtime = self.runtime.name(),
            op,
            container = id,
            args = ?c.get_args().collect::<Vec<_>>(),
            status = out.status.code(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "OCI runtime call"
        );
        if !out.status.success() {
            return Err(OciError::Runtime {
                runtime: self.runtime.name().into(),
                op,
                id: id.into(),
                message: runtime_message(&out.stderr),
            });
        }
        Ok(out.stdout)
    }

    /// Creates the container (bundle already written) under a new conmon.
    pub fn create(&self, paths: &ContainerPaths, o: &CreateOptions) -> Result<Created> {
        for d in [&paths.exit_dir, &paths.persist_dir, &paths.socket_dir] {
            libpod_fs::host::private_dir(d).map_err(|e| OciError::Spec(e.to_string()))?;
        }
        if let Some(dir) = paths.log.parent() {
            libpod_fs::host::private_dir(dir).map_err(|e| OciError::Spec(e.to_string()))?;
        }
        for f in [
            paths.pidfile(),
            paths.conmon_pidfile(),
            paths.runtime_log(),
            paths.exit_dir.join(&o.id),
        ] {
            let _ = fs::remove_file(f);
        }
        let sys = |op: &str| {
            let op = op.to_string();
            move |source| OciError::Sys { op, source }
        };
        let (sync_r, sync_w) = pipe2(OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
        let (start_r, start_w) = pipe2(OFlag::O_CLOEXEC).map_err(sys("pipe"))?;
        let (sync_child, start_child) = (high_fd(&sync_w)?, high_fd(&start_r)?);
        drop((sync_w, start_r));

        let mut c = Command::new(&self.conmon);
        c.args([
            "--api-version",
            "1",
            "-c",
            &o.id,
            "-u",
            &o.id,
            "-n",
            &o.name,
        ])
        .arg("-r")
        .arg(self.runtime.program())
        .arg("-b")
        .arg(&paths.bundle)
        .arg("-p")
        .arg(paths.pidfile())
        .arg("-P")
        .arg(paths.conmon_pidfile())
        .arg("--exit-dir")
        .arg(&paths.exit_dir)
        .arg("--persist-dir")
        .arg(&paths.persist_dir)
        .arg("-l")
        .arg(match o.log_driver.as_str() {
            "" | "k8s-file" => format!(
                "k8s-file:{}",
                o.log_path.as_deref().unwrap_or(&paths.log).display()
            ),
            other => other.to_string(),
        })
        .args(["--log-level", "warning", "--full-attach"])
        .arg("--socket-dir-path")
        .arg(&paths.socket_dir);
        for a in self.runtime.global_args() {
            c.arg("--runtime-arg").arg(a);
        }
        c.arg("--runtime-arg").arg("--log-format=json");
        c.arg("--runtime-arg")
            .arg(format!("--log={}", paths.runtime_log().display()));
        if let Some(n) = o.log_size_max {
            c.arg("--log-size-max").arg(n.to_string());
        }
        if let Some(t) = &o.log_tag {
            c.arg("--log-tag").arg(t);
        }
        if let Some(t) = o.timeout {
            c.arg(format!("--timeout={t}"));
        }
        if o.terminal {
            c.arg("-t");
        }
        if o.stdin {
            // Without --leave-stdin-open: when the attached client's input ends (it
            // half-closes the socket), conmon closes the container's stdin, so `cat` ends.
            c.arg("-i");
        }
        if o.skip_log_sync {
            c.arg("--no-sync-log");
        }
        if self.no_pivot {
            c.arg("--no-pivot");
        }
        if let Some((cmd, args)) = &o.exit_command {
            c.arg("--exit-command").arg(cmd);
            for a in args {
                c.arg("--exit-command-arg").arg(a);
            }
        }
        c.env_clear();
        for kv in &self.conmon_env {
            if let Some((k, v)) = kv.split_once('=') {
                c.env(k, v);
            }
        }
        // The preserved descriptors keep 3.., conmon's pipes come after them.
        let n = o.preserve_fds as i32;
        if n > 0 {
            // conmon hands runtime options to `runc create` (its own option list has none).
            c.args(["--runtime-opt", "--preserve-fds", "--runtime-opt"])
                .arg(n.to_string());
        }
        c.env("_OCI_SYNCPIPE", (3 + n).to_string())
            .env("_OCI_STARTPIPE", (4 + n).to_string());
        if o.log_driver == "passthrough" {
            // The container's output (and input, with `-i`) is ours, as podman passes its
            // own to conmon: no log, no attach socket traffic.
            c.stdin(if o.stdin {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        } else {
            c.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
        }
        crate::runtime::clear_signal_mask(&mut c);
        let (sc, st) = (sync_child.as_raw_fd(), start_child.as_raw_fd());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            c.pre_exec(move || {
                if libc::dup2(sc, 3 + n) < 0 || libc::dup2(st, 4 + n) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let started = std::time::Instant::now();
        tracing::debug!(
            conmon = %self.conmon.display(),
            args = ?c.get_args().collect::<Vec<_>>(),
            "starting conmon"
        );
        let mut child = c.spawn().map_err(|source| OciError::Spawn {
            program: self.conmon.clone(),
            source,
        })?;
        drop((sync_child, start_child));
        // conmon waits for this byte before it forks and runs `runtime create`.
        let mut start = fs::File::from(start_w);
        let _ = start.write_all(&[0]);
        drop(start);
        let status = child.wait().map_err(io(&self.conmon))?;
        let parsed = read_sync_message(fs::File::from(sync_r));
        tracing::debug!(
            ms = started.elapsed().as_secs_f64() * 1e3,
            sync = ?parsed,
            "conmon and runtime create done"
        );
        let pid = parsed
            .as_ref()
            .and_then(|v| v["data"].as_i64())
            .unwrap_or(-1);
        if pid <= 0 {
            let conmon_msg = parsed
                .as_ref()
                .and_then(|v| v["message"].as_str())
                .unwrap_or("")
                .to_string();
            let runtime_msg = runtime_log_errors(&paths.runtime_log());
            let mut parts: Vec<String> = Vec::new();
            for m in [runtime_msg, conmon_msg] {
                let m = m.trim().to_string();
                // conmon often repeats the runtime's own message: say it once.
                if !m.is_empty()
                    && !parts
                        .iter()
                        .any(|p| p.contains(&m) || m.contains(p.as_str()))
                {
                    parts.push(m);
                }
            }
            let message = parts.join("; ");
            let message = if message.is_empty() {
                format!("conmon exited with {status} without a container")
            } else {
                message
            };
            // A half-made runtime container must not linger.
            let _ = self.run("delete", &o.id, &["--force", &o.id]);
            return Err(classify_create_error(self.runtime.name(), &o.id, message));
        }
        let conmon_pid = fs::read_to_string(paths.conmon_pidfile())
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        Ok(Created {
            pid: u32::try_from(pid).unwrap_or(0),
            conmon_pid,
        })
    }

    /// Starts a created container.
    pub fn start(&self, id: &str) -> Result<()> {
        self.run("start", id, &[id]).map(drop)
    }

    /// The runtime's view of the container; `None` when it does not know it.
    pub fn state(&self, id: &str) -> Result<Option<RuntimeState>> {
        match self.run("state", id, &[id]) {
            Ok(out) => {
                let v: serde_json::Value =
                    serde_json::from_slice(&out).map_err(|e| OciError::Runtime {
                        runtime: self.runtime.name().into(),
                        op: "state",
                        id: id.into(),
                        message: e.to_string(),
                    })?;
                Ok(Some(RuntimeState {
                    status: v["status"].as_str().unwrap_or("unknown").to_string(),
                    pid: v["pid"]
                        .as_u64()
                        .and_then(|p| u32::try_from(p).ok())
                        .filter(|p| *p > 0),
                }))
            }
            Err(OciError::Runtime { message, .. })
                if message.contains("does not exist") || message.contains("not exist") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Sends `signal` to the container's init (every process with `all`).
    pub fn kill(&self, id: &str, signal: i32, all: bool) -> Result<()> {
        let sig = signal.to_string();
        let mut args = vec![];
        if all {
            args.push("--all");
        }
        args.push(id);
        args.push(&sig);
        self.run("kill", id, &args).map(drop)
    }

    /// Freezes the container.
    pub fn pause(&self, id: &str) -> Result<()> {
        self.run("pause", id, &[id]).map(drop)
    }

    /// Thaws the container.
    pub fn unpause(&self, id: &str) -> Result<()> {
        self.run("resume", id, &[id]).map(drop)
    }

    /// Deletes the container from the runtime (`force` kills it first); unknown is not an error.
    pub fn delete(&self, id: &str, force: bool) -> Result<()> {
        if !self.runtime.has_state(id) {
            return Ok(());
        }
        let args: Vec<&str> = if force { vec!["--force", id] } else { vec![id] };
        match self.run("delete", id, &args) {
            Err(OciError::Runtime { message, .. })
                if message.contains("does not exist") || message.contains("not exist") =>
            {
                Ok(())
            }
            other => other.map(drop),
        }
    }

    /// Waits for the container to exit and returns its exit code (128 + signal for a signal).
    /// Event-driven: wakes on the exit file appearing or on conmon exiting.
    pub fn wait(
        &self,
        id: &str,
        paths: &ContainerPaths,
        conmon_pid: u32,
        timeout: Option<Duration>,
    ) -> Result<i32> {
        wait_exit(id, &paths.exit_dir, Pids::read(paths, conmon_pid), timeout)
    }

    /// Stops the container: `signal`, then SIGKILL after `timeout`; returns its exit code.
    pub fn stop(
        &self,
        id: &str,
        paths: &ContainerPaths,
        conmon_pid: u32,
        signal: i32,
        timeout: Duration,
    ) -> Result<i32> {
        if let Some(code) = read_exit_code(&paths.exit_dir, id) {
            return Ok(code);
        }
        if !timeout.is_zero() {
            match self.kill(id, signal, false) {
                Ok(()) => {}
                // Already gone: fall through to waiting for conmon's exit file.
                Err(OciError::Runtime { .. }) => {}
                Err(e) => return Err(e),
            }
            match wait_exit(
                id,
                &paths.exit_dir,
                Pids::read(paths, conmon_pid),
                Some(timeout),
            ) {
                Ok(code) => return Ok(code),
                Err(OciError::Timeout { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let _ = self.kill(id, Signal::SIGKILL as i32, true);
        wait_exit(
            id,
            &paths.exit_dir,
            Pids::read(paths, conmon_pid),
            Some(Duration::from_secs(30)),
        )
    }

    /// Runs a process in a running container (`runtime exec --process FILE`), with `stdio`
    /// attached; returns its exit code. The process spec file is written into `bundle`.
    pub fn exec(
        &self,
        id: &str,
        bundle: &Path,
        process: &oci_spec::runtime::Process,
        stdio: [Stdio; 3],
    ) -> Result<i32> {
        Ok(self
            .exec_timeout(id, bundle, process, stdio, None)?
            .unwrap_or(137))
    }

    /// `exec`, killing the process (SIGKILL) if it runs longer than `timeout`: `None` then.
    pub fn exec_timeout(
        &self,
        id: &str,
        bundle: &Path,
        process: &oci_spec::runtime::Process,
        stdio: [Stdio; 3],
        timeout: Option<Duration>,
    ) -> Result<Option<i32>> {
        // Unique per call: several threads of one process may exec at once.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tag = format!("{}-{n}", std::process::id());
        let file = bundle.join(format!("exec-{tag}.json"));
        let pid_file = bundle.join(format!("exec-{tag}.pid"));
        let json = serde_json::to_vec(process).map_err(|e| OciError::Spec(e.to_string()))?;
        fs::write(&file, json).map_err(io(&file))?;
        let [i, o, e] = stdio;
        let mut c = self.runtime.command("exec");
        c.arg("--process").arg(&file);
        // Only a timed exec needs the process's PID (to kill it).
        if timeout.is_some() {
            c.arg("--pid-file").arg(&pid_file);
        }
        c.arg(id).stdin(i).stdout(o).stderr(e);
        let started = std::time::Instant::now();
        let status = c
            .spawn()
            .map_err(|source| OciError::Spawn {
                program: self.runtime.program().to_path_buf(),
                source,
            })
            .and_then(|child| wait_or_kill(child, &pid_file, timeout));
        tracing::debug!(
            runtime = self.runtime.name(),
            container = id,
            args = ?c.get_args().collect::<Vec<_>>(),
            ms = started.elapsed().as_secs_f64() * 1e3,
            "OCI runtime exec"
        );
        let _ = fs::remove_file(&file);
        let _ = fs::remove_file(&pid_file);
        Ok(status?.map(|status| {
            status.code().unwrap_or_else(|| {
                128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
            })
        }))
    }
}

/// Waits for an exec'd runtime process; past `timeout`, kills the process it started (named
/// in `pid_file`) and then it: `None` then.
fn wait_or_kill(
    mut child: std::process::Child,
    pid_file: &Path,
    timeout: Option<Duration>,
) -> Result<Option<std::process::ExitStatus>> {
    let io_err = |source| OciError::Io {
        path: pid_file.to_path_buf(),
        source,
    };
    let Some(timeout) = timeout else {
        return child.wait().map(Some).map_err(io_err);
    };
    if pidfd_open(child.id()).is_some_and(|fd| readable_within(fd.as_fd(), timeout)) {
        return child.wait().map(Some).map_err(io_err);
    }
    if let Some(pid) = fs::read_to_string(pid_file)
        .ok()
        .and_then(|p| p.trim().parse::<i32>().ok())
    {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(None)
}

/// A failed create, as podman reports it: 127 for a command not found, 126 for one that cannot
/// be executed.
fn classify_create_error(runtime: &str, id: &str, message: String) -> OciError {
    let lower = message.to_lowercase();
    let command = message.split('"').nth(1).unwrap_or("").to_string();
    if lower.contains("executable file not found")
        || (lower.contains("exec") && lower.contains("no such file or directory"))
    {
        OciError::CommandNotFound { command, message }
    } else if lower.contains("permission denied") && lower.contains("exec") {
        OciError::CommandNotExecutable { command, message }
    } else {
        OciError::Runtime {
            runtime: runtime.into(),
            op: "create",
            id: id.into(),
            message,
        }
    }
}

/// The processes a wait for the exit file watches; 0 for one not known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pids {
    /// conmon's pid.
    pub conmon: u32,
    /// The container's init pid.
    pub container: u32,
}

impl Pids {
    /// The container's pid from the runtime's pidfile, with conmon's.
    pub fn read(paths: &ContainerPaths, conmon: u32) -> Pids {
        let container = fs::read_to_string(paths.pidfile())
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        Pids { conmon, container }
    }
}

/// Waits for `<exit_dir>/<id>`; fails fast if conmon dies without writing it.
///
/// With both pids known the wait is on pidfds, not inotify: closing an inotify instance waits
/// for the kernel's SRCU grace period (10-20 ms here), on the path of every `run --rm`. The
/// container's pidfd fires when its process ends; the exit file, which conmon writes just
/// after, is then looked for every millisecond (every 20 ms after two seconds). conmon's own
/// exit is no signal for the file: it exits only after its exit command, which may be waiting
/// for a lock our caller holds. Without the container's pid, inotify watches the file itself.
pub fn wait_exit(id: &str, exit_dir: &Path, pids: Pids, timeout: Option<Duration>) -> Result<i32> {
    let conmon_pid = pids.conmon;
    let sys = |op: &str| {
        let op = op.to_string();
        move |source| OciError::Sys { op, source }
    };
    fs::create_dir_all(exit_dir).map_err(io(exit_dir))?;
    let conmon_fd = if conmon_pid > 0 {
        pidfd_open(conmon_pid)
    } else {
        None
    };
    // `Some(None)`: the container's pid is known and its process already gone.
    let container_fd = (pids.container > 0).then(|| pidfd_open(pids.container));
    let mut looks_since_end: Option<u32> = match &container_fd {
        Some(None) => Some(0),
        _ => None,
    };
    let mut container_fd = container_fd.flatten();
    let ino = if container_fd.is_some() || looks_since_end.is_some() {
        None
    } else {
        let ino = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)
            .map_err(sys("inotify_init"))?;
        ino.add_watch(
            exit_dir,
            AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_MOVED_TO | AddWatchFlags::IN_CREATE,
        )
        .map_err(sys("inotify_add_watch"))?;
        Some(ino)
    };
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        // Checked after the watch exists, so an exit between the two is not missed.
        if let Some(code) = read_exit_code(exit_dir, id) {
            return Ok(code);
        }
        if conmon_pid > 0 && !pid_alive(conmon_pid) {
            // conmon writes the exit file before it exits: one last look, then give up.
            return read_exit_code(exit_dir, id).ok_or_else(|| OciError::Conmon {
                id: id.into(),
                message: format!("conmon (pid {conmon_pid}) exited without recording the container's exit code; it was killed or crashed"),
            });
        }
        let mut wait_ms: i32 = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(OciError::Timeout {
                        id: id.into(),
                        seconds: timeout.map_or(0, |t| t.as_secs()),
                    });
                }
                i32::try_from(left.as_millis().min(60_000)).unwrap_or(60_000)
            }
            None => 60_000,
        };
        if let Some(n) = looks_since_end.as_mut() {
            // The container has ended: the exit file is a moment away.
            wait_ms = wait_ms.min(if *n < 2000 { 1 } else { 20 });
            *n += 1;
        }
        let mut fds = Vec::new();
        for fd in [&conmon_fd, &container_fd].into_iter().flatten() {
            fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
        }
        if let Some(i) = &ino {
            fds.push(PollFd::new(i.as_fd(), PollFlags::POLLIN));
        }
        match poll(
            &mut fds,
            PollTimeout::try_from(wait_ms.max(1)).unwrap_or(PollTimeout::MAX),
        ) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(sys("poll")(e)),
        }
        let container_ended = container_fd.as_ref().is_some_and(|c| {
            let mut one = [PollFd::new(c.as_fd(), PollFlags::POLLIN)];
            poll(&mut one, PollTimeout::ZERO).is_ok_and(|n| n > 0)
        });
        if container_ended {
            container_fd = None;
            looks_since_end = Some(0);
        }
        if let Some(i) = &ino {
            let _ = i.read_events();
        }
    }
}
