//! The command surface of shared/contract/cli.md: commands, selection, saving, exit codes.

use crate::common::*;
use std::os::unix::fs::PermissionsExt;

#[test]
fn clap_definition_is_consistent() {
    use clap::CommandFactory;
    ecs_doctor::cli::Cli::command().debug_assert();
}

#[test]
fn exit_codes_follow_nagios_and_usage_is_64() {
    let ok = fixture_root("healthy");
    let ok = ok.to_str().expect("path");
    let degraded = fixture_root("degraded");
    let broken = fixture_root("broken");
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["run", "--no-save", "--root", ok, "--only", "sys"], 0),
        (vec!["run", "--no-save", "--root", degraded.to_str().expect("p"), "--only", "sys.cpu"], 1),
        (vec!["run", "--no-save", "--root", broken.to_str().expect("p"), "--only", "sys.cpu"], 2),
        (vec!["run", "--no-save", "--root", ok, "--only", "no.such.check"], 64),
        (vec!["run", "--bogus-flag"], 64),
        (vec!["run", "--deadline", "-1"], 64),
        (vec!["explain", "sys.nope.nope"], 64),
        (vec!["--version"], 0),
    ];
    for (args, want) in cases {
        let Some(out) = doctor(&args) else { return };
        assert_eq!(out.status.code(), Some(want), "{args:?}\nstdout: {}\nstderr: {}", stdout(&out), stderr(&out));
        if want == 64 {
            assert!(stderr(&out).contains("ecs-doctor") || stderr(&out).contains("error"), "{}", stderr(&out));
        }
    }
}

#[test]
fn exit_3_when_a_check_cannot_finish_and_nothing_is_wrong() {
    // The exec plugin exits 3 (UNKNOWN); nothing else is selected.
    let dir = tempfile::tempdir().expect("tempdir");
    let plugin = dir.path().join("sys/plugin.unknown.toml");
    write(
        &plugin,
        &plugin_check("sys.plugin.unknown", &["/bin/sh", "-c", "echo 'UNKNOWN - cannot tell'; exit 3"], 5000),
    );
    let Some((r, code)) =
        run_json(&fixture_root("healthy"), &["--checks-dir", dir.path().to_str().expect("p"), "--only", "sys.plugin"])
    else {
        return;
    };
    assert_eq!(code, 3);
    assert_eq!(r["summary"]["status"], "unknown");
    let c = check(&r, "sys.plugin.unknown");
    assert_eq!(c["status"], "error");
    assert_eq!(c["summary"], "UNKNOWN - cannot tell");
}

/// A check file for an exec plugin.
pub fn plugin_check(id: &str, command: &[&str], timeout_ms: u64) -> String {
    let cmd: Vec<String> = command.iter().map(|c| format!("{c:?}")).collect();
    format!(
        "id = \"{id}\"\ntitle.en = \"Plugin {id}\"\ntitle.zh-CN = \"插件\"\nwhy.en = \"test\"\nfix.en = \"fix it\"\ntimeout = 600\n\n[probe.exec]\ncommand = [{}]\ntimeout_ms = {timeout_ms}\n",
        cmd.join(", ")
    )
}

#[test]
fn exec_plugin_reports_status_summary_and_perfdata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("sys/check_queue.sh");
    write(
        &script,
        "#!/bin/sh\necho \"QUEUE WARNING - 120 jobs waiting | jobs=120;100;200;0 'oldest age'=35s\"\necho \"password=hunter2 in a detail line\"\nexit 1\n",
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    write(&dir.path().join("sys/queue.length.toml"), &plugin_check("sys.queue.length", &["./check_queue.sh"], 5000));
    let Some((r, code)) =
        run_json(&fixture_root("healthy"), &["--checks-dir", dir.path().to_str().expect("p"), "--only", "sys.queue"])
    else {
        return;
    };
    assert_eq!(code, 1);
    let c = check(&r, "sys.queue.length");
    assert_eq!(c["status"], "warn");
    assert_eq!(c["summary"], "QUEUE WARNING - 120 jobs waiting");
    assert_eq!(c["metrics"]["jobs"], 120.0);
    assert_eq!(c["metrics"]["oldest_age"], 35.0);
    let text = c.to_string();
    assert!(!text.contains("hunter2"), "secret leaked: {text}");
    assert!(text.contains("[REDACTED:secret]"), "{text}");
}

