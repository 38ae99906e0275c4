//! Timing of a command's steps as `tracing` debug events (`rpod --log-level debug`), so a slow
//! or failing command can be explained. Nothing is measured unless a subscriber wants debug
//! events (ground floor: imports nothing of this crate).

use std::time::Instant;

/// A step being timed; reports its duration when dropped.
pub(crate) struct Span {
    what: &'static str,
    start: Instant,
}

/// Starts timing `what` if a subscriber listens at debug level.
pub(crate) fn span(what: &'static str) -> Option<Span> {
    tracing::enabled!(tracing::Level::DEBUG).then(|| Span {
        what,
        start: Instant::now(),
    })
}

impl Drop for Span {
    fn drop(&mut self) {
        tracing::debug!(
            step = self.what,
            ms = self.start.elapsed().as_secs_f64() * 1e3,
            "libpod step"
        );
    }
}
