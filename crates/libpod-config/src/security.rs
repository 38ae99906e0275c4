//! What a container may do: `--security-opt` and namespace modes, with the parsers for
//! podman's spellings (plain data shared by the state, the OCI layer and the facade).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The seccomp filter a container runs under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeccompMode {
    /// containers.conf's `seccomp_profile` (or the host's default profile).
    #[default]
    Default,
    /// No filter (`seccomp=unconfined`).
    Unconfined,
    /// This profile, in the containers (Docker) JSON format.
    Profile(PathBuf),
}

/// The `--security-opt` settings of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityOptions {
    /// Its seccomp filter.
    #[serde(default)]
    pub seccomp: SeccompMode,
    /// Its process cannot gain privileges through setuid binaries or file capabilities.
    #[serde(default)]
    pub no_new_privileges: bool,
    /// AppArmor profile (`unconfined` for none; `None`: the default where AppArmor is on).
    #[serde(default)]
    pub apparmor: Option<String>,
    /// SELinux label options as given (`disable`, `type:T`, `level:L`...).
    #[serde(default)]
    pub label: Vec<String>,
    /// Paths masked in addition to the default ones.
    #[serde(default)]
    pub mask: Vec<String>,
    /// Default masked paths left visible (`ALL` for every one).
    #[serde(default)]
    pub unmask: Vec<String>,
    /// Options for its `/proc` mount.
    #[serde(default)]
    pub proc_opts: Vec<String>,
    /// No masked or read-only paths, read-write `/sys` (`systempaths=unconfined`).
    #[serde(default)]
    pub systempaths_unconfined: bool,
    /// With the default seccomp mode, use the profile the image carries in its
    /// `io.containers.seccomp.profile` label when it has one (`--seccomp-policy image`).
    #[serde(default)]
    pub seccomp_policy_image: bool,
}

/// The image label that carries a seccomp profile for `--seccomp-policy image`.
pub const SECCOMP_PROFILE_LABEL: &str = "io.containers.seccomp.profile";

impl SecurityOptions {
    /// Applies one `--security-opt` value (the `n`th, for the error), as podman reads it.
    ///
    /// ```
    /// let mut s = libpod_config::SecurityOptions::default();
    /// s.apply("no-new-privileges", 1).unwrap();
    /// s.apply("mask=/proc/cpuinfo:/etc/motd", 2).unwrap();
    /// assert!(s.no_new_privileges);
    /// assert_eq!(s.mask.len(), 2);
    /// assert!(s.apply("bogus", 3).is_err());
    /// ```
    pub fn apply(&mut self, opt: &str, n: usize) -> Result<(), String> {
        let bad = || format!("invalid --security-opt {n}: {opt:?}");
        // podman takes `key:value` as well as `key=value` for the older spellings.
        let (key, value) = match opt.split_once('=') {
            Some(kv) => kv,
            None if opt == "no-new-privileges" => (opt, "true"),
            None => opt.split_once(':').ok_or_else(bad)?,
        };
        let paths = |v: &str| -> Result<Vec<String>, String> {
            let p: Vec<String> = v.split(':').map(str::to_string).collect();
            if p.iter().any(|p| p != "ALL" && !p.starts_with('/')) {
                return Err(format!("{}: paths must be absolute", bad()));
            }
            Ok(p)
        };
        match key {
            "no-new-privileges" => {
                self.no_new_privileges = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad()),
                }
            }
            "seccomp" if value == "unconfined" => self.seccomp = SeccompMode::Unconfined,
            "seccomp" if !value.is_empty() => {
                self.seccomp = SeccompMode::Profile(PathBuf::from(value));
            }
            "apparmor" if !value.is_empty() => self.apparmor = Some(value.to_string()),
            "label" => {
                let known = ["user", "role", "type", "level", "filetype"];
                let ok = matches!(value, "disable" | "nested")
                    || value
                        .split_once(':')
                        .is_some_and(|(k, _)| known.contains(&k));
                if !ok {
                    return Err(format!("{}: invalid --security-opt label", bad()));
                }
                self.label.push(value.to_string());
            }
            "mask" => self.mask.extend(paths(value)?),
            "unmask" => self.unmask.extend(paths(value)?),
            "proc-opts" => self.proc_opts.extend(
                value
                    .split(',')
                    .filter(|o| !o.is_empty())
                    .map(str::to_string),
            ),
            "systempaths" if value == "unconfined" => self.systempaths_unconfined = true,
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// The options as podman lists them in `inspect` (`HostConfig.SecurityOpt`).
    pub fn as_podman_opts(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.no_new_privileges {
            out.push("no-new-privileges".to_string());
        }
        match &self.seccomp {
            SeccompMode::Default => {}
            SeccompMode::Unconfined => out.push("seccomp=unconfined".into()),
            SeccompMode::Profile(p) => out.push(format!("seccomp={}", p.display())),
        }
        if let Some(a) = &self.apparmor {
            out.push(format!("apparmor={a}"));
        }
        out.extend(self.label.iter().map(|l| format!("label={l}")));
        if !self.mask.is_empty() {
            out.push(format!("mask={}", self.mask.join(":")));
        }
        if !self.unmask.is_empty() {
            out.push(format!("unmask={}", self.unmask.join(":")));
        }
        if !self.proc_opts.is_empty() {
            out.push(format!("proc-opts={}", self.proc_opts.join(",")));
        }
        if self.systempaths_unconfined {
            out.push("systempaths=unconfined".into());
        }
        out
    }

