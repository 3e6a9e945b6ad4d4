//! `ecs-doctor fix` against the instance's network identity, the faults injected for real in
//! the network lab of `tests/topology.rs`: its metadata stand-in plays the console (hostname,
//! NICs by MAC, gateway), the client namespace is the instance, run as a [`Machine`] (its own
//! mount namespace with a writable /etc overlay, and for the hostname its own UTS namespace, so
//! this host keeps its name). ecs-doctor runs there with --metadata-url.
//!
//! - hostname: the console names the instance otherwise; the repair sets the running name
//!   (`hostname`), /etc/hostname and the /etc/hosts loopback line; with cloud-init's
//!   `preserve_hostname: true` the guest's own name is not replaced.
//! - default route: deleted, or pointing at a gateway that does not answer ARP; the repair adds
//!   the console's gateway (the route is checked with `ip route`, packets go through again);
//!   with no metadata service to ask, it is refused and nothing changes.
//! - NICs: a secondary ENI (a veth with the console's MAC) and a secondary private IP the
//!   router can ping only after the repair; configured in ifupdown, ifcfg or netplan, or refused
//!   (NetworkManager, nothing configures the network).
//! - path MTU: a router forwarding onto MTU 1400 that drops its "fragmentation needed"; the
//!   interface gets the largest size that passed, live and in its ifupdown stanza.
//!
//! Each: the plan changes nothing, apply makes the check ok on a re-run, undo restores sha256,
//! mode and owner of every file and reverses the live step. Root only; run under the lab lock.

use crate::common::*;
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::Machine;
use crate::topology::{self, Lab, MdMode, lab_ok};
use std::process::Output;

const MD: &str = "http://100.100.100.200";

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

/// The output of a command on the machine.
fn on(m: &Machine, program: &str, args: &[&str]) -> String {
    stdout(&m.command(program, args).output().expect("nsenter"))
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

#[test]
fn the_console_hostname_is_set_now_and_at_boot_and_undone() {
    if !lab_ok() {
        return;
    }
    let this_host = on_host_hostname();
    let lab = Lab::new(MdMode::Token);
    let m = Machine::with_own_hostname(&lab.client, false);
    m.sh("hostname guest-old");
    m.write_mode("/etc/hostname", "guest-old\n", 0o644);
    m.write_mode("/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tguest-old\n", 0o644);
    let _ = std::fs::remove_file(m.path("/etc/cloud/cloud.cfg"));
    let id = "net.metadata.hostname";
    let args = ["--only", id, "--metadata-url", MD];
    lab.metadata.identity.lock().unwrap().hostname = "guest-old".into();
    assert_eq!(status_of(&run(&m, &args), id), "ok", "the healthy instance is quiet");
    assert!(fix(&m, &args).status.success());

    // Renamed in the console: the guest still runs with its old name.
    lab.metadata.identity.lock().unwrap().hostname = "web-console-1".into();
    let r = run(&m, &args);
    assert_eq!(status_of(&r, id), "warn", "{r:#}");
    assert_eq!(check(&r, id)["findings"][0]["code"], "HOSTNAME-DIFFERS", "{r:#}");
    let files = ["/etc/hostname", "/etc/hosts"].map(|p| file_state(&m.path(p)));

    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "hostname-console-guest-old  ·  net.metadata.hostname  ·  guest-old",
            "name the instance web-console-1 as the console does",
            "    -guest-old\n    +web-console-1",
            "    -127.0.1.1\tguest-old\n    +127.0.1.1\tweb-console-1",
            "runs: hostname web-console-1",
            "undo runs: hostname guest-old",
        ],
    );
    assert_eq!(["/etc/hostname", "/etc/hosts"].map(|p| file_state(&m.path(p))), files, "the plan changes nothing");
    assert_eq!(on(&m, "hostname", &[]).trim(), "guest-old");

    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert_eq!(on(&m, "hostname", &[]).trim(), "web-console-1", "the running name is the console's");
    assert_eq!(std::fs::read_to_string(m.path("/etc/hostname")).unwrap_or_default(), "web-console-1\n");
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert_eq!(on_host_hostname(), this_host, "this host kept its name");
    let after = file_state(&m.path("/etc/hostname"));
    assert_eq!((after.1, after.2, after.3), (files[0].1, files[0].2, files[0].3), "mode and owner kept");

    undone(&m);
    assert_eq!(["/etc/hostname", "/etc/hosts"].map(|p| file_state(&m.path(p))), files, "sha256, mode, owner");
    assert_eq!(on(&m, "hostname", &[]).trim(), "guest-old", "the old name is back");

    // Set by hand to the console's name but not written down: only /etc/hostname is written.
    m.sh("hostname web-console-1");
    let r = run(&m, &args);
    assert_eq!(check(&r, id)["findings"][0]["code"], "HOSTNAME-NOT-PERSISTENT", "{r:#}");
    let plan = stdout(&fix(&m, &args));
    contains_all(&plan, &["write the running name web-console-1, the console's, to /etc/hostname"]);
    assert!(!plan.contains("runs: hostname"), "{plan}");
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    undone(&m);
    assert_eq!(file_state(&m.path("/etc/hostname")), files[0]);

    // cloud-init keeps the guest's own name, set by hand and not written down: which of the two
    // names is right is not knowable, so nothing is changed.
    m.sh("hostname guest-new");
    m.write("/etc/cloud/cloud.cfg", "preserve_hostname: true\n");
    let r = run(&m, &args);
    assert_eq!(check(&r, id)["status"], "warn", "{r:#}");
    contains_all(
        &stdout(&fix(&m, &args)),
        &["cloud-init keeps the guest's own name (/etc/cloud/cloud.cfg:1: preserve_hostname: true)"],
    );
    let _ = fix(&m, &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(on(&m, "hostname", &[]).trim(), "guest-new");
    assert_eq!(file_state(&m.path("/etc/hostname")), files[0]);
}

