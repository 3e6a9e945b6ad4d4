//! The catalog of checks: declarative check files (one per check, `checks/<domain>/<subject>.<property>.toml`),
//! embedded at build time and extended from /etc/ecs-doctor/checks.d and `--checks-dir`.
//!
//! Loading validates everything a check file says before anything runs, so a bad file stops the
//! run with `file:line:column: message` (exit 64) instead of misbehaving later.

pub mod condition;
pub mod explain;
pub mod symptom;
pub mod template;

use crate::i18n::{Msg, Said, Text, say};
use crate::probe::ProbeSpec;
use condition::Condition;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

include!(concat!(env!("OUT_DIR"), "/builtin_checks.rs"));

/// How long a check may take unless its file says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub const DOMAINS: &[&str] = &["net", "disk", "sec", "sys"];

/// A problem in a check file or the config, with where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl From<LoadError> for crate::exit::Failure {
    fn from(e: LoadError) -> crate::exit::Failure {
        crate::exit::Failure::Usage(e.to_string())
    }
}

impl LoadError {
    /// An error at a byte offset of `source`.
    pub fn at(file: &str, source: &str, offset: usize, message: impl Into<String>) -> LoadError {
        let before = &source[..offset.min(source.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
        LoadError { file: file.to_string(), line, column, message: message.into() }
    }

    /// Reads a UTF-8 text file (a check file, the config), returning its name for messages and
    /// its text; unreadable or non-UTF-8 files are errors that say where.
    pub fn read_source(path: &Path, what: &str) -> Result<(String, String), LoadError> {
        let display = path.display().to_string();
        let what = match what {
            "check file" => say(Msg::CheckFileWord, &[]),
            "config file" => say(Msg::ConfigFileWord, &[]),
            other => other.to_string(),
        };
        let bytes = std::fs::read(path).map_err(|e| LoadError {
            file: display.clone(),
            line: 0,
            column: 0,
            message: say(Msg::CannotReadFile, &[("what", &what), ("error", &e.to_string())]),
        })?;
        let source = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            LoadError::at(&display, &prefix, valid, say(Msg::NotUtf8, &[("what", &what)]))
        })?;
        Ok((display, source))
    }

    /// A TOML or schema error from the toml crate, located by its span.
    pub fn from_toml(file: &str, source: &str, err: &toml::de::Error) -> LoadError {
        let offset = err.span().map(|s| s.start).unwrap_or(0);
        LoadError::at(file, source, offset, toml_message(err.message().trim()).to_string())
    }
}

