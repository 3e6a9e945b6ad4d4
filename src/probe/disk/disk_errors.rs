//! Disk and filesystem errors in the kernel log: block-layer I/O errors, SCSI and NVMe
//! failures, ext4/XFS/Btrfs errors and corruption, journal aborts and emergency read-only
//! remounts. One observation per device, with the kinds of errors seen and the mount it backs.

use crate::host::klog::group::Group;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::kernel::{GroupObservation, log_summary, note_truncation};
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("times", "", "how many times the event is in the log"),
    Field::text("kinds", "the kinds of error seen (I/O error, corruption, remounted read-only, ...)"),
    Field::text("first_time", "when it was first seen"),
    Field::text("last_time", "when it was last seen"),
    Field::num("age_hours", "hours", "hours since it was last seen (-1 when the time is unknown)"),
    Field::flag("time_known", "1 when the log gave the event a time"),
    Field::text("last_when", "when it was last seen and how long ago (\"2026-11-20T03:00:00Z (3 days ago)\")"),
    Field::text("boot_time", "when the system booted (/proc/stat btime), if known"),
    Field::num("uptime_s", "s", "seconds since the system booted, if known"),
    Field::flag("read_only_remount", "1 when the kernel remounted the filesystem read-only"),
    Field::flag("corruption", "1 when the filesystem reported corruption or shut down"),
    Field::text("mount", "where the device is mounted"),
    Field::num("events", "", "events found in the kernel log"),
    Field::num("scanned_lines", "", "kernel-log lines read"),
    Field::text("source", "where the kernel log came from (/dev/kmsg, journalctl, /var/log/kern.log)"),
];

/// What kind of trouble a line reports, about which device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskError {
    /// Kernel device name: `vdb`, `vdb1`, `nvme0`, `dm-0`.
    pub device: String,
    pub kind: &'static str,
}

use crate::host::klog::guarded::{Guard, Guarded};

/// The rules, in order (the first that matches names the error), each behind a literal its
/// matches contain, compiled only when a line has it ([`Guarded`]).
static RULES: [(&str, Guarded); 11] = [
    (
        "remounted read-only",
        Guarded::new(
            r"(?:EXT[234]|[A-Za-z0-9]+)-fs \(([^)\s]+)\):.*[Rr]emounting filesystem read-only",
            Guard::AnyOf(&["emounting filesystem read-only"]),
        ),
    ),
    (
        "filesystem error",
        Guarded::new(r"EXT[234]-fs error \(device ([^)\s]+)\)", Guard::AnyOf(&["-fs error (device "])),
    ),
    (
        "journal aborted",
        Guarded::new(
            r"Aborting journal on device ([A-Za-z0-9_.:/-]+?)(?:-\d+)?\.?(?:\s|$)",
            Guard::AnyOf(&["Aborting journal on device "]),
        ),
    ),
    ("corruption", Guarded::new(r"XFS \(([^)\s]+)\):.*(?:[Cc]orruption|[Cc]orrupt)", Guard::AnyOf(&["XFS ("]))),
    (
        "filesystem shut down",
        Guarded::new(r"XFS \(([^)\s]+)\):.*(?:[Ss]hut ?down|force_shutdown)", Guard::AnyOf(&["XFS ("])),
    ),
    ("I/O error", Guarded::new(r"XFS \(([^)\s]+)\):.*I/O error", Guard::AnyOf(&["XFS ("]))),
    (
        "filesystem error",
        Guarded::new(
            r"BTRFS (?:error|critical) \(device ([^)\s]+)",
            Guard::AnyOf(&["BTRFS error (", "BTRFS critical ("]),
        ),
    ),
    (
        "I/O error",
        Guarded::new(
            r"Buffer I/O error on (?:dev|device) ([^\s,(]+(?:\(\d+,\d+\))?)",
            Guard::AnyOf(&["Buffer I/O error on dev"]),
        ),
    ),
    ("I/O error", Guarded::new(r"error, dev ([^\s,]+), sector", Guard::AnyOf(&["error, dev "]))),
    (
        "I/O error",
        Guarded::new(
            r"\[((?:sd|vd|xvd|hd)[a-z]+)\].*(?:FAILED Result|[Mm]edium [Ee]rror|I/O error)",
            Guard::AnyOf(&["FAILED Result", "edium ", "I/O error"]),
        ),
    ),
    (
        "I/O timeout",
        Guarded::new(r"nvme (nvme\d+): I/O (?:tag )?\d+ (?:\(\w+\) )?QID \d+ timeout", Guard::AnyOf(&["QID "])),
    ),
];

/// An error kind in words (the kind itself stays the English name, which the flags below and
/// the check's `where` filters compare).
fn kind_words(kind: &str) -> Said {
    Said::new(match kind {
        "remounted read-only" => Msg::ValRemountedReadOnly,
        "filesystem error" => Msg::ValFilesystemError,
        "journal aborted" => Msg::ValJournalAborted,
        "corruption" => Msg::ValCorruption,
        "filesystem shut down" => Msg::ValFilesystemShutDown,
        "I/O timeout" => Msg::ValIoTimeout,
        "I/O error" => Msg::ValIoError,
        other => return Said::new(Msg::ValItems).arg("items", other),
    })
}

