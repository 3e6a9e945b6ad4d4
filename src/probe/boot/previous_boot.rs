//! How the previous boot ended, and whether the next crash would be saved: "the last reboot was
//! a crash at …". Read from what survives a reboot, so it works under `--root` on a rescued disk:
//!
//! - the persistent journal's previous boot (`journalctl -b -1`, `-D <root>/var/log/journal`
//!   under `--root`): the kernel's panic, Oops or out-of-memory lines, and whether the boot went
//!   down through the shutdown sequence (journald's "Journal stopped", systemd-shutdown) or
//!   stopped mid-way (a crash that left no trace in it, a power loss, a forced restart);
//! - pstore records (the kernel's last messages saved in firmware or reserved RAM at a panic):
//!   /sys/fs/pstore on the live system, archived by systemd-pstore to /var/lib/systemd/pstore;
//! - crash dumps kdump saved under /var/crash (their `vmcore-dmesg.txt`/`dmesg.*` panic line);
//! - whether kdump is enabled (kdump.service or kdump-tools.service) and memory is reserved for
//!   it (`crashkernel=` on the default GRUB entry, else the running kernel's command line).

use crate::host::journal::{self, BootEntry, Unavailable};
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("kind", "previous-boot or kdump"),
    Field::text("ended", "how the previous boot ended: crash, out of memory, unclean, clean or unknown"),
    Field::flag("crashed", "1 when the previous boot ended in a kernel panic or Oops"),
    Field::flag("oom", "1 when it ended right after the kernel killed processes for memory"),
    Field::flag("unclean", "1 when it stopped without the shutdown sequence and without a trace of a crash"),
    Field::text("at", "when: the crash, or the previous boot's last journal entry (UTC)"),
    Field::num("age_hours", "hours", "how long ago the crash or the out-of-memory end was"),
    Field::flag("time_known", "1 when the time of the crash or the out-of-memory end is known"),
    Field::text("when", "the crash or the out-of-memory end, and how long ago (\"2026-11-20T03:00:00Z (3 days ago)\")"),
    Field::text("detail", "the kernel's line that says what happened"),
    Field::text("source", "where it was seen: the journal, pstore or a crash dump"),
    Field::flag("kdump_enabled", "1 when the kdump service is enabled"),
    Field::flag("crashkernel", "1 when memory is reserved for the crash kernel (crashkernel=)"),
    Field::flag("kdump_broken", "1 when kdump is enabled but no crashkernel= reserves memory for it"),
    Field::text("kdump", "kdump's state in words"),
];

/// Kernel lines that mean the kernel died.
const PANIC: &[&str] = &["Kernel panic - not syncing", "Oops: ", "BUG: unable to handle", "general protection fault"];
/// Kernel lines of the OOM killer.
const OOM: &[&str] = &["Out of memory: Killed process", "Out of memory: Kill process", "invoked oom-killer"];
/// Lines of a boot that went down through the shutdown sequence.
const CLEAN_END: &[&str] = &[
    "Journal stopped",
    "Received SIGTERM from PID 1",
    "reboot: Restarting system",
    "reboot: Power down",
    "System is rebooting",
    "System is powering down",
];
/// A crash dump or pstore record older than this is history, not the last reboot.
const RECENT_DAYS: i64 = 30;
/// An OOM kill this close to the last entry of a boot that did not shut down is why it ended.
const OOM_BEFORE_END_S: i64 = 600;

fn ts(usec: i64) -> String {
    Timestamp::from_microsecond(usec).map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default()
}

fn file_time(ctx: &ProbeContext, path: &str) -> Option<Timestamp> {
    let m = std::fs::metadata(ctx.host.path(path)).ok()?.modified().ok()?;
    Timestamp::try_from(m).ok()
}

/// The line of a saved kernel log that says what happened.
fn panic_line(text: &str) -> Option<String> {
    let l = text
        .lines()
        .find(|l| l.contains("Kernel panic - not syncing"))
        .or_else(|| text.lines().find(|l| PANIC.iter().any(|p| l.contains(p))))?;
    // `<0>[ 1234.567890] Kernel panic - ...`: the message without the prefix.
    let msg = l.find("] ").map_or(l, |i| &l[i + 2..]);
    Some(msg.chars().filter(|c| !c.is_control()).take(300).collect())
}

/// A crash seen in a record that outlived the boot: (time, detail, evidence line).
type Record = (Timestamp, String, String);

