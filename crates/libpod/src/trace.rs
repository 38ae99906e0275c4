//! Timing of a command's steps, for callers that want to explain a slow or failing command
//! (`rpod --log-level debug`). Off unless a hook is set; then every step reports its name and
//! duration when it ends (ground floor: imports nothing of this crate).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

static HOOK: OnceLock<fn(&str, Duration)> = OnceLock::new();

/// Reports every step to `hook` from now on (once per process).
pub fn set_hook(hook: fn(&str, Duration)) {
    let _ = HOOK.set(hook);
}

/// A step being timed; reports when dropped.
pub(crate) struct Span {
    what: &'static str,
    start: Instant,
}

/// Starts timing `what` if anyone listens.
pub(crate) fn span(what: &'static str) -> Option<Span> {
    HOOK.get().map(|_| Span {
        what,
        start: Instant::now(),
    })
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(h) = HOOK.get() {
            h(self.what, self.start.elapsed());
        }
    }
}
