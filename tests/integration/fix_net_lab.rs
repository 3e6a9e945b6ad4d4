//! `ecs-doctor fix` against the network findings of `net.link.state`, `net.route.conflicts` and
//! `net.addr.assigned`, the faults injected for real in the network lab of `tests/topology.rs`
//! (client c0 ── r0 router r1 ── s0 server; its metadata stand-in plays the console). The
//! client namespace is the instance, run as a [`Machine`] (its own mount namespace with a
//! writable /etc overlay).
//!
//! - MTU below 1280 on c0: full-size packets cannot leave; the repair sets 1500 live and in the
//!   ifupdown stanza, and keeps it only because the router answers full-size pings (a router
//!   whose link carries less makes it roll back).
//! - Routes into a veth (as docker's bridge) over the vSwitch, the VPC, c0's subnet and the
//!   platform's addresses: the gateway, another vSwitch, an address of c0's subnet and the
//!   metadata service (TCP) unreachable; deleted (with the ifupdown line that adds it at boot)
//!   or, for the metadata and DNS addresses, a /32 through c0.
//! - c0 without its address, or with only a link-local one: the console's IP added live (the
//!   metadata service reachable over a second link), the DHCP stanza left as it is.
//!
//! Each: the healthy lab is quiet, the plan changes nothing, apply makes the check ok and real
//! packets pass, undo restores the files (sha256, mode, owner) and reverses the live step.
//! Root only; run under the lab lock.

use crate::common::*;
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::{Machine, tcp_connect_from};
use crate::topology::{self, Lab, MdMode, lab_ok};
use std::process::Output;

/// `ecs-doctor fix ARGS` on the machine (its own repair records).
fn fix(m: &Machine, args: &[&str]) -> Output {
    let mut all = vec!["fix"];
    if !args.contains(&"--undo") {
        all.push("--no-save");
    }
    all.extend_from_slice(args);
    m.doctor_cmd(&all).output().expect("nsenter ecs-doctor fix")
}

fn run(m: &Machine, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run", "--format", "json", "--no-save"];
    all.extend_from_slice(args);
    m.doctor(&all).0
}

fn applied(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(out), stderr(out));
}

fn undone(m: &Machine) {
    let out = fix(m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
}

fn contains_all(text: &str, want: &[&str]) {
    for w in want {
        assert!(text.contains(w), "{w:?} not in\n{text}");
    }
}

fn mtu_of(m: &Machine, dev: &str) -> String {
    std::fs::read_to_string(m.path(&format!("/sys/class/net/{dev}/mtu"))).unwrap_or_default().trim().to_string()
}

/// Whether `to` answers full-size (1500-byte) don't-fragment pings from the machine.
fn full_size_passes(m: &Machine, to: &str) -> bool {
    m.command("ping", &["-c", "1", "-W", "1", "-M", "do", "-s", "1472", to]).output().is_ok_and(|o| o.status.success())
}

const IFUPDOWN_MTU: &str = "source-directory /etc/network/interfaces.d\n\nauto lo\niface lo inet loopback\n\n\
auto c0\niface c0 inet static\n    address 10.77.1.2/24\n    gateway 10.77.1.1\n    mtu 1000\n\n# the end\n";

#[test]
fn an_mtu_below_1280_gets_1500_once_the_gateway_carries_it_now_and_at_boot_and_is_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.client, false);
    m.write_mode("/etc/network/interfaces", IFUPDOWN_MTU, 0o640);
    let id = "net.link.state";
    let args = ["--only", id];
    assert_eq!(status_of(&run(&m, &args), id), "ok", "the healthy lab is quiet");
    assert!(fix(&m, &args).status.success());

    lab.client.ip("link set c0 mtu 1000");
    assert!(!full_size_passes(&m, topology::SERVER_IP), "the fault is real");
    let r = run(&m, &args);
    assert_eq!(topology::finding(&r, id, "c0")["code"], "MTU-LOW", "{r:#}");
    let main = m.path("/etc/network/interfaces");
    let before = file_state(&main);

    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "link-mtu-c0  ·  net.link.state  ·  c0",
            "set c0's MTU to 1500, Ethernet's and ECS's default (was 1000), now (`ip link set dev c0 mtu 1500`) and at the next boot (/etc/network/interfaces); kept only if 10.77.1.1 answers",
            "    -    mtu 1000\n    +    mtu 1500\n",
            "runs: ip link set dev c0 mtu 1500",
            "undo runs: ip link set dev c0 mtu 1000",
            "ping -c 3 -W 1 -M do -s 1472 -I c0 10.77.1.1",
        ],
    );
    assert_eq!((file_state(&main), mtu_of(&m, "c0")), (before.clone(), "1000".into()), "the plan changes nothing");

    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert_eq!(mtu_of(&m, "c0"), "1500");
    assert!(full_size_passes(&m, topology::SERVER_IP), "full-size packets cross the router to the server");
    let r = run(&m, &args);
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
    let after = file_state(&main);
    assert_eq!((after.1, after.2, after.3), (before.1, before.2, before.3), "mode and owner kept");

    undone(&m);
    assert_eq!((file_state(&main), mtu_of(&m, "c0")), (before.clone(), "1000".into()), "file and MTU as before");

    // The other end carries less (the router's side of the link is at 1000 too): 1500-byte
    // frames are dropped there, the proof fails, everything is rolled back.
    lab.router.ip("link set r0 mtu 1000");
    let out = fix(&m, &[&args[..], &["--apply", "--yes"]].concat());
    assert_ne!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    contains_all(&said, &["rolled back, the system is as it was: ping -c 3 -W 1 -M do -s 1472 -I c0 10.77.1.1 failed"]);
    assert_eq!((file_state(&main), mtu_of(&m, "c0")), (before, "1000".into()), "rolled back");
}

