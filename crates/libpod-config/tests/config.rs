//! Configuration layering, file formats and error reporting.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use libpod_config::{
    CgroupManager, ConfigBuilder, ConfigError, EventsLogger, LockKind, LogDriver, Origin,
    RuntimeConfig, StateBackend,
};
use proptest::prelude::*;

struct Dirs {
    _tmp: tempfile::TempDir,
    system: PathBuf,
    user: PathBuf,
    root: PathBuf,
}

fn dirs() -> Dirs {
    let tmp = tempfile::tempdir().expect("tempdir");
    let system = tmp.path().join("etc");
    let user = tmp.path().join("home");
    fs::create_dir_all(&system).expect("mkdir");
    fs::create_dir_all(&user).expect("mkdir");
    let root = tmp.path().to_path_buf();
    Dirs {
        _tmp: tmp,
        system,
        user,
        root,
    }
}

fn builder(d: &Dirs, env: &[(&str, &str)]) -> ConfigBuilder {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ConfigBuilder::isolated()
        .system_config_dir(Some(d.system.clone()))
        .user_config_dir(Some(d.user.clone()))
        .environment(env)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).expect("write");
    p
}

fn fake_exe(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, "#!/bin/sh\n").expect("write");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).expect("chmod");
    p
}

#[test]
fn defaults_follow_the_seed_and_derive_dirs_from_roots() {
    let cfg = ConfigBuilder::isolated()
        .graph_root("/srv/g")
        .run_root("/srv/r")
        .build()
        .expect("build");
    assert_eq!(cfg.static_dir, Path::new("/srv/g/libpod"));
    assert_eq!(cfg.tmp_dir, Path::new("/srv/r/libpod"));
    assert_eq!(
        cfg.events_log_path,
        Path::new("/srv/r/libpod/events/events.log")
    );
    assert_eq!(cfg.events_logger, EventsLogger::File);
    assert_eq!(cfg.events_log_max_size, Some(1_000_000));
    assert_eq!(cfg.state_backend, StateBackend::Sqlite);
    assert_eq!(cfg.oci_runtime, "runc");
    assert_eq!(cfg.cgroup_manager, CgroupManager::Cgroupfs);
    assert_eq!(cfg.image_default_transport, "docker://");
    assert_eq!(cfg.max_log_size, None);
    assert!(!cfg.no_pivot_root);
    assert_eq!(cfg.lock_kind, LockKind::File);
    assert_eq!(cfg.log_driver, LogDriver::K8sFile);
    assert_eq!(cfg.default_network, "rpod");
    assert_ne!(
        cfg.default_subnet, "10.88.0.0/16",
        "must not collide with podman's default network"
    );
    for d in ["/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin"] {
        assert!(
            cfg.cni_plugin_dirs.contains(&PathBuf::from(d)),
            "{d} missing from plugin dirs"
        );
    }
    assert!(
        cfg.conmon_paths
            .contains(&PathBuf::from("/usr/libexec/crio/conmon"))
    );
    assert!(cfg.runtimes.contains_key("runc") && cfg.runtimes.contains_key("crun"));
    assert!(cfg.conmon_env.iter().any(|e| e.starts_with("PATH=")));
}

#[test]
fn root_defaults_never_collide_with_podman() {
    let cfg = ConfigBuilder::isolated().build().expect("build");
    let s = format!(
        "{:?} {:?} {:?}",
        cfg.storage.graph_root, cfg.storage.run_root, cfg.cni_config_dir
    );
    assert!(!s.contains("/containers"), "{s}");
    assert!(s.contains("libpod-rs"), "{s}");
}

