//! The node_exporter textfile-collector format: one gauge per check status and per metric, with
//! `id` and `category` labels, so a fleet's monitoring can alert on any check.

use super::{Report, Status};
use std::fmt::Write as _;

/// Label values escape backslash, double quote and newline.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { "NaN".into() }
}

pub fn status_value(s: Status) -> i32 {
    match s {
        Status::Ok => 0,
        Status::Warn => 1,
        Status::Crit => 2,
        Status::Error => 3,
        Status::Skipped => -1,
    }
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "# HELP ecs_doctor_check_status Status of a check: 0 ok, 1 warn, 2 crit, 3 error, -1 skipped.");
    let _ = writeln!(out, "# TYPE ecs_doctor_check_status gauge");
    for c in &report.checks {
        let _ = writeln!(
            out,
            "ecs_doctor_check_status{{id=\"{}\",category=\"{}\"}} {}",
            label(&c.id),
            label(&c.category),
            status_value(c.status)
        );
    }
    let _ = writeln!(out, "# HELP ecs_doctor_check_metric A number measured by a check.");
    let _ = writeln!(out, "# TYPE ecs_doctor_check_metric gauge");
    for c in &report.checks {
        for (name, v) in &c.metrics {
            let _ = writeln!(
                out,
                "ecs_doctor_check_metric{{id=\"{}\",category=\"{}\",metric=\"{}\"}} {}",
                label(&c.id),
                label(&c.category),
                label(name),
                number(*v)
            );
        }
    }
    let s = &report.summary;
    let _ = writeln!(out, "# HELP ecs_doctor_score Health score, 0 to 100.");
    let _ = writeln!(out, "# TYPE ecs_doctor_score gauge");
    let _ = writeln!(out, "ecs_doctor_score {}", number(s.score));
    let _ = writeln!(out, "# HELP ecs_doctor_checks Checks by status in the last run.");
    let _ = writeln!(out, "# TYPE ecs_doctor_checks gauge");
    let c = &s.counts;
    for (name, n) in [("ok", c.ok), ("warn", c.warn), ("crit", c.crit), ("error", c.error), ("skipped", c.skipped)] {
        let _ = writeln!(out, "ecs_doctor_checks{{status=\"{name}\"}} {n}");
    }
    let _ = writeln!(out, "# HELP ecs_doctor_run_duration_seconds How long the last run took.");
    let _ = writeln!(out, "# TYPE ecs_doctor_run_duration_seconds gauge");
    let _ = writeln!(out, "ecs_doctor_run_duration_seconds {}", number(report.run.duration_ms as f64 / 1000.0));
    if let Ok(ts) = report.run.finished_at.parse::<jiff::Timestamp>() {
        let _ = writeln!(out, "# HELP ecs_doctor_last_run_timestamp_seconds When the last run finished (Unix time).");
        let _ = writeln!(out, "# TYPE ecs_doctor_last_run_timestamp_seconds gauge");
        let _ = writeln!(out, "ecs_doctor_last_run_timestamp_seconds {}", ts.as_second());
    }
    out
}
