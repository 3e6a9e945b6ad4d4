//! Accounts that pam_faillock or pam_tally2 lock right now.
//!
//! - pam_faillock: its settings are `/etc/security/faillock.conf` (or the file its `conf=`
//!   names), overridden by the arguments of its lines in the sshd stack; the failures are the
//!   tally files under its `dir` (default /var/run/faillock), one per account, each a sequence
//!   of 64-byte records (`source[52]`, `reserved u16`, `status u16`, `time u64`, host byte
//!   order). An account is locked when the valid records within `fail_interval` of its latest
//!   failure reach `deny`, until `unlock_time` after that failure (never, when it is 0); root
//!   only with `even_deny_root` (then `root_unlock_time`).
//! - pam_tally2: `/var/log/tallylog` (or `file=`), one 64-byte record per uid (`fail_line[52]`,
//!   `reserved u16`, `fail_cnt u16`, `fail_time u64`); locked when `fail_cnt` reached `deny`.
//!
//! Only a module that is in the sshd auth stack locks anything: tally files without it are
//! history. Both modules refuse password (and keyboard-interactive) logins; sshd does not ask
//! PAM's auth stack for a key login.

use super::stack::{Kind, Line, Stack};
use crate::host::Host;

/// One record of a tally file.
const RECORD: usize = 64;
/// Most tally files read.
const MAX_FILES: usize = 10_000;
/// Most bytes read from one tally file (a file is rewritten with at most a few hundred records).
const MAX_TALLY_BYTES: u64 = 1024 * 1024;

/// pam_faillock's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Faillock {
    pub deny: u64,
    pub unlock_time: u64,
    pub root_unlock_time: Option<u64>,
    pub fail_interval: u64,
    pub even_deny_root: bool,
    pub dir: String,
    /// The lines that set them (`file:line: text`).
    pub evidence: Vec<String>,
}

impl Default for Faillock {
    fn default() -> Faillock {
        Faillock {
            deny: 3,
            unlock_time: 600,
            root_unlock_time: None,
            fail_interval: 900,
            even_deny_root: false,
            dir: "/var/run/faillock".into(),
            evidence: Vec::new(),
        }
    }
}

impl Faillock {
    /// Applies one `key=value` or flag (a conf line or a module argument).
    fn set(&mut self, key: &str, value: Option<&str>) {
        let num = || value.and_then(|v| v.trim().parse::<u64>().ok());
        match key {
            "deny" => self.deny = num().unwrap_or(self.deny),
            "unlock_time" => {
                // `never` is 0: locked until reset.
                self.unlock_time =
                    if value.is_some_and(|v| v.trim() == "never") { 0 } else { num().unwrap_or(self.unlock_time) }
            }
            "root_unlock_time" => {
                self.root_unlock_time =
                    if value.is_some_and(|v| v.trim() == "never") { Some(0) } else { num().or(self.root_unlock_time) }
            }
            "fail_interval" => self.fail_interval = num().unwrap_or(self.fail_interval),
            "even_deny_root" => self.even_deny_root = true,
            "dir" => {
                if let Some(v) = value.map(str::trim).filter(|v| v.starts_with('/')) {
                    self.dir = v.to_string();
                }
            }
            _ => {}
        }
    }

    /// Reads `key = value` lines of a faillock.conf.
    pub fn read_conf(&mut self, path: &str, text: &str) {
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (key, value) = match line.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (line, None),
            };
            self.set(key, value);
            self.evidence.push(format!("{path}:{}: {line}", n + 1));
        }
    }

    /// Applies the arguments of a pam_faillock line.
    pub fn apply_args(&mut self, line: &Line) {
        let mut any = false;
        for a in &line.args {
            let (k, v) = match a.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (a.as_str(), None),
            };
            if matches!(k, "deny" | "unlock_time" | "root_unlock_time" | "fail_interval" | "even_deny_root" | "dir") {
                self.set(k, v);
                any = true;
            }
        }
        if any {
            self.evidence.push(line.evidence());
        }
    }
}

/// One failure record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record<'a> {
    pub source: &'a [u8],
    pub status: u16,
    pub time: u64,
}

/// The records of a faillock tally file (a trailing partial record is ignored).
pub fn faillock_records(bytes: &[u8]) -> Vec<Record<'_>> {
    bytes
        .chunks_exact(RECORD)
        .map(|r| {
            let source = &r[..52];
            let end = source.iter().position(|b| *b == 0).unwrap_or(52);
            Record {
                source: &source[..end],
                status: u16::from_ne_bytes([r[54], r[55]]),
                time: u64::from_ne_bytes([r[56], r[57], r[58], r[59], r[60], r[61], r[62], r[63]]),
            }
        })
        .collect()
}

