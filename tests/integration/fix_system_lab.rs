//! `ecs-doctor fix` against kernel settings, injected for real: the settings lab of
//! `net_settings_lab.rs` (a network namespace whose `net.*` sysctls are its own, and whose
//! /etc/sysctl.d is /etc/netns/<ns>/sysctl.d, bound by `ip netns exec`). The bad values are set in
//! the namespace's kernel (`sysctl -w`) and in a tuning file (root:adm 0640) the way a copied
//! tuning guide leaves them; ecs-doctor runs inside the namespace as it would on the server.
//!
//! - The plan shows each drop-in, the commented-out lines and the `sysctl -w` with its undo, and
//!   changes nothing (the files and the kernel's values are the same after).
//! - Apply: the kernel holds the good values (ping is answered again), net.sysctl.settings is ok,
//!   and what a boot applies (the namespace's sysctl.d files, in name order, into a fresh
//!   namespace) gives the good values too, where before it gave the bad ones.
//! - Undo: the kernel's old values are back, the tuning file is back byte for byte with its mode
//!   and owner, the drop-ins are gone.
//! - A value the kernel refuses (a port range below `ip_unprivileged_port_start`) fails the live
//!   step: the files written are rolled back at once.
//! - A later file the repair does not edit (a link in sysctl.d) is named and the repair refused.
//!
//! Root only; run under the lab lock.

use super::fix::tree_state;
use super::net_settings_lab::{Lab, lab_ok};
use crate::common::*;
use ecs_doctor::repair::files;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

/// `ecs-doctor fix ARGS` inside the lab's namespace, its records in `repairs`.
pub fn fix_in(ns: &Netns, repairs: &Path, args: &[&str]) -> Output {
    clean_doctor_env(Command::new("ip").args(["netns", "exec", &ns.0, BIN, "fix"]).args(args))
        .env("ECS_DOCTOR_REPAIR_DIR", repairs)
        .output()
        .expect("ip netns exec ecs-doctor fix")
}

