//! The ticket: the fields of the support team's problem-description template, filled from a
//! report and from what the customer adds. Classification (tags, suggested severity) lives here
//! because it is a pure function of the same inputs.

use crate::i18n::Lang;
use crate::report::{Report, Status};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "ecs-doctor/ticket/v1";

/// How badly the problem hurts, as the customer states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// The service is down.
    Down,
    /// The service works, badly.
    Degraded,
    /// It fails now and then.
    Intermittent,
    /// No impact yet.
    None,
}

/// The Workorder API's two levels (1 normal, 2 urgent); webhooks get the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Normal,
    Urgent,
}

impl Severity {
    pub fn api_value(self) -> u8 {
        match self {
            Severity::Normal => 1,
            Severity::Urgent => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    Network,
    Storage,
    Security,
    Performance,
    System,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub arch: String,
}

/// When the problem started: a timestamp with its time zone, and how it was learnt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    /// RFC 3339 with the local offset.
    pub at: String,
    /// `stated` (the customer), `approximate` (a multiple-choice answer), `logs` (earliest finding).
    pub source: String,
}

/// One failing check, as the support engineer reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Symptom {
    pub check_id: String,
    pub title: String,
    pub status: Status,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The failing checks that explain this one (it is not a root cause); root causes come first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consequence_of: Vec<String>,
}

/// The evidence of one finding, with the time it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogSnippet {
    pub check_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// When it was seen: the finding's first occurrence, else the report's run time.
    pub at: String,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRef {
    pub run_id: String,
    pub started_at: String,
    pub status: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub schema: String,
    /// The idempotency key: the same on every retry of this ticket, embedded in its text.
    pub key: String,
    pub created_at: String,
    pub lang: Lang,
    pub title: String,
    pub tags: Vec<Tag>,
    pub severity: Severity,
    pub severity_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Started>,
    pub instance: Instance,
    pub symptoms: Vec<Symptom>,
    pub error_codes: Vec<String>,
    pub logs: Vec<LogSnippet>,
    pub tried: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    pub reproducibility: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub attachments: Vec<String>,
    pub report: ReportRef,
}

/// What the customer said (flags or answers); everything optional.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub title: Option<String>,
    pub started: Option<Started>,
    pub impact: Option<Impact>,
    pub tried: Vec<String>,
    pub description: Option<String>,
    pub email: Option<String>,
}

/// The built-in checks whose trouble is about speed rather than breakage: those whose check file
/// says `tags = ["performance"]`. A saved report may be read without a catalog, so the built-in
/// one is loaded here, once.
fn performance(id: &str) -> bool {
    static IDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let ids = IDS.get_or_init(|| {
        crate::catalog::Catalog::load(&[])
            .map(|c| c.checks.into_iter().filter(|c| c.tags.iter().any(|t| t == "performance")).map(|c| c.id).collect())
            .unwrap_or_default()
    });
    ids.iter().any(|p| id == p || id.strip_prefix(p.as_str()).is_some_and(|rest| rest.starts_with('.')))
}

fn failing(status: Status) -> bool {
    matches!(status, Status::Warn | Status::Crit)
}

/// Category tags of the failing checks.
pub fn tags(report: &Report) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::new();
    for c in report.checks.iter().filter(|c| failing(c.status)) {
        let tag = match c.category.as_str() {
            "net" => Tag::Network,
            "disk" => Tag::Storage,
            "sec" => Tag::Security,
            _ => Tag::System,
        };
        tags.push(tag);
        if performance(&c.id) {
            tags.push(Tag::Performance);
        }
    }
    tags.sort();
    tags.dedup();
    tags
}

/// The suggested severity and why: urgent when the service is down, or when a check is
/// critical and the customer did not say there is no impact.
pub fn severity(report: &Report, impact: Option<Impact>, lang: Lang) -> (Severity, String) {
    let crit = report.checks.iter().filter(|c| c.status == Status::Crit).count();
    let zh = lang == Lang::ZhCn;
    match impact {
        Some(Impact::Down) => (Severity::Urgent, if zh { "业务中断".into() } else { "the service is down".into() }),
        Some(Impact::None) => {
            (Severity::Normal, if zh { "暂无业务影响".into() } else { "no impact on the service yet".into() })
        }
        _ if crit > 0 => {
            (Severity::Urgent, if zh { format!("{crit} 项检查为严重") } else { format!("{crit} critical check(s)") })
        }
        Some(Impact::Degraded) if report.summary.counts.warn > 0 => (
            Severity::Normal,
            if zh {
                "业务受影响,无严重问题".into()
            } else {
                "service degraded, nothing critical found".into()
            },
        ),
        _ => (Severity::Normal, if zh { "未发现严重问题".into() } else { "nothing critical found".into() }),
    }
}

fn opt(map: &std::collections::BTreeMap<String, String>, key: &str) -> Option<String> {
    map.get(key).filter(|v| !v.trim().is_empty()).cloned()
}

