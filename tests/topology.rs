//! The network lab for the network-diagnosis tests: three namespaces, client ↔ router ↔ server,
//! joined by veth pairs created inside them (nothing is added to the machine's own namespace).
//! The server namespace holds the lab's stand-ins for the platform services, on the addresses an
//! Alibaba Cloud instance knows them by, which exist only inside the lab:
//!
//! - a DNS server (Debian's dnsmasq) on 100.100.2.136 and 100.100.2.138;
//! - a metadata service on 100.100.100.200:80, written here (std::net, on a thread moved into
//!   the server namespace), with token mode, plain mode, 401, 403, a slow answer, an HTML page
//!   and an endless body;
//! - on request ([`Lab::with_web`]), an HTTP server on 10.88.0.2:80 and an HTTPS server with a
//!   self-signed certificate valid for 7 days on 10.88.0.2:8443 (python3, openssl), the
//!   endpoints of the reachability and path tests.
//!
//! ```text
//!  client (c0 10.77.1.2/24) ── (r0 10.77.1.1) router (r1 10.88.0.1) ── (s0 10.88.0.2/24) server
//!                                     route 100.100.0.0/16 via 10.88.0.2     lo: 100.100.100.200,
//!                                                                                 100.100.2.136, .138
//! ```
//!
//! Faults are injected with iptables in the router or the client ([`Lab::iptables`]): dropped
//! or rejected ports, black-holed DNS, random loss (`-m statistic`).
//!
//! The client's /etc/resolv.conf is /etc/netns/<client>/resolv.conf (`ip netns exec` binds it).
//! Everything is torn down by `Drop` (daemons killed, namespaces and that directory deleted),
//! also when a test fails. Names carry the pid and a counter, so labs can run side by side.

#![allow(dead_code)]

use crate::common::{BIN, Netns, valid_report};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const CLIENT_IP: &str = "10.77.1.2";
/// The router's address on the client's link: the first hop of every trace.
pub const ROUTER_CLIENT_IP: &str = "10.77.1.1";
/// The server's own address (the web servers listen there).
pub const SERVER_IP: &str = "10.88.0.2";
/// The server's IPv6 address once [`Lab::with_ipv6`] gave it one.
pub const SERVER_IP6: &str = "fd00:88::2";
pub const HTTP_PORT: u16 = 80;
pub const HTTPS_PORT: u16 = 8443;
pub const METADATA_IP: &str = "100.100.100.200";
pub const DNS1: &str = "100.100.2.136";
pub const DNS2: &str = "100.100.2.138";
/// A name the lab's DNS server answers (with the server's address).
pub const GOOD_NAME: &str = "mirror.lab.test";
/// A name it says does not exist.
pub const NX_NAME: &str = "nx.lab.test";
/// A name with only an IPv6 address: an A query gets an empty answer.
pub const V6_ONLY_NAME: &str = "v6only.lab.test";
/// A name it knows nothing of: with no upstream, dnsmasq refuses the query.
pub const UNKNOWN_NAME: &str = "unknown.example";
/// The platform names the lab's DNS answers with the server's address (inside the lab only):
/// the package mirror and the time service of Alibaba Cloud's VPC.
pub const MIRROR_NAME: &str = "mirrors.cloud.aliyuncs.com";
pub const NTP_NAME: &str = "ntp.cloud.aliyuncs.com";

pub const INSTANCE_ID: &str = "i-lab0000000000000001";