/// The value of a sysctl in a namespace, fields separated by one space.
pub fn value(ns: &Netns, key: &str) -> String {
    let out = Command::new("ip").args(["netns", "exec", &ns.0, "sysctl", "-n", key]).output().expect("sysctl -n");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// sha256, mode and owner of a file.
pub fn file_state(p: &Path) -> (String, u32, u32, u32) {
    let meta = std::fs::metadata(p).expect("stat");
    (files::sha256(&std::fs::read(p).expect("read")), meta.mode() & 0o7777, meta.uid(), meta.gid())
}

/// Undoes every applied repair of the records in `repairs`, latest first; how many.
pub fn undo_all(ns: &Netns, repairs: &Path) -> usize {
    let mut n = 0;
    loop {
        let out = fix_in(ns, repairs, &["--undo"]);
        if stderr(&out).contains("No applied repair to undo") {
            return n;
        }
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
        n += 1;
        assert!(n < 50, "undo does not end");
    }
}

/// What a boot would set: the namespace's sysctl.d files applied in name order
/// (`sysctl -p`, as systemd-sysctl does) to a fresh namespace; the values of `keys` there.
fn at_boot(lab: &Lab, keys: &[&str]) -> Vec<String> {
    let boot = Netns::new("boot");
    let mut names = std::fs::read_dir(lab.etc.0.join("sysctl.d"))
        .expect("sysctl.d")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect::<Vec<_>>();
    names.sort();
    for f in names {
        let out = Command::new("ip")
            .args(["netns", "exec", &boot.0, "sysctl", "-q", "-p"])
            .arg(&f)
            .output()
            .expect("sysctl -p");
        assert!(out.status.success(), "sysctl -p {}: {}", f.display(), stderr(&out));
    }
    keys.iter().map(|k| value(&boot, k)).collect()
}

const TUNING: &str = "# copied from a tuning guide\nnet.ipv4.icmp_echo_ignore_all = 1\n\
net.ipv4.ip_local_port_range = 40000 40001\nnet.core.somaxconn = 16\nnet.ipv4.conf.all.arp_announce = 0\n";

// net.ipv4.tcp_max_syn_backlog is not among them: with SYN cookies on (the default) it limits
// nothing, and with them off it is judged against the listeners' backlogs (net_counters_lab
// floods a real listener for that); a namespace with no listener gives it nothing to judge.
const KEYS: &[&str] = &[
    "net.ipv4.icmp_echo_ignore_all",
    "net.ipv4.ip_local_port_range",
    "net.core.somaxconn",
    "net.ipv4.conf.all.rp_filter",
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.arp_ignore",
    "net.ipv4.conf.all.arp_announce",
];

#[test]
fn kernel_settings_are_set_now_and_at_boot_and_undone() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("fxsys");
    let repairs = tempfile::tempdir().expect("tempdir");
    // A second NIC in the same subnet (ARP flux), a container bridge (forwarding needed), a
    // policy route (strict rp_filter drops its replies).
    b.ns.veth("d1", &b.peer, "p1");
    b.ns.ip("addr add 10.61.0.11/24 dev d1");
    b.ns.ip("link set d1 up");
    b.peer.ip("link set p1 up");
    b.ns.ip("link add docker0 type bridge");
    b.ns.ip("link set docker0 up");
    b.ns.ip("rule add from 10.61.0.0/24 table 100 priority 1000");
    // The tuning file, root:adm 0640, and the values in the kernel.
    b.conf("90-tuning.conf", TUNING);
    let tuning = b.etc.0.join("sysctl.d/90-tuning.conf");
    std::os::unix::fs::chown(&tuning, Some(0), Some(4)).expect("chown root:adm");
    std::fs::set_permissions(&tuning, std::os::unix::fs::PermissionsExt::from_mode(0o640)).expect("chmod");
    for kv in [
        "net.ipv4.icmp_echo_ignore_all=1",
        "net.ipv4.ip_local_port_range=40000 40001",
        "net.core.somaxconn=16",
        "net.ipv4.conf.all.rp_filter=1",
        "net.ipv4.ip_forward=0",
        "net.ipv4.conf.all.arp_ignore=0",
        "net.ipv4.conf.all.arp_announce=0",
    ] {
        b.sysctl(kv);
    }
    assert!(!b.ok(&["ping", "-c", "1", "-W", "1", "127.0.0.1"]), "ping is ignored: the fault is real");
    let r = b.ns.doctor_json(&["net.sysctl.settings"]);
    let subjects = subjects(&r, "net.sysctl.settings");
    for k in KEYS {
        assert!(subjects.contains(&k.to_string()), "{k} not found: {r:#}");
    }
    let original = file_state(&tuning);
    let values_before: Vec<String> = KEYS.iter().map(|k| value(&b.ns, k)).collect();
    let boot_before = at_boot(&b, &KEYS[..3]);
    assert_eq!(boot_before, ["1", "40000 40001", "16"], "the tuning file brings the faults back at boot");

    // The plan: each drop-in, the lines commented out, the commands; nothing changes.
    let tree = tree_state(&b.etc.0);
    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.sysctl.settings", "--no-save"]);
    let plan = stdout(&out);
    for want in [
        "sysctl-net-ipv4-icmp-echo-ignore-all  ·  net.sysctl.settings  ·  net.ipv4.icmp_echo_ignore_all",
        "set net.ipv4.icmp_echo_ignore_all to 0 now (it is 1) and in /etc/sysctl.d/99-zz-ecs-doctor-net.ipv4.icmp_echo_ignore_all.conf, so a reboot keeps it; comment out /etc/sysctl.d/90-tuning.conf:2, which set another value",
        "    +++ b/etc/sysctl.d/99-zz-ecs-doctor-net.ipv4.icmp_echo_ignore_all.conf",
        "    +net.ipv4.icmp_echo_ignore_all = 0",
        "    -net.ipv4.icmp_echo_ignore_all = 1",
        "    +# net.ipv4.icmp_echo_ignore_all = 1  # ecs-doctor fix: replaced by /etc/sysctl.d/99-zz-ecs-doctor-net.ipv4.icmp_echo_ignore_all.conf",
        "runs: sysctl -q -w net.ipv4.icmp_echo_ignore_all=0",
        "undo runs: sysctl -q -w net.ipv4.icmp_echo_ignore_all=1",
        "runs: sysctl -q -w 'net.ipv4.ip_local_port_range=32768 60999'",
        "set net.ipv4.conf.all.rp_filter to 2 now (it is 1)",
        "set net.ipv4.ip_forward to 1 now (it is 0)",
        "set net.ipv4.conf.all.arp_ignore to 1 now (it is 0)",
        "set net.ipv4.conf.all.arp_announce to 2 now (it is 0)",
        "comment out /etc/sysctl.d/90-tuning.conf:5",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(tree_state(&b.etc.0), tree, "the plan changes no file");
    assert_eq!(KEYS.iter().map(|k| value(&b.ns, k)).collect::<Vec<_>>(), values_before, "nor a value");
    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.sysctl.settings", "--no-save", "--format", "json"]);
    let planned = valid_report(&stdout(&out));
    assert_eq!(planned["repairs"].as_array().map(Vec::len), Some(KEYS.len()), "{planned:#}");

    // Apply all: the kernel holds the good values, the check is ok, a boot keeps them.
    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.sysctl.settings", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stderr(&out).matches(": repaired and verified").count(), KEYS.len(), "{}", stderr(&out));
    let r = b.ns.doctor_json(&["net.sysctl.settings"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "{r:#}");
    assert!(b.ok(&["ping", "-c", "1", "-W", "2", "127.0.0.1"]), "ping is answered again");
    let good = ["0", "32768 60999", "4096", "2", "1", "1", "2"];
    assert_eq!(KEYS.iter().map(|k| value(&b.ns, k)).collect::<Vec<_>>(), good);
    assert_eq!(at_boot(&b, KEYS), good, "what the boot applies keeps the repair");
    let text = std::fs::read_to_string(&tuning).expect("tuning");
    assert!(text.starts_with("# copied from a tuning guide\n# net.ipv4.icmp_echo_ignore_all = 1  # ecs-doctor fix: replaced by /etc/sysctl.d/99-zz-ecs-doctor-net.ipv4.icmp_echo_ignore_all.conf\n"), "{text}");
    let now = file_state(&tuning);
    assert_eq!((now.1, now.2, now.3), (original.1, original.2, original.3), "mode and owner kept");

    // Undo, latest first: the old values, the file byte for byte, no drop-in left.
    assert_eq!(undo_all(&b.ns, repairs.path()), KEYS.len());
    assert_eq!(file_state(&tuning), original, "sha256, mode and owner restored");
    assert_eq!(KEYS.iter().map(|k| value(&b.ns, k)).collect::<Vec<_>>(), values_before, "the old values are back");
    assert_eq!(tree_state(&b.etc.0), tree, "the drop-ins are gone");
    assert!(!b.ok(&["ping", "-c", "1", "-W", "1", "127.0.0.1"]), "ping ignored again, as before");
}

#[test]
fn a_value_the_kernel_refuses_rolls_back_and_a_later_file_is_named() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("fxsysrb");
    let repairs = tempfile::tempdir().expect("tempdir");
    b.conf("90-tuning.conf", "net.ipv4.ip_local_port_range = 40000 40001\n");
    let tuning = b.etc.0.join("sysctl.d/90-tuning.conf");
    // Ports below 40000 are privileged here: the kernel refuses a range that starts lower.
    b.sysctl("net.ipv4.ip_local_port_range=40000 40001");
    b.sysctl("net.ipv4.ip_unprivileged_port_start=40000");
    let original = file_state(&tuning);
    let tree = tree_state(&b.etc.0);
    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.sysctl.settings", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("sysctl-net-ipv4-ip-local-port-range: rolled back, the system is as it was"), "{said}");
    assert!(said.contains("sysctl -q -w 'net.ipv4.ip_local_port_range=32768 60999'"), "{said}");
    assert_eq!(file_state(&tuning), original, "the tuning file is restored");
    assert_eq!(tree_state(&b.etc.0), tree, "the drop-in is removed again");
    assert_eq!(value(&b.ns, "net.ipv4.ip_local_port_range"), "40000 40001");
    let out = fix_in(&b.ns, repairs.path(), &["--list"]);
    assert!(stdout(&out).contains("rolled back"), "{}", stdout(&out));

    // A file applied after the drop-in that is a link (a package's file, say): refused, named.
    b.sysctl("net.ipv4.ip_unprivileged_port_start=1024");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    std::fs::write(elsewhere.path().join("tuned.conf"), "net.ipv4.ip_local_port_range = 40000 40001\n").expect("w");
    std::os::unix::fs::symlink(elsewhere.path().join("tuned.conf"), b.etc.0.join("sysctl.d/zz-tuned.conf"))
        .expect("symlink");
    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.sysctl.settings", "--no-save"]);
    let plan = stdout(&out);
    assert!(
        plan.contains("/etc/sysctl.d/zz-tuned.conf:1: net.ipv4.ip_local_port_range = 40000 40001 would still be applied after /etc/sysctl.d/99-zz-ecs-doctor-net.ipv4.ip_local_port_range.conf at boot"),
        "{plan}"
    );
    assert!(!plan.contains("sysctl-net-ipv4-ip-local-port-range  ·"), "{plan}");
}

/// Runs `f` on a thread that has entered the named network namespace (its sockets live there).
pub fn in_netns<T: Send + 'static>(ns: &Netns, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/run/netns/{}", ns.0);
    let handle = std::thread::spawn(move || {
        let fd = std::fs::File::open(&path).expect("open the namespace");
        rustix::thread::move_into_link_name_space(
            std::os::fd::AsFd::as_fd(&fd),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .expect("setns");
        f()
    });
    match handle.join() {
        Ok(v) => v,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// Real connections over the namespace's loopback, each closed by the client first: the
/// client's end stays in TIME_WAIT for a minute, holding its ephemeral port.
fn time_wait_sockets(ns: &Netns, n: usize) {
    in_netns(ns, move || {
        let server = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let to = server.local_addr().expect("addr");
        for _ in 0..n {
            let client = std::net::TcpStream::connect(to).expect("connect");
            let (mut accepted, _) = server.accept().expect("accept");
            client.shutdown(std::net::Shutdown::Both).expect("shutdown");
            drop(client);
            let mut buf = [0u8; 1];
            let _ = std::io::Read::read(&mut accepted, &mut buf);
            drop(accepted);
        }
    });
}

#[test]
fn time_wait_sockets_filling_a_narrow_port_range_get_the_default_range() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("fxtw");
    let repairs = tempfile::tempdir().expect("tempdir");
    b.conf("90-ports.conf", "net.ipv4.ip_local_port_range = 40000 40099\n");
    let ports = b.etc.0.join("sysctl.d/90-ports.conf");
    b.sysctl("net.ipv4.ip_local_port_range=40000 40099");
    time_wait_sockets(&b.ns, 70);
    let r = b.ns.doctor_json(&["net.socket.tcp"]);
    let f = crate::topology::finding(&r, "net.socket.tcp", "net.ipv4.ip_local_port_range");
    assert_eq!(f["code"], "TCP-TIME-WAIT", "{f:#}");
    let original = file_state(&ports);

    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.socket.tcp", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("sysctl-net-ipv4-ip-local-port-range: repaired and verified"), "{}", stderr(&out));
    assert_eq!(value(&b.ns, "net.ipv4.ip_local_port_range"), "32768 60999");
    let r = b.ns.doctor_json(&["net.socket.tcp"]);
    assert!(!findings(&r, "net.socket.tcp").contains("TCP-TIME-WAIT"), "{r:#}");
    assert!(
        std::fs::read_to_string(&ports).expect("ports").starts_with("# net.ipv4.ip_local_port_range = 40000 40099  #"),
        "the narrow range is commented out"
    );

    assert_eq!(undo_all(&b.ns, repairs.path()), 1);
    assert_eq!(file_state(&ports), original);
    assert_eq!(value(&b.ns, "net.ipv4.ip_local_port_range"), "40000 40099");
}

/// `tc qdisc show dev DEV` in the lab's namespace.
fn qdiscs(b: &Lab, dev: &str) -> String {
    let out =
        Command::new("ip").args(["netns", "exec", &b.ns.0, "tc", "qdisc", "show", "dev", dev]).output().expect("tc");
    stdout(&out)
}

fn tc(b: &Lab, args: &str) -> Result<(), String> {
    let out = Command::new("ip")
        .args(["netns", "exec", &b.ns.0, "tc"])
        .args(args.split_whitespace())
        .output()
        .expect("ip netns exec tc");
    if out.status.success() { Ok(()) } else { Err(stderr(&out)) }
}

#[test]
fn a_leftover_rate_limit_is_removed_and_put_back_by_undo_and_a_shaper_with_classes_is_refused() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("fxqd");
    let repairs = tempfile::tempdir().expect("tempdir");
    tc(&b, "qdisc add dev d0 root tbf rate 1mbit burst 32kbit latency 400ms").expect("tbf");
    let shaped = qdiscs(&b, "d0");
    assert!(shaped.contains("qdisc tbf"), "{shaped}");
    let args = ["--only", "net.nic.qdisc", "--no-save"];

    let out = fix_in(&b.ns, repairs.path(), &args);
    let plan = stdout(&out);
    for want in [
        "qdisc-remove-d0  ·  net.nic.qdisc  ·  d0",
        "remove the root qdisc of d0 (tbf rate 1Mbit burst 4Kb lat 400ms)",
        "runs: tc qdisc del dev d0 root",
        "undo runs: tc qdisc add dev d0 root handle ",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(qdiscs(&b, "d0"), shaped, "the plan changes nothing");

    let out = fix_in(&b.ns, repairs.path(), &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(!qdiscs(&b, "d0").contains("tbf"), "{}", qdiscs(&b, "d0"));
    let r = b.ns.doctor_json(&["net.nic.qdisc"]);
    assert_eq!(status_of(&r, "net.nic.qdisc"), "ok", "{r:#}");

    assert_eq!(undo_all(&b.ns, repairs.path()), 1);
    assert_eq!(qdiscs(&b, "d0"), shaped, "the same qdisc is back, handle and parameters");

    // An htb with a class: its classes cannot be put back from what tc shows; refused with the
    // command. (netem, where the kernel has sch_netem, is removed like the tbf.)
    tc(&b, "qdisc del dev d0 root").expect("del");
    tc(&b, "qdisc add dev d0 root handle 1: htb default 10").expect("htb");
    tc(&b, "class add dev d0 parent 1: classid 1:10 htb rate 2mbit").expect("class");
    let out = fix_in(&b.ns, repairs.path(), &args);
    let plan = stdout(&out);
    assert!(plan.contains("d0's htb (with what hangs below it) cannot be put back"), "{plan}");
    assert!(plan.contains("`tc qdisc del dev d0 root`"), "{plan}");
    assert!(!plan.contains("qdisc-remove-d0  ·"), "{plan}");
    tc(&b, "qdisc del dev d0 root").expect("del");
    match tc(&b, "qdisc add dev d0 root netem delay 100ms loss 40%") {
        Ok(()) => {
            let netem = qdiscs(&b, "d0");
            let out = fix_in(&b.ns, repairs.path(), &[&args[..], &["--apply", "--yes"]].concat());
            assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
            assert!(!qdiscs(&b, "d0").contains("netem"));
            assert_eq!(undo_all(&b.ns, repairs.path()), 1);
            assert_eq!(qdiscs(&b, "d0"), netem);
        }
        Err(e) => eprintln!("netem not injected: this kernel has no sch_netem ({e})"),
    }
}

#[test]
fn the_primary_interface_switched_off_is_switched_on_and_off_again_by_undo() {
    if !lab_ok() {
        return;
    }
    let b = Lab::new("fxup");
    let repairs = tempfile::tempdir().expect("tempdir");
    b.ns.ip("route add default via 10.61.0.2 dev d0");
    b.ns.ip("link set d0 down");
    assert!(!b.ok(&["ping", "-c", "1", "-W", "1", "10.61.0.2"]), "the peer is unreachable");
    let r = b.ns.doctor_json(&["net.link.state"]);
    let f = crate::topology::finding(&r, "net.link.state", "d0");
    assert_eq!(f["code"], "LINK-DOWN", "{f:#}");

    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.link.state", "--no-save"]);
    assert!(stdout(&out).contains("runs: ip link set dev d0 up"), "{}", stdout(&out));
    assert!(stdout(&out).contains("undo runs: ip link set dev d0 down"), "{}", stdout(&out));
    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.link.state", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(b.ok(&["ping", "-c", "1", "-W", "2", "10.61.0.2"]), "the peer answers again");
    let r = b.ns.doctor_json(&["net.link.state"]);
    assert_eq!(status_of(&r, "net.link.state"), "ok", "{r:#}");

    assert_eq!(undo_all(&b.ns, repairs.path()), 1);
    assert!(!b.ok(&["ping", "-c", "1", "-W", "1", "10.61.0.2"]), "switched off again, as before");
}
