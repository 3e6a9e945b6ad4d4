//! Failed SSH logins per source address, from the syslog authentication log (/var/log/auth.log
//! on Debian and Ubuntu, /var/log/secure on RHEL) and its rotated files (`.1`, `.N.gz`,
//! `-YYYYMMDD[.gz]`), within a window (default the last 24 hours).
//!
//! A source with many failures is someone guessing passwords; a successful login from an address
//! right after many failures from it is what a guessed password looks like (possible compromise).
//!
//! - The window ends now on the live system; under `--root` (a rescued disk) it ends at the
//!   newest event in the logs, when that system stopped.
//! - Syslog lines carry no year: a line's year is the one that puts it at or before its file's
//!   last modification. RFC 3339 timestamps (rsyslog's high-precision format) are read as they are.
//! - Huge logs are read from a bounded tail and streamed; rotated gzip files are decompressed on
//!   the fly, and a truncated one yields what it has (see [`super::logread`]).
//! - `Invalid user X from A` and the `Failed password for invalid user X from A` that follows it
//!   are one attempt, not two (matched by sshd's pid); `message repeated N times` counts N.

use super::logread::{self, Bounds};
use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::host::Host;
use jiff::tz::TimeZone;
use memchr::memmem;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_window_hours")]
    pub window_hours: f64,
    /// Most MiB read from the end of each plain log file.
    #[serde(default = "default_tail_mib")]
    pub tail_mib: u64,
    /// Sources reported (the ones with most failures; sources with a suspicious login always).
    #[serde(default = "default_top")]
    pub top: usize,
}

fn default_window_hours() -> f64 {
    24.0
}

fn default_tail_mib() -> u64 {
    64
}

fn default_top() -> usize {
    10
}

pub const FIELDS: &[&str] = &[
    "failures",
    "failures_before_success",
    "accepted_user",
    "users",
    "first_seen",
    "last_seen",
    "total_failures",
    "sources",
    "window_hours",
    "logs",
    "note",
];

/// Time the probe may spend reading logs before it judges what it has.
const BUDGET: Duration = Duration::from_secs(8);
/// Most rotated files read per log.
const MAX_ROTATED: usize = 8;
/// Failure lines kept per source for evidence.
const RING: usize = 3;
/// Most source addresses counted one by one.
const MAX_SOURCES: usize = 50_000;
/// Most `Invalid user` lines waiting for their `Failed` line.
const MAX_PENDING: usize = 4096;
/// Longest log line shown as evidence.
const MAX_EVIDENCE_CHARS: usize = 300;

/// Failed attempts that count as guesses. `Failed publickey` is left out on purpose: a client
/// with several keys in its agent logs one for each key the server refuses before the right one,
/// so a normal key login would look like guessing followed by success.
const GUESS_METHODS: &[&str] = &["password", "keyboard-interactive/pam", "none"];

/// One log file to read, oldest first.
#[derive(Debug, Clone, PartialEq)]
struct LogFile {
    path: String,
    gz: bool,
    /// Sort key: older files first.
    age: (u8, i64),
}

/// `auth.log`, `auth.log.3.gz`, `secure-20241120` → the log file, if it is one of `family`.
fn log_file(family: &str, name: &str) -> Option<LogFile> {
    let rest = name.strip_prefix(family)?;
    let (rest, gz) = match rest.strip_suffix(".gz") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let path = format!("/var/log/{name}");
    if rest.is_empty() && !gz {
        return Some(LogFile { path, gz, age: (1, 0) });
    }
    if let Some(n) = rest.strip_prefix('.').and_then(|n| n.parse::<i64>().ok()) {
        return Some(LogFile { path, gz, age: (0, -n) }); // .1 is newer than .2
    }
    if let Some(d) = rest.strip_prefix('-').filter(|d| d.len() == 8).and_then(|d| d.parse::<i64>().ok()) {
        return Some(LogFile { path, gz, age: (0, d) });
    }
    None
}

