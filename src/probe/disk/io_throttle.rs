//! A disk held at a ceiling: busy the whole sampling window with requests standing in its queue
//! at both ends of it, each waiting far longer than it takes to serve. Such a device completes
//! I/O at a fixed pace, its limit (a cloud disk's IOPS or throughput for its category and size,
//! a cgroup's io.max, the backing store of a loop device), and everything behind it queues: the
//! IOPS and throughput it reaches are that limit. Read from /proc/diskstats at both ends of the
//! shared window (the same reads as `disk.io.latency`); whole devices only, partitions are
//! counted in their disk. On a fixture root there is no window and nothing is judged.
//!
//! For a device held at a ceiling, and only then, the ECS API is asked which cloud disk it is
//! (`DescribeDisks`, through the gate every API call passes: [`crate::probe::cloud::ecs_access`];
//! no request without the cloud detected and credentials, none with `--offline`): its category,
//! size and the limit Alibaba publishes for them ([`crate::cloud::disks`]). A ceiling at that
//! limit is the disk's own ("resize it or raise its performance level"); one well below it is set
//! elsewhere (the instance type, a cgroup). Without credentials the finding names the permission
//! that would let it look.

use super::diskstats::{Delta, delta, no_disks, rate, whole_devices};
use crate::cloud::disks::{self, Disk};
use crate::cloud::ecs;
use crate::host::sample::DiskStat;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::cloud::ecs_access::{self, Denied};
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
    /// Share of a cloud disk's published IOPS or throughput limit from which a ceiling is that
    /// limit (a 200 ms window measures a throttled pace to within a few percent; a ceiling far
    /// below the limit is set by something else).
    pub at_limit_percent: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params { min_queue: 4, min_util_percent: 95.0, wait_factor: 4.0, at_limit_percent: 80.0 }
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
    Field::text("limit", "what sets the ceiling, as far as the cloud disk's category tells (or why it is not known)"),
    Field::text("disk_id", "the cloud disk the device is (DescribeDisks)"),
    Field::text("category", "the cloud disk's category and performance level as the console names it"),
    Field::num("size_gib", "", "the cloud disk's size in GiB"),
    Field::num("limit_iops", "1/s", "the IOPS limit published for the disk's category and size"),
    Field::num("limit_mb_per_s", "", "the throughput limit (MB/s) published for the disk's category and size"),
    Field::flag("at_disk_limit", "1 when the ceiling is the cloud disk's own published limit"),
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
    if items.iter().any(held) {
        cloud_limits(ctx, params, &mut items);
    }
    items.insert(
        0,
        Observation::new("disks").num("devices", measured as f64).num("window_ms", (w.seconds * 1000.0).round()),
    );
    Ok(Observations::of(items))
}

/// Whether `o` is a device held at a ceiling.
fn held(o: &Observation) -> bool {
    o.values.get("at_ceiling").and_then(crate::probe::Value::as_num) == Some(1.0)
}

/// The limit sentence when the disk's category is not known: what may cap it.
fn unknown() -> Said {
    Said::new(Msg::ThrottleLimitUnknown)
}

