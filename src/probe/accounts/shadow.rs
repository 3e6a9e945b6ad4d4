//! Accounts with an empty password field: such an account logs in (console, su, and SSH when
//! PermitEmptyPasswords is on) with no password at all.
//!
//! The field lives in /etc/shadow; only when /etc/shadow does not exist is the /etc/passwd field
//! the password (that is what login and PAM do then). An unreadable /etc/shadow is `skipped` with
//! the reason, never `ok`: we did not see the passwords. Evidence carries only lines whose
//! password field is empty, so no hash ever reaches the report.

use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("empty_password", "1 when the password field is empty: login without a password"),
    Field::num("entries", "", "entries read from the shadow file"),
    Field::text("source", "the file read (/etc/shadow)"),
];

const SHADOW: &str = "/etc/shadow";
const PASSWD: &str = "/etc/passwd";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let (file, source) = match ctx.host.read_optional(SHADOW).map_err(|e| ProbeError::io(SHADOW, &e))? {
        Some(f) => (f, SHADOW),
        None => (ctx.host.read(PASSWD).map_err(|e| ProbeError::io(PASSWD, &e))?, PASSWD),
    };
    let mut items = Vec::new();
    let mut entries = 0;
    for (n, line) in file.text.lines().enumerate() {
        let mut f = line.split(':');
        let (Some(name), Some(password)) = (f.next(), f.next()) else { continue };
        if name.is_empty() || name.starts_with(['#', '+', '-']) {
            continue;
        }
        entries += 1;
        if password.is_empty() {
            items.push(
                Observation::new(name).flag("empty_password", true).evidence(format!("{source}:{}: {line}", n + 1)),
            );
        }
    }
    let scope = Observation::new(source).num("entries", entries as f64).text("source", source);
    items.insert(0, scope);
    Ok(Observations::of(items))
}

/// One line of /etc/shadow: the password field and the ageing fields (days since 1970-01-01;
/// `None` when empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShadowEntry {
    pub name: String,
    pub hash: String,
    pub last_change: Option<i64>,
    pub max_days: Option<i64>,
    pub inactive_days: Option<i64>,
    pub expire: Option<i64>,
    /// `/etc/shadow:N: name:…` with the password field left out.
    pub loc: String,
}

/// What a password field allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Password {
    /// A hash a password can match.
    Usable,
    /// Empty: no password at all.
    Empty,
    /// `!hash`: locked by `passwd -l`/`usermod -L`.
    Locked,
    /// `*`, `!`, `!!`, `x`: no password was ever set, nothing matches.
    NoPassword,
}

/// What pam_unix (and sshd without PAM) decide from the ageing fields, on day `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ageing {
    /// Last change 0: the password must be changed at the next login.
    pub must_change: bool,
    /// Older than the maximum age: must be changed at the next login.
    pub password_expired: bool,
    /// Also past the inactivity period: the account is disabled (every method refused).
    pub inactive: bool,
    /// The account expiry date has passed: every method refused.
    pub account_expired: bool,
}

impl ShadowEntry {
    pub fn password(&self) -> Password {
        let h = self.hash.as_str();
        if h.is_empty() {
            Password::Empty
        } else if h.starts_with('!') && h.len() > 2 && h[1..].starts_with('$') {
            Password::Locked
        } else if h.starts_with(['!', '*']) || h.len() < 13 {
            // DES hashes are 13 characters; anything shorter (`x`, `!!`, `LK`) matches nothing.
            Password::NoPassword
        } else {
            Password::Usable
        }
    }

    /// pam_unix's check_shadow_expiry, on day `today` (days since 1970-01-01).
    pub fn ageing(&self, today: i64) -> Ageing {
        let mut a = Ageing::default();
        if let Some(e) = self.expire
            && e >= 0
            && today >= e
        {
            a.account_expired = true;
        }
        match self.last_change {
            Some(0) => a.must_change = true,
            Some(last) => {
                if let Some(max) = self.max_days.filter(|m| *m >= 0) {
                    let age = today - last;
                    if age > max {
                        a.password_expired = true;
                        if let Some(inact) = self.inactive_days.filter(|i| *i >= 0)
                            && age > max + inact
                        {
                            a.inactive = true;
                        }
                    }
                }
            }
            None => {}
        }
        a
    }
}

/// Days since 1970-01-01 now (pam_unix's `curdays`).
pub fn today() -> i64 {
    jiff::Timestamp::now().as_second().div_euclid(86_400)
}

