//! The process table, read once per run: every /proc/[pid] (stat and cmdline), and a walk of
//! every process's open file descriptors (how many, which are sockets, and which point at deleted
//! files).
//!
//! On a large host these are the run's largest cost (10,000 processes are 10,000 of each file),
//! so each file is read once and only what a check uses: /proc/PID/status is not read (no check
//! needs its fields), and the descriptor walk reads each link relative to the process's open
//! `fd` directory instead of walking `/proc/PID/fd/N` from the root each time.
//!
//! Nothing here touches the files a process has open except through /proc's own links, which
//! the kernel answers from memory: a readlink of /proc/PID/fd/N never reaches the filesystem.
//! Sizes of deleted files need a stat that does, so callers ask for them only on local
//! filesystems (see [`OpenFiles::deleted`] and its `fstype`).

use super::Host;
use rustix::fs::{CWD, Mode, OFlags};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// One process, from /proc/PID/stat and cmdline.
#[derive(Debug, Clone, PartialEq)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// The short name (`comm`, at most 15 bytes).
    pub comm: String,
    /// R, S, D, Z, T, I, ...
    pub state: char,
    /// utime + stime, clock ticks.
    pub cpu_ticks: u64,
    /// When it started, clock ticks after boot.
    pub start_ticks: u64,
    pub rss_pages: u64,
    pub threads: u64,
    /// The command line with arguments, redacted (secrets in arguments are common), at most
    /// [`MAX_CMDLINE`] characters; empty for kernel threads and zombies.
    pub cmdline: String,
}

pub const MAX_CMDLINE: usize = 300;

impl Proc {
    /// `nginx (pid 123)`, or with the command line when there is one.
    pub fn label(&self) -> String {
        format!("{} (pid {})", self.comm, self.pid)
    }

    /// What to show as evidence: pid, state, name and command line.
    pub fn describe(&self) -> String {
        if self.cmdline.is_empty() {
            format!("pid {} ppid {} state {} {}", self.pid, self.ppid, self.state, self.comm)
        } else {
            format!("pid {} ppid {} state {} {}: {}", self.pid, self.ppid, self.state, self.comm, self.cmdline)
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ProcessTable {
    pub procs: Vec<Proc>,
    /// Processes that vanished or could not be read while scanning.
    pub unreadable: usize,
    /// Stopped early at the run's deadline.
    pub truncated: bool,
    /// ecs-doctor's own lineage, left out of `procs` on the live system: this process, its
    /// parent (the shell or agent that started it) and every descendant (`__statfs` children,
    /// the programs it runs). A tool started from /tmp must not report itself as a suspicious
    /// process, nor count its own stuck `__statfs` child as a D-state process.
    pub own: Vec<u32>,
}

impl ProcessTable {
    pub fn get(&self, pid: u32) -> Option<&Proc> {
        self.procs.binary_search_by_key(&pid, |p| p.pid).ok().map(|i| &self.procs[i])
    }
}

/// The pids under /proc of the examined system, sorted.
pub fn pids(host: &Host) -> std::io::Result<Vec<u32>> {
    let mut pids: Vec<u32> = host.list_dir("/proc")?.iter().filter_map(|n| n.parse().ok()).collect();
    pids.sort_unstable();
    Ok(pids)
}

/// /proc of the examined system, opened once per pass over the processes: each process's files
/// are opened relative to it (no walk from `/` for each), read into one reused buffer and
/// parsed in place. A pass over 10,000 processes is 10,000 opens of each file; the kernel's
/// work on them is the floor, and this keeps the tool's own (a path, a buffer and a string
/// allocated per file) from adding to it.
pub struct ProcDir {
    dir: rustix::fd::OwnedFd,
    buf: Vec<u8>,
    name: String,
}

impl ProcDir {
    pub fn open(host: &Host) -> std::io::Result<ProcDir> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let dir = rustix::fs::openat(CWD, host.path("/proc"), flags, Mode::empty())?;
        Ok(ProcDir { dir, buf: Vec::new(), name: String::new() })
    }

    fn set_name(&mut self, pid: u32, file: &str) {
        use std::fmt::Write;
        self.name.clear();
        let _ = write!(self.name, "{pid}/{file}");
    }

    /// Opens /proc/PID/FILE (a directory when `dir`), relative to the open /proc.
    pub fn open_at(&mut self, pid: u32, file: &str, dir: bool) -> std::io::Result<rustix::fd::OwnedFd> {
        self.set_name(pid, file);
        let mut flags = OFlags::RDONLY | OFlags::CLOEXEC;
        if dir {
            flags |= OFlags::DIRECTORY;
        }
        Ok(rustix::fs::openat(&self.dir, self.name.as_str(), flags, Mode::empty())?)
    }

    /// Reads /proc/PID/FILE, at most `max` bytes, into the reused buffer. `line`: the file is
    /// one line (`stat`, `schedstat`), so a short read that ends the line is the whole file
    /// (the kernel hands a /proc line over in one read) and no read is spent to see the end.
    pub fn read(&mut self, pid: u32, file: &str, max: usize, line: bool) -> std::io::Result<&[u8]> {
        let fd = self.open_at(pid, file, false)?;
        let mut len = 0;
        while len < max {
            if len == self.buf.len() {
                let grown = (self.buf.len() * 2).clamp(4096, max);
                self.buf.resize(grown, 0);
            }
            let end = self.buf.len().min(max);
            let n = match rustix::io::read(&fd, &mut self.buf[len..end]) {
                Ok(n) => n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                break;
            }
            len += n;
            if line && len < end && self.buf[len - 1] == b'\n' {
                break;
            }
        }
        Ok(&self.buf[..len])
    }

    /// The target of the link /proc/PID/FILE (`exe`), as text.
    pub fn readlink(&mut self, pid: u32, file: &str) -> std::io::Result<String> {
        self.set_name(pid, file);
        let target = rustix::fs::readlinkat(&self.dir, self.name.as_str(), std::mem::take(&mut self.buf))?;
        let text = String::from_utf8_lossy(target.as_bytes()).into_owned();
        self.buf = target.into_bytes();
        Ok(text)
    }
}

/// [`parse_stat`] on the bytes of a stat file (a name that is not UTF-8 is shown lossily).
pub fn parse_stat_bytes(bytes: &[u8]) -> Option<Proc> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_stat(text),
        Err(_) => parse_stat(&String::from_utf8_lossy(bytes)),
    }
}

