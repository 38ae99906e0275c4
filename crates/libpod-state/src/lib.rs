//! The state database of libpod-rs: everything the runtime knows about containers and pods.
//!
//! Filled by issue 3: one `State` trait with in-memory, SQLite and redb backends, proven
//! equivalent by one conformance suite and a state-machine property test. Today this crate
//! holds nothing but this statement of purpose; it depends on nothing of ours.
