//! An SNTP answer (any bytes on the NTP socket): the reply parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let transmit = [1, 2, 3, 4, 5, 6, 7, 8];
    let server = std::net::SocketAddr::from(([127, 0, 0, 1], 123));
    let _ = ecs_doctor::host::sntp::parse_reply(data, &transmit, 3_900_000_000.0, 3_900_000_000.5, server);
    if data.len() >= 48 {
        let mut d = data.to_vec();
        d[24..32].copy_from_slice(&transmit);
        let _ = ecs_doctor::host::sntp::parse_reply(&d, &transmit, 3_900_000_000.0, 3_900_000_000.5, server);
    }
});
