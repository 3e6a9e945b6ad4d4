//! Authentication log lines (auth.log and secure, journald's short form, RFC 5424): each line
//! read as one attempt by the parser the auth_log probe uses. The pure parser, at parser speed;
//! `auth_log_root` runs the probe itself on a root with the files.
#![no_main]
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for line in text(data).lines() {
        let _ = ecs_doctor::probe::ssh::auth_log::attempt(line);
    }
});
