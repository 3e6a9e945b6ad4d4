//! `ecs-doctor fix` against a real host firewall: the lab of `tests/topology.rs` (client ↔
//! router ↔ server), a real sshd on the server ([`crate::integration::lab_sshd`]) and the
//! server's saved iptables rules (`/etc/iptables/rules.v4`, root:adm 0640, in the machine's
//! private /etc) loaded into its network namespace with `iptables-restore`, as the distribution
//! does at boot. The saved rules reject SSH: a real login from the client fails.
//!
//! - The plan shows the rule it inserts and deletes, the diff of rules.v4 and its validator, and
//!   changes nothing (the running rules and the file are the same after).
//! - Apply: the running INPUT chain and rules.v4 accept SSH; a real login works again;
//!   net.firewall.local is ok.
//! - Undo: the rule is deleted, rules.v4 is back byte for byte with its mode and owner, and the
//!   login fails again.
//! - A second firewall the finding did not show (a native nftables chain that also drops the
//!   port) keeps the port blocked after the iptables rule: the re-check finds it, the repair is
//!   rolled back (rule deleted, rules.v4 restored) and says so; the SSH check, whose evidence
//!   shows that nftables chain, is not repaired and the plan gives the nft command instead.
//! - SSH rejected over IPv6 alone (`SSH-BLOCKED-IPV6`: saved `/etc/iptables/rules.v6` loaded
//!   with `ip6tables-restore`): a real `ssh` to the server's IPv6 address is refused while IPv4
//!   logs in; the plan names ip6tables only and changes nothing; apply lets the IPv6 login in
//!   (and the saved rules.v6 too); undo deletes the rule, restores rules.v6 byte for byte with
//!   its mode and owner, and the IPv6 login is refused again.
//!
//! Root only, under the lab lock.

use crate::common::*;
use crate::integration::lab_sshd::{Machine, Sshd, ssh_lab_ok};
use crate::topology::{Lab, MdMode, SERVER_IP, SERVER_IP6};
use ecs_doctor::repair::files;
use std::os::unix::fs::MetadataExt;
use std::process::Output;

const RULES: &str = "# saved by the customer's firewall script\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n\
:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset\nCOMMIT\n";

const REPAIRS: &str = "/run/ecs-doctor-repairs";

fn fix(m: &Machine, args: &[&str]) -> Output {
    let mut all = vec!["fix"];
    all.extend_from_slice(args);
    m.doctor_cmd(&all).env("ECS_DOCTOR_REPAIR_DIR", REPAIRS).output().expect("nsenter ecs-doctor fix")
}

/// The running IPv4 rules of the server, as `iptables -S` prints them (no counters).
fn running(m: &Machine) -> String {
    let out = m.command("iptables", &["-S"]).output().expect("iptables -S");
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n")
}

/// sha256, mode and owner of a file of the machine.
fn state(m: &Machine, path: &str) -> (String, u32, u32, u32) {
    let p = m.path(path);
    let meta = std::fs::metadata(&p).expect("stat");
    (files::sha256(&std::fs::read(&p).expect("read")), meta.mode() & 0o7777, meta.uid(), meta.gid())
}

/// The server with sshd running and its saved rules loaded: SSH is rejected.
fn locked_out_server(lab: &Lab) -> (Machine, Sshd) {
    let m = Machine::new(&lab.server, true);
    let sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "a real login works first");
    m.write_mode("/etc/iptables/rules.v4", RULES, 0o640);
    std::os::unix::fs::chown(m.path("/etc/iptables/rules.v4"), Some(0), Some(4)).expect("chown root:adm");
    m.sh("iptables-restore /etc/iptables/rules.v4");
    let login = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    assert!(!login.status.success(), "the saved rules lock SSH out");
    (m, sshd)
}

