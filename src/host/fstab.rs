//! /etc/fstab of the examined system, and the block devices it names: which exist (udev's
//! /dev/disk/by-* links, or the /dev path), and which filesystem UUIDs appear on more than one
//! device (a disk created from a snapshot of another and attached to the same instance).
//!
//! Everything is read from files (udev's database under /run/udev/data, blkid's cache), never
//! from the devices themselves: reading a failing disk can block.

use super::Host;
use super::mounts::unescape;
use crate::i18n::{Msg, Said};
use std::collections::BTreeMap;

pub const PATH: &str = "/etc/fstab";

/// One entry of /etc/fstab.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1-based line number.
    pub line: usize,
    /// The line as written, for evidence.
    pub raw: String,
    /// `UUID=...`, `LABEL=...`, `/dev/vdb1`, `server:/export`, `tmpfs`.
    pub spec: String,
    /// The mount point (`none` or `swap` for swap).
    pub file: String,
    pub vfstype: String,
    pub options: Vec<String>,
}

/// A line that is not a valid entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub line: usize,
    pub raw: String,
    /// What is wrong, as a message: the check says it in the run's language.
    pub problem: Said,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fstab {
    pub entries: Vec<Entry>,
    pub errors: Vec<SyntaxError>,
}

/// Tags a spec may use (`UUID=...`), with the udev directory that lists them.
pub const TAGS: &[(&str, &str)] = &[
    ("UUID", "/dev/disk/by-uuid"),
    ("LABEL", "/dev/disk/by-label"),
    ("PARTUUID", "/dev/disk/by-partuuid"),
    ("PARTLABEL", "/dev/disk/by-partlabel"),
    ("ID", "/dev/disk/by-id"),
];

/// Filesystems that live on a network: they need `_netdev`, not a local device.
pub const NETWORK_FSTYPES: &[&str] =
    &["nfs", "nfs4", "cifs", "smb3", "smbfs", "glusterfs", "ceph", "cephfs", "lustre", "9p", "davfs", "sshfs"];

impl Entry {
    pub fn has(&self, opt: &str) -> bool {
        self.options.iter().any(|o| o == opt)
    }

    pub fn is_swap(&self) -> bool {
        self.vfstype == "swap"
    }

    /// `nofail`, or the systemd spelling of "do not wait for it".
    pub fn nofail(&self) -> bool {
        self.has("nofail") || self.has("x-systemd.device-timeout=0")
    }

    pub fn noauto(&self) -> bool {
        self.has("noauto")
    }

    pub fn read_only(&self) -> bool {
        self.has("ro")
    }

    pub fn is_network(&self) -> bool {
        NETWORK_FSTYPES.contains(&self.vfstype.as_str())
            || self.vfstype.starts_with("fuse")
            || self.has("_netdev")
            || self.spec.starts_with("//")
            || (self.spec.contains(":/") && !self.spec.starts_with('/'))
    }

    /// A tag spec (`UUID=abc`) as (tag, value).
    pub fn tag(&self) -> Option<(&str, &str)> {
        let (k, v) = self.spec.split_once('=')?;
        TAGS.iter().any(|(t, _)| *t == k).then_some((k, v.trim_matches('"')))
    }

    /// Whether the spec names a block device (a tag or a /dev path) rather than a pseudo or
    /// network filesystem or a bind mount.
    pub fn names_block_device(&self) -> bool {
        !self.is_network()
            && !self.has("bind")
            && !self.has("rbind")
            && (self.tag().is_some() || self.spec.starts_with("/dev/"))
    }
}

