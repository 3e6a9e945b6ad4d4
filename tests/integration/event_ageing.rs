//! Events read from a log age (issue 19): a kernel-log event is critical while recent (24 h, for
//! the kinds that can be critical), a warning for a week, then a note ("N days ago") that leaves
//! the check ok; `[events]` in the config moves both windows, and a check's own `age_hours`
//! thresholds beat them. Every finding says when (`since`, the time and how long ago), with
//! the boot time and uptime in the evidence. A fixture root written relative to now: the
//! times are what the test is about.

use crate::common::*;
use jiff::{SignedDuration, Timestamp};
use std::path::Path;

const CHECKS: &[&str] = &[
    "--only",
    "sys.memory.oom",
    "--only",
    "disk.io.errors",
    "--only",
    "sys.kernel.health",
    "--only",
    "net.conntrack.usage",
];

fn ago(now: Timestamp, hours: f64) -> Timestamp {
    now.checked_sub(SignedDuration::from_secs_f64(hours * 3600.0)).expect("time")
}

/// A root whose kernel log holds events 2 hours, 3 days and 30 days old (only those older than
/// `older_than_h` hours).
fn root_with_events(root: &Path, now: Timestamp, older_than_h: f64) {
    let l = |h: f64, msg: &str| (h, format!("{} web-1 kernel: {msg}", ago(now, h)));
    let log = [
        l(24.0 * 30.0, "Out of memory: Killed process 30 (lastmonth) total-vm:8000kB, anon-rss:4000kB, file-rss:0kB"),
        l(24.0 * 30.0, "BUG: unable to handle page fault for address: 0000000000001234"),
        l(24.0 * 10.0, "blk_update_request: I/O error, dev vdc, sector 2048 op 0x1:(WRITE) flags 0x800"),
        l(24.0 * 3.0, "Out of memory: Killed process 3 (lastweek) total-vm:8000kB, anon-rss:4000kB, file-rss:0kB"),
        l(24.0 * 3.0, "INFO: task mysqld:2211 blocked in I/O wait for more than 122 seconds."),
        l(2.0, "Out of memory: Killed process 2 (recent) total-vm:8000kB, anon-rss:4000kB, file-rss:0kB"),
        l(2.0, "blk_update_request: I/O error, dev vdb, sector 2048 op 0x1:(WRITE) flags 0x800"),
        l(2.0, "Kernel panic - not syncing: Fatal exception"),
        l(2.0, "nf_conntrack: nf_conntrack: table full, dropping packet"),
    ];
    let log: Vec<String> = log.into_iter().filter(|(h, _)| *h > older_than_h).map(|(_, l)| l).collect();
    write(&root.join("var/log/kern.log"), &(log.join("\n") + "\n"));
    // Booted five days ago: the boot time and uptime go into the evidence.
    write(&root.join("proc/stat"), &format!("cpu  1 2 3 4\nbtime {}\n", ago(now, 120.0).as_second()));
    write(&root.join("proc/uptime"), "432000.00 800000.00\n");
}

