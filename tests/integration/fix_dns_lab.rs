//! `ecs-doctor fix` against name resolution faults, injected for real: the network lab of
//! `tests/topology.rs` (dnsmasq answers the lab's names on the platform's addresses) and the
//! client as a [`Machine`] (its own mount namespace: an /etc overlay and a /run tmpfs that live
//! as long as the test), so glibc on the machine really resolves through the files under test:
//! `getent hosts` proves each fault and each repair.
//!
//! - nsswitch.conf whose `hosts:` line never asks DNS: the line is replaced, names resolve.
//! - /etc/hosts lines overriding a target and the platform mirror: commented out, the other name
//!   of the line kept; DNS answers again.
//! - /etc/resolv.conf linked to systemd-resolved's stub while nothing listens there: the link is
//!   pointed at resolved's upstream list; without one the repair is refused.
//!
//! Each: the plan changes nothing, apply makes the check ok, undo restores sha256, mode and
//! owner (and the link). Root only; run under the lab lock.

use crate::common::*;
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::Machine;
use crate::topology::{self, Lab, MdMode, lab_ok};
use std::process::Output;

const REPAIRS: &str = "/run/ecs-doctor-repairs";
pub const MD: &str = "http://100.100.100.200";

pub fn fix(m: &Machine, args: &[&str]) -> Output {
    let mut all = vec!["fix", "--no-save"];
    if args.first().is_some_and(|a| *a == "--undo") {
        all.pop();
    }
    all.extend_from_slice(args);
    m.doctor_cmd(&all).env("ECS_DOCTOR_REPAIR_DIR", REPAIRS).output().expect("nsenter ecs-doctor fix")
}

/// `getent hosts NAME` on the machine: its answer, or None.
pub fn getent(m: &Machine, name: &str) -> Option<String> {
    let out = m.command("getent", &["hosts", name]).output().expect("getent");
    out.status.success().then(|| stdout(&out))
}

/// The lab's client as a machine whose resolv.conf names the lab's (the platform's) DNS.
pub fn client(lab: &Lab) -> Machine {
    let m = Machine::new(&lab.client, false);
    let _ = std::fs::remove_file(m.path("/etc/resolv.conf"));
    m.write("/etc/resolv.conf", &format!("nameserver {}\n", topology::DNS1));
    m
}

pub fn run(m: &Machine, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run", "--format", "json", "--no-save"];
    all.extend_from_slice(args);
    m.doctor(&all).0
}

#[test]
fn an_nsswitch_line_without_dns_gets_dns_and_is_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = client(&lab);
    let target = format!("http://{}/", topology::GOOD_NAME);
    let nss = "passwd: files\ngroup: files\nhosts:          files\nnetworks: files\n";
    m.write_mode("/etc/nsswitch.conf", nss, 0o640);
    let path = m.path("/etc/nsswitch.conf");
    assert_eq!(getent(&m, topology::GOOD_NAME), None, "the fault is real: glibc never asks DNS");
    let args = ["--only", "net.dns.nsswitch", "--target", &target];
    let r = run(&m, &args);
    assert_eq!(status_of(&r, "net.dns.nsswitch"), "crit", "{r:#}");
    let original = file_state(&path);

    let out = fix(&m, &args);
    let plan = stdout(&out);
    for want in [
        "nsswitch-hosts-dns-etc-nsswitch-conf  ·  net.dns.nsswitch  ·  /etc/nsswitch.conf",
        "replace the hosts: line /etc/nsswitch.conf:3 by `hosts:      files dns`",
        "    -hosts:          files",
        "    +# hosts:          files  # ecs-doctor fix: DNS was never asked",
        "    +hosts:      files dns",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(file_state(&path), original, "the plan changes nothing");

    let out = fix(&m, &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let answer = getent(&m, topology::GOOD_NAME).unwrap_or_default();
    assert!(answer.contains(topology::SERVER_IP), "the name resolves through DNS: {answer:?}");
    assert_eq!(status_of(&run(&m, &args), "net.dns.nsswitch"), "ok");
    let now = file_state(&path);
    assert_eq!((now.1, now.2, now.3), (original.1, original.2, original.3), "mode and owner kept");

    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");
    assert_eq!(getent(&m, topology::GOOD_NAME), None, "broken again, as before");
}

#[test]
fn etc_hosts_lines_that_override_dns_are_commented_out_and_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = client(&lab);
    let target = format!("http://{}/", topology::GOOD_NAME);
    let hosts = format!(
        "127.0.0.1 localhost\n10.99.0.9 {}\n10.99.0.7   {}  mirror\n",
        topology::GOOD_NAME,
        topology::MIRROR_NAME
    );
    m.write("/etc/hosts", &hosts);
    let path = m.path("/etc/hosts");
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains("10.99.0.9"), "the override is real");
    let args = ["--only", "net.dns.hosts-override", "--metadata-url", MD, "--target", &target];
    let r = run(&m, &args);
    assert_eq!(status_of(&r, "net.dns.hosts-override"), "warn", "{r:#}");
    let original = file_state(&path);

    let out = fix(&m, &args);
    let plan = stdout(&out);
    for want in [
        format!("hosts-comment-out-mirror-lab-test  ·  net.dns.hosts-override  ·  {}", topology::GOOD_NAME),
        format!("comment out /etc/hosts:2, which map {} to another address than DNS gives", topology::GOOD_NAME),
        format!("    +# 10.99.0.9 {0}  # ecs-doctor fix: overrode DNS for {0}", topology::GOOD_NAME),
        format!("    +# 10.99.0.7   {0}  mirror  # ecs-doctor fix: overrode DNS for {0}", topology::MIRROR_NAME),
        "    +10.99.0.7 mirror".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(file_state(&path), original, "the plan changes nothing");

    let out = fix(&m, &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains(topology::SERVER_IP), "DNS answers");
    assert!(getent(&m, topology::MIRROR_NAME).unwrap_or_default().contains(topology::SERVER_IP), "DNS answers");
    assert!(getent(&m, "mirror").unwrap_or_default().contains("10.99.0.7"), "the line's other name is kept");
    assert_eq!(status_of(&run(&m, &args), "net.dns.hosts-override"), "ok");

    for _ in 0..2 {
        let out = fix(&m, &["--undo"]);
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    }
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains("10.99.0.9"));
}

