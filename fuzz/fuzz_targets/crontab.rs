//! Crontab lines: the system crontab, a /etc/cron.d file and a user's crontab, each line's
//! command classified and the suspicious lines picked out, by the parser the cron probe uses.
//! The pure parser, at parser speed; `crontab_root` runs the cron probe on a root with the files.
#![no_main]
use ecs_doctor::probe::files::cron;
use ecs_doctor_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    for (path, body) in [("/etc/crontab", p[0]), ("/etc/cron.d/job", p[1]), ("/var/spool/cron/crontabs/root", p[2])] {
        // Every table line's command goes through `classify` here (no second pass: the regexes
        // are most of the cost).
        let _ = cron::suspicious_lines(path, &text(body));
    }
});
