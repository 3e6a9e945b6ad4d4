//! Bad input: malformed check files and config stop with exit 64 and file:line:column; corrupt
//! system files give `error` results or findings, never a panic.

use crate::common::*;

/// Loads a check directory holding one file and returns (exit code, stderr).
fn load_bad(rel: &str, body: &[u8]) -> Option<(i32, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, body).expect("write");
    let out = doctor(&["list", "--checks-dir", dir.path().to_str().expect("p")])?;
    let err = stderr(&out).replace(dir.path().to_str().expect("p"), "DIR");
    Some((out.status.code().unwrap_or(-1), err))
}

const GOOD_HEAD: &str = "id = \"sys.demo.value\"\ntitle.en = \"t\"\nwhy.en = \"w\"\nfix.en = \"f\"\n";

#[test]
fn malformed_check_files_name_file_line_and_column() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "sys/demo.value.toml",
            format!("{GOOD_HEAD}colour = 1\n[probe.meminfo]\n"),
            "DIR/sys/demo.value.toml:5:1: unknown field `colour`",
        ),
        (
            "sys/demo.value.toml",
            format!("{GOOD_HEAD}[probe.teleport]\n"),
            "DIR/sys/demo.value.toml:5:8: unknown variant `teleport`",
        ),
        (
            "sys/other.name.toml",
            format!("{GOOD_HEAD}[probe.meminfo]\n"),
            "DIR/sys/other.name.toml:1:6: check id \"sys.demo.value\" does not match its file path",
        ),
        (
            "sys/demo.value.toml",
            format!(
                "{GOOD_HEAD}[probe.meminfo]\n[[judge]]\nfield = \"available_percent\"\nwarn = \"about 10\"\nmessage.en = \"m\"\n"
            ),
            "DIR/sys/demo.value.toml:8:8: condition \"about 10\" must start with",
        ),
        (
            "sys/demo.value.toml",
            format!(
                "{GOOD_HEAD}[probe.meminfo]\n[[judge]]\nfield = \"avail_pct\"\nwarn = \"< 10\"\nmessage.en = \"m\"\n"
            ),
            "DIR/sys/demo.value.toml:7:9: unknown field \"avail_pct\": the meminfo probe gives",
        ),
        (
            "sys/demo.value.toml",
            format!(
                "{GOOD_HEAD}[probe.meminfo]\n[[judge]]\nfield = \"available_percent\"\nwarn = \"< 10\"\nmessage.en = \"only {{nope}}\"\n"
            ),
            "unknown placeholder {nope}",
        ),
        (
            "sys/demo.value.toml",
            format!(
                "{GOOD_HEAD}[probe.meminfo]\n[[judge]]\nfield = \"available_percent\"\nwarn = \"< 10\"\nmessage.en = \"m\"\ncode = \"LOW-{{nope}}\"\n"
            ),
            "DIR/sys/demo.value.toml:10:8: unknown placeholder {nope}: the meminfo probe gives",
        ),
        (
            "sys/demo.value.toml",
            format!("{GOOD_HEAD}timeout = -3\n[probe.meminfo]\n"),
            "DIR/sys/demo.value.toml:5:11: timeout must be between 0 and 3600",
        ),
        ("sys/demo.value.toml", format!("{GOOD_HEAD}[probe.meminfo\n"), "DIR/sys/demo.value.toml:5:"),
        ("sys/demo.value.toml", String::new(), "DIR/sys/demo.value.toml:1:1: missing field `id`"),
        (
            "disk/usage.space.toml",
            GOOD_HEAD.replace("sys.demo.value", "disk.usage.space") + "[probe.meminfo]\n",
            "duplicate check id \"disk.usage.space\": already defined in builtin:checks/disk/usage/space.toml",
        ),
        (
            "sys/demo.value.toml",
            format!("{GOOD_HEAD}[probe.exec]\ncommand = []\n"),
            "the exec probe needs a non-empty command",
        ),
        (
            "sys/demo.value.toml",
            format!("{GOOD_HEAD}tags = [\"fast\"]\n[probe.meminfo]\n"),
            "DIR/sys/demo.value.toml:5:9: unknown tag \"fast\": the tags are performance",
        ),
        (
            "sys/demo.value.toml",
            format!(
                "{GOOD_HEAD}metrics = [\"available_percent\"]\n[trend]\npercent = \"available_percent\"\nfree = \"available_bytes\"\ntotal = \"available_percent\"\nunit = \"bytes\"\n[probe.meminfo]\n"
            ),
            "DIR/sys/demo.value.toml:8:8: trend.free = \"available_bytes\" is not one of this check's metrics (available_percent)",
        ),
        (
            "sys/demo.value.toml",
            format!(
                "{GOOD_HEAD}metrics = [\"available_percent\"]\n[trend]\npercent = \"available_percent\"\nfree = \"available_percent\"\ntotal = \"available_percent\"\nunit = \"litres\"\n[probe.meminfo]\n"
            ),
            "DIR/sys/demo.value.toml:10:8: trend.unit = \"litres\": it must be one of bytes, inodes",
        ),
        (
            "sys/demo.value.toml",
            format!("{GOOD_HEAD}[trend]\npercent = \"x\"\n[probe.meminfo]\n"),
            "DIR/sys/demo.value.toml:5:1: missing field `free`",
        ),
    ];
    for (rel, body, want) in cases {
        let Some((code, err)) = load_bad(rel, body.as_bytes()) else { return };
        assert_eq!(code, 64, "{body}\n{err}");
        assert!(err.contains(want), "expected {want:?} in:\n{err}\nfor:\n{body}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let Some((code, err)) = load_bad("sys/demo.value.toml", b"id = \"sys.demo.value\"\ntitle.en = \"\xff\xfe\"\n")
    else {
        return;
    };
    assert_eq!(code, 64);
    assert!(err.contains("DIR/sys/demo.value.toml:2:13: the check file is not valid UTF-8"), "{err}");
}