/// The toml crate's message as a catalogue message: the shapes serde gives (unknown or missing
/// key, wrong type) are said in the user's language with their names kept; a syntax error
/// keeps the crate's English words inside a translated frame.
pub fn toml_message(m: &str) -> Said {
    let tick = |s: &str| s.strip_prefix('`').and_then(|s| s.strip_suffix('`')).map(str::to_string);
    if let Some(rest) = m.strip_prefix("unknown field ")
        && let Some((key, tail)) = rest.split_once(", ")
        && let Some(key) = tick(key)
    {
        return match tail.strip_prefix("expected ") {
            Some(e) => match e.strip_prefix("one of ") {
                Some(list) => Said::new(Msg::TomlUnknownKeyOneOf).arg("key", key).arg("expected", list),
                None => Said::new(Msg::TomlUnknownKey).arg("key", key).arg("expected", e),
            },
            None => Said::new(Msg::TomlNoKeys).arg("key", key),
        };
    }
    if let Some(rest) = m.strip_prefix("unknown variant ")
        && let Some((value, tail)) = rest.split_once(", expected ")
        && let Some(value) = tick(value)
    {
        return match tail.strip_prefix("one of ") {
            Some(list) => Said::new(Msg::TomlUnknownValueOneOf).arg("value", value).arg("expected", list),
            None => Said::new(Msg::TomlUnknownValue).arg("value", value).arg("expected", tail),
        };
    }
    if let Some(key) = m.strip_prefix("missing field ").and_then(tick) {
        return Said::new(Msg::TomlMissingKey).arg("key", key);
    }
    for (prefix, msg) in [("invalid type: ", Msg::TomlWrongType), ("invalid value: ", Msg::TomlWrongValue)] {
        if let Some((found, expected)) = m.strip_prefix(prefix).and_then(|r| r.rsplit_once(", expected ")) {
            return Said::new(msg).arg("found", found).arg("expected", expected);
        }
    }
    if m == "duplicate key" {
        return Said::new(Msg::TomlDuplicateKey);
    }
    Said::new(Msg::TomlSyntax).arg("error", m)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    id: Spanned<String>,
    title: Text,
    why: Text,
    fix: Text,
    #[serde(default)]
    ok: Option<Spanned<Text>>,
    #[serde(default)]
    aliases: Vec<String>,
    /// Seconds.
    #[serde(default)]
    timeout: Option<Spanned<f64>>,
    /// Values reported in the check's `metrics`.
    #[serde(default)]
    metrics: Vec<Spanned<String>>,
    /// Benchmark items this check covers (cis, mlps3, lynis, ...).
    #[serde(default)]
    references: BTreeMap<String, String>,
    /// What else the check is: one of [`TAGS`].
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    /// A fill forecast from the saved history of this check's metrics.
    #[serde(default)]
    trend: Option<TrendFile>,
    probe: Spanned<ProbeSpec>,
    #[serde(default, rename = "judge")]
    judges: Vec<JudgeFile>,
    /// Checks whose failure explains this one's (`depends_on = ["net.route.default"]`): when one
    /// of them fails in the same run, this check's problems are marked as its consequences.
    #[serde(default)]
    depends_on: Vec<Spanned<String>>,
}

/// `[trend]`: which of the check's metrics say how full a subject is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrendFile {
    percent: Spanned<String>,
    free: Spanned<String>,
    total: Spanned<String>,
    unit: Spanned<String>,
}

/// The tags a check file may carry: `performance` marks a check whose trouble is about speed
/// rather than breakage (a ticket's "performance" tag).
pub const TAGS: &[&str] = &["performance"];

/// What `[trend]`'s `unit` may say: what `free` and `total` count.
pub const TREND_UNITS: &[&str] = &["bytes", "inodes"];

/// A fill forecast: the check's metrics that say how full each subject is, read from this run and
/// the saved reports of the same host (see `history::trend`).
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The metric with the used percentage (`used_percent`).
    pub percent: String,
    /// The metrics with what is free and the capacity, in `unit` (`avail_bytes`, `size_bytes`).
    pub free: String,
    pub total: String,
    /// `bytes` or `inodes`.
    pub unit: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JudgeFile {
    field: Spanned<String>,
    #[serde(default)]
    warn: Option<Spanned<String>>,
    #[serde(default)]
    crit: Option<Spanned<String>>,
    /// A note, not a problem: the finding has severity info and leaves the status ok.
    #[serde(default)]
    info: Option<Spanned<String>>,
    /// The field is the age in hours of an event read from a log, and the levels follow the
    /// event windows ([`EventWindows`], `[events]` in the config): `"crit"` is crit while recent,
    /// warn for the warn window, info after; `"warn"` the same without crit. No warn, crit or
    /// info beside it.
    #[serde(default)]
    ageing: Option<Spanned<String>>,
    #[serde(default, rename = "where")]
    filters: Vec<Spanned<String>>,
    message: Spanned<Text>,
    #[serde(default)]
    code: Option<Spanned<String>>,
    /// This judge's own dependencies, instead of the check's (`depends_on = []`: what it finds is
    /// never explained by another check, e.g. "no time daemon runs").
    #[serde(default)]
    depends_on: Option<Vec<Spanned<String>>>,
}

