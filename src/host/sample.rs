//! The sampling window: counters read twice, a moment apart, once per run, and shared by every
//! check that needs a rate (CPU steal and busy time, disk IOPS, throughput, await and
//! utilisation, per-process CPU, network throughput).
//!
//! The window is at most [`WINDOW`] long and taken only when a selected check asks for it. On a
//! fixture root (`--root`) the files are read twice without waiting: same content, zero rates.

use super::Host;
use super::procs;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long the window lasts (the budget: one shared window of at most 250 ms).
pub const WINDOW: Duration = Duration::from_millis(200);

/// Linux reports process CPU time in USER_HZ ticks, 100 per second on every architecture.
pub const USER_HZ: f64 = 100.0;

/// The aggregate `cpu` line of /proc/stat, in ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuTimes {
    /// All the ticks, saturating: the counters come from a file (a corrupt or crafted /proc/stat
    /// under `--root` can hold values near 2^64, whose plain sum overflows).
    pub fn total(&self) -> u64 {
        [self.user, self.nice, self.system, self.idle, self.iowait, self.irq, self.softirq, self.steal]
            .into_iter()
            .fold(0u64, u64::saturating_add)
    }
}

/// `cpu  user nice system idle iowait irq softirq steal guest guest_nice`
pub fn parse_cpu(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).map(|x| x.parse().unwrap_or(0)).collect();
    let g = |i: usize| v.get(i).copied().unwrap_or(0);
    (v.len() >= 4).then(|| CpuTimes {
        user: g(0),
        nice: g(1),
        system: g(2),
        idle: g(3),
        iowait: g(4),
        irq: g(5),
        softirq: g(6),
        steal: g(7),
    })
}

/// One line of /proc/diskstats.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiskStat {
    pub name: String,
    pub reads: u64,
    pub read_sectors: u64,
    pub read_ms: u64,
    pub writes: u64,
    pub write_sectors: u64,
    pub write_ms: u64,
    pub in_flight: u64,
    pub io_ms: u64,
}

pub fn parse_diskstats(text: &str) -> Vec<DiskStat> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 14 {
            continue;
        }
        let n = |i: usize| f[i].parse::<u64>().ok();
        let (Some(reads), Some(rs), Some(rms), Some(writes), Some(ws), Some(wms), Some(inf), Some(io)) =
            (n(3), n(5), n(6), n(7), n(9), n(10), n(11), n(12))
        else {
            continue;
        };
        out.push(DiskStat {
            name: f[2].to_string(),
            reads,
            read_sectors: rs,
            read_ms: rms,
            writes,
            write_sectors: ws,
            write_ms: wms,
            in_flight: inf,
            io_ms: io,
        });
    }
    out
}

/// Bytes received and sent per interface (/proc/net/dev).
pub fn parse_net_dev(text: &str) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else { continue };
        let f: Vec<u64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
        if f.len() >= 9 {
            out.insert(name.trim().to_string(), (f[0], f[8]));
        }
    }
    out
}

/// One interface's counters of /proc/net/dev.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NetDev {
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errs: u64,
    pub rx_drop: u64,
    pub rx_fifo: u64,
    pub rx_frame: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errs: u64,
    pub tx_drop: u64,
    pub tx_fifo: u64,
    pub tx_carrier: u64,
}

/// Every interface's counters (/proc/net/dev: 8 receive columns, then 8 transmit columns).
pub fn parse_net_dev_counters(text: &str) -> BTreeMap<String, NetDev> {
    let mut out = BTreeMap::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else { continue };
        let f: Vec<u64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
        if f.len() >= 16 {
            out.insert(
                name.trim().to_string(),
                NetDev {
                    rx_bytes: f[0],
                    rx_packets: f[1],
                    rx_errs: f[2],
                    rx_drop: f[3],
                    rx_fifo: f[4],
                    rx_frame: f[5],
                    tx_bytes: f[8],
                    tx_packets: f[9],
                    tx_errs: f[10],
                    tx_drop: f[11],
                    tx_fifo: f[12],
                    tx_carrier: f[14],
                },
            );
        }
    }
    out
}

