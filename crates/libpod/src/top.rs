//! `top`: the processes of a container's pid namespace, read from /proc, in the columns
//! podman's format descriptors name (`pid`, `user`, `args`, `%C`, ...). Names of users and
//! groups come from the container's own files. Imports nothing of this crate but its error.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{LibpodError, Result};

/// podman's default columns.
pub const DEFAULT_DESCRIPTORS: &[&str] = &[
    "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args",
];

/// Every descriptor with its column header; AIX codes map to these.
const DESCRIPTORS: &[(&str, &str)] = &[
    ("args", "COMMAND"),
    ("capamb", "AMBIENT CAPS"),
    ("capbnd", "BOUNDING CAPS"),
    ("capeff", "EFFECTIVE CAPS"),
    ("capinh", "INHERITED CAPS"),
    ("capprm", "PERMITTED CAPS"),
    ("comm", "COMMAND"),
    ("etime", "ELAPSED"),
    ("group", "GROUP"),
    ("hgroup", "HGROUP"),
    ("hpid", "HPID"),
    ("huser", "HUSER"),
    ("nice", "NI"),
    ("pcpu", "%CPU"),
    ("pgid", "PGID"),
    ("pid", "PID"),
    ("ppid", "PPID"),
    ("rgroup", "RGROUP"),
    ("ruser", "RUSER"),
    ("seccomp", "SECCOMP"),
    ("state", "STATE"),
    ("stime", "STIME"),
    ("time", "TIME"),
    ("tty", "TTY"),
    ("user", "USER"),
    ("vsz", "VSZ"),
];

const AIX: &[(&str, &str)] = &[
    ("%C", "pcpu"),
    ("%G", "group"),
    ("%P", "ppid"),
    ("%U", "user"),
    ("%a", "args"),
    ("%c", "comm"),
    ("%g", "rgroup"),
    ("%n", "nice"),
    ("%p", "pid"),
    ("%r", "pgid"),
    ("%t", "etime"),
    ("%u", "ruser"),
    ("%x", "time"),
    ("%y", "tty"),
    ("%z", "vsz"),
];

/// Capability names by bit, as the kernel numbers them.
const CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// Splits what the user typed (`pid user`, `pid,user`, `%p %C`) into known descriptors.
pub fn descriptors(words: &[String]) -> Result<Vec<&'static str>> {
    let mut out = Vec::new();
    for w in words.iter().flat_map(|w| w.split([',', ' '])) {
        if w.is_empty() {
            continue;
        }
        let name = AIX.iter().find(|(a, _)| *a == w).map_or(w, |(_, d)| *d);
        let found = DESCRIPTORS
            .iter()
            .find(|(d, _)| *d == name)
            .ok_or_else(|| {
                let known: Vec<&str> = DESCRIPTORS.iter().map(|(d, _)| *d).collect();
                LibpodError::Invalid(format!(
                    "unknown top descriptor {w:?}; known: {} and the AIX codes {}",
                    known.join(", "),
                    AIX.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(" ")
                ))
            })?;
        out.push(found.0);
    }
    if out.is_empty() {
        out.extend_from_slice(DEFAULT_DESCRIPTORS);
    }
    Ok(out)
}

/// One process, as /proc shows it.
struct Proc {
    host_pid: u32,
    stat: Vec<String>,
    status: String,
    cmdline: String,
    comm: String,
}

impl Proc {
    fn read(pid: u32) -> Option<Proc> {
        let raw = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name sits in parentheses and may hold spaces: split after the last ')'.
        let (head, rest) = raw.rsplit_once(") ")?;
        let mut stat = vec![head.split_once(' ')?.0.to_string(), String::new()];
        stat.extend(rest.split_whitespace().map(String::from));
        let cmdline = fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .replace('\0', " ")
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        Some(Proc {
            host_pid: pid,
            stat,
            status: fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default(),
            cmdline,
            comm: fs::read_to_string(format!("/proc/{pid}/comm"))
                .unwrap_or_default()
                .trim()
                .to_string(),
        })
    }

    /// Field `n` of /proc/PID/stat, numbered as proc(5) does from 1.
    fn stat_u64(&self, n: usize) -> u64 {
        self.stat
            .get(n - 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn status_field(&self, key: &str) -> Vec<&str> {
        self.status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.split_whitespace().collect())
            .unwrap_or_default()
    }

    /// The pid as the container sees it (the last NSpid).
    fn ns_pid(&self) -> String {
        self.status_field("NSpid:")
            .last()
            .map_or_else(|| self.host_pid.to_string(), |s| s.to_string())
    }
}

/// Go's duration text, to the millisecond (podman prints Go durations).
fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) if s == 0 => format!("{frac}ms"),
        (0, 0) => secs,
        (0, m) => format!("{m}m{secs}"),
        (h, m) => format!("{h}h{m}m{secs}"),
    }
}

