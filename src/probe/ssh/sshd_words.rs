//! sshd's own words about why a login was refused or why it cannot serve, matched against a
//! catalogue of messages that name a cause ([`CATALOGUE`], the data file `sshd_words.toml`):
//! "User alice from 203.0.113.9 not allowed because shell /bin/zsh does not exist",
//! "Authentication refused: bad ownership or modes for directory /home/alice", "Could not load
//! host key", "Bind to port 22 on 0.0.0.0 failed", ...
//!
//! The lines come from /var/log/auth.log or /var/log/secure (the newest file, a bounded tail),
//! or, on a host without them, from the journal ([`crate::host::journal`]): the same source
//! `sec.auth.bruteforce` reads. One observation per cause and subject (the account, the address,
//! the path, or `sshd` for the daemon), with the count, first and last time, and the first and
//! latest lines as evidence. Their age (from now on the live system, from the newest sshd line
//! under `--root`) is what the check judges, with the event windows of the config: old words are
//! history.

use super::auth_log;
use crate::host::logread::{self, Bounds};
use crate::i18n::Text;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Most MiB read from the end of each log file.
    #[serde(default = "default_tail_mib")]
    pub tail_mib: u64,
}

fn default_tail_mib() -> u64 {
    32
}

pub const FIELDS: &[Field] = &[
    Field::text("cause", "the catalogue's name of the cause (sshd_words.toml)"),
    Field::text("level", "crit, warn or info: what a recent line of this cause means"),
    Field::num("times", "", "lines of this cause and subject"),
    Field::text("first_time", "the first line's time"),
    Field::text("last_time", "the last line's time"),
    Field::num("age_hours", "hours", "how long ago the last line was"),
    Field::flag("time_known", "1 when the last line's time is known"),
    Field::text("last_when", "the last line's time and how long ago (\"2026-11-20T03:00:00Z (3 days ago)\")"),
    Field::text("user", "the account the line names"),
    Field::text("address", "the address the line names"),
    Field::text("detail", "what else the line says: the reason, the path, the error"),
    Field::text("meaning_en", "what the cause means, in English"),
    Field::text("meaning_zh", "what the cause means, in Chinese"),
    Field::text("source", "the logs or journal read"),
    Field::num("lines", "", "sshd lines read"),
    Field::num("causes", "", "causes and subjects found"),
];

/// The catalogue's text.
pub const CATALOGUE: &str = include_str!("sshd_words.toml");

/// Time the probe may spend reading.
const BUDGET: Duration = Duration::from_secs(6);
/// Lines kept as evidence per observation: the first ones and the latest ones.
const HEAD: usize = 2;
const TAIL: usize = 3;
/// Longest line shown as evidence.
const MAX_EVIDENCE_CHARS: usize = 300;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CauseDef {
    id: String,
    level: String,
    subject: String,
    pattern: String,
    meaning: Text,
    /// `[message, subject]`: classified as this cause naming that subject.
    examples: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueDef {
    cause: Vec<CauseDef>,
}

/// One cause, compiled.
#[derive(Debug)]
pub struct Cause {
    pub id: String,
    pub level: String,
    pub subject: String,
    pub re: regex::Regex,
    pub meaning: Text,
}

/// The catalogue, compiled once; an error names the cause that does not compile.
pub static CAUSES: LazyLock<Result<Vec<Cause>, String>> = LazyLock::new(|| load(CATALOGUE));

/// Reads and compiles a catalogue text.
pub fn load(text: &str) -> Result<Vec<Cause>, String> {
    let def: CatalogueDef = toml::from_str(text).map_err(|e| format!("sshd_words.toml: {e}"))?;
    let mut out = Vec::new();
    let mut examples = Vec::new();
    for c in def.cause {
        if !matches!(c.level.as_str(), "crit" | "warn" | "info") {
            return Err(format!("cause {}: level {:?} is not crit, warn or info", c.id, c.level));
        }
        if !matches!(c.subject.as_str(), "user" | "addr" | "path" | "daemon") {
            return Err(format!("cause {}: subject {:?} is not user, addr, path or daemon", c.id, c.subject));
        }
        let re = regex::Regex::new(&c.pattern).map_err(|e| format!("cause {}: {e}", c.id))?;
        if c.subject != "daemon" && !re.capture_names().flatten().any(|n| n == c.subject) {
            return Err(format!("cause {}: the pattern has no capture named {}", c.id, c.subject));
        }
        if c.examples.is_empty() {
            return Err(format!("cause {}: no examples", c.id));
        }
        examples.extend(c.examples.into_iter().map(|e| (out.len(), e)));
        out.push(Cause { id: c.id, level: c.level, subject: c.subject, re, meaning: c.meaning });
    }
    // Every example is taken by its own cause (not an earlier one) and names its subject.
    for (i, (message, subject)) in examples {
        let got = classify(&out, &message).map(|(j, s, _)| (out[j].id.as_str(), s));
        if got.as_ref().map(|(id, s)| (*id, s.as_str())) != Some((out[i].id.as_str(), subject.as_str())) {
            return Err(format!(
                "cause {}: example {message:?} is classified as {got:?}, not as naming {subject}",
                out[i].id
            ));
        }
    }
    Ok(out)
}

/// What one message says, if a cause names it: the cause's index, the subject, and the
/// captures (user, address, detail).
pub fn classify<'a>(causes: &[Cause], message: &'a str) -> Option<(usize, String, Captured<'a>)> {
    for (i, c) in causes.iter().enumerate() {
        let Some(caps) = c.re.captures(message) else { continue };
        let get = |n: &str| caps.name(n).map(|m| m.as_str());
        let got = Captured { user: get("user"), addr: get("addr"), path: get("path"), detail: get("detail") };
        let subject = match c.subject.as_str() {
            "user" => got.user,
            "addr" => got.addr,
            "path" => got.path,
            _ => None,
        }
        .unwrap_or("sshd")
        .to_string();
        return Some((i, subject, got));
    }
    None
}

