//! Signs of a sick kernel in the kernel log (panics, Oopses and `BUG:`s, soft and hard lockups,
//! hung tasks, RCU stalls, machine-check errors), crash dumps in /var/crash, and whether kdump
//! would capture the next crash.
//!
//! Also home of [`Group`], which the kernel-log probes use to fold repeated messages about one
//! subject into one observation with a count, first and last time.

use super::guarded::{Guard, Guarded};
use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::fmt::{age_hours, show};
use crate::host::klog::{KLine, KernelLog};
use crate::i18n::{Msg, Said};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] = &[
    "kind",
    "times",
    "first_time",
    "last_time",
    "age_hours",
    "time_known",
    "detail",
    "blocked_s",
    "events",
    "scanned_lines",
    "source",
    "kdump",
    "crash_dumps",
];

/// Messages about one subject folded together.
#[derive(Debug, Clone)]
pub struct Group {
    pub subject: String,
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub any_time_unknown: bool,
    /// The first few lines and the latest ones.
    head: Vec<String>,
    tail: std::collections::VecDeque<String>,
}

const HEAD_LINES: usize = 3;
const TAIL_LINES: usize = 7;

impl Group {
    pub fn new(subject: impl Into<String>) -> Group {
        Group {
            subject: subject.into(),
            count: 0,
            first: None,
            last: None,
            any_time_unknown: false,
            head: Vec::new(),
            tail: Default::default(),
        }
    }

    /// Counts one event and keeps its line as evidence.
    pub fn add(&mut self, line: &KLine) {
        self.count += 1;
        self.add_line(line);
    }

    /// Keeps a line as evidence without counting an event (a second line about the same one).
    pub fn add_line(&mut self, line: &KLine) {
        match line.time {
            Some(t) => {
                self.first = Some(self.first.map_or(t, |f| f.min(t)));
                self.last = Some(self.last.map_or(t, |l| l.max(t)));
            }
            None => self.any_time_unknown = true,
        }
        if self.head.len() < HEAD_LINES {
            self.head.push(line.evidence.clone());
        } else {
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(line.evidence.clone());
        }
    }