/// The `dmesg*` files of a pstore directory. systemd-pstore writes a `dmesg.txt` next to the
/// records it archives, all of them joined, dated when it ran (the boot after the crash): it is
/// read only when the records themselves are not there, whose times are the crash's.
fn dmesg_files(names: Vec<String>) -> Vec<String> {
    let records = names.iter().any(|n| n.starts_with("dmesg-"));
    names.into_iter().filter(|n| n.starts_with("dmesg") && !(records && n == "dmesg.txt")).collect()
}

/// pstore records: `dmesg-*` files under /sys/fs/pstore (`dmesg-ramoops-N`, `dmesg-efi-N`,
/// `dmesg-erst-N`, the file's time is the record's) and systemd-pstore's archive (one level of
/// subdirectories), whose first line says `Panic#1 Part1` or `Oops#1 Part1`.
fn pstore(ctx: &ProbeContext) -> Vec<Record> {
    let mut files = Vec::new();
    for dir in ["/sys/fs/pstore", "/var/lib/systemd/pstore"] {
        let names: Vec<String> = ctx.host.list_dir(dir).unwrap_or_default().into_iter().take(256).collect();
        for n in &names {
            let p = format!("{dir}/{n}");
            if ctx.host.path(&p).is_dir() {
                let inner = ctx.host.list_dir(&p).unwrap_or_default().into_iter().take(64).collect();
                files.extend(dmesg_files(inner).into_iter().map(|m| format!("{p}/{m}")));
            }
        }
        let top = names.into_iter().filter(|n| !ctx.host.path(format!("{dir}/{n}")).is_dir()).collect();
        files.extend(dmesg_files(top).into_iter().map(|n| format!("{dir}/{n}")));
    }
    let mut out = Vec::new();
    for f in files {
        let Ok(file) = ctx.host.read(&f) else { continue };
        let head = file.text.lines().next().unwrap_or("");
        let crash =
            head.starts_with("Panic#") || head.starts_with("Oops#") || file.text.contains("Kernel panic - not syncing");
        if !crash {
            continue;
        }
        let Some(t) = file_time(ctx, &f) else { continue };
        let detail = panic_line(&file.text).unwrap_or_else(|| head.chars().filter(|c| !c.is_control()).collect());
        out.push((t, detail.clone(), format!("{f}: {detail}")));
    }
    out
}

/// Crash dumps under /var/crash with the panic line of their saved dmesg.
fn vmcores(ctx: &ProbeContext) -> Vec<Record> {
    let mut out = Vec::new();
    for n in ctx.host.list_dir("/var/crash").unwrap_or_default().into_iter().take(256) {
        let dir = format!("/var/crash/{n}");
        let files = ctx.host.list_dir(&dir).unwrap_or_default();
        let Some(core) =
            files.iter().find(|f| f.starts_with("vmcore") && !f.contains("dmesg") || f.starts_with("dump."))
        else {
            continue;
        };
        let Some(t) = file_time(ctx, &format!("{dir}/{core}")) else { continue };
        let detail = files
            .iter()
            .filter(|f| f.starts_with("vmcore-dmesg") || f.starts_with("dmesg."))
            .find_map(|f| ctx.host.read(&format!("{dir}/{f}")).ok().and_then(|t| panic_line(&t.text)))
            .unwrap_or_else(|| "a crash dump (no saved kernel log)".into());
        out.push((t, detail.clone(), format!("{dir}/{core}: {detail}")));
    }
    out
}