/// The named captures of a match.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Captured<'a> {
    pub user: Option<&'a str>,
    pub addr: Option<&'a str>,
    pub path: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// Messages about one cause and subject.
#[derive(Default)]
struct Group {
    times: u64,
    first: Option<i64>,
    last: Option<i64>,
    user: String,
    address: String,
    detail: String,
    head: Vec<String>,
    tail: std::collections::VecDeque<String>,
}

fn evidence(source: &str, n: u64, line: &str) -> String {
    let shown: String = line.chars().take(MAX_EVIDENCE_CHARS).collect();
    let more = if line.chars().count() > MAX_EVIDENCE_CHARS { "…" } else { "" };
    crate::probe::pam::printable(&format!("{source}:{n}: {shown}{more}"))
}

/// What the reading collected.
#[derive(Default)]
struct Collect {
    groups: BTreeMap<(usize, String), Group>,
    newest: Option<i64>,
    lines: u64,
}

impl Collect {
    fn line(
        &mut self,
        causes: &[Cause],
        source: &str,
        n: u64,
        raw: &[u8],
        tz: &TimeZone,
        reference: jiff::civil::Date,
    ) {
        if memchr::memmem::find(raw, b"sshd").is_none() {
            return;
        }
        let line = String::from_utf8_lossy(raw);
        let Some((_, message)) = auth_log::sshd_message(&line) else { return };
        self.lines += 1;
        let t = auth_log::line_time(&line, tz, reference);
        if let Some(t) = t {
            self.newest = Some(self.newest.map_or(t, |x| x.max(t)));
        }
        let Some((i, subject, got)) = classify(causes, message) else { return };
        let g = self.groups.entry((i, subject)).or_default();
        g.times += 1;
        if let Some(t) = t {
            g.first = Some(g.first.map_or(t, |f| f.min(t)));
            g.last = Some(g.last.map_or(t, |l| l.max(t)));
        }
        let p = crate::probe::pam::printable;
        g.user = got.user.map(p).unwrap_or_default();
        g.address = got.addr.map(p).unwrap_or_default();
        g.detail = got.detail.or(got.path).map(p).unwrap_or_default();
        let ev = evidence(source, n, &line);
        if g.head.len() < HEAD {
            g.head.push(ev);
        } else {
            if g.tail.len() == TAIL {
                g.tail.pop_front();
            }
            g.tail.push_back(ev);
        }
    }
}

