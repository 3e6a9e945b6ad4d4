//! Fleet delivery: the summary line (`--format summary-json`) and its size bound, `--output-dir`,
//! and `--upload-url` against a real HTTP server that lives in the same private network namespace
//! as the tool (so the PUT never leaves that namespace's loopback).

use crate::common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const MAX_LINE: usize = 24_000;

fn line_of(out: &std::process::Output) -> serde_json::Value {
    let text = stdout(out);
    assert!(text.len() <= MAX_LINE, "summary line is {} bytes", text.len());
    assert!(text.ends_with('\n') && text.matches('\n').count() == 1, "not one line: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(v["schema"], "ecs-doctor/summary/v1");
    v
}

fn failing_ids(report: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<(u8, usize, String)> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let rank = match c["status"].as_str()? {
                "crit" => 0,
                "warn" => 1,
                "error" => 2,
                _ => return None,
            };
            // Root causes first: a consequence of another failing check comes after every root.
            let consequence = c["consequence_of"].as_array().is_some_and(|a| !a.is_empty());
            Some((rank + if consequence { 10 } else { 0 }, i, c["id"].as_str()?.to_string()))
        })
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, _, id)| id).collect()
}

#[test]
fn summary_line_matches_the_full_report() {
    for root in ["broken", "degraded", "healthy"] {
        let root = fixture_root(root);
        let Some((report, code)) = run_json(&root, &[]) else { return };
        let Some(out) =
            doctor(&["run", "--format", "summary-json", "--no-save", "--root", root.to_str().expect("utf-8")])
        else {
            return;
        };
        assert_eq!(out.status.code(), Some(code), "same exit status as the full run: {}", stderr(&out));
        let line = line_of(&out);
        assert_eq!(line["host"], report["host"]["hostname"]);
        assert_eq!(line["status"], report["summary"]["status"]);
        assert_eq!(line["score"].as_f64(), report["summary"]["score"].as_f64());
        assert_eq!(line["counts"], report["summary"]["counts"]);
        assert_eq!(line["truncated"], false);
        let ids: Vec<String> = line["failing"]
            .as_array()
            .expect("failing")
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, failing_ids(&report));
        for f in line["failing"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap();
            let full = check(&report, id);
            assert_eq!(f["findings"].as_u64(), Some(full["findings"].as_array().map_or(0, |a| a.len()) as u64));
            if let Some(subject) = f["subject"].as_str() {
                assert!(subjects(&report, id).iter().any(|s| s == subject), "{id}: {subject}");
            }
        }
    }
}

#[test]
fn summary_line_with_thousands_of_findings_from_a_real_run() {
    // 3000 fstab entries whose devices do not exist: disk.fstab.entries reports thousands of findings.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let st = Command::new("cp").arg("-r").arg(format!("{}/.", fixture_root("healthy").display())).arg(root).status();
    assert!(st.unwrap().success());
    let mut fstab = std::fs::read_to_string(root.join("etc/fstab")).unwrap();
    for i in 0..3000 {
        fstab.push_str(&format!("/dev/vdz{i} /mnt/{}{i} ext4 defaults 0 2\n", "m".repeat(40)));
    }
    std::fs::write(root.join("etc/fstab"), fstab).unwrap();
    let r = root.to_str().unwrap();
    let Some((report, code)) = run_json(root, &["--only", "disk.fstab.entries"]) else { return };
    assert!(check(&report, "disk.fstab.entries")["findings"].as_array().unwrap().len() >= 3000);
    let Some(out) =
        doctor(&["run", "--format", "summary-json", "--no-save", "--only", "disk.fstab.entries", "--root", r])
    else {
        return;
    };
    assert_eq!(out.status.code(), Some(code));
    let line = line_of(&out);
    assert_eq!(line["truncated"], true, "the subject list was cut");
    assert_eq!(line["failing"][0]["findings"].as_u64(), Some(6000));
}

