//! The trace as a self-contained HTML page (inline CSS and SVG, no scripts, no external
//! resources, so it can be attached to a ticket and opened anywhere), and the latency heatmap
//! (hop × time) as an SVG fragment the report renderers can embed: [`heatmap_svg`].

use super::TraceData;
use crate::i18n::Lang;

/// Escapes text for HTML and SVG (element content and attribute values): the report's escaper.
pub use crate::fmt::esc as escape;

/// Colour of a round trip: green at 0, through yellow, to red at `max`.
fn colour(v: f64, max: f64) -> String {
    let x = if max > 0.0 { (v / max).clamp(0.0, 1.0) } else { 0.0 };
    format!("hsl({:.0},75%,48%)", 120.0 * (1.0 - x))
}

const NO_REPLY: &str = "#3a3a3a";

/// A hop's row label: number, name and address, at most 30 characters.
fn hop_label(h: &super::HopData, no_reply: &str) -> String {
    let label = match (h.address, &h.name) {
        (Some(a), Some(n)) => format!("{}. {n} ({a})", h.ttl),
        (Some(a), None) => format!("{}. {a}", h.ttl),
        (None, _) => format!("{}. ({no_reply})", h.ttl),
    };
    if label.chars().count() > 30 { label.chars().take(29).chain(['…']).collect() } else { label }
}

/// The latency heatmap in English: one row per hop, one column per round; colour is the round
/// trip (green fast, red slow), dark grey is a round without reply.
pub fn heatmap_svg(t: &TraceData) -> String {
    heatmap_svg_lang(t, Lang::En)
}

/// [`heatmap_svg`] with its few words in `lang`.
pub fn heatmap_svg_lang(t: &TraceData, lang: Lang) -> String {
    let (no_reply, hop_word, time_word, round_word) = match lang {
        Lang::En => ("no reply", "hop", "time (s)", "round"),
        Lang::ZhCn => ("无应答", "节点", "时间（秒）", "轮次"),
    };
    let rows = t.hops.len().max(1);
    let cols = t.rounds.len().max(1);
    let cell_w = (720.0 / cols as f64).clamp(2.0, 28.0);
    let cell_h = 20.0;
    let labels: Vec<String> = t.hops.iter().map(|h| hop_label(h, no_reply)).collect();
    // The label column as wide as the longest label (about 6.4 px a character at 11 px), so a
    // narrow screen shows the grid, not empty space.
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_w = (longest as f64 * 6.4 + 12.0).clamp(70.0, 202.0);
    let top = 10.0;
    let grid_w = cell_w * cols as f64;
    let grid_h = cell_h * rows as f64;
    // Wide enough for the legend too.
    let width = label_w + grid_w.max(300.0) + 20.0;
    let height = top + grid_h + 78.0;
    let max = t.hops.iter().flat_map(|h| h.samples_ms.iter().flatten()).copied().fold(0.0_f64, f64::max);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11" role="img" aria-label="{}">"#,
        escape(&format!("latency heatmap, {} hops x {} rounds", t.hops.len(), t.rounds.len()))
    );
    for ((r, h), label) in t.hops.iter().enumerate().zip(&labels) {
        let y = top + r as f64 * cell_h;
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            label_w - 6.0,
            y + cell_h / 2.0,
            escape(label)
        ));
        for (c, sample) in h.samples_ms.iter().enumerate() {
            let x = label_w + c as f64 * cell_w;
            let (fill, tip) = match sample {
                Some(v) => (colour(*v, max), format!("{hop_word} {} · {round_word} {} · {v:.1} ms", h.ttl, c + 1)),
                None => (NO_REPLY.to_string(), format!("{hop_word} {} · {round_word} {} · {no_reply}", h.ttl, c + 1)),
            };
            s.push_str(&format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}"><title>{}</title></rect>"#,
                cell_w.max(1.0),
                cell_h - 1.0,
                escape(&tip)
            ));
        }
    }
    // Time axis: a tick at the first, middle and last round.
    let axis_y = top + grid_h + 14.0;
    let mut ticks: Vec<usize> = vec![0, cols / 2, cols - 1];
    ticks.dedup();
    for i in ticks {
        let at = t.rounds.get(i).map(|r| r.at_ms / 1000.0).unwrap_or(0.0);
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{axis_y:.1}" text-anchor="middle">{at:.1}</text>"#,
            label_w + (i as f64 + 0.5) * cell_w
        ));
    }
    s.push_str(&format!(
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        label_w + grid_w / 2.0,
        axis_y + 14.0,
        escape(time_word)
    ));
    // Legend: the colour scale and the no-reply swatch.
    let ly = axis_y + 28.0;
    let steps = 10;
    for i in 0..steps {
        let v = max * i as f64 / (steps - 1) as f64;
        s.push_str(&format!(
            r#"<rect x="{:.1}" y="{ly:.1}" width="12" height="10" fill="{}"/>"#,
            label_w + i as f64 * 12.0,
            colour(v, max)
        ));
    }
    s.push_str(&format!(
        r#"<text x="{:.1}" y="{:.1}">0 – {max:.1} ms</text><rect x="{:.1}" y="{ly:.1}" width="12" height="10" fill="{NO_REPLY}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
        label_w + steps as f64 * 12.0 + 6.0,
        ly + 9.0,
        label_w + steps as f64 * 12.0 + 110.0,
        label_w + steps as f64 * 12.0 + 128.0,
        ly + 9.0,
        escape(no_reply)
    ));
    s.push_str("</svg>");
    s
}

