//! The path to each target host (from `--target` and `[net] targets`): a short ICMP trace with
//! trippy-core, per hop address, loss and round trip, judged at the destination only.
//!
//! Routers rate-limit their ICMP time-exceeded replies (Linux: about one a second per source
//! after a small burst), so with rounds shorter than a second intermediate hops show loss that
//! is not there; a destination's echo replies are not limited. The check therefore uses short
//! rounds to fit the network budget and judges only the destination's loss; the hops' figures
//! are reported as metrics and evidence, and `ecs-doctor trace` (1 s rounds) is the tool for
//! per-hop loss.
//!
//! Metric names are stable: `hop_count`, `rounds`, `reached`, `dest_loss_percent`,
//! `dest_rtt_avg_ms`, `dest_rtt_best_ms`, `dest_rtt_worst_ms`, `dest_jitter_ms`, and for hops 1
//! to 16 `hopN_loss_percent` and `hopN_rtt_ms` (average round trip).

use super::targets_of;
use crate::host::endpoint::{Target, finish_by};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use crate::trace::TraceData;
use crate::trace::run::{self, TraceError, TraceOptions};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Echo requests per hop.
    #[serde(default = "default_rounds")]
    pub rounds: usize,
    /// A round lasts at least this long once the destination answered ...
    #[serde(default = "default_round_ms")]
    pub round_ms: u64,
    /// ... and at most this long when it did not.
    #[serde(default = "default_max_round_ms")]
    pub max_round_ms: u64,
    #[serde(default = "default_max_ttl")]
    pub max_ttl: u8,
    /// The probe's whole time (never past the run's deadline): traces still running then are
    /// judged on the rounds they finished.
    #[serde(default = "default_budget_ms")]
    pub budget_ms: u64,
}

fn default_rounds() -> usize {
    10
}
fn default_round_ms() -> u64 {
    100
}
fn default_max_round_ms() -> u64 {
    300
}
fn default_max_ttl() -> u8 {
    30
}
fn default_budget_ms() -> u64 {
    3500
}

/// Hops with their own metrics; longer paths show the rest in the evidence.
pub const METRIC_HOPS: usize = 16;

/// The fields listed, then a loss and a round trip for each hop number given after the `;`.
macro_rules! with_hops {
    ($($field:expr,)* ; $($n:literal)*) => {
        [
            $($field,)*
            $(
                Field::num(concat!("hop", $n, "_loss_percent"), "%", concat!("probes lost at hop ", $n)),
                Field::num(concat!("hop", $n, "_rtt_ms"), "ms", concat!("hop ", $n, "'s average round trip")),
            )*
        ]
    };
}

pub const FIELDS: &[Field] = &with_hops![
    Field::text("address", "the address traced to"),
    Field::flag("reached", "1 when the destination answered"),
    Field::num("hop_count", "", "hops on the path"),
    Field::num("rounds", "", "rounds of probes sent"),
    Field::text("last_hop", "the last hop that answered"),
    Field::num("dest_loss_percent", "%", "probes to the destination that were lost"),
    Field::num("dest_rtt_avg_ms", "ms", "the destination's average round trip"),
    Field::num("dest_rtt_best_ms", "ms", "its best round trip"),
    Field::num("dest_rtt_worst_ms", "ms", "its worst round trip"),
    Field::num("dest_jitter_ms", "ms", "the round trip's average variation"),
    ;
    1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
];

/// The distinct hosts of the targets, in order.
fn hosts(targets: &[Target]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in targets {
        if !out.contains(&t.host) {
            out.push(t.host.clone());
        }
    }
    out
}

/// One target's observation from its trace.
pub fn observation(host: &str, t: &TraceData) -> Observation {
    let mut o = Observation::new(host)
        .text("address", t.address.to_string())
        .flag("reached", t.reached)
        .num("hop_count", t.hops.len() as f64)
        .num("rounds", t.rounds.len() as f64);
    let last = t.hops.iter().rev().find_map(|h| h.address).map(|a| a.to_string()).unwrap_or_else(|| "-".into());
    o = o.text("last_hop", last);
    match t.destination() {
        Some(d) => {
            o = o.num("dest_loss_percent", d.loss_percent);
            for (name, v) in [
                ("dest_rtt_avg_ms", d.avg_ms),
                ("dest_rtt_best_ms", d.best_ms),
                ("dest_rtt_worst_ms", d.worst_ms),
                ("dest_jitter_ms", d.jitter_ms),
            ] {
                if let Some(v) = v {
                    o = o.num(name, v);
                }
            }
        }
        None => o = o.num("dest_loss_percent", 100.0),
    }
    for h in &t.hops {
        if usize::from(h.ttl) <= METRIC_HOPS {
            o = o.num(&format!("hop{}_loss_percent", h.ttl), h.loss_percent);
            if let Some(v) = h.avg_ms {
                o = o.num(&format!("hop{}_rtt_ms", h.ttl), v);
            }
        }
        let addr = h.address.map(|a| a.to_string()).unwrap_or_else(|| "(no reply)".into());
        let rtt = h.avg_ms.map(|v| {
            format!("avg {v:.1} ms, best {:.1}, worst {:.1}", h.best_ms.unwrap_or(v), h.worst_ms.unwrap_or(v))
        });
        o = o.evidence(format!(
            "{host}: hop {} {addr}: loss {:.1}% ({} of {} answered){}",
            h.ttl,
            h.loss_percent,
            h.received,
            h.sent,
            rtt.map(|r| format!(", {r}")).unwrap_or_default()
        ));
    }
    if !t.reached {
        o = o.evidence(format!("{host}: the destination {} did not answer in {} rounds", t.address, t.rounds.len()));
    }
    o
}

