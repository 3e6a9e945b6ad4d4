//! `iptables-save` output: the parser and the verdict for a new TCP connection to a port.
#![no_main]
use ecs_doctor::host::firewall::{Family, parse_iptables};
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ipt = parse_iptables(&text(data));
    let _ = ipt.counts();
    for port in [22, 80, 443, 0, 65535] {
        let _ = ipt.tcp_verdict(port);
        let _ = ipt.tcp_verdict_for(port, Family::V6);
    }
});
