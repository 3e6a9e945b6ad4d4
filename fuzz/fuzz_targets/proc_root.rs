//! /proc files: a process's stat, /proc/stat, diskstats, net/dev, the socket tables, the IPv4
//! route table, and the process, socket and memory readers on a root that holds them.
#![no_main]
use ecs_doctor::host::{procs, sockets};
use ecs_doctor_fuzz::{context, parts, probes, root, text};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 12);
    let t: Vec<String> = p.iter().map(|b| text(b)).collect();
    ecs_doctor_fuzz::passes::proc_files(&t);
    let host = root(&[
        ("/proc/1/stat", Some(p[0])),
        ("/proc/1/cmdline", Some(p[7])),
        ("/proc/1/status", Some(p[8])),
        ("/proc/stat", Some(p[1])),
        ("/proc/diskstats", Some(p[2])),
        ("/proc/net/dev", Some(p[3])),
        ("/proc/net/tcp", Some(p[4])),
        ("/proc/net/tcp6", Some(p[4])),
        ("/proc/net/udp", Some(p[5])),
        ("/proc/net/route", Some(p[6])),
        ("/proc/meminfo", Some(p[9])),
        ("/proc/loadavg", Some(p[10])),
        ("/proc/sys/fs/file-nr", Some(p[11])),
        ("/proc/1/limits", Some(p[11])),
    ]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let _ = procs::scan(&host, deadline);
    let _ = sockets::scan(&host, deadline);
    let _ = procs::open_files(&host, deadline);
    let _ = procs::nofile_limit(&host, 1);
    probes(&context(host), &["meminfo", "loadavg", "file_limits", "routes"]);
});