/// An account a module locks now.
#[derive(Debug, Clone, PartialEq)]
pub struct Lock {
    pub user: String,
    /// `pam_faillock` or `pam_tally2`.
    pub module: &'static str,
    pub failures: u64,
    pub deny: u64,
    /// Unix seconds when it unlocks by itself; `None`: only an administrator unlocks it.
    pub unlock_at: Option<u64>,
    pub first_failure: u64,
    pub last_failure: u64,
    /// Where the last failure came from (a host or tty), as the tally recorded it.
    pub last_source: String,
    /// The tally file, and the settings' lines.
    pub evidence: Vec<String>,
}

/// Whether `records` (of account `user`, root when `root`) lock it at `now` under `conf`.
pub fn faillock_lock(user: &str, root: bool, records: &[Record], conf: &Faillock, now: u64) -> Option<Lock> {
    const VALID: u16 = 0x1;
    let valid: Vec<&Record> = records.iter().filter(|r| r.status & VALID != 0).collect();
    let latest = valid.iter().map(|r| r.time).max()?;
    let counted: Vec<&&Record> = valid.iter().filter(|r| latest.saturating_sub(r.time) < conf.fail_interval).collect();
    let failures = counted.len() as u64;
    if conf.deny == 0 || failures < conf.deny || (root && !conf.even_deny_root) {
        return None;
    }
    let unlock = if root { conf.root_unlock_time.unwrap_or(conf.unlock_time) } else { conf.unlock_time };
    let unlock_at = (unlock > 0).then(|| latest + unlock);
    if unlock_at.is_some_and(|t| t < now) {
        return None;
    }
    let last = valid.iter().rfind(|r| r.time == latest).map(|r| String::from_utf8_lossy(r.source).into_owned());
    Some(Lock {
        user: user.to_string(),
        module: "pam_faillock",
        failures,
        deny: conf.deny,
        unlock_at,
        first_failure: counted.iter().map(|r| r.time).min().unwrap_or(latest),
        last_failure: latest,
        last_source: last.unwrap_or_default(),
        evidence: Vec::new(),
    })
}

/// pam_tally2's settings from its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally2 {
    pub deny: u64,
    pub unlock_time: u64,
    pub root_unlock_time: Option<u64>,
    pub even_deny_root: bool,
    pub file: String,
    pub evidence: Vec<String>,
}

impl Tally2 {
    pub fn from_line(line: &Line) -> Tally2 {
        let num = |k: &str| line.arg(k).and_then(|v| v.parse::<u64>().ok());
        Tally2 {
            deny: num("deny").unwrap_or(0),
            unlock_time: num("unlock_time").unwrap_or(0),
            root_unlock_time: num("root_unlock_time"),
            even_deny_root: line.has_flag("even_deny_root") || line.arg("root_unlock_time").is_some(),
            file: line.arg("file").filter(|f| f.starts_with('/')).unwrap_or("/var/log/tallylog").to_string(),
            evidence: vec![line.evidence()],
        }
    }
}

/// The record of `uid` in a tallylog, if it holds failures: (count, time, line).
pub fn tally2_record(bytes: &[u8], uid: u32) -> Option<(u64, u64, String)> {
    let at = usize::try_from(uid).ok()?.checked_mul(RECORD)?;
    let r = bytes.get(at..at + RECORD)?;
    let count = u64::from(u16::from_ne_bytes([r[54], r[55]]));
    let time = u64::from_ne_bytes([r[56], r[57], r[58], r[59], r[60], r[61], r[62], r[63]]);
    let end = r[..52].iter().position(|b| *b == 0).unwrap_or(52);
    (count > 0).then(|| (count, time, String::from_utf8_lossy(&r[..end]).into_owned()))
}

/// Whether a tally2 record locks its account at `now`.
pub fn tally2_lock(user: &str, uid: u32, rec: (u64, u64, String), conf: &Tally2, now: u64) -> Option<Lock> {
    let (count, time, source) = rec;
    let root = uid == 0;
    if conf.deny == 0 || count < conf.deny || (root && !conf.even_deny_root) {
        return None;
    }
    let unlock = if root { conf.root_unlock_time.unwrap_or(conf.unlock_time) } else { conf.unlock_time };
    let unlock_at = (unlock > 0).then(|| time + unlock);
    if unlock_at.is_some_and(|t| t < now) {
        return None;
    }
    Some(Lock {
        user: user.to_string(),
        module: "pam_tally2",
        failures: count,
        deny: conf.deny,
        unlock_at,
        first_failure: time,
        last_failure: time,
        last_source: source,
        evidence: Vec::new(),
    })
}