/// The RAM role the metadata service hands out when asked to ([`MetadataServer::with_role`]).
pub const ROLE_NAME: &str = "EcsDoctorLabRole";
/// Its STS credentials: (AccessKeyId, AccessKeySecret, SecurityToken); they expire in 2099.
pub const ROLE_CREDENTIALS: (&str, &str, &str) = ("STS.labrole0001", "lab-role-secret-Qx7", "CAISlabroletoken0001");
const ROLE_JSON: &str = concat!(
    r#"{"AccessKeyId":"STS.labrole0001","AccessKeySecret":"lab-role-secret-Qx7","#,
    r#""SecurityToken":"CAISlabroletoken0001","Expiration":"2099-01-01T00:00:00Z","#,
    r#""LastUpdated":"2026-11-01T00:00:00Z","Code":"Success"}"#
);
/// The public key of the key pair "bound in the console" (metadata `public-keys/0/openssh-key`).
pub const CONSOLE_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhJX9qLJeNPC1e/gKX4Ebf5ruRRlfR4XgxNa6Poc4BL skp-lab0001";
/// Its private half (a throwaway key made for the lab, nothing else): the "downloaded .pem" a
/// real login with the console's key pair uses.
pub const CONSOLE_PRIVATE_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACAYSV/aiyXjTwtXv4Cl+BG3+a7kUZX0eF4MTWuj6HOASwAAAJAdZrIKHWay
CgAAAAtzc2gtZWQyNTUxOQAAACAYSV/aiyXjTwtXv4Cl+BG3+a7kUZX0eF4MTWuj6HOASw
AAAEDtrxl7erhXU31+HZMW6USk236tnhs/pEETQ6NkGTKMIBhJX9qLJeNPC1e/gKX4Ebf5
ruRRlfR4XgxNa6Poc4BLAAAAC3NrcC1sYWIwMDAxAQI=
-----END OPENSSH PRIVATE KEY-----
";

/// What the lab's metadata service does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MdMode {
    /// Hardened mode: a token is required.
    Token,
    /// No token endpoint (404); plain GETs work.
    Plain,
    /// Issues tokens but rejects them (401); token-less requests get 403.
    RejectToken,
    /// 403 to everything (what a proxy adding X-Forwarded-For gets).
    Forbidden,
    /// Token mode, but every answer comes after this many milliseconds.
    Slow(u64),
    /// A captive portal: 200 with an HTML page for everything.
    Html,
    /// 200 with a declared 100 MB body, sent until the client hangs up.
    Huge,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip");
    assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

/// Runs a command inside a namespace and asserts it succeeded.
pub fn ns_exec(ns: &Netns, args: &[&str]) -> Output {
    let out = Command::new("ip").args(["netns", "exec", &ns.0]).args(args).output().expect("ip netns exec");
    assert!(out.status.success(), "in {}: {}: {}", ns.0, args.join(" "), String::from_utf8_lossy(&out.stderr));
    out
}

/// A child process killed (and reaped) on drop.
pub struct Daemon(pub Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A NIC the lab's console "assigned": its MAC, its id, its primary and all its private IPs.
#[derive(Debug, Clone, PartialEq)]
pub struct LabNic {
    pub mac: String,
    pub id: String,
    pub primary: String,
    pub private_ips: Vec<String>,
}

/// What the lab's console says about the instance's network identity (changed by tests).
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub hostname: String,
    pub nics: Vec<LabNic>,
}

impl Identity {
    /// The answer for a metadata path under /latest/meta-data/ that the identity owns.
    fn value(&self, path: &str) -> Option<String> {
        match path {
            "hostname" => return Some(self.hostname.clone()),
            "mac" => return self.nics.first().map(|n| n.mac.clone()),
            "network/interfaces/macs/" => {
                return Some(self.nics.iter().map(|n| format!("{}/", n.mac)).collect::<Vec<_>>().join("\n"));
            }
            _ => {}
        }
        let rest = path.strip_prefix("network/interfaces/macs/")?;
        let (mac, item) = rest.split_once('/')?;
        let nic = self.nics.iter().find(|n| n.mac == mac)?;
        Some(match item {
            "network-interface-id" => nic.id.clone(),
            "primary-ip-address" => nic.primary.clone(),
            "private-ipv4s" => {
                format!("[{}]", nic.private_ips.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(","))
            }
            "netmask" => "255.255.255.0".into(),
            "gateway" => ROUTER_CLIENT_IP.into(),
            "vswitch-cidr-block" => "10.77.1.0/24".into(),
            _ => return None,
        })
    }
}

