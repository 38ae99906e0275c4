//! The runtime against real runc, conmon and CNI, for each state backend.
#![cfg(all(feature = "sqlite", feature = "redb", feature = "cni"))]

mod common;

use std::process::Stdio;

use common::{Env, mounts_under, ready};
use libpod::config::StateBackend;
use libpod::state::{ContainerStatus as S, NetworkMode};
use libpod::{ExecOptions, LibpodError, LogOptions, PodOptions, PodRemoveOptions, PodStatus};

const BACKENDS: [StateBackend; 3] = [
    StateBackend::Memory,
    StateBackend::Sqlite,
    StateBackend::Redb,
];

#[test]
fn lifecycle_on_every_state_backend() {
    if !ready() {
        return;
    }
    for backend in BACKENDS {
        let e = Env::new(backend);
        let c =
            e.rt.create_container(e.opts(&["sh", "-c", "echo hello; echo oops >&2; exit 3"]))
                .expect("create");
        assert_eq!(c.state().expect("state").status, S::Configured);
        c.start().expect("start");
        assert_eq!(c.wait().expect("wait"), 3, "{backend}");
        let st = c.state().expect("state");
        assert_eq!((st.status, st.exit_code), (S::Exited, Some(3)));
        let logs: Vec<String> = c
            .logs(&LogOptions::default())
            .expect("logs")
            .into_iter()
            .map(|l| format!("{}:{}", l.stream, l.text))
            .collect();
        assert_eq!(logs, ["stdout:hello", "stderr:oops"]);
        // It can run again.
        c.start().expect("restart");
        assert_eq!(c.wait().expect("wait"), 3);
        let name = c.config().expect("cfg").name;
        assert_eq!(e.rt.container(&name).expect("by name").id(), c.id());
        c.remove(false).expect("remove");
        assert!(matches!(e.rt.container(&name), Err(LibpodError::State(_))));
        assert_eq!(
            e.rt.exit_code(c.id()).expect("exit code"),
            Some(3),
            "the exit code outlives the container"
        );
        assert!(
            e.rt.with_store(|s| s.containers())
                .expect("layers")
                .is_empty(),
            "{backend}: storage freed"
        );
        assert_eq!(mounts_under(&e.graph()), 0);
    }
}

#[test]
fn stop_kill_pause_exec_restart() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    let c =
        e.rt.create_container(e.opts(&["sleep", "1000"]))
            .expect("create");
    c.start().expect("start");
    assert_eq!(c.state().expect("state").status, S::Running);
    c.pause().expect("pause");
    assert_eq!(c.state().expect("state").status, S::Paused);
    assert!(matches!(c.pause(), Err(LibpodError::InvalidStatus { .. })));
    c.unpause().expect("unpause");
    let out = e.dir.path().join("exec.out");
    let code = c
        .exec(
            &["sh".into(), "-c".into(), "echo $X; id -u; exit 5".into()],
            &ExecOptions {
                env: vec!["X=exec".into()],
                user: Some("tester".into()),
                ..Default::default()
            },
            [
                Stdio::null(),
                Stdio::from(std::fs::File::create(&out).expect("out")),
                Stdio::null(),
            ],
        )
        .expect("exec");
    assert_eq!(code, 5);
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "exec\n1000\n");
    // sleep as PID 1 ignores SIGTERM: stop escalates to SIGKILL after the 1 s timeout.
    assert_eq!(c.stop(Some(1)).expect("stop"), Some(137));
    assert_eq!(c.state().expect("state").status, S::Exited);
    assert_eq!(
        c.stop(None).expect("stop again"),
        Some(137),
        "stopping a stopped container is fine"
    );
    c.restart(Some(1)).expect("restart");
    assert_eq!(c.state().expect("state").restart_count, 1);
    c.kill(9).expect("kill");
    assert_eq!(c.wait().expect("wait"), 137);
    assert!(matches!(c.kill(9), Err(LibpodError::InvalidStatus { .. })));
    let root = c.mount().expect("mount");
    assert!(root.join("bin/busybox").exists());
    c.unmount().expect("unmount");
    let mut tar = Vec::new();
    c.export(&mut tar).expect("export");
    assert!(tar.len() > 1_000_000);
    c.remove(false).expect("remove");
}