/// One rule of a check: compare a value of each observation with thresholds.
#[derive(Debug, Clone)]
pub struct Judge {
    pub field: String,
    pub warn: Option<Condition>,
    pub crit: Option<Condition>,
    /// Matches something worth knowing that is not a problem (a key added to root's
    /// authorized_keys this week): an info finding, which leaves the status ok. Checked after
    /// `crit` and `warn`; not changed by the config.
    pub info: Option<Condition>,
    pub filters: Vec<(String, Condition)>,
    pub message: Text,
    /// The finding's code, a template like the message (`HTTP_{http_status}`, `{error}`), so the
    /// exact status or error kind is searchable rather than buried in the message.
    pub code: Option<String>,
    /// Where the config replaced `warn`/`crit` for every subject (`file:line`), if it did.
    pub overridden_at: Option<String>,
    /// Thresholds the config sets for single subjects, by exact subject name (a mount point, an
    /// interface): they beat `warn`/`crit`.
    pub subjects: BTreeMap<String, SubjectThresholds>,
    /// The checks whose failure explains what this judge finds, when the judge names its own
    /// (else the check's [`Check::depends_on`]).
    pub depends_on: Option<Vec<String>>,
    /// The field is an event's age in hours and the levels follow the event windows: `Some(true)`
    /// when the event may be crit while recent, `Some(false)` when at worst warn.
    pub ageing: Option<bool>,
}

/// How an event read from a log (the kernel log, an auth log) ages: crit while younger than
/// `crit_hours` (for the kinds that can be crit), warn while younger than `warn_hours`, a note
/// (info, "N days ago") after that. `[events]` in the config sets them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventWindows {
    pub crit_hours: f64,
    pub warn_hours: f64,
}

impl Default for EventWindows {
    fn default() -> EventWindows {
        EventWindows { crit_hours: 24.0, warn_hours: 7.0 * 24.0 }
    }
}

/// The config's thresholds for one subject of one judge. A level left out keeps the judge's.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectThresholds {
    pub warn: Option<Condition>,
    pub crit: Option<Condition>,
    /// Where the config sets them: `file:line`.
    pub at: String,
}

impl Judge {
    /// The warn and crit conditions for one subject: the config's for that subject, level by
    /// level, else the check-wide ones (the config's, else the check file's).
    pub fn thresholds_for(&self, subject: &str) -> (Option<&Condition>, Option<&Condition>) {
        match self.subjects.get(subject) {
            Some(s) => (s.warn.as_ref().or(self.warn.as_ref()), s.crit.as_ref().or(self.crit.as_ref())),
            None => (self.warn.as_ref(), self.crit.as_ref()),
        }
    }

    /// Sets the levels of an ageing judge from the event windows (nothing for another judge).
    pub fn age_with(&mut self, w: EventWindows) {
        let Some(can_crit) = self.ageing else { return };
        let hours = |op: &str, h: f64| Condition::parse(&format!("{op} {h}")).ok();
        self.crit = if can_crit { hours("<", w.crit_hours) } else { None };
        self.warn = hours("<", w.warn_hours);
        self.info = hours(">=", w.warn_hours);
    }

    /// This judge's check-wide levels as [`Judge::describe`] shows them, with `info` after.
    pub fn levels(&self) -> String {
        let mut s = Judge::describe(self.warn.as_ref(), self.crit.as_ref());
        if let Some(i) = &self.info {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(&format!("info {i}"));
        }
        s
    }

    /// `warn >= 85, crit >= 95` for the given levels.
    pub fn describe(warn: Option<&Condition>, crit: Option<&Condition>) -> String {
        let mut parts = Vec::new();
        if let Some(w) = warn {
            parts.push(format!("warn {w}"));
        }
        if let Some(c) = crit {
            parts.push(format!("crit {c}"));
        }
        parts.join(", ")
    }
}

/// A loaded and validated check.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub category: String,
    pub title: Text,
    pub why: Text,
    pub fix: Text,
    pub ok: Option<Text>,
    pub aliases: Vec<String>,
    pub timeout: Duration,
    pub metrics: Vec<String>,
    pub references: BTreeMap<String, String>,
    /// Tags from [`TAGS`].
    pub tags: Vec<String>,
    pub trend: Option<Trend>,
    pub probe: ProbeSpec,
    pub judges: Vec<Judge>,
    /// The checks whose failure explains this one's (ids, aliases resolved at load).
    pub depends_on: Vec<String>,
    /// Where it was defined: `builtin:checks/disk/usage/space.toml` or a file path.
    pub source: String,
}

