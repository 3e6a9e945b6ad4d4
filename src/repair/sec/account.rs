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
//! - `sec.accounts.empty-password` (`EMPTY_PASSWORD`): the empty password field becomes `!` (as
//!   `passwd -l` makes it): no login, `su` or `sudo` without a password. SSH keys keep working
//!   (sshd with PAM does not look at the password of a key login). Refused for root: root's
//!   password is the console's way in when SSH fails, and only a person can choose one
//!   (`passwd root`); a locked one would close the console.
//! - `sec.accounts.uid0` (`UID0`): a second root is disabled, not deleted (it is evidence): its
//!   password locked (`!` before it, in /etc/passwd too when the hash is kept there) and the
//!   account expired on 1970-01-02 (expiry day 1), as `usermod -L -e 1` does, so pam_unix
//!   refuses every login to it, keys included, and `su` and cron. Refused when /etc/shadow has
//!   no line for it (nothing to expire it in).
//!
//! The diff of /etc/shadow never shows a password hash (the plan masks it). All these repairs
//! are on the login path: the login matrix guards them (the only way in is never closed: a
//! lock that would leave an account unable to log in over SSH is rolled back).

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
    if t.told.asked.user.as_deref() != Some(user) {
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

fn change(summary: String, files: Vec<FileEdit>) -> Change {
    Change { summary, files, validate: Vec::new(), live: Vec::new(), commands: Vec::new(), guards_login: true }
}

/// `EMPTY_PASSWORD`: `!` in the empty password field, in /etc/shadow (or /etc/passwd without one).
fn lock_empty(t: &Target, user: &str) -> Result<Change, Skip> {
    let l = t.lang;
    let path = if t.host.path(SHADOW).exists() { SHADOW } else { PASSWD };
    let bytes = read(t, path)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let Some(fields) = text.lines().map(|x| x.split(':').collect::<Vec<_>>()).find(|f| f.first() == Some(&user)) else {
        return Err(Skip::NotApplicable(rtf(l, R::AccountNoEntry, &[("user", user), ("path", path)])));
    };
    if fields.get(1).is_some_and(|p| !p.is_empty()) {
        return Err(Skip::NotApplicable(rtf(l, R::AccountFine, &[("user", user)])));
    }
    let root = user == "root"
        || crate::probe::accounts::passwd::read_accounts(t.host)
            .is_ok_and(|(a, _)| a.iter().any(|a| a.name == user && a.uid == 0));
    if root {
        return Err(Skip::Refused(rtf(l, R::AccountRootEmpty, &[("user", user)])));
    }
    let after = set_field(&bytes, user, 1, "!").ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", path)])))?;
    Ok(change(
        rtf(l, R::AccountDoLockEmpty, &[("user", user), ("path", path)]),
        vec![FileEdit { path: path.into(), after: Some(after) }],
    ))
}

/// `UID0`: the second root's password locked and the account expired (`usermod -L -e 1`).
fn disable_uid0(t: &Target, user: &str) -> Result<Change, Skip> {
    let l = t.lang;
    let (accounts, _) = crate::probe::accounts::passwd::read_accounts(t.host)
        .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", PASSWD), ("error", &e.to_string())])))?;
    if user == "root" || !accounts.iter().any(|a| a.name == user && a.uid == 0) {
        return Err(Skip::NotApplicable(rtf(l, R::AccountFine, &[("user", user)])));
    }
    let bytes = read(t, SHADOW)?;
    let entries = shadow::parse_shadow(&String::from_utf8_lossy(&bytes));
    let Some(e) = entries.get(user) else {
        return Err(Skip::Refused(rtf(l, R::AccountNoShadowLine, &[("user", user)])));
    };
    if e.ageing(shadow::today()).account_expired {
        return Err(Skip::NotApplicable(rtf(l, R::AccountFine, &[("user", user)])));
    }
    let locked = |h: &str| if h.starts_with('!') { h.to_string() } else { format!("!{h}") };
    let after = set_field(&bytes, user, 1, &locked(&e.hash))
        .and_then(|b| set_field(&b, user, 7, "1"))
        .ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", SHADOW)])))?;
    let mut files = vec![FileEdit { path: SHADOW.into(), after: Some(after) }];
    // A hash kept in /etc/passwd itself (not `x`) is what pam_unix checks: locked there too.
    let pw = read(t, PASSWD)?;
    let pw_hash = String::from_utf8_lossy(&pw)
        .lines()
        .find(|x| x.split(':').next() == Some(user))
        .and_then(|x| x.split(':').nth(1).map(str::to_string))
        .unwrap_or_default();
    if pw_hash != "x" && !pw_hash.starts_with(['!', '*']) {
        let after = set_field(&pw, user, 1, &locked(&pw_hash))
            .ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", PASSWD)])))?;
        files.push(FileEdit { path: PASSWD.into(), after: Some(after) });
    }
    Ok(change(rtf(l, R::AccountDoDisable, &[("user", user)]), files))
}

impl Action for Params {
    fn name(&self) -> String {
        "account".into()
    }

    /// A second root is disabled on purpose: the guard lets it go, but not the last way in.
    fn shuts_out(&self, t: &Target) -> Option<String> {
        (t.check == "sec.accounts.uid0").then(|| t.finding.subject.clone()).flatten()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let user = t.finding.subject.clone().unwrap_or_default();
        let code = t.finding.code.clone().unwrap_or_default();
        match (t.check, code.as_str()) {
            ("sec.accounts.password-expiry", _) => expiry(t, &user, &code),
            ("sec.accounts.login-shell", "SHELL_MISSING") => shell(t, &user),
            ("sec.accounts.empty-password", "EMPTY_PASSWORD") => lock_empty(t, &user),
            ("sec.accounts.uid0", "UID0") => disable_uid0(t, &user),
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

    #[test]
    fn an_empty_password_is_locked_but_roots_is_refused() {
        use crate::repair::testing::{after, finding, plan, root};
        let dir = root(&[
            ("/etc/passwd", "root:x:0:0::/root:/bin/sh\nkiosk:x:1001:1001::/home/kiosk:/bin/sh\n"),
            ("/etc/shadow", "root::19000:0:99999:7:::\nkiosk::19000:0:99999:7:::\n"),
        ]);
        let host = crate::host::Host::new(dir.path());
        let mut f = finding("kiosk", "m", &[]);
        f.code = Some("EMPTY_PASSWORD".into());
        let c = plan(&Params {}, &host, "sec.accounts.empty-password", &f).unwrap();
        assert_eq!(after(&c), "root::19000:0:99999:7:::\nkiosk:!:19000:0:99999:7:::\n");
        assert!(c.guards_login);
        f.subject = Some("root".into());
        assert!(matches!(plan(&Params {}, &host, "sec.accounts.empty-password", &f), Err(Skip::Refused(_))));
    }

    #[test]
    fn a_second_root_is_locked_and_expired_in_shadow_and_passwd() {
        use crate::repair::testing::{after, finding, plan, root};
        let dir = root(&[
            ("/etc/passwd", "root:x:0:0::/root:/bin/sh\ntoor:$1$ab$cd:0:0::/root:/bin/sh\nnone:x:0:0::/:/bin/sh\n"),
            ("/etc/shadow", "root:*:19000:0:99999:7:::\ntoor:$6$s$h:19000:0:99999:7:::\n"),
        ]);
        let host = crate::host::Host::new(dir.path());
        let mut f = finding("toor", "m", &[]);
        f.code = Some("UID0".into());
        let t = Target::test(&host, "sec.accounts.uid0", &f);
        assert_eq!(Params {}.shuts_out(&t).as_deref(), Some("toor"));
        let other = Target { check: "sec.accounts.empty-password", ..t };
        assert_eq!(Params {}.shuts_out(&other), None);
        let c = plan(&Params {}, &host, "sec.accounts.uid0", &f).unwrap();
        assert_eq!(after(&c), "root:*:19000:0:99999:7:::\ntoor:!$6$s$h:19000:0:99999:7::1:\n");
        assert_eq!(c.files[1].path, "/etc/passwd");
        let pw = String::from_utf8(c.files[1].after.clone().unwrap()).unwrap();
        assert!(pw.contains("toor:!$1$ab$cd:0:0::/root:/bin/sh\n"), "{pw}");
        f.subject = Some("none".into());
        assert!(matches!(plan(&Params {}, &host, "sec.accounts.uid0", &f), Err(Skip::Refused(_))), "no shadow line");
    }
}
