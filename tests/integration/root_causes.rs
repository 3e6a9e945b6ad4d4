//! Root causes and their consequences: a report whose failing checks explain one another
//! (`consequence_of`) leads every renderer and the ticket with its root causes; a run in an
//! empty network namespace (no address, no route) shows one root cause and the rest of the
//! network's failures as its consequences.

use crate::common::*;

fn fixture() -> String {
    project_dir().join("tests/fixtures/reports/rootcause.json").display().to_string()
}

fn render(args: &[&str]) -> String {
    let f = fixture();
    let mut full = vec!["report", f.as_str()];
    full.extend_from_slice(args);
    doctor(&full).map(|o| stdout(&o)).unwrap_or_default()
}

#[test]
fn fixture_is_valid_and_old_readers_keep_reading_it() {
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    let v = valid_report(&text);
    assert_eq!(check(&v, "net.route.default")["consequence_of"], serde_json::json!(["net.addr.assigned"]));
    assert!(check(&v, "net.addr.assigned").get("consequence_of").is_none(), "a root cause has none");
    // A reader that knows nothing of the field (the report schema before it) reads the rest.
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct OldCheck {
        id: String,
        status: String,
        summary: String,
    }
    #[derive(serde::Deserialize)]
    struct OldReport {
        checks: Vec<OldCheck>,
    }
    let old: OldReport = serde_json::from_str(&text).expect("an old reader");
    assert_eq!(old.checks.len(), 12);
}

