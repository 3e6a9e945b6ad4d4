//! Runs a trippy-core ICMP trace on its own thread and records every round, so the caller can
//! take a [`TraceData`] snapshot at any time (the live table of `ecs-doctor trace`) and stop
//! waiting at its deadline. trippy has no cancel: a trace still running at the deadline is
//! abandoned (its thread ends after its last round, bounded by `max_rounds`).

use super::{HopData, RoundInfo, TraceData};
use crate::i18n::{Msg, Said};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use trippy_core::{Builder, PrivilegeMode, ProbeStatus, Protocol};

/// How to trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceOptions {
    pub rounds: usize,
    /// A round lasts at least this long (after the destination answered) ...
    pub min_round: Duration,
    /// ... and at most this long (when it did not).
    pub max_round: Duration,
    pub max_ttl: u8,
}

/// Why a trace could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TraceError {
    /// No CAP_NET_RAW: ICMP tracing needs a raw socket.
    #[error("{}", Said::new(Msg::SkipTraceNotPermitted))]
    NotPermitted,
    /// The message is said in the language of whoever shows it (the path check, the `trace` command).
    #[error("{message}")]
    Failed { code: String, message: Said },
}

/// What one probe of a round saw.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Seen {
    Reply(IpAddr, f64),
    Lost,
}

#[derive(Debug, Default)]
struct Record {
    rounds: Vec<(Duration, BTreeMap<u8, Seen>)>,
}

/// A trace in progress.
pub struct Running {
    target: String,
    address: IpAddr,
    started: Instant,
    started_at: String,
    round_ms: u64,
    record: Arc<Mutex<Record>>,
    handle: Option<JoinHandle<Result<(), trippy_core::Error>>>,
}

/// Whether this process may open raw sockets: CAP_NET_RAW (bit 13) in its effective set.
pub fn can_trace() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return false };
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 13) != 0)
}

/// An ICMP identifier no other trace of this process uses (replies are matched on it).
fn next_trace_id() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = (std::process::id() as u16).wrapping_mul(7919);
    let id = base.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed).wrapping_mul(257));
    if id == 0 { 1 } else { id }
}

