//! TCP as a whole: the retransmission rate and the SYN cookies sent during the shared sampling
//! window (/proc/net/snmp, /proc/net/netstat), TIME_WAIT sockets of this namespace against the
//! ephemeral port range, orphaned sockets against net.ipv4.tcp_max_orphans and the memory TCP
//! uses against net.ipv4.tcp_mem (/proc/net/sockstat). One observation per subject, named by
//! the counter or the sysctl it is judged against.

use crate::host::sockets::Proto;
use crate::host::sysctl;
use crate::probe::processes::listeners::owners_label;
use crate::probe::socket::listen_queues;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("window_ms", "ms", "the sampling window"),
    Field::num(
        "out_segs_window",
        "",
        "new TCP segments sent during the window (Tcp OutSegs, retransmissions not counted)",
    ),
    Field::num("segs_sent_window", "", "TCP segments sent during the window, retransmissions included"),
    Field::num("retrans_window", "", "TCP segments retransmitted during the window"),
    Field::num("retransmit_percent", "%", "retransmitted segments as a share of all segments sent, in the window"),
    Field::flag("attributed", "1 when the connections that retransmitted during the window were read (tcp_info)"),
    Field::text("peer", "the peer most retransmissions of the window went to, with the interface the route leaves by"),
    Field::num("peer_retrans_window", "", "segments retransmitted to that peer during the window"),
    Field::num("peer_segs_window", "", "segments sent to that peer during the window"),
    Field::num("syncookies_window", "", "SYN cookies sent during the window (a SYN queue overflowed)"),
    Field::num("syncookies_total", "", "SYN cookies sent since boot"),
    Field::num("syn_full_listeners", "", "listening sockets whose SYN queue is full now"),
    Field::text("listener", "the listening socket whose SYN queue is fullest (address:port/tcp)"),
    Field::text("process", "the processes holding that socket"),
    Field::num("syn_recv", "", "its half-open connections (SYN_RECV)"),
    Field::num("time_wait", "", "TCP sockets in TIME_WAIT in this namespace"),
    Field::num("port_range_size", "", "ephemeral ports (net.ipv4.ip_local_port_range)"),
    Field::num("time_wait_percent", "%", "TIME_WAIT sockets as a share of the ephemeral ports"),
    Field::num("orphans", "", "orphaned TCP sockets (closed by their program, not yet by the peer)"),
    Field::num("max_orphans", "", "net.ipv4.tcp_max_orphans"),
    Field::num("orphan_percent", "%", "orphans as a share of tcp_max_orphans"),
    Field::num("tcp_mem_pages", "", "memory TCP uses, in pages (/proc/net/sockstat mem)"),
    Field::num("tcp_mem_pressure_pages", "", "the second value of net.ipv4.tcp_mem: memory pressure starts"),
    Field::num("tcp_mem_high_pages", "", "the third value of net.ipv4.tcp_mem: TCP refuses memory"),
    Field::num("tcp_mem_percent", "%", "memory TCP uses as a share of the third tcp_mem value"),
    Field::flag("tcp_mem_pressure", "1 when TCP memory is at or above the pressure threshold"),
];

/// `TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1` → {inuse, orphan, tw, alloc, mem}.
pub fn sockstat_tcp(text: &str) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    if let Some(rest) = text.lines().find_map(|l| l.strip_prefix("TCP:")) {
        let t: Vec<&str> = rest.split_whitespace().collect();
        for pair in t.chunks(2) {
            if let [k, v] = pair
                && let Ok(v) = v.parse()
            {
                out.insert(k.to_string(), v);
            }
        }
    }
    out
}

