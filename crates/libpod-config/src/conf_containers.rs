//! containers.conf as podman 4.3 reads it: the keys we implement are typed (a wrong type is
//! an error naming file, line and key); any other key is reported by [`unknown_keys`] so the
//! builder can warn about it, as podman warns, instead of refusing the file.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

/// containers.conf: `[containers]`, `[engine]`, `[network]`.
#[derive(Debug, Default, Deserialize)]
pub struct ContainersConf {
    /// `[containers]`.
    #[serde(default)]
    pub containers: ContainersTable,
    /// `[engine]`.
    #[serde(default)]
    pub engine: EngineTable,
    /// `[network]`.
    #[serde(default)]
    pub network: NetworkTable,
}

/// containers.conf `[containers]`.
#[derive(Debug, Default, Deserialize)]
pub struct ContainersTable {
    /// `annotations`: `KEY=VALUE` for every container.
    pub annotations: Option<Spanned<Vec<String>>>,
    /// `apparmor_profile`.
    pub apparmor_profile: Option<Spanned<String>>,
    /// `base_hosts_file`: the file `/etc/hosts` starts from.
    pub base_hosts_file: Option<Spanned<String>>,
    /// `dns_servers`: name servers every container's resolv.conf lists.
    pub dns_servers: Option<Spanned<Vec<String>>>,
    /// `dns_searches`: search domains for every container.
    pub dns_searches: Option<Spanned<Vec<String>>>,
    /// `dns_options`: resolver options for every container.
    pub dns_options: Option<Spanned<Vec<String>>>,
    /// `cgroupns`: host or private.
    pub cgroupns: Option<Spanned<String>>,
    /// `cgroups`: enabled, disabled, no-conmon, split.
    pub cgroups: Option<Spanned<String>>,
    /// `default_capabilities`: with or without `CAP_`.
    pub default_capabilities: Option<Spanned<Vec<String>>>,
    /// `default_sysctls`: `NAME=VALUE`.
    pub default_sysctls: Option<Spanned<Vec<String>>>,
    /// `default_ulimits`: `NAME=SOFT:HARD`.
    pub default_ulimits: Option<Spanned<Vec<String>>>,
    /// `devices`: `HOST[:CONTAINER][:PERMISSIONS]`.
    pub devices: Option<Spanned<Vec<String>>>,
    /// `env`: `KEY=VALUE` for every container.
    pub env: Option<Spanned<Vec<String>>>,
    /// `env_host`: pass the caller's whole environment.
    pub env_host: Option<Spanned<bool>>,
    /// `http_proxy`: pass the caller's proxy variables.
    pub http_proxy: Option<Spanned<bool>>,
    /// `init`: run every container under an init.
    pub init: Option<Spanned<bool>>,
    /// `init_path`.
    pub init_path: Option<Spanned<String>>,
    /// `ipcns`: host, private, shareable, none.
    pub ipcns: Option<Spanned<String>>,
    /// `label`: SELinux labelling (no effect where SELinux is off).
    pub label: Option<Spanned<bool>>,
    /// `log_driver`.
    pub log_driver: Option<Spanned<String>>,
    /// `log_size_max` in bytes, -1 for unlimited.
    pub log_size_max: Option<Spanned<i64>>,
    /// `log_tag`.
    pub log_tag: Option<Spanned<String>>,
    /// `netns`: bridge, host, none, private.
    pub netns: Option<Spanned<String>>,
    /// `no_hosts`: leave `/etc/hosts` as the image has it.
    pub no_hosts: Option<Spanned<bool>>,
    /// `oom_score_adj`.
    pub oom_score_adj: Option<Spanned<i64>>,
    /// `pidns`: host or private.
    pub pidns: Option<Spanned<String>>,
    /// `pids_limit`: 0 or -1 for none.
    pub pids_limit: Option<Spanned<i64>>,
    /// `read_only`.
    pub read_only: Option<Spanned<bool>>,
    /// `seccomp_profile`.
    pub seccomp_profile: Option<Spanned<String>>,
    /// `shm_size`: `64m`.
    pub shm_size: Option<Spanned<String>>,
    /// `tz`: a zone name, or `local`.
    pub tz: Option<Spanned<String>>,
    /// `umask`: octal.
    pub umask: Option<Spanned<String>>,
    /// `userns`: host, private, auto[:size=N], keep-id, nomap, container:, ns:.
    pub userns: Option<Spanned<String>>,
    /// `userns_size`.
    pub userns_size: Option<Spanned<i64>>,
    /// `utsns`: host or private.
    pub utsns: Option<Spanned<String>>,
}