fn on_host_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_string()
}

/// `ip -4 route show default` on the machine.
fn default_routes(m: &Machine) -> String {
    on(m, "ip", &["-4", "route", "show", "default"])
}

/// Whether the server answers a ping from the machine.
fn reaches_server(m: &Machine) -> bool {
    m.command("ping", &["-c", "1", "-W", "1", topology::SERVER_IP]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn a_missing_or_dead_default_route_gets_the_console_gateway_and_is_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.client, false);
    let id = "net.route.default";
    let args = ["--only", id, "--metadata-url", MD];
    assert_eq!(status_of(&run(&m, &args), id), "ok", "the healthy lab is quiet");
    assert!(fix(&m, &args).status.success());

    // No default route, and no other way to the metadata service either: refused, nothing changes.
    lab.client.ip("route del default");
    assert!(!reaches_server(&m), "the fault is real");
    let r = run(&m, &args);
    assert_eq!(check(&r, id)["findings"][0]["code"], "ENETUNREACH", "{r:#}");
    contains_all(&stdout(&fix(&m, &args)), &["the metadata service http://100.100.100.200 cannot be asked"]);
    let _ = fix(&m, &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(default_routes(&m), "");

    // The platform's services keep a route of their own (a policy route, a VPN's split route):
    // the console answers, and gives the gateway.
    lab.client.ip("route add 100.100.0.0/16 via 10.77.1.1 dev c0");
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "default-route-routing-table  ·  net.route.default  ·  routing table",
            "add the default route through the console's gateway 10.77.1.1 on c0",
            "runs: ip route add default via 10.77.1.1 dev c0",
            "undo runs: ip route del default via 10.77.1.1 dev c0",
        ],
    );
    assert_eq!(default_routes(&m), "", "the plan changes nothing");
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(reaches_server(&m), "packets go through the gateway again");
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    undone(&m);
    assert_eq!(default_routes(&m), "", "undone: no default route, as before");

    // A default route through a gateway that does not answer ARP.
    lab.client.ip("route add default via 10.77.1.50 dev c0 metric 10");
    assert!(!reaches_server(&m), "the fault is real");
    let before = default_routes(&m);
    let r = run(&m, &args);
    let f = topology::finding(&r, id, "default via 10.77.1.50 dev c0");
    assert_eq!(f["code"], "EHOSTUNREACH", "{f:#}");
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "replace default via 10.77.1.50 dev c0, whose gateway does not answer",
            "runs: ip route del default via 10.77.1.50 dev c0 metric 10",
            "undo runs: ip route add default via 10.77.1.50 dev c0 metric 10",
            "runs: ip route add default via 10.77.1.1 dev c0",
        ],
    );
    assert_eq!(default_routes(&m), before, "the plan changes nothing");
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(reaches_server(&m), "packets go through the console's gateway");
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    undone(&m);
    assert_eq!(default_routes(&m), before, "the dead route is back with its metric, the other gone");
}

