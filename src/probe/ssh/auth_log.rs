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
//!   the fly, and a truncated one yields what it has (see [`crate::host::logread`]).
//! - `Invalid user X from A` and the `Failed password for invalid user X from A` that follows it
//!   are one attempt, not two (matched by sshd's pid); `message repeated N times` counts N.

use crate::host::Host;
use crate::host::logread::{self, Bounds};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use jiff::tz::TimeZone;
use memchr::memmem;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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

pub const FIELDS: &[Field] = &[
    Field::num("failures", "", "failed SSH logins from this address in the window"),
    Field::num("failures_before_success", "", "failures before a login that succeeded"),
    Field::text("accepted_user", "the account that then logged in"),
    Field::text("users", "the user names tried"),
    Field::text("first_seen", "the first failure's time"),
    Field::text("last_seen", "the last failure's time"),
    Field::num("total_failures", "", "failed logins from all addresses"),
    Field::num("sources", "", "addresses with failures"),
    Field::num("window_hours", "hours", "the window looked at"),
    Field::text("logs", "the log files read"),
    Field::text("note", "why part of the logs was not read (truncated, too large)"),
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

static SSHD: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("sshd"));
static FOR: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(" for "));

/// The message of an sshd line and sshd's pid: what follows `sshd[PID]: ` (or
/// `sshd-session[PID]: `, OpenSSH 9.8 and later). Anchoring at the message start means a user
/// name cannot smuggle in a fake `Failed password ... from` of its own.
fn sshd_message(line: &str) -> Option<(u32, &str)> {
    sshd_message_from(line, SSHD.find(line.as_bytes())?)
}

/// [`sshd_message`] when the first `sshd` of the line is known to be at `at`.
fn sshd_message_from(line: &str, at: usize) -> Option<(u32, &str)> {
    // Byte offsets of ASCII matches are char boundaries.
    sshd_tag(line.as_bytes(), at).map(|(pid, message_at)| (pid, &line[message_at..]))
}

/// The pid of the first `sshd[PID]: ` (or `sshd-session[PID]: `) tag of a line whose first
/// `sshd` is at `at`, and where the message after it starts.
fn sshd_tag(bytes: &[u8], mut at: usize) -> Option<(u32, usize)> {
    loop {
        let mut after = at + 4;
        if bytes[after..].first_chunk::<8>() == Some(b"-session") {
            after += "-session".len();
        }
        if let Some(found) = pid_tag(bytes, after) {
            return Some(found);
        }
        at = after + SSHD.find(&bytes[after..])?;
    }
}

/// `[PID]: ` at `at` (what `u32` parses: digits, optionally after `+`) → the pid and where the
/// message starts.
fn pid_tag(b: &[u8], at: usize) -> Option<(u32, usize)> {
    if b.get(at) != Some(&b'[') {
        return None;
    }
    let start = at + 1 + usize::from(b.get(at + 1) == Some(&b'+'));
    // One pass; held at 2^40 once past it, so a value too big for u32 stays too big (and
    // leading zeros count for nothing, as in `u32::from_str`).
    let (mut end, mut pid) = (start, 0u64);
    while let Some(d) = b.get(end).filter(|c| c.is_ascii_digit()) {
        pid = (pid * 10 + u64::from(d - b'0')).min(1 << 40);
        end += 1;
    }
    // A fixed-size compare: no call to memcmp.
    if end == start || b.get(end..).and_then(|r| r.first_chunk::<3>()) != Some(b"]: ") {
        return None;
    }
    Some((u32::try_from(pid).ok()?, end + 3))
}

/// Addresses parsed lately, by their text: a brute-force log names the same few hundred
/// addresses again and again. A direct-mapped cache of [`ADDR_SLOTS`] texts of up to 16 bytes
/// (every IPv4 address), each kept as one zero-padded 128-bit word, so that finding one costs a
/// multiplication and a compare, not a parse; a longer text is remembered alone. A collision
/// only means a parse, so chosen addresses cannot slow it down.
#[derive(Default)]
struct AddrCache {
    /// (word, length, address); empty until the first address.
    slots: Vec<(u128, u8, Option<IpAddr>)>,
    /// The last text longer than 16 bytes and its address.
    long: Vec<u8>,
    long_ip: Option<IpAddr>,
}

/// Slots of [`AddrCache`].
const ADDR_SLOTS: usize = 512;

/// A dotted-quad IPv4 address as the standard library reads it (four decimal octets, none
/// above 255, no leading zeros), without its general parser; `None` means "ask it".
fn quick_ipv4(s: &[u8]) -> Option<IpAddr> {
    let mut octets = [0u8; 4];
    // The octet being read: its index, value and number of digits.
    let (mut k, mut value, mut digits) = (0, 0u32, 0);
    for &c in s {
        if c == b'.' {
            if digits == 0 || k == 3 {
                return None;
            }
            octets[k] = u8::try_from(value).ok()?;
            (k, value, digits) = (k + 1, 0, 0);
        } else if c.is_ascii_digit() {
            if digits == 3 || (digits == 1 && value == 0) {
                return None; // four digits, or a leading zero
            }
            value = value * 10 + u32::from(c - b'0');
            digits += 1;
        } else {
            return None;
        }
    }
    if digits == 0 || k != 3 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(IpAddr::from(octets))
}

/// The first `len` (at most 16) bytes of `s` as one zero-padded little-endian word: loaded
/// whole when `s` holds 16 bytes (an address is followed by ` port N` in a log line).
fn word(s: &[u8], len: usize) -> u128 {
    if let Some(w) = s.first_chunk::<16>() {
        let w = u128::from_le_bytes(*w);
        return if len >= 16 { w } else { w & ((1u128 << (8 * len)) - 1) };
    }
    let mut w = [0u8; 16];
    for (d, c) in w.iter_mut().zip(&s[..len.min(s.len())]) {
        *d = *c;
    }
    u128::from_le_bytes(w)
}

