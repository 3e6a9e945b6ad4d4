//! The fleet summary as text (a terminal), JSON (every host named, for scripts), Markdown (a
//! ticket or wiki page) and HTML (one self-contained page with inline CSS a team lead can open:
//! which problem hits how many hosts, which hosts are worst). Human formats name at most
//! [`NAMES`] hosts per row and count the rest.

use super::aggregate::{FleetSummary, HostRow};
use super::words::{W, w};
use crate::i18n::Lang;
use crate::report::OverallStatus;

/// Host names shown per row in the human formats.
pub const NAMES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FleetFormat {
    #[default]
    Text,
    Json,
    Markdown,
    Html,
}

/// The formats for people carry no control characters of their own, so the whole page is made
/// inert ([`crate::fmt::inert_lines`]): host names, messages and subjects come from other
/// machines. JSON keeps the exact text.
pub fn render(s: &FleetSummary, format: FleetFormat, lang: Lang) -> String {
    match format {
        FleetFormat::Text => crate::fmt::inert_lines(&text(s, lang)),
        FleetFormat::Json => {
            let mut out = serde_json::to_string_pretty(s).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            out.push('\n');
            out
        }
        FleetFormat::Markdown => crate::fmt::inert_lines(&markdown(s, lang)),
        FleetFormat::Html => crate::fmt::inert_lines(&html(s, lang)),
    }
}

fn status_word(lang: Lang, s: OverallStatus) -> &'static str {
    match s {
        OverallStatus::Ok => w(lang, W::Ok),
        OverallStatus::Warn => w(lang, W::Warn),
        OverallStatus::Crit => w(lang, W::Crit),
        OverallStatus::Unknown => w(lang, W::Unknown),
    }
}

fn num(x: f64) -> String {
    crate::fmt::format_num(x)
}

/// "a, b, c (+7 more)".
fn names(list: &[String], lang: Lang) -> String {
    let mut out = list.iter().take(NAMES).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > NAMES {
        out.push_str(&format!(" (+{} {})", list.len() - NAMES, w(lang, W::More)));
    }
    out
}

fn overview(s: &FleetSummary, lang: Lang) -> (String, String) {
    let i = &s.inputs;
    let mut first = format!(
        "{} {} · {} {} ({} {}, {} {})",
        s.hosts.total,
        w(lang, W::Hosts),
        i.files,
        w(lang, W::Files),
        i.reports,
        w(lang, W::Reports),
        i.summary_lines,
        w(lang, W::SummaryLines)
    );
    if i.older_runs > 0 {
        first.push_str(&format!(" · {} {}", i.older_runs, w(lang, W::OlderRuns)));
    }
    if i.duplicate_runs > 0 {
        first.push_str(&format!(" · {} {}", i.duplicate_runs, w(lang, W::DuplicateRuns)));
    }
    let h = &s.hosts;
    let second = format!(
        "{} {} · {} {} · {} {} · {} {} · {} {} {}, {} {}, {} {}",
        h.crit,
        w(lang, W::Crit),
        h.warn,
        w(lang, W::Warn),
        h.unknown,
        w(lang, W::Unknown),
        h.ok,
        w(lang, W::Ok),
        w(lang, W::Score),
        w(lang, W::Median),
        num(s.score.median),
        w(lang, W::Min),
        num(s.score.min),
        w(lang, W::Max),
        num(s.score.max)
    );
    (first, second)
}

fn failing_list(h: &HostRow) -> String {
    h.failing.join(", ")
}

fn host_label(h: &HostRow) -> String {
    match &h.instance_id {
        Some(id) if id != &h.host => format!("{} ({id})", h.host),
        _ => h.host.clone(),
    }
}