const SECOND_MAC: &str = "00:16:3e:0a:00:21";

/// The console attaches a secondary ENI (a veth with its MAC, switched off, no address) and
/// assigns a secondary private IP to the primary NIC; `ip -4 addr` on the machine.
fn attach_secondary(lab: &Lab) {
    lab.client.ip(&format!("link add c1 address {SECOND_MAC} type veth peer name c1p"));
    lab.client.ip("link set c1p up");
    let mut id = lab.metadata.identity.lock().unwrap();
    id.nics[0].private_ips.push("10.77.1.3".into());
    id.nics.push(topology::LabNic {
        mac: SECOND_MAC.into(),
        id: "eni-lab00000000000000c1".into(),
        primary: "10.77.1.20".into(),
        private_ips: vec!["10.77.1.20".into(), "10.77.1.21".into()],
    });
}

fn addrs(m: &Machine) -> String {
    on(m, "ip", &["-4", "-o", "addr", "show"])
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

const IFUPDOWN: &str = "source-directory /etc/network/interfaces.d\n\nauto lo\niface lo inet loopback\n\n\
auto c0\niface c0 inet static\n    address 10.77.1.2/24\n    gateway 10.77.1.1\n\n# the end\n";

#[test]
fn a_secondary_nic_and_ip_from_the_console_are_configured_in_ifupdown_now_and_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.client, false);
    m.write_mode("/etc/network/interfaces", IFUPDOWN, 0o640);
    let id = "net.metadata.nics";
    let args = ["--only", id, "--metadata-url", MD];
    assert_eq!(status_of(&run(&m, &args), id), "ok", "the healthy lab is quiet");
    assert!(fix(&m, &args).status.success());

    attach_secondary(&lab);
    let answers = |ip: &str| {
        std::process::Command::new("ip")
            .args(["netns", "exec", &lab.router.0, "ping", "-c", "1", "-W", "1", ip])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(!answers("10.77.1.3"), "the fault is real: nobody answers on the console's secondary IP");
    let r = run(&m, &args);
    assert_eq!(status_of(&r, id), "crit", "{r:#}");
    let main = m.path("/etc/network/interfaces");
    let (main_before, addrs_before) = (file_state(&main), addrs(&m));

    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "nic-addresses-c1  ·  net.metadata.nics  ·  c1",
            "configure 10.77.1.20/24, 10.77.1.21/24 on c1 (NIC eni-lab00000000000000c1) as the console assigned them: now (`ip addr add`) and at the next boot (ifupdown: /etc/network/interfaces.d/c1)",
            "    +++ b/etc/network/interfaces.d/c1",
            "    +# NIC eni-lab00000000000000c1 (00:16:3e:0a:00:21) as the console assigns it: written by ecs-doctor fix",
            "    +auto c1\n    +iface c1 inet static\n    +    address 10.77.1.20/24\n    +    up ip addr add 10.77.1.21/24 dev c1",
            "runs: ip link set dev c1 up",
            "undo runs: ip link set dev c1 down",
            "runs: ip addr add 10.77.1.20/24 dev c1",
            "undo runs: ip addr del 10.77.1.21/24 dev c1",
            "nic-addresses-c0  ·  net.metadata.nics  ·  c0",
            "     gateway 10.77.1.1\n    +    up ip addr add 10.77.1.3/24 dev c0\n",
            "runs: ip addr add 10.77.1.3/24 dev c0",
        ],
    );
    assert_eq!((file_state(&main), addrs(&m)), (main_before.clone(), addrs_before.clone()), "the plan changes nothing");
    assert!(!m.path("/etc/network/interfaces.d/c1").exists());

    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert!(answers("10.77.1.3"), "the secondary IP answers now");
    let now = addrs(&m);
    assert!(now.contains("c1    inet 10.77.1.20/24") && now.contains("c1    inet 10.77.1.21/24"), "{now}");
    let after = file_state(&main);
    assert_eq!((after.1, after.2, after.3), (main_before.1, main_before.2, main_before.3), "mode and owner kept");
    // What the next boot reads: the check's own parser of the files finds no stale address.
    let c1 = std::fs::read_to_string(m.path("/etc/network/interfaces.d/c1")).unwrap_or_default();
    assert!(
        c1.ends_with("iface c1 inet static\n    address 10.77.1.20/24\n    up ip addr add 10.77.1.21/24 dev c1\n"),
        "{c1}"
    );

    assert_eq!(undo_all(&m), 2);
    assert_eq!((file_state(&main), addrs(&m)), (main_before, addrs_before), "files and addresses as before");
    assert!(!m.path("/etc/network/interfaces.d/c1").exists(), "the new file is gone");
    assert!(!answers("10.77.1.3"));
    let flags = on(&m, "cat", &["/sys/class/net/c1/flags"]);
    assert_eq!(u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).unwrap_or(1) & 1, 0, "c1 is down again");
}