/// /proc/net/snmp and /proc/net/netstat: pairs of lines, names then values, each starting with
/// the group (`Tcp:`, `TcpExt:`); the counters as `Group.Name`.
pub fn parse_proto_counters(text: &str, out: &mut BTreeMap<String, u64>) {
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        let (Some((group, names)), Some((vgroup, values))) = (names.split_once(':'), values.split_once(':')) else {
            continue;
        };
        if group != vgroup {
            continue;
        }
        for (n, v) in names.split_whitespace().zip(values.split_whitespace()) {
            // Tcp MaxConn is -1: not a counter.
            if let Ok(v) = v.parse::<u64>() {
                out.insert(format!("{group}.{n}"), v);
            }
        }
    }
}

/// One CPU's line of /proc/net/softnet_stat (hex): packets processed, dropped because the
/// backlog queue was full (netdev_max_backlog), and times the budget ran out with work left.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Softnet {
    /// The CPU (the 13th column on Linux 5.10 and later, else the line's position).
    pub cpu: usize,
    pub processed: u64,
    pub dropped: u64,
    pub time_squeeze: u64,
}

pub fn parse_softnet(text: &str) -> Vec<Softnet> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let f: Vec<u64> = l.split_whitespace().map(|x| u64::from_str_radix(x, 16).ok()).collect::<Option<_>>()?;
            let cpu = f.get(12).map_or(i, |c| *c as usize);
            (f.len() >= 3).then(|| Softnet { cpu, processed: f[0], dropped: f[1], time_squeeze: f[2] })
        })
        .collect()
}

/// /proc/net/snmp6: `Udp6RcvbufErrors 0` lines; the UDP ones as `Udp6.RcvbufErrors`.
pub fn parse_snmp6_udp(text: &str, out: &mut BTreeMap<String, u64>) {
    for l in text.lines() {
        let mut t = l.split_whitespace();
        if let (Some(name), Some(v)) = (t.next(), t.next())
            && let Some(rest) = name.strip_prefix("Udp6")
            && let Ok(v) = v.parse::<u64>()
        {
            out.insert(format!("Udp6.{rest}"), v);
        }
    }
}

/// What a process looked like at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcTick {
    pub state: char,
    pub ppid: u32,
    pub comm: String,
    pub cpu_ticks: u64,
    /// /proc/PID/schedstat: nanoseconds on a CPU and waiting for one; read only for a process
    /// running or runnable at the start of the window (and for it again at the end).
    pub sched: Option<(u64, u64)>,
}

/// `run_ns wait_ns timeslices` of /proc/PID/schedstat.
pub fn parse_schedstat(text: &str) -> Option<(u64, u64)> {
    let mut w = text.split_whitespace();
    Some((w.next()?.parse().ok()?, w.next()?.parse().ok()?))
}

/// The counters at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub cpu: Option<CpuTimes>,
    /// The /proc/stat `cpu` line as read, for evidence.
    pub cpu_line: String,
    pub disks: Vec<DiskStat>,
    pub net: BTreeMap<String, (u64, u64)>,
    /// Every counter of /proc/net/dev (the same read as `net`).
    pub nics: BTreeMap<String, NetDev>,
    /// /proc/net/snmp, netstat and snmp6's UDP counters as `Group.Name`.
    pub counters: BTreeMap<String, u64>,
    pub softnet: Vec<Softnet>,
    pub procs: BTreeMap<u32, ProcTick>,
    /// /proc/stat `processes`: processes and threads created since boot.
    pub forks: Option<u64>,
    /// /proc/stat `procs_running`: tasks runnable now (this sampler among them).
    pub procs_running: Option<u64>,
    /// The TCP connections with their segments sent and retransmitted (netlink; the live
    /// system only, at most [`MAX_CONNS`]).
    pub tcp_conns: Vec<super::sockdiag::TcpConn>,
}

/// Connections whose counters the window reads at each end: enough to name the peer of a lossy
/// path, bounded on a host with 100,000 connections.
pub const MAX_CONNS: usize = 4096;

