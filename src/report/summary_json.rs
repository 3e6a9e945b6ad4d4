//! One line of JSON per run, for fleet engines and log shippers: Alibaba Cloud Assistant keeps
//! only the first 24 KB of a command's output, so the line is always shorter than
//! [`MAX_BYTES`]. When the full content would not fit, messages, subject lists and at last the
//! least severe failing checks are cut, always in the same order, and `truncated` says so.
//! `fleet summarize` reads these lines as well as full reports.

use super::{CheckResult, Counts, OverallStatus, Report, Severity, Status};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "ecs-doctor/summary/v1";

/// Upper bound of a line, newline included: below 24 KB however "KB" is counted (24,000 or 24,576).
pub const MAX_BYTES: usize = 24_000;

/// Longest host name, instance id, run id or time kept (characters).
const MAX_NAME: usize = 255;
/// Longest report path kept (characters).
const MAX_PATH: usize = 1024;
/// Longest check id or subject kept (characters).
const MAX_ID: usize = 128;

/// The line. Field order is the output order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryLine {
    pub schema: String,
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    pub run_id: String,
    pub started_at: String,
    pub status: OverallStatus,
    pub score: f64,
    pub counts: Counts,
    /// The complaint of `ecs-doctor why` (`ssh`, `port` ...), when the report answers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptom: Option<String>,
    /// Its cause: the first step that failed hard, with its message, never cut away (the
    /// customer who cannot log in reads this line in the Cloud Assistant console).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<FailingCheck>,
    /// Failing checks (crit, then warn, then error; report order within a status).
    pub failing: Vec<FailingCheck>,
    /// Failing checks left out to fit the size bound.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted: u32,
    /// Something was shortened or left out to fit the size bound.
    pub truncated: bool,
    /// Where the full report was written on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// Outcome of `--upload-url`: "ok" or "failed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailingCheck {
    pub id: String,
    pub status: Status,
    /// How many findings the check has in the full report.
    pub findings: u32,
    /// Subject of the first of the most severe findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Message of that finding (the check's summary when it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Distinct subjects of all its findings, in report order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// The failing checks that explain this one (report v1 `consequence_of`): it is not a root
    /// cause. Root causes come first in `failing`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consequence_of: Vec<String>,
}

/// What happened to the full report besides stdout, shown in the line.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub report: Option<String>,
    pub upload: Option<bool>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How hard a level shortens: message length and subjects kept per check.
struct Level {
    message: Option<usize>,
    subjects: usize,
}

const LEVELS: [Level; 4] = [
    Level { message: Some(512), subjects: 16 },
    Level { message: Some(160), subjects: 4 },
    Level { message: Some(60), subjects: 0 },
    Level { message: None, subjects: 0 },
];

/// Cuts `s` to at most `max` characters, ending in "…" when cut; reports whether it cut.
fn cut(s: &str, max: usize, cutting: &mut bool) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    *cutting = true;
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn priority(s: Status) -> u8 {
    match s {
        Status::Crit => 0,
        Status::Warn => 1,
        _ => 2,
    }
}

fn failing_check(c: &CheckResult, level: &Level, cutting: &mut bool) -> FailingCheck {
    let worst = c.findings.iter().map(|f| f.severity).max().unwrap_or(Severity::Info);
    let first = c.findings.iter().find(|f| f.severity == worst);
    let message = level.message.map(|max| {
        let text = first.map(|f| f.message.as_str()).unwrap_or(c.summary.as_str());
        cut(text, max, cutting)
    });
    if level.message.is_none() {
        *cutting = true;
    }
    let mut distinct: Vec<&str> = Vec::new();
    for s in c.findings.iter().filter_map(|f| f.subject.as_deref()) {
        if !distinct.contains(&s) {
            distinct.push(s);
        }
    }
    // One subject is already in `subject`; a list is worth its bytes only for two or more.
    let subjects: Vec<String> = if distinct.len() > 1 {
        if distinct.len() > level.subjects {
            *cutting = true;
        }
        distinct.iter().take(level.subjects).map(|s| cut(s, MAX_ID, cutting)).collect()
    } else {
        Vec::new()
    };
    FailingCheck {
        id: cut(&c.id, MAX_ID, cutting),
        status: c.status,
        findings: c.findings.len().min(u32::MAX as usize) as u32,
        subject: first.and_then(|f| f.subject.as_deref()).map(|s| cut(s, MAX_ID, cutting)),
        message,
        subjects,
        consequence_of: c.consequence_of.iter().map(|d| cut(d, MAX_ID, cutting)).collect(),
    }
}

