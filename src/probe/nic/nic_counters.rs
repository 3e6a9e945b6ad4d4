//! Packets each interface dropped or received in error (/proc/net/dev): the rates during the
//! shared sampling window, and the share of packets dropped since boot. A NIC whose ring buffer
//! overflows (rx drops, fifo), a bad link (frame errors) or a full transmit queue (tx drops)
//! loses packets that TCP then retransmits: the service is slow, not down.

use crate::host::sample::NetDev;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("window_ms", "ms", "the sampling window"),
    Field::num("drops_per_s", "1/s", "packets dropped per second during the window (receive and transmit)"),
    Field::num("errors_per_s", "1/s", "packets in error per second during the window (receive and transmit)"),
    Field::num("rx_drop_percent", "%", "received packets dropped since boot, as a share of all received"),
    Field::num("tx_drop_percent", "%", "packets to send dropped since boot, as a share of all sent"),
    Field::num("rx_packets", "", "packets received since boot"),
    Field::num("tx_packets", "", "packets sent since boot"),
];

const PATH: &str = "/proc/net/dev";

fn line(name: &str, d: &NetDev) -> String {
    format!(
        "{PATH}: {name}: rx packets {} errs {} drop {} fifo {} frame {}; tx packets {} errs {} drop {} fifo {} carrier {}",
        d.rx_packets,
        d.rx_errs,
        d.rx_drop,
        d.rx_fifo,
        d.rx_frame,
        d.tx_packets,
        d.tx_errs,
        d.tx_drop,
        d.tx_fifo,
        d.tx_carrier
    )
}

fn share(part: u64, of: u64) -> f64 {
    if part + of == 0 { 0.0 } else { (part as f64 * 1000.0 / (part + of) as f64).round() / 10.0 }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let w = ctx.window();
    if w.second.nics.is_empty() {
        return Err(ProbeError::Skipped(crate::i18n::Said::new(crate::i18n::Msg::SkipNoProcFile).arg("path", PATH)));
    }
    let window_ms = (w.seconds * 1000.0).round();
    let mut items = Vec::new();
    for (name, now) in &w.second.nics {
        if name == "lo" {
            continue;
        }
        let mut o = Observation::new(name)
            .num("window_ms", window_ms)
            .num("rx_packets", now.rx_packets as f64)
            .num("tx_packets", now.tx_packets as f64)
            .num("rx_drop_percent", share(now.rx_drop, now.rx_packets))
            .num("tx_drop_percent", share(now.tx_drop, now.tx_packets))
            .evidence(line(name, now));
        if w.seconds > 0.0
            && let Some(before) = w.first.nics.get(name)
        {
            let d = |a: u64, b: u64| b.saturating_sub(a) as f64;
            let drops = d(before.rx_drop, now.rx_drop) + d(before.tx_drop, now.tx_drop);
            let errors = d(before.rx_errs, now.rx_errs) + d(before.tx_errs, now.tx_errs);
            let per_s = |n: f64| (n / w.seconds * 10.0).round() / 10.0;
            o = o.num("drops_per_s", per_s(drops)).num("errors_per_s", per_s(errors));
            if drops + errors > 0.0 {
                o = o.evidence(format!(
                    "in {window_ms} ms: +{drops} dropped, +{errors} in error; before: {}",
                    line(name, before)
                ));
            }
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
