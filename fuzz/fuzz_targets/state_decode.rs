//! Decoding a stored state record (any kind) from arbitrary bytes never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = libpod_state::decode_any(data);
});
