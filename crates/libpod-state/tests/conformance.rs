//! The conformance suite: written once, run against every backend.

mod common;

use std::collections::BTreeMap;

use common::{PERSISTENT, all, ctr, id, pod, st};
use libpod_state::{
    ContainerConfig, ContainerState, ContainerStatus, ExecSession, Mount, NetworkMode,
    NetworkStatus, PodState, PortMapping, Resources, StateError,
};

#[test]
fn add_lookup_and_remove_a_container() {
    for db in all() {
        let s = &db.state;
        let c = ctr("abc1", "web");
        s.add_container(&c, &st()).expect(db.name);
        assert_eq!(s.container(&c.id).expect(db.name), c, "{}", db.name);
        assert!(s.container_exists(&c.id).expect(db.name));
        assert_eq!(
            s.lookup_container_id("web").expect(db.name),
            c.id,
            "{}: by name",
            db.name
        );
        assert_eq!(
            s.lookup_container_id(&c.id).expect(db.name),
            c.id,
            "{}: by ID",
            db.name
        );
        assert_eq!(
            s.lookup_container_id("abc").expect(db.name),
            c.id,
            "{}: by prefix",
            db.name
        );
        assert_eq!(s.lookup_container("web").expect(db.name), c);
        s.remove_container(&c.id).expect(db.name);
        assert!(
            matches!(s.container(&c.id), Err(StateError::NoSuchContainer(_))),
            "{}",
            db.name
        );
        assert!(
            matches!(
                s.lookup_container_id("web"),
                Err(StateError::NoSuchContainer(_))
            ),
            "{}",
            db.name
        );
        assert!(!s.container_exists(&c.id).expect(db.name));
    }
}

