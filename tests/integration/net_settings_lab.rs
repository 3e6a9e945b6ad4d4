//! Kernel network settings and queueing disciplines, injected for real in a network namespace
//! of their own: sysctls of `net.*` are per namespace (`ip netns exec NS sysctl -w`), and so are
//! the interfaces `tc qdisc` shapes. The boot-time configuration the checks quote is the
//! namespace's /etc/sysctl.d, which `ip netns exec` binds from /etc/netns/<ns>/sysctl.d
//! ([`NetnsEtc`] removes it). Root only; run under the lab lock.

use crate::common::*;
use crate::topology::{NetnsEtc, finding, ns_exec};
use std::path::PathBuf;
use std::process::Command;

pub fn lab_ok() -> bool {
    require(is_root(), "the settings lab needs root (ip netns, sysctl, tc)")
        && require(Command::new("ip").arg("-V").output().is_ok(), "iproute2 (ip) is not installed")
        && require(Command::new("tc").arg("-V").output().is_ok(), "iproute2 (tc) is not installed")
}

/// A namespace with a veth pair to a peer namespace (`d0` 10.61.0.1/24 ↔ `p0` 10.61.0.2/24) and
/// loopback up, and its /etc/netns directory (also the counters lab's, `net_counters_lab.rs`).
pub struct Lab {
    pub etc: NetnsEtc,
    pub ns: Netns,
    pub peer: Netns,
}

impl Lab {
    pub fn new(tag: &str) -> Lab {
        let ns = Netns::new(tag);
        let peer = Netns::new(&format!("{tag}p"));
        ns.veth("d0", &peer, "p0");
        for (n, dev, addr) in [(&ns, "d0", "10.61.0.1/24"), (&peer, "p0", "10.61.0.2/24")] {
            n.ip("link set lo up");
            n.ip(&format!("addr add {addr} dev {dev}"));
            n.ip(&format!("link set {dev} up"));
        }
        let etc = NetnsEtc(PathBuf::from("/etc/netns").join(&ns.0));
        std::fs::create_dir_all(etc.0.join("sysctl.d")).expect("mkdir /etc/netns/<ns>/sysctl.d");
        Lab { etc, ns, peer }
    }

    pub fn sysctl(&self, kv: &str) {
        ns_exec(&self.ns, &["sysctl", "-q", "-w", kv]);
    }

    pub fn conf(&self, name: &str, body: &str) {
        std::fs::write(self.etc.0.join("sysctl.d").join(name), body).expect("write sysctl.d file");
    }

    pub fn ok(&self, args: &[&str]) -> bool {
        Command::new("ip").args(["netns", "exec", &self.ns.0]).args(args).output().is_ok_and(|o| o.status.success())
    }
}

