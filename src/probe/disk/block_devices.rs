//! Disks against what is on them: "I enlarged the disk in the console and nothing changed". For
//! every disk (see [`crate::host::blockdev`]) the filesystem that can grow (the one on the last
//! partition, or on the whole disk) is compared with the space under it, and the commands that
//! grow it are worked out (`growpart`, `resize2fs`, `xfs_growfs`). Disks that were attached but
//! never formatted, and filesystems that are neither mounted nor in /etc/fstab, are noted.
//!
//! The filesystem's size comes from its superblock; when the device cannot be read (no root, a
//! container's device cgroup) a mounted filesystem's statvfs size stands in, marked `exact = 0`
//! (statvfs leaves out the filesystem's own metadata, so the check asks for a larger gap).
//! Live only: under `--root` the block devices are the rescue machine's, not the examined
//! system's.

use crate::host::blockdev::{self, Content, Disk, Superblock};
use crate::host::fstab;
use crate::host::mounts::MountTable;
use crate::host::statfs::{StatfsOutcome, statfs_all};
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("disk", "the whole disk (/dev/vda) the device is on"),
    Field::text("kind", "virtio, nvme, scsi, xen or loop"),
    Field::text("fstype", "the filesystem type from its superblock"),
    Field::text("mount_point", "where it is mounted, or `not mounted`"),
    Field::text("disk_size", "the disk's size, as people write it"),
    Field::text("fs_size", "the filesystem's size (from its superblock, or statvfs)"),
    Field::text("space", "the space the filesystem could fill (to the disk's end for the last partition)"),
    Field::text("unused", "the space under the filesystem it does not use"),
    Field::num("unused_mib", "", "the unused space in MiB"),
    Field::num("unused_percent", "%", "the unused share of the space under the filesystem"),
    Field::flag("exact", "1 when the filesystem's size is its superblock's, 0 for statvfs's estimate"),
    Field::text("commands", "the commands that grow the partition and the filesystem"),
    Field::flag("blank", "1 for a disk with no partition table, no filesystem and nothing using it"),
    Field::flag("unused_fs", "1 for a filesystem neither mounted, nor in /etc/fstab, nor swap, nor held"),
];

/// A partition that ends this close to the disk's end fills it (GPT's backup table, alignment).
const PARTITION_SLACK: u64 = 16 << 20;

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipBlockUnderRoot));
    }
    let disks = blockdev::scan(&ctx.host).map_err(|e| ProbeError::io("/sys/block", &e))?;
    let table = ctx.mounts()?;
    let tab = match ctx.host.read_optional(fstab::PATH) {
        Ok(Some(f)) => fstab::parse(&f.text),
        Ok(None) => fstab::Fstab::default(),
        Err(e) => return Err(ProbeError::io(fstab::PATH, &e)),
    };
    let swaps: Vec<String> = ctx
        .host
        .read_optional("/proc/swaps")
        .ok()
        .flatten()
        .map(|f| f.text.lines().skip(1).filter_map(|l| l.split_whitespace().next().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut items = Vec::new();
    for disk in &disks {
        items.extend(observe_disk(ctx, disk, &table, &tab, &swaps));
    }
    let mut obs = Observations::of(items);
    obs.keyed = true;
    Ok(obs)
}

/// A node (the whole disk or one partition) that may hold a filesystem.
struct Node<'a> {
    name: &'a str,
    majmin: &'a str,
    holders: &'a [String],
    content: &'a Content,
}

fn mount_of<'a>(table: &'a MountTable, node: &Node) -> Option<&'a crate::host::mounts::Mount> {
    let dev = format!("/dev/{}", node.name);
    table
        .mounts
        .iter()
        .filter(|m| (!node.majmin.is_empty() && m.majmin == node.majmin) || m.source == dev)
        .min_by_key(|m| m.mount_point.len())
}

fn in_fstab<'a>(tab: &'a fstab::Fstab, node: &Node) -> Option<&'a fstab::Entry> {
    let dev = format!("/dev/{}", node.name);
    let sb = match node.content {
        Content::Filesystem(sb) => Some(sb),
        _ => None,
    };
    tab.entries.iter().find(|e| {
        e.spec == dev
            || match (e.tag(), sb) {
                (Some(("UUID", v)), Some(sb)) => !sb.uuid.is_empty() && v.eq_ignore_ascii_case(&sb.uuid),
                (Some(("LABEL", v)), Some(sb)) => !sb.label.is_empty() && v == sb.label,
                _ => false,
            }
    })
}

