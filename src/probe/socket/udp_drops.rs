//! UDP datagrams the kernel dropped because a socket's receive buffer was full (Udp
//! RcvbufErrors) or the send buffer was (SndbufErrors), counted during the shared sampling
//! window (/proc/net/snmp), and the sockets that dropped them: /proc/net/udp's last column
//! counts each socket's drops since it was opened. A DNS server, a syslog or a metrics
//! collector that reads too slowly loses data this way without any error in its own log.

use crate::host::sockets::Proto;
use crate::probe::processes::listeners::owners_label;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("window_ms", "ms", "the sampling window"),
    Field::num("rcvbuf_errors_window", "", "Udp RcvbufErrors during the window (both IPv4 and IPv6)"),
    Field::num("sndbuf_errors_window", "", "Udp SndbufErrors during the window (both IPv4 and IPv6)"),
    Field::num("rcvbuf_errors_total", "", "Udp RcvbufErrors since boot"),
    Field::num("sndbuf_errors_total", "", "Udp SndbufErrors since boot"),
    Field::num("dropping_sockets", "", "UDP sockets that have dropped datagrams"),
    Field::num("drops", "", "datagrams this socket dropped since it was opened"),
    Field::num("rx_queue", "bytes", "bytes waiting in this socket's receive buffer"),
    Field::text("process", "the processes holding the socket"),
];

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let table = ctx.sockets()?;
    let w = ctx.window();
    let window_ms = (w.seconds * 1000.0).round();
    let sum = |a: &str, b: &str| match (w.counter(a), w.counter(b)) {
        (None, None) => None,
        (x, y) => {
            let (x, y) = (x.unwrap_or_default(), y.unwrap_or_default());
            Some((x.0 + y.0, x.1 + y.1))
        }
    };
    let rcv = sum("Udp.RcvbufErrors", "Udp6.RcvbufErrors");
    let snd = sum("Udp.SndbufErrors", "Udp6.SndbufErrors");
    let dropping: Vec<_> = table.sockets.iter().filter(|s| s.proto == Proto::Udp && s.drops > 0).collect();
    let mut scope =
        Observation::new("Udp.RcvbufErrors").num("window_ms", window_ms).num("dropping_sockets", dropping.len() as f64);
    if let Some((total, d)) = rcv {
        scope = scope.num("rcvbuf_errors_total", total as f64).num("rcvbuf_errors_window", d as f64);
        scope = scope.evidence(format!("/proc/net/snmp, snmp6: Udp RcvbufErrors {total} (+{d} in {window_ms} ms)"));
    }
    if let Some((total, d)) = snd {
        scope = scope.num("sndbuf_errors_total", total as f64).num("sndbuf_errors_window", d as f64);
        scope = scope.evidence(format!("/proc/net/snmp, snmp6: Udp SndbufErrors {total} (+{d} in {window_ms} ms)"));
    }
    let mut items = vec![scope];
    for s in dropping {
        let (process, _) = owners_label(ctx, &table, &[s.inode]);
        let mut o = Observation::new(s.local_label())
            .num("drops", s.drops as f64)
            .num("rx_queue", s.rx_queue as f64)
            .word("process", process)
            .num("window_ms", window_ms)
            .evidence(format!(
                "{}: {} drops {} since it was opened, {} bytes waiting",
                s.table_path(),
                s.local_label(),
                s.drops,
                s.rx_queue
            ));
        if let Some((_, d)) = rcv {
            o = o.num("rcvbuf_errors_window", d as f64);
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