/// The lab's metadata service: a thread in the server namespace.
pub struct MetadataServer {
    /// The hostname and NICs it reports ([`Lab::new`] sets the client's own: a healthy instance).
    pub identity: Arc<Mutex<Identity>>,
    pub mode: Arc<Mutex<MdMode>>,
    /// Whether `ram/security-credentials/` names a role ([`ROLE_NAME`]); off by default, as on
    /// an instance without a RAM role.
    pub role: Arc<AtomicBool>,
    /// Every request: `METHOD path [token] [xff]`.
    pub log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for MetadataServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

const TOKEN: &str = "lab-token-6b1d";

fn md_value(path: &str, role: bool) -> Option<&'static str> {
    if role {
        match path {
            "ram/security-credentials/" => return Some(ROLE_NAME),
            p if p.strip_prefix("ram/security-credentials/") == Some(ROLE_NAME) => return Some(ROLE_JSON),
            _ => {}
        }
    }
    Some(match path {
        "instance-id" => INSTANCE_ID,
        "region-id" => "cn-lab",
        "zone-id" => "cn-lab-a",
        "instance/instance-type" => "ecs.lab.small",
        "image-id" => "lab_image_001.vhd",
        "vpc-id" => "vpc-lab0001",
        "vpc-cidr-block" => "10.77.0.0/16",
        "vswitch-cidr-block" => "10.77.1.0/24",
        "private-ipv4" => CLIENT_IP,
        "dns-conf/nameservers" => "100.100.2.136\n100.100.2.138",
        "source-address" => "http://mirrors.cloud.aliyuncs.com",
        "ntp-conf/ntp-servers" => "ntp.cloud.aliyuncs.com\nntp7.cloud.aliyuncs.com",
        "public-keys/0/openssh-key" => CONSOLE_KEY,
        _ => return None,
    })
}