fn text(s: &FleetSummary, lang: Lang) -> String {
    let (first, second) = overview(s, lang);
    let mut out = format!("{}: {first}\n{second}\n", w(lang, W::FleetTitle));
    let total = s.hosts.total;
    out.push_str(&format!("\n{}\n", w(lang, W::MostCommon)));
    if s.problems.is_empty() {
        out.push_str(&format!("  {}\n", w(lang, W::NoProblems)));
    }
    let wid = s.problems.iter().map(|p| p.check.chars().count()).max().unwrap_or(0);
    for p in &s.problems {
        let frac = format!("{}/{total}", p.hosts);
        out.push_str(&format!(
            "  {frac:>9}  {:<wid$}  {} {} · {} {} · {} {}  {}\n",
            p.check,
            p.crit,
            w(lang, W::Crit),
            p.warn,
            w(lang, W::Warn),
            p.error,
            w(lang, W::Error),
            p.title.as_deref().unwrap_or("")
        ));
        out.push_str(&format!("  {:>9}  {}\n", "", names(&p.host_names, lang)));
        if let Some(e) = &p.example {
            out.push_str(&format!("  {:>9}  {} {e}\n", "", w(lang, W::Example)));
        }
    }
    if s.problems_more > 0 {
        out.push_str(&format!("  (+{} {})\n", s.problems_more, w(lang, W::More)));
    }
    if !s.subjects.is_empty() {
        out.push_str(&format!("\n{}\n", w(lang, W::BySubject)));
        let wid = s.subjects.iter().map(|g| g.check.chars().count()).max().unwrap_or(0);
        let swid = s.subjects.iter().map(|g| g.subject.chars().count()).max().unwrap_or(0).min(40);
        for g in &s.subjects {
            let frac = format!("{}/{total}", g.hosts);
            out.push_str(&format!(
                "  {frac:>9}  {:<wid$}  {:<swid$}  {}\n",
                g.check,
                g.subject,
                names(&g.host_names, lang)
            ));
        }
        if s.subjects_more > 0 {
            out.push_str(&format!("  (+{} {})\n", s.subjects_more, w(lang, W::More)));
        }
    }
    if !s.worst.is_empty() {
        out.push_str(&format!("\n{}\n", w(lang, W::WorstHosts)));
        let wid = s.worst.iter().map(|h| host_label(h).chars().count()).max().unwrap_or(0);
        for h in &s.worst {
            out.push_str(&format!(
                "  {:>5}  {:<7}  {:<wid$}  {}\n",
                num(h.score),
                status_word(lang, h.status),
                host_label(h),
                failing_list(h)
            ));
        }
    }
    if !s.inputs.unreadable.is_empty() {
        out.push_str(&format!("\n{} ({})\n", w(lang, W::Skipped), s.inputs.unreadable.len()));
        for u in &s.inputs.unreadable {
            out.push_str(&format!("  {u}\n"));
        }
    }
    out
}

/// A Markdown table cell: no line breaks, no unescaped '|'.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The head of a Markdown table: the column names, then the alignment row (`---:` for numbers).
fn md_head(columns: &[(&str, bool)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let rule: Vec<&str> = columns.iter().map(|(_, number)| if *number { "---:" } else { "---" }).collect();
    format!("| {} |\n|{}|\n", names.join(" | "), rule.join("|"))
}

fn markdown(s: &FleetSummary, lang: Lang) -> String {
    let (first, second) = overview(s, lang);
    let total = s.hosts.total;
    let mut out = format!(
        "# {}\n\n{}\n\n{}\n\n## {}\n\n",
        w(lang, W::FleetTitle),
        md(&first),
        md(&second),
        w(lang, W::MostCommon)
    );
    if s.problems.is_empty() {
        out.push_str(&format!("{}\n", w(lang, W::NoProblems)));
    } else {
        out.push_str(&md_head(&[
            (w(lang, W::HostCount), true),
            (w(lang, W::Check), false),
            (w(lang, W::Crit), true),
            (w(lang, W::Warn), true),
            (w(lang, W::Error), true),
            (w(lang, W::Affected), false),
        ]));
        for p in &s.problems {
            let title = p.title.as_deref().map(|t| format!(" — {}", md(t))).unwrap_or_default();
            let example =
                p.example.as_deref().map(|e| format!("<br>{} {}", w(lang, W::Example), md(e))).unwrap_or_default();
            out.push_str(&format!(
                "| {}/{total} ({}%) | `{}`{title}{example} | {} | {} | {} | {} |\n",
                p.hosts,
                num(p.percent),
                md(&p.check),
                p.crit,
                p.warn,
                p.error,
                md(&names(&p.host_names, lang))
            ));
        }
        if s.problems_more > 0 {
            out.push_str(&format!("\n+{} {}\n", s.problems_more, w(lang, W::More)));
        }
    }
    if !s.subjects.is_empty() {
        out.push_str(&format!("\n## {}\n\n", w(lang, W::BySubject)));
        out.push_str(&md_head(&[
            (w(lang, W::HostCount), true),
            (w(lang, W::Check), false),
            (w(lang, W::Subject), false),
            (w(lang, W::Affected), false),
        ]));
        for g in &s.subjects {
            out.push_str(&format!(
                "| {}/{total} | `{}` | {} | {} |\n",
                g.hosts,
                md(&g.check),
                md(&g.subject),
                md(&names(&g.host_names, lang))
            ));
        }
    }
    if !s.worst.is_empty() {
        out.push_str(&format!("\n## {}\n\n", w(lang, W::WorstHosts)));
        out.push_str(&md_head(&[
            (w(lang, W::Score), true),
            (w(lang, W::Status), false),
            (w(lang, W::Host), false),
            (w(lang, W::Failing), false),
        ]));
        for h in &s.worst {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                num(h.score),
                status_word(lang, h.status),
                md(&host_label(h)),
                md(&failing_list(h))
            ));
        }
    }
    if !s.inputs.unreadable.is_empty() {
        out.push_str(&format!("\n## {}\n\n", w(lang, W::Skipped)));
        for u in &s.inputs.unreadable {
            out.push_str(&format!("- `{}`\n", u.to_string().replace('`', "'")));
        }
    }
    out
}