fn find_logs(host: &Host) -> Vec<LogFile> {
    let names = host.list_dir("/var/log").unwrap_or_default();
    let mut out = Vec::new();
    for family in ["auth.log", "secure"] {
        let mut files: Vec<LogFile> = names.iter().filter_map(|n| log_file(family, n)).collect();
        files.sort_by_key(|f| f.age);
        let skip = files.iter().filter(|f| f.age.0 == 0).count().saturating_sub(MAX_ROTATED);
        out.extend(files.into_iter().skip(skip));
    }
    out
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The time of a log line, in Unix seconds. `reference` is the file's last modification as a
/// civil date in `tz`, for the year a classic syslog line does not carry.
fn line_time(line: &str, tz: &TimeZone, reference: jiff::civil::Date) -> Option<i64> {
    let first = line.split(' ').next()?;
    if first.len() >= 19 && first.as_bytes().get(4) == Some(&b'-') {
        if let Ok(ts) = first.parse::<jiff::Timestamp>() {
            return Some(ts.as_second());
        }
        let dt = first.parse::<jiff::civil::DateTime>().ok()?;
        return dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp().as_second());
    }
    // "Nov 20 03:00:00" (the day may be space-padded)
    let mut parts = line.split_whitespace();
    let name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == name)? as i8 + 1;
    let day: i8 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<i8>().ok());
    let (h, mi, s) = (hms.next()??, hms.next()??, hms.next()??);
    let mut year = reference.year();
    if (month, day) > (reference.month(), reference.day()) {
        year -= 1; // a date after the file's last write is from the year before
    }
    let date = jiff::civil::Date::new(year, month, day).ok()?;
    let dt = date.at(h, mi, s, 0);
    dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp().as_second())
}

/// [`line_time`] with the last civil date's midnight remembered: converting a date to a
/// timestamp in a time zone is the costly part, and consecutive lines share their date.
#[derive(Default)]
struct Clock {
    last: Option<((i8, i8, jiff::civil::Date), i64)>,
}