impl AddrCache {
    /// The address that is the first `len` bytes of `s`.
    fn parse(&mut self, s: &[u8], len: usize) -> Option<IpAddr> {
        let text = s.get(..len)?;
        if len > 16 {
            if self.long_ip.is_some() && self.long == text {
                return self.long_ip;
            }
            let ip = std::str::from_utf8(text).ok()?.parse::<IpAddr>().ok()?;
            self.long.clear();
            self.long.extend_from_slice(text);
            self.long_ip = Some(ip);
            return Some(ip);
        }
        let w = word(s, len);
        let slot = ((w as u64 ^ (w >> 64) as u64 ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55) as usize;
        if let Some((cw, cl, Some(ip))) = self.slots.get(slot)
            && *cw == w
            && usize::from(*cl) == len
        {
            return Some(*ip);
        }
        let ip = match quick_ipv4(text) {
            Some(ip) => ip,
            None => std::str::from_utf8(text).ok()?.parse::<IpAddr>().ok()?,
        };
        if self.slots.is_empty() {
            self.slots = vec![(0, 0, None); ADDR_SLOTS];
        }
        self.slots[slot] = (w, len as u8, Some(ip));
        Some(ip)
    }
}

/// `USER from ADDR port N ...` → (the user's length, address). The address is taken from the
/// last ` from ` that is followed by an address and ` port`: user names are chosen by the
/// attacker.
fn user_and_address(rest: &[u8], addrs: &mut AddrCache) -> Option<(usize, IpAddr)> {
    let mut end = rest.len();
    while let Some(i) = rfind_from(&rest[..end]) {
        let tail = &rest[i + 6..];
        let addr_end = memchr::memchr(b' ', tail).unwrap_or(tail.len());
        let after = &tail[addr_end..];
        // The word after the address is exactly `port`.
        let port = after.first_chunk::<5>() == Some(b" port") && matches!(after.get(5), None | Some(b' '));
        if port && let Some(ip) = addrs.parse(tail, addr_end) {
            return Some((i, ip));
        }
        end = i;
    }
    None
}

/// The last ` from ` in `b`: each `f` from the end (a vectorised byte search; an address and
/// port hold few of them) until one starts `from `.
fn rfind_from(b: &[u8]) -> Option<usize> {
    let mut end = b.len();
    while let Some(f) = memchr::memrchr(b'f', &b[..end]) {
        if f >= 1 && b[f - 1..].first_chunk::<6>() == Some(b" from ") {
            return Some(f - 1);
        }
        end = f;
    }
    None
}

/// What one sshd message says: kind, user, address, repeat count.
#[cfg(test)]
fn parse_message(message: &str) -> Option<(Kind, &str, IpAddr, u32)> {
    parse_message_with(message, &mut AddrCache::default())
}

/// [`parse_message`] with the last address remembered.
fn parse_message_with<'a>(message: &'a str, addrs: &mut AddrCache) -> Option<(Kind, &'a str, IpAddr, u32)> {
    let (text, times) = match strip(message.as_bytes(), b"message repeated ") {
        Some(_) => {
            let (n, inner) = message["message repeated ".len()..].split_once(" times: [")?;
            (inner.trim_start().strip_suffix(']').unwrap_or(inner).trim_end(), n.parse().ok()?)
        }
        None => (message, 1),
    };
    let (kind, user, ip) = parse_text(text.as_bytes(), addrs)?;
    // The user lies between ASCII bytes, so at char boundaries.
    Some((kind, text.get(user)?, ip, times))
}

/// A message other than `message repeated`, as bytes: `Failed METHOD for [invalid user ]USER
/// from ADDR port N ...`, `Accepted METHOD for USER from ...`, `Invalid user USER from ...` →
/// the kind, where the user is in `text`, and the address. Every byte it tests is ASCII, so
/// bytes that are not UTF-8 read as their replacement characters would.
fn parse_text(text: &[u8], addrs: &mut AddrCache) -> Option<(Kind, std::ops::Range<usize>, IpAddr)> {
    // `Failed METHOD for ...`: no method name holds " for ", so a prefix test is the same as
    // splitting at the first " for ".
    let (kind, r) = if let Some(r) = strip(text, b"Failed password for ") {
        (Kind::Failed, r)
    } else if let Some(r) = strip(text, b"Failed ") {
        let r = GUESS_METHODS.iter().find_map(|m| r.strip_prefix(m.as_bytes())?.strip_prefix(b" for "))?;
        (Kind::Failed, r)
    } else if let Some(r) = strip(text, b"Accepted ") {
        let i = FOR.find(r)?;
        (Kind::Accepted, &r[i + 5..])
    } else if let Some(r) = strip(text, b"Invalid user ") {
        (Kind::Invalid, r)
    } else {
        return None;
    };
    let r = match kind {
        Kind::Failed => strip(r, b"invalid user ").unwrap_or(r),
        _ => r,
    };
    let (user_len, ip) = user_and_address(r, addrs)?;
    let start = text.len() - r.len();
    Some((kind, start..start + user_len, ip))
}

/// `s` without the ASCII `prefix`, compared as a fixed-size array (no call to memcmp: this runs
/// a few times on each line of a log).
#[inline(always)]
fn strip<'a, const N: usize>(s: &'a [u8], prefix: &[u8; N]) -> Option<&'a [u8]> {
    (s.first_chunk::<N>() == Some(prefix)).then(|| &s[N..])
}

/// A log line kept as evidence: which file (an index into [`Scan::paths`]), its number and
/// text. It becomes `path:n: line` only when it is reported, and its buffer is recycled when a
/// newer line replaces it, so a log of a million failures costs no allocation per line. The
/// text is the line's bytes: bytes that are not UTF-8 become replacement characters only when
/// it is shown.
#[derive(Default)]
struct Ev {
    file: usize,
    n: u64,
    text: Vec<u8>,
}

impl Ev {
    fn set(&mut self, file: usize, n: u64, text: &[u8]) {
        self.file = file;
        self.n = n;
        self.text.clear();
        self.text.extend_from_slice(text);
    }
}

struct Accept {
    t: i64,
    user: String,
    evidence: Vec<String>,
}

#[derive(Default)]
struct Source {
    failures: Vec<i64>,
    /// Users tried and how often (at most 64 names, each cut at 32 characters).
    users: Vec<(String, u32)>,
    /// The index in `users` of the last one tried: guesses come in runs of one name.
    last_user: usize,
    ring: Ring,
    accepts: Vec<Accept>,
}

/// The last [`RING`] failure lines of a source, oldest first, their buffers reused.
#[derive(Default)]
struct Ring {
    slots: [Ev; RING],
    /// How many slots hold a line (up to RING), and where the next one goes.
    len: usize,
    next: usize,
}

impl Ring {
    fn push(&mut self, file: usize, n: u64, line: &[u8]) {
        self.slots[self.next].set(file, n, line);
        self.next = (self.next + 1) % RING;
        self.len = (self.len + 1).min(RING);
    }

    fn iter(&self) -> impl Iterator<Item = &Ev> {
        let first = (self.next + RING - self.len) % RING;
        (0..self.len).map(move |i| &self.slots[(first + i) % RING])
    }
}

impl Source {
    /// Counts `times` failures at `t` by `user`, with the line (file, number, text) as the
    /// newest evidence of the ring. The user is bytes of the line, read as UTF-8 (with
    /// replacement characters, as the line would be).
    fn fail(&mut self, t: i64, user: &[u8], times: u32, file: usize, n: u64, line: &[u8]) {
        if times == 1 {
            self.failures.push(t);
        } else {
            self.failures.extend(std::iter::repeat_n(t, times.min(1000) as usize));
        }
        let user = match std::str::from_utf8(user) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(user),
        };
        let user = user.as_ref();
        // Cut at 32 characters: at most 32 * 4 bytes, so shorter names are whole.
        let key =
            if user.len() > 32 { user.char_indices().nth(32).map_or(user, |(cut, _)| &user[..cut]) } else { user };
        let found = match self.users.get(self.last_user) {
            Some((u, _)) if u == key => Some(self.last_user),
            _ => self.users.iter().position(|(u, _)| u == key),
        };
        if let Some(i) = found {
            self.users[i].1 += times;
            self.last_user = i;
        } else if self.users.len() < 64 {
            self.users.push((key.to_string(), times));
            self.last_user = self.users.len() - 1;
        }
        self.ring.push(file, n, line);
    }
}