/// A `name value` line of /proc/stat (`processes 1160684`).
pub fn stat_value(stat: &str, name: &str) -> Option<u64> {
    stat.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// The counters now; `sched_of` names the processes whose schedstat to read (`None`: those
/// running or runnable now).
fn snapshot(
    host: &Host,
    sched_of: Option<&BTreeMap<u32, ProcTick>>,
    deadline: Instant,
    pass: Option<&procs::StatPass>,
) -> Snapshot {
    let mut s = Snapshot::default();
    if host.is_live() {
        s.tcp_conns = super::sockdiag::tcp_conns(deadline, MAX_CONNS).unwrap_or_default();
    }
    if let Ok(f) = host.read("/proc/stat") {
        s.cpu = parse_cpu(&f.text);
        s.cpu_line = f.text.lines().find(|l| l.starts_with("cpu ")).unwrap_or_default().to_string();
        s.forks = stat_value(&f.text, "processes");
        s.procs_running = stat_value(&f.text, "procs_running");
    }
    if let Ok(f) = host.read("/proc/diskstats") {
        s.disks = parse_diskstats(&f.text);
    }
    if let Ok(f) = host.read("/proc/net/dev") {
        s.net = parse_net_dev(&f.text);
        s.nics = parse_net_dev_counters(&f.text);
    }
    for path in ["/proc/net/snmp", "/proc/net/netstat"] {
        if let Ok(f) = host.read(path) {
            parse_proto_counters(&f.text, &mut s.counters);
        }
    }
    if let Ok(f) = host.read("/proc/net/snmp6") {
        parse_snmp6_udp(&f.text, &mut s.counters);
    }
    if let Ok(f) = host.read("/proc/net/softnet_stat") {
        s.softnet = parse_softnet(&f.text);
    }
    if let Some(pass) = pass {
        // The run's shared pass over /proc/PID/stat (the process table's too): not read again.
        for p in &pass.procs {
            let tick = ProcTick {
                state: p.state,
                ppid: p.ppid,
                comm: p.comm.clone(),
                cpu_ticks: p.cpu_ticks,
                sched: pass.sched.get(&p.pid).copied(),
            };
            s.procs.insert(p.pid, tick);
        }
        return s;
    }
    let pids = procs::pids(host).unwrap_or_default();
    // Opened once; each process's stat is read relative to it into one reused buffer.
    let Some(mut dir) = (!pids.is_empty()).then(|| procs::ProcDir::open(host).ok()).flatten() else { return s };
    for pid in pids {
        let Ok(bytes) = dir.read(pid, "stat", super::MAX_SMALL_FILE_BYTES as usize, true) else { continue };
        if let Some(p) = procs::parse_stat_bytes(bytes) {
            let want = match sched_of {
                None => p.state == 'R',
                Some(first) => first.get(&pid).is_some_and(|t| t.sched.is_some()),
            };
            let sched = if want { procs::read_schedstat(&mut dir, pid) } else { None };
            s.procs.insert(pid, ProcTick { state: p.state, ppid: p.ppid, comm: p.comm, cpu_ticks: p.cpu_ticks, sched });
        }
    }
    s
}

/// Two snapshots and the time between them.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub first: Snapshot,
    pub second: Snapshot,
    /// Seconds between the snapshots (0 on a fixture root).
    pub seconds: f64,
    /// Seconds between the two readings of the processes (longer than `seconds` when the first
    /// came from the run's earlier pass over /proc/PID/stat).
    pub proc_seconds: f64,
}

/// Takes the window: a snapshot, a pause of [`WINDOW`] (less when the deadline is near; none
/// on a fixture root), another snapshot.
pub fn sample(host: &Host, deadline: Instant) -> Window {
    sample_with(host, deadline, None)
}

/// [`sample`], the first reading of the processes taken from `pass` (the run's one pass over
/// /proc/PID/stat, which the process table shares) instead of reading them again; the
/// processes' rates are over the time since that pass.
pub fn sample_with(host: &Host, deadline: Instant, pass: Option<&procs::StatPass>) -> Window {
    let start = Instant::now();
    let first = snapshot(host, None, deadline, pass);
    let procs_start = pass.map_or(start, |p| p.at.min(start));
    if host.is_live() {
        // Leave time after the window for the checks to finish before the deadline.
        let left = deadline.saturating_duration_since(Instant::now()).saturating_sub(Duration::from_millis(200));
        std::thread::sleep(WINDOW.saturating_sub(start.elapsed()).min(left));
    }
    let seconds = if host.is_live() { start.elapsed().as_secs_f64() } else { 0.0 };
    let proc_seconds = if host.is_live() { procs_start.elapsed().as_secs_f64() } else { 0.0 };
    let second = snapshot(host, Some(&first.procs), deadline, None);
    Window { first, second, seconds, proc_seconds }
}

/// CPU shares over the window, in percent of all CPU time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CpuShares {
    pub busy: f64,
    pub iowait: f64,
    pub steal: f64,
}

impl Window {
    /// A protocol counter (`TcpExt.ListenOverflows`): its value at the end of the window and how
    /// much it grew during it (0 on a fixture root); `None` when the kernel has no such counter.
    pub fn counter(&self, key: &str) -> Option<(u64, u64)> {
        let now = *self.second.counters.get(key)?;
        let before = self.first.counters.get(key).copied().unwrap_or(now);
        Some((now, now.saturating_sub(before)))
    }

