//! Listing containers as podman's `ps` does: typed filters (several values of one key match
//! any, except labels, which must all match; different keys must all match), the running-only default, `--all`, `--latest`,
//! `--last N` and the sort keys. The selection is a pure function, tested without root.
//!
//! ```no_run
//! use libpod::{ContainerFilter, ListOptions, Runtime};
//! let rt = Runtime::builder().build()?;
//! let opts = ListOptions {
//!     all: true,
//!     filters: vec!["status=exited".parse()?, "label=app=web".parse()?],
//!     ..Default::default()
//! };
//! for (cfg, st) in rt.list_containers(&opts)? {
//!     println!("{} {}", cfg.name, st.status);
//! }
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::str::FromStr;

use libpod_state::{ContainerConfig, ContainerState, ContainerStatus as S, NetworkMode};

use crate::error::{LibpodError, Result};
use crate::runtime::Runtime;

/// One `--filter KEY=VALUE` of `ps` (several `label` filters must all match; several
/// values of another key are alternatives).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerFilter {
    /// Name contains the value.
    Name(String),
    /// ID starts with the value.
    Id(String),
    /// Status as podman names it (`created`, `running`, `paused`, `exited`, ...).
    Status(String),
    /// A label, with or without a value.
    Label(String, Option<String>),
    /// Member of the pod with this name or ID prefix.
    Pod(String),
    /// Made from the image with this name (or part of one) or ID prefix.
    Ancestor(String),
    /// Created before the container with this name or ID.
    Before(String),
    /// Created after the container with this name or ID.
    Since(String),
    /// Attached to the network with this name.
    Network(String),
    /// Exited with this code.
    Exited(i32),
    /// Health status: `starting`, `healthy`, `unhealthy`, or `none` (no healthcheck).
    Health(String),
}

impl ContainerFilter {
    /// The filter's key, filters with the same key are alternatives.
    pub fn key(&self) -> &'static str {
        match self {
            ContainerFilter::Name(_) => "name",
            ContainerFilter::Id(_) => "id",
            ContainerFilter::Status(_) => "status",
            ContainerFilter::Label(..) => "label",
            ContainerFilter::Pod(_) => "pod",
            ContainerFilter::Ancestor(_) => "ancestor",
            ContainerFilter::Before(_) => "before",
            ContainerFilter::Since(_) => "since",
            ContainerFilter::Network(_) => "network",
            ContainerFilter::Exited(_) => "exited",
            ContainerFilter::Health(_) => "health",
        }
    }
}

/// A `--filter` value's key and value; the error names the filter.
pub(crate) fn filter_parts(s: &str) -> Result<(&str, String)> {
    s.split_once('=')
        .map(|(k, v)| (k, v.to_string()))
        .ok_or_else(|| bad_filter(s, "expected KEY=VALUE"))
}

/// The error for filter `s`, saying why.
pub(crate) fn bad_filter(s: &str, why: &str) -> LibpodError {
    LibpodError::Invalid(format!("invalid filter {s:?}: {why}"))
}

/// A `label=` value: `KEY` or `KEY=VALUE`.
pub(crate) fn label_parts(v: String) -> (String, Option<String>) {
    match v.split_once('=') {
        Some((k, val)) => (k.to_string(), Some(val.to_string())),
        None => (v, None),
    }
}

impl FromStr for ContainerFilter {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = |why: &str| crate::list::bad_filter(s, why);
        let (k, v) = crate::list::filter_parts(s)?;
        Ok(match k {
            "name" => ContainerFilter::Name(v),
            "id" => ContainerFilter::Id(v),
            "status" => {
                const KNOWN: &[&str] = &[
                    "created",
                    "running",
                    "paused",
                    "exited",
                    "stopped",
                    "removing",
                    "configured",
                    "unknown",
                ];
                if !KNOWN.contains(&v.as_str()) {
                    return Err(bad(&format!("status is one of {}", KNOWN.join(", "))));
                }
                ContainerFilter::Status(v)
            }
            "label" => {
                let (k, v) = crate::list::label_parts(v);
                ContainerFilter::Label(k, v)
            }
            "pod" => ContainerFilter::Pod(v),
            "ancestor" => ContainerFilter::Ancestor(v),
            "before" => ContainerFilter::Before(v),
            "since" => ContainerFilter::Since(v),
            "network" => ContainerFilter::Network(v),
            "exited" => {
                ContainerFilter::Exited(v.parse().map_err(|_| bad("exited takes an exit code"))?)
            }
            "health" => {
                const KNOWN: &[&str] = &["starting", "healthy", "unhealthy", "none"];
                if !KNOWN.contains(&v.as_str()) {
                    return Err(bad(&format!("health is one of {}", KNOWN.join(", "))));
                }
                ContainerFilter::Health(v)
            }
            other => {
                return Err(bad(&format!(
                    "unknown key {other:?}; use name, id, status, label, pod, ancestor, before, since, network, exited or health"
                )));
            }
        })
    }
}