/// An `Invalid user` line waiting to see whether a `Failed ... invalid user` line of the same
/// sshd process follows (then that one counts).
struct Pending {
    t: i64,
    ip: IpAddr,
    /// Where the user name is in the line's text.
    user: std::ops::Range<usize>,
    line: Ev,
}

/// Slots of [`Scan::near`].
const NEAR: usize = 1024;

/// The slot of an address in [`Scan::near`]: a multiplicative hash of its bits.
fn cache_slot(ip: IpAddr) -> usize {
    let x = match ip {
        IpAddr::V4(a) => u64::from(u32::from(a)),
        IpAddr::V6(a) => {
            let v = u128::from(a);
            (v as u64) ^ ((v >> 64) as u64).rotate_left(17)
        }
    };
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize % NEAR
}

/// An address as a hash key, hashed as one 128-bit word (an IPv4 address mapped into IPv6)
/// instead of the enum's tag, length and bytes: one write into the (keyed) hasher, not three.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key(IpAddr);

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self.0 {
            // The tag bit keeps 1.2.3.4 and ::ffff:1.2.3.4 apart, as IpAddr does.
            IpAddr::V4(a) => h.write_u128(u128::from(a.to_ipv6_mapped()) ^ 1 << 127),
            IpAddr::V6(a) => h.write_u128(u128::from(a)),
        }
    }
}

/// The pids of the pending lines of one address: mostly one, kept without an allocation.
#[derive(Default)]
struct Pids {
    /// `None` only when there are none (then `more` is empty too).
    one: Option<u32>,
    more: Vec<u32>,
}

impl Pids {
    fn push(&mut self, pid: u32) {
        match self.one {
            None => self.one = Some(pid),
            Some(_) => self.more.push(pid),
        }
    }

    /// Removes one `pid`; returns whether none are left.
    fn remove(&mut self, pid: u32) -> bool {
        if self.one == Some(pid) {
            self.one = self.more.pop();
        } else if let Some(k) = self.more.iter().position(|p| *p == pid) {
            self.more.swap_remove(k);
        }
        self.one.is_none()
    }

    fn all(self) -> impl Iterator<Item = u32> {
        self.one.into_iter().chain(self.more)
    }
}

/// Reads sshd lines into [`Parsed`] events: what depends on one line only, so it can run on
/// another thread than the counting ([`Scan`]), with caches of its own.
#[derive(Default)]
struct Parser {
    clock: Clock,
    /// The last fixed-width syslog time read (`Nov 20 03:00:00`), the file's reference date,
    /// and its value: consecutive lines mostly share their second.
    stamp: Option<Stamp>,
    addrs: AddrCache,
}

/// What one sshd line says: `kind` by sshd process `pid` from `ip` at `t`, `times` times, the
/// user at `user` in the line's text: the line's bytes, or `lossy` when it had to be read as
/// text first (a `message repeated` line that is not UTF-8).
struct Parsed {
    pid: u32,
    kind: Kind,
    times: u32,
    user: std::ops::Range<usize>,
    ip: IpAddr,
    t: i64,
    lossy: Option<String>,
}

/// A line parsed ahead on the reader thread: its number counted from the start of that
/// thread's share of the block, and where it is in it.
struct Ahead {
    line: u64,
    span: std::ops::Range<usize>,
    parsed: Parsed,
}

/// The reader thread's share of a block: its sshd lines parsed, and how many lines it held.
struct AheadBlock {
    events: Vec<Ahead>,
    lines: u64,
}

/// Calls `f(n, line, at)` for each line of `block` (numbered from 0, cut at
/// [`logread::MAX_LINE`]) whose first `sshd` is at `at` within the cut; returns how many lines
/// the block holds. Lines are walked newline by newline while a search over the block gives
/// the next `sshd`: a line without one costs no search of its own.
fn sshd_lines(block: &[u8], mut f: impl FnMut(u64, std::ops::Range<usize>, usize)) -> u64 {
    let (mut n, mut pos) = (0, 0);
    let next_after = |from: usize| SSHD.find(&block[from..]).map_or(usize::MAX, |j| from + j);
    let mut next = next_after(0);
    let ends =
        memchr::memchr_iter(b'\n', block).chain(block.last().is_some_and(|b| *b != b'\n').then_some(block.len()));
    for end in ends {
        if next < end {
            let cut = pos..end.min(pos + logread::MAX_LINE);
            // The line's first `sshd` is at `next`; past the cut, the line has none.
            if next - pos + 4 <= cut.len() {
                f(n, cut, next - pos);
            }
            next = if end < block.len() { next_after(end + 1) } else { usize::MAX };
        }
        n += 1;
        pos = end + 1;
    }
    n
}

impl Parser {
    /// The sshd line `raw`, whose first `sshd` is at `at`, if it says something counted.
    fn parse(&mut self, raw: &[u8], at: usize, tz: &TimeZone, reference: jiff::civil::Date) -> Option<Parsed> {
        let (pid, message_at) = sshd_tag(raw, at)?;
        // Only messages that start like these are read further (`Failed`, `Accepted`, `Invalid
        // user`, `message repeated`): sshd's other lines stop here, before any decoding.
        match raw.get(message_at) {
            Some(b'F' | b'A' | b'I') => {
                // Read as bytes: every byte the parse tests is ASCII, and the user and the line
                // become text (with replacement characters) only where they are kept.
                let (kind, user, ip) = parse_text(&raw[message_at..], &mut self.addrs)?;
                let t = self.time(raw, tz, reference)?;
                let user = message_at + user.start..message_at + user.end;
                Some(Parsed { pid, kind, times: 1, user, ip, t, lossy: None })
            }
            Some(b'm') => {
                // `message repeated N times: [ ... ]` is trimmed as text (Unicode white space).
                let (line, message_at) = match std::str::from_utf8(raw) {
                    Ok(s) => (std::borrow::Cow::Borrowed(s), message_at),
                    Err(_) => {
                        // Replacement characters move the offsets (never those of ASCII
                        // bytes, so the tag is the same one): find the message again.
                        let line = String::from_utf8_lossy(raw);
                        let (_, m) = sshd_message(&line)?;
                        let at = line.len() - m.len();
                        (line, at)
                    }
                };
                let (kind, user, ip, times) = parse_message_with(&line[message_at..], &mut self.addrs)?;
                let offset = user.as_ptr() as usize - line.as_ptr() as usize;
                let user = offset..offset + user.len();
                let t = self.time(line.as_bytes(), tz, reference)?;
                let lossy = match line {
                    std::borrow::Cow::Owned(s) => Some(s),
                    std::borrow::Cow::Borrowed(_) => None,
                };
                Some(Parsed { pid, kind, times, user, ip, t, lossy })
            }
            _ => None,
        }
    }