pub fn instance(report: &Report) -> Instance {
    let h = &report.host;
    let id = &h.cloud.identity;
    let provider =
        serde_json::to_value(h.cloud.provider).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    Instance {
        provider,
        instance_id: opt(id, "instance_id"),
        region_id: opt(id, "region_id"),
        zone_id: opt(id, "zone_id"),
        instance_type: opt(id, "instance_type"),
        image_id: opt(id, "image_id"),
        hostname: h.hostname.clone(),
        os: h.os.pretty_name.clone(),
        kernel: h.kernel.clone(),
        arch: h.arch.clone(),
    }
}

/// A title from the worst failing check: "i-xxx: /data is 100% full (+2 more problems)".
pub fn default_title(report: &Report, lang: Lang) -> String {
    let who = report.host.cloud.identity.get("instance_id").cloned().unwrap_or_else(|| report.host.hostname.clone());
    let mut bad: Vec<_> = report.checks.iter().filter(|c| failing(c.status)).collect();
    // The root cause names the ticket; its consequences are the "more problems".
    bad.sort_by_key(|c| (!c.consequence_of.is_empty(), std::cmp::Reverse(c.status)));
    let zh = lang == Lang::ZhCn;
    let Some(first) = bad.first() else {
        return if zh {
            format!("{who}: 需要协助 (ecs-doctor 未发现问题)")
        } else {
            format!("{who}: help needed (ecs-doctor found no problem)")
        };
    };
    let mut title = format!("{who}: {}", first.summary);
    if bad.len() > 1 {
        let more = bad.len() - 1;
        title.push_str(&if zh { format!(" (另有 {more} 个问题)") } else { format!(" (+{more} more problems)") });
    }
    let mut t: String = title.chars().take(120).collect();
    if t.len() < title.len() {
        t.push('…');
    }
    t
}

/// Builds the ticket from a report and the customer's answers. The report's strings are
/// already redacted when they reach here; the caller redacts the finished ticket once more.
pub fn build(report: &Report, answers: &Answers, key: &str, lang: Lang, now: &str) -> Ticket {
    let mut bad: Vec<_> = report.checks.iter().filter(|c| failing(c.status) || c.status == Status::Error).collect();
    // Root causes lead; their consequences follow.
    bad.sort_by_key(|c| (!c.consequence_of.is_empty(), std::cmp::Reverse(c.status)));
    let symptoms = bad
        .iter()
        .map(|c| Symptom {
            check_id: c.id.clone(),
            title: c.title.clone(),
            status: c.status,
            summary: c.summary.clone(),
            findings: c.findings.iter().map(|f| f.message.clone()).collect(),
            fix: c.remediation.clone(),
            consequence_of: c.consequence_of.clone(),
        })
        .collect();
    let mut error_codes: Vec<String> = Vec::new();
    let mut logs = Vec::new();
    for c in &bad {
        for f in &c.findings {
            if let Some(code) = &f.code
                && !error_codes.contains(code)
            {
                error_codes.push(code.clone());
            }
            if !f.evidence.is_empty() {
                logs.push(LogSnippet {
                    check_id: c.id.clone(),
                    subject: f.subject.clone(),
                    at: f.since.clone().unwrap_or_else(|| report.run.started_at.clone()),
                    lines: f.evidence.clone(),
                });
            }
        }
    }
    let started = answers.started.clone().or_else(|| {
        let earliest = bad.iter().flat_map(|c| c.findings.iter()).filter_map(|f| f.since.as_deref()).min()?;
        Some(Started { at: earliest.to_string(), source: "logs".into() })
    });
    let (severity, severity_reason) = severity(report, answers.impact, lang);
    let failing_now = bad.iter().filter(|c| failing(c.status)).count();
    let zh = lang == Lang::ZhCn;
    let reproducibility = match (answers.impact, failing_now) {
        (Some(Impact::Intermittent), _) => {
            if zh {
                "间歇性出现".to_string()
            } else {
                "intermittent".to_string()
            }
        }
        (_, 0) => {
            if zh {
                format!("ecs-doctor 在 {} 的检查未复现问题", report.run.started_at)
            } else {
                format!("not reproduced by the ecs-doctor run at {}", report.run.started_at)
            }
        }
        (_, n) => {
            if zh {
                format!("可复现: ecs-doctor 在 {} 的检查中有 {n} 项失败", report.run.started_at)
            } else {
                format!("reproduced: {n} check(s) failing in the ecs-doctor run at {}", report.run.started_at)
            }
        }
    };
    let status = serde_json::to_value(report.summary.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Ticket {
        schema: SCHEMA.into(),
        key: key.into(),
        created_at: now.into(),
        lang,
        title: answers.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| default_title(report, lang)),
        tags: tags(report),
        severity,
        severity_reason,
        started,
        instance: instance(report),
        symptoms,
        error_codes,
        logs,
        // What `ecs-doctor fix` did is tried already: support sees it, and how to undo it.
        tried: answers
            .tried
            .iter()
            .cloned()
            .chain(
                report
                    .repairs
                    .iter()
                    .filter(|r| r.state != crate::report::RepairState::Planned)
                    .map(|r| crate::report::repairs::line(r, report, lang)),
            )
            .collect(),
        impact: answers.impact,
        reproducibility,
        description: answers.description.clone().filter(|d| !d.trim().is_empty()),
        email: answers.email.clone().filter(|e| !e.trim().is_empty()),
        attachments: Vec::new(),
        report: ReportRef {
            run_id: report.run.id.clone(),
            started_at: report.run.started_at.clone(),
            status,
            score: report.summary.score,
        },
    }
}

