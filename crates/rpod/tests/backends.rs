//! Issue 20: the network backend, chosen as podman 4.3 chooses it and recorded in the store;
//! a network file of the other backend is a clear error, never misread.

mod common;

use common::{R, podman::Podman, ready};

#[test]
fn a_fresh_store_gets_netavark_as_podman_and_keeps_its_choice() {
    if !ready() {
        return;
    }
    let r = R::new();
    let Some(pm) = Podman::new() else { return };
    let ours = r.ok(&["info", "--format", "{{.Host.NetworkBackend}}"]);
    let theirs = pm.ok(&["info", "--format", "{{.Host.NetworkBackend}}"]);
    assert_eq!(ours.trim(), theirs.trim());
    assert_eq!(ours.trim(), "netavark");
    let recorded = std::fs::read_to_string(r.dir.path().join("root/defaultNetworkBackend"))
        .expect("the choice is recorded");
    assert_eq!(recorded, "netavark");
    // The flag wins over the record, for that command only.
    let flagged = r.ok(&[
        "--network-backend",
        "cni",
        "info",
        "--format",
        "{{.Host.NetworkBackend}}",
    ]);
    assert_eq!(flagged.trim(), "cni");
    let again = r.ok(&["info", "--format", "{{.Host.NetworkBackend}}"]);
    assert_eq!(again.trim(), "netavark");
}

#[test]
fn a_network_of_the_other_backend_is_named_with_what_to_do() {
    if !ready() {
        return;
    }
    let r = R::on(Some("cni"));
    let name = format!("old{}", r.k);
    r.ok(&[
        "network",
        "create",
        "--subnet",
        &format!("10.238.{}.0/24", r.k),
        "--interface-name",
        &format!("rpo{}-{}", r.k, std::process::id() % 1000),
        &name,
    ]);
    let (code, _, err) = r.run(&[
        "--network-backend",
        "netavark",
        "run",
        "--rm",
        "--network",
        &name,
        "busybox",
        "true",
    ]);
    assert_eq!(code, 125, "{err}");
    assert!(
        err.contains(&format!("network {name} ("))
            && err.contains("is a cni network but this runtime uses netavark"),
        "{err}"
    );
    assert!(
        err.contains("--network-backend cni"),
        "says what to do: {err}"
    );
    // It still works on its own backend, and `network ls` on the other names it as skipped.
    r.ok(&["run", "--rm", "--network", &name, "busybox", "true"]);
    let (code, out, err) = r.run(&["--network-backend", "netavark", "network", "ls", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.lines().any(|l| l == name), "{out}");
    assert!(err.contains("is a cni network"), "{err}");
    r.ok(&["network", "rm", &name]);
}

#[test]
fn a_bad_backend_in_containers_conf_names_the_file_and_key() {
    if !ready() {
        return;
    }
    let r = R::new();
    let conf = r.dir.path().join("containers.conf");
    let mut text = std::fs::read_to_string(&conf).expect("conf");
    text = text.replace("[network]\n", "[network]\nnetwork_backend = \"slirp\"\n");
    std::fs::write(&conf, text).expect("write");
    let (code, _, err) = r.run(&["ps"]);
    assert_eq!(code, 125, "{err}");
    assert!(
        err.contains("network_backend") && err.contains("containers.conf"),
        "{err}"
    );
}
