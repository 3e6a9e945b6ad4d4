//! Queueing disciplines on each interface (`tc qdisc show`, and `tc class show dev IF` where a
//! classful shaper holds the rates; parsed in [`crate::host::tc`]): a netem left behind after a
//! test adds delay and drops packets, a tbf or htb limits the bandwidth, and neither shows in
//! `ip addr` or the interface counters. One observation per interface, the non-default qdiscs
//! named with their parameters and the command that removes them. Live system only: the
//! kernel holds qdiscs in memory.

use crate::host::tc::{self, Qdisc};
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("default_only", "1 when the interface has only default qdiscs (noqueue, pfifo_fast, fq_codel, fq, mq)"),
    Field::text("qdisc", "the non-default qdiscs with their parameters, as tc prints them"),
    Field::flag("netem", "1 when a netem qdisc emulates delay, loss, duplication or reordering"),
    Field::num("delay_ms", "ms", "the delay netem adds"),
    Field::num("loss_percent", "%", "the share of packets netem drops"),
    Field::flag("rate_limited", "1 when a tbf, htb, hfsc, cbq, cake or netem rate caps the bandwidth"),
    Field::text("rate", "the lowest rate a shaper allows, as tc prints it"),
    Field::flag("other", "1 when another non-default qdisc is set (prio, sfq, red, ...)"),
    Field::text("fix_cmd", "the command that removes the non-default qdiscs"),
];

/// The qdiscs a kernel or a distribution sets by itself, and the hooks that shape nothing.
const DEFAULTS: &[&str] =
    &["noqueue", "pfifo_fast", "fq_codel", "fq", "mq", "mqprio", "pfifo", "bfifo", "ingress", "clsact"];
/// Shapers whose rates are in their classes.
const CLASSFUL_SHAPERS: &[&str] = &["htb", "hfsc", "cbq"];
const LIMIT: Duration = Duration::from_secs(2);

fn is_default(q: &Qdisc) -> bool {
    DEFAULTS.contains(&q.kind.as_str()) || (q.kind == "cake" && tc::param(&q.params, "bandwidth").is_none())
}

fn shown(q: &Qdisc) -> String {
    let at = q.parent.as_ref().map_or_else(|| "root".to_string(), |p| format!("parent {p}"));
    format!("{} {} {at} {}", q.kind, q.handle, q.params).trim().to_string()
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipQdiscNotLive));
    }
    let out = match ctx.run_once("tc", &["qdisc", "show"], LIMIT) {
        None => return Err(ProbeError::skipped(Msg::SkipNoTc)),
        Some(Err(e)) => return Err(ProbeError::failed("ECOMMAND", Said::new(Msg::FailTc).arg("error", e))),
        Some(Ok(o)) if o.code != Some(0) => {
            let first: String =
                o.stderr.lines().next().unwrap_or("").chars().filter(|c| !c.is_control()).take(200).collect();
            return Err(ProbeError::failed("ECOMMAND", Said::new(Msg::FailTc).arg("error", first)));
        }
        Some(Ok(o)) => o,
    };
    let mut by_dev: BTreeMap<String, Vec<Qdisc>> = BTreeMap::new();
    for q in tc::parse_qdiscs(&out.stdout) {
        by_dev.entry(q.dev.clone()).or_default().push(q);
    }
    let mut items = Vec::new();
    for (dev, qs) in by_dev {
        let mut o = Observation::new(&dev);
        for q in &qs {
            o = o.evidence(format!("tc qdisc show: {}", q.line));
        }
        let odd: Vec<&Qdisc> = qs.iter().filter(|q| !is_default(q)).collect();
        o = o.flag("default_only", odd.is_empty());
        if odd.is_empty() {
            items.push(o);
            continue;
        }
        o = o.text("qdisc", odd.iter().map(|q| shown(q)).collect::<Vec<_>>().join("; "));
        // Removing the outermost non-default qdisc removes what hangs below it too.
        let fix = match odd.iter().find(|q| q.parent.is_none()).or(odd.first()).and_then(|q| q.parent.clone()) {
            None => format!("tc qdisc del dev {dev} root"),
            Some(p) => format!("tc qdisc del dev {dev} parent {p}"),
        };
        o = o.text("fix_cmd", fix);
        let mut rates: Vec<(f64, String)> = Vec::new();
        let mut other = false;
        for q in &odd {
            match q.kind.as_str() {
                "netem" => {
                    let delay = tc::param(&q.params, "delay").and_then(tc::time_ms).unwrap_or(0.0);
                    // `loss 5%`, or `loss random 5%` on some versions.
                    let loss = tc::param(&q.params, "loss")
                        .and_then(|v| tc::percent(v).or_else(|| tc::param(&q.params, v).and_then(tc::percent)))
                        .unwrap_or(0.0);
                    o = o.flag("netem", true).num("delay_ms", delay).num("loss_percent", loss);
                    if let Some(r) = tc::param(&q.params, "rate") {
                        rates.push((tc::rate_bits(r).unwrap_or(f64::MAX), r.to_string()));
                    }
                }
                "tbf" => {
                    if let Some(r) = tc::param(&q.params, "rate") {
                        rates.push((tc::rate_bits(r).unwrap_or(f64::MAX), r.to_string()));
                    }
                }
                "cake" => {
                    if let Some(r) = tc::param(&q.params, "bandwidth") {
                        rates.push((tc::rate_bits(r).unwrap_or(f64::MAX), r.to_string()));
                    }
                }
                k if CLASSFUL_SHAPERS.contains(&k) => {
                    let before = rates.len();
                    if let Some(Ok(c)) = ctx.run_once("tc", &["class", "show", "dev", &dev], LIMIT) {
                        for class in tc::parse_class_rates(&c.stdout) {
                            o = o.evidence(format!("tc class show dev {dev}: {}", class.line));
                            let r = class.ceil.unwrap_or(class.rate);
                            rates.push((tc::rate_bits(&r).unwrap_or(f64::MAX), r));
                        }
                    }
                    // A classful shaper without a class still shapes (its default class is
                    // missing, so unclassified traffic goes out unshaped or is dropped).
                    if rates.len() == before {
                        rates.push((f64::MAX, format!("{k} without classes")));
                    }
                }
                _ => other = true,
            }
        }
        if let Some((_, r)) = rates.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
            o = o.flag("rate_limited", true).text("rate", r.clone());
        }
        o = o.flag("other", other);
        items.push(o);
    }
    // No qdisc at all is a namespace whose interfaces are all down: nothing shapes anything.
    Ok(Observations::of(items))
}
