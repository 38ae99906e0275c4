//! Resource figures of a running container: its cgroup's CPU time, memory, PIDs and block
//! I/O (cgroup v1 and v2), and its network namespace's traffic, read through its process.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{OciError, Result};

/// What a container's cgroup has used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupStats {
    /// CPU time of every process, ns.
    pub cpu_ns: u64,
    /// Memory in use, without the inactive page cache (as podman and docker show it).
    pub mem_usage: u64,
    /// Its memory limit; `None` without one.
    pub mem_limit: Option<u64>,
    /// Processes and threads.
    pub pids: u64,
    /// Bytes read from block devices.
    pub block_read: u64,
    /// Bytes written to block devices.
    pub block_write: u64,
}

/// Bytes through the container's network interfaces (loopback left out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Received.
    pub rx: u64,
    /// Sent.
    pub tx: u64,
}

fn read(p: &Path) -> Option<String> {
    fs::read_to_string(p).ok()
}

fn number(p: &Path) -> Option<u64> {
    read(p)?.trim().parse().ok()
}

/// `key value` lines (memory.stat, cpu.stat): the value of `key`.
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// Reads a cgroup v2 directory.
pub fn parse_v2(dir: &Path) -> CgroupStats {
    let memstat = read(&dir.join("memory.stat")).unwrap_or_default();
    let current = number(&dir.join("memory.current")).unwrap_or(0);
    let (mut r, mut w) = (0, 0);
    for l in read(&dir.join("io.stat")).unwrap_or_default().lines() {
        for f in l.split_whitespace() {
            if let Some(v) = f.strip_prefix("rbytes=") {
                r += v.parse::<u64>().unwrap_or(0);
            } else if let Some(v) = f.strip_prefix("wbytes=") {
                w += v.parse::<u64>().unwrap_or(0);
            }
        }
    }
    CgroupStats {
        cpu_ns: keyed(
            &read(&dir.join("cpu.stat")).unwrap_or_default(),
            "usage_usec",
        )
        .unwrap_or(0)
            * 1000,
        mem_usage: current.saturating_sub(keyed(&memstat, "inactive_file").unwrap_or(0)),
        mem_limit: read(&dir.join("memory.max")).and_then(|m| m.trim().parse().ok()),
        pids: number(&dir.join("pids.current")).unwrap_or(0),
        block_read: r,
        block_write: w,
    }
}

/// Reads cgroup v1 controllers; `dir` gives a controller's directory for the container.
pub fn parse_v1(dir: impl Fn(&str) -> Option<PathBuf>) -> CgroupStats {
    let at = |ctl: &str, file: &str| dir(ctl).map(|d| d.join(file));
    let memstat = at("memory", "memory.stat")
        .and_then(|p| read(&p))
        .unwrap_or_default();
    let usage = at("memory", "memory.usage_in_bytes")
        .and_then(|p| number(&p))
        .unwrap_or(0);
    // The kernel's "no limit" is the largest page-aligned i64.
    let limit = at("memory", "memory.limit_in_bytes")
        .and_then(|p| number(&p))
        .filter(|l| *l < (1u64 << 62));
    let (mut r, mut w) = (0, 0);
    let blk = at("blkio", "blkio.throttle.io_service_bytes_recursive")
        .and_then(|p| read(&p))
        .unwrap_or_default();
    for l in blk.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            [_, "Read", v] => r += v.parse::<u64>().unwrap_or(0),
            [_, "Write", v] => w += v.parse::<u64>().unwrap_or(0),
            _ => {}
        }
    }
    CgroupStats {
        cpu_ns: at("cpuacct", "cpuacct.usage")
            .and_then(|p| number(&p))
            .unwrap_or(0),
        mem_usage: usage.saturating_sub(keyed(&memstat, "total_inactive_file").unwrap_or(0)),
        mem_limit: limit,
        pids: at("pids", "pids.current")
            .and_then(|p| number(&p))
            .unwrap_or(0),
        block_read: r,
        block_write: w,
    }
}

