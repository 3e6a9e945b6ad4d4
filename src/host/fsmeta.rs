//! File ownership and modes for the security probes: `lstat` through the host root, owner and
//! group names from the examined system's own /etc/passwd and /etc/group (not this machine's),
//! and a bounded directory walk that never follows symlinks or crosses filesystems.
//!
//! "Owned by root" means uid 0 on the live system. Under `--root` it means the owner of the
//! examined root directory: a system image mounted elsewhere has its `/` owned by its uid 0, and
//! a tree copied by an ordinary user (a test fixture, an unpacked backup) has every file owned by
//! that user, where calling each one "not owned by root" would be noise, not a finding.

use crate::host::Host;
use crate::host::mounts::MountTable;
use crate::i18n::{Msg, Said};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;

/// What kind of file an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// The parts of `stat` the security checks judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky (`& 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub dev: u64,
    pub mtime: i64,
}

impl Meta {
    fn of(m: &std::fs::Metadata) -> Meta {
        let ft = m.file_type();
        let kind = if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        Meta { kind, mode: m.mode() & 0o7777, uid: m.uid(), gid: m.gid(), dev: m.dev(), mtime: m.mtime() }
    }

    pub fn world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }
}

/// `lstat` of a path of the examined system (a symlink is reported as one, not followed).
pub fn lstat(host: &Host, system_path: &str) -> std::io::Result<Meta> {
    std::fs::symlink_metadata(host.path(system_path)).map(|m| Meta::of(&m))
}

/// `stat` (following symlinks) of a path of the examined system.
pub fn stat(host: &Host, system_path: &str) -> std::io::Result<Meta> {
    std::fs::metadata(host.path(system_path)).map(|m| Meta::of(&m))
}

/// `0640`: the permission bits as `ls -l` users write them in chmod.
pub fn mode_str(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

/// Parses `"0640"` or `"640"` (octal).
pub fn parse_mode(s: &str) -> Option<u32> {
    u32::from_str_radix(s.trim(), 8).ok().filter(|m| *m <= 0o7777)
}

/// Who owns the examined system: its uid 0 and gid 0, see the module comment.
#[derive(Debug, Clone, Copy)]
pub struct Superuser {
    pub uid: u32,
    pub gid: u32,
}

impl Superuser {
    pub fn of(host: &Host) -> Superuser {
        if host.is_live() {
            return Superuser { uid: 0, gid: 0 };
        }
        match std::fs::metadata(host.root()) {
            Ok(m) => Superuser { uid: m.uid(), gid: m.gid() },
            Err(_) => Superuser { uid: 0, gid: 0 },
        }
    }

    pub fn owns(&self, m: &Meta) -> bool {
        m.uid == 0 || m.uid == self.uid
    }

    pub fn group_is_root(&self, m: &Meta) -> bool {
        m.gid == 0 || m.gid == self.gid
    }
}

/// Names of users and groups of the examined system, and the members of each group.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub users: BTreeMap<u32, String>,
    pub groups: BTreeMap<u32, String>,
    pub members: BTreeMap<u32, Vec<String>>,
    /// Primary gid of each user name.
    pub primary: BTreeMap<String, u32>,
}

impl Names {
    /// Reads /etc/passwd and /etc/group of the examined system; missing or garbled lines are
    /// simply not named (ids then show as numbers).
    pub fn load(host: &Host) -> Names {
        let mut n = Names::default();
        if let Ok(f) = host.read("/etc/passwd") {
            for line in f.text.lines() {
                let fields: Vec<&str> = line.split(':').collect();
                if let (Some(name), Some(uid), Some(gid)) = (fields.first(), fields.get(2), fields.get(3))
                    && let (Ok(uid), Ok(gid)) = (uid.parse::<u32>(), gid.parse::<u32>())
                    && !name.is_empty()
                {
                    n.users.entry(uid).or_insert_with(|| name.to_string());
                    n.primary.entry(name.to_string()).or_insert(gid);
                }
            }
        }
        if let Ok(f) = host.read("/etc/group") {
            for line in f.text.lines() {
                let fields: Vec<&str> = line.split(':').collect();
                if let (Some(name), Some(gid)) = (fields.first(), fields.get(2))
                    && let Ok(gid) = gid.parse::<u32>()
                    && !name.is_empty()
                {
                    n.groups.entry(gid).or_insert_with(|| name.to_string());
                    let members = fields.get(3).map(|m| m.split(',').filter(|s| !s.is_empty())).into_iter().flatten();
                    n.members.entry(gid).or_default().extend(members.map(str::to_string));
                }
            }
        }
        n
    }