fn error(e: TraceError) -> ProbeError {
    match e {
        TraceError::NotPermitted => ProbeError::skipped(Msg::SkipTraceNotPermitted),
        TraceError::Failed { code, message } => ProbeError::failed(code, message),
    }
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let targets = targets_of(ctx)?;
    if !run::can_trace() {
        return Err(error(TraceError::NotPermitted));
    }
    let until = finish_by(ctx.deadline).min(Instant::now() + Duration::from_millis(params.budget_ms));
    let opts = TraceOptions {
        rounds: params.rounds.max(1),
        min_round: Duration::from_millis(params.round_ms),
        max_round: Duration::from_millis(params.max_round_ms),
        max_ttl: params.max_ttl,
    };
    // Resolve and start every trace first, so they run at the same time.
    let mut running = Vec::new();
    let mut failures = Vec::new();
    for host in hosts(&targets) {
        match run::resolve_host(&host, until).and_then(|ip: IpAddr| run::start(&host, ip, &opts)) {
            Ok(r) => running.push((host, r)),
            Err(TraceError::NotPermitted) => return Err(error(TraceError::NotPermitted)),
            Err(TraceError::Failed { code, message }) => failures.push((host, code, message)),
        }
    }
    let mut items = Vec::new();
    // The per-round samples go into the report too (the HTML report's heatmap).
    let mut traces = Vec::new();
    for (host, mut r) in running {
        match r.wait(until) {
            // Finished, or abandoned at the deadline: judge the rounds it completed.
            Ok(_) => {
                let data = r.snapshot();
                if data.hops.is_empty() {
                    let why = if data.rounds.is_empty() {
                        Said::new(Msg::TraceNoRound)
                    } else {
                        Said::new(Msg::TraceNoAnswer).arg("rounds", data.rounds.len())
                    };
                    failures.push((host, "ENODATA".into(), why));
                } else {
                    items.push(observation(&host, &data));
                    traces.push(data);
                }
            }
            Err(TraceError::NotPermitted) => return Err(error(TraceError::NotPermitted)),
            Err(TraceError::Failed { code, message }) => failures.push((host, code, message)),
        }
    }
    // A target without any hop is an error, never a pass: say which ones and why.
    if let Some((_, code, _)) = failures.first() {
        let each = failures
            .iter()
            .map(|(h, _, m)| Said::new(Msg::TraceTargetFailed).arg("host", h).nest("error", m.clone()))
            .collect();
        return Err(ProbeError::failed(code.clone(), Said::new(Msg::FailTraceTargets).list("failures", each)));
    }
    Ok(Observations { items, verdict: None, traces, keyed: false, table: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Value;
    use crate::trace::{HopData, RoundInfo};

    #[test]
    fn observation_judges_the_destination() {
        let r = "10.0.1.1".parse().unwrap();
        let d = "10.0.2.2".parse().unwrap();
        let t = TraceData {
            target: "10.0.2.2".into(),
            address: d,
            protocol: "icmp".into(),
            started_at: String::new(),
            round_ms: 100,
            reached: true,
            rounds: (0..4).map(|i| RoundInfo { index: i, at_ms: 100.0 * i as f64 }).collect(),
            hops: vec![
                HopData::from_samples(1, vec![(r, 1)], vec![Some(0.1), None, None, None], 4),
                HopData::from_samples(2, vec![(d, 3)], vec![Some(0.2), Some(0.3), None, Some(0.2)], 4),
            ],
        };
        let o = observation("10.0.2.2", &t);
        assert_eq!(o.values["dest_loss_percent"], Value::Num(25.0));
        assert_eq!(o.values["hop1_loss_percent"], Value::Num(75.0));
        assert_eq!(o.values["hop_count"], Value::Num(2.0));
        assert_eq!(o.values["reached"], Value::Num(1.0));
        assert!(FIELDS.iter().any(|f| f.name == "hop16_rtt_ms"));
        for k in o.values.keys() {
            assert!(FIELDS.iter().any(|f| f.name == k.as_str()), "{k} is not declared");
        }
        let unreached = TraceData { reached: false, hops: t.hops[..1].to_vec(), ..t };
        let o = observation("10.0.2.2", &unreached);
        assert_eq!(o.values["dest_loss_percent"], Value::Num(100.0));
        assert_eq!(o.values["last_hop"], Value::Text("10.0.1.1".into()));
    }
}