#[test]
fn text_leads_with_the_root_cause() {
    let text = render(&[]);
    if text.is_empty() {
        return;
    }
    let lead = text.find("Root causes first: 2 root causes, 5 consequences").expect(&text);
    let network = text.find("\nNetwork\n").expect(&text);
    assert!(lead < network, "the causes come before the checks:\n{text}");
    assert!(text.contains("Summary: CRITICAL · 2 root causes, 5 consequences · "), "{text}");
    assert!(text.contains("↳ consequence of net.route.default: fix that first"), "{text}");
    assert!(text.contains("ecs-doctor explain net.addr.assigned"), "the next step is the root cause's:\n{text}");
    // A consequence shows no fix of its own: one fix each for the two root causes.
    assert_eq!(text.matches("      fix: ").count(), 2, "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn text_in_chinese() {
    let text = render(&["--lang", "zh-CN"]);
    if text.is_empty() {
        return;
    }
    assert!(text.contains("先看根本原因: 2 个根本原因，5 个连带问题"), "{text}");
    assert!(text.contains("↳ 由 net.route.default 引起：请先解决它"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_and_html_lead_with_the_root_cause() {
    let md = render(&["--format", "markdown"]);
    if md.is_empty() {
        return;
    }
    let lead = md.find("## Root causes first: 2 root causes, 5 consequences").expect(&md);
    assert!(lead < md.find("| Status |").or_else(|| md.find("|---|---|---|")).expect(&md), "{md}");
    assert!(md.contains("  - ↳ ❌ crit `net.route.default`"), "{md}");
    assert!(md.contains("    - ↳ ❌ crit `net.dns.resolver-reachable`"), "{md}");
    insta::assert_snapshot!("markdown", md);
    let html = render(&["--format", "html"]);
    let lead =
        html.find("<section class=\"causes\"><h2>Root causes first: 2 root causes, 5 consequences</h2>").expect(&html);
    assert!(lead < html.find("<section><h2>").expect(&html), "{html}");
    assert!(
        html.contains("<p class=\"consequence\">↳ consequence of <code>net.route.default</code>: fix that first</p>")
    );
    assert!(!html.contains("href=\""), "the page links nothing");
    insta::assert_snapshot!("html", html);
}

#[test]
fn summary_json_puts_root_causes_first() {
    let line = render(&["--format", "summary-json"]);
    if line.is_empty() {
        return;
    }
    let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let failing = v["failing"].as_array().expect("failing");
    let ids: Vec<&str> = failing.iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(&ids[..2], ["net.addr.assigned", "net.time.sync"], "{line}");
    assert!(failing[..2].iter().all(|f| f.get("consequence_of").is_none()), "{line}");
    assert!(failing[2..].iter().all(|f| f["consequence_of"].as_array().is_some_and(|a| !a.is_empty())), "{line}");
}

#[test]
fn the_ticket_leads_with_the_root_cause() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = fixture();
    let Some(mut cmd) = doctor_cmd(&["ticket", "--from", &f, "--dry-run", "--impact", "down"]) else { return };
    cmd.env("ECS_DOCTOR_TICKET_DIR", dir.path().join("state")).stdin(std::process::Stdio::null());
    let out = cmd.output().expect("ticket");
    let text = stdout(&out);
    assert!(out.status.success(), "{}\n{text}", stderr(&out));
    let root = text.find("(`net.addr.assigned`)").expect(&text);
    let consequence = text.find("(`net.route.default`)").expect(&text);
    assert!(root < consequence, "{text}");
    assert!(text.contains("↳ consequence of `net.addr.assigned`: fix that first"), "{text}");
    assert!(
        text.contains("the primary interface eth0 has no IP address (+5 more problems)"),
        "the title names the root cause:\n{text}"
    );
}

/// The real thing: ecs-doctor in a network namespace of its own with nothing in it (loopback
/// down, no address, no route), given a metadata service and an endpoint to reach, and a time
/// daemon to ask (a fake chronyd and chronyc in a private mount and PID namespace that has lost
/// its servers, so the time check's problem is the network, not a missing daemon). Exactly one failing check is a root
/// cause (no address, or no route where the examined system shows no primary interface), and
/// every other network failure is its consequence, directly or through another.
#[test]
fn an_empty_network_namespace_has_one_root_cause() {
    if !require(is_root(), "the empty-namespace run needs root (unshare --net --mount --pid)") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // chronyd runs but has lost its servers (what it reports without a network).
    let lost = "Reference ID    : 00000000 ()\nStratum         : 0\nSystem time     : 0.000000000 seconds fast of NTP time\nLeap status     : Not synchronised\n";
    let script = format!("{}exec \"$@\"\n", crate::topology::fake_time(dir.path(), &["chronyd"], lost));
    let out = std::process::Command::new("unshare")
        .args(["--net", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc"])
        .args(["sh", "-c", &script, "empty", BIN])
        .args(["run", "--format", "json", "--no-save", "--only", "net"])
        .args(["--metadata-url", "http://100.100.100.200", "--target", "http://10.9.9.9/"])
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env_remove("ECS_DOCTOR_METADATA_URL")
        .output()
        .expect("unshare");
    let r = valid_report(&stdout(&out));
    let failing: Vec<&serde_json::Value> = r["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| matches!(c["status"].as_str(), Some("warn" | "crit" | "error")))
        .collect();
    let roots: Vec<&str> =
        failing.iter().filter(|c| c.get("consequence_of").is_none()).filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(roots.len(), 1, "one root cause: {roots:?}\n{r:#}");
    assert!(["net.addr.assigned", "net.route.default"].contains(&roots[0]), "{roots:?}");
    for id in ["net.dns.resolver-reachable", "net.metadata.reachable", "net.reach.targets", "net.time.sync"] {
        let c = check(&r, id);
        assert!(c["consequence_of"].as_array().is_some_and(|a| !a.is_empty()), "{id} is a consequence: {c:#}");
    }
    // Each consequence leads back to the root cause.
    let of = |id: &str| -> Vec<String> {
        check(&r, id)["consequence_of"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    for c in &failing {
        let mut at = c["id"].as_str().unwrap_or_default().to_string();
        for _ in 0..8 {
            match of(&at).first() {
                Some(next) => at = next.clone(),
                None => break,
            }
        }
        assert_eq!(at, roots[0], "{} does not lead to the root cause", c["id"]);
    }
    // The terminal says so in one line.
    let text = std::process::Command::new("unshare")
        .args(["--net", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc"])
        .args(["sh", "-c", &script, "empty", BIN])
        .args(["run", "--no-save", "--only", "net"])
        .args(["--metadata-url", "http://100.100.100.200", "--target", "http://10.9.9.9/"])
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("ECS_DOCTOR_CONFIG")
        .output()
        .expect("unshare");
    let text = stdout(&text);
    let n = failing.len() - 1;
    assert!(text.contains(&format!("1 root cause, {n} consequences")), "{text}");
}