fn describe(content: &Content) -> String {
    match content {
        Content::Unreadable(e) => format!("not readable ({e})"),
        Content::Empty => "only zeros in the first 128 KiB (never formatted)".into(),
        Content::PartitionTable(t) => format!("a {t} partition table"),
        Content::LvmMember => "an LVM physical volume".into(),
        Content::Filesystem(sb) => format!(
            "{} filesystem{}{}{}",
            sb.fstype,
            sb.size.map(|s| format!(" of {} ({s} bytes)", blockdev::human(s))).unwrap_or_default(),
            if sb.uuid.is_empty() { String::new() } else { format!(", UUID={}", sb.uuid) },
            if sb.label.is_empty() { String::new() } else { format!(", LABEL={}", sb.label) },
        ),
        Content::Unknown => "no filesystem this tool recognises".into(),
    }
}

fn observe_disk(
    ctx: &ProbeContext,
    disk: &Disk,
    table: &MountTable,
    tab: &fstab::Fstab,
    swaps: &[String],
) -> Vec<Observation> {
    let mut out = Vec::new();
    let disk_dev = format!("/dev/{}", disk.name);
    let size_line =
        format!("/sys/block/{}/size: {} sectors ({})", disk.name, disk.size / 512, blockdev::human(disk.size));
    let mut nodes: Vec<(Node, Option<&blockdev::Partition>)> =
        vec![(Node { name: &disk.name, majmin: &disk.majmin, holders: &disk.holders, content: &disk.content }, None)];
    for p in &disk.partitions {
        nodes.push((Node { name: &p.name, majmin: &p.majmin, holders: &p.holders, content: &p.content }, Some(p)));
    }
    let last_end = disk.partitions.iter().map(|p| p.end()).max();
    for (node, part) in &nodes {
        let dev = format!("/dev/{}", node.name);
        let mount = mount_of(table, node);
        let entry = in_fstab(tab, node);
        let mut o = Observation::new(&dev)
            .text("disk", &disk_dev)
            .text("kind", disk.kind)
            .text("disk_size", blockdev::human(disk.size))
            .evidence(size_line.clone());
        if let Some(p) = part {
            o = o.evidence(format!(
                "/sys/block/{}/{}: partition {} from {} to {} ({})",
                disk.name,
                p.name,
                p.number,
                blockdev::human(p.start),
                blockdev::human(p.end()),
                blockdev::human(p.size)
            ));
        }
        o = o.evidence(format!("{dev}: {}", describe(node.content)));
        if !node.holders.is_empty() {
            o = o.evidence(format!("/sys/block/{}/holders: {}", disk.name, node.holders.join(" ")));
        }
        if let Some(m) = mount {
            o = o
                .text("mount_point", &m.mount_point)
                .evidence(format!("{}: {} on {} type {}", table.source, m.source, m.mount_point, m.fstype));
        } else {
            o = o.word("mount_point", Said::new(Msg::BlockNotMounted));
        }
        if let Some(e) = entry {
            o = o.evidence(format!("{}:{}: {}", fstab::PATH, e.line, e.raw));
        }
        let is_disk = part.is_none();
        let in_use = mount.is_some() || entry.is_some() || !node.holders.is_empty() || swaps.contains(&dev);
        // A disk never formatted: nothing on it, no partitions, nothing using it.
        if is_disk && disk.partitions.is_empty() {
            match node.content {
                Content::Empty => o = o.flag("blank", !in_use),
                Content::Unreadable(_) | Content::Unknown => {}
                _ => o = o.flag("blank", false),
            }
        }
        let fs = match node.content {
            Content::Filesystem(sb) => Some(sb),
            _ => None,
        };
        if let Some(sb) = fs {
            o = o.text("fstype", sb.fstype);
            o = o.flag("unused_fs", !in_use);
        }
        // Only the filesystem that can grow: on the whole disk, or on the last partition (a
        // partition that is not last can only use its own space).
        let space = match part {
            None if disk.partitions.is_empty() => Some(disk.size),
            None => None,
            Some(p) if Some(p.end()) == last_end => Some(disk.size.saturating_sub(p.start)),
            Some(p) => Some(p.size),
        };
        let judged = node.holders.is_empty() && !matches!(fs, Some(sb) if sb.fstype == "swap");
        if let (Some(space), true) = (space, judged) {
            let grow_part =
                part.is_some_and(|p| Some(p.end()) == last_end && disk.size.saturating_sub(p.end()) >= PARTITION_SLACK);
            // A mounted XFS is measured by the filesystem itself: its superblock on the device
            // can be stale right after xfs_growfs.
            let mounted_xfs = match (fs, mount) {
                (Some(sb), Some(m)) if sb.fstype == "xfs" && ctx.host.is_live() => {
                    blockdev::xfs_mounted_size(&ctx.host.path(&m.mount_point))
                }
                _ => None,
            };
            let (fs_size, exact) = match mounted_xfs.or(fs.and_then(|sb| sb.size)) {
                Some(s) => (Some(s), true),
                None => (mount.and_then(|m| statvfs_size(ctx, &m.mount_point)), false),
            };
            let mut under = None;
            if let Some(fs_size) = fs_size {
                under = Some(fs_size);
                o = o.text("fs_size", blockdev::human(fs_size));
            } else if fs.is_none()
                && let Some(p) = part
            {
                // No filesystem known on it: the partition alone against the disk.
                under = Some(p.size);
            }
            if let Some(used) = under {
                let unused = space.saturating_sub(used);
                o = o
                    .text("space", blockdev::human(space))
                    .text("unused", blockdev::human(unused))
                    .num("unused_mib", (unused >> 20) as f64)
                    .num("unused_percent", if space > 0 { unused as f64 * 100.0 / space as f64 } else { 0.0 })
                    .flag("exact", exact)
                    .text("commands", commands(&disk_dev, &dev, *part, grow_part, fs, mount.map(|m| &*m.mount_point)));
            }
        }
        out.push(o);
    }
    out
}

