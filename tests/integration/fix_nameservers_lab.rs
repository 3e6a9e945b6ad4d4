//! `ecs-doctor fix` of /etc/resolv.conf's nameservers (`action.resolv_conf`), against faults
//! injected for real in the network lab of `tests/topology.rs`: dnsmasq answers on the
//! platform's addresses 100.100.2.136/.138 and the lab's metadata service names them
//! (`dns-conf/nameservers`); the client is a [`Machine`] (its own mount namespace: an /etc
//! overlay and a /run tmpfs), so glibc there really resolves through the file under test and
//! `getent hosts` proves each fault and each repair.
//!
//! - A nameserver that does not answer (an address nobody has on the server's link): replaced by
//!   the platform's; refused without a metadata service, when the platform's nameservers do not
//!   answer either (the router drops them), for a link systemd-resolved owns and for a file
//!   NetworkManager wrote. Then one that refuses (a dnsmasq with no names and no upstream), one
//!   with no route to it (an `unreachable` route) and one whose host has no DNS (the router).
//! - A misspelt nameserver line and a long timeout, then a missing file: the platform's
//!   nameservers written, the broken line commented out, the timeout removed; the file created.
//! - A real dhclient (Debian's, with its dhclient-script) whose lease names a dead nameserver:
//!   the repair also gives dhclient.conf `supersede domain-name-servers`, and a hand edit the
//!   lease would overwrite (RESOLV-REWRITE) is made the manager's; a real renewal then keeps the
//!   platform's nameservers.
//!
//! Each: the plan changes nothing, apply makes the checks ok on a re-run, undo restores sha256,
//! mode and owner. Root only; run under the lab lock.

use crate::common::*;
use crate::integration::fix_dns_lab::{MD, client, fix, getent, run};
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::Machine;
use crate::topology::{self, Daemon, Lab, MdMode, lab_ok};
use std::process::{Command, Stdio};

const REACH: &str = "net.dns.resolver-reachable";
const CONF: &str = "net.dns.resolv-conf";
const MANAGER: &str = "net.dns.resolv-conf-manager";
/// An address on the lab server's link that nobody has: queries to it get no answer.
const DEAD: &str = "10.88.0.53";

fn ok(out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(out), stderr(out));
}

fn contains_all(text: &str, wants: &[String]) {
    for want in wants {
        assert!(text.contains(want.as_str()), "{want:?} not in\n{text}");
    }
}

