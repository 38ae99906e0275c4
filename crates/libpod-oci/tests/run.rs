//! Real containers: runc (and crun) under conmon, with a busybox root filesystem. Needs root,
//! runc, conmon and busybox-static: skipped outside CI when missing, a failure in CI.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libpod_oci::{
    ContainerPaths, ContainerSpec, CreateOptions, Created, Executor, ImageDefaults, Limits,
    Namespace, OciError, RuncCompatible, UserMount, read_log,
};

fn require(what: &str, ok: bool) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI: {what} is required but missing (run `cargo xtask setup`)"
    );
    eprintln!("skipping: {what} is missing (run `cargo xtask setup`)");
    false
}

const BUSYBOX: &str = "/bin/busybox";

fn new_id() -> String {
    let mut b = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .expect("urandom");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A root filesystem with busybox and its applets.
fn make_rootfs(dir: &Path) {
    for d in [
        "bin",
        "etc",
        "tmp",
        "proc",
        "sys",
        "dev",
        "home/tester",
        "root",
    ] {
        fs::create_dir_all(dir.join(d)).expect("mkdir");
    }
    fs::set_permissions(dir.join("tmp"), fs::Permissions::from_mode(0o1777)).expect("chmod");
    fs::copy(BUSYBOX, dir.join("bin/busybox")).expect("copy busybox");
    for a in [
        "sh", "echo", "cat", "sleep", "true", "false", "id", "hostname", "pwd", "env", "ls",
        "touch", "kill", "printf",
    ] {
        std::os::unix::fs::symlink("busybox", dir.join("bin").join(a)).expect("symlink");
    }
    fs::write(
        dir.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000::/home/tester:/bin/sh\n",
    )
    .expect("passwd");
    fs::write(
        dir.join("etc/group"),
        "root:x:0:\ntester:x:1000:\nwheel:x:10:tester\n",
    )
    .expect("group");
    fs::write(dir.join("notexec"), "plain file").expect("write");
}

/// One test's world: its own run root, runtime state dir, rootfs and containers, all removed
/// (containers force-deleted) when it ends, pass or fail.
struct Ctx {
    dir: tempfile::TempDir,
    exec: Executor,
    rootfs: PathBuf,
    ids: Mutex<Vec<String>>,
}

impl Drop for Ctx {
    fn drop(&mut self) {
        for id in self.ids.lock().map(|v| v.clone()).unwrap_or_default() {
            let _ = self.exec.delete(&id, true);
        }
    }
}

fn ctx_with(runtime: &str) -> Option<Ctx> {
    let root = nix::unistd::geteuid().is_root();
    let bin = PathBuf::from(if runtime == "crun" {
        "/usr/bin/crun"
    } else {
        "/usr/sbin/runc"
    });
    if !(require("root", root)
        && require(runtime, bin.exists())
        && require("conmon", Path::new("/usr/bin/conmon").exists())
        && require("busybox-static", Path::new(BUSYBOX).exists()))
    {
        return None;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let rt = RuncCompatible::new(
        runtime,
        &bin,
        &dir.path().join("runtime"),
        &dir.path().join("wrappers"),
    )
    .expect("runtime");
    let exec = Executor::new(
        Arc::new(rt),
        Path::new("/usr/bin/conmon"),
        vec![libpod_oci::DEFAULT_PATH.to_string()],
        false,
    )
    .expect("executor");
    let rootfs = dir.path().join("rootfs");
    make_rootfs(&rootfs);
    Some(Ctx {
        dir,
        exec,
        rootfs,
        ids: Mutex::new(Vec::new()),
    })
}

fn ctx() -> Option<Ctx> {
    ctx_with("runc")
}

impl Ctx {
    fn spec(&self, cmd: &[&str]) -> ContainerSpec {
        ContainerSpec {
            id: new_id(),
            rootfs: self.rootfs.clone(),
            command: cmd.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn paths(&self, id: &str) -> ContainerPaths {
        ContainerPaths::new(
            id,
            &self.dir.path().join("run"),
            &self.dir.path().join("data"),
        )
    }

    fn create(&self, spec: &ContainerSpec) -> Result<Created, OciError> {
        let paths = self.paths(&spec.id);
        libpod_oci::write_bundle(&paths.bundle, &libpod_oci::generate(spec)?)?;
        self.ids.lock().expect("ids").push(spec.id.clone());
        self.exec.create(
            &paths,
            &CreateOptions {
                id: spec.id.clone(),
                name: "test".into(),
                ..Default::default()
            },
        )
    }

    fn start(&self, spec: &ContainerSpec) -> Created {
        let c = self.create(spec).expect("create");
        self.exec.start(&spec.id).expect("start");
        c
    }

    /// Runs to completion; returns the exit code and the log's lines as `stream:text`.
    fn run(&self, spec: &ContainerSpec) -> (i32, Vec<String>) {
        let c = self.start(spec);
        let code = self
            .exec
            .wait(
                &spec.id,
                &self.paths(&spec.id),
                c.conmon_pid,
                Some(Duration::from_secs(30)),
            )
            .expect("wait");
        self.exec.delete(&spec.id, false).expect("delete");
        let log = read_log(&self.paths(&spec.id).log).expect("log");
        (
            code,
            log.into_iter()
                .map(|l| format!("{}:{}", l.stream, l.text))
                .collect(),
        )
    }
}

#[test]
fn exit_codes_and_logs_with_stdout_and_stderr() {
    let Some(c) = ctx() else { return };
    assert_eq!(c.run(&c.spec(&["/bin/true"])).0, 0);
    let (code, log) =
        c.run(&c.spec(&["sh", "-c", "echo out; echo err >&2; printf partial; exit 3"]));
    assert_eq!(code, 3);
    assert!(
        log.contains(&"stdout:out".to_string()) && log.contains(&"stderr:err".to_string()),
        "{log:?}"
    );
    assert!(
        log.contains(&"stdout:partial".to_string()),
        "a line without newline is kept: {log:?}"
    );
}

#[test]
fn env_workdir_user_and_hostname() {
    let Some(c) = ctx() else { return };
    let mut s = c.spec(&[
        "sh",
        "-c",
        "echo $FOO $IMG; pwd; id -u; id -g; id -G; hostname; echo $HOME $container",
    ]);
    s.image = ImageDefaults {
        env: vec!["IMG=image".into(), "FOO=from-image".into()],
        ..Default::default()
    };
    s.env = vec!["FOO=bar".into()];
    s.workdir = Some("/tmp".into());
    s.user = Some("tester".into());
    s.hostname = Some("myhost".into());
    let (code, log) = c.run(&s);
    assert_eq!(code, 0, "{log:?}");
    assert_eq!(
        log,
        [
            "stdout:bar image",
            "stdout:/tmp",
            "stdout:1000",
            "stdout:1000",
            "stdout:1000 10",
            "stdout:myhost",
            "stdout:/home/tester podman"
        ]
    );
    let mut s = c.spec(&["id", "-u"]);
    s.user = Some("nobody".into());
    let e = c.create(&s).expect_err("unknown user");
    assert!(e.to_string().contains("unable to find user nobody"), "{e}");
}

#[test]
fn entrypoint_and_command_follow_podman_rules() {
    let Some(c) = ctx() else { return };
    let image = ImageDefaults {
        entrypoint: Some(vec!["echo".into(), "img".into()]),
        cmd: Some(vec!["default".into()]),
        ..Default::default()
    };
    let mut s = c.spec(&[]);
    s.image = image.clone();
    assert_eq!(c.run(&s).1, ["stdout:img default"]);
    let mut s = c.spec(&["given"]);
    s.image = image.clone();
    assert_eq!(c.run(&s).1, ["stdout:img given"]);
    let mut s = c.spec(&[]);
    s.image = image;
    s.entrypoint = Some(vec!["echo".into(), "override".into()]);
    assert_eq!(
        c.run(&s).1,
        ["stdout:override"],
        "an entrypoint override drops the image's command"
    );
    assert!(matches!(
        libpod_oci::generate(&c.spec(&[])),
        Err(OciError::NoCommand)
    ));
}

#[test]
fn bind_tmpfs_and_etc_mounts_and_read_only_root() {
    let Some(c) = ctx() else { return };
    let host = c.dir.path().join("hostdir");
    fs::create_dir(&host).expect("mkdir");
    // A whole line: conmon may log a line without its newline apart from the next, or not.
    fs::write(host.join("data"), "from host\n").expect("write");
    let hosts = c.dir.path().join("hosts");
    fs::write(&hosts, "127.0.0.1 localhost\n10.0.0.9 special\n").expect("hosts");
    let mut s = c.spec(&["sh", "-c", "cat /data/data; echo x > /data/new && echo wrote; echo y > /scratch/f && cat /scratch/f; cat /etc/hosts | grep special; touch /rootfile || echo rootro"]);
    s.mounts = vec![
        UserMount::Bind {
            source: host.clone(),
            destination: "/data".into(),
            read_only: true,
            options: Vec::new(),
        },
        UserMount::Tmpfs {
            destination: "/scratch".into(),
            options: vec!["size=1m".into()],
        },
    ];
    s.etc_files = vec![(hosts, "/etc/hosts".into())];
    s.read_only = true;
    let (_, log) = c.run(&s);
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("stdout:"))
            .cloned()
            .collect::<Vec<_>>(),
        [
            "stdout:from host",
            "stdout:y",
            "stdout:10.0.0.9 special",
            "stdout:rootro"
        ],
        "{log:?}"
    );
    assert!(
        !host.join("new").exists(),
        "the read-only bind was not written"
    );
}

#[test]
fn rlimits_are_capped_and_cgroup_limits_apply() {
    let Some(c) = ctx() else { return };
    let hard = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .expect("rlimit")
        .1;
    let mut s = c.spec(&[
        "sh",
        "-c",
        "ulimit -n; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; cat /proc/self/oom_score_adj",
    ]);
    s.limits = Limits {
        memory: Some(64 << 20),
        pids: Some(50),
        cpu_shares: Some(512),
        oom_kill_disable: false,
        oom_score_adj: Some(300),
        ..Limits::default()
    };
    let (code, log) = c.run(&s);
    assert_eq!(code, 0, "{log:?}");
    assert_eq!(
        log,
        [
            format!("stdout:{}", hard.min(1_048_576)),
            "stdout:67108864".to_string(),
            "stdout:50".to_string(),
            "stdout:300".to_string()
        ]
    );
}

#[test]
fn stop_escalates_to_sigkill_after_the_timeout() {
    let Some(c) = ctx() else { return };
    // As PID 1 without a handler, sleep ignores SIGTERM: only SIGKILL ends it.
    let s = c.spec(&["sleep", "100"]);
    let cr = c.start(&s);
    let code = c
        .exec
        .stop(
            &s.id,
            &c.paths(&s.id),
            cr.conmon_pid,
            15,
            Duration::from_secs(1),
        )
        .expect("stop");
    assert_eq!(code, 137);
    c.exec.delete(&s.id, false).expect("delete");
    // A container that handles SIGTERM exits with its own code.
    let s = c.spec(&[
        "sh",
        "-c",
        "trap 'exit 7' TERM; while true; do sleep 0.1; done",
    ]);
    let cr = c.start(&s);
    std::thread::sleep(Duration::from_millis(200)); // let the shell install its trap
    let code = c
        .exec
        .stop(
            &s.id,
            &c.paths(&s.id),
            cr.conmon_pid,
            15,
            Duration::from_secs(10),
        )
        .expect("stop");
    assert_eq!(code, 7);
}

#[test]
fn kill_pause_unpause_and_state() {
    let Some(c) = ctx() else { return };
    let s = c.spec(&["sleep", "100"]);
    let cr = c.start(&s);
    assert_eq!(
        c.exec.state(&s.id).expect("state").map(|s| s.status),
        Some("running".into())
    );
    c.exec.pause(&s.id).expect("pause");
    assert_eq!(
        c.exec.state(&s.id).expect("state").map(|s| s.status),
        Some("paused".into())
    );
    c.exec.unpause(&s.id).expect("unpause");
    assert_eq!(
        c.exec.state(&s.id).expect("state").map(|s| s.status),
        Some("running".into())
    );
    c.exec.kill(&s.id, 9, false).expect("kill");
    assert_eq!(
        c.exec
            .wait(
                &s.id,
                &c.paths(&s.id),
                cr.conmon_pid,
                Some(Duration::from_secs(10))
            )
            .expect("wait"),
        137
    );
    c.exec.delete(&s.id, false).expect("delete");
    assert_eq!(c.exec.state(&s.id).expect("state"), None);
    let e = c.exec.kill(&s.id, 9, false).expect_err("gone");
    assert!(matches!(e, OciError::Runtime { .. }), "{e}");
}

#[test]
fn exec_runs_a_process_with_its_own_exit_code_and_output() {
    let Some(c) = ctx() else { return };
    let s = c.spec(&["sleep", "100"]);
    c.start(&s);
    let spec =
        libpod_oci::generate(&c.spec(&["sh", "-c", "echo in-container $(hostname); exit 4"]))
            .expect("spec");
    let mut process = spec.process().clone().expect("process");
    process.set_terminal(Some(false));
    let out = c.dir.path().join("exec.out");
    let f = fs::File::create(&out).expect("out");
    let code = c
        .exec
        .exec(
            &s.id,
            &c.paths(&s.id).bundle,
            &process,
            [Stdio::null(), Stdio::from(f), Stdio::null()],
        )
        .expect("exec");
    assert_eq!(code, 4);
    assert_eq!(
        fs::read_to_string(&out).expect("read"),
        format!("in-container {}\n", &s.id[..12])
    );
}

#[test]
fn missing_and_unrunnable_commands_exit_127_and_126() {
    let Some(c) = ctx() else { return };
    let e = c
        .create(&c.spec(&["/bin/no-such-command"]))
        .expect_err("missing");
    assert_eq!(e.exit_code(), 127, "{e}");
    let e = c
        .create(&c.spec(&["/notexec"]))
        .expect_err("not executable");
    assert_eq!(e.exit_code(), 126, "{e}");
    assert!(e.to_string().contains("/notexec"), "{e}");
}

#[test]
fn missing_binaries_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let e = RuncCompatible::new(
        "runc",
        Path::new("/nonexistent/runc"),
        dir.path(),
        dir.path(),
    )
    .expect_err("runtime");
    assert!(
        e.to_string().contains("/nonexistent/runc") && e.to_string().contains("installed"),
        "{e}"
    );
    let rt =
        RuncCompatible::new("sh", Path::new("/bin/sh"), dir.path(), dir.path()).expect("any file");
    let e = Executor::new(
        Arc::new(rt),
        Path::new("/nonexistent/conmon"),
        vec![],
        false,
    )
    .expect_err("conmon");
    assert!(e.to_string().contains("/nonexistent/conmon"), "{e}");
}

#[test]
fn a_killed_conmon_is_noticed_and_delete_still_cleans_up() {
    let Some(c) = ctx() else { return };
    let s = c.spec(&["sleep", "100"]);
    let cr = c.start(&s);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(cr.conmon_pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill conmon");
    let e = c
        .exec
        .wait(
            &s.id,
            &c.paths(&s.id),
            cr.conmon_pid,
            Some(Duration::from_secs(20)),
        )
        .expect_err("no exit code");
    assert!(matches!(e, OciError::Conmon { .. }), "{e}");
    c.exec.delete(&s.id, true).expect("force delete");
    assert_eq!(c.exec.state(&s.id).expect("state"), None);
    assert!(
        !libpod_oci::pid_alive(cr.pid),
        "the container's process is gone"
    );
}

#[test]
fn no_conmon_or_container_process_outlives_its_container() {
    let Some(c) = ctx() else { return };
    let s = c.spec(&["sh", "-c", "sleep 0.2"]);
    let cr = c.start(&s);
    c.exec
        .wait(
            &s.id,
            &c.paths(&s.id),
            cr.conmon_pid,
            Some(Duration::from_secs(20)),
        )
        .expect("wait");
    c.exec.delete(&s.id, false).expect("delete");
    // conmon exits right after writing the exit file; it may linger as a zombie of PID 1.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while libpod_oci::pid_alive(cr.conmon_pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !libpod_oci::pid_alive(cr.conmon_pid),
        "conmon {} still running",
        cr.conmon_pid
    );
    let leftovers: Vec<String> = fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter_map(|e| fs::read(e.path().join("cmdline")).ok())
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .filter(|cmd| cmd.contains(&s.id))
        .collect();
    assert!(
        leftovers.is_empty(),
        "processes naming the container remain: {leftovers:?}"
    );
}

#[test]
fn generated_spec_has_podman_defaults() {
    let dir = tempfile::tempdir().expect("tmp");
    make_rootfs(dir.path());
    let mut s = ContainerSpec {
        id: "a".repeat(64),
        rootfs: dir.path().to_path_buf(),
        command: vec!["sh".into()],
        ..Default::default()
    };
    let spec = serde_json::to_value(libpod_oci::generate(&s).expect("spec")).expect("json");
    let caps = spec["process"]["capabilities"]["bounding"]
        .as_array()
        .expect("caps")
        .len();
    assert_eq!(caps, libpod_oci::DEFAULT_CAPABILITIES.len());
    assert!(
        spec["linux"]["maskedPaths"]
            .as_array()
            .is_some_and(|m| m.iter().any(|p| p == "/proc/kcore"))
    );
    assert_eq!(spec["hostname"], "aaaaaaaaaaaa");
    let ns: Vec<&str> = spec["linux"]["namespaces"]
        .as_array()
        .expect("ns")
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    for t in ["mount", "pid", "ipc", "uts", "network"] {
        assert!(ns.contains(&t), "{t} namespace missing: {ns:?}");
    }
    s.privileged = true;
    s.network = Namespace::Host;
    let spec = serde_json::to_value(libpod_oci::generate(&s).expect("spec")).expect("json");
    assert!(
        spec["process"]["capabilities"]["bounding"]
            .as_array()
            .expect("caps")
            .len()
            > 35
    );
    assert!(
        spec["linux"]["maskedPaths"]
            .as_array()
            .is_none_or(Vec::is_empty)
    );
    assert!(
        !spec["linux"]["namespaces"]
            .as_array()
            .expect("ns")
            .iter()
            .any(|n| n["type"] == "network")
    );
    s.uts = Namespace::Path("/proc/1/ns/uts".into());
    let spec = serde_json::to_value(libpod_oci::generate(&s).expect("spec")).expect("json");
    assert!(
        spec["hostname"].is_null(),
        "no hostname in a joined UTS namespace: {}",
        spec["hostname"]
    );
}

#[test]
fn seccomp_profile_is_converted_and_accepted() {
    let Some(c) = ctx() else { return };
    let profile = Path::new("/usr/share/containers/seccomp.json");
    if !require("the containers seccomp profile", profile.exists()) {
        return;
    }
    let mut s = c.spec(&["sh", "-c", "echo filtered"]);
    s.seccomp_profile = Some(profile.to_path_buf());
    let spec = serde_json::to_value(libpod_oci::generate(&s).expect("spec")).expect("json");
    assert_eq!(spec["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
    assert!(
        spec["linux"]["seccomp"]["syscalls"]
            .as_array()
            .is_some_and(|v| v.len() > 10)
    );
    if cfg!(target_arch = "x86_64") {
        let arches = &spec["linux"]["seccomp"]["architectures"];
        let has = |a: &str| arches.as_array().is_some_and(|v| v.iter().any(|x| x == a));
        assert!(has("SCMP_ARCH_X86_64") && has("SCMP_ARCH_X86"), "{arches}");
        // x32 rules only when this kernel runs x32 programs (the test runs unfiltered).
        // SAFETY: an argument-less getpid in the x32 ABI; ENOSYS when the ABI is off.
        let x32 = unsafe { libc::syscall(0x4000_0000 | libc::SYS_getpid) } >= 0;
        assert_eq!(has("SCMP_ARCH_X32"), x32, "{arches}");
    }
    assert_eq!(c.run(&s), (0, vec!["stdout:filtered".to_string()]));
    // The filter is in force in the container (mode 2: filter).
    let mut s = c.spec(&["sh", "-c", "grep Seccomp: /proc/self/status"]);
    s.seccomp_profile = Some(profile.to_path_buf());
    assert_eq!(c.run(&s), (0, vec!["stdout:Seccomp:\t2".to_string()]));
}

#[test]
fn crun_runs_too_and_says_how() {
    let Some(c) = ctx_with("crun") else { return };
    if libpod_oci::hybrid_cgroups() {
        assert!(
            c.exec
                .runtime()
                .note()
                .is_some_and(|n| n.contains("hybrid")),
            "the workaround is reported"
        );
    }
    let (code, log) = c.run(&c.spec(&["sh", "-c", "echo from crun; exit 5"]));
    assert_eq!((code, log), (5, vec!["stdout:from crun".to_string()]));
}

#[test]
fn attach_receives_output_and_logs_respect_their_size_limit() {
    let Some(c) = ctx() else { return };
    let s = c.spec(&["sh", "-c", "sleep 0.3; echo late-out; echo late-err >&2"]);
    let paths = c.paths(&s.id);
    libpod_oci::write_bundle(&paths.bundle, &libpod_oci::generate(&s).expect("spec"))
        .expect("bundle");
    c.ids.lock().expect("ids").push(s.id.clone());
    let cr = c
        .exec
        .create(
            &paths,
            &CreateOptions {
                id: s.id.clone(),
                name: "attach".into(),
                ..Default::default()
            },
        )
        .expect("create");
    let bundle = paths.bundle.clone();
    let reader = std::thread::spawn(move || {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        libpod_oci::attach(&bundle, None, &mut out, &mut err).expect("attach");
        (
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    });
    // Attached before start: nothing is missed.
    std::thread::sleep(Duration::from_millis(100));
    c.exec.start(&s.id).expect("start");
    assert_eq!(
        c.exec
            .wait(&s.id, &paths, cr.conmon_pid, Some(Duration::from_secs(20)))
            .expect("wait"),
        0
    );
    let (out, err) = reader.join().expect("reader");
    assert_eq!((out.as_str(), err.as_str()), ("late-out\n", "late-err\n"));

    let s = c.spec(&["sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"]);
    let paths = c.paths(&s.id);
    libpod_oci::write_bundle(&paths.bundle, &libpod_oci::generate(&s).expect("spec"))
        .expect("bundle");
    c.ids.lock().expect("ids").push(s.id.clone());
    let cr = c
        .exec
        .create(
            &paths,
            &CreateOptions {
                id: s.id.clone(),
                name: "big".into(),
                log_size_max: Some(8192),
                ..Default::default()
            },
        )
        .expect("create");
    c.exec.start(&s.id).expect("start");
    c.exec
        .wait(&s.id, &paths, cr.conmon_pid, Some(Duration::from_secs(20)))
        .expect("wait");
    let size = fs::metadata(&paths.log).expect("log").len();
    assert!(
        size <= 8192 + 256,
        "log of {size} bytes with a limit of 8192"
    );
    assert!(
        read_log(&paths.log)
            .expect("log")
            .iter()
            .any(|l| l.text.starts_with("line-1999")),
        "the newest lines are kept"
    );
}