/// Parses /proc/PID/stat: `123 (my (odd) name) S 1 ...`. The name may hold spaces and
/// parentheses, so the fields start after the last `)`.
pub fn parse_stat(text: &str) -> Option<Proc> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let pid = text[..open].trim().parse().ok()?;
    let comm = text[open + 1..close].to_string();
    let f: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    let state = f.first()?.chars().next()?;
    Some(Proc {
        pid,
        ppid: num(1)? as u32,
        comm,
        state,
        cpu_ticks: num(11).unwrap_or(0).saturating_add(num(12).unwrap_or(0)),
        start_ticks: num(19).unwrap_or(0),
        rss_pages: f.get(21).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0).max(0) as u64,
        threads: num(17).unwrap_or(1),
        cmdline: String::new(),
    })
}

fn read_cmdline(dir: &mut ProcDir, pid: u32) -> String {
    let Ok(bytes) = dir.read(pid, "cmdline", super::MAX_SMALL_FILE_BYTES as usize, false) else {
        return String::new();
    };
    let text = String::from_utf8_lossy(bytes);
    let joined: String = text.trim_end_matches('\0').replace('\0', " ");
    let joined: String = joined.chars().take(MAX_CMDLINE * 4).collect();
    let red = crate::redact::redact(&joined);
    let mut out: String = red.chars().take(MAX_CMDLINE).collect();
    if red.chars().count() > MAX_CMDLINE {
        out.push('…');
    }
    out
}

/// One pass over every /proc/PID/stat, shared by the process table ([`scan_from`]) and the
/// sampling window's first reading ([`super::sample`]): each file is read once per run.
#[derive(Debug, Clone)]
pub struct StatPass {
    /// Every process that could be read, by pid.
    pub procs: Vec<Proc>,
    pub unreadable: usize,
    /// Stopped early at the run's deadline.
    pub truncated: bool,
    /// /proc/PID/schedstat (time on a CPU, time waiting for one) of the processes running or
    /// runnable at the pass, for the window's "wanted a core the whole time".
    pub sched: BTreeMap<u32, (u64, u64)>,
    /// When the pass was made.
    pub at: Instant,
}

