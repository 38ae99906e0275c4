//! `events --filter`: podman 4.3's keys; filters with one key match if any does, filters with
//! different keys must all match.

use super::types::{Event, EventStatus, EventType};
use crate::error::{LibpodError, Result};

/// One `--filter KEY=VALUE` of `events`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventFilter {
    /// `container=NAME|ID`: a container event about it (an ID prefix matches).
    Container(String),
    /// `event=STATUS` (podman's `status=` spelling too).
    Event(EventStatus),
    /// `image=NAME|ID`: an event whose image or image name is this.
    Image(String),
    /// `label=KEY` or `label=KEY=VALUE`: a container event with that label.
    Label(String, Option<String>),
    /// `network=NAME`.
    Network(String),
    /// `pod=NAME|ID`: a pod event about it, or a container event of a container in it.
    Pod(String),
    /// `type=TYPE`.
    Type(EventType),
    /// `volume=NAME`.
    Volume(String),
}

impl EventFilter {
    /// The filter's key, to group filters with the same key.
    fn key(&self) -> &'static str {
        match self {
            Self::Container(_) => "container",
            Self::Event(_) => "event",
            Self::Image(_) => "image",
            Self::Label(..) => "label",
            Self::Network(_) => "network",
            Self::Pod(_) => "pod",
            Self::Type(_) => "type",
            Self::Volume(_) => "volume",
        }
    }

    /// Whether one event passes this filter.
    pub fn matches(&self, e: &Event) -> bool {
        let id_or_name =
            |want: &str| e.name == want || (!want.is_empty() && e.id.starts_with(want));
        match self {
            Self::Container(c) => e.kind == EventType::Container && id_or_name(c),
            Self::Event(s) => e.status == *s,
            Self::Image(i) => {
                e.image == *i
                    || (e.kind == EventType::Image && id_or_name(i))
                    || e.image.rsplit('/').next() == Some(i.as_str())
                    || e.image.trim_end_matches(":latest").rsplit('/').next() == Some(i.as_str())
            }
            Self::Label(k, v) => e
                .attributes
                .as_ref()
                .and_then(|a| a.get(k))
                .is_some_and(|have| v.as_ref().is_none_or(|want| want == have)),
            Self::Network(n) => e.network == *n || (e.kind == EventType::Network && id_or_name(n)),
            Self::Pod(p) => {
                (e.kind == EventType::Pod && id_or_name(p))
                    || (!p.is_empty() && e.pod_id.starts_with(p.as_str()))
            }
            Self::Type(t) => e.kind == *t,
            Self::Volume(v) => e.kind == EventType::Volume && e.name == *v,
        }
    }
}

impl std::str::FromStr for EventFilter {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = |why: String| LibpodError::Invalid(format!("invalid filter {s:?}: {why}"));
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| bad("filters are KEY=VALUE".into()))?;
        Ok(match k {
            "container" => Self::Container(v.into()),
            "event" | "status" => Self::Event(v.parse().map_err(bad)?),
            "image" => Self::Image(v.into()),
            "label" => match v.split_once('=') {
                Some((k, v)) => Self::Label(k.into(), Some(v.into())),
                None => Self::Label(v.into(), None),
            },
            "network" => Self::Network(v.into()),
            "pod" => Self::Pod(v.into()),
            "type" => Self::Type(v.parse().map_err(bad)?),
            "volume" => Self::Volume(v.into()),
            other => {
                return Err(bad(format!(
                    "unknown key {other:?} (container, event, image, label, network, pod, type, volume)"
                )));
            }
        })
    }
}

/// Whether `e` passes every group of `filters` (any filter of a key, all keys).
pub fn event_matches(filters: &[EventFilter], e: &Event) -> bool {
    let mut keys: Vec<&str> = filters.iter().map(EventFilter::key).collect();
    keys.dedup();
    keys.iter().all(|k| {
        filters
            .iter()
            .filter(|f| f.key() == *k)
            .any(|f| f.matches(e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventType, status: EventStatus, name: &str) -> Event {
        Event {
            id: format!("{name}-id"),
            ..Event::named(kind, status, name)
        }
    }

    #[test]
    fn one_key_is_any_and_keys_are_all_as_podman_4_3() {
        let f: Vec<EventFilter> = ["event=create", "event=remove", "type=volume"]
            .iter()
            .map(|s| s.parse().expect("filter"))
            .collect();
        assert!(event_matches(
            &f,
            &ev(EventType::Volume, EventStatus::Create, "v")
        ));
        assert!(event_matches(
            &f,
            &ev(EventType::Volume, EventStatus::Remove, "v")
        ));
        assert!(!event_matches(
            &f,
            &ev(EventType::Container, EventStatus::Create, "c")
        ));
        assert!(!event_matches(
            &f,
            &ev(EventType::Volume, EventStatus::Prune, "v")
        ));
        assert!(event_matches(
            &[],
            &ev(EventType::Pod, EventStatus::Stop, "p")
        ));
    }

    #[test]
    fn containers_match_by_name_or_id_prefix_and_labels() {
        let mut e = ev(EventType::Container, EventStatus::Start, "web");
        e.attributes = Some([("app".to_string(), "db".to_string())].into());
        e.pod_id = "abcdef".into();
        for (f, want) in [
            ("container=web", true),
            ("container=web-i", true),
            ("container=db", false),
            ("label=app", true),
            ("label=app=db", true),
            ("label=app=web", false),
            ("pod=abc", true),
            ("pod=x", false),
        ] {
            let f: EventFilter = f.parse().expect("filter");
            assert_eq!(f.matches(&e), want, "{f:?}");
        }
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        let e = "bogus=1".parse::<EventFilter>().expect_err("unknown key");
        assert!(e.to_string().contains("unknown key \"bogus\""), "{e}");
        let e = "event=bogus"
            .parse::<EventFilter>()
            .expect_err("unknown event");
        assert!(e.to_string().contains("is not one of"), "{e}");
        assert!("container".parse::<EventFilter>().is_err());
    }
}
