//! Block devices of the live system: the disks in /sys/block with their partitions, sizes and
//! holders, and what the first bytes of each say (a filesystem's superblock with its size, type,
//! UUID and label; a partition table; nothing at all). Read without blkid so the sizes are the
//! filesystem's own (statvfs leaves out the metadata, blkid does not print the block count) and
//! so a machine without util-linux's blkid still answers.
//!
//! Only disks of a disk type count: virtio (`vd*`), Xen (`xvd*`), SCSI/SATA (`sd*`, `hd*`),
//! NVMe namespaces (`nvme0n1`) and attached loop devices. RAM disks, zram, device-mapper and md
//! devices are not disks; a partition or disk with holders (an LVM physical volume, an md
//! member) is a hidden member of a stack and its filesystem is not judged.

use super::Host;
use std::io::Read;

/// One disk and its partitions.
#[derive(Debug, Clone, PartialEq)]
pub struct Disk {
    /// Kernel name (`vda`, `nvme0n1`, `loop3`).
    pub name: String,
    /// `virtio`, `nvme`, `scsi`, `xen`, `loop`.
    pub kind: &'static str,
    pub size: u64,
    /// `major:minor`.
    pub majmin: String,
    pub holders: Vec<String>,
    pub partitions: Vec<Partition>,
    /// The superblock (or its absence) at the start of the whole disk.
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub name: String,
    pub number: u32,
    /// Start and size in bytes.
    pub start: u64,
    pub size: u64,
    pub majmin: String,
    pub holders: Vec<String>,
    pub content: Content,
}

impl Partition {
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.size)
    }
}

/// What the first bytes of a device hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// The device could not be opened or read (errno name).
    Unreadable(String),
    /// Only zeros in the first 128 KiB: never formatted.
    Empty,
    /// A partition table (`gpt`, `dos`) and no filesystem.
    PartitionTable(&'static str),
    /// An LVM physical volume.
    LvmMember,
    Filesystem(Superblock),
    /// Something this reader does not know.
    Unknown,
}

/// The parts of a superblock the checks use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    pub fstype: &'static str,
    /// Bytes the filesystem spans, when the type records it.
    pub size: Option<u64>,
    pub uuid: String,
    pub label: String,
}

/// How many bytes of a device the reader looks at.
const PROBE_BYTES: usize = 128 * 1024;

/// The kind of a disk by its kernel name; `None` for what is not a disk (ram, zram, dm, md, sr).
pub fn disk_kind(name: &str) -> Option<&'static str> {
    let rest_digits = |p: &str| name.strip_prefix(p).is_some_and(|r| !r.is_empty());
    if name.starts_with("xvd") {
        Some("xen")
    } else if name.starts_with("vd") && rest_digits("vd") {
        Some("virtio")
    } else if (name.starts_with("sd") || name.starts_with("hd")) && name.len() > 2 {
        Some("scsi")
    } else if name.starts_with("nvme") && name.contains('n') && name[4..].contains('n') {
        Some("nvme")
    } else if name.starts_with("loop") && name[4..].chars().all(|c| c.is_ascii_digit()) && name.len() > 4 {
        Some("loop")
    } else {
        None
    }
}

fn read_num(host: &Host, path: &str) -> Option<u64> {
    host.read_line(path)?.parse().ok()
}

fn holders(host: &Host, dir: &str) -> Vec<String> {
    host.list_dir(&format!("{dir}/holders")).unwrap_or_default()
}

/// The disks under /sys/block (of the host root: the live system's), sorted by name. Loop
/// devices without a backing file (free ones) are left out.
pub fn scan(host: &Host) -> std::io::Result<Vec<Disk>> {
    let mut disks = Vec::new();
    for name in host.list_dir("/sys/block")? {
        let Some(kind) = disk_kind(&name) else { continue };
        let dir = format!("/sys/block/{name}");
        // Hidden nodes are the paths of a multipath NVMe namespace, not disks of their own.
        if host.read_line(&format!("{dir}/hidden")).as_deref() == Some("1") {
            continue;
        }
        if kind == "loop" && host.read_line(&format!("{dir}/loop/backing_file")).is_none() {
            continue;
        }
        let Some(sectors) = read_num(host, &format!("{dir}/size")) else { continue };
        if sectors == 0 {
            continue;
        }
        let mut partitions = Vec::new();
        for entry in host.list_dir(&dir).unwrap_or_default() {
            let pdir = format!("{dir}/{entry}");
            let Some(number) = read_num(host, &format!("{pdir}/partition")) else { continue };
            let (Some(start), Some(size)) =
                (read_num(host, &format!("{pdir}/start")), read_num(host, &format!("{pdir}/size")))
            else {
                continue;
            };
            partitions.push(Partition {
                content: content(host, &format!("/dev/{entry}")),
                name: entry.clone(),
                number: u32::try_from(number).unwrap_or(u32::MAX),
                start: start.saturating_mul(512),
                size: size.saturating_mul(512),
                majmin: host.read_line(&format!("{pdir}/dev")).unwrap_or_default(),
                holders: holders(host, &pdir),
            });
        }
        partitions.sort_by_key(|p| p.number);
        disks.push(Disk {
            content: content(host, &format!("/dev/{name}")),
            kind,
            size: sectors.saturating_mul(512),
            majmin: host.read_line(&format!("{dir}/dev")).unwrap_or_default(),
            holders: holders(host, &dir),
            partitions,
            name,
        });
    }
    Ok(disks)
}