    pub fn user(&self, uid: u32) -> String {
        self.users.get(&uid).cloned().unwrap_or_else(|| uid.to_string())
    }

    pub fn group(&self, gid: u32) -> String {
        self.groups.get(&gid).cloned().unwrap_or_else(|| gid.to_string())
    }

    /// Whether `gid` is `user`'s own private group (named after the user, no one else in it):
    /// group write access then gives no one else anything (Debian's sshd accepts it too).
    pub fn is_private_group(&self, gid: u32, user: &str) -> bool {
        self.groups.get(&gid).is_some_and(|g| g == user)
            && self.members.get(&gid).is_none_or(|m| m.iter().all(|x| x == user))
            && self.primary.iter().all(|(name, g)| *g != gid || name == user)
    }
}

/// Limits of a directory walk: how many entries, how deep, until when.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_depth: usize,
    pub until: Instant,
}

impl Limits {
    /// `max_entries` entries, `max_depth` levels, and at most `budget` (or the run's deadline).
    pub fn new(max_entries: usize, max_depth: usize, budget: Duration, deadline: Instant) -> Limits {
        Limits { max_entries, max_depth, until: (Instant::now() + budget).min(deadline) }
    }
}

/// Where a walk must not go: every mount point (another filesystem: not crossed, and not even
/// `stat`ed, since a `stat` of a dead NFS or FUSE mount point never returns), and which of them
/// are network or FUSE filesystems (a walk never starts inside one).
#[derive(Debug, Clone, Default)]
pub struct Fences {
    mount_points: BTreeSet<String>,
    remote: Vec<(String, String)>,
}

/// Filesystem types whose operations can hang on a server that does not answer.
fn is_remote(fstype: &str) -> bool {
    fstype.starts_with("fuse")
        || fstype.starts_with("nfs")
        || matches!(
            fstype,
            "cifs" | "smb3" | "smbfs" | "9p" | "ceph" | "glusterfs" | "lustre" | "afs" | "davfs" | "sshfs"
        )
}

impl Fences {
    /// From the run's mount table; none when it cannot be read (the walk still stays on its
    /// starting device).
    pub fn of(table: Option<&MountTable>) -> Fences {
        let mut f = Fences::default();
        if let Some(table) = table {
            for m in &table.mounts {
                f.mount_points.insert(m.mount_point.clone());
                if is_remote(&m.fstype) {
                    f.remote.push((m.mount_point.clone(), m.fstype.clone()));
                }
            }
        }
        f
    }

    /// The network or FUSE filesystem `path` is on, if it is (`(mount point, type)`).
    pub fn remote_at(&self, path: &str) -> Option<&(String, String)> {
        self.remote
            .iter()
            .filter(|(mp, _)| {
                mp == "/" || path == mp || path.strip_prefix(mp.as_str()).is_some_and(|r| r.starts_with('/'))
            })
            .max_by_key(|(mp, _)| mp.len())
    }
}

/// What a walk did: how many entries it looked at, and why it stopped early if it did.
#[derive(Debug, Clone, Default)]
pub struct WalkStats {
    pub entries: usize,
    pub stopped: Option<Said>,
    /// Directories that could not be read (permission denied), as system paths.
    pub unreadable: Vec<String>,
    /// Starting directories not walked because they are on a network or FUSE filesystem.
    pub remote: Vec<String>,
}