#[test]
fn names_are_checked_before_anything_is_allocated() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Redb);
    let mut o = e.opts(&["true"]);
    o.name = Some("web".into());
    e.rt.create_container(o.clone()).expect("first");
    let layers = e.rt.with_store(|s| s.containers()).expect("c").len();
    let err = e.rt.create_container(o).expect_err("duplicate");
    assert!(
        err.to_string().contains("\"web\" is already in use"),
        "{err}"
    );
    assert_eq!(
        e.rt.with_store(|s| s.containers()).expect("c").len(),
        layers,
        "no storage allocated"
    );
    let mut bad = e.opts(&["true"]);
    bad.image = "no-such-image".into();
    assert!(matches!(
        e.rt.create_container(bad),
        Err(LibpodError::Storage(_))
    ));
    let mut bad = e.opts(&["true"]);
    bad.name = Some("bad name".into());
    assert!(e.rt.create_container(bad).is_err());
    assert_eq!(e.rt.containers().expect("list").len(), 1);
}

#[test]
fn networks_default_none_and_container_modes() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    let a =
        e.rt.create_container(e.opts(&["sleep", "1000"]))
            .expect("a");
    a.start().expect("start a");
    let st = a.state().expect("state");
    let ip = st.networks[0].addresses[0].clone();
    assert!(ip.starts_with(&format!("10.231.{}.", e.k)), "{ip}");
    let mut o = e.opts(&[
        "sh",
        "-c",
        "ip -o -4 addr show eth0 | grep -o '10\\.231[0-9.]*'",
    ]);
    o.network = NetworkMode::Container(a.id().to_string());
    let b = e.rt.create_container(o).expect("b");
    b.start().expect("start b");
    assert_eq!(b.wait().expect("wait"), 0);
    let got = b.logs(&LogOptions::default()).expect("logs")[0]
        .text
        .clone();
    assert_eq!(
        got,
        ip.split('/').next().expect("ip"),
        "container: mode shares the namespace"
    );
    let mut o = e.opts(&["sh", "-c", "ip -o link | wc -l"]);
    o.network = NetworkMode::None;
    let n = e.rt.create_container(o).expect("none");
    n.start().expect("start none");
    n.wait().expect("wait");
    assert_eq!(
        n.logs(&LogOptions::default()).expect("logs")[0].text.trim(),
        "1",
        "loopback only"
    );
    b.remove(false).expect("rm b");
    a.remove(true).expect("rm a");
    assert_eq!(
        e.rt.with_networks(|n| n.users("testnet")).expect("users"),
        Vec::<String>::new(),
        "no attachment left"
    );
}