#[test]
fn run_saves_the_report_atomically_with_mode_0600_and_prints_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fixture_root("healthy");
    let Some(mut cmd) = doctor_cmd(&["run", "--root", root.to_str().expect("p"), "--only", "sys"]) else { return };
    let out = cmd.env("ECS_DOCTOR_REPORT_DIR", dir.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // A system examined with --root is not this host: its report is kept apart, in examined/,
    // and the live host's history (the report directory itself) stays as it was.
    let examined = dir.path().join("examined");
    let top: Vec<_> = std::fs::read_dir(dir.path()).expect("report dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(top, ["examined"], "only the examined/ directory in the live history");
    let saved: Vec<_> = std::fs::read_dir(&examined)
        .expect("report dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("ecs-doctor-"))
        .collect();
    assert_eq!(saved.len(), 1, "exactly one report, no temporary files left");
    let path = saved[0].path();
    assert!(text.contains(&format!("Report saved to {}", path.display())), "{text}");
    assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    let report = valid_report(&std::fs::read_to_string(&path).expect("read"));
    assert_eq!(report["run"]["root"], root.to_str().expect("p"));
    assert!(examined.join("latest.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&examined)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    // `history` of the live host does not list it, and says where such runs are kept.
    let Some(mut cmd) = doctor_cmd(&["history"]) else { return };
    let out = cmd.env("ECS_DOCTOR_REPORT_DIR", dir.path()).output().expect("history");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = format!(
        "1 saved report(s) of systems examined with --root are kept apart: ecs-doctor history --dir {}",
        examined.display()
    );
    assert!(stderr(&out).contains("no saved reports in") && stderr(&out).contains(&said), "{}", stderr(&out));
    let e = examined.to_str().expect("p");
    let Some(listed) = doctor(&["history", "--dir", e, "--format", "json"]) else { return };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout(&listed)).expect("json").as_array().map(Vec::len),
        Some(1)
    );

    // `report` renders the saved file again, in text and as identical JSON.
    let Some(again) = doctor(&["report", path.to_str().expect("p"), "--format", "json"]) else { return };
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(valid_report(&stdout(&again)), report);
    let Some(text_again) = doctor(&["report", path.to_str().expect("p")]) else { return };
    assert!(stdout(&text_again).contains("Available memory"));
}

#[test]
fn json_to_stdout_and_output_file_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_file = dir.path().join("r.json");
    let root = fixture_root("degraded");
    let Some(out) = doctor(&[
        "run",
        "--no-save",
        "--format",
        "json",
        "-o",
        out_file.to_str().expect("p"),
        "--root",
        root.to_str().expect("p"),
        "--skip",
        "disk",
    ]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out_file).expect("output file"), stdout(&out));
    let r = valid_report(&stdout(&out));
    assert!(
        r["checks"].as_array().expect("checks").iter().all(|c| !c["id"].as_str().unwrap_or("disk").starts_with("disk"))
    );
}

#[test]
fn text_output_in_a_pipe_has_no_escape_codes_and_groups_by_domain() {
    let root = fixture_root("broken");
    let Some(mut cmd) =
        doctor_cmd(&["--no-save", "--root", root.to_str().expect("p"), "--only", "net", "--only", "sys"])
    else {
        return;
    };
    cmd.env_remove("NO_COLOR");
    let out = cmd.output().expect("run");
    let text = stdout(&out);
    assert!(!text.contains('\u{1b}'), "escape codes in a pipe: {text:?}");
    let net = text.find("\nNetwork\n").expect("Network group");
    let sys = text.find("\nSystem\n").expect("System group");
    assert!(net < sys);
    assert!(text.contains("[✗] Default route"), "{text}");
    assert!(text.contains("fix:"), "{text}");
    assert!(text.contains("ecs-doctor explain"), "{text}");
    // --color always forces colour even in a pipe.
    let Some(out) = doctor(&["--no-save", "--color", "always", "--root", root.to_str().expect("p"), "--only", "sys"])
    else {
        return;
    };
    assert!(stdout(&out).contains('\u{1b}'));
}

#[test]
fn list_and_explain() {
    let Some(out) = doctor(&["list", "--format", "json"]) else { return };
    assert_eq!(out.status.code(), Some(0));
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json list");
    let ids: Vec<&str> = list.as_array().expect("array").iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(ids.contains(&"disk.usage.space") && ids.contains(&"sec.ssh.root-login"));
    let Some(out) = doctor(&["list"]) else { return };
    assert!(stdout(&out).contains("builtin:checks/disk/usage/space.toml"));
    let Some(out) = doctor(&["explain", "disk.usage.space"]) else { return };
    let text = stdout(&out);
    assert!(text.contains("used_percent: warn >= 85, crit >= 95"), "{text}");
    assert!(text.contains("How to fix"), "{text}");
    let Some(out) = doctor(&["explain", "sec.ssh.root-login", "--lang", "zh-CN"]) else { return };
    let text = stdout(&out);
    assert!(text.contains("如何修复") && text.contains("SSH-7408") && text.contains("L3-CES1-06"), "{text}");
}

