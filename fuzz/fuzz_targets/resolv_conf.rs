//! /etc/resolv.conf: the parser (nameservers, search, options, garbage).
#![no_main]
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ecs_doctor::probe::dns::resolv_conf::parse("/etc/resolv.conf", &text(data));
});
