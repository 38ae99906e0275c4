//! User namespaces: the modes `--userns` names, ID mappings (`--uidmap`, `--gidmap`), the
//! subordinate ID files (`/etc/subuid`, `/etc/subgid`) and the allocation of `auto` ranges.
//! Plain data and pure functions; the storage and OCI layers act on them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One ID range: `size` IDs from `container_id` inside are `host_id` onwards outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMap {
    /// First ID inside the namespace.
    pub container_id: u32,
    /// First ID on the host.
    pub host_id: u32,
    /// How many IDs.
    pub size: u32,
}

impl IdMap {
    /// Parses podman's `CONTAINER:HOST:SIZE`.
    ///
    /// ```
    /// let m = libpod_config::userns::IdMap::parse("0:100000:65536").unwrap();
    /// assert_eq!((m.container_id, m.host_id, m.size), (0, 100000, 65536));
    /// assert!(libpod_config::userns::IdMap::parse("0:1").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<IdMap, String> {
        let bad = || format!("invalid ID mapping {s:?}: use CONTAINER_ID:HOST_ID:SIZE");
        let p: Vec<&str> = s.split(':').collect();
        let [c, h, n] = p.as_slice() else {
            return Err(bad());
        };
        let num = |v: &str| v.trim().parse::<u32>().map_err(|_| bad());
        let m = IdMap {
            container_id: num(c)?,
            host_id: num(h)?,
            size: num(n)?,
        };
        let fits = |start: u32| start.checked_add(m.size - 1).is_some();
        if m.size == 0 || !fits(m.container_id) || !fits(m.host_id) {
            return Err(bad());
        }
        Ok(m)
    }

    /// The range as podman shows it in `inspect` (`0:100000:65536`).
    pub fn as_podman(&self) -> String {
        format!("{}:{}:{}", self.container_id, self.host_id, self.size)
    }

    /// The host ID that `id` inside maps to, if it is in this range.
    pub fn to_host(&self, id: u32) -> Option<u32> {
        (id >= self.container_id && id - self.container_id < self.size)
            .then(|| self.host_id + (id - self.container_id))
    }

    fn overlaps(a: (u32, u32), b: (u32, u32)) -> bool {
        let end = |(s, n): (u32, u32)| u64::from(s) + u64::from(n);
        u64::from(a.0) < end(b) && u64::from(b.0) < end(a)
    }
}

/// A user namespace's UID and GID mappings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMappings {
    /// UID ranges.
    pub uid_map: Vec<IdMap>,
    /// GID ranges.
    pub gid_map: Vec<IdMap>,
}

impl IdMappings {
    /// The mappings from `--uidmap` and `--gidmap` values; as podman, either one alone
    /// stands for both. Overlapping ranges are refused with podman's message.
    pub fn from_flags(uidmap: &[String], gidmap: &[String]) -> Result<IdMappings, String> {
        let parse = |v: &[String]| -> Result<Vec<IdMap>, String> {
            v.iter().map(|s| IdMap::parse(s)).collect()
        };
        let mut m = IdMappings {
            uid_map: parse(uidmap)?,
            gid_map: parse(gidmap)?,
        };
        if m.gid_map.is_empty() {
            m.gid_map = m.uid_map.clone();
        } else if m.uid_map.is_empty() {
            m.uid_map = m.gid_map.clone();
        }
        m.check()?;
        Ok(m)
    }

    /// One range of `size` IDs from container ID 0 at `uid` and `gid` on the host.
    pub fn single(uid: u32, gid: u32, size: u32) -> IdMappings {
        let one = |host_id| {
            vec![IdMap {
                container_id: 0,
                host_id,
                size,
            }]
        };
        IdMappings {
            uid_map: one(uid),
            gid_map: one(gid),
        }
    }

