//! The SSH server's global settings as sshd would apply them: keywords are case-insensitive,
//! the first value obtained wins, `Include` pulls in files (globs relative to /etc/ssh), and
//! lines inside a `Match` block apply only to the connections it matches, not globally.

use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::host::Host;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_path")]
    pub path: String,
}

fn default_path() -> String {
    "/etc/ssh/sshd_config".into()
}

pub const FIELDS: &[&str] =
    &["permit_root_login", "password_authentication", "permit_empty_passwords", "match_permit_root_login_yes"];

/// sshd's built-in defaults (OpenSSH 7.0 and later) for the keywords we report.
const DEFAULTS: &[(&str, &str)] =
    &[("permitrootlogin", "prohibit-password"), ("passwordauthentication", "yes"), ("permitemptypasswords", "no")];

const MAX_INCLUDE_DEPTH: usize = 16;

#[derive(Default)]
struct Settings {
    /// keyword (lowercase) → (value, where it was set)
    global: BTreeMap<String, (String, String)>,
    /// PermitRootLogin values set inside Match blocks, with where.
    match_root_login: Vec<(String, String)>,
    problems: Vec<String>,
    visited: Vec<String>,
}

fn glob_match(pattern: &str, name: &str) -> bool {
    // '*' and '?' only: what Include patterns use in practice.
    fn m(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => m(&p[1..], n) || (!n.is_empty() && m(p, &n[1..])),
            (Some(b'?'), Some(_)) => m(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => m(&p[1..], &n[1..]),
            _ => false,
        }
    }
    m(pattern.as_bytes(), name.as_bytes())
}

fn expand_include(host: &Host, pattern: &str) -> Vec<String> {
    let full = if pattern.starts_with('/') { pattern.to_string() } else { format!("/etc/ssh/{pattern}") };
    let (dir, file_pat) = full.rsplit_once('/').unwrap_or(("/etc/ssh", full.as_str()));
    let dir = if dir.is_empty() { "/" } else { dir };
    if !file_pat.contains(['*', '?']) {
        return vec![full.clone()];
    }
    host.list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| glob_match(file_pat, n))
        .map(|n| format!("{}/{n}", dir.trim_end_matches('/')))
        .collect()
}

fn read_config(host: &Host, path: &str, depth: usize, in_match: bool, s: &mut Settings) -> std::io::Result<()> {
    if depth > MAX_INCLUDE_DEPTH || s.visited.iter().filter(|v| *v == path).count() > 0 && depth > 0 {
        s.problems.push(format!("{path}: Include loop or nesting deeper than {MAX_INCLUDE_DEPTH}; not read again"));
        return Ok(());
    }
    s.visited.push(path.to_string());
    let Some(file) = host.read_optional(path)? else {
        if depth > 0 {
            return Ok(()); // sshd ignores an Include that matches nothing
        }
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "missing"));
    };
    let mut in_match = in_match;
    for (n, raw) in file.text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once(|c: char| c.is_whitespace() || c == '=') {
            Some((k, v)) => {
                (k.to_ascii_lowercase(), v.trim().trim_start_matches('=').trim().trim_matches('"').to_string())
            }
            None => (line.to_ascii_lowercase(), String::new()),
        };
        let loc = format!("{path}:{}: {raw}", n + 1);
        match key.as_str() {
            "match" => in_match = !value.eq_ignore_ascii_case("all"),
            "include" => {
                for pattern in value.split_whitespace() {
                    for inc in expand_include(host, pattern) {
                        read_config(host, &inc, depth + 1, in_match, s)?;
                    }
                }
            }
            _ if in_match => {
                if key == "permitrootlogin" {
                    s.match_root_login.push((value.to_ascii_lowercase(), loc));
                }
            }
            _ => {
                s.global.entry(key).or_insert((value.to_ascii_lowercase(), loc));
            }
        }
    }
    Ok(())
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let mut s = Settings::default();
    match read_config(&ctx.host, &params.path, 0, false, &mut s) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ProbeError::Skipped(format!(
                "the SSH server is not installed ({} does not exist)",
                params.path
            )));
        }
        Err(e) => return Err(ProbeError::io(&params.path, &e)),
    }
    let mut o = Observation::new(&params.path);
    for (keyword, default) in DEFAULTS {
        let field = match *keyword {
            "permitrootlogin" => "permit_root_login",
            "passwordauthentication" => "password_authentication",
            _ => "permit_empty_passwords",
        };
        let (mut value, loc) = match s.global.get(*keyword) {
            Some((v, loc)) => (v.clone(), loc.clone()),
            None => (default.to_string(), format!("{} (not set; sshd default {default})", params.path)),
        };
        if value == "without-password" {
            value = "prohibit-password".into(); // the deprecated spelling of the same setting
        }
        o = o.text(field, value).field_evidence(field, loc.clone()).evidence(loc);
    }
    let match_yes: Vec<_> = s.match_root_login.iter().filter(|(v, _)| v == "yes").collect();
    o = o.flag("match_permit_root_login_yes", !match_yes.is_empty());
    for (_, loc) in match_yes {
        o = o.field_evidence("match_permit_root_login_yes", loc.clone());
    }
    for p in s.problems {
        o = o.evidence(p);
    }
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.conf", "50-cloud.conf"));
        assert!(!glob_match("*.conf", "50-cloud.conf.bak"));
        assert!(glob_match("a?c", "abc"));
    }
}
