//! `iptables-save` output: the parser and the verdict for a new TCP connection to a port.
#![no_main]
use ecs_doctor::host::firewall::{Family, parse_iptables};
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ipt = parse_iptables(&text(data));
    let _ = ipt.counts();
    // Three walks: two ports and both families. Each walk judges a rule once and a chain once
    // per depth (host::firewall's memo), so jumps that branch no longer cost a walk its bound.
    let _ = ipt.tcp_verdict(22);
    let _ = ipt.tcp_verdict(443);
    let _ = ipt.tcp_verdict_for(22, Family::V6);
});
