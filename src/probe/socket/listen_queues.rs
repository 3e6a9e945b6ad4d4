//! Listen queues: each listening TCP socket's accept queue (connections the kernel completed
//! that the program has not accepted yet) and its SYN queue (handshakes still half-open, waiting
//! for the client's ACK: the SYN_RECV lines of /proc/net/tcp) against their size, and the
//! kernel's count of connections dropped because a queue was full (TcpExt ListenOverflows and
//! ListenDrops, /proc/net/netstat) or answered with SYN cookies (SyncookiesSent) during the shared
//! sampling window. The queue size comes from netlink ([`crate::host::sockdiag`]) on the live
//! system: the backlog the program asked for, capped by net.core.somaxconn. A socket is named
//! with the processes that hold it.
//!
//! How full a SYN queue may get depends on the running kernel ([`SynModel`]). Since Linux 4.4 it
//! is the listener's backlog, and with `net.ipv4.tcp_syncookies = 0` also three quarters of
//! `net.ipv4.tcp_max_syn_backlog` (a SYN that arrives beyond it is dropped; with cookies on it is
//! answered with a cookie). Before 4.4 (CentOS 7 and Alibaba Cloud Linux 2 run 3.10) the listener
//! has a table of half-open requests sized when it called listen(): min(backlog,
//! tcp_max_syn_backlog), at least 8, plus one, rounded up to a power of two; the queue is full
//! when it holds that many, and the same last-quarter rule applies without cookies.

use crate::host::sockdiag::AcceptQueue;
use crate::host::sockets::{Proto, Socket, SocketTable, TCP_LISTEN};
use crate::probe::processes::listeners::owners_label;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    Field::num("syn_recv", "", "half-open connections of this listener (SYN_RECV: waiting for the client's ACK)"),
    Field::num("syn_queue_limit", "", "half-open connections the kernel keeps for it before cookies or drops"),
    Field::flag("syn_queue_full", "1 when its SYN queue is full: new SYNs get a cookie or are dropped"),
    Field::num("syncookies", "", "net.ipv4.tcp_syncookies: 0 off, 1 when a SYN queue is full, 2 always"),
    Field::num("syn_full_listeners", "", "listening sockets whose SYN queue is full now"),
    Field::num("overflows_window", "", "TcpExt ListenOverflows during the sampling window"),
    Field::num("drops_window", "", "TcpExt ListenDrops during the sampling window"),
    Field::num("syn_drops_window", "", "ListenDrops beyond ListenOverflows during the window: SYNs dropped"),
    Field::num("syncookies_window", "", "TcpExt SyncookiesSent during the sampling window"),
    Field::num("overflows_total", "", "TcpExt ListenOverflows since boot (since the namespace was made)"),
    Field::num("window_ms", "ms", "the sampling window"),
];

/// TCP_SYN_RECV as /proc/net/tcp prints it (request sockets of a listener).
pub const TCP_SYN_RECV: u8 = 0x03;

/// One listening TCP socket with its queues; the socket itself is [`Listeners::socket`] (100,000
/// listeners are not copied out of the socket table).
#[derive(Debug, Clone)]
pub struct Listener {
    /// Where the socket is in the table's `sockets`.
    pub index: usize,
    /// Its accept queue from netlink (live system only).
    pub queue: Option<AcceptQueue>,
    /// Its half-open connections (SYN_RECV lines for its address and port).
    pub syn_recv: u64,
}

/// The listening TCP sockets of this namespace and the settings that size their SYN queues.
#[derive(Debug, Clone)]
pub struct Listeners {
    pub table: Arc<SocketTable>,
    pub list: Vec<Listener>,
    pub somaxconn: Option<u64>,
    pub syncookies: Option<u64>,
    pub max_syn_backlog: Option<u64>,
    /// How the running kernel sizes a SYN queue.
    pub model: SynModel,
}