/// (enabled, crashkernel reserved, evidence) of kdump: the kdump service enabled in the examined
/// system's systemd configuration, and `crashkernel=` on the command line it boots with (the
/// default GRUB entry; without one, the running kernel's on the live system and
/// `GRUB_CMDLINE_LINUX` of /etc/default/grub under --root, never this machine's own).
pub(crate) fn kdump(ctx: &ProbeContext) -> (bool, bool, Vec<String>) {
    let mut ev = Vec::new();
    let mut enabled = false;
    for unit in ["kdump.service", "kdump-tools.service"] {
        for dir in ["/etc/systemd/system/multi-user.target.wants", "/etc/systemd/system/basic.target.wants"] {
            let p = format!("{dir}/{unit}");
            if std::fs::symlink_metadata(ctx.host.path(&p)).is_ok() {
                enabled = true;
                ev.push(format!("{p}: enabled"));
            }
        }
    }
    if let Ok(Some(f)) = ctx.host.read_optional("/etc/default/kdump-tools")
        && let Some((i, l)) = f.text.lines().enumerate().find(|(_, l)| l.trim_start().starts_with("USE_KDUMP="))
    {
        let on = l.trim().trim_start_matches("USE_KDUMP=").trim_matches('"') == "1";
        enabled &= on;
        ev.push(format!("{}:{}: {}", f.path, i + 1, l.trim()));
    }
    let cmdline = match super::menu(ctx).ok().and_then(|m| m.default.and_then(|d| m.entries.get(d).cloned())) {
        Some(e) => Some((format!("{}: default entry {}", e.source, e.title), e.options)),
        None if ctx.host.is_live() => ctx.host.read_line("/proc/cmdline").map(|l| ("/proc/cmdline".to_string(), l)),
        None => default_grub_cmdline(ctx),
    };
    let reserved = cmdline.as_ref().is_some_and(|(_, l)| l.split_whitespace().any(|w| w.starts_with("crashkernel=")));
    if let Some((src, line)) = cmdline {
        let word = line.split_whitespace().find(|w| w.starts_with("crashkernel=")).unwrap_or("no crashkernel=");
        ev.push(format!("{src}: {word}"));
    }
    (enabled, reserved, ev)
}

/// The kernel command line /etc/default/grub gives every entry grub-mkconfig writes
/// (`GRUB_CMDLINE_LINUX` and `GRUB_CMDLINE_LINUX_DEFAULT`, quotes removed), with where it is.
fn default_grub_cmdline(ctx: &ProbeContext) -> Option<(String, String)> {
    let f = ctx.host.read_optional("/etc/default/grub").ok().flatten()?;
    let mut words = Vec::new();
    let mut lines = Vec::new();
    for (i, l) in f.text.lines().enumerate() {
        let l = l.trim();
        for key in ["GRUB_CMDLINE_LINUX=", "GRUB_CMDLINE_LINUX_DEFAULT="] {
            if let Some(v) = l.strip_prefix(key) {
                words.push(v.trim_matches(|c| c == '"' || c == '\'').to_string());
                lines.push((i + 1).to_string());
            }
        }
    }
    (!lines.is_empty()).then(|| (format!("{}:{}", f.path, lines.join(",")), words.join(" ")))
}

/// kdump's state in words, from (enabled, crashkernel reserved).
pub(crate) fn kdump_words(enabled: bool, reserved: bool) -> Msg {
    match (enabled, reserved) {
        (true, true) => Msg::ValKdumpReady,
        (true, false) => Msg::ValKdumpNoMemory,
        (false, true) => Msg::ValKdumpNotEnabled,
        (false, false) => Msg::ValNotConfigured,
    }
}

