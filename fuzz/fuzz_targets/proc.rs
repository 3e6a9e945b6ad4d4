//! /proc files: a process's stat, /proc/stat, diskstats, net/dev, the socket tables, the IPv4
//! route table, meminfo and slabinfo, by the parsers the readers use. The pure parsers, at parser
//! speed; `proc_root` runs the process, socket and memory readers and probes on a root with them.
#![no_main]
use ecs_doctor::host::{procs, sample, sockets};
use ecs_doctor_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 12);
    let t: Vec<String> = p.iter().map(|b| text(b)).collect();
    let _ = procs::parse_stat(&t[0]);
    let _ = sample::parse_cpu(&t[1]);
    let _ = sample::parse_diskstats(&t[2]);
    let _ = sample::parse_net_dev(&t[3]);
    for s in sockets::parse_table(&t[4], sockets::Proto::Tcp) {
        let _ = (s.is_listening(), s.on_all_addresses(), s.local_label(), s.remote_label());
    }
    let _ = sockets::parse_table(&t[5], sockets::Proto::Udp);
    let _ = ecs_doctor::probe::net::routes::parse_ipv4("/proc/net/route", &t[6], &mut Vec::new());
    let _ = ecs_doctor::probe::resources::memory_holders::parse_meminfo(&t[9]);
    let _ = ecs_doctor::probe::resources::memory_holders::slab_caches(&t[10], 4096);
    let _ = ecs_doctor::probe::net::conntrack::stat_drops(&t[11]);
});
