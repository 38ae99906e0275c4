//! Network namespaces and CNI with the real reference plugins, as root. Each test has its own
//! config and run dirs, network name, bridge and subnet (10.231.K.0/24), and cleans up on drop.
//! Traffic goes only to addresses inside namespaces made here, or to loopback.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use libpod_network::{NetworkCreate, NetworkError, NetworkManager, PortMapping, Request};

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

fn plugin_dirs() -> Vec<PathBuf> {
    libpod_config::default_cni_plugin_dirs()
}

fn ready() -> bool {
    require("root", nix::unistd::geteuid().is_root())
        && require(
            "CNI plugins",
            plugin_dirs().iter().any(|d| d.join("bridge").exists()),
        )
        && require("busybox-static", Path::new("/bin/busybox").exists())
        && require("iptables", Path::new("/usr/sbin/iptables").exists())
}

struct T {
    dir: tempfile::TempDir,
    mgr: NetworkManager,
    net: String,
    bridge: String,
    k: u8,
    netns: Vec<PathBuf>,
    kids: Vec<Child>,
}

impl T {
    /// A world with one bridge network on 10.231.`k`.0/24.
    fn new(k: u8, version: &str) -> T {
        let dir = tempfile::tempdir().expect("tmp");
        let mgr = NetworkManager::new(
            &dir.path().join("net.d"),
            &plugin_dirs(),
            &dir.path().join("run"),
            "rpod-default",
            "10.231.250.0/24",
        );
        let net = format!("test{k}");
        let bridge = format!("rpt{k}-{}", std::process::id() % 10000);
        let t = T {
            dir,
            mgr,
            net: net.clone(),
            bridge: bridge.clone(),
            k,
            netns: vec![],
            kids: vec![],
        };
        let n = t
            .mgr
            .create(&NetworkCreate {
                name: net,
                subnets: vec![libpod_network::SubnetRequest {
                    subnet: format!("10.231.{k}.0/24"),
                    ..Default::default()
                }],
                bridge: Some(bridge),
                ..Default::default()
            })
            .expect("create network");
        if version != "1.0.0" {
            let text = fs::read_to_string(n.file.as_ref().expect("file"))
                .expect("read")
                .replace("\"1.0.0\"", &format!("\"{version}\""));
            fs::write(n.file.as_ref().expect("file"), text).expect("write");
        }
        t
    }

    fn netns(&mut self, name: &str) -> PathBuf {
        let p = self
            .mgr
            .create_netns(&format!("{name}-{}", self.k))
            .expect("netns");
        self.netns.push(p.clone());
        p
    }

    fn req(&self) -> Vec<Request> {
        vec![Request {
            network: self.net.clone(),
            interface: "eth0".into(),
            ..Default::default()
        }]
    }

