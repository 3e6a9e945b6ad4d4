//! One complaint walked in order (`ecs-doctor why <SYMPTOM>`): the `diagnosis` of report v1
//! and its terminal view.
//!
//! The view is made for the console's VNC terminal of a server nobody can log in to: 80
//! columns, no colour needed, and the cause first, so it is read without scrolling back: the
//! cause and its fix, then the walk (one line a step), then, when nothing inside the server
//! explains the complaint, what to check outside it.

use super::text::{TextOptions, wrap};
use super::{CheckResult, Report, Severity, Status};
use crate::i18n::{Msg, tr, trf};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The `diagnosis` of report v1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// `ssh`, `port`, `dns`, `network`.
    pub symptom: String,
    /// What the complaint is about: a user, a port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The checks in the order they were walked.
    pub steps: Vec<Step>,
    /// The id of the first step that failed hard (crit); null when none did.
    pub cause: Option<String>,
    /// What to check outside the guest; given when nothing inside explains the complaint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outside: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub check: String,
    pub status: Status,
    /// The subjects the step is narrowed to (the root filesystem of a full disk): its status
    /// is that of the findings about them, not the whole check's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
}

impl Step {
    /// Whether a finding of the step's check is about the complaint.
    pub fn covers(&self, f: &super::Finding) -> bool {
        self.subjects.is_empty() || f.subject.as_ref().is_some_and(|s| self.subjects.contains(s))
    }

    /// The status of `c` for this step: the check's own, or, narrowed, the worst of the findings
    /// about the step's subjects (a check that could not run keeps its error or skip).
    fn status_of(&self, c: &CheckResult) -> Status {
        if self.subjects.is_empty() || matches!(c.status, Status::Error | Status::Skipped) {
            return c.status;
        }
        match c.findings.iter().filter(|f| self.covers(f)).map(|f| f.severity).max() {
            Some(Severity::Crit) => Status::Crit,
            Some(Severity::Warn) => Status::Warn,
            _ => Status::Ok,
        }
    }
}

impl Diagnosis {
    /// The walk of `steps` over the results of a run: each step's status (a check that did
    /// not run is skipped; a step narrowed to some subjects by `narrowed` counts only the
    /// findings about them), the first crit as the cause, and `outside` only when there is no
    /// cause.
    pub fn walk(
        symptom: &str,
        subject: Option<String>,
        steps: &[String],
        narrowed: &std::collections::BTreeMap<String, Vec<String>>,
        checks: &[CheckResult],
        outside: Vec<String>,
    ) -> Diagnosis {
        let steps: Vec<Step> = steps
            .iter()
            .map(|id| {
                let mut step = Step {
                    check: id.clone(),
                    status: Status::Skipped,
                    subjects: narrowed.get(id).cloned().unwrap_or_default(),
                };
                step.status = checks.iter().find(|c| &c.id == id).map_or(Status::Skipped, |c| step.status_of(c));
                step
            })
            .collect();
        let cause = steps.iter().find(|s| s.status == Status::Crit).map(|s| s.check.clone());
        let outside = if cause.is_none() { outside } else { Vec::new() };
        Diagnosis { symptom: symptom.to_string(), subject, steps, cause, outside }
    }
}

/// Width of the view: the console's VNC terminal.
const WIDTH: usize = 80;
/// Lines of the fix shown under the cause.
const FIX_LINES: usize = 4;

fn mark(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warn => "WARN",
        Status::Crit => "CRIT",
        Status::Error => "error",
        Status::Skipped => "skip",
    }
}

/// Text for a terminal: one line is at most [`WIDTH`] columns (long words aside), control
/// characters from the examined system never reach the terminal.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn block(out: &mut String, label: &str, text: &str, max_lines: usize) {
    let indent = " ".repeat(super::text::display_width(label) + 1);
    let lines = wrap(&clean(text), WIDTH - indent.len());
    for (i, l) in lines.iter().take(max_lines).enumerate() {
        let _ = writeln!(out, "{}{l}", if i == 0 { format!("{label} ") } else { indent.clone() });
    }
    if lines.len() > max_lines {
        let _ = writeln!(out, "{indent}…");
    }
}