#[test]
fn pods_share_namespaces_through_their_infra_container() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    let pod =
        e.rt.create_pod(PodOptions {
            name: Some("p1".into()),
            hostname: Some("podhost".into()),
            ..Default::default()
        })
        .expect("pod");
    assert_eq!(pod.status().expect("status"), PodStatus::Created);
    let mut o = e.opts(&["sleep", "1000"]);
    o.pod = Some("p1".into());
    let m1 = e.rt.create_container(o.clone()).expect("m1");
    let mut o2 = e.opts(&[
        "sh",
        "-c",
        "hostname; ip -o -4 addr show eth0 | grep -o '10\\.231[0-9.]*' | head -1",
    ]);
    o2.pod = Some("p1".into());
    let m2 = e.rt.create_container(o2).expect("m2");
    pod.start().expect("start pod");
    m2.wait().expect("wait m2");
    let infra_ip = pod
        .containers()
        .expect("ctrs")
        .iter()
        .find(|(c, _)| c.is_infra)
        .expect("infra")
        .1
        .networks[0]
        .addresses[0]
        .clone();
    let logs: Vec<String> = m2
        .logs(&LogOptions::default())
        .expect("logs")
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(
        logs,
        [
            "podhost".to_string(),
            infra_ip.split('/').next().expect("ip").to_string()
        ]
    );
    assert_eq!(
        pod.status().expect("status"),
        PodStatus::Degraded,
        "m2 exited, m1 and infra run"
    );
    assert!(
        matches!(
            e.rt.container(pod.containers().expect("c")[0].0.id.as_str())
                .expect("infra")
                .remove(true),
            Err(LibpodError::State(_))
        ),
        "the infra container cannot go before its members"
    );
    pod.stop(Some(1)).expect("stop");
    assert_eq!(pod.status().expect("status"), PodStatus::Exited);
    assert!(
        matches!(
            pod.remove(&PodRemoveOptions {
                with_containers: false,
                ..Default::default()
            }),
            Err(LibpodError::State(_))
        ),
        "members block a plain removal"
    );
    pod.start().expect("start again");
    assert!(matches!(
        pod.remove(&PodRemoveOptions::default()),
        Err(LibpodError::Running { .. })
    ));
    pod.remove(&PodRemoveOptions {
        force: true,
        ..Default::default()
    })
    .expect("force remove with containers");
    assert!(e.rt.pods().expect("pods").is_empty());
    assert!(e.rt.containers().expect("ctrs").is_empty());
    let _ = m1;
    assert_eq!(mounts_under(&e.graph()), 0);
}

#[test]
fn a_reboot_refreshes_running_containers_to_exited_and_they_start_again() {
    if !ready() {
        return;
    }
    for backend in [StateBackend::Sqlite, StateBackend::Redb] {
        let e = Env::new(backend);
        let c =
            e.rt.create_container(e.opts(&["sleep", "1000"]))
                .expect("create");
        c.start().expect("start");
        let id = c.id().to_string();
        let tmp = e.rt.config().expect("cfg").tmp_dir;
        // Simulate a reboot: the alive file now records another boot.
        std::fs::write(tmp.join("alive"), "another-boot").expect("alive");
        let rt2 = common::builder(e.dir.path(), backend)
            .build()
            .expect("runtime after reboot");
        let c2 = rt2.container(&id).expect("still known");
        let st = c2.state().expect("state");
        assert_eq!(
            (st.status, st.pid, st.netns_path.clone()),
            (S::Exited, None, None),
            "{backend}"
        );
        c2.start().expect("starts again");
        assert_eq!(c2.state().expect("state").status, S::Running);
        c2.remove(true).expect("remove");
        rt2.shutdown(false).expect("shutdown");
    }
}

#[test]
fn shutdown_refuses_running_containers_unless_forced_then_everything_fails() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    let c =
        e.rt.create_container(e.opts(&["sleep", "1000"]))
            .expect("create");
    c.start().expect("start");
    assert!(matches!(
        e.rt.shutdown(false),
        Err(LibpodError::Running { .. })
    ));
    assert_eq!(c.state().expect("still usable").status, S::Running);
    e.rt.shutdown(true).expect("force");
    for r in [c.start().err(), e.rt.containers().err(), e.rt.info().err()] {
        assert!(matches!(r, Some(LibpodError::RuntimeStopped)), "{r:?}");
    }
    assert!(matches!(
        e.rt.shutdown(true),
        Err(LibpodError::RuntimeStopped)
    ));
    // The container was stopped before the state closed.
    let rt2 = common::builder(e.dir.path(), StateBackend::Sqlite)
        .build()
        .expect("reopen");
    assert_eq!(
        rt2.container(c.id())
            .expect("c")
            .state()
            .expect("state")
            .status,
        S::Exited
    );
    rt2.container(c.id()).expect("c").remove(false).expect("rm");
}

