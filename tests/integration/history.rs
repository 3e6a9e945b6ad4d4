//! History, diff, trends and retention, from saved fixture reports (tests/fixtures/history: an ok
//! run, a warn run and a crit run a day apart) and from live runs next to crafted history.

use crate::common::*;
use std::path::Path;

fn history_dir() -> std::path::PathBuf {
    project_dir().join("tests/fixtures/history")
}

fn run_ok(args: &[&str]) -> Option<String> {
    let out = doctor(args)?;
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    Some(stdout(&out))
}

#[test]
fn history_fixtures_are_valid_reports() {
    for e in std::fs::read_dir(history_dir()).expect("dir") {
        valid_report(&std::fs::read_to_string(e.expect("e").path()).expect("read"));
    }
}

#[test]
fn history_lists_runs_oldest_first() {
    let dir = history_dir();
    let Some(text) = run_ok(&["history", "--dir", dir.to_str().expect("p")]) else { return };
    insta::assert_snapshot!(text);
    let Some(json) = run_ok(&["history", "--dir", dir.to_str().expect("p"), "--format", "json"]) else { return };
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 3);
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().expect("s")).collect();
    assert_eq!(statuses, ["ok", "warn", "crit"]);
    assert_eq!(rows[2]["score"], 42.0);
    assert_eq!(rows[2]["counts"]["crit"], 2);
}

#[test]
fn diff_defaults_to_latest_against_last_ok() {
    let dir = history_dir();
    let Some(text) = run_ok(&["diff", "--dir", dir.to_str().expect("p")]) else { return };
    assert!(text.contains("ecs-doctor-20261118T030000-aaaa0001.json"), "{text}");
    insta::assert_snapshot!(text);
    let Some(json) = run_ok(&["diff", "--dir", dir.to_str().expect("p"), "--format", "json"]) else { return };
    let d: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(d["from"]["status"], "ok");
    assert_eq!(d["to"]["status"], "crit");
    let changed: Vec<String> = d["status_changes"]
        .as_array()
        .expect("a")
        .iter()
        .map(|c| format!("{} {}->{}", c["id"], c["from"], c["to"]).replace('"', ""))
        .collect();
    assert_eq!(changed, ["disk.usage.space ok->crit", "net.dns.resolv-conf ok->warn", "sec.accounts.uid0 ok->crit"]);
    assert_eq!(d["new_findings"].as_array().expect("a").len(), 4);
    let metrics: Vec<&str> =
        d["metric_changes"].as_array().expect("a").iter().map(|m| m["metric"].as_str().expect("m")).collect();
    assert!(metrics.contains(&"used_percent[/data]"), "{metrics:?}");
}

#[test]
fn diff_of_two_named_reports_shows_resolved_and_changed_findings() {
    let dir = history_dir();
    let Some(json) = run_ok(&[
        "diff",
        "--dir",
        dir.to_str().expect("p"),
        "ecs-doctor-20261119T030000-aaaa0002.json",
        dir.join("ecs-doctor-20261120T030000-aaaa0003.json").to_str().expect("p"),
        "--format",
        "json",
    ]) else {
        return;
    };
    let d: serde_json::Value = serde_json::from_str(&json).expect("json");
    let resolved = &d["resolved_findings"];
    assert_eq!(resolved.as_array().expect("a").len(), 1, "{d:#}");
    assert_eq!(resolved[0]["id"], "sys.memory.available");
    let changed = &d["changed_findings"][0];
    assert_eq!(changed["subject"], "/data");
    assert_eq!(changed["severity"], "crit");
    assert_eq!(changed["before"]["severity"], "warn");
}

