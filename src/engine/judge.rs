//! Turns what a probe observed into a check result: each judge compares one value of each
//! observation with the check's thresholds; the worst finding sets the status.

use crate::catalog::{Check, template};
use crate::i18n::{Lang, Msg, trf};
use crate::probe::{Observations, ProbeError, TableSpec};
use crate::redact::redact;
use crate::report::{CheckResult, Finding, Severity, Status, Table};
use std::collections::BTreeMap;

/// A probe's table in `lang`, control characters from the examined system removed and the
/// cells redacted (the report's model is above the probes, so the probe cannot build it).
fn table(spec: &TableSpec, lang: Lang) -> Table {
    let clean = |s: String| s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>();
    Table {
        columns: spec.columns.iter().map(|c| clean(c.render(lang))).collect(),
        rows: spec.rows.iter().map(|r| r.iter().map(|c| clean(redact(&c.render(lang)))).collect()).collect(),
    }
}

/// Most evidence lines kept per finding: enough to act on, short enough to read.
const MAX_EVIDENCE: usize = 20;

fn evidence(lines: &[String], lang: Lang) -> Vec<String> {
    // Redacted together, so a private key split over several lines goes as a whole.
    let mut out = crate::redact::redact_lines(&lines[..lines.len().min(MAX_EVIDENCE)]);
    if lines.len() > MAX_EVIDENCE {
        out.push(trf(lang, Msg::MoreLines, &[("count", &(lines.len() - MAX_EVIDENCE).to_string())]));
    }
    out
}

pub fn base(check: &Check, lang: Lang, status: Status, summary: String, duration_ms: u64) -> CheckResult {
    CheckResult {
        id: check.id.clone(),
        category: check.category.clone(),
        title: check.title.get(lang).to_string(),
        status,
        summary,
        findings: Vec::new(),
        remediation: None,
        kb: Some(format!("ecs-doctor explain {}", check.id)),
        metrics: BTreeMap::new(),
        duration_ms,
        traces: Vec::new(),
        consequence_of: Vec::new(),
        explained_by: Vec::new(),
        table: None,
    }
}

/// The result of a check whose probe did not finish in time.
pub fn timed_out(check: &Check, lang: Lang, message: String, duration_ms: u64) -> CheckResult {
    let mut r = base(check, lang, Status::Error, message.clone(), duration_ms);
    r.explained_by = unfinished_deps(check);
    r.findings.push(Finding {
        severity: Severity::Info,
        message,
        subject: None,
        code: Some("ETIMEDOUT".into()),
        evidence: Vec::new(),
        since: None,
    });
    r
}

/// What may explain a check that could not finish: its check-wide dependencies.
fn unfinished_deps(check: &Check) -> Vec<Vec<String>> {
    if check.depends_on.is_empty() { Vec::new() } else { vec![check.depends_on.clone()] }
}

pub fn judge(check: &Check, observed: Result<Observations, ProbeError>, lang: Lang, duration_ms: u64) -> CheckResult {
    match observed {
        Ok(o) => judge_ref(check, Ok(&o), lang, duration_ms),
        Err(e) => judge_ref(check, Err(e), lang, duration_ms),
    }
}

/// [`judge`] on a probe's result shared by several checks ([`crate::probe::ProbeContext::observe_shared`]),
/// read in place instead of copied for each check.
pub fn judge_shared(
    check: &Check,
    observed: Result<std::sync::Arc<Observations>, ProbeError>,
    lang: Lang,
    duration_ms: u64,
) -> CheckResult {
    match observed {
        Ok(o) => judge_ref(check, Ok(&o), lang, duration_ms),
        Err(e) => judge_ref(check, Err(e), lang, duration_ms),
    }
}

