//! `--lang zh-CN` leaves nothing a user reads in English: on every fixture root and on the live
//! system, each check's title and summary, every finding's message and the fix contain Chinese.
//! Skip reasons and probe failures are the usual leaks (they are built by probes, far from the
//! check files), so the roots that break the most probes matter most here.

use crate::common::*;

/// Han ideographs only: full-width punctuation around an English sentence is not Chinese.
fn has_han(s: &str) -> bool {
    s.chars().any(|c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F))
}

/// The English-only texts of a report, as `check id: field: text`. No allowlist is needed: no
/// fixture root carries an exec plugin (whose own output would be exempt), and paths, codes and
/// OS error text only ever appear inside a Chinese sentence.
fn english_texts(report: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for c in report["checks"].as_array().expect("checks") {
        let id = c["id"].as_str().unwrap_or("?");
        let mut look = |field: &str, v: &serde_json::Value| {
            if let Some(t) = v.as_str()
                && !has_han(t)
            {
                out.push(format!("{id}: {field}: {t}"));
            }
        };
        look("title", &c["title"]);
        look("summary", &c["summary"]);
        look("remediation", &c["remediation"]);
        for f in c["findings"].as_array().into_iter().flatten() {
            look("finding", &f["message"]);
        }
    }
    out
}

/// Words that are names, not English: programs and settings a Chinese sentence names as they are.
/// Everything else of two or more lowercase words in a row is an English phrase left in a
/// Chinese text (a probe's `not configured`, `filesystem error`).
const NAMES: &[&str] = &[
    "cloud-init",
    "ecs-doctor",
    "iptables-save",
    "ip6tables-save",
    "prohibit-password",
    "systemd-resolved",
    "systemd-timesyncd",
    "without-password",
];

/// Runs of two or more lowercase English words in a Chinese text. Not words: what is inside
/// backticks or `[REDACTED:...]`, paths, flags, settings (`PermitRootLogin yes` starts with a
/// capital, `timeout:30` has a digit), the names above, and the operating system's own error text
/// (`No such file or directory (os error 2)`: the system's words, quoted like a log line).
fn english_runs(text: &str) -> Vec<String> {
    static STRIP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"`[^`]*`|\[REDACTED:[^\]]*\]|[A-Z][A-Za-z ,']*\(os error \d+\)").expect("regex")
    });
    let text = STRIP.replace_all(text, " ");
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut end = |run: &mut Vec<&str>| {
        if run.len() >= 2 {
            runs.push(run.join(" "));
        }
        run.clear();
    };
    // Tokens: ASCII stretches split at spaces; a Chinese character or punctuation ends a run.
    for piece in text.split(|c: char| !c.is_ascii() || matches!(c, ',' | ';' | ':' | '(' | ')' | '"' | '=')) {
        for token in piece.split(' ') {
            let word = !token.is_empty()
                && token.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '\'')
                && !token.starts_with('-')
                && !NAMES.contains(&token);
            if word {
                run.push(token);
            } else if !token.is_empty() {
                end(&mut run);
            }
        }
        end(&mut run);
    }
    runs
}

#[test]
fn english_runs_are_found() {
    // The detector itself: these are the leaks this file guards against, and what is not one.
    assert_eq!(english_runs("SELinux：disabled（配置：not configured）"), ["not configured"]);
    assert_eq!(english_runs("3 条错误（I/O error, filesystem error）"), ["filesystem error"]);
    assert_eq!(english_runs("无法读取 /etc/passwd：No such file or directory (os error 2)"), Vec::<String>::new());
    assert_eq!(
        english_runs("设置了 `PasswordAuthentication no`，PermitRootLogin prohibit-password"),
        Vec::<String>::new()
    );
    assert_eq!(english_runs("由 systemd-resolved 或 cloud-init 管理；请用 --metadata-url 指定"), Vec::<String>::new());
}

fn roots() -> Vec<std::path::PathBuf> {
    let mut roots: Vec<_> = std::fs::read_dir(project_dir().join("tests/fixtures/roots"))
        .expect("fixture roots")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    roots.sort();
    roots
}

#[test]
fn every_text_of_every_fixture_root_is_chinese() {
    let roots = roots();
    assert!(roots.len() >= 10, "fixture roots missing: {roots:?}");
    let mut english = Vec::new();
    let mut skipped_or_failed = 0;
    for root in &roots {
        let Some((report, _)) = run_json(root, &["--lang", "zh-CN"]) else { return };
        let name = root.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        skipped_or_failed += report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["status"] == "skipped" || c["status"] == "error")
            .count();
        english.extend(english_texts(&report).into_iter().map(|t| format!("{name}: {t}")));
    }
    // The roots exercise the probes' own reasons, not only the check files' texts.
    assert!(skipped_or_failed >= 30, "only {skipped_or_failed} skipped or failed checks: the roots changed");
    assert!(english.is_empty(), "English under --lang zh-CN:\n{}", english.join("\n"));
}

#[test]
fn no_english_phrase_in_chinese_texts_of_any_fixture_root() {
    // A Chinese sentence with an English phrase inside (a probe's value such as `not configured`
    // or `remounted read-only`) passes the test above; this one reads the phrases. Fixture roots
    // only: the live system's log lines and unit descriptions are quoted in findings as they are.
    let mut english = Vec::new();
    for root in roots() {
        let Some((report, _)) = run_json(&root, &["--lang", "zh-CN"]) else { return };
        let name = root.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        for c in report["checks"].as_array().expect("checks") {
            let id = c["id"].as_str().unwrap_or("?");
            let texts = std::iter::once(&c["summary"])
                .chain(c["findings"].as_array().into_iter().flatten().map(|f| &f["message"]));
            for t in texts.filter_map(|t| t.as_str()) {
                for run in english_runs(t) {
                    english.push(format!("{name}: {id}: {run:?} in {t}"));
                }
            }
        }
    }
    english.dedup();
    assert!(english.is_empty(), "English phrases under --lang zh-CN:\n{}", english.join("\n"));
}

#[test]
fn every_text_of_the_live_system_is_chinese() {
    // The local domains: the network checks would ask the loopback-only namespace for nothing.
    let Some(out) = doctor(&[
        "run",
        "--lang",
        "zh-CN",
        "--format",
        "json",
        "--no-save",
        "--only",
        "disk",
        "--only",
        "sec",
        "--only",
        "sys",
    ]) else {
        return;
    };
    let report = valid_report(&stdout(&out));
    assert!(report["checks"].as_array().is_some_and(|a| a.len() >= 20), "{report:#}");
    let english = english_texts(&report);
    assert!(english.is_empty(), "English under --lang zh-CN on the live system:\n{}", english.join("\n"));
}

#[test]
fn english_stays_english() {
    // The same roots in English carry no Chinese: the catalogues are not mixed up.
    for name in ["broken", "ds-fstab", "corrupt"] {
        let Some((report, _)) = run_json(&fixture_root(name), &["--lang", "en"]) else { return };
        for c in report["checks"].as_array().expect("checks") {
            let summary = c["summary"].as_str().unwrap_or_default();
            assert!(!has_han(summary), "{name}: {}: {summary}", c["id"]);
        }
    }
}