#[test]
fn diff_without_an_ok_run_compares_the_last_two_runs_and_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().to_str().expect("p");
    for name in ["ecs-doctor-20261119T030000-aaaa0002.json", "ecs-doctor-20261120T030000-aaaa0003.json"] {
        std::fs::copy(history_dir().join(name), tmp.path().join(name)).expect("copy");
    }
    let Some(text) = run_ok(&["diff", "--dir", dir]) else { return };
    let first = text.lines().next().unwrap_or_default();
    assert!(first.contains("no earlier run with status ok") && first.contains("comparing the last two runs"), "{text}");
    let from = text.lines().find(|l| l.starts_with("From:")).unwrap_or_default();
    let to = text.lines().find(|l| l.starts_with("To:")).unwrap_or_default();
    assert!(from.contains("aaaa0002.json") && from.contains("warn"), "{text}");
    assert!(to.contains("aaaa0003.json") && to.contains("crit"), "{text}");
    let Some(json) = run_ok(&["diff", "--dir", dir, "--format", "json"]) else { return };
    let d: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(d["baseline"], "previous");
    assert_eq!(d["from"]["status"], "warn");
    assert_eq!(d["to"]["status"], "crit");
    assert_eq!(d["resolved_findings"][0]["id"], "sys.memory.available", "{d:#}");
    // With an ok run the default stays "since it last worked".
    let Some(json) = run_ok(&["diff", "--dir", history_dir().to_str().expect("p"), "--format", "json"]) else { return };
    let d: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(d["baseline"], "last_ok");
    // One run or none: nothing to compare, a usage error naming what to do.
    std::fs::remove_file(tmp.path().join("ecs-doctor-20261119T030000-aaaa0002.json")).expect("rm");
    let Some(out) = doctor(&["diff", "--dir", dir]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("fewer than two saved reports"), "{}", stderr(&out));
    let empty = tempfile::tempdir().expect("tmp");
    let Some(out) = doctor(&["diff", "--dir", empty.path().to_str().expect("p")]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("fewer than two saved reports"), "{}", stderr(&out));
}

/// Writes a past report of the live host: `base` with its start time and the free bytes metric
/// `key` (`avail_bytes[/data]`) changed, named as ecs-doctor names saved reports.
fn write_past(dir: &Path, base: &serde_json::Value, ago_s: i64, key: &str, avail: f64, n: u32) {
    let t = jiff::Timestamp::now().as_second() - ago_s;
    let ts = jiff::Timestamp::from_second(t).expect("t");
    let mut r = base.clone();
    r["run"]["started_at"] = ts.to_string().into();
    let space =
        r["checks"].as_array_mut().expect("checks").iter_mut().find(|c| c["id"] == "disk.usage.space").expect("space");
    space["metrics"][key] = avail.into();
    let stamp = ts.strftime("%Y%m%dT%H%M%S").to_string();
    write(&dir.join(format!("ecs-doctor-{stamp}-past{n:04}.json")), &serde_json::to_string(&r).expect("json"));
}

#[test]
fn live_run_forecasts_when_a_filesystem_fills() {
    let reports = tempfile::tempdir().expect("tmp");
    let live = |dir: &Path| -> Option<serde_json::Value> {
        let mut cmd = doctor_cmd(&["run", "--only", "disk.usage.space", "--format", "json", "--no-save"])?;
        let out = cmd.env("ECS_DOCTOR_REPORT_DIR", dir).output().expect("run");
        Some(valid_report(&stdout(&out)))
    };
    let Some(first) = live(reports.path()) else { return };
    let space = check(&first, "disk.usage.space");
    assert!(
        space["findings"]
            .as_array()
            .is_none_or(|f| f.iter().all(|f| !f["message"].as_str().unwrap_or("").contains("at the current rate")))
    );
    // The mount with the most free space, so a few megabytes written meanwhile do not matter.
    let metrics = space["metrics"].as_object().expect("metrics");
    let Some((mount, avail)) = metrics
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("avail_bytes[")?.strip_suffix(']')?.to_string(), v.as_f64()?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        require(false, "this machine reports no filesystem with free space");
        return;
    };
    // Two and one days ago the mount had 2/3 and 1/3 of today's free space more: at that rate
    // it fills in about 3 days, a warning.
    let key = format!("avail_bytes[{mount}]");
    write_past(reports.path(), &first, 2 * 86_400, &key, avail * 5.0 / 3.0, 1);
    write_past(reports.path(), &first, 86_400, &key, avail * 4.0 / 3.0, 2);
    let Some(second) = live(reports.path()) else { return };
    let space = check(&second, "disk.usage.space");
    let f = space["findings"]
        .as_array()
        .and_then(|fs| {
            fs.iter().find(|f| {
                f["subject"] == mount.as_str()
                    && f["message"].as_str().is_some_and(|m| m.contains("at the current rate"))
            })
        })
        .unwrap_or_else(|| panic!("no forecast for {mount}: {space:#}"));
    assert_eq!(
        f["message"].as_str().expect("m").split(" at ").next(),
        Some(format!("{mount} full in about 3 days").as_str()),
        "{f:#}"
    );
    assert_eq!(f["severity"], "warn");
    assert_ne!(space["status"], "ok");
    assert_eq!(f["evidence"].as_array().expect("e").len(), 3, "{f:#}");
    // A --root run is another system: the live host's history gives it no trend.
    let root = fixture_root("healthy");
    let mut cmd =
        doctor_cmd(&["run", "--root", root.to_str().expect("p"), "--format", "json", "--no-save"]).expect("cmd");
    let out = cmd.env("ECS_DOCTOR_REPORT_DIR", reports.path()).output().expect("run");
    assert!(!stdout(&out).contains("at the current rate"), "{}", stdout(&out));
}