    /// The sshd lines of `block` parsed (the reader thread's share of a block).
    fn ahead(&mut self, block: &[u8], tz: &TimeZone, reference: jiff::civil::Date) -> AheadBlock {
        let mut events = Vec::new();
        let lines = sshd_lines(block, |line, span, at| {
            if let Some(parsed) = self.parse(&block[span.clone()], at, tz, reference) {
                events.push(Ahead { line, span, parsed });
            }
        });
        AheadBlock { events, lines }
    }
}

#[derive(Default)]
struct Scan {
    parser: Parser,
    /// The last source address looked up and its index in `sources`: consecutive lines are
    /// mostly one session's.
    last_source: Option<(IpAddr, usize)>,
    /// The last address looked up that is not a source (an admin's, logging in again and
    /// again); forgotten when a source is added.
    last_unknown: Option<IpAddr>,
    by_ip: HashMap<Key, usize>,
    /// A direct-mapped cache in front of `by_ip` ([`NEAR`] slots, by [`cache_slot`]): the
    /// addresses of a brute-force log recur, and a slot costs a multiplication, not a keyed
    /// hash. A collision only means a look in `by_ip`, so chosen addresses cannot slow it down.
    near: Vec<Option<(IpAddr, usize)>>,
    sources: Vec<(IpAddr, Source)>,
    /// Failure times from addresses beyond [`MAX_SOURCES`]: in the total, not named.
    untracked: Vec<i64>,
    pending: HashMap<u32, Pending>,
    /// The newest pending line, outside the maps: its `Failed` line usually comes next, and
    /// then it costs no map update at all. Its pid is never also in `pending`.
    fresh: Option<(u32, Pending)>,
    /// The pids of the pending lines of each address, so a login finds its address's waiting
    /// lines without looking at all of them.
    pending_by_ip: HashMap<Key, Pids>,
    /// Buffers of pending lines that were used up, for the next ones.
    spare: Vec<Ev>,
    newest: i64,
    /// Why part of the logs was not read, or read only in part: said in the run's language in
    /// the summary, in English in the evidence.
    notes: Vec<Said>,
    /// Every file looked at, in order: [`Ev::file`] indexes it.
    paths: Vec<String>,
    /// The files read.
    logs: Vec<String>,
}

/// Writes `path:n: line` into `buf`, the line (read as UTF-8, with replacement characters) cut
/// at [`MAX_EVIDENCE_CHARS`].
fn write_evidence(buf: &mut String, path: &str, n: u64, line: &[u8]) {
    use std::fmt::Write;
    let _ = write!(buf, "{path}:{n}: ");
    let line = String::from_utf8_lossy(line);
    let line = line.as_ref();
    match line.char_indices().nth(MAX_EVIDENCE_CHARS) {
        Some((cut, _)) => {
            buf.push_str(&line[..cut]);
            buf.push('…');
        }
        None => buf.push_str(line),
    }
}

/// The last fixed-width time read ([`fixed_stamp`]) and what it gave.
struct Stamp {
    head: [u8; 15],
    reference: jiff::civil::Date,
    time: Option<i64>,
    /// Midnight of its day, when its time of day is plain `HH:MM:SS` ([`strict_hms`]).
    midnight: Option<i64>,
}

/// Seconds since midnight of a fixed-width stamp's `HH:MM:SS`, when it is two digits each and
/// in range (what [`Clock`] accepts, and then adds to the day's midnight).
fn strict_hms(head: &[u8; 15]) -> Option<i64> {
    let t = &head[7..15];
    let digits = [0, 1, 3, 4, 6, 7].iter().all(|i| t[*i].is_ascii_digit());
    if !digits || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let two = |i: usize| i64::from(t[i] - b'0') * 10 + i64::from(t[i + 1] - b'0');
    let (h, m, s) = (two(0), two(3), two(6));
    (h < 24 && m < 60 && s < 61).then_some(h * 3600 + m * 60 + s)
}

/// `Nov 20 03:00:00 ` (the day may be space-padded): the first 15 bytes when a line starts
/// with a classic syslog time, which then depends on nothing else in the line.
fn fixed_stamp(b: &[u8]) -> Option<[u8; 15]> {
    let head: [u8; 15] = b.get(..15)?.try_into().ok()?;
    let shape = head[..3].iter().all(u8::is_ascii_alphabetic)
        && head[3] == b' '
        && (head[4] == b' ' || head[4].is_ascii_digit())
        && head[5].is_ascii_digit()
        && head[6] == b' '
        && head[7..].iter().all(|c| c.is_ascii_digit() || *c == b':')
        && b.get(15) == Some(&b' ');
    shape.then_some(head)
}

impl Scan {
    /// Registers a file whose lines follow; returns its index for [`Scan::block`].
    fn file(&mut self, path: &str) -> usize {
        self.paths.push(path.to_string());
        self.paths.len() - 1
    }

    fn render(&self, ev: &Ev) -> String {
        let mut s = String::new();
        write_evidence(&mut s, &self.paths[ev.file], ev.n, &ev.text);
        s
    }

    /// A block of whole lines of file `file`, the first being line `first`, of which those
    /// from `ahead.0` on were parsed on the reader thread (`ahead.1`); only lines with `sshd`
    /// in them are looked at. Returns how many lines the block holds.
    fn block(
        &mut self,
        file: usize,
        first: u64,
        block: &[u8],
        ahead: Option<(usize, AheadBlock)>,
        tz: &TimeZone,
        reference: jiff::civil::Date,
    ) -> u64 {
        let (mine, rest) = match ahead {
            Some((at, rest)) => (&block[..at], Some((at, rest))),
            None => (block, None),
        };
        let mut parser = std::mem::take(&mut self.parser);
        let lines = sshd_lines(mine, |n, span, at| {
            let raw = &mine[span];
            if let Some(p) = parser.parse(raw, at, tz, reference) {
                self.event(file, first + n, &p, raw);
            }
        });
        self.parser = parser;
        let Some((at, rest)) = rest else { return lines };
        let base = first + lines;
        for e in &rest.events {
            self.event(file, base + e.line, &e.parsed, &block[at + e.span.start..at + e.span.end]);
        }
        lines + rest.lines
    }