#[test]
fn config_thresholds_and_skip_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("c.toml");
    write(&cfg, "skip = [\"net\"]\n[checks.\"sys.cpu.load\"]\nthresholds.load5_per_cpu = { warn = \">= 0.05\" }\n");
    let Some((r, code)) =
        run_json(&fixture_root("healthy"), &["--config", cfg.to_str().expect("p"), "--only", "sys", "--only", "net"])
    else {
        return;
    };
    assert_eq!(status_of(&r, "sys.cpu.load"), "warn");
    assert_eq!(code, 1);
    assert!(r["checks"].as_array().expect("checks").iter().all(|c| c["category"] != "net"));
}

/// Runs ecs-doctor on a pseudo-terminal (util-linux `script`) and returns what the terminal showed.
fn on_terminal(args: &[&str], no_color: bool) -> Option<String> {
    let mut cmd = doctor_cmd(args)?;
    if !no_color {
        cmd.env_remove("NO_COLOR");
    }
    Some(stdout(&on_a_pty(&cmd, "")))
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    if !require(std::process::Command::new("script").arg("-V").output().is_ok(), "util-linux `script` is not installed")
    {
        return;
    }
    let root = fixture_root("broken");
    let args = ["--no-save", "--root", root.to_str().expect("p"), "--only", "sys"];
    let Some(coloured) = on_terminal(&args, false) else { return };
    assert!(coloured.contains("\u{1b}["), "no colour on a terminal: {coloured:?}");
    assert!(coloured.contains("CPU load"));
    let Some(plain) = on_terminal(&args, true) else { return };
    assert!(plain.contains("CPU load"));
    assert!(!plain.contains("\u{1b}[3"), "colour despite NO_COLOR: {plain:?}");
}

/// The degraded root (eth0: 2 % of packets with errors) plus eth1, a copy of eth0, in a tempdir.
fn two_noisy_nics() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = |from: std::path::PathBuf, to: std::path::PathBuf| {
        let ok = std::process::Command::new("cp").arg("-a").arg(from).arg(to).status().expect("cp");
        assert!(ok.success());
    };
    copy(fixture_root("degraded").join("."), dir.path().to_path_buf());
    let net = dir.path().join("sys/class/net");
    copy(net.join("eth0"), net.join("eth1"));
    dir
}

/// (status of net.link.state, subjects of its findings) with the given config.
fn link_state_with(root: &std::path::Path, config: Option<&str>) -> Option<(String, Vec<String>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("c.toml");
    let mut args = vec!["--only", "net.link.state"];
    if let Some(body) = config {
        write(&cfg, body);
        args.extend(["--config", cfg.to_str().expect("p")]);
    }
    let (r, _) = run_json(root, &args)?;
    Some((status_of(&r, "net.link.state"), subjects(&r, "net.link.state")))
}

#[test]
fn config_thresholds_for_one_subject_beat_the_check_wide_ones_which_beat_the_check_file() {
    let root = two_noisy_nics();
    let root = root.path();
    // The check file: warn at >= 1 % errors; both NICs have 2 %.
    let Some(plain) = link_state_with(root, None) else { return };
    assert_eq!(plain, ("warn".to_string(), vec!["eth0".to_string(), "eth1".to_string()]));

    // eth0 is known to be noisy: only eth0 gets a higher threshold; eth1 still warns. A subject
    // that is not there (eth9) is not an error.
    let one = "[checks.\"net.link.state\".subjects.\"eth0\".thresholds.error_percent]\nwarn = \">= 5\"\n\
               [checks.\"net.link.state\".subjects.\"eth9\".thresholds.error_percent]\nwarn = \">= 0\"\n";
    let Some(got) = link_state_with(root, Some(one)) else { return };
    assert_eq!(got, ("warn".to_string(), vec!["eth1".to_string()]));

    // Check-wide 50 % silences both; eth1's own 1.5 % beats it; crit for eth0 alone adds a level
    // and keeps the check-wide warn.
    let both = "[checks.\"net.link.state\"]\nthresholds.error_percent = { warn = \">= 50\" }\n\
                [checks.\"net.link.state\".subjects.eth1]\nthresholds.error_percent = { warn = \">= 1.5\" }\n";
    let Some(got) = link_state_with(root, Some(both)) else { return };
    assert_eq!(got, ("warn".to_string(), vec!["eth1".to_string()]));
    let wide = "[checks.\"net.link.state\"]\nthresholds.error_percent = { warn = \">= 50\" }\n";
    let Some(got) = link_state_with(root, Some(wide)) else { return };
    assert_eq!(got, ("ok".to_string(), vec![]));
    let crit = format!("{wide}[checks.\"net.link.state\".subjects.eth0.thresholds.error_percent]\ncrit = \">= 2\"\n");
    let Some(got) = link_state_with(root, Some(&crit)) else { return };
    assert_eq!(got, ("crit".to_string(), vec!["eth0".to_string()]));

    // explain shows where each threshold comes from.
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("c.toml");
    write(&cfg, &crit);
    let Some(out) = doctor(&["explain", "net.link.state", "--config", cfg.to_str().expect("p")]) else { return };
    let text = stdout(&out);
    let cfg = cfg.display();
    assert!(text.contains(&format!("error_percent: warn >= 50 where physical == 1  (config {cfg}:2)")), "{text}");
    assert!(text.contains(&format!("    eth0: warn >= 50, crit >= 2  (config {cfg}:3)")), "{text}");
    // Other judges of the check are untouched.
    assert!(text.contains("mtu: warn < 1280 where admin_up == 1\n"), "{text}");
}

