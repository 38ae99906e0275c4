//! criterion benchmarks of libpod-rs; run them with `cargo xtask bench` (see docs/performance.md).