#[test]
fn precedence_is_defaults_system_user_env_builder() {
    let d = dirs();
    write(
        &d.system,
        "containers.conf",
        "[engine]\nstatic_dir = \"/sys-static\"\ntmp_dir = \"/sys-tmp\"\nnum_locks = 7\n[engine.runtimes]\nfoo = [\"/x/foo\"]\n",
    );
    write(
        &d.user,
        "containers.conf",
        "[engine]\nstatic_dir = \"/user-static\"\n",
    );
    let cfg = builder(&d, &[]).build().expect("build");
    assert_eq!(
        cfg.static_dir,
        Path::new("/user-static"),
        "user file beats system file"
    );
    assert_eq!(
        cfg.tmp_dir,
        Path::new("/sys-tmp"),
        "system file beats default"
    );
    assert_eq!(cfg.num_locks, 7);
    assert_eq!(cfg.runtimes["foo"], vec![PathBuf::from("/x/foo")]);

    let cfg = builder(&d, &[("LIBPOD_RS_STATIC_DIR", "/env-static")])
        .build()
        .expect("build");
    assert_eq!(
        cfg.static_dir,
        Path::new("/env-static"),
        "environment beats files"
    );

    let cfg = builder(&d, &[("LIBPOD_RS_STATIC_DIR", "/env-static")])
        .static_dir("/opt-static")
        .build()
        .expect("build");
    assert_eq!(
        cfg.static_dir,
        Path::new("/opt-static"),
        "builder beats environment"
    );
}

#[test]
fn env_file_variables_are_read_last() {
    let d = dirs();
    write(
        &d.user,
        "containers.conf",
        "[engine]\ndatabase_backend = \"sqlite\"\n",
    );
    let extra = write(
        &d.root,
        "extra.conf",
        "[engine]\ndatabase_backend = \"redb\"\n",
    );
    let cfg = builder(&d, &[("LIBPOD_RS_CONF", extra.to_str().expect("utf8"))])
        .build()
        .expect("build");
    assert_eq!(cfg.state_backend, StateBackend::Redb);
    // The variable says what kind of file it names, whatever the file is called.
    let regs = write(
        &d.root,
        "regs.conf",
        "[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n",
    );
    let store = write(&d.root, "s.conf", "[storage]\ndriver = \"vfs\"\n");
    let cfg = builder(
        &d,
        &[
            ("LIBPOD_RS_REGISTRIES_CONF", regs.to_str().expect("utf8")),
            ("LIBPOD_RS_STORAGE_CONF", store.to_str().expect("utf8")),
        ],
    )
    .build()
    .expect("build");
    assert!(
        cfg.registries
            .iter()
            .any(|r| r.location == "127.0.0.1:5000" && r.insecure)
    );
    assert_eq!(cfg.storage.driver, "vfs");
    let missing = builder(&d, &[("LIBPOD_RS_CONF", "/nonexistent/x.conf")]).build();
    assert!(
        matches!(missing, Err(ConfigError::Io { .. })),
        "{missing:?}"
    );
}

#[test]
fn every_containers_conf_key_is_read() {
    let d = dirs();
    let runc = fake_exe(&d.root, "myrunc");
    let conmon = fake_exe(&d.root, "myconmon");
    let seccomp = write(&d.root, "seccomp.json", "{}");
    let text = format!(
        r#"
[containers]
log_driver = "none"
log_size_max = 1048576
seccomp_profile = "{seccomp}"

[engine]
cgroup_manager = "systemd"
conmon_path = ["{conmon}"]
conmon_env_vars = ["PATH=/bin", "A=b"]
database_backend = "memory"
events_logger = "none"
events_logfile_path = "/ev/events.log"
events_logfile_max_size = "500k"
image_default_transport = "oci:"
lock_type = "memory"
no_pivot_root = true
num_locks = 4096
runtime = "mine"
signature_policy_path = "/etc/policy.json"
static_dir = "/s"
tmp_dir = "/t"

[engine.runtimes]
mine = ["/nonexistent/mine", "{runc}"]

[network]
cni_plugin_dirs = ["/p1", "/p2"]
default_network = "net0"
default_subnet = "10.200.0.0/24"
network_config_dir = "/n"
"#,
        seccomp = seccomp.display(),
        conmon = conmon.display(),
        runc = runc.display()
    );
    write(&d.system, "containers.conf", &text);
    let cfg = builder(&d, &[]).build().expect("build");
    assert_eq!(cfg.log_driver, LogDriver::None);
    assert_eq!(cfg.max_log_size, Some(1_048_576));
    assert_eq!(cfg.seccomp_profile.as_deref(), Some(seccomp.as_path()));
    assert_eq!(cfg.cgroup_manager, CgroupManager::Systemd);
    assert_eq!(cfg.conmon_path().expect("conmon"), conmon);
    assert_eq!(
        cfg.conmon_env,
        vec!["PATH=/bin".to_string(), "A=b".to_string()]
    );
    assert_eq!(cfg.state_backend, StateBackend::Memory);
    assert_eq!(cfg.events_logger, EventsLogger::None);
    assert_eq!(cfg.events_log_path, Path::new("/ev/events.log"));
    assert_eq!(cfg.events_log_max_size, Some(500_000));
    assert_eq!(cfg.image_default_transport, "oci:");
    assert_eq!(cfg.lock_kind, LockKind::Memory);
    assert!(cfg.no_pivot_root);
    assert_eq!(cfg.num_locks, 4096);
    assert_eq!(
        cfg.runtime_path().expect("runtime"),
        runc,
        "first existing candidate wins"
    );
    assert_eq!(
        cfg.signature_policy_path.as_deref(),
        Some(Path::new("/etc/policy.json"))
    );
    assert_eq!(
        (cfg.static_dir.as_path(), cfg.tmp_dir.as_path()),
        (Path::new("/s"), Path::new("/t"))
    );
    assert_eq!(
        cfg.cni_plugin_dirs,
        vec![PathBuf::from("/p1"), PathBuf::from("/p2")]
    );
    assert_eq!(cfg.default_network, "net0");
    assert_eq!(cfg.default_subnet, "10.200.0.0/24");
    assert_eq!(cfg.cni_config_dir, Path::new("/n"));
}