#[test]
fn retention_keeps_the_newest_reports() {
    // A --root run saves and prunes among the reports of examined systems (examined/); the live
    // host's history beside them is never pruned by it.
    let live = tempfile::tempdir().expect("tmp");
    let reports = live.path().join("examined");
    std::fs::create_dir_all(&reports).expect("mkdir");
    for e in std::fs::read_dir(history_dir()).expect("dir") {
        let e = e.expect("e");
        std::fs::copy(e.path(), reports.join(e.file_name())).expect("copy");
        std::fs::copy(e.path(), live.path().join(e.file_name())).expect("copy");
    }
    std::fs::write(reports.join("notes.txt"), "mine").expect("write");
    let config = reports.join("config.toml");
    std::fs::write(&config, "[history]\nkeep = 2\nmax_age_days = 100000\n").expect("config");
    let root = fixture_root("healthy");
    let Some(mut cmd) =
        doctor_cmd(&["run", "--root", root.to_str().expect("p"), "--config", config.to_str().expect("p"), "-q"])
    else {
        return;
    };
    let out = cmd.env("ECS_DOCTOR_REPORT_DIR", live.path()).output().expect("run");
    assert!(out.status.code().is_some_and(|c| c < 4), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(&reports)
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The newest fixture and the run just saved; the older two went; other files stay.
    assert_eq!(names.len(), 5, "{names:?}");
    assert_eq!(&names[..2], ["config.toml", "ecs-doctor-20261120T030000-aaaa0003.json"], "{names:?}");
    assert!(names[2].starts_with("ecs-doctor-") && names[3] == "latest.json" && names[4] == "notes.txt", "{names:?}");
    let mut live_names: Vec<String> = std::fs::read_dir(live.path())
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    live_names.sort();
    let mut fixtures: Vec<String> = std::fs::read_dir(history_dir())
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    fixtures.push("examined".into());
    fixtures.sort();
    assert_eq!(live_names, fixtures, "the live history is untouched");
}

#[test]
fn diff_compares_runs_of_the_same_system_only() {
    // An ok run of a rescued disk examined with --root sits between the live host's ok run and its
    // latest (saved there by an earlier version): the live host's last ok run is still the baseline.
    let tmp = tempfile::tempdir().expect("tmp");
    for e in std::fs::read_dir(history_dir()).expect("dir") {
        let e = e.expect("e");
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).expect("copy");
    }
    let ok = std::fs::read_to_string(history_dir().join("ecs-doctor-20261118T030000-aaaa0001.json")).expect("read");
    let mut rescued: serde_json::Value = serde_json::from_str(&ok).expect("json");
    rescued["run"]["root"] = "/mnt/rescue".into();
    rescued["run"]["started_at"] = "2026-11-19T12:00:00.000Z".into();
    rescued["run"]["finished_at"] = "2026-11-19T12:00:01.000Z".into();
    write(
        &tmp.path().join("ecs-doctor-20261119T120000-bbbb0001.json"),
        &serde_json::to_string(&rescued).expect("json"),
    );
    let dir = tmp.path().to_str().expect("p");
    let Some(json) = run_ok(&["diff", "--dir", dir, "--format", "json"]) else { return };
    let d: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(d["baseline"], "last_ok", "{d:#}");
    assert_eq!(d["from"]["file"], "ecs-doctor-20261118T030000-aaaa0001.json", "{d:#}");
    assert_eq!(d["to"]["file"], "ecs-doctor-20261120T030000-aaaa0003.json", "{d:#}");
    // A rescued disk's latest run with no earlier run of that disk: nothing to compare it with.
    rescued["run"]["started_at"] = "2026-11-21T12:00:00.000Z".into();
    write(
        &tmp.path().join("ecs-doctor-20261121T120000-bbbb0002.json"),
        &serde_json::to_string(&rescued).expect("json"),
    );
    std::fs::remove_file(tmp.path().join("ecs-doctor-20261119T120000-bbbb0001.json")).expect("rm");
    let Some(out) = doctor(&["diff", "--dir", dir]) else { return };
    assert_eq!(out.status.code(), Some(64), "{}", stdout(&out));
    assert!(stderr(&out).contains("fewer than two saved reports"), "{}", stderr(&out));
}

