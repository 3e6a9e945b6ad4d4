//! /proc/self/mountinfo: each line, and the mount table the probes share.
#![no_main]
use ecs_doctor_fuzz::{root, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for line in text(data).lines() {
        if let Some(m) = ecs_doctor::host::mounts::parse_mountinfo_line(line) {
            let _ = m.read_only();
        }
        let _ = ecs_doctor::host::mounts::unescape(line);
    }
    let host = root(&[("/proc/self/mountinfo", Some(data)), ("/proc/1/mountinfo", Some(data))]);
    let _ = ecs_doctor::host::mounts::read(&host);
});