impl Clock {
    fn time(&mut self, line: &str, tz: &TimeZone, reference: jiff::civil::Date) -> Option<i64> {
        let mut parts = line.split_whitespace();
        let (Some(m), Some(d), Some(hms)) = (parts.next(), parts.next(), parts.next()) else {
            return line_time(line, tz, reference);
        };
        let (Some(month), Ok(day)) = (MONTHS.iter().position(|x| *x == m), d.parse::<i8>()) else {
            return line_time(line, tz, reference); // RFC 3339
        };
        let key = (month as i8 + 1, day, reference);
        let midnight = match self.last {
            Some((k, t)) if k == key => t,
            _ => {
                let t = line_time(&format!("{m} {d} 00:00:00"), tz, reference)?;
                self.last = Some((key, t));
                t
            }
        };
        let mut f = hms.split(':').map(|p| p.parse::<i64>().ok());
        let (h, mi, s) = (f.next()??, f.next()??, f.next()??);
        if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..61).contains(&s) {
            return None;
        }
        // Within a day the offset is taken as constant (a DST change shifts an hour).
        Some(midnight + h * 3600 + mi * 60 + s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Failed,
    Invalid,
    Accepted,
}

/// The message of an sshd line and sshd's pid: what follows `sshd[PID]: ` (or
/// `sshd-session[PID]: `, OpenSSH 9.8 and later). Anchoring at the message start means a user
/// name cannot smuggle in a fake `Failed password ... from` of its own.
fn sshd_message(line: &str) -> Option<(u32, &str)> {
    let mut rest = line;
    loop {
        let i = rest.find("sshd")?;
        let after = &rest[i + 4..];
        let after = after.strip_prefix("-session").unwrap_or(after);
        if let Some(tail) = after.strip_prefix('[')
            && let Some(close) = tail.find("]: ")
            && let Ok(pid) = tail[..close].parse::<u32>()
        {
            return Some((pid, &tail[close + 3..]));
        }
        rest = after;
    }
}

/// `USER from ADDR port N ...` → (user, address). The address is taken from the last ` from `
/// that is followed by an address and ` port`: user names are chosen by the attacker.
fn user_and_address(rest: &str) -> Option<(&str, IpAddr)> {
    let mut end = rest.len();
    while let Some(i) = rest[..end].rfind(" from ") {
        let tail = &rest[i + 6..];
        let mut words = tail.split(' ');
        if let (Some(addr), Some("port")) = (words.next(), words.next())
            && let Ok(ip) = addr.parse::<IpAddr>()
        {
            return Some((&rest[..i], ip));
        }
        end = i;
    }
    None
}

/// What one sshd message says: kind, user, address, repeat count.
fn parse_message(message: &str) -> Option<(Kind, &str, IpAddr, u32)> {
    let (text, times) = match message.strip_prefix("message repeated ") {
        Some(r) => {
            let (n, inner) = r.split_once(" times: [")?;
            (inner.trim_start().strip_suffix(']').unwrap_or(inner).trim_end(), n.parse().ok()?)
        }
        None => (message, 1),
    };
    if let Some(r) = text.strip_prefix("Failed ") {
        let (method, r) = r.split_once(" for ")?;
        if !GUESS_METHODS.contains(&method) {
            return None;
        }
        let r = r.strip_prefix("invalid user ").unwrap_or(r);
        let (user, ip) = user_and_address(r)?;
        return Some((Kind::Failed, user, ip, times));
    }
    if let Some(r) = text.strip_prefix("Accepted ") {
        let (_, r) = r.split_once(" for ")?;
        let (user, ip) = user_and_address(r)?;
        return Some((Kind::Accepted, user, ip, times));
    }
    if let Some(r) = text.strip_prefix("Invalid user ") {
        let (user, ip) = user_and_address(r)?;
        return Some((Kind::Invalid, user, ip, times));
    }
    None
}

struct Accept {
    t: i64,
    user: String,
    evidence: Vec<String>,
}

#[derive(Default)]
struct Source {
    failures: Vec<i64>,
    users: BTreeMap<String, u32>,
    ring: VecDeque<String>,
    accepts: Vec<Accept>,
}

impl Source {
    /// Counts `times` failures at `t`; `evidence` writes the line into a buffer of the ring
    /// (recycled: a log of a million failures must not cost a million allocations).
    fn fail(&mut self, t: i64, user: &str, times: u32, evidence: &dyn Fn(&mut String)) {
        self.failures.extend(std::iter::repeat_n(t, times.min(1000) as usize));
        let key = match user.char_indices().nth(32) {
            Some((cut, _)) => &user[..cut],
            None => user,
        };
        if let Some(n) = self.users.get_mut(key) {
            *n += times;
        } else if self.users.len() < 64 {
            self.users.insert(key.to_string(), times);
        }
        let mut buf = if self.ring.len() == RING { self.ring.pop_front().unwrap_or_default() } else { String::new() };
        buf.clear();
        evidence(&mut buf);
        self.ring.push_back(buf);
    }
}

/// An `Invalid user` line waiting to see whether a `Failed ... invalid user` line of the same
/// sshd process follows (then that one counts).
struct Pending {
    t: i64,
    ip: IpAddr,
    user: String,
    evidence: String,
}

#[derive(Default)]
struct Scan {
    clock: Clock,
    sources: HashMap<IpAddr, Source>,
    /// Failure times from addresses beyond [`MAX_SOURCES`]: in the total, not named.
    untracked: Vec<i64>,
    pending: HashMap<u32, Pending>,
    newest: i64,
    notes: Vec<String>,
    logs: Vec<String>,
}

/// Writes `path:n: line` into `buf`, the line cut at [`MAX_EVIDENCE_CHARS`].
fn write_evidence(buf: &mut String, path: &str, n: u64, line: &str) {
    use std::fmt::Write;
    let _ = write!(buf, "{path}:{n}: ");
    match line.char_indices().nth(MAX_EVIDENCE_CHARS) {
        Some((cut, _)) => {
            buf.push_str(&line[..cut]);
            buf.push('…');
        }
        None => buf.push_str(line),
    }
}

impl Scan {
    /// One line of `path` (line `n`); everything without an sshd login message is dropped by
    /// a byte search before any decoding or allocation.
    fn line(&mut self, path: &str, n: u64, raw: &[u8], tz: &TimeZone, reference: jiff::civil::Date) {
        static SSHD: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("sshd"));
        static KEYS: LazyLock<[memmem::Finder<'static>; 3]> = LazyLock::new(|| {
            [memmem::Finder::new("Failed "), memmem::Finder::new("Accepted "), memmem::Finder::new("Invalid user ")]
        });
        if SSHD.find(raw).is_none() || !KEYS.iter().any(|k| k.find(raw).is_some()) {
            return;
        }
        let line = String::from_utf8_lossy(raw);
        let Some((pid, message)) = sshd_message(&line) else { return };
        let Some((kind, user, ip, times)) = parse_message(message) else { return };
        let Some(t) = self.clock.time(&line, tz, reference) else { return };
        let evidence = |buf: &mut String| write_evidence(buf, path, n, &line);
        let owned = || {
            let mut b = String::new();
            evidence(&mut b);
            b
        };
        self.newest = self.newest.max(t);
        match kind {
            Kind::Invalid => {
                let pending = Pending { t, ip, user: user.to_string(), evidence: owned() };
                if let Some(p) = self.pending.insert(pid, pending) {
                    self.fail(p.ip, p.t, &p.user, 1, &|b| b.push_str(&p.evidence));
                }
                self.bound_pending(t);
            }
            Kind::Failed => {
                if self.pending.get(&pid).is_some_and(|p| p.ip == ip) {
                    self.pending.remove(&pid);
                }
                self.fail(ip, t, user, times, &evidence);
            }
            Kind::Accepted => {
                // Its `Invalid user` lines still waiting count before this login.
                let waiting: Vec<u32> = self.pending.iter().filter(|(_, p)| p.ip == ip).map(|(pid, _)| *pid).collect();
                for pid in waiting {
                    if let Some(p) = self.pending.remove(&pid) {
                        self.fail(p.ip, p.t, &p.user, 1, &|b| b.push_str(&p.evidence));
                    }
                }
                let Some(source) = self.sources.get_mut(&ip) else { return }; // no failures: nothing to judge
                if source.accepts.len() < 32 {
                    let mut ev: Vec<String> = source.ring.iter().cloned().collect();
                    ev.push(owned());
                    source.accepts.push(Accept { t, user: user.to_string(), evidence: ev });
                }
            }
        }
    }

    /// Counts a failure for `ip`, or only in the total once [`MAX_SOURCES`] addresses are known
    /// (a botnet of millions must not cost memory by the address).
    fn fail(&mut self, ip: IpAddr, t: i64, user: &str, times: u32, evidence: &dyn Fn(&mut String)) {
        if self.sources.len() >= MAX_SOURCES && !self.sources.contains_key(&ip) {
            self.untracked.extend(std::iter::repeat_n(t, times.min(1000) as usize));
            return;
        }
        self.sources.entry(ip).or_default().fail(t, user, times, evidence);
    }

    /// Keeps the pending `Invalid user` lines bounded on a log full of them: those older than
    /// ten minutes will not see their `Failed` line any more; if that is not enough, all go.
    /// After a flush at most half the limit remains, so flushing is amortised O(1) per line.
    fn bound_pending(&mut self, now: i64) {
        if self.pending.len() <= MAX_PENDING {
            return;
        }
        let old: Vec<u32> = self.pending.iter().filter(|(_, p)| p.t < now - 600).map(|(pid, _)| *pid).collect();
        for pid in old {
            if let Some(p) = self.pending.remove(&pid) {
                self.fail(p.ip, p.t, &p.user, 1, &|b| b.push_str(&p.evidence));
            }
        }
        if self.pending.len() > MAX_PENDING / 2 {
            self.flush_pending();
        }
    }

    fn flush_pending(&mut self) {
        for (_, p) in std::mem::take(&mut self.pending) {
            self.fail(p.ip, p.t, &p.user, 1, &|b| b.push_str(&p.evidence));
        }
    }
}

