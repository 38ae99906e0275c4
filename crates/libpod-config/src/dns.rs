//! A container's name resolution settings as plain data: `--dns`, `--dns-search`,
//! `--dns-option` (and containers.conf's `dns_servers`, `dns_searches`, `dns_options`) and
//! `--add-host`, parsed with podman's checks and messages.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// What a container's `/etc/resolv.conf` says instead of the host's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsSettings {
    /// Name servers (replace the host's).
    #[serde(default)]
    pub servers: Vec<IpAddr>,
    /// Search domains (replace the host's; `.` alone for none).
    #[serde(default)]
    pub search: Vec<String>,
    /// Resolver options (replace the host's).
    #[serde(default)]
    pub options: Vec<String>,
}

impl DnsSettings {
    /// Whether nothing is set (the host's resolv.conf is used as it is).
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty() && self.search.is_empty() && self.options.is_empty()
    }

    /// `self` followed by `more` (containers.conf's settings, then the container's own, as
    /// podman joins them).
    pub fn then(&self, more: &DnsSettings) -> DnsSettings {
        let join = |a: &[String], b: &[String]| a.iter().chain(b).cloned().collect();
        DnsSettings {
            servers: self.servers.iter().chain(&more.servers).copied().collect(),
            search: join(&self.search, &more.search),
            options: join(&self.options, &more.options),
        }
    }
}

/// Parses a `--dns` server address.
///
/// ```
/// assert!(libpod_config::dns::parse_server("10.0.0.1").is_ok());
/// assert_eq!(
///     libpod_config::dns::parse_server("nope").unwrap_err(),
///     "nope is not an ip address"
/// );
/// ```
pub fn parse_server(s: &str) -> Result<IpAddr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s} is not an ip address"))
}

/// One `--add-host NAME:IP` line of `/etc/hosts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEntry {
    /// The host name.
    pub name: String,
    /// Its address.
    pub ip: IpAddr,
}

impl HostEntry {
    /// Parses `NAME:IP` (the address may be IPv6, with its colons).
    ///
    /// ```
    /// let h = libpod_config::HostEntry::parse("db:fd00::1").unwrap();
    /// assert_eq!((h.name.as_str(), h.ip.to_string().as_str()), ("db", "fd00::1"));
    /// assert!(libpod_config::HostEntry::parse("db").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<HostEntry, String> {
        let bad = || format!("bad format for add-host: {s:?}");
        let (name, ip) = s.split_once(':').ok_or_else(bad)?;
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            return Err(bad());
        }
        let ip = ip
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("invalid IP address in add-host: {ip:?}"))?;
        Ok(HostEntry {
            name: name.to_string(),
            ip,
        })
    }

    /// The entry as podman shows it in `inspect` (`HostConfig.ExtraHosts`).
    pub fn as_podman(&self) -> String {
        format!("{}:{}", self.name, self.ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_servers() {
        assert_eq!(
            HostEntry::parse("db:notip").expect_err("not an ip"),
            "invalid IP address in add-host: \"notip\""
        );
        assert_eq!(
            HostEntry::parse(":1.2.3.4").expect_err("no name"),
            "bad format for add-host: \":1.2.3.4\""
        );
        assert_eq!(
            HostEntry::parse("a.b:10.0.0.1").expect("ok").as_podman(),
            "a.b:10.0.0.1"
        );
        let conf = DnsSettings {
            servers: vec![parse_server("10.3.3.3").expect("ip")],
            ..Default::default()
        };
        let mine = DnsSettings {
            servers: vec![parse_server("10.4.4.4").expect("ip")],
            search: vec!["x.com".into()],
            ..Default::default()
        };
        let both = conf.then(&mine);
        assert_eq!(both.servers.len(), 2);
        assert_eq!(both.search, ["x.com"]);
        assert!(DnsSettings::default().is_empty());
    }
}
