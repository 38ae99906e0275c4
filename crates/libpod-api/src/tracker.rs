//! What keeps the service alive: requests in flight and open streams (logs, events, attach).
//! The idle timeout counts from the moment the last of them ended.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::Notify;

/// Counts activity; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Tracker(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    active: AtomicUsize,
    last_end: Mutex<Instant>,
    changed: Notify,
}

/// One unit of activity, ended when dropped.
#[derive(Debug)]
pub(crate) struct Busy(Tracker);

impl Tracker {
    /// A tracker with nothing active, idle from now.
    pub(crate) fn new() -> Self {
        Tracker(Arc::new(Shared {
            active: AtomicUsize::new(0),
            last_end: Mutex::new(Instant::now()),
            changed: Notify::new(),
        }))
    }

    /// Marks the start of a request or a stream.
    pub(crate) fn busy(&self) -> Busy {
        self.0.active.fetch_add(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
        Busy(self.clone())
    }

    /// How many requests and streams are open.
    pub(crate) fn active(&self) -> usize {
        self.0.active.load(Ordering::SeqCst)
    }

    /// When the last request or stream ended (or the tracker was made).
    pub(crate) fn last_end(&self) -> Instant {
        self.0
            .last_end
            .lock()
            .map_or_else(|p| *p.into_inner(), |g| *g)
    }

    /// Resolves at the next start or end of activity.
    pub(crate) async fn changed(&self) {
        self.0.changed.notified().await;
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let shared = &(self.0).0;
        if let Ok(mut t) = shared.last_end.lock() {
            *t = Instant::now();
        }
        shared.active.fetch_sub(1, Ordering::SeqCst);
        shared.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_is_counted_until_dropped() {
        let t = Tracker::new();
        let before = t.last_end();
        let a = t.busy();
        let b = t.busy();
        assert_eq!(t.active(), 2);
        drop(a);
        assert_eq!(t.active(), 1);
        drop(b);
        assert_eq!(t.active(), 0);
        assert!(t.last_end() >= before);
    }
}
