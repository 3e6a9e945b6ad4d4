//! `nft -j list ruleset` output: the JSON parser, the listing reader, and the verdict for a new
//! TCP connection to a port.
#![no_main]
use ecs_doctor::host::firewall::{Family, parse_nft, read_nft_listing};
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t = text(data);
    if let Ok(nft) = parse_nft(&t) {
        let _ = nft.counts();
        for port in [22, 80, 443, 0, 65535] {
            let _ = nft.tcp_verdict(port);
            let _ = nft.tcp_verdict_for(port, Family::V6);
        }
    }
    let _ = read_nft_listing(Some(0), &t, "");
    let _ = read_nft_listing(Some(1), "", &t);
});