#[test]
fn a_firewall_that_rejects_ssh_is_opened_in_the_running_and_saved_rules_and_undone() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let (m, sshd) = locked_out_server(&lab);
    let (r, _) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "net.firewall.local"]);
    assert_eq!(status_of(&r, "net.firewall.local"), "crit", "{r:#}");
    let original = state(&m, "/etc/iptables/rules.v4");
    assert_eq!((original.1, original.2, original.3), (0o640, 0, 4), "{original:?}");
    let rules_before = running(&m);

    // The plan: the commands, the diff, the validator; nothing changes.
    let out = fix(&m, &["--only", "net.firewall.local", "--no-save"]);
    let plan = stdout(&out);
    for want in [
        "firewall-accept-tcp-22  ·  net.firewall.local  ·  tcp/22",
        "runs: iptables -w 5 -I INPUT 1 -p tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT",
        "undo runs: iptables -w 5 -D INPUT -p tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT",
        "    +-A INPUT -p tcp -m tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT",
        "validate: iptables-restore --test /etc/iptables/rules.v4",
        "applied only when every account that can log in now still can after",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(running(&m), rules_before, "the plan changes no rule");
    assert_eq!(state(&m, "/etc/iptables/rules.v4"), original, "the plan changes no file");

    // Apply: SSH is accepted, now and at the next boot; a real login works.
    let out = fix(&m, &["--only", "net.firewall.local", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("firewall-accept-tcp-22: repaired and verified"), "{}", stderr(&out));
    let login = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    assert!(login.status.success(), "a real login works after the repair: {}", stderr(&login));
    let (r, _) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "net.firewall.local"]);
    assert_eq!(status_of(&r, "net.firewall.local"), "ok", "{r:#}");
    assert!(
        running(&m).contains("-A INPUT -p tcp -m tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT"),
        "{}",
        running(&m)
    );
    let saved = std::fs::read_to_string(m.path("/etc/iptables/rules.v4")).expect("rules.v4");
    assert_eq!(
        saved,
        RULES.replace(
            ":OUTPUT ACCEPT [0:0]\n",
            ":OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT\n"
        )
    );
    let after = state(&m, "/etc/iptables/rules.v4");
    assert_eq!((after.1, after.2, after.3), (original.1, original.2, original.3), "mode and owner kept");
    // What the distribution loads at boot lets SSH in too.
    m.sh("iptables -F INPUT && iptables-restore /etc/iptables/rules.v4");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "the saved rules accept SSH");

    // Undo: the rule goes, rules.v4 is back byte for byte with its mode and owner.
    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(state(&m, "/etc/iptables/rules.v4"), original, "sha256, mode and owner restored");
    assert_eq!(running(&m), rules_before, "the inserted rule is deleted");
    assert!(!sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "locked out again, as before");
}

#[test]
fn a_second_firewall_that_still_blocks_the_port_rolls_the_repair_back() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let (m, sshd) = locked_out_server(&lab);
    // A native nftables chain (IPv4) that drops SSH too, after iptables' chain (priority 10).
    m.sh("nft add table ip lab && \
          nft add chain ip lab input '{ type filter hook input priority 10; policy accept; }' && \
          nft add rule ip lab input tcp dport 22 drop");
    let original = state(&m, "/etc/iptables/rules.v4");
    let rules_before = running(&m);

    // The SSH check shows both blocks: not repaired, with the nft command to type.
    let out = fix(&m, &["--only", "net.firewall.local", "--no-save"]);
    let plan = stdout(&out);
    assert!(plan.contains("nft insert rule ip lab input tcp dport 22 accept"), "{plan}{}", stderr(&out));
    assert!(!plan.contains("firewall-accept-tcp-22  ·"), "{plan}");

    // The port check shows the first block only (iptables): the repair is tried, the re-check
    // still finds the port blocked (by nftables now), and it is rolled back.
    let out = fix(&m, &["--only", "net.port.firewall", "--port", "22", "--no-save"]);
    assert!(stdout(&out).contains("firewall-accept-tcp-22  ·  net.port.firewall  ·  tcp/22"), "{}", stdout(&out));
    let out = fix(&m, &["--only", "net.port.firewall", "--port", "22", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("firewall-accept-tcp-22: rolled back, the system is as it was"), "{said}");
    assert!(said.contains("net.port.firewall still finds it"), "{said}");
    assert_eq!(running(&m), rules_before, "the inserted rule is deleted again");
    assert_eq!(state(&m, "/etc/iptables/rules.v4"), original, "rules.v4 restored");
    assert!(!sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success());
    let out = fix(&m, &["--list"]);
    assert!(stdout(&out).contains("rolled back"), "{}", stdout(&out));
}

