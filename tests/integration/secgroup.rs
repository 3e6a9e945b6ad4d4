//! `net.security-group.inbound` against the ECS API stand-in (secgroup_lab.rs) on a loopback of
//! the test's own (`in_private_netns`, root): the stand-in is also the metadata service (named
//! with `--metadata-url`, so the cloud counts as detected only here) and, with `role`, hands out
//! RAM-role credentials. Every request's signature is checked by the stand-in.

use super::secgroup_lab::{EcsStandIn, EcsState, Perm, ROLE};
use super::ticket_lab::{KEY_ID, SECRET};
use crate::common::{doctor_here, in_private_netns, stderr, stdout, valid_report};

const ID: &str = "net.security-group.inbound";

fn state(groups: &[&'static str], rules: Vec<Perm>) -> EcsState {
    EcsState { groups: groups.to_vec(), rules, role: true, ..Default::default() }
}

/// Runs the check with the stand-in as metadata service and ECS endpoint.
fn run(lab: &EcsStandIn, extra: &[&str], env: &[(&str, &str)]) -> (serde_json::Value, String) {
    let md = lab.url();
    let mut args = vec!["run", "--format", "json", "--no-save", "--only", ID, "--metadata-url", &md];
    args.extend_from_slice(extra);
    let mut cmd = doctor_here(&args);
    cmd.env("ECS_DOCTOR_ECS_ENDPOINT", lab.url());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run ecs-doctor");
    let text = stdout(&out);
    assert!(out.status.code().is_some_and(|c| c != 64), "{}", stderr(&out));
    (valid_report(&text), text)
}

fn finding(r: &serde_json::Value) -> serde_json::Value {
    crate::common::check(r, ID)["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["subject"] == "22/tcp").cloned())
        .unwrap_or_else(|| panic!("no finding about 22/tcp: {r:#}"))
}

fn no_problems(lab: &EcsStandIn) {
    let st = lab.state();
    assert!(st.problems.is_empty(), "the stand-in saw: {:?}", st.problems);
}

#[test]
fn an_open_port_is_quiet_and_both_calls_are_signed() {
    in_private_netns(|| {
        let lab =
            EcsStandIn::start(state(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 1)]));
        let (r, text) = run(&lab, &[], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "ok", "{r:#}");
        assert!(
            crate::common::check(&r, "net.security-group.inbound")["summary"]
                .as_str()
                .unwrap_or_default()
                .contains("sg-lab-a"),
            "{r:#}"
        );
        assert_eq!(
            lab.actions(),
            [
                "DescribeInstanceAttribute InstanceId=i-lab0000000000000001",
                "DescribeSecurityGroupAttribute Direction=ingress RegionId=cn-lab SecurityGroupId=sg-lab-a"
            ]
        );
        no_problems(&lab);
        // The RAM role's secret and token never reach the report.
        let sts = lab.state().sig.sts.clone().expect("role credentials were issued");
        assert!(!text.contains(&sts.1) && !text.contains(&sts.2), "{text}");
    });
}

#[test]
fn a_port_missing_from_the_group_is_critical_and_names_the_rule_needed() {
    in_private_netns(|| {
        let lab =
            EcsStandIn::start(state(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-web", 80, "0.0.0.0/0", 1)]));
        let (r, _) = run(&lab, &[], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "crit", "{r:#}");
        let f = finding(&r);
        let m = f["message"].as_str().unwrap_or_default();
        assert!(m.contains("sg-lab-a"), "{m}");
        assert!(m.contains("inbound Accept TCP 22/22 from 0.0.0.0/0, priority 1"), "{m}");
        assert_eq!(f["code"], "SG-NO-RULE");
        no_problems(&lab);
    });
}

#[test]
fn a_drop_rule_of_higher_priority_in_another_group_wins() {
    in_private_netns(|| {
        let lab = EcsStandIn::start(state(
            &["sg-lab-a", "sg-lab-b"],
            vec![
                Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 10),
                Perm::drop("sg-lab-b", "sgr-deny", 22, "0.0.0.0/0", 5),
            ],
        ));
        let (r, _) = run(&lab, &[], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "crit", "{r:#}");
        let f = finding(&r);
        let m = f["message"].as_str().unwrap_or_default();
        assert!(m.contains("sg-lab-b") && m.contains("rule sgr-deny in sg-lab-b: Drop TCP 22/22"), "{m}");
        assert!(m.contains("priority 4"), "an Accept that outranks it: {m}");
        assert_eq!(f["code"], "SG-DROP");
        no_problems(&lab);
    });
}

#[test]
fn a_source_group_rule_cannot_be_judged_from_an_address() {
    in_private_netns(|| {
        let lab = EcsStandIn::start(state(
            &["sg-lab-a"],
            vec![Perm::accept("sg-lab-a", "sgr-bastion", 22, "sg:sg-bastion", 1)],
        ));
        let (r, _) = run(&lab, &[], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "warn", "{r:#}");
        let m = finding(&r)["message"].as_str().unwrap_or_default().to_string();
        assert!(m.contains("cannot be judged from an address"), "{m}");
        assert!(
            m.contains("rule sgr-bastion in sg-lab-a") && m.contains("members of security group sg-bastion"),
            "{m}"
        );
        assert!(m.contains("inbound Accept TCP 22/22 from 0.0.0.0/0, priority 1"), "{m}");
        no_problems(&lab);
    });
}

#[test]
fn forbidden_ram_says_which_permission_would_let_it_look() {
    in_private_netns(|| {
        let mut st = state(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 1)]);
        st.forbidden = true;
        let lab = EcsStandIn::start(st);
        let (r, _) = run(&lab, &[], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "skipped", "{r:#}");
        let s =
            crate::common::check(&r, "net.security-group.inbound")["summary"].as_str().unwrap_or_default().to_string();
        assert!(s.contains(&format!("RAM role {ROLE}")), "{s}");
        assert!(s.contains("Forbidden.RAM"), "{s}");
        assert!(s.contains("ecs:DescribeInstanceAttribute, ecs:DescribeSecurityGroupAttribute"), "{s}");
        assert!(s.contains("inbound Accept TCP 22/22 from 0.0.0.0/0, priority 1"), "{s}");
        no_problems(&lab);
    });
}

