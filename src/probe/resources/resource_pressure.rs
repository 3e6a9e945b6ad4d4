//! One weighted score of how hard the instance is pushed, from the shared sampling window and
//! /proc/buddyinfo:
//!
//! `score = 0.4 × vCPU busy % + 0.3 × memory fragmentation % + 0.2 × busiest disk's utilisation %
//! + 0.1 × busiest NIC's bandwidth use %`
//!
//! A component that cannot be measured (a virtual NIC that reports no link speed, no buddyinfo)
//! is left out and the other weights are scaled up to sum to 1; the report says which.

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("score", "", "the weighted pressure score, 0 to 100"),
    Field::num("cpu_percent", "%", "CPU busy over the window"),
    Field::num("memory_fragmentation_percent", "%", "free memory in blocks too small for large allocations"),
    Field::num("disk_util_percent", "%", "the busiest disk's utilisation over the window"),
    Field::num("network_percent", "%", "the busiest NIC's throughput against its speed"),
    Field::text("components", "the components that could be measured"),
    Field::text("busiest", "the component that weighs most"),
];

/// The weights of the components, in the order of the formula.
pub const WEIGHTS: [(&str, f64); 4] = [("cpu", 0.4), ("memory", 0.3), ("disk", 0.2), ("network", 0.1)];

/// Allocations of this order (16 pages, 64 KiB) and above are the ones fragmentation fails.
const COSTLY_ORDER: usize = 4;

/// Share (percent) of free memory that sits in blocks too small for an order-4 allocation, from
/// /proc/buddyinfo (`Node 0, zone Normal 1234 567 89 ...`, free blocks per order). The DMA zone
/// (16 MiB of legacy memory) is left out.
pub fn fragmentation(buddyinfo: &str) -> Option<f64> {
    let mut small = 0u128;
    let mut total = 0u128;
    for line in buddyinfo.lines() {
        let Some(rest) = line.split("zone").nth(1) else { continue };
        let mut words = rest.split_whitespace();
        if words.next() == Some("DMA") {
            continue;
        }
        for (order, count) in words.enumerate() {
            let Ok(count) = count.parse::<u128>() else { continue };
            let pages = count << order.min(20);
            total += pages;
            if order < COSTLY_ORDER {
                small += pages;
            }
        }
    }
    (total > 0).then(|| (small as f64 * 1000.0 / total as f64).round() / 10.0)
}

/// The weighted score of the components that are known, weights rescaled to sum to 1.
pub fn score(components: &[(&str, Option<f64>)]) -> Option<f64> {
    let mut sum = 0.0;
    let mut weight = 0.0;
    for (name, value) in components {
        let Some(v) = value else { continue };
        let w = WEIGHTS.iter().find(|(n, _)| n == name).map(|(_, w)| *w).unwrap_or(0.0);
        sum += w * v.clamp(0.0, 100.0);
        weight += w;
    }
    (weight > 0.0).then(|| (sum / weight * 10.0).round() / 10.0)
}

