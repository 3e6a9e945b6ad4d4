//! SSH-side files besides sshd_config: authorized_keys lines, hosts.allow and hosts.deny.
#![no_main]
use ecs_doctor::probe::ssh::{ssh_keys, tcp_wrappers};
use ecs_doctor_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let _ = ssh_keys::parse_keys(&text(p[0]));
    let allow = tcp_wrappers::parse_rules("/etc/hosts.allow", &text(p[1]));
    let deny = tcp_wrappers::parse_rules("/etc/hosts.deny", &text(p[2]));
    for addr in ["203.0.113.9", "::1", "10.0.0.1"] {
        let _ = tcp_wrappers::decide(&allow, &deny, addr);
    }
});
