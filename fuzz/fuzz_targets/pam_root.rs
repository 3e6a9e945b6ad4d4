//! PAM files: the sshd stack and what it includes, access.conf, faillock.conf, limits.conf and
//! a faillock record file, through the PAM probes.
#![no_main]
use ecs_doctor::probe::pam::{lockout, stack};
use ecs_doctor_fuzz::{context, parts, probes, root, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 7);
    for (_, line) in stack::logical_lines(&text(p[0])) {
        let _ = stack::words(&line);
    }
    let _ = lockout::faillock_records(p[5]);
    let _ = lockout::tally2_record(p[5], 0);
    let _ = ecs_doctor::probe::pam::limits::check("/etc/security/limits.conf", &text(p[4]), 1_048_576);
    let host = root(&[
        ("/etc/pam.d/sshd", Some(p[0])),
        ("/etc/pam.d/common-auth", Some(p[1])),
        ("/etc/pam.d/system-auth", Some(p[1])),
        ("/etc/pam.d/password-auth", Some(p[6])),
        ("/etc/security/access.conf", Some(p[2])),
        ("/etc/security/faillock.conf", Some(p[3])),
        ("/etc/security/limits.conf", Some(p[4])),
        ("/var/run/faillock/root", Some(p[5])),
        ("/var/log/tallylog", Some(p[5])),
        ("/etc/passwd", Some(b"root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n")),
        ("/etc/group", Some(b"root:x:0:\nwheel:x:10:alice\n")),
        ("/etc/shadow", Some(b"root:*:19000:0:99999:7:::\nalice:$6$x$y:19000:0:99999:7:::\n")),
    ]);
    probes(&context(host), &["pam_modules", "pam_rules", "pam_lockout", "pam_limits"]);
});
