//! `action.sudoers`: a sudo rule that needs no password (`sec.accounts.sudo-nopasswd`,
//! `SUDO_NOPASSWD`) made to ask for one: every `NOPASSWD:` tag of that rule becomes `PASSWD:`
//! (the explicit tag, so a later `Defaults` cannot turn it back), validated with sudo's own
//! checker (`visudo -c -f FILE`; one that already failed cannot veto).
//!
//! Never takes sudo away: sudo would then ask each account the rule names for its password, so
//! every one of them must have a usable one (a hash in /etc/shadow, not `!`, `*` or empty).
//! A cloud image's default user with a locked password keeps its rule, and the plan says why
//! and what to do (`passwd USER`, then fix again). Refused too when who the rule applies to is
//! not knowable from the files (`ALL`, a `User_Alias`, a netgroup, a negation, a `%group` when
//! groups also come from a directory service), when a `Defaults rootpw`/`targetpw`/`runaspw`
//! makes sudo ask for a password other than the user's, for `Defaults !authenticate` (it applies
//! to every rule of its scope), and for a rule continued over several lines.

use super::{Action, Change, Command, FileEdit, Skip, Target};
use crate::host::fsmeta::Names;
use crate::i18n::{R, rtf};
use crate::probe::accounts::shadow::{self, Password};
use crate::probe::accounts::sudoers::strip_comment;
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

/// The user list a rule starts with: its words up to the first blank that no comma joins
/// (`alice, bob ALL=...` is `alice, bob`, which the probe's first word alone would cut short).
fn user_list(body: &str) -> &str {
    let b = body.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let end = i;
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < b.len() && b[j] == b',' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
        } else if !(end > 0 && b[end - 1] == b',' && j < b.len()) {
            return &body[..end];
        }
        i = j;
    }
}

/// Whether the group database is only the files (/etc/nsswitch.conf's `group:` sources are
/// `files`, `compat` or `systemd`, or there is no such line): only then does /etc/group name
/// every member of a `%group`.
fn groups_are_local(host: &crate::host::Host) -> bool {
    let Ok(Some(f)) = host.read_optional("/etc/nsswitch.conf") else {
        return true;
    };
    let sources = f.text.lines().map(|l| l.split('#').next().unwrap_or("")).find_map(|l| {
        let (key, rest) = l.split_once(':')?;
        (key.trim() == "group").then_some(rest.to_string())
    });
    sources.is_none_or(|s| {
        s.split_whitespace().filter(|w| !w.starts_with('[')).all(|w| ["files", "compat", "systemd"].contains(&w))
    })
}

/// Why the accounts of a user list are not knowable, or what stops reading them.
enum Unknown {
    /// An item (`ALL`, an alias, a netgroup, a negation, a group from a directory service).
    Item(String),
    /// A file that could not be read.
    Read(String, std::io::Error),
}

