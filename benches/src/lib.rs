//! criterion benchmarks of libpod-rs; run them with `cargo xtask bench` (see docs/performance.md).

use std::path::Path;

/// A layer of `files` files of `size` bytes in 20 directories, with pseudo-random contents.
pub fn layer(path: &Path, files: usize, size: usize) {
    let mut b = tar::Builder::new(std::fs::File::create(path).expect("create"));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for d in 0..20 {
        let mut h = tar::Header::new_gnu();
        h.set_path(format!("usr/lib/d{d}/")).expect("path");
        h.set_entry_type(tar::EntryType::Directory);
        h.set_size(0);
        h.set_mode(0o755);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append(&h, std::io::empty()).expect("dir");
    }
    for i in 0..files {
        let data: Vec<u8> = (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut h = tar::Header::new_gnu();
        h.set_path(format!("usr/lib/d{}/f{i}", i % 20))
            .expect("path");
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append(&h, &data[..]).expect("file");
    }
    b.finish().expect("finish");
}