/// A path of the examined system with `/var/run` taken as `/run` when it is a link there (as on
/// every current distribution): under `--root`, following its absolute link would leave the root.
pub fn run_path(host: &Host, path: &str) -> String {
    if let Some(rest) = path.strip_prefix("/var/run/")
        && std::fs::symlink_metadata(host.path("/var/run")).is_ok_and(|m| m.file_type().is_symlink())
    {
        return format!("/run/{rest}");
    }
    path.to_string()
}

/// What locks logins in a stack: pam_faillock's settings when it is in the auth stack, and
/// pam_tally2's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mechanisms {
    pub faillock: Option<Faillock>,
    pub tally2: Option<Tally2>,
}

/// The lockout modules of the auth stack and their settings.
pub fn mechanisms(host: &Host, stack: &Stack) -> Mechanisms {
    let auth = |name: &str| -> Vec<&Line> {
        stack.lines.iter().filter(|l| l.kind == Kind::Auth && l.module_name() == name).collect()
    };
    let faillock_lines = auth("pam_faillock.so");
    let faillock = (!faillock_lines.is_empty()).then(|| {
        let mut conf = Faillock::default();
        let path = faillock_lines.iter().find_map(|l| l.arg("conf")).unwrap_or("/etc/security/faillock.conf");
        if let Ok(f) = host.read(path) {
            conf.read_conf(path, &f.text);
        }
        for l in &faillock_lines {
            conf.apply_args(l);
        }
        if conf.evidence.is_empty() {
            conf.evidence.push(faillock_lines[0].evidence());
        }
        conf
    });
    let tally2 = auth("pam_tally2.so").first().map(|l| Tally2::from_line(l));
    Mechanisms { faillock, tally2 }
}

/// The accounts locked at `now` (Unix seconds). `uids`: account names and uids (/etc/passwd).
/// Returns the locks and how many tally files (or records) held failures.
pub fn locks(host: &Host, mech: &Mechanisms, uids: &[(String, u32)], now: u64) -> (Vec<Lock>, usize) {
    let mut out = Vec::new();
    let mut tallies = 0;
    let uid_of = |name: &str| uids.iter().find(|(n, _)| n == name).map(|(_, u)| *u);
    if let Some(conf) = &mech.faillock {
        let dir = run_path(host, &conf.dir);
        for name in host.list_dir(&dir).unwrap_or_default().into_iter().take(MAX_FILES) {
            let path = format!("{dir}/{name}");
            let Ok(f) = std::fs::File::open(host.path(&path)) else { continue };
            let mut bytes = Vec::new();
            if std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_TALLY_BYTES), &mut bytes).is_err() {
                continue;
            }
            let records = faillock_records(&bytes);
            if records.iter().any(|r| r.status & 1 != 0) {
                tallies += 1;
            }
            let root = uid_of(&name) == Some(0);
            if let Some(mut lock) = faillock_lock(&name, root, &records, conf, now) {
                lock.evidence.push(format!(
                    "{path}: {} failure record(s), the last at {} from {}",
                    records.len(),
                    show(lock.last_failure),
                    super::printable(&lock.last_source)
                ));
                lock.evidence.extend(conf.evidence.iter().cloned());
                out.push(lock);
            }
        }
    }
    if let Some(conf) = &mech.tally2
        && let Ok(f) = std::fs::File::open(host.path(&conf.file))
    {
        let mut bytes = Vec::new();
        // A sparse file indexed by uid: read up to the highest uid we know.
        let max_uid = uids.iter().map(|(_, u)| *u).filter(|u| *u < 1 << 24).max().unwrap_or(0);
        let limit = (u64::from(max_uid) + 1) * RECORD as u64;
        if std::io::Read::read_to_end(&mut std::io::Read::take(f, limit), &mut bytes).is_ok() {
            for (name, uid) in uids {
                let Some(rec) = tally2_record(&bytes, *uid) else { continue };
                tallies += 1;
                if let Some(mut lock) = tally2_lock(name, *uid, rec, conf, now) {
                    lock.evidence.push(format!(
                        "{}: uid {uid}: {} failure(s), the last at {} from {}",
                        conf.file,
                        lock.failures,
                        show(lock.last_failure),
                        super::printable(&lock.last_source)
                    ));
                    lock.evidence.extend(conf.evidence.iter().cloned());
                    out.push(lock);
                }
            }
        }
    }
    out.sort_by(|a, b| a.user.cmp(&b.user));
    (out, tallies)
}

