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
    // Charts: disk usage per mount (the crit mount in red), resource pressure, and for each
    // traced target (net.path.loss from a lab run, two targets) the round trip per hop, named by
    // the hop's address from the trace, then the heatmap of its rounds; the destinations' loss
    // and average round trip side by side.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 7, "{html}");
    assert!(html.contains("<title>/data: 97%</title>"), "{html}");
    assert!(html.contains("<title>cpu: 100%</title>"), "{html}");
    assert!(html.contains("aria-label=\"Round trip to each hop on the path to 10.231.2.3\""), "{html}");
    assert!(html.contains("<title>2 10.231.2.3: 0.12 ms, 10% loss</title>"), "{html}");
    assert!(html.contains("<title>10.231.2.3: 10%</title>"), "{html}");
    assert_eq!(html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\"").count(), 2, "{html}");
    assert!(html.contains("<title>hop 1 · round 4 · no reply</title>"), "{html}");
    let (per_hop, heatmap) = (
        html.find("on the path to 10.231.2.3\"").expect("per-hop chart"),
        html.find("on the path to 10.231.2.3: green fast").expect("heatmap caption"),
    );
    assert!(per_hop < heatmap, "the heatmap follows its path's per-hop chart");
    // Its spread figures and counts are listed, not charted.
    assert!(html.contains("<dt>dest_jitter_ms[10.231.2.3]</dt><dd>0.1</dd>"), "{html}");
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

#[test]
fn showcase_fixture_report_with_a_trace_is_valid() {
    let text = std::fs::read_to_string(project_dir().join("tests/fixtures/reports/showcase.json")).expect("fixture");
    let report = valid_report(&text);
    assert!(check(&report, "net.path.loss")["traces"][0]["hops"][4]["samples_ms"].is_array(), "{report:#}");
}

#[test]
fn json_report_keeps_the_per_round_samples() {
    let json = render_fixture("showcase.json", &["--format", "json"]);
    if json.is_empty() {
        return;
    }
    let report = valid_report(&json);
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project_dir().join("tests/fixtures/reports/showcase.json")).expect("fixture"),
    )
    .expect("json");
    let traces = &check(&report, "net.path.loss")["traces"];
    assert_eq!(traces, &check(&fixture, "net.path.loss")["traces"]);
    assert_eq!(traces[0]["hops"][4]["samples_ms"][4], serde_json::Value::Null, "a lost round stays null");
}

#[test]
fn html_report_draws_the_path_of_a_single_target() {
    // One target: plain metric names (hop1_rtt_ms), the hop addresses from the trace.
    let html = render_fixture("showcase.json", &["--format", "html"]);
    if html.is_empty() {
        return;
    }
    assert_self_contained(&html);
    assert!(html.contains("aria-label=\"Round trip to each hop on the path to 203.0.113.7\""), "{html}");
    assert!(html.contains("<title>4 198.51.100.9: 29.0 ms, 60% loss</title>"), "{html}");
    assert!(html.contains("<text x=\"0\" y=\"93\">5 203.0.113.7</text>"), "{html}");
    assert_eq!(html.matches("class=\"heatmap\" width=").count(), 1, "{html}");
    assert!(html.contains("<title>hop 5 · round 6 · 55.7 ms</title>"), "{html}");
    // The hops' loss is in the tooltips, not in a chart of its own or the list.
    assert!(!html.contains("hop1 loss") && !html.contains("<dt>hop1_loss_percent"), "{html}");
    let zh = render_fixture("showcase.json", &["--format", "html", "--lang", "zh-CN"]);
    assert!(zh.contains("到 203.0.113.7 路径上各跳的往返时延"), "{zh}");
    assert!(zh.contains("节点 5 · 轮次 5 · 无应答"), "{zh}");
}

/// The mixed fixture with only its `error` check failing: the run is unknown, not warn or crit.
fn unknown_fixture() -> std::path::PathBuf {
    let text = std::fs::read_to_string(project_dir().join("tests/fixtures/reports/mixed.json")).expect("fixture");
    let mut report: serde_json::Value = serde_json::from_str(&text).expect("json");
    for c in report["checks"].as_array_mut().expect("checks") {
        if matches!(c["status"].as_str(), Some("warn" | "crit")) {
            c["status"] = "ok".into();
            c["findings"] = serde_json::json!([]);
        }
    }
    report["summary"]["status"] = "unknown".into();
    let path = scratch_dir().join("unknown.json");
    write(&path, &serde_json::to_string(&report).expect("json"));
    valid_report(&std::fs::read_to_string(&path).expect("read"));
    path
}

#[test]
fn next_steps_suggest_a_ticket_only_when_something_is_wrong() {
    let text = render(&[]);
    if text.is_empty() {
        return;
    }
    let steps = text.split("Next steps:").nth(1).expect("next steps");
    assert!(steps.contains("ecs-doctor explain ") && steps.contains("ecs-doctor ticket "), "{steps}");
    // A check that could not finish is worth explaining, not a ticket on its own.
    let path = unknown_fixture();
    let Some(o) = doctor(&["report", path.to_str().expect("p")]) else { return };
    let text = stdout(&o);
    let steps = text.split("Next steps:").nth(1).expect("next steps");
    assert!(steps.contains("ecs-doctor explain "), "{steps}");
    assert!(!steps.contains("ecs-doctor ticket"), "{steps}");
}

/// A check with many findings shows the worst five on the terminal and says how many more there
/// are; `-v` shows them all.
#[test]
fn text_report_shows_five_findings_per_check_unless_verbose() {
    let path = project_dir().join("tests/fixtures/reports/mixed.json");
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let checks = r["checks"].as_array_mut().expect("checks");
    let c = checks.iter_mut().find(|c| !c["findings"].as_array().expect("findings").is_empty()).expect("a finding");
    let template = c["findings"][0].clone();
    let findings: Vec<serde_json::Value> = (0..8)
        .map(|i| {
            let mut f = template.clone();
            f["message"] = format!("device number {i} failed").into();
            f
        })
        .collect();
    c["findings"] = findings.into();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("many.json");
    std::fs::write(&file, serde_json::to_string(&r).expect("json")).expect("write");
    valid_report(&std::fs::read_to_string(&file).expect("read"));
    let Some(out) = doctor(&["report", file.to_str().expect("p")]) else { return };
    let text = stdout(&out);
    assert!(text.contains("device number 4 failed") && !text.contains("device number 5 failed"), "{text}");
    assert!(text.contains("… +3 (-v)"), "{text}");
    let Some(out) = doctor(&["report", file.to_str().expect("p"), "-v"]) else { return };
    let text = stdout(&out);
    assert!(text.contains("device number 7 failed") && !text.contains("… +3 (-v)"), "{text}");
}
