//! `volume ls` and `volume prune` filters, as podman reads them (`name=`, `label=`,
//! `driver=`, `dangling=`, `anonymous=`), applied by a pure function.
//!
//! ```
//! use libpod::VolumeFilter;
//! let f: VolumeFilter = "dangling=true".parse()?;
//! assert_eq!(f, VolumeFilter::Dangling(true));
//! assert!("colour=red".parse::<VolumeFilter>().is_err());
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::str::FromStr;

use libpod_state::{VolumeConfig, VolumeState};

use crate::error::{LibpodError, Result};
use crate::list::{bad_filter, filter_parts, label_parts};
use crate::runtime::Runtime;

/// One `--filter` of `volume ls`/`volume prune`. Values of one key match any of them;
/// different keys must all match.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VolumeFilter {
    /// The name contains this (podman matches names as a substring or regex; we match a
    /// substring).
    Name(String),
    /// Has this label (and value, when given).
    Label(String, Option<String>),
    /// Lacks this label (`label!=`).
    NotLabel(String, Option<String>),
    /// Uses this driver.
    Driver(String),
    /// Mounted by no container (`true`), or by some (`false`).
    Dangling(bool),
    /// Anonymous (`true`) or named (`false`).
    Anonymous(bool),
}

fn boolean(s: &str, v: &str) -> Result<bool> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(bad_filter(s, "expected true or false")),
    }
}

impl FromStr for VolumeFilter {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        if let Some((k, v)) = s.split_once("!=")
            && k == "label"
        {
            let (k, v) = label_parts(v.to_string());
            return Ok(VolumeFilter::NotLabel(k, v));
        }
        let (k, v) = filter_parts(s)?;
        Ok(match k {
            "name" => VolumeFilter::Name(v),
            "label" => {
                let (k, v) = label_parts(v);
                VolumeFilter::Label(k, v)
            }
            "driver" => VolumeFilter::Driver(v),
            "dangling" => VolumeFilter::Dangling(boolean(s, &v)?),
            "anonymous" => VolumeFilter::Anonymous(boolean(s, &v)?),
            _ => {
                return Err(bad_filter(
                    s,
                    "volume filters are name, label, label!, driver, dangling and anonymous",
                ));
            }
        })
    }
}

impl VolumeFilter {
    fn key(&self) -> u8 {
        match self {
            VolumeFilter::Name(_) => 0,
            VolumeFilter::Label(..) => 1,
            VolumeFilter::NotLabel(..) => 2,
            VolumeFilter::Driver(_) => 3,
            VolumeFilter::Dangling(_) => 4,
            VolumeFilter::Anonymous(_) => 5,
        }
    }

    fn matches(&self, v: &VolumeConfig, users: usize) -> bool {
        let has = |k: &str, val: &Option<String>| {
            v.labels
                .get(k)
                .is_some_and(|x| val.as_ref().is_none_or(|want| want == x))
        };
        match self {
            VolumeFilter::Name(n) => v.name.contains(n.as_str()),
            VolumeFilter::Label(k, val) => has(k, val),
            VolumeFilter::NotLabel(k, val) => !has(k, val),
            VolumeFilter::Driver(d) => &v.driver == d,
            VolumeFilter::Dangling(d) => (users == 0) == *d,
            VolumeFilter::Anonymous(a) => v.anonymous == *a,
        }
    }
}

/// The volumes (each with how many containers mount it) that pass `filters`, in order.
pub fn select_volumes<'a>(
    volumes: &'a [(VolumeConfig, VolumeState, usize)],
    filters: &[VolumeFilter],
) -> Vec<&'a (VolumeConfig, VolumeState, usize)> {
    volumes
        .iter()
        .filter(|(v, _, users)| {
            (0u8..6).all(|k| {
                let of_key: Vec<&VolumeFilter> = filters.iter().filter(|f| f.key() == k).collect();
                of_key.is_empty() || of_key.iter().any(|f| f.matches(v, *users))
            })
        })
        .collect()
}

impl Runtime {
    /// The volumes that pass `filters`, by name, with their states (`volume ls`).
    pub fn list_volumes(
        &self,
        filters: &[VolumeFilter],
    ) -> Result<Vec<(VolumeConfig, VolumeState)>> {
        let _g = self.inner.guard()?;
        let all = self.inner.state.all_volumes()?;
        let mut with_users = Vec::with_capacity(all.len());
        for (c, s) in all {
            let n = self.inner.state.volume_users(&c.name)?.len();
            with_users.push((c, s, n));
        }
        Ok(select_volumes(&with_users, filters)
            .into_iter()
            .map(|(c, s, _)| (c.clone(), s.clone()))
            .collect())
    }

    /// Removes the volumes no container mounts that pass `filters` (`volume prune`);
    /// returns their names.
    pub fn prune_volumes(&self, filters: &[VolumeFilter]) -> Result<Vec<String>> {
        let mut f = filters.to_vec();
        f.push(VolumeFilter::Dangling(true));
        let mut removed = Vec::new();
        for (v, _) in self.list_volumes(&f)? {
            let _g = self.inner.guard()?;
            match crate::volumes::remove_unguarded(&self.inner, &v.name) {
                Ok(()) => removed.push(v.name),
                // Taken by a container since the listing: not unused any more.
                Err(e) if e.is_in_use() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vol(name: &str, labels: &[(&str, &str)], anonymous: bool) -> VolumeConfig {
        VolumeConfig {
            name: name.into(),
            driver: "local".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            anonymous,
            ..Default::default()
        }
    }

    #[test]
    fn filters_select_as_podman_does() {
        let vols = vec![
            (
                vol("data", &[("app", "db")], false),
                VolumeState::default(),
                1,
            ),
            (
                vol("cache", &[("app", "web")], false),
                VolumeState::default(),
                0,
            ),
            (vol("0123abcd", &[], true), VolumeState::default(), 0),
        ];
        let names = |fs: &[&str]| -> Vec<String> {
            let f: Vec<VolumeFilter> = fs.iter().map(|s| s.parse().expect("filter")).collect();
            select_volumes(&vols, &f)
                .into_iter()
                .map(|(v, _, _)| v.name.clone())
                .collect()
        };
        assert_eq!(names(&[]), ["data", "cache", "0123abcd"]);
        assert_eq!(names(&["dangling=true"]), ["cache", "0123abcd"]);
        assert_eq!(names(&["dangling=false"]), ["data"]);
        assert_eq!(names(&["label=app"]), ["data", "cache"]);
        assert_eq!(names(&["label=app=web"]), ["cache"]);
        assert_eq!(names(&["label!=app"]), ["0123abcd"]);
        assert_eq!(names(&["name=a", "dangling=true"]), ["cache", "0123abcd"]);
        assert_eq!(names(&["name=dat", "name=cac"]), ["data", "cache"]);
        assert_eq!(names(&["anonymous=true"]), ["0123abcd"]);
        assert_eq!(names(&["driver=other"]), Vec::<String>::new());
        assert!("dangling=maybe".parse::<VolumeFilter>().is_err());
        assert!("size=1".parse::<VolumeFilter>().is_err());
    }
}
