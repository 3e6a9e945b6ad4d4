//! An HTTP answer as the metadata service (or anything on its address) sends it: status line,
//! headers, a body by length, chunked or to the end; then a metadata value read from it.
#![no_main]
use ecs_doctor::host::{http, metadata};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for max_body in [0, 64, 64 * 1024] {
        if let Ok(r) = http::parse_answer(data, max_body) {
            assert!(r.body.len() <= max_body);
            let body = String::from_utf8_lossy(&r.body);
            let _ = metadata::valid_value(&body, false);
            let _ = metadata::valid_value(&body, true);
        }
    }
});