#[test]
fn every_field_round_trips() {
    let mut c = ctr("f00d", "full");
    c.pod = None;
    c.lock = 4_000_000_000;
    c.created = -5;
    c.image_id = id("beef");
    c.image_name = "localhost/busybox:latest".into();
    c.rootfs = Some("/some/rootfs".into());
    c.entrypoint = Some(vec!["/bin/sh".into(), "-c".into()]);
    c.command = vec!["echo 'hi' \"there\" \u{e9}".into()];
    c.env = vec!["A=b".into(), "EMPTY=".into()];
    c.workdir = Some("/w".into());
    c.user = Some("1000:1000".into());
    c.hostname = Some("h".into());
    c.tty = true;
    c.stdin = true;
    c.mounts = vec![Mount {
        kind: libpod_state::MountKind::Bind,
        source: "/a".into(),
        destination: "/b".into(),
        options: vec!["ro".into()],
    }];
    c.network = NetworkMode::Networks(vec!["n1".into(), "n2".into()]);
    c.ports = vec![PortMapping {
        host_ip: "127.0.0.1".into(),
        host_port: 8080,
        container_port: 80,
        protocol: libpod_state::Protocol::Tcp,
        range: 3,
    }];
    c.labels = BTreeMap::from([("k".into(), "v".into())]);
    c.stop_signal = 9;
    c.stop_timeout = 0;
    c.auto_remove = true;
    c.resources = Resources {
        memory: Some(1 << 30),
        pids: Some(64),
        cpu_shares: Some(512),
        oom_kill_disable: true,
        oom_score_adj: Some(-500),
        cpu_period: Some(100_000),
        cpu_quota: Some(150_000),
        cpuset_cpus: Some("0-1".into()),
        cpuset_mems: Some("0".into()),
        memory_reservation: Some(1 << 20),
        memory_swap: Some(-1),
        memory_swappiness: Some(10),
        blkio_weight: Some(300),
        device_read_bps: vec![libpod_config::DeviceRate {
            path: "/dev/vda".into(),
            rate: 1 << 20,
        }],
        device_write_bps: Vec::new(),
        device_read_iops: Vec::new(),
        device_write_iops: vec![libpod_config::DeviceRate {
            path: "/dev/vda".into(),
            rate: 100,
        }],
        blkio_weight_device: vec![libpod_config::DeviceRate {
            path: "/dev/vda".into(),
            rate: 300,
        }],
        cpu_rt_period: Some(1_000_000),
        cpu_rt_runtime: Some(950_000),
    };
    c.env_merge = vec!["PATH=/x:${PATH}".into()];
    c.hostusers = vec!["daemon".into()];
    c.passwd_entry = Some("$UID:x".into());
    c.no_passwd = true;
    c.chrootdirs = vec!["/c".into()];
    c.personality = Some("LINUX32".into());
    c.cgroup_conf = BTreeMap::from([("memory.high".into(), "1".into())]);
    // What a container may do and use (issue 19) round-trips too.
    c.security.apply("no-new-privileges", 1).expect("opt");
    c.security.apply("seccomp=/p.json", 2).expect("opt");
    c.security.apply("unmask=ALL", 3).expect("opt");
    c.namespaces.pid = libpod_config::NamespaceMode::Host;
    c.namespaces.ipc = libpod_config::NamespaceMode::Container("x".into());
    c.namespaces.uts = libpod_config::NamespaceMode::Path("/proc/1/ns/uts".into());
    c.ulimits = vec![libpod_config::Ulimit::parse("nofile=1:2").expect("ulimit")];
    c.sysctls = BTreeMap::from([("net.ipv4.ip_forward".into(), "1".into())]);
    c.devices = vec![libpod_config::DeviceMapping::parse("/dev/null:/dev/n:r").expect("dev")];
    c.device_cgroup_rules = vec!["c 1:3 r".into()];
    c.shm_size = Some(1 << 20);
    c.cgroup_parent = Some("/p".into());
    c.group_add = vec!["10".into()];
    c.umask = Some(0o077);
    c.timezone = Some("UTC".into());
    c.unsetenv = vec!["TERM".into()];
    c.unsetenv_all = true;
    c.annotations = BTreeMap::from([("a".into(), "b".into())]);
    c.no_read_only_tmpfs = true;
    c.read_only = true;
    c.privileged = true;
    c.oci_runtime = "crun".into();
    c.restart_policy = libpod_state::RestartPolicy::OnFailure;
    c.restart_retries = 4;
    c.healthcheck = Some(libpod_config::HealthConfig {
        test: vec!["CMD".into(), "true".into()],
        interval: 1,
        timeout: 2,
        start_period: 3,
        retries: 4,
    });
    c.health_on_failure = libpod_state::HealthOnFailure::Restart;
    let s = ContainerState {
        status: ContainerStatus::Paused,
        pid: Some(42),
        conmon_pid: Some(41),
        exit_code: Some(137),
        oom_killed: true,
        started_at: Some(1),
        finished_at: Some(2),
        netns_path: Some("/run/netns/x".into()),
        networks: vec![NetworkStatus {
            network: "n1".into(),
            interface: "eth0".into(),
            mac: Some("aa:bb:cc:dd:ee:ff".into()),
            addresses: vec!["10.0.0.2/24".into()],
            gateway: Some("10.0.0.1".into()),
            dns: vec!["10.0.0.1".into()],
            search: vec!["dns.podman".into()],
        }],
        mount_point: Some("/m".into()),
        restart_count: 3,
        mounted_volumes: vec!["v".into()],
        stopped_by_user: true,
        health: Some(libpod_state::HealthState {
            status: libpod_state::HealthStatus::Unhealthy,
            failing_streak: 3,
            log: vec![libpod_state::HealthLogEntry {
                start: 5,
                end: 6,
                exit_code: 1,
                output: "down".into(),
            }],
        }),
    };
    for mut db in all() {
        db.state.add_container(&c, &s).expect(db.name);
        if db.name != "memory" {
            db.reopen();
        }
        assert_eq!(db.state.container(&c.id).expect(db.name), c, "{}", db.name);
        assert_eq!(
            db.state.container_state(&c.id).expect(db.name),
            s,
            "{}",
            db.name
        );
        let mut p = pod("d0d0", "full-pod");
        p.labels.insert("a".into(), "b".into());
        p.shared_namespaces = vec!["net".into(), "ipc".into()];
        p.has_infra = true;
        p.ports = c.ports.clone();
        let ps = PodState {
            infra_container: Some(c.id.clone()),
            cgroup_path: Some("/cg".into()),
        };
        db.state.add_pod(&p, &ps).expect(db.name);
        assert_eq!(db.state.pod(&p.id).expect(db.name), p);
        assert_eq!(db.state.pod_state(&p.id).expect(db.name), ps);
    }
}