#[test]
fn malformed_subject_thresholds_in_the_config_name_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = "[checks.\"disk.usage.space\".subjects.\"/data\"";
    let cases = [
        (
            format!("{head}.thresholds.used_percnt]\nwarn = \">= 95\"\n"),
            "c.toml:1:56: check disk.usage.space has no threshold on \"used_percnt\" (it has: used_percent)",
        ),
        (
            format!("{head}.thresholds.used_percent]\nwarn = \">= 95\"\nwarm = \">= 1\"\n"),
            "c.toml:3:1: unknown field `warm`, expected `warn` or `crit`",
        ),
        (
            format!("{head}.thresholds.used_percent]\nwarn = \"=> 95\"\n"),
            "c.toml:2:8: condition \"=> 95\" must start with",
        ),
        (
            format!("{head}]\nthreshold.used_percent = {{ warn = \">= 95\" }}\n"),
            "c.toml:2:1: unknown field `threshold`, expected `thresholds`",
        ),
        (
            format!("{head}.thresholds]\nused_percent = {{}}\n"),
            "c.toml:2:1: the thresholds of \"used_percent\" need warn or crit",
        ),
        (
            "[checks.\"disk.usage.space\".subjects.\"\".thresholds.used_percent]\nwarn = \">= 1\"\n".to_string(),
            "c.toml:1:37: a subject name cannot be empty",
        ),
    ];
    for (body, want) in cases {
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, &body).expect("write");
        let Some(out) = doctor(&["run", "--no-save", "--config", cfg.to_str().expect("p"), "--only", "disk.usage"])
        else {
            return;
        };
        assert_eq!(out.status.code(), Some(64), "{body}");
        let err = stderr(&out);
        assert!(err.contains(want), "expected {want:?} in {err:?}");
    }
}

#[test]
fn config_example_is_the_shipped_file_and_loads() {
    let Some(out) = doctor(&["config", "example"]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shipped = std::fs::read_to_string(project_dir().join("config.example.toml")).expect("example");
    assert_eq!(stdout(&out), shipped);
    // It works as a config: explain shows its override with the line it comes from.
    let file = scratch_dir().join("example.toml");
    std::fs::write(&file, stdout(&out)).expect("write");
    let Some(out) = doctor(&["explain", "disk.usage.space", "--config", file.to_str().expect("p")]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("used_percent: warn >= 80, crit >= 90"), "{}", stdout(&out));
    assert!(stdout(&out).contains("/data: warn >= 95, crit >= 99"), "{}", stdout(&out));
}

#[test]
fn version_names_the_target_and_the_glibc_floor() {
    let Some(out) = doctor(&["--version"]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first().copied(), Some(concat!("ecs-doctor ", env!("CARGO_PKG_VERSION"))), "{text}");
    let field = |name: &str| {
        lines.iter().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("no `{name}` line in:\n{text}"))
    };
    let target = field("target: ");
    assert!(target.starts_with(std::env::consts::ARCH) && target.contains("-linux-"), "{text}");
    // This test binary was built by a plain cargo build here, so the floor is this machine's glibc.
    let glibc = field("minimum glibc: ");
    if target.ends_with("-gnu") {
        let here = std::process::Command::new("getconf").arg("GNU_LIBC_VERSION").output().expect("getconf");
        let here = String::from_utf8_lossy(&here.stdout);
        let here = here.trim().strip_prefix("glibc ").expect("getconf GNU_LIBC_VERSION prints `glibc X.Y`");
        assert!(glibc.starts_with(&format!("{here} (the build machine's")), "{glibc} vs this machine's {here}");
    }
    // -V and the man page keep the plain version.
    let Some(short) = doctor(&["-V"]) else { return };
    assert_eq!(stdout(&short), concat!("ecs-doctor ", env!("CARGO_PKG_VERSION"), "\n"));
}