/// containers.conf `[engine]`.
#[derive(Debug, Default, Deserialize)]
pub struct EngineTable {
    /// `cdi_spec_dirs`: where CDI device specs are read.
    pub cdi_spec_dirs: Option<Spanned<Vec<String>>>,
    /// `cgroup_manager`.
    pub cgroup_manager: Option<Spanned<String>>,
    /// `conmon_path`: candidate paths.
    pub conmon_path: Option<Spanned<Vec<String>>>,
    /// `conmon_env_vars`.
    pub conmon_env_vars: Option<Spanned<Vec<String>>>,
    /// `database_backend`: memory, sqlite or redb.
    pub database_backend: Option<Spanned<String>>,
    /// `events_logger`: file, journald or none.
    pub events_logger: Option<Spanned<String>>,
    /// `events_logfile_path`.
    pub events_logfile_path: Option<Spanned<String>>,
    /// `events_logfile_max_size`: bytes, with an optional k, m or g (powers of 1000).
    pub events_logfile_max_size: Option<Spanned<String>>,
    /// `helper_binaries_dir`: where netavark and aardvark-dns are looked for.
    pub helper_binaries_dir: Option<Spanned<Vec<String>>>,
    /// `image_default_transport`.
    pub image_default_transport: Option<Spanned<String>>,
    /// `lock_type`.
    pub lock_type: Option<Spanned<String>>,
    /// `no_pivot_root`.
    pub no_pivot_root: Option<Spanned<bool>>,
    /// `num_locks`.
    pub num_locks: Option<Spanned<u32>>,
    /// `runtime`: a name from `[engine.runtimes]` or an absolute path.
    pub runtime: Option<Spanned<String>>,
    /// `[engine.runtimes]`: name to candidate paths.
    pub runtimes: Option<BTreeMap<String, Spanned<Vec<String>>>>,
    /// `signature_policy_path` (our addition; podman takes it from a flag).
    pub signature_policy_path: Option<Spanned<String>>,
    /// `static_dir`.
    pub static_dir: Option<Spanned<String>>,
    /// `tmp_dir`.
    pub tmp_dir: Option<Spanned<String>>,
}

/// containers.conf `[network]`.
#[derive(Debug, Default, Deserialize)]
pub struct NetworkTable {
    /// `cni_plugin_dirs`.
    pub cni_plugin_dirs: Option<Spanned<Vec<String>>>,
    /// `default_network`.
    pub default_network: Option<Spanned<String>>,
    /// `default_subnet`.
    pub default_subnet: Option<Spanned<String>>,
    /// `network_config_dir`.
    pub network_config_dir: Option<Spanned<String>>,
    /// `network_backend`: cni or netavark ("" lets the runtime choose).
    pub network_backend: Option<Spanned<String>>,
}

/// The field names serde knows for `T`, asked of its derived `Deserialize` (a deserializer
/// that only records what `deserialize_struct` is told).
fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The dotted keys of a containers.conf text that we do not read (for warnings). Empty
/// tables (`[machine]`) are not keys. Text that is not TOML has none: the typed parse
/// reports it.
pub fn unknown_keys(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in &table {
        let known: &[&str] = match name.as_str() {
            "containers" => field_names::<ContainersTable>(),
            // Runtime names are free-form.
            "engine" => field_names::<EngineTable>(),
            "network" => field_names::<NetworkTable>(),
            _ => {
                leaves(name, value, &mut out);
                continue;
            }
        };
        let Some(t) = value.as_table() else { continue };
        for (k, v) in t {
            if !known.contains(&k.as_str()) {
                leaves(&format!("{name}.{k}"), v, &mut out);
            }
        }
    }
    out
}

/// `prefix` itself, or each key under it when it is a table.
fn leaves(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
    match value.as_table() {
        Some(t) => {
            for (k, v) in t {
                leaves(&format!("{prefix}.{k}"), v, out);
            }
        }
        None => out.push(prefix.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_listed_known_ones_are_not() {
        let text = r#"
[containers]
default_sysctls = ["net.ipv4.ping_group_range=0 0"]
volumes = ["/a:/b"]
[secrets]
[secrets.opts]
[engine]
runtime = "runc"
infra_image = "x"
[engine.runtimes]
runc = ["/usr/sbin/runc"]
[engine.volume_plugins]
[machine]
cpus = 1
"#;
        assert_eq!(
            unknown_keys(text),
            ["containers.volumes", "engine.infra_image", "machine.cpus"]
        );
        assert!(field_names::<ContainersTable>().contains(&"default_ulimits"));
        assert!(unknown_keys("not = [toml").is_empty());
    }
}
