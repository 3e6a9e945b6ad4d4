//! What goes over the network (README, "What goes over the network"): the commands said to send
//! nothing send nothing, and a run that examines another system with `--root` sends nothing
//! unless a metadata address is named. Counted in a network namespace of its own whose every
//! route, IPv4 and IPv6, leads out of one end of a veth pair (the other end sits, silent, in a
//! second namespace): any packet the tool sends to any address, or the ARP or neighbour query
//! before it, raises the transmit counter of that interface or of loopback.

use crate::common::*;
use std::process::{Command, Output};
use std::time::Duration;

/// A namespace where loopback is up and everything else routes out of `v0`; and the namespace
/// of its peer.
struct Counted(Netns, #[allow(dead_code)] Netns);

impl Counted {
    /// `tag` names the namespaces: one of their own for each test (the tests of one binary share
    /// a process id).
    fn new(tag: &str) -> Counted {
        let ns = Netns::new(&format!("tr-{tag}"));
        let sink = Netns::new(&format!("sk-{tag}"));
        ns.veth("v0", &sink, "v1");
        ns.ip("link set lo up");
        // No IPv6 link-local addresses: no router solicitations of the kernel's own to count.
        ns.ip("link set v0 addrgenmode none");
        sink.ip("link set v1 addrgenmode none");
        ns.ip("addr add 10.99.0.1/24 dev v0");
        ns.ip("addr add fd00:99::1/64 dev v0 nodad");
        sink.ip("link set v1 up");
        ns.ip("link set v0 up");
        ns.ip("route add default via 10.99.0.2");
        ns.ip("-6 route add default via fd00:99::2");
        let c = Counted(ns, sink);
        c.settle();
        c
    }

    /// Waits until the kernel's own packets of a new interface (multicast listener reports for
    /// the IPv6 address) are sent: the counters stay still for 1.5 s, at most 10 s.
    fn settle(&self) {
        let mut last = self.sent();
        let mut still = 0;
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(500));
            let now = self.sent();
            still = if now == last { still + 1 } else { 0 };
            if still == 3 {
                return;
            }
            last = now;
        }
        panic!("the namespace's counters never settle: {last:?}");
    }

    /// Packets sent from the namespace so far, on each interface.
    fn sent(&self) -> Vec<(String, u64)> {
        let out = Command::new("ip").args(["-n", &self.0.0, "-s", "-j", "link", "show"]).output().expect("ip -s link");
        let links: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ip -j");
        links
            .as_array()
            .expect("links")
            .iter()
            .map(|l| {
                let name = l["ifname"].as_str().unwrap_or_default().to_string();
                (name, l["stats64"]["tx"]["packets"].as_u64().expect("tx packets"))
            })
            .collect()
    }

    /// Runs ecs-doctor ARGS in the namespace and returns its output with the packets it sent.
    fn doctor(&self, args: &[&str], state: &std::path::Path) -> (Output, u64) {
        self.doctor_under(&[], args, state)
    }

    /// The same, started by the command `under` (`setpriv ...`).
    fn doctor_under(&self, under: &[&str], args: &[&str], state: &std::path::Path) -> (Output, u64) {
        let before = self.sent();
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.0.0]).args(under).arg(BIN).args(args);
        clean_doctor_env(&mut cmd)
            .env("ECS_DOCTOR_REPORT_DIR", state.join("reports"))
            .env("ECS_DOCTOR_TICKET_DIR", state.join("tickets"))
            .env("ECS_DOCTOR_REPAIR_DIR", state.join("repairs"));
        let out = cmd.output().expect("ip netns exec");
        let after = self.sent();
        let sent = after.iter().map(|(_, n)| n).sum::<u64>() - before.iter().map(|(_, n)| n).sum::<u64>();
        (out, sent)
    }
}

fn counted(tag: &str) -> Option<Counted> {
    if !require(is_root(), "counting packets needs a network namespace of its own (root)") {
        return None;
    }
    Some(Counted::new(tag))
}

#[test]
fn commands_that_read_only_local_files_send_nothing() {
    let Some(ns) = counted("local") else { return };
    let state = tempfile::tempdir().expect("tmp");
    let reports = project_dir().join("tests/fixtures/reports");
    let mixed = reports.join("mixed.json");
    let history = project_dir().join("tests/fixtures/history");
    let (mixed, reports, history) =
        (mixed.to_str().expect("p"), reports.to_str().expect("p"), history.to_str().expect("p"));
    let commands: [&[&str]; 10] = [
        &["list"],
        &["explain", "net.dns.resolver-reachable"],
        &["report", mixed],
        &["report", mixed, "--format", "html"],
        &["history", "--dir", history],
        &["diff", "--dir", history],
        &["fleet", "summarize", reports],
        &["completions", "bash"],
        &["fix", "--list"],
        &["config", "example"],
    ];
    for args in commands {
        let (out, sent) = ns.doctor(args, state.path());
        assert!(out.status.code().is_some_and(|c| c <= 3), "{args:?}: {}", stderr(&out));
        assert_eq!(sent, 0, "{args:?} sent {sent} packets");
    }
}