/// Names the peer the window's retransmissions went to (the connections' tcp_info read at both
/// ends of the window, summed by remote address) and the interface the route to it leaves by.
fn attribute(ctx: &ProbeContext, w: &crate::host::sample::Window, mut o: Observation) -> Observation {
    let conns = w.retransmitting();
    if w.second.tcp_conns.is_empty() {
        return o.flag("attributed", false);
    }
    o = o.flag("attributed", !conns.is_empty());
    let mut by_peer: std::collections::BTreeMap<std::net::IpAddr, (u64, u64)> = std::collections::BTreeMap::new();
    for (_, remote, re, segs) in &conns {
        let e = by_peer.entry(remote.ip()).or_default();
        e.0 += re;
        e.1 += segs;
    }
    let Some((peer, (re, segs))) = by_peer.iter().max_by_key(|(ip, (re, _))| (*re, std::cmp::Reverse(**ip))) else {
        return o;
    };
    let routes = ctx
        .host
        .read_optional("/proc/net/route")
        .ok()
        .flatten()
        .map(|f| crate::probe::net::routes::parse_ipv4("/proc/net/route", &f.text, &mut Vec::new()))
        .unwrap_or_default();
    let iface = match peer {
        ip if ip.is_loopback() => Some("lo".to_string()),
        std::net::IpAddr::V4(a) => crate::probe::net::route_conflicts::route_for(*a, &routes).map(|r| r.iface.clone()),
        std::net::IpAddr::V6(_) => None,
    };
    let label = match &iface {
        Some(i) => format!("{peer} ({i})"),
        None => peer.to_string(),
    };
    o = o.text("peer", label).num("peer_retrans_window", *re as f64).num("peer_segs_window", *segs as f64);
    for (local, remote, re, segs) in conns.iter().take(5) {
        o = o.evidence(format!(
            "netlink tcp_info: {local} -> {remote}: {re} of {segs} segment(s) sent during the window were retransmissions"
        ));
    }
    if let Some(i) = iface {
        o = o.evidence(format!("/proc/net/route: {peer} is reached through {i}"));
    }
    o
}