#[test]
fn names_and_ids_share_one_namespace() {
    for db in all() {
        let s = &db.state;
        s.add_container(&ctr("a1", "x"), &st()).expect(db.name);
        let e = s
            .add_pod(&pod("b1", "x"), &PodState::default())
            .expect_err(db.name);
        assert!(
            matches!(&e, StateError::NameInUse { owner, .. } if owner.starts_with("container")),
            "{}: {e}",
            db.name
        );
        let e = s.add_container(&ctr("a1", "y"), &st()).expect_err(db.name);
        assert!(matches!(e, StateError::IdInUse(_)), "{}: {e}", db.name);
        let e = s
            .add_pod(&pod("a1", "y"), &PodState::default())
            .expect_err(db.name);
        assert!(matches!(e, StateError::IdInUse(_)), "{}: {e}", db.name);
        s.add_pod(&pod("b1", "p"), &PodState::default())
            .expect(db.name);
        let e = s.add_container(&ctr("c1", "p"), &st()).expect_err(db.name);
        assert!(
            matches!(&e, StateError::NameInUse { owner, .. } if owner.starts_with("pod")),
            "{}: {e}",
            db.name
        );
        assert!(
            e.to_string().contains("\"p\""),
            "the error names the name: {e}"
        );
        // A pod's name does not resolve as a container and the other way round.
        assert!(matches!(
            s.lookup_container_id("p"),
            Err(StateError::NoSuchContainer(_))
        ));
        assert!(matches!(
            s.lookup_pod_id("x"),
            Err(StateError::NoSuchPod(_))
        ));
        assert_eq!(s.lookup_pod_id("p").expect(db.name), id("b1"));
    }
}

#[test]
fn updated_resources_are_kept_and_survive_reopening() {
    for mut db in all() {
        let s = &db.state;
        s.add_container(&ctr("e1", "upd"), &st()).expect(db.name);
        let r = Resources {
            memory: Some(64 << 20),
            cpu_quota: Some(50_000),
            cpu_period: Some(100_000),
            ..Default::default()
        };
        s.update_container_resources(&id("e1"), &r).expect(db.name);
        let e = s
            .update_container_resources(&id("f1"), &r)
            .expect_err(db.name);
        assert!(
            matches!(e, StateError::NoSuchContainer(_)),
            "{}: {e}",
            db.name
        );
        if PERSISTENT.contains(&db.name) {
            db.reopen();
        }
        let c = db.state.container(&id("e1")).expect(db.name);
        assert_eq!(
            (c.resources, c.name.as_str()),
            (r.clone(), "upd"),
            "{}",
            db.name
        );
    }
}

#[test]
fn updated_networks_are_kept_and_survive_reopening() {
    for mut db in all() {
        let s = &db.state;
        s.add_container(&ctr("e2", "conn"), &st()).expect(db.name);
        let n = libpod_state::NetworkMode::Networks(vec!["a".into(), "b".into()]);
        let o: std::collections::BTreeMap<_, _> = [(
            "b".to_string(),
            libpod_state::NetworkOptions {
                ips: vec!["10.1.2.3".parse().expect("ip")],
                mac: Some("92:d0:c6:0a:29:33".into()),
                aliases: vec!["www".into()],
                interface_name: Some("web0".into()),
            },
        )]
        .into();
        s.update_container_network(&id("e2"), &n, &o)
            .expect(db.name);
        let e = s
            .update_container_network(&id("f2"), &n, &o)
            .expect_err(db.name);
        assert!(
            matches!(e, StateError::NoSuchContainer(_)),
            "{}: {e}",
            db.name
        );
        if PERSISTENT.contains(&db.name) {
            db.reopen();
        }
        let c = db.state.container(&id("e2")).expect(db.name);
        assert_eq!(
            (c.network, c.network_options, c.name.as_str()),
            (n.clone(), o.clone(), "conn"),
            "{}",
            db.name
        );
        // The name still finds it.
        assert_eq!(
            db.state.lookup_container_id("conn").expect(db.name),
            id("e2")
        );
    }
}

