//! Who can change the SSH keys that let each account in: for every account that can log in
//! (and root), the owner and mode of its home, `~/.ssh` and `~/.ssh/authorized_keys{,2}`.
//! Anyone who can write one of them can add a key and log in as that account; sshd's StrictModes
//! also refuses keys behind such permissions, which locks the owner out.
//!
//! Group write counts only when the group is not the account's own private group (the
//! user-private-group scheme of Debian and RHEL gives no one else that access).
//!
//! A root authorized_keys file changed within `recent_days` is reported as a note (not a
//! problem: admins add keys) with the time and its newest key (type, comment, SHA256
//! fingerprint as `ssh-keygen -lf` and sshd's "Accepted publickey" log lines show it): an
//! attacker who got in once adds a key to keep coming back.

use crate::host::fsmeta::{self, Kind, Meta, Names, Superuser};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::accounts::passwd::{self, Account};
use crate::probe::{Observation, Observations, ProbeContext, ProbeError, Value};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// A root authorized_keys file changed within this many days is noted.
    #[serde(default = "default_recent_days")]
    pub recent_days: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params { recent_days: default_recent_days() }
    }
}

fn default_recent_days() -> f64 {
    7.0
}

pub const FIELDS: &[Field] = &[
    Field::text("user", "the account the keys let in"),
    Field::text("kind", "home, .ssh directory or authorized-keys file"),
    Field::text("mode", "the entry's mode (octal)"),
    Field::text("owner", "its owner"),
    Field::text("group", "its group"),
    Field::flag("owner_ok", "1 when owned by the account or root"),
    Field::flag("writable_by_others", "1 when a group or others can change it (and so add keys)"),
    Field::flag("recent_root_key", "1 when root's authorized_keys changed in the last week"),
    Field::text("modified", "when the file last changed"),
    Field::num("age_hours", "hours", "hours since then (-1 when unknown)"),
    Field::num("keys", "", "keys in the file"),
    Field::text("newest_key", "the last key in the file (type, fingerprint, comment)"),
    Field::num("users", "", "login accounts examined"),
    Field::num("files", "", "entries examined"),
];

/// Largest authorized_keys file read for its keys.
const MAX_KEYS_BYTES: u64 = 1024 * 1024;

/// sshd's default AuthorizedKeysFile.
const KEY_FILES: &[&str] = &[".ssh/authorized_keys", ".ssh/authorized_keys2"];

fn examine(
    path: &str,
    kind: &str,
    m: &Meta,
    account: &Account,
    su: &Superuser,
    ids: &Names,
    symlink: bool,
) -> Observation {
    let group = ids.group(m.gid);
    let group_write = m.mode & 0o020 != 0 && !su.group_is_root(m) && !ids.is_private_group(m.gid, &account.name);
    // A sticky directory (like /tmp) lets others create but not replace; not one of ours anyway.
    let others_write = m.mode & 0o002 != 0 && !(m.kind == Kind::Dir && m.mode & fsmeta::S_ISVTX != 0);
    let mode = fsmeta::mode_str(m.mode);
    let owner = ids.user(m.uid);
    let link = if symlink { " (a symlink; its target)" } else { "" };
    Observation::new(path)
        .text("user", &account.name)
        .text("kind", kind)
        .text("mode", &mode)
        .text("owner", &owner)
        .text("group", &group)
        .flag("owner_ok", m.uid == account.uid || su.owns(m))
        .flag("writable_by_others", group_write || others_write)
        .evidence(format!("{path}: mode {mode}, owner {owner}:{group}{link}"))
        .evidence(account.loc.clone())
}

/// Standard base64 (with or without padding) → bytes; `None` on anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Bytes → standard base64 without padding (how OpenSSH prints SHA256 fingerprints).
fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// One authorized_keys line → `type SHA256:fingerprint comment`; `None` for comments, blank
/// lines and lines without a key. Options before the key (`from="..."`, `command="..."`) are
/// skipped by looking for the first word that names a key type and is followed by base64.
fn describe_key(line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let is_type = ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"].iter().any(|p| w.starts_with(p));
        if !is_type {
            continue;
        }
        let Some(blob) = words.get(i + 1).and_then(|b| base64_decode(b)) else { continue };
        if blob.len() < 16 {
            continue;
        }
        let fp = base64_encode(&sha2::Sha256::digest(&blob));
        let comment = words[i + 2..].join(" ");
        return Some(if comment.is_empty() {
            format!("{w} SHA256:{fp}")
        } else {
            format!("{w} SHA256:{fp} {comment}")
        });
    }
    None
}

/// The keys of an authorized_keys file: how many, and the last one (keys are appended, so the
/// last is usually the newest). `None` when it cannot be read.
fn keys_of(ctx: &ProbeContext, path: &str) -> Option<(usize, Option<String>)> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(ctx.host.path(path)).ok()?.take(MAX_KEYS_BYTES).read_to_end(&mut bytes).ok()?;
    let keys: Vec<String> = String::from_utf8_lossy(&bytes).lines().filter_map(describe_key).collect();
    Some((keys.len(), keys.last().cloned()))
}

