//! The ticket as Markdown (what a support engineer reads, and the Workorder description) and as
//! JSON (what a help desk's webhook parses), with labels in the ticket's language.

use super::model::{Impact, Severity, Tag, Ticket};
use crate::i18n::{Lang, T, tt};
use crate::report::Status;
use std::fmt::Write as _;

/// The line that carries the idempotency key in the ticket text, so a ticket whose creation
/// timed out can be found again (`ListTickets` with `Keyword`).
pub fn key_line(key: &str) -> String {
    format!("ecs-doctor-key: {key}")
}

pub fn impact_word(lang: Lang, i: Impact) -> &'static str {
    tt(
        lang,
        match i {
            Impact::Down => T::ImpactDown,
            Impact::Degraded => T::ImpactDegraded,
            Impact::Intermittent => T::ImpactIntermittent,
            Impact::None => T::ImpactNone,
        },
    )
}

pub fn severity_word(lang: Lang, s: Severity) -> &'static str {
    tt(
        lang,
        match s {
            Severity::Normal => T::SeverityNormal,
            Severity::Urgent => T::SeverityUrgent,
        },
    )
}

pub fn tag_word(lang: Lang, t: Tag) -> &'static str {
    tt(
        lang,
        match t {
            Tag::Network => T::TagNetwork,
            Tag::Storage => T::TagStorage,
            Tag::Security => T::TagSecurity,
            Tag::Performance => T::TagPerformance,
            Tag::System => T::TagSystem,
        },
    )
}

fn source_word(lang: Lang, s: &str) -> &'static str {
    match s {
        "stated" => tt(lang, T::SourceStated),
        "approximate" => tt(lang, T::SourceApproximate),
        _ => tt(lang, T::SourceLogs),
    }
}

fn cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace('\n', " ").replace('<', "&lt;")
}

fn fence(lines: &[String]) -> String {
    let longest = lines.iter().map(|l| l.split(|c| c != '`').map(str::len).max().unwrap_or(0)).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Crit => "❌ crit",
        Status::Warn => "⚠️ warn",
        Status::Error => "❓ error",
        Status::Ok => "✅ ok",
        Status::Skipped => "➖ skipped",
    }
}

pub fn markdown(t: &Ticket) -> String {
    let l = t.lang;
    let none = tt(l, T::NotProvided);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", cell(&t.title));
    let _ = writeln!(out, "| {} | |\n|---|---|", tt(l, T::LabelField));
    let tags: Vec<&str> = t.tags.iter().map(|x| tag_word(l, *x)).collect();
    let _ = writeln!(
        out,
        "| {} | {} |",
        tt(l, T::LabelCategory),
        if tags.is_empty() { none.into() } else { tags.join(", ") }
    );
    let _ = writeln!(
        out,
        "| {} | {} ({}) |",
        tt(l, T::LabelSeverity),
        severity_word(l, t.severity),
        cell(&t.severity_reason)
    );
    let started = t
        .started
        .as_ref()
        .map(|s| format!("{} ({})", cell(&s.at), source_word(l, &s.source)))
        .unwrap_or_else(|| none.to_string());
    let _ = writeln!(out, "| {} | {started} |", tt(l, T::LabelStarted));
    let _ = writeln!(out, "| {} | {} |", tt(l, T::LabelImpact), t.impact.map(|i| impact_word(l, i)).unwrap_or(none));
    let _ = writeln!(out, "| {} | {} |", tt(l, T::LabelReproducibility), cell(&t.reproducibility));
    let _ = writeln!(out, "| {} | {} |", tt(l, T::LabelContact), t.email.as_deref().map(cell).unwrap_or(none.into()));

    let i = &t.instance;
    let _ = writeln!(out, "\n## {}\n\n| | |\n|---|---|", tt(l, T::LabelInstance));
    let rows: [(&str, Option<&String>); 9] = [
        ("instance id", i.instance_id.as_ref()),
        ("region", i.region_id.as_ref()),
        ("zone", i.zone_id.as_ref()),
        ("type", i.instance_type.as_ref()),
        ("image", i.image_id.as_ref()),
        ("hostname", Some(&i.hostname)),
        ("os", Some(&i.os)),
        ("kernel", Some(&i.kernel)),
        ("arch", Some(&i.arch)),
    ];
    let _ = writeln!(out, "| cloud | {} |", cell(&i.provider));
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {} |", v.map(|v| cell(v)).unwrap_or_else(|| none.to_string()));
    }

    let _ = writeln!(out, "\n## {}\n", tt(l, T::LabelSymptoms));
    if t.symptoms.is_empty() {
        let _ = writeln!(out, "{}", tt(l, T::NoFailingChecks));
    }
    for s in &t.symptoms {
        let _ = writeln!(
            out,
            "- {} **{}** (`{}`): {}",
            status_mark(s.status),
            cell(&s.title),
            s.check_id,
            cell(&s.summary)
        );
        if !s.consequence_of.is_empty() {
            let ids: Vec<String> = s.consequence_of.iter().map(|d| format!("`{d}`")).collect();
            let _ = writeln!(
                out,
                "  - ↳ {}",
                cell(&crate::i18n::trf(l, crate::i18n::Msg::ConsequenceOf, &[("ids", &ids.join(", "))]))
            );
        }
        for f in s.findings.iter().filter(|f| **f != s.summary) {
            let _ = writeln!(out, "  - {}", cell(f));
        }
    }

    let _ = writeln!(out, "\n## {}\n", tt(l, T::LabelErrorCodes));
    if t.error_codes.is_empty() {
        let _ = writeln!(out, "{none}");
    } else {
        let codes: Vec<String> = t.error_codes.iter().map(|c| format!("`{}`", c.replace('`', "'"))).collect();
        let _ = writeln!(out, "{}", codes.join(", "));
    }

    let _ = writeln!(out, "\n## {}\n", tt(l, T::LabelLogs));
    if t.logs.is_empty() {
        let _ = writeln!(out, "{none}");
    }
    for s in &t.logs {
        let subject = s.subject.as_deref().map(|x| format!(" · `{}`", x.replace('`', "'"))).unwrap_or_default();
        let _ = writeln!(out, "`{}`{subject} · {}\n", s.check_id, cell(&s.at));
        let f = fence(&s.lines);
        let _ = writeln!(out, "{f}text");
        for line in &s.lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "{f}\n");
    }

    let _ = writeln!(out, "\n## {}\n", tt(l, T::LabelTried));
    if t.tried.is_empty() {
        let _ = writeln!(out, "{none}");
    }
    for x in &t.tried {
        let _ = writeln!(out, "- {}", cell(x));
    }

    let _ = writeln!(out, "\n## {}\n", tt(l, T::LabelDescription));
    let _ = writeln!(out, "{}", t.description.as_deref().unwrap_or(none));

    if t.symptoms.iter().any(|s| s.fix.is_some()) {
        let _ = writeln!(out, "\n## {}\n", tt(l, T::LabelSuggestedFixes));
        for s in t.symptoms.iter().filter(|s| s.fix.is_some()) {
            let fix = s.fix.as_deref().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(out, "- `{}`: {}", s.check_id, cell(&fix));
        }
    }

    let _ = writeln!(out, "\n## {}\n", tt(l, T::LabelAttachments));
    if t.attachments.is_empty() {
        let _ = writeln!(out, "{none}");
    }
    for a in &t.attachments {
        let _ = writeln!(out, "- {}", cell(a));
    }
    let _ = writeln!(
        out,
        "\n---\necs-doctor {} · report {} ({} · score {}) · {}",
        env!("CARGO_PKG_VERSION"),
        t.report.run_id,
        t.report.status,
        crate::fmt::format_num(t.report.score),
        key_line(&t.key)
    );
    out
}

