//! A real dhclient rewriting a hand-edited /etc/resolv.conf (root only): two network namespaces
//! joined by a veth pair, dnsmasq as the DHCP server on one side handing out a lease whose DNS
//! server is 10.77.0.53, and on the other side Debian's own dhclient and dhclient-script in a
//! private mount, PID and UTS namespace whose /etc is an overlay (the machine's /etc is never
//! written) and whose /var/lib/dhcp and /run are tmpfs. dhclient writes the lease's nameserver
//! into resolv.conf; the admin puts another one there by hand; ecs-doctor, run in the same
//! namespaces while dhclient still runs, says dhclient will replace it; then a renewal really
//! does, and the `supersede` line ecs-doctor gives keeps the hand-written one.

use crate::common::*;
use std::process::{Child, Command, Stdio};

const ID: &str = "net.dns.resolv-conf-manager";
const LEASE_DNS: &str = "10.77.0.53";
const HAND_DNS: &str = "10.77.0.99";

/// dnsmasq serving DHCP in a namespace, killed when dropped.
struct Dhcpd(Child);

impl Drop for Dhcpd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_hand_edited_resolv_conf_that_a_real_dhclient_will_rewrite_is_named_and_supersede_keeps_it() {
    if !require(is_root(), "the DHCP lab needs root (network, mount and PID namespaces)") {
        return;
    }
    let tools = ["dhclient", "dnsmasq", "ip", "unshare"];
    if !require(
        tools.iter().all(|t| {
            Command::new("sh").args(["-c", &format!("command -v {t}")]).output().is_ok_and(|o| o.status.success())
        }),
        "dhclient (isc-dhcp-client), dnsmasq (dnsmasq-base), ip and unshare are needed",
    ) {
        return;
    }
    let srv = Netns::new("dhs");
    let cli = Netns::new("dhc");
    srv.ip(&format!("link add dhs type veth peer name dhc netns {}", cli.0));
    srv.ip("addr add 10.77.0.1/24 dev dhs");
    srv.ip("link set dhs up");
    cli.ip("link set lo up");
    cli.ip("link set dhc up");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let Ok(child) = Command::new("ip")
        .args(["netns", "exec", &srv.0, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0"])
        .args(["--interface=dhs", "--bind-interfaces", "--dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,1h"])
        .arg(format!("--dhcp-option=option:dns-server,{LEASE_DNS}"))
        .arg(format!("--dhcp-leasefile={d}/dnsmasq.leases"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        panic!("dnsmasq did not start");
    };
    let _dhcpd = Dhcpd(child);

    // One script in the client's namespaces: each step leaves its result in the test's directory.
    let dhclient = "dhclient -4 -1 -lf /var/lib/dhcp/dhclient.dhc.leases -pf /run/dhclient.dhc.pid dhc";
    let doctor = format!("unshare --net {BIN} run --format json --no-save --only {ID}");
    let script = format!(
        "exec 2>>{d}/script.log\nset -ex\n\
         mkdir -p {d}/up {d}/work\n\
         mount -t overlay overlay -o lowerdir=/etc,upperdir={d}/up,workdir={d}/work /etc\n\
         mount -t tmpfs lab /run\n\
         mkdir -p /var/lib/dhcp && mount -t tmpfs lab /var/lib/dhcp\n\
         printf 'nameserver {HAND_DNS}\\n' > /etc/resolv.conf\n\
         {dhclient} 2> {d}/dhclient.log\n\
         cp /etc/resolv.conf {d}/after-lease\n\
         printf 'nameserver {HAND_DNS}\\n' > /etc/resolv.conf\n\
         {doctor} > {d}/report.json || true\n\
         kill $(cat /run/dhclient.dhc.pid); sleep 0.2\n\
         {dhclient} 2>> {d}/dhclient.log\n\
         cp /etc/resolv.conf {d}/after-renewal\n\
         echo 'supersede domain-name-servers {HAND_DNS};' >> /etc/dhcp/dhclient.conf\n\
         printf 'nameserver {HAND_DNS}\\n' > /etc/resolv.conf\n\
         {doctor} > {d}/report-kept.json || true\n\
         kill $(cat /run/dhclient.dhc.pid); sleep 0.2\n\
         {dhclient} 2>> {d}/dhclient.log\n\
         cp /etc/resolv.conf {d}/after-kept-renewal\n"
    );
    let out = Command::new("ip")
        .args(["netns", "exec", &cli.0, "unshare", "--mount", "--propagation", "private", "--uts"])
        .args(["--pid", "--fork", "--mount-proc", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"))
        .output()
        .expect("unshare");
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
    assert!(out.status.success(), "{}\n{}\n{}", stderr(&out), read("script.log"), read("dhclient.log"));
    // dhclient-script really wrote the lease's nameserver.
    assert!(read("after-lease").contains(&format!("nameserver {LEASE_DNS}")), "{}", read("after-lease"));

    let r = valid_report(&read("report.json"));
    let c = check(&r, ID);
    assert_eq!(c["status"], "warn", "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["code"], "RESOLV-REWRITE", "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("dhclient"), "{m}");
    assert!(
        m.contains(&format!("nameservers {HAND_DNS}")) && m.contains(&format!("replace it with {LEASE_DNS}")),
        "{m}"
    );
    assert!(m.contains(&format!("supersede domain-name-servers {HAND_DNS};")), "{m}");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("process dhclient (pid") && ev.contains("/var/lib/dhcp/dhclient.dhc.leases:"), "{ev}");

    // The renewal did what the finding said.
    assert!(read("after-renewal").contains(&format!("nameserver {LEASE_DNS}")), "{}", read("after-renewal"));
    assert!(!read("after-renewal").contains(HAND_DNS), "{}", read("after-renewal"));

    // With the supersede line: nothing to say, and the next renewal keeps the file's nameserver.
    let r = valid_report(&read("report-kept.json"));
    assert_eq!(status_of(&r, ID), "ok", "{:#}", check(&r, ID));
    assert!(read("after-kept-renewal").contains(&format!("nameserver {HAND_DNS}")), "{}", read("after-kept-renewal"));
    assert!(!read("after-kept-renewal").contains(LEASE_DNS), "{}", read("after-kept-renewal"));
}
