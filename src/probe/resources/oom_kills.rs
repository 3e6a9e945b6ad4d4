//! Processes the kernel's OOM killer ended, from the kernel log: one observation per process
//! name, with how often, when first and last, the last pid and how much memory it held.

use crate::host::klog::group::Group;
use crate::host::klog::guarded::{Guard, Guarded};
use crate::probe::Field;
use crate::probe::kernel::{GroupObservation, log_summary, note_truncation};
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("times", "", "how many times the event is in the log"),
    Field::num("pid", "", "the process id of the last kill"),
    Field::text("first_time", "when it was first seen"),
    Field::text("last_time", "when it was last seen"),
    Field::num("age_hours", "hours", "hours since it was last seen (-1 when the time is unknown)"),
    Field::flag("time_known", "1 when the log gave the event a time"),
    Field::text("last_when", "when it was last seen and how long ago (\"2026-11-20T03:00:00Z (3 days ago)\")"),
    Field::text("boot_time", "when the system booted (/proc/stat btime), if known"),
    Field::num("uptime_s", "s", "seconds since the system booted, if known"),
    Field::num("rss_bytes", "bytes", "the killed process's resident memory"),
    Field::num("total_vm_bytes", "bytes", "its virtual memory"),
    Field::flag("cgroup", "1 when a memory cgroup's limit killed it, not the whole system's memory"),
    Field::num("events", "", "events found in the kernel log"),
    Field::num("scanned_lines", "", "kernel-log lines read"),
    Field::text("source", "where the kernel log came from (/dev/kmsg, journalctl, /var/log/kern.log)"),
];

/// One OOM kill as the kernel logs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Kill {
    pub pid: u32,
    pub name: String,
    /// anon + file + shmem resident memory, bytes (only on the "Killed process" line).
    pub rss_bytes: Option<u64>,
    pub total_vm_bytes: Option<u64>,
    /// Killed because a memory cgroup (container, systemd slice) hit its limit.
    pub cgroup: bool,
}

/// `Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:4000000kB, file-rss:0kB,
/// shmem-rss:0kB, UID:0 ...`; older kernels: `Out of memory: Kill process 4242 (java) score 900 or
/// sacrifice child` followed by `Killed process 4242 (java) total-vm:...`.
pub fn parse(text: &str) -> Option<Kill> {
    // Compiled when a line first has the literal ([`Guarded`]).
    static RE: Guarded =
        Guarded::new(r"\bKill(?:ed)? process (\d+) \((.*?)\)", Guard::AnyOf(&["Kill process ", "Killed process "]));
    static KB: Guarded = Guarded::new(r"([a-z-]+):(\d+)kB", Guard::AnyOf(&["kB"]));
    let caps = RE.captures(text)?;
    let pid = caps[1].parse().ok()?;
    let name = caps[2].to_string();
    let mut fields = BTreeMap::new();
    if let Some(kb) = KB.for_text(text) {
        for c in kb.captures_iter(text) {
            if let Ok(v) = c[2].parse::<u64>() {
                fields.insert(c[1].to_string(), v.saturating_mul(1024));
            }
        }
    }
    let rss = ["anon-rss", "file-rss", "shmem-rss"]
        .iter()
        .filter_map(|k| fields.get(*k))
        .copied()
        .reduce(u64::saturating_add);
    Some(Kill {
        pid,
        name,
        rss_bytes: rss,
        total_vm_bytes: fields.get("total-vm").copied(),
        cgroup: text.contains("Memory cgroup out of memory") || text.contains("memory cgroup"),
    })
}

struct PerProcess {
    group: Group,
    last: Kill,
    last_time: Option<Timestamp>,
    cgroup: bool,
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let log = ctx.kernel_log()?;
    let now = Timestamp::now();
    let mut by_name: BTreeMap<String, PerProcess> = BTreeMap::new();
    for line in &log.lines {
        let Some(kill) = parse(&line.text) else { continue };
        let p = by_name.entry(kill.name.clone()).or_insert_with(|| PerProcess {
            group: Group::new(&kill.name),
            last: kill.clone(),
            last_time: None,
            cgroup: false,
        });
        // "Kill process N" then "Killed process N" is one kill told twice (older kernels).
        let same_kill = p.group.count > 0
            && p.last.pid == kill.pid
            && match (p.last_time, line.time) {
                (Some(a), Some(b)) => (b.as_second() - a.as_second()).abs() <= 10,
                _ => true,
            };
        if same_kill {
            p.group.add_line(line);
        } else {
            p.group.add(line);
        }
        p.cgroup |= kill.cgroup;
        if !same_kill || kill.rss_bytes.is_some() {
            p.last = kill;
        }
        p.last_time = line.time.or(p.last_time);
    }
    let events: u64 = by_name.values().map(|p| p.group.count).sum();
    let mut items = vec![log_summary(&log, events as usize)];
    for p in by_name.values() {
        let mut o: Observation = p.group.observation(now).num("pid", p.last.pid as f64).flag("cgroup", p.cgroup);
        if let Some(rss) = p.last.rss_bytes {
            o = o.num("rss_bytes", rss as f64);
        }
        if let Some(vm) = p.last.total_vm_bytes {
            o = o.num("total_vm_bytes", vm as f64);
        }
        items.push(note_truncation(o, &log));
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kill_lines() {
        let k = parse("Out of memory: Killed process 4242 (java) total-vm:8000kB, anon-rss:4000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:10kB oom_score_adj:0").unwrap();
        assert_eq!((k.pid, k.name.as_str()), (4242, "java"));
        assert_eq!(k.rss_bytes, Some(4100 * 1024));
        assert_eq!(k.total_vm_bytes, Some(8000 * 1024));
        assert!(!k.cgroup);
        let k = parse("Memory cgroup out of memory: Killed process 7 (my app) total-vm:1kB").unwrap();
        assert_eq!(k.name, "my app");
        assert!(k.cgroup);
        let k = parse("Out of memory: Kill process 9 (php-fpm) score 900 or sacrifice child").unwrap();
        assert_eq!((k.pid, k.rss_bytes), (9, None));
        assert!(parse("Killed process x (y)").is_none());
        assert!(parse("oom_reaper: reaped process 4242 (java)").is_none());
    }
}
