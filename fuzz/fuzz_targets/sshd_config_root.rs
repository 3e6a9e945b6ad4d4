//! sshd_config with its includes: the main file, two drop-ins (one reached by a glob, one by an
//! explicit `Include`), and `sshd -T` output; the settings as the files give them, the
//! effective settings for a connection (Match blocks), and the sshd_config probes.
#![no_main]
use ecs_doctor_fuzz::{context, probes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let host = ecs_doctor_fuzz::passes::sshd_config(data);
    probes(&context(host), &["sshd_config", "sshd_words", "login_matrix"]);
});
