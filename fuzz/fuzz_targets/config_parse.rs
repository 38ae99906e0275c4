//! Parsing any bytes as containers.conf, storage.conf or registries.conf never panics, and an
//! error always carries a line inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_config::{ConfigError, parse_file_text};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in ["containers", "storage", "registries"] {
        if let Err(ConfigError::Invalid { line, .. }) = parse_file_text(kind, Path::new("/f"), text) {
            assert!(line >= 1 && line <= text.lines().count() + 1, "line {line} outside the text");
        }
    }
});
