//! The connection tracking table (nf_conntrack): how full it is (count against max, this network
//! namespace's), how many packets it dropped since boot (/proc/net/stat/nf_conntrack, `drop` summed
//! over CPUs: a new connection that found the table full is dropped and counted there), and the
//! kernel's "nf_conntrack: table full, dropping packet" lines from the shared kernel-log scan.
//! When the table is full, new connections are silently dropped: the server looks unreachable
//! under load while established connections still work.
//!
//! A table-full line older than the size now in force is history: when the boot file that sets
//! nf_conntrack_max (the one in force: its value is the kernel's) was written after the last such
//! line, the table was raised since (`raised_after_full`, with the file and when it was written).

use crate::host::Host;
use crate::host::sysctl::Config;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("entries", "", "connections tracked now (nf_conntrack_count)"),
    Field::num("max", "", "the table's size (nf_conntrack_max)"),
    Field::num("used_percent", "%", "how full the table is"),
    Field::num("drops", "", "packets dropped because the table was full (summed over CPUs)"),
    Field::num("table_full_events", "", "\"table full, dropping packet\" lines in the kernel log"),
    Field::text("last_table_full", "when the last of those was logged"),
    Field::text("last_table_full_when", "the same with how long ago (\"2026-11-20T03:00:00Z (3 days ago)\")"),
    Field::num("table_full_age_hours", "hours", "hours since the last of those lines"),
    Field::flag("table_full_time_known", "1 when the last of those lines has a time"),
    Field::flag(
        "raised_after_full",
        "1 when the file setting the nf_conntrack_max in force was written after the last of those lines",
    ),
    Field::text("raised_by", "that file's line and when it was written"),
];

const COUNT: &str = "/proc/sys/net/netfilter/nf_conntrack_count";
const MAX: &str = "/proc/sys/net/netfilter/nf_conntrack_max";
const STAT: &str = "/proc/net/stat/nf_conntrack";
/// What the kernel logs (rate-limited) when it drops a packet because the table is full:
/// "nf_conntrack: table full, dropping packet", or since Linux 6.x "table full in netns N,
/// dropping packet"; both begin with this and end with [`DROPPING`].
pub const TABLE_FULL: &str = "nf_conntrack: table full";
pub const DROPPING: &str = "dropping packet";

/// The network namespace a table-full line names (Linux 6.x: "table full in netns N, ...").
pub fn netns_of(line: &str) -> Option<u64> {
    let at = line.find(TABLE_FULL)? + TABLE_FULL.len();
    line[at..].strip_prefix(" in netns ")?.split(',').next()?.trim().parse().ok()
}

/// Whether a table-full line is about this system's table, as the examined network namespace
/// sees it. The kernel log is the whole kernel's and namespace numbers are used again once a
/// namespace is gone, so in a namespace other than the initial one a line that names a namespace
/// counts only when it names this one and this one's conntrack has dropped packets (its counter
/// starts at 0 with the namespace: a line about an earlier namespace of the same number does not
/// count); the initial namespace (the host) counts every namespace's lines, and a line that names
/// none (before Linux 6.x) always counts.
fn about_us(line: &str, own: Option<u64>, initial: Option<u64>, drops: Option<u64>) -> bool {
    match (netns_of(line), own) {
        (None, _) | (_, None) => true,
        _ if own == initial => true,
        (Some(n), Some(o)) => n == o && drops.is_some_and(|d| d > 0),
    }
}

/// Whether a kernel log line is conntrack's "table full".
pub fn is_table_full(line: &str) -> bool {
    line.find(TABLE_FULL).is_some_and(|at| line[at..].contains(DROPPING))
}

/// Sums the `drop` column over the per-CPU lines of /proc/net/stat/nf_conntrack (hex values).
pub fn stat_drops(text: &str) -> Option<u64> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split_whitespace().collect();
    let col = header.iter().position(|h| *h == "drop")?;
    let mut sum = 0u64;
    for l in lines {
        let v = l.split_whitespace().nth(col).and_then(|x| u64::from_str_radix(x, 16).ok())?;
        sum = sum.saturating_add(v);
    }
    Some(sum)
}

