//! Extracting arbitrary bytes as a layer never panics and never writes outside the target:
//! the target sits inside a sandbox whose only other entry is a marker file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use libpod_storage::extract::{Limits, Whiteouts, extract_layer};

fuzz_target!(|data: &[u8]| {
    let Ok(sandbox) = tempfile::tempdir() else { return };
    let root = sandbox.path().join("root");
    let marker = sandbox.path().join("marker");
    if std::fs::create_dir(&root).is_err() || std::fs::write(&marker, b"m").is_err() {
        return;
    }
    let limits = Limits { max_entry: 1 << 20, max_total: 4 << 20, max_entries: 1000 };
    for mode in [Whiteouts::Overlay, Whiteouts::Apply] {
        let _ = extract_layer(data, &root, mode, limits);
        let mut names: Vec<_> = std::fs::read_dir(sandbox.path())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        names.sort();
        assert_eq!(names, vec![std::ffi::OsString::from("marker"), std::ffi::OsString::from("root")], "wrote outside the root");
        assert_eq!(std::fs::read(&marker).ok().as_deref(), Some(&b"m"[..]), "the marker changed");
    }
});
