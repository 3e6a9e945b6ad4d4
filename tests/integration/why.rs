//! `ecs-doctor why` without a lab: against fixture roots (a rescued disk, `--root`), and the
//! rules of asking (never when not on a terminal). The real faults are in `reach_ssh_lab`.

use crate::common::*;

fn why_json(args: &[&str]) -> Option<(serde_json::Value, i32)> {
    let root = fixture_root("healthy");
    let root = root.to_str().expect("utf-8");
    let mut full = vec!["why"];
    full.extend_from_slice(args);
    full.extend(["--format", "json", "--no-save", "--root", root]);
    let out = doctor(&full)?;
    let code = out.status.code().unwrap_or(-1);
    assert!(code != 64 && code >= 0, "usage error or signal ({code}): {}", stderr(&out));
    Some((valid_report(&stdout(&out)), code))
}

/// On a rescued disk (`--root`), `why ssh` judges what the files say and says what needs the
/// running system instead of guessing.
#[test]
fn why_ssh_on_a_rescued_disk_says_what_needs_the_running_system() {
    let Some((r, _)) = why_json(&["ssh", "--user", "root"]) else { return };
    let d = &r["diagnosis"];
    assert_eq!((d["symptom"].as_str(), d["subject"].as_str()), (Some("ssh"), Some("root")), "{d:#}");
    let steps = d["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), r["checks"].as_array().unwrap().len(), "{r:#}");
    let fw = check(&r, "net.firewall.local");
    assert_eq!(fw["status"], "skipped");
    assert!(fw["summary"].as_str().unwrap().contains("--root"), "{fw:#}");
    // The fixture's socket table shows sshd's port on every address: ok.
    assert_eq!(status_of(&r, "net.ssh.listening"), "ok", "{r:#}");
    assert!(d["cause"].is_null() || d.get("outside").is_none(), "{d:#}");
}

/// `why port` judges the named port only; a port served on loopback only is the cause.
#[test]
fn why_port_names_the_loopback_listener_as_the_cause() {
    let Some((r, code)) = why_json(&["port", "6379"]) else { return };
    assert_eq!(code, 2);
    assert_eq!(r["diagnosis"]["cause"], "net.port.listening", "{r:#}");
    assert_eq!(r["diagnosis"]["subject"], "tcp/6379");
    let f = &check(&r, "net.port.listening")["findings"];
    assert_eq!(f.as_array().map(Vec::len), Some(1), "6379 alone, not the config's ports: {f:#}");
    // dns and network walk too, and say their symptom.
    for s in ["dns", "network"] {
        let Some((r, _)) = why_json(&[s]) else { return };
        assert_eq!(r["diagnosis"]["symptom"], s);
    }
}

/// Not on a terminal nothing is asked: `why port` without a port is a usage error that says how.
#[test]
fn why_port_without_a_port_off_a_terminal_is_a_usage_error() {
    let Some(out) = doctor(&["why", "port", "--no-save"]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("ecs-doctor why port PORT"), "{}", stderr(&out));
    let Some(out) = doctor(&["why", "port", "0"]) else { return };
    assert_eq!(out.status.code(), Some(64), "port 0: {}", stderr(&out));
}

/// Runs `why` with `args` on a pseudo-terminal (util-linux `script`), typing `answers`; returns
/// the screen.
fn on_a_terminal(args: &[&str], answers: &str) -> Option<String> {
    if !require(std::process::Command::new("script").arg("-V").output().is_ok(), "util-linux `script` is not installed")
    {
        return None;
    }
    let cmd = doctor_cmd(args)?;
    Some(stdout(&on_a_pty(&cmd, answers)))
}

/// On a terminal, what the symptom needs and no flag gave is asked as a multiple-choice question:
/// the port of `why port`, the user of `why ssh`.
#[test]
fn on_a_terminal_the_port_and_the_user_are_chosen_from_a_list() {
    let root = fixture_root("healthy");
    let root = root.to_str().expect("utf-8");
    let Some(screen) = on_a_terminal(&["why", "port", "--no-save", "--color", "never", "--root", root], "1\n") else {
        return;
    };
    assert!(screen.contains("Which TCP port cannot be reached from outside?"), "{screen}");
    assert!(screen.contains("1) tcp/80") && screen.contains("Another port: type its number"), "{screen}");
    assert!(screen.contains("ecs-doctor why port (tcp/80)"), "the answer is the subject: {screen}");
    let Some(screen) = on_a_terminal(&["why", "ssh", "--no-save", "--color", "never", "--root", root], "1\n") else {
        return;
    };
    assert!(screen.contains("Which user cannot log in over SSH?") && screen.contains("1) root"), "{screen}");
    assert!(screen.contains("ecs-doctor why ssh (root)"), "{screen}");
    // A flag given is not asked again.
    let Some(screen) = on_a_terminal(&["why", "port", "8080", "--no-save", "--root", root], "") else { return };
    assert!(!screen.contains("Which TCP port"), "{screen}");
}

/// The answer of `why` in Markdown (a ticket) and HTML (a page to forward): the cause and its
/// fix first, every step with its status (a narrowed step with its subjects), what to check
/// outside when nothing inside explains it; text from the report escaped.
#[test]
fn markdown_and_html_show_the_diagnosis_cause_first() {
    let report = |name: &str, format: &str| {
        let f = project_dir().join("tests/fixtures/reports").join(name).display().to_string();
        doctor(&["report", &f, "--format", format]).map(|o| stdout(&o))
    };
    let Some(md) = report("why-port.json", "markdown") else { return };
    let why = md.find("## `ecs-doctor why port` · `tcp/6379`").expect(&md);
    let cause = md.find("**Cause:** `net.port.listening` [`tcp/6379`]: ").expect(&md);
    let fix = md.find("**Fix:** ").expect(&md);
    let walked = md.find("**Walked in order:**").expect(&md);
    assert!(why < cause && cause < fix && fix < walked, "cause, fix, then the walk:\n{md}");
    assert!(walked < md.find("| status | check | summary |").expect(&md), "before the checks:\n{md}");
    assert!(md.contains("| ❌ crit | `net.port.listening` |"), "{md}");
    assert!(md.contains("| ➖ skipped | `net.security-group.inbound` |"), "{md}");
    assert!(!md.contains("Check outside the server"), "a cause inside: nothing outside to check\n{md}");
    insta::assert_snapshot!("why_port_markdown", md);
    let Some(html) = report("why-port.json", "html") else { return };
    let cause = html.find("<p class=\"cause\"><strong>Cause:</strong> <span class=\"id\">net.port.listening</span>");
    let walked = html.find("<ol class=\"steps\">");
    assert!(cause.is_some() && cause < walked, "{html}");
    assert!(html.contains("<span class=\"badge crit\">crit</span>"), "{html}");
    insta::assert_snapshot!("why_port_html", html);

    let Some(md) = report("why-ssh.json", "markdown") else { return };
    assert!(md.contains("No cause found inside the server"), "{md}");
    assert!(md.contains("| ✅ ok | `sec.pam.lockout` (`root`) |"), "narrowed to the user: {md}");
    let outside = md.find("**Check outside the server:**\n\n1. The instance's security group admits TCP").expect(&md);
    assert!(outside < md.find("| status | check | summary |").expect(&md), "{md}");
    insta::assert_snapshot!("why_ssh_markdown", md);
    let Some(html) = report("why-ssh.json", "html") else { return };
    assert!(html.contains("<section class=\"diagnosis none\">"), "{html}");
    assert!(
        html.contains("<ol class=\"outside\"><li>The instance&#39;s security group")
            || html.contains("<ol class=\"outside\"><li>The instance"),
        "{html}"
    );
    insta::assert_snapshot!("why_ssh_html", html);
}
