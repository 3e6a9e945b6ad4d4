//! The HTML report in a real browser: headless Chromium (Debian `chromium`) opens the rendered
//! page from a file:// URL inside its own empty network namespace, with a fresh profile. The
//! findings must be in the rendered DOM and the page must log nothing to the console: it has no
//! script, so any console line (an error, a Content-Security-Policy violation, a blocked load)
//! is a defect. A control page that does log an error proves the console scan sees errors.
//! A screenshot goes to the test's temporary directory; `UPDATE_SCREENSHOT=1` copies it to
//! docs/report.png, the picture in the README.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The flags the issue prescribes (the machine has no internet; nothing may phone home).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().map(PathBuf::from).find(|p| p.exists())
}

/// What Chromium printed for one page.
struct Visit {
    stdout: String,
    stderr: String,
}

impl Visit {
    /// Console messages of the page (Chromium logs them as `CONSOLE` lines with --enable-logging).
    /// Messages of Chromium's own pages (`source: chrome://...`, such as "Slow network is detected"
    /// from its UI components on a loaded machine) are not the page's and are left out.
    fn console(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.contains(":CONSOLE") && !l.contains("source: chrome://")).collect()
    }
}

/// Runs Chromium on a local file inside a fresh network namespace with a fresh profile, bounded
/// by `timeout`, with extra arguments (`--dump-dom`, `--screenshot=...`).
fn visit(page: &Path, extra: &[&str]) -> Visit {
    let profile = tempfile::tempdir().expect("profile dir");
    let url = format!("file://{}", page.display());
    let mut cmd = Command::new("unshare");
    if !is_root() {
        cmd.args(["--user", "--map-root-user"]);
    }
    cmd.args(["--net", "timeout", "--kill-after=5", "90"]).arg(chromium().expect("chromium")).args(FLAGS);
    cmd.arg(format!("--user-data-dir={}", profile.path().display()));
    cmd.args(["--enable-logging=stderr", "--v=0"]).args(extra).arg(&url);
    // No proxy or display from the caller's environment.
    cmd.env_remove("http_proxy").env_remove("https_proxy").env_remove("DISPLAY").env("HOME", profile.path());
    let out = cmd.output().expect("run chromium");
    let visit = Visit { stdout: stdout(&out), stderr: stderr(&out) };
    assert!(out.status.success(), "chromium failed ({:?}):\n{}", out.status, visit.stderr);
    visit
}

fn can_run() -> bool {
    require(chromium().is_some(), "Debian package chromium is not installed (apt-get install chromium)")
        && require(
            Command::new("unshare").args(["--net", "true"]).status().is_ok_and(|s| s.success())
                || Command::new("unshare")
                    .args(["--user", "--map-root-user", "--net", "true"])
                    .status()
                    .is_ok_and(|s| s.success()),
            "cannot create a network namespace (unshare --net) to run chromium in",
        )
}

/// Renders a fixture report as HTML into a file and returns the file and the report.
fn html_of(fixture: &str) -> Option<(PathBuf, serde_json::Value)> {
    let src = project_dir().join("tests/fixtures/reports").join(fixture);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&src).expect("fixture")).expect("fixture json");
    let page = scratch_dir().join(fixture.replace(".json", ".html"));
    let out = doctor(&["report", src.to_str().expect("p"), "--format", "html", "-o", page.to_str().expect("p")])?;
    assert!(out.status.success(), "{}", stderr(&out));
    Some((page, report))
}

/// How a text node's content appears in serialised HTML.
fn serialised(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\u{a0}', "&nbsp;")
}

