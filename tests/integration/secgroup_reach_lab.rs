//! The security group, for real: the lab of `tests/topology.rs` (client ↔ router ↔ server) with
//! a real sshd on the server ([`crate::integration::lab_sshd`]). The router's iptables FORWARD
//! chain enforces the security group's rules on new TCP connections to the server, exactly as
//! the ECS API stand-in (secgroup_lab.rs, in the server namespace on 10.88.0.2) describes them
//! to ecs-doctor, which runs on the server as the customer would, with the instance's RAM role
//! from the lab's metadata service. Each injected fault (the port missing from the group, a Drop
//! rule of higher priority, a rule only for a source group) must make the real connection from
//! the client fail and make ecs-doctor name the group and the rule; the healthy lab logs in and
//! the check is quiet. Root only; run under the lab lock.

use super::lab_sshd::{Machine, Sshd, ssh_lab_ok, tcp_connect_from};
use super::secgroup_lab::{EcsStandIn, EcsState, Perm};
use crate::common::*;
use crate::topology::{self, Lab, MdMode, SERVER_IP};

const ID: &str = "net.security-group.inbound";

/// The router's iptables for the rules: established traffic passes; a new TCP connection to the
/// server walks the rules in the platform's order (priority, Drop first) and is dropped when no
/// rule matches. A rule by source group admits its members: the client is none of them.
fn enforce(lab: &Lab, rules: &[Perm]) {
    let mut sorted: Vec<&Perm> = rules.iter().collect();
    sorted.sort_by_key(|r| (r.priority, r.policy != "Drop"));
    let mut script = String::from(
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:SG - [0:0]\n\
         -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n",
    );
    script.push_str(&format!("-A FORWARD -d {SERVER_IP}/32 -p tcp -m conntrack --ctstate NEW -j SG\n"));
    for r in sorted {
        if r.source.starts_with("sg:") || r.source.starts_with("pl:") {
            continue;
        }
        let (lo, hi) = r.ports.split_once('/').expect("port range");
        let ports = if lo == "-1" { String::new() } else { format!(" --dport {lo}:{hi}") };
        let target = if r.policy == "Drop" { "DROP" } else { "ACCEPT" };
        script.push_str(&format!("-A SG -p tcp -s {}{ports} -j {target}\n", r.source));
    }
    script.push_str("-A SG -j DROP\nCOMMIT\n");
    let path = lab.dir.path().join("sg.rules");
    std::fs::write(&path, script).expect("rules");
    topology::ns_exec(&lab.router, &["sh", "-c", &format!("iptables-restore -w 5 < {}", path.display())]);
}

struct SgLab {
    // Drop order: the daemon, then the stand-in, the machine, the lab.
    sshd: Sshd,
    api: EcsStandIn,
    server: Machine,
    lab: Lab,
}

fn sg_lab(groups: &[&'static str], rules: Vec<Perm>) -> SgLab {
    let lab = Lab::new(MdMode::Token);
    lab.metadata.with_role();
    enforce(&lab, &rules);
    let server = Machine::new(&lab.server, true);
    server.write("/etc/resolv.conf", &format!("nameserver {}\n", topology::DNS1));
    let sshd = Sshd::start(&server, &Sshd::config(22, "")).expect("sshd");
    let mut state = EcsState { groups: groups.to_vec(), rules, ..Default::default() };
    let (key, secret, token) = topology::ROLE_CREDENTIALS;
    state.sig.sts = Some((key.into(), secret.into(), token.into()));
    let api = EcsStandIn::serve(topology::listen_in(&lab.server, SERVER_IP), state);
    SgLab { sshd, api, server, lab }
}

impl SgLab {
    fn doctor(&self) -> serde_json::Value {
        self.doctor_with(&["run", "--format", "json", "--no-save", "--only", ID])
    }

    /// ecs-doctor with `args` on the server, the lab's metadata service and ECS stand-in named.
    fn doctor_with(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.extend(["--metadata-url", "http://100.100.100.200"]);
        let mut cmd = self.server.doctor_cmd(&args);
        cmd.env("ECS_DOCTOR_ECS_ENDPOINT", self.api.url());
        let out = cmd.output().expect("ecs-doctor on the server");
        let r = valid_report(&stdout(&out));
        let st = self.api.state();
        assert!(st.problems.is_empty(), "the ECS stand-in saw: {:?}", st.problems);
        r
    }

    fn connects(&self) -> bool {
        let login = self.sshd.ssh_from(&self.lab.client, SERVER_IP, "root");
        login.status.success()
    }
}

fn finding(r: &serde_json::Value) -> serde_json::Value {
    check(r, "net.security-group.inbound")["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["subject"] == "22/tcp").cloned())
        .unwrap_or_else(|| panic!("no finding about 22/tcp: {r:#}"))
}

#[test]
fn the_healthy_group_admits_ssh_and_the_check_is_quiet() {
    if !ssh_lab_ok() {
        return;
    }
    let l = sg_lab(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 1)]);
    assert!(l.connects(), "a real login through the group works");
    let r = l.doctor();
    let c = check(&r, "net.security-group.inbound");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "{c:#}");
    assert!(l.api.actions().iter().any(|a| a.starts_with("DescribeSecurityGroupAttribute")), "{:?}", l.api.actions());
    // `why ssh` on the healthy lab: the group passes, nothing inside explains a complaint.
    let r = l.doctor_with(&["why", "ssh", "--user", "root", "--format", "json", "--no-save"]);
    assert_eq!(r["diagnosis"]["steps"][0], serde_json::json!({"check": ID, "status": "ok"}), "{:#}", r["diagnosis"]);
    assert!(r["diagnosis"]["cause"].is_null(), "{:#}", r["diagnosis"]);
}

