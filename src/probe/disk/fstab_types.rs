//! /etc/fstab entries against the filesystems they name: the type written in fstab against the
//! type in the device's own superblock (an entry that says `xfs` for an ext4 disk fails to mount
//! and, without `nofail`, stops the boot), options that filesystem refuses (XFS dropped
//! `nobarrier` in Linux 4.19; ext4 knows none of XFS's allocation options), and the mount point
//! directory. The device is found among the disks this machine sees (`host::blockdev`): under
//! `--root`, the rescue instance's, where the broken system's own disk is attached; an entry
//! whose device is not there, or cannot be read, is not judged here (disk.fstab.entries names
//! missing devices).

use crate::host::blockdev::{self, Content, Superblock};
use crate::host::{Host, fstab};
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("line", "", "the /etc/fstab line"),
    Field::text("spec", "the device as fstab names it"),
    Field::text("device", "the device that holds it on this machine"),
    Field::text("declared", "the type fstab declares"),
    Field::text("actual", "the type in the device's superblock"),
    Field::flag("type_mismatch", "1 when the declared type cannot mount the filesystem that is there"),
    Field::text("refused", "the options this filesystem refuses"),
    Field::flag("options_refused", "1 when an option is one the filesystem refuses"),
    Field::flag("mount_point_missing", "1 when the mount point directory does not exist"),
    Field::flag("nofail", "1 when the entry has nofail (a failed mount does not stop the boot)"),
];

/// Options a filesystem type refuses at mount (`prefix=` matches any value).
const REFUSED: &[(&str, &[&str])] = &[
    ("xfs", &["nobarrier", "barrier", "data=", "errors=", "commit=", "journal_checksum", "nodelalloc"]),
    ("ext4", &["inode64", "inode32", "allocsize=", "logbufs=", "logbsize=", "nouuid", "largeio", "swalloc"]),
    ("ext3", &["inode64", "inode32", "allocsize=", "logbufs=", "logbsize=", "nouuid", "largeio", "swalloc"]),
    ("ext2", &["inode64", "inode32", "allocsize=", "logbufs=", "logbsize=", "nouuid", "largeio", "swalloc"]),
];

/// The options of `options` a filesystem of type `kind` refuses; `None` for a type not known here.
pub fn refused_options<'a>(kind: &str, options: &'a [String]) -> Option<Vec<&'a str>> {
    let (_, refused) = REFUSED.iter().find(|(t, _)| *t == kind)?;
    Some(
        options
            .iter()
            .map(String::as_str)
            .filter(|o| refused.iter().any(|r| if r.ends_with('=') { o.starts_with(r) } else { o == r }))
            .collect(),
    )
}

/// Whether `declared` (fstab's type) mounts a filesystem of type `actual`.
pub fn compatible(declared: &str, actual: &str) -> bool {
    let ext = |t: &str| matches!(t, "ext2" | "ext3" | "ext4");
    declared == "auto"
        || declared == actual
        // The ext4 driver mounts ext2 and ext3 too.
        || (declared == "ext4" && ext(actual))
        || (declared == "ext3" && actual == "ext2")
        || (declared == "msdos" && actual == "vfat")
}

/// The superblock of the device an fstab spec names, among the disks this machine sees.
pub fn find(spec: &str, host: &Host) -> Option<(String, Superblock)> {
    find_in(spec, host, &blockdev::scan(&Host::live()).ok()?)
}

/// Like [`find`], among `disks` (one [`blockdev::scan`] for a whole fstab: a scan reads every
/// disk's superblocks).
pub fn find_in(spec: &str, host: &Host, disks: &[blockdev::Disk]) -> Option<(String, Superblock)> {
    let nodes = disks
        .iter()
        .flat_map(|d| std::iter::once((&d.name, &d.content)).chain(d.partitions.iter().map(|p| (&p.name, &p.content))));
    for (name, content) in nodes {
        let Content::Filesystem(sb) = content else { continue };
        let dev = format!("/dev/{name}");
        let hit = match spec.split_once('=') {
            Some(("UUID", u)) => !sb.uuid.is_empty() && sb.uuid.eq_ignore_ascii_case(u),
            Some(("LABEL", l)) => !sb.label.is_empty() && sb.label == l,
            // Kernel names are the rescue machine's own under --root.
            _ => host.is_live() && spec == dev,
        };
        if hit {
            return Some((dev, sb.clone()));
        }
    }
    None
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let tab = match ctx.host.read_optional(fstab::PATH) {
        Ok(Some(f)) => fstab::parse(&f.text),
        Ok(None) => return Err(ProbeError::Skipped(Said::new(Msg::SkipFileMissing).arg("path", fstab::PATH))),
        Err(e) => return Err(ProbeError::io(fstab::PATH, &e)),
    };
    let mut items = Vec::new();
    // The disks this machine sees, scanned once when the first entry needs them.
    let mut disks: Option<Vec<blockdev::Disk>> = None;
    for e in tab.entries.iter().filter(|e| e.names_block_device() && !e.is_swap()) {
        let subject = if e.file.is_empty() { e.spec.clone() } else { e.file.clone() };
        let mut o = Observation::new(&subject)
            .num("line", e.line as f64)
            .text("spec", &e.spec)
            .text("declared", &e.vfstype)
            .flag("nofail", e.nofail())
            .evidence(format!("{}:{}: {}", fstab::PATH, e.line, e.raw));
        if e.file.starts_with('/') && !e.noauto() {
            let missing = !ctx.host.path(&e.file).is_dir();
            o = o.flag("mount_point_missing", missing);
            if missing {
                o = o.field_evidence("mount_point_missing", format!("{}: no such directory", e.file));
            }
        }
        let disks = disks.get_or_insert_with(|| blockdev::scan(&Host::live()).unwrap_or_default());
        if let Some((dev, sb)) = find_in(&e.spec, &ctx.host, disks) {
            let line = format!(
                "{dev}: {} filesystem{}",
                sb.fstype,
                if sb.uuid.is_empty() { String::new() } else { format!(", UUID={}", sb.uuid) }
            );
            o = o.text("device", &dev).text("actual", sb.fstype).evidence(line);
            o = o.flag("type_mismatch", !compatible(&e.vfstype, sb.fstype) && sb.fstype != "swap");
            let kind = if e.vfstype == "auto" { sb.fstype } else { e.vfstype.as_str() };
            if let Some(bad) = refused_options(kind, &e.options) {
                o = o.flag("options_refused", !bad.is_empty()).text("refused", bad.join(","));
            }
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_that_mount_each_other() {
        assert!(compatible("ext4", "ext3"));
        assert!(compatible("auto", "xfs"));
        assert!(!compatible("xfs", "ext4"));
        assert!(!compatible("ext3", "ext4"));
        assert!(!compatible("ext4", "xfs"));
    }
}
