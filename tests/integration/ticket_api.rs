//! Filing through the network backends against the loopback lab (ticket_lab.rs): the
//! Workorder API with signatures checked server-side, failures injected (503, resets, a hang
//! past the timeout), the network down and back, RAM-role credentials, and the webhook.
//! Everything runs inside `common::in_private_netns` (root), so the only network is a
//! loopback of the test's own.

use super::ticket_lab::{CATEGORY, DESK_HEADER, Fail, KEY_ID, Lab, SECRET, State, check_bundle};
use crate::common::{doctor_here, in_private_netns, on_a_pty, project_dir, stderr, stdout, write};
use std::path::PathBuf;
use std::process::Output;

fn report() -> String {
    project_dir().join("tests/fixtures/reports/mixed.json").display().to_string()
}

/// A state directory and a config with a 1 s timeout, per test.
struct Dirs {
    dir: tempfile::TempDir,
}

impl Dirs {
    fn new(extra_config: &str) -> Dirs {
        let dir = tempfile::tempdir().expect("tempdir");
        let attempts = if extra_config.contains("attempts") { "" } else { "attempts = 4\n" };
        write(&dir.path().join("c.toml"), &format!("[ticket]\ntimeout = 1\n{attempts}{extra_config}"));
        Dirs { dir }
    }
    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }
    fn config(&self) -> String {
        self.dir.path().join("c.toml").display().to_string()
    }
    fn ledger(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.state().join("ledger.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("ledger line"))
            .collect()
    }
    fn spooled(&self) -> usize {
        std::fs::read_dir(self.state().join("spool")).map(|d| d.count()).unwrap_or(0)
    }
}

fn run(d: &Dirs, args: &[&str], creds: bool, metadata: Option<&str>) -> Output {
    let mut cmd = doctor_here(args);
    cmd.args(["--config", &d.config()]);
    cmd.env("ECS_DOCTOR_TICKET_DIR", d.state()).env("ECS_DOCTOR_REPORT_DIR", d.dir.path().join("reports"));
    if creds {
        cmd.env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID).env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET);
    }
    if let Some(m) = metadata {
        cmd.env("ECS_DOCTOR_METADATA_URL", m);
    }
    cmd.stdin(std::process::Stdio::null()).output().expect("run ecs-doctor")
}

fn file_aliyun(lab: &Lab, d: &Dirs, extra: &[&str]) -> Output {
    let url = lab.url();
    let from = report();
    let mut args = vec![
        "ticket",
        "--from",
        &from,
        "--backend",
        "aliyun",
        "--endpoint",
        &url,
        "--category-id",
        CATEGORY,
        "--yes",
        "--impact",
        "down",
    ];
    args.extend_from_slice(extra);
    run(d, &args, true, None)
}

/// The idempotency keys in the descriptions of the recorded tickets.
fn keys(st: &State) -> Vec<String> {
    st.tickets
        .iter()
        .map(|(_, p)| {
            let d = p.get("Description").cloned().unwrap_or_default();
            d.split("ecs-doctor-key: ").nth(1).map(|k| k.trim().to_string()).unwrap_or_default()
        })
        .collect()
}

#[test]
fn aliyun_files_one_signed_ticket_with_its_bundle_and_shows_its_status() {
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new("");
        let out = file_aliyun(&lab, &d, &["--title", "web-1 cannot resolve names"]);
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        let st = lab.state();
        assert!(st.problems.is_empty(), "{:?}", st.problems);
        assert_eq!(st.tickets.len(), 1, "{:?}", st.actions);
        let p = &st.tickets[0].1;
        assert_eq!(p.get("Title").map(String::as_str), Some("web-1 cannot resolve names"));
        assert_eq!(p.get("Severity").map(String::as_str), Some("2"), "impact down is urgent");
        assert!(p["Description"].contains("ecs-doctor-key: ecsd-") && p["Description"].contains("net.route.default"));
        let object = p.get("FileNameList").expect("the bundle is attached");
        check_bundle(st.uploads.get(object).expect("uploaded"));
        assert_eq!(st.actions, ["GetAttachmentUploadUrl", "CreateTicket"]);
        drop(st);
        assert!(stdout(&out).contains("Ticket filed: T0001"), "{}", stdout(&out));
        let ledger = d.ledger();
        assert_eq!(ledger.len(), 1);
        assert_eq!(ledger[0]["id"], "T0001");
        assert_eq!(d.spooled(), 0);

        let url = lab.url();
        let out = run(&d, &["ticket", "status", "--endpoint", &url], true, None);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("T0001: 2 dealing"), "{}", stdout(&out));
        let out = run(&d, &["ticket", "status", "T0001", "--lang", "zh-CN"], true, None);
        assert!(stdout(&out).contains("工单状态 T0001: 2 处理中"), "{}", stdout(&out));
        assert!(lab.state().problems.is_empty());
    });
}