/// The accounts a rule's user list names (`admin, %wheel, #1001`).
fn accounts_of(list: &str, host: &crate::host::Host) -> Result<Vec<String>, Unknown> {
    let (accounts, _) =
        crate::probe::accounts::passwd::read_accounts(host).map_err(|e| Unknown::Read("/etc/passwd".into(), e))?;
    let names = Names::load(host);
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let unknowable = item.starts_with(['!', '+']) || item == "ALL" || item.starts_with("%:") || item.contains('\\');
        let alias = item.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && item.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if unknowable || alias {
            return Err(Unknown::Item(item.to_string()));
        }
        if let Some(group) = item.strip_prefix('%') {
            if !groups_are_local(host) {
                return Err(Unknown::Item(item.to_string()));
            }
            let group = group.trim_matches('"');
            let gid = match group.strip_prefix('#') {
                Some(n) => n.parse::<u32>().map_err(|_| Unknown::Item(item.to_string()))?,
                None => names
                    .groups
                    .iter()
                    .find(|(_, n)| *n == group)
                    .map(|(g, _)| *g)
                    .ok_or_else(|| Unknown::Item(item.to_string()))?,
            };
            out.extend(accounts.iter().filter(|a| a.gid == gid).map(|a| a.name.clone()));
            out.extend(names.members.get(&gid).cloned().unwrap_or_default());
        } else if let Some(uid) = item.strip_prefix('#') {
            let uid: u32 = uid.parse().map_err(|_| Unknown::Item(item.to_string()))?;
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
        let cannot_read = |path: &str, e: &std::io::Error| {
            Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())]))
        };
        let Some((path, n)) = t.finding.evidence.iter().find_map(|e| location(e)) else {
            return Err(Skip::Refused(rtf(l, R::SudoNoRule, &[])));
        };
        let bytes = std::fs::read(t.host.path(&path)).map_err(|e| cannot_read(&path, &e))?;
        let line =
            super::lines::line_of(&bytes, n).ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", &path)])))?;
        let at = format!("{path}:{n}");
        // The rule itself, its trailing comment left as it is.
        let code = strip_comment(line);
        let body = code.trim();
        let first = body.split_whitespace().next().unwrap_or("");
        if first.starts_with("Defaults") {
            return Err(Skip::Refused(rtf(l, R::SudoDefaults, &[("at", &at)])));
        }
        if line.trim_end().ends_with('\\') {
            return Err(Skip::Refused(rtf(l, R::SudoContinued, &[("at", &at)])));
        }
        if !body.contains("NOPASSWD:") {
            return Err(Skip::NotApplicable(rtf(l, R::SudoAlready, &[("at", &at)])));
        }
        // rootpw, targetpw, runaspw: sudo would ask for a password other than the user's own.
        let others = crate::probe::accounts::sudoers::other_password_defaults(t.host)
            .map_err(|e| cannot_read("/etc/sudoers", &e))?;
        if let Some(other) = others.first() {
            return Err(Skip::Refused(rtf(l, R::SudoOtherPassword, &[("at", &at), ("defaults", other)])));
        }
        let list = user_list(body);
        let who = accounts_of(list, t.host).map_err(|u| match u {
            Unknown::Item(item) => Skip::Refused(rtf(l, R::SudoWhoUnknown, &[("who", &item), ("at", &at)])),
            Unknown::Read(path, e) => cannot_read(&path, &e),
        })?;
        let entries = shadow::read_shadow(t.host).map_err(|e| cannot_read("/etc/shadow", &e))?.unwrap_or_default();
        // root is never asked (sudo does not authenticate root); every other account must have
        // a password sudo can check, or the rule takes its sudo away.
        let without: Vec<&str> = who
            .iter()
            .filter(|u| u.as_str() != "root")
            .filter(|u| entries.get(u.as_str()).is_none_or(|e| e.password() != Password::Usable))
            .map(String::as_str)
            .collect();
        if !without.is_empty() {
            return Err(Skip::Refused(rtf(l, R::SudoNoPassword, &[("users", &without.join(", ")), ("at", &at)])));
        }
        let new = format!("{}{}", code.replace("NOPASSWD:", "PASSWD:"), &line[code.len()..]);
        let after = super::lines::replace_line(&bytes, n, &new);
        let target = t.host.path(&path).to_string_lossy().into_owned();
        let accounts = if who.is_empty() { "-".to_string() } else { who.join(", ") };
        Ok(Change {
            summary: rtf(l, R::SudoDo, &[("at", &at), ("who", list), ("accounts", &accounts)]),
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
            ("/etc/sudoers", "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n"),
            (
                "/etc/sudoers.d/90-users",
                "# users\nadm1 ALL=(ALL) NOPASSWD:ALL # was NOPASSWD: since 2020\nlocked ALL=(ALL) NOPASSWD: ALL\n\
                 %sudo ALL=(ALL) NOPASSWD:SETENV: /bin/a, NOPASSWD: /bin/b\n%ops ALL=NOPASSWD:ALL\nADMINS ALL=NOPASSWD:ALL\n\
                 Defaults:adm1 !authenticate\nadm1 , bob,locked ALL=NOPASSWD:ALL\nadm1, bob ALL=NOPASSWD:ALL\n\
                 adm1 ALL=(ALL) ALL\n",
            ),
        ])
    }

    fn at(n: usize) -> crate::report::Finding {
        finding("x", "m", &[&format!("/etc/sudoers.d/90-users:{n}: the line")])
    }

    fn refused(host: &Host, n: usize) -> String {
        match plan(&Params {}, host, "sec.accounts.sudo-nopasswd", &at(n)) {
            Err(Skip::Refused(r)) => r,
            other => panic!("line {n}: {other:?}"),
        }
    }

    #[test]
    fn the_rule_asks_for_a_password_only_when_every_account_has_one() {
        let dir = sys();
        let host = Host::new(dir.path());
        let c = plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(2)).unwrap();
        assert!(
            after(&c)
                .contains("\nadm1 ALL=(ALL) PASSWD:ALL # was NOPASSWD: since 2020\nlocked ALL=(ALL) NOPASSWD: ALL\n"),
            "the rule changed, its comment and the other rules not: {}",
            after(&c)
        );
        assert_eq!(c.files[0].path, "/etc/sudoers.d/90-users");
        assert_eq!(c.validate[0].program, "visudo");
        let group = plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(4)).unwrap();
        assert!(after(&group).contains("%sudo ALL=(ALL) PASSWD:SETENV: /bin/a, PASSWD: /bin/b\n"));
        assert!(group.summary.contains("adm1, bob"), "the group's members and its primary members: {}", group.summary);
        let two = plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(9)).unwrap();
        assert!(
            after(&two).contains("\nadm1, bob ALL=PASSWD:ALL\n") && two.summary.contains("adm1, bob"),
            "{}",
            two.summary
        );
        assert!(refused(&host, 3).contains("locked"), "a locked password would take sudo away");
        assert!(refused(&host, 5).contains("locked"), "a group member without a password");
        assert!(refused(&host, 6).contains("ADMINS"), "an alias");
        assert!(refused(&host, 7).contains("Defaults"));
        assert!(refused(&host, 8).contains("locked"), "the user list goes on after a blank and a comma");
        assert!(matches!(plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(10)), Err(Skip::NotApplicable(_))));
        assert_eq!(location("/etc/sudoers.d/a:b:12: x:1:"), Some(("/etc/sudoers.d/a:b".into(), 12)));
        assert_eq!(user_list("a ,b, c d=e"), "a ,b, c");
        assert_eq!(user_list("a"), "a");
    }

    #[test]
    fn whose_password_sudo_asks_for_must_be_knowable() {
        let dir = sys();
        let host = Host::new(dir.path());
        // Groups also from a directory service: /etc/group does not name every member.
        std::fs::write(dir.path().join("etc/nsswitch.conf"), "passwd: files sss\ngroup: files [SUCCESS=merge] sss\n")
            .unwrap();
        assert!(refused(&host, 4).contains("%sudo"));
        assert!(plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(2)).is_ok(), "a named account is known");
        std::fs::write(dir.path().join("etc/nsswitch.conf"), "group: files systemd\n").unwrap();
        assert!(plan(&Params {}, &host, "sec.accounts.sudo-nopasswd", &at(4)).is_ok());
        // rootpw in any file sudo reads: root's password would be asked for.
        std::fs::write(dir.path().join("etc/sudoers.d/00-defaults"), "Defaults rootpw\n").unwrap();
        let why = refused(&host, 2);
        assert!(why.contains("/etc/sudoers.d/00-defaults:1"), "{why}");
    }
}