/// Whether an id has the form `<domain>.<subject>.<property>` with lowercase, hyphenated segments.
pub fn valid_id(id: &str) -> bool {
    let segments: Vec<&str> = id.split('.').collect();
    segments.len() >= 3
        && DOMAINS.contains(&segments[0])
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.split('-')
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        })
}

/// The id a check file must have, from its path relative to the checks directory:
/// `disk/usage.space.toml` → `disk.usage.space`; a flat `disk.usage.space.toml` → itself.
pub fn id_from_path(rel: &Path) -> Option<String> {
    let stem = rel.file_stem()?.to_str()?;
    let parent = rel.parent().and_then(|p| p.to_str()).unwrap_or("");
    if parent.is_empty() { Some(stem.to_string()) } else { Some(format!("{}.{stem}", parent.replace('/', "."))) }
}

/// Parses and validates one check file. `rel` is its path relative to its checks directory.
pub fn parse_check(display: &str, rel: &Path, base_dir: Option<&Path>, source: &str) -> Result<Check, LoadError> {
    let file: CheckFile = toml::from_str(source).map_err(|e| LoadError::from_toml(display, source, &e))?;
    let err = |offset: usize, msg: String| LoadError::at(display, source, offset, msg);
    let id = file.id.get_ref().clone();
    let id_at = file.id.span().start;
    if !valid_id(&id) {
        return Err(err(id_at, say(Msg::BadCheckId, &[("id", &format!("{id:?}"))])));
    }
    let expected = id_from_path(rel).unwrap_or_default();
    if expected != id {
        return Err(err(
            id_at,
            say(Msg::IdPathMismatch, &[("id", &format!("{id:?}")), ("expected", &format!("{expected:?}"))]),
        ));
    }
    let mut probe = file.probe.get_ref().clone();
    if let ProbeSpec::Exec(p) = &mut probe {
        p.base_dir = base_dir.map(Path::to_path_buf);
        if p.command.is_empty() {
            return Err(err(file.probe.span().start, say(Msg::ExecNoCommand, &[])));
        }
        if !file.judges.is_empty() {
            return Err(err(file.probe.span().start, say(Msg::ExecNoJudges, &[])));
        }
    }
    let fields: Vec<&str> = probe.fields().iter().map(|f| f.name).collect();
    let known = |name: &str| fields.contains(&name);
    let check_names = |s: &str, at: usize, allowed_extra: &[&str]| -> Result<(), LoadError> {
        let names = template::placeholders(s).map_err(|m| err(at, m.to_string()))?;
        for (name, _) in names {
            if !(known(&name) || allowed_extra.contains(&name.as_str())) {
                return Err(err(
                    at,
                    say(
                        Msg::UnknownPlaceholder,
                        &[("probe", probe.kind()), ("fields", &list(&fields)), ("name", &name)],
                    ),
                ));
            }
        }
        Ok(())
    };
    let check_template = |text: &Spanned<Text>, allowed_extra: &[&str]| -> Result<(), LoadError> {
        let t = text.get_ref();
        for s in std::iter::once(&t.en).chain(t.zh_cn.iter()) {
            check_names(s, text.span().start, allowed_extra)?;
        }
        Ok(())
    };
    let deps = |list: &[Spanned<String>]| -> Result<Vec<String>, LoadError> {
        let mut out: Vec<String> = Vec::new();
        for d in list {
            let dep = d.get_ref();
            if !valid_id(dep) || *dep == id {
                return Err(err(d.span().start, say(Msg::BadDependency, &[("id", &format!("{dep:?}"))])));
            }
            if !out.contains(dep) {
                out.push(dep.clone());
            }
        }
        Ok(out)
    };
    let depends_on = deps(&file.depends_on)?;
    let mut judges = Vec::new();
    for j in &file.judges {
        let field = j.field.get_ref();
        if !known(field) {
            return Err(err(
                j.field.span().start,
                say(
                    Msg::UnknownField,
                    &[("probe", probe.kind()), ("fields", &list(&fields)), ("field", &format!("{field:?}"))],
                ),
            ));
        }
        let cond = |c: &Option<Spanned<String>>| -> Result<Option<Condition>, LoadError> {
            c.as_ref()
                .map(|c| Condition::parse(c.get_ref()).map_err(|m| err(c.span().start, m.to_string())))
                .transpose()
        };
        let (warn, crit, info) = (cond(&j.warn)?, cond(&j.crit)?, cond(&j.info)?);
        let ageing = match &j.ageing {
            None => None,
            Some(a) if warn.is_some() || crit.is_some() || info.is_some() => {
                return Err(err(a.span().start, say(Msg::JudgeAgeing, &[("value", &format!("{:?}", a.get_ref()))])));
            }
            Some(a) => match a.get_ref().as_str() {
                "crit" => Some(true),
                "warn" => Some(false),
                _ => {
                    return Err(err(
                        a.span().start,
                        say(Msg::JudgeAgeing, &[("value", &format!("{:?}", a.get_ref()))]),
                    ));
                }
            },
        };
        if warn.is_none() && crit.is_none() && info.is_none() && ageing.is_none() {
            return Err(err(j.field.span().start, say(Msg::JudgeNoThreshold, &[("field", &format!("{field:?}"))])));
        }
        let mut filters = Vec::new();
        for f in &j.filters {
            let (name, c) = Condition::parse_filter(f.get_ref()).map_err(|m| err(f.span().start, m.to_string()))?;
            if !known(&name) {
                return Err(err(
                    f.span().start,
                    say(
                        Msg::UnknownWhereField,
                        &[("probe", probe.kind()), ("fields", &list(&fields)), ("field", &format!("{name:?}"))],
                    ),
                ));
            }
            filters.push((name, c));
        }
        check_template(&j.message, &["subject"])?;
        if let Some(code) = &j.code {
            check_names(code.get_ref(), code.span().start, &["subject"])?;
        }
        let mut judge = Judge {
            field: field.clone(),
            warn,
            crit,
            info,
            filters,
            message: j.message.get_ref().clone(),
            code: j.code.as_ref().map(|c| c.get_ref().clone()),
            overridden_at: None,
            subjects: BTreeMap::new(),
            depends_on: j.depends_on.as_deref().map(deps).transpose()?,
            ageing,
        };
        judge.age_with(EventWindows::default());
        judges.push(judge);
    }
    if let Some(ok) = &file.ok {
        check_template(ok, &["count"])?;
    }
    for m in &file.metrics {
        if !known(m.get_ref()) {
            return Err(err(
                m.span().start,
                say(
                    Msg::UnknownMetric,
                    &[("probe", probe.kind()), ("fields", &list(&fields)), ("metric", &format!("{:?}", m.get_ref()))],
                ),
            ));
        }
    }
    let timeout = match &file.timeout {
        Some(t) if !(t.get_ref().is_finite() && *t.get_ref() > 0.0 && *t.get_ref() <= 3600.0) => {
            return Err(err(t.span().start, say(Msg::BadTimeout, &[("value", &t.get_ref().to_string())])));
        }
        Some(t) => Duration::from_secs_f64(*t.get_ref()),
        None => DEFAULT_TIMEOUT,
    };
    for tag in &file.tags {
        if !TAGS.contains(&tag.get_ref().as_str()) {
            return Err(err(
                tag.span().start,
                say(Msg::UnknownTag, &[("tag", &format!("{:?}", tag.get_ref())), ("tags", &TAGS.join(", "))]),
            ));
        }
    }
    let trend = match &file.trend {
        None => None,
        Some(t) => {
            let metrics: Vec<&str> = file.metrics.iter().map(|m| m.get_ref().as_str()).collect();
            for (key, name) in [("percent", &t.percent), ("free", &t.free), ("total", &t.total)] {
                if !metrics.contains(&name.get_ref().as_str()) {
                    return Err(err(
                        name.span().start,
                        say(
                            Msg::TrendNotAMetric,
                            &[("key", key), ("name", &format!("{:?}", name.get_ref())), ("metrics", &list(&metrics))],
                        ),
                    ));
                }
            }
            if !TREND_UNITS.contains(&t.unit.get_ref().as_str()) {
                return Err(err(
                    t.unit.span().start,
                    say(
                        Msg::BadTrendUnit,
                        &[("unit", &format!("{:?}", t.unit.get_ref())), ("units", &TREND_UNITS.join(", "))],
                    ),
                ));
            }
            Some(Trend {
                percent: t.percent.get_ref().clone(),
                free: t.free.get_ref().clone(),
                total: t.total.get_ref().clone(),
                unit: t.unit.get_ref().clone(),
            })
        }
    };
    for alias in &file.aliases {
        if !valid_id(alias) {
            return Err(err(id_at, say(Msg::BadAlias, &[("alias", &format!("{alias:?}"))])));
        }
    }
    let category = id.split('.').next().unwrap_or_default().to_string();
    Ok(Check {
        id,
        category,
        title: file.title,
        why: file.why,
        fix: file.fix,
        ok: file.ok.map(|t| t.into_inner()),
        aliases: file.aliases,
        timeout,
        metrics: file.metrics.into_iter().map(|m| m.into_inner()).collect(),
        references: file.references,
        tags: file.tags.into_iter().map(|t| t.into_inner()).collect(),
        trend,
        probe,
        judges,
        depends_on,
        source: display.to_string(),
    })
}

