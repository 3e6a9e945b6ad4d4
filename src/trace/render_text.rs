//! The per-hop table of `ecs-doctor trace`, as mtr prints it: one line per hop with address,
//! reverse name, loss and round-trip statistics. The same text is redrawn after every round on
//! a terminal and printed once at the end otherwise.

use super::TraceData;
use crate::i18n::Lang;

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

struct Words {
    host: &'static str,
    loss: &'static str,
    sent: &'static str,
    last: &'static str,
    avg: &'static str,
    best: &'static str,
    worst: &'static str,
    jitter: &'static str,
    no_reply: &'static str,
    no_hops: &'static str,
    not_reached: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            host: "Host",
            loss: "Loss%",
            sent: "Snt",
            last: "Last",
            avg: "Avg",
            best: "Best",
            worst: "Wrst",
            jitter: "Jttr",
            no_reply: "(no reply)",
            no_hops: "no hop answered yet",
            not_reached: "the destination has not answered",
        },
        Lang::ZhCn => Words {
            host: "主机",
            loss: "丢包%",
            sent: "发送",
            last: "最近",
            avg: "平均",
            best: "最好",
            worst: "最差",
            jitter: "抖动",
            no_reply: "（无应答）",
            no_hops: "尚无节点应答",
            not_reached: "目的主机尚未应答",
        },
    }
}

/// The header line: what is traced, since when, how many rounds.
pub fn header(t: &TraceData, lang: Lang) -> String {
    let target =
        if t.target == t.address.to_string() { t.target.clone() } else { format!("{} ({})", t.target, t.address) };
    match lang {
        Lang::En => format!("ecs-doctor trace {target} · ICMP · rounds: {} · started {}", t.rounds.len(), t.started_at),
        Lang::ZhCn => {
            format!("ecs-doctor trace {target} · ICMP · 已完成 {} 轮 · 开始于 {}", t.rounds.len(), t.started_at)
        }
    }
}

/// Display width of a string: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn rpad(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// The whole table (header, column titles, one line per hop), ending with a newline.
pub fn table(t: &TraceData, lang: Lang) -> String {
    let w = words(lang);
    let hosts: Vec<String> = t
        .hops
        .iter()
        .map(|h| match (h.address, &h.name) {
            // A reverse DNS name is an answer from the network: made inert.
            (Some(a), Some(n)) => format!("{} ({a})", crate::fmt::inert(n)),
            (Some(a), None) => a.to_string(),
            (None, _) => w.no_reply.to_string(),
        })
        .collect();
    let hw = hosts.iter().map(|h| width(h)).chain([width(w.host), 16]).max().unwrap_or(16);
    let mut out = header(t, lang);
    out.push_str("\n\n");
    let cols = [w.loss, w.sent, w.last, w.avg, w.best, w.worst, w.jitter];
    out.push_str(&format!("{:>3}  {}", "", pad(w.host, hw)));
    for c in cols {
        out.push_str(&format!(" {}", rpad(c, 7)));
    }
    out.push('\n');
    for (h, host) in t.hops.iter().zip(&hosts) {
        out.push_str(&format!("{:>3}. {}", h.ttl, pad(host, hw)));
        let vals = [
            format!("{:.1}", h.loss_percent),
            h.sent.to_string(),
            ms(h.last_ms),
            ms(h.avg_ms),
            ms(h.best_ms),
            ms(h.worst_ms),
            ms(h.jitter_ms),
        ];
        for v in vals {
            out.push_str(&format!(" {}", rpad(&v, 7)));
        }
        out.push('\n');
    }
    if t.hops.is_empty() {
        out.push_str(&format!("     {}\n", w.no_hops));
    } else if !t.reached {
        out.push_str(&format!("     {}\n", w.not_reached));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{HopData, RoundInfo};

    #[test]
    fn table_lines() {
        let a = "10.0.1.1".parse().unwrap();
        let d = "10.0.2.2".parse().unwrap();
        let t = TraceData {
            target: "srv".into(),
            address: d,
            protocol: "icmp".into(),
            started_at: "2026-11-21T00:00:00Z".into(),
            round_ms: 1000,
            reached: true,
            rounds: vec![RoundInfo { index: 0, at_ms: 1000.0 }],
            hops: vec![
                HopData::from_samples(1, vec![(a, 1)], vec![Some(0.25)], 1),
                HopData::from_samples(2, vec![(d, 1)], vec![Some(0.5)], 1),
            ],
        };
        let s = table(&t, Lang::En);
        assert!(s.starts_with("ecs-doctor trace srv (10.0.2.2)"), "{s}");
        assert!(s.contains("  1. 10.0.1.1"), "{s}");
        assert!(s.contains("  2. 10.0.2.2"), "{s}");
        assert!(table(&t, Lang::ZhCn).contains("丢包%"));
    }
}