/// A fresh namespace with the kernel's own settings is quiet; every injected setting is a finding
/// named by its sysctl, with the value, the boot file's line and the exact command.
#[test]
fn kernel_settings_that_break_networking_are_named_with_their_file_line_and_fix() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("sysctl");
    let r = b.ns.doctor_json(&["net.sysctl"]);
    let c = check(&r, "net.sysctl.settings");
    assert_eq!(c["status"], "ok", "a fresh namespace keeps the kernel's defaults: {c:#}");

    // Ping is answered, then ignored: the fault is real.
    assert!(b.ok(&["ping", "-c", "1", "-W", "2", "127.0.0.1"]), "ping answered before the change");
    b.conf(
        "90-tuning.conf",
        "# copied from a tuning guide\nnet.ipv4.icmp_echo_ignore_all = 1\nnet.ipv4.ip_local_port_range = 40000 40001\n\
         net.core.somaxconn = 16\n",
    );
    b.sysctl("net.ipv4.icmp_echo_ignore_all=1");
    b.sysctl("net.ipv4.ip_local_port_range=40000 40001");
    b.sysctl("net.core.somaxconn=16");
    assert!(!b.ok(&["ping", "-c", "1", "-W", "1", "127.0.0.1"]), "ping ignored after the change");

    // Strict reverse-path filtering with a policy route.
    b.sysctl("net.ipv4.conf.all.rp_filter=1");
    b.ns.ip("rule add from 10.61.0.0/24 table 100 priority 1000");
    // A container bridge that is up while forwarding is off.
    b.ns.ip("link add docker0 type bridge");
    b.ns.ip("link set docker0 up");
    b.sysctl("net.ipv4.ip_forward=0");
    // No ARP answers at all.
    b.sysctl("net.ipv4.conf.all.arp_ignore=8");

    let r = b.ns.doctor_json(&["net.sysctl"]);
    let c = check(&r, "net.sysctl.settings");
    assert_eq!(c["status"], "crit", "{c:#}");
    let f = finding(&r, "net.sysctl.settings", "net.ipv4.icmp_echo_ignore_all");
    assert_eq!(f["code"], "SYSCTL-PING-IGNORED");
    let text = f.to_string();
    assert!(text.contains("/etc/sysctl.d/90-tuning.conf:2: net.ipv4.icmp_echo_ignore_all = 1"), "{f:#}");
    assert!(text.contains("sysctl -w net.ipv4.icmp_echo_ignore_all=0"), "{f:#}");
    assert!(text.contains("/proc/sys/net/ipv4/icmp_echo_ignore_all: 1"), "{f:#}");

    let f = finding(&r, "net.sysctl.settings", "net.ipv4.ip_local_port_range");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("crit"), Some("SYSCTL-PORT-RANGE")), "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("only 2 local ports")), "{f:#}");
    assert!(f.to_string().contains("90-tuning.conf:3"), "{f:#}");

    let f = finding(&r, "net.sysctl.settings", "net.core.somaxconn");
    assert_eq!(f["code"], "SYSCTL-SOMAXCONN");
    assert!(f.to_string().contains("90-tuning.conf:4"), "{f:#}");

    let f = finding(&r, "net.sysctl.settings", "net.ipv4.conf.all.rp_filter");
    assert_eq!(f["code"], "SYSCTL-RP-FILTER");
    assert!(f.to_string().contains("from 10.61.0.0/24 lookup 100"), "{f:#}");
    let f = finding(&r, "net.sysctl.settings", "net.ipv4.ip_forward");
    assert_eq!(f["code"], "SYSCTL-IP-FORWARD");
    assert!(f.to_string().contains("/sys/class/net/docker0: up"), "{f:#}");
    let f = finding(&r, "net.sysctl.settings", "net.ipv4.conf.all.arp_ignore");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("crit"), Some("SYSCTL-ARP-IGNORE")), "{f:#}");

    // Put back, the same namespace is quiet again.
    for kv in [
        "net.ipv4.icmp_echo_ignore_all=0",
        "net.ipv4.ip_local_port_range=32768 60999",
        "net.core.somaxconn=4096",
        "net.ipv4.conf.all.rp_filter=2",
        "net.ipv4.ip_forward=1",
        "net.ipv4.conf.all.arp_ignore=0",
    ] {
        b.sysctl(kv);
    }
    let r = b.ns.doctor_json(&["net.sysctl"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "{r:#}");
}

/// Two interfaces in one subnet with the ARP settings left at 0 answer for each other.
#[test]
fn two_nics_in_one_subnet_with_default_arp_settings_is_arp_flux() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("arp");
    b.ns.veth("d1", &b.peer, "p1");
    b.ns.ip("addr add 10.61.0.11/24 dev d1");
    b.ns.ip("link set d1 up");
    b.peer.ip("link set p1 up");
    b.sysctl("net.ipv4.conf.all.arp_ignore=0");
    b.sysctl("net.ipv4.conf.all.arp_announce=0");
    let r = b.ns.doctor_json(&["net.sysctl"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "warn", "{r:#}");
    for s in ["net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.all.arp_announce"] {
        let f = finding(&r, "net.sysctl.settings", s);
        assert_eq!(f["code"], "SYSCTL-ARP-FLUX");
        assert!(f.to_string().contains("10.61.0.0/24 is on d0, d1"), "{f:#}");
    }
    b.sysctl("net.ipv4.conf.all.arp_ignore=1");
    b.sysctl("net.ipv4.conf.all.arp_announce=2");
    let r = b.ns.doctor_json(&["net.sysctl"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "{r:#}");
}

/// Runs `tc ARGS` in the namespace; the error text when it fails.
fn tc(ns: &Netns, args: &str) -> Result<(), String> {
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0, "tc"])
        .args(args.split_whitespace())
        .output()
        .expect("ip netns exec tc");
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).trim().to_string()) }
}

