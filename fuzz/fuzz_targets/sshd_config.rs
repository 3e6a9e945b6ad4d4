//! sshd_config with its includes: the main file, two drop-ins (one reached by a glob, one by an
//! explicit `Include`), and `sshd -T` output; the settings as the files give them and the
//! effective settings for a connection (Match blocks). The includes are files, so this target
//! writes them into its scratch root (rewritten in place per input); `sshd_config_root` also
//! runs the sshd_config probes on it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ecs_doctor_fuzz::passes::sshd_config(data);
});