/// Passes every string of the ticket through `f` (redaction, masking).
pub fn map_strings(ticket: &Ticket, f: &mut dyn FnMut(&str) -> String) -> Ticket {
    fn walk(v: &mut serde_json::Value, f: &mut dyn FnMut(&str) -> String) {
        match v {
            serde_json::Value::String(s) => *s = f(s),
            serde_json::Value::Array(a) => {
                // Evidence lines of one snippet belong together (multi-line keys).
                if a.iter().all(|x| x.is_string()) && a.len() > 1 {
                    let lines: Vec<String> = a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
                    let joined = f(&lines.join("\n"));
                    let parts: Vec<&str> = joined.split('\n').collect();
                    if parts.len() == lines.len() {
                        for (x, p) in a.iter_mut().zip(parts) {
                            *x = serde_json::Value::String(p.to_string());
                        }
                        return;
                    }
                    *a = joined.split('\n').map(|p| serde_json::Value::String(p.to_string())).collect();
                    return;
                }
                a.iter_mut().for_each(|x| walk(x, f))
            }
            serde_json::Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    // Identifiers and enumerations are the tool's own words.
                    if matches!(k.as_str(), "schema" | "key" | "lang" | "status" | "severity" | "impact" | "source") {
                        continue;
                    }
                    walk(x, f)
                }
            }
            _ => {}
        }
    }
    let Ok(mut v) = serde_json::to_value(ticket) else { return ticket.clone() };
    walk(&mut v, f);
    serde_json::from_value(v).unwrap_or_else(|_| ticket.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let text = include_str!("../../tests/fixtures/reports/mixed.json");
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn tags_and_severity_follow_findings_and_impact() {
        let r = report();
        let t = tags(&r);
        assert!(t.contains(&Tag::Network), "{t:?}");
        assert_eq!(severity(&r, Some(Impact::Down), Lang::En).0, Severity::Urgent);
        assert_eq!(severity(&r, Some(Impact::None), Lang::En).0, Severity::Normal);
        let crit = r.checks.iter().any(|c| c.status == Status::Crit);
        assert_eq!(severity(&r, None, Lang::En).0 == Severity::Urgent, crit);
    }

    #[test]
    fn build_fills_codes_logs_and_identity() {
        let r = report();
        let t = build(&r, &Answers::default(), "k1", Lang::En, "2026-11-20T03:05:00Z");
        assert!(!t.symptoms.is_empty());
        assert!(t.logs.iter().any(|l| l.lines.iter().any(|x| x.contains("nameserver 8.8.8.8"))));
        assert_eq!(t.instance.hostname, "web-1");
        assert!(t.title.starts_with("web-1: "), "{}", t.title);
        assert!(t.reproducibility.starts_with("reproduced"));
    }

    #[test]
    fn the_repairs_fix_made_are_what_was_tried_with_their_undo() {
        let mut r = report();
        let repair = |state, id: &str| crate::report::Repair {
            id: id.into(),
            check: "disk.fstab.entries".into(),
            subject: Some("/data".into()),
            action: "fstab-nofail".into(),
            risk: Some("safe".into()),
            state,
            changes: vec!["add nofail".into()],
            at: Some("2026-11-20T03:04:00Z".into()),
        };
        r.repairs = vec![
            repair(crate::report::RepairState::Planned, "fstab-comment-out-data"),
            repair(crate::report::RepairState::Applied, "20261120T030400Z-fstab-nofail-data"),
        ];
        let answers = Answers { tried: vec!["rebooted".into()], ..Answers::default() };
        let t = build(&r, &answers, "k1", Lang::En, "2026-11-20T03:05:00Z");
        assert_eq!(t.tried.len(), 2, "{:?}", t.tried);
        assert_eq!(t.tried[0], "rebooted");
        assert!(
            t.tried[1].starts_with(
                "ecs-doctor repaired /data (disk.fstab.entries) at 2026-11-20T03:04:00Z; undo with ecs-doctor fix "
            ) && t.tried[1].ends_with("--undo 20261120T030400Z-fstab-nofail-data"),
            "{}",
            t.tried[1]
        );
    }
}
