//! Authentication log lines (auth.log and secure, a rotated file too): each line as one
//! attempt, and the failed-login count of the auth_log probe.
#![no_main]
use ecs_doctor_fuzz::{context, parts, probes, root, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 2);
    for line in text(data).lines() {
        let _ = ecs_doctor::probe::ssh::auth_log::attempt(line);
    }
    let host = root(&[
        ("/var/log/auth.log", Some(p[0])),
        ("/var/log/auth.log.1", Some(p[1])),
        ("/var/log/secure", Some(p[1])),
    ]);
    probes(&context(host), &["auth_log"]);
});