/// The cgroup figures of the cgroup process `pid` belongs to (as `/proc/PID/cgroup` names
/// it, under `root`: `/sys/fs/cgroup` on a host).
pub fn cgroup_stats(pid: u32, root: &Path) -> Result<CgroupStats> {
    let file = PathBuf::from(format!("/proc/{pid}/cgroup"));
    let text = fs::read_to_string(&file).map_err(|source| OciError::Io {
        path: file.clone(),
        source,
    })?;
    let mut v1: Vec<(Vec<String>, PathBuf)> = Vec::new();
    let mut v2 = None;
    for l in text.lines() {
        let mut f = l.splitn(3, ':');
        let (Some(_), Some(ctls), Some(path)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let rel = path.trim_start_matches('/');
        if ctls.is_empty() {
            v2 = Some(rel.to_string());
        } else if !ctls.starts_with("name=") {
            let names = ctls.split(',').map(String::from).collect();
            v1.push((names, root.join(ctls).join(rel)));
        }
    }
    if v1.iter().any(|(n, _)| n.iter().any(|c| c == "memory")) {
        return Ok(parse_v1(|ctl| {
            v1.iter()
                .find(|(n, _)| n.iter().any(|c| c == ctl))
                .map(|(_, d)| d.clone())
        }));
    }
    let rel = v2.unwrap_or_default();
    let unified = if root.join("cgroup.controllers").exists() {
        root.join(&rel)
    } else {
        root.join("unified").join(&rel)
    };
    Ok(parse_v2(&unified))
}

/// `/proc/net/dev` text: bytes received and sent on every interface but `lo`.
pub fn parse_net_dev(text: &str) -> NetStats {
    let mut s = NetStats::default();
    for l in text.lines().skip(2) {
        let Some((name, rest)) = l.split_once(':') else {
            continue;
        };
        if name.trim() == "lo" {
            continue;
        }
        let f: Vec<u64> = rest
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        s.rx += f.first().copied().unwrap_or(0);
        s.tx += f.get(8).copied().unwrap_or(0);
    }
    s
}

/// The traffic of the network namespace process `pid` is in.
pub fn net_stats(pid: u32) -> NetStats {
    read(Path::new(&format!("/proc/{pid}/net/dev")))
        .map(|t| parse_net_dev(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v2_cgroup_reads_as_podman_counts_it() {
        let d = tempfile::tempdir().expect("tmp");
        let w = |f: &str, t: &str| fs::write(d.path().join(f), t).expect("write");
        w(
            "cpu.stat",
            "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n",
        );
        w("memory.current", "10485760\n");
        w(
            "memory.stat",
            "anon 8000000\nfile 2000000\ninactive_file 1048576\n",
        );
        w("memory.max", "max\n");
        w("pids.current", "3\n");
        w(
            "io.stat",
            "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n",
        );
        let s = parse_v2(d.path());
        assert_eq!(
            s,
            CgroupStats {
                cpu_ns: 2_500_000_000,
                mem_usage: 10_485_760 - 1_048_576,
                mem_limit: None,
                pids: 3,
                block_read: 4097,
                block_write: 8194,
            }
        );
        w("memory.max", "67108864\n");
        assert_eq!(parse_v2(d.path()).mem_limit, Some(64 << 20));
    }

    #[test]
    fn v1_controllers_and_net_dev() {
        let d = tempfile::tempdir().expect("tmp");
        for c in ["memory", "cpuacct", "pids", "blkio"] {
            fs::create_dir(d.path().join(c)).expect("dir");
        }
        let w = |f: &str, t: &str| fs::write(d.path().join(f), t).expect("write");
        w("cpuacct/cpuacct.usage", "123456789\n");
        w("memory/memory.usage_in_bytes", "5000000\n");
        w(
            "memory/memory.stat",
            "cache 100\ntotal_inactive_file 1000000\n",
        );
        w("memory/memory.limit_in_bytes", "9223372036854771712\n");
        w("pids/pids.current", "1\n");
        w(
            "blkio/blkio.throttle.io_service_bytes_recursive",
            "8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\nTotal 30\n",
        );
        let s = parse_v1(|c| Some(d.path().join(c)));
        assert_eq!(
            (
                s.cpu_ns,
                s.mem_usage,
                s.mem_limit,
                s.pids,
                s.block_read,
                s.block_write
            ),
            (123_456_789, 4_000_000, None, 1, 10, 20)
        );
        let dev = "Inter-|   Receive\n face |bytes packets\n    lo: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n  eth0: 472 5 0 0 0 0 0 0 1096 9 0 0 0 0 0 0\n";
        assert_eq!(parse_net_dev(dev), NetStats { rx: 472, tx: 1096 });
    }
}