#[test]
fn malformed_config_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("deadline = 5\nbogus = true\n", "c.toml:2:1: unknown field `bogus`"),
        ("[checks.\"sys.nope.nope\"]\ntimeout = 1\n", "c.toml:1:9: unknown check id \"sys.nope.nope\""),
        (
            "[checks.\"sys.cpu.load\"]\nthresholds.load9 = { warn = \">= 1\" }\n",
            "c.toml:2:12: check sys.cpu.load has no threshold on \"load9\"",
        ),
        (
            "[checks.\"sys.cpu.load\"]\nthresholds.load5_per_cpu = { warn = \"big\" }\n",
            "c.toml:2:37: condition \"big\"",
        ),
        ("deadline = \"soon\"\n", "c.toml:1:12: invalid type"),
        ("deadline = 0\n", "c.toml:1:12: deadline must be"),
    ];
    for (body, want) in cases {
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, body).expect("write");
        let Some(out) = doctor(&["run", "--no-save", "--config", cfg.to_str().expect("p"), "--only", "sys"]) else {
            return;
        };
        assert_eq!(out.status.code(), Some(64), "{body}");
        let err = stderr(&out);
        assert!(err.contains(want), "expected {want:?} in {err:?}");
    }
}

#[test]
fn corrupt_system_files_give_errors_or_findings_never_a_panic() {
    let Some((r, _)) = run_json(&fixture_root("corrupt"), &[]) else { return };
    // Truncated meminfo and an empty loadavg: the check could not finish, with the file named.
    let mem = check(&r, "sys.memory.available");
    assert_eq!(mem["status"], "error", "{mem:#}");
    assert!(mem["summary"].as_str().is_some_and(|s| s.contains("/proc/meminfo")), "{mem:#}");
    let load = check(&r, "sys.cpu.load");
    assert_eq!(load["status"], "error", "{load:#}");
    assert!(load["summary"].as_str().is_some_and(|s| s.contains("/proc/loadavg")));
    // A binary route table: no default route found, the garbage shown as evidence.
    assert_eq!(status_of(&r, "net.route.default"), "crit");
    // passwd with broken lines: reported, and the non-UTF-8 UID 0 entry still counts.
    let acc = check(&r, "sec.accounts.uid0");
    assert_eq!(acc["status"], "crit", "{acc:#}");
    assert!(acc["findings"].to_string().contains("malformed"), "{acc:#}");
    // resolv.conf with garbage lines still finds the good nameserver, and warns about the rest.
    let dns = check(&r, "net.dns.resolv-conf");
    assert_eq!(dns["status"], "warn", "{dns:#}");
    // An sshd_config that includes itself is read once.
    let ssh = check(&r, "sec.ssh.root-login");
    assert_ne!(ssh["status"], "error", "{ssh:#}");
    // Unparsable mountinfo lines: no filesystems to examine.
    assert_eq!(status_of(&r, "disk.usage.space"), "skipped");
    for c in r["checks"].as_array().expect("checks") {
        assert!(!c.to_string().contains("panicked"), "{c:#}");
    }
}

#[test]
fn empty_root_gives_results_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((r, code)) = run_json(dir.path(), &[]) else { return };
    assert_eq!(r["host"]["hostname"], "unknown");
    assert_eq!(r["host"]["cloud"]["provider"], "none");
    // No /proc: the running kernel's view is not there to read, a skip with the reason (a rescued
    // disk's /proc is empty too), not an error.
    assert_eq!(status_of(&r, "sys.memory.available"), "skipped");
    assert!(check(&r, "sys.memory.available")["summary"].as_str().is_some_and(|s| s.contains("/proc/meminfo")));
    assert_eq!(status_of(&r, "net.dns.resolv-conf"), "crit");
    assert_eq!(code, 2);
}

#[test]
fn a_report_that_is_not_a_report_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("r.json");
    std::fs::write(&f, "{\"schema\": \"ecs-doctor/report/v1\",\n \"tool\": 5}").expect("write");
    let Some(out) = doctor(&["report", f.to_str().expect("p")]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("r.json:2:"), "{}", stderr(&out));
}
