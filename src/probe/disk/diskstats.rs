//! Disk activity per device over the shared sampling window (/proc/diskstats read twice): IOPS,
//! throughput, average wait per I/O (await) and utilisation (share of time with I/O in
//! flight), as `iostat -x` computes them; plus the I/O pressure stall (/proc/pressure/io).

use crate::host::sample::DiskStat;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("iops", "1/s", "reads and writes completed per second over the window"),
    Field::num("read_iops", "1/s", "reads completed per second"),
    Field::num("write_iops", "1/s", "writes completed per second"),
    Field::num("read_bytes_per_s", "bytes/s", "bytes read per second"),
    Field::num("write_bytes_per_s", "bytes/s", "bytes written per second"),
    Field::num("await_ms", "ms", "average time an I/O waited and was served (iostat's await)"),
    Field::num("util_percent", "%", "share of the window the device was busy"),
    Field::num("in_flight", "", "I/Os in progress at the end of the window"),
    Field::num("window_ms", "ms", "the length of the sampling window"),
    Field::num("devices", "", "disks measured"),
    Field::num("max_util_percent", "%", "the busiest disk's utilisation"),
    Field::num("io_psi_some_avg10", "%", "I/O pressure: share of the last 10 s some task waited for I/O"),
];

/// Devices that are not disks (RAM disks, CD drives, floppies) or that mirror another (loop
/// devices: their I/O is the I/O of the file's disk).
const IGNORED_PREFIXES: &[&str] = &["loop", "ram", "zram", "sr", "fd", "nbd"];

/// Whether a device is a whole disk or a device-mapper/md volume, from /sys/block when the
/// examined system has it (else: it has no `partition` file); partitions are left out so a
/// disk's I/O is not counted twice. Read /sys/block once, then ask for each name.
pub fn whole_devices(ctx: &ProbeContext) -> impl Fn(&str) -> bool + '_ {
    let whole = ctx.host.list_dir("/sys/block").ok().filter(|l| !l.is_empty());
    move |name: &str| match &whole {
        Some(list) => list.iter().any(|n| n == name),
        None => !ctx.host.path(format!("/sys/class/block/{name}/partition")).exists(),
    }
}

/// Why the sampling window holds no disk: /proc/diskstats missing, unreadable, or empty.
pub fn no_disks(ctx: &ProbeContext) -> ProbeError {
    match ctx.host.read("/proc/diskstats") {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            ProbeError::Skipped(Said::new(Msg::SkipFileMissing).arg("path", "/proc/diskstats"))
        }
        Err(e) => ProbeError::io("/proc/diskstats", &e),
        Ok(_) => ProbeError::Skipped(Said::new(Msg::SkipNoDisks).arg("path", "/proc/diskstats")),
    }
}

/// What one device did between two readings `secs` apart: the differences of its counters, and
/// the utilisation and await iostat computes from them (rounded to 0.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delta {
    pub reads: u64,
    pub writes: u64,
    /// Reads and writes completed.
    pub ios: u64,
    pub read_sectors: u64,
    pub write_sectors: u64,
    /// Milliseconds the I/Os spent waiting and being served.
    pub wait_ms: u64,
    /// Milliseconds the device had I/O in flight.
    pub busy_ms: u64,
    /// Share of the window the device was busy (at most 100; 0 without a window).
    pub util_percent: f64,
    /// Average time an I/O waited and was served (0 without I/O).
    pub await_ms: f64,
}

/// The [`Delta`] between readings `a` and `b` of one device, `secs` apart (a counter that went
/// back counts as 0).
pub fn delta(a: &DiskStat, b: &DiskStat, secs: f64) -> Delta {
    let reads = b.reads.saturating_sub(a.reads);
    let writes = b.writes.saturating_sub(a.writes);
    let ios = reads + writes;
    let wait_ms = b.read_ms.saturating_sub(a.read_ms) + b.write_ms.saturating_sub(a.write_ms);
    let busy_ms = b.io_ms.saturating_sub(a.io_ms);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    Delta {
        reads,
        writes,
        ios,
        read_sectors: b.read_sectors.saturating_sub(a.read_sectors),
        write_sectors: b.write_sectors.saturating_sub(a.write_sectors),
        wait_ms,
        busy_ms,
        util_percent: if secs <= 0.0 { 0.0 } else { round((busy_ms as f64 / (secs * 1000.0) * 100.0).min(100.0)) },
        await_ms: if ios == 0 { 0.0 } else { round(wait_ms as f64 / ios as f64) },
    }
}