    /// Refuses ranges that overlap inside or on the host, as the kernel would.
    pub fn check(&self) -> Result<(), String> {
        for map in [&self.uid_map, &self.gid_map] {
            for (i, a) in map.iter().enumerate() {
                for b in &map[..i] {
                    if IdMap::overlaps((a.container_id, a.size), (b.container_id, b.size))
                        || IdMap::overlaps((a.host_id, a.size), (b.host_id, b.size))
                    {
                        return Err(format!(
                            "the specified UID and/or GID mapping {} conflicts with other \
                             mappings: invalid mappings specified",
                            a.as_podman()
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The host UID and GID of the container's root (unmapped: the overflow ID 65534).
    pub fn root_pair(&self) -> (u32, u32) {
        (self.host_uid(0), self.host_gid(0))
    }

    /// The host UID of container UID `id` (65534 when it is not mapped).
    pub fn host_uid(&self, id: u32) -> u32 {
        self.uid_map
            .iter()
            .find_map(|m| m.to_host(id))
            .unwrap_or(OVERFLOW_ID)
    }

    /// The host GID of container GID `id` (65534 when it is not mapped).
    pub fn host_gid(&self, id: u32) -> u32 {
        self.gid_map
            .iter()
            .find_map(|m| m.to_host(id))
            .unwrap_or(OVERFLOW_ID)
    }

    /// The lines of a `/proc/PID/uid_map` and `gid_map`.
    pub fn proc_lines(map: &[IdMap]) -> String {
        map.iter()
            .map(|m| format!("{} {} {}\n", m.container_id, m.host_id, m.size))
            .collect()
    }

    /// The UID ranges as podman lists them in `inspect`.
    pub fn podman_uids(&self) -> Vec<String> {
        self.uid_map.iter().map(IdMap::as_podman).collect()
    }

    /// The GID ranges as podman lists them in `inspect`.
    pub fn podman_gids(&self) -> Vec<String> {
        self.gid_map.iter().map(IdMap::as_podman).collect()
    }
}

/// The ID the kernel shows for one that is not mapped.
pub const OVERFLOW_ID: u32 = 65534;

/// The user whose subordinate IDs `--userns auto` takes, as podman's.
pub const AUTO_USER: &str = "containers";

/// The smallest range `auto` gives when the image needs fewer IDs, as containers/storage's.
pub const AUTO_MIN_SIZE: u32 = 1024;

/// How a container gets its user namespace (`--userns`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserNsMode {
    /// The host's (no user namespace).
    #[default]
    Host,
    /// A new one with the given mappings (`--uidmap`, `--gidmap`, `--subuidname`).
    Private,
    /// A new one with a range of its own from `/etc/subuid`'s `containers` entries; `size`
    /// IDs, or as many as the image's files and users need (at least 1024).
    Auto {
        /// How many IDs (`auto:size=N`).
        size: Option<u32>,
    },
    /// Rootless only: the user's own IDs kept inside (`keep-id[:uid=U,gid=G]`).
    KeepId {
        /// The UID inside (`keep-id:uid=`).
        uid: Option<u32>,
        /// The GID inside (`keep-id:gid=`).
        gid: Option<u32>,
    },
    /// Rootless only: the user's IDs not mapped at all.
    NoMap,
    /// Another container's, by name or ID (stored by ID).
    Container(String),
    /// An existing one, by path (`ns:/proc/PID/ns/user`).
    Path(PathBuf),
}

impl UserNsMode {
    /// Parses `--userns` as podman does.
    ///
    /// ```
    /// use libpod_config::userns::UserNsMode;
    /// assert_eq!(UserNsMode::parse("auto:size=2048"), Ok(UserNsMode::Auto { size: Some(2048) }));
    /// assert_eq!(UserNsMode::parse("host"), Ok(UserNsMode::Host));
    /// assert!(UserNsMode::parse("sideways").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<UserNsMode, String> {
        let (mode, opts) = value.split_once(':').unwrap_or((value, ""));
        let bad = |what: &str| format!("invalid --userns {value:?}: {what}");
        let num = |k: &str, v: &str| {
            v.parse::<u32>()
                .map_err(|_| bad(&format!("{k} must be a number")))
        };
        Ok(match mode {
            "" | "host" if opts.is_empty() => UserNsMode::Host,
            "private" if opts.is_empty() => UserNsMode::Private,
            "nomap" if opts.is_empty() => UserNsMode::NoMap,
            "auto" => {
                let mut size = None;
                for o in opts.split(',').filter(|o| !o.is_empty()) {
                    match o.split_once('=') {
                        Some(("size", v)) => size = Some(num("size", v)?),
                        _ => return Err(bad(&format!("unknown auto option {o:?} (size=N)"))),
                    }
                }
                if size == Some(0) {
                    return Err(bad("size must be above 0"));
                }
                UserNsMode::Auto { size }
            }
            "keep-id" => {
                let (mut uid, mut gid) = (None, None);
                for o in opts.split(',').filter(|o| !o.is_empty()) {
                    match o.split_once('=') {
                        Some(("uid", v)) => uid = Some(num("uid", v)?),
                        Some(("gid", v)) => gid = Some(num("gid", v)?),
                        _ => return Err(bad(&format!("unknown keep-id option {o:?}"))),
                    }
                }
                UserNsMode::KeepId { uid, gid }
            }
            "container" if !opts.is_empty() => UserNsMode::Container(opts.to_string()),
            "ns" if opts.starts_with('/') => UserNsMode::Path(PathBuf::from(opts)),
            _ => {
                return Err(bad(
                    "use host, private, auto[:size=N], keep-id, nomap, container:ID or ns:PATH",
                ));
            }
        })
    }

    /// The mode as podman shows it in `inspect` (`HostConfig.UsernsMode`): empty for the
    /// host's, `private` for a new one however it is mapped.
    pub fn as_podman_mode(&self) -> String {
        match self {
            UserNsMode::Host => String::new(),
            UserNsMode::Private | UserNsMode::Auto { .. } => "private".into(),
            UserNsMode::KeepId { .. } => "keep-id".into(),
            UserNsMode::NoMap => "nomap".into(),
            UserNsMode::Container(c) => format!("container:{c}"),
            UserNsMode::Path(p) => format!("ns:{}", p.display()),
        }
    }

    /// Whether the container gets a user namespace of its own.
    pub fn is_new(&self) -> bool {
        matches!(
            self,
            UserNsMode::Private
                | UserNsMode::Auto { .. }
                | UserNsMode::KeepId { .. }
                | UserNsMode::NoMap
        )
    }
}

/// A container's user namespace: the mode asked for and the mappings it got (`None` in the
/// host's; for `auto`, those allocated when its storage was made).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserNs {
    /// The mode.
    #[serde(default)]
    pub mode: UserNsMode,
    /// Its mappings.
    #[serde(default)]
    pub mappings: Option<IdMappings>,
}

/// The subordinate ID files podman reads.
pub const SUBUID_FILE: &str = "/etc/subuid";
/// See [`SUBUID_FILE`].
pub const SUBGID_FILE: &str = "/etc/subgid";

/// The ranges `file` (`/etc/subuid` format: `NAME:START:COUNT`) gives `user` (by name or, for
/// `uid`, by number), in file order.
pub fn subid_ranges(file: &Path, user: &str, uid: Option<u32>) -> Result<Vec<(u32, u32)>, String> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("reading {}: {e}", file.display())),
    };
    let ranges: Vec<(u32, u32)> = text
        .lines()
        .filter_map(|l| {
            let mut p = l.trim().split(':');
            let (name, start, count) = (p.next()?, p.next()?, p.next()?);
            let owner = name == user || uid.is_some_and(|u| name == u.to_string());
            let r = (start.parse().ok()?, count.parse().ok()?);
            (owner && r.1 > 0).then_some(r)
        })
        .collect();
    if ranges.is_empty() {
        let kind = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("subuid");
        return Err(format!(
            "no {kind} ranges found for user {user:?} in {}",
            file.display()
        ));
    }
    Ok(ranges)
}

/// Container IDs from 0 mapped onto `ranges` one after the other (`--subuidname`).
pub fn map_ranges(ranges: &[(u32, u32)]) -> Vec<IdMap> {
    let mut next = 0u32;
    ranges
        .iter()
        .map(|&(host_id, size)| {
            let m = IdMap {
                container_id: next,
                host_id,
                size,
            };
            next = next.saturating_add(size);
            m
        })
        .collect()
}

/// The first `size` IDs of `available` that no range in `used` touches (first fit), as
/// `auto` allocates them; `None` when no gap is large enough.
pub fn allocate(available: &[(u32, u32)], used: &[(u32, u32)], size: u32) -> Option<u32> {
    let mut used: Vec<(u64, u64)> = used
        .iter()
        .map(|&(s, n)| (u64::from(s), u64::from(s) + u64::from(n)))
        .collect();
    used.sort_unstable();
    for &(start, count) in available {
        let end = u64::from(start) + u64::from(count);
        let mut at = u64::from(start);
        for &(us, ue) in &used {
            if ue <= at || us >= end {
                continue;
            }
            if us >= at + u64::from(size) {
                break;
            }
            at = at.max(ue);
        }
        if at + u64::from(size) <= end {
            return u32::try_from(at).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_overlaps() {
        let m = IdMappings::from_flags(&["0:100000:1000".into()], &[]).expect("ok");
        assert_eq!(m.gid_map, m.uid_map);
        assert_eq!(m.root_pair(), (100000, 100000));
        assert_eq!(m.host_uid(999), 100999);
        assert_eq!(m.host_uid(1000), OVERFLOW_ID);
        let e = IdMappings::from_flags(&["0:100000:1000".into(), "500:200000:10".into()], &[])
            .expect_err("overlap inside");
        assert!(e.contains("500:200000:10 conflicts"), "{e}");
        assert!(IdMappings::from_flags(&["0:1:10".into(), "10:5:10".into()], &[]).is_err());
        assert!(IdMappings::from_flags(&["0:1:10".into(), "10:11:10".into()], &[]).is_ok());
        assert!(IdMap::parse("0:4294967295:2").is_err());
        assert!(IdMap::parse("0:1:0").is_err());
        assert!(IdMap::parse("a:1:1").is_err());
    }

    #[test]
    fn modes() {
        assert_eq!(
            UserNsMode::parse("keep-id:uid=5"),
            Ok(UserNsMode::KeepId {
                uid: Some(5),
                gid: None
            })
        );
        assert_eq!(
            UserNsMode::parse("container:web"),
            Ok(UserNsMode::Container("web".into()))
        );
        assert_eq!(
            UserNsMode::parse("ns:/proc/1/ns/user"),
            Ok(UserNsMode::Path("/proc/1/ns/user".into()))
        );
        assert!(UserNsMode::parse("auto:size=0").is_err());
        assert!(UserNsMode::parse("auto:bogus=1").is_err());
        assert!(UserNsMode::parse("ns:relative").is_err());
        assert_eq!(UserNsMode::Auto { size: None }.as_podman_mode(), "private");
        assert_eq!(UserNsMode::Host.as_podman_mode(), "");
    }

    #[test]
    fn subid_files() {
        let d = tempfile::tempdir().expect("tmp");
        let f = d.path().join("subuid");
        std::fs::write(
            &f,
            "alice:100000:65536\n1001:300000:10\nalice:500000:5\nbad line\n",
        )
        .expect("write");
        let r = subid_ranges(&f, "alice", None).expect("alice");
        assert_eq!(r, [(100000, 65536), (500000, 5)]);
        assert_eq!(map_ranges(&r)[1].container_id, 65536);
        assert_eq!(
            subid_ranges(&f, "bob", Some(1001)).expect("by uid"),
            [(300000, 10)]
        );
        let e = subid_ranges(&f, "nobody", None).expect_err("none");
        assert!(
            e.contains("no subuid ranges found for user \"nobody\""),
            "{e}"
        );
    }

    #[test]
    fn first_fit() {
        let avail = [(1000, 100), (5000, 1000)];
        assert_eq!(allocate(&avail, &[], 50), Some(1000));
        assert_eq!(allocate(&avail, &[(1000, 50)], 50), Some(1050));
        assert_eq!(allocate(&avail, &[(1010, 10)], 50), Some(1020));
        assert_eq!(allocate(&avail, &[(1000, 60)], 50), Some(5000));
        assert_eq!(
            allocate(&avail, &[(5100, 10), (1000, 100)], 200),
            Some(5110)
        );
        assert_eq!(allocate(&avail, &[(5000, 1)], 1000), None);
    }
}
