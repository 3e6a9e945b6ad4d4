//! Socket counters and path MTU, produced for real in network namespaces: a listener with a
//! backlog of 1 that never accepts, flooded with connects (ListenOverflows, its queue full); a
//! UDP socket with a tiny receive buffer that never reads, flooded with datagrams
//! (RcvbufErrors, the socket's own drops); TIME_WAIT sockets filling a ten-port range; and a
//! router that forwards onto a smaller MTU and drops its own "fragmentation needed" (a path MTU
//! black hole, in the three-namespace lab of `tests/topology.rs`). The flooders run while
//! ecs-doctor samples, so the counters move inside its window. Root only; run under the lab lock.

use crate::common::*;
use crate::integration::net_settings_lab::Lab;
use crate::topology::{self, Daemon, MdMode, SERVER_IP, finding};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn lab_ok() -> bool {
    require(is_root(), "the counters lab needs root (ip netns)")
        && require(Command::new("python3").arg("-V").output().is_ok(), "python3 is not installed")
}

/// The namespace pair of a counters lab (`net_settings_lab::Lab`), after the `sysctls` are set
/// in it and ecs-doctor (`--only` each of `only`) found the `quiet` checks ok there: the state
/// before the fault. `None` (skipped with the reason) where the lab cannot run.
fn quiet_lab(tag: &str, sysctls: &[&str], only: &[&str], quiet: &[&str]) -> Option<Lab> {
    if !lab_ok() {
        return None;
    }
    let b = Lab::new(tag);
    for kv in sysctls {
        b.sysctl(kv);
    }
    assert_quiet(&b.ns, only, quiet);
    Some(b)
}

/// ecs-doctor in `ns` (`--only` each of `only`) finds each of `quiet` ok.
fn assert_quiet(ns: &Netns, only: &[&str], quiet: &[&str]) {
    if quiet.is_empty() {
        return;
    }
    let r = ns.doctor_json(only);
    for id in quiet {
        assert_eq!(status_of(&r, id), "ok", "{id} before the fault: {r:#}");
    }
}

/// Appends an iptables `rule` (`-A INPUT ...`) in the namespace.
fn iptables(ns: &Netns, rule: &str) {
    let args: Vec<&str> = std::iter::once("iptables").chain(rule.split_whitespace()).collect();
    crate::topology::ns_exec(ns, &args);
}

/// Starts `python3 -c SCRIPT ARGS...` in the namespace and waits for it to print `ready`.
fn python(ns: &Netns, script: &str, args: &[&str]) -> Daemon {
    let mut child = Command::new("ip")
        .args(["netns", "exec", &ns.0, "python3", "-c", script])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3");
    let out = child.stdout.take().expect("stdout");
    let d = Daemon(child);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).expect("read python's first line");
    assert_eq!(line.trim(), "ready", "the helper did not start");
    d
}

/// A counter of /proc/net/netstat or snmp as the namespace sees it.
fn counter(ns: &Netns, file: &str, group: &str, name: &str) -> u64 {
    let out = Command::new("ip").args(["netns", "exec", &ns.0, "cat", file]).output().expect("cat");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    for pair in lines.chunks(2) {
        if let [names, values] = pair
            && names.starts_with(&format!("{group}:"))
        {
            let i = names.split_whitespace().position(|n| n == name).expect("counter name");
            return values.split_whitespace().nth(i).and_then(|v| v.parse().ok()).expect("counter value");
        }
    }
    panic!("no {group} {name} in {file}")
}