/// The commands that grow the partition (when it does not reach the disk's end) and then the
/// filesystem on it.
fn commands(
    disk: &str,
    dev: &str,
    part: Option<&blockdev::Partition>,
    grow_part: bool,
    fs: Option<&Superblock>,
    mount_point: Option<&str>,
) -> String {
    let mut cmds = Vec::new();
    if let (true, Some(p)) = (grow_part, part) {
        cmds.push(format!("growpart {disk} {}", p.number));
    }
    let at = mount_point.unwrap_or("<mount point>");
    match fs.map(|sb| sb.fstype) {
        Some("ext2" | "ext3" | "ext4") => cmds.push(format!("resize2fs {dev}")),
        Some("xfs") => {
            if mount_point.is_none() {
                cmds.push(format!("mount {dev} <mount point>"));
            }
            cmds.push(format!("xfs_growfs {at}"));
        }
        Some("btrfs") => cmds.push(format!("btrfs filesystem resize max {at}")),
        _ => {}
    }
    cmds.join(" && ")
}

/// A mounted filesystem's size by statvfs (blocks × fragment size), in an abandonable child.
fn statvfs_size(ctx: &ProbeContext, mount_point: &str) -> Option<u64> {
    let path = ctx.host.path(mount_point);
    let out = statfs_all(&[path], Duration::from_secs(2), ctx.deadline).ok()?;
    match out.first()? {
        StatfsOutcome::Ok(s) => Some(s.blocks.saturating_mul(s.frsize)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::blockdev::Partition;

    fn sb(fstype: &'static str) -> Superblock {
        Superblock { fstype, size: Some(1), uuid: String::new(), label: String::new() }
    }

    #[test]
    fn commands_grow_the_partition_then_the_filesystem() {
        let p = Partition {
            name: "vda1".into(),
            number: 1,
            start: 1 << 20,
            size: 40 << 30,
            majmin: "254:1".into(),
            holders: vec![],
            content: Content::Empty,
        };
        assert_eq!(
            commands("/dev/vda", "/dev/vda1", Some(&p), true, Some(&sb("ext4")), Some("/")),
            "growpart /dev/vda 1 && resize2fs /dev/vda1"
        );
        assert_eq!(commands("/dev/vdb", "/dev/vdb", None, false, Some(&sb("xfs")), Some("/data")), "xfs_growfs /data");
        assert_eq!(
            commands("/dev/vdb", "/dev/vdb", None, false, Some(&sb("xfs")), None),
            "mount /dev/vdb <mount point> && xfs_growfs <mount point>"
        );
        assert_eq!(commands("/dev/nvme0n1", "/dev/nvme0n1p2", Some(&p), true, None, None), "growpart /dev/nvme0n1 1");
    }
}
