//! What the API service decodes from a request (the query string up to the first newline,
//! the JSON body after it) never panics, and every refusal is a client error (4xx).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (query, body) = data.split_at(split);
    let Ok(query) = std::str::from_utf8(query) else { return };
    let body = body.get(1..).unwrap_or_default();
    if let Err(e) = libpod_api::create_options(Some(query), body) {
        assert!((400..500).contains(&e.status()), "{e} is a {}", e.status());
    }
    if let Err(e) = libpod_api::parse_filters(query) {
        assert_eq!(e.status(), 400, "{e}");
    }
});