/// A saved report with 400 failing checks of 25 findings each, long multi-byte messages with
/// control characters: even at the hardest level of shortening checks must be left out.
fn huge_report(path: &Path) {
    let text = std::fs::read_to_string(project_dir().join("tests/fixtures/reports/mixed.json")).unwrap();
    let mut r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let message = "磁盘已满\u{1}\"\\ ".repeat(400);
    let checks: Vec<serde_json::Value> = (0..400)
        .map(|i| {
            let findings: Vec<serde_json::Value> = (0..25)
                .map(|j| serde_json::json!({"severity": "crit", "message": message, "subject": format!("/srv/{i}/{j}/{}", "d".repeat(150))}))
                .collect();
            serde_json::json!({
                "id": format!("sys.generated.{}{i:04}", "c".repeat(40)), "category": "sys", "title": "generated",
                "status": if i % 2 == 0 { "crit" } else { "warn" }, "summary": message, "findings": findings,
                "duration_ms": 1
            })
        })
        .collect();
    r["checks"] = serde_json::Value::Array(checks);
    r["host"]["cloud"]["instance_id"] = "i-bp1huge".into();
    let body = serde_json::to_string_pretty(&r).unwrap();
    valid_report(&body);
    std::fs::write(path, body).unwrap();
}

#[test]
fn summary_line_size_bound_with_a_generated_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    huge_report(&path);
    let p = path.to_str().unwrap();
    let Some(a) = doctor(&["report", p, "--format", "summary-json"]) else { return };
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let line = line_of(&a);
    assert_eq!(line["truncated"], true);
    assert_eq!(line["instance_id"], "i-bp1huge");
    let kept = line["failing"].as_array().unwrap().len() as u64;
    let omitted = line["omitted"].as_u64().unwrap();
    assert!(omitted > 0 && kept > 0, "kept {kept}, omitted {omitted}");
    assert_eq!(kept + omitted, 400);
    // Crit checks first; the same input gives the same line.
    let first_warn = line["failing"].as_array().unwrap().iter().position(|f| f["status"] == "warn");
    assert!(first_warn.is_none_or(|i| i as u64 >= kept.min(200)));
    let Some(b) = doctor(&["report", p, "--format", "summary-json"]) else { return };
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn output_dir_gets_the_full_report() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("collect/reports");
    let root = fixture_root("degraded");
    let Some(out) = doctor(&[
        "run",
        "--format",
        "summary-json",
        "--no-save",
        "--root",
        root.to_str().unwrap(),
        "--output-dir",
        out_dir.to_str().unwrap(),
        "-o",
        dir.path().join("line.json").to_str().unwrap(),
    ]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let line = line_of(&out);
    assert_eq!(std::fs::read(dir.path().join("line.json")).unwrap(), out.stdout, "-o gets the same line");
    let files: Vec<PathBuf> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let path = &files[0];
    let name = path.file_name().unwrap().to_str().unwrap();
    assert_eq!(name, format!("web-1_{}.json", line["run_id"].as_str().unwrap()));
    assert_eq!(line["report"].as_str(), path.to_str());
    assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600);
    let report = valid_report(&std::fs::read_to_string(path).unwrap());
    assert_eq!(report["run"]["id"], line["run_id"]);
}

#[test]
fn bad_upload_url_is_a_usage_error() {
    let root = fixture_root("healthy");
    let Some(out) = doctor(&["run", "--no-save", "--root", root.to_str().unwrap(), "--upload-url", "ftp://x/y"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("--upload-url"), "{}", stderr(&out));
}

/// A PUT server for the upload tests (python3's http.server): answers `fail` first PUTs with
/// 503 (or every PUT with 403 when `fail` is -1), then stores the body; logs each request.
const PUT_SERVER: &str = r#"
import http.server, os, sys
fail, out, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
count = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        global count
        count += 1
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        with open(os.path.join(out, 'log'), 'a') as f:
            f.write('%d %s ctype=%s\n' % (count, self.path, self.headers.get('Content-Type')))
        code = 403 if fail < 0 else (503 if count <= fail else 200)
        if code == 200:
            with open(os.path.join(out, 'body'), 'wb') as f:
                f.write(body)
        self.send_response(code)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(('127.0.0.1', port), H)
open(os.path.join(out, 'ready'), 'w').close()
s.serve_forever()
"#;

/// How to enter a fresh network and PID namespace: when the shell that runs the scenario ends,
/// every process in it (the server too) is killed with it, and nothing can reach another network.
fn private_ns() -> Option<Vec<&'static str>> {
    let candidates: [&[&str]; 2] = [
        &["unshare", "--net", "--pid", "--fork"],
        &["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork"],
    ];
    candidates
        .into_iter()
        .find(|p| Command::new(p[0]).args(&p[1..]).arg("true").output().is_ok_and(|o| o.status.success()))
        .map(|p| p.to_vec())
}