/// What `ps` sorts by (`--sort`); oldest first by default, as podman.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortKey {
    /// Creation time.
    #[default]
    Created,
    /// ID.
    Id,
    /// Image name.
    Image,
    /// Name.
    Names,
    /// Status.
    Status,
    /// Command.
    Command,
    /// Pod.
    Pod,
}

impl FromStr for SortKey {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "created" | "runningfor" => SortKey::Created,
            "id" => SortKey::Id,
            "image" => SortKey::Image,
            "names" => SortKey::Names,
            "status" => SortKey::Status,
            "command" => SortKey::Command,
            "pod" => SortKey::Pod,
            other => {
                return Err(LibpodError::Invalid(format!(
                    "invalid --sort {other:?}: use command, created, id, image, names, pod, runningfor or status"
                )));
            }
        })
    }
}

/// How `ps` selects and orders.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    /// Stopped containers too (else only running ones).
    pub all: bool,
    /// Filters: one key's values match any, different keys must all match.
    pub filters: Vec<ContainerFilter>,
    /// Only the last created container (running or not).
    pub latest: bool,
    /// Only the last N created (running or not).
    pub last: Option<usize>,
    /// The order.
    pub sort: SortKey,
}

/// What filters compare against besides a container itself.
#[derive(Clone, Debug, Default)]
pub struct FilterContext {
    /// Images: (ID, names).
    pub images: Vec<(String, Vec<String>)>,
    /// Pods: (ID, name).
    pub pods: Vec<(String, String)>,
}

type Entry = (ContainerConfig, ContainerState);

fn status_matches(st: &ContainerState, want: &str) -> bool {
    st.status.as_str() == want
        || (want == "exited" && st.status == S::Stopped)
        || (want == "configured" && st.status == S::Configured)
}

fn matches(f: &ContainerFilter, (c, s): &Entry, all: &[Entry], ctx: &FilterContext) -> bool {
    let created_of = |n: &str| {
        all.iter()
            .find(|(o, _)| o.name == n || o.id.starts_with(n))
            .map(|(o, _)| o.created)
    };
    match f {
        ContainerFilter::Name(v) => c.name.contains(v.as_str()),
        ContainerFilter::Id(v) => c.id.starts_with(v.as_str()),
        ContainerFilter::Status(v) => status_matches(s, v),
        ContainerFilter::Label(k, v) => match v {
            Some(v) => c.labels.get(k).is_some_and(|x| x == v),
            None => c.labels.contains_key(k),
        },
        ContainerFilter::Pod(v) => c.pod.as_ref().is_some_and(|p| {
            p.starts_with(v.as_str()) || ctx.pods.iter().any(|(id, name)| id == p && name == v)
        }),
        ContainerFilter::Ancestor(v) => {
            c.image_name.contains(v.as_str())
                || c.image_id.starts_with(v.as_str())
                || ctx.images.iter().any(|(id, names)| {
                    *id == c.image_id && names.iter().any(|n| n.contains(v.as_str()))
                })
        }
        ContainerFilter::Before(v) => created_of(v).is_some_and(|t| c.created < t),
        ContainerFilter::Since(v) => created_of(v).is_some_and(|t| c.created > t),
        ContainerFilter::Network(v) => match &c.network {
            NetworkMode::Networks(n) => n.contains(v),
            _ => s.networks.iter().any(|n| &n.network == v),
        },
        ContainerFilter::Exited(code) => {
            matches!(s.status, S::Exited | S::Stopped) && s.exit_code == Some(*code)
        }
        ContainerFilter::Health(v) => match (&c.healthcheck, &s.health) {
            (None, _) => v == "none",
            (Some(_), Some(h)) => h.status.as_str() == v,
            (Some(_), None) => v == "starting",
        },
    }
}

/// The containers `opts` selects from `list`, in its order (a pure function).
pub fn select_containers(list: Vec<Entry>, opts: &ListOptions, ctx: &FilterContext) -> Vec<Entry> {
    let everything = list.clone();
    let by_choice = opts.latest || opts.last.is_some();
    let mut out: Vec<Entry> = list
        .into_iter()
        .filter(|(c, s)| !c.is_infra && (opts.all || by_choice || s.status == S::Running))
        .filter(|e| {
            let mut keys: Vec<&str> = opts.filters.iter().map(ContainerFilter::key).collect();
            keys.sort_unstable();
            keys.dedup();
            keys.iter().all(|k| {
                let mut of_key = opts.filters.iter().filter(|f| f.key() == *k);
                // podman: every label must match; other keys' values are alternatives.
                if *k == "label" {
                    of_key.all(|f| matches(f, e, &everything, ctx))
                } else {
                    of_key.any(|f| matches(f, e, &everything, ctx))
                }
            })
        })
        .collect();
    out.sort_by_key(|(c, _)| c.created);
    let keep = if opts.latest { Some(1) } else { opts.last };
    if let Some(n) = keep {
        let skip = out.len().saturating_sub(n);
        out.drain(..skip);
    }
    match opts.sort {
        SortKey::Created => {}
        SortKey::Id => out.sort_by(|a, b| a.0.id.cmp(&b.0.id)),
        SortKey::Image => out.sort_by(|a, b| a.0.image_name.cmp(&b.0.image_name)),
        SortKey::Names => out.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
        SortKey::Status => out.sort_by(|a, b| a.1.status.as_str().cmp(b.1.status.as_str())),
        SortKey::Command => out.sort_by(|a, b| a.0.command.cmp(&b.0.command)),
        SortKey::Pod => out.sort_by(|a, b| a.0.pod.cmp(&b.0.pod)),
    }
    out
}

