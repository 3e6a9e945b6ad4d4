//! The terminal report, in the style of `flutter doctor`: grouped by domain, one line per check
//! with a mark, findings indented under it with evidence and a fix, a closing line with counts,
//! and next steps. Colour only when asked for (the caller decides: terminal and no NO_COLOR).

use super::{Causes, CheckResult, OverallStatus, Report, Severity, Status};
use crate::i18n::{Lang, Msg, tr};
use anstyle::{AnsiColor, Style};
use std::fmt::Write as _;

#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    pub color: bool,
    pub lang: Lang,
    pub quiet: bool,
    pub verbose: bool,
    /// Where the JSON report was saved, for the closing lines.
    pub saved_to: Option<String>,
}

const EVIDENCE_LINES: usize = 3;
/// Findings shown per check without `-v`: the worst come first, the rest are in the saved report,
/// so forty devices with the same error do not push the other checks off the screen.
const FINDINGS_SHOWN: usize = 5;
/// Width the fix text is wrapped to.
const WIDTH: usize = 100;

/// Folds a paragraph (source line breaks are not meaningful) into lines of at most `width`
/// columns (CJK characters take two). English words and ASCII runs such as commands are never
/// split; CJK text, which has no spaces, may break between any two characters and where it meets
/// an ASCII run, but never before closing punctuation or after opening punctuation.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(20);
    // A source line break between two CJK characters is no word break.
    let chars: Vec<char> = text.chars().collect();
    let mut joined = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' && i > 0 && !chars[i - 1].is_ascii() && chars.get(i + 1).is_some_and(|n| !n.is_ascii()) {
            continue;
        }
        joined.push(c);
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in joined.split_whitespace() {
        for (k, atom) in atoms(word).iter().enumerate() {
            let aw = display_width(atom);
            let sep = usize::from(k == 0 && len > 0);
            if len > 0 && len + sep + aw > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            } else if sep == 1 {
                line.push(' ');
                len += 1;
            }
            line.push_str(atom);
            len += aw;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The pieces of a space-free word a line may break between: each CJK character, each run of
/// ASCII; closing punctuation sticks to what comes before it, opening punctuation to what follows.
fn atoms(word: &str) -> Vec<String> {
    const CLOSING: &str = "，。、；：！？）」』】》〉”’…%";
    const OPENING: &str = "（「『【《〈“‘";
    let mut out: Vec<String> = Vec::new();
    let mut glue_next = false;
    for c in word.chars() {
        let joins_previous = out.last().is_some_and(|last| {
            glue_next || CLOSING.contains(c) || (c.is_ascii() && last.chars().last().is_some_and(|l| l.is_ascii()))
        });
        match out.last_mut() {
            Some(last) if joins_previous => last.push(c),
            _ => out.push(c.to_string()),
        }
        glue_next = OPENING.contains(c);
    }
    out
}

struct Painter {
    on: bool,
}

impl Painter {
    fn paint(&self, style: Style, s: &str) -> String {
        if self.on { format!("{}{s}{}", style.render(), style.render_reset()) } else { s.to_string() }
    }
    fn fg(&self, c: AnsiColor, s: &str) -> String {
        self.paint(Style::new().fg_color(Some(c.into())), s)
    }
    fn bold(&self, s: &str) -> String {
        self.paint(Style::new().bold(), s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint(Style::new().dimmed(), s)
    }
}

/// Terminal columns a string takes (CJK characters take two).
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn mark(p: &Painter, s: Status) -> String {
    match s {
        Status::Ok => p.fg(AnsiColor::Green, "[✓]"),
        Status::Warn => p.fg(AnsiColor::Yellow, "[!]"),
        Status::Crit => p.fg(AnsiColor::Red, "[✗]"),
        Status::Error => p.fg(AnsiColor::Magenta, "[?]"),
        Status::Skipped => p.dim("[-]"),
    }
}

fn severity_mark(p: &Painter, s: Severity) -> String {
    match s {
        Severity::Crit => p.fg(AnsiColor::Red, "✗"),
        Severity::Warn => p.fg(AnsiColor::Yellow, "!"),
        Severity::Info => p.dim("•"),
    }
}

fn domain_name(lang: Lang, category: &str) -> String {
    match category {
        "net" => tr(lang, Msg::Network).into(),
        "disk" => tr(lang, Msg::Disk).into(),
        "sec" => tr(lang, Msg::Security).into(),
        "sys" => tr(lang, Msg::System).into(),
        other => other.to_string(),
    }
}

fn write_check(out: &mut String, p: &Painter, c: &CheckResult, opts: &TextOptions) {
    let _ = writeln!(
        out,
        "  {} {} — {}  {}",
        mark(p, c.status),
        p.bold(&c.title),
        c.summary,
        p.dim(&format!("({})", c.id))
    );
    if let Some(t) = &c.table {
        write_table(out, p, t);
    }
    let show_details = c.status != Status::Ok || opts.verbose;
    if !show_details {
        return;
    }
    if !c.consequence_of.is_empty() {
        let line = crate::i18n::trf(opts.lang, Msg::ConsequenceOf, &[("ids", &c.consequence_of.join(", "))]);
        let _ = writeln!(out, "      {} {}", p.fg(AnsiColor::Cyan, "↳"), line);
    }
    // A lone finding that only repeats the summary shows just its code and evidence.
    let repeats_summary = c.findings.len() == 1 && c.findings[0].message == c.summary;
    let shown = if opts.verbose { usize::MAX } else { FINDINGS_SHOWN };
    for f in c.findings.iter().take(shown) {
        let code = f.code.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
        if repeats_summary {
            if !code.is_empty() {
                let _ = writeln!(out, "      {} {}", severity_mark(p, f.severity), p.dim(code.trim()));
            }
        } else {
            let _ = writeln!(out, "      {} {}{}", severity_mark(p, f.severity), f.message, p.dim(&code));
        }
        let limit = if opts.verbose { usize::MAX } else { EVIDENCE_LINES };
        for line in f.evidence.iter().take(limit) {
            let _ = writeln!(out, "        {} {}", p.dim("│"), p.dim(line));
        }
        if f.evidence.len() > limit {
            let _ = writeln!(out, "        {} {}", p.dim("│"), p.dim(&format!("… +{} (-v)", f.evidence.len() - limit)));
        }
    }
    if c.findings.len() > shown {
        let _ = writeln!(out, "      {}", p.dim(&format!("… +{} (-v)", c.findings.len() - shown)));
    }
    // A consequence's fix is its root cause's: shown there.
    if let Some(fix) = c.remediation.as_ref().filter(|_| c.consequence_of.is_empty()) {
        let label = format!("{}:", tr(opts.lang, Msg::Fix));
        let label_width = display_width(&label);
        let lines = wrap(fix, WIDTH.saturating_sub(8 + label_width));
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                let _ = writeln!(out, "      {} {line}", p.fg(AnsiColor::Cyan, &label));
            } else {
                let _ = writeln!(out, "      {} {line}", " ".repeat(label_width));
            }
        }
    }
}