    /// The connections that retransmitted during the window, most first: (local, remote,
    /// segments retransmitted, segments sent), from tcp_info at both ends (a connection opened
    /// during the window counts from zero).
    pub fn retransmitting(&self) -> Vec<(std::net::SocketAddr, std::net::SocketAddr, u64, u64)> {
        let before: std::collections::HashMap<_, _> =
            self.first.tcp_conns.iter().map(|c| ((c.local, c.remote), (c.total_retrans, c.segs_out))).collect();
        let mut v: Vec<_> = self
            .second
            .tcp_conns
            .iter()
            .filter_map(|c| {
                let (r0, s0) = before.get(&(c.local, c.remote)).copied().unwrap_or((0, 0));
                let re = u64::from(c.total_retrans.saturating_sub(r0));
                (re > 0).then(|| (c.local, c.remote, re, u64::from(c.segs_out.wrapping_sub(s0))))
            })
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
        v
    }

    /// Busy, I/O wait and steal percentages (zeros when nothing moved).
    pub fn cpu_shares(&self) -> Option<CpuShares> {
        let (a, b) = (self.first.cpu?, self.second.cpu?);
        let total = b.total().saturating_sub(a.total());
        if total == 0 {
            return Some(CpuShares::default());
        }
        let pct = |x: u64, y: u64| (y.saturating_sub(x) as f64 * 1000.0 / total as f64).round() / 10.0;
        let idle = pct(a.idle, b.idle) + pct(a.iowait, b.iowait);
        Some(CpuShares {
            busy: ((100.0 - idle).max(0.0) * 10.0).round() / 10.0,
            iowait: pct(a.iowait, b.iowait),
            steal: pct(a.steal, b.steal),
        })
    }

    /// Processes that were running or waiting for a CPU the whole window (a spinning loop): (pid,
    /// comm, percent of the window on a CPU or waiting for one), from /proc/PID/schedstat.
    pub fn demanding(&self, min_percent: f64) -> Vec<(u32, String, f64)> {
        let secs = self.proc_seconds;
        if secs <= 0.0 {
            return Vec::new();
        }
        let mut v: Vec<(u32, String, f64)> = self
            .second
            .procs
            .iter()
            .filter_map(|(pid, p)| {
                let (r1, w1) = self.first.procs.get(pid)?.sched?;
                let (r2, w2) = p.sched?;
                let ns = r2.saturating_sub(r1).saturating_add(w2.saturating_sub(w1));
                let pct = (ns as f64 / (secs * 1e9) * 1000.0).round() / 10.0;
                (pct >= min_percent).then(|| (*pid, p.comm.clone(), pct))
            })
            .collect();
        v.sort_by(|a, b| b.2.total_cmp(&a.2));
        v
    }

