//! Runs checks in parallel on a bounded pool of threads, each check under its own timeout and
//! all of them under the run's deadline. A check that does not finish in time is reported as
//! `error` with code ETIMEDOUT and its thread is abandoned (a replacement keeps the pool full);
//! a probe that panics becomes an `error` result. The run always ends on time: the syscalls that
//! could block past a kill (statfs on network and FUSE mounts) run in child processes.

pub mod judge;

use crate::catalog::Check;
use crate::i18n::{Lang, Msg, Said, trf};
use crate::probe::ProbeContext;
use crate::report::CheckResult;
use std::collections::{BTreeMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Checks running at once: they mostly wait on files and children, so a few more than CPUs.
pub const DEFAULT_WORKERS: usize = 8;

/// The run's deadline unless `--deadline` or the config says otherwise.
pub const DEFAULT_DEADLINE_S: f64 = 30.0;

/// Whether a whole-run deadline (seconds) is one the engine accepts: more than nothing, at most
/// a day. The one rule for `--deadline` and the config's `deadline`.
pub fn deadline_ok(seconds: f64) -> bool {
    seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0
}

enum Event {
    Started(usize, Instant),
    // Boxed: a result is large, a start is small.
    Done(usize, Box<CheckResult>),
}

fn ms(d: Duration) -> u64 {
    d.as_millis().min(u64::MAX as u128) as u64
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn spawn_worker(
    queue: Arc<Mutex<VecDeque<usize>>>,
    checks: Arc<Vec<Check>>,
    ctx: Arc<ProbeContext>,
    lang: Lang,
    tx: Sender<Event>,
) {
    std::thread::spawn(move || {
        loop {
            let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
            let Some(idx) = next else { break };
            let check = &checks[idx];
            let started = Instant::now();
            if tx.send(Event::Started(idx, started)).is_err() {
                break;
            }
            let observed = std::panic::catch_unwind(AssertUnwindSafe(|| ctx.observe_shared(&check.probe)));
            let elapsed = ms(started.elapsed());
            let result = match observed {
                Ok(o) => judge::judge_shared(check, o, lang, elapsed),
                Err(p) => {
                    let msg = Said::new(Msg::ProbePanicked)
                        .arg("probe", check.probe.kind())
                        .arg("error", panic_message(p.as_ref()));
                    judge::judge(check, Err(crate::probe::ProbeError::failed("EFAULT", msg)), lang, elapsed)
                }
            };
            if tx.send(Event::Done(idx, Box::new(result))).is_err() {
                break;
            }
        }
    });
}

/// Runs `checks` and returns one result per check, in the same order, by `deadline` at the latest;
/// plugins still running then are killed.
pub fn run(
    checks: Vec<Check>,
    ctx: Arc<ProbeContext>,
    lang: Lang,
    workers: usize,
    mut on_done: impl FnMut(&CheckResult),
) -> Vec<CheckResult> {
    let n = checks.len();
    let checks = Arc::new(checks);
    // The checks that wait for the sampling window go last, and the window starts now on its
    // own thread: the others run during its ~200 ms instead of queueing behind workers that
    // wait for it. Results keep the catalogue's order (they are stored by index).
    let (late, early): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| checks[i].probe.waits_for_window());
    if !late.is_empty() {
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            ctx.window();
        });
    }
    let queue = Arc::new(Mutex::new(early.into_iter().chain(late).collect::<VecDeque<_>>()));
    let (tx, rx) = mpsc::channel();
    for _ in 0..workers.clamp(1, n.max(1)) {
        spawn_worker(queue.clone(), checks.clone(), ctx.clone(), lang, tx.clone());
    }
    let deadline = ctx.deadline;
    let mut results: Vec<Option<CheckResult>> = vec![None; n];
    let mut running: BTreeMap<usize, Instant> = BTreeMap::new();
    let mut done = 0;
    while done < n {
        let now = Instant::now();
        let next_wake =
            running.iter().map(|(i, s)| *s + checks[*i].timeout).chain([deadline]).min().unwrap_or(deadline);
        match rx.recv_timeout(next_wake.saturating_duration_since(now)) {
            Ok(Event::Started(i, at)) => {
                running.insert(i, at);
            }
            Ok(Event::Done(i, r)) => {
                running.remove(&i);
                if results[i].is_none() {
                    on_done(&r);
                    results[i] = Some(*r);
                    done += 1;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                let expired: Vec<usize> =
                    running.iter().filter(|(i, s)| now >= **s + checks[**i].timeout).map(|(i, _)| *i).collect();
                for i in expired {
                    let started = running.remove(&i).unwrap_or(now);
                    let c = &checks[i];
                    let seconds = format!("{:.1}", c.timeout.as_secs_f64());
                    let msg = trf(lang, Msg::TimedOutCheck, &[("seconds", &seconds)]);
                    let r = judge::timed_out(c, lang, msg, ms(now - started));
                    on_done(&r);
                    results[i] = Some(r);
                    done += 1;
                    // The stuck thread is abandoned; keep the pool at strength.
                    spawn_worker(queue.clone(), checks.clone(), ctx.clone(), lang, tx.clone());
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let now = Instant::now();
    let results = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                let c = &checks[i];
                let (msg, elapsed) = match running.get(&i) {
                    Some(s) => (trf(lang, Msg::TimedOutRunning, &[]), ms(now - *s)),
                    None => (trf(lang, Msg::TimedOutNotStarted, &[]), 0),
                };
                let r = judge::timed_out(c, lang, msg, elapsed);
                on_done(&r);
                r
            })
        })
        .collect();
    // The run is over: no plugin may outlive it.
    crate::probe::exec::kill_all();
    results
}