/// Reads the start of a device node and says what it holds.
pub fn content(host: &Host, dev: &str) -> Content {
    let mut buf = Vec::with_capacity(PROBE_BYTES);
    match std::fs::File::open(host.path(dev)).and_then(|f| f.take(PROBE_BYTES as u64).read_to_end(&mut buf)) {
        Ok(_) => identify(&buf),
        Err(e) => Content::Unreadable(super::errno_name(&e)),
    }
}

/// The geometry XFS_IOC_FSGEOMETRY_V1 fills in (`struct xfs_fsop_geom_v1`, xfs_fs.h).
#[repr(C)]
#[derive(Default)]
struct XfsGeometryV1 {
    blocksize: u32,
    rtextsize: u32,
    agblocks: u32,
    agcount: u32,
    logblocks: u32,
    sectsize: u32,
    inodesize: u32,
    imaxpct: u32,
    datablocks: u64,
    rtblocks: u64,
    rtextents: u64,
    logstart: u64,
    uuid: [u8; 16],
    sunit: u32,
    swidth: u32,
    version: i32,
    flags: u32,
    logsectsize: u32,
    rtsectsize: u32,
    dirblocksize: u32,
}

/// The size of a mounted XFS filesystem as the filesystem itself knows it (its data blocks ×
/// block size, by the XFS_IOC_FSGEOMETRY_V1 ioctl on its mount point). Right after `xfs_growfs`
/// the superblock read through the block device can still be the old one (the device's page
/// cache is not the filesystem's buffer), so a mounted XFS is measured this way.
pub fn xfs_mounted_size(mount_point: &std::path::Path) -> Option<u64> {
    use rustix::ioctl::{Getter, Opcode, ioctl, opcode};
    const XFS_IOC_FSGEOMETRY_V1: Opcode = opcode::read::<XfsGeometryV1>(b'X', 100);
    let dir = std::fs::File::open(mount_point).ok()?;
    // SAFETY: XFS_IOC_FSGEOMETRY_V1 is _IOR('X', 100, struct xfs_fsop_geom_v1), and the kernel
    // writes exactly that struct, which XfsGeometryV1 lays out field for field (112 bytes).
    let g: XfsGeometryV1 = unsafe { ioctl(&dir, Getter::<XFS_IOC_FSGEOMETRY_V1, XfsGeometryV1>::new()) }.ok()?;
    (g.blocksize > 0).then(|| g.datablocks.saturating_mul(u64::from(g.blocksize)))
}

/// The filesystems this machine sees, by their superblocks and udev's names: under `--root`,
/// the rescue instance's disks, where the broken system's own disk is attached.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visible {
    /// (`/dev/loop3`, UUID in lower case, LABEL) of every readable filesystem.
    pub filesystems: Vec<(String, String, String)>,
    /// Names in /dev/disk/by-uuid and /dev/disk/by-label.
    pub by_uuid: Vec<String>,
    pub by_label: Vec<String>,
}

/// Scans the live machine's disks once (see [`Visible`]).
pub fn visible() -> Visible {
    let live = Host::live();
    let mut filesystems = Vec::new();
    for d in scan(&live).unwrap_or_default() {
        let nodes = std::iter::once((&d.name, &d.content)).chain(d.partitions.iter().map(|p| (&p.name, &p.content)));
        for (name, content) in nodes {
            if let Content::Filesystem(sb) = content {
                filesystems.push((format!("/dev/{name}"), sb.uuid.to_ascii_lowercase(), sb.label.clone()));
            }
        }
    }
    Visible {
        filesystems,
        by_uuid: live.list_dir("/dev/disk/by-uuid").unwrap_or_default(),
        by_label: live.list_dir("/dev/disk/by-label").unwrap_or_default(),
    }
}