    /// Processes by CPU used during the window: (pid, comm, percent of one CPU), busiest first.
    pub fn top_cpu(&self, n: usize) -> Vec<(u32, String, f64)> {
        let secs = self.proc_seconds;
        if secs <= 0.0 {
            return Vec::new();
        }
        let mut v: Vec<(u32, String, f64)> = self
            .second
            .procs
            .iter()
            .filter_map(|(pid, p)| {
                let before = self.first.procs.get(pid)?;
                let d = p.cpu_ticks.saturating_sub(before.cpu_ticks);
                (d > 0).then(|| (*pid, p.comm.clone(), (d as f64 / USER_HZ / secs * 1000.0).round() / 10.0))
            })
            .collect();
        v.sort_by(|a, b| b.2.total_cmp(&a.2));
        v.truncate(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counters near 2^64 (a corrupt or crafted /proc/stat; found by the `proc_root` fuzz
    /// target) saturate instead of overflowing, in the total and in the shares.
    #[test]
    fn counters_near_the_top_of_u64_saturate() {
        let stat = "cpu  1000 50 801 0 1887141 2998272 414 18446744073709551615 94643609825280\n";
        let c = parse_cpu(stat).unwrap();
        assert_eq!(c.total(), u64::MAX);
        let snap = |cpu| Snapshot { cpu: Some(cpu), ..Snapshot::default() };
        let w = Window { first: snap(CpuTimes { idle: 10, ..c }), second: snap(c), ..Window::default() };
        assert_eq!(w.cpu_shares().map(|s| s.steal), Some(0.0));
        let w = Window { first: snap(CpuTimes::default()), second: snap(c), ..Window::default() };
        let s = w.cpu_shares().unwrap();
        assert!(s.busy.is_finite() && (0.0..=100.0).contains(&s.steal), "{s:?}");
    }

    #[test]
    fn parses_counters() {
        let c = parse_cpu("cpu  100 0 50 800 40 0 10 20 0 0\ncpu0 1 2 3 4\n").unwrap();
        assert_eq!((c.user, c.steal, c.total()), (100, 20, 1020));
        assert!(parse_cpu("cpu0 1 2 3\n").is_none());
        assert!(parse_cpu("cpu  x").is_none());
        let stat = "cpu  1 2 3 4\nprocesses 1160684\nprocs_running 3\nprocs_blocked 0\n";
        assert_eq!((stat_value(stat, "processes"), stat_value(stat, "procs_running")), (Some(1160684), Some(3)));
        assert_eq!(stat_value(stat, "procs"), None);
        let d = parse_diskstats(
            " 253       0 vda 1000 10 80000 500 2000 20 160000 4000 0 3000 4500 0 0 0 0\n 7 0 loop0 x\n garbage\n",
        );
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].reads, d[0].write_ms, d[0].io_ms), (1000, 4000, 3000));
        let n = parse_net_dev("Inter-|\n face |\n  eth0: 100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0\n lo: x\n");
        assert_eq!(n.get("eth0"), Some(&(100, 200)));
        let d = parse_net_dev_counters("Inter-|\n face |\n  eth0: 100 1 2 3 4 5 0 0 200 2 6 7 8 0 9 0\n lo: x\n");
        let e = d["eth0"];
        assert_eq!((e.rx_errs, e.rx_drop, e.rx_fifo, e.tx_drop, e.tx_carrier), (2, 3, 4, 7, 9));
        let mut c = BTreeMap::new();
        parse_proto_counters(
            "Tcp: RtoMin MaxConn OutSegs\nTcp: 200 -1 77\nTcpExt: ListenOverflows\nTcpExt: 5\n",
            &mut c,
        );
        parse_snmp6_udp("Udp6InDatagrams  4\nUdp6RcvbufErrors \t 3\nIp6InReceives 9\n", &mut c);
        assert_eq!(c.get("Tcp.OutSegs"), Some(&77));
        assert_eq!(c.get("Tcp.MaxConn"), None, "-1 is not a counter");
        assert_eq!(c.get("TcpExt.ListenOverflows"), Some(&5));
        assert_eq!(c.get("Udp6.RcvbufErrors"), Some(&3));
        let s = parse_softnet("00000010 00000002 00000003 0 0 0 0 0 0 0 0 0 00000001 0 0\nzz\n0000000a 0 0\n");
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].cpu, s[0].processed, s[0].dropped, s[0].time_squeeze), (1, 16, 2, 3));
        assert_eq!(s[1].cpu, 2);
    }

    #[test]
    fn shares_and_top_processes() {
        let mut w = Window { seconds: 0.2, proc_seconds: 0.2, ..Default::default() };
        w.first.cpu = parse_cpu("cpu  100 0 0 800 0 0 0 100 0 0");
        w.second.cpu = parse_cpu("cpu  130 0 0 850 0 0 0 120 0 0");
        let s = w.cpu_shares().unwrap();
        assert_eq!((s.busy, s.steal), (50.0, 20.0));
        let t = |ticks| ProcTick { state: 'R', ppid: 1, comm: "x".into(), cpu_ticks: ticks, sched: None };
        w.first.procs.insert(5, t(10));
        w.second.procs.insert(5, t(30));
        w.second.procs.insert(6, t(99));
        assert_eq!(w.top_cpu(3), vec![(5, "x".to_string(), 100.0)]);
        // Spinning: 50 ms on a CPU and 150 ms waiting for one over 200 ms.
        let s = |run, wait| ProcTick { sched: Some((run, wait)), ..t(0) };
        w.first.procs.insert(7, s(1_000_000_000, 0));
        w.second.procs.insert(7, s(1_050_000_000, 150_000_000));
        w.second.procs.insert(8, s(5, 5));
        assert_eq!(w.demanding(90.0), vec![(7, "x".to_string(), 100.0)]);
        assert_eq!(parse_schedstat("192190526 57355734 690\n"), Some((192190526, 57355734)));
        assert_eq!(parse_schedstat("x"), None);
    }
}