    /// One line of file `file` (line `n`) that holds `sshd`, the first one at byte `at` when
    /// known.
    #[cfg(test)]
    fn line(
        &mut self,
        file: usize,
        n: u64,
        at: Option<usize>,
        raw: &[u8],
        tz: &TimeZone,
        reference: jiff::civil::Date,
    ) {
        let Some(at) = at.or_else(|| SSHD.find(raw)) else { return };
        if let Some(p) = self.parser.parse(raw, at, tz, reference) {
            self.event(file, n, &p, raw);
        }
    }

    /// Counts what a parsed line (line `n` of file `file`, its bytes `raw`) says.
    fn event(&mut self, file: usize, n: u64, p: &Parsed, raw: &[u8]) {
        let (pid, kind, times, ip, t) = (p.pid, p.kind, p.times, p.ip, p.t);
        let line = p.lossy.as_deref().map_or(raw, str::as_bytes);
        let user = p.user.clone();
        self.newest = self.newest.max(t);
        match kind {
            Kind::Invalid => {
                let mut ev = self.spare.pop().unwrap_or_default();
                ev.set(file, n, line);
                let pending = Pending { t, ip, user, line: ev };
                self.settle();
                // An earlier line of the same sshd process that saw no `Failed` line counts now.
                if !self.pending.is_empty()
                    && let Some(p) = self.pending.remove(&pid)
                {
                    self.unlink(p.ip, pid);
                    self.fail_pending(p);
                }
                self.fresh = Some((pid, pending));
                self.bound_pending(t);
            }
            Kind::Failed => {
                if let Some((fresh_pid, p)) = &self.fresh
                    && *fresh_pid == pid
                {
                    // The usual case: the `Failed` line right after its `Invalid user` line.
                    if p.ip == ip
                        && let Some((_, p)) = self.fresh.take()
                    {
                        self.spare.push(p.line);
                    }
                } else if !self.pending.is_empty()
                    && let std::collections::hash_map::Entry::Occupied(e) = self.pending.entry(pid)
                    && e.get().ip == ip
                {
                    let p = e.remove();
                    self.unlink(ip, pid);
                    self.spare.push(p.line);
                }
                let user = line.get(user).unwrap_or_default();
                self.fail(ip, t, user, times, file, n, line);
            }
            Kind::Accepted => {
                // Its `Invalid user` lines still waiting count before this login.
                self.settle();
                if !self.pending_by_ip.is_empty() {
                    for pid in self.pending_by_ip.remove(&Key(ip)).map(Pids::all).into_iter().flatten() {
                        if let Some(p) = self.pending.remove(&pid) {
                            self.fail_pending(p);
                        }
                    }
                }
                let Some(index) = self.source_index(ip) else { return }; // no failures: nothing to judge
                if self.sources[index].1.accepts.len() < 32 {
                    let src = &self.sources[index].1;
                    let mut evidence: Vec<String> = src.ring.iter().map(|e| self.render(e)).collect();
                    let mut now = String::new();
                    write_evidence(&mut now, &self.paths[file], n, line);
                    evidence.push(now);
                    let user = String::from_utf8_lossy(line.get(user).unwrap_or_default()).into_owned();
                    self.sources[index].1.accepts.push(Accept { t, user, evidence });
                }
            }
        }
    }
}

impl Parser {
    /// The time of a line, through [`Clock`], remembering the last fixed-width stamp. The line
    /// is bytes: a stamp is ASCII; [`Clock`] reads it as text (with replacement characters).
    fn time(&mut self, line: &[u8], tz: &TimeZone, reference: jiff::civil::Date) -> Option<i64> {
        // The same 15 bytes and a space as the last stamp: the same time (checked first: it is
        // the common case, and those bytes had the right shape).
        if let Some(st) = &self.stamp
            && line.first_chunk::<15>() == Some(&st.head)
            && line.get(15) == Some(&b' ')
            && st.reference == reference
        {
            return st.time;
        }
        let Some(head) = fixed_stamp(line) else {
            return self.clock.time(&String::from_utf8_lossy(line), tz, reference);
        };
        let hms = strict_hms(&head);
        if let Some(st) = &self.stamp
            && st.reference == reference
        {
            if st.head == head {
                return st.time;
            }
            // Same day, another second: its midnight plus the time of day, as [`Clock`] does.
            if let (Some(midnight), Some(secs)) = (st.midnight, hms)
                && st.head[..6] == head[..6]
            {
                let t = Some(midnight + secs);
                self.stamp = Some(Stamp { head, reference, time: t, midnight: Some(midnight) });
                return t;
            }
        }
        let t = self.clock.time(&String::from_utf8_lossy(line), tz, reference);
        let midnight = t.zip(hms).map(|(t, secs)| t - secs);
        self.stamp = Some(Stamp { head, reference, time: t, midnight });
        t
    }
}

impl Scan {
    /// The index of `ip` in `sources`, if it has one.
    fn source_index(&mut self, ip: IpAddr) -> Option<usize> {
        if let Some((last, i)) = self.last_source
            && last == ip
        {
            return Some(i);
        }
        if self.last_unknown == Some(ip) {
            return None;
        }
        let slot = cache_slot(ip);
        if let Some(Some((cached, i))) = self.near.get(slot)
            && *cached == ip
        {
            self.last_source = Some((ip, *i));
            return Some(*i);
        }
        let Some(&i) = self.by_ip.get(&Key(ip)) else {
            self.last_unknown = Some(ip);
            return None;
        };
        self.remember(ip, i);
        Some(i)
    }

    /// Puts source `i` in the last-source slot and the direct-mapped cache.
    fn remember(&mut self, ip: IpAddr, i: usize) {
        if self.near.is_empty() {
            self.near = vec![None; NEAR];
        }
        self.near[cache_slot(ip)] = Some((ip, i));
        self.last_source = Some((ip, i));
    }

    /// Forgets that `pid` waits for `ip`.
    fn unlink(&mut self, ip: IpAddr, pid: u32) {
        if let std::collections::hash_map::Entry::Occupied(mut e) = self.pending_by_ip.entry(Key(ip))
            && e.get_mut().remove(pid)
        {
            e.remove();
        }
    }

    /// Counts a pending `Invalid user` line as a failure (its `Failed` line did not come).
    fn fail_pending(&mut self, p: Pending) {
        let user = p.line.text.get(p.user.clone()).unwrap_or_default();
        self.fail(p.ip, p.t, user, 1, p.line.file, p.line.n, &p.line.text);
        self.spare.push(p.line);
    }

    /// Counts a failure for `ip`, or only in the total once [`MAX_SOURCES`] addresses are known
    /// (a botnet of millions must not cost memory by the address).
    #[allow(clippy::too_many_arguments)]
    fn fail(&mut self, ip: IpAddr, t: i64, user: &[u8], times: u32, file: usize, n: u64, line: &[u8]) {
        let index = match self.source_index(ip) {
            Some(i) => i,
            None if self.sources.len() >= MAX_SOURCES => {
                self.untracked.extend(std::iter::repeat_n(t, times.min(1000) as usize));
                return;
            }
            None => {
                self.sources.push((ip, Source::default()));
                let i = self.sources.len() - 1;
                self.by_ip.insert(Key(ip), i);
                self.last_unknown = None;
                self.remember(ip, i);
                i
            }
        };
        self.sources[index].1.fail(t, user, times, file, n, line);
    }

