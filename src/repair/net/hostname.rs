//! `action.hostname`: gives the instance the hostname set in the console (metadata `hostname`),
//! now and at the next boot (`net.metadata.hostname`):
//!
//! - the running name, when it is not the console's: `hostname NAME` (the kernel's name, as
//!   `hostnamectl --transient` sets it), undone with `hostname OLD`;
//! - /etc/hostname, when it does not hold that name: its name line replaced (comment lines kept,
//!   a missing file created), so the next boot keeps it whatever cloud-init does;
//! - /etc/hosts, when a line maps the old running name (Debian's `127.0.1.1 old`): that name
//!   replaced by the new one, so `sudo` and the tools that resolve their own name still can.
//!
//! The name is read again from the metadata service when planning ([`super::console`]), never
//! from the report, and never guessed: without it the repair is refused. cloud-init's
//! `preserve_hostname: true` (the check knows it) means the guest's own name is kept on purpose:
//! a running name that is not the console's is then not replaced (which one is right is the
//! owner's to say), only a running name that is the console's is written to /etc/hostname. A
//! running name that matches the console's as a name (the short name of its FQDN, another case)
//! is kept as it is. Refused under `--root` (the service describes the machine running the tool).

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::cloud::metadata_hostname::{preserve_hostname, same};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// A hostname the kernel and every resolver accept: labels of letters, digits and `-`
/// (not first or last), joined by `.`, at most 64 bytes (HOST_NAME_MAX).
pub fn is_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// /etc/hostname with `name` as its name line (the first line that is not a comment; comment
/// lines kept), or `None` when it already says so.
fn etc_hostname(before: &str, name: &str) -> Option<String> {
    let mut out = Vec::new();
    let mut done = false;
    for line in before.lines() {
        let t = line.trim();
        if done || t.is_empty() || t.starts_with('#') {
            out.push(line.to_string());
            continue;
        }
        if t == name {
            return None;
        }
        out.push(name.to_string());
        done = true;
    }
    if !done {
        out.push(name.to_string());
    }
    Some(out.join("\n") + "\n")
}

/// /etc/hosts with every `old` name of a loopback line (127.0.1.1, 127.0.0.1, ::1) replaced by
/// `new`, or `None` when no line names it.
fn etc_hosts(before: &str, old: &str, new: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::new();
    for line in before.split_inclusive('\n') {
        let (body, comment) = match line.find('#') {
            Some(i) => (&line[..i], &line[i..]),
            None => (line, ""),
        };
        let mut words = body.split_whitespace();
        let loopback = words.next().is_some_and(|a| a.starts_with("127.") || a == "::1");
        if loopback && words.any(|w| w == old) {
            // Replace the word in place, keeping the spacing of the line.
            let mut rebuilt = String::new();
            let mut rest = body;
            while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
                rebuilt.push_str(&rest[..start]);
                let tail = &rest[start..];
                let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
                rebuilt.push_str(if &tail[..end] == old { new } else { &tail[..end] });
                rest = &tail[end..];
            }
            rebuilt.push_str(rest);
            out.push_str(&rebuilt);
            out.push_str(comment);
            changed = true;
        } else {
            out.push_str(line);
        }
    }
    changed.then_some(out)
}

impl Action for Params {
    fn name(&self) -> String {
        "hostname-console".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let net = super::console::network(t)?;
        let Some(console) = net.hostname.clone() else {
            return Err(Skip::Refused(rtf(l, R::ConsoleNoValue, &[("url", &net.url), ("value", "hostname")])));
        };
        if !is_hostname(&console) {
            return Err(Skip::Refused(rtf(l, R::HostnameInvalid, &[("name", &crate::fmt::inert(&console))])));
        }
        let running = crate::host::facts::hostname(t.host);
        let (preserved, line) = preserve_hostname(t.host);
        let rename = !same(&running, &console);
        if rename && preserved {
            let at = line.unwrap_or_else(|| "preserve_hostname: true".into());
            return Err(Skip::Refused(rtf(
                l,
                R::HostnamePreserved,
                &[("name", &running), ("console", &console), ("line", &crate::fmt::inert(&at))],
            )));
        }
        // The name to keep: the console's, or the running one when it is the console's already.
        let name = if rename { console.clone() } else { running.clone() };
        let mut change = Change::default();
        if rename {
            if !is_hostname(&running) {
                return Err(Skip::Refused(rtf(l, R::HostnameInvalid, &[("name", &crate::fmt::inert(&running))])));
            }
            change.live.push(Live {
                run: Command::new("hostname", &[&console]),
                undo: Some(Command::new("hostname", &[&running])),
            });
            if let Ok(Some(f)) = t.host.read_optional("/etc/hosts")
                && !f.truncated
                && !f.not_text
                && let Some(after) = etc_hosts(&f.text, &running, &console)
            {
                change.files.push(FileEdit { path: "/etc/hosts".into(), after: Some(after.into_bytes()) });
            }
        }
        let before = match t.host.read_optional("/etc/hostname") {
            Ok(Some(f)) if f.truncated || f.not_text => {
                return Err(Skip::Refused(rtf(l, R::NotText, &[("path", "/etc/hostname")])));
            }
            Ok(f) => f.map(|f| f.text).unwrap_or_default(),
            Err(e) => {
                return Err(Skip::Refused(rtf(
                    l,
                    R::CannotRead,
                    &[("path", "/etc/hostname"), ("error", &e.to_string())],
                )));
            }
        };
        if let Some(after) = etc_hostname(&before, &name) {
            change.files.insert(0, FileEdit { path: "/etc/hostname".into(), after: Some(after.into_bytes()) });
        }
        change.summary = if rename {
            rtf(l, R::HostnameDoRename, &[("old", &running), ("name", &name)])
        } else {
            rtf(l, R::HostnameDoPersist, &[("name", &name)])
        };
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_and_hosts_lines() {
        assert!(is_hostname("iZbp1abcZ") && is_hostname("web-1.example.com"));
        assert!(!is_hostname("-x") && !is_hostname("a b") && !is_hostname("a..b") && !is_hostname(&"a".repeat(65)));
        assert_eq!(etc_hostname("old\n", "new").as_deref(), Some("new\n"));
        assert_eq!(etc_hostname("# set by hand\nold\n", "new").as_deref(), Some("# set by hand\nnew\n"));
        assert_eq!(etc_hostname("", "new").as_deref(), Some("new\n"));
        assert_eq!(etc_hostname("new\n", "new"), None);
        let hosts = "127.0.0.1\tlocalhost\n127.0.1.1  old.lan   old # me\n10.0.0.1 old\n";
        assert_eq!(
            etc_hosts(hosts, "old", "new").as_deref(),
            Some("127.0.0.1\tlocalhost\n127.0.1.1  old.lan   new # me\n10.0.0.1 old\n")
        );
        assert_eq!(etc_hosts("127.0.0.1 localhost\n", "old", "new"), None);
    }
}
