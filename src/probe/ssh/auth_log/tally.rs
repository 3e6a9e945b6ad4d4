//! The counts a scan keeps, per source address: failures, users tried, the last failure lines
//! ([`Ring`], buffers reused), logins after failures; and the bookkeeping of `Invalid user`
//! lines waiting for their `Failed` line ([`Pending`], [`Pids`]). Addresses are hashed as one
//! word ([`Key`]) and cached direct-mapped ([`cache_slot`]): a brute-force log repeats them.

use std::net::IpAddr;

/// Failure lines kept per source for evidence.
const RING: usize = 3;
/// Longest log line shown as evidence.
const MAX_EVIDENCE_CHARS: usize = 300;

/// A log line kept as evidence: which file (an index into the scan's `paths`), its number and
/// text. It becomes `path:n: line` only when it is reported, and its buffer is recycled when a
/// newer line replaces it, so a log of a million failures costs no allocation per line. The
/// text is the line's bytes: bytes that are not UTF-8 become replacement characters only when
/// it is shown.
#[derive(Default)]
pub(super) struct Ev {
    pub(super) file: usize,
    pub(super) n: u64,
    pub(super) text: Vec<u8>,
}

impl Ev {
    pub(super) fn set(&mut self, file: usize, n: u64, text: &[u8]) {
        self.file = file;
        self.n = n;
        self.text.clear();
        self.text.extend_from_slice(text);
    }
}

/// A login from a source that had failures: when, as whom, and the lines that show it.
pub(super) struct Accept {
    pub(super) t: i64,
    pub(super) user: String,
    pub(super) evidence: Vec<String>,
}

/// What one source address did: its failures (times), the users it tried, its last failure
/// lines and its logins.
#[derive(Default)]
pub(super) struct Source {
    pub(super) failures: Vec<i64>,
    /// Users tried and how often (at most 64 names, each cut at 32 characters).
    pub(super) users: Vec<(String, u32)>,
    /// The index in `users` of the last one tried: guesses come in runs of one name.
    last_user: usize,
    pub(super) ring: Ring,
    pub(super) accepts: Vec<Accept>,
}

/// The last [`RING`] failure lines of a source, oldest first, their buffers reused.
#[derive(Default)]
pub(super) struct Ring {
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

    pub(super) fn iter(&self) -> impl Iterator<Item = &Ev> {
        let first = (self.next + RING - self.len) % RING;
        (0..self.len).map(move |i| &self.slots[(first + i) % RING])
    }
}

impl Source {
    /// Counts `times` failures at `t` by `user`, with the line (file, number, text) as the
    /// newest evidence of the ring. The user is bytes of the line, read as UTF-8 (with
    /// replacement characters, as the line would be).
    pub(super) fn fail(&mut self, t: i64, user: &[u8], times: u32, file: usize, n: u64, line: &[u8]) {
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
pub(super) struct Pending {
    pub(super) t: i64,
    pub(super) ip: IpAddr,
    /// A pam_unix failure line rather than `Invalid user`.
    pub(super) pam: bool,
    /// Where the user name is in the line's text.
    pub(super) user: std::ops::Range<usize>,
    pub(super) line: Ev,
}

/// Slots of [`Scan::near`].
pub(super) const NEAR: usize = 1024;

/// The slot of an address in [`Scan::near`]: a multiplicative hash of its bits.
pub(super) fn cache_slot(ip: IpAddr) -> usize {
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
pub(super) struct Key(pub(super) IpAddr);

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
pub(super) struct Pids {
    /// `None` only when there are none (then `more` is empty too).
    one: Option<u32>,
    more: Vec<u32>,
}

impl Pids {
    pub(super) fn push(&mut self, pid: u32) {
        match self.one {
            None => self.one = Some(pid),
            Some(_) => self.more.push(pid),
        }
    }

    /// Removes one `pid`; returns whether none are left.
    pub(super) fn remove(&mut self, pid: u32) -> bool {
        if self.one == Some(pid) {
            self.one = self.more.pop();
        } else if let Some(k) = self.more.iter().position(|p| *p == pid) {
            self.more.swap_remove(k);
        }
        self.one.is_none()
    }

    pub(super) fn all(self) -> impl Iterator<Item = u32> {
        self.one.into_iter().chain(self.more)
    }
}

/// Writes `path:n: line` into `buf`, the line (read as UTF-8, with replacement characters) cut
/// at [`MAX_EVIDENCE_CHARS`].
pub(super) fn write_evidence(buf: &mut String, path: &str, n: u64, line: &[u8]) {
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