/// The kernel's rule for how many half-open connections a listener keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynModel {
    /// Linux 4.4 and later: the backlog itself (`inet_csk_reqsk_queue_is_full`: qlen >=
    /// sk_max_ack_backlog).
    Backlog,
    /// Before 4.4 (3.10 on CentOS 7 and Alibaba Cloud Linux 2): a table of
    /// roundup_pow_of_two(max(min(backlog, tcp_max_syn_backlog), 8) + 1) entries, full when qlen
    /// reaches it. Linux 3.10 net/core/request_sock.c, reqsk_queue_alloc():
    /// `nr_table_entries = min_t(u32, nr_table_entries, sysctl_max_syn_backlog);
    /// nr_table_entries = max_t(u32, nr_table_entries, 8);
    /// nr_table_entries = roundup_pow_of_two(nr_table_entries + 1);` and `max_qlen_log` =
    /// log2 of it; include/net/request_sock.h, reqsk_queue_is_full(): `qlen >> max_qlen_log`;
    /// net/ipv4/tcp_ipv4.c, tcp_v4_conn_request(): a cookie when full and syncookies is on, else
    /// a drop, and without cookies a drop once `sysctl_max_syn_backlog - qlen <
    /// (sysctl_max_syn_backlog >> 2)` (unproven peers). The table and max_qlen_log went in 4.4
    /// ("tcp: remove max_qlen_log").
    Table,
}

impl SynModel {
    /// The model of kernel release `release` (`3.10.0-1160.el7.x86_64`); an unreadable release
    /// is taken as a current kernel.
    pub fn for_release(release: &str) -> SynModel {
        let mut parts = release.split(|c: char| !c.is_ascii_digit());
        let major: Option<u32> = parts.next().and_then(|v| v.parse().ok());
        let minor: Option<u32> = parts.next().and_then(|v| v.parse().ok());
        match (major, minor) {
            (Some(a), Some(b)) if (a, b) < (4, 4) => SynModel::Table,
            _ => SynModel::Backlog,
        }
    }

    /// The words the evidence uses for it.
    pub fn describe(self) -> &'static str {
        match self {
            SynModel::Backlog => "Linux 4.4+ rule: the backlog",
            SynModel::Table => {
                "pre-4.4 rule: a table of min(backlog, tcp_max_syn_backlog), at least 8, plus 1, rounded up to a power of two"
            }
        }
    }
}

/// The release of the kernel whose rule applies: the running one (or a fixture root's
/// /proc/sys/kernel/osrelease), else under `--root` the newest kernel installed there
/// (/lib/modules).
pub fn kernel_release(host: &crate::host::Host) -> Option<String> {
    let running = crate::host::facts::kernel(host);
    if running != "unknown" {
        return Some(running);
    }
    let mut installed: Vec<String> = ["/lib/modules", "/usr/lib/modules"]
        .iter()
        .filter_map(|d| host.list_dir(d).ok())
        .flatten()
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    installed.sort_by_key(|v| {
        v.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse::<u64>().ok()).collect::<Vec<_>>()
    });
    installed.pop()
}

/// The half-open connections a listener with an accept queue of `size` keeps before new SYNs
/// get a cookie (`syncookies` on) or are dropped: its backlog, and without cookies also
/// `tcp_max_syn_backlog` less a quarter (tcp_conn_request drops a SYN when fewer than a quarter
/// of tcp_max_syn_backlog is left).
pub fn syn_queue_limit(size: u64, syncookies: u64, max_syn_backlog: u64) -> u64 {
    syn_queue_limit_for(SynModel::Backlog, size, syncookies, max_syn_backlog)
}

/// [`syn_queue_limit`] by the rule of `model`: before 4.4 the queue is the listener's table
/// (see [`SynModel::Table`]) rather than its backlog.
pub fn syn_queue_limit_for(model: SynModel, size: u64, syncookies: u64, max_syn_backlog: u64) -> u64 {
    let queue = match model {
        SynModel::Backlog => size,
        SynModel::Table => {
            size.min(max_syn_backlog).max(8).saturating_add(1).checked_next_power_of_two().unwrap_or(u64::MAX)
        }
    };
    if syncookies >= 1 { queue } else { queue.min(max_syn_backlog - (max_syn_backlog >> 2) + 1) }
}

impl Listeners {
    /// The listening socket `l` is.
    pub fn socket(&self, l: &Listener) -> &Socket {
        &self.table.sockets[l.index]
    }

    /// Connections waiting to be accepted: netlink's count, else /proc/net/tcp's rx_queue.
    pub fn waiting(&self, l: &Listener) -> u64 {
        l.queue.map_or(self.socket(l).rx_queue, |q| u64::from(q.waiting))
    }