impl Runtime {
    /// The containers `opts` selects (`ps`), with their state.
    pub fn list_containers(&self, opts: &ListOptions) -> Result<Vec<Entry>> {
        // Images and pods are read only when a filter compares with them.
        let wants = |k: &str| opts.filters.iter().any(|f| f.key() == k);
        let mut ctx = FilterContext::default();
        if wants("ancestor") {
            ctx.images = self
                .images()?
                .into_iter()
                .map(|i| (i.id, i.names))
                .collect();
        }
        if wants("pod") {
            ctx.pods = self
                .pods()?
                .iter()
                .filter_map(|p| p.config().ok().map(|c| (c.id, c.name)))
                .collect();
        }
        Ok(select_containers(self.containers()?, opts, &ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctr(name: &str, created: i64, status: S, label: Option<(&str, &str)>) -> Entry {
        let mut c = ContainerConfig {
            id: format!("{name:0<64}"),
            name: name.into(),
            created,
            image_name: "localhost/busybox:latest".into(),
            ..Default::default()
        };
        if let Some((k, v)) = label {
            c.labels.insert(k.into(), v.into());
        }
        let s = ContainerState {
            status,
            exit_code: (status == S::Exited).then_some(3),
            ..Default::default()
        };
        (c, s)
    }

    fn names(v: &[Entry]) -> Vec<&str> {
        v.iter().map(|(c, _)| c.name.as_str()).collect()
    }

    fn list() -> Vec<Entry> {
        vec![
            ctr("b", 2, S::Exited, Some(("app", "web"))),
            ctr("a", 1, S::Running, Some(("app", "db"))),
            ctr("c", 3, S::Running, None),
            ctr("d", 4, S::Created, Some(("app", "web"))),
        ]
    }

    fn sel(opts: ListOptions) -> Vec<String> {
        names(&select_containers(list(), &opts, &FilterContext::default()))
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn running_only_by_default_oldest_first() {
        assert_eq!(sel(ListOptions::default()), ["a", "c"]);
        assert_eq!(
            sel(ListOptions {
                all: true,
                ..Default::default()
            }),
            ["a", "b", "c", "d"]
        );
    }

    #[test]
    fn one_keys_values_are_alternatives_different_keys_all_apply() {
        let f = |v: &[&str]| v.iter().map(|s| s.parse().expect("filter")).collect();
        let o = |filters| ListOptions {
            all: true,
            filters,
            ..Default::default()
        };
        assert_eq!(sel(o(f(&["status=exited", "status=created"]))), ["b", "d"]);
        assert_eq!(sel(o(f(&["label=app=web", "status=created"]))), ["d"]);
        assert_eq!(sel(o(f(&["label=app"]))), ["a", "b", "d"]);
        assert_eq!(sel(o(f(&["before=c"]))), ["a", "b"]);
        assert_eq!(sel(o(f(&["since=b"]))), ["c", "d"]);
        assert_eq!(sel(o(f(&["exited=3"]))), ["b"]);
        assert_eq!(sel(o(f(&["id=c"]))), ["c"]);
        // Labels are the exception, as podman's: every one must match.
        assert_eq!(
            sel(o(f(&["label=app=web", "label=app=db"]))),
            Vec::<String>::new()
        );
        assert_eq!(sel(o(f(&["label=app", "label=app=db"]))), ["a"]);
    }

    #[test]
    fn latest_last_and_sort() {
        assert_eq!(
            sel(ListOptions {
                latest: true,
                ..Default::default()
            }),
            ["d"]
        );
        assert_eq!(
            sel(ListOptions {
                last: Some(2),
                ..Default::default()
            }),
            ["c", "d"]
        );
        let o = ListOptions {
            all: true,
            sort: "names".parse().expect("sort"),
            ..Default::default()
        };
        assert_eq!(sel(o), ["a", "b", "c", "d"]);
    }

    #[test]
    fn bad_filters_and_sorts_are_refused() {
        for bad in ["nokey", "color=red", "status=sleeping", "exited=x"] {
            assert!(bad.parse::<ContainerFilter>().is_err(), "{bad}");
        }
        assert!("size".parse::<SortKey>().is_err());
    }
}