/// Waits (bounded by a count of checks, not by time) until the namespace's counter `file` `group`
/// `name` is above `above`.
pub fn until_above(ns: &Netns, (file, group, name): (&str, &str, &str), above: u64) {
    for _ in 0..500 {
        if counter(ns, file, group, name) > above {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("{group} {name} in {file} never went above {above}");
}

const LISTEN_OVERFLOWS: (&str, &str, &str) = ("/proc/net/netstat", "TcpExt", "ListenOverflows");
pub const LISTEN_DROPS: (&str, &str, &str) = ("/proc/net/netstat", "TcpExt", "ListenDrops");
const SYNCOOKIES_SENT: (&str, &str, &str) = ("/proc/net/netstat", "TcpExt", "SyncookiesSent");
const OUT_SEGS: (&str, &str, &str) = ("/proc/net/snmp", "Tcp", "OutSegs");
const RETRANS_SEGS: (&str, &str, &str) = ("/proc/net/snmp", "Tcp", "RetransSegs");
const UDP_RCVBUF_ERRORS: (&str, &str, &str) = ("/proc/net/snmp", "Udp", "RcvbufErrors");

/// A listener on 127.0.0.1:PORT with backlog BACKLOG that never accepts, and a plain loop of
/// non-blocking connect()s to it: its accept queue fills. Where the namespace's iptables drops the
/// handshake's last ACK ([`syn_flood`]) every connection stays half-open on the server (SYN_RECV),
/// as in a SYN flood. The sockets are held open so nothing closes the half-open ones early.
const CONNECT_FLOOD: &str = r#"
import resource, socket, sys, time
port, backlog = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
l = socket.socket()
l.bind(("127.0.0.1", port))
l.listen(backlog)
print("ready", flush=True)
held = []
while True:
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(s)
    if len(held) > 8000:
        held.pop(0).close()
    time.sleep(0.004)
"#;

/// Starts [`CONNECT_FLOOD`] in the namespace after dropping the handshake's last ACK to `port`.
pub fn syn_flood(ns: &Netns, port: u16, backlog: u32) -> Daemon {
    iptables(ns, &format!("-A INPUT -p tcp --dport {port} --tcp-flags SYN,ACK,FIN,RST ACK -j DROP"));
    python(ns, CONNECT_FLOOD, &[&port.to_string(), &backlog.to_string()])
}

/// A listener that never accepts: its queue fills, the kernel drops the connects that follow,
/// and the finding names the socket and its program; without the flood, nothing warns.
#[test]
fn a_full_listen_queue_is_named_with_its_program() {
    let q = ["net.socket.listen-queue"];
    let Some(b) = quiet_lab("listen", &[], &q, &q) else { return };
    let flood = python(&b.ns, CONNECT_FLOOD, &["7070", "1"]);
    until_above(&b.ns, LISTEN_OVERFLOWS, 0);
    let r = b.ns.doctor_json(&["net.socket.listen-queue"]);
    let c = check(&r, "net.socket.listen-queue");
    assert_eq!(c["status"], "warn", "{c:#}");
    let f = finding(&r, "net.socket.listen-queue", "127.0.0.1:7070/tcp");
    assert_eq!(f["code"], "LISTEN-QUEUE-FULL");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains(&format!("python3 (pid {})", flood.0.id())), "{f:#}");
    assert!(m.contains("room for 1"), "{f:#}");
    assert!(f.to_string().contains("netlink sock_diag: 127.0.0.1:7070/tcp accept queue"), "{f:#}");
    drop(flood);
}

/// A SYN flood on a listener with a backlog of 4, SYN cookies on and a small
/// tcp_max_syn_backlog: its SYN queue fills with half-open handshakes and the kernel answers the
/// rest with cookies. net.socket.tcp names the listener and its program with the cookies of the
/// window; net.socket.listen-queue names its full SYN queue. A namespace without the flood is
/// quiet, and so is the same one with tcp_max_syn_backlog small while cookies are on.
#[test]
fn a_syn_flood_answered_with_cookies_names_the_listener_and_its_program() {
    let sysctls = ["net.ipv4.tcp_syncookies=1", "net.ipv4.tcp_max_syn_backlog=16"];
    let quiet = ["net.socket.tcp", "net.socket.listen-queue", "net.sysctl.settings"];
    let Some(b) = quiet_lab("syncookie", &sysctls, &["net.socket", "net.sysctl"], &quiet) else { return };
    let flood = syn_flood(&b.ns, 7073, 4);
    until_above(&b.ns, SYNCOOKIES_SENT, 0);
    let r = b.ns.doctor_json(&["net.socket", "net.sysctl"]);
    let who = format!("python3 (pid {})", flood.0.id());
    let f = finding(&r, "net.socket.tcp", "TcpExt.SyncookiesSent");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("warn"), Some("TCP-SYNCOOKIES")), "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains(&format!("for 127.0.0.1:7073/tcp ({who})")), "{f:#}");
    assert!(f.to_string().contains("half-open connection(s) to 127.0.0.1:7073/tcp (SYN_RECV)"), "{f:#}");

    let f = finding(&r, "net.socket.listen-queue", "127.0.0.1:7073/tcp");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("warn"), Some("SYN-QUEUE-FULL")), "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains(&who) && m.contains("room for 4") && m.contains("SYN cookies"), "{f:#}");
    // Cookies on: tcp_max_syn_backlog = 16 limits nothing.
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "{r:#}");
    drop(flood);
}