/// Tells each device held at a ceiling what its cloud disk's category says of it: one
/// `DescribeDisks` call for all of them, or why there was none.
fn cloud_limits(ctx: &ProbeContext, p: &Params, items: &mut [Observation]) {
    let said = |items: &mut [Observation], s: Said| {
        for o in items.iter_mut().filter(|o| held(o)) {
            *o = std::mem::take(o).word("limit", s.clone());
        }
    };
    let access = match ecs_access::access(ctx) {
        Ok(a) => a,
        Err(Denied::NotCloud(_)) => return said(items, unknown()),
        Err(Denied::Offline) => return said(items, Said::new(Msg::ThrottleLimitOffline)),
        Err(Denied::NoCredentials(why)) => {
            let s = Said::new(Msg::ThrottleLimitNoCredentials)
                .arg("detail", crate::redact::redact(&why))
                .arg("actions", ecs::DISK_ACTIONS.join(", "));
            return said(items, s);
        }
        Err(Denied::Metadata { error, .. } | Denied::Api { error, .. }) => {
            return said(items, Said::new(Msg::ThrottleLimitFailed).arg("error", error));
        }
    };
    let ecs_access::Access { instance, region, mut creds, client, endpoints } = access;
    let mut evidence = Vec::new();
    let outcome = ecs::on_endpoints(&client, &endpoints, &mut creds, ctx.deadline, &mut evidence, |api| {
        api.instance_disks(&instance, &region)
    });
    let list = match outcome {
        Ok(list) => list,
        Err(ecs::ApiError::Forbidden { action, code, .. }) => {
            let s = Said::new(Msg::ThrottleLimitForbidden)
                .arg("who", creds.principal())
                .arg("action", format!("ecs:{action}"))
                .arg("code", code)
                .arg("actions", ecs::DISK_ACTIONS.join(", "));
            said(items, s);
            return add_evidence(items, &evidence);
        }
        Err(e) => {
            said(items, Said::new(Msg::ThrottleLimitFailed).arg("error", crate::redact::redact(&e.to_string())));
            return add_evidence(items, &evidence);
        }
    };
    for o in items.iter_mut().filter(|o| held(o)) {
        let name = o.subject.trim_start_matches("/dev/").to_string();
        let serial = serial(ctx, &name);
        *o = match disks::find(&list, &name, serial.as_deref()) {
            Some(d) => judge_disk(std::mem::take(o), d, p),
            None => {
                let seen = match &serial {
                    Some(s) => format!("serial {s}, {name}"),
                    None => format!("no serial, {name}"),
                };
                std::mem::take(o).word("limit", Said::new(Msg::ThrottleLimitUnmatched).arg("seen", seen))
            }
        };
    }
    add_evidence(items, &evidence);
}

fn add_evidence(items: &mut [Observation], evidence: &[String]) {
    for o in items.iter_mut().filter(|o| held(o)) {
        o.evidence.extend(evidence.iter().cloned());
    }
}

/// The serial the guest reads for device `name`: a virtio disk's /sys/block/NAME/serial, an
/// NVMe namespace's controller serial (/sys/block/NAME/device/serial).
fn serial(ctx: &ProbeContext, name: &str) -> Option<String> {
    ["serial", "device/serial"]
        .iter()
        .find_map(|f| ctx.host.read_line(&format!("/sys/block/{name}/{f}")))
        .filter(|s| !s.is_empty())
}