#[test]
fn a_rename_moves_the_name_and_survives_reopening() {
    for mut db in all() {
        let s = &db.state;
        s.add_container(&ctr("a1", "old"), &st()).expect(db.name);
        s.add_pod(&pod("b1", "p"), &PodState::default())
            .expect(db.name);
        s.add_container(&ctr("c1", "other"), &st()).expect(db.name);
        s.rename_container(&id("a1"), "new").expect(db.name);
        for taken in ["p", "other"] {
            let e = s.rename_container(&id("a1"), taken).expect_err(db.name);
            assert!(
                matches!(e, StateError::NameInUse { .. }),
                "{}: {e}",
                db.name
            );
        }
        let e = s.rename_container(&id("a1"), "-bad").expect_err(db.name);
        assert!(matches!(e, StateError::InvalidName(_)), "{}: {e}", db.name);
        let e = s.rename_container(&id("d1"), "free").expect_err(db.name);
        assert!(
            matches!(e, StateError::NoSuchContainer(_)),
            "{}: {e}",
            db.name
        );
        // The old name is free for others at once.
        s.add_container(&ctr("e1", "old"), &st()).expect(db.name);
        if db.name != "memory" {
            db.reopen();
        }
        let s = &db.state;
        assert_eq!(s.lookup_container_id("new").expect(db.name), id("a1"));
        assert_eq!(s.container(&id("a1")).expect(db.name).name, "new");
        assert_eq!(s.lookup_container_id("old").expect(db.name), id("e1"));
    }
}

#[test]
fn prefixes_resolve_only_when_unique() {
    for db in all() {
        let s = &db.state;
        s.add_container(&ctr("aa1", "one"), &st()).expect(db.name);
        s.add_container(&ctr("aa2", "two"), &st()).expect(db.name);
        s.add_pod(&pod("ab", "pp"), &PodState::default())
            .expect(db.name);
        let e = s.lookup_container_id("aa").expect_err(db.name);
        assert!(
            matches!(e, StateError::AmbiguousPrefix { matches: 2, .. }),
            "{}: {e}",
            db.name
        );
        // Pods are not counted when looking up containers.
        assert!(matches!(
            s.lookup_container_id("a"),
            Err(StateError::AmbiguousPrefix { matches: 2, .. })
        ));
        assert_eq!(s.lookup_container_id("aa2").expect(db.name), id("aa2"));
        assert_eq!(s.lookup_pod_id("a").expect(db.name), id("ab"));
        for bad in ["", "zz", "AA1", "aa1/", "%", "aa1 "] {
            assert!(
                matches!(
                    s.lookup_container_id(bad),
                    Err(StateError::NoSuchContainer(_))
                ),
                "{}: {bad:?}",
                db.name
            );
        }
    }
}

#[test]
fn invalid_ids_and_names_are_refused() {
    for db in all() {
        let s = &db.state;
        for bad in ["", "-x", ".x", "a b", "a/b", "ünï", "x:y"] {
            let e = s.add_container(&ctr("a", bad), &st()).expect_err(db.name);
            assert!(
                matches!(e, StateError::InvalidName(_)),
                "{}: {bad:?}: {e}",
                db.name
            );
        }
        let mut c = ctr("a", "ok");
        for bad in ["abc", &"A".repeat(64), &format!("{}g", "a".repeat(63))] {
            c.id = bad.to_string();
            assert!(
                matches!(s.add_container(&c, &st()), Err(StateError::InvalidId(_))),
                "{}: {bad}",
                db.name
            );
        }
        assert!(
            s.all_containers().expect(db.name).is_empty(),
            "{}: nothing was half-added",
            db.name
        );
    }
}