/// (severity, message, since, evidence) of the finding about `subject`.
fn finding_about(r: &serde_json::Value, id: &str, subject: &str) -> (String, String, String, String) {
    let f = check(r, id)["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == subject).cloned())
        .unwrap_or_else(|| panic!("{id}: nothing about {subject}: {:#}", check(r, id)));
    let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
    (s("severity"), s("message"), s("since"), f["evidence"].to_string())
}

#[test]
fn kernel_log_events_are_crit_while_recent_warn_for_a_week_and_a_note_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let now = Timestamp::now();
    root_with_events(root, now, 0.0);
    let Some((r, code)) = run_json(root, CHECKS) else { return };
    assert_eq!(code, 2, "{r:#}");
    let sev = |id: &str, subject: &str| finding_about(&r, id, subject).0;
    assert_eq!(sev("sys.memory.oom", "recent"), "crit");
    assert_eq!(sev("sys.memory.oom", "lastweek"), "warn");
    assert_eq!(sev("sys.memory.oom", "lastmonth"), "info");
    assert_eq!(sev("disk.io.errors", "/dev/vdb"), "crit");
    assert_eq!(sev("disk.io.errors", "/dev/vdc"), "info");
    assert_eq!(sev("sys.kernel.health", "mysqld"), "warn");
    assert_eq!(status_of(&r, "net.conntrack.usage"), "crit");

    // An old event says how long ago it happened, since when, and when the system booted.
    let (_, msg, since, evidence) = finding_about(&r, "sys.memory.oom", "lastmonth");
    assert!(msg.contains("(30 days ago)"), "{msg}");
    let since: Timestamp = since.parse().expect("since is a time");
    let want = ago(now, 24.0 * 30.0);
    assert!((since.as_second() - want.as_second()).abs() <= 1, "{since} vs {want}");
    // The tool takes its own `now` a little after this test's and shows whole seconds: the boot
    // it names is this test's boot time cut to the second, or a few seconds after on a busy host.
    let boot = ago(now, 120.0);
    let floor = Timestamp::from_second(boot.as_second()).expect("boot");
    assert!(
        (0..=5)
            .any(|s| evidence.contains(&format!("booted {}, up 5 d 0 h", floor + jiff::SignedDuration::from_secs(s)))),
        "{evidence}"
    );
    let (_, msg, _, _) = finding_about(&r, "sys.memory.oom", "lastweek");
    assert!(msg.contains("(3 days ago)"), "{msg}");
    let (_, msg, _, _) = finding_about(&r, "sys.memory.oom", "recent");
    assert!(msg.contains("(2 h ago)"), "{msg}");
    // The kernel Oops 30 days ago is a note; the panic 2 hours ago is critical.
    let kernel: Vec<(String, String)> = check(&r, "sys.kernel.health")["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["subject"] == "kernel")
        .map(|f| (f["severity"].as_str().unwrap_or_default().into(), f["message"].as_str().unwrap_or_default().into()))
        .collect();
    assert!(kernel.iter().any(|(s, m)| s == "crit" && m.contains("panicked")), "{kernel:?}");
    assert!(
        kernel.iter().any(|(s, m)| s == "info" && m.contains("Oops/BUG") && m.contains("30 days ago")),
        "{kernel:?}"
    );
    let summary = check(&r, "sys.memory.oom");
    assert!(summary["status"] == "crit", "{summary:#}");

    // Nothing but events older than a week: the checks are ok, each with its note.
    root_with_events(root, now, 24.0 * 7.0);
    let Some((r, code)) = run_json(root, CHECKS) else { return };
    assert_eq!(code, 0, "{r:#}");
    for id in ["sys.memory.oom", "disk.io.errors", "sys.kernel.health"] {
        assert_eq!(status_of(&r, id), "ok", "{:#}", check(&r, id));
        assert!(
            check(&r, id)["findings"]
                .as_array()
                .is_some_and(|f| !f.is_empty() && f.iter().all(|f| f["severity"] == "info"))
        );
    }
}

#[test]
fn the_event_windows_come_from_the_config_and_a_checks_own_thresholds_beat_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let now = Timestamp::now();
    root_with_events(&root, now, 0.0);
    let cfg = dir.path().join("config.toml");
    write(&cfg, "[events]\ncrit_hours = 1\nwarn_days = 2\n");
    let c = cfg.to_str().expect("p");
    let mut args = vec!["--config", c];
    args.extend_from_slice(CHECKS);
    let Some((r, _)) = run_json(&root, &args) else { return };
    let sev = |r: &serde_json::Value, id: &str, subject: &str| finding_about(r, id, subject).0;
    assert_eq!(sev(&r, "sys.memory.oom", "recent"), "warn");
    assert_eq!(sev(&r, "sys.memory.oom", "lastweek"), "info");
    assert_eq!(sev(&r, "sys.kernel.health", "mysqld"), "info");
    assert_eq!(sev(&r, "disk.io.errors", "/dev/vdb"), "warn");

    // One check's thresholds on age_hours beat the windows.
    write(
        &cfg,
        "[events]\ncrit_hours = 1\nwarn_days = 2\n\n[checks.\"sys.memory.oom\"]\nthresholds.age_hours = { crit = \"< 100\" }\n",
    );
    let Some((r, _)) = run_json(&root, &args) else { return };
    assert_eq!(sev(&r, "sys.memory.oom", "lastweek"), "crit");
    assert_eq!(sev(&r, "sys.memory.oom", "lastmonth"), "info");
    assert_eq!(sev(&r, "disk.io.errors", "/dev/vdb"), "warn");

    // `explain` shows the levels in force and where they come from.
    let Some(out) = doctor(&["explain", "sys.memory.oom", "--config", c]) else { return };
    let text = stdout(&out);
    assert!(text.contains("crit < 100") && text.contains("info >= 48"), "{text}");

    // A window out of range is a usage error with its line.
    write(&cfg, "[events]\ncrit_hours = -3\n");
    let Some(out) = doctor(&["run", "--root", root.to_str().expect("p"), "--config", c, "--no-save"]) else { return };
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    assert!(stderr(&out).contains("config.toml:1") && stderr(&out).contains("[events]"), "{}", stderr(&out));
}

/// A login after many failures is critical within the window (24 hours), and before it still
/// reported as it ages: a warning for a week, a note after (under `--root` the window ends at the
/// newest line of the logs).
#[test]
fn a_login_after_many_failures_ages_like_every_logged_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let now = Timestamp::now();
    let mut log = String::new();
    // (address, hours before the newest line when it logged in)
    for (n, (ip, h)) in
        [("198.51.100.8", 24.0 * 10.0), ("198.51.100.7", 24.0 * 3.0), ("198.51.100.9", 0.0)].iter().enumerate()
    {
        let login = ago(now, *h);
        for i in 0..12 {
            let t = login.checked_sub(SignedDuration::from_secs(60 * (12 - i))).expect("time");
            log.push_str(&format!(
                "{} web-1 sshd[{}]: Failed password for root from {ip} port {} ssh2\n",
                t.strftime("%b %e %H:%M:%S"),
                1000 + n * 100 + i as usize,
                40000 + i
            ));
        }
        log.push_str(&format!(
            "{} web-1 sshd[{}]: Accepted password for deploy from {ip} port 50000 ssh2\n",
            login.strftime("%b %e %H:%M:%S"),
            1099 + n * 100
        ));
    }
    write(&root.join("var/log/auth.log"), &log);
    let Some((r, code)) = run_json(root, &["--only", "sec.auth.bruteforce"]) else { return };
    assert_eq!(code, 2, "{r:#}");
    let (sev, msg, _, _) = finding_about(&r, "sec.auth.bruteforce", "198.51.100.9");
    assert_eq!(sev, "crit", "{msg}");
    let (sev, msg, _, evidence) = finding_about(&r, "sec.auth.bruteforce", "198.51.100.7");
    assert_eq!(sev, "warn", "{msg}");
    assert!(msg.contains("after 12 failed attempts") && msg.contains("(3 days ago)"), "{msg}");
    assert!(evidence.contains("Accepted password for deploy from 198.51.100.7"), "{evidence}");
    let (sev, msg, _, _) = finding_about(&r, "sec.auth.bruteforce", "198.51.100.8");
    assert_eq!(sev, "info", "{msg}");
    assert!(msg.contains("(10 days ago)"), "{msg}");
}