#[test]
fn the_nic_configuration_follows_the_distribution_or_is_refused_with_why() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    attach_secondary(&lab);
    let id = "net.metadata.nics";
    let args = ["--only", id, "--metadata-url", MD];

    // RHEL's ifcfg files: a new ifcfg-c1, and IPADDR1/PREFIX1 in ifcfg-c0.
    let m = Machine::new(&lab.client, false);
    let c0 = "DEVICE=c0\nBOOTPROTO=dhcp\nONBOOT=yes\n";
    m.write("/etc/sysconfig/network-scripts/ifcfg-c0", c0);
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "(ifcfg: /etc/sysconfig/network-scripts/ifcfg-c1)",
            "    +DEVICE=c1\n    +HWADDR=00:16:3e:0a:00:21\n    +TYPE=Ethernet\n    +BOOTPROTO=none\n    +ONBOOT=yes\n    +DEFROUTE=no\n    +IPADDR=10.77.1.20\n    +PREFIX=24\n    +IPADDR1=10.77.1.21\n    +PREFIX1=24\n",
            "     ONBOOT=yes\n    +IPADDR1=10.77.1.3\n    +PREFIX1=24\n",
        ],
    );
    let before = file_state(&m.path("/etc/sysconfig/network-scripts/ifcfg-c0"));
    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert_eq!(status_of(&run(&m, &args), id), "ok");
    assert_eq!(undo_all(&m), 2);
    assert_eq!(file_state(&m.path("/etc/sysconfig/network-scripts/ifcfg-c0")), before);
    assert!(!m.path("/etc/sysconfig/network-scripts/ifcfg-c1").exists());
    let now = addrs(&m);
    assert!(!now.contains("10.77.1.20/") && !now.contains("10.77.1.3/"), "addresses removed: {now}");
    drop(m);

    // netplan: a file of its own for the new NIC; the primary one, defined already, is refused
    // with the lines to add.
    let m = Machine::new(&lab.client, false);
    m.write("/etc/netplan/50-cloud-init.yaml", "network:\n  version: 2\n  ethernets:\n    c0:\n      dhcp4: true\n");
    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "(netplan: /etc/netplan/60-ecs-doctor-c1.yaml)",
            "    +network:\n    +  version: 2\n    +  ethernets:\n    +    c1:\n    +      match:\n    +        macaddress: \"00:16:3e:0a:00:21\"\n    +      set-name: c1\n    +      addresses: [10.77.1.20/24, 10.77.1.21/24]\n",
            "netplan defines c0 already",
            "\"addresses: [10.77.1.3/24]\"",
        ],
    );
    applied(&fix(&m, &[&args[..], &["--apply", "nic-addresses-c1", "--yes"]].concat()));
    assert_eq!(undo_all(&m), 1);
    assert!(!m.path("/etc/netplan/60-ecs-doctor-c1.yaml").exists());
    drop(m);

    // NetworkManager: refused with the nmcli command; nothing that configures the network:
    // refused, an address added now would be gone at the boot.
    let m = Machine::new(&lab.client, false);
    m.write(
        "/etc/NetworkManager/system-connections/c0.nmconnection",
        "[connection]\nid=c0\ninterface-name=c0\n[ipv4]\nmethod=auto\n",
    );
    let plan = stdout(&fix(&m, &args));
    contains_all(&plan, &["NetworkManager configures c1 here", "nmcli connection modify"]);
    drop(m);
    let m = Machine::new(&lab.client, false);
    let plan = stdout(&fix(&m, &args));
    contains_all(&plan, &["no network configuration (netplan, ifcfg, NetworkManager, ifupdown) is found here"]);
    let before = addrs(&m);
    let _ = fix(&m, &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(addrs(&m), before, "nothing changed");
}

