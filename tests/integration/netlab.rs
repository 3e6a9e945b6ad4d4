//! Root-only network lab: real network namespaces (`ip netns`) with veth pairs, so the
//! interface and address checks read what a real kernel writes in /sys and /proc/net.
//! ecs-doctor runs inside the namespace the test created (`ip netns exec` also gives it that
//! namespace's /sys). Namespaces are deleted by a guard even when the test fails.

use crate::common::*;
use std::process::Command;

fn lab_ok() -> bool {
    require(is_root(), "the network lab needs root (ip netns)")
        && require(Command::new("ip").arg("-V").output().is_ok(), "iproute2 (ip) is not installed")
}

#[test]
fn dhcp_failure_link_local_only_is_critical_and_a_configured_interface_is_ok() {
    if !lab_ok() {
        return;
    }
    let ns = Netns::new("ll");
    let peer = Netns::new("llpeer");
    let veth = format!("v{}", std::process::id() % 100_000);
    ns.veth(&veth, &peer, "peer0");
    ns.ip(&format!("link set {veth} up"));
    peer.ip("link set peer0 up");
    ns.ip(&format!("addr add 169.254.20.7/16 dev {veth}"));
    let r = ns.doctor_json(&["net.addr", "net.link"]);
    assert_eq!(status_of(&r, "net.addr.assigned"), "crit", "{r:#}");
    assert_eq!(subjects(&r, "net.addr.assigned"), vec![veth.clone()]);
    assert_eq!(status_of(&r, "net.link.state"), "ok", "a veth with its peer up has carrier");

    // The same interface with a real address and a default route: nothing to report.
    ns.ip(&format!("addr flush dev {veth}"));
    ns.ip(&format!("addr add 10.213.0.2/24 dev {veth}"));
    ns.ip("route add default via 10.213.0.1");
    let r = ns.doctor_json(&["net.addr", "net.route"]);
    assert_eq!(status_of(&r, "net.addr.assigned"), "ok", "{r:#}");
    assert_eq!(check(&r, "net.addr.assigned")["metrics"]["usable_ipv4_count"], 1.0);
    assert_eq!(status_of(&r, "net.route.default"), "ok", "{r:#}");
}