use crate::fmt::esc;

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;\
margin:2em auto;max-width:72em;padding:0 1em;color:#1d2329}h1{font-size:1.5em;margin-bottom:.2em}\
h2{font-size:1.15em;margin-top:1.8em}p.meta{color:#58636e;margin:.2em 0}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e3e7eb;vertical-align:top}th{background:#f4f6f8}\
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}code{font:12.5px ui-monospace,Menlo,Consolas,monospace}\
.bar{display:inline-block;height:.6em;background:#c0392b;border-radius:2px;margin-right:.4em;vertical-align:middle}\
.warnbar{background:#d68910}.ex{color:#58636e;font-size:.92em}.pill{display:inline-block;padding:0 .5em;border-radius:1em;\
font-size:.85em;color:#fff}.crit{background:#c0392b}.warn{background:#d68910}.unknown{background:#7f8c8d}.ok{background:#27ae60}\
.tiles span{display:inline-block;margin-right:1.2em}.tiles b{font-size:1.3em}";

fn pill(lang: Lang, s: OverallStatus) -> String {
    let class = match s {
        OverallStatus::Ok => "ok",
        OverallStatus::Warn => "warn",
        OverallStatus::Crit => "crit",
        OverallStatus::Unknown => "unknown",
    };
    format!("<span class=\"pill {class}\">{}</span>", esc(status_word(lang, s)))
}

fn html(s: &FleetSummary, lang: Lang) -> String {
    let (first, _) = overview(s, lang);
    let total = s.hosts.total;
    let html_lang = match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    };
    let title = esc(w(lang, W::FleetTitle));
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p class=\"meta\">{}</p>\n",
        esc(&first)
    );
    let h = &s.hosts;
    out.push_str(&format!(
        "<p class=\"tiles\"><span>{} <b>{}</b></span><span>{} <b>{}</b></span><span>{} <b>{}</b></span><span>{} <b>{}</b></span><span>{} {} <b>{}</b> ({} {} · {} {})</span></p>\n",
        pill(lang, OverallStatus::Crit),
        h.crit,
        pill(lang, OverallStatus::Warn),
        h.warn,
        pill(lang, OverallStatus::Unknown),
        h.unknown,
        pill(lang, OverallStatus::Ok),
        h.ok,
        esc(w(lang, W::Score)),
        esc(w(lang, W::Median)),
        num(s.score.median),
        esc(w(lang, W::Min)),
        num(s.score.min),
        esc(w(lang, W::Max)),
        num(s.score.max)
    ));
    out.push_str(&format!("<h2>{}</h2>\n", esc(w(lang, W::MostCommon))));
    if s.problems.is_empty() {
        out.push_str(&format!("<p>{}</p>\n", esc(w(lang, W::NoProblems))));
    } else {
        out.push_str(&format!(
            "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
            esc(w(lang, W::HostCount)),
            esc(w(lang, W::Check)),
            esc(w(lang, W::Crit)),
            esc(w(lang, W::Warn)),
            esc(w(lang, W::Error)),
            esc(w(lang, W::Affected))
        ));
        for p in &s.problems {
            let width = (p.percent * 0.8).clamp(1.0, 80.0);
            let class = if p.crit > 0 { "bar" } else { "bar warnbar" };
            let title = p.title.as_deref().map(|t| format!("<br>{}", esc(t))).unwrap_or_default();
            let example = p
                .example
                .as_deref()
                .map(|e| format!("<br><span class=\"ex\">{} {}</span>", esc(w(lang, W::Example)), esc(e)))
                .unwrap_or_default();
            out.push_str(&format!(
                "<tr><td class=\"n\"><span class=\"{class}\" style=\"width:{width:.0}px\"></span>{}/{total} ({}%)</td><td><code>{}</code>{title}{example}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                p.hosts,
                num(p.percent),
                esc(&p.check),
                p.crit,
                p.warn,
                p.error,
                esc(&names(&p.host_names, lang))
            ));
        }
        out.push_str("</table>\n");
        if s.problems_more > 0 {
            out.push_str(&format!("<p class=\"meta\">+{} {}</p>\n", s.problems_more, esc(w(lang, W::More))));
        }
    }
    if !s.subjects.is_empty() {
        out.push_str(&format!(
            "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
            esc(w(lang, W::BySubject)),
            esc(w(lang, W::HostCount)),
            esc(w(lang, W::Check)),
            esc(w(lang, W::Subject)),
            esc(w(lang, W::Affected))
        ));
        for g in &s.subjects {
            out.push_str(&format!(
                "<tr><td class=\"n\">{}/{total}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                g.hosts,
                esc(&g.check),
                esc(&g.subject),
                esc(&names(&g.host_names, lang))
            ));
        }
        out.push_str("</table>\n");
    }
    if !s.worst.is_empty() {
        out.push_str(&format!(
            "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
            esc(w(lang, W::WorstHosts)),
            esc(w(lang, W::Score)),
            esc(w(lang, W::Status)),
            esc(w(lang, W::Host)),
            esc(w(lang, W::Failing))
        ));
        for h in &s.worst {
            out.push_str(&format!(
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                num(h.score),
                pill(lang, h.status),
                esc(&host_label(h)),
                esc(&failing_list(h))
            ));
        }
        out.push_str("</table>\n");
    }
    if !s.inputs.unreadable.is_empty() {
        out.push_str(&format!("<h2>{} ({})</h2>\n<ul>\n", esc(w(lang, W::Skipped)), s.inputs.unreadable.len()));
        for u in &s.inputs.unreadable {
            out.push_str(&format!("<li><code>{}</code></li>\n", esc(&u.to_string())));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::aggregate::{Limits, summarize};

    #[test]
    fn html_is_escaped_and_self_contained() {
        let dir = tempfile::tempdir().unwrap();
        let line = r#"{"schema":"ecs-doctor/summary/v1","host":"<script>alert(1)</script>","run_id":"r","started_at":"t","status":"crit","score":75.0,"counts":{"ok":0,"warn":0,"crit":1,"error":0,"skipped":0},"failing":[{"id":"disk.usage.space","status":"crit","findings":1,"subject":"/a|b","message":"x & y"}],"truncated":false}"#;
        std::fs::write(dir.path().join("a.jsonl"), line).unwrap();
        let s = summarize(&[dir.path().to_path_buf()], Limits::default(), 1);
        let h = render(&s, FleetFormat::Html, Lang::En);
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;") && h.contains("x &amp; y"));
        assert!(!h.contains("http://") && !h.contains("https://") && !h.contains("<link"), "no outside resources");
        let m = render(&s, FleetFormat::Markdown, Lang::En);
        assert!(m.contains("/a\\|b"), "{m}");
        let z = render(&s, FleetFormat::Text, Lang::ZhCn);
        assert!(z.contains("最常见的问题"), "{z}");
    }
}
