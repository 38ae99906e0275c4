//! Networking for libpod-rs: network namespaces and CNI plugin chains, with port mappings.
//!
//! Filled by issue 6. Today this crate holds nothing but this statement of purpose; it depends
//! on nothing of ours.
