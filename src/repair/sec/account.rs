//! `action.account`: gives a named account its login back when the account database refuses it.
//!
//! - `sec.accounts.password-expiry`: an expired account (`ACCOUNT_EXPIRED`: the expiry date of
//!   /etc/shadow's 8th field has passed) has the date removed; an expired password
//!   (`PASSWORD_EXPIRED`, and `PASSWORD_INACTIVE` past the inactivity period) has its last
//!   change set to today, so the same password is valid again for its maximum age (what
//!   `chage -E -1 USER` and `chage -d today USER` do; the fields are edited directly so that the
//!   plan shows the change and undo restores /etc/shadow byte for byte). Only for the account
//!   the customer names with `fix --user USER`: an account expired on purpose (someone who
//!   left) must never come back because it was on the list. A password that must be changed at
//!   the next login (last change 0) is an administrator's decision and is not repaired.
//! - `sec.accounts.login-shell` (`SHELL_MISSING`): only when the intended shell is provable:
//!   the recorded path is gone but the same program is installed at the other half of the
//!   /bin ↔ /usr/bin (or /sbin ↔ /usr/sbin) pair, executable and listed in /etc/shells;
//!   otherwise refused, since which shell the account should have is not knowable.
//!
//! The diff of /etc/shadow never shows a password hash (the plan masks it). Both repairs are on
//! the login path: the login matrix guards them.

use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::accounts::shadow;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const SHADOW: &str = "/etc/shadow";
const PASSWD: &str = "/etc/passwd";

/// `bytes` with field `index` (0-based) of `user`'s line set to `value`; `None` when the file
/// has no line for `user`.
fn set_field(bytes: &[u8], user: &str, index: usize, value: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let n = text.lines().position(|l| l.split(':').next() == Some(user))? + 1;
    let line = super::lines::line_of(bytes, n)?;
    let mut fields: Vec<&str> = line.split(':').collect();
    if fields.len() <= index {
        fields.resize(index + 1, "");
    }
    fields[index] = value;
    Some(super::lines::replace_line(bytes, n, &fields.join(":")))
}

fn read(t: &Target, path: &str) -> Result<Vec<u8>, Skip> {
    std::fs::read(t.host.path(path))
        .map_err(|e| Skip::Refused(rtf(t.lang, R::CannotRead, &[("path", path), ("error", &e.to_string())])))
}

fn expiry(t: &Target, user: &str, code: &str) -> Result<Change, Skip> {
    let l = t.lang;
    if code == "PASSWORD_MUST_CHANGE" {
        return Err(Skip::NotApplicable(rtf(l, R::AccountMustChange, &[("user", user)])));
    }
    if super::asked::get().user.as_deref() != Some(user) {
        return Err(Skip::Refused(rtf(l, R::AccountNotNamed, &[("user", user)])));
    }
    let bytes = read(t, SHADOW)?;
    let entries = shadow::parse_shadow(&String::from_utf8_lossy(&bytes));
    let Some(e) = entries.get(user) else {
        return Err(Skip::NotApplicable(rtf(l, R::AccountNoEntry, &[("user", user), ("path", SHADOW)])));
    };
    let today = shadow::today();
    let ageing = e.ageing(today);
    let (after, summary) = match code {
        "ACCOUNT_EXPIRED" if ageing.account_expired => {
            let day = e.expire.map(shadow::day_str).unwrap_or_default();
            (set_field(&bytes, user, 7, ""), rtf(l, R::AccountDoUnexpire, &[("user", user), ("day", &day)]))
        }
        "PASSWORD_EXPIRED" | "PASSWORD_INACTIVE" if ageing.password_expired => {
            let day = e.last_change.map(shadow::day_str).unwrap_or_default();
            (
                set_field(&bytes, user, 2, &today.to_string()),
                rtf(l, R::AccountDoRenew, &[("user", user), ("day", &day), ("today", &shadow::day_str(today))]),
            )
        }
        _ => return Err(Skip::NotApplicable(rtf(l, R::AccountFine, &[("user", user)]))),
    };
    let after = after.ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", SHADOW)])))?;
    Ok(Change {
        summary,
        files: vec![FileEdit { path: SHADOW.into(), after: Some(after) }],
        validate: Vec::new(),
        live: Vec::new(),
        commands: Vec::new(),
        guards_login: true,
    })
}