struct UploadRun {
    code: i32,
    stderr: String,
    line: serde_json::Value,
    log: Vec<String>,
    body: Option<String>,
    local: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

/// Runs, inside one private namespace, the PUT server (unless `server` is None) started after
/// `delay_s`, and ecs-doctor uploading to it.
fn upload_scenario(server: Option<(i32, f64)>) -> Option<UploadRun> {
    let has_python = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !require(has_python, "python3 is needed for the HTTP PUT server of the upload tests") {
        return None;
    }
    let Some(prefix) = private_ns() else {
        require(false, "cannot create a network namespace (unshare --net --pid)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("server.py"), PUT_SERVER).unwrap();
    let local = d.join("local");
    let url = "http://127.0.0.1:8080/bucket/reports/web-1.json?OSSAccessKeyId=test&Expires=1&Signature=c2VjcmV0";
    let start_server = match server {
        Some((fail, delay)) => format!(
            "(sleep {delay}; exec python3 \"$D/server.py\" {fail} \"$D\" 8080) &\n\
             if [ {delay} = 0 ]; then i=0; while [ ! -e \"$D/ready\" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; fi\n"
        ),
        None => String::new(),
    };
    let script = format!(
        "set -u\nip link set lo up || exit 90\n{start_server}\
         \"$BIN\" run --format summary-json --no-save --root \"$ROOT\" --output-dir \"$D/local\" --upload-url \"$URL\" \
         >\"$D/stdout\" 2>\"$D/stderr\"\necho $? >\"$D/code\"\n"
    );
    let status = Command::new(prefix[0])
        .args(&prefix[1..])
        .args(["sh", "-c", &script])
        .env("D", d)
        .env("BIN", BIN)
        .env("ROOT", fixture_root("degraded"))
        .env("URL", url)
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env_remove("ECS_DOCTOR_UPLOAD_URL")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .status()
        .expect("spawn unshare");
    assert!(status.success(), "scenario shell failed: {status:?}");
    let read = |n: &str| std::fs::read_to_string(d.join(n)).ok();
    let out = read("stdout").unwrap_or_default();
    assert!(out.len() <= MAX_LINE);
    let line: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out:?} {:?}", read("stderr")));
    let mut local: Vec<PathBuf> =
        std::fs::read_dir(&local).map(|r| r.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
    local.sort();
    Some(UploadRun {
        code: read("code").and_then(|c| c.trim().parse().ok()).unwrap_or(-1),
        stderr: read("stderr").unwrap_or_default(),
        line,
        log: read("log").map(|l| l.lines().map(str::to_string).collect()).unwrap_or_default(),
        body: read("body"),
        local,
        _dir: dir,
    })
}

#[test]
fn upload_retries_5xx_until_the_server_accepts() {
    let Some(r) = upload_scenario(Some((2, 0.0))) else { return };
    // The diagnosis's exit status (degraded: warn) is what the run returns.
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.log.len(), 3, "two 503s then a 200: {:?}\n{}", r.log, r.stderr);
    assert!(
        r.log.iter().all(|l| l.contains("/bucket/reports/web-1.json?") && l.ends_with("ctype=None")),
        "{:?}",
        r.log
    );
    assert_eq!(r.stderr.matches("retrying").count(), 2, "{}", r.stderr);
    assert_eq!(r.line["upload"], "ok");
    // The uploaded body is the full report, the same as the local copy, and the signature is
    // neither in the report nor on stderr.
    let body = r.body.expect("uploaded body");
    let uploaded = valid_report(&body);
    assert_eq!(r.local.len(), 1);
    let local = std::fs::read_to_string(&r.local[0]).unwrap();
    assert_eq!(body, local);
    assert_eq!(uploaded["run"]["id"], r.line["run_id"]);
    assert!(!body.contains("c2VjcmV0") && !r.stderr.contains("c2VjcmV0"), "signature leaked");
    assert!(uploaded["run"]["argv"].to_string().contains("[REDACTED:signed-query]"));
}

#[test]
fn upload_retries_a_refused_connection() {
    // The server only starts listening 1.2 s after the tool: the first attempts are refused.
    let Some(r) = upload_scenario(Some((0, 1.2))) else { return };
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.line["upload"], "ok", "{}", r.stderr);
    assert!(r.stderr.contains("cannot connect"), "{}", r.stderr);
    assert_eq!(r.log.len(), 1, "{:?}", r.log);
    assert!(r.body.is_some());
}

#[test]
fn upload_gives_up_and_keeps_the_local_copy() {
    let Some(r) = upload_scenario(Some((100, 0.0))) else { return };
    assert_eq!(r.code, 1, "a failed upload does not change the diagnosis exit status: {}", r.stderr);
    assert_eq!(r.log.len(), 4, "four attempts: {:?}", r.log);
    assert_eq!(r.line["upload"], "failed");
    assert!(r.stderr.contains("could not upload the report") && r.stderr.contains("HTTP 503"), "{}", r.stderr);
    assert!(r.stderr.contains("local copy is kept"), "{}", r.stderr);
    assert_eq!(r.local.len(), 1);
    valid_report(&std::fs::read_to_string(&r.local[0]).unwrap());
    assert_eq!(
        r.line["report"].as_str().map(|p| p.ends_with(r.local[0].file_name().unwrap().to_str().unwrap())),
        Some(true)
    );
}

#[test]
fn upload_rejected_is_not_retried() {
    let Some(r) = upload_scenario(Some((-1, 0.0))) else { return };
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.log.len(), 1, "403 is final: {:?}", r.log);
    assert_eq!(r.line["upload"], "failed");
    assert!(r.stderr.contains("HTTP 403"), "{}", r.stderr);
    assert!(!r.stderr.contains("retrying"), "{}", r.stderr);
}