    /// How many half-open connections `l` may have (`None` without its queue size).
    pub fn syn_limit(&self, l: &Listener) -> Option<u64> {
        let size = u64::from(l.queue?.size);
        Some(syn_queue_limit_for(
            self.model,
            size,
            self.syncookies.unwrap_or(1),
            self.max_syn_backlog.unwrap_or(u64::MAX),
        ))
    }

    /// The listeners whose SYN queue is full now, fullest first.
    pub fn syn_full(&self) -> Vec<&Listener> {
        let mut v: Vec<&Listener> =
            self.list.iter().filter(|l| self.syn_limit(l).is_some_and(|m| l.syn_recv > 0 && l.syn_recv >= m)).collect();
        v.sort_by_key(|l| std::cmp::Reverse(l.syn_recv));
        v
    }
}

/// Counts each listener's SYN_RECV lines: a request socket belongs to the listener on its port
/// bound to its address, else to one bound to every address (of its family first).
pub fn count_syn_recv(sockets: &[Socket], listeners: &[&Socket]) -> BTreeMap<u64, u64> {
    let mut by_port: BTreeMap<u16, Vec<&Socket>> = BTreeMap::new();
    for l in listeners {
        by_port.entry(l.local_port).or_default().push(l);
    }
    let mut out = BTreeMap::new();
    for s in sockets.iter().filter(|s| s.proto == Proto::Tcp && s.state == TCP_SYN_RECV) {
        let Some(cands) = by_port.get(&s.local_port) else { continue };
        let owner = cands
            .iter()
            .find(|l| l.local == s.local)
            .or_else(|| cands.iter().find(|l| l.on_all_addresses() && l.local.is_ipv6() == s.local.is_ipv6()))
            .or_else(|| cands.iter().find(|l| l.on_all_addresses()));
        if let Some(l) = owner {
            *out.entry(l.inode).or_default() += 1;
        }
    }
    out
}