/// The ticket as JSON, with the field labels in its language for a desk that shows them.
pub fn json(t: &Ticket) -> String {
    let l = t.lang;
    let mut v = serde_json::to_value(t).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        let labels = serde_json::json!({
            "title": tt(l, T::LabelTitle),
            "tags": tt(l, T::LabelCategory),
            "severity": tt(l, T::LabelSeverity),
            "started": tt(l, T::LabelStarted),
            "instance": tt(l, T::LabelInstance),
            "symptoms": tt(l, T::LabelSymptoms),
            "error_codes": tt(l, T::LabelErrorCodes),
            "logs": tt(l, T::LabelLogs),
            "tried": tt(l, T::LabelTried),
            "impact": tt(l, T::LabelImpact),
            "reproducibility": tt(l, T::LabelReproducibility),
            "description": tt(l, T::LabelDescription),
            "email": tt(l, T::LabelContact),
            "attachments": tt(l, T::LabelAttachments),
        });
        o.insert("labels".into(), labels);
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::model::{Answers, build};

    #[test]
    fn markdown_in_both_languages_carries_the_key() {
        let r: crate::report::Report =
            serde_json::from_str(include_str!("../../tests/fixtures/reports/mixed.json")).unwrap();
        let a = Answers { impact: Some(Impact::Down), ..Default::default() };
        let en = markdown(&build(&r, &a, "ecsd-k1", Lang::En, "2026-11-20T03:05:00Z"));
        assert!(
            en.contains("## Symptoms") && en.contains("service down") && en.contains("ecs-doctor-key: ecsd-k1"),
            "{en}"
        );
        let zh = markdown(&build(&r, &a, "ecsd-k1", Lang::ZhCn, "2026-11-20T03:05:00Z"));
        assert!(
            zh.contains("## 问题现象") && zh.contains("业务中断") && zh.contains("ecs-doctor-key: ecsd-k1"),
            "{zh}"
        );
        let j: serde_json::Value =
            serde_json::from_str(&json(&build(&r, &a, "k", Lang::ZhCn, "2026-11-20T03:05:00Z"))).unwrap();
        assert_eq!(j["labels"]["symptoms"], "问题现象");
        assert_eq!(j["impact"], "down");
    }
}
