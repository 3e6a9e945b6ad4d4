//! The kernel log, read once per run and shared by the checks that look for kernel messages
//! (OOM kills, disk errors, panics and lockups).
//!
//! Sources, first that works: `/dev/kmsg` (live system, readable: root or `dmesg_restrict=0`),
//! read non-blocking from the start of the ring buffer; `journalctl -k -b` (live system, with a
//! timeout); `/var/log/kern.log` or `/var/log/messages` under the host root (a bounded tail).
//!
//! A kernel log can hold millions of lines, so only lines that contain one of the keywords the
//! checks care about are kept: a literal prefilter (`regex` turns an alternation of literals into
//! a SIMD multi-substring search) finds candidates, `memchr` finds their line ends, and nothing
//! else is looked at. A log file's tail is scanned a block of whole lines at a time as a reader
//! thread fills reused buffers ([`super::super::tail`]): the file is never held whole, and lines are
//! borrowed until kept. Lines are deduplicated (same time and text).
//!
//! Beside the reading: [`group`] folds repeated messages about one subject into one count with
//! a first and last time, and [`guarded`] holds the checks' regexes behind literal guards, so a
//! log without a candidate line compiles none of them.

pub mod group;
pub mod guarded;

use super::Host;
use crate::i18n::{Msg, Said};
use jiff::Timestamp;
use regex::bytes::Regex;
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// How much of a log file is read: its last 16 MiB (a week of a noisy kernel), so a huge log
/// costs at most this much I/O and memory.
pub const TAIL_BYTES: u64 = 16 * 1024 * 1024;
/// Longest kept line; longer ones are cut (a kernel line is at most ~1 KiB).
const MAX_LINE: usize = 1024;
/// Most kernel records read from /dev/kmsg (a 32 MiB ring holds about 300 000).
const MAX_RECORDS: usize = 2_000_000;
/// Most lines kept after the prefilter: enough for every check, bounded for a log that is
/// nothing but I/O errors.
const MAX_KEPT: usize = 200_000;
/// How long journalctl may take.
const JOURNAL_TIMEOUT: Duration = Duration::from_secs(3);
/// Most output read from journalctl.
const JOURNAL_MAX_BYTES: usize = 32 * 1024 * 1024;

/// The words a kernel-log check looks for. A line without any of them is never parsed.
pub const KEYWORDS: &[&str] = &[
    // OOM killer
    "Killed process",
    "Kill process",
    // storage
    "I/O error",
    "EXT4-fs error",
    "EXT2-fs error",
    "EXT3-fs error",
    "XFS (",
    "BTRFS error",
    "BTRFS critical",
    "emounting filesystem read-only",
    "Aborting journal",
    "edium error",
    "edium Error",
    "QID",
    "FAILED Result",
    // kernel health
    "Kernel panic",
    "Oops",
    "BUG:",
    "BUG at",
    "LOCKUP",
    "soft lockup",
    "blocked for more than",
    "blocked in I/O wait for more than",
    "can't die for more than",
    "stall",
    "general protection fault",
    "divide error",
    "PANIC: double fault",
    "Internal error:",
    // die(): `divide_error: 0000 [#1]`, `invalid opcode: 0000 [#1]`, `stack segment: 0000 [#1]`
    " [#",
    "Unable to handle kernel",
    "Hardware Error",
    "Machine Check Exception",
    // sockets
    "TCP: out of memory",
    // netfilter (net.conntrack.usage): "table full, dropping packet", since Linux 6.x
    // "table full in netns N, dropping packet"
    "nf_conntrack: table full",
];

static PREFILTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let alternation: Vec<String> = KEYWORDS.iter().map(|k| regex::escape(k)).collect();
    Regex::new(&alternation.join("|")).ok()
});

/// Whether a line contains one of the [`KEYWORDS`].
pub fn interesting(line: &[u8]) -> bool {
    match &*PREFILTER {
        Some(re) => re.is_match(line),
        None => KEYWORDS.iter().any(|k| memchr::memmem::find(line, k.as_bytes()).is_some()),
    }
}

/// One kept kernel message.
#[derive(Debug, Clone, PartialEq)]
pub struct KLine {
    /// When it was logged, when known.
    pub time: Option<Timestamp>,
    /// The message itself, without timestamp, host and `kernel:` tag.
    pub text: String,
    /// The line as evidence: where it came from, its time and text.
    pub evidence: String,
}

