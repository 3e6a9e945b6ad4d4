//! "What changed since it last worked": two reports side by side. Checks whose status changed,
//! findings that are new, resolved or changed severity, and metrics that moved.
//!
//! A finding is the same finding in both reports when it belongs to the same check and has the
//! same subject and code; a finding without a subject is matched by its message. So
//! "/data is 91% full" and "/data is 97% full" are one finding whose message changed, not one
//! resolved and one new.

use crate::i18n::{Lang, Msg, tr};
use crate::report::{CheckResult, Finding, OverallStatus, Report, Severity, Status};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize)]
pub struct RunRef {
    pub file: String,
    pub started_at: String,
    pub status: OverallStatus,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusChange {
    pub id: String,
    pub title: String,
    /// None when the check is not in that report.
    pub from: Option<Status>,
    pub to: Option<Status>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingChange {
    pub id: String,
    #[serde(flatten)]
    pub finding: Finding,
    /// For a changed finding: what it said before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricChange {
    pub id: String,
    pub metric: String,
    pub from: Option<f64>,
    pub to: Option<f64>,
}

/// Which run `from` is: named on the command line, the last earlier run whose status was ok
/// (the default), or, when no earlier run was ok, simply the run before the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    Named,
    LastOk,
    Previous,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub baseline: Baseline,
    pub from: RunRef,
    pub to: RunRef,
    pub status_changes: Vec<StatusChange>,
    pub new_findings: Vec<FindingChange>,
    pub resolved_findings: Vec<FindingChange>,
    pub changed_findings: Vec<FindingChange>,
    pub metric_changes: Vec<MetricChange>,
}

fn finding_key(f: &Finding) -> (String, String) {
    match &f.subject {
        Some(s) => (s.clone(), f.code.clone().unwrap_or_default()),
        None => (f.message.clone(), f.code.clone().unwrap_or_default()),
    }
}

fn by_key(c: Option<&CheckResult>) -> BTreeMap<(String, String), &Finding> {
    let mut m = BTreeMap::new();
    for f in c.map(|c| c.findings.as_slice()).unwrap_or_default() {
        // Several findings about one subject (two resolv.conf problems): the first keeps the
        // subject key, the others are told apart by message.
        let key = finding_key(f);
        if m.contains_key(&key) {
            m.insert((format!("{}\u{0}{}", key.0, f.message), key.1), f);
        } else {
            m.insert(key, f);
        }
    }
    m
}

pub fn compare(a: (&str, &Report), b: (&str, &Report)) -> Diff {
    let run_ref = |(file, r): (&str, &Report)| RunRef {
        file: file.to_string(),
        started_at: r.run.started_at.clone(),
        status: r.summary.status,
        score: r.summary.score,
    };
    let mut ids: Vec<&str> = a.1.checks.iter().chain(&b.1.checks).map(|c| c.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    let mut d = Diff {
        baseline: Baseline::Named,
        from: run_ref(a),
        to: run_ref(b),
        status_changes: vec![],
        new_findings: vec![],
        resolved_findings: vec![],
        changed_findings: vec![],
        metric_changes: vec![],
    };
    for id in ids {
        let old = a.1.checks.iter().find(|c| c.id == id);
        let new = b.1.checks.iter().find(|c| c.id == id);
        let (from, to) = (old.map(|c| c.status), new.map(|c| c.status));
        if from != to {
            let title = new.or(old).map(|c| c.title.clone()).unwrap_or_default();
            d.status_changes.push(StatusChange { id: id.into(), title, from, to });
        }
        // A check absent from one report (not selected, or new) says nothing about its findings.
        if let (Some(_), Some(_)) = (old, new) {
            let (of, nf) = (by_key(old), by_key(new));
            for (k, f) in &nf {
                match of.get(k) {
                    None => d.new_findings.push(FindingChange { id: id.into(), finding: (*f).clone(), before: None }),
                    Some(o) if o.severity != f.severity || o.message != f.message => d
                        .changed_findings
                        .push(FindingChange { id: id.into(), finding: (*f).clone(), before: Some((*o).clone()) }),
                    Some(_) => {}
                }
            }
            for (k, f) in &of {
                if !nf.contains_key(k) {
                    d.resolved_findings.push(FindingChange { id: id.into(), finding: (*f).clone(), before: None });
                }
            }
            let empty = BTreeMap::new();
            let (om, nm) = (old.map(|c| &c.metrics).unwrap_or(&empty), new.map(|c| &c.metrics).unwrap_or(&empty));
            let mut names: Vec<&String> = om.keys().chain(nm.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let (x, y) = (om.get(name).copied(), nm.get(name).copied());
                let same = match (x, y) {
                    (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
                    _ => false,
                };
                if !same {
                    d.metric_changes.push(MetricChange { id: id.into(), metric: name.clone(), from: x, to: y });
                }
            }
        }
    }
    d
}

fn status_word(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Ok) => "ok",
        Some(Status::Warn) => "warn",
        Some(Status::Crit) => "crit",
        Some(Status::Error) => "error",
        Some(Status::Skipped) => "skipped",
        None => "-",
    }
}

fn overall_word(s: OverallStatus) -> &'static str {
    match s {
        OverallStatus::Ok => "ok",
        OverallStatus::Warn => "warn",
        OverallStatus::Crit => "crit",
        OverallStatus::Unknown => "unknown",
    }
}

