//! The scan: every log file read in order, block by block, as a reader thread fills reused
//! buffers ([`logread`]); the reader thread also parses the second half of each block ahead
//! ([`Parser::ahead`]) while this thread parses the first half and counts, in log order
//! ([`Scan::block`]). Only lines with `sshd` in them are looked at (one substring search per
//! block, [`sshd_lines`]); no allocation per line.

use super::Params;
use super::files::LogFile;
use super::line::{AddrCache, Kind, SSHD, parse_message_with, parse_text, sshd_message, sshd_tag};
use super::stamp::Stamps;
use super::tally::{Accept, Ev, Key, NEAR, Pending, Pids, Source, cache_slot, write_evidence};
use crate::host::logread::{self, Bounds};
use crate::i18n::{Msg, Said};
use crate::probe::ProbeContext;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Time the probe may spend reading logs before it judges what it has.
const BUDGET: Duration = Duration::from_secs(8);
/// Most source addresses counted one by one.
const MAX_SOURCES: usize = 50_000;
/// Most `Invalid user` lines waiting for their `Failed` line.
const MAX_PENDING: usize = 4096;

/// Reads sshd lines into [`Parsed`] events: what depends on one line only, so it can run on
/// another thread than the counting ([`Scan`]), with caches of its own.
#[derive(Default)]
pub(super) struct Parser {
    /// Line times, the last stamp remembered.
    stamps: Stamps,
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
pub(super) struct AheadBlock {
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
            Some(b'F' | b'A' | b'I' | b'p' | b'a') => {
                // Read as bytes: every byte the parse tests is ASCII, and the user and the line
                // become text (with replacement characters) only where they are kept.
                let (kind, user, ip) = parse_text(&raw[message_at..], &mut self.addrs)?;
                let t = self.stamps.time(raw, tz, reference)?;
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
                let t = self.stamps.time(line.as_bytes(), tz, reference)?;
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
    pub(super) fn ahead(&mut self, block: &[u8], tz: &TimeZone, reference: jiff::civil::Date) -> AheadBlock {
        let mut events = Vec::new();
        let lines = sshd_lines(block, |line, span, at| {
            if let Some(parsed) = self.parse(&block[span.clone()], at, tz, reference) {
                events.push(Ahead { line, span, parsed });
            }
        });
        AheadBlock { events, lines }
    }
}

/// Everything read so far: the counts per source, what limited the reading, the files read.
#[derive(Default)]
pub(super) struct Scan {
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
    pub(super) sources: Vec<(IpAddr, Source)>,
    /// Failure times from addresses beyond [`MAX_SOURCES`]: in the total, not named.
    pub(super) untracked: Vec<i64>,
    pending: HashMap<u32, Pending>,
    /// The newest pending line, outside the maps: its `Failed` line usually comes next, and
    /// then it costs no map update at all. Its pid is never also in `pending`.
    fresh: Option<(u32, Pending)>,
    /// The pids of the pending lines of each address, so a login finds its address's waiting
    /// lines without looking at all of them.
    pending_by_ip: HashMap<Key, Pids>,
    /// Buffers of pending lines that were used up, for the next ones.
    spare: Vec<Ev>,
    pub(super) newest: i64,
    /// Why part of the logs was not read, or read only in part: said in the run's language in
    /// the summary, in English in the evidence.
    pub(super) notes: Vec<Said>,
    /// Every file looked at, in order: [`Ev::file`] indexes it.
    paths: Vec<String>,
    /// The files read.
    pub(super) logs: Vec<String>,
}

impl Scan {
    /// Registers a file whose lines follow; returns its index for [`Scan::block`].
    fn file(&mut self, path: &str) -> usize {
        self.paths.push(path.to_string());
        self.paths.len() - 1
    }

