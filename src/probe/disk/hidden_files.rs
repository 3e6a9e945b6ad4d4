//! Files hidden under a mount point: what was written into a directory before a filesystem was
//! mounted over it (a data disk mounted on /data after an application had already filled
//! /data on the system disk). Those files take space on the filesystem below (the system disk
//! fills up and `du` cannot find why) and nothing can reach them.
//!
//! Looked at without changing anything anyone can see: `open_tree(OPEN_TREE_CLONE)` makes a
//! detached copy of the mount below (without the mounts on top of it) in a mount namespace of
//! its own that nothing is attached to, and the directory under the mount point is read
//! through that copy with `openat` (no symlink followed), then the copy is dropped. Needs
//! CAP_SYS_ADMIN and Linux 5.2; live system only.

use crate::host::blockdev::human;
use crate::host::mounts::Mount;
use crate::i18n::Msg;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
use rustix::mount::OpenTreeFlags;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("hidden_files", "", "files and directories under the mount point, on the filesystem below"),
    Field::num("hidden_bytes", "bytes", "their size"),
    Field::text("hidden_size", "their size in words"),
    Field::text("parent", "the mount point of the filesystem below"),
    Field::text("parent_device", "the device of the filesystem below"),
    Field::text("device", "the device mounted over them"),
    Field::text("fstype", "the type of the filesystem mounted over them"),
    Field::text("largest", "the largest hidden files"),
    Field::flag("truncated", "1 when there were more entries than were counted"),
    Field::num("mounts", "", "mount points looked under"),
];

/// Mount points under these are the kernel's and the runtime's, never a customer's data.
const SYSTEM_TREES: &[&str] = &["/proc", "/sys", "/dev", "/run"];
/// Entries counted under one mount point at most, and how deep.
const MAX_ENTRIES: usize = 100_000;
const MAX_DEPTH: usize = 16;
/// Time for the whole look.
const BUDGET: Duration = Duration::from_secs(3);

fn is_under(path: &str, dir: &str) -> bool {
    dir == "/" || path == dir || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

/// The mount a mount point sits on: the last mounted one whose mount point holds it (its index
/// in `before`).
fn parent_of(m: &Mount, before: &[Mount]) -> Option<usize> {
    before.iter().rposition(|p| p.mount_point != m.mount_point && is_under(&m.mount_point, &p.mount_point))
}

#[derive(Debug, Default)]
struct Count {
    entries: usize,
    bytes: u64,
    largest: Vec<(u64, String)>,
    truncated: bool,
}

/// Counts what is under `dir` (already opened), `shown` being its path for the evidence.
fn walk(dir: &OwnedFd, shown: &str, depth: usize, c: &mut Count, until: Instant) {
    let Ok(mut entries) = rustix::fs::Dir::read_from(dir) else { return };
    while let Some(Ok(e)) = entries.next() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "." || name == ".." || (depth == 0 && name == "lost+found") {
            continue;
        }
        if c.entries >= MAX_ENTRIES || Instant::now() > until {
            c.truncated = true;
            return;
        }
        c.entries += 1;
        let Ok(st) = rustix::fs::statat(dir, e.file_name(), AtFlags::SYMLINK_NOFOLLOW) else { continue };
        let path = format!("{shown}/{name}");
        match FileType::from_raw_mode(st.st_mode) {
            FileType::RegularFile => {
                let size = st.st_size.max(0) as u64;
                c.bytes = c.bytes.saturating_add(size);
                c.largest.push((size, path));
                c.largest.sort_by_key(|b| std::cmp::Reverse(b.0));
                c.largest.truncate(3);
            }
            FileType::Directory if depth < MAX_DEPTH => {
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                if let Ok(sub) = rustix::fs::openat(dir, e.file_name(), flags, Mode::empty()) {
                    walk(&sub, &path, depth + 1, c, until);
                }
            }
            _ => {}
        }
    }
}

