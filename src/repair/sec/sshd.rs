//! `action.sshd`: edits the SSH server's configuration (/etc/ssh/sshd_config and the files it
//! includes), line by line, for the `sec.ssh.*`, `net.ssh.*` and login findings.
//!
//! - `edit = "set", keyword = "PermitEmptyPasswords", value = "no"`: comments out every line
//!   that sets the keyword to another value (in the main file, a drop-in or a Match block) and
//!   writes `Keyword value` first in sshd_config (sshd takes the first value it reads);
//! - `edit = "listen-address"`: comments out each `ListenAddress` this host does not have (with
//!   none left sshd listens on every address); for `SSHD-LOOPBACK-ONLY` (sshd answers this
//!   server alone), the loopback `ListenAddress` lines when no line clients can reach is left,
//!   and the missing addresses with them, so sshd listens on every address;
//! - `edit = "unlock"`: comments out the access lines that lock every account out (the
//!   `DenyUsers`, `AllowUsers`, `DenyGroups`, `AllowGroups`, `AuthenticationMethods` or
//!   authentication switches the login matrix names), so the setting in force before them
//!   applies again.
//!
//! Validated with `sshd -t -f /etc/ssh/sshd_config` on the live system; the running sshd is then
//! sent SIGHUP (what `systemctl reload ssh` does), which makes it re-read the files. Every sshd
//! repair is guarded by the login matrix: an account that can log in before must still can.

use super::lines::{commented, insert_after_header, line_of, replace_line};
use super::{Action, Change, Command, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::ssh::sshd_config::read_settings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const CONFIG: &str = "/etc/ssh/sshd_config";

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub edit: Edit,
    /// For `set`: the keyword (`PermitEmptyPasswords`) and its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edit {
    Set,
    ListenAddress,
    Unlock,
}

/// The keywords whose lines can lock accounts out of SSH.
const ACCESS_KEYWORDS: &[&str] = &[
    "denyusers",
    "allowusers",
    "denygroups",
    "allowgroups",
    "authenticationmethods",
    "pubkeyauthentication",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "permitrootlogin",
    "authorizedkeysfile",
];

/// `file:line: text` → (file, line).
fn split_loc(loc: &str) -> Option<(String, usize)> {
    let (file, rest) = loc.split_once(':')?;
    let (line, _) = rest.split_once(':')?;
    Some((file.to_string(), line.trim().parse().ok()?))
}

/// The address of a `ListenAddress` value (`10.0.0.5`, `10.0.0.5:2222`, `[fe80::1]:22`).
fn listen_ip(value: &str) -> Option<std::net::IpAddr> {
    let v = value.split_whitespace().next()?;
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse().ok().or_else(|| v.rsplit_once(':').and_then(|(a, _)| a.parse().ok()))
}