    /// The observation: count, first/last time, age of the latest event in hours (only when
    /// every line had a time), and the kept lines as evidence. `since` is the first time.
    pub fn observation(&self, now: Timestamp) -> Observation {
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
        let skipped = self.count.saturating_sub((self.head.len() + self.tail.len()) as u64);
        for l in &self.head {
            o = o.evidence(l.clone());
        }
        if skipped > 0 && !self.tail.is_empty() {
            o = o.evidence(format!("... {skipped} similar lines ..."));
        }
        for l in &self.tail {
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

/// The rules, in order (the first that matches classifies the line), each behind literals its
/// matches contain, compiled only when a line has them ([`Guarded`]).
static RULES: [(&str, Guarded); 8] = [
    ("panic", Guarded::new(r"Kernel panic - not syncing", Guard::AnyOf(&["Kernel panic - not syncing"]))),
    (
        "hung-task",
        Guarded::new(
            r"\btask (\S+?):(\d+) blocked for more than (\d+) seconds",
            Guard::AnyOf(&[" blocked for more than "]),
        ),
    ),
    (
        "soft-lockup",
        Guarded::new(
            r"soft lockup - (CPU#\d+) stuck for (\d+)s!(?: \[(.+):(\d+)\])?",
            Guard::AnyOf(&["soft lockup - CPU#"]),
        ),
    ),
    ("hard-lockup", Guarded::new(r"(?i)hard LOCKUP on cpu (\d+)", Guard::NoCase("hard lockup on cpu "))),
    (
        "rcu-stall",
        Guarded::new(r"rcu.{0,20}(?:detected stalls?|self-detected stall)", Guard::AnyOf(&["detected stall"])),
    ),
    (
        "oops",
        Guarded::new(
            r"\bOops:|general protection fault|BUG: unable to handle|kernel BUG at|BUG: kernel NULL pointer",
            Guard::AnyOf(&[
                "Oops:",
                "general protection fault",
                "BUG: unable to handle",
                "kernel BUG at",
                "BUG: kernel NULL pointer",
            ]),
        ),
    ),
    ("bug", Guarded::new(r"\bBUG: ", Guard::AnyOf(&["BUG: "]))),
    ("hardware-error", Guarded::new(r"\[Hardware Error\]", Guard::AnyOf(&["[Hardware Error]"]))),
];

/// What a line is about: (kind, subject, detail, blocked seconds).
fn classify(text: &str) -> Option<(&'static str, String, String, Option<f64>)> {
    let (kind, re) = RULES.iter().find(|(_, re)| re.is_match(text))?;
    let caps = re.captures(text)?;
    let detail: String = text.chars().take(200).collect();
    let (subject, blocked) = match *kind {
        "hung-task" => (caps[1].to_string(), caps[3].parse().ok()),
        "soft-lockup" => match caps.get(3) {
            Some(task) => (task.as_str().to_string(), caps[2].parse().ok()),
            None => (caps[1].to_string(), caps[2].parse().ok()),
        },
        "hard-lockup" => (format!("CPU#{}", &caps[1]), None),
        "rcu-stall" => ("RCU".to_string(), None),
        "hardware-error" => ("hardware".to_string(), None),
        "bug" if text.contains("soft lockup") => return None,
        _ => ("kernel".to_string(), None),
    };
    // `bug` is folded into `oops`: both mean the kernel hit an internal error.
    let kind = if *kind == "bug" { "oops" } else { kind };
    Some((kind, subject, detail, blocked))
}

/// Whether kdump would capture the next crash: `loaded`, `reserved` (crashkernel= set but no
/// crash kernel loaded) or `not configured`.
fn kdump_state(ctx: &ProbeContext) -> Msg {
    if ctx.host.read_line("/sys/kernel/kexec_crash_loaded").as_deref() == Some("1") {
        return Msg::ValKdumpLoaded;
    }
    if ctx.host.read_line("/proc/cmdline").is_some_and(|l| l.contains("crashkernel=")) {
        return Msg::ValKdumpReserved;
    }
    Msg::ValNotConfigured
}

/// Crash dumps: directories under /var/crash holding a vmcore (RHEL/Alibaba Cloud Linux) or a
/// dump.<date> (Debian/Ubuntu kdump-tools), with the panic lines of their saved dmesg.
fn crash_dumps(ctx: &ProbeContext, now: Timestamp) -> Vec<Observation> {
    let mut out = Vec::new();
    let Ok(entries) = ctx.host.list_dir("/var/crash") else { return out };
    for name in entries {
        let dir = format!("/var/crash/{name}");
        let Ok(files) = ctx.host.list_dir(&dir) else { continue };
        let is_dump = files.iter().any(|f| f.starts_with("vmcore") || f.starts_with("dump."));
        if !is_dump {
            continue;
        }
        let mtime = std::fs::metadata(ctx.host.path(&dir))
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| Timestamp::try_from(t).ok());
        let mut o = Observation::new(&dir).text("kind", "crash-dump").num("times", 1.0);
        o = o.flag("time_known", mtime.is_some());
        if let Some(t) = mtime {
            o = o
                .text("first_time", show(t))
                .text("last_time", show(t))
                .num("age_hours", age_hours(t, now))
                .since(Some(show(t)));
        }
        let mut detail = String::new();
        for f in files.iter().filter(|f| f.starts_with("vmcore-dmesg") || f.starts_with("dmesg.")) {
            let path = format!("{dir}/{f}");
            if let Ok(Some((bytes, _))) = crate::host::klog::read_tail(&ctx.host, &path, 256 * 1024) {
                let mut lines = Vec::new();
                crate::host::klog::for_each_interesting_line(&bytes, |l| {
                    let l = String::from_utf8_lossy(l);
                    if classify(&l).is_some() {
                        lines.push(l.trim().chars().take(300).collect::<String>());
                    }
                });
                for l in lines.iter().rev().take(5).rev() {
                    if detail.is_empty() {
                        detail = l.clone();
                    }
                    o = o.evidence(format!("{path}: {l}"));
                }
            }
        }
        if o.evidence.is_empty() {
            o = o.evidence(format!("{dir}: {}", files.join(" ")));
        }
        out.push(if detail.is_empty() {
            o.word("detail", Said::new(Msg::ValNoSavedDmesg))
        } else {
            o.text("detail", detail)
        });
    }
    out
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let now = Timestamp::now();
    let dumps = crash_dumps(ctx, now);
    let kdump = kdump_state(ctx);
    let log = match ctx.kernel_log() {
        Ok(log) => Some(log),
        // Without a kernel log the crash dumps still say something.
        Err(e) if dumps.is_empty() => return Err(e),
        Err(_) => None,
    };
    let mut groups: BTreeMap<(&'static str, String), (Group, String, f64)> = BTreeMap::new();
    if let Some(log) = &log {
        for line in &log.lines {
            let Some((kind, subject, detail, blocked)) = classify(&line.text) else { continue };
            let entry = groups.entry((kind, subject.clone())).or_insert_with(|| (Group::new(subject), detail, 0.0));
            entry.0.add(line);
            entry.2 = entry.2.max(blocked.unwrap_or(0.0));
        }
    }
    let events: u64 = groups.values().map(|g| g.0.count).sum();
    let mut summary = match &log {
        Some(l) => log_summary(l, events as usize),
        None => Observation::new("/var/crash").text("source", "/var/crash").num("events", 0.0),
    };
    summary = summary.word("kdump", Said::new(kdump)).num("crash_dumps", dumps.len() as f64);
    let mut items = vec![summary];
    for ((kind, _), (g, detail, blocked)) in groups {
        let mut o = g.observation(now).text("kind", kind).text("detail", detail);
        if kind == "hardware-error" {
            // The subject `hardware` is a word of the tool here, not a name from the log.
            o = o.subject_words(Said::new(Msg::ValHardware));
        }
        if let Some(log) = &log {
            o = note_truncation(o, log);
        }
        if blocked > 0.0 {
            o = o.num("blocked_s", blocked);
        }
        items.push(o);
    }
    items.extend(dumps);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guard never turns away a line its regex matches, and every pattern compiles.
    #[test]
    fn guards_never_hide_a_match() {
        super::super::guarded::assert_guards_hold(&RULES);
    }

    #[test]
    fn classifies_kernel_trouble() {
        let c = |t: &str| classify(t).map(|(k, s, _, b)| (k, s, b));
        assert_eq!(
            c("INFO: task mysqld:123 blocked for more than 120 seconds."),
            Some(("hung-task", "mysqld".into(), Some(120.0)))
        );
        assert_eq!(
            c("watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [java:4242]"),
            Some(("soft-lockup", "java".into(), Some(22.0)))
        );
        assert_eq!(c("BUG: soft lockup - CPU#0 stuck for 23s!"), Some(("soft-lockup", "CPU#0".into(), Some(23.0))));
        assert_eq!(c("Kernel panic - not syncing: Fatal exception"), Some(("panic", "kernel".into(), None)));
        assert_eq!(
            c("BUG: unable to handle page fault for address: 0000000000001234"),
            Some(("oops", "kernel".into(), None))
        );
        assert_eq!(c("Oops: 0002 [#1] SMP NOPTI"), Some(("oops", "kernel".into(), None)));
        assert_eq!(c("BUG: Bad page state in process x"), Some(("oops", "kernel".into(), None)));
        assert_eq!(c("rcu: INFO: rcu_sched self-detected stall on CPU"), Some(("rcu-stall", "RCU".into(), None)));
        assert_eq!(c("Watchdog detected hard LOCKUP on cpu 2"), Some(("hard-lockup", "CPU#2".into(), None)));
        assert_eq!(
            c("mce: [Hardware Error]: Machine check events logged"),
            Some(("hardware-error", "hardware".into(), None))
        );
        assert_eq!(c("EXT4-fs error (device vdb1): x"), None);
        assert_eq!(c("installing stall detector"), None);
    }
}