fn assert_rendered(fixture: &str) {
    let Some((page, report)) = html_of(fixture) else { return };
    let v = visit(&page, &["--dump-dom"]);
    let dom = &v.stdout;
    assert!(dom.contains("</main>"), "the page did not render:\n{dom}\n{}", v.stderr);
    assert!(v.console().is_empty(), "console messages from {fixture}:\n{}", v.console().join("\n"));
    assert!(!dom.contains("<script"), "a script element in the rendered page");
    let mut seen = 0;
    for check in report["checks"].as_array().expect("checks") {
        let id = check["id"].as_str().expect("id");
        assert!(dom.contains(id), "check {id} is not in the page");
        for f in check["findings"].as_array().into_iter().flatten() {
            let message = f["message"].as_str().expect("message");
            assert!(dom.contains(&serialised(message)), "finding {message:?} of {id} is not in the page");
            for line in f["evidence"].as_array().into_iter().flatten() {
                let line = line.as_str().expect("evidence");
                assert!(dom.contains(&serialised(line)), "evidence {line:?} of {id} is not in the page");
            }
            seen += 1;
        }
    }
    assert!(seen > 0, "the fixture has findings");
    // Every traced path (net.path.loss keeps its rounds) is drawn as a heatmap with a cell per
    // hop and round.
    let traces: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .flat_map(|c| c["traces"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(
        dom.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\"").count(),
        traces.len(),
        "{dom}"
    );
    for t in traces {
        let target = t["target"].as_str().expect("target");
        assert!(dom.contains(&format!("on the path to {target}: green fast")), "no heatmap of {target}");
    }
}

#[test]
fn html_report_renders_in_chromium_with_a_clean_console() {
    if !can_run() {
        return;
    }
    assert_rendered("showcase.json");
    // Hostile text (script tags, attribute breakers) stays text in a real browser too.
    assert_rendered("charts.json");
}

#[test]
fn console_scan_sees_errors() {
    if !can_run() {
        return;
    }
    let page = scratch_dir().join("console-control.html");
    write(
        &page,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>control</p>\
         <script>console.error(\"control-error\")</script></body></html>",
    );
    let v = visit(&page, &["--dump-dom"]);
    assert!(v.stdout.contains("control"), "{}", v.stdout);
    assert!(v.console().iter().any(|l| l.contains("control-error")), "console error not seen:\n{}", v.stderr);
}

#[test]
fn html_report_screenshot() {
    if !can_run() {
        return;
    }
    let Some((page, _)) = html_of("showcase.json") else { return };
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{}.png", std::process::id()));
    let _ = std::fs::remove_file(&shot);
    let v = visit(&page, &[&format!("--screenshot={}", shot.display()), "--window-size=900,1500", "--hide-scrollbars"]);
    assert!(v.console().is_empty(), "console messages:\n{}", v.console().join("\n"));
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot {} ({e}):\n{}", shot.display(), v.stderr));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes(png[16..20].try_into().expect("w"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("h"));
    assert_eq!((width, height), (900, 1500));
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(&shot, project_dir().join("docs/report.png")).expect("copy to docs/report.png");
    }
    let _ = std::fs::remove_file(&shot);
}

/// The phone the layout is checked on (an iPhone 12-15's CSS viewport).
const PHONE: (u32, u32) = (390, 844);

/// Lays `html` out at the phone's width in Chromium and returns (document width, viewport
/// width). The page has no script and its Content-Security-Policy forbids one, so the measured
/// copy drops the policy and logs the widths to the console when the screenshot resizes the
/// window to the phone's width.
fn phone_widths(html: &str, name: &str) -> (u32, u32) {
    let csp_start = html.find("<meta http-equiv=\"Content-Security-Policy\"");
    let html = match csp_start {
        Some(i) => {
            let end = i + html[i..].find('>').expect("meta end") + 1;
            format!("{}{}", &html[..i], &html[end..])
        }
        None => html.to_string(),
    };
    let script = "<script>addEventListener(\"resize\", () => console.log(\"layout \" + \
                  document.documentElement.scrollWidth + \" \" + innerWidth))</script></body>";
    let page = scratch_dir().join(format!("measure-{name}.html"));
    write(&page, &html.replacen("</body>", script, 1));
    let shot = scratch_dir().join(format!("measure-{name}.png"));
    let size = format!("--window-size={},{}", PHONE.0, PHONE.1);
    let v = visit(&page, &[&format!("--screenshot={}", shot.display()), &size, "--hide-scrollbars"]);
    let widths: Vec<(u32, u32)> = v
        .console()
        .iter()
        .filter_map(|l| {
            let rest = &l[l.find("\"layout ")? + 8..];
            let mut nums = rest.split(['"', ' ']).filter_map(|n| n.parse().ok());
            Some((nums.next()?, nums.next()?))
        })
        .collect();
    let last = *widths.last().unwrap_or_else(|| panic!("no layout measured for {name}:\n{}", v.stderr));
    assert_eq!(last.1, PHONE.0, "the viewport is the phone's width: {widths:?}");
    last
}

#[test]
fn html_report_fits_a_phone_screen() {
    if !can_run() {
        return;
    }
    // The measurement sees a page wider than the phone.
    let wide = "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
                <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
                <body><div style=\"width:600px\">wide</div></body></html>";
    let (doc, view) = phone_widths(wide, "control");
    assert!(doc > view, "a 600 px element must overflow a {view} px screen ({doc})");
    // The reports do not scroll sideways: long paths, evidence, code, tables, charts and the
    // heatmap all fit or wrap.
    for fixture in ["showcase.json", "charts.json", "mixed.json"] {
        let Some((page, _)) = html_of(fixture) else { return };
        let html = std::fs::read_to_string(&page).expect("html");
        let (doc, view) = phone_widths(&html, fixture);
        assert!(doc <= view, "{fixture}: the page is {doc} px wide on a {view} px phone");
    }
    // And the real page (with its policy) renders at that size with a clean console.
    let Some((page, _)) = html_of("showcase.json") else { return };
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("report-phone-{}.png", std::process::id()));
    let _ = std::fs::remove_file(&shot);
    let size = format!("--window-size={},{}", PHONE.0, PHONE.1);
    let v = visit(&page, &[&format!("--screenshot={}", shot.display()), &size, "--hide-scrollbars"]);
    assert!(v.console().is_empty(), "console messages:\n{}", v.console().join("\n"));
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot {} ({e}):\n{}", shot.display(), v.stderr));
    let width = u32::from_be_bytes(png[16..20].try_into().expect("w"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("h"));
    assert_eq!((width, height), PHONE);
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(&shot, project_dir().join("docs/report-phone.png")).expect("copy to docs/report-phone.png");
    }
    let _ = std::fs::remove_file(&shot);
}