/// Reads every /proc/PID/stat once (stops at `deadline`), and the schedstat of the running ones.
pub fn stat_pass(host: &Host, deadline: Instant) -> std::io::Result<StatPass> {
    let mut pass =
        StatPass { procs: Vec::new(), unreadable: 0, truncated: false, sched: BTreeMap::new(), at: Instant::now() };
    let pids = pids(host)?;
    if pids.is_empty() {
        return Ok(pass);
    }
    let mut dir = ProcDir::open(host)?;
    for pid in pids {
        if Instant::now() >= deadline {
            pass.truncated = true;
            break;
        }
        let Ok(stat) = dir.read(pid, "stat", super::MAX_SMALL_FILE_BYTES as usize, true) else {
            pass.unreadable += 1;
            continue;
        };
        let Some(mut p) = parse_stat_bytes(stat) else {
            pass.unreadable += 1;
            continue;
        };
        p.pid = pid;
        if p.state == 'R'
            && let Some(t) = read_schedstat(&mut dir, pid)
        {
            pass.sched.insert(pid, t);
        }
        pass.procs.push(p);
    }
    Ok(pass)
}

/// /proc/PID/schedstat: time on a CPU and waiting for one.
pub fn read_schedstat(dir: &mut ProcDir, pid: u32) -> Option<(u64, u64)> {
    let bytes = dir.read(pid, "schedstat", super::MAX_SMALL_FILE_BYTES as usize, true).ok()?;
    super::sample::parse_schedstat(&String::from_utf8_lossy(bytes))
}

/// Reads every process (stops at `deadline`, marking the table truncated): [`stat_pass`], then
/// [`scan_from`].
pub fn scan(host: &Host, deadline: Instant) -> std::io::Result<ProcessTable> {
    Ok(scan_from(host, deadline, &stat_pass(host, deadline)?))
}

/// The process table from a pass over /proc/PID/stat: the run's own processes ([`Lineage`]) are
/// found from the parents it gives, and only the others' command lines are read.
pub fn scan_from(host: &Host, deadline: Instant, pass: &StatPass) -> ProcessTable {
    let mut table = ProcessTable { unreadable: pass.unreadable, truncated: pass.truncated, ..Default::default() };
    let stats = pass.procs.clone();
    let lineage = if host.is_live() { Lineage::of_this_process(&stats) } else { Lineage::default() };
    let mut dir = ProcDir::open(host).ok();
    for mut p in stats {
        if lineage.is_own(p.pid) {
            table.own.push(p.pid);
            continue;
        }
        if Instant::now() >= deadline {
            table.truncated = true;
            break;
        }
        let pid = p.pid;
        // A zombie has no command line; reading a D-state process's can block on its memory
        // map lock for as long as it is stuck, so it is left out.
        if p.state != 'Z'
            && p.state != 'D'
            && let Some(dir) = dir.as_mut()
        {
            p.cmdline = read_cmdline(dir, pid);
        }
        table.procs.push(p);
    }
    table
}

/// The pids of the child processes this run started that may still be running (programs it
/// runs, `__statfs` helpers, plugins), so the process checks leave them out.
static SPAWNED: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Records a child this process started; every place that spawns a process calls it.
pub fn note_spawned(pid: u32) {
    let mut v = SPAWNED.lock().unwrap_or_else(|p| p.into_inner());
    // Bounded: pids are reused, and a long run (trace, fleet) spawns many short-lived children.
    if v.len() >= 4096 {
        v.drain(..2048);
    }
    v.push(pid);
}