/// The same flood with SYN cookies off, a listener asking a backlog of 64 and
/// tcp_max_syn_backlog = 8: the kernel drops SYNs once 7 handshakes are half-open (ListenDrops
/// without ListenOverflows). The setting is judged against the listener that asks more, which is
/// named; the listener's full SYN queue is named with the drops.
#[test]
fn tcp_max_syn_backlog_below_a_listeners_backlog_with_cookies_off_drops_and_is_named() {
    let sysctls = ["net.ipv4.tcp_syncookies=0", "net.ipv4.tcp_max_syn_backlog=8"];
    let Some(b) = quiet_lab("synback", &sysctls, &[], &[]) else { return };
    let flood = syn_flood(&b.ns, 7074, 64);
    until_above(&b.ns, LISTEN_DROPS, 0);
    let (file, group, name) = LISTEN_OVERFLOWS;
    assert_eq!(counter(&b.ns, file, group, name), 0, "no accept queue overflowed");
    let r = b.ns.doctor_json(&["net.socket", "net.sysctl"]);
    let who = format!("python3 (pid {})", flood.0.id());

    let f = finding(&r, "net.sysctl.settings", "net.ipv4.tcp_max_syn_backlog");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("warn"), Some("SYSCTL-SYN-BACKLOG")), "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains(&format!("127.0.0.1:7074/tcp ({who}) has a backlog of 64")), "{f:#}");
    assert!(m.contains("once 7 handshakes are half-open"), "{f:#}");
    assert!(m.contains("sysctl -w net.ipv4.tcp_max_syn_backlog=1024") && m.contains("no sysctl file"), "{f:#}");

    let f = finding(&r, "net.socket.listen-queue", "127.0.0.1:7074/tcp");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("warn"), Some("SYN-QUEUE-FULL")), "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains(&who) && m.contains("room for 7") && m.contains("tcp_syncookies is 0"), "{f:#}");
    drop(flood);

    // Cookies back on: the same small tcp_max_syn_backlog drops nothing and is not judged.
    b.sysctl("net.ipv4.tcp_syncookies=1");
    let r = b.ns.doctor_json(&["net.sysctl"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "{r:#}");
}

/// A sink on the peer's 10.61.0.2:7075 that reads whatever it is sent.
const SINK: &str = r#"
import socket, threading
l = socket.socket()
l.bind(("10.61.0.2", 7075))
l.listen(64)
print("ready", flush=True)
def sink(c):
    while c.recv(65536):
        pass
while True:
    c, _ = l.accept()
    threading.Thread(target=sink, args=(c,), daemon=True).start()
"#;

/// Sixteen connections to the sink, each sending as fast as it can.
const SENDERS: &str = r#"
import socket, threading
conns = [socket.create_connection(("10.61.0.2", 7075)) for _ in range(16)]
def send(s):
    while True:
        s.sendall(b"x" * 1400)
for s in conns:
    threading.Thread(target=send, args=(s,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"#;

/// Data over TCP across the veth to the peer namespace: quiet while the path is clean; once the
/// peer's iptables drops 30 % of the segments at random (`-m statistic`, as sch_netem would),
/// the retransmitted share of the window warns and names the peer and the interface the route
/// to it leaves by.
#[test]
fn a_lossy_path_is_a_retransmission_rate_named_with_its_peer_and_interface() {
    let Some(b) = quiet_lab("retrans", &[], &[], &[]) else { return };
    let _sink = python(&b.peer, SINK, &[]);
    let _senders = python(&b.ns, SENDERS, &[]);
    until_above(&b.ns, OUT_SEGS, 1000);
    // A clean veth under load is quiet.
    assert_quiet(&b.ns, &["net.socket.tcp"], &["net.socket.tcp"]);

    iptables(&b.peer, "-A INPUT -p tcp --dport 7075 -m statistic --mode random --probability 0.3 -j DROP");
    let (file, group, name) = RETRANS_SEGS;
    until_above(&b.ns, RETRANS_SEGS, counter(&b.ns, file, group, name) + 100);
    let r = b.ns.doctor_json(&["net.socket.tcp"]);
    let f = finding(&r, "net.socket.tcp", "Tcp.RetransSegs");
    assert_eq!(f["code"], "TCP-RETRANS", "{f:#}");
    assert!(matches!(f["severity"].as_str(), Some("warn" | "crit")), "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("most of them to 10.61.0.2 (d0)"), "{f:#}");
    assert!(f.to_string().contains("-> 10.61.0.2:7075:"), "the connections are the evidence: {f:#}");
}

const UDP_FLOOD: &str = r#"
import socket, time
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
r.bind(("127.0.0.1", 7071))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("ready", flush=True)
while True:
    s.sendto(b"x" * 512, ("127.0.0.1", 7071))
    time.sleep(0.001)
"#;

/// A UDP socket that never reads, with a tiny buffer, flooded: the socket is named.
#[test]
fn a_udp_socket_dropping_datagrams_is_named_with_its_program() {
    let q = ["net.socket.udp-drops"];
    let Some(b) = quiet_lab("udp", &[], &q, &q) else { return };
    let flood = python(&b.ns, UDP_FLOOD, &[]);
    until_above(&b.ns, UDP_RCVBUF_ERRORS, 0);
    let r = b.ns.doctor_json(&["net.socket.udp-drops"]);
    assert_eq!(status_of(&r, "net.socket.udp-drops"), "warn", "{r:#}");
    let f = finding(&r, "net.socket.udp-drops", "127.0.0.1:7071/udp");
    assert_eq!(f["code"], "UDP-RCVBUF");
    assert!(f["message"].as_str().is_some_and(|m| m.contains(&format!("python3 (pid {})", flood.0.id()))), "{f:#}");
    drop(flood);
}

const TIME_WAIT: &str = r#"
import socket, threading
l = socket.socket()
l.bind(("127.0.0.1", 7072))
l.listen(16)
def serve():
    while True:
        c, _ = l.accept()
        c.recv(1)
        c.close()
threading.Thread(target=serve, daemon=True).start()
for i in range(7):
    s = socket.create_connection(("127.0.0.1", 7072))
    s.close()
print("ready", flush=True)
threading.Event().wait()
"#;

/// Seven connections closed first by this side, in a namespace whose ephemeral range is ten
/// ports: seven TIME_WAIT sockets hold 70 % of the range.
#[test]
fn time_wait_sockets_filling_the_port_range_warn() {
    let q = ["net.socket.tcp"];
    let Some(b) = quiet_lab("tw", &[], &q, &q) else { return };
    b.sysctl("net.ipv4.ip_local_port_range=40000 40009");
    let _held = python(&b.ns, TIME_WAIT, &[]);
    let r = b.ns.doctor_json(&["net.socket.tcp"]);
    assert_eq!(status_of(&r, "net.socket.tcp"), "warn", "{r:#}");
    let f = finding(&r, "net.socket.tcp", "net.ipv4.ip_local_port_range");
    assert_eq!(f["code"], "TCP-TIME-WAIT");
    assert!(f["message"].as_str().is_some_and(|m| m.starts_with("7 sockets in TIME_WAIT, 70%")), "{f:#}");
}

/// The router forwards onto a link of MTU 1400 and drops the "fragmentation needed" it would
/// send: a black hole, found with the largest size that passes (1400) and the fixes. Once the
/// ICMP gets through, the path announces its MTU and nothing warns.
#[test]
fn a_path_that_drops_big_packets_silently_is_a_black_hole_with_the_size_that_passes() {
    if !topology::lab_ok() {
        return;
    }
    let lab = topology::Lab::new(MdMode::Token);
    lab.router.ip("link set r1 mtu 1400");
    lab.server.ip("link set s0 mtu 1400");
    lab.iptables(&lab.router, "-A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP");
    let target = format!("{SERVER_IP}:80");
    let args = ["--only", "net.mtu", "--target", &target];
    let (r, _, _) = lab.doctor(&args, None);
    let c = check(&r, "net.mtu.path");
    assert_eq!(c["status"], "warn", "{c:#}");
    let f = finding(&r, "net.mtu.path", SERVER_IP);
    assert_eq!(f["code"], "MTU-BLACK-HOLE");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("larger than 1400 bytes"), "{f:#}");
    assert!(m.contains("ip link set dev c0 mtu 1400") && m.contains("--set-mss 1360"), "{f:#}");

    lab.iptables(&lab.router, "-D OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP");
    let (r, _, _) = lab.doctor(&args, None);
    let c = check(&r, "net.mtu.path");
    assert_eq!(c["status"], "ok", "{c:#}");
    let f = finding(&r, "net.mtu.path", SERVER_IP);
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("info"), Some("MTU-ANNOUNCED")), "{f:#}");
}
