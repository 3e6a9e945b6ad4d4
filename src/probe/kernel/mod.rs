//! The kernel's own state and messages: signs of a sick kernel in the kernel log
//! (`kernel_events`) and the mandatory access control in force (`mac`).
//!
//! Shared with every probe that reads the run's kernel log (here, and `disk::disk_errors`,
//! `resources::oom_kills`): the observation a check about the log starts with ([`log_summary`],
//! [`note_truncation`]) and how a [`Group`] of messages about one subject is reported
//! ([`GroupObservation`]). Reading and grouping the log is `host::klog`'s.

pub mod kernel_events;
pub mod mac;

use crate::fmt::{age_hours, show};
use crate::host::klog::KernelLog;
use crate::host::klog::group::Group;
use crate::i18n::{Msg, Said};
use crate::probe::Observation;
use jiff::Timestamp;

/// `then` in words with its age: `2026-11-20T03:00:00Z (3 days ago)`, `(5 h ago)`, `(12 min ago)`.
pub fn when(then: Timestamp, now: Timestamp) -> Said {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0);
    let (msg, n) = if secs >= 2 * 86_400 {
        (Msg::ValWhenDays, secs / 86_400)
    } else if secs >= 3600 {
        (Msg::ValWhenHours, secs / 3600)
    } else {
        (Msg::ValWhenMinutes, secs / 60)
    };
    Said::new(msg).arg("time", show(then)).arg("n", n)
}

/// `o` with the age of an event at `then`: `age_hours`, what an `ageing` judge reads, and the
/// same in words as the field `name` ("2026-11-20T03:00:00Z (3 days ago)"). Every probe of
/// events read from a log reports their age this way.
pub fn aged(o: Observation, name: &str, then: Timestamp, now: Timestamp) -> Observation {
    o.num("age_hours", age_hours(then, now)).word(name, when(then, now))
}

/// A [`Group`] as a probe reports it.
pub trait GroupObservation {
    /// The observation: count, first/last time, age of the latest event in hours (only when
    /// every line had a time) and in words, and the kept lines as evidence. `since` is the
    /// first time.
    fn observation(&self, now: Timestamp) -> Observation;
}

impl GroupObservation for Group {
    fn observation(&self, now: Timestamp) -> Observation {
        let mut o = Observation::new(&self.subject).num("times", self.count as f64);
        let known = self.last.is_some() && !self.any_time_unknown;
        o = o.flag("time_known", known);
        if let (Some(first), Some(last)) = (self.first, self.last) {
            o = o.text("first_time", show(first)).text("last_time", show(last)).since(Some(show(first)));
            if known {
                o = aged(o, "last_when", last, now);
            } else {
                o = o.text("last_when", show(last));
            }
        } else {
            o = o
                .word("first_time", Said::new(Msg::ValUnknown))
                .word("last_time", Said::new(Msg::ValUnknown))
                .word("last_when", Said::new(Msg::ValUnknown));
        }
        let skipped = self.skipped();
        for l in self.head() {
            o = o.evidence(l.clone());
        }
        if skipped > 0 && self.tail().next().is_some() {
            o = o.evidence(format!("... {skipped} similar lines ..."));
        }
        for l in self.tail() {
            o = o.evidence(l.clone());
        }
        o
    }
}

/// The observation every kernel-log check starts with: what was read, for the ok summary, with
/// the boot time and uptime.
pub fn log_summary(log: &KernelLog, events: usize) -> Observation {
    let mut o = Observation::new(&log.source)
        .text("source", &log.source)
        .num("scanned_lines", log.scanned_lines as f64)
        .num("events", events as f64);
    if let Some(b) = log.boot {
        o = o.text("boot_time", show(b));
    }
    if let Some(u) = log.uptime_s {
        o = o.num("uptime_s", u as f64);
    }
    note_truncation(o, log)
}

/// `booted 2026-11-20T03:00:00Z, up 3 d 4 h` (what of it is known).
fn boot_line(log: &KernelLog) -> Option<String> {
    let up = log.uptime_s.map(|u| match u {
        0..3600 => format!("up {} min", u / 60),
        3600..86_400 => format!("up {} h {} min", u / 3600, u % 3600 / 60),
        _ => format!("up {} d {} h", u / 86_400, u % 86_400 / 3600),
    });
    match (log.boot, up) {
        (Some(b), Some(u)) => Some(format!("booted {}, {u}", show(b))),
        (Some(b), None) => Some(format!("booted {}", show(b))),
        (None, Some(u)) => Some(u),
        (None, None) => None,
    }
}

/// The evidence every observation of a kernel-log check ends with: the boot time and uptime
/// (a kernel time is relative to the boot), and a note when only part of the log was read
/// (older events may be missing).
pub fn note_truncation(mut o: Observation, log: &KernelLog) -> Observation {
    if let Some(b) = boot_line(log) {
        o = o.evidence(b);
    }
    if log.truncated {
        o.evidence(format!("{}: only the latest part of the log was read ({} lines)", log.source, log.scanned_lines))
    } else {
        o
    }
}
