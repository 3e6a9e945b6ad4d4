//! A check file (checks.d) and a symptom file: the loader that validates them.
#![no_main]
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let t = text(data);
    let _ = ecs_doctor::catalog::parse_check("fuzz.toml", Path::new("fuzz/input/check.toml"), None, &t);
    let _ = ecs_doctor::catalog::condition::Condition::parse(&t);
});
