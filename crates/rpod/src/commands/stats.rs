//! `rpod stats` / `pod stats`: readings from the library, rendered as podman prints them.

use std::io::{IsTerminal, Write};

use libpod::ContainerStats;

use super::*;
use crate::cli::StatsArgs;
use crate::format::{go_duration, size_digits};

const HEADERS: &[(&str, &str)] = &[
    ("ID", "ID"),
    ("Name", "NAME"),
    ("CPUPerc", "CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET IO"),
    ("BlockIO", "BLOCK IO"),
    ("PIDs", "PIDS"),
    ("CPU", "CPU TIME"),
    ("AVGCPU", "AVG CPU %"),
];

const POD_HEADERS: &[(&str, &str)] = &[
    ("Pod", "POD"),
    ("CID", "CID"),
    ("Name", "NAME"),
    ("CPU", "CPU %"),
    ("MemUsage", "MEM USAGE/ LIMIT"),
    ("Mem", "MEM %"),
    ("NetIO", "NET IO"),
    ("BlockIO", "BLOCK IO"),
    ("PIDS", "PIDS"),
];

const POD_DEFAULT: &str = "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}";

const DEFAULT: &str = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}\t{{.CPU}}\t{{.AVGCPU}}";

/// The containers to read, with their pod for `pod stats`: those named, the latest, else the
/// running ones (all with -a).
fn chosen(rt: &Runtime, a: &StatsArgs, pods: bool) -> Result<Vec<(Container, String)>> {
    if pods {
        let pods = if a.names.is_empty() {
            rt.pods()?
        } else {
            a.names
                .iter()
                .map(|n| rt.pod(n))
                .collect::<libpod::Result<_>>()?
        };
        let mut out = Vec::new();
        for p in pods {
            for (c, _) in p.containers()? {
                out.push((rt.container(&c.id)?, p.id().to_string()));
            }
        }
        return Ok(out);
    }
    let none = |c: Container| (c, String::new());
    if !a.names.is_empty() {
        return Ok(a
            .names
            .iter()
            .map(|n| rt.container(n).map(none))
            .collect::<libpod::Result<_>>()?);
    }
    let opts = libpod::ListOptions {
        all: a.all,
        latest: a.latest,
        ..Default::default()
    };
    Ok(rt
        .list_containers(&opts)?
        .into_iter()
        .map(|(c, _)| rt.container(&c.id).map(none))
        .collect::<libpod::Result<_>>()?)
}

/// A `pod stats` row: podman's fields for pods, as template fields and JSON alike.
fn pod_row(s: &ContainerStats, pod: &str, prev: Option<&ContainerStats>, full: bool) -> Value {
    let short = |id: &str| {
        if full {
            id.to_string()
        } else {
            id.chars().take(12).collect()
        }
    };
    let pair = |a: u64, b: u64| format!("{} / {}", size_digits(a, 4), size_digits(b, 4));
    json!({
        "CPU": format!("{:.2}%", s.cpu_percent(prev)),
        "MemUsage": pair(s.mem_usage, s.mem_limit),
        "MemUsageBytes": pair(s.mem_usage, s.mem_limit),
        "Mem": format!("{:.2}%", s.mem_percent()),
        "NetIO": pair(s.net_rx, s.net_tx),
        "BlockIO": pair(s.block_read, s.block_write),
        "PIDS": s.pids.to_string(),
        "Pod": short(pod),
        "CID": short(&s.id),
        "Name": s.name,
    })
}

/// One reading's row: the template fields and podman's JSON.
fn row(s: &ContainerStats, prev: Option<&ContainerStats>, full_id: bool) -> (Value, Value) {
    let id = if full_id {
        s.id.clone()
    } else {
        s.id.chars().take(12).collect()
    };
    let pct = |v: f64| format!("{v:.2}%");
    let pair = |a: u64, b: u64| format!("{} / {}", size_digits(a, 4), size_digits(b, 4));
    let (cpu, avg) = (pct(s.cpu_percent(prev)), pct(s.avg_cpu_percent()));
    let (mem, mem_pct) = (pair(s.mem_usage, s.mem_limit), pct(s.mem_percent()));
    let (net, blk) = (pair(s.net_rx, s.net_tx), pair(s.block_read, s.block_write));
    let cpu_time = go_duration(s.cpu_ns);
    let item = json!({
        "ID": id, "Name": s.name, "CPUPerc": cpu, "MemUsage": mem, "MemPerc": mem_pct,
        "NetIO": net, "BlockIO": blk, "PIDs": s.pids.to_string(), "CPU": cpu_time,
        "AVGCPU": avg, "MemUsageBytes": size_digits(s.mem_usage, 4),
        "UpTime": go_duration(u64::try_from(s.at - s.started_at).unwrap_or(0)),
    });
    let js = json!({
        "id": id, "name": s.name, "cpu_time": cpu_time, "cpu_percent": cpu, "avg_cpu": avg,
        "mem_usage": mem, "mem_percent": mem_pct, "net_io": net, "block_io": blk,
        "pids": s.pids.to_string(),
    });
    (item, js)
}

pub(super) fn stats(rt: &Runtime, a: &StatsArgs, pods: bool) -> Result<i32> {
    let containers = chosen(rt, a, pods)?;
    let mut prev: Vec<ContainerStats> = Vec::new();
    let mut out = std::io::stdout().lock();
    loop {
        let now: Vec<ContainerStats> = containers
            .iter()
            .map(|(c, _)| c.stats())
            .collect::<libpod::Result<_>>()?;
        let rows: Vec<(Value, Value)> = now
            .iter()
            .zip(&containers)
            .map(|(s, (_, pod))| {
                let before = prev.iter().find(|p| p.id == s.id);
                if pods {
                    let v = pod_row(s, pod, before, a.no_trunc);
                    (v.clone(), v)
                } else {
                    row(s, before, a.no_trunc)
                }
            })
            .collect();
        if !a.no_stream && out.is_terminal() {
            // As podman: each reading replaces the last on a terminal.
            write!(out, "\x1b[2J\x1b[H")?;
        }
        match a.format.as_deref() {
            Some("json") | Some("{{json .}}") => {
                let js: Vec<&Value> = rows.iter().map(|(_, j)| j).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&js)?)?;
            }
            f => {
                let items: Vec<Value> = rows.into_iter().map(|(i, _)| i).collect();
                let (default, headers) = if pods {
                    (POD_DEFAULT, POD_HEADERS)
                } else {
                    (DEFAULT, HEADERS)
                };
                write!(out, "{}", output(&items, f.unwrap_or(default), headers)?)?;
            }
        }
        out.flush()?;
        if a.no_stream {
            return Ok(0);
        }
        prev = now;
        std::thread::sleep(std::time::Duration::from_secs(a.interval.max(1)));
    }
}