/// The kernel log as the checks see it.
#[derive(Debug, Clone, Default)]
pub struct KernelLog {
    /// `/dev/kmsg`, `journalctl -k -b` or the log file's path.
    pub source: String,
    /// The kept lines, oldest first.
    pub lines: Vec<KLine>,
    /// How many lines were scanned in all.
    pub scanned_lines: u64,
    pub scanned_bytes: u64,
    /// True when only the tail of a larger log was read, or a cap was reached.
    pub truncated: bool,
    /// Why earlier sources were not used.
    pub notes: Vec<String>,
    /// When the examined system booted and how long it has been up, when known (the live
    /// system, or a root with /proc/stat and /proc/uptime).
    pub boot: Option<Timestamp>,
    pub uptime_s: Option<u64>,
}

/// Why no kernel log could be read.
#[derive(Debug, Clone, PartialEq)]
pub enum KlogError {
    /// Nothing to read (no source exists), or not permitted: the reason, said in the run's language.
    Unavailable(Said),
}

/// Reads the kernel log of `host` (see the module doc for the order of sources), with the
/// system's boot time and uptime.
pub fn read(host: &Host, deadline: Instant) -> Result<KernelLog, KlogError> {
    let mut log = read_log(host, deadline)?;
    log.boot = boot_time(host);
    log.uptime_s = super::facts::uptime_s(host);
    Ok(log)
}

fn read_log(host: &Host, deadline: Instant) -> Result<KernelLog, KlogError> {
    let mut notes = Vec::new();
    let mut denied = None;
    if host.is_live() {
        match read_kmsg(host, deadline) {
            Ok(mut log) => {
                log.notes = notes;
                return Ok(log);
            }
            Err(e) => {
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    denied = Some("/dev/kmsg");
                }
                notes.push(format!("/dev/kmsg: {e}"));
            }
        }
        match read_journal(deadline) {
            Ok(mut log) => {
                log.notes = notes;
                return Ok(log);
            }
            Err(e) => notes.push(format!("journalctl -k -b: {e}")),
        }
    }
    let tz = timezone(host);
    let now = Timestamp::now();
    for path in ["/var/log/kern.log", "/var/log/messages", "/var/log/syslog"] {
        match scan_file_tail(host, path, TAIL_BYTES, &tz, now) {
            Ok(Some(mut log)) => {
                log.notes = notes;
                return Ok(log);
            }
            Ok(None) => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                denied.get_or_insert(path);
            }
            Err(e) => notes.push(format!("{path}: {e}")),
        }
    }
    let mut why = match denied {
        Some(p) => Said::new(Msg::SkipKlogDenied).arg("path", p),
        None if host.is_live() => Said::new(Msg::SkipKlogNone),
        None => Said::new(Msg::SkipKlogNoneUnderRoot),
    };
    if !notes.is_empty() {
        why = Said::new(Msg::WithNotes).nest("message", why).arg("notes", notes.join("; "));
    }
    Err(KlogError::Unavailable(why))
}

/// Scans the last `max` bytes of a syslog-format file of the examined system, starting at a
/// line boundary, block by block through one reused buffer (see [`super::super::tail`]); `None` when
/// it does not exist or is not a regular file.
fn scan_file_tail(
    host: &Host,
    system_path: &str,
    max: u64,
    tz: &jiff::tz::TimeZone,
    now: Timestamp,
) -> std::io::Result<Option<KernelLog>> {
    let path = host.path(system_path);
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let (file, tailed) = match crate::host::tail::open_tail(&path, max) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut scan = SyslogScan::new(system_path, tz, now);
    let end = crate::host::tail::blocks(file, tailed, None, &mut |block| scan.block(block));
    if let Some(e) = end.error {
        return Err(e);
    }
    let mut log = scan.finish();
    log.truncated |= tailed;
    Ok(Some(log))
}

/// The last `max` bytes of a file of the examined system, starting at a line boundary; `None`
/// when it does not exist. The bool says whether the file was longer. For small files (a crash
/// dump's dmesg); a log is scanned block by block instead ([`scan_file_tail`]).
pub fn read_tail(host: &Host, system_path: &str, max: u64) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    let mut file = match std::fs::File::open(host.path(system_path)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    let len = meta.len();
    let truncated = len > max;
    if truncated {
        file.seek(SeekFrom::Start(len - max))?;
    }
    let mut bytes = Vec::with_capacity(len.min(max) as usize);
    file.take(max).read_to_end(&mut bytes)?;
    if truncated {
        // Drop the partial first line.
        match memchr::memchr(b'\n', &bytes) {
            Some(i) => {
                bytes.drain(..=i);
            }
            None => bytes.clear(),
        }
    }
    Ok(Some((bytes, truncated)))
}

