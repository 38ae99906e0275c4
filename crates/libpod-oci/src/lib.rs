//! OCI execution for libpod-rs: runtime bundles generated with `oci-spec`, and runc or crun
//! driven through conmon.
//!
//! Filled by issue 5. Today this crate holds nothing but this statement of purpose; it depends
//! on nothing of ours.