/// The line for a report at one level of shortening, without dropping checks.
fn line_at(report: &Report, delivery: &Delivery, level: &Level) -> SummaryLine {
    let mut cutting = false;
    let mut failing: Vec<&CheckResult> =
        report.checks.iter().filter(|c| matches!(c.status, Status::Crit | Status::Warn | Status::Error)).collect();
    // Root causes first (the cause a fleet engine or Cloud Assistant reader needs), then by status.
    failing.sort_by_key(|c| (!c.consequence_of.is_empty(), priority(c.status)));
    let failing = failing.into_iter().map(|c| failing_check(c, level, &mut cutting)).collect();
    SummaryLine {
        schema: SCHEMA.into(),
        host: cut(&report.host.hostname, MAX_NAME, &mut cutting),
        instance_id: report.host.cloud.identity.get("instance_id").map(|s| cut(s, MAX_NAME, &mut cutting)),
        run_id: cut(&report.run.id, MAX_NAME, &mut cutting),
        started_at: cut(&report.run.started_at, MAX_NAME, &mut cutting),
        status: report.summary.status,
        score: report.summary.score,
        counts: report.summary.counts,
        symptom: report.diagnosis.as_ref().map(|d| cut(&d.symptom, MAX_ID, &mut cutting)),
        cause: super::diagnosis::cause_of(report).map(|(c, _)| failing_check(c, &LEVELS[0], &mut cutting)),
        failing,
        omitted: 0,
        truncated: cutting,
        report: delivery.report.as_deref().map(|p| cut(p, MAX_PATH, &mut cutting)),
        upload: delivery.upload.map(|ok| if ok { "ok" } else { "failed" }.to_string()),
    }
    .with_truncated(cutting)
}

impl SummaryLine {
    fn with_truncated(mut self, t: bool) -> SummaryLine {
        self.truncated |= t;
        self
    }

    fn to_line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|_| format!("{{\"schema\":\"{SCHEMA}\"}}"));
        s.push('\n');
        s
    }
}

/// The summary line of a report, newline-terminated and shorter than [`MAX_BYTES`].
pub fn render(report: &Report, delivery: &Delivery) -> String {
    let mut line = None;
    for level in &LEVELS {
        let l = line_at(report, delivery, level);
        let text = l.to_line();
        if text.len() <= MAX_BYTES {
            return text;
        }
        line = Some(l);
    }
    // Still too long at the hardest level: leave out the least severe failing checks, last first.
    let Some(mut l) = line else { return String::new() };
    l.truncated = true;
    let mut text = l.to_line();
    while text.len() > MAX_BYTES && !l.failing.is_empty() {
        // Drop about as many entries as the excess needs, at least one, so this stays fast.
        let per = (text.len() / l.failing.len()).max(1);
        let drop = ((text.len() - MAX_BYTES) / per).clamp(1, l.failing.len());
        for _ in 0..drop {
            l.failing.pop();
            l.omitted += 1;
        }
        text = l.to_line();
    }
    text
}