#[test]
fn without_credentials_no_api_call_is_made_and_the_check_says_how_to_give_some() {
    in_private_netns(|| {
        let mut st = state(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 1)]);
        st.role = false;
        let lab = EcsStandIn::start(st);
        let (r, _) = run(&lab, &[], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "skipped", "{r:#}");
        let s =
            crate::common::check(&r, "net.security-group.inbound")["summary"].as_str().unwrap_or_default().to_string();
        assert!(s.contains("RAM role") && s.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{s}");
        assert!(s.contains("inbound Accept TCP 22/22 from 0.0.0.0/0, priority 1"), "{s}");
        assert!(lab.actions().is_empty(), "no ECS call without credentials: {:?}", lab.actions());
        no_problems(&lab);
    });
}

#[test]
fn access_keys_from_the_environment_are_used_and_never_shown() {
    in_private_netns(|| {
        let mut st = state(&["sg-lab-a"], vec![Perm::drop("sg-lab-a", "sgr-deny", 22, "0.0.0.0/0", 1)]);
        st.role = false;
        let lab = EcsStandIn::start(st);
        let env = [("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)];
        let (r, text) = run(&lab, &[], &env);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "crit", "{r:#}");
        // Priority 1 cannot be outranked: the Drop rule must go.
        let m = finding(&r)["message"].as_str().unwrap_or_default().to_string();
        assert!(m.contains("remove or narrow rule sgr-deny in sg-lab-a"), "{m}");
        assert!(!text.contains(SECRET), "{text}");
        assert_eq!(lab.actions().len(), 2);
        no_problems(&lab);
    });
}

#[test]
fn offline_and_an_undetected_cloud_send_nothing() {
    in_private_netns(|| {
        let lab = EcsStandIn::start(state(&["sg-lab-a"], vec![]));
        // --offline: not even the metadata service is asked.
        let (r, _) = run(&lab, &["--offline"], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "skipped", "{r:#}");
        let s =
            crate::common::check(&r, "net.security-group.inbound")["summary"].as_str().unwrap_or_default().to_string();
        assert!(s.contains("--offline") && s.contains("inbound Accept TCP 22/22"), "{s}");
        // The config's offline = true does the same.
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("c.toml");
        std::fs::write(&config, "[net]\noffline = true\n").expect("config");
        let (r, _) = run(&lab, &["--config", config.to_str().expect("utf-8")], &[]);
        assert_eq!(crate::common::check(&r, "net.security-group.inbound")["status"], "skipped", "{r:#}");
        assert!(lab.state().requests.is_empty(), "{:?}", lab.state().requests);
        // No cloud detected (no metadata URL, and DMI does not say Alibaba here).
        let mut cmd = doctor_here(&["run", "--format", "json", "--no-save", "--only", ID]);
        cmd.env("ECS_DOCTOR_ECS_ENDPOINT", lab.url());
        let out = cmd.output().expect("run");
        let r = valid_report(&stdout(&out));
        // Skipped where DMI says it is no Alibaba Cloud instance (an error where it does: the
        // real metadata address does not answer in this namespace).
        assert!(
            matches!(
                crate::common::check(&r, "net.security-group.inbound")["status"].as_str(),
                Some("skipped" | "error")
            ),
            "{r:#}"
        );
        assert!(lab.state().requests.is_empty(), "{:?}", lab.state().requests);
    });
}
