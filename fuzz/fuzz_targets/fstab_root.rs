//! /etc/fstab: the parser, and the fstab probes on a root with it.
#![no_main]
use ecs_doctor_fuzz::{context, probes, root, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fstab = ecs_doctor::host::fstab::parse(&text(data));
    for e in &fstab.entries {
        let _ = (e.is_swap(), e.nofail(), e.noauto(), e.read_only(), e.is_network(), e.tag(), e.names_block_device());
    }
    let host = root(&[("/etc/fstab", Some(data))]);
    probes(&context(host), &["fstab", "fstab_types"]);
});