/// Opens `rel` (a relative path) inside the detached tree `root`, one component at a time,
/// following no symlink.
fn open_beneath(root: &OwnedFd, rel: &str) -> std::io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mut cur = rustix::fs::openat(root, ".", flags, Mode::empty())?;
    for part in rel.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
        }
        cur = rustix::fs::openat(cur.as_fd(), part, flags, Mode::empty())?;
    }
    Ok(cur)
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipMountsUnderRoot));
    }
    let table = ctx.mounts()?;
    let excluded = super::filesystems::DEFAULT_EXCLUDED;
    let until = Instant::now() + BUDGET.min(ctx.deadline.saturating_duration_since(Instant::now()));
    let mut items = Vec::new();
    let mut looked = 0usize;
    // The detached copy of the last mount below, kept for the next mount point on it (4,000 mount
    // points side by side on one filesystem are one copy, and one open descriptor at a time).
    let mut last: Option<(usize, Option<OwnedFd>)> = None;
    for (i, m) in table.mounts.iter().enumerate() {
        if m.mount_point == "/"
            || excluded.contains(&m.fstype.as_str())
            || SYSTEM_TREES.iter().any(|t| is_under(&m.mount_point, t))
        {
            continue;
        }
        let Some(p) = parent_of(m, &table.mounts[..i]) else { continue };
        let parent = &table.mounts[p];
        // A network or pseudo filesystem below: not a disk whose space the files take.
        if excluded.contains(&parent.fstype.as_str())
            || crate::host::fstab::NETWORK_FSTYPES.contains(&parent.fstype.as_str())
        {
            continue;
        }
        if Instant::now() > until {
            break;
        }
        if last.as_ref().is_none_or(|(at, _)| *at != p) {
            let tree = match rustix::mount::open_tree(
                CWD,
                parent.mount_point.as_str(),
                OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC,
            ) {
                Ok(t) => Some(t),
                Err(rustix::io::Errno::NOSYS) => return Err(ProbeError::skipped(Msg::SkipHiddenOldKernel)),
                Err(rustix::io::Errno::PERM) | Err(rustix::io::Errno::ACCESS) => {
                    return Err(ProbeError::skipped(Msg::SkipHiddenNeedsRoot));
                }
                Err(_) => None,
            };
            last = Some((p, tree));
        }
        let Some(tree) = last.as_ref().and_then(|(_, t)| t.as_ref()) else { continue };
        let rel = m.mount_point.strip_prefix(&parent.mount_point).unwrap_or(&m.mount_point);
        // A file mount point (a bind-mounted /etc/hosts) hides one file, not a directory.
        let Ok(dir) = open_beneath(tree, rel) else { continue };
        looked += 1;
        let mut c = Count::default();
        walk(&dir, &m.mount_point, 0, &mut c, until);
        let mut o = Observation::new(&m.mount_point)
            .num("hidden_files", c.entries as f64)
            .num("hidden_bytes", c.bytes as f64)
            .text("hidden_size", human(c.bytes))
            .text("parent", &parent.mount_point)
            .text("parent_device", &parent.source)
            .text("device", &m.source)
            .text("fstype", &m.fstype)
            .flag("truncated", c.truncated)
            .text(
                "largest",
                c.largest.iter().map(|(s, p)| format!("{p} ({})", human(*s))).collect::<Vec<_>>().join(", "),
            );
        if c.entries > 0 {
            o = o
                .evidence(format!(
                    "under {} on {} ({}), below the {} mounted from {}: {} entries{}, {}",
                    m.mount_point,
                    parent.source,
                    parent.mount_point,
                    m.fstype,
                    m.source,
                    c.entries,
                    if c.truncated { " or more" } else { "" },
                    human(c.bytes)
                ))
                .evidence(format!("{}: {} on {} type {}", table.source, m.source, m.mount_point, m.fstype));
            for (s, p) in &c.largest {
                o = o.evidence(format!("{p}: {} bytes (hidden)", s));
            }
        }
        if c.entries > 0 {
            items.push(o);
        }
    }
    let mut first = Observation::new("mounts").num("mounts", looked as f64);
    if items.is_empty() {
        first = first.num("hidden_files", 0.0);
    }
    items.insert(0, first);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(mp: &str) -> Mount {
        Mount { mount_point: mp.into(), ..Default::default() }
    }

    #[test]
    fn the_mount_below() {
        let table = [m("/"), m("/srv"), m("/data"), m("/srv/data")];
        assert_eq!(parent_of(&table[3], &table[..3]), Some(1), "/srv");
        assert_eq!(parent_of(&table[2], &table[..2]), Some(0), "/");
        assert!(!is_under("/database", "/data"));
        assert!(is_under("/data/x", "/data") && is_under("/data", "/data") && is_under("/x", "/"));
        assert!(!is_under("/dat", "/data"));
    }
}
