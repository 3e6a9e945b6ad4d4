//! `action.proxy`: a system-wide proxy variable that would carry the metadata service (or an
//! internal target) gets a `no_proxy` beside it (`net.proxy.bypass`).
//!
//! The file that sets the proxy (/etc/environment, /etc/profile, /etc/profile.d/*.sh) gets the
//! no_proxy the check asks for: the entries that apply to it now (its own file's, and for a
//! login shell /etc/environment's), then `localhost` and `127.0.0.1` when there were none, the
//! metadata service's address and every address the finding says the proxy would catch. An
//! existing `no_proxy` line of that file is rewritten in place (its `export`, the variable's case
//! kept); without one, a line is added at the end (`export` in a shell file). The case follows
//! the proxy variable's: `HTTP_PROXY` gets `NO_PROXY`.
//!
//! Refused for systemd's `DefaultEnvironment=` (the manager must re-execute to read it: the
//! plan gives the drop-in to write) and for a file that is not text.

use super::lines::{line_of, replace_line};
use super::{Action, Change, FileEdit, Skip, Target};
use crate::host::metadata::ALIBABA_URL;
use crate::i18n::{R, rtf};
use crate::probe::net::proxy_settings::shell_assignments;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// The addresses a finding's message says the proxy would catch: `100.100.100.200 (metadata
/// service), 10.0.0.5 (http://10.0.0.5/)`, in any language (the addresses are data).
fn caught(message: &str) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for w in message.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、') {
        if let Ok(ip) = w.parse::<IpAddr>()
            && !out.contains(&ip)
        {
            out.push(ip);
        }
    }
    out
}

impl Action for Params {
    fn name(&self) -> String {
        "proxy-no-proxy".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let subject = t.finding.subject.clone().unwrap_or_default();
        let Some((file, variable)) = subject.rsplit_once(' ') else {
            return Err(Skip::NotApplicable(rtf(l, R::ProxyNoSubject, &[("subject", &subject)])));
        };
        let kind = if file == "/etc/environment" {
            "environment"
        } else if file == "/etc/profile" || (file.starts_with("/etc/profile.d/") && file.ends_with(".sh")) {
            "profile"
        } else {
            return Err(Skip::Refused(rtf(l, R::ProxyNotShellFile, &[("file", file), ("variable", variable)])));
        };
        let bytes = std::fs::read(t.host.path(file))
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", file), ("error", &e.to_string())])))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let own = shell_assignments(kind, file, &text);
        if !own.iter().any(|s| s.variable == variable) {
            return Err(Skip::NotApplicable(rtf(l, R::ProxyGone, &[("file", file), ("variable", variable)])));
        }
        let is_no = |v: &str| v.eq_ignore_ascii_case("no_proxy");
        // The no_proxy entries in force for this setting now.
        let mut scope: Vec<String> = Vec::new();
        if kind == "profile"
            && let Ok(env) = std::fs::read(t.host.path("/etc/environment"))
        {
            let env = shell_assignments("environment", "/etc/environment", &String::from_utf8_lossy(&env));
            scope.extend(env.iter().filter(|s| is_no(&s.variable)).map(|s| s.value.clone()));
        }
        scope.extend(own.iter().filter(|s| is_no(&s.variable)).map(|s| s.value.clone()));
        let mut entries: Vec<String> =
            scope.iter().flat_map(|v| v.split(',')).map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
        entries.dedup();
        let before = entries.len();
        if entries.is_empty() {
            entries.extend(["localhost".to_string(), "127.0.0.1".to_string()]);
        }
        let metadata = ALIBABA_URL.trim_start_matches("http://").to_string();
        let mut wanted: Vec<String> = vec![metadata];
        wanted.extend(caught(&t.finding.message).into_iter().map(|ip| ip.to_string()));
        for w in wanted {
            if !entries.contains(&w) {
                entries.push(w);
            }
        }
        if entries.len() == before {
            return Err(Skip::NotApplicable(rtf(l, R::ProxyCovered, &[("file", file), ("variable", variable)])));
        }
        let value = entries.join(",");
        let name = if variable.chars().any(|c| c.is_ascii_uppercase()) { "NO_PROXY" } else { "no_proxy" };
        let existing = own.iter().rfind(|s| s.variable == name);
        let after = match existing {
            Some(s) => {
                let raw = line_of(&bytes, s.line)
                    .ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", &format!("{file}:{}", s.line))])))?;
                if raw.contains(';') {
                    return Err(Skip::Refused(rtf(l, R::ProxyCompound, &[("at", &format!("{file}:{}", s.line))])));
                }
                let export = if raw.trim_start().starts_with("export ") { "export " } else { "" };
                replace_line(&bytes, s.line, &format!("{export}{name}=\"{value}\""))
            }
            None => {
                let mut out = bytes.clone();
                if !out.is_empty() && !out.ends_with(b"\n") {
                    out.push(b'\n');
                }
                let export = if kind == "profile" { "export " } else { "" };
                out.extend_from_slice(format!("{export}{name}=\"{value}\"\n").as_bytes());
                out
            }
        };
        Ok(Change {
            summary: rtf(l, R::ProxyDo, &[("file", file), ("variable", name), ("value", &value)]),
            files: vec![FileEdit { path: file.to_string(), after: Some(after) }],
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::{after, finding, root};

    fn plan(files: &[(&str, &str)], subject: &str, message: &str) -> Result<Change, Skip> {
        let dir = root(files);
        let f = finding(subject, message, &[]);
        crate::repair::testing::plan(&Params {}, &Host::new(dir.path()), "net.proxy.bypass", &f)
    }

    #[test]
    fn an_existing_no_proxy_line_gets_the_missing_addresses() {
        let env = "LANG=C\nhttp_proxy=http://p:3128\nexport no_proxy=localhost,127.0.0.1\n";
        let c = plan(
            &[("/etc/environment", env)],
            "/etc/environment http_proxy",
            "would send 100.100.100.200 (metadata service), 10.0.0.5 (http://10.0.0.5/) through http://p:3128",
        )
        .unwrap();
        assert_eq!(
            after(&c),
            "LANG=C\nhttp_proxy=http://p:3128\nexport no_proxy=\"localhost,127.0.0.1,100.100.100.200,10.0.0.5\"\n"
        );
    }

    #[test]
    fn a_profile_file_without_one_gets_an_export_with_the_environments_entries() {
        let c = plan(
            &[("/etc/environment", "no_proxy=.corp\n"), ("/etc/profile.d/p.sh", "export HTTP_PROXY=http://p:3128")],
            "/etc/profile.d/p.sh HTTP_PROXY",
            "m",
        )
        .unwrap();
        assert_eq!(after(&c), "export HTTP_PROXY=http://p:3128\nexport NO_PROXY=\".corp,100.100.100.200\"\n");
        let covered = plan(
            &[("/etc/environment", "http_proxy=http://p\nno_proxy=100.100.100.200\n")],
            "/etc/environment http_proxy",
            "m",
        );
        assert!(matches!(covered, Err(Skip::NotApplicable(_))));
        let systemd = plan(&[], "/etc/systemd/system.conf http_proxy", "m");
        assert!(matches!(systemd, Err(Skip::Refused(_))));
        assert_eq!(
            caught("a 100.100.100.200 (x)， 10.0.0.5 b"),
            ["100.100.100.200".parse::<IpAddr>().unwrap(), "10.0.0.5".parse().unwrap()]
        );
    }
}