fn list(fields: &[&str]) -> String {
    if fields.is_empty() { say(Msg::NoNamedValues, &[]) } else { fields.join(", ") }
}

/// All checks of a run, sorted by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub checks: Vec<Check>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if e.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

impl Catalog {
    /// The built-in checks, then every `*.toml` below each directory in `dirs` (missing ones are
    /// fine: /etc/ecs-doctor/checks.d usually does not exist).
    pub fn load(dirs: &[PathBuf]) -> Result<Catalog, LoadError> {
        let mut checks = Vec::new();
        for (rel, source) in BUILTIN_CHECKS {
            checks.push(parse_check(&format!("builtin:checks/{rel}"), Path::new(rel), None, source)?);
        }
        for dir in dirs {
            let mut files = Vec::new();
            match walk(dir, &mut files) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(LoadError {
                        file: dir.display().to_string(),
                        line: 0,
                        column: 0,
                        message: say(Msg::CannotReadChecksDir, &[("error", &e.to_string())]),
                    });
                }
            }
            for path in files {
                let (display, source) = LoadError::read_source(&path, "check file")?;
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                checks.push(parse_check(&display, rel, path.parent(), &source)?);
            }
        }
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for c in &checks {
            for name in std::iter::once(&c.id).chain(c.aliases.iter()) {
                if let Some(first) = seen.insert(name.clone(), c.source.clone()) {
                    return Err(LoadError {
                        file: c.source.clone(),
                        line: 1,
                        column: 1,
                        message: say(Msg::DuplicateCheckId, &[("id", &format!("{name:?}")), ("first", &first)]),
                    });
                }
            }
        }
        checks.sort_by(|a, b| a.id.cmp(&b.id));
        resolve_dependencies(&mut checks)?;
        Ok(Catalog { checks })
    }

    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id || c.aliases.iter().any(|a| a == id))
    }
}

