//! Parsing podman-style option values: ports, volumes, memory sizes, env files, networks.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use libpod::state::{NetworkMode, PortMapping, Protocol};

/// `[[ip:][hostPort]:]containerPort[/proto]`, with `a-b` ranges; a missing host port is a
/// free one chosen now.
pub fn publish(s: &str) -> Result<PortMapping> {
    let (spec, proto) = s.rsplit_once('/').unwrap_or((s, "tcp"));
    let protocol: Protocol = proto
        .parse()
        .map_err(|_| anyhow!("invalid port {s:?}: protocol must be tcp, udp or sctp"))?;
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    let range = |p: &str| -> Result<(u16, u16)> {
        let (a, b) = p.split_once('-').unwrap_or((p, p));
        let (a, b): (u16, u16) = (
            a.parse().with_context(|| format!("invalid port {s:?}"))?,
            b.parse().with_context(|| format!("invalid port {s:?}"))?,
        );
        if a == 0 || b < a {
            bail!("invalid port range in {s:?}");
        }
        Ok((a, b - a + 1))
    };
    let (c0, n) = range(parts[0])?;
    let (host_ip, host) = match parts.len() {
        1 => (String::new(), None),
        2 => (String::new(), Some(parts[1])),
        _ => (
            parts[2].trim_matches(|c| c == '[' || c == ']').to_string(),
            Some(parts[1]),
        ),
    };
    if !host_ip.is_empty() && host_ip.parse::<std::net::IpAddr>().is_err() {
        bail!("invalid host IP {host_ip:?} in {s:?}");
    }
    let h0 = match host.filter(|h| !h.is_empty()) {
        Some(h) => {
            let (h0, hn) = range(h)?;
            if hn != n {
                bail!("host and container port ranges differ in size in {s:?}");
            }
            h0
        }
        None => {
            let ip = if host_ip.is_empty() {
                "0.0.0.0"
            } else {
                host_ip.as_str()
            };
            std::net::TcpListener::bind((ip, 0))
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .with_context(|| format!("no free port for {s:?}"))?
        }
    };
    Ok(PortMapping {
        host_ip,
        host_port: h0,
        container_port: c0,
        protocol,
        range: n,
    })
}

/// `--env-file` lines (`KEY=value`; `#` comments and blank lines skipped; `KEY` alone takes
/// the caller's value).
pub fn env_file(p: &Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("reading env file {}", p.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            if l.contains('=') {
                Some(l.to_string())
            } else {
                std::env::var(l).ok().map(|v| format!("{l}={v}"))
            }
        })
        .collect())
}

/// `--network` as podman takes it.
pub fn network(s: &str) -> NetworkMode {
    match s {
        "" | "bridge" | "default" => NetworkMode::Default,
        "none" => NetworkMode::None,
        "host" => NetworkMode::Host,
        "pod" => NetworkMode::Pod,
        s => match s.strip_prefix("container:") {
            Some(c) => NetworkMode::Container(c.to_string()),
            None => NetworkMode::Networks(s.split(',').map(String::from).collect()),
        },
    }
}

/// `KEY=value` labels.
pub fn labels(v: &[String]) -> std::collections::BTreeMap<String, String> {
    v.iter()
        .map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .unwrap_or_else(|| (l.clone(), String::new()))
        })
        .collect()
}

/// A duration as podman takes one: a number with `ms`, `s`, `m` or `h` (`500ms`, `1.5s`);
/// a bare number is seconds.
pub fn duration(s: &str) -> Result<std::time::Duration> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow!("invalid duration {s:?}: expected a number with ms, s, m or h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => bail!("invalid duration {s:?}: the unit is ms, s, m or h"),
    };
    std::time::Duration::try_from_secs_f64(secs).map_err(|e| anyhow!("invalid duration {s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn ports_volumes_memory() {
        let p = super::publish("127.0.0.1:8080:80").expect("p");
        assert_eq!(
            (
                p.host_ip.as_str(),
                p.host_port,
                p.container_port,
                p.protocol.as_str(),
                p.range
            ),
            ("127.0.0.1", 8080, 80, "tcp", 1)
        );
        let p = super::publish("9000-9001:90-91/udp").expect("range");
        assert_eq!(
            (p.host_port, p.container_port, p.range, p.protocol.as_str()),
            (9000, 90, 2, "udp")
        );
        assert!(super::publish("127.0.0.1::80").expect("random").host_port > 0);
        assert!(
            super::publish("80/icmp").is_err()
                && super::publish("x:80").is_err()
                && super::publish("1-3:1-2").is_err()
        );
        assert_eq!(
            super::network("container:abc"),
            libpod::state::NetworkMode::Container("abc".into())
        );
    }

    #[test]
    fn durations_as_podman_takes_them() {
        use std::time::Duration;
        assert_eq!(duration("500ms").ok(), Some(Duration::from_millis(500)));
        assert_eq!(duration("1.5s").ok(), Some(Duration::from_millis(1500)));
        assert_eq!(duration("2").ok(), Some(Duration::from_secs(2)));
        assert_eq!(duration("1m").ok(), Some(Duration::from_secs(60)));
        assert!(duration("soon").is_err());
        assert!(duration("3d").is_err());
        assert!(duration("-1s").is_err());
    }
}
