//! Markdown a support engineer can paste into a ticket: a summary table, then per domain the
//! checks that need attention with findings, fenced evidence and the fix, and a collapsed list of
//! the checks that passed.

use super::text::TextOptions;
use super::{Causes, CheckResult, OverallStatus, Report, Severity, Status};
use crate::i18n::{Msg, tr};
use std::fmt::Write as _;

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Ok => "✅ ok",
        Status::Warn => "⚠️ warn",
        Status::Crit => "❌ crit",
        Status::Error => "❓ error",
        Status::Skipped => "➖ skipped",
    }
}

/// Escapes text for a table cell or a line of prose. Outside code spans `\\` and `<` are escaped;
/// inside one an escape would show literally, so only `|` is (GFM tables need it even there).
fn cell(s: &str) -> String {
    let s = s.replace('\n', " ");
    // An unpaired backtick opens no code span.
    let balanced = s.matches('`').count().is_multiple_of(2);
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && balanced {
            out.push_str(&part.replace('|', "\\|"));
        } else {
            out.push_str(&part.replace('\\', "\\\\").replace('|', "\\|").replace('<', "&lt;"));
        }
    }
    out
}

/// A code fence longer than any run of backticks inside the block.
fn fence(lines: &[String]) -> String {
    let longest = lines.iter().map(|l| l.split(|c| c != '`').map(str::len).max().unwrap_or(0)).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// A check's table (the login matrix) as a GFM table.
fn write_table(out: &mut String, t: &super::Table) {
    let _ = writeln!(out, "| {} |", t.columns.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(t.columns.len()));
    for r in &t.rows {
        let _ = writeln!(out, "| {} |", r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
    }
    let _ = writeln!(out);
}

/// An id or name in a code span, whatever it holds.
fn code(s: &str) -> String {
    cell(&format!("`{}`", s.replace('`', "'")))
}

/// The answer of `ecs-doctor why`: the cause and its fix first, then every step with its
/// status, then what to check outside the server when nothing inside explains the complaint.
fn write_diagnosis(out: &mut String, report: &Report, d: &super::diagnosis::Diagnosis, opts: &TextOptions) {
    let lang = opts.lang;
    let subject = d.subject.as_deref().map(|s| format!(" · {}", code(s))).unwrap_or_default();
    let _ = writeln!(out, "## {}{subject}\n", code(&format!("ecs-doctor why {}", d.symptom)));
    match super::diagnosis::cause_of(report) {
        Some((c, finding)) => {
            let what = finding.map_or(c.summary.as_str(), |f| f.message.as_str());
            let on = finding.and_then(|f| f.subject.as_deref()).map(|s| format!(" [{}]", code(s))).unwrap_or_default();
            let _ = writeln!(out, "**{}** {}{on}: {}\n", tr(lang, Msg::WhyCause), code(&c.id), cell(what));
            if let Some(fix) = &c.remediation {
                let fix = fix.split_whitespace().collect::<Vec<_>>().join(" ");
                let _ = writeln!(out, "**{}** {}\n", tr(lang, Msg::WhyFix), cell(&fix));
            }
            let _ = writeln!(out, "{}\n", cell(&crate::i18n::trf(lang, Msg::WhyExplain, &[("id", &c.id)])));
        }
        None => {
            let _ = writeln!(out, "{}\n", cell(tr(lang, Msg::WhyNoCause)));
        }
    }
    let _ = writeln!(out, "**{}**\n", tr(lang, Msg::WhyWalked));
    let _ = writeln!(out, "| | {} | |\n|---|---|---|", tr(lang, Msg::ColCheck));
    for s in &d.steps {
        let title = report.checks.iter().find(|c| c.id == s.check).map(|c| cell(&c.title)).unwrap_or_default();
        let only = if s.subjects.is_empty() {
            String::new()
        } else {
            format!(" ({})", s.subjects.iter().map(|x| code(x)).collect::<Vec<_>>().join(", "))
        };
        let _ = writeln!(out, "| {} | {}{only} | {title} |", status_label(s.status), code(&s.check));
    }
    out.push('\n');
    if !d.outside.is_empty() {
        let _ = writeln!(out, "**{}**\n", tr(lang, Msg::WhyOutside));
        for (i, o) in d.outside.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, cell(o));
        }
        out.push('\n');
    }
}

fn write_failing(out: &mut String, c: &CheckResult, opts: &TextOptions) {
    let _ = writeln!(out, "### {} — {} (`{}`)\n", status_label(c.status), cell(&c.title), c.id);
    let _ = writeln!(out, "{}\n", cell(&c.summary));
    if !c.consequence_of.is_empty() {
        let ids: Vec<String> = c.consequence_of.iter().map(|d| format!("`{d}`")).collect();
        let _ = writeln!(
            out,
            "↳ *{}*\n",
            cell(&crate::i18n::trf(opts.lang, Msg::ConsequenceOf, &[("ids", &ids.join(", "))]))
        );
    }
    if let Some(t) = &c.table {
        write_table(out, t);
    }
    for f in &c.findings {
        let sev = match f.severity {
            Severity::Crit => "crit",
            Severity::Warn => "warn",
            Severity::Info => "info",
        };
        let subject = f.subject.as_deref().map(|s| format!(" · subject `{}`", s.replace('`', "'"))).unwrap_or_default();
        let code = f.code.as_deref().map(|c| format!(" · code `{c}`")).unwrap_or_default();
        let _ = writeln!(out, "- **{sev}** {}{subject}{code}", cell(&f.message));
        if !f.evidence.is_empty() {
            let fence = fence(&f.evidence);
            let _ = writeln!(out, "\n  {fence}text");
            for line in &f.evidence {
                let _ = writeln!(out, "  {line}");
            }
            let _ = writeln!(out, "  {fence}\n");
        }
    }
    // A consequence's fix is its root cause's.
    if let Some(fix) = c.remediation.as_ref().filter(|_| c.consequence_of.is_empty()) {
        let _ = writeln!(
            out,
            "\n**{}:** {}\n",
            tr(opts.lang, Msg::HowToFix),
            cell(&fix.split_whitespace().collect::<Vec<_>>().join(" "))
        );
    }
}