    /// A kept line as `path:n: line`.
    pub(super) fn render(&self, ev: &Ev) -> String {
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
            Kind::Invalid | Kind::PamFailure => {
                let pam = kind == Kind::PamFailure;
                // pam_unix's line about an attempt whose `Invalid user` line waits already: the
                // same attempt.
                if pam {
                    let waiting = |p: &Pending| p.ip == ip && !p.pam;
                    if self.fresh.as_ref().is_some_and(|(fp, p)| *fp == pid && waiting(p))
                        || self.pending.get(&pid).is_some_and(waiting)
                    {
                        return;
                    }
                }
                let mut ev = self.spare.pop().unwrap_or_default();
                ev.set(file, n, line);
                let pending = Pending { t, ip, pam, user, line: ev };
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
                let this_pid = pid;
                self.settle();
                if !self.pending_by_ip.is_empty() {
                    for pid in self.pending_by_ip.remove(&Key(ip)).map(Pids::all).into_iter().flatten() {
                        if let Some(p) = self.pending.remove(&pid) {
                            if p.pam && pid == this_pid {
                                // pam_unix failed, another module (pam_ldap, pam_sss) let the
                                // same attempt in: no failure.
                                self.spare.push(p.line);
                            } else {
                                self.fail_pending(p);
                            }
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

    /// Counts every pending line as a failure (the logs are over).
    fn flush_pending(&mut self) {
        self.settle();
        self.pending_by_ip.clear();
        for (_, p) in std::mem::take(&mut self.pending) {
            self.fail_pending(p);
        }
    }
}

/// Reads `files` in order, within the probe's time budget and each file's bounds: a reader
/// thread fills the blocks and parses the second half of each ahead (see [`logread`]).
/// sshd's entries of the journal, counted like a log file (a host that logs only to the
/// journal: stock Debian 12 has no /var/log/auth.log).
pub(super) fn read_journal(ctx: &ProbeContext) -> Result<Scan, crate::probe::ProbeError> {
    let lines = match crate::host::journal::sshd_lines(&ctx.host, ctx.deadline) {
        Ok(l) => l,
        Err(crate::host::journal::Unavailable::None) => {
            return Err(crate::probe::ProbeError::skipped(Msg::SkipNoAuthLog));
        }
        Err(crate::host::journal::Unavailable::Failed(why)) => {
            return Err(crate::probe::ProbeError::failed(
                "EIO",
                Said::new(Msg::FailCommand).arg("command", "journalctl").arg("error", why),
            ));
        }
    };
    let mut scan = Scan::default();
    let file = scan.file(&lines.source);
    // Every line carries an RFC 3339 time: the zone and reference date are not used.
    let reference = jiff::Timestamp::now().to_zoned(TimeZone::UTC).date();
    scan.block(file, 1, &lines.text, None, &TimeZone::UTC, reference);
    scan.flush_pending();
    if lines.truncated {
        scan.notes.push(Said::new(Msg::AuthJournalNewest).arg("entries", crate::host::journal::MAX_ENTRIES));
    }
    scan.logs.push(lines.source);
    Ok(scan)
}

pub(super) fn read_logs(ctx: &ProbeContext, params: &Params, files: &[LogFile], tz: &TimeZone) -> Scan {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Failures per address of a log, whatever the blocks.
    fn failures(log: &str) -> Vec<(String, usize)> {
        let (tz, r) = (TimeZone::UTC, jiff::civil::date(2025, 11, 20));
        let mut scan = Scan::default();
        let f = scan.file("/l");
        scan.block(f, 1, log.as_bytes(), None, &tz, r);
        scan.flush_pending();
        let mut v: Vec<(String, usize)> =
            scan.sources.iter().map(|(ip, s)| (ip.to_string(), s.failures.len())).collect();
        v.sort();
        v
    }

    /// pam_unix failures and sshd's own lines about the same attempt are one attempt; one that
    /// another PAM module let in is none; RHEL 4's pam_unix-only lines count each; old and
    /// new formats (no port, RFC 5424, CRLF) read alike.
    #[test]
    fn pam_unix_lines_and_old_and_new_formats() {
        let one = |a: &str| vec![(a.to_string(), 1)];
        let log = "Nov 20 01:00:00 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root\n\
                   Nov 20 01:00:02 h sshd[1]: Failed password for root from 192.0.2.1 port 4 ssh2\n";
        assert_eq!(failures(log), one("192.0.2.1"));
        let log = "Nov 20 01:00:00 h sshd[2]: Invalid user bob from 192.0.2.2 port 5\n\
                   Nov 20 01:00:00 h sshd[2]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.2\n\
                   Nov 20 01:00:01 h sshd[2]: Failed password for invalid user bob from 192.0.2.2 port 5 ssh2\n";
        assert_eq!(failures(log), one("192.0.2.2"));
        let log = "Nov 20 01:00:00 h sshd[3]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.3  user=rda\n\
                   Nov 20 01:00:00 h sshd[3]: Accepted password for rda from 192.0.2.3 port 52100 ssh2\n";
        assert_eq!(failures(log), vec![], "pam_ldap let the same attempt in");
        let log = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 \n\
                   Jun 14 15:16:02 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 \n\
                   Jun 14 15:16:03 combo sshd(pam_unix)[19940]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=host.example.com \n";
        assert_eq!(failures(log), vec![("218.188.2.4".to_string(), 2)], "a host name is no address");
        let log = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\r\n\
                   Dec 10 07:13:43 LabSZ sshd[24227]: Failed password for root from 5.36.59.76 port 42393 ssh2\r\n\
                   Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]\r\n";
        assert_eq!(failures(log), vec![("173.234.31.186".to_string(), 1), ("5.36.59.76".to_string(), 6)]);
        let log = "<38>1 2019-07-08T17:40:16.954167-04:00 h.example.com sshd 57915 - - Failed unknown for invalid user redmond from 192.0.2.1 port 59197 ssh2\n\
                   <38>1 2019-07-08T17:40:17.954167-04:00 h sshd 55555 - [timeQuality tzKnown=\"1\"][x@1 t=\"[b]\"] Failed password for a from 192.0.2.1 port 1 ssh2\n";
        assert_eq!(failures(log), vec![("192.0.2.1".to_string(), 2)]);
        // After the port, old sshd's text names another address: the client's is before it.
        let log = "Sep 29 17:15:02 s sshd[12946]: Failed password for user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4\n";
        assert_eq!(failures(log), one("127.0.0.1"));
    }
}
