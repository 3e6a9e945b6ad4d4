//! /etc/shadow (with /etc/passwd and /etc/group): the parser and the account probes.
#![no_main]
use ecs_doctor_fuzz::{context, parts, probes, root, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let _ = ecs_doctor::probe::accounts::shadow::parse_shadow(&text(p[0]));
    let host = root(&[("/etc/shadow", Some(p[0])), ("/etc/passwd", Some(p[1])), ("/etc/group", Some(p[2]))]);
    probes(&context(host), &["shadow", "passwd", "account_ids", "account_state"]);
});