/// `n` per second over `secs`, rounded to 0.1 (0 without a window).
pub fn rate(n: u64, secs: f64) -> f64 {
    if secs <= 0.0 { 0.0 } else { (n as f64 / secs * 10.0).round() / 10.0 }
}

/// One device's rates between two readings `secs` apart; also returns the utilisation.
pub fn measure(a: &DiskStat, b: &DiskStat, secs: f64) -> (Observation, f64) {
    let d = delta(a, b, secs);
    let o = Observation::new(format!("/dev/{}", b.name))
        .num("iops", rate(d.ios, secs))
        .num("read_iops", rate(d.reads, secs))
        .num("write_iops", rate(d.writes, secs))
        .num("read_bytes_per_s", rate(d.read_sectors.saturating_mul(512), secs))
        .num("write_bytes_per_s", rate(d.write_sectors.saturating_mul(512), secs))
        .num("await_ms", d.await_ms)
        .num("util_percent", d.util_percent)
        .num("in_flight", b.in_flight as f64)
        .evidence(format!(
            "/proc/diskstats over {:.0} ms: {} I/Os ({} reads, {} writes), {} ms waiting, {} ms busy",
            secs * 1000.0,
            d.ios,
            d.reads,
            d.writes,
            d.wait_ms,
            d.busy_ms
        ));
    (o, d.util_percent)
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let w = ctx.window();
    if w.second.disks.is_empty() {
        return Err(no_disks(ctx));
    }
    let is_whole = whole_devices(ctx);
    let secs = w.seconds;
    let mut items = Vec::new();
    let mut max_util: f64 = 0.0;
    let disks = w.second.disks.iter().filter(|d| !IGNORED_PREFIXES.iter().any(|p| d.name.starts_with(p)));
    for b in disks.filter(|d| is_whole(&d.name)) {
        let a = w
            .first
            .disks
            .iter()
            .find(|d| d.name == b.name)
            .cloned()
            .unwrap_or_else(|| DiskStat { name: b.name.clone(), ..b.clone() });
        let (o, util) = measure(&a, b, secs);
        max_util = max_util.max(util);
        items.push(o);
    }
    let mut summary = Observation::new("disks")
        .num("devices", items.len() as f64)
        .num("window_ms", (secs * 1000.0).round())
        .num("max_util_percent", max_util);
    if let Some(v) =
        ctx.host.read("/proc/pressure/io").ok().and_then(|f| crate::host::pressure::psi_avg(&f.text, "some", "avg10"))
    {
        summary = summary.num("io_psi_some_avg10", v);
    }
    items.insert(0, summary);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iostat_numbers() {
        let a = DiskStat {
            name: "vdb".into(),
            reads: 1000,
            read_sectors: 8000,
            read_ms: 100,
            writes: 500,
            write_sectors: 4000,
            write_ms: 100,
            in_flight: 0,
            io_ms: 1000,
        };
        let b = DiskStat {
            reads: 1050,
            read_sectors: 8800,
            read_ms: 3100,
            writes: 550,
            write_sectors: 4400,
            write_ms: 2100,
            in_flight: 7,
            io_ms: 1190,
            ..a.clone()
        };
        let (o, util) = measure(&a, &b, 0.2);
        let v = |k: &str| o.values[k].as_num().unwrap();
        assert_eq!(o.subject, "/dev/vdb");
        assert_eq!(v("iops"), 500.0);
        assert_eq!(v("await_ms"), 50.0);
        assert_eq!(util, 95.0);
        assert_eq!(v("read_bytes_per_s"), 800.0 * 512.0 / 0.2);
        // Same readings (a fixture read twice): all zero.
        let (o, util) = measure(&a, &a, 0.0);
        assert_eq!((o.values["iops"].as_num(), util), (Some(0.0), 0.0));
    }

    #[test]
    fn rates() {
        assert_eq!(rate(50, 0.2), 250.0);
        assert_eq!(rate(1, 0.0), 0.0);
        // A counter that went back (a device replaced between the readings) counts as 0.
        let a = DiskStat { name: "vdb".into(), reads: 150, io_ms: 900, ..Default::default() };
        let b = DiskStat { reads: 100, io_ms: 1000, ..a.clone() };
        let d = delta(&a, &b, 0.2);
        assert_eq!((d.reads, d.ios, d.busy_ms, d.util_percent, d.await_ms), (0, 0, 100, 50.0, 0.0));
    }
}