/// Walks `start` (a system path) depth-first, calling `visit(system_path, meta)` for every entry
/// below it (not for `start` itself). Never follows symlinks, never enters another filesystem
/// (a mount below `start`), never starts on a network or FUSE filesystem, stops at the limits.
/// Names that are not UTF-8 are shown lossily.
pub fn walk(
    host: &Host,
    start: &str,
    fences: &Fences,
    limits: &Limits,
    stats: &mut WalkStats,
    visit: &mut dyn FnMut(&str, &Meta),
) {
    if let Some((mp, fstype)) = fences.remote_at(start) {
        stats.remote.push(format!("{start} (on {fstype} at {mp})"));
        return;
    }
    let Ok(top) = lstat(host, start) else { return };
    if top.kind != Kind::Dir {
        return;
    }
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(host.path(start), start.trim_end_matches('/').to_string(), 0)];
    while let Some((dir, shown, depth)) = stack.pop() {
        if stats.stopped.is_some() {
            return;
        }
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    stats.unreadable.push(if shown.is_empty() { "/".into() } else { shown });
                }
                continue;
            }
        };
        let mut subdirs = Vec::new();
        for entry in rd.flatten() {
            stats.entries += 1;
            if stats.entries > limits.max_entries {
                stats.stopped = Some(Said::new(Msg::ValWalkStoppedEntries).arg("count", limits.max_entries));
                return;
            }
            if stats.entries.is_multiple_of(512) && Instant::now() >= limits.until {
                stats.stopped = Some(Said::new(Msg::ValWalkStoppedTime).arg("count", stats.entries));
                return;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{shown}/{name}");
            if fences.mount_points.contains(&path) {
                continue; // another filesystem: not ours to cross, and its root may hang
            }
            let Ok(m) = entry.metadata() else { continue }; // DirEntry::metadata does not follow symlinks
            let meta = Meta::of(&m);
            visit(&path, &meta);
            if meta.kind == Kind::Dir && meta.dev == top.dev && depth + 1 < limits.max_depth {
                subdirs.push((entry.path(), path, depth + 1));
            }
        }
        // Depth-first in name order, so results are stable.
        subdirs.sort_by(|a, b| b.1.cmp(&a.1));
        stack.extend(subdirs);
    }
}

/// The directory part of a system path (`/etc/ssh/x` → `/etc/ssh`).
pub fn parent(system_path: &str) -> &str {
    match Path::new(system_path).parent().and_then(Path::to_str) {
        Some("") | None => "/",
        Some(p) => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(mode_str(0o640), "0640");
        assert_eq!(mode_str(0o104755), "4755");
        assert_eq!(parse_mode("0440"), Some(0o440));
        assert_eq!(parse_mode("99"), None);
        assert_eq!(parent("/etc/ssh/x"), "/etc/ssh");
        assert_eq!(parent("/etc"), "/");
    }

    #[test]
    fn walk_is_bounded_and_skips_symlinks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("t/a/b")).expect("mkdir");
        for i in 0..10 {
            std::fs::write(root.join(format!("t/a/f{i}")), "x").expect("write");
        }
        std::os::unix::fs::symlink("/", root.join("t/loop")).expect("symlink");
        let host = Host::new(root);
        let limits = Limits::new(1000, 8, Duration::from_secs(5), Instant::now() + Duration::from_secs(5));
        let mut stats = WalkStats::default();
        let mut seen = Vec::new();
        let fences = Fences::default();
        walk(&host, "/t", &fences, &limits, &mut stats, &mut |p, m| seen.push((p.to_string(), m.kind)));
        assert!(seen.contains(&("/t/loop".to_string(), Kind::Symlink)));
        assert!(seen.contains(&("/t/a/b".to_string(), Kind::Dir)));
        assert_eq!(seen.len(), 13);
        assert!(stats.stopped.is_none());
        let limits = Limits::new(5, 8, Duration::from_secs(5), Instant::now() + Duration::from_secs(5));
        let mut stats = WalkStats::default();
        walk(&host, "/t", &fences, &limits, &mut stats, &mut |_, _| {});
        assert!(stats.stopped.is_some());
        let fences =
            Fences { mount_points: BTreeSet::from(["/t/a".to_string()]), remote: vec![("/t".into(), "nfs4".into())] };
        let mut stats = WalkStats::default();
        walk(&host, "/t/a/b", &fences, &limits, &mut stats, &mut |_, _| panic!("walked a remote filesystem"));
        assert_eq!(stats.remote, vec!["/t/a/b (on nfs4 at /t)"]);
        assert!(fences.remote_at("/tmp").is_none());
        let fences = Fences { mount_points: BTreeSet::from(["/t/a".to_string()]), remote: Vec::new() };
        let mut stats = WalkStats::default();
        let limits = Limits::new(1000, 8, Duration::from_secs(5), Instant::now() + Duration::from_secs(5));
        let mut seen = Vec::new();
        walk(&host, "/t", &fences, &limits, &mut stats, &mut |p, _| seen.push(p.to_string()));
        assert_eq!(seen, vec!["/t/loop"], "a mount point below the start is neither stat'ed nor entered");
    }
}