#[test]
fn dependencies_block_removal_and_must_be_valid() {
    for db in all() {
        let s = &db.state;
        let base = ctr("b0", "base");
        s.add_container(&base, &st()).expect(db.name);
        let mut user = ctr("b1", "user");
        user.dependencies = vec![base.id.clone()];
        s.add_container(&user, &st()).expect(db.name);
        assert_eq!(
            s.container_dependents(&base.id).expect(db.name),
            vec![user.id.clone()]
        );
        let e = s.remove_container(&base.id).expect_err(db.name);
        assert!(
            matches!(&e, StateError::HasDependents { dependents, .. } if dependents == &vec![user.id.clone()]),
            "{}: {e}",
            db.name
        );
        let mut bad = ctr("b2", "bad");
        bad.dependencies = vec![id("ffff")];
        assert!(
            matches!(
                s.add_container(&bad, &st()),
                Err(StateError::BadDependency { .. })
            ),
            "{}",
            db.name
        );
        bad.dependencies = vec![bad.id.clone()];
        assert!(
            matches!(
                s.add_container(&bad, &st()),
                Err(StateError::BadDependency { .. })
            ),
            "{}",
            db.name
        );
        bad.dependencies = vec![base.id.clone(), base.id.clone()];
        assert!(
            matches!(
                s.add_container(&bad, &st()),
                Err(StateError::BadDependency { .. })
            ),
            "{}",
            db.name
        );
        s.remove_container(&user.id).expect(db.name);
        s.remove_container(&base.id).expect(db.name);
        assert!(s.all_containers().expect(db.name).is_empty());
    }
}

#[test]
fn pods_hold_containers_and_dependencies_stay_inside() {
    for db in all() {
        let s = &db.state;
        let p = pod("c0", "pod");
        s.add_pod(&p, &PodState::default()).expect(db.name);
        let mut infra = ctr("c1", "infra");
        infra.pod = Some(p.id.clone());
        infra.is_infra = true;
        s.add_container(&infra, &st()).expect(db.name);
        let mut member = ctr("c2", "member");
        member.pod = Some(p.id.clone());
        member.dependencies = vec![infra.id.clone()];
        s.add_container(&member, &st()).expect(db.name);
        assert_eq!(
            s.pod_containers(&p.id).expect(db.name),
            vec![infra.id.clone(), member.id.clone()]
        );

        let mut outsider = ctr("c3", "outsider");
        outsider.dependencies = vec![infra.id.clone()];
        assert!(
            matches!(
                s.add_container(&outsider, &st()),
                Err(StateError::BadDependency { .. })
            ),
            "{}",
            db.name
        );
        let free = ctr("c4", "free");
        s.add_container(&free, &st()).expect(db.name);
        let mut crosser = ctr("c5", "crosser");
        crosser.pod = Some(p.id.clone());
        crosser.dependencies = vec![free.id.clone()];
        assert!(
            matches!(
                s.add_container(&crosser, &st()),
                Err(StateError::BadDependency { .. })
            ),
            "{}",
            db.name
        );
        let mut orphan = ctr("c6", "orphan");
        orphan.pod = Some(id("dead"));
        assert!(
            matches!(
                s.add_container(&orphan, &st()),
                Err(StateError::NoSuchPod(_))
            ),
            "{}",
            db.name
        );

        let e = s.remove_pod(&p.id).expect_err(db.name);
        assert!(
            matches!(e, StateError::PodHasContainers { count: 2, .. }),
            "{}: {e}",
            db.name
        );
        let mut removed = s.remove_pod_containers(&p.id).expect(db.name);
        removed.sort();
        assert_eq!(removed, vec![infra.id.clone(), member.id.clone()]);
        s.remove_pod(&p.id).expect(db.name);
        assert_eq!(s.all_containers().expect(db.name), vec![free.clone()]);
        assert!(s.all_pods().expect(db.name).is_empty());
    }
}

#[test]
fn states_are_saved_separately_from_configs() {
    for db in all() {
        let s = &db.state;
        let c = ctr("d0", "c");
        s.add_container(&c, &st()).expect(db.name);
        let running = ContainerState {
            status: ContainerStatus::Running,
            pid: Some(7),
            ..Default::default()
        };
        s.save_container_state(&c.id, &running).expect(db.name);
        assert_eq!(s.container_state(&c.id).expect(db.name), running);
        assert_eq!(s.container(&c.id).expect(db.name), c, "config unchanged");
        assert_eq!(
            s.all_containers_with_state().expect(db.name),
            vec![(c.clone(), running)]
        );
        assert!(matches!(
            s.save_container_state(&id("e"), &st()),
            Err(StateError::NoSuchContainer(_))
        ));
        let p = pod("d1", "p");
        s.add_pod(&p, &PodState::default()).expect(db.name);
        let ps = PodState {
            infra_container: Some(c.id.clone()),
            cgroup_path: None,
        };
        s.save_pod_state(&p.id, &ps).expect(db.name);
        assert_eq!(s.pod_state(&p.id).expect(db.name), ps);
        assert!(
            matches!(s.save_pod_state(&c.id, &ps), Err(StateError::NoSuchPod(_))),
            "{}",
            db.name
        );
    }
}

