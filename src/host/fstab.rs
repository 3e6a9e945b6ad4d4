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

/// How long systemd waits for something (a device, a job).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Wait {
    Seconds(f64),
    Forever,
}

impl Wait {
    /// A job timeout as systemd reads it: a time span, where `0` and `infinity` mean no timeout
    /// (`parse_sec_fix_0`); `None` when it is not a time span (systemd ignores it then).
    pub fn of_job_timeout(text: &str) -> Option<Wait> {
        let t = text.trim();
        if t == "infinity" {
            return Some(Wait::Forever);
        }
        let s = timespan_seconds(t)?;
        Some(if s == 0.0 { Wait::Forever } else { Wait::Seconds(s) })
    }

    /// `90s`, `2min 30s`, `forever`.
    pub fn show(&self) -> String {
        match self {
            Wait::Forever => "forever".into(),
            Wait::Seconds(s) => {
                let whole = s.round() as u64;
                if (s - whole as f64).abs() > 1e-9 {
                    format!("{}ms", (s * 1000.0).round() as u64)
                } else if whole >= 60 && whole.is_multiple_of(60) {
                    format!("{}min", whole / 60)
                } else if whole >= 60 {
                    format!("{}min {}s", whole / 60, whole % 60)
                } else {
                    format!("{whole}s")
                }
            }
        }
    }

    /// Seconds, -1 for forever.
    pub fn seconds(&self) -> f64 {
        match self {
            Wait::Forever => -1.0,
            Wait::Seconds(s) => *s,
        }
    }
}

/// A systemd time span in seconds (`90`, `90s`, `1min 30s`, `1.5h`, `500ms`; systemd.time(5)).
pub fn timespan_seconds(text: &str) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("usec", 1e-6),
        ("us", 1e-6),
        ("µs", 1e-6),
        ("msec", 1e-3),
        ("ms", 1e-3),
        ("seconds", 1.0),
        ("second", 1.0),
        ("sec", 1.0),
        ("s", 1.0),
        ("minutes", 60.0),
        ("minute", 60.0),
        ("min", 60.0),
        ("m", 60.0),
        ("hours", 3600.0),
        ("hour", 3600.0),
        ("hr", 3600.0),
        ("h", 3600.0),
        ("days", 86400.0),
        ("day", 86400.0),
        ("d", 86400.0),
        ("weeks", 604800.0),
        ("week", 604800.0),
        ("w", 604800.0),
    ];
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..end].parse().ok()?;
        rest = rest[end..].trim_start();
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace()).unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        let factor = if unit.is_empty() { 1.0 } else { UNITS.iter().find(|(u, _)| *u == unit)?.1 };
        total += number * factor;
        rest = rest[unit_end..].trim_start();
    }
    Some(total)
}

/// The examined system's systemd version, from the name of its shared library
/// (`libsystemd-shared-252.so`, systemd 231 and later); `None` when not found.
fn systemd_version(host: &Host) -> Option<u32> {
    [
        "/usr/lib/systemd",
        "/usr/lib/x86_64-linux-gnu/systemd",
        "/usr/lib/aarch64-linux-gnu/systemd",
        "/usr/lib64/systemd",
    ]
    .iter()
    .flat_map(|d| host.list_dir(d).unwrap_or_default())
    .filter_map(|n| n.strip_prefix("libsystemd-shared-")?.split(['.', '-']).next()?.parse().ok())
    .max()
}