#[test]
fn storage_and_registries_files_are_read() {
    let d = dirs();
    write(
        &d.system,
        "storage.conf",
        "[storage]\ndriver = \"vfs\"\ngraphroot = \"/g\"\nrunroot = \"/r\"\n[storage.options.overlay]\nmountopt = \"nodev, metacopy=on\"\n",
    );
    write(
        &d.user,
        "registries.conf",
        r#"unqualified-search-registries = ["127.0.0.1:5000", "docker.io"]
short-name-mode = "enforcing"

[[registry]]
prefix = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "quay.io"
blocked = true

[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "mirror.local"
insecure = true

[aliases]
"busybox" = "docker.io/library/busybox"
"#,
    );
    let cfg = builder(&d, &[]).build().expect("build");
    assert_eq!(cfg.storage.driver, "vfs");
    assert_eq!(cfg.storage.graph_root, Path::new("/g"));
    assert_eq!(cfg.storage.run_root, Path::new("/r"));
    assert_eq!(
        cfg.storage.mount_options,
        vec!["nodev".to_string(), "metacopy=on".to_string()]
    );
    assert_eq!(
        cfg.static_dir,
        Path::new("/g/libpod"),
        "static dir follows the file's graphroot"
    );
    assert_eq!(
        cfg.search_registries,
        vec!["127.0.0.1:5000".to_string(), "docker.io".to_string()]
    );
    assert_eq!(cfg.short_name_mode, "enforcing");
    assert_eq!(cfg.insecure_registries, vec!["127.0.0.1:5000".to_string()]);
    assert_eq!(cfg.registries.len(), 3);
    assert!(cfg.registries[1].blocked && cfg.registries[1].prefix == "quay.io");
    assert_eq!(cfg.registries[2].mirrors[0].location, "mirror.local");
    assert_eq!(cfg.aliases["busybox"], "docker.io/library/busybox");
}

fn invalid(r: Result<RuntimeConfig, ConfigError>) -> (PathBuf, usize, String, String) {
    match r {
        Err(ConfigError::Invalid {
            path,
            line,
            key,
            message,
            ..
        }) => (path, line, key, message),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn unknown_containers_conf_key_is_a_warning_naming_file_and_key() {
    let d = dirs();
    let p = write(
        &d.system,
        "containers.conf",
        "[engine]\nnum_locks = 3\nnum_lokcs = 4\n[machine]\ncpus = 2\n",
    );
    let cfg = builder(&d, &[])
        .build()
        .expect("a typo is a warning, not an error");
    assert_eq!(cfg.num_locks, 3);
    assert_eq!(cfg.warnings.len(), 2, "{:?}", cfg.warnings);
    for key in ["engine.num_lokcs", "machine.cpus"] {
        assert!(
            cfg.warnings
                .iter()
                .any(|w| w.contains(&p.display().to_string()) && w.contains(key)),
            "{key}: {:?}",
            cfg.warnings
        );
    }
}

#[test]
fn unknown_storage_conf_key_names_file_line_and_key() {
    let d = dirs();
    let p = write(
        &d.system,
        "storage.conf",
        "[storage]\ndriver = \"overlay\"\ndrvier = \"vfs\"\n",
    );
    let (path, line, key, message) = invalid(builder(&d, &[]).build());
    assert_eq!(path, p);
    assert_eq!(line, 3);
    assert_eq!(key, "drvier");
    assert!(message.contains("unknown field"), "{message}");
    let full = builder(&d, &[]).build().expect_err("error").to_string();
    assert!(full.contains(&format!("{}:3:", p.display())), "{full}");
}

/// Debian's podman 4.3 package ships this (comments aside) as
/// /usr/share/containers/containers.conf.
const DEBIAN_CONTAINERS_CONF: &str = r#"
[containers]
default_capabilities = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT"
]
default_sysctls = [
  "net.ipv4.ping_group_range=0 0",
]
[secrets]
[secrets.opts]
[network]
[engine]
[engine.runtimes]
[engine.volume_plugins]
[machine]
"#;

#[test]
fn podmans_own_containers_conf_loads() {
    let d = dirs();
    let p = write(&d.system, "containers.conf", DEBIAN_CONTAINERS_CONF);
    let cfg = builder(&d, &[]).build().expect("Debian's file loads");
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    assert_eq!(cfg.default_capabilities.len(), 11);
    assert_eq!(
        cfg.container_defaults.sysctls,
        [("net.ipv4.ping_group_range".to_string(), "0 0".to_string())]
    );
    drop(p);
    // The host's own copy, where podman is installed (CI installs it).
    let host = PathBuf::from("/usr/share/containers/containers.conf");
    if host.exists() {
        ConfigBuilder::isolated()
            .podman_config_files(vec![host])
            .build()
            .expect("the host's podman containers.conf loads");
    }
}

#[test]
fn container_defaults_are_read_and_checked() {
    let d = dirs();
    write(
        &d.system,
        "containers.conf",
        "[containers]\npids_limit = 100\nshm_size = \"128m\"\numask = \"0077\"\n\
         default_ulimits = [\"nofile=500:1000\"]\nipcns = \"host\"\ntz = \"UTC\"\n\
         env = [\"A=1\"]\ninit = true\nread_only = true\n",
    );
    let c = builder(&d, &[]).build().expect("valid").container_defaults;
    assert_eq!(c.pids_limit, Some(100));
    assert_eq!(c.shm_size, 128 << 20);
    assert_eq!(c.umask, 0o077);
    assert_eq!(c.ulimits[0].soft, 500);
    assert_eq!(c.ipcns, libpod_config::NamespaceMode::Host);
    assert_eq!(c.tz.as_deref(), Some("UTC"));
    assert_eq!(c.env, ["A=1"]);
    assert!(c.init && c.read_only && c.http_proxy);
    for (bad, key) in [
        ("pids_limit = \"many\"", "pids_limit"),
        ("shm_size = \"big\"", "shm_size"),
        ("default_sysctls = [\"kernel.panic=1\"]", "default_sysctls"),
        ("default_ulimits = [\"nofiles=1\"]", "default_ulimits"),
        ("devices = [\"dev/null\"]", "devices"),
        ("ipcns = \"bogus\"", "ipcns"),
        ("umask = \"999\"", "umask"),
    ] {
        write(
            &d.system,
            "containers.conf",
            &format!("[containers]\n{bad}\n"),
        );
        let e = builder(&d, &[]).build().expect_err(bad).to_string();
        assert!(
            e.contains(key) && e.contains("containers.conf"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn unknown_table_is_an_error_too() {
    let d = dirs();
    write(
        &d.system,
        "storage.conf",
        "[storage]\ndriver = \"overlay\"\n\n[storage.options.thinpool]\nsize = \"1G\"\n",
    );
    let (_, line, _, message) = invalid(builder(&d, &[]).build());
    assert_eq!(line, 4, "{message}");
}

#[test]
fn wrong_type_names_the_key_and_expectation() {
    let d = dirs();
    write(
        &d.user,
        "containers.conf",
        "[engine]\n\nno_pivot_root = \"yes\"\n",
    );
    let (_, line, key, message) = invalid(builder(&d, &[]).build());
    assert_eq!((line, key.as_str()), (3, "no_pivot_root"));
    assert!(message.contains("bool"), "{message}");
}

#[test]
fn syntax_error_is_reported_with_position() {
    let d = dirs();
    write(
        &d.system,
        "registries.conf",
        "unqualified-search-registries = [\"a\",\n\n[[registry]\n",
    );
    let (_, line, _, _) = invalid(builder(&d, &[]).build());
    assert!(line >= 1);
}

#[test]
fn relative_path_is_refused_with_its_origin() {
    let d = dirs();
    let p = write(
        &d.system,
        "containers.conf",
        "[network]\n# comment\nnetwork_config_dir = \"net.d\"\n",
    );
    match builder(&d, &[]).build() {
        Err(ConfigError::RelativePath {
            origin: Origin::File { path, line },
            key,
            value,
        }) => {
            assert_eq!(
                (path, line, key.as_str(), value.as_str()),
                (p, 3, "network_config_dir", "net.d")
            );
        }
        other => panic!("{other:?}"),
    }
    let env = builder(&d, &[]).system_config_dir(None);
    let err = env
        .graph_root("relative/root")
        .build()
        .expect_err("relative builder path");
    assert!(err.to_string().contains("absolute"), "{err}");
    let err = builder(&dirs(), &[("LIBPOD_RS_ROOT", "x")])
        .build()
        .expect_err("relative env path");
    assert!(err.to_string().contains("LIBPOD_RS_ROOT"), "{err}");
}

#[test]
fn named_runtime_that_is_missing_is_an_error_naming_the_line() {
    let d = dirs();
    let p = write(
        &d.system,
        "containers.conf",
        "[engine]\nruntime = \"nosuchruntime-xyz\"\n",
    );
    match builder(&d, &[]).build() {
        Err(ConfigError::RuntimeNotFound {
            origin: Origin::File { path, line },
            name,
            ..
        }) => {
            assert_eq!((path, line, name.as_str()), (p, 2, "nosuchruntime-xyz"));
        }
        other => panic!("{other:?}"),
    }
    let err = builder(&dirs(), &[("LIBPOD_RS_RUNTIME", "/nonexistent/runc")])
        .build()
        .expect_err("missing");
    let msg = err.to_string();
    assert!(
        msg.contains("LIBPOD_RS_RUNTIME") && msg.contains("/nonexistent/runc"),
        "{msg}"
    );
    let err = ConfigBuilder::isolated()
        .conmon_paths(vec!["/nonexistent/conmon".into()])
        .build()
        .expect_err("conmon");
    assert!(
        matches!(
            err,
            ConfigError::ConmonNotFound {
                origin: Origin::Builder,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn runtime_by_absolute_path_and_by_path_lookup() {
    let d = dirs();
    let exe = fake_exe(&d.root, "rt");
    let cfg = ConfigBuilder::isolated()
        .oci_runtime(exe.to_str().expect("utf8"))
        .build()
        .expect("build");
    assert_eq!(cfg.runtime_path().expect("path"), exe);
    // `sh` is on every PATH: a runtime name not in the table is looked up there.
    let cfg = ConfigBuilder::isolated()
        .oci_runtime("sh")
        .build()
        .expect("build");
    assert!(cfg.runtime_path().expect("sh").ends_with("sh"));
}

#[test]
fn bad_enum_values_say_what_is_accepted() {
    let d = dirs();
    write(
        &d.system,
        "containers.conf",
        "[engine]\ndatabase_backend = \"boltdb\"\n",
    );
    let msg = builder(&d, &[]).build().expect_err("boltdb").to_string();
    assert!(
        msg.contains("boltdb") && msg.contains("memory, sqlite, redb") && msg.contains(":2"),
        "{msg}"
    );
    let msg = builder(&dirs(), &[("LIBPOD_RS_CGROUP_MANAGER", "x")])
        .build()
        .expect_err("x")
        .to_string();
    assert!(msg.contains("cgroupfs, systemd"), "{msg}");
    let msg = builder(&dirs(), &[("LIBPOD_RS_NO_SUCH", "1")])
        .build()
        .expect_err("unknown")
        .to_string();
    assert!(
        msg.contains("LIBPOD_RS_NO_SUCH") && msg.contains("LIBPOD_RS_ROOT"),
        "{msg}"
    );
    let d = dirs();
    write(
        &d.system,
        "containers.conf",
        "[containers]\nlog_size_max = -7\n",
    );
    let msg = builder(&d, &[]).build().expect_err("-7").to_string();
    assert!(msg.contains("-1 for unlimited"), "{msg}");
    let d = dirs();
    write(&d.system, "storage.conf", "[storage]\ndriver = \"btrfs\"\n");
    let msg = builder(&d, &[]).build().expect_err("btrfs").to_string();
    assert!(msg.contains("overlay, vfs"), "{msg}");
}

#[test]
fn explicit_seccomp_profile_must_exist() {
    let err = ConfigBuilder::isolated()
        .seccomp_profile("/nonexistent/seccomp.json")
        .build()
        .expect_err("missing");
    assert!(err.to_string().contains("seccomp"), "{err}");
}

#[test]
fn builder_options_cover_every_field() {
    let cfg = ConfigBuilder::isolated()
        .graph_root("/g")
        .run_root("/r")
        .storage_driver("vfs")
        .mount_options(vec!["nodev".into()])
        .image_default_transport("oci:")
        .insecure_registries(vec!["a".into()])
        .search_registries(vec!["b".into()])
        .signature_policy_path("/p.json")
        .state_backend(StateBackend::Redb)
        .conmon_env(vec!["X=1".into()])
        .cgroup_manager(CgroupManager::Systemd)
        .static_dir("/s")
        .tmp_dir("/t")
        .max_log_size(Some(10))
        .no_pivot_root(true)
        .cni_config_dir("/c")
        .cni_plugin_dirs(vec!["/pd".into()])
        .default_network("n")
        .default_subnet("10.1.0.0/24")
        .num_locks(1)
        .lock_kind(LockKind::Memory)
        .log_driver(LogDriver::None)
        .build()
        .expect("build");
    assert_eq!(cfg.storage.driver, "vfs");
    assert_eq!(cfg.insecure_registries, vec!["a".to_string()]);
    assert_eq!(cfg.search_registries, vec!["b".to_string()]);
    assert_eq!(cfg.state_backend, StateBackend::Redb);
    assert_eq!(cfg.max_log_size, Some(10));
    assert_eq!(cfg.cni_plugin_dirs, vec![PathBuf::from("/pd")]);
    assert_eq!(cfg.lock_kind, LockKind::Memory);
    // The config is plain serde data: it round-trips through TOML unchanged.
    let back = toml_roundtrip(&cfg);
    assert_eq!(back, cfg);
}

fn toml_roundtrip(cfg: &RuntimeConfig) -> RuntimeConfig {
    let text = toml::to_string(cfg).expect("serialize");
    toml::from_str(&text).expect("deserialize")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Parsing never panics, whatever the text.
    #[test]
    fn parsing_arbitrary_text_never_panics(text in ".{0,400}") {
        for kind in ["containers", "storage", "registries"] {
            let _ = libpod_config::parse_file_text(kind, Path::new("/fuzz.conf"), &text);
        }
    }

    /// Near-valid files (known keys, random values) give Ok or a located error, never a panic.
    #[test]
    fn near_valid_files_give_located_errors(
        key in prop::sample::select(vec!["num_locks", "runtime", "static_dir", "no_pivot_root", "conmon_path", "bogus"]),
        value in prop::sample::select(vec!["1", "-1", "\"x\"", "\"/abs\"", "true", "[\"/a\"]", "[1]", "{a=1}", "\"\u{e9}\"", "99999999999"]),
        blank_lines in 0usize..4,
    ) {
        let text = format!("[engine]\n{}{key} = {value}\n", "\n".repeat(blank_lines));
        if let Err(ConfigError::Invalid { line, .. }) = libpod_config::parse_file_text("containers", Path::new("/f"), &text) {
            prop_assert!(line >= 1 && line <= blank_lines + 3, "line {line} for {text:?}");
        }
    }
}
