//! criterion benchmarks of libpod-rs; run them with `cargo xtask bench` (see docs/performance.md).

use std::path::Path;

/// A layer of `files` files of `size` bytes in 20 directories, with pseudo-random contents.
pub fn layer(path: &Path, files: usize, size: usize) {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    layer_of(path, files, |_| {
        (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    });
}

/// A layer like [`layer`] whose files are text (words picked at random), which compresses
/// about as well as a typical image layer does.
pub fn text_layer(path: &Path, files: usize, size: usize) {
    const WORDS: [&str; 16] = [
        "container ",
        "image ",
        "layer ",
        "runtime ",
        "mount ",
        "network ",
        "the ",
        "of ",
        "and ",
        "pod ",
        "config ",
        "storage\n",
        "lock ",
        "state ",
        "exec ",
        "signal ",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    layer_of(path, files, |_| {
        let mut text = Vec::with_capacity(size + 16);
        while text.len() < size {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.extend_from_slice(WORDS[(x % 16) as usize].as_bytes());
            // A number now and then, as in logs and configuration.
            if x.is_multiple_of(7) {
                text.extend_from_slice(format!("{} ", x % 100_000).as_bytes());
            }
        }
        text.truncate(size);
        text
    });
}

/// 20 directories and `files` files whose contents `content(i)` makes.
fn layer_of(path: &Path, files: usize, mut content: impl FnMut(usize) -> Vec<u8>) {
    let mut b = tar::Builder::new(std::fs::File::create(path).expect("create"));
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
        let data = content(i);
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