/// The same program at the other half of a merged-/usr pair: `/bin/bash` ↔ `/usr/bin/bash`.
pub fn other_half(shell: &str) -> Option<String> {
    for (a, b) in [("/bin/", "/usr/bin/"), ("/sbin/", "/usr/sbin/")] {
        if let Some(rest) = shell.strip_prefix(a) {
            return Some(format!("{b}{rest}"));
        }
        if let Some(rest) = shell.strip_prefix(b) {
            return Some(format!("{a}{rest}"));
        }
    }
    None
}

fn shell(t: &Target, user: &str) -> Result<Change, Skip> {
    use std::os::unix::fs::PermissionsExt;
    let l = t.lang;
    let bytes = read(t, PASSWD)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let Some(recorded) =
        text.lines().find(|x| x.split(':').next() == Some(user)).and_then(|x| x.split(':').nth(6)).map(str::to_string)
    else {
        return Err(Skip::NotApplicable(rtf(l, R::AccountNoEntry, &[("user", user), ("path", PASSWD)])));
    };
    if t.host.path(&recorded).exists() {
        return Err(Skip::NotApplicable(rtf(l, R::AccountFine, &[("user", user)])));
    }
    let refuse = || Skip::Refused(rtf(l, R::AccountShellUnknown, &[("user", user), ("shell", &recorded)]));
    let candidate = other_half(&recorded).ok_or_else(refuse)?;
    let runs =
        std::fs::metadata(t.host.path(&candidate)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    let listed =
        std::fs::read_to_string(t.host.path("/etc/shells")).is_ok_and(|s| s.lines().any(|x| x.trim() == candidate));
    if !runs || !listed {
        return Err(refuse());
    }
    let after =
        set_field(&bytes, user, 6, &candidate).ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", PASSWD)])))?;
    Ok(Change {
        summary: rtf(l, R::AccountDoShell, &[("user", user), ("shell", &recorded), ("other", &candidate)]),
        files: vec![FileEdit { path: PASSWD.into(), after: Some(after) }],
        validate: Vec::new(),
        live: Vec::new(),
        commands: Vec::new(),
        guards_login: true,
    })
}

impl Action for Params {
    fn name(&self) -> String {
        "account".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let user = t.finding.subject.clone().unwrap_or_default();
        let code = t.finding.code.clone().unwrap_or_default();
        match (t.check, code.as_str()) {
            ("sec.accounts.password-expiry", _) => expiry(t, &user, &code),
            ("sec.accounts.login-shell", "SHELL_MISSING") => shell(t, &user),
            _ => Err(Skip::NotApplicable(rtf(t.lang, R::AccountFine, &[("user", &user)]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_field_of_one_line_changes() {
        let f = b"root:x:19000:0:99999:7:::\ngone:$6$h:19000:0:99999:7::19001:\r\nlast:*:1\n";
        assert_eq!(
            set_field(f, "gone", 7, "").unwrap(),
            b"root:x:19000:0:99999:7:::\ngone:$6$h:19000:0:99999:7:::\r\nlast:*:1\n"
        );
        assert_eq!(
            set_field(f, "last", 2, "20000").unwrap(),
            b"root:x:19000:0:99999:7:::\ngone:$6$h:19000:0:99999:7::19001:\r\nlast:*:20000\n"
        );
        assert_eq!(set_field(f, "go", 2, "1"), None, "a prefix of a name is not the name");
        assert_eq!(other_half("/bin/bash").as_deref(), Some("/usr/bin/bash"));
        assert_eq!(other_half("/usr/sbin/nologin").as_deref(), Some("/sbin/nologin"));
        assert_eq!(other_half("/opt/zsh"), None);
    }
}
