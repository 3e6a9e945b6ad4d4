//! The run ends within --deadline even when a probe never returns. (The FUSE variant, a
//! filesystem whose statfs never answers, is in `lab`.)

use crate::common::*;
use crate::integration::cli::plugin_check;
use std::time::{Duration, Instant};

#[test]
fn a_plugin_that_sleeps_forever_does_not_hold_up_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = format!("{}.{}", 900 + std::process::id() % 97, std::process::id());
    write(
        &dir.path().join("sys/plugin.sleepy.toml"),
        &plugin_check("sys.plugin.sleepy", &["/bin/sh", "-c", &format!("sleep {marker}; echo never")], 3_600_000),
    );
    let root = fixture_root("healthy");
    let Some(mut cmd) = doctor_cmd(&[
        "run",
        "--format",
        "json",
        "--no-save",
        "--deadline",
        "2",
        "--root",
        root.to_str().expect("p"),
        "--checks-dir",
        dir.path().to_str().expect("p"),
        "--only",
        "sys",
    ]) else {
        return;
    };
    let started = Instant::now();
    let out = cmd.output().expect("run");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(3500), "the process took {elapsed:?} to exit with --deadline 2");
    let r = valid_report(&stdout(&out));
    let c = check(&r, "sys.plugin.sleepy");
    assert_eq!(c["status"], "error");
    assert_eq!(c["findings"][0]["code"], "ETIMEDOUT");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("timed out")), "{c:#}");
    // The other checks finished normally.
    assert_eq!(status_of(&r, "sys.memory.available"), "ok");
    assert_eq!(r["run"]["deadline_ms"], 2000);
    // And the plugin did not outlive the run.
    std::thread::sleep(Duration::from_millis(200));
    let ps = std::process::Command::new("ps").args(["-eo", "args"]).output().expect("ps");
    assert!(!String::from_utf8_lossy(&ps.stdout).contains(&format!("sleep {marker}")), "the plugin is still running");
}

#[test]
fn a_check_timeout_shorter_than_the_deadline_ends_that_check_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = plugin_check("sys.plugin.slow", &["/bin/sleep", "30"], 500);
    write(&dir.path().join("sys/plugin.slow.toml"), &body);
    let root = fixture_root("healthy");
    let started = Instant::now();
    let Some((r, code)) =
        run_json(&root, &["--deadline", "20", "--checks-dir", dir.path().to_str().expect("p"), "--only", "sys"])
    else {
        return;
    };
    assert!(started.elapsed() < Duration::from_secs(5));
    let c = check(&r, "sys.plugin.slow");
    assert_eq!(c["status"], "error");
    assert_eq!(c["findings"][0]["code"], "ETIMEDOUT");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("killed")), "{c:#}");
    assert_eq!(code, 3);
}