#[test]
fn bad_history_settings_are_an_error_with_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let config = tmp.path().join("c.toml");
    std::fs::write(&config, "deadline = 10\n\n[history]\nkeep = 0\n").expect("config");
    let Some(out) = doctor(&["history", "--config", config.to_str().expect("p")]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("c.toml:3:") && stderr(&out).contains("keep must be at least 1"), "{}", stderr(&out));
    std::fs::write(&config, "[history]\nkep = 3\n").expect("config");
    let Some(out) = doctor(&["history", "--config", config.to_str().expect("p")]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("c.toml:2:1"), "{}", stderr(&out));
}

#[test]
fn forecast_names_the_only_filesystem() {
    // A system with one filesystem (its root): the metrics still name it, so the forecast says
    // "/ full in ...", and a report from before, which named a single filesystem's metrics
    // plainly (`avail_bytes`), still counts.
    let root = tempfile::tempdir().expect("root");
    write(&root.path().join("proc/self/mountinfo"), "22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n");
    let reports = tempfile::tempdir().expect("reports");
    let r = root.path().to_str().expect("p");
    let run = || -> Option<serde_json::Value> {
        let mut cmd = doctor_cmd(&["run", "--root", r, "--only", "disk.usage.space", "--format", "json", "--no-save"])?;
        let out = cmd.env("ECS_DOCTOR_REPORT_DIR", reports.path()).output().expect("run");
        Some(valid_report(&stdout(&out)))
    };
    let Some(first) = run() else { return };
    let metrics = check(&first, "disk.usage.space")["metrics"].clone();
    let avail = metrics["avail_bytes[/]"].as_f64().unwrap_or_else(|| panic!("keyed by mount: {metrics:#}"));
    assert!(metrics.get("avail_bytes").is_none(), "{metrics:#}");
    if !require(avail > 0.0, "the scratch filesystem has no free space") {
        return;
    }
    // Two days ago in the old, plain naming; one day ago in the new one.
    // The runs of a system examined with --root are kept in examined/ under the report directory.
    let examined = reports.path().join("examined");
    write_past(&examined, &first, 86_400, "avail_bytes[/]", avail * 4.0 / 3.0, 2);
    let mut old = first.clone();
    let space = old["checks"].as_array_mut().expect("checks").iter_mut().find(|c| c["id"] == "disk.usage.space");
    let m = space.expect("space")["metrics"].as_object_mut().expect("metrics");
    *m = m.iter().map(|(k, v)| (k.trim_end_matches("[/]").to_string(), v.clone())).collect();
    write_past(&examined, &old, 2 * 86_400, "avail_bytes", avail * 5.0 / 3.0, 1);
    let Some(second) = run() else { return };
    let space = check(&second, "disk.usage.space");
    let f = space["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["message"].as_str().is_some_and(|m| m.contains("at the current rate"))))
        .unwrap_or_else(|| panic!("no forecast: {space:#}"));
    assert_eq!(f["subject"], "/", "{f:#}");
    assert_eq!(f["message"].as_str().expect("m").split(" at ").next(), Some("/ full in about 3 days"), "{f:#}");
    assert_eq!(f["evidence"].as_array().expect("e").len(), 3, "both past runs count: {f:#}");
}
