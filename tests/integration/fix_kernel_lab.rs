//! `ecs-doctor fix` against the kernel's global limits, with the fault injected for real.
//!
//! The connection tracking table: its size (`nf_conntrack_max`) is one value for the whole
//! kernel, writable only from the initial network namespace, while each namespace counts its own
//! entries. The test lowers the host's value for a moment (a guard puts the old value back on
//! every exit path, and says so), fills the table of the settings lab's namespace with real,
//! established (assured) TCP connections over its loopback, conntrack switched on there by an
//! nftables `ct state` rule, and shows a new connection being dropped. ecs-doctor runs inside that
//! namespace as usual and writes the global value from the host's namespace (`nsenter` into PID
//! 2's, kthreadd's). This host does not use conntrack itself (its own count is 0) and the lab lock
//! keeps other lab tests away while the value is low.
//!
//! Root only; run under the lab lock.

use super::fix::tree_state;
use super::fix_system_lab::{fix_in, in_netns, undo_all};
use super::net_settings_lab::{Lab, lab_ok};
use crate::common::*;
use crate::topology::finding;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

const CT_MAX: &str = "/proc/sys/net/netfilter/nf_conntrack_max";
const KEY: &str = "net.netfilter.nf_conntrack_max";

/// The tests of this file that change a global setting run one at a time.
static GLOBAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A global kernel setting changed by a test: the old value is written back when it is dropped
/// (also when the test fails), and the restore is printed. Held, it keeps the other tests of
/// this file from changing it too.
pub struct GlobalSetting {
    path: &'static str,
    old: String,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

impl GlobalSetting {
    pub fn set(path: &'static str, value: &str) -> GlobalSetting {
        let one = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
        let old = std::fs::read_to_string(path).expect("read the host's value").trim().to_string();
        std::fs::write(path, value).expect("write the host's value (the test runs in the host's namespace)");
        GlobalSetting { path, old, _one_at_a_time: one }
    }
}

impl Drop for GlobalSetting {
    fn drop(&mut self) {
        match std::fs::write(self.path, &self.old) {
            Ok(()) => eprintln!("restored {} to {}", self.path, self.old),
            Err(e) => eprintln!("COULD NOT RESTORE {} to {}: {e}", self.path, self.old),
        }
    }
}

fn ct_max() -> String {
    std::fs::read_to_string(CT_MAX).expect("nf_conntrack_max").trim().to_string()
}

/// The size whose full table takes 5% of memory at about 320 bytes an entry, worked out here
/// from /proc/meminfo (a multiple of 1024, at least 65536).
fn five_percent_of_memory() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").expect("meminfo");
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .expect("MemTotal");
    ((kib * 1024 / 20 / 320) / 1024 * 1024).max(65536)
}

fn conntrack_ok() -> bool {
    lab_ok()
        && require(std::fs::metadata(CT_MAX).is_ok(), "this kernel has no nf_conntrack")
        && require(Command::new("nft").arg("-v").output().is_ok(), "nftables (nft) is not installed")
        && require(Command::new("nsenter").arg("-V").output().is_ok(), "nsenter (util-linux) is not installed")
}

/// Connection tracking switched on in the namespace (any `ct` expression does).
fn track(b: &Lab) {
    for rule in [
        "add table inet ecsd",
        "add chain inet ecsd out { type filter hook output priority 0 ; }",
        "add rule inet ecsd out ct state new counter accept",
    ] {
        let out = Command::new("ip")
            .args(["netns", "exec", &b.ns.0, "nft"])
            .args(rule.split_whitespace())
            .output()
            .expect("nft");
        assert!(out.status.success(), "nft {rule}: {}", stderr(&out));
    }
}

/// A listener on the namespace's loopback and `n` connections to it, established (each one
/// conntrack entry, assured by the handshake); the sockets stay open while they are held.
struct Connections {
    listener: TcpListener,
    held: Vec<(TcpStream, TcpStream)>,
}

impl Connections {
    fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("addr")
    }
}

fn connect(b: &Lab, n: usize) -> Connections {
    in_netns(&b.ns, move || {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
        let to = listener.local_addr().expect("addr");
        let held = (0..n)
            .map(|_| {
                let c = TcpStream::connect(to).expect("connect while the table has room");
                let (s, _) = listener.accept().expect("accept");
                (c, s)
            })
            .collect();
        Connections { listener, held }
    })
}

/// Whether a new connection to `to` gets through from the namespace (its SYN is dropped while
/// the table is full, so it times out).
fn new_connection(b: &Lab, to: SocketAddr) -> bool {
    in_netns(&b.ns, move || TcpStream::connect_timeout(&to, Duration::from_millis(700)).is_ok())
}

