//! `journalctl -o json` output, read as syslog-like lines.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ecs_doctor::host::journal::parse(data);
});
