//! containers.conf `[containers]` defaults for new containers: read per file with checks
//! that name the file and line, laid over each other key by key, then resolved into
//! [`ContainerDefaults`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use toml::Spanned;

use crate::conf_containers::ContainersTable;
pub use crate::container_defaults::ContainerDefaults;
use crate::error::ConfigError;
use crate::files::Parsed;
use crate::resources::{DeviceMapping, Ulimit, parse_sysctl};
use crate::security::NamespaceMode;

/// Declares `DefaultsLayer` (what one file sets) and its key-by-key merge.
macro_rules! layer {
    ($($field:ident: $ty:ty),+ $(,)?) => {
        /// The `[containers]` defaults one file sets.
        #[derive(Debug, Clone, Default)]
        pub(crate) struct DefaultsLayer { $(pub(crate) $field: Option<$ty>,)+ }
        impl DefaultsLayer {
            /// Lays `upper` over `self`: what `upper` sets wins.
            pub(crate) fn merge(&mut self, upper: DefaultsLayer) {
                $(if upper.$field.is_some() { self.$field = upper.$field; })+
            }
            /// The defaults, with what the layers set.
            pub(crate) fn resolve(self) -> ContainerDefaults {
                let mut d = ContainerDefaults::default();
                $(if let Some(v) = self.$field { d.$field = v; })+
                d
            }
        }
    };
}

layer! {
    annotations: BTreeMap<String, String>,
    apparmor_profile: String,
    base_hosts_file: Option<PathBuf>,
    cgroupns: NamespaceMode,
    cgroups: String,
    sysctls: Vec<(String, String)>,
    ulimits: Vec<Ulimit>,
    devices: Vec<DeviceMapping>,
    dns_servers: Vec<std::net::IpAddr>,
    dns_searches: Vec<String>,
    dns_options: Vec<String>,
    env: Vec<String>,
    env_host: bool,
    http_proxy: bool,
    init: bool,
    init_path: Option<PathBuf>,
    ipcns: NamespaceMode,
    label: bool,
    log_tag: Option<String>,
    netns: Option<String>,
    no_hosts: bool,
    oom_score_adj: Option<i32>,
    pidns: NamespaceMode,
    pids_limit: Option<i64>,
    read_only: bool,
    shm_size: u64,
    tz: Option<String>,
    umask: u32,
    userns: crate::userns::UserNsMode,
    userns_size: u32,
    utsns: NamespaceMode,
}

/// Checks one file's values: `Err(expected)` names what the key accepts.
struct Check<'a, T> {
    file: &'a Parsed<T>,
}

impl<T> Check<'_, T> {
    fn one<V, R>(
        &self,
        v: &Option<Spanned<V>>,
        key: &str,
        f: impl FnOnce(&V) -> Result<R, String>,
    ) -> Result<Option<R>, ConfigError>
    where
        V: std::fmt::Debug,
    {
        let Some(s) = v else { return Ok(None) };
        f(s.get_ref())
            .map(Some)
            .map_err(|expected| ConfigError::InvalidValue {
                origin: self.file.origin(s.span()),
                key: key.to_string(),
                value: format!("{:?}", s.get_ref()).trim_matches('"').to_string(),
                expected,
            })
    }
    fn each<R>(
        &self,
        v: &Option<Spanned<Vec<String>>>,
        key: &str,
        f: impl Fn(&str) -> Result<R, String>,
    ) -> Result<Option<Vec<R>>, ConfigError> {
        self.one(v, key, |list| list.iter().map(|s| f(s)).collect())
    }
}

fn namespace(
    kind: &'static str,
    allowed: &'static [&'static str],
) -> impl Fn(&String) -> Result<NamespaceMode, String> {
    move |v| {
        if !allowed.contains(&v.as_str()) {
            return Err(format!("one of {}", allowed.join(", ")));
        }
        NamespaceMode::parse(v, kind)
    }
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("KEY=VALUE, not {s:?}"))
}

fn ok<V: Clone>(v: &V) -> Result<V, String> {
    Ok(v.clone())
}

#[allow(clippy::ptr_arg)] // `Check::one` hands each key's value as stored
fn abs(v: &String) -> Result<Option<PathBuf>, String> {
    let v: &str = v;
    match v {
        "" => Ok(None),
        p if p.starts_with('/') => Ok(Some(PathBuf::from(p))),
        _ => Err("an absolute path".into()),
    }
}