/// The children recorded by [`note_spawned`].
pub fn spawned() -> Vec<u32> {
    SPAWNED.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The pids that make up ecs-doctor's own run on the live system (see [`ProcessTable::own`]).
#[derive(Debug, Default)]
pub struct Lineage {
    own: std::collections::HashSet<u32>,
}

impl Lineage {
    /// This process, its parent, and every process this run spawned ([`spawned`]) with their
    /// descendants, found by following each pid's parent chain in the scan's own reading of
    /// /proc/PID/stat (`procs`; nothing is read again). Children of this pid that it did not
    /// spawn are not ours: a shell that starts a daemon in the background and then `exec`s
    /// ecs-doctor leaves that daemon as our child, and it is the examined system's. A descendant
    /// that starts after the scan is not in the table either way.
    pub fn of_this_process(procs: &[Proc]) -> Lineage {
        let parents: HashMap<u32, u32> = procs.iter().map(|p| (p.pid, p.ppid)).collect();
        Lineage::from_parents(std::process::id(), std::os::unix::process::parent_id(), &spawned(), &parents)
    }

    /// The lineage of `me` (with its parent `parent` and the children it spawned) in a
    /// pid → parent map.
    pub fn from_parents(me: u32, parent: u32, children: &[u32], parents: &HashMap<u32, u32>) -> Lineage {
        let mut own = std::collections::HashSet::from([me]);
        // The parent is left out unless it is init (pid 1 adopts orphans and is never "ours").
        if parent > 1 {
            own.insert(parent);
        }
        for &pid in parents.keys() {
            let mut cur = pid;
            // Bounded: a pid map with a cycle (a corrupt /proc) must not spin.
            for _ in 0..parents.len().min(4096) {
                if children.contains(&cur) && parents.get(&cur) == Some(&me) {
                    own.insert(pid);
                    break;
                }
                match parents.get(&cur) {
                    Some(&pp) if pp != cur && pp != 0 => cur = pp,
                    _ => break,
                }
            }
        }
        Lineage { own }
    }

    pub fn is_own(&self, pid: u32) -> bool {
        self.own.contains(&pid)
    }
}

/// A file a process holds open after it was deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedFile {
    pub pid: u32,
    pub fd: u32,
    /// The path it had, without the ` (deleted)` suffix.
    pub path: String,
    /// Mount id (fdinfo `mnt_id`) in the process's mount namespace.
    pub mnt_id: Option<u64>,
    /// The mount point and type of that mount, when known.
    pub mount_point: Option<String>,
    pub fstype: Option<String>,
}

/// Every process's open descriptors: counts, and the deleted files.
#[derive(Debug, Clone, Default)]
pub struct OpenFiles {
    /// pid → number of open descriptors.
    pub counts: BTreeMap<u32, u64>,
    /// Socket inode → the pids holding a descriptor to it, from the same walk, so the socket
    /// table does not walk every descriptor again.
    pub socket_owners: super::sockets::Owners,
    pub deleted: Vec<DeletedFile>,
    /// Processes whose descriptors could not be listed (not root, or gone).
    pub unreadable: usize,
    pub truncated: bool,
}

/// Mount id → (mount point, fstype), from a mountinfo text.
fn mount_ids(text: &str) -> HashMap<u64, (String, String)> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let Some(id) = line.split(' ').next().and_then(|i| i.parse().ok()) else { continue };
        if let Some(m) = super::mounts::parse_mountinfo_line(line) {
            out.insert(id, (m.mount_point, m.fstype));
        }
    }
    out
}

