//! The runtime's side of events: recording them as objects change ([`emit`] and its
//! helpers, which never fail the step they record) and reading them back
//! ([`Runtime::events`], [`Runtime::subscribe`]).

use crate::events::{
    Event, EventFilter, EventLog, EventStatus, EventType, Follower, event_matches,
};
use std::os::fd::AsFd;
use std::time::Duration;

use crate::error::Result;
use crate::runtime::Runtime;

/// Which events [`Runtime::events`] and [`Runtime::subscribe`] return.
#[derive(Clone, Debug, Default)]
pub struct EventsOptions {
    /// Only events at or after this time (ns since the epoch); a subscription without it
    /// starts with the next new event, as podman's `events` does.
    pub since: Option<i64>,
    /// Only events at or before this time; a subscription ends once it has passed.
    pub until: Option<i64>,
    /// `--filter`s: one key matches if any of its filters does; keys must all match.
    pub filters: Vec<EventFilter>,
}

impl EventsOptions {
    fn wants(&self, e: &Event) -> bool {
        self.since.is_none_or(|s| e.time >= s)
            && self.until.is_none_or(|u| e.time <= u)
            && event_matches(&self.filters, e)
    }
}

impl Runtime {
    /// The event log this runtime writes, or `None` with `events_logger = "none"`.
    pub fn event_log(&self) -> Option<EventLog> {
        self.inner.events.clone()
    }

    /// The recorded events that match `opts`, oldest first (`events --stream=false`).
    pub fn events(&self, opts: &EventsOptions) -> Result<Vec<Event>> {
        let _g = self.inner.guard()?;
        let Some(log) = &self.inner.events else {
            return Ok(Vec::new());
        };
        Ok(log
            .read_all()?
            .into_iter()
            .filter(|e| opts.wants(e))
            .collect())
    }

    /// The matching events as they are written, after the recorded ones since
    /// `opts.since`; the iterator blocks for the next one and ends after `opts.until`.
    pub fn subscribe(&self, opts: EventsOptions) -> Result<EventStream> {
        let _g = self.inner.guard()?;
        let log =
            self.inner.events.clone().unwrap_or_else(|| {
                EventLog::new(self.inner.config.tmp_dir.join("events/none"), None)
            });
        let dir = log
            .path()
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        std::fs::create_dir_all(&dir).map_err(crate::error::io(&dir))?;
        let inotify = nix::sys::inotify::Inotify::init(
            nix::sys::inotify::InitFlags::IN_CLOEXEC | nix::sys::inotify::InitFlags::IN_NONBLOCK,
        )
        .map_err(|e| crate::error::io(&dir)(e.into()))?;
        use nix::sys::inotify::AddWatchFlags as W;
        inotify
            .add_watch(&dir, W::IN_MODIFY | W::IN_CREATE | W::IN_MOVED_TO)
            .map_err(|e| crate::error::io(&dir)(e.into()))?;
        let follower = log.follow(opts.since.is_some())?;
        Ok(EventStream {
            follower,
            inotify,
            opts,
            ready: std::collections::VecDeque::new(),
        })
    }
}

/// Records a container event (its ID, name, image, pod and labels).
pub(crate) fn container(
    inner: &crate::runtime::Inner,
    status: EventStatus,
    cfg: &libpod_state::ContainerConfig,
) {
    if inner.events.is_some() {
        emit(inner, Event::container(status, cfg));
    }
}

/// Records an event about an object by ID and name (images, pods, networks, volumes).
pub(crate) fn object(
    inner: &crate::runtime::Inner,
    kind: EventType,
    status: EventStatus,
    id: &str,
    name: &str,
) {
    if inner.events.is_some() {
        emit(inner, Event::object(kind, status, id, name));
    }
}

/// Records a container's exit (`died`, with its exit code).
pub(crate) fn died(inner: &crate::runtime::Inner, cfg: &libpod_state::ContainerConfig, code: i32) {
    if inner.events.is_some() {
        emit(
            inner,
            Event {
                exit_code: code,
                ..Event::container(EventStatus::Died, cfg)
            },
        );
    }
}

/// Records an event through the runtime's log, if it keeps one.
pub(crate) fn emit(inner: &crate::runtime::Inner, e: Event) {
    if let Some(log) = &inner.events
        && let Err(err) = log.append(&e)
    {
        tracing::warn!(error = %err, status = %e.status, "event not recorded");
    }
}

/// Live events (see [`Runtime::subscribe`]): an iterator that blocks for the next one.
pub struct EventStream {
    follower: Follower,
    inotify: nix::sys::inotify::Inotify,
    opts: EventsOptions,
    ready: std::collections::VecDeque<Event>,
}

impl EventStream {
    /// The next event, waiting at most `timeout`: `Ok(None)` when none came (or the
    /// subscription's `until` has passed: check [`EventStream::ended`]).
    pub fn next_timeout(&mut self, timeout: Duration) -> Result<Option<Event>> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(Some(e));
            }
            if self.ended() {
                return Ok(None);
            }
            let new = self.follower.poll()?;
            self.ready
                .extend(new.into_iter().filter(|e| self.opts.wants(e)));
            if !self.ready.is_empty() {
                continue;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            // Woken by a write to the log's directory; at most every 250 ms to see `until`.
            libpod_oci::readable_within(self.inotify.as_fd(), left.min(Duration::from_millis(250)));
            while let Ok(events) = self.inotify.read_events() {
                if events.is_empty() {
                    break;
                }
            }
        }
    }

    /// Whether the subscription's `until` has passed.
    pub fn ended(&self) -> bool {
        self.ready.is_empty() && self.opts.until.is_some_and(|u| crate::now_ns() > u)
    }
}

impl Iterator for EventStream {
    type Item = Result<Event>;
    fn next(&mut self) -> Option<Result<Event>> {
        loop {
            match self.next_timeout(Duration::from_secs(3600)) {
                Ok(Some(e)) => return Some(Ok(e)),
                Ok(None) if self.ended() => return None,
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