impl Visible {
    /// Whether anything was seen at all (else nothing can be said about a tag).
    pub fn known(&self) -> bool {
        !self.filesystems.is_empty() || !self.by_uuid.is_empty()
    }

    /// The filesystem a `UUID=` or `LABEL=` names: `Some(Some(dev))` found (with its device when
    /// the superblock was read), `Some(None)` found by udev name only, `None` not seen.
    pub fn find(&self, tag: &str, value: &str) -> Option<Option<String>> {
        match tag {
            "UUID" => {
                let u = value.to_ascii_lowercase();
                if let Some(f) = self.filesystems.iter().find(|f| f.1 == u) {
                    return Some(Some(f.0.clone()));
                }
                self.by_uuid.iter().any(|n| n.eq_ignore_ascii_case(&u)).then_some(None)
            }
            "LABEL" => {
                if let Some(f) = self.filesystems.iter().find(|f| f.2 == value) {
                    return Some(Some(f.0.clone()));
                }
                let escaped = value.replace(' ', "\\x20");
                self.by_label.iter().any(|n| *n == value || *n == escaped).then_some(None)
            }
            _ => None,
        }
    }

    /// One evidence line naming what was looked at (at most 8 filesystems).
    pub fn describe(&self) -> String {
        let list: Vec<String> = self
            .filesystems
            .iter()
            .take(8)
            .map(|(d, u, l)| {
                format!("{d} UUID={u}{}", if l.is_empty() { String::new() } else { format!(" LABEL={l}") })
            })
            .collect();
        let more = self.filesystems.len().saturating_sub(8);
        format!(
            "filesystems this machine sees: {}{}",
            if list.is_empty() { "none".to_string() } else { list.join(", ") },
            if more > 0 { format!(" and {more} more") } else { String::new() }
        )
    }
}