/// Resolves every `depends_on` to the id of a loaded check (an alias names its check) and
/// refuses a dependency on a check that does not exist or a cycle (A depends on B depends on A:
/// neither could be the root cause).
fn resolve_dependencies(checks: &mut [Check]) -> Result<(), LoadError> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for c in checks.iter() {
        for n in std::iter::once(&c.id).chain(c.aliases.iter()) {
            names.insert(n.clone(), c.id.clone());
        }
    }
    let unknown = |c: &Check, dep: &str| LoadError {
        file: c.source.clone(),
        line: 1,
        column: 1,
        message: say(Msg::UnknownDependency, &[("id", &format!("{dep:?}"))]),
    };
    for c in checks.iter_mut() {
        let resolve = |list: &mut Vec<String>| -> Result<(), String> {
            for d in list.iter_mut() {
                *d = names.get(d.as_str()).cloned().ok_or_else(|| d.clone())?;
            }
            list.dedup();
            Ok(())
        };
        let mut deps = std::mem::take(&mut c.depends_on);
        resolve(&mut deps).map_err(|d| unknown(c, &d))?;
        c.depends_on = deps;
        let mut judges = std::mem::take(&mut c.judges);
        for j in judges.iter_mut() {
            if let Some(list) = j.depends_on.as_mut() {
                resolve(list).map_err(|d| unknown(c, &d))?;
            }
        }
        c.judges = judges;
    }
    // Depth-first search for a cycle over every edge (check-wide and per judge).
    let edges: BTreeMap<&str, Vec<&str>> = checks
        .iter()
        .map(|c| {
            let mut e: Vec<&str> = c.depends_on.iter().map(String::as_str).collect();
            for j in &c.judges {
                e.extend(j.depends_on.iter().flatten().map(String::as_str));
            }
            (c.id.as_str(), e)
        })
        .collect();
    fn visit<'a>(
        n: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(true) => return None,
            Some(false) => {
                let start = path.iter().position(|p| *p == n).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            None => {}
        }
        state.insert(n, false);
        path.push(n);
        for next in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, edges, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n, true);
        None
    }
    let mut state = BTreeMap::new();
    for c in checks.iter() {
        if let Some(cycle) = visit(&c.id, &edges, &mut state, &mut Vec::new()) {
            return Err(LoadError {
                file: c.source.clone(),
                line: 1,
                column: 1,
                message: say(Msg::DependencyCycle, &[("cycle", &cycle.join(" → "))]),
            });
        }
    }
    Ok(())
}