#[test]
fn ssh_missing_from_the_group_fails_for_real_and_is_named() {
    if !ssh_lab_ok() {
        return;
    }
    let l = sg_lab(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-web", 80, "0.0.0.0/0", 1)]);
    assert!(!l.connects(), "the group drops SSH");
    assert!(tcp_connect_from(&l.lab.client, SERVER_IP, 22).is_err());
    let r = l.doctor();
    assert_eq!(check(&r, "net.security-group.inbound")["status"], "crit", "{r:#}");
    let f = finding(&r);
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("sg-lab-a") && m.contains("inbound Accept TCP 22/22 from 0.0.0.0/0, priority 1"), "{m}");
    assert_eq!(f["code"], "SG-NO-RULE");
    // `why ssh` walks the security group first: it is the cause, before anything inside.
    let r = l.doctor_with(&["why", "ssh", "--format", "json", "--no-save"]);
    assert_eq!(r["diagnosis"]["cause"], ID, "{:#}", r["diagnosis"]);
    assert_eq!(r["diagnosis"]["steps"][0]["check"], ID);
    // And `why port` for a web port the group does not admit either.
    let r = l.doctor_with(&["why", "port", "8080", "--format", "json", "--no-save"]);
    assert_eq!(r["diagnosis"]["steps"][0], serde_json::json!({"check": ID, "status": "crit"}), "{:#}", r["diagnosis"]);
}

#[test]
fn a_drop_rule_of_higher_priority_fails_for_real_and_is_named() {
    if !ssh_lab_ok() {
        return;
    }
    let l = sg_lab(
        &["sg-lab-a", "sg-lab-b"],
        vec![
            Perm::accept("sg-lab-a", "sgr-ssh", 22, "0.0.0.0/0", 10),
            Perm::drop("sg-lab-b", "sgr-deny", 22, "0.0.0.0/0", 5),
        ],
    );
    assert!(!l.connects(), "the Drop rule wins");
    let r = l.doctor();
    assert_eq!(check(&r, "net.security-group.inbound")["status"], "crit", "{r:#}");
    let f = finding(&r);
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("security group sg-lab-b") && m.contains("rule sgr-deny in sg-lab-b: Drop TCP 22/22"), "{m}");
    assert_eq!(f["code"], "SG-DROP");
}

#[test]
fn a_rule_for_a_source_group_fails_for_an_outsider_and_is_named() {
    if !ssh_lab_ok() {
        return;
    }
    let l = sg_lab(&["sg-lab-a"], vec![Perm::accept("sg-lab-a", "sgr-bastion", 22, "sg:sg-bastion", 1)]);
    assert!(!l.connects(), "the client is no member of sg-bastion");
    let r = l.doctor();
    assert_eq!(check(&r, "net.security-group.inbound")["status"], "warn", "{r:#}");
    let m = finding(&r)["message"].as_str().unwrap_or_default().to_string();
    assert!(m.contains("rule sgr-bastion in sg-lab-a") && m.contains("cannot be judged from an address"), "{m}");
}