/// Adds when an authorized_keys file changed, its keys, and whether it is root's and changed
/// within the recent window.
fn with_keys(
    o: Observation,
    ctx: &ProbeContext,
    path: &str,
    m: &Meta,
    account: &Account,
    recent_days: f64,
) -> Observation {
    let now = jiff::Timestamp::now();
    let changed = jiff::Timestamp::from_second(m.mtime).ok();
    let age = changed.map(|t| crate::fmt::age_hours(t, now));
    let recent = account.uid == 0 && m.kind == Kind::File && age.is_some_and(|h| h <= recent_days * 24.0);
    let o = match changed {
        Some(t) => o.text("modified", crate::fmt::show(t)),
        None => o.word("modified", Said::new(Msg::ValUnknown)),
    };
    let mut o = o.num("age_hours", age.unwrap_or(-1.0)).flag("recent_root_key", recent);
    match keys_of(ctx, path) {
        Some((n, newest)) => {
            o = o.num("keys", n as f64);
            o = match newest {
                Some(k) => o.text("newest_key", k),
                None => o.word("newest_key", Said::new(Msg::ValNone)),
            };
        }
        None => o = o.num("keys", -1.0).word("newest_key", Said::new(Msg::ValKeysUnreadable)),
    }
    if recent {
        let when = changed.map(crate::fmt::show).unwrap_or_default();
        o = o.field_evidence("recent_root_key", format!("{path}: last changed {when}"));
        if let Some(Value::Text(k)) = o.values.get("newest_key").cloned() {
            o = o.field_evidence("recent_root_key", format!("{path}: newest key: {k}"));
        }
        o = o.since(Some(when));
    }
    o
}

/// `lstat`, following a symlink the way sshd does.
fn look(ctx: &ProbeContext, path: &str) -> Option<(Meta, bool)> {
    let m = fsmeta::lstat(&ctx.host, path).ok()?;
    if m.kind == Kind::Symlink { fsmeta::stat(&ctx.host, path).ok().map(|t| (t, true)) } else { Some((m, false)) }
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let (accounts, _) = passwd::read_accounts(&ctx.host).map_err(|e| ProbeError::io("/etc/passwd", &e))?;
    let su = Superuser::of(&ctx.host);
    let ids = Names::load(&ctx.host);
    let mut homes = BTreeSet::new();
    let mut items = Vec::new();
    let mut users = 0;
    for a in accounts.iter().filter(|a| a.login || a.uid == 0) {
        let home = a.home.trim_end_matches('/');
        if home.is_empty() || !home.starts_with('/') || !homes.insert(home.to_string()) {
            continue; // no home, or one already examined for an earlier account (toor shares /root)
        }
        users += 1;
        let ssh_dir = format!("{home}/.ssh");
        let Some((ssh_meta, ssh_link)) = look(ctx, &ssh_dir) else { continue };
        if let Some((m, link)) = look(ctx, home) {
            items.push(examine(home, "home", &m, a, &su, &ids, link));
        }
        items.push(examine(&ssh_dir, "ssh-dir", &ssh_meta, a, &su, &ids, ssh_link));
        for rel in KEY_FILES {
            let path = format!("{home}/{rel}");
            if let Some((m, link)) = look(ctx, &path) {
                let o = examine(&path, "authorized-keys", &m, a, &su, &ids, link);
                items.push(with_keys(o, ctx, &path, &m, a, params.recent_days));
            }
        }
    }
    let scope = Observation::new("/etc/passwd").num("users", users as f64).num("files", items.len() as f64);
    items.insert(0, scope);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_match_ssh_keygen() {
        // `ssh-keygen -lf` printed these fingerprints for these keys.
        let ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrpnfFWciLUN/S/rnAWBeVR+FvRusQD9R2mU2uVZfk5 ops@laptop";
        assert_eq!(
            describe_key(ed).as_deref(),
            Some("ssh-ed25519 SHA256:J3Zv/Ho1inq51EPMqMeh47iF/kDbWe2eoLettarTzhc ops@laptop")
        );
        let rsa = "from=\"10.0.0.0/8\",command=\"echo a b\" ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC5+3A8njzRGY0/Twpb5ARsAAsItuPQVz3ur94e2Z7IXl/EKqyarMtZAUdirMW1q+LVoZEEKMeOhhII7B9ppG+YP+TSlDVDN2hMjulAwJ8W+YnL9NcdqPkognrwNcX59+G/hI5LmFEuUiEV1IOwGHYM0ixa+kMYUQ7pDcqGDGFXQQ==";
        assert_eq!(describe_key(rsa).as_deref(), Some("ssh-rsa SHA256:KSskDi3SfKeaBTlptqj59fj3c7qG5ndCX4ljSEiYs+I"));
        for not_a_key in ["", "# ssh-rsa AAAA", "ssh-rsa not*base64", "ssh-rsa QUJD", "garbage \u{fffd}"] {
            assert_eq!(describe_key(not_a_key), None, "{not_a_key:?}");
        }
    }

    #[test]
    fn base64_round_trip() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0xff, 0, 0x80, 7, 9]] {
            assert_eq!(base64_decode(&base64_encode(data)).as_deref(), Some(data));
        }
        assert_eq!(base64_encode(b"abcd"), "YWJjZA");
    }
}