fn exec(tag: &str, ctr_id: &str) -> ExecSession {
    ExecSession {
        id: id(tag),
        container: ctr_id.to_string(),
        command: vec!["ls".into()],
        running: true,
        created: 3,
        ..Default::default()
    }
}

#[test]
fn exec_sessions_belong_to_a_container() {
    for db in all() {
        let s = &db.state;
        let c = ctr("e0", "c");
        s.add_container(&c, &st()).expect(db.name);
        let e1 = exec("e1", &c.id);
        s.add_exec_session(&e1).expect(db.name);
        assert!(
            matches!(s.add_exec_session(&e1), Err(StateError::IdInUse(_))),
            "{}",
            db.name
        );
        assert!(
            matches!(
                s.add_exec_session(&exec("e0", &c.id)),
                Err(StateError::IdInUse(_))
            ),
            "{}",
            db.name
        );
        assert!(
            matches!(
                s.add_container(&ctr("e1", "clash"), &st()),
                Err(StateError::IdInUse(_))
            ),
            "{}",
            db.name
        );
        assert!(matches!(
            s.add_exec_session(&exec("e2", &id("ff"))),
            Err(StateError::NoSuchContainer(_))
        ));
        let mut done = e1.clone();
        done.running = false;
        done.exit_code = Some(3);
        s.save_exec_session(&done).expect(db.name);
        assert_eq!(s.exec_session(&e1.id).expect(db.name), done);
        assert_eq!(
            s.container_exec_sessions(&c.id).expect(db.name),
            vec![done.clone()]
        );
        let e = s.remove_container(&c.id).expect_err(db.name);
        assert!(
            matches!(e, StateError::HasExecSessions { count: 1, .. }),
            "{}: {e}",
            db.name
        );
        s.remove_exec_session(&e1.id).expect(db.name);
        assert!(matches!(
            s.exec_session(&e1.id),
            Err(StateError::NoSuchExecSession(_))
        ));
        assert!(matches!(
            s.remove_exec_session(&e1.id),
            Err(StateError::NoSuchExecSession(_))
        ));
        s.remove_container(&c.id).expect(db.name);
    }
}

#[test]
fn exit_codes_outlive_containers_and_are_pruned_by_age() {
    for db in all() {
        let s = &db.state;
        let c = ctr("f0", "c");
        s.add_container(&c, &st()).expect(db.name);
        s.add_exit_code(&c.id, 42, 100).expect(db.name);
        s.remove_container(&c.id).expect(db.name);
        assert_eq!(
            s.exit_code(&c.id).expect(db.name).map(|r| r.code),
            Some(42),
            "{}",
            db.name
        );
        s.add_exit_code(&id("f1"), 0, 200).expect(db.name);
        assert_eq!(s.prune_exit_codes(150).expect(db.name), 1);
        assert_eq!(s.exit_code(&c.id).expect(db.name), None);
        assert!(s.exit_code(&id("f1")).expect(db.name).is_some());
    }
}

