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

/// One journal entry of a boot: (SYSLOG_IDENTIFIER, from the kernel?, message).
pub type BootLine<'a> = (&'a str, bool, &'a str);

/// The first entries of a boot.
pub const BOOTED: &[BootLine] = &[
    ("kernel", true, "Linux version 6.1.0-lab (debian-kernel@lists.debian.org)"),
    ("systemd", false, "Started ssh.service - OpenBSD Secure Shell server."),
];

/// The last entries of a boot that went down through the shutdown sequence.
pub const CLEAN_SHUTDOWN: &[BootLine] = &[
    ("systemd", false, "Stopping ssh.service - OpenBSD Secure Shell server..."),
    ("systemd-journald", false, "Journal stopped"),
];

pub fn now_usec() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Writes boots (boot id, first entry's time in Unix µs, entries one minute apart) as one
/// machine's journal into `dir/<machine-id>/system.journal` with systemd-journal-remote; returns
/// whether it could (false: skipped, the tool is missing).
pub fn write_boots(dir: &Path, boots: &[(&str, i64, &[BootLine])]) -> bool {
    if !require(Path::new(JOURNAL_REMOTE).exists(), "systemd-journal-remote is not installed") {
        return false;
    }
    let mut export = String::new();
    for (boot, start, entries) in boots {
        for (i, (ident, kernel, msg)) in entries.iter().enumerate() {
            let usec = start + i as i64 * 60_000_000;
            let transport = if *kernel { "kernel" } else { "journal" };
            export.push_str(&format!(
                "__REALTIME_TIMESTAMP={usec}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID={boot}\n_MACHINE_ID=0123456789abcdef0123456789abcdef\n\
                 _HOSTNAME=ecs-rescued\n_TRANSPORT={transport}\nSYSLOG_IDENTIFIER={ident}\nPRIORITY=4\nMESSAGE={msg}\n\n",
                1_000_000 + i as i64 * 60_000_000
            ));
        }
    }
    let machine = dir.join("0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&machine).expect("mkdir journal");
    let input = dir.join("input.export");
    std::fs::write(&input, export).expect("write export");
    let out = Command::new(JOURNAL_REMOTE)
        .arg(format!("--output={}", machine.join("system.journal").display()))
        .arg(&input)
        .output()
        .expect("systemd-journal-remote");
    assert!(out.status.success(), "systemd-journal-remote: {}", stderr(&out));
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

/// A pstore record as the kernel's ramoops backend shows it in /sys/fs/pstore after a panic: the
/// header pstore writes (`<reason>#<count> Part<n>`), then the kernel log's tail in syslog form
/// (`<level>[seconds] message`).
pub const RAMOOPS_PANIC: &str = "Panic#1 Part1\n\
<6>[ 4209.998001] sysrq: Trigger a crash\n\
<0>[ 4210.112301] Kernel panic - not syncing: sysrq triggered crash\n\
<4>[ 4210.112400] CPU: 1 PID: 4242 Comm: bash Not tainted 6.1.0-50-cloud-amd64 #1  Debian 6.1.158-1\n\
<4>[ 4210.112450] Hardware name: Alibaba Cloud Alibaba Cloud ECS, BIOS 449e491 04/01/2014\n\
<4>[ 4210.112500] Call Trace:\n\
<4>[ 4210.112510]  <TASK>\n\
<4>[ 4210.112520]  dump_stack_lvl+0x44/0x5c\n\
<4>[ 4210.112530]  panic+0x118/0x2ed\n\
<4>[ 4210.112540]  sysrq_handle_crash+0x16/0x20\n\
<4>[ 4210.112550]  __handle_sysrq.cold+0x43/0x11b\n\
<4>[ 4210.112560]  write_sysrq_trigger+0x24/0x40\n\
<4>[ 4210.112570]  </TASK>\n\
<0>[ 4210.113000] Kernel Offset: 0x1c000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)\n";

/// An Oops record of a crash long ago, still in the ramoops area.
pub const RAMOOPS_OLD_OOPS: &str = "Oops#1 Part1\n\
<1>[  100.000100] BUG: kernel NULL pointer dereference, address: 0000000000000008\n\
<4>[  100.000200] Oops: 0000 [#1] PREEMPT SMP NOPTI\n";

/// `ecs-doctor run --only sys.boot.previous` on this (live) system with its journal at `journal`.
fn live_previous_boot(journal: &Path) -> Option<serde_json::Value> {
    let mut cmd = doctor_cmd(&["run", "--format", "json", "--no-save", "--only", "sys.boot.previous"])?;
    let out = cmd.env(JOURNAL_DIR_ENV, journal).output().expect("ecs-doctor");
    Some(valid_report(&stdout(&out)))
}

const JOURNAL_DIR_ENV: &str = "ECS_DOCTOR_JOURNAL_DIR";

fn previous(r: &serde_json::Value) -> &serde_json::Value {
    check(r, "sys.boot.previous")["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == "previous boot"))
        .unwrap_or_else(|| panic!("no finding about the previous boot: {r:#}"))
}

#[test]
fn on_the_live_system_the_previous_boot_is_the_one_before_this_one_in_the_journal() {
    let now = now_usec();
    // The previous boot died in a kernel panic two hours ago; this boot (running for an hour)
    // had an OOM kill, which is not how the previous boot ended.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut prev = BOOTED.to_vec();
    prev.push(("kernel", true, "Kernel panic - not syncing: Fatal exception in interrupt"));
    let mut this = BOOTED.to_vec();
    this.push(("kernel", true, "Out of memory: Killed process 999 (stress) total-vm:2097152kB"));
    if !write_boots(
        dir.path(),
        &[
            ("3333333333333333333333333333aaaa", now - 7_200_000_000, &prev),
            ("4444444444444444444444444444bbbb", now - 3_600_000_000, &this),
        ],
    ) {
        return;
    }
    let Some(r) = live_previous_boot(dir.path()) else { return };
    let f = previous(&r);
    assert_eq!(f["severity"], "warn", "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("Fatal exception in interrupt") && !m.contains("stress"), "{m}");
    assert!(f["evidence"].to_string().contains(&format!("journalctl -D {} -b -1", dir.path().display())), "{f:#}");
    assert!(m.contains(" h ago)"), "the crash's age: {m}");

    // The panic was 20 days (and 2 h) ago and the server has run since: history, a note with its age.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut prev = BOOTED.to_vec();
    prev.push(("kernel", true, "Kernel panic - not syncing: Fatal exception in interrupt"));
    let days_20 = 20 * 86_400_000_000 + 7_200_000_000;
    write_boots(
        dir.path(),
        &[
            ("9999999999999999999999999999aaaa", now - days_20, &prev),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaaaabbbb", now - days_20 + 3_600_000_000, BOOTED),
        ],
    );
    let Some(r) = live_previous_boot(dir.path()) else { return };
    let f = previous(&r);
    assert_eq!(f["severity"], "info", "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("Fatal exception in interrupt") && m.contains("(20 days ago)"), "{m}");
    assert_eq!(status_of(&r, "sys.boot.previous"), "ok", "{r:#}");

    // The previous boot stopped mid-way without a shutdown (a forced restart): a note.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut prev = BOOTED.to_vec();
    prev.push(("CRON", false, "(root) CMD (run-parts --report /etc/cron.hourly)"));
    write_boots(
        dir.path(),
        &[
            ("5555555555555555555555555555aaaa", now - 7_200_000_000, &prev),
            ("6666666666666666666666666666bbbb", now - 3_600_000_000, BOOTED),
        ],
    );
    let Some(r) = live_previous_boot(dir.path()) else { return };
    let f = previous(&r);
    assert_eq!(f["severity"], "info", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("without a shutdown")), "{f:#}");

    // It shut down cleanly: nothing to say.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut prev = BOOTED.to_vec();
    prev.extend_from_slice(CLEAN_SHUTDOWN);
    write_boots(
        dir.path(),
        &[
            ("7777777777777777777777777777aaaa", now - 7_200_000_000, &prev),
            ("8888888888888888888888888888bbbb", now - 3_600_000_000, BOOTED),
        ],
    );
    let Some(r) = live_previous_boot(dir.path()) else { return };
    let c = check(&r, "sys.boot.previous");
    assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("ended: clean")), "{c:#}");
}

/// Writes the two ramoops records into `dir` with their times (the panic at `panic_at`, Unix s;
/// the old Oops 40 days before), as the kernel dates pstore files.
fn ramoops_records(dir: &Path, panic_at: i64) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (name, text, at) in
        [("dmesg-ramoops-0", RAMOOPS_PANIC, panic_at), ("dmesg-ramoops-1", RAMOOPS_OLD_OOPS, panic_at - 40 * 86_400)]
    {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("record");
        let ok = Command::new("touch").arg("-d").arg(format!("@{at}")).arg(&p).status().is_ok_and(|s| s.success());
        assert!(ok, "touch {}", p.display());
    }
}

#[test]
fn a_panic_only_pstore_kept_is_how_the_previous_boot_ended_live_and_after_systemd_pstore_archived_it() {
    if !require(is_root(), "the pstore lab needs root (a private mount over /sys/fs/pstore)") {
        return;
    }
    let now = now_usec();
    let panic_at = (now - 7_080_000_000) / 1_000_000;
    // The journal of the previous boot just stops: the panic never reached the disk.
    let journal = tempfile::tempdir().expect("tempdir");
    let mut prev = BOOTED.to_vec();
    prev.push(("CRON", false, "(root) CMD (run-parts --report /etc/cron.hourly)"));
    if !write_boots(
        journal.path(),
        &[
            ("9999999999999999999999999999aaaa", now - 7_200_000_000, &prev),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaaaabbbb", now - 3_600_000_000, BOOTED),
        ],
    ) {
        return;
    }
    let records = tempfile::tempdir().expect("tempdir");
    ramoops_records(records.path(), panic_at);

    // Live: the kernel's records in /sys/fs/pstore (this machine's own pstore has no backend; a
    // private mount puts the records where the kernel shows them, for ecs-doctor only).
    let script = format!(
        "set -e\nmount --bind {} /sys/fs/pstore\nexec unshare --net {BIN} run --format json --no-save --only sys.boot.previous\n",
        records.path().display()
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .env(JOURNAL_DIR_ENV, journal.path())
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"))
        .output()
        .expect("unshare");
    let r = valid_report(&stdout(&out));
    let f = previous(&r);
    assert_eq!(f["severity"], "warn", "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("Kernel panic - not syncing: sysrq triggered crash") && m.contains("pstore"), "{m}");
    assert!(!m.contains("NULL pointer"), "a record 40 days old is not the last reboot: {m}");
    assert!(f["evidence"].to_string().contains("/sys/fs/pstore/dmesg-ramoops-0"), "{f:#}");

    // The next boot's systemd-pstore (the real one) moved them to /var/lib/systemd/pstore and
    // joined them in a dmesg.txt; the rescued disk is read under --root.
    let pstore = "/lib/systemd/systemd-pstore";
    if !require(Path::new(pstore).exists(), "systemd-pstore is missing (apt-get install systemd)") {
        return;
    }
    let root = tempfile::tempdir().expect("tempdir");
    let archive = root.path().join("var/lib/systemd/pstore");
    std::fs::create_dir_all(&archive).expect("mkdir");
    let script = format!(
        "set -e\nmount --bind {} /sys/fs/pstore\nmount --bind {} /var/lib/systemd/pstore\nexec {pstore}\n",
        records.path().display(),
        archive.display()
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .output()
        .expect("unshare");
    assert!(out.status.success(), "systemd-pstore: {}", stderr(&out));
    let mut archived: Vec<String> = std::fs::read_dir(&archive)
        .expect("archive")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    archived.sort();
    assert_eq!(archived, ["dmesg-ramoops-0", "dmesg-ramoops-1", "dmesg.txt"], "systemd-pstore's archive");
    let disk_journal = root.path().join("var/log/journal");
    let mut last = BOOTED.to_vec();
    last.push(("CRON", false, "(root) CMD (run-parts --report /etc/cron.hourly)"));
    write_boots(&disk_journal, &[("bbbbbbbbbbbbbbbbbbbbbbbbbbbbaaaa", now - 7_200_000_000, &last)]);
    let Some((r, _)) = run_json(root.path(), &["--only", "sys.boot.previous"]) else { return };
    let f = previous(&r);
    assert_eq!(f["severity"], "warn", "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("Kernel panic - not syncing: sysrq triggered crash"), "{m}");
    // The record's own time (the crash), not the time systemd-pstore wrote dmesg.txt.
    let at = jiff::Timestamp::from_second(panic_at).expect("time").strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert!(m.contains(&at), "{at} in {m}");
    assert!(f["evidence"].to_string().contains("/var/lib/systemd/pstore/dmesg-ramoops-0"), "{f:#}");
}

#[test]
fn sshd_refusals_in_a_real_journal_age_by_the_event_windows() {
    // sshd refused a real account three days ago (a warning for the week of warn_days) and
    // another ten days ago (history); a login a minute ago is the newest line, so the live path
    // (from now) and the --root path (from the newest line) see the same ages.
    let now = now_usec();
    let day = 86_400_000_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let journal = root.join("var/log/journal");
    let bob = [("sshd", false, "User bob from 192.0.2.30 not allowed because shell /usr/bin/fish does not exist")];
    let alice = [("sshd", false, "User alice from 192.0.2.31 not allowed because shell /usr/bin/zsh does not exist")];
    let ops = [("sshd", false, "Accepted publickey for ops from 192.0.2.20 port 50000 ssh2: ED25519 SHA256:abc")];
    if !write_boots(
        &journal,
        &[
            ("c1c1c1c1c1c1c1c1c1c1c1c1c1c1aaaa", now - 10 * day - 3_600_000_000, &bob),
            ("c2c2c2c2c2c2c2c2c2c2c2c2c2c2bbbb", now - 3 * day - 3_600_000_000, &alice),
            ("c3c3c3c3c3c3c3c3c3c3c3c3c3c3cccc", now - 60_000_000, &ops),
        ],
    ) {
        return;
    }
    let judged = |r: &serde_json::Value| -> Vec<(String, String, String)> {
        check(r, "sec.ssh.refusals")["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                let m = f["message"].as_str().unwrap_or_default();
                let ago = m.rsplit_once(" (").and_then(|(_, a)| a.split_once(')')).map(|(a, _)| a).unwrap_or_default();
                (
                    f["subject"].as_str().unwrap_or_default().into(),
                    f["severity"].as_str().unwrap_or_default().into(),
                    ago.into(),
                )
            })
            .collect()
    };
    let want = |alice: &str| {
        vec![
            ("alice".to_string(), alice.to_string(), "3 days ago".to_string()),
            ("bob".to_string(), "info".to_string(), "10 days ago".to_string()),
        ]
    };
    let Some((r, _)) = run_json(&root, &["--only", "sec.ssh.refusals"]) else { return };
    assert_eq!(judged(&r), want("warn"), "{:#}", check(&r, "sec.ssh.refusals"));
    assert_eq!(status_of(&r, "sec.ssh.refusals"), "warn");
    // The config's windows apply: with warn_days = 2 both are history.
    let cfg = dir.path().join("c.toml");
    write(&cfg, "[events]\nwarn_days = 2\n");
    let Some((r, _)) = run_json(&root, &["--only", "sec.ssh.refusals", "--config", cfg.to_str().expect("p")]) else {
        return;
    };
    assert_eq!(judged(&r), want("info"), "{:#}", check(&r, "sec.ssh.refusals"));
    assert_eq!(status_of(&r, "sec.ssh.refusals"), "ok");
    // The live path, pointed at the same journal.
    if Path::new("/var/log/auth.log").exists() || Path::new("/var/log/secure").exists() {
        eprintln!("SKIPPED the live half: this machine has an auth log, which the live path reads instead");
        return;
    }
    let Some(mut cmd) = doctor_cmd(&["run", "--format", "json", "--no-save", "--only", "sec.ssh.refusals"]) else {
        return;
    };
    let out = cmd.env(JOURNAL_DIR_ENV, &journal).output().expect("ecs-doctor");
    assert_eq!(judged(&valid_report(&stdout(&out))), want("warn"));
}
