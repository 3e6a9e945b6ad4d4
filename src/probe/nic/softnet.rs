//! The kernel's per-CPU receive work (/proc/net/softnet_stat): packets dropped because a CPU's
//! backlog queue was full (net.core.netdev_max_backlog), and how often the receive loop ran out
//! of budget with packets left (time squeeze, net.core.netdev_budget), since boot and during the
//! shared sampling window. One observation per CPU.

use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("window_ms", "ms", "the sampling window"),
    Field::num("processed", "", "packets this CPU processed since boot"),
    Field::num("dropped", "", "packets dropped since boot: the backlog queue was full"),
    Field::num("time_squeeze", "", "times since boot the receive loop ran out of budget with work left"),
    Field::num("squeeze_percent", "%", "time squeezes per 100 packets processed since boot"),
    Field::num("dropped_per_s", "1/s", "backlog drops per second during the window"),
    Field::num("squeeze_per_s", "1/s", "time squeezes per second during the window"),
    Field::num("netdev_max_backlog", "", "net.core.netdev_max_backlog"),
    Field::num("netdev_budget", "", "net.core.netdev_budget"),
];

const PATH: &str = "/proc/net/softnet_stat";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let w = ctx.window();
    if w.second.softnet.is_empty() {
        return Err(ProbeError::Skipped(crate::i18n::Said::new(crate::i18n::Msg::SkipNoProcFile).arg("path", PATH)));
    }
    let sysctl = |k: &str| crate::host::sysctl::current(&ctx.host, k).and_then(|v| v.parse::<f64>().ok());
    let (backlog, budget) = (sysctl("net.core.netdev_max_backlog"), sysctl("net.core.netdev_budget"));
    let window_ms = (w.seconds * 1000.0).round();
    let mut items = Vec::new();
    for s in &w.second.softnet {
        let mut o = Observation::new(format!("cpu{}", s.cpu))
            .num("window_ms", window_ms)
            .num("processed", s.processed as f64)
            .num("dropped", s.dropped as f64)
            .num("time_squeeze", s.time_squeeze as f64)
            .evidence(format!(
                "{PATH}: cpu{}: processed {} dropped {} time_squeeze {}",
                s.cpu, s.processed, s.dropped, s.time_squeeze
            ));
        if s.processed > 0 {
            o = o.num("squeeze_percent", (s.time_squeeze as f64 * 1000.0 / s.processed as f64).round() / 10.0);
        }
        if let Some(b) = backlog {
            o = o.num("netdev_max_backlog", b);
        }
        if let Some(b) = budget {
            o = o.num("netdev_budget", b);
        }
        if w.seconds > 0.0
            && let Some(before) = w.first.softnet.iter().find(|b| b.cpu == s.cpu)
        {
            let per_s = |a: u64, b: u64| (b.saturating_sub(a) as f64 / w.seconds * 10.0).round() / 10.0;
            o = o
                .num("dropped_per_s", per_s(before.dropped, s.dropped))
                .num("squeeze_per_s", per_s(before.time_squeeze, s.time_squeeze));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