fn le32(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?)))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn be32(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?)))
}
fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn uuid(b: &[u8], at: usize) -> String {
    let Some(u) = b.get(at..at + 16) else { return String::new() };
    if u.iter().all(|x| *x == 0) {
        return String::new();
    }
    let h: String = u.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn label(b: &[u8], at: usize, len: usize) -> String {
    let Some(l) = b.get(at..at + len) else { return String::new() };
    let end = l.iter().position(|x| *x == 0).unwrap_or(l.len());
    String::from_utf8_lossy(&l[..end]).chars().filter(|c| !c.is_control()).collect()
}

/// What a device's first bytes are.
pub fn identify(b: &[u8]) -> Content {
    // ext2/3/4: the superblock at 1024, magic 0xEF53 at 0x38.
    if b.get(1024 + 0x38..1024 + 0x3a) == Some(&[0x53, 0xef]) {
        let s = 1024;
        let compat = le32(b, s + 0x5c).unwrap_or(0);
        let incompat = le32(b, s + 0x60).unwrap_or(0);
        let lo = le32(b, s + 0x04).unwrap_or(0);
        let hi = if incompat & 0x80 != 0 { le32(b, s + 0x150).unwrap_or(0) } else { 0 };
        let log = le32(b, s + 0x18).unwrap_or(0);
        let block = if log <= 6 { 1024u64 << log } else { 0 };
        let fstype = if incompat & (0x40 | 0x80 | 0x200) != 0 {
            "ext4"
        } else if compat & 0x4 != 0 {
            "ext3"
        } else {
            "ext2"
        };
        let blocks = (hi << 32) | lo;
        return Content::Filesystem(Superblock {
            fstype,
            size: (block > 0).then(|| blocks.saturating_mul(block)),
            uuid: uuid(b, s + 0x68),
            label: label(b, s + 0x78, 16),
        });
    }
    if b.get(0..4) == Some(b"XFSB") {
        let size = be32(b, 4).zip(be64(b, 8)).map(|(bs, n)| bs.saturating_mul(n));
        return Content::Filesystem(Superblock { fstype: "xfs", size, uuid: uuid(b, 32), label: label(b, 108, 12) });
    }
    if b.get(0x10040..0x10048) == Some(b"_BHRfS_M") {
        return Content::Filesystem(Superblock {
            fstype: "btrfs",
            size: le64(b, 0x10070),
            uuid: uuid(b, 0x10020),
            label: label(b, 0x1012b, 256),
        });
    }
    if matches!(b.get(4086..4096), Some(m) if m == b"SWAPSPACE2" || m == b"SWAP-SPACE") {
        let size = le32(b, 1024 + 8).map(|last| (last + 1).saturating_mul(4096));
        return Content::Filesystem(Superblock {
            fstype: "swap",
            size,
            uuid: uuid(b, 1024 + 12),
            label: label(b, 1024 + 28, 16),
        });
    }
    if b.get(512 + 24..512 + 32) == Some(b"LVM2 001") && b.get(512..520) == Some(b"LABELONE") {
        return Content::LvmMember;
    }
    if b.get(512..520) == Some(b"EFI PART") {
        return Content::PartitionTable("gpt");
    }
    if b.get(54..59) == Some(b"FAT12") || b.get(54..59) == Some(b"FAT16") || b.get(82..87) == Some(b"FAT32") {
        let uuid_at = if b.get(82..87) == Some(b"FAT32") { 67 } else { 39 };
        let id = b.get(uuid_at..uuid_at + 4).map(|u| format!("{:02X}{:02X}-{:02X}{:02X}", u[3], u[2], u[1], u[0]));
        return Content::Filesystem(Superblock {
            fstype: "vfat",
            size: None,
            uuid: id.unwrap_or_default(),
            label: String::new(),
        });
    }
    if b.get(510..512) == Some(&[0x55, 0xaa]) {
        return Content::PartitionTable("dos");
    }
    if b.is_empty() || b.iter().all(|x| *x == 0) {
        return if b.len() >= PROBE_BYTES.min(64 * 1024) { Content::Empty } else { Content::Unknown };
    }
    Content::Unknown
}

/// Bytes as people read disk sizes (`40.0 GiB`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{bytes} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_kinds_by_name() {
        for (n, k) in [
            ("vda", Some("virtio")),
            ("xvdb", Some("xen")),
            ("sda", Some("scsi")),
            ("nvme0n1", Some("nvme")),
            ("loop3", Some("loop")),
            ("zram0", None),
            ("ram0", None),
            ("dm-0", None),
            ("md127", None),
            ("sr0", None),
            ("loop-control", None),
        ] {
            assert_eq!(disk_kind(n), k, "{n}");
        }
    }

    #[test]
    fn superblocks_are_read_by_type() {
        let mut b = vec![0u8; PROBE_BYTES];
        assert_eq!(identify(&b), Content::Empty);
        // ext4: 4 KiB blocks (log 2), 0x1_0000_0010 blocks with the 64bit feature.
        b[1024 + 0x38] = 0x53;
        b[1024 + 0x39] = 0xef;
        b[1024 + 0x04..1024 + 0x08].copy_from_slice(&16u32.to_le_bytes());
        b[1024 + 0x18] = 2;
        b[1024 + 0x60] = 0xc0;
        b[1024 + 0x150..1024 + 0x154].copy_from_slice(&1u32.to_le_bytes());
        b[1024 + 0x68] = 0xab;
        b[1024 + 0x78..1024 + 0x7c].copy_from_slice(b"data");
        let Content::Filesystem(s) = identify(&b) else { panic!("ext4 not found") };
        assert_eq!(s.fstype, "ext4");
        assert_eq!(s.size, Some(((1u64 << 32) + 16) * 4096));
        assert_eq!(s.uuid, "ab000000-0000-0000-0000-000000000000");
        assert_eq!(s.label, "data");

        let mut x = vec![0u8; PROBE_BYTES];
        x[0..4].copy_from_slice(b"XFSB");
        x[4..8].copy_from_slice(&4096u32.to_be_bytes());
        x[8..16].copy_from_slice(&1000u64.to_be_bytes());
        let Content::Filesystem(s) = identify(&x) else { panic!("xfs not found") };
        assert_eq!((s.fstype, s.size), ("xfs", Some(4_096_000)));

        let mut g = vec![0u8; PROBE_BYTES];
        g[512..520].copy_from_slice(b"EFI PART");
        g[510] = 0x55;
        g[511] = 0xaa;
        assert_eq!(identify(&g), Content::PartitionTable("gpt"));
        g[512] = 0;
        assert_eq!(identify(&g), Content::PartitionTable("dos"));
        g[3000] = 1;
        g[510] = 0;
        assert_eq!(identify(&g), Content::Unknown);
        assert_eq!(identify(&[0u8; 100]), Content::Unknown, "too short to call empty");
    }

    #[test]
    fn the_xfs_geometry_struct_is_the_kernels() {
        assert_eq!(std::mem::size_of::<XfsGeometryV1>(), 112);
        assert_eq!(xfs_mounted_size(std::path::Path::new("/nonexistent-mount")), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(40 << 30), "40.0 GiB");
        assert_eq!(human(1536 << 20), "1.5 GiB");
    }
}
