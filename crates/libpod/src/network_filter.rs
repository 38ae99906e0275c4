//! `network ls` and `network prune` filters, as podman reads them (`name=`, `id=`,
//! `driver=`, `label=`, `label!=`, `dangling=`), applied by a pure function.
//!
//! ```
//! use libpod::NetworkFilter;
//! let f: NetworkFilter = "driver=bridge".parse()?;
//! assert_eq!(f, NetworkFilter::Driver("bridge".into()));
//! assert!("colour=red".parse::<NetworkFilter>().is_err());
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::str::FromStr;

use libpod_network::Network;

use crate::error::{LibpodError, Result};
use crate::list::{bad_filter, filter_parts, label_parts};

/// One `--filter` of `network ls`. Values of one key match any of them; different keys must
/// all match.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkFilter {
    /// The name contains this (podman matches a regular expression; we match a substring).
    Name(String),
    /// The ID starts with this.
    Id(String),
    /// Its driver.
    Driver(String),
    /// Has this label (and value, when given).
    Label(String, Option<String>),
    /// Lacks this label (`label!=`).
    NotLabel(String, Option<String>),
    /// No container is attached (`true`), or some are (`false`).
    Dangling(bool),
}

impl FromStr for NetworkFilter {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        if let Some((k, v)) = s.split_once("!=")
            && k == "label"
        {
            let (k, v) = label_parts(v.to_string());
            return Ok(NetworkFilter::NotLabel(k, v));
        }
        let (k, v) = filter_parts(s)?;
        Ok(match k {
            "name" => NetworkFilter::Name(v),
            "id" => NetworkFilter::Id(v),
            "driver" => NetworkFilter::Driver(v),
            "label" => {
                let (k, v) = label_parts(v);
                NetworkFilter::Label(k, v)
            }
            "dangling" => NetworkFilter::Dangling(match v.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(bad_filter(s, "expected true or false")),
            }),
            _ => {
                return Err(bad_filter(
                    s,
                    "network filters are name, id, driver, label, label! and dangling",
                ));
            }
        })
    }
}

impl NetworkFilter {
    fn key(&self) -> u8 {
        match self {
            NetworkFilter::Name(_) => 0,
            NetworkFilter::Id(_) => 1,
            NetworkFilter::Driver(_) => 2,
            NetworkFilter::Label(..) => 3,
            NetworkFilter::NotLabel(..) => 4,
            NetworkFilter::Dangling(_) => 5,
        }
    }

    fn matches(&self, n: &Network, users: usize) -> bool {
        let has = |k: &str, val: &Option<String>| {
            n.labels
                .get(k)
                .is_some_and(|x| val.as_ref().is_none_or(|want| want == x))
        };
        match self {
            NetworkFilter::Name(x) => n.name.contains(x.as_str()),
            NetworkFilter::Id(x) => n.id.starts_with(x.as_str()),
            NetworkFilter::Driver(d) => &n.driver == d,
            NetworkFilter::Label(k, v) => has(k, v),
            NetworkFilter::NotLabel(k, v) => !has(k, v),
            NetworkFilter::Dangling(d) => (users == 0) == *d,
        }
    }
}

/// The networks (each with how many containers are attached) that pass `filters`, in order.
pub fn select_networks<'a>(
    networks: &'a [(Network, usize)],
    filters: &[NetworkFilter],
) -> Vec<&'a Network> {
    networks
        .iter()
        .filter(|(n, users)| {
            (0u8..6).all(|k| {
                let of_key: Vec<&NetworkFilter> = filters.iter().filter(|f| f.key() == k).collect();
                of_key.is_empty() || of_key.iter().any(|f| f.matches(n, *users))
            })
        })
        .map(|(n, _)| n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_or_within_a_key() {
        let n = |name: &str, label: Option<(&str, &str)>| Network {
            name: name.into(),
            id: format!("{name}0000"),
            driver: "bridge".into(),
            labels: label
                .map(|(k, v)| [(k.to_string(), v.to_string())].into())
                .unwrap_or_default(),
            ..Default::default()
        };
        let nets = vec![(n("web", Some(("app", "a"))), 1), (n("db", None), 0)];
        let pick = |f: &[&str]| -> Vec<String> {
            let fs: Vec<NetworkFilter> = f.iter().map(|s| s.parse().expect("filter")).collect();
            select_networks(&nets, &fs)
                .iter()
                .map(|n| n.name.clone())
                .collect()
        };
        assert_eq!(pick(&["name=we"]), ["web"]);
        assert_eq!(pick(&["name=web", "name=db"]), ["web", "db"]);
        assert_eq!(pick(&["label=app=a"]), ["web"]);
        assert_eq!(pick(&["label!=app"]), ["db"]);
        assert_eq!(pick(&["dangling=true"]), ["db"]);
        assert_eq!(pick(&["id=db0", "driver=bridge"]), ["db"]);
    }
}