/// A copy of a fixture root whose host name is `name` (fixture roots all call themselves web-1).
pub fn named_root(fixture: &str, name: &str, into: &Path) -> PathBuf {
    let root = into.join(name);
    std::fs::create_dir_all(&root).unwrap();
    let st = Command::new("cp").arg("-r").arg(format!("{}/.", fixture_root(fixture).display())).arg(&root).status();
    assert!(st.unwrap().success(), "cp -r {fixture}");
    write(&root.join("proc/sys/kernel/hostname"), &format!("{name}\n"));
    root
}

type Groups<K> = std::collections::BTreeMap<K, Vec<String>>;

/// Which hosts each failing check and each (check, subject) hits, from full reports.
pub fn expected_groups(reports: &[serde_json::Value]) -> (Groups<String>, Groups<(String, String)>) {
    let mut by_check: Groups<String> = Default::default();
    let mut by_subject: Groups<(String, String)> = Default::default();
    for r in reports {
        let host = r["host"]["hostname"].as_str().unwrap().to_string();
        for id in failing_ids(r) {
            by_check.entry(id.clone()).or_default().push(host.clone());
            let mut seen = Vec::new();
            for s in subjects(r, &id) {
                if !seen.contains(&s) {
                    seen.push(s.clone());
                    by_subject.entry((id.clone(), s)).or_default().push(host.clone());
                }
            }
        }
    }
    for v in by_check.values_mut().chain(by_subject.values_mut()) {
        v.sort();
    }
    (by_check, by_subject)
}