fn rtt_ms(sent: std::time::SystemTime, received: std::time::SystemTime) -> f64 {
    received.duration_since(sent).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// Starts tracing `address` (named `target` in the results).
pub fn start(target: &str, address: IpAddr, opts: &TraceOptions) -> Result<Running, TraceError> {
    if !can_trace() {
        return Err(TraceError::NotPermitted);
    }
    let tracer = Builder::new(address)
        .protocol(Protocol::Icmp)
        .privilege_mode(PrivilegeMode::Privileged)
        .trace_identifier(next_trace_id())
        .max_rounds(Some(opts.rounds.max(1)))
        .max_ttl(opts.max_ttl.clamp(1, 64))
        .min_round_duration(opts.min_round)
        .max_round_duration(opts.max_round.max(opts.min_round))
        .grace_duration(Duration::from_millis(50).min(opts.min_round))
        .build()
        .map_err(|e| TraceError::Failed {
            code: "EINVAL".into(),
            message: Said::new(Msg::TraceSetup).arg("error", e),
        })?;
    let record = Arc::new(Mutex::new(Record::default()));
    let started = Instant::now();
    let rec = record.clone();
    let (_, handle) = tracer
        .spawn_with(move |round| {
            let mut seen = BTreeMap::new();
            // Every probe sent counts, also past the round's largest answering TTL: a round in
            // which nothing answered is all loss, not a round that did not happen.
            for p in round.probes {
                match p {
                    ProbeStatus::Complete(c) => {
                        seen.insert(c.ttl.0, Seen::Reply(c.host, rtt_ms(c.sent, c.received)));
                    }
                    ProbeStatus::Awaited(a) => {
                        seen.insert(a.ttl.0, Seen::Lost);
                    }
                    ProbeStatus::Failed(f) => {
                        seen.insert(f.ttl.0, Seen::Lost);
                    }
                    ProbeStatus::NotSent | ProbeStatus::Skipped => {}
                }
            }
            rec.lock().unwrap_or_else(|p| p.into_inner()).rounds.push((started.elapsed(), seen));
        })
        .map_err(|e| TraceError::Failed {
            code: "EAGAIN".into(),
            message: Said::new(Msg::TraceStart).arg("error", e),
        })?;
    Ok(Running {
        target: target.to_string(),
        address,
        started,
        started_at: jiff::Timestamp::now().round(jiff::Unit::Millisecond).map(|t| t.to_string()).unwrap_or_default(),
        round_ms: opts.min_round.as_millis() as u64,
        record,
        handle: Some(handle),
    })
}

fn trippy_error(e: &trippy_core::Error) -> TraceError {
    let text = e.to_string();
    if text.contains("Operation not permitted") || text.contains("Permission denied") {
        return TraceError::NotPermitted;
    }
    let code = if text.contains("unreachable") { "ENETUNREACH" } else { "EIO" };
    TraceError::Failed { code: code.into(), message: Said::new(Msg::TraceFailed).arg("error", text) }
}

impl Running {
    /// Rounds finished so far.
    pub fn rounds_done(&self) -> usize {
        self.record.lock().unwrap_or_else(|p| p.into_inner()).rounds.len()
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Waits until the trace finishes or `until`, whichever comes first. `Ok(true)`: finished.
    pub fn wait(&mut self, until: Instant) -> Result<bool, TraceError> {
        loop {
            let finished = self.handle.as_ref().is_none_or(|h| h.is_finished());
            if finished {
                if let Some(h) = self.handle.take() {
                    match h.join() {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => return Err(trippy_error(&e)),
                        Err(_) => {
                            return Err(TraceError::Failed {
                                code: "EFAULT".into(),
                                message: Said::new(Msg::TracePanicked),
                            });
                        }
                    }
                }
                return Ok(true);
            }
            let now = Instant::now();
            if now >= until {
                return Ok(false);
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }

    /// The trace so far.
    pub fn snapshot(&self) -> TraceData {
        let rec = self.record.lock().unwrap_or_else(|p| p.into_inner());
        build(&self.target, self.address, &self.started_at, self.round_ms, &rec.rounds)
    }
}

/// Turns recorded rounds into hops: up to the first TTL at which the destination answered in
/// any round, else up to the last TTL anything answered.
fn build(
    target: &str,
    address: IpAddr,
    started_at: &str,
    round_ms: u64,
    rounds: &[(Duration, BTreeMap<u8, Seen>)],
) -> TraceData {
    let replies = || rounds.iter().flat_map(|(_, m)| m.iter());
    let dest_ttl = replies().filter(|(_, s)| matches!(s, Seen::Reply(a, _) if *a == address)).map(|(t, _)| *t).min();
    let last = dest_ttl.or_else(|| replies().filter(|(_, s)| matches!(s, Seen::Reply(..))).map(|(t, _)| *t).max());
    let hops = (1..=last.unwrap_or(0))
        .map(|ttl| {
            let mut addrs: BTreeMap<IpAddr, usize> = BTreeMap::new();
            let mut sent = 0;
            let samples = rounds
                .iter()
                .map(|(_, m)| match m.get(&ttl) {
                    Some(Seen::Reply(a, rtt)) => {
                        sent += 1;
                        *addrs.entry(*a).or_default() += 1;
                        Some(*rtt)
                    }
                    Some(Seen::Lost) => {
                        sent += 1;
                        None
                    }
                    None => None,
                })
                .collect();
            HopData::from_samples(ttl, addrs.into_iter().collect(), samples, sent)
        })
        .collect();
    TraceData {
        target: target.to_string(),
        address,
        protocol: "icmp".into(),
        started_at: started_at.to_string(),
        round_ms,
        reached: dest_ttl.is_some(),
        rounds: rounds
            .iter()
            .enumerate()
            .map(|(index, (at, _))| RoundInfo { index, at_ms: (at.as_secs_f64() * 10_000.0).round() / 10.0 })
            .collect(),
        hops,
    }
}

/// Resolves a host name to the address to trace (IPv4 first), on an abandonable thread so a
/// resolver that never answers cannot hold the caller past `until`.
pub fn resolve_host(host: &str, until: Instant) -> Result<IpAddr, TraceError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(ip);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let h = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(crate::host::endpoint::resolve(&h, 0));
    });
    match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
        Ok(Ok(addrs)) => addrs.first().map(|a| a.ip()).ok_or_else(|| TraceError::Failed {
            code: "EAI_NONAME".into(),
            message: Said::new(Msg::TraceNoAddress).arg("host", host),
        }),
        Ok(Err((code, message))) => {
            Err(TraceError::Failed { code, message: Said::new(Msg::TraceResolveFailed).arg("error", message) })
        }
        Err(_) => Err(TraceError::Failed {
            code: "ETIMEDOUT".into(),
            message: Said::new(Msg::TraceResolveTimeout).arg("host", host),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hops_end_at_the_destination() {
        let r: IpAddr = "10.0.1.1".parse().unwrap();
        let d: IpAddr = "10.0.2.2".parse().unwrap();
        let ms = Duration::from_millis;
        let rounds = vec![
            (ms(100), BTreeMap::from([(1, Seen::Reply(r, 0.5)), (2, Seen::Reply(d, 1.0)), (3, Seen::Reply(d, 1.1))])),
            (ms(200), BTreeMap::from([(1, Seen::Lost), (2, Seen::Lost), (3, Seen::Reply(d, 1.2))])),
        ];
        let t = build("srv", d, "", 100, &rounds);
        assert!(t.reached);
        assert_eq!(t.hops.len(), 2);
        assert_eq!(t.hops[0].address, Some(r));
        assert_eq!(t.hops[1].loss_percent, 50.0);
        assert_eq!(t.hops[1].samples_ms, vec![Some(1.0), None]);
        assert_eq!(t.rounds.len(), 2);

        let lost = vec![(ms(100), BTreeMap::from([(1, Seen::Reply(r, 0.5)), (2, Seen::Lost)]))];
        let t = build("srv", d, "", 100, &lost);
        assert!(!t.reached);
        assert_eq!(t.hops.len(), 1);
        assert!(build("srv", d, "", 100, &[]).hops.is_empty());
    }
}