const RULES6: &str = "# saved by the customer's firewall script\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n\
:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset\nCOMMIT\n";

/// The running IPv6 rules of the server, as `ip6tables -S` prints them.
fn running6(m: &Machine) -> String {
    let out = m.command("ip6tables", &["-S"]).output().expect("ip6tables -S");
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n")
}

#[test]
fn ssh_rejected_over_ipv6_alone_is_opened_in_ip6tables_and_undone() {
    if !ssh_lab_ok() || !require(std::path::Path::new("/usr/sbin/ip6tables").exists(), "this lab needs ip6tables") {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    lab.with_ipv6();
    let m = Machine::new(&lab.server, true);
    let sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP6, "root").status.success(), "a real IPv6 login works first");
    m.write_mode("/etc/iptables/rules.v6", RULES6, 0o640);
    std::os::unix::fs::chown(m.path("/etc/iptables/rules.v6"), Some(0), Some(4)).expect("chown root:adm");
    m.sh("ip6tables-restore /etc/iptables/rules.v6");
    assert!(!sshd.ssh_from(&lab.client, SERVER_IP6, "root").status.success(), "IPv6 logins are refused");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "IPv4 still logs in");
    let only = ["run", "--format", "json", "--no-save", "--only", "net.firewall.local"];
    let (r, _) = m.doctor(&only);
    assert_eq!(status_of(&r, "net.firewall.local"), "warn", "{r:#}");
    let original = state(&m, "/etc/iptables/rules.v6");
    let (v4_before, v6_before) = (running(&m), running6(&m));

    // The plan: ip6tables only, the diff of rules.v6 and its validator; nothing changes.
    let out = fix(&m, &["--only", "net.firewall.local", "--no-save"]);
    let plan = stdout(&out);
    for want in [
        "firewall-accept-tcp-22  ·  net.firewall.local  ·  tcp/22",
        "runs: ip6tables -w 5 -I INPUT 1 -p tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT",
        "undo runs: ip6tables -w 5 -D INPUT -p tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT",
        "    +-A INPUT -p tcp -m tcp --dport 22 -m comment --comment ecs-doctor-fix -j ACCEPT",
        "validate: ip6tables-restore --test /etc/iptables/rules.v6",
        "applied only when every account that can log in now still can after",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert!(!plan.contains("runs: iptables "), "IPv4 is not touched: {plan}");
    assert_eq!((running(&m), running6(&m)), (v4_before.clone(), v6_before.clone()), "the plan changes no rule");
    assert_eq!(state(&m, "/etc/iptables/rules.v6"), original, "the plan changes no file");

    // Apply: a real IPv6 login works; the check is ok; the saved rules accept it too.
    let out = fix(&m, &["--only", "net.firewall.local", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("firewall-accept-tcp-22: repaired and verified"), "{}", stderr(&out));
    let login = sshd.ssh_from(&lab.client, SERVER_IP6, "root");
    assert!(login.status.success(), "a real IPv6 login works after the repair: {}", stderr(&login));
    let (r, _) = m.doctor(&only);
    assert_eq!(status_of(&r, "net.firewall.local"), "ok", "{r:#}");
    assert_eq!(running(&m), v4_before, "IPv4 rules untouched");
    let after = state(&m, "/etc/iptables/rules.v6");
    assert_eq!((after.1, after.2, after.3), (original.1, original.2, original.3), "mode and owner kept");
    m.sh("ip6tables -F INPUT && ip6tables-restore /etc/iptables/rules.v6");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP6, "root").status.success(), "the saved rules.v6 accept SSH");

    // Undo: the rule goes, rules.v6 is back byte for byte; IPv6 is refused again.
    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(state(&m, "/etc/iptables/rules.v6"), original, "sha256, mode and owner restored");
    assert_eq!(running6(&m), v6_before, "the inserted rule is deleted");
    assert!(!sshd.ssh_from(&lab.client, SERVER_IP6, "root").status.success(), "IPv6 refused again, as before");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "IPv4 still logs in");
}