    /// Keeps the pending `Invalid user` lines bounded on a log full of them: those older than
    /// ten minutes will not see their `Failed` line any more; if that is not enough, all go.
    /// After a flush at most half the limit remains, so flushing is amortised O(1) per line.
    fn bound_pending(&mut self, now: i64) {
        if self.pending.len() + usize::from(self.fresh.is_some()) <= MAX_PENDING {
            return;
        }
        self.settle();
        let old: Vec<u32> = self.pending.iter().filter(|(_, p)| p.t < now - 600).map(|(pid, _)| *pid).collect();
        for pid in old {
            if let Some(p) = self.pending.remove(&pid) {
                self.unlink(p.ip, pid);
                self.fail_pending(p);
            }
        }
        if self.pending.len() > MAX_PENDING / 2 {
            self.flush_pending();
        }
    }

    /// Moves the newest pending line into the maps.
    fn settle(&mut self) {
        if let Some((pid, p)) = self.fresh.take() {
            self.pending_by_ip.entry(Key(p.ip)).or_default().push(pid);
            // No line of `pid` is in the map: an `Invalid user` line takes its pid out of it.
            self.pending.insert(pid, p);
        }
    }

    fn flush_pending(&mut self) {
        self.settle();
        self.pending_by_ip.clear();
        for (_, p) in std::mem::take(&mut self.pending) {
            self.fail_pending(p);
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
            scan.notes.push(Said::new(Msg::AuthNotReadTimeLimit).arg("path", &f.path));
            continue;
        }
        let reference = jiff::Timestamp::from_second(mtime).map(|t| t.to_zoned(tz.clone()).date()).unwrap_or_default();
        let file = scan.file(&f.path);
        // The reader thread parses the second half of each block with a parser of its own;
        // the counting stays on this thread, in log order. (Measured: an even split beats
        // giving the reader 70 % or 30 %.)
        let mut parser = Parser::default();
        let mut ahead = |block: &[u8]| parser.ahead(block, tz, reference);
        let result = logread::for_each_block_with(
            &ctx.host.path(&f.path),
            f.gz,
            &bounds,
            Some(crate::host::tail::Pre { from: 0.5, f: &mut ahead }),
            &mut |first, block, ahead| scan.block(file, first, block, ahead, tz, reference),
        );
        match result {
            Ok(end) => {
                scan.logs.push(f.path.clone());
                if end.tailed {
                    scan.notes.push(Said::new(Msg::AuthTailOnly).arg("path", &f.path).arg("mib", params.tail_mib));
                }
                if let Some(why) = end.stopped {
                    scan.notes.push(Said::new(Msg::AuthFileNote).arg("path", &f.path).nest("why", why));
                }
            }
            Err(e) => {
                scan.notes.push(Said::new(Msg::AuthCannotRead).arg("path", &f.path).nest("error", Said::os_error(&e)))
            }
        }
    }
    scan.flush_pending();
    if !scan.untracked.is_empty() {
        scan.notes.push(Said::new(Msg::AuthUntracked).arg("max", MAX_SOURCES).arg("failures", scan.untracked.len()));
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
        return Err(ProbeError::skipped(Msg::SkipNoAuthLog));
    }
    // Syslog times are local times: the live system's zone; a rescued disk's logs are compared
    // with their own newest line, where the zone cancels out.
    let tz = if ctx.host.is_live() { TimeZone::system() } else { TimeZone::UTC };
    let scan = read_logs(ctx, params, &files, &tz);
    if scan.logs.is_empty() {
        let first = &files[files.len() - 1].path;
        return match std::fs::File::open(ctx.host.path(first)) {
            Err(e) => Err(ProbeError::io(first, &e)),
            Ok(_) => Err(ProbeError::failed("EIO", Said::new(Msg::FailNoLogRead).list("notes", scan.notes.clone()))),
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
    // Evidence is English, like the log lines it goes with.
    let notes: Vec<String> = scan.notes.iter().map(|n| n.render(crate::i18n::Lang::En)).collect();
    let mut items = Vec::new();
    for (i, (ip, src, times, worst)) in rows.into_iter().enumerate() {
        let suspicious = worst.is_some_and(|(n, _)| n > 0);
        if i >= params.top && !suspicious {
            continue;
        }
        let mut users: Vec<(&String, &u32)> = src.users.iter().map(|(u, n)| (u, n)).collect();
        users.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let users: Vec<String> = users.iter().take(5).map(|(u, _)| crate::redact::redact(u)).collect();
        let mut o = Observation::new(ip.to_string())
            .num("failures", times.len() as f64)
            .text("users", if users.is_empty() { "-".to_string() } else { users.join(", ") })
            .text("first_seen", times.first().map(|t| show_time(*t, &tz)).unwrap_or_default())
            .text("last_seen", times.last().map(|t| show_time(*t, &tz)).unwrap_or_default());
        // What limited the reading goes with every finding: the counts may be partial.
        o.evidence = src.ring.iter().map(|e| scan.render(e)).chain(notes.iter().cloned()).collect();
        match worst {
            Some((n, a)) if n > 0 => {
                o = o.num("failures_before_success", n as f64).text("accepted_user", crate::redact::redact(&a.user));
                for l in a.evidence.iter().chain(&notes) {
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
        .text("logs", scan.logs.join(", "));
    scope = if scan.notes.is_empty() {
        scope.text("note", "")
    } else {
        scope.word("note", Said::new(Msg::ValNotes).list("notes", scan.notes.clone()))
    };
    scope.evidence = notes;
    items.insert(0, scope);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_ipv4_agrees_with_the_standard_parser() {
        let mut cases: Vec<String> = [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "",
            "a.b.c.d",
            "1.2.3.4 ",
            "::1",
            "1.2.3.0004",
            "1.2.3.-4",
            "+1.2.3.4",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for a in ["0", "9", "10", "99", "100", "199", "255", "256", "00", "010", "999"] {
            cases.push(format!("{a}.1.{a}.0"));
        }
        for c in &cases {
            let std = c.parse::<IpAddr>().ok();
            if let Some(q) = quick_ipv4(c.as_bytes()) {
                assert_eq!(Some(q), std, "{c}");
            }
            assert_eq!(AddrCache::default().parse(c.as_bytes(), c.len()), std, "{c}");
        }
    }

    /// The pid as `u32::from_str` reads what lies between `[` and the first `]: `.
    #[test]
    fn pid_tags_read_like_u32_parse() {
        for inner in [
            "1",
            "42",
            "+7",
            "007",
            "4294967295",
            "4294967296",
            "00000000000000000000042",
            "99999999999999999999999",
            "",
            "+",
            "++1",
            "1a",
            "-1",
            " 1",
            "1 ",
        ] {
            let line = format!("[{inner}]: msg");
            let expected = inner.parse::<u32>().ok().map(|p| (p, inner.len() + 4));
            assert_eq!(pid_tag(line.as_bytes(), 0), expected, "{inner:?}");
        }
        assert_eq!(pid_tag(b"[12]x]: m", 0), None);
        assert_eq!(pid_tag(b"[12]:m", 0), None);
    }

    #[test]
    fn last_from() {
        assert_eq!(rfind_from(b"a from b from c"), Some(8));
        assert_eq!(rfind_from(b" from "), Some(0));
        assert_eq!(rfind_from(b"from "), None);
        assert_eq!(rfind_from(b""), None);
    }

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
        let f = scan.file("/l");
        scan.line(f, 1, None, b"Nov 20 01:00:00 h sshd[7]: Invalid user a from 192.0.2.1 port 1", &tz, r);
        scan.line(
            f,
            2,
            None,
            b"Nov 20 01:00:01 h sshd[7]: Failed password for invalid user a from 192.0.2.1 port 1 ssh2",
            &tz,
            r,
        );
        scan.line(f, 3, None, b"Nov 20 01:00:02 h sshd[8]: Invalid user b from 192.0.2.1 port 2", &tz, r);
        for i in 0..20_000u32 {
            let l = format!(
                "Nov 20 02:{:02}:{:02} h sshd[{}]: Invalid user x from 192.0.2.2 port 1",
                i / 3600 % 60,
                i % 60,
                100 + i
            );
            scan.line(f, 10 + u64::from(i), None, l.as_bytes(), &tz, r);
            assert!(scan.pending.len() <= MAX_PENDING + 1);
        }
        scan.flush_pending();
        let count = |ip: &str| {
            scan.by_ip.get(&Key(ip.parse::<IpAddr>().expect("ip"))).map_or(0, |i| scan.sources[*i].1.failures.len())
        };
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

    /// What a scan found, comparable: per address its failure times, users and ring lines.
    fn summary(scan: &Scan) -> Vec<String> {
        let mut out: Vec<String> = scan
            .sources
            .iter()
            .map(|(ip, src)| {
                let mut users: Vec<_> = src.users.iter().map(|(u, n)| format!("{u}={n}")).collect();
                users.sort();
                let ring: Vec<String> = src.ring.iter().map(|e| scan.render(e)).collect();
                let accepts: Vec<String> =
                    src.accepts.iter().map(|a| format!("{}:{}:{:?}", a.t, a.user, a.evidence)).collect();
                format!("{ip} {:?} {users:?} {ring:?} {accepts:?}", src.failures)
            })
            .collect();
        out.sort();
        out.push(format!("newest {} untracked {}", scan.newest, scan.untracked.len()));
        out
    }

    /// The block scan (a substring search over the block, line numbers counted between hits)
    /// finds what looking at every line finds, however the log is cut into blocks.
    #[test]
    fn block_scan_equals_line_by_line() {
        let mut log = Vec::new();
        let lines: Vec<Vec<u8>> = vec![
            b"Nov 20 01:00:00 h sshd[7]: Invalid user a from 192.0.2.1 port 1".to_vec(),
            b"Nov 20 01:00:01 h sshd[7]: Failed password for invalid user a from 192.0.2.1 port 1 ssh2".to_vec(),
            b"Nov 20 01:00:01 h CRON[5]: sshd mentioned by cron".to_vec(),
            b"Nov 20 01:00:02 h sshd[abc]: x sshd[12]: Failed password for root from 192.0.2.2 port 9 ssh2".to_vec(),
            b"Nov 20 01:00:03 h sshd[13]: Failed password for sshd[1]: from 192.0.2.3 port 9 ssh2".to_vec(),
            b"Nov 20 01:00:04 h sshd[14]: Failed password for \xff\xfe\xff from 192.0.2.3 port 2 ssh2".to_vec(),
            [&b"Nov 20 01:00:04 h sshd[15]: Failed password for "[..], &[0xff, 0xfe], b" from 192.0.2.4 port 2 ssh2"]
                .concat(),
            b"Nov 20 01:00:05 h sshd-session[16]: message repeated 4 times: [ Failed password for root from 192.0.2.4 port 3 ssh2]".to_vec(),
            b"Nov 20 01:00:06 h sshd[17]: Accepted password for root from 192.0.2.4 port 4 ssh2".to_vec(),
            b"".to_vec(),
            [&b"Nov 20 01:00:07 h sshd[18]: Failed password for "[..], &vec![b'u'; 20_000], b" from 192.0.2.5 port 2"].concat(),
            [&b"Nov 20 01:00:07 h x"[..], &vec![b'y'; 20_000], b" sshd[19]: Failed password for root from 192.0.2.6 port 2"].concat(),
            b"2025-11-20T01:00:08.5+00:00 h sshd[20]: Failed none for root from 2001:db8::1 port 2 ssh2".to_vec(),
            b"Nov 20 01:00:09 h sshd[21]: Invalid user b from 192.0.2.7 port 2".to_vec(),
            b"Nov 20 01:00:09 h sshd[22]: Accepted publickey for b from 192.0.2.7 port 2 ssh2: ED25519 SHA256:x".to_vec(),
            b"Nov 20 01:00:10 h sshd".to_vec(),
        ];
        for (i, l) in lines.iter().cycle().take(200).enumerate() {
            log.extend_from_slice(l);
            if i % 17 != 16 {
                log.push(b'\n');
            }
        }
        let (tz, r) = (TimeZone::UTC, jiff::civil::date(2025, 11, 20));
        let mut by_line = Scan::default();
        let f = by_line.file("/l");
        let mut n = 0;
        crate::host::tail::lines(&log, |l| {
            n += 1;
            by_line.line(f, n, None, &l[..l.len().min(logread::MAX_LINE)], &tz, r);
        });
        for cut in [1, 2, 3, 5, 64, 1000, log.len()] {
            let mut by_block = Scan::default();
            let f = by_block.file("/l");
            let mut first = 1;
            // Blocks as tail::blocks makes them: whole lines, ending after a newline.
            let mut rest = &log[..];
            while !rest.is_empty() {
                let end = match memchr::memchr_iter(b'\n', rest).nth(cut - 1) {
                    Some(i) => i + 1,
                    None => rest.len(),
                };
                let block = &rest[..end];
                // Odd blocks have their end parsed ahead, as the reader thread does.
                let ahead = match memchr::memchr(b'\n', &block[block.len() / 2..]) {
                    Some(j) if first % 2 == 1 && block.len() / 2 + j + 1 < block.len() => {
                        let at = block.len() / 2 + j + 1;
                        Some((at, Parser::default().ahead(&block[at..], &tz, r)))
                    }
                    _ => None,
                };
                first += by_block.block(f, first, block, ahead, &tz, r);
                rest = &rest[end..];
            }
            assert_eq!(first - 1, n, "lines counted with {cut} lines a block");
            assert_eq!(summary(&by_block), summary(&by_line), "{cut} lines a block");
        }
        assert!(summary(&by_line).len() > 5);
    }

    /// Scans `log` (the blocks as [`tail::blocks`] makes them, every other one shared with a
    /// parser of its own as the reader thread does) and sums it up.
    fn scan_log(log: &[u8], lines_a_block: usize) -> Vec<String> {
        let (tz, r) = (TimeZone::UTC, jiff::civil::date(2025, 11, 20));
        let mut scan = Scan::default();
        let f = scan.file("/l");
        let (mut first, mut rest) = (1, log);
        while !rest.is_empty() {
            let end = memchr::memchr_iter(b'\n', rest).nth(lines_a_block - 1).map_or(rest.len(), |i| i + 1);
            let block = &rest[..end];
            let ahead = match memchr::memchr(b'\n', &block[block.len() / 2..]) {
                Some(j) if first % 2 == 0 && block.len() / 2 + j + 1 < block.len() => {
                    let at = block.len() / 2 + j + 1;
                    Some((at, Parser::default().ahead(&block[at..], &tz, r)))
                }
                _ => None,
            };
            first += scan.block(f, first, block, ahead, &tz, r);
            rest = &rest[end..];
        }
        scan.flush_pending();
        let mut out = summary(&scan);
        out.push(format!("lines {}", first - 1));
        out
    }

    /// Lines read as bytes count as they would read as text (bytes that are not UTF-8 turned
    /// into replacement characters first): user names with `from` in them, IPv6 addresses
    /// short and long, `message repeated`, a `Failed` line after its `Invalid user` line, a
    /// login after failures, and a last line without newline.
    #[test]
    fn bytes_read_as_their_text_would_be() {
        let lines: Vec<Vec<u8>> = vec![
            b"Nov 20 01:00:00 h sshd[7]: Invalid user from from 192.0.2.1 port 1".to_vec(),
            b"Nov 20 01:00:01 h sshd[7]: Failed password for invalid user from from 192.0.2.1 port 1 ssh2".to_vec(),
            b"Nov 20 01:00:02 h sshd[8]: Failed password for x from 6.6.6.6 port 1 from 2001:db8:85a3::8a2e:370:7334 port 22 ssh2".to_vec(),
            b"Nov 20 01:00:02 h sshd[8]: Failed password for root from 2001:db8:85a3:0::8a2e:370:7334 port 22 ssh2".to_vec(),
            b"Nov 20 01:00:03 h sshd[9]: Failed password for r\xc3\xb6\xff\xfet from ::1 port 22 ssh2".to_vec(),
            b"Nov 20 01:00:03 h sshd[9]: Failed password for r\xc3\xb6?t from ::1 port 22 ssh2".to_vec(),
            b"Nov 20 01:00:04 h\xe2\x82 sshd[10]: Failed password for \xf0\x9f from 192.0.2.2 port 2 ssh2".to_vec(),
            b"Nov 20 01:00:05 h sshd[11]: message repeated 3 times: [ Failed password for \xff from 192.0.2.2 port 3 ssh2]".to_vec(),
            b"Nov 20 01:00:05 \xff sshd[11]: message repeated 2 times: [ Failed password for \xe2\x80\xa8root from 192.0.2.2 port 3 ssh2]".to_vec(),
            b"Nov 20 01:00:06 h sshd[12]: Invalid user \xc0\xaf from 192.0.2.3 port 4".to_vec(),
            b"Nov 20 01:00:07 h sshd[13]: Accepted password for \xc0\xaf from 192.0.2.3 port 4 ssh2".to_vec(),
            b"Nov 20 01:00:08 h sshd[14]: Accepted keyboard-interactive/pam for from from 192.0.2.1 port 5 ssh2".to_vec(),
            b"2025-11-20T01:00:09.5+00:00 h\xff sshd[15]: Failed none for root from 192.0.2.4 port 2 ssh2".to_vec(),
            b"Nov 20 01:00:10 h sshd[16]: Failed password for root from 192.0.2.5 port 22 ssh2\r".to_vec(),
            b"Nov 20 01:00:10 h sshd[17]: Invalid user crlf from 192.0.2.5 port 22\r".to_vec(),
        ];
        let mut log = Vec::new();
        for l in lines.iter().cycle().take(300) {
            log.extend_from_slice(l);
            log.push(b'\n');
        }
        log.pop(); // the last line without newline
        let text = String::from_utf8_lossy(&log).into_owned();
        for lines_a_block in [1, 2, 7, 64, 1000] {
            let (bytes, as_text) = (scan_log(&log, lines_a_block), scan_log(text.as_bytes(), lines_a_block));
            assert_eq!(bytes, as_text, "{lines_a_block} lines a block");
            assert_eq!(bytes, scan_log(&log, 1000), "{lines_a_block} lines a block");
        }
        let all = scan_log(&log, 1000).join("\n");
        for expected in [
            "192.0.2.1 [",                    // `from from`: the user is `from`
            "2001:db8:85a3::8a2e:370:7334 [", // both spellings, one address
            "\"from=",                        // the user names
            "\"r\u{f6}\u{fffd}\u{fffd}t=",
            "lines 300",
        ] {
            assert!(all.contains(expected), "{expected} in {all}");
        }
        // The login from 192.0.2.3 after its failures, and the one from 192.0.2.1.
        assert!(all.matches("Accepted").count() >= 2, "{all}");
    }

    /// The remembered stamp and day give what [`Clock`] gives, line after line.
    #[test]
    fn stamp_cache_matches_clock() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        let (r, r2) = (jiff::civil::date(2025, 11, 20), jiff::civil::date(2026, 1, 2));
        let lines = [
            "Nov 20 03:00:00 x",
            "Nov 20 03:00:00 x",
            "Nov 20 03:00:01 x",
            "Nov 20 23:59:60 x",
            "Nov 20 24:00:00 x",
            "Nov 20 03:00:02 x",
            "Nov 21 03:00:02 x",
            "Nov  2 03:00:02 x",
            "Nov 20 3:0:0002 x",
            "Nov 20 03:61:00 x",
            "Xyz 20 03:00:00 x",
            "Feb 29 01:00:00 x",
            "Nov 20 03:00:03 x",
            "2025-11-20T01:02:03Z x",
            "Dec 31 23:59:59 x",
        ];
        let mut scan = Scan::default();
        for (i, l) in lines.iter().chain(lines.iter().rev()).enumerate() {
            let reference = if i % 7 == 6 { r2 } else { r };
            assert_eq!(
                scan.parser.time(l.as_bytes(), &tz, reference),
                Clock::default().time(l, &tz, reference),
                "{l} ({i})"
            );
        }
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
