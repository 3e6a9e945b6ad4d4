//! Signs of a sick kernel in the kernel log (panics, Oopses and `BUG:`s, soft and hard lockups,
//! hung tasks, RCU stalls, machine-check errors), crash dumps in /var/crash, and whether kdump
//! would capture the next crash.

use super::{GroupObservation, log_summary, note_truncation};
use crate::fmt::{age_hours, show};
use crate::host::klog::group::Group;
use crate::host::klog::guarded::{Guard, Guarded};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text(
        "kind",
        "panic, oops, soft-lockup, hard-lockup, hung-task, rcu-stall, hardware-error, crash-dump and others",
    ),
    Field::num("times", "", "how many times the event is in the log"),
    Field::text("first_time", "when it was first seen"),
    Field::text("last_time", "when it was last seen"),
    Field::num("age_hours", "hours", "hours since it was last seen (-1 when the time is unknown)"),
    Field::flag("time_known", "1 when the log gave the event a time"),
    Field::text("last_when", "when it was last seen and how long ago (\"2026-11-20T03:00:00Z (3 days ago)\")"),
    Field::text("boot_time", "when the system booted (/proc/stat btime), if known"),
    Field::num("uptime_s", "s", "seconds since the system booted, if known"),
    Field::text("detail", "the log line's message, or the crash dump's panic line"),
    Field::num("blocked_s", "s", "how long a hung task was blocked"),
    Field::num("events", "", "events found in the kernel log"),
    Field::num("scanned_lines", "", "kernel-log lines read"),
    Field::text("source", "where the kernel log came from (/dev/kmsg, journalctl, /var/log/kern.log)"),
    Field::text("kdump", "whether kdump is ready to save a crash dump"),
    Field::num("crash_dumps", "", "crash dumps under /var/crash"),
];