#[test]
fn a_full_conntrack_table_is_raised_to_what_memory_affords_and_undone() {
    if !conntrack_ok() {
        return;
    }
    let b = Lab::new("fxct");
    let repairs = tempfile::tempdir().expect("tempdir");
    track(&b);
    let low = 64;
    let guard = GlobalSetting::set(CT_MAX, &low.to_string());
    let conns = connect(&b, low);
    assert_eq!(conns.held.len(), low);
    // The fault is real: the next connection's SYN finds the table full and is dropped.
    assert!(!new_connection(&b, conns.addr()), "a new connection is dropped while the table is full");
    let r = b.ns.doctor_json(&["net.conntrack.usage"]);
    let all = findings(&r, "net.conntrack.usage");
    for code in ["CONNTRACK-FULL", "CONNTRACK-HIGH", "CONNTRACK-DROP"] {
        assert!(all.contains(code), "{code} not found: {r:#}");
    }
    assert_eq!(status_of(&r, "net.conntrack.usage"), "crit", "{r:#}");
    let target = five_percent_of_memory().to_string();

    // The plan: one repair for the full and the nearly full table, from the host's namespace.
    let tree = tree_state(&b.etc.0);
    let args = ["--only", "net.conntrack.usage", "--no-save"];
    let out = fix_in(&b.ns, repairs.path(), &args);
    let plan = stdout(&out);
    for want in [
        "sysctl-nf-conntrack-max-nf-conntrack  ·  net.conntrack.usage  ·  nf_conntrack".to_string(),
        format!("set {KEY} to {target} now (it is {low}) and in /etc/sysctl.d/99-zz-ecs-doctor-{KEY}.conf"),
        "is one value for the whole kernel, so it is written from the host's network namespace".to_string(),
        format!("    +{KEY} = {target}"),
        format!("runs: nsenter --net=/proc/2/ns/net sysctl -q -w {KEY}={target}"),
        format!("undo runs: nsenter --net=/proc/2/ns/net sysctl -q -w {KEY}={low}"),
        "sysctl-nf-conntrack-max-nf-conntrack repairs it too: the same change".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(plan.matches("sysctl-nf-conntrack-max-nf-conntrack  ·").count(), 1, "planned once: {plan}");
    assert!(!plan.contains("sysctl-nf-conntrack-max-nf-conntrack-2"), "planned once: {plan}");
    assert_eq!(tree_state(&b.etc.0), tree, "the plan changes no file");
    assert_eq!(ct_max(), low.to_string(), "nor the kernel's value");
    let out = fix_in(&b.ns, repairs.path(), &[&args[..], &["--format", "json"]].concat());
    valid_report(&stdout(&out));

    // Apply: the host's value is raised, the check no longer finds the table full or nearly
    // full (the drops since boot stay counted, not repaired), a new connection gets through.
    let out = fix_in(&b.ns, repairs.path(), &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("sysctl-nf-conntrack-max-nf-conntrack: repaired and verified"), "{}", stderr(&out));
    assert_eq!(ct_max(), target, "the host's value is the repaired one");
    let drop_in = b.etc.0.join(format!("sysctl.d/99-zz-ecs-doctor-{KEY}.conf"));
    let text = std::fs::read_to_string(&drop_in).expect("the drop-in");
    assert!(text.ends_with(&format!("\n{KEY} = {target}\n")), "{text}");
    let r = b.ns.doctor_json(&["net.conntrack.usage"]);
    let c = check(&r, "net.conntrack.usage");
    let alarming: Vec<&str> = c["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "warn" || f["severity"] == "crit")
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(alarming, ["CONNTRACK-DROP"], "{c:#}");
    let full = c["findings"].as_array().into_iter().flatten().find(|f| f["code"] == "CONNTRACK-FULL");
    let full = full.unwrap_or_else(|| panic!("{c:#}"));
    assert_eq!(full["severity"], "info", "{full:#}");
    assert!(full["message"].as_str().is_some_and(|m| m.contains(&format!("raised to {target}"))), "{full:#}");
    assert!(new_connection(&b, conns.addr()), "a new connection gets through");

    // Undo: the host's value is the low one again, the drop-in is gone, the table is full.
    assert_eq!(undo_all(&b.ns, repairs.path()), 1);
    assert_eq!(ct_max(), low.to_string());
    assert_eq!(tree_state(&b.etc.0), tree, "the drop-in is removed");
    let r = b.ns.doctor_json(&["net.conntrack.usage"]);
    assert_eq!(status_of(&r, "net.conntrack.usage"), "crit", "{r:#}");
    drop(conns);
    drop(guard);
    assert_ne!(ct_max(), low.to_string(), "the host's value is back");
}

#[test]
fn a_conntrack_table_larger_than_memory_is_sized_to_it_from_a_namespace() {
    if !conntrack_ok() {
        return;
    }
    let b = Lab::new("fxctm");
    let repairs = tempfile::tempdir().expect("tempdir");
    // A full table would take 30% of memory: a limit only, nothing is allocated for it.
    let huge = (five_percent_of_memory() * 6).to_string();
    let guard = GlobalSetting::set(CT_MAX, &huge);
    let r = b.ns.doctor_json(&["net.sysctl.settings"]);
    let f = finding(&r, "net.sysctl.settings", KEY);
    assert_eq!(f["code"], "SYSCTL-CONNTRACK-MAX", "{f:#}");
    let target = five_percent_of_memory().to_string();

    let out = fix_in(&b.ns, repairs.path(), &["--only", "net.sysctl.settings", "--no-save", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains(&format!("runs: nsenter --net=/proc/2/ns/net sysctl -q -w {KEY}={target}")));
    assert_eq!(ct_max(), target);
    let r = b.ns.doctor_json(&["net.sysctl.settings"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "{r:#}");

    assert_eq!(undo_all(&b.ns, repairs.path()), 1);
    assert_eq!(ct_max(), huge);
    drop(guard);
    assert_ne!(ct_max(), huge, "the host's value is back");
}

/// A bash the test starts that opens files until its soft limit (64) refuses one, then answers
/// each line it reads with whether one more file opens (`opened` or `EMFILE`). Killed when
/// dropped.
struct FilesAtLimit {
    child: std::process::Child,
    out: std::io::BufReader<std::process::ChildStdout>,
}

const AT_LIMIT: &str = "ulimit -Sn 64
while exec {fd}</dev/null; do :; done
echo ready
while read -r _; do if exec {fd}</dev/null; then echo opened; else echo EMFILE; fi; done";

impl FilesAtLimit {
    fn start() -> FilesAtLimit {
        use std::io::BufRead;
        let mut child = Command::new("bash")
            .args(["-c", AT_LIMIT])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("bash");
        let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("ready");
        assert_eq!(line.trim(), "ready");
        FilesAtLimit { child, out }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process can open one more file now.
    fn opens_one_more(&mut self) -> bool {
        use std::io::{BufRead, Write};
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"try\n").and_then(|_| stdin.flush()).expect("ask");
        let mut line = String::new();
        self.out.read_line(&mut line).expect("answer");
        line.trim() == "opened"
    }

    /// Its soft and hard limit on open files.
    fn limits(&self) -> (String, String) {
        let text = std::fs::read_to_string(format!("/proc/{}/limits", self.pid())).expect("limits");
        let line = text.lines().find(|l| l.starts_with("Max open files")).expect("Max open files").to_string();
        let f: Vec<&str> = line.split_whitespace().collect();
        (f[3].to_string(), f[4].to_string())
    }
}

impl Drop for FilesAtLimit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ecs-doctor fix ARGS` in its own network namespace, its records in `repairs`.
fn fix_here(repairs: &std::path::Path, args: &[&str]) -> Option<std::process::Output> {
    let mut cmd = doctor_cmd(&[&["fix"], args].concat())?;
    Some(cmd.env("ECS_DOCTOR_REPAIR_DIR", repairs).output().expect("ecs-doctor fix"))
}

#[test]
fn a_process_at_its_open_files_limit_gets_its_hard_limit_and_undo_lowers_it_again() {
    if !require(is_root(), "the repair lab needs root (a network namespace for ecs-doctor)") {
        return;
    }
    let mut p = FilesAtLimit::start();
    let subject = format!("bash (pid {})", p.pid());
    let (soft, hard) = p.limits();
    assert_eq!(soft, "64");
    assert!(hard.parse::<u64>().expect("a number") > 200, "the hard limit leaves room: {hard}");
    assert!(!p.opens_one_more(), "the fault is real: the process cannot open a file");
    let run = |args: &[&str]| doctor(args).expect("ecs-doctor");
    let r = valid_report(&stdout(&run(&["run", "--only", "sys.limits.files", "--format", "json", "--no-save"])));
    let f = finding(&r, "sys.limits.files", &subject);
    assert_eq!(f["code"], "EMFILE", "{f:#}");

    let repairs = tempfile::tempdir().expect("tempdir");
    let args = ["--only", "sys.limits.files", "--no-save"];
    let out = fix_here(repairs.path(), &args).expect("fix");
    let plan = stdout(&out);
    let pid = p.pid().to_string();
    for want in [
        format!("rlimit-nofile-bash-pid-{pid}  ·  sys.limits.files  ·  {subject}"),
        format!("raise the open-files soft limit of {subject} from 64 to its hard limit {hard} now"),
        format!("runs: prlimit --pid {pid} --nofile={hard}:{hard}"),
        format!("undo runs: prlimit --pid {pid} --nofile=64:{hard}"),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(p.limits(), (soft.clone(), hard.clone()), "the plan changes nothing");

    let out = fix_here(repairs.path(), &[&args[..], &["--apply", "--yes"]].concat()).expect("fix");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("repaired and verified"), "{}", stderr(&out));
    assert_eq!(p.limits(), (hard.clone(), hard.clone()));
    assert!(p.opens_one_more(), "the process opens files again");
    let r = valid_report(&stdout(&run(&["run", "--only", "sys.limits.files", "--format", "json", "--no-save"])));
    assert!(!subjects(&r, "sys.limits.files").contains(&subject), "{r:#}");

    let out = fix_here(repairs.path(), &["--undo"]).expect("fix --undo");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(p.limits(), (soft, hard), "the old soft limit is back");
    assert!(!p.opens_one_more(), "and the process is at it again");
}