#[test]
fn aliyun_failures_are_retried_and_resolved_without_duplicates() {
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new("");
        // One submission per failure pattern; each must end as exactly one ticket.
        let plans: [&[Fail]; 4] = [
            &[Fail::Http503, Fail::Http503],
            &[Fail::HangAfterRecord],
            &[Fail::ResetBeforeRecord],
            &[Fail::ResetAfterRecord, Fail::Http503],
        ];
        for (i, plan) in plans.iter().enumerate() {
            lab.state().fail = plan.iter().copied().collect();
            let out = file_aliyun(&lab, &d, &[]);
            assert_eq!(out.status.code(), Some(0), "plan {plan:?}: {}\n{}", stdout(&out), stderr(&out));
            assert_eq!(lab.state().tickets.len(), i + 1, "plan {plan:?}: {:?}", lab.state().actions);
            assert!(lab.state().fail.is_empty() || plan[0] == Fail::ResetAfterRecord, "plan {plan:?} not used up");
        }
        let st = lab.state();
        assert!(st.problems.is_empty(), "{:?}", st.problems);
        let keys = keys(&st);
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 4, "one ticket per key: {keys:?}");
        // After a hang or a reset after the ticket was recorded, it was found, not sent again.
        assert!(st.actions.iter().filter(|a| *a == "ListTickets").count() >= 2, "{:?}", st.actions);
        drop(st);
        assert_eq!(d.ledger().len(), 4);
        assert_eq!(d.spooled(), 0);
    });
}

fn set_lo(up: bool) {
    let s = std::process::Command::new("ip")
        .args(["link", "set", "lo", if up { "up" } else { "down" }])
        .status()
        .expect("ip link");
    assert!(s.success());
}

#[test]
fn network_down_spools_and_flush_then_run_file_exactly_once() {
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new("");
        set_lo(false);
        let out = file_aliyun(&lab, &d, &[]);
        set_lo(true);
        assert_eq!(out.status.code(), Some(3), "{}\n{}", stdout(&out), stderr(&out));
        assert!(stderr(&out).contains("ecs-doctor ticket --flush"), "{}", stderr(&out));
        assert_eq!(d.spooled(), 1);
        assert_eq!(lab.state().tickets.len(), 0);
        let out = run(&d, &["ticket", "status"], true, None);
        assert!(stdout(&out).contains("Waiting to be sent: ecsd-"), "{}", stdout(&out));
        assert!(stdout(&out).contains("No tickets filed from this machine yet."), "{}", stdout(&out));

        let out = run(&d, &["ticket", "--flush"], true, None);
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains("Ticket filed: T0001"), "{}", stdout(&out));
        assert_eq!(lab.state().tickets.len(), 1);
        assert_eq!(d.spooled(), 0);
        let out = run(&d, &["ticket", "--flush"], true, None);
        assert!(stderr(&out).contains("No saved tickets to send."), "{}", stderr(&out));
        assert_eq!(lab.state().tickets.len(), 1);

        // Down again: a later `ecs-doctor run` of the live system sends it once the network is
        // back; a run that examines another root (a rescued disk, a fixture) leaves it alone.
        set_lo(false);
        let out = file_aliyun(&lab, &d, &[]);
        set_lo(true);
        assert_eq!(out.status.code(), Some(3));
        let root = project_dir().join("tests/fixtures/roots/healthy");
        let out =
            run(&d, &["run", "--no-save", "--only", "sys.cpu.load", "--root", root.to_str().expect("p")], true, None);
        assert!(!stderr(&out).contains("Ticket filed"), "--root sent the live spool: {}", stderr(&out));
        assert_eq!(d.spooled(), 1);
        assert_eq!(lab.state().tickets.len(), 1);
        let out = run(&d, &["run", "--no-save", "--only", "sys.cpu.load"], true, None);
        assert!(stderr(&out).contains("Ticket filed: T0002"), "{}\n{}", stdout(&out), stderr(&out));
        assert!(!stdout(&out).contains("Ticket filed"), "run's stdout is the report only");
        let st = lab.state();
        assert_eq!(st.tickets.len(), 2);
        assert!(st.problems.is_empty(), "{:?}", st.problems);
        let keys = keys(&st);
        assert_ne!(keys[0], keys[1]);
        drop(st);
        assert_eq!(d.ledger().len(), 2);
        assert_eq!(d.spooled(), 0);
    });
}

#[test]
fn a_crash_after_sending_is_resolved_by_lookup_on_flush() {
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new("attempts = 1\n");
        // The ticket reaches the server but the answer never comes; with one attempt the run
        // gives up and spools it (as a crash after sending would leave it).
        lab.state().fail = [Fail::HangAfterRecord].into_iter().collect();
        let out = file_aliyun(&lab, &d, &[]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(d.spooled(), 1);
        assert_eq!(lab.state().tickets.len(), 1);
        let out = run(&d, &["ticket", "--flush"], true, None);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("Already filed earlier (found by its key): T0001"), "{}", stdout(&out));
        let st = lab.state();
        assert_eq!(st.tickets.len(), 1, "{:?}", st.actions);
        assert!(st.problems.is_empty(), "{:?}", st.problems);
    });
}

