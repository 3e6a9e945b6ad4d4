//! What one sshd line says, read from its bytes: the `sshd[PID]: ` tag (or `sshd-session`,
//! OpenSSH 9.8 and later) and a message `Failed METHOD for [invalid user ]USER from ADDR port N`,
//! `Accepted ...`, `Invalid user ...`, or `message repeated N times: [ ... ]`. Every byte tested
//! is ASCII, so bytes that are not UTF-8 read as their replacement characters would; addresses
//! are parsed through a small cache ([`AddrCache`]), since a brute-force log repeats them.

use memchr::memmem;
use std::net::IpAddr;
use std::sync::LazyLock;

/// Failed attempts that count as guesses. `Failed publickey` is left out on purpose: a client
/// with several keys in its agent logs one for each key the server refuses before the right one,
/// so a normal key login would look like guessing followed by success.
const GUESS_METHODS: &[&str] = &["password", "keyboard-interactive/pam", "none", "unknown"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Failed,
    Invalid,
    Accepted,
    /// `pam_unix(sshd:auth): authentication failure; ... rhost=ADDR [user=USER]` (and the old
    /// `sshd(pam_unix)[PID]: authentication failure; ...`): an attempt that counts unless sshd's
    /// own `Failed` line for it follows (modern sshd logs both; RHEL 4 logged only this one).
    PamFailure,
}

pub(super) static SSHD: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("sshd"));
static FOR: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(" for "));

/// The message of an sshd line and sshd's pid: what follows `sshd[PID]: ` (or
/// `sshd-session[PID]: `, OpenSSH 9.8 and later). Anchoring at the message start means a user
/// name cannot smuggle in a fake `Failed password ... from` of its own.
pub(crate) fn sshd_message(line: &str) -> Option<(u32, &str)> {
    sshd_message_from(line, SSHD.find(line.as_bytes())?)
}

/// [`sshd_message`] when the first `sshd` of the line is known to be at `at`.
fn sshd_message_from(line: &str, at: usize) -> Option<(u32, &str)> {
    // Byte offsets of ASCII matches are char boundaries.
    sshd_tag(line.as_bytes(), at).map(|(pid, message_at)| (pid, &line[message_at..]))
}

/// The pid of the first `sshd[PID]: ` (or `sshd-session[PID]: `) tag of a line whose first
/// `sshd` is at `at`, and where the message after it starts.
pub(super) fn sshd_tag(bytes: &[u8], mut at: usize) -> Option<(u32, usize)> {
    loop {
        let mut after = at + 4;
        if bytes[after..].first_chunk::<8>() == Some(b"-session") {
            after += "-session".len();
        } else if bytes[after..].first_chunk::<10>() == Some(b"(pam_unix)") {
            after += "(pam_unix)".len(); // RHEL 4: `sshd(pam_unix)[PID]: `
        }
        if let Some(found) = pid_tag(bytes, after) {
            return Some(found);
        }
        // RFC 5424 (`<PRI>1 TIME HOST sshd PROCID MSGID SD MSG`): the app name is a field.
        if bytes.first() == Some(&b'<')
            && bytes.get(after) == Some(&b' ')
            && let Some(found) = rfc5424_tag(bytes, after + 1)
        {
            return Some(found);
        }
        at = after + SSHD.find(&bytes[after..])?;
    }
}