/// The time zone of the examined system, for syslog timestamps without an offset: the live
/// system's, or the root's /etc/localtime, else UTC.
fn timezone(host: &Host) -> jiff::tz::TimeZone {
    if host.is_live() {
        return jiff::tz::TimeZone::system();
    }
    std::fs::read(host.path("/etc/localtime"))
        .ok()
        .and_then(|data| jiff::tz::TimeZone::tzif("localtime", &data).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

fn cut(s: &str) -> &str {
    if s.len() <= MAX_LINE {
        return s;
    }
    let mut end = MAX_LINE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Calls `f` with every line of `buf` that contains a keyword, fast: the prefilter skips
/// everything else.
pub fn for_each_interesting_line(buf: &[u8], mut f: impl FnMut(&[u8])) {
    let Some(re) = &*PREFILTER else {
        for line in buf.split(|b| *b == b'\n') {
            if interesting(line) {
                f(line);
            }
        }
        return;
    };
    let mut pos = 0;
    while pos < buf.len() {
        let Some(m) = re.find_at(buf, pos) else { break };
        let start = memchr::memrchr(b'\n', &buf[..m.start()]).map(|i| i + 1).unwrap_or(0);
        let end = memchr::memchr(b'\n', &buf[m.end()..]).map(|i| m.end() + i).unwrap_or(buf.len());
        f(&buf[start..end]);
        pos = end + 1;
    }
}

/// Keeps lines once (same time and text) and within [`MAX_KEPT`].
struct Keeper {
    seen: HashSet<(Option<i64>, String)>,
    log: KernelLog,
}

impl Keeper {
    fn new(source: &str) -> Keeper {
        Keeper { seen: HashSet::new(), log: KernelLog { source: source.to_string(), ..Default::default() } }
    }

    fn keep(&mut self, time: Option<Timestamp>, text: &str, evidence: String) {
        let text = cut(text.trim_end());
        if !self.seen.insert((time.map(|t| t.as_millisecond()), text.to_string())) {
            return;
        }
        if self.log.lines.len() >= MAX_KEPT {
            self.log.truncated = true;
            return;
        }
        self.log.lines.push(KLine { time, text: text.to_string(), evidence: cut(&evidence).to_string() });
    }
}

/// Scans syslog-format text (a log file, or journalctl's short-iso output): keeps the kernel's
/// interesting lines with their times.
pub fn scan_syslog(buf: &[u8], source: &str, tz: &jiff::tz::TimeZone, now: Timestamp) -> KernelLog {
    let mut scan = SyslogScan::new(source, tz, now);
    scan.block(buf);
    scan.finish()
}

/// Syslog-format text scanned a block of whole lines at a time: only lines the prefilter
/// finds are decoded, and they are borrowed from the block until kept.
struct SyslogScan<'a> {
    k: Keeper,
    source: &'a str,
    tz: &'a jiff::tz::TimeZone,
    now: Timestamp,
}

impl<'a> SyslogScan<'a> {
    fn new(source: &'a str, tz: &'a jiff::tz::TimeZone, now: Timestamp) -> SyslogScan<'a> {
        SyslogScan { k: Keeper::new(source), source, tz, now }
    }

    fn block(&mut self, buf: &[u8]) {
        let (k, source, tz, now) = (&mut self.k, self.source, self.tz, self.now);
        for_each_interesting_line(buf, |raw| {
            let line = String::from_utf8_lossy(raw);
            let line = line.trim_end_matches('\r');
            // Only the kernel's lines: /var/log/messages holds every daemon's.
            let Some((head, msg)) = split_kernel_tag(line) else { return };
            let time = parse_syslog_time(head, tz, now);
            let msg = strip_monotonic(msg);
            k.keep(time, msg, format!("{source}: {line}"));
        });
        k.log.scanned_bytes += buf.len() as u64;
        k.log.scanned_lines += memchr::memchr_iter(b'\n', buf).count() as u64;
    }

    fn finish(self) -> KernelLog {
        self.k.log
    }
}

/// `Nov 20 03:00:00 web-1 kernel: [  12.345] msg` → (`Nov 20 03:00:00 web-1`, `[  12.345] msg`).
fn split_kernel_tag(line: &str) -> Option<(&str, &str)> {
    let i = line.find(" kernel: ")?;
    Some((&line[..i], &line[i + " kernel: ".len()..]))
}

/// Drops the `[12345.678901] ` that the kernel puts before a message.
fn strip_monotonic(msg: &str) -> &str {
    let t = msg.trim_start();
    if let Some(rest) = t.strip_prefix('[')
        && let Some(end) = rest.find(']')
        && rest[..end].trim().bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return rest[end + 1..].trim_start();
    }
    t
}

