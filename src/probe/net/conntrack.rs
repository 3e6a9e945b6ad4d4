//! The connection tracking table (nf_conntrack): how full it is (count against max, this network
//! namespace's), how many packets it dropped since boot (/proc/net/stat/nf_conntrack, `drop` summed
//! over CPUs: a new connection that found the table full is dropped and counted there), and the
//! kernel's "nf_conntrack: table full, dropping packet" lines from the shared kernel-log scan.
//! When the table is full, new connections are silently dropped: the server looks unreachable
//! under load while established connections still work.

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("count", "", "connections tracked now (nf_conntrack_count)"),
    Field::num("max", "", "the table's size (nf_conntrack_max)"),
    Field::num("used_percent", "%", "how full the table is"),
    Field::num("drops", "", "packets dropped because the table was full (summed over CPUs)"),
    Field::num("table_full_events", "", "\"table full, dropping packet\" lines in the kernel log"),
    Field::text("last_table_full", "when the last of those was logged"),
    Field::text("last_table_full_when", "the same with how long ago (\"2026-11-20T03:00:00Z (3 days ago)\")"),
    Field::num("table_full_age_hours", "hours", "hours since the last of those lines"),
    Field::flag("table_full_time_known", "1 when the last of those lines has a time"),
];

const COUNT: &str = "/proc/sys/net/netfilter/nf_conntrack_count";
const MAX: &str = "/proc/sys/net/netfilter/nf_conntrack_max";
const STAT: &str = "/proc/net/stat/nf_conntrack";
/// What the kernel logs (rate-limited) when it drops a packet because the table is full.
pub const TABLE_FULL: &str = "table full, dropping packet";

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

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let num =
        |p: &str| ctx.host.read_line(p).and_then(|l| l.parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0);
    let (count, max) = (num(COUNT), num(MAX));
    let mut o = Observation::new("nf_conntrack");
    let loaded = count.is_some() && max.is_some();
    if let (Some(c), Some(m)) = (count, max) {
        o = o.num("count", c).num("max", m).field_evidence("used_percent", format!("{COUNT}: {c}, {MAX}: {m}"));
        if m > 0.0 {
            o = o.num("used_percent", (c * 1000.0 / m).round() / 10.0);
        }
    }
    if let Some(stat) = ctx.host.read_optional(STAT).ok().flatten()
        && let Some(d) = stat_drops(&stat.text)
    {
        o = o.num("drops", d as f64).field_evidence("drops", format!("{STAT}: drop = {d} (summed over CPUs)"));
    }
    let mut full = 0usize;
    match ctx.kernel_log() {
        Ok(log) => {
            let mut last = None;
            for line in log.lines.iter().filter(|l| l.text.contains(TABLE_FULL)) {
                full += 1;
                last = Some(line);
            }
            if let Some(l) = last {
                o = o
                    .field_evidence("table_full_events", l.evidence.clone())
                    .field_evidence("table_full_age_hours", l.evidence.clone())
                    .flag("table_full_time_known", l.time.is_some());
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
}