    /// Whether SELinux labelling was turned off (`label=disable`).
    pub fn label_disabled(&self) -> bool {
        self.label.iter().any(|l| l == "disable")
    }
}

/// Whether this host's kernel has AppArmor enabled (profiles apply only there).
pub fn apparmor_enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.trim() == "Y")
}

/// How a container gets one kind of namespace, as the user asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NamespaceMode {
    /// A new one (podman's `private`).
    #[default]
    Private,
    /// The host's.
    Host,
    /// Another container's, by name or ID (stored by ID).
    Container(String),
    /// An existing one, by path (`ns:/proc/PID/ns/ipc`).
    Path(PathBuf),
    /// IPC only: a new one other containers may join.
    Shareable,
    /// IPC only: a new one without `/dev/shm`.
    None,
}

impl NamespaceMode {
    /// Parses `host`, `private`, `container:ID`, `ns:PATH`, and for `ipc` also `shareable`
    /// and `none`; `kind` names the flag in the error.
    pub fn parse(value: &str, kind: &str) -> Result<NamespaceMode, String> {
        let ipc = kind == "ipc";
        Ok(match value {
            "host" => NamespaceMode::Host,
            "private" | "" => NamespaceMode::Private,
            "shareable" if ipc => NamespaceMode::Shareable,
            "none" if ipc => NamespaceMode::None,
            v => match v.split_once(':') {
                Some(("container", c)) if !c.is_empty() => NamespaceMode::Container(c.into()),
                Some(("ns", p)) if p.starts_with('/') => NamespaceMode::Path(PathBuf::from(p)),
                _ => {
                    let extra = if ipc { ", shareable, none" } else { "" };
                    return Err(format!(
                        "unrecognized namespace mode {value} passed (--{kind}: host, \
                         private{extra}, container:ID or ns:PATH)"
                    ));
                }
            },
        })
    }

    /// The mode as podman names it in `inspect` (`host`, `private`, `container:ID`...).
    pub fn as_podman_mode(&self) -> String {
        match self {
            NamespaceMode::Private => "private".into(),
            NamespaceMode::Host => "host".into(),
            NamespaceMode::Container(c) => format!("container:{c}"),
            NamespaceMode::Path(p) => format!("ns:{}", p.display()),
            NamespaceMode::Shareable => "shareable".into(),
            NamespaceMode::None => "none".into(),
        }
    }

    /// Whether it is a new namespace of the container's own.
    pub fn is_private(&self) -> bool {
        matches!(
            self,
            NamespaceMode::Private | NamespaceMode::Shareable | NamespaceMode::None
        )
    }
}

/// The namespaces a container asked for besides its network (`--pid`, `--ipc`, `--uts`,
/// `--cgroupns`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespaces {
    /// PID namespace.
    #[serde(default)]
    pub pid: NamespaceMode,
    /// IPC namespace.
    #[serde(default)]
    pub ipc: NamespaceMode,
    /// UTS namespace.
    #[serde(default)]
    pub uts: NamespaceMode,
    /// Cgroup namespace (podman's default on cgroup v1: the host's).
    #[serde(default)]
    pub cgroup: NamespaceMode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_opts() {
        let mut s = SecurityOptions::default();
        s.apply("seccomp=unconfined", 1).expect("ok");
        assert_eq!(s.seccomp, SeccompMode::Unconfined);
        s.apply("seccomp=/tmp/p.json", 1).expect("ok");
        assert_eq!(s.seccomp, SeccompMode::Profile("/tmp/p.json".into()));
        s.apply("no-new-privileges=false", 1).expect("ok");
        assert!(!s.no_new_privileges);
        s.apply("no-new-privileges:true", 1).expect("ok");
        assert!(s.no_new_privileges);
        s.apply("label=disable", 1).expect("ok");
        assert!(s.label_disabled());
        assert!(s.apply("label=bogus", 1).is_err());
        s.apply("unmask=ALL", 1).expect("ok");
        assert_eq!(s.unmask, ["ALL"]);
        assert!(s.apply("mask=relative", 1).is_err());
        s.apply("systempaths=unconfined", 1).expect("ok");
        assert!(s.systempaths_unconfined);
        s.apply("proc-opts=subset=pid,hidepid=2", 1).expect("ok");
        assert_eq!(s.proc_opts, ["subset=pid", "hidepid=2"]);
        assert!(s.apply("no-new-privileges=maybe", 1).is_err());
        assert!(s.apply("systempaths=confined", 1).is_err());
    }

    #[test]
    fn namespace_modes() {
        assert_eq!(NamespaceMode::parse("host", "pid"), Ok(NamespaceMode::Host));
        assert_eq!(
            NamespaceMode::parse("container:web", "pid"),
            Ok(NamespaceMode::Container("web".into()))
        );
        assert_eq!(
            NamespaceMode::parse("ns:/proc/1/ns/uts", "uts"),
            Ok(NamespaceMode::Path("/proc/1/ns/uts".into()))
        );
        assert_eq!(
            NamespaceMode::parse("shareable", "ipc"),
            Ok(NamespaceMode::Shareable)
        );
        assert!(NamespaceMode::parse("shareable", "pid").is_err());
        assert!(NamespaceMode::parse("ns:relative", "pid").is_err());
        assert!(NamespaceMode::parse("bogus", "uts").is_err());
    }
}