fn read_logs(ctx: &ProbeContext, params: &Params, files: &[LogFile], tz: &TimeZone) -> Scan {
    let mut scan = Scan::default();
    let bounds = Bounds {
        tail_bytes: params.tail_mib.max(1) << 20,
        gz_bytes: (params.tail_mib.max(1) << 20) * 4,
        until: (Instant::now() + BUDGET).min(ctx.deadline),
    };
    let now = jiff::Timestamp::now().as_second();
    let window = (params.window_hours * 3600.0) as i64;
    let mtimes: Vec<Option<i64>> = files
        .iter()
        .map(|f| {
            let m = std::fs::metadata(ctx.host.path(&f.path)).ok()?;
            Some(std::os::unix::fs::MetadataExt::mtime(&m))
        })
        .collect();
    let newest_mtime = mtimes.iter().flatten().copied().max().unwrap_or(now);
    for (f, mtime) in files.iter().zip(mtimes) {
        let Some(mtime) = mtime else { continue };
        // A file last written long before the window holds nothing in it.
        let end = if ctx.host.is_live() { now } else { newest_mtime };
        if mtime < end - window - 7 * 86_400 {
            continue;
        }
        if Instant::now() >= bounds.until {
            scan.notes.push(format!("{}: not read, the time limit was reached", f.path));
            continue;
        }
        let reference = jiff::Timestamp::from_second(mtime).map(|t| t.to_zoned(tz.clone()).date()).unwrap_or_default();
        let result = logread::for_each_line(&ctx.host.path(&f.path), f.gz, &bounds, &mut |n, raw| {
            scan.line(&f.path, n, raw, tz, reference);
        });
        match result {
            Ok(end) => {
                scan.logs.push(f.path.clone());
                if end.tailed {
                    scan.notes.push(format!(
                        "{}: only the last {} MiB were read; line numbers count from there",
                        f.path, params.tail_mib
                    ));
                }
                if let Some(why) = end.stopped {
                    scan.notes.push(format!("{}: {why}", f.path));
                }
            }
            Err(e) => scan.notes.push(format!("{}: cannot read: {e}", f.path)),
        }
    }
    scan.flush_pending();
    if !scan.untracked.is_empty() {
        scan.notes.push(format!(
            "more than {MAX_SOURCES} addresses failed: {} failures from the others count in the total only",
            scan.untracked.len()
        ));
    }
    scan
}