fn cell(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into())
}

/// A complete HTML page: the per-hop table and the heatmap.
pub fn page(t: &TraceData, lang: Lang) -> String {
    let (title, heat_title, cols, no_reply, not_reached) = match lang {
        Lang::En => (
            "Path trace",
            "Latency over time",
            ["#", "Host", "Loss %", "Sent", "Last", "Avg", "Best", "Worst", "Jitter"],
            "no reply",
            "The destination did not answer.",
        ),
        Lang::ZhCn => (
            "路径追踪",
            "延迟随时间变化",
            ["#", "主机", "丢包 %", "发送", "最近", "平均", "最好", "最差", "抖动"],
            "无应答",
            "目的主机未应答。",
        ),
    };
    let html_lang = match lang {
        Lang::En => "en",
        Lang::ZhCn => "zh-CN",
    };
    let mut rows = String::new();
    for h in &t.hops {
        let host = match (h.address, &h.name) {
            (Some(a), Some(n)) => format!("{} <span class=\"dim\">({a})</span>", escape(n)),
            (Some(a), None) => a.to_string(),
            (None, _) => format!("<span class=\"dim\">{}</span>", escape(no_reply)),
        };
        let loss_class = if h.loss_percent > 0.0 { " class=\"loss\"" } else { "" };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{host}</td><td{loss_class}>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            h.ttl,
            h.loss_percent,
            h.sent,
            cell(h.last_ms),
            cell(h.avg_ms),
            cell(h.best_ms),
            cell(h.worst_ms),
            cell(h.jitter_ms)
        ));
    }
    let head: String = cols.iter().map(|c| format!("<th>{}</th>", escape(c))).collect();
    let note = if t.reached { String::new() } else { format!("<p class=\"loss\">{}</p>", escape(not_reached)) };
    format!(
        r#"<!DOCTYPE html>
<html lang="{html_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — {target}</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #1d1d1f; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.1em; margin-top: 1.6em; }}
.meta {{ color: #666; }}
table {{ border-collapse: collapse; font-variant-numeric: tabular-nums; }}
th, td {{ padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }}
th:nth-child(2), td:nth-child(2) {{ text-align: left; }}
th {{ background: #f4f4f6; }}
.dim {{ color: #888; }} .loss {{ color: #b3261e; font-weight: 600; }}
svg.heatmap {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title} — {target}</h1>
<p class="meta">{address} · ICMP · {rounds} rounds · {started}</p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{rows}</tbody>
</table>
{note}
<h2>{heat_title}</h2>
{svg}
</body>
</html>
"#,
        target = escape(&t.target),
        address = t.address,
        rounds = t.rounds.len(),
        started = escape(&t.started_at),
        svg = heatmap_svg_lang(t, lang),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{HopData, RoundInfo};

    fn sample() -> TraceData {
        let a = "10.0.1.1".parse().unwrap();
        let d = "10.0.2.2".parse().unwrap();
        TraceData {
            target: "<srv>".into(),
            address: d,
            protocol: "icmp".into(),
            started_at: "2026-11-21T00:00:00Z".into(),
            round_ms: 1000,
            reached: true,
            rounds: (0..3).map(|i| RoundInfo { index: i, at_ms: 1000.0 * (i + 1) as f64 }).collect(),
            hops: vec![
                HopData::from_samples(1, vec![(a, 2)], vec![Some(0.2), None, Some(0.3)], 3),
                HopData::from_samples(2, vec![(d, 3)], vec![Some(0.5), Some(0.6), Some(0.4)], 3),
            ],
        }
    }

    #[test]
    fn heatmap_has_a_cell_per_hop_and_round() {
        let svg = heatmap_svg(&sample());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<title>").count(), 6);
        assert!(svg.contains(NO_REPLY));
        assert!(!svg.contains("http://") || svg.matches("http://").count() == 1, "only the xmlns");
    }

    #[test]
    fn page_is_self_contained_and_escaped() {
        let p = page(&sample(), Lang::En);
        assert!(p.contains("&lt;srv&gt;") && !p.contains("<srv>"));
        assert!(!p.contains("<script") && !p.contains("src=") && !p.contains("href="));
        assert!(p.trim_end().ends_with("</html>"));
    }
}
