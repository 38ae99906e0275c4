//! Network bench: one container's network setup + teardown (bridge, portmap, firewall, tuning)
//! through our manager, against calling the same plugins by hand with the same configs; and
//! 8 setups in parallel against 8 in a row. The same for netavark: our setup + teardown
//! against `netavark setup` + `teardown` run by hand with podman's options. Needs root, the
//! CNI plugins and netavark.
//! Goals: within 1.2x of the plugins (and of netavark) by hand; parallel setups not
//! serialised beyond the plugins' own locks.
#![allow(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use libpod_network::{NetworkCreate, NetworkManager, Request};
use serde_json::{Value, json};

/// The floor: each plugin of the list run directly, ADD in order with prevResult, DEL in reverse.
fn by_hand(net: &libpod_network::Network, dirs: &[PathBuf], id: &str, netns: &Path) {
    let list = net.cni.as_ref().expect("a CNI network");
    let run = |plugin: &Value, cmd: &str, prev: Option<&Value>| -> Option<Value> {
        let mut conf = plugin.clone();
        conf["cniVersion"] = json!(list.cni_version);
        conf["name"] = json!(net.name);
        if let Some(p) = prev {
            conf["prevResult"] = p.clone();
        }
        let typ = plugin["type"].as_str().expect("type");
        let bin = dirs
            .iter()
            .map(|d| d.join(typ))
            .find(|p| p.exists())
            .expect("plugin");
        let mut child = Command::new(bin)
            .env("CNI_COMMAND", cmd)
            .env("CNI_CONTAINERID", id)
            .env("CNI_NETNS", netns)
            .env("CNI_IFNAME", "eth0")
            .env("CNI_PATH", dirs[0].as_os_str())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(conf.to_string().as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{typ} {cmd}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice(&out.stdout).ok()
    };
    let mut prev = None;
    for p in &list.plugins {
        prev = run(p, "ADD", prev.as_ref()).or(prev);
    }
    for p in list.plugins.iter().rev() {
        run(p, "DEL", prev.as_ref());
    }
}

fn bench_network(c: &mut Criterion) {
    let dirs = libpod_config::default_cni_plugin_dirs();
    if !nix::unistd::geteuid().is_root() || !dirs.iter().any(|d| d.join("bridge").exists()) {
        eprintln!("network bench needs root and the CNI plugins; skipped");
        return;
    }
    let work = tempfile::tempdir().expect("tmp");
    let mgr = NetworkManager::new(
        &work.path().join("net.d"),
        &dirs,
        &work.path().join("run"),
        "bench",
        "10.231.200.0/24",
    );
    let net = mgr
        .create(&NetworkCreate {
            name: "bench".into(),
            subnets: vec![libpod_network::SubnetRequest {
                subnet: "10.231.200.0/24".into(),
                ..Default::default()
            }],
            bridge: Some("rpbench0".into()),
            ..Default::default()
        })
        .expect("net");
    let req = vec![Request {
        network: "bench".into(),
        interface: "eth0".into(),
        ..Default::default()
    }];
    let netns: Vec<PathBuf> = (0..8)
        .map(|i| mgr.create_netns(&format!("bench{i}")).expect("netns"))
        .collect();
    // The first ADD creates the bridge: do it before measuring.
    mgr.setup("warm", &netns[0], &req, &[]).expect("warm");
    mgr.teardown("warm").expect("warm");

    let mut g = c.benchmark_group("network");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    let mut n = 0;
    g.bench_function("plugins_by_hand_add_del", |b| {
        b.iter(|| {
            n += 1;
            by_hand(&net, &dirs, &format!("hand{n}"), &netns[0]);
        })
    });
    g.bench_function("ours_setup_teardown", |b| {
        b.iter(|| {
            n += 1;
            let id = format!("ours{n}");
            mgr.setup(&id, &netns[0], &req, &[]).expect("setup");
            mgr.teardown(&id).expect("teardown");
        })
    });
    g.bench_function("ours_8_setups_in_a_row", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let t = Instant::now();
                for (i, ns) in netns.iter().enumerate() {
                    mgr.setup(&format!("seq{n}-{i}"), ns, &req, &[])
                        .expect("setup");
                }
                total += t.elapsed();
                for i in 0..netns.len() {
                    mgr.teardown(&format!("seq{n}-{i}")).expect("teardown");
                }
            }
            total
        })
    });
    g.bench_function("ours_8_setups_in_parallel", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let t = Instant::now();
                std::thread::scope(|s| {
                    for (i, ns) in netns.iter().enumerate() {
                        let (mgr, req) = (&mgr, &req);
                        s.spawn(move || {
                            mgr.setup(&format!("par{n}-{i}"), ns, req, &[])
                                .expect("setup")
                        });
                    }
                });
                total += t.elapsed();
                for i in 0..netns.len() {
                    mgr.teardown(&format!("par{n}-{i}")).expect("teardown");
                }
            }
            total
        })
    });
    g.finish();
    for ns in &netns {
        let _ = libpod_network::remove_netns(ns);
    }
    let _ = mgr.remove("bench");
}

