//! Kernel log lines: /dev/kmsg records, and a kern.log in syslog format read by every probe
//! that judges kernel events (the shared kernel-log reader underneath).
#![no_main]
use ecs_doctor_fuzz::{context, probes, root};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for rec in data.split(|b| *b == b'\n') {
        let _ = ecs_doctor::host::klog::parse_kmsg_record(rec);
        let _ = ecs_doctor::host::klog::interesting(rec);
    }
    let host = root(&[("/var/log/kern.log", Some(data))]);
    probes(&context(host), &["kernel_events", "disk_errors", "oom_kills", "conntrack"]);
});
