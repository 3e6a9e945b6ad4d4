//! The SSH server's global settings as sshd would apply them: keywords are case-insensitive,
//! the first value obtained wins, `Include` pulls in files (globs relative to /etc/ssh), and
//! lines inside a `Match` block apply only to the connections it matches, not globally.
//!
//! On the live system, when the sshd binary exists, `sshd -T` (sshd's own view of the effective
//! configuration, distribution patches and compiled-in defaults included) overrides what the
//! parser found; the parser still supplies the file and line that set each value. Never under
//! `--root`: the examined system's sshd is not ours to run.

use super::SSHD_BINARIES;
use crate::host::Host;
use crate::host::command;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Where sshd's configuration is (`path`, default /etc/ssh/sshd_config).
pub type Params = super::SshdParams;

pub const FIELDS: &[Field] = &[
    Field::text("permit_root_login", "the effective PermitRootLogin"),
    Field::text("password_authentication", "the effective PasswordAuthentication"),
    Field::text("permit_empty_passwords", "the effective PermitEmptyPasswords"),
    Field::flag("match_permit_root_login_yes", "1 when a Match block sets PermitRootLogin yes"),
    Field::flag("match_password_authentication_yes", "1 when a Match block sets PasswordAuthentication yes"),
    Field::flag("match_permit_empty_passwords_yes", "1 when a Match block sets PermitEmptyPasswords yes"),
    Field::text("source", "where the values came from: sshd -T or the files"),
];

/// sshd's built-in defaults (OpenSSH 7.0 and later) for the keywords we report.
const DEFAULTS: &[(&str, &str)] =
    &[("permitrootlogin", "prohibit-password"), ("passwordauthentication", "yes"), ("permitemptypasswords", "no")];

const MAX_INCLUDE_DEPTH: usize = 16;

/// One setting line as read from the files, in sshd's order: for the per-account evaluation
/// ([`super::sshd_effective`]), which applies Match blocks itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The keyword in lowercase.
    pub keyword: String,
    /// The value as written (case kept: user and group names are case-sensitive), quotes removed.
    pub value: String,
    /// `file:line: text`.
    pub loc: String,
    /// The criteria of the Match block it is in (`User alice Address 10.0.0.0/8`); `None` outside.
    pub criteria: Option<String>,
}

#[derive(Default)]
pub struct Settings {
    /// keyword (lowercase) → (value, where it was set)
    global: BTreeMap<String, (String, String)>,
    /// Reported keywords set inside Match blocks: (keyword, value, where).
    matched: Vec<(String, String, String)>,
    pub problems: Vec<String>,
    visited: Vec<String>,
    /// Every setting line in order, Match blocks included.
    pub entries: Vec<Entry>,
}

/// `*` and `?` only: what Include patterns (and sshd's Match and hosts.allow patterns, through
/// [`super::effective::wildcard`]) use in practice.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    crate::glob::sshd(pattern, name)
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

/// Reads sshd_config at `path` with its Includes. `Err(NotFound)` when the file itself is missing.
pub fn read_settings(host: &Host, path: &str) -> std::io::Result<Settings> {
    let mut s = Settings::default();
    read_config(host, path, 0, None, &mut s)?;
    Ok(s)
}

fn read_config(
    host: &Host,
    path: &str,
    depth: usize,
    criteria: Option<String>,
    s: &mut Settings,
) -> std::io::Result<()> {
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
    let mut criteria = criteria;
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
        let in_match = criteria.is_some();
        match key.as_str() {
            "match" => criteria = (!value.eq_ignore_ascii_case("all")).then(|| value.clone()),
            "include" => {
                for pattern in value.split_whitespace() {
                    for inc in expand_include(host, pattern) {
                        read_config(host, &inc, depth + 1, criteria.clone(), s)?;
                    }
                }
            }
            _ if in_match => {
                s.entries.push(Entry {
                    keyword: key.clone(),
                    value: value.clone(),
                    loc: loc.clone(),
                    criteria: criteria.clone(),
                });
                if DEFAULTS.iter().any(|(k, _)| *k == key) {
                    s.matched.push((key, value.to_ascii_lowercase(), loc));
                }
            }
            _ => {
                s.entries.push(Entry { keyword: key.clone(), value: value.clone(), loc: loc.clone(), criteria: None });
                s.global.entry(key).or_insert((value.to_ascii_lowercase(), loc));
            }
        }
    }
    Ok(())
}

/// Every global (outside `Match`) line of the configuration at `path` and its includes, in
/// the order sshd reads them: (lowercase keyword, lowercase value, `file:line: text`). For the
/// multi-valued keywords (`Port`, `ListenAddress`). Empty when the file cannot be read.
pub fn global_lines(host: &Host, path: &str) -> Vec<(String, String, String)> {
    read_settings(host, path)
        .map(|s| {
            s.entries
                .into_iter()
                .filter(|e| e.criteria.is_none())
                .map(|e| (e.keyword, e.value.to_ascii_lowercase(), e.loc))
                .collect()
        })
        .unwrap_or_default()
}

