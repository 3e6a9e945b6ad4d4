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

/// A [`Group`] as a probe reports it.
pub trait GroupObservation {
    /// The observation: count, first/last time, age of the latest event in hours (only when
    /// every line had a time), and the kept lines as evidence. `since` is the first time.
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
                o = o.num("age_hours", age_hours(last, now));
            }
        } else {
            o = o.word("first_time", Said::new(Msg::ValUnknown)).word("last_time", Said::new(Msg::ValUnknown));
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

/// The observation every kernel-log check starts with: what was read, for the ok summary.
pub fn log_summary(log: &KernelLog, events: usize) -> Observation {
    let o = Observation::new(&log.source)
        .text("source", &log.source)
        .num("scanned_lines", log.scanned_lines as f64)
        .num("events", events as f64);
    note_truncation(o, log)
}

/// Says so in the evidence when only part of the log was read (older events may be missing).
pub fn note_truncation(o: Observation, log: &KernelLog) -> Observation {
    if log.truncated {
        o.evidence(format!("{}: only the latest part of the log was read ({} lines)", log.source, log.scanned_lines))
    } else {
        o
    }
}
