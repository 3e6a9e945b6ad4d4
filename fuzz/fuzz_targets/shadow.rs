//! /etc/shadow with /etc/passwd: the shadow parser, each entry's password state and ageing, and
//! the passwd reader (a file, so written into the scratch root, rewritten in place per input).
//! `shadow_root` also runs the account probes, with /etc/group.
#![no_main]
use ecs_doctor::probe::accounts::{passwd, shadow};
use ecs_doctor_fuzz::{parts, root, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    for e in shadow::parse_shadow(&text(p[0])).values() {
        let _ = e.password();
        let _ = e.ageing(20_428);
    }
    let host = root(&[("/etc/passwd", Some(p[1]))]);
    let _ = passwd::read_accounts(&host);
});