/// A check's table (the login matrix), columns padded to their widest cell, under the check line.
fn write_table(out: &mut String, p: &Painter, t: &super::Table) {
    const MAX_CELL: usize = 60;
    let cut = |s: &str| -> String {
        if display_width(s) <= MAX_CELL {
            return s.to_string();
        }
        let mut o = String::new();
        for ch in s.chars() {
            if display_width(&o) + 2 > MAX_CELL {
                break;
            }
            o.push(ch);
        }
        o.push('…');
        o
    };
    let rows: Vec<Vec<String>> = t.rows.iter().map(|r| r.iter().map(|c| cut(c)).collect()).collect();
    let mut widths: Vec<usize> = t.columns.iter().map(|c| display_width(c)).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(display_width(c));
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w.saturating_sub(display_width(c)) + 2));
            }
        }
        s
    };
    let _ = writeln!(out, "      {}", p.bold(&line(&t.columns)));
    for r in &rows {
        let _ = writeln!(out, "      {}", line(r));
    }
}

pub fn render(report: &Report, opts: &TextOptions) -> String {
    let p = Painter { on: opts.color };
    let mut out = String::new();
    let h = &report.host;
    let cloud =
        serde_json::to_value(h.cloud.provider).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let header = crate::i18n::trf(
        opts.lang,
        Msg::TextHeader,
        &[
            ("tool", &p.bold("ecs-doctor")),
            ("version", &report.tool.version),
            ("host", &h.hostname),
            ("os", &h.os.pretty_name),
            ("kernel", &h.kernel),
            ("arch", &h.arch),
            ("cloud", &cloud),
        ],
    );
    let _ = writeln!(out, "{header}");
    let causes = Causes::of(report);
    if causes.any() {
        let _ = writeln!(out, "\n{}: {}", p.bold(tr(opts.lang, Msg::RootCausesFirst)), counts_line(&causes, opts.lang));
        for root in causes.explaining() {
            let _ = writeln!(
                out,
                "  {} {} — {}  {}",
                mark(&p, root.status),
                p.bold(&root.title),
                root.summary,
                p.dim(&format!("({})", root.id))
            );
            for (depth, c) in causes.tree(&root.id) {
                let indent = "  ".repeat(depth + 2);
                let _ = writeln!(
                    out,
                    "{indent}{} {} {}  {}",
                    p.fg(AnsiColor::Cyan, "↳"),
                    mark(&p, c.status),
                    c.title,
                    p.dim(&format!("({})", c.id))
                );
            }
        }
    }
    for domain in super::DOMAINS {
        let checks: Vec<&CheckResult> = report
            .checks
            .iter()
            .filter(|c| c.category == *domain)
            .filter(|c| !opts.quiet || matches!(c.status, Status::Warn | Status::Crit | Status::Error))
            .collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", p.bold(&domain_name(opts.lang, domain)));
        for c in checks {
            write_check(&mut out, &p, c, opts);
        }
    }
    let s = &report.summary;
    let status = match s.status {
        OverallStatus::Ok => p.fg(AnsiColor::Green, "OK"),
        OverallStatus::Warn => p.fg(AnsiColor::Yellow, "WARNING"),
        OverallStatus::Crit => p.fg(AnsiColor::Red, "CRITICAL"),
        OverallStatus::Unknown => p.fg(AnsiColor::Magenta, "UNKNOWN"),
    };
    let c = &s.counts;
    let status = if causes.any() { format!("{status} · {}", counts_line(&causes, opts.lang)) } else { status };
    let _ = writeln!(
        out,
        "\n{}: {status} · {} ok · {} warn · {} crit · {} error · {} skipped · {:.2} s · {} {}/100",
        p.bold(tr(opts.lang, Msg::Summary)),
        c.ok,
        c.warn,
        c.crit,
        c.error,
        c.skipped,
        report.run.duration_ms as f64 / 1000.0,
        tr(opts.lang, Msg::Score),
        crate::fmt::format_num(s.score)
    );
    if let Some(path) = &opts.saved_to {
        let _ = writeln!(out, "{} {path}", tr(opts.lang, Msg::ReportSaved));
    }
    if !report.repairs.is_empty() {
        let _ = writeln!(out, "\n{}:", p.bold(crate::i18n::rt(opts.lang, crate::i18n::R::Repairs)));
        for r in &report.repairs {
            let _ = writeln!(out, "  {}", super::repairs::line(r, report, opts.lang));
        }
    }
    let mut failing: Vec<&CheckResult> =
        report.checks.iter().filter(|c| matches!(c.status, Status::Warn | Status::Crit | Status::Error)).collect();
    // Root causes first, then worst first: crit, then warn, then error.
    failing.sort_by_key(|c| {
        let rank = match c.status {
            Status::Crit => 0,
            Status::Warn => 1,
            _ => 2,
        };
        (
            !c.consequence_of.is_empty(),
            !causes.explaining().iter().any(|r| r.id == c.id),
            rank,
            super::boot_stage(&c.id),
        )
    });
    if !opts.quiet
        && let Some(first) = failing.first()
    {
        let _ = writeln!(out, "\n{}:", tr(opts.lang, Msg::NextSteps));
        let mut steps = vec![(format!("ecs-doctor explain {}", first.id), Msg::ExplainHint)];
        // Something is wrong (not merely unfinished): support may be needed, and the ticket
        // command files this report with the questions support asks.
        if matches!(report.summary.status, OverallStatus::Warn | OverallStatus::Crit) {
            steps.push(("ecs-doctor ticket".to_string(), Msg::TicketHint));
        }
        for (command, hint) in steps {
            let _ = writeln!(out, "  {command:<47} {}", p.dim(tr(opts.lang, hint)));
        }
    }
    out
}