/// The kernel's default qdiscs are quiet; a tbf and an htb class are rate limits named with their
/// rate; a netem (where the kernel has sch_netem) is delay and loss with its parameters. Each
/// finding carries the `tc qdisc del` that removes it.
#[test]
fn leftover_qdiscs_are_named_with_their_parameters_and_the_command_that_removes_them() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("qdisc");
    let r = b.ns.doctor_json(&["net.nic.qdisc"]);
    let c = check(&r, "net.nic.qdisc");
    assert_eq!(c["status"], "ok", "veths and loopback keep the default qdisc: {c:#}");

    b.ns.veth("d1", &b.peer, "p1");
    b.ns.ip("link set d1 up");
    tc(&b.ns, "qdisc add dev d0 root tbf rate 1mbit burst 32kbit latency 400ms").expect("tbf");
    tc(&b.ns, "qdisc add dev d1 root handle 1: htb default 10").expect("htb");
    tc(&b.ns, "class add dev d1 parent 1: classid 1:10 htb rate 2mbit").expect("htb class");
    let r = b.ns.doctor_json(&["net.nic.qdisc"]);
    let c = check(&r, "net.nic.qdisc");
    assert_eq!(c["status"], "warn", "{c:#}");
    let f = finding(&r, "net.nic.qdisc", "d0");
    assert_eq!(f["code"], "QDISC-RATE-LIMIT");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("capped at 1Mbit") && m.contains("tbf 8") && m.contains("`tc qdisc del dev d0 root`"), "{f:#}");
    let f = finding(&r, "net.nic.qdisc", "d1");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("capped at 2Mbit")), "{f:#}");
    assert!(f.to_string().contains("tc class show dev d1: class htb 1:10"), "{f:#}");

    // netem: this needs sch_netem in the kernel (some cloud and micro-VM kernels leave it out;
    // its text is then covered by the parser's tests in src/host/tc.rs).
    match tc(&b.ns, "qdisc replace dev d0 root netem delay 100ms loss 40%") {
        Ok(()) => {
            let r = b.ns.doctor_json(&["net.nic.qdisc"]);
            let f = finding(&r, "net.nic.qdisc", "d0");
            assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("crit"), Some("QDISC-NETEM")), "{f:#}");
            assert!(f["message"].as_str().is_some_and(|m| m.contains("delay 100ms") && m.contains("40%")), "{f:#}");
        }
        Err(e) => eprintln!("netem not injected: this kernel has no sch_netem ({e})"),
    }

    tc(&b.ns, "qdisc del dev d0 root").expect("del");
    tc(&b.ns, "qdisc del dev d1 root").expect("del");
    let r = b.ns.doctor_json(&["net.nic.qdisc"]);
    assert_eq!(status_of(&r, "net.nic.qdisc"), "ok", "{r:#}");
}

/// This machine as it is (in a network namespace of its own, as every run of ecs-doctor in a
/// test), and the healthy fixture root: the network-depth checks neither warn nor fail.
#[test]
fn network_depth_checks_are_quiet_on_this_machine_and_the_healthy_root() {
    let only = ["--only", "net.sysctl", "--only", "net.nic", "--only", "net.socket", "--only", "net.mtu"];
    let Some(out) = doctor(&[&["run", "--format", "json", "--no-save"][..], &only[..]].concat()) else { return };
    let live = valid_report(&stdout(&out));
    let Some((healthy, _)) = run_json(&fixture_root("healthy"), &only) else { return };
    for (what, r) in [("this machine", &live), ("the healthy root", &healthy)] {
        let checks = r["checks"].as_array().expect("checks");
        assert!(checks.len() >= 9, "{what}: {r:#}");
        for c in checks {
            assert!(c["status"] == "ok" || c["status"] == "skipped", "{what}: {c:#}");
        }
    }
    assert_eq!(status_of(&healthy, "net.sysctl.settings"), "ok", "the healthy root holds the kernel's defaults");
}