/// The code of the finding of `id` about `subject`.
fn code(r: &serde_json::Value, id: &str, subject: &str) -> String {
    topology::finding(r, id, subject)["code"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_dead_nameserver_is_replaced_by_the_platforms_or_refused_and_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = client(&lab);
    m.write(
        "/etc/resolv.conf",
        &format!("# by hand\nsearch lab.test\nnameserver {DEAD}\noptions timeout:1 attempts:1\n"),
    );
    let path = m.path("/etc/resolv.conf");
    assert_eq!(getent(&m, topology::GOOD_NAME), None, "the fault is real: nothing answers glibc");
    let args = ["--only", REACH, "--only", CONF, "--metadata-url", MD];
    let r = run(&m, &args);
    assert_eq!(status_of(&r, REACH), "crit", "{r:#}");
    assert_eq!(code(&r, REACH, DEAD), "ETIMEDOUT");
    assert_eq!(code(&r, CONF, "/etc/resolv.conf"), "DNS-NOT-PLATFORM");
    let original = file_state(&path);

    // Without a metadata service (no cloud detected here) the platform's nameservers are unknown.
    let out = fix(&m, &["--only", REACH]);
    assert!(stdout(&out).contains("the platform's nameservers are not known here"), "{}", stdout(&out));
    // The platform's nameservers do not answer either: replacing would not help.
    let drop = format!("FORWARD -d {} -p udp --dport 53 -j DROP", topology::DNS1);
    let drop2 = format!("FORWARD -d {} -p udp --dport 53 -j DROP", topology::DNS2);
    lab.iptables(&lab.router, &format!("-I {drop}"));
    lab.iptables(&lab.router, &format!("-I {drop2}"));
    let out = fix(&m, &args);
    assert!(
        stdout(&out).contains(&format!(
            "the platform's nameservers ({}, {}) do not answer for {} from here either",
            topology::DNS1,
            topology::DNS2,
            topology::MIRROR_NAME
        )),
        "{}",
        stdout(&out)
    );
    lab.iptables(&lab.router, &format!("-D {drop}"));
    lab.iptables(&lab.router, &format!("-D {drop2}"));

    let out = fix(&m, &args);
    let id = "resolv-conf-replace-dead-10-88-0-53";
    contains_all(
        &stdout(&out),
        &[
            format!("{id}  ·  {REACH}  ·  {DEAD}"),
            format!(
                "replace the nameserver {DEAD}, which does not answer, in /etc/resolv.conf by the platform's 100.100.2.136, 100.100.2.138 (from {MD}/latest/meta-data/dns-conf/nameservers; they answer for {})",
                topology::MIRROR_NAME
            ),
            format!("    -nameserver {DEAD}"),
            format!("    +# nameserver {DEAD}  # ecs-doctor fix: does not answer"),
            "    +nameserver 100.100.2.136\n    +nameserver 100.100.2.138".into(),
            format!("resolv-conf-platform-etc-resolv-conf  ·  {CONF}  ·  /etc/resolv.conf"),
        ],
    );
    assert_eq!(file_state(&path), original, "the plan changes nothing");

    // Both: the first (the platform's nameservers) fixes the second's finding too, which then
    // has nothing left to change and is no failure.
    let out = fix(&m, &[&args[..], &["--apply", "--yes"]].concat());
    ok(&out);
    assert!(
        stderr(&out).contains(&format!("{id}: nothing left to change: {REACH} no longer finds it")),
        "{}",
        stderr(&out)
    );
    let answer = getent(&m, topology::GOOD_NAME).unwrap_or_default();
    assert!(answer.contains(topology::SERVER_IP), "names resolve: {answer:?}");
    let r = run(&m, &args);
    assert_eq!((status_of(&r, REACH), status_of(&r, CONF)), ("ok".into(), "ok".into()), "{r:#}");
    let now = file_state(&path);
    assert_eq!((now.1, now.2, now.3), (original.1, original.2, original.3), "mode and owner kept");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.starts_with("# by hand\nsearch lab.test\n") && text.ends_with("options timeout:1 attempts:1\n"));

    ok(&fix(&m, &["--undo"]));
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");
    assert_eq!(getent(&m, topology::GOOD_NAME), None, "broken again, as before");

    // A link systemd-resolved owns is not written through: its configuration is named instead.
    m.write("/run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\n");
    m.write("/run/systemd/resolve/resolv.conf", &format!("nameserver {DEAD}\n"));
    std::fs::remove_file(&path).expect("rm");
    std::os::unix::fs::symlink("../run/systemd/resolve/stub-resolv.conf", &path).expect("link");
    let out = fix(&m, &["--only", CONF, "--metadata-url", MD]);
    assert!(
        stdout(&out).contains("is a link to ../run/systemd/resolve/stub-resolv.conf, which systemd-resolved writes: change systemd-resolved's configuration instead (DNS=100.100.2.136 100.100.2.138 in /etc/systemd/resolved.conf"),
        "{}",
        stdout(&out)
    );
    // A file NetworkManager wrote is its to write again: the connection's DNS is named instead.
    std::fs::remove_file(&path).expect("rm");
    m.write("/etc/resolv.conf", &format!("# Generated by NetworkManager\nnameserver {DEAD}\n"));
    let out = fix(&m, &args);
    assert!(
        stdout(&out).contains("NetworkManager writes /etc/resolv.conf (/etc/resolv.conf: Generated by NetworkManager): change the connection's DNS instead (nmcli connection modify <connection> ipv4.dns \"100.100.2.136 100.100.2.138\" ipv4.ignore-auto-dns yes"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_misspelt_nameserver_a_long_timeout_and_a_missing_file_get_the_platforms_nameservers() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Plain);
    let m = client(&lab);
    let broken = "; written by hand\nnameservr 100.100.2.136\noptions timeout:30 rotate\n";
    m.write_mode("/etc/resolv.conf", broken, 0o640);
    let path = m.path("/etc/resolv.conf");
    assert_eq!(getent(&m, topology::GOOD_NAME), None, "the fault is real: glibc has no nameserver");
    let args = ["--only", CONF, "--metadata-url", MD];
    let r = run(&m, &args);
    assert_eq!(status_of(&r, CONF), "crit", "{r:#}");
    let codes: Vec<&str> =
        check(&r, CONF)["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["DNS-NO-NAMESERVER", "DNS-INVALID-LINE", "DNS-LONG-TIMEOUT"], "{r:#}");
    let original = file_state(&path);

    let out = fix(&m, &args);
    contains_all(
        &stdout(&out),
        &[
            "make /etc/resolv.conf name the platform's nameservers 100.100.2.136, 100.100.2.138".into(),
            "comment out /etc/resolv.conf:2: the resolver cannot parse them and skips them already".into(),
            "remove `timeout:30` from the options of /etc/resolv.conf".into(),
            "    +# nameservr 100.100.2.136  # ecs-doctor fix: the resolver cannot parse this line and skips it".into(),
            "    +options rotate".into(),
        ],
    );
    assert_eq!(file_state(&path), original, "the plan changes nothing");

    ok(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains(topology::SERVER_IP), "names resolve");
    assert_eq!(status_of(&run(&m, &args), CONF), "ok");
    let now = file_state(&path);
    assert_eq!((now.1, now.2, now.3), (original.1, original.2, original.3), "mode and owner kept");
    for _ in 0..3 {
        ok(&fix(&m, &["--undo"]));
    }
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");

    // No file at all: written with the platform's nameservers; undo removes it again.
    std::fs::remove_file(&path).expect("rm");
    let r = run(&m, &args);
    assert_eq!(code(&r, CONF, "/etc/resolv.conf"), "ENOENT", "{r:#}");
    ok(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert_eq!(
        std::fs::read_to_string(&path).expect("written"),
        "nameserver 100.100.2.136\nnameserver 100.100.2.138\n"
    );
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains(topology::SERVER_IP));
    assert_eq!(status_of(&run(&m, &args), CONF), "ok");
    ok(&fix(&m, &["--undo"]));
    assert!(!path.exists(), "undo removes the file it created");

    // A fourth nameserver, which glibc never asks: commented out, the three in use kept.
    let four = "nameserver 100.100.2.136\nnameserver 100.100.2.138\nnameserver 100.100.2.136\nnameserver 10.88.0.53\n";
    m.write("/etc/resolv.conf", four);
    let only = ["--only", CONF];
    let r = run(&m, &only);
    assert_eq!(code(&r, CONF, "/etc/resolv.conf"), "DNS-IGNORED-NAMESERVER", "{r:#}");
    let original = file_state(&path);
    let out = fix(&m, &only);
    contains_all(
        &stdout(&out),
        &["    +# nameserver 10.88.0.53  # ecs-doctor fix: past the third nameserver: the resolver ignores it".into()],
    );
    ok(&fix(&m, &[&only[..], &["--apply", "--yes"]].concat()));
    assert_eq!(status_of(&run(&m, &only), CONF), "ok");
    ok(&fix(&m, &["--undo"]));
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");
}

/// The lease's nameserver: on the DHCP link, where nobody has it.
const LEASE_DNS: &str = "10.66.0.53";

/// dhclient on the machine's `dh0`, the lease in a tmpfs over /var/lib/dhcp; killed on drop.
struct Dhclient<'a> {
    m: &'a Machine,
}

impl Dhclient<'_> {
    /// Gets a lease (dhclient-script writes resolv.conf), then dhclient keeps running.
    fn start(m: &Machine) -> Dhclient<'_> {
        let out = m
            .command("unshare", &["--uts", "dhclient", "-4", "-1", "-lf", "/var/lib/dhcp/dhclient.dh0.leases"])
            .args(["-pf", "/run/dhclient.dh0.pid", "dh0"])
            .output()
            .expect("dhclient");
        assert!(out.status.success(), "dhclient: {}", stderr(&out));
        Dhclient { m }
    }

    fn stop(&self) {
        let pid = std::fs::read_to_string(self.m.path("/run/dhclient.dh0.pid")).unwrap_or_default();
        if let Ok(pid) = pid.trim().parse::<i32>()
            && let Some(pid) = rustix::process::Pid::from_raw(pid)
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            // Gone when its pid no longer names a dhclient.
            while std::fs::read_to_string(format!("/proc/{}/comm", pid.as_raw_nonzero()))
                .is_ok_and(|c| c.trim() == "dhclient")
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let _ = std::fs::remove_file(self.m.path("/run/dhclient.dh0.pid"));
    }
}