/// The running sshd that listens (its master process): pid from the socket table.
fn running_sshd(t: &Target) -> Option<u32> {
    if !t.host.is_live() {
        return None;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let sockets = crate::host::sockets::scan(t.host, deadline).ok()?;
    let procs = crate::host::procs::scan(t.host, deadline).ok()?;
    sockets
        .sockets
        .iter()
        .filter(|s| s.proto == crate::host::sockets::Proto::Tcp && s.is_listening())
        .flat_map(|s| sockets.owners_of(s.inode).iter().copied())
        .filter(|pid| procs.get(*pid).is_some_and(|p| p.comm == "sshd"))
        .min()
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::Set => format!("sshd-{}", self.keyword.as_deref().unwrap_or("set").to_ascii_lowercase()),
            Edit::ListenAddress => "sshd-listen-address".into(),
            Edit::Unlock => "sshd-unlock".into(),
        }
    }

    fn validate(&self) -> Result<(), String> {
        let word = |s: &Option<String>| {
            s.as_deref()
                .is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.,@:".contains(c)))
        };
        match self.edit {
            Edit::Set if !(word(&self.keyword) && word(&self.value)) => {
                Err("edit = \"set\" needs keyword = \"<sshd keyword>\" and value = \"<value>\"".into())
            }
            Edit::ListenAddress | Edit::Unlock if self.keyword.is_some() || self.value.is_some() => {
                Err("keyword and value are only for edit = \"set\"".into())
            }
            _ => Ok(()),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let settings = read_settings(t.host, CONFIG)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", CONFIG), ("error", &e.to_string())])))?;
        // The lines to comment out, by file, and the line to write first in sshd_config.
        let mut out: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
        let mut first: Option<String> = None;
        let summary;
        match self.edit {
            Edit::Set => {
                let kw = self.keyword.clone().unwrap_or_default();
                let value = self.value.clone().unwrap_or_default();
                let key = kw.to_ascii_lowercase();
                let bad: Vec<_> = settings
                    .entries
                    .iter()
                    .filter(|e| e.keyword == key && !e.value.eq_ignore_ascii_case(&value))
                    .collect();
                let first_global = settings.entries.iter().find(|e| e.keyword == key && e.criteria.is_none());
                if bad.is_empty() && first_global.is_some_and(|e| e.value.eq_ignore_ascii_case(&value)) {
                    return Err(Skip::NotApplicable(rtf(l, R::SshdAlready, &[("setting", &format!("{kw} {value}"))])));
                }
                for e in bad {
                    if let Some((file, n)) = split_loc(&e.loc) {
                        out.entry(file).or_default().push((n, format!("{kw} {value}")));
                    }
                }
                first = Some(format!("{kw} {value}"));
                summary = rtf(l, R::SshdDoSet, &[("setting", &format!("{kw} {value}"))]);
            }
            Edit::ListenAddress => {
                let have = crate::probe::ssh::sshd_service::host_addresses(t.host)
                    .ok_or_else(|| Skip::Refused(rtf(l, R::SshdNoAddresses, &[])))?;
                let mut gone = Vec::new();
                let mut loopback = Vec::new();
                // Whether a line is left that clients outside can reach (an address of this host
                // that is not loopback, the unspecified address, or a name sshd resolves).
                let mut reachable = false;
                for e in settings.entries.iter().filter(|e| e.keyword == "listenaddress" && e.criteria.is_none()) {
                    let Some(loc) = split_loc(&e.loc) else { continue };
                    match listen_ip(&e.value) {
                        Some(ip) if ip.is_loopback() => loopback.push((ip, loc)),
                        Some(ip) if !ip.is_unspecified() && !have.contains(&ip) => gone.push((ip, loc)),
                        _ => reachable = true,
                    }
                }
                let loopback_only = t.finding.code.as_deref() == Some("SSHD-LOOPBACK-ONLY");
                if loopback_only {
                    // sshd bound to loopback alone: the loopback lines go, and the lines of
                    // addresses this host does not have with them (sshd bound to those alone
                    // would not start); with none left sshd listens on every address.
                    if reachable || loopback.is_empty() {
                        return Err(Skip::Refused(rtf(l, R::SshdNoLoopbackLine, &[])));
                    }
                    let mut names = Vec::new();
                    for (ip, (file, n)) in &loopback {
                        out.entry(file.clone())
                            .or_default()
                            .push((*n, format!("{ip} is loopback: clients outside were refused")));
                        names.push(ip.to_string());
                    }
                    for (ip, (file, n)) in &gone {
                        out.entry(file.clone()).or_default().push((*n, format!("{ip} is not an address of this host")));
                        names.push(ip.to_string());
                    }
                    summary = rtf(l, R::SshdDoLoopback, &[("addresses", &names.join(", "))]);
                } else {
                    if gone.is_empty() {
                        return Err(Skip::NotApplicable(rtf(l, R::SshdAddressesFine, &[])));
                    }
                    if !reachable && !loopback.is_empty() {
                        // Only loopback would be left: the repair of SSHD-LOOPBACK-ONLY comments
                        // these lines out with the loopback ones, in one change.
                        return Err(Skip::NotApplicable(rtf(l, R::SshdLoopbackFirst, &[])));
                    }
                    for (ip, (file, n)) in &gone {
                        out.entry(file.clone()).or_default().push((*n, format!("{ip} is not an address of this host")));
                    }
                    let names: Vec<String> = gone.iter().map(|(ip, _)| ip.to_string()).collect();
                    summary = rtf(l, R::SshdDoListen, &[("addresses", &names.join(", "))]);
                }
            }
            Edit::Unlock => {
                // The lines the login matrix names as the refusals, that are sshd settings.
                for ev in &t.finding.evidence {
                    let ev = ev.trim();
                    let Some((file, n)) = split_loc(ev) else { continue };
                    if !file.starts_with("/etc/ssh/") {
                        continue;
                    }
                    let text = ev.splitn(3, ':').nth(2).unwrap_or("").trim().to_ascii_lowercase();
                    let keyword = text.split(|c: char| c.is_whitespace() || c == '=').next().unwrap_or("");
                    if ACCESS_KEYWORDS.contains(&keyword) {
                        let list = out.entry(file).or_default();
                        if !list.iter().any(|(m, _)| *m == n) {
                            list.push((n, "it locked every account out".into()));
                        }
                    }
                }
                if out.is_empty() {
                    return Err(Skip::Refused(rtf(l, R::SshdNoLockLine, &[])));
                }
                let lines: Vec<String> =
                    out.iter().flat_map(|(f, v)| v.iter().map(move |(n, _)| format!("{f}:{n}"))).collect();
                summary = rtf(l, R::SshdDoUnlock, &[("lines", &lines.join(", "))]);
            }
        }
        let mut files = Vec::new();
        let mut paths: Vec<String> = out.keys().cloned().collect();
        if first.is_some() && !paths.iter().any(|p| p == CONFIG) {
            paths.insert(0, CONFIG.to_string());
        }
        for path in paths {
            let bytes = std::fs::read(t.host.path(&path))
                .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", &path), ("error", &e.to_string())])))?;
            let mut after = bytes.clone();
            for (n, why) in out.get(&path).into_iter().flatten() {
                let old = line_of(&after, *n)
                    .ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", &format!("{path}:{n}"))])))?
                    .to_string();
                let why = if self.edit == Edit::Set { format!("replaced by \"{why}\"") } else { why.clone() };
                after = replace_line(&after, *n, &commented(&old, &why));
            }
            if path == CONFIG
                && let Some(line) = &first
            {
                after = insert_after_header(&after, line);
            }
            files.push(FileEdit { path, after: Some(after) });
        }
        let mut validate = Vec::new();
        let mut commands = Vec::new();
        if t.host.is_live() {
            validate.push(Command::new("sshd", &["-t", "-f", CONFIG]).optional());
            if let Some(pid) = running_sshd(t) {
                commands.push(Command::new("kill", &["-HUP", &pid.to_string()]));
            }
        }
        Ok(Change { summary, files, validate, live: Vec::new(), commands, guards_login: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    fn finding(evidence: &[&str]) -> Finding {
        Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some("s".into()),
            code: None,
            evidence: evidence.iter().map(|s| s.to_string()).collect(),
            since: None,
        }
    }

    fn after(c: &Change, path: &str) -> String {
        let f = c.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} not changed: {c:?}"));
        String::from_utf8(f.after.clone().unwrap()).unwrap()
    }

    #[test]
    fn set_comments_out_every_other_value_and_writes_the_setting_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/ssh/sshd_config.d")).unwrap();
        std::fs::write(
            root.join("etc/ssh/sshd_config"),
            "# top\nInclude /etc/ssh/sshd_config.d/*.conf\nPort 22\nMatch User x\n  PermitEmptyPasswords yes\n",
        )
        .unwrap();
        std::fs::write(root.join("etc/ssh/sshd_config.d/50-x.conf"), "PermitEmptyPasswords yes\n").unwrap();
        let host = Host::new(root);
        let p = Params { edit: Edit::Set, keyword: Some("PermitEmptyPasswords".into()), value: Some("no".into()) };
        let f = finding(&[]);
        let c = p.plan(&Target::test(&host, "sec.ssh.empty-passwords", &f)).unwrap();
        assert_eq!(
            after(&c, CONFIG),
            "# top\nPermitEmptyPasswords no\nInclude /etc/ssh/sshd_config.d/*.conf\nPort 22\nMatch User x\n#   PermitEmptyPasswords yes  # ecs-doctor fix: replaced by \"PermitEmptyPasswords no\"\n"
        );
        assert_eq!(
            after(&c, "/etc/ssh/sshd_config.d/50-x.conf"),
            "# PermitEmptyPasswords yes  # ecs-doctor fix: replaced by \"PermitEmptyPasswords no\"\n"
        );
        assert!(c.guards_login && c.validate.is_empty() && c.commands.is_empty(), "no sshd -t nor reload under --root");
        assert_eq!(p.name(), "sshd-permitemptypasswords");
        assert!(Params { edit: Edit::Set, keyword: None, value: None }.validate().is_err());
        assert!(Params { edit: Edit::Unlock, keyword: Some("x".into()), value: None }.validate().is_err());
    }

    #[test]
    fn listen_addresses_and_lockout_lines() {
        assert_eq!(listen_ip("10.0.0.5:2222"), "10.0.0.5".parse().ok());
        assert_eq!(listen_ip("[fe80::1]:22"), "fe80::1".parse().ok());
        assert_eq!(listen_ip("0.0.0.0"), "0.0.0.0".parse().ok());
        assert_eq!(split_loc("/etc/ssh/a.conf:3: DenyUsers *"), Some(("/etc/ssh/a.conf".into(), 3)));
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/ssh/sshd_config.d")).unwrap();
        std::fs::write(root.join("etc/ssh/sshd_config"), "Include /etc/ssh/sshd_config.d/*.conf\n").unwrap();
        std::fs::write(root.join("etc/ssh/sshd_config.d/99-lock.conf"), "# pushed by mistake\nDenyUsers *\n").unwrap();
        let host = Host::new(root);
        let f = finding(&[
            "  /etc/ssh/sshd_config.d/99-lock.conf:2: DenyUsers *",
            "/etc/passwd:1: root:x:0:0::/root:/bin/bash",
        ]);
        let p = Params { edit: Edit::Unlock, keyword: None, value: None };
        let c = p.plan(&Target::test(&host, "sec.login.matrix", &f)).unwrap();
        assert_eq!(
            after(&c, "/etc/ssh/sshd_config.d/99-lock.conf"),
            "# pushed by mistake\n# DenyUsers *  # ecs-doctor fix: it locked every account out\n"
        );
        assert_eq!(c.files.len(), 1);
    }
}