fn judge_ref(check: &Check, observed: Result<&Observations, ProbeError>, lang: Lang, duration_ms: u64) -> CheckResult {
    let obs = match observed {
        Err(ProbeError::Skipped(reason)) => {
            return base(check, lang, Status::Skipped, reason.render(lang), duration_ms);
        }
        Err(ProbeError::Failed { code, message }) => {
            let message = message.render(lang);
            let mut r = base(check, lang, Status::Error, redact(&message), duration_ms);
            r.explained_by = unfinished_deps(check);
            r.findings.push(Finding {
                severity: Severity::Info,
                message: redact(&message),
                subject: None,
                code: Some(code),
                evidence: Vec::new(),
                since: None,
            });
            return r;
        }
        Ok(o) => o,
    };
    if let Some(v) = &obs.verdict {
        let status = match v.exit_code {
            0 => Status::Ok,
            1 => Status::Warn,
            2 => Status::Crit,
            _ => Status::Error,
        };
        let mut r = base(check, lang, status, redact(&v.summary), duration_ms);
        if status != Status::Ok {
            let severity = match status {
                Status::Crit => Severity::Crit,
                Status::Warn => Severity::Warn,
                _ => Severity::Info,
            };
            r.findings.push(Finding {
                severity,
                message: redact(&v.summary),
                subject: None,
                code: Some(format!("exit {}", v.exit_code)),
                evidence: evidence(&v.details, lang),
                since: None,
            });
            r.remediation = Some(check.fix.get(lang).to_string());
            r.explained_by = unfinished_deps(check);
        }
        r.metrics = v.metrics.clone();
        return r;
    }
    if obs.items.is_empty() {
        let reason = trf(lang, Msg::NothingToExamine, &[]);
        return base(check, lang, Status::Skipped, reason, duration_ms);
    }
    let mut findings = Vec::new();
    for j in &check.judges {
        for o in &obs.items {
            if !j.filters.iter().all(|(f, c)| o.values.get(f).is_some_and(|v| c.matches(v))) {
                continue;
            }
            let Some(value) = o.values.get(&j.field) else { continue };
            let (warn, crit) = j.thresholds_for(&o.subject);
            let severity = if crit.is_some_and(|c| c.matches(value)) {
                Severity::Crit
            } else if warn.is_some_and(|c| c.matches(value)) {
                Severity::Warn
            } else if j.info.as_ref().is_some_and(|c| c.matches(value)) {
                Severity::Info
            } else {
                continue;
            };
            let mut lines: Vec<String> = o.evidence_for(&j.field).to_vec();
            for (f, _) in &j.filters {
                for l in o.evidence_for(f) {
                    if !lines.contains(l) {
                        lines.push(l.clone());
                    }
                }
            }
            let deps = j.depends_on.as_ref().unwrap_or(&check.depends_on).clone();
            findings.push((
                deps,
                Finding {
                    severity,
                    message: template::render(j.message.get(lang), Some(o), obs.items.len(), lang),
                    subject: Some(o.subject.clone()),
                    // A code is an identifier to search for: always in English.
                    code: j.code.as_deref().map(|c| template::render(c, Some(o), obs.items.len(), Lang::En)),
                    evidence: evidence(&lines, lang),
                    since: o.since.clone(),
                },
            ));
        }
    }
    findings.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    // Each problem's possible explanations; a problem no dependency could explain leaves the
    // check a root cause whatever else fails.
    let explained_by: Vec<Vec<String>> =
        findings.iter().filter(|(_, f)| f.severity != Severity::Info).map(|(d, _)| d.clone()).collect();
    let findings: Vec<Finding> = findings.into_iter().map(|(_, f)| f).collect();
    let status = match findings.first().map(|f| f.severity) {
        Some(Severity::Crit) => Status::Crit,
        Some(Severity::Warn) => Status::Warn,
        _ => Status::Ok,
    };
    // Info findings are notes: they never make a check warn, and an ok check's summary stays
    // its ok text with the first note after it.
    let problems = findings.iter().filter(|f| f.severity != Severity::Info).count();
    let and_more =
        |first: &str| trf(lang, Msg::AndMore, &[("first", first), ("count", &(findings.len() - 1).to_string())]);
    let summary = match findings.first() {
        Some(first) if problems > 1 => and_more(&first.message),
        Some(first) if problems == 1 => first.message.clone(),
        _ => {
            let ok = match &check.ok {
                Some(t) => template::render(t.get(lang), obs.items.first(), obs.items.len(), lang),
                None => check.title.get(lang).to_string(),
            };
            match findings.first() {
                None => ok,
                Some(note) => {
                    let note = if findings.len() > 1 { and_more(&note.message) } else { note.message.clone() };
                    trf(lang, Msg::OkWithNote, &[("ok", &ok), ("note", &note)])
                }
            }
        }
    };
    let mut r = base(check, lang, status, summary, duration_ms);
    if status != Status::Ok {
        r.remediation = Some(check.fix.get(lang).to_string());
    }
    for name in &check.metrics {
        let carriers: Vec<_> = obs.items.iter().filter_map(|o| Some((o, o.values.get(name)?.as_num()?))).collect();
        for (o, n) in &carriers {
            // One subject: the plain name (unless the probe keys its family); several: `used_percent[/data]`.
            let key = if carriers.len() == 1 && !obs.keyed { name.clone() } else { format!("{name}[{}]", o.subject) };
            r.metrics.insert(key, *n);
        }
    }
    r.findings = findings;
    r.traces = obs.traces.clone();
    r.explained_by = explained_by;
    r.table = obs.table.as_ref().map(|t| table(t, lang));
    r
}