/// Whether a selector picks a check: an id or alias (`sec.ssh.root-login`), an id prefix ending at
/// a dot (`net`, `disk.usage`), or a reference key of the check files (`cis`, `mlps3`, `lynis`),
/// which picks the checks whose `[references]` name that benchmark. Ids always start with a domain
/// (net, disk, sec, sys), so a reference key can never be mistaken for an id prefix.
pub fn selector_matches(sel: &str, check: &Check) -> bool {
    let by_id = |id: &str| id == sel || id.strip_prefix(sel).is_some_and(|rest| rest.starts_with('.'));
    by_id(&check.id) || check.aliases.iter().any(|a| by_id(a)) || check.references.contains_key(sel)
}

/// A `--only` or `--skip` selector (or a `skip` of the config) that matches no check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSelector(pub String);

impl UnknownSelector {
    pub fn said(&self) -> Said {
        Said::new(Msg::UnknownSelector).arg("selector", format!("{:?}", self.0))
    }
}

impl std::fmt::Display for UnknownSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.said())
    }
}

impl std::error::Error for UnknownSelector {}

/// Applies `--only` and `--skip`; a selector that matches no check is an error (a typo would
/// otherwise silently run nothing).
pub fn select(catalog: &Catalog, only: &[String], skip: &[String]) -> Result<Vec<Check>, UnknownSelector> {
    for sel in only.iter().chain(skip) {
        if !catalog.checks.iter().any(|c| selector_matches(sel, c)) {
            return Err(UnknownSelector(sel.clone()));
        }
    }
    Ok(catalog
        .checks
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|s| selector_matches(s, c)))
        .filter(|c| !skip.iter().any(|s| selector_matches(s, c)))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn toml_errors_are_said_in_both_languages() {
        // The toml crate's own wording stays the English text; Chinese keeps the names.
        for (m, zh) in [
            ("unknown field `foo`, expected one of `deadline`, `skip`", "未知的键 `foo`，可用的键：`deadline`, `skip`"),
            ("unknown field `x`, there are no fields", "未知的键 `x`：此处不接受任何键"),
            ("unknown variant `nope`, expected one of `exec`", "未知的取值 `nope`，可选：`exec`"),
            ("unknown field `x`, expected `y`", "未知的键 `x`，应为 `y`"),
            ("missing field `id`", "缺少键 `id`"),
            ("invalid type: string \"x\", expected f64", "类型错误：string \"x\"，应为 f64"),
            ("duplicate key", "重复的键"),
            (
                "string values must be quoted, expected literal string",
                "TOML 格式错误：string values must be quoted, expected literal string",
            ),
        ] {
            let said = toml_message(m);
            assert_eq!(said.render(Lang::En), m);
            assert_eq!(said.render(Lang::ZhCn), zh);
        }
    }

    #[test]
    fn ids() {
        assert!(valid_id("disk.usage.space"));
        assert!(valid_id("net.dns.resolver-reachable"));
        assert!(!valid_id("disk.usage"));
        assert!(!valid_id("web.usage.space"));
        assert!(!valid_id("disk.Usage.space"));
        assert!(!valid_id("disk.usage.-x"));
        assert_eq!(id_from_path(Path::new("disk/usage.space.toml")).as_deref(), Some("disk.usage.space"));
        assert_eq!(id_from_path(Path::new("disk.usage.space.toml")).as_deref(), Some("disk.usage.space"));
    }

    fn write_check(dir: &Path, id: &str, extra: &str) {
        let (domain, rest) = id.split_once('.').unwrap();
        let path = dir.join(domain).join(format!("{rest}.toml"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            path,
            format!(
                "id = \"{id}\"\ntitle.en = \"t\"\nwhy.en = \"w\"\nfix.en = \"f\"\n{extra}\n[probe.loadavg]\n\n\
                 [[judge]]\nfield = \"load5_per_cpu\"\nwarn = \"> 100\"\nmessage.en = \"m\"\n"
            ),
        )
        .unwrap();
    }

    #[test]
    fn dependencies_must_name_loaded_checks_without_a_cycle() {
        let dir = tempfile::tempdir().unwrap();
        // A plugin may depend on a built-in check, by id or alias.
        write_check(dir.path(), "sys.test.a", "depends_on = [\"net.route.default\"]");
        let c = Catalog::load(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(c.get("sys.test.a").unwrap().depends_on, ["net.route.default"]);
        assert!(c.get("net.dns.resolver-reachable").unwrap().depends_on.contains(&"net.route.default".to_string()));

        write_check(dir.path(), "sys.test.a", "depends_on = [\"sys.test.nope\"]");
        let e = Catalog::load(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(e.message.contains("sys.test.nope") && e.file.ends_with("a.toml"), "{e}");

        write_check(dir.path(), "sys.test.a", "depends_on = [\"sys.test.a\"]");
        let e = Catalog::load(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(e.message.contains("\"sys.test.a\"") && e.line == 5, "{e}");

        write_check(dir.path(), "sys.test.a", "depends_on = [\"sys.test.b\"]");
        write_check(dir.path(), "sys.test.b", "depends_on = [\"sys.test.a\"]");
        let e = Catalog::load(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(e.message.contains("sys.test.a → sys.test.b → sys.test.a"), "{e}");
    }

    /// The built-in dependencies: every one names a built-in check, and a judge that says what
    /// it finds has no explanation elsewhere keeps its own empty list.
    #[test]
    fn builtin_dependencies() {
        let c = Catalog::load(&[]).unwrap();
        let time = c.get("net.time.sync").unwrap();
        let no_daemon = time.judges.iter().find(|j| j.code.as_deref() == Some("NO-NTP")).unwrap();
        assert_eq!(no_daemon.depends_on.as_deref(), Some(&[][..]));
        assert_eq!(c.get("net.route.default").unwrap().depends_on, ["net.addr.assigned"]);
    }

    #[test]
    fn error_positions() {
        let e = LoadError::at("f", "ab\ncd\nef", 4, "x");
        assert_eq!((e.line, e.column), (2, 2));
    }
}
