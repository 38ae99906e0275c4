//! `stats`: a container's resource figures at one moment, and the percentages podman prints.
//!
//! ```no_run
//! let rt = libpod::Runtime::builder().build()?;
//! let s = rt.container("web")?.stats()?;
//! println!("{:.2}% CPU, {} of {} bytes", s.cpu_percent(None), s.mem_usage, s.mem_limit);
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use libpod_state::ContainerStatus as S;

use crate::container::Container;
use crate::error::Result;
use crate::pod::Pod;
use crate::status::now;

/// A container's resource figures at one moment; zero for one that is not running.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerStats {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When they were read, ns since the epoch.
    pub at: i64,
    /// When the container started (0 when not running).
    pub started_at: i64,
    /// CPU time of all its processes, ns.
    pub cpu_ns: u64,
    /// Memory in use (without inactive page cache), bytes.
    pub mem_usage: u64,
    /// Its memory limit, or the host's memory without one; 0 when not running.
    pub mem_limit: u64,
    /// Bytes its network namespace received.
    pub net_rx: u64,
    /// Bytes it sent.
    pub net_tx: u64,
    /// Bytes read from block devices.
    pub block_read: u64,
    /// Bytes written to block devices.
    pub block_write: u64,
    /// Processes and threads.
    pub pids: u64,
    /// The host's CPU time so far (all CPUs, every mode), ns: Docker's `system_cpu_usage`.
    pub host_cpu_ns: u64,
    /// CPUs online on the host.
    pub online_cpus: u64,
}

impl ContainerStats {
    /// CPU use in percent of one CPU: since `prev` (an earlier reading), else since start.
    pub fn cpu_percent(&self, prev: Option<&ContainerStats>) -> f64 {
        match prev {
            Some(p) if self.at > p.at && self.cpu_ns >= p.cpu_ns => {
                (self.cpu_ns - p.cpu_ns) as f64 / (self.at - p.at) as f64 * 100.0
            }
            _ => self.avg_cpu_percent(),
        }
    }

    /// CPU use since start, in percent of one CPU.
    pub fn avg_cpu_percent(&self) -> f64 {
        let up = self.at - self.started_at;
        if self.started_at == 0 || up <= 0 {
            return 0.0;
        }
        self.cpu_ns as f64 / up as f64 * 100.0
    }

    /// Memory in use as a percentage of the limit.
    pub fn mem_percent(&self) -> f64 {
        if self.mem_limit == 0 {
            return 0.0;
        }
        self.mem_usage as f64 / self.mem_limit as f64 * 100.0
    }
}

/// The host's memory, bytes (`MemTotal`).
fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The host's CPU time so far, ns (`/proc/stat`'s first line); 0 if unreadable.
fn host_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: u64 = stat
        .lines()
        .next()
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .filter_map(|v| v.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|&hz| hz > 0)
        .unwrap_or(100) as u64;
    ticks * (1_000_000_000 / hz)
}

impl Container {
    /// Its resource figures now (all zero when it is not running).
    pub fn stats(&self) -> Result<ContainerStats> {
        let cfg = self.config()?;
        let st = self.state()?;
        let mut s = ContainerStats {
            id: cfg.id,
            name: cfg.name,
            at: now(),
            host_cpu_ns: host_cpu_ns(),
            online_cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
            ..Default::default()
        };
        let (true, Some(pid)) = (matches!(st.status, S::Running | S::Paused), st.pid) else {
            return Ok(s);
        };
        let cg = libpod_oci::stats::cgroup_stats(pid, std::path::Path::new("/sys/fs/cgroup"))?;
        let net = libpod_oci::stats::net_stats(pid);
        s.started_at = st.started_at.unwrap_or(0);
        s.cpu_ns = cg.cpu_ns;
        s.mem_usage = cg.mem_usage;
        s.mem_limit = cg.mem_limit.unwrap_or_else(host_memory);
        s.net_rx = net.rx;
        s.net_tx = net.tx;
        s.block_read = cg.block_read;
        s.block_write = cg.block_write;
        s.pids = cg.pids;
        Ok(s)
    }
}

impl Pod {
    /// The figures of each of its containers (`pod stats`).
    pub fn stats(&self) -> Result<Vec<ContainerStats>> {
        let rt = &self.rt;
        self.containers()?
            .into_iter()
            .map(|(c, _)| rt.container(&c.id)?.stats())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_as_podman_computes_them() {
        let s = ContainerStats {
            at: 3_000_000_000,
            started_at: 1_000_000_000,
            cpu_ns: 1_000_000_000,
            mem_usage: 25,
            mem_limit: 100,
            ..Default::default()
        };
        assert_eq!(s.avg_cpu_percent(), 50.0);
        assert_eq!(s.cpu_percent(None), 50.0);
        let prev = ContainerStats {
            at: 2_000_000_000,
            cpu_ns: 100_000_000,
            ..s.clone()
        };
        assert_eq!(s.cpu_percent(Some(&prev)), 90.0);
        assert_eq!(s.mem_percent(), 25.0);
        assert_eq!(ContainerStats::default().avg_cpu_percent(), 0.0);
        assert_eq!(ContainerStats::default().mem_percent(), 0.0);
    }
}
