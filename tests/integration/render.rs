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

fn render_fixture(name: &str, args: &[&str]) -> String {
    let report = project_dir().join("tests/fixtures/reports").join(name);
    let mut full = vec!["report", report.to_str().expect("p")];
    full.extend_from_slice(args);
    doctor(&full).map(|o| stdout(&o)).unwrap_or_default()
}

#[test]
fn charts_fixture_report_is_valid() {
    let text = std::fs::read_to_string(project_dir().join("tests/fixtures/reports/charts.json")).expect("fixture");
    valid_report(&text);
}

/// The page loads nothing from anywhere: no script, no external URL in a src or href, and a
/// Content-Security-Policy that forbids it.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("Content-Security-Policy"), "{html}");
    assert!(!html.to_ascii_lowercase().contains("<script"), "a script element in the page");
    for attr in ["src=\"", "href=\"", "url("] {
        assert!(!html.contains(attr), "{attr} in the page: nothing may be loaded");
    }
}

#[test]
fn html_report_snapshot() {
    let html = render_fixture("charts.json", &["--format", "html"]);
    if html.is_empty() {
        return;
    }
    assert_self_contained(&html);
    // Every finding is there with its subject, code, evidence and fix, escaped.
    assert!(html.contains("/data is 97% full"), "{html}");
    assert!(html.contains("<code>ENOSPC</code>"), "{html}");
    assert!(html.contains("/proc/self/mountinfo: /dev/vdb1 on /data type ext4"), "{html}");
    assert!(html.contains("<code>du -xh --max-depth=2 &lt;mount&gt; | sort -h | tail</code>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(html.contains("x&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), "{html}");
    assert!(html.contains("&lt;/pre&gt;&lt;script&gt;alert(3)"), "{html}");
    assert!(html.contains("<h1>db-&lt;2&gt;</h1>"), "{html}");
    assert!(html.contains("instance_id i-bp1abcdefghijk"), "{html}");
    // Charts: disk usage per mount (the crit mount in red), resource pressure, per-hop latency.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 4, "{html}");
    assert!(html.contains("<title>/data: 97%</title>"), "{html}");
    assert!(html.contains("<title>4 203.0.113.7: 51.5 ms</title>"), "{html}");
    assert!(html.contains("<title>cpu: 100%</title>"), "{html}");
    insta::assert_snapshot!(html);
}

#[test]
fn html_report_of_the_mixed_fixture_snapshot() {
    let html = render(&["--format", "html"]);
    if html.is_empty() {
        return;
    }
    assert_self_contained(&html);
    assert!(html.contains("<details class=\"passing\">"), "{html}");
    insta::assert_snapshot!(html);
}

#[test]
fn html_report_in_chinese() {
    let html = render_fixture("charts.json", &["--format", "html", "--lang", "zh-CN"]);
    if html.is_empty() {
        return;
    }
    assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
    assert!(html.contains("如何修复"), "{html}");
    assert!(html.contains("主机"), "{html}");
}

#[test]
fn run_writes_html_with_output_file() {
    let out = scratch_dir().join("run-report.html");
    let root = fixture_root("degraded");
    let Some(o) = doctor(&[
        "run",
        "--no-save",
        "--root",
        root.to_str().expect("p"),
        "--format",
        "html",
        "-o",
        out.to_str().expect("p"),
    ]) else {
        return;
    };
    let html = std::fs::read_to_string(&out).expect("html written");
    assert_eq!(html, stdout(&o));
    assert_self_contained(&html);
    assert!(html.contains("net.dns.resolv-conf"), "{html}");
}

#[test]
fn markdown_report_in_chinese() {
    let text = render(&["--format", "markdown", "--lang", "zh-CN"]);
    if text.is_empty() {
        return;
    }
    for word in [
        "# ecs-doctor 诊断报告: web-1",
        "| 主机 | web-1 |",
        "| 操作系统 |",
        "| 状态 | 检查 | 摘要 |",
        "**如何修复:**",
        "项通过或跳过",
        "## 网络",
    ] {
        assert!(text.contains(word), "{word} missing:\n{text}");
    }
}
