//! `ecs-doctor fix` for the security group (`action.security_group`) against the ECS API
//! stand-in (secgroup_lab.rs) on a loopback of the test's own (`in_private_netns`, root): the
//! stand-in is the metadata service (instance, region, a RAM role's STS credentials) and the
//! ECS API, checks every request's signature, records the rule `AuthorizeSecurityGroup` adds
//! and returns it from then on, and removes it on `RevokeSecurityGroup`.
//!
//! - The plan shows the API call and its undo, sends only the read-only calls, starts nothing.
//! - Apply sends the signed `AuthorizeSecurityGroup` for the port and the customer's address
//!   (`--client`), the check is ok afterwards, the report keeps no credential; undo revokes it.
//! - No address: SSH is not opened to everyone; the plan says why and gives the console steps
//!   and the API call. The address of the SSH session (`SSH_CONNECTION`) is used when known.
//! - A Drop rule of higher priority is outranked by one; one of priority 1 is refused.
//! - A RAM role that may read but not change the group: the apply fails and says which
//!   permission; nothing is left behind.
//! - IPv6 (issue 14): an instance with a real global IPv6 address whose group lacks `::/0`
//!   gets SG-NO-IPV6, end to end; the repair adds the `::/0` counterpart of the IPv4 rule.

use super::secgroup_lab::{EcsStandIn, EcsState, Perm};
use crate::common::{check, doctor_here, in_private_netns, status_of, stderr, stdout, valid_report};
use std::process::Output;

const ID: &str = "net.security-group.inbound";
const CLIENT: &str = "203.0.113.7";

struct Fix {
    lab: EcsStandIn,
    dir: tempfile::TempDir,
}