/// `PROCID MSGID STRUCTURED-DATA ` of an RFC 5424 line from `at` (after the app name) → the
/// pid (0 for `-`) and where the message starts. The structured data is `-` or `[...]`
/// elements, whose quoted values may hold `]` (escaped or not).
fn rfc5424_tag(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let word_end = |from: usize| memchr::memchr(b' ', b.get(from..)?).map(|i| from + i);
    let pid_end = word_end(at)?;
    let pid = match &b[at..pid_end] {
        b"-" => 0,
        digits => std::str::from_utf8(digits).ok()?.parse::<u32>().ok()?,
    };
    let msgid_end = word_end(pid_end + 1)?;
    let mut i = msgid_end + 1;
    if b.get(i) == Some(&b'-') {
        i += 1;
    } else {
        while b.get(i) == Some(&b'[') {
            let mut quoted = false;
            i += 1;
            loop {
                match *b.get(i)? {
                    b'\\' if quoted => i += 1,
                    b'"' => quoted = !quoted,
                    b']' if !quoted => break,
                    _ => {}
                }
                i += 1;
            }
            i += 1;
        }
    }
    (b.get(i) == Some(&b' ')).then_some((pid, i + 1))
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
pub(super) struct AddrCache {
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
fn user_and_address(rest: &[u8], addrs: &mut AddrCache, end_ok: bool) -> Option<(usize, IpAddr)> {
    let mut end = rest.len();
    while let Some(i) = rfind_from(&rest[..end]) {
        let tail = &rest[i + 6..];
        let addr_end = memchr::memchr2(b' ', b'\r', tail).unwrap_or(tail.len());
        let after = &tail[addr_end..];
        // The word after the address is exactly `port`, or, for `Invalid user` (`end_ok`), the
        // address ends the message (OpenSSH before 7.5 logged it without a port; nothing of
        // the client's follows the address there). Old sshd's `Failed ... ssh1: ruser from A`
        // names another address after the port: only a port makes it the client's.
        let port = after.first_chunk::<5>() == Some(b" port") && matches!(after.get(5), None | Some(b' '));
        let at_end = end_ok && after.iter().all(|b| b.is_ascii_whitespace());
        if (port || at_end)
            && let Some(ip) = addrs.parse(tail, addr_end)
        {
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
pub(super) fn parse_message_with<'a>(message: &'a str, addrs: &mut AddrCache) -> Option<(Kind, &'a str, IpAddr, u32)> {
    let (text, times) = match strip(message.as_bytes(), b"message repeated ") {
        Some(_) => {
            let (n, inner) = message["message repeated ".len()..].split_once(" times: [")?;
            // Trimmed on both sides first: a CRLF log ends the line in `]\r`.
            let inner = inner.trim();
            (inner.strip_suffix(']').unwrap_or(inner).trim_end(), n.parse().ok()?)
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
pub(super) fn parse_text(text: &[u8], addrs: &mut AddrCache) -> Option<(Kind, std::ops::Range<usize>, IpAddr)> {
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
    } else if let Some(r) =
        strip(text, b"pam_unix(sshd:auth): authentication failure;").or_else(|| strip(text, b"authentication failure;"))
    {
        return pam_failure(text, r, addrs);
    } else {
        return None;
    };
    let r = match kind {
        Kind::Failed => strip(r, b"invalid user ").unwrap_or(r),
        _ => r,
    };
    let (user_len, ip) = user_and_address(r, addrs, kind == Kind::Invalid)?;
    let start = text.len() - r.len();
    Some((kind, start..start + user_len, ip))
}

/// `... rhost=ADDR  user=USER`, the rest of a pam_unix failure: the first ` rhost=` (before the
/// user name, which the attacker chose) names the address; a host name (sshd's UseDNS) is not
/// an address and is not counted.
fn pam_failure(text: &[u8], r: &[u8], addrs: &mut AddrCache) -> Option<(Kind, std::ops::Range<usize>, IpAddr)> {
    let at = memchr::memmem::find(r, b" rhost=")? + 7;
    let rest = &r[at..];
    let end = memchr::memchr2(b' ', b'\t', rest).unwrap_or(rest.len());
    let ip = addrs.parse(rest, end)?;
    let base = text.len() - r.len();
    let user = match memchr::memmem::find(&rest[end..], b" user=") {
        Some(u) => {
            let from = base + at + end + u + 6;
            from..text.len()
        }
        None => base..base,
    };
    Some((Kind::PamFailure, user, ip))
}

/// What one log line counts as in `sec.auth.bruteforce`: a failed attempt (`failed`,
/// `invalid` for `Invalid user`, `pam` for a pam_unix failure) from an address, `times` times;
/// `None` for anything else (a login, a line of another program). One line alone: whether an
/// `Invalid user` or pam_unix line and a `Failed` line are one attempt depends on their order.
pub fn attempt(line: &str) -> Option<(IpAddr, &'static str, u32)> {
    let (_, m) = sshd_message(line)?;
    let (kind, _, ip, times) = parse_message_with(m, &mut AddrCache::default())?;
    let k = match kind {
        Kind::Failed => "failed",
        Kind::Invalid => "invalid",
        Kind::PamFailure => "pam",
        Kind::Accepted => return None,
    };
    Some((ip, k, times))
}

/// `s` without the ASCII `prefix`, compared as a fixed-size array (no call to memcmp: this runs
/// a few times on each line of a log).
#[inline(always)]
fn strip<'a, const N: usize>(s: &'a [u8], prefix: &[u8; N]) -> Option<&'a [u8]> {
    (s.first_chunk::<N>() == Some(prefix)).then(|| &s[N..])
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
}
