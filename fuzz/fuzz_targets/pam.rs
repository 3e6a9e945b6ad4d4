//! PAM files: the lines and words of a PAM stack file, access.conf rules, faillock.conf,
//! limits.conf, and faillock and tallylog records, by the parsers the PAM probes use. The pure
//! parsers, at parser speed; `pam_root` runs the PAM probes on a root with the sshd stack and
//! what it includes.
#![no_main]
use ecs_doctor::probe::pam::{limits, lockout, rules, stack};
use ecs_doctor_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 7);
    for i in [0, 1, 6] {
        for (_, line) in stack::logical_lines(&text(p[i])) {
            let _ = stack::words(&line);
        }
    }
    let _ = rules::access_rules("/etc/security/access.conf", &text(p[2]), ':');
    let _ = rules::access_rules("/etc/security/access.conf", &text(p[2]), ' ');
    let mut conf = lockout::Faillock::default();
    conf.read_conf("/etc/security/faillock.conf", &text(p[3]));
    let _ = limits::check("/etc/security/limits.conf", &text(p[4]), 1_048_576);
    let _ = limits::skips_eperm(p[4]);
    let records = lockout::faillock_records(p[5]);
    let _ = lockout::faillock_lock("root", true, &records, &conf, 1_796_515_200);
    let _ = lockout::tally2_record(p[5], 0);
    let _ = lockout::tally2_record(p[5], 1000);
});
