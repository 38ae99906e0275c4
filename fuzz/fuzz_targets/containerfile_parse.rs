//! Parsing any text as a Containerfile never panics, an error names a line inside the text,
//! and expanding variables and `.containerignore` matching never panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_build::{BuildError, Containerfile, Ignore};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Containerfile::parse(text, "Containerfile") {
        Err(BuildError::Syntax { line, .. }) | Err(BuildError::Instruction { line, .. }) => {
            assert!(line >= 1 && line <= text.lines().count() + 1, "line {line} outside the text");
        }
        Err(e) => panic!("an error of another kind from parsing: {e}"),
        Ok(cf) => {
            for stage in &cf.stages {
                let _ = libpod_build::expand(&stage.base, &|_| Some("v".into()), cf.escape);
            }
        }
    }
    let ig = Ignore::parse(text);
    let _ = ig.excludes(text.lines().next().unwrap_or(""));
});