#[test]
fn failures_leave_nothing_behind() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Sqlite);
    let c =
        e.rt.create_container(e.opts(&["/no/such/command"]))
            .expect("create");
    let err = c.start().expect_err("missing command");
    assert_eq!(err.exit_code(), 127, "{err}");
    let st = c.state().expect("state");
    assert!(
        st.netns_path.is_none() && st.mount_point.is_none(),
        "{st:?}"
    );
    assert_eq!(mounts_under(&e.graph()), 0);
    assert!(
        e.rt.with_networks(|n| n.users("testnet"))
            .expect("users")
            .is_empty(),
        "network released"
    );
    c.remove(false).expect("remove");
    // A runtime naming a conmon that does not exist is refused at build.
    let d = tempfile::tempdir().expect("tmp");
    let err = common::builder(d.path(), StateBackend::Memory)
        .config(|c| c.conmon_paths(vec!["/nonexistent/conmon".into()]))
        .build()
        .expect_err("no conmon");
    assert!(err.to_string().contains("/nonexistent/conmon"), "{err}");
}

#[test]
fn info_reports_host_and_store() {
    if !ready() {
        return;
    }
    let e = Env::new(StateBackend::Redb);
    let i = e.rt.info().expect("info");
    assert_eq!(i.host.oci_runtime.name, "runc");
    assert!(
        i.host.oci_runtime.version.contains("runc"),
        "{:?}",
        i.host.oci_runtime
    );
    assert!(i.host.conmon.version.contains("conmon"));
    assert!(i.host.cpus >= 1 && i.host.mem_total > 0 && !i.host.kernel.is_empty());
    assert_eq!(
        (i.store.state_backend.as_str(), i.store.storage.images),
        ("redb", 1)
    );
    let j = serde_json::to_value(&i).expect("json");
    assert!(j["host"]["cgroupVersion"].is_number());
}

/// Unmounts a tmpfs when dropped, whatever the test did.
struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.0, nix::mount::MntFlags::MNT_DETACH);
    }
}

#[test]
fn a_full_graph_root_fails_cleanly_and_leaves_nothing() {
    if !ready() {
        return;
    }
    let d = tempfile::tempdir().expect("tmp");
    let small = d.path().join("small");
    std::fs::create_dir(&small).expect("mkdir");
    nix::mount::mount(
        Some("tmpfs"),
        &small,
        Some("tmpfs"),
        nix::mount::MsFlags::empty(),
        Some("size=3m"),
    )
    .expect("tmpfs");
    let _guard = Tmpfs(small.clone());
    let rt = libpod::Runtime::builder_isolated()
        .config(|c| {
            c.graph_root(small.join("root"))
                .run_root(d.path().join("run"))
                .cni_config_dir(d.path().join("net.d"))
                .state_backend(StateBackend::Sqlite)
                .static_dir(d.path().join("static"))
        })
        .build()
        .expect("runtime");
    let mut tar = Vec::new();
    libpod::storage::busybox::rootfs_tarball(std::path::Path::new("/bin/busybox"), &mut tar)
        .expect("tarball");
    let err = rt
        .import_tarball(&tar[..], Some("busybox"), &[], None)
        .expect_err("disk full");
    assert!(
        err.to_string().contains("No space left") || err.to_string().contains("space"),
        "{err}"
    );
    let count = |p: &str| {
        std::fs::read_dir(small.join("root").join(p))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    assert_eq!(
        (count("blobs/sha256"), count("layers"), count("blobs/tmp")),
        (0, 0, 0),
        "nothing half-imported"
    );
    assert!(rt.images().expect("images").is_empty());
    // The store still works once there is room: a small image imports.
    let mut small_tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_path("hello").expect("path");
    h.set_size(2);
    h.set_mode(0o644);
    h.set_cksum();
    small_tar.append(&h, &b"hi"[..]).expect("append");
    let bytes = small_tar.into_inner().expect("tar");
    rt.import_tarball(&bytes[..], Some("tiny"), &[], None)
        .expect("import fits");
    rt.shutdown(false).expect("shutdown");
}
