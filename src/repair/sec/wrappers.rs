//! `action.wrappers`: comments out the TCP wrappers rules that refuse sshd connections
//! (`sec.ssh.tcp-wrappers`): the rule the finding names, and any rule that would refuse the
//! same client once it is gone (a `sshd: ALL` line after an `ALL: ALL` one), decided again
//! from /etc/hosts.allow and /etc/hosts.deny as they are now, the way libwrap does (the first
//! matching line of hosts.allow, then of hosts.deny). Each line is commented out with the
//! reason; every other byte stays. A rule continued over several lines (`\`) is refused:
//! commenting out its first line would turn the rest into a rule of its own. No reload: sshd
//! reads the files for each connection.

use super::lines::{commented, line_of, replace_line};
use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::ssh::tcp_wrappers::{FROM_PREFIX, Rule, decide, parse_rules};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const FILES: [&str; 2] = ["/etc/hosts.allow", "/etc/hosts.deny"];

/// `/etc/hosts.deny:3: sshd: ALL` → (file, line).
fn loc_of(rule: &Rule) -> Option<(String, usize)> {
    let (file, rest) = rule.loc.split_once(':')?;
    Some((file.to_string(), rest.split(':').next()?.trim().parse().ok()?))
}

impl Action for Params {
    fn name(&self) -> String {
        "wrappers-comment-out".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let from = t
            .finding
            .evidence
            .iter()
            .find_map(|e| e.strip_prefix(FROM_PREFIX))
            .map(str::trim)
            .ok_or_else(|| Skip::Refused(rtf(l, R::WrappersNoClient, &[])))?;
        let mut bytes: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
        for path in FILES {
            match std::fs::read(t.host.path(path)) {
                Ok(b) => {
                    bytes.insert(path, b);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())])));
                }
            }
        }
        let rules =
            |path: &str| bytes.get(path).map(|b| parse_rules(path, &String::from_utf8_lossy(b))).unwrap_or_default();
        let (mut allow, mut deny) = (rules(FILES[0]), rules(FILES[1]));
        let mut out: Vec<(String, usize)> = Vec::new();
        while let Some((rule, true)) = decide(&allow, &deny, from) {
            let Some((file, n)) = loc_of(rule) else { break };
            let text = bytes.get(file.as_str()).and_then(|b| line_of(b, n)).unwrap_or_default();
            if text.trim_end().ends_with('\\') {
                return Err(Skip::Refused(rtf(l, R::WrappersContinued, &[("line", &rule.loc)])));
            }
            let loc = rule.loc.clone();
            allow.retain(|r| r.loc != loc);
            deny.retain(|r| r.loc != loc);
            out.push((file, n));
        }
        if out.is_empty() {
            return Err(Skip::NotApplicable(rtf(l, R::WrappersAdmits, &[("from", from)])));
        }
        let mut files = Vec::new();
        for path in FILES {
            let mine: Vec<usize> = out.iter().filter(|(f, _)| f == path).map(|(_, n)| *n).collect();
            let Some(before) = bytes.get(path).filter(|_| !mine.is_empty()) else { continue };
            let mut after = before.clone();
            for n in mine {
                let old = line_of(&after, n)
                    .ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", &format!("{path}:{n}"))])))?
                    .to_string();
                after = replace_line(&after, n, &commented(&old, "it refused SSH connections"));
            }
            files.push(FileEdit { path: path.to_string(), after: Some(after) });
        }
        let lines: Vec<String> = out.iter().map(|(f, n)| format!("{f}:{n}")).collect();
        Ok(Change {
            summary: rtf(l, R::WrappersDo, &[("lines", &lines.join(", ")), ("from", from)]),
            files,
            guards_login: true,
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    fn plan(root: &std::path::Path, from: &str) -> Result<Change, Skip> {
        let host = Host::new(root);
        let f = Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some("/etc/hosts.deny:2".into()),
            code: Some("TCP_WRAPPERS".into()),
            evidence: vec![format!("{FROM_PREFIX}{from}")],
            since: None,
        };
        Params {}.plan(&Target::test(&host, "sec.ssh.tcp-wrappers", &f))
    }

    #[test]
    fn every_rule_that_refuses_the_client_is_commented_out_and_the_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/hosts.allow"), "vsftpd: 10.0.0.0/8\n").unwrap();
        std::fs::write(root.join("etc/hosts.deny"), "# hardening\nALL: ALL\nsshd: 203.0.113.\nportmap: ALL\n").unwrap();
        let c = plan(root, "203.0.113.9").unwrap();
        assert_eq!(c.files.len(), 1);
        assert_eq!(
            String::from_utf8(c.files[0].after.clone().unwrap()).unwrap(),
            "# hardening\n# ALL: ALL  # ecs-doctor fix: it refused SSH connections\n\
             # sshd: 203.0.113.  # ecs-doctor fix: it refused SSH connections\nportmap: ALL\n"
        );
        assert!(c.guards_login);
        // Another client: only ALL: ALL refuses it.
        let c = plan(root, "198.51.100.7").unwrap();
        assert!(String::from_utf8(c.files[0].after.clone().unwrap()).unwrap().contains("\nsshd: 203.0.113.\n"));
        std::fs::write(root.join("etc/hosts.deny"), "sshd: \\\n  ALL\n").unwrap();
        assert!(matches!(plan(root, "198.51.100.7"), Err(Skip::Refused(_))), "a continued rule");
        std::fs::write(root.join("etc/hosts.allow"), "sshd: ALL\n").unwrap();
        assert!(matches!(plan(root, "198.51.100.7"), Err(Skip::NotApplicable(_))), "admitted");
    }
}
