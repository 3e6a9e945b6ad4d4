//! `action.sudoers`: a sudo rule that needs no password (`sec.accounts.sudo-nopasswd`,
//! `SUDO_NOPASSWD`) made to ask for one: every `NOPASSWD:` tag of that rule becomes `PASSWD:`
//! (the explicit tag, so a later `Defaults` cannot turn it back), validated with sudo's own
//! checker (`visudo -c -f FILE`; one that already failed cannot veto).
//!
//! Never takes sudo away: sudo would then ask each account the rule names for its password, so
//! every one of them must have a usable one (a hash in /etc/shadow, not `!`, `*` or empty).
//! A cloud image's default user with a locked password keeps its rule, and the plan says why
//! and what to do (`passwd USER`, then fix again). Refused too when who the rule applies to is
//! not knowable from the files (`ALL`, a `User_Alias`, a netgroup, a negation), for
//! `Defaults !authenticate` (it applies to every rule of its scope), and for a rule continued
//! over several lines.

use super::{Action, Change, Command, FileEdit, Skip, Target};
use crate::host::fsmeta::Names;
use crate::i18n::{R, rtf};
use crate::probe::accounts::shadow::{self, Password};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// `path:N: text` (the probe's evidence) → the file and line number.
fn location(evidence: &str) -> Option<(String, usize)> {
    let mut from = 0;
    while let Some(i) = evidence[from..].find(':').map(|i| i + from) {
        let rest = &evidence[i + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && rest[digits.len()..].starts_with(':') {
            return Some((evidence[..i].to_string(), digits.parse().ok()?));
        }
        from = i + 1;
    }
    None
}

/// The accounts a rule's user list names (`admin,%wheel,#1001`); `Err(item)` for an item that
/// does not name accounts knowably.
fn accounts_of(list: &str, host: &crate::host::Host) -> Result<Vec<String>, String> {
    let (accounts, _) = crate::probe::accounts::passwd::read_accounts(host).map_err(|_| list.to_string())?;
    let names = Names::load(host);
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let unknowable = item.starts_with(['!', '+']) || item == "ALL" || item.starts_with("%:");
        let alias = item.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && item.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if unknowable || alias {
            return Err(item.to_string());
        }
        if let Some(group) = item.strip_prefix('%') {
            let gid = match group.strip_prefix('#') {
                Some(n) => n.parse::<u32>().map_err(|_| item.to_string())?,
                None => names.groups.iter().find(|(_, n)| *n == group).map(|(g, _)| *g).ok_or(item.to_string())?,
            };
            out.extend(accounts.iter().filter(|a| a.gid == gid).map(|a| a.name.clone()));
            out.extend(names.members.get(&gid).cloned().unwrap_or_default());
        } else if let Some(uid) = item.strip_prefix('#') {
            let uid: u32 = uid.parse().map_err(|_| item.to_string())?;
            out.extend(accounts.iter().filter(|a| a.uid == uid).map(|a| a.name.clone()));
        } else {
            out.push(item.trim_matches('"').to_string());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

impl Action for Params {
    fn name(&self) -> String {
        "sudoers-passwd".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let Some((path, n)) = t.finding.evidence.iter().find_map(|e| location(e)) else {
            return Err(Skip::Refused(rtf(l, R::SudoNoRule, &[])));
        };
        let bytes = std::fs::read(t.host.path(&path))
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", &path), ("error", &e.to_string())])))?;
        let line =
            super::lines::line_of(&bytes, n).ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", &path)])))?;
        let at = format!("{path}:{n}");
        let first = line.split_whitespace().next().unwrap_or("");
        if first == "Defaults" || first.starts_with("Defaults") {
            return Err(Skip::Refused(rtf(l, R::SudoDefaults, &[("at", &at)])));
        }
        if line.trim_end().ends_with('\\') {
            return Err(Skip::Refused(rtf(l, R::SudoContinued, &[("at", &at)])));
        }
        if !line.contains("NOPASSWD:") {
            return Err(Skip::NotApplicable(rtf(l, R::SudoAlready, &[("at", &at)])));
        }
        let who = accounts_of(first, t.host)
            .map_err(|item| Skip::Refused(rtf(l, R::SudoWhoUnknown, &[("who", &item), ("at", &at)])))?;
        let entries = shadow::read_shadow(t.host)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", "/etc/shadow"), ("error", &e.to_string())])))?
            .unwrap_or_default();
        let without: Vec<&str> = who
            .iter()
            .filter(|u| u.as_str() != "root")
            .filter(|u| entries.get(u.as_str()).is_none_or(|e| e.password() != Password::Usable))
            .map(String::as_str)
            .collect();
        if !without.is_empty() {
            return Err(Skip::Refused(rtf(l, R::SudoNoPassword, &[("users", &without.join(", ")), ("at", &at)])));
        }
        let after = super::lines::replace_line(&bytes, n, &line.replace("NOPASSWD:", "PASSWD:"));
        let target = t.host.path(&path).to_string_lossy().into_owned();
        let accounts = if who.is_empty() { "-".to_string() } else { who.join(", ") };
        Ok(Change {
            summary: rtf(l, R::SudoDo, &[("at", &at), ("who", first), ("accounts", &accounts)]),
            files: vec![FileEdit { path, after: Some(after) }],
            validate: vec![Command::new("visudo", &["-c", "-q", "-f", &target]).only_if_passing_before()],
            live: Vec::new(),
            commands: Vec::new(),
            guards_login: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::{after, finding, plan, root};

    const HASH: &str = "$6$abcdefgh$d7YcbCBCUcdPIGAwrFw9JfLNiLi2ePzHoZd7FutBXl/KmdkgDaEE3aI8Eckbh76etkJFXcmLRTXS/T7gtd";

    fn sys() -> tempfile::TempDir {
        root(&[
            (
                "/etc/passwd",
                "root:x:0:0::/root:/bin/sh\nadm1:x:1000:1000::/h:/bin/sh\nlocked:x:1001:1001::/h:/bin/sh\nbob:x:1002:27::/h:/bin/sh\n",
            ),
            ("/etc/shadow", &format!("root:*:1::::::\nadm1:{HASH}:1::::::\nlocked:!:1::::::\nbob:{HASH}:1::::::\n")),
            ("/etc/group", "adm1:x:1000:\nsudo:x:27:adm1\nops:x:50:locked\n"),
            (
                "/etc/sudoers.d/90-users",
                "# users\nadm1 ALL=(ALL) NOPASSWD:ALL\nlocked ALL=(ALL) NOPASSWD: ALL\n%sudo ALL=(ALL) NOPASSWD:SETENV: /bin/a, NOPASSWD: /bin/b\n%ops ALL=NOPASSWD:ALL\nADMINS ALL=NOPASSWD:ALL\nDefaults:adm1 !authenticate\n",
            ),
        ])
    }

    fn at(n: usize) -> crate::report::Finding {
        finding("x", "m", &[&format!("/etc/sudoers.d/90-users:{n}: the line")])
    }

    #[test]
    fn the_rule_asks_for_a_password_only_when_every_account_has_one() {
        let dir = sys();
        let host = Host::new(dir.path());
        let c = plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(2)).unwrap();
        assert!(after(&c).contains("\nadm1 ALL=(ALL) PASSWD:ALL\nlocked ALL=(ALL) NOPASSWD: ALL\n"), "{}", after(&c));
        assert_eq!(c.validate[0].program, "visudo");
        let group = plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(4)).unwrap();
        assert!(after(&group).contains("%sudo ALL=(ALL) PASSWD:SETENV: /bin/a, PASSWD: /bin/b\n"));
        assert!(group.summary.contains("adm1, bob"), "the group's members and its primary members: {}", group.summary);
        let refused = |n: usize| match plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(n)) {
            Err(Skip::Refused(r)) => r,
            other => panic!("line {n}: {other:?}"),
        };
        assert!(refused(3).contains("locked"), "a locked password would take sudo away");
        assert!(refused(5).contains("locked"), "a group member without a password");
        assert!(refused(6).contains("ADMINS"), "an alias");
        assert!(refused(7).contains("Defaults"));
        assert_eq!(location("/etc/sudoers.d/a:b:12: x:1:"), Some(("/etc/sudoers.d/a:b".into(), 12)));
    }
}
