//! Every /etc/fstab entry against the system: does its device exist, will a missing data disk
//! stop the boot (no `nofail`), is a cloud data disk named by its unstable kernel name, is it
//! mounted; plus syntax errors (with line numbers) and filesystem UUIDs found on two devices.

use crate::host::blockdev;
use crate::host::fstab::{self, DeviceState, Entry};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// Syntax errors named one by one.
const MAX_SYNTAX_ERRORS: usize = 20;

pub const FIELDS: &[Field] = &[
    Field::num("line", "", "the line number in /etc/fstab"),
    Field::text("spec", "the device field (UUID=, LABEL=, /dev/...)"),
    Field::text("mount_point", "the mount point field"),
    Field::text("fstype", "the filesystem type field"),
    Field::text("options", "the mount options"),
    Field::text("device", "the device the spec resolves to"),
    Field::flag("missing", "1 when no device matches the spec"),
    Field::flag("blocks_boot", "1 when a missing device without nofail or noauto stops the boot"),
    Field::flag("nofail", "1 when the entry has nofail"),
    Field::flag("needs_nofail", "1 when a data disk is mounted at boot without nofail"),
    Field::flag("kernel_name", "1 when the entry names a device by its kernel name (/dev/vdb1), which can change"),
    Field::flag("mounted", "1 when the mount point is mounted now"),
    Field::flag("not_mounted", "1 when an entry that should be mounted is not"),
    Field::flag("duplicate_mount", "1 when another line mounts the same mount point"),
    Field::num("first_line", "", "the line that mounts it first"),
    Field::flag("duplicate_uuid", "1 when the UUID is on more than one device (a cloned disk)"),
    Field::text("devices", "the devices that carry the same UUID"),
    Field::flag("syntax_error", "1 when the line cannot be parsed"),
    Field::text("problem", "why the line cannot be parsed"),
    Field::num("entries", "", "entries in /etc/fstab"),
    Field::flag("network", "1 for a network filesystem (NFS, SMB, a FUSE mount such as ossfs)"),
    Field::flag(
        "network_needs_nofail",
        "1 when a network filesystem is mounted at boot without nofail: an unreachable server holds up the boot",
    ),
    Field::flag("needs_netdev", "1 when systemd cannot tell the filesystem needs the network and _netdev is missing"),
    Field::flag(
        "not_attached",
        "1 under --root when no disk this (rescue) machine sees carries the data disk's UUID or LABEL",
    ),
    Field::text("suggested", "the entry rewritten with the options it lacks"),
    Field::text("device_timeout", "how long the boot waits for the entry's device (`90s`, `forever`)"),
    Field::num("device_timeout_s", "s", "the same in seconds, -1 for forever"),
    Field::text(
        "device_timeout_from",
        "where the wait is set: x-systemd.device-timeout=, DefaultDeviceTimeoutSec= or the default",
    ),
];

/// Filesystem types systemd knows to be network filesystems (`fstype_is_network`): they are
/// ordered after the network without `_netdev`. A `fuse.` prefix is looked through.
const SYSTEMD_NETWORK_TYPES: &[&str] = &[
    "afs",
    "ceph",
    "cifs",
    "smb3",
    "smbfs",
    "sshfs",
    "ncpfs",
    "ncp",
    "nfs",
    "nfs4",
    "gfs",
    "gfs2",
    "glusterfs",
    "pvfs2",
    "ocfs2",
    "lustre",
    "davfs",
];

/// Whether systemd orders the entry after the network without being told.
fn systemd_knows_network(e: &Entry) -> bool {
    let t = e.vfstype.strip_prefix("fuse.").unwrap_or(&e.vfstype);
    SYSTEMD_NETWORK_TYPES.contains(&t) || e.has("_netdev")
}