/// The `[containers]` defaults a file sets, each checked.
pub(crate) fn layer<T>(
    file: &Parsed<T>,
    c: &ContainersTable,
) -> Result<DefaultsLayer, ConfigError> {
    let k = Check { file };
    let private = &["host", "private"];
    Ok(DefaultsLayer {
        annotations: k
            .each(&c.annotations, "annotations", key_value)?
            .map(|v| v.into_iter().collect()),
        apparmor_profile: k.one(&c.apparmor_profile, "apparmor_profile", ok)?,
        base_hosts_file: k.one(&c.base_hosts_file, "base_hosts_file", abs)?,
        cgroupns: k.one(&c.cgroupns, "cgroupns", namespace("cgroupns", private))?,
        cgroups: k.one(&c.cgroups, "cgroups", |v: &String| {
            let known = ["enabled", "disabled", "no-conmon", "split"];
            known
                .contains(&v.as_str())
                .then(|| v.clone())
                .ok_or_else(|| format!("one of {}", known.join(", ")))
        })?,
        sysctls: k.each(&c.default_sysctls, "default_sysctls", parse_sysctl)?,
        ulimits: k.each(&c.default_ulimits, "default_ulimits", Ulimit::parse)?,
        devices: k.each(&c.devices, "devices", DeviceMapping::parse)?,
        dns_servers: k.each(&c.dns_servers, "dns_servers", crate::dns::parse_server)?,
        dns_searches: k.each(&c.dns_searches, "dns_searches", |s| Ok(s.to_string()))?,
        dns_options: k.each(&c.dns_options, "dns_options", |s| Ok(s.to_string()))?,
        env: k.each(&c.env, "env", |e| key_value(e).map(|_| e.to_string()))?,
        env_host: k.one(&c.env_host, "env_host", ok)?,
        http_proxy: k.one(&c.http_proxy, "http_proxy", ok)?,
        init: k.one(&c.init, "init", ok)?,
        init_path: k.one(&c.init_path, "init_path", abs)?,
        ipcns: k.one(
            &c.ipcns,
            "ipcns",
            namespace("ipc", &["host", "private", "shareable", "none"]),
        )?,
        label: k.one(&c.label, "label", ok)?,
        log_tag: k.one(&c.log_tag, "log_tag", |v: &String| {
            Ok((!v.is_empty()).then(|| v.clone()))
        })?,
        netns: k.one(&c.netns, "netns", |v: &String| {
            let known = ["bridge", "host", "none", "private", "slirp4netns", "pasta"];
            known
                .contains(&v.as_str())
                .then(|| Some(v.clone()))
                .ok_or_else(|| format!("one of {}", known.join(", ")))
        })?,
        no_hosts: k.one(&c.no_hosts, "no_hosts", ok)?,
        oom_score_adj: k.one(&c.oom_score_adj, "oom_score_adj", |v: &i64| {
            (-1000..=1000)
                .contains(v)
                .then_some(Some(*v as i32))
                .ok_or_else(|| "a number from -1000 to 1000".to_string())
        })?,
        pidns: k.one(&c.pidns, "pidns", namespace("pid", private))?,
        pids_limit: k.one(&c.pids_limit, "pids_limit", |v: &i64| {
            Ok((*v > 0).then_some(*v))
        })?,
        read_only: k.one(&c.read_only, "read_only", ok)?,
        shm_size: k.one(&c.shm_size, "shm_size", |v: &String| {
            crate::units::parse_ram(v).ok_or_else(|| "a size such as 64m".to_string())
        })?,
        tz: k.one(&c.tz, "tz", |v: &String| {
            Ok((!v.is_empty()).then(|| v.clone()))
        })?,
        umask: k.one(&c.umask, "umask", |v: &String| {
            u32::from_str_radix(v, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .ok_or_else(|| "an octal mode such as 0022".to_string())
        })?,
        userns: k.one(&c.userns, "userns", |v: &String| {
            crate::userns::UserNsMode::parse(v)
        })?,
        userns_size: k.one(&c.userns_size, "userns_size", |v: &i64| {
            u32::try_from(*v)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| "a positive number of IDs".to_string())
        })?,
        utsns: k.one(&c.utsns, "utsns", namespace("uts", private))?,
    })
}

/// Warnings for defaults that are read but not yet acted on (named, so nobody believes
/// they are in force).
pub(crate) fn unimplemented(d: &ContainerDefaults) -> Vec<String> {
    let mut out = Vec::new();
    if crate::security::apparmor_enabled() {
        out.push(format!(
            "containers.conf: apparmor_profile = {:?} is not applied yet: AppArmor is enabled on this host but containers run unconfined by it",
            d.apparmor_profile
        ));
    }
    if d.cgroups != "enabled" {
        out.push(format!(
            "containers.conf: cgroups = {:?} is not supported yet: containers get cgroups",
            d.cgroups
        ));
    }
    out
}