/// A measured ceiling against the published limit of disk `d`.
pub fn judge_disk(mut o: Observation, d: &Disk, p: &Params) -> Observation {
    let size = crate::fmt::format_num(d.size_gib);
    o = o.text("disk_id", d.id.clone()).num("size_gib", d.size_gib).evidence(format!(
        "DescribeDisks: {} {}{} {size} GiB{}{}{}",
        d.id,
        d.category,
        d.performance_level.as_deref().map(|l| format!(" {l}")).unwrap_or_default(),
        d.kind.as_deref().map(|k| format!(", {k} disk")).unwrap_or_default(),
        d.device.as_deref().map(|v| format!(", attached as {v}")).unwrap_or_default(),
        if d.category == "cloud_auto" {
            format!(", provisioned {} IOPS, burst {}", d.provisioned_iops, if d.bursting { "on" } else { "off" })
        } else {
            String::new()
        },
    ));
    let Some(limit) = disks::limit(d) else {
        let s = Said::new(Msg::ThrottleLimitNoFormula)
            .arg("disk", d.id.clone())
            .arg("category", d.category.clone())
            .arg("size", size);
        return o.text("category", d.category.clone()).word("limit", s);
    };
    o = o.text("category", limit.label.clone());
    let (Some(iops), Some(mb)) = (limit.iops, limit.mb_per_s) else {
        let s = Said::new(Msg::ThrottleLimitBasic).arg("disk", d.id.clone()).arg("size", size);
        return o.word("limit", s);
    };
    let measured = |k: &str| o.values.get(k).and_then(crate::probe::Value::as_num).unwrap_or(0.0);
    let (share_iops, share_mb) = (measured("iops") / iops.max(1.0), measured("mb_per_s") / mb.max(0.01));
    let at = share_iops.max(share_mb) * 100.0 >= p.at_limit_percent;
    let which = if share_iops >= share_mb {
        format!("{} IOPS", crate::fmt::format_num(iops))
    } else {
        format!("{} MB/s", crate::fmt::format_num(mb))
    };
    o = o.num("limit_iops", iops).num("limit_mb_per_s", mb).flag("at_disk_limit", at).evidence(format!(
        "{} limit for {size} GiB (Alibaba Cloud block storage performance): {} IOPS, {} MB/s; this ceiling is {:.0} % and {:.0} % of them",
        limit.label,
        crate::fmt::format_num(iops),
        crate::fmt::format_num(mb),
        share_iops * 100.0,
        share_mb * 100.0
    ));
    let s = if at {
        let advice =
            Said::new(if limit.provisioned { Msg::ThrottleAdviceProvision } else { Msg::ThrottleAdviceResize });
        Said::new(Msg::ThrottleLimitAt)
            .arg("disk", d.id.clone())
            .arg("category", limit.label.clone())
            .arg("size", size)
            .arg("limit", which)
            .nest("advice", advice)
    } else {
        Said::new(Msg::ThrottleLimitBelow)
            .arg("disk", d.id.clone())
            .arg("category", limit.label.clone())
            .arg("size", size)
            .arg("limit_iops", crate::fmt::format_num(iops))
            .arg("limit_mbps", crate::fmt::format_num(mb))
    };
    o.word("limit", s)
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

    /// A device held at 2,040 writes a second against the disk DescribeDisks says it is: at an
    /// ESSD PL0 of 20 GiB's limit, well below a PL1 of 500 GiB's, and the message says which, in
    /// both languages.
    #[test]
    fn the_ceiling_against_the_cloud_disk_limit() {
        let catalog = crate::catalog::Catalog::load(&[]).expect("built-in catalog");
        let check = catalog.get("disk.io.throttle").expect("check");
        let p = Params::default();
        // 4 KiB writes (8 sectors each).
        let small =
            |writes, write_ms, io_ms| DiskStat { write_sectors: writes * 8, ..stat(writes, write_ms, 8, io_ms) };
        let a = small(100, 1000, 5000);
        let ceiling = judge(&a, &small(508, 2600, 5200), 0.2, &p);
        assert_eq!(ceiling.values["iops"].as_num(), Some(2040.0));
        assert!(held(&ceiling));
        let disk = |level: &str, size: f64| Disk {
            id: "d-bp1data".into(),
            category: "cloud_essd".into(),
            performance_level: Some(level.into()),
            size_gib: size,
            device: Some("/dev/xvdb".into()),
            ..Default::default()
        };
        let message = |o: Observation, lang| {
            let r = crate::engine::judge::judge(check, Ok(Observations::of(vec![o])), lang, 0);
            r.findings.first().map(|f| f.message.clone()).unwrap_or_default()
        };
        let at = judge_disk(ceiling.clone(), &disk("PL0", 20.0), &p);
        assert_eq!(at.values["at_disk_limit"].as_num(), Some(1.0));
        let m = message(at.clone(), crate::i18n::Lang::En);
        assert!(
            m.ends_with(
                "; this disk (d-bp1data: ESSD PL0, 20 GiB) is at its ESSD PL0 limit of 2040 IOPS: resize it or raise its performance level (ResizeDisk, ModifyDiskSpec; an ESSD Entry, standard SSD or ultra disk can be changed to an ESSD)"
            ),
            "{m}"
        );
        assert!(
            message(at, crate::i18n::Lang::ZhCn).contains("已达到其 ESSD PL0 上限 2040 IOPS：扩容或提升其性能级别")
        );
        let below = judge_disk(ceiling.clone(), &disk("PL1", 500.0), &p);
        assert_eq!(below.values["at_disk_limit"].as_num(), Some(0.0));
        let m = message(below, crate::i18n::Lang::En);
        assert!(
            m.contains("(d-bp1data: ESSD PL1, 500 GiB) may do 26800 IOPS and 350 MB/s, well above this ceiling"),
            "{m}"
        );
        // AutoPL: the advice is its provisioned performance, not a resize.
        let auto = Disk { category: "cloud_auto".into(), performance_level: None, size_gib: 1.0, ..disk("PL0", 1.0) };
        let ceiling = judge(&a, &small(700, 2600, 5200), 0.2, &p);
        assert_eq!(ceiling.values["iops"].as_num(), Some(3000.0));
        let m = message(judge_disk(ceiling, &auto, &p), crate::i18n::Lang::En);
        assert!(m.contains("is at its ESSD AutoPL limit of 3000 IOPS: raise its provisioned IOPS"), "{m}");
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
