//! Image and container storage of libpod-rs (the part containers/storage plays for podman).
//!
//! Filled by issue 4: a content-addressed blob store, safe layer extraction, image import and
//! export, and per-container overlay (or vfs) root filesystems. Today this crate holds nothing
//! but this statement of purpose; it depends on nothing of ours.