/// Convenience for the format dispatch: the line with the saved report's path.
pub fn render_saved(report: &Report, saved_to: Option<&str>) -> String {
    render(report, &Delivery { report: saved_to.map(str::to_string), upload: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Cloud, Finding, HostInfo, Run, Summary, Tool};

    fn report(checks: Vec<CheckResult>) -> Report {
        Report {
            schema: crate::report::SCHEMA.into(),
            tool: Tool { name: "ecs-doctor".into(), version: "0".into() },
            run: Run {
                id: "run-1".into(),
                started_at: "2026-11-20T03:00:00Z".into(),
                finished_at: "2026-11-20T03:00:01Z".into(),
                duration_ms: 1,
                deadline_ms: 1,
                privileged: false,
                root: None,
                argv: vec![],
            },
            host: HostInfo {
                hostname: "web-1".into(),
                os: crate::host::facts::OsInfo { id: "debian".into(), version_id: None, pretty_name: "D".into() },
                kernel: "k".into(),
                arch: "x86_64".into(),
                uptime_s: None,
                cloud: Cloud {
                    provider: crate::host::facts::Provider::Alibaba,
                    identity: [("instance_id".to_string(), "i-abc".to_string())].into(),
                },
            },
            summary: Summary::of(&checks),
            checks,
            diagnosis: None,
        }
    }

    fn check(id: &str, status: Status, findings: Vec<Finding>) -> CheckResult {
        CheckResult {
            id: id.into(),
            category: "disk".into(),
            title: "t".into(),
            status,
            summary: format!("{id} summary"),
            findings,
            remediation: None,
            kb: None,
            metrics: Default::default(),
            duration_ms: 1,
            traces: Vec::new(),
            consequence_of: Vec::new(),
            explained_by: Vec::new(),
            table: None,
        }
    }

    fn finding(sev: Severity, subject: &str, message: &str) -> Finding {
        Finding {
            severity: sev,
            message: message.into(),
            subject: Some(subject.into()),
            code: None,
            evidence: vec![],
            since: None,
        }
    }

    #[test]
    fn small_report_is_complete_and_ordered() {
        let r = report(vec![
            check("a.warn", Status::Warn, vec![finding(Severity::Warn, "/x", "x is low")]),
            check("b.ok", Status::Ok, vec![]),
            check(
                "c.crit",
                Status::Crit,
                vec![finding(Severity::Warn, "/a", "a is low"), finding(Severity::Crit, "/data", "data is full")],
            ),
            check("d.err", Status::Error, vec![]),
        ]);
        let text = render(&r, &Delivery { report: Some("/r.json".into()), upload: Some(false) });
        assert!(text.ends_with('\n') && !text.trim_end().contains('\n'));
        let l: SummaryLine = serde_json::from_str(&text).unwrap();
        assert_eq!(l.instance_id.as_deref(), Some("i-abc"));
        assert!(!l.truncated);
        let ids: Vec<&str> = l.failing.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["c.crit", "a.warn", "d.err"]);
        assert_eq!(l.failing[0].subject.as_deref(), Some("/data"));
        assert_eq!(l.failing[0].message.as_deref(), Some("data is full"));
        assert_eq!(l.failing[0].subjects, ["/a", "/data"]);
        assert_eq!(l.failing[2].message.as_deref(), Some("d.err summary"));
        assert_eq!(l.upload.as_deref(), Some("failed"));
    }

    #[test]
    fn thousands_of_findings_stay_under_the_bound_deterministically() {
        let long = "x".repeat(5000);
        let checks: Vec<CheckResult> = (0..400)
            .map(|i| {
                check(
                    &format!("sys.generated.c{i:04}"),
                    if i % 3 == 0 { Status::Crit } else { Status::Warn },
                    (0..25).map(|j| finding(Severity::Warn, &format!("/mnt/{i}/{j}"), &long)).collect(),
                )
            })
            .collect();
        let r = report(checks);
        let a = render(&r, &Delivery::default());
        assert!(a.len() <= MAX_BYTES, "{}", a.len());
        assert_eq!(a, render(&r, &Delivery::default()));
        let l: SummaryLine = serde_json::from_str(&a).unwrap();
        assert!(l.truncated);
        assert!(l.omitted > 0);
        assert_eq!(l.failing.len() as u32 + l.omitted, 400);
        // Crit checks come first and are the last to be left out.
        let crit = l.failing.iter().filter(|f| f.status == Status::Crit).count();
        assert_eq!(crit, l.failing.len().min(134));
        assert!(l.failing.iter().take(crit).all(|f| f.status == Status::Crit));
    }

    /// `why`'s line names the symptom and carries the cause with its message, however many
    /// other checks fail: the locked-out customer reads it in the Cloud Assistant console.
    #[test]
    fn the_cause_of_a_why_survives_every_cut() {
        let long = "x".repeat(5000);
        let mut checks: Vec<CheckResult> = (0..400)
            .map(|i| {
                check(
                    &format!("sys.generated.c{i:04}"),
                    Status::Crit,
                    (0..25).map(|j| finding(Severity::Crit, &format!("/mnt/{i}/{j}"), &long)).collect(),
                )
            })
            .collect();
        checks.push(check(
            "net.ssh.listening",
            Status::Crit,
            vec![finding(Severity::Crit, "ssh.service", "nothing listens for SSH: sshd is not running")],
        ));
        let mut r = report(checks);
        r.diagnosis = Some(crate::report::diagnosis::Diagnosis::walk(
            "ssh",
            None,
            &["net.ssh.listening".to_string()],
            &Default::default(),
            &r.checks,
            Vec::new(),
        ));
        let a = render(&r, &Delivery::default());
        assert!(a.len() <= MAX_BYTES, "{}", a.len());
        let l: SummaryLine = serde_json::from_str(&a).unwrap();
        assert_eq!(l.symptom.as_deref(), Some("ssh"));
        let cause = l.cause.expect("cause");
        assert_eq!((cause.id.as_str(), cause.subject.as_deref()), ("net.ssh.listening", Some("ssh.service")));
        assert_eq!(cause.message.as_deref(), Some("nothing listens for SSH: sshd is not running"));
        assert!(a.find("\"cause\"").unwrap() < a.find("\"failing\"").unwrap(), "the cause comes first");
    }
}
