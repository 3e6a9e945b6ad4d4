//! The state of each login-capable account that decides whether it can log in at all: shadow
//! ageing (must change, expired, inactive, account expired), login shell (exists, executable,
//! listed in /etc/shells), home directory; and for the whole system: root present in passwd
//! and shadow, the nologin files, and /etc/passwd or /etc/shadow immutable or append-only
//! (`chattr +i`/`+a`, read with the FS_IOC_GETFLAGS ioctl): password changes then fail.

use super::shadow;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::ssh::login::{AccountFacts, Shell};
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("user", "the account"),
    Field::flag("must_change", "1 when the password must be changed at the next login"),
    Field::flag("password_expired", "1 when the password has expired"),
    Field::flag("inactive", "1 when the password expired so long ago that the account is disabled"),
    Field::flag("account_expired", "1 when the account itself has expired"),
    Field::text("expired_on", "the day it expired"),
    Field::text("shell", "the login shell"),
    Field::flag("shell_missing", "1 when the login shell does not exist"),
    Field::flag("shell_not_executable", "1 when the login shell is not executable"),
    Field::flag("shell_not_listed", "1 when the login shell is not in /etc/shells"),
    Field::text("home", "the home directory"),
    Field::flag("home_missing", "1 when the home directory does not exist"),
    Field::num("accounts", "", "login-capable accounts"),
    Field::flag("root_missing", "1 when root is missing from /etc/passwd or /etc/shadow"),
    Field::flag("nologin", "1 when a nologin file refuses every login but root's"),
    Field::text("nologin_path", "the nologin file found"),
    Field::text("path", "the account file (/etc/passwd, /etc/shadow)"),
    Field::flag("immutable", "1 when the file is immutable (chattr +i): password changes fail"),
    Field::flag("append_only", "1 when it is append-only (chattr +a)"),
    Field::text("flags", "its inode flags as lsattr shows them"),
];

/// The subject of the whole-system observation.
pub const SCOPE: &str = "/etc/passwd";

/// The files whose `chattr` flags break password changes.
const GUARDED: &[&str] = &["/etc/passwd", "/etc/shadow"];

/// The inode flags of a file (FS_IOC_GETFLAGS): (immutable, append-only); `None` when the
/// filesystem does not support them or the file cannot be opened.
fn inode_flags(host: &crate::host::Host, path: &str) -> Option<(bool, bool)> {
    let file = std::fs::File::open(host.path(path)).ok()?;
    let flags = rustix::fs::ioctl_getflags(&file).ok()?;
    Some((flags.contains(rustix::fs::IFlags::IMMUTABLE), flags.contains(rustix::fs::IFlags::APPEND)))
}

fn account_obs(f: &AccountFacts) -> Observation {
    let a = &f.account;
    let g = f.ageing;
    let expired_on = f.shadow.as_ref().and_then(|s| {
        if g.account_expired {
            s.expire.map(shadow::day_str)
        } else {
            match (s.last_change, s.max_days) {
                (Some(l), Some(m)) if g.password_expired => Some(shadow::day_str(l + m)),
                _ => None,
            }
        }
    });
    let mut o = Observation::new(&a.name)
        .text("user", &a.name)
        .flag("must_change", g.must_change)
        .flag("password_expired", g.password_expired && !g.inactive)
        .flag("inactive", g.inactive)
        .flag("account_expired", g.account_expired)
        .text("shell", &f.shell_path)
        .flag("shell_missing", f.shell == Shell::Missing)
        .flag("shell_not_executable", matches!(f.shell, Shell::NotExecutable(_)))
        .flag("shell_not_listed", f.shell == Shell::Ok && f.in_shells == Some(false))
        .text("home", &a.home)
        .flag("home_missing", !f.home_exists)
        .evidence(a.loc.clone());
    o = match expired_on {
        Some(d) => o.text("expired_on", d),
        None => o.word("expired_on", Said::new(Msg::ValNone)),
    };
    if let Some(s) = &f.shadow {
        for field in ["must_change", "password_expired", "inactive", "account_expired"] {
            o = o.field_evidence(field, s.loc.clone());
        }
    }
    if let Shell::NotExecutable(line) = &f.shell {
        o = o
            .field_evidence("shell_not_executable", line.clone())
            .field_evidence("shell_not_executable", a.loc.clone());
    }
    if f.in_shells == Some(false) {
        o = o
            .field_evidence("shell_not_listed", "/etc/shells: not listed")
            .field_evidence("shell_not_listed", a.loc.clone());
    }
    o
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let login = ctx.login_facts()?;
    let root_missing = !login.root_in_passwd || login.root_in_shadow == Some(false);
    let mut scope = Observation::new(SCOPE)
        .num("accounts", login.accounts.len() as f64)
        .flag("root_missing", root_missing)
        .flag("nologin", login.nologin.is_some());
    scope = match &login.nologin {
        Some(p) => scope.text("nologin_path", p).field_evidence("nologin", format!("{p}: exists")),
        None => scope.word("nologin_path", Said::new(Msg::ValNone)),
    };
    if !login.root_in_passwd {
        scope = scope.field_evidence("root_missing", "/etc/passwd: no line for root (uid 0)");
    }
    if login.root_in_shadow == Some(false) {
        scope = scope.field_evidence("root_missing", "/etc/shadow: no line for root");
    }
    if let Some(n) = &login.shadow_note {
        scope = scope.evidence(n.clone());
    }
    let mut items = vec![scope];
    items.extend(login.accounts.iter().map(account_obs));
    for path in GUARDED {
        if let Some((immutable, append)) = inode_flags(&ctx.host, path) {
            let flags = match (immutable, append) {
                (true, true) => "immutable, append-only",
                (true, false) => "immutable",
                (false, true) => "append-only",
                (false, false) => "none",
            };
            items.push(
                Observation::new(*path)
                    .text("path", *path)
                    .flag("immutable", immutable)
                    .flag("append_only", append)
                    .text("flags", flags)
                    .evidence(format!("{path}: inode flags {flags} (lsattr)")),
            );
        }
    }
    Ok(Observations::of(items))
}