#[test]
fn fleet_summarize_groups_hosts_and_skips_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hosts = [
        ("healthy", "app-1"),
        ("broken", "db-1"),
        ("degraded", "web-2"),
        ("sec-ssh-weak", "bastion"),
        ("broken", "db-2"),
    ];
    let reports_dir = d.join("collected");
    let mut reports = Vec::new();
    let mut lines = String::new();
    for (i, (fixture, name)) in hosts.iter().enumerate() {
        let root = named_root(fixture, name, &d.join("roots"));
        let Some((report, _)) = run_json(&root, &[]) else { return };
        reports.push(report);
        // Some hosts deliver full reports, some summary lines, one both.
        let r = root.to_str().unwrap();
        if i % 2 == 0 {
            let out_dir = reports_dir.join(name);
            let out = doctor(&[
                "run",
                "--no-save",
                "--format",
                "summary-json",
                "--root",
                r,
                "--output-dir",
                out_dir.to_str().unwrap(),
            ])
            .unwrap();
            if i == 0 {
                lines.push_str(&stdout(&out));
            }
        } else {
            let out = doctor(&["run", "--no-save", "--format", "summary-json", "--root", r]).unwrap();
            lines.push_str("Report saved to /somewhere\n");
            lines.push_str(&stdout(&out));
        }
    }
    std::fs::write(d.join("lines.jsonl"), &lines).unwrap();
    // A report cut in the middle, a file that is not JSON, a foreign JSON document, a missing path.
    let some_report = std::fs::read_dir(reports_dir.join("db-2")).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&some_report).unwrap();
    std::fs::write(reports_dir.join("cut.json"), &text[..text.len() / 2]).unwrap();
    std::fs::write(reports_dir.join("garbage.json"), "\u{0}\u{1}binary").unwrap();
    std::fs::write(reports_dir.join("other.json"), "{\n  \"hello\": 1\n}\n").unwrap();
    let missing = d.join("missing.json");

    let args = |format: &str| -> Vec<String> {
        vec![
            "fleet".into(),
            "summarize".into(),
            "--format".into(),
            format.into(),
            "--top".into(),
            "1000".into(),
            reports_dir.display().to_string(),
            d.join("lines.jsonl").display().to_string(),
            missing.display().to_string(),
        ]
    };
    let a = args("json");
    let Some(out) = doctor(&a.iter().map(String::as_str).collect::<Vec<_>>()) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(s["schema"], "ecs-doctor/fleet-summary/v1");
    assert_eq!(s["hosts"]["total"], 5);
    assert_eq!(s["inputs"]["duplicate_runs"], 1, "app-1's report and summary line are one run");
    let bad: Vec<String> =
        s["inputs"]["unreadable"].as_array().unwrap().iter().map(|u| u["path"].as_str().unwrap().to_string()).collect();
    for name in ["cut.json", "garbage.json", "other.json", "missing.json"] {
        assert!(bad.iter().any(|p| p.ends_with(name)), "{name} not reported: {bad:?}");
    }
    let cut = s["inputs"]["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["path"].as_str().unwrap().ends_with("cut.json"))
        .unwrap();
    assert_eq!(cut["truncated"], true);
    assert!(stderr(&out).contains("cut.json"), "skipped files are named on stderr");

    let (by_check, by_subject) = expected_groups(&reports);
    let problems = s["problems"].as_array().unwrap();
    assert_eq!(problems.len(), by_check.len());
    for p in problems {
        let mut names: Vec<String> =
            p["host_names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
        names.sort();
        assert_eq!(Some(&names), by_check.get(p["check"].as_str().unwrap()), "{p}");
        assert_eq!(p["hosts"].as_u64(), Some(names.len() as u64));
    }
    // Ranked by how many hosts a problem hits.
    let counts: Vec<u64> = problems.iter().map(|p| p["hosts"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    for g in s["subjects"].as_array().unwrap() {
        let key = (g["check"].as_str().unwrap().to_string(), g["subject"].as_str().unwrap().to_string());
        let mut names: Vec<String> =
            g["host_names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
        names.sort();
        assert_eq!(Some(&names), by_subject.get(&key), "{g}");
    }
    // Both broken hosts share the same crit problems; the worst hosts start with them.
    let worst: Vec<&str> = s["worst"].as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(&worst[..2], ["db-1", "db-2"]);
    assert!(!worst.contains(&"app-1"), "a healthy host is no outlier");

    for format in ["text", "markdown", "html"] {
        let a = args(format);
        let out = doctor(&a.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
        assert_eq!(out.status.code(), Some(0));
        let body = stdout(&out);
        assert!(body.contains("db-1") && body.contains("sec.accounts.uid0"), "{format}: {body}");
        assert!(body.contains("cut.json"), "{format} lists skipped files");
        if format == "html" {
            assert!(body.starts_with("<!DOCTYPE html>") && body.contains("<style>") && body.contains("<table>"));
        }
    }
}

#[test]
fn fleet_summarize_with_nothing_readable_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.json"), "{\"schema\": \"nope\"}").unwrap();
    let Some(out) = doctor(&["fleet", "summarize", dir.path().to_str().unwrap()]) else { return };
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("no report or summary line could be read"), "{}", stderr(&out));
}

/// contrib/cloud-assistant/run.sh as Cloud Assistant would run it (here in a private network
/// namespace, against fixture roots), then collect.sh against a stand-in `aliyun` that serves the
/// outputs, Base64-encoded, over two pages as DescribeInvocationResults does.
#[test]
fn cloud_assistant_scripts_run_and_collect() {
    let has = |t: &str| {
        Command::new("sh").arg("-c").arg(format!("command -v {t}")).output().is_ok_and(|o| o.status.success())
    };
    if !require(has("jq") && has("base64") && has("bash"), "jq, base64 and bash are needed by collect.sh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = project_dir().join("contrib/cloud-assistant/run.sh");
    let mut results = Vec::new();
    for (i, (fixture, name)) in [("broken", "ca-1"), ("degraded", "ca-2"), ("healthy", "ca-3")].iter().enumerate() {
        let root = named_root(fixture, name, &d.join("roots"));
        let out_dir = d.join("instance").join(name);
        // run.sh execs ecs-doctor: run it where ecs-doctor may run, in a fresh network namespace.
        let Some(prefix) = private_ns() else {
            require(false, "cannot create a network namespace (unshare --net --pid)");
            return;
        };
        let mut cmd = Command::new(prefix[0]);
        cmd.args(&prefix[1..]).arg("sh").arg(&script);
        let out = cmd
            .env("BIN", BIN)
            .env("OUT_DIR", &out_dir)
            .env("ARGS", format!("--no-save --root {}", root.display()))
            .env("NO_COLOR", "1")
            .env_remove("ECS_DOCTOR_UPLOAD_URL")
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        assert!((0..=3).contains(&code), "{}", stderr(&out));
        let line = line_of(&out);
        assert_eq!(line["host"], *name);
        assert!(
            std::fs::read_dir(&out_dir).unwrap().any(|e| e.unwrap().path().extension().is_some_and(|x| x == "json"))
        );
        let encoded = Command::new("base64")
            .arg("-w0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(&out.stdout).unwrap();
                String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
            })
            .unwrap();
        results.push(serde_json::json!({"InstanceId": format!("i-ca{i}"), "InvocationStatus": "Failed", "ExitCode": code, "Output": encoded, "Dropped": 0}));
    }
    results.push(serde_json::json!({"InstanceId": "i-ca9", "InvocationStatus": "Running", "Output": ""}));
    // Stand-in aliyun CLI: page 1 without --NextToken, page 2 with it.
    let page1 =
        serde_json::json!({"Invocation": {"InvocationResults": {"InvocationResult": results[..2]}}, "NextToken": "p2"});
    let page2 =
        serde_json::json!({"Invocation": {"InvocationResults": {"InvocationResult": results[2..]}}, "NextToken": ""});
    let bin = d.join("bin");
    write(&d.join("page1.json"), &page1.to_string());
    write(&d.join("page2.json"), &page2.to_string());
    write(
        &bin.join("aliyun"),
        &format!(
            "#!/bin/sh\necho \"$@\" >> {log}\ncase \"$*\" in *NextToken*) cat {p2} ;; *) cat {p1} ;; esac\n",
            log = d.join("aliyun.log").display(),
            p1 = d.join("page1.json").display(),
            p2 = d.join("page2.json").display()
        ),
    );
    std::os::unix::fs::symlink(BIN, bin.join("ecs-doctor")).unwrap();
    std::fs::set_permissions(bin.join("aliyun"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let collected = d.join("collected");
    let out = Command::new("bash")
        .arg(project_dir().join("contrib/cloud-assistant/collect.sh"))
        .args(["cn-hangzhou", "t-test"])
        .arg(&collected)
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stderr(&out), stdout(&out));
    let calls = std::fs::read_to_string(d.join("aliyun.log")).unwrap();
    assert_eq!(calls.lines().count(), 2, "two pages: {calls}");
    assert!(calls.contains("DescribeInvocationResults --RegionId cn-hangzhou --InvokeId t-test"), "{calls}");
    assert!(stderr(&out).contains("i-ca9: still Running"), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("3 hosts"), "{text}");
    assert!(text.contains("sec.accounts.uid0") && text.contains("ca-1"), "{text}");
    assert!(collected.join("fleet-summary.html").is_file());
}