impl Fix {
    fn new(groups: &[&'static str], rules: Vec<Perm>) -> Fix {
        let lab = EcsStandIn::start(EcsState { groups: groups.to_vec(), rules, role: true, ..Default::default() });
        Fix { lab, dir: tempfile::tempdir().expect("tempdir") }
    }

    fn spawn_log(&self) -> std::path::PathBuf {
        self.dir.path().join("spawned")
    }

    /// ecs-doctor with the stand-in as metadata service and ECS endpoint, the records in the
    /// test's directory, and no SSH session unless `env` names one.
    fn doctor(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let md = self.lab.url();
        let mut all = args.to_vec();
        all.extend(["--metadata-url", &md]);
        let mut cmd = doctor_here(&all);
        cmd.env("ECS_DOCTOR_ECS_ENDPOINT", self.lab.url())
            .env("ECS_DOCTOR_REPAIR_DIR", self.dir.path().join("repairs"))
            .env("ECS_DOCTOR_TEST_SPAWN_LOG", self.spawn_log())
            .env_remove("SSH_CONNECTION")
            .env_remove("SSH_CLIENT");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(std::process::Stdio::null()).output().expect("run ecs-doctor")
    }

    fn fix(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut all = vec!["fix", "--only", ID, "--no-save"];
        all.extend_from_slice(args);
        self.doctor(&all, env)
    }

    /// The check's report (`run`, or `why ssh --from` for one address).
    fn report(&self, from: Option<&str>) -> serde_json::Value {
        let out = match from {
            None => self.doctor(&["run", "--format", "json", "--no-save", "--only", ID], &[]),
            Some(a) => self.doctor(&["why", "ssh", "--from", a, "--format", "json", "--no-save", "--only", ID], &[]),
        };
        valid_report(&stdout(&out))
    }

    fn changes(&self) -> Vec<String> {
        self.lab.actions().into_iter().filter(|a| !a.starts_with("Describe")).collect()
    }

    fn sources(&self) -> Vec<String> {
        self.lab.state().rules.iter().map(|r| format!("{} {} {} {}", r.ports, r.source, r.policy, r.priority)).collect()
    }

    fn no_problems(&self) {
        let st = self.lab.state();
        assert!(st.problems.is_empty(), "the stand-in saw: {:?}", st.problems);
    }
}

fn finding_code(r: &serde_json::Value) -> Vec<String> {
    check(r, ID)["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["code"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[test]
fn ssh_missing_from_the_group_is_opened_for_the_clients_address_and_undone() {
    in_private_netns(|| {
        let f = Fix::new(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-web", 80, "0.0.0.0/0", 1)]);
        let before = f.sources();
        let r = f.report(Some(CLIENT));
        assert_eq!(status_of(&r, ID), "crit", "{r:#}");
        assert_eq!(finding_code(&r), ["SG-NO-RULE"]);

        // The plan: the call and its undo; only reads are sent, nothing is started.
        let out = f.fix(&["--client", CLIENT], &[]);
        let plan = stdout(&out);
        for want in [
            "security-group-accept-22-tcp",
            "add the inbound rule Accept TCP 22/22 from 203.0.113.7/32 (the address given with --client), priority 1, \
             to security group sg-lab-a in cn-lab through the ECS API (RAM role EcsDoctorLabRole)",
            "runs: ecs-api AuthorizeSecurityGroup RegionId=cn-lab SecurityGroupId=sg-lab-a Permissions.1.IpProtocol=TCP \
             Permissions.1.PortRange=22/22 Permissions.1.SourceCidrIp=203.0.113.7/32 Permissions.1.Policy=accept \
             Permissions.1.Priority=1 Permissions.1.Description=ecs-doctor-fix",
            "undo runs: ecs-api RevokeSecurityGroup RegionId=cn-lab SecurityGroupId=sg-lab-a",
        ] {
            assert!(plan.contains(want), "missing {want:?} in:\n{plan}\n{}", stderr(&out));
        }
        assert!(f.changes().is_empty(), "the plan changed the group: {:?}", f.changes());
        assert_eq!(f.sources(), before);
        assert!(!f.spawn_log().exists(), "the plan started something");

        // Apply: one signed AuthorizeSecurityGroup; the check judges the address ok after.
        let out = f.fix(&["--client", CLIENT, "--apply", "--yes", "--format", "json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        let report = valid_report(&stdout(&out));
        assert_eq!(report["repairs"][0]["state"], "applied", "{:#}", report["repairs"]);
        assert_eq!(status_of(&report, ID), "ok", "the re-check: {report:#}");
        let changes = f.changes();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(
            changes[0].starts_with("AuthorizeSecurityGroup ClientToken=",)
                && changes[0].contains("Permissions.1.SourceCidrIp=203.0.113.7/32")
                && changes[0].contains("Permissions.1.PortRange=22/22"),
            "{changes:?}"
        );
        f.no_problems();
        assert!(f.sources().contains(&"22/22 203.0.113.7/32 Accept 1".to_string()), "{:?}", f.sources());
        let sts = f.lab.state().sig.sts.clone().expect("role credentials were issued");
        let text = stdout(&out);
        assert!(!text.contains(&sts.1) && !text.contains(&sts.2), "a credential in the report: {text}");
        let records = std::fs::read_to_string(
            std::fs::read_dir(f.dir.path().join("repairs"))
                .expect("records")
                .flatten()
                .next()
                .expect("a record")
                .path()
                .join("manifest.json"),
        )
        .expect("manifest");
        assert!(!records.contains(&sts.1) && !records.contains(&sts.2), "a credential in the record: {records}");
        assert_eq!(status_of(&f.report(Some(CLIENT)), ID), "ok", "the stand-in returns the rule now");
        // For anyone else the port stays closed: only the client's address was admitted.
        assert_eq!(finding_code(&f.report(None)), ["SG-RESTRICTED"]);

        // Undo: the same rule revoked; the group is as before.
        let out = f.doctor(&["fix", "--undo"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        let changes = f.changes();
        assert!(changes.len() == 2 && changes[1].starts_with("RevokeSecurityGroup "), "{changes:?}");
        assert!(changes[1].contains("Permissions.1.SourceCidrIp=203.0.113.7/32"), "{changes:?}");
        assert_eq!(f.sources(), before);
        f.no_problems();
        assert_eq!(status_of(&f.report(Some(CLIENT)), ID), "crit");
    });
}

#[test]
fn ssh_is_never_opened_to_everyone_without_an_address() {
    in_private_netns(|| {
        let f = Fix::new(&["sg-lab-a"], vec![]);
        let out = f.fix(&[], &[]);
        let plan = stdout(&out);
        for want in [
            "ecs-doctor does not open SSH (tcp/22) to the whole internet on a guess",
            "ecs-doctor fix --client ADDR",
            "Instance > Security Groups > sg-lab-a > Configure Rules > Inbound",
            "aliyun ecs AuthorizeSecurityGroup --RegionId cn-lab --SecurityGroupId sg-lab-a --Permissions.1.IpProtocol TCP \
             --Permissions.1.PortRange 22/22 --Permissions.1.SourceCidrIp <your address>/32",
        ] {
            assert!(plan.contains(want), "missing {want:?} in:\n{plan}");
        }
        let out = f.fix(&["--apply", "--yes"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(f.changes().is_empty(), "{:?}", f.changes());
        assert!(f.sources().is_empty());

        // Logged in over SSH: the session's client address is the customer's.
        let session = [("SSH_CONNECTION", "198.51.100.9 50022 10.0.0.5 22")];
        let plan = stdout(&f.fix(&[], &session));
        assert!(
            plan.contains("from 198.51.100.9/32 (the client address of this SSH session)")
                && plan.contains("Permissions.1.SourceCidrIp=198.51.100.9/32"),
            "{plan}"
        );
        f.no_problems();
    });
}

#[test]
fn a_drop_rule_is_outranked_by_one_priority_and_one_of_priority_one_is_refused() {
    in_private_netns(|| {
        let f = Fix::new(
            &["sg-lab-a", "sg-lab-b"],
            vec![
                Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 10),
                Perm::drop("sg-lab-b", "sgr-deny", 22, "0.0.0.0/0", 5),
            ],
        );
        let out = f.fix(&["--client", CLIENT, "--apply", "--yes", "--format", "json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        let report = valid_report(&stdout(&out));
        assert_eq!(status_of(&report, ID), "ok", "{report:#}");
        assert!(f.sources().contains(&"22/22 203.0.113.7/32 Accept 4".to_string()), "{:?}", f.sources());
        f.no_problems();

        let f = Fix::new(&["sg-lab-a"], vec![Perm::drop("sg-lab-a", "sgr-deny", 22, "0.0.0.0/0", 1)]);
        let plan = stdout(&f.fix(&["--client", CLIENT], &[]));
        assert!(
            plan.contains("rule sgr-deny in sg-lab-a: Drop TCP 22/22")
                && plan.contains("which no Accept rule can outrank: remove or narrow that rule yourself"),
            "{plan}"
        );
        assert!(!plan.contains("runs: ecs-api"), "{plan}");
    });
}

#[test]
fn a_role_that_may_not_change_the_group_fails_and_says_which_permission() {
    in_private_netns(|| {
        let f = Fix::new(&["sg-lab-a"], vec![]);
        f.lab.state().read_only = true;
        let out = f.fix(&["--client", CLIENT, "--apply", "--yes"], &[]);
        assert_eq!(out.status.code(), Some(2), "{}\n{}", stdout(&out), stderr(&out));
        let said = stderr(&out);
        assert!(
            said.contains("Forbidden.RAM")
                && said.contains("RAM role EcsDoctorLabRole may not call ecs:AuthorizeSecurityGroup"),
            "{said}"
        );
        assert!(f.sources().is_empty());
        f.no_problems();
    });
}

/// Issue 14's IPv6 ask, end to end: the instance has a real global IPv6 address (on an
/// interface of the namespace, a veth), the group admits SSH from 0.0.0.0/0 but not from ::/0.
#[test]
fn an_ipv6_instance_whose_group_lacks_the_ipv6_rule_is_told_and_repaired() {
    in_private_netns(|| {
        for args in [
            &["link", "add", "eth-v6", "type", "veth", "peer", "name", "eth-v6p"][..],
            &["link", "set", "eth-v6", "up"],
            &["-6", "addr", "add", "2001:db8:88::5/64", "dev", "eth-v6", "nodad"],
        ] {
            let ok = std::process::Command::new("ip").args(args).status().expect("ip");
            assert!(ok.success(), "ip {args:?}");
        }
        let f = Fix::new(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 1)]);
        let r = f.report(None);
        assert_eq!(status_of(&r, ID), "warn", "{r:#}");
        assert_eq!(finding_code(&r), ["SG-NO-IPV6"]);
        let m = check(&r, ID)["findings"][0]["message"].as_str().unwrap_or_default().to_string();
        assert!(m.contains("inbound Accept TCP 22/22 from ::/0, priority 1"), "{m}");

        let out = f.fix(&["--apply", "--yes", "--format", "json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
        let report = valid_report(&stdout(&out));
        let changes = report["repairs"][0]["changes"].to_string();
        assert!(changes.contains("IPv4 is open to everyone by rule sgr-ssh"), "{changes}");
        assert!(f.sources().contains(&"22/22 ::/0 Accept 1".to_string()), "{:?}", f.sources());
        assert_eq!(status_of(&f.report(None), ID), "ok");
        f.no_problems();

        let out = f.doctor(&["fix", "--undo"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(finding_code(&f.report(None)), ["SG-NO-IPV6"]);
    });
}