/// `netavark setup` then `teardown` of one container, run by hand as podman runs it.
fn netavark_by_hand(net: &libpod_network::Network, config: &Path, id: &str, netns: &Path) {
    let opts = json!({
        "container_id": id,
        "container_name": id,
        "networks": {&net.name: {"static_ips": ["10.231.201.9"], "aliases": [], "interface_name": "eth0"}},
        "network_info": {&net.name: net},
    })
    .to_string();
    for cmd in ["setup", "teardown"] {
        let mut child = Command::new(NETAVARK)
            .arg("--config")
            .arg(config)
            .args([
                "--rootless=false",
                "--aardvark-binary=/usr/lib/podman/aardvark-dns",
                cmd,
            ])
            .arg(netns)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("netavark");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(opts.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

const NETAVARK: &str = "/usr/lib/podman/netavark";

fn bench_netavark(c: &mut Criterion) {
    if !nix::unistd::geteuid().is_root() || !Path::new(NETAVARK).exists() {
        eprintln!("netavark bench needs root and netavark; skipped");
        return;
    }
    let work = tempfile::tempdir().expect("tmp");
    let mgr = NetworkManager::new(
        &work.path().join("networks"),
        &[],
        &work.path().join("run"),
        "benchn",
        "10.231.202.0/24",
    )
    .with_netavark(&[PathBuf::from("/usr/lib/podman")]);
    let net = mgr
        .create(&NetworkCreate {
            name: "benchnv".into(),
            subnets: vec![libpod_network::SubnetRequest {
                subnet: "10.231.201.0/24".into(),
                ..Default::default()
            }],
            bridge: Some("rpbench1".into()),
            disable_dns: true,
            ..Default::default()
        })
        .expect("net");
    let req = vec![Request {
        network: "benchnv".into(),
        interface: "eth0".into(),
        ..Default::default()
    }];
    let netns = mgr.create_netns("benchnv").expect("netns");
    mgr.setup("warm", &netns, &req, &[]).expect("warm");
    mgr.teardown("warm").expect("warm");
    let mut g = c.benchmark_group("netavark");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    let mut n = 0;
    let hand_config = work.path().join("by-hand");
    g.bench_function("netavark_by_hand_setup_teardown", |b| {
        b.iter(|| {
            n += 1;
            netavark_by_hand(&net, &hand_config, &format!("hand{n}"), &netns);
        })
    });
    g.bench_function("ours_setup_teardown", |b| {
        b.iter(|| {
            n += 1;
            let id = format!("ours{n}");
            mgr.setup(&id, &netns, &req, &[]).expect("setup");
            mgr.teardown(&id).expect("teardown");
        })
    });
    g.finish();
    let _ = libpod_network::remove_netns(&netns);
    let _ = mgr.remove("benchnv");
}

criterion_group!(benches, bench_network, bench_netavark);
criterion_main!(benches);
