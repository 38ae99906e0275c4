//! Events as podman's `file` backend records them: one JSON object per line, with podman's
//! field names, so `events --format json` reads the same from both tools (ground floor).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! names {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vm])* $v,)*
        }

        impl $name {
            /// podman's name for it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$v => $s,)*
                }
            }

            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$(Self::$v,)*];
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok(Self::$v),)*
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        [$($s,)*].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

names!(
    /// What kind of object an event is about (podman's `Type`).
    EventType {
        /// A container.
        Container => "container",
        /// An image.
        Image => "image",
        /// A network.
        Network => "network",
        /// A pod.
        Pod => "pod",
        /// The runtime itself (refresh, renumber, log rotation).
        System => "system",
        /// A volume.
        Volume => "volume",
    }
);

names!(
    /// What happened (podman's `Status` names).
    EventStatus {
        /// A terminal attached.
        Attach => "attach",
        /// A container's exit was handled: its mounts and network released.
        Cleanup => "cleanup",
        /// A container was committed as an image.
        Commit => "commit",
        /// A container joined a network.
        Connect => "connect",
        /// An object was made.
        Create => "create",
        /// A container's process exited (with `ContainerExitCode`).
        Died => "died",
        /// A container left a network.
        Disconnect => "disconnect",
        /// An exec session started.
        Exec => "exec",
        /// An exec session ended.
        ExecDied => "exec_died",
        /// A container was exported.
        Export => "export",
        /// A healthcheck ran (with `HealthStatus`).
        HealthStatus => "health_status",
        /// An image was imported from a tarball.
        Import => "import",
        /// A container's OCI runtime state was made (before start).
        Init => "init",
        /// A signal was sent.
        Kill => "kill",
        /// Images were loaded from an archive.
        LoadFromArchive => "loadfromarchive",
        /// The event log was shortened (its first line in the new file).
        LogRotation => "log-rotation",
        /// A root filesystem was mounted.
        Mount => "mount",
        /// Paused.
        Pause => "pause",
        /// Pruned.
        Prune => "prune",
        /// An image was pulled.
        Pull => "pull",
        /// An image was pushed.
        Push => "push",
        /// The runtime refreshed its state after a reboot.
        Refresh => "refresh",
        /// An object was removed.
        Remove => "remove",
        /// A container was renamed.
        Rename => "rename",
        /// Locks were renumbered.
        Renumber => "renumber",
        /// A container was restarted (by the user or its restart policy).
        Restart => "restart",
        /// Images were saved to an archive.
        Save => "save",
        /// A container started.
        Start => "start",
        /// A container was stopped by the user.
        Stop => "stop",
        /// A container's state was synced.
        Sync => "sync",
        /// An image got a name.
        Tag => "tag",
        /// A root filesystem was unmounted.
        Unmount => "unmount",
        /// Unpaused.
        Unpause => "unpause",
        /// An image lost a name.
        Untag => "untag",
        /// A container's resource limits were changed.
        Update => "update",
    }
);

fn time_ser<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::timefilter::rfc3339_nano(*t))
}

fn time_de<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let s = String::deserialize(d)?;
    crate::timefilter::parse_rfc3339(&s)
        .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not an RFC 3339 time")))
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// One event. Serialized as podman 4.3 writes it (`ContainerExitCode`, `ID`, `Image`, `Name`,
/// `Status`, `Time`, `Type`, `Attributes`; empty fields left out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// A `died` container's exit code (left out when 0, as podman).
    #[serde(rename = "ContainerExitCode", default, skip_serializing_if = "is_zero")]
    pub exit_code: i32,
    /// The object's ID.
    #[serde(rename = "ID", default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// A container's image name.
    #[serde(rename = "Image", default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// The object's name (an image event: the reference).
    #[serde(rename = "Name", default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// A network event's network.
    #[serde(rename = "Network", default, skip_serializing_if = "String::is_empty")]
    pub network: String,
    /// What happened.
    #[serde(rename = "Status")]
    pub status: EventStatus,
    /// When, in nanoseconds since the epoch (RFC 3339 with nanoseconds in the log).
    #[serde(
        rename = "Time",
        serialize_with = "time_ser",
        deserialize_with = "time_de"
    )]
    pub time: i64,
    /// What kind of object.
    #[serde(rename = "Type")]
    pub kind: EventType,
    /// A `health_status` event's status (`healthy`, `unhealthy`, `starting`).
    #[serde(
        rename = "HealthStatus",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub health_status: String,
    /// A container event's pod.
    #[serde(rename = "PodID", default, skip_serializing_if = "String::is_empty")]
    pub pod_id: String,
    /// A container's labels (and, for a log rotation, where the kept part began).
    #[serde(rename = "Attributes", default)]
    pub attributes: Option<BTreeMap<String, String>>,
}

impl Event {
    /// An event of `kind` and `status` now, with nothing else filled in.
    pub fn new(kind: EventType, status: EventStatus) -> Event {
        Event {
            exit_code: 0,
            id: String::new(),
            image: String::new(),
            name: String::new(),
            network: String::new(),
            status,
            time: crate::timefilter::now_ns(),
            kind,
            health_status: String::new(),
            pod_id: String::new(),
            attributes: None,
        }
    }

    /// A container event: its ID, name, image name, pod and labels, as podman fills them.
    pub fn container(status: EventStatus, cfg: &libpod_state::ContainerConfig) -> Event {
        Event {
            id: cfg.id.clone(),
            name: cfg.name.clone(),
            image: cfg.image_name.clone(),
            pod_id: cfg.pod.clone().unwrap_or_default(),
            attributes: Some(cfg.labels.clone().into_iter().collect()),
            ..Event::new(EventType::Container, status)
        }
    }

    /// An event about a named object without an ID of its own (volumes, pulls).
    pub fn named(kind: EventType, status: EventStatus, name: &str) -> Event {
        Event {
            name: name.to_string(),
            ..Event::new(kind, status)
        }
    }

    /// An event about an object with an ID and a name (images, pods, networks).
    pub fn object(kind: EventType, status: EventStatus, id: &str, name: &str) -> Event {
        Event {
            id: id.to_string(),
            name: name.to_string(),
            ..Event::new(kind, status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_podman_line_reads_and_writes_back_the_same() {
        let line = r#"{"ContainerExitCode":3,"ID":"9c89","Image":"localhost/busybox:latest","Name":"ev2","Status":"died","Time":"2026-12-07T09:10:20.43149247Z","Type":"container","Attributes":{"a":"b"}}"#;
        let e: Event = serde_json::from_str(line).expect("parse");
        assert_eq!(
            (e.exit_code, e.status, e.kind),
            (3, EventStatus::Died, EventType::Container)
        );
        assert_eq!(serde_json::to_string(&e).expect("json"), line);
        let sys = r#"{"Status":"refresh","Time":"2026-12-07T09:10:15Z","Type":"system","Attributes":null}"#;
        let e: Event = serde_json::from_str(sys).expect("parse");
        assert_eq!(serde_json::to_string(&e).expect("json"), sys);
    }

    #[test]
    fn every_name_reads_back() {
        for s in EventStatus::ALL {
            assert_eq!(s.as_str().parse::<EventStatus>(), Ok(*s));
        }
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>(), Ok(*t));
        }
        assert!("bogus".parse::<EventStatus>().is_err());
    }
}
