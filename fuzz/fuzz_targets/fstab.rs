//! /etc/fstab: the parser and what the probes ask of each entry. The pure parser, at parser
//! speed; `fstab_root` runs the fstab probes on a root with the file.
#![no_main]
use ecs_doctor_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fstab = ecs_doctor::host::fstab::parse(&text(data));
    for e in &fstab.entries {
        let _ = (e.is_swap(), e.nofail(), e.noauto(), e.read_only(), e.is_network(), e.tag(), e.names_block_device());
        let _ = e.device_timeout();
    }
});