/// The entry as it should be written, with `add` appended to its options.
fn with_options(e: &Entry, add: &[&str]) -> String {
    let mut opts: Vec<&str> = e.options.iter().map(String::as_str).collect();
    if opts.is_empty() {
        opts.push("defaults");
    }
    for a in add {
        if !e.has(a) {
            opts.push(a);
        }
    }
    let rest: Vec<&str> = e.raw.split_whitespace().skip(4).collect();
    let tail = if rest.is_empty() { "0 0".to_string() } else { rest.join(" ") };
    let mut fields = e.raw.split_whitespace();
    let spec = fields.next().unwrap_or(&e.spec);
    let file = fields.next().unwrap_or(&e.file);
    format!("{spec} {file} {} {} {tail}", e.vfstype, opts.join(","))
}

/// Mount points of the system itself: the instance cannot run without them anyway, so
/// `nofail` would not help.
const SYSTEM_MOUNTS: &[&str] = &["/", "/boot", "/boot/efi", "/efi", "/usr", "/var"];

/// A kernel name of a disk that is not the first one (`/dev/vdb1`, `/dev/xvdc`, `/dev/nvme1n1p1`):
/// such names follow the order in which disks appear and change when one is detached.
fn is_unstable_name(spec: &str) -> bool {
    static RE: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^/dev/(?:(?:x?vd|sd|hd)[b-z][a-z]*|nvme[1-9]\d*n\d+)(?:p?\d+)?$").ok());
    RE.as_ref().is_some_and(|re| re.is_match(spec))
}

/// The disk a partition belongs to: `/dev/vda3` → `vda`, `/dev/nvme0n1p2` → `nvme0n1`; `None`
/// for names that are not disk partitions (device mapper, md).
fn parent_disk(dev: &str) -> Option<String> {
    static RE: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^/dev/((?:x?vd|sd|hd)[a-z]+|nvme\d+n\d+|mmcblk\d+)(?:p?\d+)?$").ok());
    RE.as_ref()?.captures(dev).map(|c| c[1].to_string())
}

fn subject(e: &Entry) -> String {
    if e.is_swap() || !e.file.starts_with('/') { format!("{} (swap)", e.spec) } else { e.file.clone() }
}

/// Active swap areas (/proc/swaps), by device or file path; `None` when unreadable.
fn active_swaps(ctx: &ProbeContext) -> Option<Vec<String>> {
    let f = ctx.host.read("/proc/swaps").ok()?;
    Some(
        f.text.lines().skip(1).filter_map(|l| l.split_whitespace().next()).map(crate::host::mounts::unescape).collect(),
    )
}