/// Undoes every applied repair on the machine, latest first; how many.
fn undo_all(m: &Machine) -> usize {
    let mut n = 0;
    loop {
        let out = fix(m, &["--undo"]);
        if stderr(&out).contains("No applied repair to undo") {
            return n;
        }
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
        n += 1;
        assert!(n < 10, "undo does not end");
    }
}

/// Whether `to` answers a ping from the machine.
fn pings(m: &Machine, to: &str) -> bool {
    m.command("ping", &["-c", "1", "-W", "1", to]).output().is_ok_and(|o| o.status.success())
}

fn routes_of(m: &Machine) -> String {
    stdout(&m.command("ip", &["-4", "route", "show"]).output().expect("ip route"))
}

const MD: &str = "http://100.100.100.200";

/// c0's stanza, and a bridge-like interface whose stanza adds a route at boot.
const IFUPDOWN_ROUTE: &str = "auto lo\niface lo inet loopback\n\n\
auto c0\niface c0 inet static\n    address 10.77.1.2/24\n    gateway 10.77.1.1\n\n\
iface br-lab inet manual\n    up ip route add 10.77.1.0/25 dev br-lab\n";

#[test]
fn routes_that_take_the_subnet_the_vpc_or_the_metadata_away_are_corrected_and_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.client, false);
    m.write_mode("/etc/network/interfaces", IFUPDOWN_ROUTE, 0o640);
    let id = "net.route.conflicts";
    let args = ["--only", id, "--metadata-url", MD];
    assert_eq!(status_of(&run(&m, &args), id), "ok", "the healthy lab is quiet");
    assert!(fix(&m, &args).status.success());
    // A bridge-like interface (a veth pair, as docker's) in the instance.
    lab.client.ip("link add br-lab type veth peer name br-lab-p");
    lab.client.ip("link set br-lab up");
    lab.client.ip("link set br-lab-p up");
    let main = m.path("/etc/network/interfaces");
    let before = file_state(&main);
    let table = routes_of(&m);

    // ROUTE-VSWITCH: half of the instance's own subnet, the gateway's half, sent into it.
    lab.client.ip("route add 10.77.1.0/25 dev br-lab");
    assert!(!pings(&m, topology::ROUTER_CLIENT_IP), "the fault is real");
    let r = run(&m, &args);
    assert_eq!(topology::finding(&r, id, "10.77.1.0/25 dev br-lab")["code"], "ROUTE-VSWITCH", "{r:#}");
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "  ·  net.route.conflicts  ·  10.77.1.0/25 dev br-lab",
            "delete 10.77.1.0/25 dev br-lab, which takes addresses of the VPC away from the primary interface, now (`ip route del`; undo adds it back) and the line that adds it at boot (/etc/network/interfaces)",
            "     iface br-lab inet manual\n    -    up ip route add 10.77.1.0/25 dev br-lab\n",
            "runs: ip route del 10.77.1.0/25 dev br-lab",
            "undo runs: ip route add 10.77.1.0/25 dev br-lab",
        ],
    );
    assert_eq!(file_state(&main), before, "the plan changes nothing");
    assert!(routes_of(&m).contains("10.77.1.0/25 dev br-lab"));
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(pings(&m, topology::ROUTER_CLIENT_IP), "the gateway answers again");
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert!(!std::fs::read_to_string(&main).unwrap_or_default().contains("10.77.1.0/25"));
    assert_eq!(undo_all(&m), 1);
    assert_eq!(file_state(&main), before, "sha256, mode and owner");
    assert!(!pings(&m, topology::ROUTER_CLIENT_IP), "the route is back");
    lab.client.ip("route del 10.77.1.0/25 dev br-lab");
    assert_eq!(routes_of(&m), table);

    // ROUTE-VPC: another vSwitch of the VPC (behind the router) sent into the bridge.
    lab.router.ip("addr add 10.77.2.1/32 dev lo");
    assert!(pings(&m, "10.77.2.1"));
    lab.client.ip("route add 10.77.0.0/16 dev br-lab metric 5");
    assert!(!pings(&m, "10.77.2.1"), "the fault is real");
    let r = run(&m, &args);
    assert_eq!(topology::finding(&r, id, "10.77.0.0/16 dev br-lab")["code"], "ROUTE-VPC", "{r:#}");
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "runs: ip route del 10.77.0.0/16 dev br-lab metric 5",
            "undo runs: ip route add 10.77.0.0/16 dev br-lab metric 5",
            "no network configuration here adds it",
        ],
    );
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(pings(&m, "10.77.2.1"), "the VPC's other vSwitch answers");
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert_eq!(undo_all(&m), 1);
    assert!(routes_of(&m).contains("10.77.0.0/16 dev br-lab scope link metric 5"), "{}", routes_of(&m));
    assert!(!pings(&m, "10.77.2.1"));
    lab.client.ip("route del 10.77.0.0/16 dev br-lab metric 5");

    // ROUTE-AWAY: the platform's addresses sent into the bridge; a host route each through c0.
    lab.client.ip("route add 100.100.0.0/16 dev br-lab");
    assert!(tcp_connect_from(&lab.client, topology::METADATA_IP, 80).is_err(), "the fault is real");
    let r = run(&m, &args);
    assert_eq!(topology::finding(&r, id, topology::METADATA_IP)["code"], "ROUTE-AWAY", "{r:#}");
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "give 100.100.100.200 a host route through the primary interface (100.100.100.200/32 via 10.77.1.1 dev c0), so 100.100.0.0/16 dev br-lab keeps the rest of its traffic",
            "runs: ip route add 100.100.100.200/32 via 10.77.1.1 dev c0",
            "undo runs: ip route del 100.100.100.200/32 via 10.77.1.1 dev c0",
            "runs: ip route add 100.100.2.136/32 via 10.77.1.1 dev c0",
        ],
    );
    assert!(tcp_connect_from(&lab.client, topology::METADATA_IP, 80).is_err(), "the plan changes nothing");
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    tcp_connect_from(&lab.client, topology::METADATA_IP, 80).expect("the metadata service answers again");
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert_eq!(undo_all(&m), 3);
    assert!(tcp_connect_from(&lab.client, topology::METADATA_IP, 80).is_err(), "undone");
    lab.client.ip("route del 100.100.0.0/16 dev br-lab");

    // ROUTE-OVERLAP (no metadata to compare with): part of c0's connected subnet on the bridge.
    lab.router.ip("addr add 10.77.1.200/24 dev r0");
    lab.client.ip("route add 10.77.1.128/25 dev br-lab");
    assert!(!pings(&m, "10.77.1.200"), "the fault is real");
    let r = run(&m, &["--only", id]);
    assert_eq!(topology::finding(&r, id, "10.77.1.128/25 dev br-lab")["code"], "ROUTE-OVERLAP", "{r:#}");
    contains_all(&stdout(&fix(&m, &["--only", id])), &["runs: ip route del 10.77.1.128/25 dev br-lab"]);
    applied(&fix(&m, &["--only", id, "--apply", "--yes"]));
    assert!(pings(&m, "10.77.1.200"));
    assert_eq!(status_of(&run(&m, &["--only", id]), id), "ok");
    assert_eq!(undo_all(&m), 1);
    assert!(!pings(&m, "10.77.1.200"));
}

