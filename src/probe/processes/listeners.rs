//! Sockets listening on every address (0.0.0.0, ::) on ports that should never face the
//! internet: databases, caches, the Docker API, etcd, the kubelet. One observation per port and
//! protocol, naming the processes that own the socket (pid and name, from the socket inode in
//! /proc/PID/fd) and every address it is bound to.
//!
//! Reads the shared socket scan of this network namespace; opens no socket itself. Whether a
//! security group or a host firewall blocks the port cannot be seen from inside the server, so
//! the finding says both ways to close it.

use crate::host::sockets::{Proto, Socket, SocketTable};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The ports judged (TCP and UDP).
    pub ports: Vec<u16>,
}

pub const FIELDS: &[Field] = &[
    Field::flag("exposed", "1 for a database or admin port listening on all addresses"),
    Field::num("port", "", "the port"),
    Field::text("proto", "tcp or udp"),
    Field::text("service", "what usually listens there (Redis, MySQL, the Docker API, ...)"),
    Field::text("process", "the process holding the socket, or unknown"),
    Field::num("pid", "", "its process id"),
    Field::text("addresses", "the addresses it listens on"),
    Field::num("listening_total", "", "listening sockets"),
    Field::num("exposed_total", "", "exposed ones"),
];

/// What usually listens on a port: a product name, or words of the tool (said in the run's
/// language) when the port has no product of its own.
pub fn service_of(port: u16) -> Result<&'static str, Msg> {
    Ok(match port {
        6379 => "Redis",
        27017 => "MongoDB",
        3306 => "MySQL",
        5432 => "PostgreSQL",
        9200 => "Elasticsearch",
        11211 => "Memcached",
        2375 | 2376 => return Err(Msg::ValDockerApi),
        2379 => "etcd",
        10250 => return Err(Msg::ValKubeletApi),
        _ => return Err(Msg::ValThisService),
    })
}

/// `redis-server (pid 4242)`, `nginx (pid 10, 11)`, or why the owner is unknown.
pub fn owners_label(ctx: &ProbeContext, table: &SocketTable, inodes: &[u64]) -> (Said, Option<u32>) {
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
            Msg::ValProcessUnknownRoot
        } else {
            Msg::ValProcessUnknownGone
        };
        return (Said::new(why), None);
    }
    let label = by_name
        .into_iter()
        .map(|(name, pids)| {
            let list: Vec<String> = pids.iter().map(u32::to_string).collect();
            format!("{name} (pid {})", list.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ");
    (Said::new(Msg::ValItems).arg("items", label), first)
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
        let label = Said::new(Msg::ValPortProcess).arg("port", port).arg("proto", proto.name());
        let label = label.nest("process", process.clone());
        // The subject stays the machine subject (English); the texts say it in the run's language.
        let mut o = Observation::new(label.render(crate::i18n::Lang::En))
            .subject_words(label)
            .flag("exposed", true)
            .num("port", port as f64)
            .text("proto", proto.name())
            .word("process", process)
            .text("addresses", addresses.join(", "));
        o = match service_of(port) {
            Ok(name) => o.text("service", name),
            Err(words) => o.word("service", Said::new(words)),
        };
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
