//! sshd's words in a real journal: journal files written by `systemd-journal-remote` from
//! export-format input, read by ecs-doctor through `--root` (journalctl -D on the root's
//! /var/log/journal) and through the live path (the system's journal, pointed at the test's
//! directory by ECS_DOCTOR_JOURNAL_DIR). The input is the real-log corpus read in place
//! (../shared/corpus/real-logs, never copied into the project), its times shifted to end a
//! minute ago; the ground truth is computed here from loghub's own labels (the event template
//! of each line), not by the tool's parser.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const JOURNAL_REMOTE: &str = "/lib/systemd/systemd-journal-remote";

pub fn corpus(rel: &str) -> PathBuf {
    project_dir().join("../shared/corpus/real-logs").join(rel)
}

/// One journal entry: its time (Unix µs), pid and message.
pub struct Entry {
    pub usec: i64,
    pub pid: u32,
    pub message: String,
}

/// Writes `entries` as sshd's journal entries into `dir/<machine-id>/remote.journal` with
/// systemd-journal-remote; returns whether it could (false: skipped, the tool is missing).
pub fn write_journal(dir: &Path, entries: &[Entry]) -> bool {
    if !require(
        Path::new(JOURNAL_REMOTE).exists(),
        "systemd-journal-remote is not installed (apt-get install systemd-journal-remote)",
    ) {
        return false;
    }
    let machine = dir.join("0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&machine).expect("mkdir journal");
    let mut export = String::new();
    for (i, e) in entries.iter().enumerate() {
        export.push_str(&format!(
            "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n\
             _HOSTNAME=lab\n_COMM=sshd\nSYSLOG_IDENTIFIER=sshd\n_PID={}\n_SYSTEMD_UNIT=ssh.service\nPRIORITY=6\nMESSAGE={}\n\n",
            e.usec,
            1_000_000 + i,
            e.pid,
            e.message.replace('\n', " ")
        ));
    }
    let input = dir.join("input.export");
    std::fs::write(&input, export).expect("write export");
    let out = Command::new(JOURNAL_REMOTE)
        .arg(format!("--output={}", machine.join("remote.journal").display()))
        .arg(&input)
        .output()
        .expect("systemd-journal-remote");
    assert!(out.status.success(), "systemd-journal-remote: {}", stderr(&out));
    assert!(stderr(&out).contains(&format!("writing {} entries", entries.len())), "{}", stderr(&out));
    std::fs::remove_file(&input).expect("rm export");
    true
}

/// `Dec 10 06:55:46 LabSZ sshd[24200]: message` → (seconds since the year's start, pid, message).
fn syslog_line(line: &str) -> Option<(i64, u32, String)> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut parts = line.splitn(5, ' ').filter(|p| !p.is_empty());
    let name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == name)? as i64;
    let day: i64 = parts.next()?.parse().ok()?;
    let hms: Vec<i64> = parts.next()?.split(':').filter_map(|x| x.parse().ok()).collect();
    let rest = line.split_once(" sshd[")?.1;
    let (pid, message) = rest.split_once("]: ")?;
    let t = ((month * 31 + day) * 24 + hms.first()?) * 3600 + hms.get(1)? * 60 + hms.get(2)?;
    Some((t, pid.parse().ok()?, message.to_string()))
}

/// The corpus log's sshd lines as entries, shifted so the newest is a minute ago.
fn shifted(log: &str) -> Vec<Entry> {
    let lines: Vec<(i64, u32, String)> = log.lines().filter_map(syslog_line).collect();
    let newest = lines.iter().map(|l| l.0).max().unwrap_or(0);
    let now = jiff::Timestamp::now().as_microsecond();
    lines
        .into_iter()
        .map(|(t, pid, message)| Entry { usec: now - 60_000_000 - (newest - t) * 1_000_000, pid, message })
        .collect()
}

/// The failures per address sec.auth.bruteforce reports (its warn findings and their metrics).
fn reported(r: &serde_json::Value) -> (BTreeMap<String, u64>, f64) {
    let c = check(r, "sec.auth.bruteforce");
    let mut got = BTreeMap::new();
    for (k, v) in c["metrics"].as_object().expect("metrics") {
        if let Some(addr) = k.strip_prefix("failures[").and_then(|k| k.strip_suffix(']')) {
            got.insert(addr.to_string(), v.as_f64().unwrap_or(0.0) as u64);
        }
    }
    (got, c["metrics"]["total_failures"].as_f64().unwrap_or(-1.0))
}

#[test]
fn loghub_brute_force_found_in_a_real_journal_by_root_and_live_path() {
    let Ok(log) = std::fs::read_to_string(corpus("loghub/OpenSSH_2k.log")) else {
        require(false, "the real-log corpus ../shared/corpus/real-logs is not there");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let journal = root.join("var/log/journal");
    if !write_journal(&journal, &shifted(&log)) {
        return;
    }
    let truth = crate::integration::corpus::loghub_openssh_truth();
    let total: u64 = truth.values().sum();
    let mut top: Vec<(&String, &u64)> = truth.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: BTreeMap<String, u64> = top.into_iter().take(10).map(|(a, n)| (a.clone(), *n)).collect();
    let over: Vec<&String> = truth.iter().filter(|(_, n)| **n >= 20).map(|(a, _)| a).collect();
    assert!(over.len() >= 3, "the corpus holds a brute-force wave: {truth:?}");

    // Through --root: journalctl -D on the root's journal.
    let Some((r, _)) = run_json(&root, &["--only", "sec.auth.bruteforce"]) else { return };
    let (got, got_total) = reported(&r);
    assert_eq!(got, top, "failures per address, the top 10: {:#}", check(&r, "sec.auth.bruteforce"));
    assert_eq!(got_total, total as f64, "every failure counted");
    let c = check(&r, "sec.auth.bruteforce");
    assert_eq!(c["status"], "warn", "{c:#}");
    let mut warned: Vec<String> = c["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "warn")
        .filter_map(|f| f["subject"].as_str().map(str::to_string))
        .collect();
    warned.sort();
    assert_eq!(warned.iter().collect::<Vec<_>>(), over, "every source at or above 20, and only those");
    assert!(c["findings"].to_string().contains("journalctl -D "), "{c:#}");

    // The live path: the system's journal, here the test's directory.
    if Path::new("/var/log/auth.log").exists() || Path::new("/var/log/secure").exists() {
        eprintln!("SKIPPED the live half: this machine has an auth log, which the live path reads instead");
        return;
    }
    let Some(mut cmd) = doctor_cmd(&["run", "--format", "json", "--no-save", "--only", "sec.auth.bruteforce"]) else {
        return;
    };
    let out = cmd.env("ECS_DOCTOR_JOURNAL_DIR", &journal).output().expect("ecs-doctor");
    let r = valid_report(&stdout(&out));
    let (got, got_total) = reported(&r);
    assert_eq!((got, got_total), (top, total as f64), "the live path counts the same");
}
