//! One Nagios plugin status line with performance data, for monitoring agents that run ecs-doctor
//! as a plugin (the exit status already follows the convention).

use super::{OverallStatus, Report, Status};

/// Most failing checks named on the status line; the rest are counted.
const NAMED: usize = 5;

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let word = match s.status {
        OverallStatus::Ok => "OK",
        OverallStatus::Warn => "WARNING",
        OverallStatus::Crit => "CRITICAL",
        OverallStatus::Unknown => "UNKNOWN",
    };
    let mut failing: Vec<_> =
        report.checks.iter().filter(|c| matches!(c.status, Status::Crit | Status::Warn | Status::Error)).collect();
    failing.sort_by_key(|c| std::cmp::Reverse(c.status));
    let mut parts: Vec<String> = failing
        .iter()
        .take(NAMED)
        .map(|c| format!("{} {}: {}", c.id, status_word(c.status), c.summary.replace('|', "/").replace('\n', " ")))
        .collect();
    if failing.len() > NAMED {
        parts.push(format!("and {} more", failing.len() - NAMED));
    }
    let text = if parts.is_empty() { format!("{} checks passed", s.counts.ok) } else { parts.join("; ") };
    let c = &s.counts;
    format!(
        "ECS-DOCTOR {word} - {text} | score={};;;0;100 ok={} warn={} crit={} error={} skipped={} duration={:.3}s\n",
        crate::fmt::format_num(s.score),
        c.ok,
        c.warn,
        c.crit,
        c.error,
        c.skipped,
        report.run.duration_ms as f64 / 1000.0
    )
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Crit => "CRITICAL",
        Status::Warn => "WARNING",
        Status::Error => "UNKNOWN",
        Status::Ok => "OK",
        Status::Skipped => "SKIPPED",
    }
}