/// The disk error a kernel message reports, if it reports one.
pub fn parse(text: &str) -> Option<DiskError> {
    RULES.iter().find_map(|(kind, re)| {
        let caps = re.captures(text)?;
        let device = caps[1].trim_end_matches([':', ',', '.']).trim_start_matches("/dev/").to_string();
        (!device.is_empty()).then_some(DiskError { device, kind })
    })
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let log = ctx.kernel_log()?;
    let now = Timestamp::now();
    let mut by_dev: BTreeMap<String, (Group, BTreeSet<&'static str>)> = BTreeMap::new();
    for line in &log.lines {
        let Some(e) = parse(&line.text) else { continue };
        let subject = format!("/dev/{}", e.device);
        let entry = by_dev.entry(subject.clone()).or_insert_with(|| (Group::new(subject), BTreeSet::new()));
        entry.0.add(line);
        entry.1.insert(e.kind);
    }
    // Name the mount a device backs, so the finding says which data is at risk.
    let mounts = ctx.mounts().ok();
    let events: u64 = by_dev.values().map(|(g, _)| g.count).sum();
    let mut items = vec![log_summary(&log, events as usize)];
    for (dev, (g, kinds)) in &by_dev {
        let mount = mounts
            .as_ref()
            .and_then(|t| t.mounts.iter().find(|m| &m.source == dev).map(|m| m.mount_point.clone()))
            .unwrap_or_else(|| "—".to_string());
        let o: Observation = g
            .observation(now)
            .word("kinds", Said::new(Msg::ValItems).words("items", kinds.iter().map(|k| kind_words(k)).collect()))
            .flag("read_only_remount", kinds.contains("remounted read-only"))
            .flag("corruption", kinds.contains("corruption") || kinds.contains("filesystem shut down"))
            .text("mount", mount);
        items.push(note_truncation(o, &log));
    }
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
    fn parses_device_and_kind() {
        let p = |t: &str| parse(t).map(|e| (e.device, e.kind));
        assert_eq!(
            p("Buffer I/O error on dev vdb1, logical block 0, lost async page write"),
            Some(("vdb1".into(), "I/O error"))
        );
        assert_eq!(
            p("blk_update_request: I/O error, dev vdb, sector 2048 op 0x1:(WRITE) flags 0x800"),
            Some(("vdb".into(), "I/O error"))
        );
        assert_eq!(
            p("I/O error, dev nvme1n1, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2"),
            Some(("nvme1n1".into(), "I/O error"))
        );
        assert_eq!(p("critical medium error, dev sdb, sector 77 op 0x0:(READ)"), Some(("sdb".into(), "I/O error")));
        // 2.5 kernels name a device by its kdevname, major and minor in parentheses.
        assert_eq!(p("Buffer I/O error on device sr(11,1), logical block 8"), Some(("sr(11,1)".into(), "I/O error")));
        assert_eq!(
            p("EXT4-fs error (device loop7): ext4_lookup:1855: inode #2: comm ls: deleted inode referenced"),
            Some(("loop7".into(), "filesystem error"))
        );
        assert_eq!(p("EXT4-fs (vdb1): Remounting filesystem read-only"), Some(("vdb1".into(), "remounted read-only")));
        assert_eq!(p("Aborting journal on device vdb1-8."), Some(("vdb1".into(), "journal aborted")));
        assert_eq!(
            p("XFS (dm-0): Corruption detected. Unmount and run xfs_repair"),
            Some(("dm-0".into(), "corruption"))
        );
        assert_eq!(
            p("XFS (vdc): metadata I/O error in \"xfs_imap\" at daddr 0x2 len 1 error 5"),
            Some(("vdc".into(), "I/O error"))
        );
        assert_eq!(
            p("XFS (vdc): Filesystem has been shut down due to log error (0x2)."),
            Some(("vdc".into(), "filesystem shut down"))
        );
        assert_eq!(
            p("BTRFS error (device sdb1): bdev /dev/sdb1 errs: wr 1"),
            Some(("sdb1".into(), "filesystem error"))
        );
        assert_eq!(
            p("sd 2:0:0:0: [sdb] tag#0 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE"),
            Some(("sdb".into(), "I/O error"))
        );
        assert_eq!(p("nvme nvme0: I/O 123 QID 4 timeout, aborting"), Some(("nvme0".into(), "I/O timeout")));
        assert_eq!(p("EXT4-fs (vda1): mounted filesystem with ordered data mode"), None);
        assert_eq!(p("XFS (vdb): Mounting V5 Filesystem"), None);
        assert_eq!(p("EXT4-fs error (device ): x"), None);
    }
}