#[test]
fn refresh_resets_volatile_state() {
    for db in all() {
        let s = &db.state;
        let cases = [
            (ContainerStatus::Running, ContainerStatus::Exited),
            (ContainerStatus::Paused, ContainerStatus::Exited),
            (ContainerStatus::Stopped, ContainerStatus::Exited),
            (ContainerStatus::Created, ContainerStatus::Configured),
            (ContainerStatus::Exited, ContainerStatus::Exited),
            (ContainerStatus::Configured, ContainerStatus::Configured),
        ];
        for (i, (before, _)) in cases.iter().enumerate() {
            let c = ctr(&format!("{i}"), &format!("c{i}"));
            let state = ContainerState {
                status: *before,
                pid: Some(10),
                conmon_pid: Some(9),
                exit_code: Some(1),
                netns_path: Some("/run/netns/n".into()),
                mount_point: Some("/m".into()),
                networks: vec![NetworkStatus::default()],
                ..Default::default()
            };
            s.add_container(&c, &state).expect(db.name);
            s.add_exec_session(&exec(&format!("e{i}"), &c.id))
                .expect(db.name);
        }
        s.refresh().expect(db.name);
        for (i, (_, after)) in cases.iter().enumerate() {
            let got = s.container_state(&id(&format!("{i}"))).expect(db.name);
            assert_eq!(got.status, *after, "{}: case {i}", db.name);
            assert_eq!(
                (got.pid, got.conmon_pid, &got.netns_path, &got.mount_point),
                (None, None, &None, &None)
            );
            assert!(got.networks.is_empty());
            assert_eq!(got.exit_code, Some(1), "exit codes survive a refresh");
            assert!(
                s.container_exec_sessions(&id(&format!("{i}")))
                    .expect(db.name)
                    .is_empty()
            );
        }
    }
}

#[test]
fn export_then_import_into_every_other_backend() {
    for source in all() {
        let s = &source.state;
        let p = pod("a0", "p");
        s.add_pod(&p, &PodState::default()).expect(source.name);
        // Added in an order that is not the ID order, to exercise the dependency sort.
        let mut c2 = ctr("f2", "late-base");
        c2.pod = Some(p.id.clone());
        s.add_container(&c2, &st()).expect(source.name);
        let mut c1 = ctr("01", "early-user");
        c1.pod = Some(p.id.clone());
        c1.dependencies = vec![c2.id.clone()];
        s.add_container(
            &c1,
            &ContainerState {
                status: ContainerStatus::Running,
                ..Default::default()
            },
        )
        .expect(source.name);
        s.add_exec_session(&exec("ee", &c1.id)).expect(source.name);
        s.add_exit_code(&id("99"), 5, 1).expect(source.name);
        let snap = s.export().expect(source.name);
        for target in all() {
            libpod_state::copy_state(s.as_ref(), target.state.as_ref()).expect(target.name);
            assert_eq!(
                target.state.export().expect(target.name),
                snap,
                "{} -> {}",
                source.name,
                target.name
            );
            let e = target.state.import(&snap).expect_err("not empty");
            assert!(matches!(e, StateError::Import(_)), "{e}");
        }
    }
}

#[test]
fn import_refuses_bad_snapshots_and_writes_nothing() {
    for db in all() {
        let mut snap = libpod_state::Snapshot {
            paths: common::paths(),
            ..Default::default()
        };
        let mut a: ContainerConfig = ctr("a", "a");
        let mut b = ctr("b", "b");
        a.dependencies = vec![b.id.clone()];
        b.dependencies = vec![a.id.clone()];
        snap.containers = vec![(a.clone(), st()), (b, st())];
        assert!(
            matches!(db.state.import(&snap), Err(StateError::Import(_))),
            "{}: cycle",
            db.name
        );
        a.dependencies = vec![];
        let dup = ctr("c", "a");
        snap.containers = vec![(a, st()), (dup, st())];
        assert!(
            matches!(db.state.import(&snap), Err(StateError::NameInUse { .. })),
            "{}",
            db.name
        );
        assert!(
            db.state.all_containers().expect(db.name).is_empty(),
            "{}: rolled back",
            db.name
        );
        snap.containers.clear();
        snap.paths.graph_root = "/elsewhere".into();
        assert!(matches!(
            db.state.import(&snap),
            Err(StateError::PathMismatch {
                what: "graph root",
                ..
            })
        ));
    }
}

#[test]
fn closed_state_refuses_everything() {
    for db in all() {
        db.state.close().expect(db.name);
        assert!(
            matches!(db.state.all_containers(), Err(StateError::Closed)),
            "{}",
            db.name
        );
        assert!(matches!(
            db.state.add_container(&ctr("a", "a"), &st()),
            Err(StateError::Closed)
        ));
        assert!(matches!(db.state.close(), Err(StateError::Closed)));
    }
}
