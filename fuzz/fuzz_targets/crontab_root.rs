//! Crontab lines: the system crontab (with a user column), a /etc/cron.d file, and a user's
//! crontab (without), through the cron probe.
#![no_main]
use ecs_doctor_fuzz::{context, parts, probes, root};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let host = root(&[
        ("/etc/crontab", Some(p[0])),
        ("/etc/cron.d/job", Some(p[1])),
        ("/var/spool/cron/crontabs/root", Some(p[2])),
        ("/var/spool/cron/root", Some(p[2])),
    ]);
    for line in String::from_utf8_lossy(data).lines() {
        let _ = ecs_doctor::probe::files::cron::classify(line);
    }
    probes(&context(host), &["cron"]);
});