/// A shadow day number as a date.
pub fn day_str(day: i64) -> String {
    jiff::Timestamp::from_second(day.saturating_mul(86_400))
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| day.to_string())
}

/// Parses /etc/shadow text: name → entry. Comment, NIS and short lines are left out.
pub fn parse_shadow(text: &str) -> std::collections::BTreeMap<String, ShadowEntry> {
    let mut out = std::collections::BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(':').collect();
        let Some(name) = f.first().filter(|n| !n.is_empty() && !n.starts_with(['#', '+', '-'])) else { continue };
        if f.len() < 2 {
            continue;
        }
        let num = |i: usize| f.get(i).and_then(|v| v.trim().parse::<i64>().ok());
        let rest = f.get(2..).map(|r| r.join(":")).unwrap_or_default();
        out.entry(name.to_string()).or_insert(ShadowEntry {
            name: name.to_string(),
            hash: f[1].to_string(),
            last_change: num(2),
            max_days: num(4),
            inactive_days: num(6),
            expire: num(7),
            loc: format!("{SHADOW}:{}: {name}:…:{rest}", n + 1),
        });
    }
    out
}

/// /etc/shadow of the examined system; `Ok(None)` when it does not exist.
pub fn read_shadow(
    host: &crate::host::Host,
) -> std::io::Result<Option<std::collections::BTreeMap<String, ShadowEntry>>> {
    Ok(host.read_optional(SHADOW)?.map(|f| parse_shadow(&f.text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use std::time::{Duration, Instant};

    fn run(files: &[(&str, &str)]) -> Result<Observations, ProbeError> {
        let dir = tempfile::tempdir().expect("tempdir");
        for (p, body) in files {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, body).expect("write");
        }
        let ctx = ProbeContext::new(Host::new(dir.path()), Instant::now() + Duration::from_secs(5), false);
        observe(&Params {}, &ctx)
    }

    #[test]
    fn ageing_follows_pam_unix() {
        let e = |line: &str| parse_shadow(line).into_values().next().expect("one entry");
        let today = 20_000;
        let ok = e("ops:$6$s$h0123456789abc:19990:0:99999:7:::");
        assert_eq!(ok.password(), Password::Usable);
        assert_eq!(ok.ageing(today), Ageing::default());
        assert!(!ok.loc.contains("$6$"));
        assert!(e("a:$6$s$h0123456789abc:0:0:99999:7:::").ageing(today).must_change);
        let old = e("a:$6$s$h0123456789abc:19000:0:30:7:::").ageing(today);
        assert!(old.password_expired && !old.inactive);
        let gone = e("a:$6$s$h0123456789abc:19000:0:30:7:10::").ageing(today);
        assert!(gone.password_expired && gone.inactive);
        assert!(e("a:*:19000:0:99999:7::19999:").ageing(today).account_expired);
        assert!(e("a:*:19000:0:99999:7::20000:").ageing(today).account_expired);
        assert!(!e("a:*:19000:0:99999:7::20001:").ageing(today).account_expired);
        assert_eq!(e("a:!$6$s$h0123456789abc:1::::::").password(), Password::Locked);
        for no in ["*", "!", "!!", "x", "!*"] {
            assert_eq!(e(&format!("a:{no}:1::::::")).password(), Password::NoPassword, "{no}");
        }
        assert_eq!(e("a::1::::::").password(), Password::Empty);
        assert_eq!(day_str(20_000), "2024-10-04");
    }

    #[test]
    fn empty_fields_only_and_no_hashes() {
        let o = run(&[(
            "/etc/shadow",
            "root:$6$salt$hash:19000:0:99999:7:::\nguest::19000:0:99999:7:::\nlocked:!:19000::::::\nbroken\n\u{fffd}x::1::::::\n",
        )])
        .expect("observes");
        let subjects: Vec<&str> = o.items.iter().map(|i| i.subject.as_str()).collect();
        assert_eq!(subjects, vec!["/etc/shadow", "guest", "\u{fffd}x"]);
        assert!(!format!("{o:?}").contains("$6$"));
        let o = run(&[("/etc/passwd", "root:x:0:0::/root:/bin/sh\nnopw::1000:1000::/home/n:/bin/sh\n")]).expect("obs");
        assert_eq!(o.items[0].values.get("source").map(|v| v.as_text()), Some(PASSWD.to_string()));
        assert_eq!(o.items[1].subject, "nopw");
    }
}