/// How long systemd waits at boot for the entry's device before it gives up (and, without
/// nofail, drops into emergency mode), and where that is set.
fn device_wait(o: Observation, e: &Entry, default: &(fstab::Wait, Option<String>)) -> Observation {
    let (wait, from) = match e.device_timeout() {
        Some((opt, w)) => (w, Some(opt)),
        None => (default.0, default.1.clone()),
    };
    let o = o.num("device_timeout_s", wait.seconds());
    let o = match wait {
        fstab::Wait::Forever => o.word("device_timeout", Said::new(Msg::ValForever)),
        w => o.text("device_timeout", w.show()),
    };
    match from {
        Some(from) => o.text("device_timeout_from", from),
        None => o.word("device_timeout_from", Said::new(Msg::ValSystemdDefault)),
    }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let file = match ctx.host.read_optional(fstab::PATH) {
        Ok(Some(f)) => f,
        Ok(None) => return Err(ProbeError::Skipped(Said::new(Msg::SkipFileMissing).arg("path", fstab::PATH))),
        Err(e) => return Err(ProbeError::io(fstab::PATH, &e)),
    };
    let tab = fstab::parse(&file.text);
    let inventory = fstab::inventory(&ctx.host);
    // The mount table tells what is mounted; without one (a rescued disk) that is unknown.
    let mounts = ctx.mounts().ok().filter(|t| !t.mounts.is_empty());
    let swaps = active_swaps(ctx);
    let default_wait = fstab::default_device_timeout(&ctx.host);
    let ev = |e: &Entry| format!("{}:{}: {}", fstab::PATH, e.line, e.raw);

    let mut items = vec![Observation::new(fstab::PATH).num("entries", tab.entries.len() as f64)];
    if file.truncated {
        items[0] = items[0].clone().evidence(format!("{}: only the first part was read (file too large)", fstab::PATH));
    }
    let mut first_by_mount: BTreeMap<String, usize> = BTreeMap::new();
    // Under --root the examined disk has no udev links: a UUID= or LABEL= is looked for among
    // the filesystems of the (rescue) machine's own disks, where the broken system's disk is.
    let mut visible: Option<blockdev::Visible> = None;
    let mut looked: Vec<Option<String>> = Vec::new();
    let states: Vec<DeviceState> = tab
        .entries
        .iter()
        .map(|e| {
            let mut st = if e.names_block_device() {
                fstab::device_state(&ctx.host, e, &inventory)
            } else {
                DeviceState::Unknown
            };
            let mut evidence = None;
            if st == DeviceState::Unknown
                && !ctx.host.is_live()
                && let Some((tag @ ("UUID" | "LABEL"), value)) = e.tag()
            {
                let v = visible.get_or_insert_with(blockdev::visible);
                if v.known() {
                    st = match v.find(tag, value) {
                        Some(dev) => DeviceState::Present(dev),
                        None => DeviceState::Missing,
                    };
                    evidence = Some(v.describe());
                }
            }
            looked.push(evidence);
            st
        })
        .collect();
    // The disk / is on: other partitions of it (a separate /home) are not detachable data disks.
    let system_disk = tab.entries.iter().zip(&states).find(|(e, _)| e.file == "/").and_then(|(_, st)| match st {
        DeviceState::Present(Some(d)) => parent_disk(d),
        _ => None,
    });
    for ((e, state), looked) in tab.entries.iter().zip(states).zip(looked) {
        let mut o = Observation::new(subject(e))
            .num("line", e.line as f64)
            .text("spec", &e.spec)
            .text("mount_point", &e.file)
            .text("fstype", &e.vfstype)
            .text("options", e.options.join(","))
            .flag("nofail", e.nofail())
            .evidence(ev(e));
        let device = match &state {
            DeviceState::Present(Some(d)) => d.clone(),
            DeviceState::Present(None) => e.spec.clone(),
            DeviceState::Missing => "missing".into(),
            DeviceState::Unknown => "unknown".into(),
        };
        o = o.text("device", device);
        let data_disk = e.names_block_device() && !e.is_swap() && !SYSTEM_MOUNTS.contains(&e.file.as_str());
        if e.names_block_device() && !e.is_swap() && !e.noauto() {
            o = device_wait(o, e, &default_wait);
        }
        // Under --root a data disk is often left attached to the broken instance: not finding
        // it on the rescue instance says nothing about the boot.
        let not_attached = looked.is_some() && state == DeviceState::Missing && data_disk;
        if let Some(line) = &looked {
            o = o.evidence(line.clone());
        }
        let missing = state == DeviceState::Missing && !not_attached;
        if not_attached {
            o = o.flag("not_attached", true);
        } else if e.names_block_device() && state != DeviceState::Unknown {
            o = o.flag("missing", missing);
            // A missing device of an automatic, non-swap entry without nofail drops systemd
            // into emergency mode; a missing swap device only delays the boot.
            o = o.flag("blocks_boot", missing && !e.nofail() && !e.noauto() && !e.is_swap());
        }
        let on_system_disk = match (&state, &system_disk) {
            (DeviceState::Present(Some(d)), Some(sys)) => parent_disk(d).as_ref() == Some(sys),
            _ => false,
        };
        let data_disk = data_disk && !on_system_disk;
        if data_disk && !missing {
            let needs = !e.nofail() && !e.noauto();
            o = o.flag("needs_nofail", needs);
            if needs {
                o = o.text("suggested", with_options(e, &["nofail"]));
            }
        }
        if e.is_network() && !e.is_swap() {
            let no_nofail = !e.nofail() && !e.noauto();
            let no_netdev = !systemd_knows_network(e);
            o = o.flag("network", true).flag("network_needs_nofail", no_nofail).flag("needs_netdev", no_netdev);
            let mut add = Vec::new();
            if no_netdev {
                add.push("_netdev");
            }
            if no_nofail {
                add.push("nofail");
                if !e.options.iter().any(|x| x.starts_with("x-systemd.mount-timeout=")) {
                    add.push("x-systemd.mount-timeout=30s");
                }
            }
            if !add.is_empty() {
                o = o.text("suggested", with_options(e, &add));
            }
        }
        if e.names_block_device() {
            o = o.flag("kernel_name", is_unstable_name(&e.spec));
        }
        // Mounted?
        let mounted = if e.is_swap() {
            swaps.as_ref().map(|active| {
                let target = match &state {
                    DeviceState::Present(Some(d)) => d.clone(),
                    _ => e.spec.clone(),
                };
                active.iter().any(|a| *a == target || *a == e.spec)
            })
        } else {
            mounts.as_ref().map(|t| t.mounts.iter().any(|m| m.mount_point == e.file))
        };
        if let Some(m) = mounted {
            o = o.flag("mounted", m);
            // Only a surprise when it should be: automatic, and its device not already missing.
            o = o.flag("not_mounted", !m && !e.noauto() && !missing);
        }
        if e.file.starts_with('/') && !e.is_swap() {
            match first_by_mount.get(&e.file) {
                Some(first) => {
                    o = o.flag("duplicate_mount", true).num("first_line", *first as f64);
                }
                None => {
                    first_by_mount.insert(e.file.clone(), e.line);
                    o = o.flag("duplicate_mount", false);
                }
            }
        }
        items.push(o);
    }
    // A file of garbage (a corrupt rescued disk) has a syntax error per line: the first ones are
    // named, the last of them says how many more there are.
    for (i, err) in tab.errors.iter().take(MAX_SYNTAX_ERRORS).enumerate() {
        let mut o = Observation::new(format!("{}:{}", fstab::PATH, err.line))
            .num("line", err.line as f64)
            .flag("syntax_error", true)
            .word("problem", err.problem.clone())
            .evidence(format!("{}:{}: {}", fstab::PATH, err.line, err.raw));
        if i + 1 == MAX_SYNTAX_ERRORS && tab.errors.len() > MAX_SYNTAX_ERRORS {
            o = o.evidence(format!(
                "{}: {} more lines that cannot be parsed, not listed",
                fstab::PATH,
                tab.errors.len() - MAX_SYNTAX_ERRORS
            ));
        }
        items.push(o);
    }
    for (uuid, devices) in inventory.by_uuid.iter().filter(|(_, d)| d.len() > 1) {
        let mut o =
            Observation::new(format!("UUID={uuid}")).flag("duplicate_uuid", true).text("devices", devices.join(", "));
        for d in devices {
            if let Some(l) = inventory.evidence.get(d) {
                o = o.evidence(l.clone());
            }
        }
        for e in
            tab.entries.iter().filter(|e| e.tag().is_some_and(|(t, v)| t == "UUID" && v.eq_ignore_ascii_case(uuid)))
        {
            o = o.evidence(ev(e));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_disks() {
        assert_eq!(parent_disk("/dev/vda3").as_deref(), Some("vda"));
        assert_eq!(parent_disk("/dev/vda").as_deref(), Some("vda"));
        assert_eq!(parent_disk("/dev/nvme0n1p2").as_deref(), Some("nvme0n1"));
        assert_eq!(parent_disk("/dev/xvdb1").as_deref(), Some("xvdb"));
        assert_eq!(parent_disk("/dev/mapper/vg-root"), None);
        assert_eq!(parent_disk("/dev/dm-0"), None);
    }

    #[test]
    fn unstable_names() {
        for s in ["/dev/vdb", "/dev/vdb1", "/dev/xvdc", "/dev/sdb2", "/dev/nvme1n1", "/dev/nvme1n1p1"] {
            assert!(is_unstable_name(s), "{s}");
        }
        for s in ["/dev/vda1", "/dev/nvme0n1p1", "/dev/sda", "/dev/mapper/vg-data", "UUID=x", "/dev/vdb1x"] {
            assert!(!is_unstable_name(s), "{s}");
        }
    }
}