fn show_time(t: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| ts.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| t.to_string())
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let files = find_logs(&ctx.host);
    if files.is_empty() {
        return Err(ProbeError::Skipped(
            "no SSH login log: neither /var/log/auth.log nor /var/log/secure exists (the system may log to the journal only: journalctl -u ssh)"
                .into(),
        ));
    }
    // Syslog times are local times: the live system's zone; a rescued disk's logs are compared
    // with their own newest line, where the zone cancels out.
    let tz = if ctx.host.is_live() { TimeZone::system() } else { TimeZone::UTC };
    let scan = read_logs(ctx, params, &files, &tz);
    if scan.logs.is_empty() {
        let first = &files[files.len() - 1].path;
        return match std::fs::File::open(ctx.host.path(first)) {
            Err(e) => Err(ProbeError::io(first, &e)),
            Ok(_) => Err(ProbeError::failed("EIO", format!("no log could be read: {}", scan.notes.join("; ")))),
        };
    }
    let window = (params.window_hours * 3600.0) as i64;
    let end = if ctx.host.is_live() { jiff::Timestamp::now().as_second() } else { scan.newest };
    let (from, to) = (end - window, end + 300);
    let in_window = |t: &i64| *t >= from && *t <= to;

    let mut rows = Vec::new();
    let mut total = scan.untracked.iter().filter(|t| in_window(t)).count();
    for (ip, src) in &scan.sources {
        let mut times: Vec<i64> = src.failures.iter().copied().filter(in_window).collect();
        times.sort_unstable();
        total += times.len();
        // The login after the most failures from the same address.
        let worst = src
            .accepts
            .iter()
            .filter(|a| in_window(&a.t))
            .map(|a| (times.partition_point(|t| *t <= a.t), a))
            .max_by_key(|(n, _)| *n);
        if times.is_empty() && worst.is_none_or(|(n, _)| n == 0) {
            continue;
        }
        rows.push((ip, src, times, worst));
    }
    rows.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then(a.0.cmp(b.0)));
    let sources = rows.len();
    let mut items = Vec::new();
    for (i, (ip, src, times, worst)) in rows.into_iter().enumerate() {
        let suspicious = worst.is_some_and(|(n, _)| n > 0);
        if i >= params.top && !suspicious {
            continue;
        }
        let mut users: Vec<(&String, &u32)> = src.users.iter().collect();
        users.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let users: Vec<String> = users.iter().take(5).map(|(u, _)| crate::redact::redact(u)).collect();
        let mut o = Observation::new(ip.to_string())
            .num("failures", times.len() as f64)
            .text("users", if users.is_empty() { "-".to_string() } else { users.join(", ") })
            .text("first_seen", times.first().map(|t| show_time(*t, &tz)).unwrap_or_default())
            .text("last_seen", times.last().map(|t| show_time(*t, &tz)).unwrap_or_default());
        // What limited the reading goes with every finding: the counts may be partial.
        o.evidence = src.ring.iter().chain(&scan.notes).cloned().collect();
        match worst {
            Some((n, a)) if n > 0 => {
                o = o.num("failures_before_success", n as f64).text("accepted_user", crate::redact::redact(&a.user));
                for l in a.evidence.iter().chain(&scan.notes) {
                    o = o.field_evidence("failures_before_success", l.clone());
                }
            }
            _ => o = o.num("failures_before_success", 0.0).text("accepted_user", "-"),
        }
        items.push(o);
    }
    let mut scope = Observation::new(scan.logs.join(", "))
        .num("total_failures", total as f64)
        .num("sources", sources as f64)
        .num("window_hours", params.window_hours)
        .text("logs", scan.logs.join(", "))
        .text("note", if scan.notes.is_empty() { String::new() } else { format!("; {}", scan.notes.join("; ")) });
    scope.evidence = scan.notes;
    items.insert(0, scope);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_names() {
        assert_eq!(log_file("auth.log", "auth.log").map(|f| f.age), Some((1, 0)));
        assert_eq!(log_file("auth.log", "auth.log.2.gz").map(|f| (f.age, f.gz)), Some(((0, -2), true)));
        assert_eq!(log_file("secure", "secure-20241120").map(|f| f.age), Some((0, 20241120)));
        assert_eq!(log_file("auth.log", "auth.log.old"), None);
        assert_eq!(log_file("secure", "secure.bak"), None);
    }

    #[test]
    fn times_and_years() {
        let reference = jiff::civil::date(2025, 1, 5);
        let t = line_time("Jan  5 03:00:00 h sshd[1]: x", &TimeZone::UTC, reference).expect("time");
        assert_eq!(
            t,
            jiff::civil::date(2025, 1, 5).at(3, 0, 0, 0).to_zoned(TimeZone::UTC).expect("z").timestamp().as_second()
        );
        let t = line_time("Dec 31 23:59:59 h sshd[1]: x", &TimeZone::UTC, reference).expect("time");
        assert_eq!(show_time(t, &TimeZone::UTC), "2024-12-31 23:59:59");
        let t = line_time("2025-01-05T03:00:00.123456+08:00 h sshd[1]: x", &TimeZone::UTC, reference).expect("t");
        assert_eq!(show_time(t, &TimeZone::UTC), "2025-01-04 19:00:00");
        assert_eq!(line_time("garbage", &TimeZone::UTC, reference), None);
        assert_eq!(line_time("Feb 30 00:00:00 x", &TimeZone::UTC, reference), None);
        assert_eq!(line_time("", &TimeZone::UTC, reference), None);
    }

    #[test]
    fn invalid_user_pairs_count_once_and_pending_stays_bounded() {
        let mut scan = Scan::default();
        let r = jiff::civil::date(2025, 11, 20);
        let tz = TimeZone::UTC;
        scan.line("/l", 1, b"Nov 20 01:00:00 h sshd[7]: Invalid user a from 192.0.2.1 port 1", &tz, r);
        scan.line(
            "/l",
            2,
            b"Nov 20 01:00:01 h sshd[7]: Failed password for invalid user a from 192.0.2.1 port 1 ssh2",
            &tz,
            r,
        );
        scan.line("/l", 3, b"Nov 20 01:00:02 h sshd[8]: Invalid user b from 192.0.2.1 port 2", &tz, r);
        for i in 0..20_000u32 {
            let l = format!(
                "Nov 20 02:{:02}:{:02} h sshd[{}]: Invalid user x from 192.0.2.2 port 1",
                i / 3600 % 60,
                i % 60,
                100 + i
            );
            scan.line("/l", 10 + u64::from(i), l.as_bytes(), &tz, r);
            assert!(scan.pending.len() <= MAX_PENDING + 1);
        }
        scan.flush_pending();
        let count = |ip: &str| scan.sources.get(&ip.parse::<IpAddr>().expect("ip")).map_or(0, |s| s.failures.len());
        assert_eq!(count("192.0.2.1"), 2);
        assert_eq!(count("192.0.2.2"), 20_000);
    }

    #[test]
    fn messages() {
        let msg = |l: &'static str| sshd_message(l).and_then(|(_, m)| parse_message(m));
        let m =
            msg("Nov 20 03:00:00 h sshd[9]: Failed password for invalid user admin from 203.0.113.5 port 4242 ssh2");
        assert_eq!(
            m.map(|(k, u, ip, n)| (k, u, ip.to_string(), n)),
            Some((Kind::Failed, "admin", "203.0.113.5".to_string(), 1))
        );
        let m = msg("sshd[9]: message repeated 5 times: [ Failed password for root from 2001:db8::1 port 22 ssh2]");
        assert_eq!(m.map(|(k, _, ip, n)| (k, ip.to_string(), n)), Some((Kind::Failed, "2001:db8::1".into(), 5)));
        let m =
            msg("sshd-session[9]: Accepted publickey for deploy from 198.51.100.7 port 50000 ssh2: ED25519 SHA256:x");
        assert_eq!(m.map(|(k, u, _, _)| (k, u)), Some((Kind::Accepted, "deploy")));
        let m = msg("sshd[9]: Invalid user  from 198.51.100.7 port 50000");
        assert_eq!(m.map(|(k, u, _, _)| (k, u)), Some((Kind::Invalid, "")));
        assert_eq!(msg("sshd[9]: Failed password for root from not-an-ip port 22"), None);
        let key = "sshd[9]: Failed publickey for deploy from 198.51.100.7 port 50000 ssh2: RSA SHA256:x";
        assert_eq!(msg(key), None, "a refused agent key is not a guess");
        // A user name that imitates a message: the address is sshd's, not the user name's.
        let m = msg("sshd[9]: Invalid user x from 6.6.6.6 port 1 from 192.0.2.9 port 50000");
        assert_eq!(
            m.map(|(_, u, ip, _)| (u, ip.to_string())),
            Some(("x from 6.6.6.6 port 1", "192.0.2.9".to_string()))
        );
        let m = msg("sshd[9]: Invalid user Failed password for root from 6.6.6.6 port 1 from 192.0.2.9 port 2");
        assert_eq!(m.map(|(k, _, _, _)| k), Some(Kind::Invalid));
        assert_eq!(sshd_message("CRON[5]: sshd x"), None);
        assert_eq!(sshd_message("sshd[abc]: x sshd[12]: y").map(|(p, m)| (p, m.to_string())), Some((12, "y".into())));
    }

    #[test]
    fn clock_matches_line_time() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        let r = jiff::civil::date(2025, 11, 20);
        let mut clock = Clock::default();
        for l in ["Nov 20 03:00:00 x", "Nov 20 23:59:59 x", "Nov 19 00:00:01 x", "2025-11-20T01:02:03Z x"] {
            assert_eq!(clock.time(l, &tz, r), line_time(l, &tz, r), "{l}");
        }
        assert_eq!(clock.time("Nov 20 25:00:00 x", &tz, r), None);
        assert_eq!(clock.time("Nov 20", &tz, r), None);
    }
}