fn sysctl_num(ctx: &ProbeContext, key: &str) -> Option<u64> {
    crate::host::sysctl::current(&ctx.host, key).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// The listening TCP sockets with their queues (the socket scan shared by the run, netlink on
/// the live system), read once per run and shared by the checks that ask.
pub fn listeners(ctx: &ProbeContext) -> Result<Arc<Listeners>, ProbeError> {
    ctx.listeners()
}

/// [`listeners`], read (see [`ProbeContext::listeners`]).
pub fn read_listeners(ctx: &ProbeContext) -> Result<Listeners, ProbeError> {
    // The kernel's answer first: it needs nothing else, so it is asked while the socket table is
    // read (by this check or another).
    let queues = if ctx.host.is_live() { crate::host::sockdiag::listen_queues(ctx.deadline).ok() } else { None };
    let table = ctx.sockets()?;
    let listening: Vec<(usize, &Socket)> =
        table.sockets.iter().enumerate().filter(|(_, s)| s.proto == Proto::Tcp && s.state == TCP_LISTEN).collect();
    let syn = {
        let sockets: Vec<&Socket> = listening.iter().map(|(_, s)| *s).collect();
        count_syn_recv(&table.sockets, &sockets)
    };
    let list = listening
        .iter()
        .map(|(index, s)| Listener {
            index: *index,
            queue: queues.as_ref().and_then(|q| q.get(&s.inode)).copied(),
            syn_recv: syn.get(&s.inode).copied().unwrap_or(0),
        })
        .collect();
    Ok(Listeners {
        list,
        somaxconn: sysctl_num(ctx, "net.core.somaxconn"),
        syncookies: sysctl_num(ctx, "net.ipv4.tcp_syncookies"),
        max_syn_backlog: sysctl_num(ctx, "net.ipv4.tcp_max_syn_backlog"),
        model: kernel_release(&ctx.host).map_or(SynModel::Backlog, |r| SynModel::for_release(&r)),
        table,
    })
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let all = listeners(ctx)?;
    let table = &all.table;
    let w = ctx.window();
    let (overflows, drops) = (w.counter("TcpExt.ListenOverflows"), w.counter("TcpExt.ListenDrops"));
    let cookies = w.counter("TcpExt.SyncookiesSent");
    let syn_full = all.syn_full();
    let mut items = Vec::new();
    let mut full_count = 0;
    for l in &all.list {
        let s = all.socket(l);
        let waiting = all.waiting(l);
        if waiting == 0 && l.syn_recv == 0 {
            continue;
        }
        let (process, _) = owners_label(ctx, table, &[s.inode]);
        let mut o = Observation::new(s.local_label()).num("waiting", waiting as f64).word("process", process);
        o = o.evidence(format!(
            "{}: {} LISTEN, {waiting} connection(s) waiting to be accepted",
            s.table_path(),
            s.local_label()
        ));
        if let Some(q) = l.queue {
            // No room left: the kernel drops the next SYN (sk_acceptq_is_full is one more).
            let full = q.waiting >= q.size;
            full_count += usize::from(full);
            o = o.num("queue_size", f64::from(q.size)).flag("full", full).evidence(format!(
                "netlink sock_diag: {} accept queue {} of {}",
                s.local_label(),
                q.waiting,
                q.size
            ));
            if let Some(m) = all.somaxconn {
                o = o.num("somaxconn", m as f64);
            }
            o = o.flag("capped", all.somaxconn.is_some_and(|m| u64::from(q.size) == m));
        }
        if l.syn_recv > 0 {
            o = o.num("syn_recv", l.syn_recv as f64).evidence(format!(
                "{}: {} half-open connection(s) to {} (SYN_RECV)",
                s.table_path(),
                l.syn_recv,
                s.local_label()
            ));
            if let Some(limit) = all.syn_limit(l) {
                let full = syn_full.iter().any(|f| f.index == l.index);
                o = o.num("syn_queue_limit", limit as f64).flag("syn_queue_full", full).evidence(format!(
                    "SYN queue of {} holds {limit} ({})",
                    s.local_label(),
                    all.model.describe()
                ));
            }
        }
        if let Some(c) = all.syncookies {
            o = o.num("syncookies", c as f64);
        }
        items.push(o);
    }
    let window_ms = (w.seconds * 1000.0).round();
    let mut scope = Observation::new("TcpExt.ListenOverflows")
        .num("listeners", all.list.len() as f64)
        .num("full_listeners", full_count as f64)
        .num("syn_full_listeners", syn_full.len() as f64)
        .num("window_ms", window_ms);
    if let Some((total, delta)) = overflows {
        scope = scope.num("overflows_total", total as f64).num("overflows_window", delta as f64);
        scope =
            scope.evidence(format!("/proc/net/netstat: TcpExt ListenOverflows {total} (+{delta} in {window_ms} ms)"));
    }
    if let Some((total, delta)) = drops {
        let syn_drops = delta.saturating_sub(overflows.map_or(0, |o| o.1));
        scope = scope.num("drops_window", delta as f64).num("syn_drops_window", syn_drops as f64);
        scope = scope.evidence(format!("/proc/net/netstat: TcpExt ListenDrops {total} (+{delta} in {window_ms} ms)"));
    }
    if let Some((total, delta)) = cookies
        && delta > 0
    {
        scope =
            scope.evidence(format!("/proc/net/netstat: TcpExt SyncookiesSent {total} (+{delta} in {window_ms} ms)"));
    }
    if let Some(c) = all.syncookies {
        scope = scope.num("syncookies", c as f64);
    }
    for o in &mut items {
        let mut x = std::mem::take(o).num("window_ms", window_ms);
        if let Some((_, d)) = overflows {
            x = x.num("overflows_window", d as f64);
        }
        if let Some((_, d)) = drops {
            x = x.num("drops_window", d as f64);
        }
        if let Some((_, d)) = cookies {
            x = x.num("syncookies_window", d as f64);
        }
        *o = x;
    }
    items.insert(0, scope);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::sockets::parse_table;

    #[test]
    fn half_open_connections_belong_to_their_listener() {
        let t = parse_table(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
             0: 0100007F:1BA1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1\n\
             1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 200 1\n\
             2: 0100007F:1BA1 0100007F:D8BC 03 00000000:00000000 01:00000049 00000000     0        0 0 0\n\
             3: 0100007F:1BA1 0100007F:D8C2 03 00000000:00000000 01:0000004A 00000000     0        0 0 0\n\
             4: 0100007F:0050 0100007F:D8C4 03 00000000:00000000 01:0000004A 00000000     0        0 0 0\n\
             5: 0100007F:0051 0100007F:D8C6 03 00000000:00000000 01:0000004A 00000000     0        0 0 0\n\
             6: 0100007F:1BA1 0100007F:D8C8 01 00000000:00000000 01:0000004A 00000000     0        0 9 0\n",
            Proto::Tcp,
        );
        let listening: Vec<&Socket> = t.iter().filter(|s| s.state == TCP_LISTEN).collect();
        let n = count_syn_recv(&t, &listening);
        assert_eq!((n.get(&100), n.get(&200)), (Some(&2), Some(&1)), "port 81 has no listener: not counted");
    }

    #[test]
    fn the_syn_queue_is_the_backlog_and_without_cookies_three_quarters_of_max_syn_backlog() {
        assert_eq!(syn_queue_limit(4, 1, 16), 4);
        assert_eq!(syn_queue_limit(4096, 1, 128), 4096, "cookies on: tcp_max_syn_backlog does not limit");
        assert_eq!(syn_queue_limit(64, 0, 8), 7, "dropped once 8 - qlen < 2");
        assert_eq!(syn_queue_limit(4, 0, 1024), 4);
        assert_eq!(syn_queue_limit(64, 0, 2), 3);
    }

    /// Linux 3.10's table (reqsk_queue_alloc): min(backlog, tcp_max_syn_backlog), at least 8,
    /// plus one, rounded up to a power of two; full at that many (qlen >> max_qlen_log).
    #[test]
    fn before_4_4_the_syn_queue_is_a_power_of_two_table() {
        let t = |size, cookies, max| syn_queue_limit_for(SynModel::Table, size, cookies, max);
        assert_eq!(t(128, 1, 1024), 256, "backlog 128: 129 rounded up");
        assert_eq!(t(511, 1, 1024), 512);
        assert_eq!(t(512, 1, 1024), 1024);
        assert_eq!(t(4096, 1, 128), 256, "capped by tcp_max_syn_backlog before rounding");
        assert_eq!(t(1, 1, 1024), 16, "at least 8: 9 rounded up");
        assert_eq!(t(5, 1, 2), 16, "the minimum of 8 beats a tiny tcp_max_syn_backlog");
        // Without cookies the last quarter of tcp_max_syn_backlog is kept for proven peers too.
        assert_eq!(t(128, 0, 1024), 256);
        assert_eq!(t(4096, 0, 256), 193, "table 512, but a drop once 256 - qlen < 64");
        // The same listener on a current kernel: the backlog.
        assert_eq!(syn_queue_limit_for(SynModel::Backlog, 128, 1, 1024), 128);
        assert_eq!(syn_queue_limit_for(SynModel::Backlog, 4096, 0, 256), 193);
    }

    #[test]
    fn the_model_follows_the_kernel_release() {
        assert_eq!(SynModel::for_release("3.10.0-1160.119.1.el7.x86_64"), SynModel::Table);
        assert_eq!(SynModel::for_release("4.19.91-27.al7.x86_64"), SynModel::Backlog);
        assert_eq!(SynModel::for_release("4.3.6"), SynModel::Table);
        assert_eq!(SynModel::for_release("4.4.0-210-generic"), SynModel::Backlog);
        assert_eq!(SynModel::for_release("6.1.0-9-amd64"), SynModel::Backlog);
        assert_eq!(SynModel::for_release("unknown"), SynModel::Backlog);
    }

    /// Under `--root` without a running kernel's release: the newest kernel installed there.
    #[test]
    fn a_root_without_a_release_uses_its_newest_installed_kernel() {
        let dir = tempfile::tempdir().expect("tempdir");
        for v in ["3.10.0-862.el7.x86_64", "3.10.0-1160.el7.x86_64", "extramodules"] {
            std::fs::create_dir_all(dir.path().join("lib/modules").join(v)).expect("mkdir");
        }
        let host = crate::host::Host::new(dir.path());
        assert_eq!(kernel_release(&host).as_deref(), Some("3.10.0-1160.el7.x86_64"));
        std::fs::create_dir_all(dir.path().join("proc/sys/kernel")).expect("mkdir");
        std::fs::write(dir.path().join("proc/sys/kernel/osrelease"), "5.10.134-16.al8.x86_64\n").expect("write");
        assert_eq!(kernel_release(&host).as_deref(), Some("5.10.134-16.al8.x86_64"));
    }
}