/// Walks /proc/*/fd. Mount points of deleted files come from the process's own mount namespace
/// (/proc/PID/mountinfo, read once per namespace), so containers are placed right.
pub fn open_files(host: &Host, deadline: Instant) -> std::io::Result<OpenFiles> {
    let mut out = OpenFiles::default();
    let mut ns_mounts: HashMap<String, HashMap<u64, (String, String)>> = HashMap::new();
    let mut sockets = Vec::new();
    let pids = pids(host)?;
    if pids.is_empty() {
        return Ok(out);
    }
    let mut proc_dir = ProcDir::open(host)?;
    // One buffer for every directory listing and one for every link: a process's descriptors
    // are listed straight into it (`getdents64`), without the copy of the open directory a
    // `Dir` makes, and each link is read into the other.
    let mut listing = vec![std::mem::MaybeUninit::<u8>::uninit(); 16 * 1024];
    let mut link = vec![0u8; 4096];
    for pid in pids {
        if Instant::now() >= deadline {
            out.truncated = true;
            break;
        }
        // One open directory per process; each link is read relative to it.
        let Ok(dir) = proc_dir.open_at(pid, "fd", true) else {
            out.unreadable += 1;
            continue;
        };
        let mut entries = rustix::fs::RawDir::new(&dir, &mut listing);
        let mut count = 0u64;
        while let Some(entry) = entries.next() {
            let Ok(entry) = entry else { break };
            let name = entry.file_name();
            if name == c"." || name == c".." {
                continue;
            }
            count += 1;
            let Some(fd) = name.to_str().ok().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let target = match rustix::fs::readlinkat_raw(&dir, name, &mut link[..]) {
                // A target as long as the buffer may be cut: read again at its full length.
                Ok(n) if n < link.len() => String::from_utf8_lossy(&link[..n]),
                Ok(_) => match rustix::fs::readlinkat(&dir, name, Vec::new()) {
                    Ok(t) => std::borrow::Cow::Owned(t.to_string_lossy().into_owned()),
                    Err(_) => continue,
                },
                Err(_) => continue,
            };
            if let Some(inode) = super::sockets::socket_inode(&target) {
                sockets.push((inode, pid));
                continue;
            }
            let Some(path) = target.strip_suffix(" (deleted)") else { continue };
            // memfd:, /SYSV shared memory and anon inodes are not files on a filesystem.
            if !path.starts_with('/') || path.starts_with("/memfd:") || path.starts_with("/SYSV") {
                continue;
            }
            let mnt_id =
                host.read_capped(&format!("/proc/{pid}/fdinfo/{fd}"), super::MAX_SMALL_FILE_BYTES).ok().and_then(|f| {
                    f.text.lines().find_map(|l| l.strip_prefix("mnt_id:")).and_then(|v| v.trim().parse().ok())
                });
            let ns = std::fs::read_link(host.path(format!("/proc/{pid}/ns/mnt")))
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_else(|_| format!("pid {pid}"));
            let table = ns_mounts.entry(ns).or_insert_with(|| {
                host.read(&format!("/proc/{pid}/mountinfo")).map(|f| mount_ids(&f.text)).unwrap_or_default()
            });
            let place = mnt_id.and_then(|id| table.get(&id));
            out.deleted.push(DeletedFile {
                pid,
                fd,
                path: path.to_string(),
                mnt_id,
                mount_point: place.map(|p| p.0.clone()),
                fstype: place.map(|p| p.1.clone()),
            });
        }
        out.counts.insert(pid, count);
    }
    out.socket_owners = super::sockets::Owners::from_pairs(sockets);
    Ok(out)
}