fn show(t: i64) -> String {
    jiff::Timestamp::from_second(t).map(crate::fmt::show).unwrap_or_else(|_| t.to_string())
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let causes = match &*CAUSES {
        Ok(c) => c,
        Err(e) => {
            return Err(ProbeError::failed(
                "EINVAL",
                crate::i18n::Said::new(crate::i18n::Msg::FailCommand).arg("command", "sshd_words.toml").arg("error", e),
            ));
        }
    };
    let host = &ctx.host;
    let tz = if host.is_live() { TimeZone::system() } else { TimeZone::UTC };
    let mut c = Collect::default();
    let mut sources = Vec::new();
    let files: Vec<String> = auth_log::current_logs(host);
    if files.is_empty() {
        let lines = match crate::host::journal::sshd_lines(host, ctx.deadline) {
            Ok(l) => l,
            Err(crate::host::journal::Unavailable::None) => {
                return Err(ProbeError::skipped(crate::i18n::Msg::SkipNoAuthLog));
            }
            Err(crate::host::journal::Unavailable::Failed(why)) => {
                return Err(ProbeError::failed(
                    "EIO",
                    crate::i18n::Said::new(crate::i18n::Msg::FailCommand)
                        .arg("command", "journalctl")
                        .arg("error", why),
                ));
            }
        };
        let reference = jiff::Timestamp::now().to_zoned(TimeZone::UTC).date();
        for (n, raw) in lines.text.split(|b| *b == b'\n').enumerate() {
            c.line(causes, &lines.source, n as u64 + 1, raw, &TimeZone::UTC, reference);
        }
        sources.push(lines.source);
    } else {
        let until = (Instant::now() + BUDGET).min(ctx.deadline);
        let bounds = Bounds { tail_bytes: params.tail_mib.max(1) << 20, gz_bytes: params.tail_mib.max(1) << 22, until };
        for path in files {
            let full = host.path(&path);
            let Ok(meta) = std::fs::metadata(&full) else { continue };
            let mtime = std::os::unix::fs::MetadataExt::mtime(&meta);
            let reference =
                jiff::Timestamp::from_second(mtime).map(|t| t.to_zoned(tz.clone()).date()).unwrap_or_default();
            let result = logread::for_each_line(&full, false, &bounds, &mut |n, raw| {
                c.line(causes, &path, n, raw, &tz, reference)
            });
            match result {
                Ok(_) => sources.push(path),
                Err(e) if sources.is_empty() => return Err(ProbeError::io(&path, &e)),
                Err(_) => {}
            }
        }
    }
    let end = if host.is_live() { jiff::Timestamp::now().as_second() } else { c.newest.unwrap_or(0) };
    let mut items = vec![
        Observation::new(sources.join(", "))
            .text("source", sources.join(", "))
            .num("lines", c.lines as f64)
            .num("causes", c.groups.len() as f64),
    ];
    let mut groups: Vec<((usize, String), Group)> = c.groups.into_iter().collect();
    // Newest first: what happened last is what the reader wants.
    groups.sort_by(|a, b| b.1.last.cmp(&a.1.last).then(a.0.cmp(&b.0)));
    for ((i, subject), g) in groups {
        let cause = &causes[i];
        let mut o = Observation::new(crate::probe::pam::printable(&subject))
            .text("cause", &cause.id)
            .text("level", &cause.level)
            .num("times", g.times as f64)
            .text("first_time", g.first.map(show).unwrap_or_else(|| "-".into()))
            .text("last_time", g.last.map(show).unwrap_or_else(|| "-".into()))
            .text("user", if g.user.is_empty() { "-".into() } else { g.user })
            .text("address", if g.address.is_empty() { "-".into() } else { g.address })
            .text("detail", if g.detail.is_empty() { "-".into() } else { g.detail })
            .text("meaning_en", &cause.meaning.en)
            .text("meaning_zh", cause.meaning.get(crate::i18n::Lang::ZhCn))
            .since(g.first.map(show));
        let times = g
            .last
            .and_then(|last| Some((jiff::Timestamp::from_second(last).ok()?, jiff::Timestamp::from_second(end).ok()?)));
        if let Some((then, at)) = times {
            o = crate::probe::kernel::aged(o, "last_when", then, at);
        }
        o = o.flag("time_known", times.is_some());
        let skipped = g.times.saturating_sub((g.head.len() + g.tail.len()) as u64);
        o.evidence = g.head;
        if skipped > 0 {
            o.evidence.push(format!("... {skipped} similar lines ..."));
        }
        o.evidence.extend(g.tail);
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cause compiles, names its subject and classifies its examples (the loader checks
    /// them); what names no cause stays unclassified.
    #[test]
    fn the_catalogue_classifies_sshd_words() {
        let causes = load(CATALOGUE).expect("catalogue");
        for other in
            ["Failed password for root from 1.2.3.4 port 22 ssh2", "Accepted publickey for a from 1.2.3.4 port 2 ssh2"]
        {
            assert!(classify(&causes, other).is_none(), "{other}");
        }
        // A crafted user name cannot name another account or address.
        let crafted = "User x from 6.6.6.6 from 203.0.113.9 not allowed because listed in DenyUsers";
        assert!(classify(&causes, crafted).is_none_or(|(_, s, c)| s != "x" || c.addr != Some("6.6.6.6")));
        let ids: std::collections::BTreeSet<&str> = causes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), causes.len(), "cause ids are unique");
    }

    #[test]
    fn a_bad_catalogue_is_an_error() {
        assert!(
            load("[[cause]]\nid='x'\nlevel='loud'\nsubject='user'\npattern='(?P<user>x)'\nmeaning.en='m'\n").is_err()
        );
        assert!(load("[[cause]]\nid='x'\nlevel='warn'\nsubject='user'\npattern='x'\nmeaning.en='m'\n").is_err());
        assert!(
            load("[[cause]]\nid='x'\nlevel='warn'\nsubject='addr'\npattern='(?P<addr>'\nmeaning.en='m'\n").is_err()
        );
        let cause = |examples: &str| {
            format!(
                "[[cause]]\nid='x'\nlevel='warn'\nsubject='user'\npattern='^bad (?P<user>\\S+)'\nmeaning.en='m'\nexamples={examples}\n"
            )
        };
        assert!(load(&cause("[['bad alice', 'alice']]")).is_ok());
        let e = load(&cause("[['bad alice', 'bob']]")).unwrap_err();
        assert!(e.contains("not as naming bob"), "{e}");
        assert!(load(&cause("[['good alice', 'alice']]")).is_err(), "an example its pattern does not match");
        assert!(load(&cause("[]")).unwrap_err().contains("no examples"));
    }
}