    /// CNI iptables rules that mention this test's subnet.
    fn rules(&self) -> usize {
        let mut n = 0;
        for table in ["filter", "nat"] {
            let out = Command::new("iptables")
                .args(["-w", "-t", table, "-S"])
                .output()
                .expect("iptables");
            n += String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.contains(&format!("10.231.{}.", self.k)))
                .count();
        }
        n
    }

    fn bridge_ports(&self) -> usize {
        fs::read_dir(format!("/sys/class/net/{}/brif", self.bridge))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    fn ipam_files(&self) -> usize {
        fs::read_dir(self.dir.path().join("run/ipam").join(&self.net))
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("10."))
                })
                .count()
            })
            .unwrap_or(0)
    }

    fn netns_files(&self) -> usize {
        fs::read_dir(self.mgr.netns_dir())
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

impl Drop for T {
    fn drop(&mut self) {
        for k in &mut self.kids {
            let _ = k.kill();
            let _ = k.wait();
        }
        for e in fs::read_dir(self.dir.path().join("run/cache"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let _ = self.mgr.teardown(&e.file_name().to_string_lossy());
        }
        for p in &self.netns {
            let _ = libpod_network::remove_netns(p);
        }
        let _ = Command::new("ip")
            .args(["link", "delete", &self.bridge])
            .stderr(Stdio::null())
            .status();
    }
}

fn in_ns(ns: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("nsenter");
    c.arg(format!("--net={}", ns.display()))
        .arg("/bin/busybox")
        .args(args);
    c
}

#[test]
fn configs_load_in_order_and_bad_files_are_reported_not_fatal() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    fs::write(
        d.join("10-good.conflist"),
        r#"{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"bridge"}]}"#,
    )
    .expect("w");
    fs::write(
        d.join("20-single.conf"),
        r#"{"cniVersion":"0.4.0","name":"single","type":"macvlan","master":"eth0"}"#,
    )
    .expect("w");
    fs::write(d.join("30-broken.conflist"), "{ not json").expect("w");
    fs::write(
        d.join("40-noplugins.conflist"),
        r#"{"cniVersion":"1.0.0","name":"np","plugins":[]}"#,
    )
    .expect("w");
    fs::write(
        d.join("50-dup.conflist"),
        r#"{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"ptp"}]}"#,
    )
    .expect("w");
    fs::write(
        d.join("60-notype.conflist"),
        r#"{"cniVersion":"1.0.0","name":"nt","plugins":[{"a":1}]}"#,
    )
    .expect("w");
    fs::write(d.join("README"), "ignored").expect("w");
    let m = NetworkManager::new(d, &[], &d.join("run"), "x", "10.1.0.0/24");
    let (nets, errs) = m.networks().expect("load");
    assert_eq!(
        nets.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ["good", "single", "x"],
        "the files' networks and the default in memory"
    );
    assert_eq!(nets[0].driver, "bridge");
    assert_eq!(nets[1].cni.as_ref().expect("cni").plugins.len(), 1);
    let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    for f in ["30-broken", "40-noplugins", "50-dup", "60-notype"] {
        assert!(
            msgs.iter().any(|m| m.contains(f)),
            "{f} not reported: {msgs:?}"
        );
    }
    assert_eq!(
        m.ensure_default().expect("default").file,
        None,
        "the default network lives in memory when no file defines it"
    );
}

#[test]
fn networks_are_objects_with_checked_values() {
    let dir = tempfile::tempdir().expect("tmp");
    let m = NetworkManager::new(
        &dir.path().join("net.d"),
        &plugin_dirs(),
        &dir.path().join("run"),
        "rpod",
        "10.131.0.0/16",
    );
    // Bridges are named rpodN, skipping devices the host has (a real install's, or those
    // of tests running alongside), so only the pattern is certain.
    let rpod_n = |b: Option<String>| {
        b.filter(|b| {
            b.strip_prefix("rpod")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
    };
    let def = m.ensure_default().expect("default");
    assert_eq!(
        (def.name.as_str(), def.subnets()),
        ("rpod", vec!["10.131.0.0/16".to_string()])
    );
    let def_bridge = rpod_n(Some(def.network_interface.clone())).expect("rpodN");
    let a = m
        .create(&NetworkCreate {
            name: "a".into(),
            ..Default::default()
        })
        .expect("a");
    assert_eq!(
        a.subnets(),
        vec!["10.132.0.0/24".to_string()],
        "auto subnet"
    );
    let a_bridge = rpod_n(Some(a.network_interface.clone())).expect("rpodN");
    assert_ne!(a_bridge, def_bridge, "a bridge of its own");
    let b = m
        .create(&NetworkCreate {
            name: "b".into(),
            subnets: vec![libpod_network::SubnetRequest {
                subnet: "10.240.7.0/24".into(),
                gateway: Some("10.240.7.254".into()),
                ..Default::default()
            }],
            ..Default::default()
        })
        .expect("b");
    assert!(
        b.cni.as_ref().expect("cni").plugins[0]["ipam"]["ranges"][0][0]["gateway"]
            == "10.240.7.254"
    );
    assert!(matches!(
        m.create(&NetworkCreate {
            name: "a".into(),
            ..Default::default()
        }),
        Err(NetworkError::NetworkExists(_))
    ));
    for (req, what) in [
        (
            NetworkCreate {
                name: "c".into(),
                subnets: vec![libpod_network::SubnetRequest {
                    subnet: "10.240.7.128/25".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            "overlaps",
        ),
        (
            NetworkCreate {
                name: "c".into(),
                subnets: vec![libpod_network::SubnetRequest {
                    subnet: "10.240.8.1/24".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            "host bits",
        ),
        (
            NetworkCreate {
                name: "c".into(),
                subnets: vec![libpod_network::SubnetRequest {
                    subnet: "10.240.9.0/24".into(),
                    gateway: Some("10.1.1.1".into()),
                    ..Default::default()
                }],
                ..Default::default()
            },
            "not a host address",
        ),
        (
            NetworkCreate {
                name: "-bad".into(),
                ..Default::default()
            },
            "must match",
        ),
        (
            NetworkCreate {
                name: "c".into(),
                bridge: Some("a-very-long-bridge-name".into()),
                ..Default::default()
            },
            "15",
        ),
    ] {
        let e = m.create(&req).expect_err(what);
        assert!(e.to_string().contains(what), "{what}: {e}");
    }
    assert_eq!(m.networks().expect("list").0.len(), 3);
    m.remove("b").expect("remove");
    assert!(matches!(
        m.network("b"),
        Err(NetworkError::NoSuchNetwork(_))
    ));
    assert!(matches!(
        m.remove("nope"),
        Err(NetworkError::NoSuchNetwork(_))
    ));
}

#[test]
fn two_containers_on_one_bridge_reach_each_other() {
    if !ready() {
        return;
    }
    let mut t = T::new(1, "1.0.0");
    let (n1, n2) = (t.netns("a"), t.netns("b"));
    let a1 = t.mgr.setup("ctr-a1", &n1, &t.req(), &[]).expect("setup a");
    let a2 = t.mgr.setup("ctr-a2", &n2, &t.req(), &[]).expect("setup b");
    assert_eq!(a1[0].gateway.as_deref(), Some("10.231.1.1"));
    assert!(a1[0].mac.is_some() && a1[0].addresses[0].starts_with("10.231.1."));
    let ip2 = a2[0].addresses[0]
        .split('/')
        .next()
        .expect("ip")
        .to_string();
    let st = in_ns(&n1, &["ping", "-c", "1", "-W", "3", &ip2])
        .stdout(Stdio::null())
        .status()
        .expect("ping");
    assert!(st.success(), "a cannot reach b at {ip2}");
    t.mgr.check("ctr-a1").expect("CHECK");
    assert_eq!(t.mgr.attachments("ctr-a2"), a2);
    let e = t.mgr.remove(&t.net).expect_err("in use");
    assert!(
        matches!(&e, NetworkError::NetworkInUse { containers, .. } if containers.len() == 2),
        "{e}"
    );
    t.mgr.teardown("ctr-a1").expect("teardown");
    t.mgr.teardown("ctr-a2").expect("teardown");
    assert_eq!(t.bridge_ports(), 0);
    t.mgr.remove(&t.net).expect("remove when unused");
    assert!(
        !Path::new("/sys/class/net").join(&t.bridge).exists(),
        "bridge removed with the network"
    );
}

#[test]
fn version_0_4_0_results_and_loopback_only_namespaces() {
    if !ready() {
        return;
    }
    let mut t = T::new(2, "0.4.0");
    let ns = t.netns("old");
    let a = t
        .mgr
        .setup("ctr-old", &ns, &t.req(), &[])
        .expect("0.4.0 setup");
    assert!(
        a[0].addresses[0].starts_with("10.231.2.") && a[0].gateway.is_some(),
        "{a:?}"
    );
    t.mgr.check("ctr-old").expect("CHECK");
    t.mgr.teardown("ctr-old").expect("teardown");
    let none = t.netns("none");
    let out = in_ns(&none, &["ip", "-o", "link"])
        .output()
        .expect("ip link");
    let links = String::from_utf8_lossy(&out.stdout);
    assert_eq!(links.lines().count(), 1, "{links}");
    assert!(
        links.contains("lo:") && links.contains("UP"),
        "lo is up: {links}"
    );
}

#[test]
fn a_port_mapping_on_loopback_reaches_httpd_in_the_container() {
    if !ready() {
        return;
    }
    let mut t = T::new(3, "1.0.0");
    let ns = t.netns("web");
    let www = t.dir.path().join("www");
    fs::create_dir(&www).expect("www");
    fs::write(www.join("index.html"), "hello through portmap\n").expect("index");
    let httpd = in_ns(
        &ns,
        &[
            "httpd",
            "-f",
            "-p",
            "8080",
            "-h",
            www.to_str().expect("utf8"),
        ],
    )
    .spawn()
    .expect("httpd");
    t.kids.push(httpd);
    // A port free a moment ago may be taken by a parallel test before the setup binds it:
    // then another one is tried.
    let mut port = 0;
    for attempt in 0..5 {
        port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let pm = PortMapping {
            host_ip: "127.0.0.1".into(),
            host_port: port,
            container_port: 8080,
            protocol: libpod_network::Protocol::Tcp,
            range: 1,
        };
        match t.mgr.setup("ctr-web", &ns, &t.req(), &[pm]) {
            Ok(_) => break,
            Err(libpod_network::NetworkError::PortInUse { .. }) if attempt < 4 => continue,
            Err(e) => panic!("setup: {e:?}"),
        }
    }
    let mut body = String::new();
    for _ in 0..50 {
        if let Ok(mut s) = std::net::TcpStream::connect_timeout(
            &format!("127.0.0.1:{port}").parse().expect("addr"),
            Duration::from_secs(2),
        ) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n");
            let _ = s.read_to_string(&mut body);
            if body.contains("hello through portmap") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        body.contains("hello through portmap"),
        "no page through 127.0.0.1:{port}: {body:?}"
    );
    assert!(t.rules() > 0);
    t.mgr.teardown("ctr-web").expect("teardown");
    assert_eq!(t.rules(), 0, "port mapping rules removed");
}

#[test]
fn a_failed_add_leaves_nothing_behind() {
    if !ready() {
        return;
    }
    let mut t = T::new(4, "1.0.0");
    // Append a plugin that does not exist: bridge and IPAM run, then the chain fails.
    let net = t.mgr.network(&t.net).expect("net");
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(net.file.as_ref().expect("file")).expect("read"))
            .expect("json");
    v["plugins"]
        .as_array_mut()
        .expect("plugins")
        .push(serde_json::json!({"type": "no-such-plugin"}));
    fs::write(net.file.as_ref().expect("file"), v.to_string()).expect("write");
    let ns = t.netns("fail");
    let e = t
        .mgr
        .setup("ctr-fail", &ns, &t.req(), &[])
        .expect_err("missing plugin");
    assert!(
        matches!(&e, NetworkError::PluginNotFound { plugin, .. } if plugin == "no-such-plugin"),
        "{e}"
    );
    assert_eq!(
        (t.bridge_ports(), t.ipam_files(), t.rules()),
        (0, 0, 0),
        "veth, IPAM allocation and rules undone"
    );
    assert!(t.mgr.attachments("ctr-fail").is_empty());
    // A plugin's own error comes back with its message.
    v["plugins"].as_array_mut().expect("plugins").pop();
    v["plugins"][0]["ipam"]["ranges"][0][0]["subnet"] = serde_json::json!("10.231.4.0/33");
    fs::write(net.file.as_ref().expect("file"), v.to_string()).expect("write");
    let e = t
        .mgr
        .setup("ctr-fail", &ns, &t.req(), &[])
        .expect_err("bad subnet");
    assert!(
        matches!(&e, NetworkError::Plugin { plugin, .. } if plugin == "bridge"),
        "{e}"
    );
    assert!(e.to_string().contains("10.231.4.0/33"), "{e}");
    assert_eq!((t.bridge_ports(), t.ipam_files(), t.rules()), (0, 0, 0));
}

#[test]
fn fifty_setups_and_teardowns_leave_the_host_as_it_was() {
    if !ready() {
        return;
    }
    let mut t = T::new(5, "1.0.0");
    // Warm up: the bridge and the plugins' shared chains stay by design (host-facts).
    let ns = t.netns("warm");
    t.mgr.setup("warm", &ns, &t.req(), &[]).expect("warm");
    t.mgr.teardown("warm").expect("warm down");
    libpod_network::remove_netns(&ns).expect("rm netns");
    let before = (t.bridge_ports(), t.netns_files(), t.ipam_files(), t.rules());
    for i in 0..50 {
        let ns = t.mgr.create_netns(&format!("c{i}")).expect("netns");
        let port = PortMapping {
            host_ip: "127.0.0.1".into(),
            host_port: 20000 + i,
            container_port: 80,
            protocol: libpod_network::Protocol::Tcp,
            range: 1,
        };
        t.mgr
            .setup(&format!("ctr{i}"), &ns, &t.req(), &[port])
            .expect("setup");
        t.mgr.teardown(&format!("ctr{i}")).expect("teardown");
        libpod_network::remove_netns(&ns).expect("remove netns");
    }
    assert_eq!(
        (t.bridge_ports(), t.netns_files(), t.ipam_files(), t.rules()),
        before,
        "(bridge ports, netns files, IPAM files, iptables rules)"
    );
}