fn mtu_of(m: &Machine, dev: &str) -> String {
    std::fs::read_to_string(m.path(&format!("/sys/class/net/{dev}/mtu"))).unwrap_or_default().trim().to_string()
}

/// The router forwards onto a link of MTU 1400 and drops the "fragmentation needed" it would
/// send (as in net_counters_lab): c0 gets the largest size that passed, now and in its stanza.
#[test]
fn a_path_mtu_black_hole_gets_the_size_that_passes_now_and_at_boot_and_is_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.client, false);
    m.write_mode("/etc/network/interfaces", IFUPDOWN, 0o644);
    let target = format!("{}:80", topology::SERVER_IP);
    let id = "net.mtu.path";
    let args = ["--only", id, "--target", &target];
    assert_eq!(status_of(&run(&m, &args), id), "ok", "the healthy lab is quiet");
    assert!(fix(&m, &args).status.success());

    lab.router.ip("link set r1 mtu 1400");
    lab.server.ip("link set s0 mtu 1400");
    lab.iptables(&lab.router, "-A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP");
    let r = run(&m, &args);
    assert_eq!(topology::finding(&r, id, topology::SERVER_IP)["code"], "MTU-BLACK-HOLE", "{r:#}");
    let main = m.path("/etc/network/interfaces");
    let before = file_state(&main);

    let plan = stdout(&fix(&m, &args));
    contains_all(
        &plan,
        &[
            "mtu-path-10-88-0-2  ·  net.mtu.path  ·  10.88.0.2",
            "set c0's MTU to 1400, the largest size that passed (was 1500): now (`ip link set dev c0 mtu 1400`) and at the next boot (/etc/network/interfaces)",
            "     gateway 10.77.1.1\n    +    mtu 1400\n",
            "runs: ip link set dev c0 mtu 1400",
            "undo runs: ip link set dev c0 mtu 1500",
        ],
    );
    assert_eq!((file_state(&main), mtu_of(&m, "c0")), (before.clone(), "1500".into()), "the plan changes nothing");

    applied(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert_eq!(mtu_of(&m, "c0"), "1400");
    let r = run(&m, &args);
    assert_eq!(status_of(&r, id), "ok", "full-size packets of the new MTU pass: {r:#}");
    let after = file_state(&main);
    assert_eq!((after.1, after.2, after.3), (before.1, before.2, before.3), "mode and owner kept");

    undone(&m);
    assert_eq!((file_state(&main), mtu_of(&m, "c0")), (before, "1500".into()), "file and MTU as before");
}