/// The time at the start of a syslog line's head: RFC 3339 (`2026-11-20T03:00:00.123+08:00`,
/// journalctl's `+0800` too) or BSD (`Nov 20 03:00:00`, local time, year guessed: the latest
/// one not in the future).
pub fn parse_syslog_time(head: &str, tz: &jiff::tz::TimeZone, now: Timestamp) -> Option<Timestamp> {
    let first = head.split_whitespace().next()?;
    if first.len() >= 19 && first.as_bytes().get(4) == Some(&b'-') && first.as_bytes().get(10) == Some(&b'T') {
        return parse_iso(first);
    }
    let mut words = head.split_whitespace();
    let month = match words.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let day: i8 = words.next()?.parse().ok()?;
    let mut hms = words.next()?.split(':');
    let (h, m, s): (i8, i8, i8) =
        (hms.next()?.parse().ok()?, hms.next()?.parse().ok()?, hms.next()?.get(..2)?.parse().ok()?);
    let year = now.to_zoned(tz.clone()).year();
    for y in [year, year - 1] {
        let dt = jiff::civil::DateTime::new(y, month, day, h, m, s, 0).ok()?;
        if let Ok(z) = dt.to_zoned(tz.clone()) {
            let t = z.timestamp();
            // A day of slack for clock skew between the log and this machine.
            if t <= now + jiff::SignedDuration::from_hours(24) {
                return Some(t);
            }
        }
    }
    None
}

/// `2026-11-20T03:00:00[.frac](Z|+08:00|+0800)`.
pub fn parse_iso(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    // journalctl's short-iso offset has no colon: +0800.
    let cut = s.len().checked_sub(5)?;
    let (head, tail) = (s.get(..cut)?, s.get(cut..)?);
    let tb = tail.as_bytes();
    if (tb[0] == b'+' || tb[0] == b'-') && tb[1..].iter().all(u8::is_ascii_digit) {
        return format!("{head}{}:{}", &tail[..3], &tail[3..]).parse::<Timestamp>().ok();
    }
    None
}

/// When the system booted: `btime` in /proc/stat, else now minus /proc/uptime.
pub fn boot_time(host: &Host) -> Option<Timestamp> {
    if let Ok(f) = host.read("/proc/stat") {
        for line in f.text.lines() {
            if let Some(v) = line.strip_prefix("btime ")
                && let Ok(secs) = v.trim().parse::<i64>()
            {
                return Timestamp::from_second(secs).ok();
            }
        }
    }
    let up = super::facts::uptime_s(host)?;
    Timestamp::now().checked_sub(jiff::SignedDuration::from_secs(up as i64)).ok()
}

/// One /dev/kmsg record: `6,1234,5678901,-;message` (+ continuation lines starting with a space).
/// Returns (microseconds since boot, message).
pub fn parse_kmsg_record(rec: &[u8]) -> Option<(u64, &[u8])> {
    let semi = memchr::memchr(b';', rec)?;
    let mut fields = rec[..semi].split(|b| *b == b',');
    let _prio = fields.next()?;
    let _seq = fields.next()?;
    let usec = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    let body = &rec[semi + 1..];
    let end = memchr::memchr(b'\n', body).unwrap_or(body.len());
    Some((usec, &body[..end]))
}

