//! `ecs-doctor fix` against the network findings of `net.link.state`, `net.route.conflicts` and
//! `net.addr.assigned`, the faults injected for real in the network lab of `tests/topology.rs`
//! (client c0 ── r0 router r1 ── s0 server; its metadata stand-in plays the console). The
//! client namespace is the instance, run as a [`Machine`] (its own mount namespace with a
//! writable /etc overlay).
//!
//! - MTU below 1280 on c0: full-size packets cannot leave; the repair sets 1500 live and in the
//!   ifupdown stanza, and keeps it only because the router answers full-size pings (a router
//!   whose link carries less makes it roll back).
//!
//! Each: the healthy lab is quiet, the plan changes nothing, apply makes the check ok and real
//! packets pass, undo restores the files (sha256, mode, owner) and reverses the live step.
//! Root only; run under the lab lock.

use crate::common::*;
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::Machine;
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