/// A Unix time as the report shows it (RFC 3339, UTC).
pub fn show(t: u64) -> String {
    jiff::Timestamp::from_second(i64::try_from(t).unwrap_or(i64::MAX))
        .map(|t| t.to_string())
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(source: &str, status: u16, time: u64) -> Vec<u8> {
        let mut r = vec![0u8; RECORD];
        r[..source.len()].copy_from_slice(source.as_bytes());
        r[54..56].copy_from_slice(&status.to_ne_bytes());
        r[56..64].copy_from_slice(&time.to_ne_bytes());
        r
    }

    #[test]
    fn faillock_binary_tallies() {
        let mut bytes = Vec::new();
        for t in [1000, 1100, 1200] {
            bytes.extend(record("203.0.113.9", 0x3, t));
        }
        bytes.extend(record("x", 0x0, 5000)); // not valid: does not count, nor move the latest
        bytes.extend([1, 2, 3]); // a partial record
        let recs = faillock_records(&bytes);
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[0].source, b"203.0.113.9");
        let conf = Faillock::default();
        let lock = faillock_lock("alice", false, &recs, &conf, 1300).expect("locked");
        assert_eq!((lock.failures, lock.deny, lock.unlock_at, lock.first_failure), (3, 3, Some(1800), 1000));
        assert_eq!(lock.last_source, "203.0.113.9");
        // Unlocked after unlock_time; never with 0; root only with even_deny_root.
        assert_eq!(faillock_lock("alice", false, &recs, &conf, 1801), None);
        let never = Faillock { unlock_time: 0, ..Faillock::default() };
        assert_eq!(faillock_lock("alice", false, &recs, &never, 99_999).map(|l| l.unlock_at), Some(None));
        assert_eq!(faillock_lock("root", true, &recs, &conf, 1300), None);
        let root = Faillock { even_deny_root: true, root_unlock_time: Some(60), ..Faillock::default() };
        assert_eq!(faillock_lock("root", true, &recs, &root, 1250).map(|l| l.unlock_at), Some(Some(1260)));
        // Failures older than fail_interval before the latest do not count.
        let short = Faillock { fail_interval: 150, ..Faillock::default() };
        assert_eq!(faillock_lock("alice", false, &recs, &short, 1300), None);
        let deny4 = Faillock { deny: 4, ..Faillock::default() };
        assert_eq!(faillock_lock("alice", false, &recs, &deny4, 1300), None);
    }

    #[test]
    fn faillock_conf_and_arguments() {
        let mut c = Faillock::default();
        c.read_conf(
            "/etc/security/faillock.conf",
            "# deny = 9\ndeny = 5\nunlock_time = never\neven_deny_root\n dir = /var/lib/fl \n",
        );
        assert_eq!((c.deny, c.unlock_time, c.even_deny_root, c.dir.as_str()), (5, 0, true, "/var/lib/fl"));
        assert_eq!(c.evidence.len(), 4);
        let line = Line {
            kind: Kind::Auth,
            quiet_missing: false,
            control: super::super::stack::Control::Required,
            module: "pam_faillock.so".into(),
            args: vec!["preauth".into(), "deny=2".into(), "unlock_time=30".into()],
            loc: "/etc/pam.d/sshd:1: auth required pam_faillock.so preauth deny=2 unlock_time=30".into(),
            via: vec![],
        };
        c.apply_args(&line);
        assert_eq!((c.deny, c.unlock_time), (2, 30));
    }

    #[test]
    fn tally2_records_by_uid() {
        let mut bytes = vec![0u8; RECORD * 1000];
        let mut r = record("pts/1", 0, 500);
        r[54..56].copy_from_slice(&7u16.to_ne_bytes());
        bytes.extend(r);
        assert_eq!(tally2_record(&bytes, 1000), Some((7, 500, "pts/1".into())));
        assert_eq!(tally2_record(&bytes, 5), None);
        assert_eq!(tally2_record(&bytes, 1001), None);
        let line = Line {
            kind: Kind::Auth,
            quiet_missing: false,
            control: super::super::stack::Control::Required,
            module: "pam_tally2.so".into(),
            args: vec!["deny=5".into(), "unlock_time=900".into()],
            loc: "l".into(),
            via: vec![],
        };
        let conf = Tally2::from_line(&line);
        let lock = tally2_lock("bob", 1000, (7, 500, "pts/1".into()), &conf, 600).expect("locked");
        assert_eq!(lock.unlock_at, Some(1400));
        assert_eq!(tally2_lock("bob", 1000, (4, 500, String::new()), &conf, 600), None);
        assert_eq!(tally2_lock("root", 0, (7, 500, String::new()), &conf, 600), None);
    }
}