/// Undoes /dev/kmsg's `\xNN` escapes of unprintable bytes.
fn unescape_kmsg(msg: &[u8]) -> String {
    if memchr::memchr(b'\\', msg).is_none() {
        return String::from_utf8_lossy(msg).into_owned();
    }
    let mut out = Vec::with_capacity(msg.len());
    let mut i = 0;
    while i < msg.len() {
        if msg[i] == b'\\'
            && msg.get(i + 1) == Some(&b'x')
            && let Some(h) = msg.get(i + 2..i + 4)
            && let Ok(v) = u8::from_str_radix(&String::from_utf8_lossy(h), 16)
        {
            out.push(if v.is_ascii_control() { b' ' } else { v });
            i += 4;
            continue;
        }
        out.push(msg[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read_kmsg(host: &Host, deadline: Instant) -> std::io::Result<KernelLog> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open("/dev/kmsg")?;
    let boot = boot_time(host);
    let mut k = Keeper::new("/dev/kmsg");
    let mut buf = vec![0u8; 16 * 1024];
    let mut records = 0usize;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            // Records were overwritten while reading: carry on from the next one.
            Err(e) if e.raw_os_error() == Some(32) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        records += 1;
        k.log.scanned_bytes += n as u64;
        let rec = &buf[..n];
        if let Some((usec, msg)) = parse_kmsg_record(rec)
            && interesting(msg)
        {
            let text = unescape_kmsg(msg);
            let time = boot.and_then(|b| b.checked_add(jiff::SignedDuration::from_micros(usec as i64)).ok());
            let shown = match time {
                Some(t) => format!("/dev/kmsg: {} {}", t.round(jiff::Unit::Second).unwrap_or(t), text),
                None => format!("/dev/kmsg: [{:>5}.{:06}] {}", usec / 1_000_000, usec % 1_000_000, text),
            };
            k.keep(time, &text, shown);
        }
        if records >= MAX_RECORDS || (records.is_multiple_of(4096) && Instant::now() >= deadline) {
            k.log.truncated = true;
            break;
        }
    }
    k.log.scanned_lines = records as u64;
    Ok(k.log)
}

fn read_journal(deadline: Instant) -> Result<KernelLog, String> {
    let mut child = Command::new("journalctl")
        .args(["-k", "-b", "-o", "short-iso", "--no-pager", "-q", "--lines=200000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("SYSTEMD_COLORS", "0")
        .spawn()
        .map_err(|e| e.to_string())?;
    crate::host::procs::note_spawned(child.id());
    let Some(mut out) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("no output".into());
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let r = (&mut out).take(JOURNAL_MAX_BYTES as u64).read_to_end(&mut bytes);
        let _ = tx.send(r.map(|_| bytes));
    });
    let wait = JOURNAL_TIMEOUT.min(deadline.saturating_duration_since(Instant::now()));
    let result = rx.recv_timeout(wait);
    let _ = child.kill();
    let status = child.wait();
    let bytes = match result {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => return Err(format!("no answer within {} s", wait.as_secs_f64())),
    };
    if bytes.is_empty() {
        return Err(match status {
            Ok(s) if !s.success() => format!("failed ({s})"),
            _ => "no kernel messages (not permitted?)".into(),
        });
    }
    let mut log = scan_syslog(&bytes, "journalctl -k -b", &jiff::tz::TimeZone::UTC, Timestamp::now());
    log.truncated |= bytes.len() >= JOURNAL_MAX_BYTES;
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn syslog_times() {
        let utc = jiff::tz::TimeZone::UTC;
        let now = ts("2026-11-20T12:00:00Z");
        assert_eq!(parse_syslog_time("Nov 20 03:00:00 web-1", &utc, now), Some(ts("2026-11-20T03:00:00Z")));
        // December lines seen in November are last year's.
        assert_eq!(parse_syslog_time("Dec  1 03:00:00 web-1", &utc, now), Some(ts("2025-12-01T03:00:00Z")));
        assert_eq!(
            parse_syslog_time("2026-11-20T03:00:00.123456+08:00 web-1", &utc, now),
            Some(ts("2026-11-19T19:00:00.123456Z"))
        );
        assert_eq!(parse_syslog_time("2026-11-20T03:00:00+0800 web-1", &utc, now), Some(ts("2026-11-19T19:00:00Z")));
        for bad in ["", "Foo 1 00:00:00", "Nov 99 03:00:00", "Nov 1 3", "2026-13-45T99:99:99Z x", "\u{fffd}"] {
            assert_eq!(parse_syslog_time(bad, &utc, now), None, "{bad:?}");
        }
    }

    /// `journalctl -k -b -o short-iso -q` of systemd 219 (CentOS 7, Alibaba Cloud Linux 2)
    /// writes the offset without a colon (`+0800`), newer systemd with one (`+08:00`); both
    /// give the same instant.
    #[test]
    fn journalctl_short_iso_of_old_and_new_systemd() {
        let old = b"2026-11-20T11:00:00+0800 web-1 kernel: Out of memory: Kill process 42 (java) score 900 or sacrifice child\n";
        let new = b"2026-11-20T11:00:00+08:00 web-1 kernel: Out of memory: Killed process 42 (java) total-vm:10kB\n";
        for text in [&old[..], &new[..]] {
            let log = scan_syslog(text, "journalctl -k -b", &jiff::tz::TimeZone::UTC, ts("2026-11-20T12:00:00Z"));
            assert_eq!(log.lines.len(), 1, "{:?}", String::from_utf8_lossy(text));
            assert_eq!(log.lines[0].time, Some(ts("2026-11-20T03:00:00Z")));
            assert!(log.lines[0].text.starts_with("Out of memory: Kill"), "{:?}", log.lines[0]);
        }
    }

    #[test]
    fn scans_only_kernel_lines_with_keywords_and_dedups() {
        let text = b"Nov 20 03:00:00 web-1 kernel: [ 12.5] Out of memory: Killed process 42 (java) total-vm:10kB\n\
Nov 20 03:00:00 web-1 kernel: [ 12.5] Out of memory: Killed process 42 (java) total-vm:10kB\n\
Nov 20 03:00:01 web-1 app[1]: Killed process 43 (fake)\n\
Nov 20 03:00:02 web-1 kernel: eth0: link up\n\
\xff\xfe garbage kernel: BUG: \xff\n\
Nov 20 03:00:03 web-1 kernel: INFO: task java:42 blocked for more than 120 seconds.";
        let log = scan_syslog(text, "/var/log/kern.log", &jiff::tz::TimeZone::UTC, ts("2026-11-20T12:00:00Z"));
        let texts: Vec<&str> = log.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Out of memory: Killed process 42 (java) total-vm:10kB",
                "BUG: \u{fffd}",
                "INFO: task java:42 blocked for more than 120 seconds."
            ]
        );
        assert_eq!(log.lines[0].time, Some(ts("2026-11-20T03:00:00Z")));
        assert_eq!(log.lines[1].time, None);
        assert!(log.lines[0].evidence.starts_with("/var/log/kern.log: Nov 20 03:00:00 web-1 kernel:"));
        assert_eq!(log.scanned_lines, 5);
    }

    #[test]
    fn garbage_never_panics() {
        let utc = jiff::tz::TimeZone::UTC;
        let now = ts("2026-11-20T12:00:00Z");
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut bytes = Vec::new();
            for _ in 0..(seed % 120) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let alphabet = b"2026-11-20T03:00:00+08 kernel: [1.5] Oops: BUG: I/O error \\x\xe9\xff\n(device )Nov 1";
                bytes.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse_syslog_time(&text, &utc, now);
            let _ = parse_iso(&text);
            let _ = parse_kmsg_record(&bytes);
            let _ = unescape_kmsg(&bytes);
            let _ = scan_syslog(&bytes, "x", &utc, now);
        }
        assert_eq!(parse_iso("2026-11-20T03:00:00\u{e9}+08"), None);
        assert_eq!(parse_iso("+0800"), None);
    }

    #[test]
    fn kmsg_records() {
        let (usec, msg) =
            parse_kmsg_record(b"3,1234,5678901,-;EXT4-fs error (device vdb1): x\n SUBSYSTEM=block\n").unwrap();
        assert_eq!(usec, 5678901);
        assert_eq!(msg, b"EXT4-fs error (device vdb1): x");
        assert_eq!(parse_kmsg_record(b"garbage"), None);
        assert_eq!(parse_kmsg_record(b"1,2,x;y"), None);
        assert_eq!(unescape_kmsg(b"a\\x0ab\\x41\\xzz"), "a bA\\xzz");
    }

    #[test]
    fn interesting_lines_in_a_big_buffer() {
        let mut buf = Vec::new();
        for i in 0..100_000 {
            buf.extend_from_slice(format!("Nov 20 03:00:00 h kernel: [{i}.0] usual noise line {i}\n").as_bytes());
        }
        buf.extend_from_slice(b"Nov 20 03:00:00 h kernel: Kernel panic - not syncing: x");
        let mut hits = Vec::new();
        for_each_interesting_line(&buf, |l| hits.push(String::from_utf8_lossy(l).into_owned()));
        assert_eq!(hits, vec!["Nov 20 03:00:00 h kernel: Kernel panic - not syncing: x"]);
    }

    #[test]
    fn tails_start_at_a_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/log")).unwrap();
        std::fs::write(dir.path().join("var/log/kern.log"), "first line\nsecond line\nthird\n").unwrap();
        let host = Host::new(dir.path());
        let (bytes, truncated) = read_tail(&host, "/var/log/kern.log", 10).unwrap().unwrap();
        assert!(truncated);
        assert_eq!(bytes, b"third\n");
        assert!(read_tail(&host, "/var/log/none", 10).unwrap().is_none());
    }
}