/// "1 root cause, 4 consequences" in the run's language.
pub fn counts_line(causes: &Causes, lang: Lang) -> String {
    let n = |count: usize, one: Msg, many: Msg| {
        crate::i18n::trf(lang, if count == 1 { one } else { many }, &[("count", &count.to_string())])
    };
    crate::i18n::trf(
        lang,
        Msg::CausesCounts,
        &[
            ("roots", &n(causes.roots.len(), Msg::RootCauseOne, Msg::RootCausesMany)),
            ("consequences", &n(causes.consequences.len(), Msg::ConsequenceOne, Msg::ConsequencesMany)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_wraps_at_spaces_only() {
        let lines = wrap("restart the service with `systemctl restart ssh` and check again", 30);
        assert_eq!(lines, vec!["restart the service with", "`systemctl restart ssh` and", "check again"]);
    }

    #[test]
    fn chinese_breaks_between_characters_and_before_ascii_runs_within_the_width() {
        let text =
            "无论如何，都应确认实例的安全组只对需要的地址放行该端口，并为服务设置密码（`requirepass`）然后重启。";
        let lines = wrap(text, 40);
        for l in &lines {
            assert!(display_width(l) <= 40, "{l:?} is {} wide: {lines:#?}", display_width(l));
        }
        assert_eq!(lines.concat(), text, "nothing added or lost");
        // `requirepass` stays whole, and no line starts with closing punctuation.
        assert!(lines.iter().any(|l| l.contains("`requirepass`")), "{lines:#?}");
        assert!(lines.iter().all(|l| !l.starts_with(['，', '。', '）'])), "{lines:#?}");
        // An opening bracket does not end a line.
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:#?}");
    }

    #[test]
    fn mixed_words_keep_their_spaces() {
        assert_eq!(wrap("运行 `dmesg -T` 查看", 80), vec!["运行 `dmesg -T` 查看"]);
    }
}