/// systemd's default wait for a device of an fstab entry: `DefaultDeviceTimeoutSec=` (systemd
/// 252 and later) or, before 252, `DefaultTimeoutStartSec=`, in /etc/systemd/system.conf and its
/// drop-ins (the last one read counts), else 90 s; with the line that sets it.
pub fn default_device_timeout(host: &Host) -> (Wait, Option<String>) {
    let mut files = vec!["/etc/systemd/system.conf".to_string()];
    for dir in ["/usr/lib/systemd/system.conf.d", "/etc/systemd/system.conf.d", "/run/systemd/system.conf.d"] {
        let mut names = host.list_dir(dir).unwrap_or_default();
        names.retain(|n| n.ends_with(".conf"));
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
    }
    let mut device: Option<(Wait, String)> = None;
    let mut start: Option<(Wait, String)> = None;
    for path in files {
        let Ok(f) = host.read(&path) else { continue };
        let mut in_manager = false;
        for (i, l) in f.text.lines().enumerate() {
            let l = l.trim();
            if l.starts_with('[') {
                in_manager = l == "[Manager]";
                continue;
            }
            if !in_manager || l.starts_with('#') || l.starts_with(';') {
                continue;
            }
            let Some((k, v)) = l.split_once('=') else { continue };
            let slot = match k.trim() {
                "DefaultDeviceTimeoutSec" => &mut device,
                "DefaultTimeoutStartSec" => &mut start,
                _ => continue,
            };
            if let Some(w) = Wait::of_job_timeout(v) {
                *slot = Some((w, format!("{path}:{}: {l}", i + 1)));
            }
        }
    }
    if systemd_version(host).is_some_and(|v| v >= 252) {
        start = None;
    }
    match device.or(start) {
        Some((w, line)) => (w, Some(line)),
        None => (Wait::Seconds(90.0), None),
    }
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

    /// `nofail`: the boot goes on without the entry. (`x-systemd.device-timeout=0` is not that:
    /// systemd reads a zero job timeout as none, and the boot waits for the device forever.)
    pub fn nofail(&self) -> bool {
        self.has("nofail")
    }

    /// The entry's own device timeout (`x-systemd.device-timeout=`, or the older
    /// `comment=systemd.device-timeout=`), as written and as a wait; the last one counts.
    pub fn device_timeout(&self) -> Option<(String, Wait)> {
        self.options.iter().rev().find_map(|o| {
            let v = o
                .strip_prefix("x-systemd.device-timeout=")
                .or_else(|| o.strip_prefix("comment=systemd.device-timeout="))?;
            Some((o.clone(), Wait::of_job_timeout(v)?))
        })
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
        assert_eq!(t.entries[1].device_timeout(), None);
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

    #[test]
    fn device_timeouts_read_as_systemd_reads_them() {
        let t = parse(
            "UUID=a /a ext4 defaults,x-systemd.device-timeout=5s 0 2\nUUID=b /b ext4 x-systemd.device-timeout=0 0 2\n\
             UUID=c /c ext4 comment=systemd.device-timeout=2min 0 2\nUUID=d /d ext4 x-systemd.device-timeout=soon 0 2\n",
        );
        let w: Vec<Option<Wait>> = t.entries.iter().map(|e| e.device_timeout().map(|(_, w)| w)).collect();
        assert_eq!(w, vec![Some(Wait::Seconds(5.0)), Some(Wait::Forever), Some(Wait::Seconds(120.0)), None]);
        // A zero timeout is no timeout, not nofail: the boot waits for the device forever.
        assert!(!t.entries[1].nofail());
        assert_eq!(timespan_seconds("1min 30s"), Some(90.0));
        assert_eq!(timespan_seconds("1.5h"), Some(5400.0));
        assert_eq!(timespan_seconds("500ms"), Some(0.5));
        assert_eq!(timespan_seconds("90"), Some(90.0));
        assert_eq!(timespan_seconds("5 parsecs"), None);
        assert_eq!(Wait::Seconds(90.0).show(), "1min 30s");
        assert_eq!(Wait::Seconds(5.0).show(), "5s");
        assert_eq!(Wait::Seconds(120.0).show(), "2min");
    }

    #[test]
    fn the_default_device_timeout_comes_from_system_conf_and_its_drop_ins() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        assert_eq!(default_device_timeout(&host), (Wait::Seconds(90.0), None));
        std::fs::create_dir_all(dir.path().join("etc/systemd/system.conf.d")).unwrap();
        std::fs::write(
            dir.path().join("etc/systemd/system.conf"),
            "[Manager]\n#DefaultDeviceTimeoutSec=90s\nDefaultTimeoutStartSec=3min\n",
        )
        .unwrap();
        let (w, line) = default_device_timeout(&host);
        assert_eq!(w, Wait::Seconds(180.0));
        assert_eq!(line.as_deref(), Some("/etc/systemd/system.conf:3: DefaultTimeoutStartSec=3min"));
        std::fs::write(
            dir.path().join("etc/systemd/system.conf.d/10-dev.conf"),
            "[Manager]\nDefaultDeviceTimeoutSec=20s\n",
        )
        .unwrap();
        assert_eq!(default_device_timeout(&host).0, Wait::Seconds(20.0));
        // systemd 252 and later wait DefaultDeviceTimeoutSec only: DefaultTimeoutStartSec is for units.
        std::fs::remove_file(dir.path().join("etc/systemd/system.conf.d/10-dev.conf")).unwrap();
        std::fs::create_dir_all(dir.path().join("usr/lib/x86_64-linux-gnu/systemd")).unwrap();
        std::fs::write(dir.path().join("usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so"), "").unwrap();
        assert_eq!(default_device_timeout(&host), (Wait::Seconds(90.0), None));
    }
}