const IFUPDOWN_DHCP: &str = "auto lo\niface lo inet loopback\n\nauto c0\niface c0 inet dhcp\n";

/// c0 loses its address (and with it the default route); the metadata service stays reachable
/// through a second link to the router (c9, routing only 100.100.0.0/16), as a secondary ENI
/// would keep it. The console's primary IP comes back on c0 live, the DHCP stanza unchanged.
#[test]
fn the_primary_interface_without_its_address_gets_the_console_ip_live_and_is_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    lab.router.ip(&format!("link add r9 type veth peer name c9 netns {}", lab.client.0));
    lab.router.ip("addr add 10.99.0.1/24 dev r9");
    lab.router.ip("link set r9 up");
    lab.client.ip("addr add 10.99.0.2/24 dev c9");
    lab.client.ip("link set c9 up");
    lab.client.ip("route add 100.100.0.0/16 via 10.99.0.1 dev c9");
    let m = Machine::new(&lab.client, false);
    m.write_mode("/etc/network/interfaces", IFUPDOWN_DHCP, 0o644);
    let main = m.path("/etc/network/interfaces");
    let before = file_state(&main);
    let id = "net.addr.assigned";
    let args = ["--only", id, "--metadata-url", MD];
    assert_eq!(status_of(&run(&m, &args), id), "ok", "the healthy lab is quiet");
    assert!(fix(&m, &args).status.success());

    // EADDRNOTAVAIL: no address at all on c0.
    lab.client.ip("addr flush dev c0");
    assert!(!pings(&m, topology::ROUTER_CLIENT_IP), "the fault is real");
    let r = run(&m, &args);
    assert_eq!(topology::finding(&r, id, "c0")["code"], "EADDRNOTAVAIL", "{r:#}");
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "nic-addresses-c0  ·  net.addr.assigned  ·  c0",
            "configure 10.77.1.2/24 on c0 (NIC eni-lab0000000000000c0) as the console assigned them, now (`ip addr add`); the configuration (ifupdown: /etc/network/interfaces) gives them at boot already, so nothing is written",
            "runs: ip addr add 10.77.1.2/24 dev c0",
            "undo runs: ip addr del 10.77.1.2/24 dev c0",
        ],
    );
    assert!(!plan.contains("+++ b/etc/network/interfaces"), "{plan}");
    assert!(!pings(&m, topology::ROUTER_CLIENT_IP), "the plan changes nothing");
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(pings(&m, topology::ROUTER_CLIENT_IP), "c0 reaches the vSwitch again");
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert_eq!(undo_all(&m), 1);
    assert!(!pings(&m, topology::ROUTER_CLIENT_IP), "undone");
    assert_eq!(file_state(&main), before);

    // DHCP: only a link-local address (what a DHCP client that got no lease leaves).
    lab.client.ip("addr add 169.254.7.7/16 dev c0");
    let r = run(&m, &args);
    assert_eq!(topology::finding(&r, id, "c0")["code"], "DHCP", "{r:#}");
    contains_all(&stdout(&fix(&m, &args)), &["runs: ip addr add 10.77.1.2/24 dev c0"]);
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(pings(&m, topology::ROUTER_CLIENT_IP));
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert_eq!(undo_all(&m), 1);
    assert!(!pings(&m, topology::ROUTER_CLIENT_IP), "undone");
    assert_eq!(file_state(&main), before);
}