/// Parses fstab text. Comments, blank lines, tabs and `\040` escapes are handled; anything else
/// odd becomes a [`SyntaxError`] with its line number.
pub fn parse(text: &str) -> Fstab {
    let mut out = Fstab::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let shown: String = raw.chars().take(300).collect();
        let err = |problem: Said| SyntaxError { line, raw: shown.clone(), problem };
        if raw.chars().any(|c| c == '\u{fffd}' || (c.is_control() && c != '\t')) {
            out.errors.push(err(Said::new(Msg::ValFstabNotText)));
            continue;
        }
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        if fields.len() < 3 {
            out.errors.push(err(Said::new(Msg::ValFstabTooFew)));
            continue;
        }
        if fields.len() > 6 {
            out.errors.push(err(Said::new(Msg::ValFstabTooMany)));
            continue;
        }
        if fields.len() >= 5 && fields[4..].iter().any(|f| f.parse::<u32>().is_err()) {
            out.errors.push(err(Said::new(Msg::ValFstabDumpPass)));
            continue;
        }
        let entry = Entry {
            line,
            raw: shown.clone(),
            spec: unescape(fields[0]),
            file: unescape(fields[1]),
            vfstype: fields[2].to_string(),
            options: fields.get(3).map(|o| o.split(',').map(str::to_string).collect()).unwrap_or_default(),
        };
        if !entry.is_swap() && !entry.file.starts_with('/') && entry.file != "none" {
            out.errors.push(err(Said::new(Msg::ValFstabNotAbsolute)));
            continue;
        }
        if let Some((k, v)) = entry.spec.split_once('=')
            && k.chars().all(|c| c.is_ascii_uppercase())
            && !k.is_empty()
        {
            if !TAGS.iter().any(|(t, _)| *t == k) {
                out.errors.push(err(Said::new(Msg::ValFstabUnknownTag).arg("tag", k)));
                continue;
            }
            if v.trim_matches('"').is_empty() {
                out.errors.push(err(Said::new(Msg::ValFstabTagEmpty).arg("tag", k)));
                continue;
            }
        }
        out.entries.push(entry);
    }
    out
}

/// Whether a device named by an entry exists on the examined system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    /// Exists; the kernel device path when known (`/dev/vdb1`).
    Present(Option<String>),
    Missing,
    /// Cannot tell (no udev links under the root: a rescued disk, a container).
    Unknown,
}

/// Resolves a tag spec or /dev path to whether the device exists.
pub fn device_state(host: &Host, entry: &Entry, inventory: &Inventory) -> DeviceState {
    if let Some((tag, value)) = entry.tag() {
        let Some((_, dir)) = TAGS.iter().find(|(t, _)| *t == tag) else { return DeviceState::Unknown };
        let names = match std::fs::read_dir(host.path(dir)) {
            Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
            Err(_) => Vec::new(),
        };
        // udev escapes some characters in link names (`\x20` for a space in a label).
        let wanted = value.replace(' ', "\\x20");
        if let Some(name) = names.iter().find(|n| n.eq_ignore_ascii_case(&wanted)) {
            let target = link_target(host, &format!("{dir}/{name}"));
            return DeviceState::Present(target);
        }
        if tag == "UUID"
            && let Some(devs) = inventory.by_uuid.get(&value.to_ascii_lowercase())
        {
            return DeviceState::Present(devs.first().cloned());
        }
        let dev_exists = std::fs::symlink_metadata(host.path("/dev")).is_ok();
        if names.is_empty() && inventory.by_uuid.is_empty() && (!dev_exists || !host.path("/dev/disk").exists()) {
            return DeviceState::Unknown;
        }
        return DeviceState::Missing;
    }
    if entry.spec.starts_with("/dev/") {
        if std::fs::symlink_metadata(host.path(&entry.spec)).is_ok() {
            let target = link_target(host, &entry.spec).or_else(|| Some(entry.spec.clone()));
            return DeviceState::Present(target);
        }
        // A /dev with nothing in it is not a live system's.
        return match host.list_dir("/dev") {
            Ok(names) if names.iter().any(|n| n != "." && n != "..") => DeviceState::Missing,
            _ => DeviceState::Unknown,
        };
    }
    DeviceState::Unknown
}