fn sev(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warn => "warn",
        Severity::Crit => "crit",
    }
}

/// A metric value as people read it: bytes in binary units.
fn num(metric: &str, v: Option<f64>) -> String {
    let bytes = metric.split('[').next().is_some_and(|n| n.ends_with("_bytes"));
    match v {
        Some(v) if bytes => crate::fmt::human_bytes(v),
        Some(v) => crate::fmt::format_num(v),
        None => "-".into(),
    }
}

pub fn render_text(d: &Diff, lang: Lang, dir: &str) -> String {
    let mut out = String::new();
    if d.baseline == Baseline::Previous {
        let _ = writeln!(out, "{}\n", crate::i18n::trf(lang, Msg::DiffNoOkRun, &[("dir", dir)]));
    }
    let run = |r: &RunRef| {
        format!("{} ({}, {} {}/100, {})", r.started_at, overall_word(r.status), tr(lang, Msg::Score), r.score, r.file)
    };
    let _ = writeln!(out, "{}: {}", tr(lang, Msg::DiffFrom), run(&d.from));
    let _ = writeln!(out, "{}:   {}", tr(lang, Msg::DiffTo), run(&d.to));
    let empty = d.status_changes.is_empty()
        && d.new_findings.is_empty()
        && d.resolved_findings.is_empty()
        && d.changed_findings.is_empty()
        && d.metric_changes.is_empty();
    if empty {
        let _ = writeln!(out, "\n{}", tr(lang, Msg::DiffNothing));
        return out;
    }
    if !d.status_changes.is_empty() {
        let _ = writeln!(out, "\n{}:", tr(lang, Msg::DiffStatusChanges));
        for c in &d.status_changes {
            let _ = writeln!(out, "  {:<7} → {:<7} {}  ({})", status_word(c.from), status_word(c.to), c.title, c.id);
        }
    }
    let list = |out: &mut String, head: Msg, mark: &str, items: &[FindingChange]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{}:", tr(lang, head));
        for f in items {
            let _ = writeln!(out, "  {mark} [{}] {}  ({})", sev(f.finding.severity), f.finding.message, f.id);
            if let Some(b) = &f.before {
                let _ = writeln!(out, "      {}: [{}] {}", tr(lang, Msg::DiffWas), sev(b.severity), b.message);
            }
            for e in f.finding.evidence.iter().take(3) {
                let _ = writeln!(out, "      │ {e}");
            }
        }
    };
    list(&mut out, Msg::DiffNewFindings, "+", &d.new_findings);
    list(&mut out, Msg::DiffResolvedFindings, "-", &d.resolved_findings);
    list(&mut out, Msg::DiffChangedFindings, "~", &d.changed_findings);
    if !d.metric_changes.is_empty() {
        let _ = writeln!(out, "\n{}:", tr(lang, Msg::DiffMetricChanges));
        for m in &d.metric_changes {
            let _ = writeln!(out, "  {} {}: {} → {}", m.id, m.metric, num(&m.metric, m.from), num(&m.metric, m.to));
        }
    }
    out
}

pub fn render_json(d: &Diff) -> String {
    let mut s = serde_json::to_string_pretty(d).unwrap_or_default();
    s.push('\n');
    s
}
