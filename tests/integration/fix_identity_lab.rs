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