#[test]
fn a_link_to_a_dead_stub_is_pointed_at_the_upstream_list_or_refused_without_one() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = client(&lab);
    let id = "net.dns.resolved-stub";
    m.write("/run/systemd/resolve/stub-resolv.conf", "# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\n");
    let _ = std::fs::remove_file(m.path("/etc/resolv.conf"));
    std::os::unix::fs::symlink("../run/systemd/resolve/stub-resolv.conf", m.path("/etc/resolv.conf")).expect("link");
    assert_eq!(getent(&m, topology::GOOD_NAME), None, "nothing answers on the stub");
    let r = run(&m, &["--only", id]);
    assert_eq!(status_of(&r, id), "crit", "{r:#}");

    // resolved never wrote its upstream list: nothing provable to point at.
    let out = fix(&m, &["--only", id]);
    assert!(
        stdout(&out).contains("/run/systemd/resolve/resolv.conf lists no nameserver to send lookups to"),
        "{}",
        stdout(&out)
    );

    m.write("/run/systemd/resolve/resolv.conf", &format!("# upstream\nnameserver {}\n", topology::DNS1));
    let out = fix(&m, &["--only", id]);
    let plan = stdout(&out);
    for want in [
        "resolv-conf-upstream-etc-resolv-conf  ·  net.dns.resolved-stub  ·  /etc/resolv.conf",
        "point /etc/resolv.conf (now a link to ../run/systemd/resolve/stub-resolv.conf, the stub where nothing answers) at /run/systemd/resolve/resolv.conf, which lists the nameservers 100.100.2.136",
        "runs: ln -sfn /run/systemd/resolve/resolv.conf /etc/resolv.conf",
        "undo runs: ln -sfn ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    let link = || std::fs::read_link(m.path("/etc/resolv.conf")).expect("readlink").display().to_string();
    assert_eq!(link(), "../run/systemd/resolve/stub-resolv.conf", "the plan changes nothing");

    let out = fix(&m, &["--only", id, "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(link(), "/run/systemd/resolve/resolv.conf");
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains(topology::SERVER_IP), "names resolve");
    assert_eq!(status_of(&run(&m, &["--only", id]), id), "ok");

    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(link(), "../run/systemd/resolve/stub-resolv.conf", "the link points back");
    assert_eq!(getent(&m, topology::GOOD_NAME), None);
}

/// curl with the variables a login shell gets (/etc/environment, then profile.d), asking the
/// metadata service: what a script on the server sees.
fn curl_metadata(m: &Machine) -> Option<String> {
    let script = "set -a; . /etc/environment; . /etc/profile.d/proxy.sh; set +a; \
                  curl -s -f -m 3 http://100.100.100.200/latest/meta-data/instance-id";
    let out = m.command("sh", &["-c", script]).output().expect("curl");
    out.status.success().then(|| stdout(&out))
}

#[test]
fn a_proxy_that_would_carry_the_metadata_service_gets_no_proxy_and_is_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Plain);
    let m = client(&lab);
    let server = topology::SERVER_IP;
    // Nothing listens on the proxy's port: everything sent through it fails.
    let env = format!("LANG=C.UTF-8\nhttp_proxy=\"http://{server}:3128/\"\nno_proxy=localhost,127.0.0.1\n");
    m.write("/etc/environment", &env);
    m.write("/etc/profile.d/proxy.sh", &format!("# corporate proxy\nexport http_proxy=http://{server}:3129\n"));
    let path = m.path("/etc/environment");
    assert_eq!(curl_metadata(&m), None, "the fault is real: the metadata request goes to the dead proxy");
    let args = ["--only", "net.proxy.bypass", "--metadata-url", MD];
    let r = run(&m, &args);
    let mut found = subjects(&r, "net.proxy.bypass");
    found.sort();
    assert_eq!(found, ["/etc/environment http_proxy", "/etc/profile.d/proxy.sh http_proxy"], "{r:#}");
    let original = file_state(&path);
    let profile = file_state(&m.path("/etc/profile.d/proxy.sh"));

    let out = fix(&m, &args);
    let plan = stdout(&out);
    for want in [
        "proxy-no-proxy-etc-environment-http-proxy  ·  net.proxy.bypass  ·  /etc/environment http_proxy",
        "set no_proxy=\"localhost,127.0.0.1,100.100.100.200\" in /etc/environment",
        "    -no_proxy=localhost,127.0.0.1",
        "    +no_proxy=\"localhost,127.0.0.1,100.100.100.200\"",
        "    +export no_proxy=\"localhost,127.0.0.1,100.100.100.200\"",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(file_state(&path), original, "the plan changes nothing");

    // /etc/environment's no_proxy also applies to login shells: that one repair covers both.
    let out = fix(&m, &[&args[..], &["--apply", "proxy-no-proxy-etc-environment-http-proxy", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(curl_metadata(&m).as_deref(), Some(topology::INSTANCE_ID), "the metadata service is asked directly");
    assert_eq!(status_of(&run(&m, &args), "net.proxy.bypass"), "ok");
    assert_eq!(file_state(&m.path("/etc/profile.d/proxy.sh")), profile, "the profile file is not touched");

    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");
    assert_eq!(curl_metadata(&m), None);
}