const TIME_WAIT: u8 = 0x06;
const SOCKSTAT: &str = "/proc/net/sockstat";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let host = &ctx.host;
    let w = ctx.window();
    let window_ms = (w.seconds * 1000.0).round();
    let mut items = Vec::new();

    let (out, retrans) = (w.counter("Tcp.OutSegs"), w.counter("Tcp.RetransSegs"));
    if let (Some((out_total, out_d)), Some((re_total, re_d))) = (out, retrans) {
        let mut o = Observation::new("Tcp.RetransSegs")
            .num("window_ms", window_ms)
            .num("out_segs_window", out_d as f64)
            .num("retrans_window", re_d as f64)
            .evidence(format!(
                "/proc/net/snmp: Tcp OutSegs {out_total} (+{out_d}), RetransSegs {re_total} (+{re_d}) in {window_ms} ms"
            ));
        // OutSegs counts new segments only (a retransmission is not in it): the share of every
        // segment sent is RetransSegs over both.
        let sent = out_d + re_d;
        o = o.num("segs_sent_window", sent as f64);
        if sent > 0 {
            o = o.num("retransmit_percent", (re_d as f64 * 1000.0 / sent as f64).round() / 10.0);
        }
        if re_d > 0 {
            o = attribute(ctx, &w, o);
        }
        items.push(o);
    }
    if let Some((total, d)) = w.counter("TcpExt.SyncookiesSent") {
        let mut o = Observation::new("TcpExt.SyncookiesSent")
            .num("window_ms", window_ms)
            .num("syncookies_window", d as f64)
            .num("syncookies_total", total as f64)
            .evidence(format!("/proc/net/netstat: TcpExt SyncookiesSent {total} (+{d} in {window_ms} ms)"));
        // Who the cookies answer for: the listener whose SYN queue is full (only worth the scan
        // when cookies went out during the window).
        if d > 0 {
            o = o.num("syn_full_listeners", 0.0);
        }
        if d > 0
            && let Ok(all) = listen_queues::listeners(ctx)
        {
            let full = all.syn_full();
            o = o.num("syn_full_listeners", full.len() as f64);
            if let Some(l) = full.first() {
                let (process, _) = owners_label(ctx, &all.table, &[l.socket.inode]);
                o = o
                    .text("listener", l.socket.local_label())
                    .word("process", process)
                    .num("syn_recv", l.syn_recv as f64)
                    .evidence(format!(
                        "{}: {} half-open connection(s) to {} (SYN_RECV), its SYN queue holds {}",
                        l.socket.table_path(),
                        l.syn_recv,
                        l.socket.local_label(),
                        all.syn_limit(l).unwrap_or(l.syn_recv)
                    ));
            }
        }
        items.push(o);
    }

    // TIME_WAIT from this namespace's own socket table (sockstat's tw is the whole machine's on
    // older kernels).
    if let Ok(table) = ctx.sockets()
        && let Some(range) = sysctl::current(host, "net.ipv4.ip_local_port_range")
    {
        let p: Vec<f64> = range.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        if let [lo, hi] = p[..] {
            let size = (hi - lo + 1.0).max(1.0);
            let tw = table.sockets.iter().filter(|s| s.proto == Proto::Tcp && s.state == TIME_WAIT).count() as f64;
            items.push(
                Observation::new("net.ipv4.ip_local_port_range")
                    .num("time_wait", tw)
                    .num("port_range_size", size)
                    .num("time_wait_percent", (tw * 1000.0 / size).round() / 10.0)
                    .evidence(format!("/proc/sys/net/ipv4/ip_local_port_range: {range}"))
                    .evidence(format!("{}: {tw} socket(s) in TIME_WAIT", table.tables_read.join(", "))),
            );
        }
    }

    if let Ok(Some(f)) = host.read_optional(SOCKSTAT) {
        let s = sockstat_tcp(&f.text);
        let line = f.text.lines().find(|l| l.starts_with("TCP:")).unwrap_or_default().to_string();
        if let (Some(orphan), Some(max)) =
            (s.get("orphan"), sysctl::current(host, "net.ipv4.tcp_max_orphans").and_then(|v| v.parse::<f64>().ok()))
            && max > 0.0
        {
            items.push(
                Observation::new("net.ipv4.tcp_max_orphans")
                    .num("orphans", *orphan as f64)
                    .num("max_orphans", max)
                    .num("orphan_percent", (*orphan as f64 * 1000.0 / max).round() / 10.0)
                    .evidence(format!("{SOCKSTAT}: {line}"))
                    .evidence(format!("/proc/sys/net/ipv4/tcp_max_orphans: {max}")),
            );
        }
        let mem = sysctl::current(host, "net.ipv4.tcp_mem");
        let limits: Vec<f64> = mem.as_deref().unwrap_or("").split_whitespace().filter_map(|x| x.parse().ok()).collect();
        if let (Some(pages), &[_, pressure, high]) = (s.get("mem"), &limits[..])
            && high > 0.0
        {
            let pages = *pages as f64;
            items.push(
                Observation::new("net.ipv4.tcp_mem")
                    .num("tcp_mem_pages", pages)
                    .num("tcp_mem_pressure_pages", pressure)
                    .num("tcp_mem_high_pages", high)
                    .num("tcp_mem_percent", (pages * 1000.0 / high).round() / 10.0)
                    .flag("tcp_mem_pressure", pages >= pressure)
                    .evidence(format!("{SOCKSTAT}: {line}"))
                    .evidence(format!("/proc/sys/net/ipv4/tcp_mem: {}", mem.unwrap_or_default())),
            );
        }
    }
    if items.is_empty() {
        return Err(ProbeError::skipped(crate::i18n::Msg::SkipNoTcpCounters));
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tcp_line_of_sockstat() {
        let s = sockstat_tcp("sockets: used 120\nTCP: inuse 5 orphan 3 tw 2 alloc 7 mem 11\nUDP: inuse 1 mem 0\n");
        assert_eq!((s["orphan"], s["mem"], s["tw"]), (3, 11, 2));
        assert!(sockstat_tcp("garbage").is_empty());
    }
}