/// The busiest NIC's use of its link speed over the window, for NICs that report a speed.
fn network_use(ctx: &ProbeContext) -> Option<(f64, String)> {
    let w = ctx.window();
    if w.seconds <= 0.0 {
        return None;
    }
    let mut best: Option<(f64, String)> = None;
    for (name, (rx2, tx2)) in &w.second.net {
        if name == "lo" {
            continue;
        }
        let Some((rx1, tx1)) = w.first.net.get(name) else { continue };
        let Some(speed) = ctx
            .host
            .read_line(&format!("/sys/class/net/{name}/speed"))
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
        else {
            continue;
        };
        let bytes = rx2.saturating_sub(*rx1).max(tx2.saturating_sub(*tx1)) as f64;
        let pct = (bytes * 8.0 / w.seconds / (speed * 1e6) * 100.0).min(100.0);
        if best.as_ref().is_none_or(|(b, _)| pct > *b) {
            best = Some(((pct * 10.0).round() / 10.0, format!("{name} ({speed} Mb/s)")));
        }
    }
    best
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let w = ctx.window();
    // Rates need time: on a fixture root the window has none, and zeros would only dilute the score.
    let timed = w.seconds > 0.0;
    let cpu = w.cpu_shares().filter(|_| timed).map(|s| s.busy);
    let memory = ctx.host.read("/proc/buddyinfo").ok().and_then(|f| fragmentation(&f.text));
    let disk = {
        let utils: Vec<f64> = w
            .second
            .disks
            .iter()
            .filter(|d| !["loop", "ram", "zram", "sr"].iter().any(|p| d.name.starts_with(p)))
            .filter_map(|b| {
                let a = w.first.disks.iter().find(|a| a.name == b.name)?;
                (w.seconds > 0.0).then(|| (b.io_ms.saturating_sub(a.io_ms) as f64 / (w.seconds * 10.0)).min(100.0))
            })
            .collect();
        if w.second.disks.is_empty() || !timed { None } else { Some(utils.into_iter().fold(0.0, f64::max)) }
    };
    let net = network_use(ctx);
    let components = [("cpu", cpu), ("memory", memory), ("disk", disk), ("network", net.as_ref().map(|n| n.0))];
    // The components' names in words: the score's names stay English (they are WEIGHTS' keys).
    let words = |n: &str| {
        Said::new(match n {
            "cpu" => Msg::ValCpu,
            "memory" => Msg::ValMemory,
            "disk" => Msg::ValDiskWord,
            _ => Msg::ValNetworkWord,
        })
    };
    let Some(total) = score(&components) else {
        return Err(ProbeError::skipped(Msg::SkipNoPressure));
    };
    let known: Vec<Said> = components.iter().filter(|(_, v)| v.is_some()).map(|(n, _)| words(n)).collect();
    let busiest = components
        .iter()
        .filter_map(|(n, v)| Some((*n, (*v)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(n, v)| Said::new(Msg::ValBusiest).nest("component", words(n)).arg("percent", format!("{v:.1}")));
    let mut o = Observation::new("resource pressure")
        .subject_words(Said::new(Msg::ValResourcePressure))
        .num("score", total)
        .word("components", Said::new(Msg::ValItems).words("items", known))
        .word("busiest", busiest.unwrap_or_else(|| Said::new(Msg::ValItems).arg("items", "")))
        .evidence("score = 0.4 × cpu + 0.3 × memory fragmentation + 0.2 × disk utilisation + 0.1 × network (weights of unmeasured components spread over the others)".to_string());
    let show = |v: Option<f64>| v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "not measured".into());
    o = o.evidence(format!("cpu: {} busy over {:.0} ms (/proc/stat)", show(cpu), w.seconds * 1000.0));
    o = o.evidence(format!("memory: {} of free memory in blocks below 64 KiB (/proc/buddyinfo)", show(memory)));
    o = o.evidence(format!("disk: busiest disk {} utilised (/proc/diskstats)", show(disk)));
    o = o.evidence(match &net {
        Some((v, nic)) => format!("network: {nic} at {v:.1}% of its link speed (/proc/net/dev)"),
        None => "network: not measured (no NIC reports a link speed)".to_string(),
    });
    for (name, v) in [("cpu_percent", cpu), ("memory_fragmentation_percent", memory), ("disk_util_percent", disk)] {
        if let Some(v) = v {
            o = o.num(name, (v * 10.0).round() / 10.0);
        }
    }
    if let Some((v, _)) = net {
        o = o.num("network_percent", v);
    }
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragmentation_from_buddyinfo() {
        let healthy = "Node 0, zone      DMA      1      1      1      0      2      1      1      0      1      1      3\n\
                       Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0    100\n";
        assert_eq!(fragmentation(healthy), Some(0.0));
        let fragmented =
            "Node 0, zone   Normal  1000    500      0      0      0      0      0      0      0      0      0\n";
        assert_eq!(fragmentation(fragmented), Some(100.0));
        let mixed = "Node 0, zone   Normal  16 0 0 0 1\n";
        assert_eq!(fragmentation(mixed), Some(50.0));
        assert_eq!(fragmentation("garbage\n"), None);
        assert_eq!(fragmentation(""), None);
    }

    #[test]
    fn weighted_score_rescales_missing_components() {
        assert_eq!(
            score(&[("cpu", Some(100.0)), ("memory", Some(0.0)), ("disk", Some(50.0)), ("network", Some(0.0))]),
            Some(50.0)
        );
        // Without network, cpu/memory/disk weigh 0.4/0.3/0.2 of 0.9.
        assert_eq!(
            score(&[("cpu", Some(90.0)), ("memory", Some(90.0)), ("disk", Some(90.0)), ("network", None)]),
            Some(90.0)
        );
        assert_eq!(score(&[("cpu", None), ("memory", None), ("disk", None), ("network", None)]), None);
        assert_eq!(score(&[("cpu", Some(500.0))]), Some(100.0));
    }
}
