//! Events: every lifecycle step of containers, pods, images, volumes and networks, written
//! to the event log by the process that acts and read back by `events` (ground floor: the
//! types, the log file and the filters; the runtime records and reads them in
//! `event_record.rs`, re-exported at the crate root).
//!
//! ```no_run
//! use libpod::EventsOptions;
//! let rt = libpod::Runtime::builder().build()?;
//! let opts = EventsOptions {
//!     since: Some(libpod::now_ns() - 600_000_000_000),
//!     filters: vec!["type=container".parse()?],
//!     ..Default::default()
//! };
//! for e in rt.events(&opts)? {
//!     println!("{} {} {}", e.kind, e.status, e.name);
//! }
//! # Ok::<(), libpod::LibpodError>(())
//! ```

mod filter;
mod log;
mod types;

pub use filter::{EventFilter, event_matches};
pub use log::{EventLog, Follower};
pub use types::{Event, EventStatus, EventType};
