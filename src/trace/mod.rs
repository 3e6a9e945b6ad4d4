//! The path to a host, hop by hop and round by round: what `ecs-doctor trace` shows and what the
//! `net.path.loss` check judges. [`run`] drives trippy-core and records every round; the model
//! below keeps the per-round samples of each hop, so renderers can draw loss and latency over
//! time ([`html::heatmap_svg`]) and not only the totals.
//!
//! JSON shape (`ecs-doctor trace --format json`; documented in the README):
//! ```json
//! { "target": "10.0.2.2", "address": "10.0.2.2", "protocol": "icmp", "started_at": "...",
//!   "round_ms": 1000, "reached": true,
//!   "rounds": [ { "index": 0, "at_ms": 1003.2 }, ... ],
//!   "hops": [ { "ttl": 1, "address": "10.0.1.1", "addresses": ["10.0.1.1"], "name": null,
//!               "sent": 3, "received": 3, "loss_percent": 0.0, "last_ms": 0.1, "avg_ms": 0.1,
//!               "best_ms": 0.1, "worst_ms": 0.2, "jitter_ms": 0.0,
//!               "samples_ms": [0.1, null, 0.2] } ] }
//! ```
//! `samples_ms[i]` is the round trip of round `rounds[i]`, `null` when no reply came.

pub mod html;
pub mod output;
pub mod rdns;
pub mod render_text;
pub mod run;

pub use html::heatmap_svg;
pub use output::TraceFormat;

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One finished round: when it ended, in milliseconds since the trace began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundInfo {
    pub index: usize,
    pub at_ms: f64,
}

/// One hop (time-to-live) of the path, with its totals and its per-round samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopData {
    pub ttl: u8,
    /// The address that answered most often; `None` when nothing answered at this hop.
    pub address: Option<IpAddr>,
    /// Every address that answered (several on a load-balanced path).
    pub addresses: Vec<IpAddr>,
    /// The reverse DNS name of `address`, when looked up and found.
    pub name: Option<String>,
    pub sent: usize,
    pub received: usize,
    pub loss_percent: f64,
    pub last_ms: Option<f64>,
    pub avg_ms: Option<f64>,
    pub best_ms: Option<f64>,
    pub worst_ms: Option<f64>,
    /// Mean absolute difference between consecutive round trips.
    pub jitter_ms: Option<f64>,
    /// Round trip per round (aligned with [`TraceData::rounds`]); `None`: no reply.
    pub samples_ms: Vec<Option<f64>>,
}

/// A whole trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceData {
    /// The host as the user gave it.
    pub target: String,
    pub address: IpAddr,
    pub protocol: String,
    pub started_at: String,
    /// The shortest round length asked for.
    pub round_ms: u64,
    /// Whether the destination answered in at least one round.
    pub reached: bool,
    pub rounds: Vec<RoundInfo>,
    pub hops: Vec<HopData>,
}

impl TraceData {
    /// The destination's hop, when it answered.
    pub fn destination(&self) -> Option<&HopData> {
        if self.reached { self.hops.last() } else { None }
    }
}

fn round1(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl HopData {
    /// Builds a hop's totals from its samples (`None` entries were sent and lost unless the
    /// round did not send this hop, which `sent_mask` tells).
    pub fn from_samples(ttl: u8, addrs: Vec<(IpAddr, usize)>, samples: Vec<Option<f64>>, sent: usize) -> HopData {
        let got: Vec<f64> = samples.iter().flatten().copied().collect();
        let received = got.len();
        let mut addrs = addrs;
        addrs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let jitter =
            (got.len() >= 2).then(|| got.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (got.len() - 1) as f64);
        HopData {
            ttl,
            address: addrs.first().map(|a| a.0),
            addresses: addrs.iter().map(|a| a.0).collect(),
            name: None,
            sent,
            received,
            loss_percent: if sent == 0 {
                0.0
            } else {
                round1((sent - received.min(sent)) as f64 * 100.0 / sent as f64)
            },
            last_ms: samples.iter().rev().flatten().next().copied().map(round1),
            avg_ms: (!got.is_empty()).then(|| round1(got.iter().sum::<f64>() / got.len() as f64)),
            best_ms: got.iter().copied().reduce(f64::min).map(round1),
            worst_ms: got.iter().copied().reduce(f64::max).map(round1),
            jitter_ms: jitter.map(round1),
            samples_ms: samples.into_iter().map(|s| s.map(round1)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_totals_from_samples() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let h = HopData::from_samples(1, vec![(a, 3)], vec![Some(1.0), None, Some(3.0), Some(2.0)], 4);
        assert_eq!(h.received, 3);
        assert_eq!(h.loss_percent, 25.0);
        assert_eq!((h.best_ms, h.worst_ms, h.last_ms, h.avg_ms), (Some(1.0), Some(3.0), Some(2.0), Some(2.0)));
        assert_eq!(h.jitter_ms, Some(1.5));
        let empty = HopData::from_samples(2, vec![], vec![None, None], 2);
        assert_eq!((empty.address, empty.loss_percent, empty.avg_ms), (None, 100.0, None));
    }
}