impl Drop for Dhclient<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn a_real_dhclient_keeps_the_platforms_nameservers_after_the_repair() {
    if !lab_ok()
        || !require(
            Command::new("sh").args(["-c", "command -v dhclient"]).output().is_ok_and(|o| o.status.success()),
            "dhclient is needed (apt-get install isc-dhcp-client)",
        )
    {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    // A DHCP server on a second link of the client, handing out a lease whose DNS server is dead.
    let dhcp = Netns::new("dhn");
    dhcp.ip(&format!("link add dhs0 type veth peer name dh0 netns {}", lab.client.0));
    dhcp.ip("addr add 10.66.0.1/24 dev dhs0");
    dhcp.ip("link set dhs0 up");
    lab.client.ip("link set dh0 up");
    let child = Command::new("ip")
        .args(["netns", "exec", &dhcp.0, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0"])
        .args(["--interface=dhs0", "--bind-interfaces", "--dhcp-range=10.66.0.50,10.66.0.60,255.255.255.0,1h"])
        .arg(format!("--dhcp-option=option:dns-server,{LEASE_DNS}"))
        // No router option: the client's default route stays the lab's.
        .arg("--dhcp-option=3")
        .arg(format!("--dhcp-leasefile={}/dnsmasq.leases", lab.dir.path().display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dnsmasq (DHCP)");
    let _dhcpd = Daemon(child);
    let m = client(&lab);
    m.sh("mkdir -p /var/lib/dhcp && mount -t tmpfs lab /var/lib/dhcp");
    let resolv = m.path("/etc/resolv.conf");
    let conf = m.path("/etc/dhcp/dhclient.conf");
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();

    let dhclient = Dhclient::start(&m);
    assert!(read(&resolv).contains(&format!("nameserver {LEASE_DNS}")), "dhclient-script wrote the lease's");
    assert_eq!(getent(&m, topology::GOOD_NAME), None, "the fault is real");
    let args = ["--only", REACH, "--only", MANAGER, "--metadata-url", MD];
    let r = run(&m, &args);
    assert_eq!(code(&r, REACH, LEASE_DNS), "ETIMEDOUT", "{r:#}");
    assert_eq!(status_of(&r, MANAGER), "ok", "the file is the lease's: {r:#}");
    let (resolv_before, conf_before) = (file_state(&resolv), file_state(&conf));

    let out = fix(&m, &args);
    let supersede = "supersede domain-name-servers 100.100.2.136, 100.100.2.138;";
    contains_all(
        &stdout(&out),
        &[
            format!(
                "and make the running dhclient keep them at every lease renewal: `{supersede}` in /etc/dhcp/dhclient.conf"
            ),
            format!("    +# nameserver {LEASE_DNS}  # ecs-doctor fix: does not answer"),
            format!("    +{supersede}"),
        ],
    );
    assert_eq!((file_state(&resolv), file_state(&conf)), (resolv_before.clone(), conf_before.clone()), "plan only");
    ok(&fix(&m, &[&args[..], &["--apply", "--yes"]].concat()));
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains(topology::SERVER_IP), "names resolve");
    assert_eq!(status_of(&run(&m, &args), REACH), "ok");
    ok(&fix(&m, &["--undo"]));
    assert_eq!((file_state(&resolv), file_state(&conf)), (resolv_before, conf_before), "both files restored");

    // The admin writes the platform's nameserver by hand; the running dhclient would put the
    // lease's back at its next renewal.
    m.write("/etc/resolv.conf", &format!("nameserver {}\n", topology::DNS1));
    let r = run(&m, &args);
    assert_eq!(code(&r, MANAGER, "/etc/resolv.conf"), "RESOLV-REWRITE", "{r:#}");
    let out = fix(&m, &args);
    let id = "resolv-conf-platform-etc-resolv-conf";
    contains_all(&stdout(&out), &[format!("{id}  ·  {MANAGER}  ·  /etc/resolv.conf"), format!("    +{supersede}")]);
    ok(&fix(&m, &[&args[..], &["--apply", id, "--yes"]].concat()));
    let r = run(&m, &args);
    assert_eq!((status_of(&r, MANAGER), status_of(&r, REACH)), ("ok".into(), "ok".into()), "{r:#}");

    // A real renewal: dhclient-script writes resolv.conf again, with the superseded nameservers.
    dhclient.stop();
    drop(dhclient);
    let _dhclient = Dhclient::start(&m);
    let text = read(&resolv);
    assert!(
        text.contains("nameserver 100.100.2.136")
            && text.contains("nameserver 100.100.2.138")
            && !text.contains(LEASE_DNS),
        "the renewal keeps the platform's nameservers:\n{text}"
    );
    assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains(topology::SERVER_IP));
    let r = run(&m, &args);
    assert_eq!((status_of(&r, MANAGER), status_of(&r, REACH)), ("ok".into(), "ok".into()), "{r:#}");
}

/// dnsmasq on `addr` in `ns` with no names and no upstream: it refuses every query.
fn refusing_dnsmasq(ns: &Netns, addr: &str) -> Daemon {
    let child = Command::new("ip")
        .args(["netns", "exec", &ns.0, "dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts"])
        .args(["--bind-interfaces", "--port=53", "--user=root", "--group=root"])
        .arg(format!("--listen-address={addr}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn dnsmasq");
    let d = Daemon(child);
    // Ready when its UDP socket shows in the namespace's table (address in /proc's hex order).
    let ip: std::net::Ipv4Addr = addr.parse().expect("IPv4");
    let want = format!("{:08X}:0035", u32::from_le_bytes(ip.octets()));
    while !std::fs::read_to_string(format!("/proc/{}/net/udp", d.0.id())).unwrap_or_default().contains(&want) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    d
}

#[test]
fn a_refusing_an_unreachable_and_a_closed_nameserver_are_each_replaced_and_undone() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = client(&lab);
    let _refusing = refusing_dnsmasq(&lab.server, topology::SERVER_IP);
    // No route to 192.0.2.0/24 from the client: the kernel refuses to send there.
    lab.client.ip("route add unreachable 192.0.2.0/24");
    let path = m.path("/etc/resolv.conf");
    let args = ["--only", REACH, "--metadata-url", MD];
    for (server, others, want) in [
        (topology::SERVER_IP, "nameserver 100.100.2.138\n", "REFUSED"),
        ("192.0.2.53", "", "ENETUNREACH"),
        // The router: up, nothing on port 53 (its port-unreachable is not an answer).
        (topology::ROUTER_CLIENT_IP, "", "ETIMEDOUT"),
    ] {
        m.write("/etc/resolv.conf", &format!("nameserver {server}\n{others}options timeout:1 attempts:1\n"));
        let r = run(&m, &args);
        assert_eq!(code(&r, REACH, server), want, "{r:#}");
        let original = file_state(&path);
        let id = format!("resolv-conf-replace-dead-{}", server.replace('.', "-"));
        let out = fix(&m, &args);
        contains_all(&stdout(&out), &[format!("{id}  ·  {REACH}  ·  {server}"), format!("    -nameserver {server}")]);
        assert_eq!(file_state(&path), original, "the plan changes nothing");
        ok(&fix(&m, &[&args[..], &["--apply", &id, "--yes"]].concat()));
        assert_eq!(status_of(&run(&m, &args), REACH), "ok", "{want}");
        assert!(getent(&m, topology::GOOD_NAME).unwrap_or_default().contains(topology::SERVER_IP), "{want}");
        ok(&fix(&m, &["--undo"]));
        assert_eq!(file_state(&path), original, "{want}: sha256, mode and owner restored");
    }
}