/// The terminal view of a report with a diagnosis (the cause first). Without one, the normal
/// terminal report.
pub fn render_text(report: &Report, opts: &TextOptions) -> String {
    let Some(d) = &report.diagnosis else { return super::text::render(report, opts) };
    let lang = opts.lang;
    let mut out = String::new();
    let subject = d.subject.as_ref().map(|s| format!(" ({})", clean(s))).unwrap_or_default();
    let _ = writeln!(out, "ecs-doctor why {}{subject} · {}", d.symptom, clean(&report.host.hostname));
    let by_id = |id: &str| report.checks.iter().find(|c| c.id == id);
    match cause_of(report) {
        Some((c, finding)) => {
            let what = finding.map_or(c.summary.as_str(), |f| f.message.as_str());
            let subject = finding.and_then(|f| f.subject.as_deref()).map(|s| format!(" [{s}]")).unwrap_or_default();
            block(&mut out, tr(lang, Msg::WhyCause), &format!("{}{subject}: {what}", c.id), 8);
            if let Some(fix) = &c.remediation {
                block(&mut out, tr(lang, Msg::WhyFix), fix, FIX_LINES);
            }
            let _ = writeln!(out, "{}", trf(lang, Msg::WhyExplain, &[("id", &c.id)]));
        }
        None => {
            let _ = writeln!(out, "{}", tr(lang, Msg::WhyNoCause));
        }
    }
    let _ = writeln!(out, "\n{}", tr(lang, Msg::WhyWalked));
    let width = d.steps.iter().map(|s| s.check.len()).max().unwrap_or(0).min(28);
    // Every step up to the cause, one line each; after it, the steps that passed are one line,
    // so the view stays on one screen of the console.
    let at = d.cause.as_ref().and_then(|c| d.steps.iter().position(|s| &s.check == c));
    let mut passed_after = Vec::new();
    for (i, s) in d.steps.iter().enumerate() {
        if at.is_some_and(|at| i > at) && s.status == Status::Ok {
            passed_after.push(s.check.as_str());
            continue;
        }
        let title = by_id(&s.check).map(|c| c.title.as_str()).unwrap_or("");
        let line = format!("  {:<5} {:<width$} {}", mark(s.status), s.check, clean(title));
        let _ = writeln!(out, "{}", line.chars().take(WIDTH).collect::<String>());
    }
    if !passed_after.is_empty() {
        let line = format!("  {:<5} {}", mark(Status::Ok), passed_after.join(", "));
        let line = if line.chars().count() > WIDTH {
            format!("{}…", line.chars().take(WIDTH - 1).collect::<String>())
        } else {
            line
        };
        let _ = writeln!(out, "{line}");
    }
    // Warnings met on the way are worth a look even when something else is the cause.
    for c in d.steps.iter().filter(|s| s.status == Status::Warn).filter_map(|s| by_id(&s.check)) {
        block(&mut out, &format!("  {}:", c.id), &c.summary, 3);
    }
    if !d.outside.is_empty() {
        let _ = writeln!(out, "\n{}", tr(lang, Msg::WhyOutside));
        for (i, o) in d.outside.iter().enumerate() {
            block(&mut out, &format!("  {}.", i + 1), o, 4);
        }
    }
    if let Some(path) = &opts.saved_to {
        let _ = writeln!(out, "\n{} {path}", tr(lang, Msg::ReportSaved));
    }
    out
}

