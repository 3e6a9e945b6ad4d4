//! Sockets listening on every address (0.0.0.0, ::) on ports that should never face the
//! internet: databases, caches, the Docker API, etcd, the kubelet. One observation per port and
//! protocol, naming the processes that own the socket (pid and name, from the socket inode in
//! /proc/PID/fd) and every address it is bound to.
//!
//! Reads the shared socket scan of this network namespace; opens no socket itself. Whether a
//! security group or a host firewall blocks the port cannot be seen from inside the server, so
//! the finding says both ways to close it.

use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::host::sockets::{Proto, Socket, SocketTable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The ports judged (TCP and UDP).
    pub ports: Vec<u16>,
}

pub const FIELDS: &[&str] =
    &["exposed", "port", "proto", "service", "process", "pid", "addresses", "listening_total", "exposed_total"];

/// What usually listens on a port.
pub fn service_of(port: u16) -> &'static str {
    match port {
        6379 => "Redis",
        27017 => "MongoDB",
        3306 => "MySQL",
        5432 => "PostgreSQL",
        9200 => "Elasticsearch",
        11211 => "Memcached",
        2375 | 2376 => "the Docker API",
        2379 => "etcd",
        10250 => "the kubelet API",
        _ => "this service",
    }
}

/// `redis-server (pid 4242)`, `nginx (pid 10, 11)`, or why the owner is unknown.
pub fn owners_label(ctx: &ProbeContext, table: &SocketTable, inodes: &[u64]) -> (String, Option<u32>) {
    let procs = ctx.processes().ok();
    let mut by_name: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for inode in inodes {
        for &pid in table.owners_of(*inode) {
            let name = procs
                .as_ref()
                .and_then(|t| t.get(pid).map(|p| p.comm.clone()))
                .or_else(|| ctx.host.read_line(&format!("/proc/{pid}/comm")))
                .unwrap_or_else(|| "?".into());
            let pids = by_name.entry(name).or_default();
            if !pids.contains(&pid) {
                pids.push(pid);
            }
        }
    }
    let first = by_name.values().flatten().copied().min();
    if by_name.is_empty() {
        let why = if table.unreadable_processes > 0 || table.truncated {
            "process unknown (run as root to see it)"
        } else {
            "process unknown (in another namespace, or gone)"
        };
        return (why.into(), None);
    }
    let label = by_name
        .into_iter()
        .map(|(name, pids)| {
            let list: Vec<String> = pids.iter().map(u32::to_string).collect();
            format!("{name} (pid {})", list.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ");
    (label, first)
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let table = ctx.sockets()?;
    let listening: Vec<&Socket> = table.sockets.iter().filter(|s| s.is_listening()).collect();
    let mut exposed: BTreeMap<(u16, Proto), Vec<&Socket>> = BTreeMap::new();
    for s in &listening {
        if s.on_all_addresses() && params.ports.contains(&s.local_port) {
            exposed.entry((s.local_port, s.proto)).or_default().push(s);
        }
    }
    let mut scope = Observation::new("listening sockets")
        .num("listening_total", listening.len() as f64)
        .num("exposed_total", exposed.len() as f64)
        .evidence(format!("read: {}", table.tables_read.join(", ")));
    if table.unreadable_processes > 0 {
        scope = scope.evidence(format!(
            "/proc/*/fd: {} process(es) unreadable (run as root to name every owner)",
            table.unreadable_processes
        ));
    }
    let mut items = vec![scope];
    for ((port, proto), sockets) in exposed {
        let inodes: Vec<u64> = sockets.iter().map(|s| s.inode).collect();
        let (process, pid) = owners_label(ctx, &table, &inodes);
        let mut addresses: Vec<String> = sockets.iter().map(|s| s.local_label()).collect();
        addresses.dedup();
        let mut o = Observation::new(format!("port {port}/{}: {process}", proto.name()))
            .flag("exposed", true)
            .num("port", port as f64)
            .text("proto", proto.name())
            .text("service", service_of(port))
            .text("process", &process)
            .text("addresses", addresses.join(", "));
        if let Some(pid) = pid {
            o = o.num("pid", pid as f64);
        }
        for s in &sockets {
            let path = match (proto, s.local.is_ipv6()) {
                (Proto::Tcp, false) => "/proc/net/tcp",
                (Proto::Tcp, true) => "/proc/net/tcp6",
                (Proto::Udp, false) => "/proc/net/udp",
                (Proto::Udp, true) => "/proc/net/udp6",
            };
            let owners: Vec<String> = table.owners_of(s.inode).iter().map(|p| format!("pid {p}")).collect();
            o = o.evidence(format!(
                "{path}: {} listening, uid {}, inode {}{}",
                s.local_label(),
                s.uid.map_or_else(|| "?".into(), |u| u.to_string()),
                s.inode,
                if owners.is_empty() { String::new() } else { format!(", held by {}", owners.join(", ")) }
            ));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