#[test]
fn a_system_examined_with_root_is_examined_without_a_packet_unless_a_metadata_address_is_named() {
    let Some(ns) = counted("root") else { return };
    let state = tempfile::tempdir().expect("tmp");
    let mut sent_by = Vec::new();
    for name in ["healthy", "broken", "degraded", "sec2-exposed"] {
        let root = fixture_root(name);
        let r = root.to_str().expect("p");
        // Every check, as a rescue instance would run it; `why`; the repair plan; a ticket's
        // fresh diagnosis (a dry run files nothing).
        let commands: [&[&str]; 5] = [
            &["run", "--root", r],
            &["run", "--root", r, "--format", "json", "--no-save", "--target", "10.99.0.7:443"],
            &["why", "ssh", "--root", r, "--no-save"],
            &["fix", "--root", r],
            &["ticket", "--root", r, "--dry-run", "--backend", "file"],
        ];
        for args in commands {
            let (out, sent) = ns.doctor(args, state.path());
            assert!(out.status.code().is_some_and(|c| c <= 3), "{args:?}: {}", stderr(&out));
            sent_by.push((args.join(" "), sent));
        }
    }
    let sent: Vec<_> = sent_by.iter().filter(|(_, n)| *n > 0).collect();
    assert!(sent.is_empty(), "sent packets: {sent:?}");

    // Named, the metadata service is asked under --root too (a stand-in for a test, or the
    // console's service from a rescue instance): the counter sees that, so it would see the rest.
    let root = fixture_root("healthy");
    let (out, sent) = ns.doctor(
        &[
            "run",
            "--root",
            root.to_str().expect("p"),
            "--no-save",
            "--only",
            "net.metadata.reachable",
            "--metadata-url",
            "http://10.99.0.2",
        ],
        state.path(),
    );
    assert!(out.status.code().is_some_and(|c| c <= 3), "{}", stderr(&out));
    assert!(sent > 0, "a named metadata address is asked: {}", stdout(&out));
}

#[test]
fn a_trace_that_may_not_run_looks_nothing_up() {
    let Some(ns) = counted("trace") else { return };
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if !require(setpriv, "setpriv is not installed (util-linux)") {
        return;
    }
    let state = tempfile::tempdir().expect("tmp");
    // Without CAP_NET_RAW the trace is refused before the name is looked up (the lookup would
    // ask this machine's nameservers, out of the namespace's routes or on its loopback).
    let (out, sent) = ns.doctor_under(
        &["setpriv", "--bounding-set", "-net_raw"],
        &["trace", "nowhere.trace.example", "--rounds", "1"],
        state.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("CAP_NET_RAW"), "{}", stderr(&out));
    assert_eq!(sent, 0, "a refused trace sent {sent} packets");
}

#[test]
fn a_live_run_sends_only_from_the_checks_the_readme_names() {
    // The README names the checks of a live run that may send; with all of them skipped, the
    // live run of this machine sends nothing. A check that sends and is not in that list (or
    // the spool flush, or anything at start-up) fails this.
    let Some(ns) = counted("live") else { return };
    let state = tempfile::tempdir().expect("tmp");
    let named = [
        "net.dns.resolver-reachable",
        "net.dns.hosts-override",
        "net.metadata",
        "sec.ssh.console-key",
        "net.route.conflicts",
        "net.dns.resolv-conf",
        "sys.cloud-init.result",
        "net.security-group.inbound",
        "disk.io.throttle",
        "net.reach.targets",
        "net.path.loss",
        "net.mtu.path",
        "net.proxy.reachable",
        "net.proxy.bypass",
        "net.time.sync",
    ];
    let mut args = vec!["run", "--no-save", "--format", "json"];
    for id in named {
        args.extend(["--skip", id]);
    }
    let (out, sent) = ns.doctor(&args, state.path());
    assert!(out.status.code().is_some_and(|c| c <= 3), "{}", stderr(&out));
    let r = valid_report(&stdout(&out));
    assert!(r["checks"].as_array().is_some_and(|c| c.len() > 60), "the rest of the catalog ran");
    assert_eq!(sent, 0, "a live run without the named checks sent {sent} packets");

    // And the list is not empty for nothing: the first of them, alone, asks this machine's
    // nameservers (through the namespace's routes) when it has any.
    let has_nameserver = std::fs::read_to_string("/etc/resolv.conf")
        .is_ok_and(|t| t.lines().any(|l| l.split_whitespace().next() == Some("nameserver")));
    if has_nameserver {
        let (out, sent) = ns.doctor(&["run", "--no-save", "--only", "net.dns.resolver-reachable"], state.path());
        assert!(out.status.code().is_some_and(|c| c <= 3), "{}", stderr(&out));
        assert!(sent > 0, "the resolver check asks the nameservers");
    }
}