/// The rules, in order (the first that matches classifies the line), each behind literals its
/// matches contain, compiled only when a line has them ([`Guarded`]).
///
/// A kernel Oops always carries the die counter `[#N]` (`Oops: 0002 [#1] SMP`, `divide error:
/// 0000 [#1]`, `invalid opcode: 0000 [#1]` after a `BUG()`, s390's `illegal operation: 0001 [#1]`,
/// `general protection fault: 0000 [#1]`, 6.x `Oops: general protection fault, ...: 0000 [#1]`,
/// arm's `Internal error: Oops - BUG: 0 [#1]`; before 2.6 a bare `Oops: 0000` after `Unable to
/// handle kernel NULL pointer dereference`): a line that only says `Oops:` (the
/// benign `Oops: efitime: can't read time!` of old EFI firmware) or a user program's trap
/// (`traps: a.out[42] trap divide error ip:...`, `... general protection fault ip:...`) is none.
static RULES: [(&str, Guarded); 9] = [
    (
        "panic",
        Guarded::new(
            r"Kernel panic - not syncing|\bPANIC: double fault",
            Guard::AnyOf(&["Kernel panic - not syncing", "PANIC: double fault"]),
        ),
    ),
    (
        "hung-task",
        Guarded::new(
            r"(?:\btask (.+?)|(\S+)):(\d+) (?:blocked (?:in I/O wait )?|can't die )for more than (\d+) seconds",
            Guard::AnyOf(&[
                " blocked for more than ",
                " blocked in I/O wait for more than ",
                " can't die for more than ",
            ]),
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
        Guarded::new(
            r"rcu.{0,20}(?:detected (?:expedited )?stalls?|self-detected stall)",
            Guard::AnyOf(&["detected stall", "detected expedited stall"]),
        ),
    ),
    (
        "oops",
        Guarded::new(
            r"\bOops\b.*\[#\d+\]|\bOops: [0-9a-f]{4}\b|\w: [0-9a-f]{4} \[#\d+\]|Unable to handle kernel (?:NULL pointer|paging request)|\bgeneral protection fault\b.*\[#\d+\]|BUG: unable to handle|kernel BUG at|BUG: kernel NULL pointer|Internal error: .*\[#\d+\]",
            Guard::AnyOf(&[
                "[#",
                "Oops: ",
                "Unable to handle kernel ",
                "BUG: unable to handle",
                "kernel BUG at",
                "BUG: kernel NULL pointer",
            ]),
        ),
    ),
    ("bug", Guarded::new(r"\bBUG: ", Guard::AnyOf(&["BUG: "]))),
    (
        "hardware-error",
        Guarded::new(
            r"\[Hardware Error\]|Machine Check Exception: ",
            Guard::AnyOf(&["[Hardware Error]", "Machine Check Exception: "]),
        ),
    ),
    ("tcp-out-of-memory", Guarded::new(r"\bTCP: out of memory", Guard::AnyOf(&["TCP: out of memory"]))),
];

/// What a line is about: (kind, subject, detail, blocked seconds).
fn classify(text: &str) -> Option<(&'static str, String, String, Option<f64>)> {
    let (kind, re) = RULES.iter().find(|(_, re)| re.is_match(text))?;
    let caps = re.captures(text)?;
    let detail: String = text.chars().take(200).collect();
    let (subject, blocked) = match *kind {
        // A task name with a newline in it (any program can name itself so) leaves `task NAME`
        // on the line before in a syslog file: the part on this line names it then.
        "hung-task" => (caps.get(1).or(caps.get(2)).map_or("", |m| m.as_str()).to_string(), caps[4].parse().ok()),
        "soft-lockup" => match caps.get(3) {
            Some(task) => (task.as_str().to_string(), caps[2].parse().ok()),
            None => (caps[1].to_string(), caps[2].parse().ok()),
        },
        "hard-lockup" => (format!("CPU#{}", &caps[1]), None),
        "rcu-stall" => ("RCU".to_string(), None),
        "hardware-error" => ("hardware".to_string(), None),
        "tcp-out-of-memory" => ("TCP".to_string(), None),
        "bug" if text.contains("soft lockup") => return None,
        _ => ("kernel".to_string(), None),
    };
    // `bug` is folded into `oops`: both mean the kernel hit an internal error.
    let kind = if *kind == "bug" { "oops" } else { kind };
    Some((kind, subject, detail, blocked))
}

/// Whether kdump would capture the next crash, with the lines that show it: on a running system
/// `loaded`, `reserved` (crashkernel= set but no crash kernel loaded) or `not configured`; on a
/// rescued disk (--root without /proc/cmdline) what it will boot with: the kdump service and the
/// `crashkernel=` of its default boot entry or /etc/default/grub, never this machine's own.
fn kdump_state(ctx: &ProbeContext) -> (Msg, Vec<String>) {
    if ctx.host.read_line("/sys/kernel/kexec_crash_loaded").as_deref() == Some("1") {
        return (Msg::ValKdumpLoaded, Vec::new());
    }
    if ctx.kernel_state_absent("/proc/cmdline").is_some() {
        let (enabled, reserved, evidence) = crate::probe::boot::previous_boot::kdump(ctx);
        return (crate::probe::boot::previous_boot::kdump_words(enabled, reserved), evidence);
    }
    if ctx.host.read_line("/proc/cmdline").is_some_and(|l| l.contains("crashkernel=")) {
        return (Msg::ValKdumpReserved, Vec::new());
    }
    (Msg::ValNotConfigured, Vec::new())
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
                .word("last_when", super::when(t, now))
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
    let (kdump, kdump_evidence) = kdump_state(ctx);
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
    for line in kdump_evidence {
        summary = summary.evidence(format!("kdump: {line}"));
    }
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
        crate::host::klog::guarded::assert_guards_hold(&RULES);
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
        assert_eq!(
            c("INFO: task kworker/u8:3:123 blocked in I/O wait for more than 122 seconds."),
            Some(("hung-task", "kworker/u8:3".into(), Some(122.0)))
        );
        assert_eq!(
            c("INFO: task Web Content:77 blocked for more than 120 seconds."),
            Some(("hung-task", "Web Content".into(), Some(120.0)))
        );
        assert_eq!(
            c("\u{fffd}!\u{fffd}:18088 blocked for more than 143 seconds."),
            Some(("hung-task", "\u{fffd}!\u{fffd}".into(), Some(143.0)))
        );
        assert_eq!(
            c("INFO: task syz-executor3:4321 can't die for more than 143 seconds."),
            Some(("hung-task", "syz-executor3".into(), Some(143.0)))
        );
        assert_eq!(
            c("INFO: rcu_sched detected expedited stalls on CPUs/tasks: { 0-... } 26002 jiffies"),
            Some(("rcu-stall", "RCU".into(), None))
        );
        for oops in [
            "divide error: 0000 [#1] SMP",
            "Oops: divide error: 0000 [#1] PREEMPT SMP KASAN NOPTI",
            "general protection fault: 0000 [#1] SMP KASAN",
            "general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP",
            "Internal error: Oops - BUG: 0 [#1] PREEMPT SMP ARM",
            "invalid opcode: 0000 [#1] SMP",
            "Oops: 0000",
            "Unable to handle kernel NULL pointer dereference at virtual address 00000098",
        ] {
            assert_eq!(c(oops).map(|(k, _, _)| k), Some("oops"), "{oops}");
        }
        assert_eq!(c("PANIC: double fault, error_code: 0x0"), Some(("panic", "kernel".into(), None)));
        assert_eq!(
            c("CPU 0: Machine Check Exception: 0000000000000007"),
            Some(("hardware-error", "hardware".into(), None))
        );
        assert_eq!(c("TCP: out of memory -- consider tuning tcp_mem"), Some(("tcp-out-of-memory", "TCP".into(), None)));
        // Not the kernel's own errors: a firmware note, user programs' traps, a warning.
        for fine in [
            "Oops: efitime: can't read time!",
            "traps: a.out[4242] trap divide error ip:4004d4 sp:7ffd1f0d0a40 error:0 in a.out[400000+1000]",
            "traps: php[77] general protection fault ip:7f3c sp:7ffc error:0 in libc.so.6[7f3c+1000]",
            "WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 bar+0x1/0x2",
        ] {
            assert_eq!(c(fine), None, "{fine}");
        }
        assert_eq!(c("EXT4-fs error (device vdb1): x"), None);
        assert_eq!(c("installing stall detector"), None);
    }
}