/// Where a /dev symlink points, as a /dev path (`../../vdb1` → `/dev/vdb1`).
fn link_target(host: &Host, system_path: &str) -> Option<String> {
    let target = std::fs::read_link(host.path(system_path)).ok()?;
    let target = target.to_string_lossy();
    if target.starts_with('/') {
        return Some(target.into_owned());
    }
    let mut parts: Vec<&str> = system_path.split('/').filter(|p| !p.is_empty()).collect();
    parts.pop();
    for p in target.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Filesystems known to udev (or blkid's cache): UUID → devices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub by_uuid: BTreeMap<String, Vec<String>>,
    /// Where each device's UUID was read, for evidence.
    pub evidence: BTreeMap<String, String>,
}

/// Types whose members share one UUID by design (RAID and multi-device filesystems).
const SHARED_UUID_TYPES: &[&str] =
    &["linux_raid_member", "isw_raid_member", "ddf_raid_member", "btrfs", "zfs_member", "ceph", "drbd"];

/// Reads udev's database (/run/udev/data/b<major>:<minor>) and blkid's cache.
pub fn inventory(host: &Host) -> Inventory {
    let mut inv = Inventory::default();
    let add = |inv: &mut Inventory, uuid: &str, fstype: &str, dev: String, evidence: String| {
        if uuid.is_empty() || SHARED_UUID_TYPES.contains(&fstype) {
            return;
        }
        let list = inv.by_uuid.entry(uuid.to_ascii_lowercase()).or_default();
        if !list.contains(&dev) {
            list.push(dev.clone());
            inv.evidence.insert(dev, evidence);
        }
    };
    if let Ok(names) = host.list_dir("/run/udev/data") {
        for name in names.iter().filter(|n| n.starts_with('b')).take(4096) {
            let path = format!("/run/udev/data/{name}");
            let Ok(f) = host.read(&path) else { continue };
            let mut uuid = "";
            let mut fstype = "";
            let mut is_mpath_member = false;
            for l in f.text.lines() {
                if let Some(v) = l.strip_prefix("E:ID_FS_UUID=") {
                    uuid = v.trim();
                } else if let Some(v) = l.strip_prefix("E:ID_FS_TYPE=") {
                    fstype = v.trim();
                } else if l.starts_with("E:DM_MULTIPATH_DEVICE_PATH=1") {
                    is_mpath_member = true;
                }
            }
            if is_mpath_member {
                continue;
            }
            let majmin = &name[1..];
            let dev = link_target(host, &format!("/sys/dev/block/{majmin}"))
                .and_then(|t| t.rsplit('/').next().map(|n| format!("/dev/{n}")))
                .unwrap_or_else(|| format!("block device {majmin}"));
            add(&mut inv, uuid, fstype, dev, format!("{path}: E:ID_FS_UUID={uuid}"));
        }
    }
    for path in ["/run/blkid/blkid.tab", "/etc/blkid.tab"] {
        let Ok(f) = host.read(path) else { continue };
        for l in f.text.lines() {
            let Some(dev) = l.trim().strip_suffix("</device>").and_then(|d| d.rsplit_once('>')).map(|(_, d)| d) else {
                continue;
            };
            let attr = |k: &str| {
                let pat = format!(" {k}=\"");
                l.find(&pat).and_then(|i| l[i + pat.len()..].split('"').next()).unwrap_or("")
            };
            let uuid = attr("UUID");
            add(&mut inv, uuid, attr("TYPE"), dev.to_string(), format!("{path}: {}", l.trim()));
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_comments_tabs_and_escapes() {
        let t = parse(
            "# /etc/fstab\n\nUUID=abc-1 /\text4\terrors=remount-ro 0 1\n  /dev/vdb1 /mnt/my\\040data xfs defaults,nofail 0 0\n\
             tmpfs /tmp tmpfs\n/swapfile none swap sw 0 0\n",
        );
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.entries.len(), 4);
        assert_eq!(t.entries[0].tag(), Some(("UUID", "abc-1")));
        assert_eq!(t.entries[0].line, 3);
        assert!(!t.entries[0].read_only(), "errors=remount-ro is not ro");
        assert_eq!(t.entries[1].file, "/mnt/my data");
        assert!(t.entries[1].nofail());
        assert!(t.entries[1].names_block_device());
        assert!(!t.entries[2].names_block_device());
        assert!(t.entries[3].is_swap());
    }

    #[test]
    fn syntax_errors_have_line_numbers() {
        let t = parse(
            "/dev/vdb1 /data\n/dev/vdc /a b c d e f\n/dev/vdd /d ext4 defaults x y\nUUUID=1 /e ext4\nUUID= /f ext4\n/dev/vde data ext4\n\u{fffd}\u{1} /g ext4\n",
        );
        let lines: Vec<usize> = t.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 5, 6, 7]);
        assert!(t.entries.is_empty());
    }

    #[test]
    fn network_and_bind_entries_are_not_block_devices() {
        let t =
            parse("nas:/export /nfs nfs defaults 0 0\n//srv/share /smb cifs _netdev 0 0\n/srv /srv2 none bind 0 0\n");
        assert!(t.entries.iter().all(|e| !e.names_block_device()));
        assert!(t.entries[0].is_network() && t.entries[1].is_network());
    }

    #[test]
    fn resolves_devices_under_a_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("dev/disk/by-uuid")).unwrap();
        std::os::unix::fs::symlink("../../vda1", root.join("dev/disk/by-uuid/abc-1")).unwrap();
        std::fs::write(root.join("dev/vda1"), "").unwrap();
        let host = Host::new(root);
        let inv = Inventory::default();
        let t = parse(
            "UUID=ABC-1 / ext4 defaults 0 1\nUUID=gone /data ext4 defaults 0 2\n/dev/vda1 /x ext4 defaults\n/dev/vdz /y ext4 defaults\n",
        );
        assert_eq!(device_state(&host, &t.entries[0], &inv), DeviceState::Present(Some("/dev/vda1".into())));
        assert_eq!(device_state(&host, &t.entries[1], &inv), DeviceState::Missing);
        assert!(matches!(device_state(&host, &t.entries[2], &inv), DeviceState::Present(_)));
        assert_eq!(device_state(&host, &t.entries[3], &inv), DeviceState::Missing);
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(device_state(&Host::new(empty.path()), &t.entries[1], &inv), DeviceState::Unknown);
        assert_eq!(device_state(&Host::new(empty.path()), &t.entries[3], &inv), DeviceState::Unknown);
    }

    #[test]
    fn inventory_from_udev_and_blkid() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("run/udev/data")).unwrap();
        std::fs::create_dir_all(root.join("sys/dev/block")).unwrap();
        std::fs::create_dir_all(root.join("run/blkid")).unwrap();
        std::fs::write(root.join("run/udev/data/b253:1"), "E:ID_FS_UUID=AAA\nE:ID_FS_TYPE=ext4\n").unwrap();
        std::fs::write(root.join("run/udev/data/b9:0"), "E:ID_FS_UUID=RAID\nE:ID_FS_TYPE=linux_raid_member\n").unwrap();
        std::os::unix::fs::symlink("../../devices/pci/virtio2/block/vda/vda1", root.join("sys/dev/block/253:1"))
            .unwrap();
        std::fs::write(
            root.join("run/blkid/blkid.tab"),
            "<device DEVNO=\"0xfd11\" TIME=\"1\" UUID=\"aaa\" TYPE=\"ext4\">/dev/vdb1</device>\ngarbage\n",
        )
        .unwrap();
        let inv = inventory(&Host::new(root));
        assert_eq!(inv.by_uuid.get("aaa"), Some(&vec!["/dev/vda1".to_string(), "/dev/vdb1".to_string()]));
        assert!(!inv.by_uuid.contains_key("raid"));
    }
}
