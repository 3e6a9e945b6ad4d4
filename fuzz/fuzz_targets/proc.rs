//! /proc files: a process's stat, /proc/stat, diskstats, net/dev, the socket tables, the IPv4
//! route table, meminfo and slabinfo, by the parsers the readers use. The pure parsers, at parser
//! speed; `proc_root` runs the process, socket and memory readers and probes on a root with them.
#![no_main]
use ecs_doctor_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 12);
    let t: Vec<String> = p.iter().map(|b| text(b)).collect();
    ecs_doctor_fuzz::passes::proc_files(&t);
    let _ = ecs_doctor::probe::resources::memory_holders::parse_meminfo(&t[9]);
    let _ = ecs_doctor::probe::resources::memory_holders::slab_caches(&t[10], 4096);
    let _ = ecs_doctor::probe::net::conntrack::stat_drops(&t[11]);
});
