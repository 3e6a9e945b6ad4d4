//! `iptables-save` output: the parser and the verdict for a new TCP connection to a port.
#![no_main]
use ecs_doctor::host::firewall::{Family, parse_iptables};
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ipt = parse_iptables(&text(data));
    let _ = ipt.counts();
    // Three walks, not one per port and family: a ruleset of jumps that branch costs a walk its
    // whole step budget, and ten such walks held the target to a few hundred inputs a second.
    let _ = ipt.tcp_verdict(22);
    let _ = ipt.tcp_verdict(443);
    let _ = ipt.tcp_verdict_for(22, Family::V6);
});
