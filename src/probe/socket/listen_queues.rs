//! Listen queues: each listening TCP socket's accept queue (connections the kernel completed
//! that the program has not accepted yet) against its size, and the kernel's count of
//! connections dropped because a queue was full (TcpExt ListenOverflows and ListenDrops,
//! /proc/net/netstat) during the shared sampling window. The queue size comes from netlink
//! ([`crate::host::sockdiag`]) on the live system: the backlog the program asked for, capped by
//! net.core.somaxconn. A socket is named with the processes that hold it.

use crate::host::sockets::{Proto, TCP_LISTEN};
use crate::probe::processes::listeners::owners_label;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("listeners", "", "listening TCP sockets"),
    Field::num("waiting", "", "connections waiting to be accepted"),
    Field::num("queue_size", "", "the accept queue's size: the program's backlog capped by somaxconn"),
    Field::flag("full", "1 when the accept queue is full: new connections are dropped"),
    Field::flag("capped", "1 when the queue size equals net.core.somaxconn (the program may have asked more)"),
    Field::num("somaxconn", "", "net.core.somaxconn"),
    Field::text("process", "the processes holding the socket"),
    Field::num("full_listeners", "", "listening sockets whose queue is full now"),
    Field::num("overflows_window", "", "TcpExt ListenOverflows during the sampling window"),
    Field::num("drops_window", "", "TcpExt ListenDrops during the sampling window"),
    Field::num("overflows_total", "", "TcpExt ListenOverflows since boot (since the namespace was made)"),
    Field::num("window_ms", "ms", "the sampling window"),
];

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    // The kernel's answer first: it needs nothing else, so it is asked while the socket table and
    // the window are read by other checks.
    let queues = if ctx.host.is_live() { crate::host::sockdiag::listen_queues(ctx.deadline).ok() } else { None };
    let table = ctx.sockets()?;
    let w = ctx.window();
    let somaxconn = crate::host::sysctl::current(&ctx.host, "net.core.somaxconn").and_then(|v| v.parse::<f64>().ok());
    let listening: Vec<_> = table.sockets.iter().filter(|s| s.proto == Proto::Tcp && s.state == TCP_LISTEN).collect();
    let (overflows, drops) = (w.counter("TcpExt.ListenOverflows"), w.counter("TcpExt.ListenDrops"));
    let mut items = Vec::new();
    let mut full_count = 0;
    for s in &listening {
        let q = queues.as_ref().and_then(|q| q.get(&s.inode));
        let waiting = q.map_or(s.rx_queue, |q| u64::from(q.waiting));
        if waiting == 0 {
            continue;
        }
        let (process, _) = owners_label(ctx, &table, &[s.inode]);
        let mut o = Observation::new(s.local_label()).num("waiting", waiting as f64).word("process", process);
        o = o.evidence(format!(
            "{}: {} LISTEN, {waiting} connection(s) waiting to be accepted",
            s.table_path(),
            s.local_label()
        ));
        if let Some(q) = q {
            // No room left: the kernel drops the next SYN (sk_acceptq_is_full is one more).
            let full = q.waiting >= q.size;
            full_count += usize::from(full);
            o = o.num("queue_size", f64::from(q.size)).flag("full", full).evidence(format!(
                "netlink sock_diag: {} accept queue {} of {}",
                s.local_label(),
                q.waiting,
                q.size
            ));
            if let Some(m) = somaxconn {
                o = o.num("somaxconn", m);
            }
            o = o.flag("capped", somaxconn.is_some_and(|m| f64::from(q.size) == m));
        }
        items.push(o);
    }
    let window_ms = (w.seconds * 1000.0).round();
    let mut scope = Observation::new("TcpExt.ListenOverflows")
        .num("listeners", listening.len() as f64)
        .num("full_listeners", full_count as f64)
        .num("window_ms", window_ms);
    if let Some((total, delta)) = overflows {
        scope = scope.num("overflows_total", total as f64).num("overflows_window", delta as f64);
        scope =
            scope.evidence(format!("/proc/net/netstat: TcpExt ListenOverflows {total} (+{delta} in {window_ms} ms)"));
    }
    if let Some((total, delta)) = drops {
        scope = scope.num("drops_window", delta as f64);
        scope = scope.evidence(format!("/proc/net/netstat: TcpExt ListenDrops {total} (+{delta} in {window_ms} ms)"));
    }
    for o in &mut items {
        if let Some((_, d)) = overflows {
            *o = std::mem::take(o).num("overflows_window", d as f64).num("window_ms", window_ms);
        }
    }
    items.insert(0, scope);
    Ok(Observations::of(items))
}