/// The soft and hard limit on open files of a process (/proc/PID/limits `Max open files`);
/// `None` for unlimited or unreadable.
pub fn nofile_limit(host: &Host, pid: u32) -> Option<(u64, Option<u64>)> {
    let f = host.read_capped(&format!("/proc/{pid}/limits"), super::MAX_SMALL_FILE_BYTES).ok()?;
    let line = f.text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut words = line["Max open files".len()..].split_whitespace();
    let soft = words.next()?.parse().ok()?;
    let hard = words.next().and_then(|h| h.parse().ok());
    Some((soft, hard))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_is_self_parent_and_descendants_only() {
        // 1 init; 50 shell -> 100 ecs-doctor -> 101 __statfs -> 102 its child; 100 -> 103 iptables;
        // 100 -> 104 a daemon the shell started before exec'ing ecs-doctor (not spawned by us);
        // 50 -> 200 a sibling; 1 -> 300 unrelated whose child 301 reuses a recorded pid;
        // 400 <-> 401 a corrupt cycle.
        let parents: HashMap<u32, u32> = [
            (1, 0),
            (50, 1),
            (100, 50),
            (101, 100),
            (102, 101),
            (103, 100),
            (104, 100),
            (200, 50),
            (300, 1),
            (301, 300),
            (400, 401),
            (401, 400),
        ]
        .into_iter()
        .collect();
        let l = Lineage::from_parents(100, 50, &[101, 103, 301], &parents);
        let mut own: Vec<u32> = parents.keys().copied().filter(|p| l.is_own(*p)).collect();
        own.sort_unstable();
        assert_eq!(own, vec![50, 100, 101, 102, 103]);
        // Started by init (a unit or an orphan): init is never ours.
        assert!(!Lineage::from_parents(100, 1, &[], &parents).is_own(1));
    }

    /// On the live system the scan's one reading of each stat file yields the lineage: this test
    /// process, its parent, and a child it spawned and recorded are the run's own, and none of
    /// them is in the table of the examined system's processes.
    #[test]
    fn the_live_scan_leaves_out_this_process_its_parent_and_its_children() {
        let Ok(mut child) = std::process::Command::new("sleep").arg("30").spawn() else { return };
        note_spawned(child.id());
        let t = scan(&Host::live(), Instant::now() + std::time::Duration::from_secs(20));
        let _ = child.kill();
        let _ = child.wait();
        let t = t.unwrap();
        let me = std::process::id();
        for pid in [me, std::os::unix::process::parent_id(), child.id()] {
            if pid > 1 {
                assert!(t.own.contains(&pid), "{pid} not own: {:?}", t.own);
                assert!(t.get(pid).is_none(), "{pid} in the table");
            }
        }
        assert!(t.procs.iter().any(|p| p.pid == 1) || t.procs.len() > 1, "{} processes", t.procs.len());
    }

    #[test]
    fn parses_stat_with_odd_names() {
        let p = parse_stat("4242 (my (odd) name) D 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 12345 1000000 512 18446744073709551615").unwrap();
        assert_eq!((p.pid, p.ppid, p.state), (4242, 1, 'D'));
        assert_eq!(p.comm, "my (odd) name");
        assert_eq!(p.cpu_ticks, 300);
        assert_eq!(p.threads, 3);
        assert_eq!(p.start_ticks, 12345);
        assert_eq!(p.rss_pages, 512);
        for bad in ["", "1 (x", "x (y) S 1", "1 (y) ", ")(", "1 (a) Z"] {
            assert!(parse_stat(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn reads_a_fixture_process_table() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("proc/10")).unwrap();
        std::fs::create_dir_all(root.join("proc/7")).unwrap();
        std::fs::create_dir_all(root.join("proc/self")).unwrap();
        std::fs::write(root.join("proc/10/stat"), "10 (app) S 7 0 0 0 0 0 0 0 0 0 5 5 0 0 20 0 1 0 100 0 10").unwrap();
        std::fs::write(root.join("proc/10/cmdline"), "app\0--password\0hunter2\0").unwrap();
        std::fs::write(root.join("proc/7/stat"), "garbage").unwrap();
        std::fs::write(
            root.join("proc/10/limits"),
            "Limit Soft Hard Units\nMax open files            1024                 4096                 files\n",
        )
        .unwrap();
        let host = Host::new(root);
        let t = scan(&host, Instant::now() + std::time::Duration::from_secs(5)).unwrap();
        assert_eq!(t.procs.len(), 1);
        assert_eq!(t.unreadable, 1);
        let p = t.get(10).unwrap();
        assert!(p.cmdline.starts_with("app --password "), "{}", p.cmdline);
        assert!(!p.cmdline.contains("hunter2"), "{}", p.cmdline);
        assert_eq!(nofile_limit(&host, 10), Some((1024, Some(4096))));
        assert_eq!(nofile_limit(&host, 7), None);
    }

    /// The descriptor walk through one open /proc and reused buffers: on a fixture root, each
    /// process's links are counted and sorted into sockets and deleted files; on the live system
    /// this process's own socket and deleted file are found by the same walk.
    #[test]
    fn the_descriptor_walk_counts_and_sorts_every_link() {
        let dir = tempfile::tempdir().unwrap();
        let fd_dir = dir.path().join("proc/400/fd");
        std::fs::create_dir_all(&fd_dir).unwrap();
        std::os::unix::fs::symlink("socket:[12345]", fd_dir.join("3")).unwrap();
        std::os::unix::fs::symlink("/var/log/app.log (deleted)", fd_dir.join("4")).unwrap();
        std::os::unix::fs::symlink("/memfd:x (deleted)", fd_dir.join("5")).unwrap();
        for fd in 6..106 {
            std::os::unix::fs::symlink("/dev/null", fd_dir.join(fd.to_string())).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("proc/401")).unwrap();
        let of = open_files(&Host::new(dir.path()), Instant::now() + std::time::Duration::from_secs(20)).unwrap();
        assert_eq!(of.counts.get(&400), Some(&103));
        assert_eq!(of.unreadable, 1, "401 has no fd directory");
        assert_eq!(of.socket_owners.get(12345), &[400]);
        assert_eq!(of.deleted.len(), 1, "{:?}", of.deleted);
        assert_eq!((of.deleted[0].fd, of.deleted[0].path.as_str()), (4, "/var/log/app.log"));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let inode = std::os::unix::fs::MetadataExt::ino(
            &std::fs::metadata(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&listener))).unwrap(),
        );
        let tmp = tempfile::tempfile().unwrap();
        let live = open_files(&Host::live(), Instant::now() + std::time::Duration::from_secs(20)).unwrap();
        let me = std::process::id();
        assert!(live.socket_owners.get(inode).contains(&me), "socket {inode} not ours");
        assert!(live.deleted.iter().any(|d| d.pid == me), "the unlinked temporary file not found");
        assert!(live.counts.get(&me).is_some_and(|n| *n >= 3));
        drop((listener, tmp));
    }

    /// A stat file read in one read through the open /proc, a name that is not UTF-8 shown
    /// lossily, and a missing file an error (the process is gone).
    #[test]
    fn proc_dir_reads_stat_and_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc/9")).unwrap();
        let stat = b"9 (bad\xff name) S 1 9 9 0 -1 0 0 0 0 0 3 4 0 0 20 0 2 0 77 0 5\n";
        std::fs::write(dir.path().join("proc/9/stat"), stat).unwrap();
        std::os::unix::fs::symlink("/tmp/x (deleted)", dir.path().join("proc/9/exe")).unwrap();
        let mut pd = ProcDir::open(&Host::new(dir.path())).unwrap();
        let p = parse_stat_bytes(pd.read(9, "stat", 4096, true).unwrap()).unwrap();
        assert_eq!((p.pid, p.comm.as_str(), p.cpu_ticks, p.threads), (9, "bad\u{fffd} name", 7, 2));
        assert_eq!(pd.readlink(9, "exe").unwrap(), "/tmp/x (deleted)");
        assert!(pd.read(10, "stat", 4096, true).is_err());
        // Capped: a file longer than the cap gives the cap.
        std::fs::write(dir.path().join("proc/9/cmdline"), vec![b'a'; 10_000]).unwrap();
        assert_eq!(pd.read(9, "cmdline", 5000, false).unwrap().len(), 5000);
        assert_eq!(pd.read(9, "cmdline", 50_000, false).unwrap().len(), 10_000);
    }

    /// Process files that never end (symlinks to /dev/zero in a rescued disk's /proc) cost at
    /// most the small-file cap each: the scan finishes and keeps a bounded command line.
    #[test]
    fn endless_process_files_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        for pid in [100, 101] {
            let d = dir.path().join(format!("proc/{pid}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("stat"), format!("{pid} (sh) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 1000 10 0\n"))
                .unwrap();
            std::os::unix::fs::symlink("/dev/zero", d.join("cmdline")).unwrap();
            std::os::unix::fs::symlink("/dev/urandom", d.join("status")).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("proc/102")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("proc/102/stat")).unwrap();
        let host = Host::new(dir.path());
        let f = host.read_capped("/proc/100/cmdline", crate::host::MAX_SMALL_FILE_BYTES).unwrap();
        assert!(f.truncated && f.text.len() as u64 == crate::host::MAX_SMALL_FILE_BYTES);
        let t = scan(&host, Instant::now() + std::time::Duration::from_secs(60)).unwrap();
        assert_eq!(t.procs.len(), 2);
        assert_eq!(t.unreadable, 1, "the endless stat is not a process");
        assert!(t.procs.iter().all(|p| p.cmdline.chars().count() <= MAX_CMDLINE + 1));
    }
}
