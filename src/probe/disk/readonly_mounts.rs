//! Filesystems mounted read-only that should be writable: /etc/fstab mounts them read-write, or
//! the kernel turned the filesystem read-only under a read-write mount (ext4's
//! `errors=remount-ro` after disk errors shows as `ro` in mountinfo's filesystem options while
//! the mount itself still says `rw`).

use super::filesystems::DEFAULT_EXCLUDED;
use crate::host::fstab;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("read_only", "1 when mounted read-only"),
    Field::flag("fstab_rw", "1 when /etc/fstab mounts it read-write"),
    Field::num("fstab_line", "", "the /etc/fstab line of the mount"),
    Field::flag("ro_vs_fstab", "1 when read-only although /etc/fstab says read-write"),
    Field::flag(
        "emergency_ro",
        "1 when the filesystem went read-only under a read-write mount (the kernel's error remount)",
    ),
    Field::text("device", "the mounted device"),
    Field::text("fstype", "the filesystem type"),
    Field::text("options", "the mount options"),
];

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let table = ctx.mounts()?;
    let tab = match ctx.host.read_optional(fstab::PATH) {
        Ok(Some(f)) => fstab::parse(&f.text),
        Ok(None) => fstab::Fstab::default(),
        Err(e) => return Err(ProbeError::io(fstab::PATH, &e)),
    };
    let mut items = Vec::new();
    for m in table.mounts.iter().filter(|m| !DEFAULT_EXCLUDED.contains(&m.fstype.as_str())) {
        let mount_ro = m.read_only();
        let super_ro = m.super_options.iter().any(|o| o == "ro");
        // The last entry for a mount point wins, as with mount -a.
        let entry = tab.entries.iter().rev().find(|e| e.file == m.mount_point && !e.is_swap());
        let fstab_rw = entry.is_some_and(|e| !e.read_only());
        let read_only = mount_ro || super_ro;
        let mut o = Observation::new(&m.mount_point)
            .text("device", &m.source)
            .text("fstype", &m.fstype)
            .text("options", m.options.join(","))
            .flag("read_only", read_only)
            .flag("fstab_rw", fstab_rw)
            .flag("ro_vs_fstab", read_only && fstab_rw)
            .flag("emergency_ro", super_ro && !mount_ro)
            .evidence(format!(
                "{}: {} on {} type {} ({}) filesystem options ({})",
                table.source,
                m.source,
                m.mount_point,
                m.fstype,
                m.options.join(","),
                m.super_options.join(",")
            ));
        if let Some(e) = entry {
            o = o.num("fstab_line", e.line as f64).evidence(format!("{}:{}: {}", fstab::PATH, e.line, e.raw));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
