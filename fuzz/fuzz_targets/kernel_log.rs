//! Kernel log lines: /dev/kmsg records, the prefilter, a kern.log in syslog format scanned into
//! timed kernel lines, and each kept line through the event parsers (disk errors, OOM kills,
//! conntrack). The pure parsers, at parser speed; `kernel_log_root` runs every kernel-event
//! probe on a root with the file.
#![no_main]
use ecs_doctor::host::klog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for rec in data.split(|b| *b == b'\n') {
        if let Some((_, msg)) = klog::parse_kmsg_record(rec) {
            let _ = klog::interesting(msg);
        }
    }
    // The prefilter (`for_each_interesting_line`) runs inside the scan.
    // A fixed "now" (2026-12-06), so a run does not depend on the clock.
    let now = jiff::Timestamp::from_second(1_796_515_200).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let log = klog::scan_syslog(data, "/var/log/kern.log", &jiff::tz::TimeZone::UTC, now);
    for line in &log.lines {
        let _ = ecs_doctor::probe::disk::disk_errors::parse(&line.text);
        let _ = ecs_doctor::probe::resources::oom_kills::parse(&line.text);
        let _ = ecs_doctor::probe::net::conntrack::is_table_full(&line.text);
        let _ = ecs_doctor::probe::net::conntrack::netns_of(&line.text);
    }
    if let Some(head) = std::str::from_utf8(data).ok().and_then(|t| t.get(..t.len().min(64))) {
        let _ = klog::parse_syslog_time(head, &jiff::tz::TimeZone::UTC, now);
        let _ = klog::parse_iso(head);
    }
});