#[test]
fn ram_role_credentials_come_from_metadata_and_are_refreshed() {
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new("");
        let url = lab.url();
        let md = format!("{url}/latest/meta-data/");
        let from = report();
        // Credentials that expire in 100 s are inside the 180 s refresh window: every call
        // must fetch new ones (the lab accepts only the latest issued).
        let out = run(
            &d,
            &["ticket", "--from", &from, "--backend", "aliyun", "--endpoint", &url, "--category-id", CATEGORY, "--yes"],
            false,
            Some(&md),
        );
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        let st = lab.state();
        assert!(st.problems.is_empty(), "{:?}", st.problems);
        assert_eq!(st.tickets.len(), 1);
        assert!(st.sts_issued as usize >= st.actions.len(), "{} fetches for {:?}", st.sts_issued, st.actions);
    });
}

#[test]
fn aliyun_without_category_or_credentials_says_what_to_set() {
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new("");
        let url = lab.url();
        let from = report();
        let out = run(&d, &["ticket", "--from", &from, "--backend", "aliyun", "--endpoint", &url, "--yes"], true, None);
        assert_eq!(out.status.code(), Some(64));
        assert!(stderr(&out).contains("--category-id"), "{}", stderr(&out));
        let out = run(
            &d,
            &["ticket", "--from", &from, "--backend", "aliyun", "--endpoint", &url, "--category-id", CATEGORY, "--yes"],
            false,
            None,
        );
        assert_eq!(out.status.code(), Some(3));
        assert!(stderr(&out).contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{}", stderr(&out));
        assert_eq!(lab.state().actions.len(), 0, "nothing sent");
    });
}

#[test]
fn webhook_posts_once_per_key_with_headers_and_the_bundle() {
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new(&format!("[ticket.webhook_headers]\n{} = \"{}\"\n", DESK_HEADER.0, DESK_HEADER.1));
        let hook = format!("{}/hook", lab.url());
        let from = report();
        lab.state().fail = [Fail::Http503, Fail::HangAfterRecord, Fail::ResetAfterRecord].into_iter().collect();
        let out = run(
            &d,
            &["ticket", "--from", &from, "--backend", "webhook", "--endpoint", &hook, "--yes", "--lang", "zh-CN"],
            false,
            None,
        );
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        let st = lab.state();
        assert!(st.problems.is_empty(), "{:?}", st.problems);
        assert_eq!(st.hook_keys.len(), 4, "three failures, then success");
        assert!(st.hook_keys.windows(2).all(|w| w[0] == w[1]), "the same key on every retry: {:?}", st.hook_keys);
        assert_eq!(st.hook.len(), 1, "one ticket recorded");
        let (id, json, bundle) = st.hook.values().next().expect("ticket");
        assert_eq!(id, "DESK-1");
        assert_eq!(json["key"], st.hook_keys[0].as_str());
        assert_eq!(json["labels"]["symptoms"], "问题现象");
        check_bundle(bundle.as_deref().expect("bundle part"));
        drop(st);
        assert!(stdout(&out).contains("DESK-1"), "{}", stdout(&out));
        assert!(!stdout(&out).contains(DESK_HEADER.1), "the preview shows the desk token: {}", stdout(&out));
        assert_eq!(d.ledger().len(), 1);
    });
}

#[test]
fn on_a_terminal_the_category_is_chosen_from_list_categories() {
    if !crate::common::require(
        std::process::Command::new("script").arg("-V").output().is_ok(),
        "util-linux `script` is not installed",
    ) {
        return;
    }
    in_private_netns(|| {
        let lab = Lab::start();
        let d = Dirs::new("");
        let url = lab.url();
        let from = report();
        let mut cmd = doctor_here(&[
            "ticket",
            "--from",
            &from,
            "--backend",
            "aliyun",
            "--endpoint",
            &url,
            "--impact",
            "down",
            "--since",
            "now",
            "--tried",
            "rebooted",
            "--title",
            "t",
            "--description",
            "d",
            "--email",
            "a@example.com",
        ]);
        cmd.args(["--config", &d.config()]);
        cmd.env("ECS_DOCTOR_TICKET_DIR", d.state())
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET);
        let out = on_a_pty(&cmd, "1\ny\n");
        let screen = stdout(&out);
        assert!(screen.contains("Which category fits best?") && screen.contains("1) ECS instance (18376)"), "{screen}");
        assert!(screen.contains("Ticket filed: T0001"), "{screen}");
        let st = lab.state();
        assert!(st.problems.is_empty(), "{:?}", st.problems);
        assert_eq!(st.actions, ["ListCategories", "GetAttachmentUploadUrl", "CreateTicket"]);
        assert_eq!(st.tickets[0].1.get("CategoryId").map(String::as_str), Some(CATEGORY));
    });
}
