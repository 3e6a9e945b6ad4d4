//! Space and inodes of every real filesystem, from statvfs run in an abandonable child
//! (see `host::statfs`), so a hung NFS or FUSE mount becomes a finding instead of a stuck run.

use crate::host::statfs::{StatfsOutcome, statfs_all};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;

/// Pseudo and read-only-by-design filesystems that never hold customer data (squashfs snaps are
/// always 100 % full, overlay mounts repeat the disk under them).
pub const DEFAULT_EXCLUDED: &[&str] = &[
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "devpts",
    "devtmpfs",
    "securityfs",
    "pstore",
    "bpf",
    "debugfs",
    "tracefs",
    "configfs",
    "fusectl",
    "mqueue",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "rpc_pipefs",
    "nsfs",
    "efivarfs",
    "selinuxfs",
    "squashfs",
    "overlay",
    "iso9660",
    "ramfs",
    "nfsd",
    "rootfs",
];

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Filesystem types to leave out (default: [`DEFAULT_EXCLUDED`]).
    #[serde(default)]
    pub exclude_fstypes: Option<Vec<String>>,
    /// How long one statvfs may take before the mount counts as hung.
    #[serde(default = "default_timeout_ms")]
    pub statfs_timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    2000
}

pub const FIELDS: &[Field] = &[
    Field::num("used_percent", "%", "space used, as df shows it (reserved blocks count as used)"),
    Field::num("inodes_used_percent", "%", "inodes used"),
    Field::num("size_bytes", "bytes", "the filesystem's size"),
    Field::num("used_bytes", "bytes", "space used"),
    Field::num("avail_bytes", "bytes", "space available to unprivileged users"),
    Field::num("inodes_total", "", "inodes in the filesystem"),
    Field::num("inodes_free", "", "inodes free"),
    Field::text("fstype", "the filesystem type"),
    Field::text("device", "the mounted device"),
    Field::flag("hung", "1 when statfs did not return within the timeout (a hung NFS or FUSE mount)"),
    Field::flag("read_only", "1 when mounted read-only"),
    Field::text("statfs_error", "the errno name when statfs failed"),
];

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let table = ctx.mounts()?;
    let excluded: Vec<String> = match &params.exclude_fstypes {
        Some(list) => list.clone(),
        None => DEFAULT_EXCLUDED.iter().map(|s| s.to_string()).collect(),
    };
    // One filesystem can be mounted many times (bind mounts): measure it once, at its first mount.
    let mut seen = HashSet::new();
    let mounts: Vec<_> = table
        .mounts
        .iter()
        .filter(|m| !excluded.iter().any(|x| x == &m.fstype))
        .filter(|m| m.majmin.is_empty() || seen.insert(m.majmin.clone()))
        .collect();
    let paths: Vec<_> = mounts.iter().map(|m| ctx.host.path(&m.mount_point)).collect();
    let outcomes = statfs_all(&paths, Duration::from_millis(params.statfs_timeout_ms), ctx.deadline).map_err(|e| {
        ProbeError::failed(
            crate::host::errno_name(&e),
            Said::new(Msg::FailStatfsHelper).nest("error", Said::os_error(&e)),
        )
    })?;
    let mut items = Vec::new();
    for (m, outcome) in mounts.iter().zip(outcomes) {
        let mut o = Observation::new(&m.mount_point)
            .text("fstype", &m.fstype)
            .text("device", &m.source)
            .flag("read_only", m.read_only())
            .evidence(format!(
                "{}: {} on {} type {} ({})",
                table.source,
                m.source,
                m.mount_point,
                m.fstype,
                m.options.join(",")
            ));
        match outcome {
            StatfsOutcome::Ok(s) => {
                o = o.flag("hung", false);
                if s.blocks > 0 {
                    let used = s.blocks.saturating_sub(s.bfree);
                    // df's formula: used / (used + available to unprivileged users).
                    let denom = used + s.bavail;
                    let pct = if denom == 0 { 0.0 } else { (used as f64 * 100.0 / denom as f64).ceil() };
                    o = o
                        .num("used_percent", pct)
                        .num("size_bytes", (s.blocks * s.frsize) as f64)
                        .num("used_bytes", (used * s.frsize) as f64)
                        .num("avail_bytes", (s.bavail * s.frsize) as f64);
                }
                if s.files > 0 {
                    let iused = s.files.saturating_sub(s.ffree);
                    o = o
                        .num("inodes_used_percent", (iused as f64 * 100.0 / s.files as f64).ceil())
                        .num("inodes_total", s.files as f64)
                        .num("inodes_free", s.ffree as f64);
                }
            }
            StatfsOutcome::Failed(code) => o = o.flag("hung", false).text("statfs_error", code),
            StatfsOutcome::TimedOut => o = o.flag("hung", true),
        }
        items.push(o);
    }
    // Metrics named by mount point even for a single filesystem (fill forecasts follow them).
    Ok(Observations { keyed: true, ..Observations::of(items) })
}
