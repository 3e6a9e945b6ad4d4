//! `action.grow`: grows a filesystem into the space an enlarged disk gave it, the device a
//! `disk.block.size` finding names: first the partition to the disk's end (`growpart`, when it
//! is the disk's last partition and does not reach the end), then the filesystem, online
//! (`resize2fs` for ext2/3/4, `xfs_growfs` on the mount point for XFS, `btrfs filesystem resize
//! max` for btrfs). An ext filesystem that is not mounted is checked first (`e2fsck -f -p`), as
//! resize2fs demands.
//!
//! Worked out again from the system as it is now (/sys/block, the superblock, the mount table),
//! not from the finding's words. Nothing is written to a file; the steps cannot be reversed (a
//! filesystem is not shrunk back, and nothing is lost by growing it), which the plan says and
//! `fix --undo` refuses. Refused: a device something else holds (LVM, RAID, dm-crypt: the
//! holder has to grow first), an XFS or btrfs filesystem that is not mounted, a filesystem this
//! tool cannot grow, an examined root (`--root`).

use super::{Action, Change, Command, Live, Skip, Target};
use crate::host::blockdev::{self, Content};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// Less free space than this after the last partition is not worth a growpart (alignment).
const PARTITION_SLACK: u64 = 16 << 20;

fn step(program: &str, args: &[&str]) -> Live {
    Live { run: Command::new(program, args), undo: None }
}

impl Action for Params {
    fn name(&self) -> String {
        "disk-grow".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let dev = t.finding.subject.clone().unwrap_or_default();
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::GrowNotLive, &[("device", &dev)])));
        }
        let disks = blockdev::scan(t.host)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", "/sys/block"), ("error", &e.to_string())])))?;
        let name = dev.strip_prefix("/dev/").unwrap_or(&dev);
        // The node: a whole disk without partitions, or a partition.
        let found = disks.iter().find_map(|d| {
            if d.name == name && d.partitions.is_empty() {
                return Some((d, None));
            }
            d.partitions.iter().find(|p| p.name == name).map(|p| (d, Some(p)))
        });
        let Some((disk, part)) = found else {
            return Err(Skip::Refused(rtf(l, R::GrowNoDevice, &[("device", &dev)])));
        };
        let (content, holders, majmin) = match part {
            Some(p) => (&p.content, &p.holders, &p.majmin),
            None => (&disk.content, &disk.holders, &disk.majmin),
        };
        if !holders.is_empty() {
            return Err(Skip::Refused(rtf(l, R::GrowHeld, &[("device", &dev), ("holders", &holders.join(", "))])));
        }
        let Content::Filesystem(sb) = content else {
            return Err(Skip::Refused(rtf(l, R::GrowNoFs, &[("device", &dev)])));
        };
        let disk_dev = format!("/dev/{}", disk.name);
        let mut live = Vec::new();
        if let Some(p) = part {
            let last = disk.partitions.iter().map(|q| q.end()).max() == Some(p.end());
            if !last {
                return Err(Skip::Refused(rtf(l, R::GrowNotLast, &[("device", &dev), ("disk", &disk_dev)])));
            }
            if disk.size.saturating_sub(p.end()) >= PARTITION_SLACK {
                live.push(step("growpart", &[&disk_dev, &p.number.to_string()]));
            }
        }
        let table = crate::host::mounts::read(t.host).map_err(|e| {
            Skip::Refused(rtf(l, R::CannotRead, &[("path", "/proc/self/mountinfo"), ("error", &e.to_string())]))
        })?;
        let mount = table
            .mounts
            .iter()
            .filter(|m| (!majmin.is_empty() && &m.majmin == majmin) || m.source == dev)
            .min_by_key(|m| m.mount_point.len());
        let fstype = sb.fstype;
        match (fstype, mount) {
            ("ext2" | "ext3" | "ext4", m) => {
                if m.is_none() {
                    live.push(step("e2fsck", &["-f", "-p", &dev]));
                }
                live.push(step("resize2fs", &[&dev]));
            }
            ("xfs", Some(m)) => live.push(step("xfs_growfs", &[&m.mount_point])),
            ("btrfs", Some(m)) => live.push(step("btrfs", &["filesystem", "resize", "max", &m.mount_point])),
            ("xfs" | "btrfs", None) => {
                return Err(Skip::Refused(rtf(l, R::GrowNotMounted, &[("device", &dev), ("fstype", fstype)])));
            }
            _ => return Err(Skip::Refused(rtf(l, R::GrowFsUnknown, &[("device", &dev), ("fstype", fstype)]))),
        }
        let at = mount.map(|m| m.mount_point.clone()).unwrap_or_else(|| "-".into());
        let summary = rtf(
            l,
            R::GrowDo,
            &[
                ("device", &dev),
                ("fstype", fstype),
                ("disk", &disk_dev),
                ("size", &blockdev::human(disk.size)),
                ("mount", &at),
            ],
        );
        Ok(Change { summary, files: Vec::new(), validate: Vec::new(), live, commands: Vec::new(), guards_login: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    #[test]
    fn an_examined_root_and_an_unknown_device_are_refused() {
        let f = Finding {
            severity: Severity::Warn,
            message: "m".into(),
            subject: Some("/dev/nonexistent9p1".into()),
            code: Some("GROWN".into()),
            evidence: vec![],
            since: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        let t = Target::test(&host, "disk.block.size", &f);
        assert!(matches!(Params {}.plan(&t), Err(Skip::Refused(r)) if r.contains("--root")));
        let host = Host::live();
        let t = Target::test(&host, "disk.block.size", &f);
        assert!(matches!(Params {}.plan(&t), Err(Skip::Refused(r)) if r.contains("/dev/nonexistent9p1")));
    }
}