/// The cause's check and its first critical finding about the complaint (a narrowed step's
/// subjects), for the views and one-line summaries.
pub fn cause_of(report: &Report) -> Option<(&CheckResult, Option<&super::Finding>)> {
    let d = report.diagnosis.as_ref()?;
    let id = d.cause.as_deref()?;
    let c = report.checks.iter().find(|c| c.id == id)?;
    let step = d.steps.iter().find(|s| s.check == id)?;
    Some((c, c.findings.iter().find(|f| f.severity == Severity::Crit && step.covers(f))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status) -> CheckResult {
        CheckResult {
            id: id.into(),
            category: "net".into(),
            title: format!("title of {id}"),
            status,
            summary: format!("summary of {id}"),
            findings: Vec::new(),
            remediation: Some("do this".into()),
            kb: None,
            metrics: Default::default(),
            duration_ms: 1,
            traces: Vec::new(),
            table: None,
            consequence_of: Vec::new(),
            explained_by: Vec::new(),
        }
    }

    #[test]
    fn the_first_crit_is_the_cause_and_outside_only_without_one() {
        let steps: Vec<String> = ["a.b.c", "a.b.d", "a.b.e", "a.b.f"].iter().map(|s| s.to_string()).collect();
        let checks = vec![result("a.b.c", Status::Ok), result("a.b.d", Status::Warn), result("a.b.e", Status::Crit)];
        let d = Diagnosis::walk("ssh", None, &steps, &Default::default(), &checks, vec!["look outside".into()]);
        assert_eq!(d.cause.as_deref(), Some("a.b.e"));
        assert!(d.outside.is_empty());
        assert_eq!(d.steps[3].status, Status::Skipped, "a step that did not run");
        let d = Diagnosis::walk("ssh", None, &steps[..2], &Default::default(), &checks, vec!["look outside".into()]);
        assert_eq!((d.cause, d.outside.len()), (None, 1));
    }

    /// A step narrowed to some subjects counts only the findings about them: a full /data is not
    /// why SSH logins fail, a full / is, and the cause's finding is the one about /.
    #[test]
    fn a_narrowed_step_counts_its_subjects_only() {
        let finding = |subject: &str| super::super::Finding {
            severity: Severity::Crit,
            message: format!("{subject} is full"),
            subject: Some(subject.into()),
            code: None,
            evidence: Vec::new(),
            since: None,
        };
        let steps = vec!["disk.usage.space".to_string()];
        let narrowed: std::collections::BTreeMap<String, Vec<String>> =
            [("disk.usage.space".to_string(), vec!["/".to_string()])].into();
        let mut disk = result("disk.usage.space", Status::Crit);
        disk.findings.push(finding("/data"));
        let d = Diagnosis::walk("ssh", None, &steps, &narrowed, std::slice::from_ref(&disk), vec!["o".into()]);
        assert_eq!((d.steps[0].status, d.cause.as_deref()), (Status::Ok, None));
        assert_eq!(d.steps[0].subjects, ["/"]);
        disk.findings.push(finding("/"));
        let d = Diagnosis::walk("ssh", None, &steps, &narrowed, std::slice::from_ref(&disk), Vec::new());
        assert_eq!(d.cause.as_deref(), Some("disk.usage.space"));
        let mut skipped = result("disk.usage.space", Status::Skipped);
        skipped.findings.clear();
        let d = Diagnosis::walk("ssh", None, &steps, &narrowed, &[skipped], Vec::new());
        assert_eq!(d.steps[0].status, Status::Skipped, "a check that did not run stays so");
    }

    #[test]
    fn the_view_leads_with_the_cause_and_fits_80_columns() {
        let steps: Vec<String> = ["net.x.first", "net.x.second"].iter().map(|s| s.to_string()).collect();
        let mut bad = result("net.x.second", Status::Crit);
        bad.findings.push(super::super::Finding {
            severity: Severity::Crit,
            message: format!("nothing listens \u{1b}[31m{}", "word ".repeat(60)),
            subject: Some("ssh.service".into()),
            code: None,
            evidence: Vec::new(),
            since: None,
        });
        let checks = vec![result("net.x.first", Status::Ok), bad];
        let report = Report {
            schema: super::super::SCHEMA.into(),
            tool: super::super::Tool { name: "ecs-doctor".into(), version: "0".into() },
            run: serde_json::from_value(serde_json::json!({"id":"r","started_at":"t","finished_at":"t",
                "duration_ms":1,"deadline_ms":1,"privileged":true,"argv":[]}))
            .unwrap(),
            host: serde_json::from_value(serde_json::json!({"hostname":"web-1","os":{"id":"debian","pretty_name":"D"},
                "kernel":"k","arch":"x86_64","cloud":{"provider":"none"}}))
            .unwrap(),
            summary: super::super::Summary::of(&checks),
            diagnosis: Some(Diagnosis::walk(
                "ssh",
                Some("root".into()),
                &steps,
                &Default::default(),
                &checks,
                Vec::new(),
            )),
            checks,
        };
        let text = render_text(&report, &TextOptions::default());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ecs-doctor why ssh (root) · web-1");
        assert!(lines[1].starts_with("Cause: net.x.second [ssh.service]: nothing listens"), "{text}");
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert!(!text.contains('\u{1b}'), "no control characters: {text}");
        assert!(text.contains("  CRIT  net.x.second"), "{text}");
    }
}