fn caps(hex: Option<&&str>) -> String {
    let bits = hex
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .unwrap_or(0);
    let all = (1u64 << CAPS.len()) - 1;
    if bits == 0 {
        return "none".into();
    }
    if bits & all == all {
        return "full".into();
    }
    CAPS.iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

fn tty_name(nr: u64) -> String {
    let (major, minor) = ((nr >> 8) & 0xfff, (nr & 0xff) | ((nr >> 12) & 0xfff00));
    match major {
        0 => "?".into(),
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        _ => format!("{major}:{minor}"),
    }
}

/// The table for the processes in the pid namespace of host pid `init`, whose root filesystem
/// is `rootfs`: a header row, then a row per process, ordered by pid.
pub fn table(init: u32, rootfs: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let ns = fs::read_link(format!("/proc/{init}/ns/pid")).map_err(|e| {
        LibpodError::Invalid(format!("reading the pid namespace of process {init}: {e}"))
    })?;
    let mut procs: Vec<Proc> = fs::read_dir("/proc")
        .map_err(|e| LibpodError::Invalid(format!("reading /proc: {e}")))?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| fs::read_link(format!("/proc/{p}/ns/pid")).ok().as_ref() == Some(&ns))
        .filter_map(Proc::read)
        .collect();
    procs.sort_by_key(|p| p.ns_pid().parse::<u64>().unwrap_or(0));
    let ns_of: BTreeMap<u32, String> = procs.iter().map(|p| (p.host_pid, p.ns_pid())).collect();
    let (users, groups) = libpod_oci::id_names(rootfs);
    let (host_users, host_groups) = libpod_oci::id_names(Path::new("/"));
    let name = |m: &BTreeMap<u32, String>, id: Option<&&str>| {
        let id: u32 = id.and_then(|v| v.parse().ok()).unwrap_or(0);
        m.get(&id).cloned().unwrap_or_else(|| id.to_string())
    };
    let tick = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|t| *t > 0)
        .unwrap_or(100) as f64;
    let uptime: f64 = fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let boot = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
        - uptime;
    let mut rows = vec![
        columns
            .iter()
            .map(|c| {
                DESCRIPTORS
                    .iter()
                    .find(|(d, _)| d == c)
                    .map_or_else(|| c.to_uppercase(), |(_, h)| h.to_string())
            })
            .collect(),
    ];
    for p in &procs {
        let started = p.stat_u64(22) as f64 / tick;
        let elapsed = (uptime - started).max(0.0);
        let cpu = (p.stat_u64(14) + p.stat_u64(15)) as f64 / tick;
        let uid = p.status_field("Uid:");
        let gid = p.status_field("Gid:");
        let row = columns
            .iter()
            .map(|c| match *c {
                "args" if !p.cmdline.is_empty() => p.cmdline.clone(),
                "args" => format!("[{}]", p.comm),
                "comm" => p.comm.clone(),
                "etime" => go_duration(Duration::from_secs_f64(elapsed)),
                "group" => name(&groups, gid.get(1)),
                "hgroup" => name(&host_groups, gid.get(1)),
                "hpid" => p.host_pid.to_string(),
                "huser" => name(&host_users, uid.get(1)),
                "nice" => p.stat.get(18).cloned().unwrap_or_default(),
                "pcpu" => format!(
                    "{:.3}",
                    if elapsed > 0.0 {
                        cpu / elapsed * 100.0
                    } else {
                        0.0
                    }
                ),
                "pgid" => {
                    let g = p.stat_u64(5) as u32;
                    ns_of.get(&g).cloned().unwrap_or_else(|| "0".into())
                }
                "pid" => p.ns_pid(),
                "ppid" => {
                    let pp = p.stat_u64(4) as u32;
                    ns_of.get(&pp).cloned().unwrap_or_else(|| "0".into())
                }
                "rgroup" => name(&groups, gid.first()),
                "ruser" => name(&users, uid.first()),
                "seccomp" => match p.status_field("Seccomp:").first().copied() {
                    Some("1") => "strict".into(),
                    Some("2") => "filter".into(),
                    _ => "disabled".into(),
                },
                "state" => p.stat.get(2).cloned().unwrap_or_default(),
                "stime" => libpod_storage::time::format((boot + started) as i64 * 1_000_000_000),
                "time" => go_duration(Duration::from_secs_f64(cpu)),
                "tty" => tty_name(p.stat_u64(7)),
                "user" => name(&users, uid.get(1)),
                "vsz" => (p.stat_u64(23) / 1024).to_string(),
                "capamb" => caps(p.status_field("CapAmb:").first()),
                "capbnd" => caps(p.status_field("CapBnd:").first()),
                "capeff" => caps(p.status_field("CapEff:").first()),
                "capinh" => caps(p.status_field("CapInh:").first()),
                "capprm" => caps(p.status_field("CapPrm:").first()),
                _ => String::new(),
            })
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_accept_names_commas_and_aix_codes() {
        let d = descriptors(&["pid,user".into(), "%C".into(), "args".into()]).expect("known");
        assert_eq!(d, ["pid", "user", "pcpu", "args"]);
        assert_eq!(descriptors(&[]).expect("default"), DEFAULT_DESCRIPTORS);
        let e = descriptors(&["bogus".into()]).expect_err("unknown");
        assert!(e.to_string().contains("bogus") && e.to_string().contains("pcpu"));
    }

    #[test]
    fn durations_read_as_go_prints_them() {
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_millis(20)), "20ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_secs(62)), "1m2s");
        assert_eq!(go_duration(Duration::from_secs(3723)), "1h2m3s");
    }

    #[test]
    fn caps_and_ttys_are_named() {
        assert_eq!(caps(Some(&"0000000000000000")), "none");
        assert_eq!(caps(Some(&"000001ffffffffff")), "full");
        assert_eq!(caps(Some(&"0000000000000003")), "CHOWN,DAC_OVERRIDE");
        assert_eq!(tty_name(0), "?");
        assert_eq!(tty_name((136 << 8) | 3), "pts/3");
    }

    #[test]
    fn our_own_process_is_listed() {
        let me = std::process::id();
        let rows = table(me, Path::new("/"), &["pid", "hpid", "comm", "state"]).expect("table");
        assert_eq!(rows[0], ["PID", "HPID", "COMMAND", "STATE"]);
        assert!(rows.iter().any(|r| r[1] == me.to_string()), "{rows:?}");
    }
}
