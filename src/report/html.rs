//! One self-contained HTML page a customer can forward and open on a phone: inline CSS and SVG
//! only, nothing fetched (a Content-Security-Policy forbids it), every text HTML-escaped. A status
//! banner with the score, the host and cloud identity, then per domain the checks that need
//! attention (findings with subject, code, evidence and fix, metrics as small charts) and, folded
//! away, the checks that passed.

use super::text::TextOptions;
use super::{CheckResult, Finding, OverallStatus, Report, Severity, Status};
use crate::fmt::{esc, format_num};
use crate::i18n::{Lang, Msg, tr, trf};
use crate::trace::TraceData;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Prose from a check file (source line breaks are not meaningful), escaped, with `code` spans.
fn prose(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    for (i, part) in joined.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

const CSS: &str = r#"
:root{--ok:#1a7f37;--warn:#9a6700;--crit:#cf222e;--error:#8250df;--skipped:#6e7781;--bg:#f6f8fa;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bar:#0969da}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:60rem;margin:0 auto;padding:0 .75rem 2rem}
header.banner{color:#fff;padding:1rem .75rem}
header.banner .inner{max-width:60rem;margin:0 auto;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
.banner.ok{background:var(--ok)}.banner.warn{background:var(--warn)}.banner.crit{background:var(--crit)}.banner.unknown{background:var(--error)}
.score{font-size:2.5rem;font-weight:700;line-height:1}
.score small{font-size:1rem;font-weight:400;opacity:.85}
.verdict{font-size:1.25rem;font-weight:700}
.counts{opacity:.95}
h1{font-size:1.1rem;margin:0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
table.identity{border-collapse:collapse;margin:.75rem 0;width:100%;background:#fff;border:1px solid var(--line);border-radius:6px}
table.identity th,table.identity td{text-align:left;padding:.3rem .6rem;border-top:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
table.identity th{width:7rem;color:var(--muted);font-weight:600}
table.identity .item{display:inline-block;max-width:100%}
table.matrix{border-collapse:collapse;margin:.75rem 0;width:100%;background:#fff;border:1px solid var(--line)}
table.matrix th,table.matrix td{text-align:left;padding:.3rem .6rem;border-top:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
table.matrix th{color:var(--muted);font-weight:600}
.check{background:#fff;border:1px solid var(--line);border-left:5px solid var(--skipped);border-radius:6px;margin:.6rem 0;padding:.6rem .8rem}
.check.ok{border-left-color:var(--ok)}.check.warn{border-left-color:var(--warn)}.check.crit{border-left-color:var(--crit)}.check.error{border-left-color:var(--error)}
.check h3{font-size:1rem;margin:0}
.id{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted);overflow-wrap:anywhere}
.badge{display:inline-block;min-width:3.2rem;text-align:center;border-radius:1rem;padding:0 .5rem;margin-right:.4rem;font-size:.8rem;font-weight:700;color:#fff;background:var(--skipped);vertical-align:1px}
.badge.ok{background:var(--ok)}.badge.warn{background:var(--warn)}.badge.crit{background:var(--crit)}.badge.error{background:var(--error)}.badge.info{background:var(--skipped)}
.summary{margin:.3rem 0}
ul.findings{list-style:none;padding:0;margin:.4rem 0}
ul.findings li{border-top:1px dashed var(--line);padding:.4rem 0}
.meta{font-size:.85rem;color:var(--muted)}
.meta code{color:var(--fg)}
pre{background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.4rem .6rem;margin:.3rem 0;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg);padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}
.fix{background:#ddf4ff;border-radius:4px;padding:.4rem .6rem;margin:.4rem 0}
figure{margin:.5rem 0}
figcaption{font-size:.85rem;color:var(--muted)}
svg.chart{width:100%;max-width:26rem;height:auto;display:block}
svg.chart text{font:11px system-ui,sans-serif;fill:var(--fg)}
svg.heatmap{max-width:100%;height:auto;display:block}
dl.metrics{display:grid;grid-template-columns:auto 1fr;gap:0 .8rem;font-size:.85rem;margin:.4rem 0}
dl.metrics dt{color:var(--muted);overflow-wrap:anywhere}dl.metrics dd{margin:0}
details.passing{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem;margin:.6rem 0}
details.passing summary{cursor:pointer;color:var(--muted)}
details.passing ul{padding-left:1rem}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin-top:2rem}
section.diagnosis{background:#fff;border:1px solid var(--line);border-left:5px solid var(--crit);border-radius:6px;padding:.6rem .8rem;margin:.75rem 0}
section.diagnosis.none{border-left-color:var(--ok)}
section.diagnosis h2{margin-top:0}
ol.steps{padding-left:1.5rem;margin:.4rem 0}ol.steps li{padding:.1rem 0}
ol.outside{padding-left:1.5rem}
@media (max-width:30rem){.score{font-size:2rem}table.identity th{width:5rem}}
"#;

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warn => "warn",
        Status::Crit => "crit",
        Status::Error => "error",
        Status::Skipped => "skipped",
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warn => "warn",
        Severity::Crit => "crit",
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

/// One bar of a chart: a label, a value, the bar's length as a fraction, a colour class, and a
/// loss percentage for the tooltip.
struct Bar {
    label: String,
    value: f64,
    fraction: f64,
    tone: &'static str,
    note: Option<f64>,
}

/// Shortens a label for the chart's label column; the full text is the bar's tooltip. The end
/// of a path says more than its start.
fn short_label(s: &str) -> String {
    const MAX: usize = 22;
    let n = s.chars().count();
    if n <= MAX { s.to_string() } else { format!("…{}", s.chars().skip(n - (MAX - 1)).collect::<String>()) }
}

/// A horizontal bar chart as inline SVG, scaled by its viewBox so it fits a phone.
fn bar_chart(out: &mut String, caption: &str, bars: &[Bar], unit: &str, lang: Lang) {
    const ROW: f64 = 20.0;
    const LABEL_W: f64 = 140.0;
    const BAR_W: f64 = 150.0;
    const WIDTH: f64 = 340.0;
    let height = ROW * bars.len() as f64 + 4.0;
    let _ = write!(
        out,
        "<figure><svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(caption)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 2.0 + ROW * i as f64;
        let w = (b.fraction.clamp(0.0, 1.0) * BAR_W).max(if b.value > 0.0 { 1.0 } else { 0.0 });
        let color = match b.tone {
            "crit" => "#cf222e",
            "warn" => "#bf8700",
            _ => "#0969da",
        };
        let value = format!("{}{unit}", chart_num(b.value, unit));
        let tip = match b.note {
            Some(loss) => format!("{value}, {}", trf(lang, Msg::LossNote, &[("percent", &format_num(loss))])),
            None => value.clone(),
        };
        let _ = write!(
            out,
            "\n<g><title>{label}: {tip}</title><text x=\"0\" y=\"{ty}\">{short}</text>\
             <rect x=\"{LABEL_W}\" y=\"{ry}\" width=\"{BAR_W}\" height=\"12\" rx=\"2\" fill=\"#eaeef2\"/>\
             <rect x=\"{LABEL_W}\" y=\"{ry}\" width=\"{w:.1}\" height=\"12\" rx=\"2\" fill=\"{color}\"/>\
             <text x=\"{vx}\" y=\"{ty}\">{value}</text></g>",
            label = esc(&b.label),
            tip = esc(&tip),
            value = esc(&value),
            short = esc(&short_label(&b.label)),
            ty = y + 11.0,
            ry = y + 1.0,
            vx = LABEL_W + BAR_W + 6.0,
        );
    }
    let _ = writeln!(out, "</svg><figcaption>{}</figcaption></figure>", esc(caption));
}

/// Splits `name[subject]` into its parts; a plain name has no subject.
fn split_metric(key: &str) -> (&str, Option<&str>) {
    match key.find('[') {
        Some(i) if key.ends_with(']') => (&key[..i], Some(&key[i + 1..key.len() - 1])),
        _ => (key, None),
    }
}

/// The worst severity of the findings about a subject, as a bar colour.
fn tone_of(findings: &[Finding], subject: &str) -> &'static str {
    match findings.iter().filter(|f| f.subject.as_deref() == Some(subject)).map(|f| f.severity).max() {
        Some(Severity::Crit) => "crit",
        Some(Severity::Warn) => "warn",
        _ => "normal",
    }
}

/// Latency figures that only describe the spread of one already drawn (the average round trip
/// to each traced destination; the heatmap shows the spread): listed, not charted.
const NOT_CHARTED: &[&str] = &["dest_rtt_best_ms", "dest_rtt_worst_ms", "dest_jitter_ms"];

/// A chart's number: like [`format_num`], but latencies under 10 ms with two decimals (a path
/// inside a data centre takes a fraction of a millisecond).
fn chart_num(v: f64, unit: &str) -> String {
    if unit == " ms" && v.fract() != 0.0 && v.abs() < 10.0 { format!("{v:.2}") } else { format_num(v) }
}

/// A per-hop metric of `net.path.loss` (`hop3_rtt_ms`, `hop3_loss_percent[10.0.0.5]`): the hop
/// number, whether it is the round trip (else the loss), and the traced host when there are
/// several.
fn hop_metric(key: &str) -> Option<(u32, bool, Option<&str>)> {
    let (name, subject) = split_metric(key);
    let rest = name.strip_prefix("hop")?;
    let (n, kind) = rest.split_once('_')?;
    let rtt = match kind {
        "rtt_ms" => true,
        "loss_percent" => false,
        _ => return None,
    };
    Some((n.parse().ok()?, rtt, subject))
}

/// The traced path of `subject` (or the only one), for the hop addresses.
fn trace_of<'a>(c: &'a CheckResult, subject: Option<&str>) -> Option<&'a TraceData> {
    match subject {
        Some(s) => c.traces.iter().find(|t| t.target == s),
        None if c.traces.len() == 1 => c.traces.first(),
        None => None,
    }
}

/// The round trip to each hop of each traced path, one bar per hop labelled with the hop's
/// number and address (its loss in the tooltip; intermediate hops' loss is rate limiting, so
/// it does not colour the bar). Returns the keys it drew.
fn hop_charts(out: &mut String, c: &CheckResult, lang: Lang) -> Vec<String> {
    // Per traced host: hop -> (round trip, loss).
    type Hops = BTreeMap<u32, (Option<f64>, Option<f64>)>;
    let mut paths: BTreeMap<Option<&str>, Hops> = BTreeMap::new();
    let mut keys = Vec::new();
    for (key, v) in &c.metrics {
        let Some((hop, rtt, subject)) = hop_metric(key) else { continue };
        if !v.is_finite() {
            continue;
        }
        let e = paths.entry(subject).or_default().entry(hop).or_default();
        if rtt {
            e.0 = Some(*v)
        } else {
            e.1 = Some(*v)
        }
        keys.push(key.clone());
    }
    for (subject, hops) in &paths {
        let trace = trace_of(c, *subject);
        let max = hops.values().filter_map(|h| h.0).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        let bars: Vec<Bar> = hops
            .iter()
            .filter_map(|(n, (rtt, loss))| {
                let address = trace
                    .and_then(|t| t.hops.iter().find(|h| u32::from(h.ttl) == *n))
                    .map(|h| h.address.map(|a| a.to_string()).unwrap_or_else(|| "*".into()));
                let label = match address {
                    Some(a) => format!("{n} {a}"),
                    None => format!("{} {n}", tr(lang, Msg::HopWord)),
                };
                Some(Bar { label, value: (*rtt)?, fraction: (*rtt)? / max, tone: "normal", note: *loss })
            })
            .collect();
        if bars.is_empty() {
            continue;
        }
        let target = subject.map(str::to_string).or_else(|| trace.map(|t| t.target.clone())).unwrap_or_default();
        bar_chart(out, &trf(lang, Msg::LatencyPerHop, &[("target", &target)]), &bars, " ms", lang);
        // The same path over time, right below.
        if let Some(t) = trace {
            heatmap(out, t, lang);
        }
    }
    keys
}

/// The latency heatmap (hop x round) of a traced path.
fn heatmap(out: &mut String, t: &TraceData, lang: Lang) {
    let _ = writeln!(
        out,
        "<figure class=\"heatmap\">{}<figcaption>{}</figcaption></figure>",
        crate::trace::html::heatmap_svg_lang(t, lang),
        esc(&trf(lang, Msg::LatencyOverTime, &[("target", &t.target)]))
    );
}

/// The heatmaps of the traced paths that [`hop_charts`] did not draw (no per-hop metrics).
fn other_heatmaps(out: &mut String, c: &CheckResult, lang: Lang) {
    let charted: Vec<Option<&str>> = c.metrics.keys().filter_map(|k| hop_metric(k).map(|m| m.2)).collect();
    for t in &c.traces {
        let drawn = charted.iter().any(|s| trace_of(c, *s).is_some_and(|x| std::ptr::eq(x, t)));
        if !drawn {
            heatmap(out, t, lang);
        }
    }
}

/// The metrics a picture explains better than numbers: a family of percentages or of
/// latencies per subject (disk usage per mount, connect time per target), the round trip per
/// hop of a traced path, and a check's plain percentage components (resource pressure).
/// Returns the keys it drew; the rest go into a list.
fn charts(out: &mut String, c: &CheckResult, lang: Lang) -> Vec<String> {
    let mut drawn = hop_charts(out, c, lang);
    let mut families: BTreeMap<&str, Vec<(&str, f64, &str)>> = BTreeMap::new();
    let mut plain_percent: Vec<(&str, f64)> = Vec::new();
    for (key, v) in &c.metrics {
        if !v.is_finite() || drawn.contains(key) {
            continue;
        }
        match split_metric(key) {
            (name, Some(subject)) => families.entry(name).or_default().push((subject, *v, key)),
            (name, None) if name.ends_with("_percent") => plain_percent.push((name, *v)),
            _ => {}
        }
    }
    // Hops are numbered: "10 ..." comes after "9 ...", not after "1 ...".
    let order = |s: &str| {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        (digits.parse::<u64>().unwrap_or(u64::MAX), s.to_string())
    };
    for items in families.values_mut() {
        items.sort_by_cached_key(|i| order(i.0));
    }
    for (name, items) in &families {
        let percent = name.ends_with("_percent");
        let latency = name.ends_with("_ms");
        // One percentage is still a picture (the only filesystem's usage); latencies compare.
        let enough = if percent { !items.is_empty() } else { items.len() >= 2 };
        if !(percent || latency) || !enough || NOT_CHARTED.contains(name) {
            continue;
        }
        let max = if percent { 100.0 } else { items.iter().map(|i| i.1).fold(0.0, f64::max).max(f64::MIN_POSITIVE) };
        let bars: Vec<Bar> = items
            .iter()
            .map(|(subject, v, _)| Bar {
                label: subject.to_string(),
                value: *v,
                fraction: v / max,
                tone: tone_of(&c.findings, subject),
                note: None,
            })
            .collect();
        bar_chart(out, &name.replace('_', " "), &bars, if percent { "%" } else { " ms" }, lang);
        drawn.extend(items.iter().map(|i| i.2.to_string()));
    }
    if plain_percent.len() >= 2 {
        let bars: Vec<Bar> = plain_percent
            .iter()
            .map(|(name, v)| Bar {
                label: name.trim_end_matches("_percent").replace('_', " "),
                value: *v,
                fraction: v / 100.0,
                tone: "normal",
                note: None,
            })
            .collect();
        bar_chart(out, &c.title, &bars, "%", lang);
        drawn.extend(plain_percent.iter().map(|(n, _)| n.to_string()));
    }
    drawn
}

fn write_finding(out: &mut String, f: &Finding, lang: Lang) {
    let _ = write!(
        out,
        "<li><span class=\"badge {sev}\">{sev}</span>{msg}",
        sev = severity_class(f.severity),
        msg = esc(&f.message)
    );
    let mut meta = Vec::new();
    if let Some(s) = &f.subject {
        meta.push(format!("{} <code>{}</code>", tr(lang, Msg::Subject), esc(s)));
    }
    if let Some(code) = &f.code {
        meta.push(format!("{} <code>{}</code>", tr(lang, Msg::Code), esc(code)));
    }
    if let Some(since) = &f.since {
        meta.push(format!("{} {}", tr(lang, Msg::Since), esc(since)));
    }
    if !meta.is_empty() {
        let _ = write!(out, "<div class=\"meta\">{}</div>", meta.join(" · "));
    }
    if !f.evidence.is_empty() {
        let lines: Vec<String> = f.evidence.iter().map(|l| esc(l)).collect();
        let _ = write!(out, "<pre aria-label=\"{}\">{}</pre>", tr(lang, Msg::Evidence), lines.join("\n"));
    }
    out.push_str("</li>\n");
}

fn write_check(out: &mut String, c: &CheckResult, lang: Lang) {
    let class = status_class(c.status);
    let _ = write!(
        out,
        "<article class=\"check {class}\" id=\"{id}\"><h3><span class=\"badge {class}\">{class}</span>{title}</h3>\
         <div class=\"id\">{id}</div><p class=\"summary\">{summary}</p>",
        id = esc(&c.id),
        title = esc(&c.title),
        summary = esc(&c.summary)
    );
    if !c.consequence_of.is_empty() {
        let ids: Vec<String> = c.consequence_of.iter().map(|d| format!("<code>{}</code>", esc(d))).collect();
        let text = esc(&crate::i18n::trf(lang, Msg::ConsequenceOf, &[("ids", "\u{1}")]));
        let _ = write!(out, "<p class=\"consequence\">↳ {}</p>", text.replace('\u{1}', &ids.join(", ")));
    }
    if let Some(t) = &c.table {
        out.push_str("<table class=\"matrix\"><thead><tr>");
        for h in &t.columns {
            let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
        }
        out.push_str("</tr></thead><tbody>");
        for r in &t.rows {
            out.push_str("<tr>");
            for cell in r {
                let _ = write!(out, "<td>{}</td>", esc(cell));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>\n");
    }
    if !c.findings.is_empty() {
        out.push_str("<ul class=\"findings\">\n");
        for f in &c.findings {
            write_finding(out, f, lang);
        }
        out.push_str("</ul>");
    }
    // A consequence's fix is its root cause's.
    if let Some(fix) = c.remediation.as_ref().filter(|_| c.consequence_of.is_empty()) {
        let _ = write!(out, "<div class=\"fix\"><strong>{}:</strong> {}</div>", tr(lang, Msg::HowToFix), prose(fix));
    }
    let drawn = charts(out, c, lang);
    other_heatmaps(out, c, lang);
    let rest: Vec<(&String, &f64)> = c.metrics.iter().filter(|(k, _)| !drawn.contains(k)).collect();
    if !rest.is_empty() {
        out.push_str("<dl class=\"metrics\">");
        for (k, v) in rest {
            let value =
                if split_metric(k).0.ends_with("_bytes") { crate::fmt::human_bytes(*v) } else { format_num(*v) };
            let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&value));
        }
        out.push_str("</dl>");
    }
    out.push_str("</article>\n");
}

fn verdict(s: OverallStatus) -> (&'static str, &'static str) {
    match s {
        OverallStatus::Ok => ("ok", "OK"),
        OverallStatus::Warn => ("warn", "WARNING"),
        OverallStatus::Crit => ("crit", "CRITICAL"),
        OverallStatus::Unknown => ("unknown", "UNKNOWN"),
    }
}

/// The answer of `ecs-doctor why`: the cause and its fix first, then every step with its
/// status, then what to check outside the server when nothing inside explains the complaint.
fn write_diagnosis(out: &mut String, report: &Report, d: &super::diagnosis::Diagnosis, lang: Lang) {
    let cause = super::diagnosis::cause_of(report);
    let subject = d.subject.as_deref().map(|s| format!(" · {}", esc(s))).unwrap_or_default();
    let _ = write!(
        out,
        "<section class=\"diagnosis{}\"><h2><code>ecs-doctor why {}</code>{subject}</h2>",
        if cause.is_none() { " none" } else { "" },
        esc(&d.symptom)
    );
    match cause {
        Some((c, finding)) => {
            let what = finding.map_or(c.summary.as_str(), |f| f.message.as_str());
            let on = finding
                .and_then(|f| f.subject.as_deref())
                .map(|s| format!(" [<code>{}</code>]", esc(s)))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<p class=\"cause\"><strong>{}</strong> <span class=\"id\">{}</span>{on}: {}</p>",
                esc(tr(lang, Msg::WhyCause)),
                esc(&c.id),
                esc(what)
            );
            if let Some(fix) = &c.remediation {
                let _ = write!(
                    out,
                    "<div class=\"fix\"><strong>{}</strong> {}</div>",
                    esc(tr(lang, Msg::WhyFix)),
                    prose(fix)
                );
            }
            let _ = write!(out, "<p class=\"meta\">{}</p>", esc(&trf(lang, Msg::WhyExplain, &[("id", &c.id)])));
        }
        None => {
            let _ = write!(out, "<p class=\"cause\">{}</p>", esc(tr(lang, Msg::WhyNoCause)));
        }
    }
    let _ = write!(out, "<h3>{}</h3><ol class=\"steps\">", esc(tr(lang, Msg::WhyWalked)));
    for s in &d.steps {
        let class = status_class(s.status);
        let title = report.checks.iter().find(|c| c.id == s.check).map(|c| esc(&c.title)).unwrap_or_default();
        let only = if s.subjects.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                s.subjects.iter().map(|x| format!("<code>{}</code>", esc(x))).collect::<Vec<_>>().join(", ")
            )
        };
        let _ = write!(
            out,
            "<li><span class=\"badge {class}\">{class}</span>{title} <span class=\"id\">{}</span>{only}</li>",
            esc(&s.check)
        );
    }
    out.push_str("</ol>");
    if !d.outside.is_empty() {
        let _ = write!(out, "<h3>{}</h3><ol class=\"outside\">", esc(tr(lang, Msg::WhyOutside)));
        for o in &d.outside {
            let _ = write!(out, "<li>{}</li>", prose(o));
        }
        out.push_str("</ol>");
    }
    out.push_str("</section>\n");
}

pub fn render(report: &Report, opts: &TextOptions) -> String {
    let lang = opts.lang;
    let h = &report.host;
    let s = &report.summary;
    let c = &s.counts;
    let (class, word) = verdict(s.status);
    let mut out = String::with_capacity(32 * 1024);
    let html_lang = match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>ecs-doctor: {host} · {word}</title><style>{CSS}</style></head><body>\n",
        host = esc(&h.hostname),
    );
    let _ = write!(
        out,
        "<header class=\"banner {class}\"><div class=\"inner\"><div class=\"score\">{score}<small>/100</small></div>\
         <div><div class=\"verdict\">{word}</div><h1>{host}</h1>\
         <div class=\"counts\">{ok} ok · {warn} warn · {crit} crit · {error} error · {skipped} skipped</div></div></div></header>\n<main>",
        score = format_num(s.score),
        host = esc(&h.hostname),
        ok = c.ok,
        warn = c.warn,
        crit = c.crit,
        error = c.error,
        skipped = c.skipped,
    );
    let cloud =
        serde_json::to_value(h.cloud.provider).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    // Each item stays on one line when it fits (a phone would otherwise break "i-bp1..." after
    // its hyphen, or "0.18 s" before its unit); one longer than the line still wraps.
    let item = |s: String| format!("<span class=\"item\">{s}</span>");
    let identity: String =
        h.cloud.identity.iter().map(|(k, v)| format!(" · {}", item(format!("{} {}", esc(k), esc(v))))).collect();
    let rows = [
        (tr(lang, Msg::Host), esc(&h.hostname)),
        (tr(lang, Msg::Os), esc(&h.os.pretty_name)),
        (tr(lang, Msg::Kernel), format!("{} ({})", esc(&h.kernel), esc(&h.arch))),
        (tr(lang, Msg::Cloud), format!("{}{identity}", esc(&cloud))),
        (
            tr(lang, Msg::RunLabel),
            [
                esc(&report.run.started_at),
                format!("{:.2} s", report.run.duration_ms as f64 / 1000.0),
                format!("ecs-doctor {}", esc(&report.tool.version)),
                esc(&report.run.id),
            ]
            .map(item)
            .join(" · "),
        ),
    ];
    out.push_str("<table class=\"identity\">");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    out.push_str("</table>\n");

    if let Some(d) = &report.diagnosis {
        write_diagnosis(&mut out, report, d, lang);
    }
    let causes = super::Causes::of(report);
    if causes.any() {
        let _ = write!(
            out,
            "<section class=\"causes\"><h2>{}: {}</h2><ul>",
            esc(tr(lang, Msg::RootCausesFirst)),
            esc(&super::text::counts_line(&causes, lang))
        );
        let link = |c: &CheckResult| {
            let class = status_class(c.status);
            format!(
                "<span class=\"badge {class}\">{class}</span>{title} <span class=\"id\">{id}</span>",
                id = esc(&c.id),
                title = esc(&c.title)
            )
        };
        for root in causes.explaining() {
            let _ = write!(out, "<li>{} — {}<ul>", link(root), esc(&root.summary));
            for (depth, c) in causes.tree(&root.id) {
                let _ = write!(out, "<li>{}{}</li>", "↳ ".repeat(depth), link(c));
            }
            out.push_str("</ul></li>\n");
        }
        out.push_str("</ul></section>\n");
    }

    for domain in crate::catalog::DOMAINS {
        let checks: Vec<&CheckResult> = report.checks.iter().filter(|c| c.category == *domain).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = write!(out, "<section><h2>{}</h2>", esc(&domain_name(lang, domain)));
        let (mut failing, passing): (Vec<&CheckResult>, Vec<&CheckResult>) =
            checks.into_iter().partition(|c| matches!(c.status, Status::Warn | Status::Crit | Status::Error));
        failing.sort_by_key(|c| std::cmp::Reverse(c.status));
        for c in failing {
            write_check(&mut out, c, lang);
        }
        // Passing checks still carry pictures worth seeing (disk usage of every mount), so
        // those with charts are shown in full; the rest are one line each, folded away.
        let (with_charts, plain): (Vec<&CheckResult>, Vec<&CheckResult>) = passing.into_iter().partition(|c| {
            c.table.is_some() || !c.traces.is_empty() || !charts(&mut String::new(), c, lang).is_empty()
        });
        for c in with_charts {
            write_check(&mut out, c, lang);
        }
        if !plain.is_empty() {
            let _ = write!(
                out,
                "<details class=\"passing\"><summary>{} {}</summary><ul>",
                plain.len(),
                tr(lang, Msg::PassingOrSkipped)
            );
            for c in plain {
                let class = status_class(c.status);
                let _ = writeln!(
                    out,
                    "<li><span class=\"badge {class}\">{class}</span>{} <span class=\"id\">{}</span> — {}</li>",
                    esc(&c.title),
                    esc(&c.id),
                    esc(&c.summary)
                );
            }
            out.push_str("</ul></details>");
        }
        out.push_str("</section>\n");
    }
    let _ = writeln!(
        out,
        "<footer>ecs-doctor {} · {} · {}</footer></main></body></html>",
        esc(&report.tool.version),
        esc(&report.run.finished_at),
        esc(&report.schema)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_makes_code_spans_and_escapes_inside_them() {
        assert_eq!(
            prose("Run `ip route add default via <gw>`\n now"),
            "Run <code>ip route add default via &lt;gw&gt;</code> now"
        );
    }

    #[test]
    fn metric_names_split_at_the_subject() {
        assert_eq!(split_metric("used_percent[/data]"), ("used_percent", Some("/data")));
        assert_eq!(split_metric("score"), ("score", None));
    }

    #[test]
    fn hop_metrics_are_recognised_with_and_without_a_target() {
        assert_eq!(hop_metric("hop3_rtt_ms"), Some((3, true, None)));
        assert_eq!(hop_metric("hop12_loss_percent[10.0.0.5]"), Some((12, false, Some("10.0.0.5"))));
        assert_eq!(hop_metric("hop_count"), None);
        assert_eq!(hop_metric("hop2_jitter_ms"), None);
        assert_eq!(hop_metric("dest_rtt_avg_ms"), None);
    }

    #[test]
    fn sub_millisecond_latencies_keep_two_decimals() {
        assert_eq!(chart_num(0.162, " ms"), "0.16");
        assert_eq!(chart_num(51.54, " ms"), "51.5");
        assert_eq!(chart_num(97.0, "%"), "97");
        assert_eq!(chart_num(1.14, "%"), "1.1");
    }

    #[test]
    fn long_labels_keep_their_end() {
        assert_eq!(short_label("/mnt/sandboxing/model_tools_env/v1/python"), "…l_tools_env/v1/python");
    }
}
