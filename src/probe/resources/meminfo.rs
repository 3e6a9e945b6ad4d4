//! Memory and swap from /proc/meminfo.
//!
//! Parsed here rather than with procfs-core: its parser demands fields that older kernels and
//! containers lack (Active, SwapCached, ...) and reports bad input as a "procfs bug"; a
//! diagnosis needs a few fields and a plain message naming the one that is missing.

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("total_bytes", "bytes", "memory (MemTotal)"),
    Field::num("available_bytes", "bytes", "memory available without swapping (MemAvailable)"),
    Field::num("available_percent", "%", "available as a share of total"),
    Field::num("swap_total_bytes", "bytes", "swap space"),
    Field::num("swap_used_bytes", "bytes", "swap in use"),
    Field::num("swap_used_percent", "%", "swap in use as a share of swap"),
    Field::num("psi_some_avg10", "%", "memory pressure: share of the last 10 s some task stalled on memory"),
    Field::num("psi_some_avg60", "%", "the same over the last 60 s"),
    Field::num("psi_full_avg60", "%", "share of the last 60 s all tasks stalled on memory"),
];

const PSI: &str = "/proc/pressure/memory";

const PATH: &str = "/proc/meminfo";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if let Some(skip) = ctx.kernel_state_absent(PATH) {
        return Err(skip);
    }
    let file = ctx.read_once(PATH)?;
    let m = parse(&file.text);
    let get = |k: &str| m.get(k).copied();
    let total = get("MemTotal")
        .filter(|t| *t > 0)
        .ok_or_else(|| ProbeError::failed("EINVAL", Said::new(Msg::FailNoMemTotal).arg("path", PATH)))?;
    // MemAvailable appeared in Linux 3.14; before it, free + page cache + buffers is the estimate.
    let available = match get("MemAvailable") {
        Some(a) => a,
        None => match (get("MemFree"), get("Cached"), get("Buffers")) {
            (Some(f), c, b) => f + c.unwrap_or(0) + b.unwrap_or(0),
            _ => {
                return Err(ProbeError::failed("EINVAL", Said::new(Msg::FailNoMemAvailable).arg("path", PATH)));
            }
        },
    };
    let swap_total = get("SwapTotal").unwrap_or(0);
    let mut o = Observation::new("memory")
        .num("total_bytes", total as f64)
        .num("available_bytes", available as f64)
        .num("available_percent", (available as f64 * 1000.0 / total as f64).round() / 10.0)
        .num("swap_total_bytes", swap_total as f64)
        .evidence(format!("{PATH}: MemTotal: {} kB", total / 1024))
        .evidence(format!("{PATH}: MemAvailable: {} kB", available / 1024));
    if swap_total > 0 {
        let used = swap_total.saturating_sub(get("SwapFree").unwrap_or(0));
        o = o
            .num("swap_used_bytes", used as f64)
            .num("swap_used_percent", (used as f64 * 1000.0 / swap_total as f64).round() / 10.0);
    }
    // Pressure stall information (Linux 4.20+, psi=1): the share of time tasks waited for memory.
    if let Ok(p) = ctx.host.read(PSI) {
        use crate::host::pressure::psi_avg;
        let mut any = false;
        for (name, kind, field) in [
            ("psi_some_avg10", "some", "avg10"),
            ("psi_some_avg60", "some", "avg60"),
            ("psi_full_avg60", "full", "avg60"),
        ] {
            if let Some(v) = psi_avg(&p.text, kind, field) {
                o = o.num(name, v);
                any = true;
            }
        }
        if any {
            for line in p.text.lines().take(2) {
                o = o.field_evidence("psi_some_avg60", format!("{PSI}: {line}"));
            }
        }
    }
    if let Some(used) = o.values.get("swap_used_percent").and_then(|v| v.as_num()) {
        o = o.field_evidence("swap_used_percent", format!("{PATH}: SwapTotal: {} kB, {used}% used", swap_total / 1024));
    }
    Ok(Observations::of(vec![o]))
}

/// `Key:   123 kB` lines into bytes; lines that do not parse are left out.
fn parse(text: &str) -> HashMap<&str, u64> {
    let mut map = HashMap::new();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else { continue };
        let mut words = rest.split_whitespace();
        let Some(Ok(value)) = words.next().map(str::parse::<u64>) else { continue };
        let bytes = match words.next() {
            Some("kB") => value.saturating_mul(1024),
            None => value,
            Some(_) => continue,
        };
        map.insert(key.trim(), bytes);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_skips_garbage() {
        let m = parse("MemTotal: 100 kB\nMemFree:   12\u{fffd} garbage\nMemAvail\nHugePages_Total: 0\n");
        assert_eq!(m.get("MemTotal"), Some(&102400));
        assert_eq!(m.get("MemFree"), None);
        assert_eq!(m.get("HugePages_Total"), Some(&0));
    }
}