pub const NO_SSHD: &str = "no sshd binary";

/// How long `sshd -T` may take: it only parses files, so anything longer is a hang.
pub const SSHD_T_TIMEOUT: Duration = Duration::from_secs(3);

/// sshd's effective global settings from `sshd -T -f PATH` on the live system: lowercase
/// keyword → value (first value of multi-valued keywords). `Err` says why it is not used.
fn sshd_t(ctx: &ProbeContext, path: &str) -> Result<BTreeMap<String, String>, String> {
    if !ctx.host.is_live() {
        return Err("not the live system".into());
    }
    let Some(bin) = SSHD_BINARIES.iter().map(Path::new).find(|p| p.is_file()) else {
        return Err(NO_SSHD.into());
    };
    let out = command::run(bin, &["-T", "-f", path], SSHD_T_TIMEOUT, ctx.deadline)?;
    if out.code != Some(0) {
        let status = out.code.map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        return Err(format!("failed (exit {status}; sshd needs root, its host keys and /run/sshd)"));
    }
    Ok(parse_sshd_t(&out.stdout))
}

/// Parses `sshd -T` output: one `keyword value` per line, keywords in lowercase.
pub fn parse_sshd_t(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.trim().splitn(2, char::is_whitespace);
        if let (Some(k), Some(v)) = (parts.next(), parts.next())
            && !k.is_empty()
        {
            map.entry(k.to_ascii_lowercase()).or_insert_with(|| v.trim().to_ascii_lowercase());
        }
    }
    map
}

/// The report field of each keyword we report, and of its Match-block flag.
fn field_names(keyword: &str) -> (&'static str, &'static str) {
    match keyword {
        "permitrootlogin" => ("permit_root_login", "match_permit_root_login_yes"),
        "passwordauthentication" => ("password_authentication", "match_password_authentication_yes"),
        _ => ("permit_empty_passwords", "match_permit_empty_passwords_yes"),
    }
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let s = match read_settings(&ctx.host, &params.path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ProbeError::Skipped(Said::new(Msg::SkipSshNotInstalled).arg("path", &params.path)));
        }
        Err(e) => return Err(ProbeError::io(&params.path, &e)),
    };
    let effective = sshd_t(ctx, &params.path);
    let mut o =
        Observation::new(&params.path).text("source", if effective.is_ok() { "sshd -T" } else { "sshd_config" });
    for (keyword, default) in DEFAULTS {
        let (field, match_field) = field_names(keyword);
        let (parsed, loc) = match s.global.get(*keyword) {
            Some((v, loc)) => (v.clone(), loc.clone()),
            None => (default.to_string(), format!("{} (not set; sshd default {default})", params.path)),
        };
        let mut lines = vec![loc];
        let mut value = parsed;
        match &effective {
            Ok(t) => {
                if let Some(v) = t.get(*keyword) {
                    value = v.clone();
                    lines.push(format!("sshd -T -f {}: {keyword} {v}", params.path));
                }
            }
            // Worth saying only when sshd was there to ask.
            Err(why) if ctx.host.is_live() && why != NO_SSHD => {
                lines.push(format!("sshd -T -f {}: {why}; the value above was parsed from the files", params.path))
            }
            Err(_) => {}
        }
        if value == "without-password" {
            value = "prohibit-password".into(); // the deprecated spelling of the same setting
        }
        o = o.text(field, value);
        for l in lines {
            o = o.field_evidence(field, l.clone()).evidence(l);
        }
        let match_yes: Vec<_> = s.matched.iter().filter(|(k, v, _)| k == keyword && v == "yes").collect();
        o = o.flag(match_field, !match_yes.is_empty());
        for (_, _, loc) in match_yes {
            o = o.field_evidence(match_field, loc.clone());
        }
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
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(glob_match("**?", "x"));
        assert!(!glob_match("?", ""));
    }

    /// Found by the `ssh_files` fuzz target: a hosts.deny pattern of many stars that cannot match
    /// made the old recursive matcher try exponentially many splits (over a minute for 120 stars).
    #[test]
    fn many_stars_match_at_once() {
        let pattern = format!("{}x", "*".repeat(120));
        assert!(!glob_match(&pattern, &"a".repeat(200)));
        assert!(glob_match(&pattern, &format!("{}x", "a".repeat(200))));
        let pattern = "*a".repeat(60) + "b";
        assert!(!glob_match(&pattern, &"a".repeat(200)));
    }

    #[test]
    fn sshd_t_output() {
        let t = parse_sshd_t(
            "port 22\nPasswordAuthentication no\npermitrootlogin without-password\n\ngarbage\nport 2222\n",
        );
        assert_eq!(t.get("passwordauthentication").map(String::as_str), Some("no"));
        assert_eq!(t.get("port").map(String::as_str), Some("22"));
        assert!(!t.contains_key("garbage"));
    }
}
