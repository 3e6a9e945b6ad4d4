//! A disk held at a ceiling: busy the whole sampling window with requests standing in its queue
//! at both ends of it, each waiting far longer than it takes to serve. Such a device completes
//! I/O at a fixed pace, its limit (a cloud disk's IOPS or throughput for its category and size,
//! a cgroup's io.max, the backing store of a loop device), and everything behind it queues: the
//! IOPS and throughput it reaches are that limit. Read from /proc/diskstats at both ends of the
//! shared window (the same reads as `disk.io.latency`); whole devices only, partitions are
//! counted in their disk. On a fixture root there is no window and nothing is judged.

use super::diskstats::{Delta, delta, no_disks, rate, whole_devices};
use crate::host::sample::DiskStat;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Requests that must stand in the queue at both ends of the window.
    pub min_queue: u64,
    /// Utilisation (share of the window with I/O in flight) from which a device is saturated.
    pub min_util_percent: f64,
    /// How many times its service time an I/O must wait for the queue to be the device's pace.
    pub wait_factor: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params { min_queue: 4, min_util_percent: 95.0, wait_factor: 4.0 }
    }
}

pub const FIELDS: &[Field] = &[
    Field::num("iops", "1/s", "reads and writes completed per second over the window"),
    Field::num("mb_per_s", "", "megabytes (10^6 bytes) read and written per second over the window"),
    Field::num("util_percent", "%", "share of the window the device had I/O in flight"),
    Field::num("queue_start", "", "I/Os in flight at the start of the window"),
    Field::num("queue_end", "", "I/Os in flight at the end of the window"),
    Field::num("await_ms", "ms", "average time an I/O waited and was served"),
    Field::num("service_ms", "ms", "average time the device was busy per I/O (busy time over I/Os)"),
    Field::flag("at_ceiling", "1 when the device is saturated with a standing queue: its rate is its limit"),
    Field::num("devices", "", "devices measured"),
    Field::num("window_ms", "ms", "the length of the sampling window"),
];

/// Devices that hold no data of their own to limit (RAM disks, CD drives, floppies).
const IGNORED_PREFIXES: &[&str] = &["ram", "zram", "sr", "fd"];

/// One device between two readings `secs` apart.
pub fn judge(a: &DiskStat, b: &DiskStat, secs: f64, p: &Params) -> Observation {
    let d = delta(a, b, secs);
    let Delta { ios, wait_ms, busy_ms, await_ms, util_percent: util, .. } = d;
    let sectors = d.read_sectors + d.write_sectors;
    let service_ms = if ios == 0 { 0.0 } else { (busy_ms as f64 / ios as f64 * 10.0).round() / 10.0 };
    let at_ceiling = ios > 0
        && util >= p.min_util_percent
        && a.in_flight >= p.min_queue
        && b.in_flight >= p.min_queue
        && await_ms >= p.wait_factor * service_ms.max(0.1);
    let iops = rate(ios, secs);
    let mb = (sectors as f64 * 512.0 / secs / 1e6 * 100.0).round() / 100.0;
    Observation::new(format!("/dev/{}", b.name))
        .num("iops", iops)
        .num("mb_per_s", mb)
        .num("util_percent", util)
        .num("queue_start", a.in_flight as f64)
        .num("queue_end", b.in_flight as f64)
        .num("await_ms", await_ms)
        .num("service_ms", service_ms)
        .num("window_ms", (secs * 1000.0).round())
        .flag("at_ceiling", at_ceiling)
        .evidence(format!(
            "/proc/diskstats {}: {} I/Os in flight at the start of the window, {} at its end",
            b.name, a.in_flight, b.in_flight
        ))
        .evidence(format!(
            "/proc/diskstats {} over {:.0} ms: {ios} I/Os ({} reads, {} writes), {sectors} sectors, {busy_ms} ms busy, {wait_ms} ms waiting",
            b.name,
            secs * 1000.0,
            d.reads,
            d.writes
        ))
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let w = ctx.window();
    if w.second.disks.is_empty() {
        return Err(no_disks(ctx));
    }
    let is_whole = whole_devices(ctx);
    let mut items = Vec::new();
    let mut measured = 0;
    for b in w.second.disks.iter().filter(|d| !IGNORED_PREFIXES.iter().any(|p| d.name.starts_with(p))) {
        if !is_whole(&b.name) {
            continue;
        }
        measured += 1;
        // No rate without a window (a fixture root) or without I/O: nothing to judge.
        let Some(a) = w.first.disks.iter().find(|d| d.name == b.name) else { continue };
        if w.seconds <= 0.0 || b.reads + b.writes == a.reads + a.writes {
            continue;
        }
        items.push(judge(a, b, w.seconds, params));
    }
    items.insert(
        0,
        Observation::new("disks").num("devices", measured as f64).num("window_ms", (w.seconds * 1000.0).round()),
    );
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(writes: u64, write_ms: u64, in_flight: u64, io_ms: u64) -> DiskStat {
        DiskStat {
            name: "vdb".into(),
            writes,
            write_sectors: writes * 128,
            write_ms,
            in_flight,
            io_ms,
            ..Default::default()
        }
    }

    #[test]
    fn a_busy_device_with_a_standing_queue_is_at_its_ceiling() {
        let p = Params::default();
        // 8 writes of 64 KiB in 200 ms, busy the whole time, 8 waiting at both ends, each
        // waiting 200 ms to be served in 25.
        let o = judge(&stat(100, 1000, 8, 5000), &stat(108, 2600, 8, 5200), 0.2, &p);
        let v = |k: &str| o.values[k].as_num().unwrap_or(-1.0);
        assert_eq!((v("iops"), v("util_percent"), v("await_ms"), v("service_ms")), (40.0, 100.0, 200.0, 25.0));
        assert_eq!(v("mb_per_s"), 2.62);
        assert_eq!(v("at_ceiling"), 1.0);
        // The same rate with a queue that drained: not held at a ceiling.
        let o = judge(&stat(100, 1000, 8, 5000), &stat(108, 2600, 0, 5200), 0.2, &p);
        assert_eq!(o.values["at_ceiling"].as_num(), Some(0.0));
        // Busy but every I/O served at once (no waiting in a queue): a fast disk working hard.
        let o = judge(&stat(100, 1000, 8, 5000), &stat(2100, 1400, 8, 5200), 0.2, &p);
        assert_eq!(o.values["at_ceiling"].as_num(), Some(0.0));
        // Idle half the window.
        let o = judge(&stat(100, 1000, 8, 5000), &stat(108, 2600, 8, 5100), 0.2, &p);
        assert_eq!(o.values["at_ceiling"].as_num(), Some(0.0));
    }
}