fn is_any(m: &str, list: &[&str]) -> bool {
    list.iter().any(|p| m.contains(p))
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let now = Timestamp::now();
    let recent = |t: &Timestamp| now.duration_since(*t).as_secs() < RECENT_DAYS * 86_400;
    let mut records: Vec<(Timestamp, String, String, &str)> = Vec::new();
    records.extend(pstore(ctx).into_iter().filter(|r| recent(&r.0)).map(|(t, d, e)| (t, d, e, "pstore")));
    records.extend(vmcores(ctx).into_iter().filter(|r| recent(&r.0)).map(|(t, d, e)| (t, d, e, "a kdump crash dump")));
    records.sort_by_key(|r| r.0);

    let mut o = Observation::new("previous boot").text("kind", "previous-boot");
    let prev = journal::previous_boot(&ctx.host, ctx.deadline);
    let mut known = false;
    // When the crash or the out-of-memory end happened: a warning while recent, then history.
    let mut event: Option<Timestamp> = None;
    match &prev {
        Ok(boot) => {
            known = true;
            let entries: &[BootEntry] = &boot.entries;
            let last = entries.last().map_or(0, |e| e.usec);
            let panic = entries.iter().rev().find(|e| e.kernel && is_any(&e.message, PANIC));
            let oom = entries.iter().rev().find(|e| e.kernel && is_any(&e.message, OOM));
            let clean = entries.iter().rev().take(400).any(|e| is_any(&e.message, CLEAN_END));
            let oom_at_end = oom.is_some_and(|e| last - e.usec <= OOM_BEFORE_END_S * 1_000_000);
            let record_after_start =
                records.last().filter(|r| r.0.as_microsecond() >= entries.first().map_or(0, |e| e.usec));
            o = o.evidence(format!(
                "{}: {} entries, {} to {}",
                boot.source,
                entries.len(),
                ts(entries.first().map_or(0, |e| e.usec)),
                ts(last)
            ));
            if let Some(p) = panic {
                event = Timestamp::from_microsecond(p.usec).ok();
                o = o
                    .word("ended", Said::new(Msg::ValBootEndedCrash))
                    .flag("crashed", true)
                    .text("at", ts(p.usec))
                    .text("detail", p.message.chars().take(300).collect::<String>())
                    .text("source", boot.source.clone())
                    .evidence(format!("{}: {} kernel: {}", boot.source, ts(p.usec), p.message));
            } else if let Some(r) = record_after_start.filter(|_| !clean) {
                event = Some(r.0);
                o = o
                    .word("ended", Said::new(Msg::ValBootEndedCrash))
                    .flag("crashed", true)
                    .text("at", r.0.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .text("detail", r.1.clone())
                    .text("source", r.3)
                    .evidence(r.2.clone());
            } else if !clean && oom_at_end {
                let e = oom.map(|e| (e.usec, e.message.clone())).unwrap_or_default();
                event = Timestamp::from_microsecond(e.0).ok();
                o = o
                    .word("ended", Said::new(Msg::ValBootEndedOom))
                    .flag("oom", true)
                    .text("at", ts(e.0))
                    .text("detail", e.1.chars().take(300).collect::<String>())
                    .text("source", boot.source.clone())
                    .evidence(format!("{}: {} kernel: {}", boot.source, ts(e.0), e.1));
            } else if !clean {
                o = o.word("ended", Said::new(Msg::ValBootEndedUnclean)).flag("unclean", true).text("at", ts(last));
            } else {
                o = o.word("ended", Said::new(Msg::ValBootEndedClean)).flag("crashed", false).text("at", ts(last));
            }
            if let Some(e) = entries.last() {
                o = o.evidence(format!("{}: last entry {} {}: {}", boot.source, ts(e.usec), e.ident, e.message));
            }
        }
        Err(Unavailable::Failed(why)) => {
            o = o.evidence(why.clone());
        }
        Err(Unavailable::None) => {}
    }
    if !known {
        // No journal of the previous boot: a recent pstore record or crash dump still tells.
        match records.last() {
            Some(r) => {
                event = Some(r.0);
                o = o
                    .word("ended", Said::new(Msg::ValBootEndedCrash))
                    .flag("crashed", true)
                    .text("at", r.0.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .text("detail", r.1.clone())
                    .text("source", r.3)
                    .evidence(r.2.clone());
            }
            None => {
                o = o
                    .word("ended", Said::new(Msg::ValBootEndedUnknown))
                    .evidence("no journal of the previous boot, no pstore record, no crash dump".to_string())
            }
        }
    }
    if let Some(t) = event {
        o = crate::probe::kernel::aged(o, "when", t, now);
    }
    o = o.flag("time_known", event.is_some());
    let (enabled, reserved, ev) = kdump(ctx);
    let state = Said::new(kdump_words(enabled, reserved));
    // The check's ok text reads the first observation: it says kdump's state too.
    o = o.word("kdump", state.clone());
    let mut k = Observation::new("kdump")
        .text("kind", "kdump")
        .flag("kdump_enabled", enabled)
        .flag("crashkernel", reserved)
        .flag("kdump_broken", enabled && !reserved)
        .word("kdump", state);
    for e in ev {
        k = k.evidence(e);
    }
    Ok(Observations::of(vec![o, k]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn systemd_pstores_joined_dmesg_txt_is_read_only_without_the_records() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            super::dmesg_files(names(&["dmesg-ramoops-0", "dmesg.txt", "console-ramoops-0"])),
            names(&["dmesg-ramoops-0"])
        );
        assert_eq!(super::dmesg_files(names(&["dmesg.txt"])), names(&["dmesg.txt"]));
    }

    #[test]
    fn panic_lines_lose_their_prefix() {
        let t = "Panic#1 Part1\n<6>[ 10.0] ok\n<0>[ 1234.567890] Kernel panic - not syncing: Out of memory and no killable processes...\n";
        assert_eq!(
            super::panic_line(t).as_deref(),
            Some("Kernel panic - not syncing: Out of memory and no killable processes...")
        );
        assert_eq!(super::panic_line("nothing"), None);
    }
}