fn respond(s: &mut TcpStream, status: &str, ctype: &str, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn handle(mut s: TcpStream, mode: MdMode, role: bool, identity: &Identity, log: &Mutex<Vec<String>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16384 {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let (method, path) = (first.next().unwrap_or("").to_string(), first.next().unwrap_or("").to_string());
    let header = |name: &str| {
        text.split("\r\n").skip(1).find_map(|l| {
            l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
        })
    };
    let token = header("X-aliyun-ecs-metadata-token");
    let ttl = header("X-aliyun-ecs-metadata-token-ttl-seconds");
    let xff = header("X-Forwarded-For");
    log.lock().unwrap().push(format!(
        "{method} {path}{}{}",
        if token.is_some() { " token" } else { "" },
        if xff.is_some() { " xff" } else { "" }
    ));
    if let MdMode::Slow(ms) = mode {
        std::thread::sleep(Duration::from_millis(ms));
    }
    let value = path
        .strip_prefix("/latest/meta-data/")
        .and_then(|p| identity.value(p).or_else(|| md_value(p, role).map(str::to_string)));
    let is_token_put = method == "PUT" && path == "/latest/api/token";
    match mode {
        MdMode::Forbidden => respond(&mut s, "403 Forbidden", "text/plain", "Forbidden"),
        MdMode::Html => respond(
            &mut s,
            "200 OK",
            "text/html",
            "<!DOCTYPE html>\n<html><head><title>Login</title></head><body>Please sign in to the hotel Wi-Fi</body></html>\n",
        ),
        MdMode::Huge => {
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000000\r\n\r\n");
            let block = [b'A'; 65536];
            for _ in 0..1600 {
                if s.write_all(&block).is_err() {
                    break;
                }
            }
        }
        MdMode::Plain if is_token_put => respond(&mut s, "404 Not Found", "text/plain", "Not Found"),
        MdMode::Token | MdMode::Slow(_) | MdMode::RejectToken if is_token_put => {
            match ttl.and_then(|t| t.parse::<u32>().ok()) {
                Some(1..=21600) => respond(&mut s, "200 OK", "text/plain", TOKEN),
                _ => respond(&mut s, "400 Bad Request", "text/plain", "Bad Request"),
            }
        }
        MdMode::RejectToken if token.is_some() => respond(&mut s, "401 Unauthorized", "text/plain", "Unauthorized"),
        MdMode::Token | MdMode::Slow(_) | MdMode::RejectToken if token.as_deref() != Some(TOKEN) => {
            respond(&mut s, "403 Forbidden", "text/plain", "Forbidden")
        }
        _ => match value {
            Some(v) => respond(&mut s, "200 OK", "text/plain", &v),
            None => respond(&mut s, "404 Not Found", "text/plain", "Not Found"),
        },
    }
}

impl MetadataServer {
    /// Starts the service on 100.100.100.200:80 inside `ns`.
    pub fn start(ns: &Netns, mode: MdMode) -> MetadataServer {
        let mode = Arc::new(Mutex::new(mode));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let role = Arc::new(AtomicBool::new(false));
        let identity = Arc::new(Mutex::new(Identity::default()));
        let (tx, rx) = std::sync::mpsc::channel();
        let (m, l, st, ro, id) = (mode.clone(), log.clone(), stop.clone(), role.clone(), identity.clone());
        spawn_in(ns, move || {
            let listener = TcpListener::bind((METADATA_IP, 80)).expect("bind the metadata address");
            listener.set_nonblocking(true).expect("nonblocking");
            tx.send(()).expect("ready");
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let mode = *m.lock().unwrap();
                        let role = ro.load(Ordering::SeqCst);
                        let identity = id.lock().unwrap().clone();
                        let l = l.clone();
                        std::thread::spawn(move || handle(s, mode, role, &identity, &l));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(5)).expect("metadata server started");
        MetadataServer { identity, mode, role, log, stop }
    }

    /// Hands out the RAM role [`ROLE_NAME`] and its [`ROLE_CREDENTIALS`] from now on.
    pub fn with_role(&self) {
        self.role.store(true, Ordering::SeqCst);
    }

    pub fn set(&self, mode: MdMode) {
        *self.mode.lock().unwrap() = mode;
        self.log.lock().unwrap().clear();
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// A TCP listener on `ip` (any free port) in the network namespace `ns`.
pub fn listen_in(ns: &Netns, ip: &str) -> TcpListener {
    let (tx, rx) = std::sync::mpsc::channel();
    let ip = ip.to_string();
    spawn_in(ns, move || {
        let _ = tx.send(TcpListener::bind((ip.as_str(), 0)));
    });
    rx.recv_timeout(Duration::from_secs(5)).expect("listener thread").expect("bind in the namespace")
}

/// Runs `f` on a thread of its own inside the network namespace `ns` (setns affects only that
/// thread); sockets it creates stay in that namespace.
fn spawn_in(ns: &Netns, f: impl FnOnce() + Send + 'static) {
    let nsfile = PathBuf::from("/var/run/netns").join(&ns.0);
    std::thread::spawn(move || {
        let file = std::fs::File::open(&nsfile).expect("open netns");
        rustix::thread::move_into_link_name_space(file.as_fd(), Some(rustix::thread::LinkNameSpaceType::Network))
            .expect("setns");
        f()
    });
}

/// What the lab's time server answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NtpMode {
    /// The right time plus this many seconds.
    Offset(f64),
    /// No answer at all.
    Silent,
}

/// A tiny SNTP server (RFC 4330 server mode, stratum 2) on UDP `SERVER_IP:123` in the server
/// namespace, whose clock is off by what [`NtpMode`] says.
pub struct SntpServer {
    pub mode: Arc<Mutex<NtpMode>>,
    /// Requests received.
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Drop for SntpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn ntp_now(offset: f64) -> [u8; 8] {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
        + 2_208_988_800.0
        + offset;
    let secs = t.floor();
    (((secs as u64) << 32) | ((t - secs) * 4_294_967_296.0) as u64).to_be_bytes()
}

impl SntpServer {
    pub fn start(lab: &Lab, mode: NtpMode) -> SntpServer {
        let mode = Arc::new(Mutex::new(mode));
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let (m, n, st) = (mode.clone(), requests.clone(), stop.clone());
        spawn_in(&lab.server, move || {
            let sock = std::net::UdpSocket::bind((SERVER_IP, 123)).expect("bind udp/123");
            sock.set_read_timeout(Some(Duration::from_millis(50))).expect("timeout");
            tx.send(()).expect("ready");
            let mut buf = [0u8; 512];
            while !st.load(Ordering::SeqCst) {
                let Ok((len, from)) = sock.recv_from(&mut buf) else { continue };
                n.fetch_add(1, Ordering::SeqCst);
                let NtpMode::Offset(offset) = *m.lock().unwrap() else { continue };
                if len < 48 || buf[0] & 7 != 3 {
                    continue;
                }
                let mut p = [0u8; 48];
                p[0] = (4 << 3) | 4;
                p[1] = 2;
                p[2] = buf[2];
                p[12..16].copy_from_slice(&[10, 88, 0, 1]);
                p[16..24].copy_from_slice(&ntp_now(offset - 30.0));
                p[24..32].copy_from_slice(&buf[40..48]);
                p[32..40].copy_from_slice(&ntp_now(offset));
                p[40..48].copy_from_slice(&ntp_now(offset));
                let _ = sock.send_to(&p, from);
            }
        });
        rx.recv_timeout(Duration::from_secs(5)).expect("SNTP server started");
        SntpServer { mode, requests, stop }
    }

    pub fn set(&self, mode: NtpMode) {
        *self.mode.lock().unwrap() = mode;
    }
}

/// Wrapper script lines (see [`Lab::doctor`]) that lay `files` (path under /etc, text) over the
/// client's /etc with a read-only overlay in the wrapper's private mount namespace, so the tool
/// reads them as /etc/...; the lab's resolv.conf is carried over. Nothing changes on the machine.
pub fn etc_overlay(lab: &Lab, files: &[(&str, &str)]) -> String {
    let over = lab.dir.path().join(format!("etc-{}", COUNTER.fetch_add(1, Ordering::SeqCst)));
    for (path, text) in files {
        crate::common::write(&over.join(path.trim_start_matches("/etc/")), text);
    }
    let resolv = std::fs::read_to_string(lab.etc.0.join("resolv.conf")).expect("lab resolv.conf");
    crate::common::write(&over.join("resolv.conf"), &resolv);
    format!("mount -t overlay overlay -o lowerdir={}:/etc /etc\n", over.display())
}

/// Wrapper script lines that start fake daemons: copies of sleep named like them.
pub fn fake_daemons(dir: &Path, daemons: &[&str]) -> String {
    let mut s = String::new();
    for d in daemons {
        let p = dir.join(d);
        if !p.exists() {
            std::fs::copy("/bin/sleep", &p).expect("copy sleep");
        }
        // Wait until the child has exec'd: until then /proc shows it as `sh` (a fork of the
        // script), and a run that starts at once would not see the daemon (bounded: 5 s).
        let comm: String = d.chars().take(15).collect();
        s.push_str(&format!(
            "{} 600 &\ni=0; while [ \"$(cat /proc/$!/comm 2>/dev/null)\" != '{comm}' ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done\n",
            p.display()
        ));
    }
    s
}

/// Wrapper script lines that start fake time daemons and put a fake chronyc that prints
/// `tracking` on PATH.
pub fn fake_time(dir: &Path, daemons: &[&str], tracking: &str) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    crate::common::write(&dir.join("tracking.txt"), tracking);
    let chronyc = bin.join("chronyc");
    crate::common::write(
        &chronyc,
        &format!("#!/bin/sh\n[ \"$1 $2\" = \"-n tracking\" ] || exit 1\ncat {}\n", dir.join("tracking.txt").display()),
    );
    std::fs::set_permissions(&chronyc, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    format!("export PATH={}:$PATH\n{}", bin.display(), fake_daemons(dir, daemons))
}

/// `chronyc -n tracking` of a synchronised chronyd.
pub const TRACKING_OK: &str = "Reference ID    : 64640064 (100.100.0.100)\nStratum         : 2\nSystem time     : 0.000210000 seconds slow of NTP time\nLeap status     : Normal\n";

/// dnsmasq on the lab's platform DNS addresses, answering only for the lab's names.
pub fn start_dnsmasq(ns: &Netns, dir: &Path) -> Daemon {
    let pidfile = dir.join("dnsmasq.pid");
    let child = Command::new("ip")
        .args(["netns", "exec", &ns.0, "dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts"])
        .args(["--bind-interfaces", "--port=53", "--user=root", "--group=root"])
        .arg(format!("--listen-address={DNS1}"))
        .arg(format!("--listen-address={DNS2}"))
        .arg(format!("--pid-file={}", pidfile.display()))
        .arg(format!("--host-record={GOOD_NAME},{SERVER_IP}"))
        .arg(format!("--host-record={MIRROR_NAME},{SERVER_IP}"))
        .arg(format!("--host-record={NTP_NAME},{SERVER_IP}"))
        .arg(format!("--host-record={V6_ONLY_NAME},fd00::5"))
        .arg("--local=/lab.test/")
        .arg(format!("--address=/{NX_NAME}/"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dnsmasq");
    let mut d = Daemon(child);
    // Ready when its UDP socket on port 53 (0035) shows in its namespace's table.
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let udp = std::fs::read_to_string(format!("/proc/{}/net/udp", d.0.id())).unwrap_or_default();
        if udp.lines().filter(|l| l.contains(":0035 ")).count() >= 2 {
            break;
        }
        if let Ok(Some(status)) = d.0.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = d.0.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("dnsmasq exited ({status}): {err}");
        }
        assert!(Instant::now() < until, "dnsmasq did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    d
}

/// The client's /etc directory as `ip netns exec` sees it, removed on drop.
pub struct NetnsEtc(pub PathBuf);

impl Drop for NetnsEtc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The three-namespace lab. Field order is drop order: daemons go before their namespaces.
pub struct Lab {
    /// Servers started on request ([`Lab::with_web`]).
    pub web: Vec<Daemon>,
    pub metadata: MetadataServer,
    pub dns: Daemon,
    pub etc: NetnsEtc,
    pub client: Netns,
    pub router: Netns,
    pub server: Netns,
    pub dir: tempfile::TempDir,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn installed(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].into_iter().map(PathBuf::from))
        .any(|d| d.join(tool).exists())
}

/// Whether the lab can be built here: root, ip, iptables and dnsmasq; with `web`, python3 and
/// openssl for the web servers too.
pub fn available(web: bool) -> Result<(), String> {
    if !crate::common::is_root() {
        return Err("the network lab needs root (ip netns)".into());
    }
    let mut tools = vec![("ip", "iproute2"), ("dnsmasq", "dnsmasq-base"), ("iptables", "iptables")];
    if web {
        tools.extend([("python3", "python3"), ("openssl", "openssl")]);
    }
    for (tool, pkg) in tools {
        if !installed(tool) {
            return Err(format!("the network lab needs {tool} (apt-get install {pkg})"));
        }
    }
    Ok(())
}

/// Whether a lab test may run: true when the lab can be built, else skipped with the reason (a
/// failure when the lab is required).
pub fn lab_ok() -> bool {
    available(false).map_or_else(|why| crate::common::require(false, &why), |()| true)
}

/// [`lab_ok`] for a lab with web servers.
pub fn web_lab_ok() -> bool {
    available(true).map_or_else(|why| crate::common::require(false, &why), |()| true)
}

/// The finding of check `id` about `subject`.
pub fn finding<'a>(r: &'a serde_json::Value, id: &str, subject: &str) -> &'a serde_json::Value {
    crate::common::check(r, id)["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["subject"] == subject))
        .unwrap_or_else(|| panic!("no finding about {subject} in {id}: {r:#}"))
}

const HTTPS_SERVER: &str = r#"
import http.server, ssl, sys
addr, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
httpd = http.server.HTTPServer((addr, port), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
"#;

impl Lab {
    /// Builds the healthy topology with the metadata service in `mode`.
    pub fn new(mode: MdMode) -> Lab {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let client = Netns::new(&format!("ndc{n}"));
        let router = Netns::new(&format!("ndr{n}"));
        let server = Netns::new(&format!("nds{n}"));
        let dir = tempfile::tempdir().expect("tempdir");
        ip(&["-n", &router.0, "link", "add", "r0", "type", "veth", "peer", "name", "c0", "netns", &client.0]);
        ip(&["-n", &router.0, "link", "add", "r1", "type", "veth", "peer", "name", "s0", "netns", &server.0]);
        for (ns, cmds) in [
            (
                &client,
                vec![
                    "addr add 10.77.1.2/24 dev c0",
                    "link set lo up",
                    "link set c0 up",
                    "route add default via 10.77.1.1",
                ],
            ),
            (
                &router,
                vec![
                    "addr add 10.77.1.1/24 dev r0",
                    "addr add 10.88.0.1/24 dev r1",
                    "link set lo up",
                    "link set r0 up",
                    "link set r1 up",
                    "route add 100.100.0.0/16 via 10.88.0.2",
                ],
            ),
            (
                &server,
                vec![
                    "addr add 10.88.0.2/24 dev s0",
                    "link set lo up",
                    "link set s0 up",
                    "route add default via 10.88.0.1",
                    "addr add 100.100.100.200/32 dev lo",
                    "addr add 100.100.2.136/32 dev lo",
                    "addr add 100.100.2.138/32 dev lo",
                ],
            ),
        ] {
            for c in cmds {
                ns.ip(c);
            }
        }
        ns_exec(&router, &["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
        let etc = NetnsEtc(PathBuf::from("/etc/netns").join(&client.0));
        std::fs::create_dir_all(&etc.0).expect("mkdir /etc/netns/<client>");
        let lab_etc = etc.0.clone();
        std::fs::write(
            lab_etc.join("resolv.conf"),
            format!("nameserver {DNS1}\nnameserver {DNS2}\noptions timeout:1\n"),
        )
        .expect("resolv.conf");
        let dns = start_dnsmasq(&server, dir.path());
        let metadata = MetadataServer::start(&server, mode);
        // A healthy instance: the console's NIC is the client's c0 with its address, and the
        // console's hostname is the one the client runs with (the machine's: no UTS namespace).
        let mac =
            String::from_utf8_lossy(&ns_exec(&client, &["cat", "/sys/class/net/c0/address"]).stdout).trim().to_string();
        let hostname =
            String::from_utf8_lossy(&Command::new("hostname").output().expect("hostname").stdout).trim().to_string();
        *metadata.identity.lock().unwrap() = Identity {
            hostname,
            nics: vec![LabNic {
                mac,
                id: "eni-lab0000000000000c0".into(),
                primary: CLIENT_IP.into(),
                private_ips: vec![CLIENT_IP.into()],
            }],
        };
        Lab { web: Vec::new(), metadata, dns, etc, client, router, server, dir }
    }

    /// The lab's self-signed certificate (the HTTPS server's; a trust store for SSL_CERT_FILE).
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// Starts the web servers in the server namespace: HTTP on [`SERVER_IP`]:[`HTTP_PORT`], HTTPS
    /// with a 7-day self-signed certificate on [`SERVER_IP`]:[`HTTPS_PORT`].
    pub fn with_web(mut self) -> Lab {
        let (cert, key) = (self.cert(), self.dir.path().join("key.pem"));
        let (cert_s, key_s) = (cert.to_str().expect("utf-8"), key.to_str().expect("utf-8"));
        // An end-entity certificate (CA:FALSE) for the server's address.
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7", "-subj"])
            .arg(format!("/CN={SERVER_IP}"))
            .arg("-addext")
            .arg(format!("subjectAltName=IP:{SERVER_IP}"))
            .args(["-addext", "basicConstraints=critical,CA:FALSE", "-keyout", key_s, "-out", cert_s])
            .output()
            .expect("openssl");
        assert!(out.status.success(), "openssl req: {}", String::from_utf8_lossy(&out.stderr));
        let script = self.dir.path().join("https_server.py");
        std::fs::write(&script, HTTPS_SERVER).expect("write script");
        let www = self.dir.path().join("www");
        std::fs::create_dir_all(&www).expect("mkdir");
        std::fs::write(www.join("index.html"), "lab\n").expect("write");
        let (http_port, https_port) = (HTTP_PORT.to_string(), HTTPS_PORT.to_string());
        for args in [
            vec!["python3", "-m", "http.server", &http_port, "--bind", SERVER_IP],
            vec!["python3", script.to_str().expect("utf-8"), SERVER_IP, &https_port, cert_s, key_s],
        ] {
            let child = Command::new("ip")
                .args(["netns", "exec", &self.server.0])
                .args(args)
                .current_dir(&www)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn a web server");
            self.web.push(Daemon(child));
        }
        self.wait_listening(&[HTTP_PORT, HTTPS_PORT]);
        self
    }

    /// Waits until TCP `ports` listen on [`SERVER_IP`] in the server namespace.
    pub fn wait_listening(&self, ports: &[u16]) {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let text = String::from_utf8_lossy(&ns_exec(&self.server, &["ss", "-Hltn"]).stdout).into_owned();
            if ports.iter().all(|p| text.contains(&format!("{SERVER_IP}:{p} "))) {
                return;
            }
            assert!(Instant::now() < until, "servers on {ports:?} did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Replaces the client's /etc/resolv.conf.
    pub fn resolv_conf(&self, text: &str) {
        std::fs::write(self.etc.0.join("resolv.conf"), text).expect("resolv.conf");
    }

    /// A config file in the lab's directory.
    pub fn config(&self, text: &str) -> PathBuf {
        let p = self.dir.path().join(format!("config-{}.toml", COUNTER.fetch_add(1, Ordering::SeqCst)));
        std::fs::write(&p, text).expect("config");
        p
    }

    /// Runs ecs-doctor in the client namespace (`--format json --no-save` plus `args`), inside
    /// `wrap` when given: a shell script run in a private mount and PID namespace whose last
    /// word `"$@"` is the ecs-doctor command. Returns the validated report, the exit code and
    /// the wall time.
    pub fn doctor(&self, args: &[&str], wrap: Option<&str>) -> (serde_json::Value, i32, Duration) {
        let mut full = vec!["run", "--format", "json", "--no-save"];
        full.extend_from_slice(args);
        self.doctor_with(self.command(&full, wrap))
    }

    /// ecs-doctor with `args` (any subcommand) in the client namespace, inside `wrap` when given
    /// (see [`Lab::doctor`]); a clean environment: no colour, no config, no trust store override.
    pub fn command(&self, args: &[&str], wrap: Option<&str>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.client.0]);
        if let Some(script) = wrap {
            cmd.args(["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc"]);
            cmd.args(["sh", "-c", script, "lab"]);
        }
        cmd.arg(BIN).args(args);
        cmd.env("NO_COLOR", "1")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("ECS_DOCTOR_CONFIG")
            .env_remove("ECS_DOCTOR_METADATA_URL")
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR");
        cmd
    }

    /// Runs `cmd` (a `run --format json` command from [`Lab::command`]): the validated report,
    /// the exit code and the wall time.
    pub fn doctor_with(&self, mut cmd: Command) -> (serde_json::Value, i32, Duration) {
        let started = Instant::now();
        let out = cmd.output().expect("ip netns exec ecs-doctor");
        let took = started.elapsed();
        let code = out.status.code().unwrap_or(-1);
        assert!(code != 64 && code >= 0, "usage error or signal ({code}): {}", String::from_utf8_lossy(&out.stderr));
        (valid_report(&String::from_utf8_lossy(&out.stdout)), code, took)
    }

    /// iptables in one of the lab's namespaces.
    pub fn iptables(&self, ns: &Netns, rule: &str) {
        let mut args = vec!["iptables", "-w", "5"];
        args.extend(rule.split_whitespace());
        ns_exec(ns, &args);
    }

    /// [`Lab::iptables`] for IPv6 (`ip6tables`).
    pub fn ip6tables(&self, ns: &Netns, rule: &str) {
        let mut args = vec!["ip6tables", "-w", "5"];
        args.extend(rule.split_whitespace());
        ns_exec(ns, &args);
    }

    /// IPv6 on the client's and the server's links, routed by the router: the client is
    /// [`CLIENT_IP6`], the server [`SERVER_IP6`] (global addresses, no duplicate detection).
    pub fn with_ipv6(&self) {
        self.client.ip("-6 addr add fd00:77::2/64 dev c0 nodad");
        self.client.ip("-6 route add default via fd00:77::1");
        self.router.ip("-6 addr add fd00:77::1/64 dev r0 nodad");
        self.router.ip("-6 addr add fd00:88::1/64 dev r1 nodad");
        self.server.ip(&format!("-6 addr add {SERVER_IP6}/64 dev s0 nodad"));
        self.server.ip("-6 route add default via fd00:88::1");
        ns_exec(&self.router, &["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"]);
    }
}