pub fn render(report: &Report, opts: &TextOptions) -> String {
    let mut out = String::new();
    let h = &report.host;
    let s = &report.summary;
    let status = match s.status {
        OverallStatus::Ok => "OK",
        OverallStatus::Warn => "WARNING",
        OverallStatus::Crit => "CRITICAL",
        OverallStatus::Unknown => "UNKNOWN",
    };
    let c = &s.counts;
    let _ = writeln!(out, "# {}: {}\n", tr(opts.lang, Msg::ReportTitle), cell(&h.hostname));
    let _ = writeln!(
        out,
        "**{status}** · {} {}/100 · {} ok · {} warn · {} crit · {} error · {} skipped\n",
        tr(opts.lang, Msg::Score),
        crate::fmt::format_num(s.score),
        c.ok,
        c.warn,
        c.crit,
        c.error,
        c.skipped
    );
    if let Some(d) = &report.diagnosis {
        write_diagnosis(&mut out, report, d, opts);
    }
    let causes = Causes::of(report);
    if causes.any() {
        let _ = writeln!(
            out,
            "## {}: {}\n",
            tr(opts.lang, Msg::RootCausesFirst),
            super::text::counts_line(&causes, opts.lang)
        );
        for root in causes.explaining() {
            let _ = writeln!(
                out,
                "- {} `{}` {}: {}",
                status_label(root.status),
                root.id,
                cell(&root.title),
                cell(&root.summary)
            );
            for (depth, c) in causes.tree(&root.id) {
                let _ =
                    writeln!(out, "{}- ↳ {} `{}` {}", "  ".repeat(depth), status_label(c.status), c.id, cell(&c.title));
            }
        }
        out.push('\n');
    }
    let cloud =
        serde_json::to_value(h.cloud.provider).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let _ = writeln!(out, "| | |\n|---|---|");
    let l = |m: Msg| tr(opts.lang, m).to_lowercase();
    let _ = writeln!(out, "| {} | {} |", l(Msg::Host), cell(&h.hostname));
    let _ = writeln!(out, "| {} | {} |", l(Msg::Os), cell(&h.os.pretty_name));
    let _ = writeln!(out, "| {} | {} ({}) |", l(Msg::Kernel), cell(&h.kernel), cell(&h.arch));
    let _ = writeln!(
        out,
        "| {} | {cloud}{} |",
        l(Msg::Cloud),
        h.cloud.identity.iter().map(|(k, v)| format!(" · {k} {}", cell(v))).collect::<String>()
    );
    let _ = writeln!(
        out,
        "| {} | {} · {:.2} s · ecs-doctor {} · {} |\n",
        l(Msg::RunLabel),
        report.run.started_at,
        report.run.duration_ms as f64 / 1000.0,
        report.tool.version,
        report.run.id
    );

    let _ = writeln!(
        out,
        "| {} | {} | {} |\n|---|---|---|",
        tr(opts.lang, Msg::ColStatus),
        tr(opts.lang, Msg::ColCheck),
        tr(opts.lang, Msg::ColSummary)
    );
    let mut ordered: Vec<&CheckResult> = report.checks.iter().collect();
    ordered.sort_by_key(|c| std::cmp::Reverse(c.status));
    for c in &ordered {
        let _ = writeln!(out, "| {} | `{}` | {} |", status_label(c.status), c.id, cell(&c.summary));
    }
    for domain in crate::catalog::DOMAINS {
        let checks: Vec<&CheckResult> = report.checks.iter().filter(|c| c.category == *domain).collect();
        if checks.is_empty() {
            continue;
        }
        let name = match *domain {
            "net" => tr(opts.lang, Msg::Network),
            "disk" => tr(opts.lang, Msg::Disk),
            "sec" => tr(opts.lang, Msg::Security),
            _ => tr(opts.lang, Msg::System),
        };
        let _ = writeln!(out, "\n## {name}\n");
        let (failing, passing): (Vec<&CheckResult>, Vec<&CheckResult>) =
            checks.into_iter().partition(|c| matches!(c.status, Status::Warn | Status::Crit | Status::Error));
        for c in &failing {
            write_failing(&mut out, c, opts);
        }
        if !passing.is_empty() {
            let _ = writeln!(
                out,
                "\n<details><summary>{} {}</summary>\n",
                passing.len(),
                tr(opts.lang, Msg::PassingOrSkipped)
            );
            for c in &passing {
                let _ =
                    writeln!(out, "- {} `{}` {}: {}", status_label(c.status), c.id, cell(&c.title), cell(&c.summary));
            }
            let _ = writeln!(out, "\n</details>");
            // Tables of passing checks stay in view: the login matrix matters when all is well too.
            for c in passing.iter().filter(|c| c.table.is_some()) {
                let _ = writeln!(out, "\n**{}** (`{}`)\n", cell(&c.title), c.id);
                if let Some(t) = &c.table {
                    write_table(&mut out, t);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_escape_outside_code_spans_only() {
        assert_eq!(cell("a|b <x> `ip route add <gw> | tee` c\\d"), "a\\|b &lt;x> `ip route add <gw> \\| tee` c\\\\d");
        assert_eq!(cell("odd ` <b>"), "odd ` &lt;b>");
    }
}
