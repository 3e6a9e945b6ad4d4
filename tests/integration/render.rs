//! Snapshots of the rendered terminal report, from a saved fixture report (fixed times and host).

use crate::common::*;

fn render(args: &[&str]) -> String {
    let report = project_dir().join("tests/fixtures/reports/mixed.json");
    let mut full = vec!["report", report.to_str().expect("p")];
    full.extend_from_slice(args);

    doctor(&full).map(|o| stdout(&o)).unwrap_or_default()
}

#[test]
fn text_report_snapshot() {
    let text = render(&[]);
    if text.is_empty() {
        return;
    }
    insta::assert_snapshot!(text);
}

#[test]
fn text_report_snapshot_zh() {
    let text = render(&["--lang", "zh-CN"]);
    if text.is_empty() {
        return;
    }
    insta::assert_snapshot!(text);
}

#[test]
fn fixture_report_is_valid() {
    let text = std::fs::read_to_string(project_dir().join("tests/fixtures/reports/mixed.json")).expect("fixture");
    valid_report(&text);
}

#[test]
fn markdown_report_snapshot() {
    let text = render(&["--format", "markdown"]);
    if text.is_empty() {
        return;
    }
    // Evidence is fenced, and table cells cannot be broken by a '|' in a summary.
    assert!(text.contains("```text\n  /etc/resolv.conf:4: nameserver 8.8.8.8\n  ```"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn prometheus_report_snapshot() {
    let text = render(&["--format", "prometheus"]);
    if text.is_empty() {
        return;
    }
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').expect("series value");
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(series.starts_with("ecs_doctor_"), "{line}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn nagios_line_snapshot() {
    let text = render(&["--format", "nagios"]);
    if text.is_empty() {
        return;
    }
    assert_eq!(text.lines().count(), 1);
    assert_eq!(text.matches('|').count(), 1, "exactly one perf-data separator: {text}");
    insta::assert_snapshot!(text);
}
