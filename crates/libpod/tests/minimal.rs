//! A container's lifecycle with only what every build of the crate has: the in-memory state
//! and network mode `none`. Runs under each feature alone.

use std::path::Path;

use libpod::config::StateBackend;
use libpod::state::{ContainerStatus as S, NetworkMode};
use libpod::{ContainerOptions, LogOptions, Runtime};

fn require(what: &str, ok: bool) -> bool {
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI: {what} is required but missing (run `cargo xtask setup`)"
        );
        eprintln!("skipping: {what} is missing");
    }
    ok
}

#[test]
fn lifecycle_with_memory_state_and_no_network() {
    if !(require("root", nix::unistd::geteuid().is_root())
        && require(
            "runc and conmon",
            Path::new("/usr/sbin/runc").exists() && Path::new("/usr/bin/conmon").exists(),
        )
        && require("busybox-static", Path::new("/bin/busybox").exists()))
    {
        return;
    }
    let d = tempfile::tempdir().expect("tmp");
    let dir = d.path().to_path_buf();
    let rt = Runtime::builder_isolated()
        .config(move |c| {
            c.graph_root(dir.join("root"))
                .run_root(dir.join("run"))
                .cni_config_dir(dir.join("net.d"))
                .state_backend(StateBackend::Memory)
        })
        .build()
        .expect("runtime");
    let mut tar = Vec::new();
    libpod::storage::busybox::rootfs_tarball(Path::new("/bin/busybox"), &mut tar).expect("tarball");
    rt.import_tarball(&tar[..], Some("busybox"), &[], None)
        .expect("import");
    let c = rt
        .create_container(ContainerOptions {
            image: "busybox".into(),
            command: vec!["sh".into(), "-c".into(), "echo hi; exit 4".into()],
            network: NetworkMode::None,
            ..Default::default()
        })
        .expect("create");
    c.start().expect("start");
    assert_eq!(c.wait().expect("wait"), 4);
    assert_eq!(c.state().expect("state").status, S::Exited);
    assert_eq!(c.logs(&LogOptions::default()).expect("logs")[0].text, "hi");
    c.remove(false).expect("remove");
    rt.shutdown(false).expect("shutdown");
    assert!(matches!(
        rt.info(),
        Err(libpod::LibpodError::RuntimeStopped)
    ));
}