/// The boot file's line that sets nf_conntrack_max to `max`, the value in force, and when the
/// file was written, when that is after `event`.
fn raised_after(host: &Host, max: f64, event: jiff::Timestamp) -> Option<String> {
    let config = Config::read(host);
    let a = ["net.netfilter.nf_conntrack_max", "net.nf_conntrack_max"]
        .iter()
        .filter_map(|k| config.setter(k))
        .max_by_key(|a| config.assignments.iter().position(|b| std::ptr::eq(*a, b)))?;
    if a.value.parse::<f64>().ok()? != max {
        return None;
    }
    let written = std::fs::metadata(host.path(&a.file)).ok()?.modified().ok()?;
    let written = jiff::Timestamp::try_from(written).ok()?;
    (written > event).then(|| format!("{} (written {})", a.evidence(), crate::fmt::show(written)))
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let num =
        |p: &str| ctx.host.read_line(p).and_then(|l| l.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0);
    let (count, max) = (num(COUNT), num(MAX));
    let mut o = Observation::new("nf_conntrack");
    let loaded = count.is_some() && max.is_some();
    if let (Some(c), Some(m)) = (count, max) {
        o = o.num("entries", c).num("max", m).field_evidence("used_percent", format!("{COUNT}: {c}, {MAX}: {m}"));
        if m > 0.0 {
            o = o.num("used_percent", (c * 1000.0 / m).round() / 10.0);
        }
    }
    let drops = ctx.host.read_optional(STAT).ok().flatten().and_then(|stat| stat_drops(&stat.text));
    if let Some(d) = drops {
        o = o.num("drops", d as f64).field_evidence("drops", format!("{STAT}: drop = {d} (summed over CPUs)"));
    }
    // Which namespace this is, on a live system (a root's log is its own).
    let (own, initial) = if ctx.host.is_live() {
        (crate::host::sysctl::own_netns(), crate::host::sysctl::initial_netns())
    } else {
        (None, None)
    };
    let mut full = 0usize;
    match ctx.kernel_log() {
        Ok(log) => {
            let mut last = None;
            for line in log.lines.iter().filter(|l| is_table_full(&l.text) && about_us(&l.text, own, initial, drops)) {
                full += 1;
                last = Some(line);
            }
            if let Some(l) = last {
                o = o
                    .field_evidence("table_full_events", l.evidence.clone())
                    .field_evidence("table_full_age_hours", l.evidence.clone())
                    .flag("table_full_time_known", l.time.is_some());
                let raised = l.time.zip(max).and_then(|(t, m)| raised_after(&ctx.host, m, t));
                o = o.flag("raised_after_full", raised.is_some());
                if let Some(r) = raised {
                    o = o.text("raised_by", r.clone()).field_evidence("raised_after_full", r);
                }
                if let Some(t) = l.time {
                    let now = jiff::Timestamp::now();
                    o = o
                        .text("last_table_full", crate::fmt::show(t))
                        .word("last_table_full_when", crate::probe::kernel::when(t, now))
                        .num("table_full_age_hours", crate::fmt::age_hours(t, now))
                        .since(Some(crate::fmt::show(t)));
                }
            }
            o = o.num("table_full_events", full as f64);
        }
        Err(e) => o = o.evidence(format!("kernel log not examined: {e}")),
    }
    if !loaded && full == 0 {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipNoConntrack).arg("path", COUNT)));
    }
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_summed_over_cpus() {
        let t = "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n\
0000001a  00000000 00000000 00000000 00000003 00000000 00000000 00000000 00000000 00000000 0000000a 00000000 00000000  00000000 00000000 00000000 00000000\n\
0000001a  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000005 00000000 00000000  00000000 00000000 00000000 00000000\n";
        assert_eq!(stat_drops(t), Some(15));
        assert_eq!(stat_drops("garbage"), None);
        assert_eq!(stat_drops("drop\nzz\n"), None);
        assert_eq!(stat_drops(""), None);
    }

    #[test]
    fn table_full_lines_of_old_and_new_kernels() {
        assert!(is_table_full("nf_conntrack: nf_conntrack: table full, dropping packet"));
        assert!(is_table_full("nf_conntrack: nf_conntrack: table full in netns 4026532174, dropping packet"));
        assert!(!is_table_full("nf_conntrack: table full in netns 1"));
        assert!(!is_table_full("dropping packet: nf_conntrack: table full"));
    }

    #[test]
    fn a_namespace_counts_its_own_table_full_lines_and_the_host_everyone_s() {
        let old = "nf_conntrack: nf_conntrack: table full, dropping packet";
        let ours = "nf_conntrack: nf_conntrack: table full in netns 4026532174, dropping packet";
        let other = "nf_conntrack: nf_conntrack: table full in netns 4026532999, dropping packet";
        assert_eq!(netns_of(ours), Some(4026532174));
        assert_eq!(netns_of(old), None);
        let (own, initial) = (Some(4026532174), Some(4026531840));
        assert!(about_us(old, own, initial, Some(0)), "a line of an older kernel names no namespace");
        assert!(about_us(ours, own, initial, Some(3)));
        assert!(!about_us(ours, own, initial, Some(0)), "no drop here: an earlier namespace of that number");
        assert!(!about_us(other, own, initial, Some(3)));
        assert!(about_us(other, initial, initial, Some(0)), "the host sees its namespaces' tables");
        assert!(about_us(other, None, initial, None), "not live: every line");
    }
}
