//! `ecs-doctor fix` raising kernel limits that are too tight for the load, with the fault made
//! for real and the value the repair writes worked out from the host (checked here against the
//! same arithmetic on /proc/meminfo, /proc/loadavg and the CPUs):
//!
//! - `net.ipv4.tcp_max_syn_backlog` below a listener's backlog with SYN cookies off, in a network
//!   namespace of its own (the setting is per namespace): a SYN flood on the listener is dropped
//!   once 7 handshakes are half-open; repaired, the listener holds its whole backlog of 64.
//! - `fs.file-max` below the files open now, one value for the whole kernel: lowered on the host for
//!   a moment under a guard that writes the old value back on every exit path (and says so),
//!   and the lab lock, to the number of files the test itself holds open. An unprivileged program cannot start (its exec fails with ENFILE: root's
//!   processes are exempt from the limit, so the host's own root services go on); repaired, it
//!   runs.
//! - `kernel.pid_max`, which Linux 6.14 and later keeps per PID namespace: lowered to 460 in a
//!   PID namespace of the test's own, where 400 processes wait; a burst of
//!   forks there fails with EAGAIN at the limit; the host's count of threads is at the limit too,
//!   which is what sys.limits.processes judges. ecs-doctor runs inside that namespace (`nsenter
//!   --pid`), so its `sysctl -w` writes that namespace's value; repaired, the burst forks.
//!
//! The drop-ins go to the lab's /etc/sysctl.d (`ip netns exec` binds /etc/netns/<ns>/sysctl.d).
//! Root only; run under the lab lock.

use super::fix::tree_state;
use super::fix_kernel_lab::GlobalSetting;
use super::fix_system_lab::{fix_in, undo_all, value};
use super::net_counters_lab::{LISTEN_DROPS, syn_flood, until_above};
use super::net_settings_lab::{Lab, lab_ok};
use crate::common::*;
use crate::topology::{Daemon, finding};
use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

fn python_ok() -> bool {
    lab_ok() && require(Command::new("python3").arg("-V").output().is_ok(), "python3 is not installed")
}

/// Codes of a check's warn and crit findings.
fn alarming(r: &serde_json::Value, id: &str) -> Vec<String> {
    check(r, id)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "warn" || f["severity"] == "crit")
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

fn mem_total_kib() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").expect("meminfo");
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .expect("MemTotal")
}

/// Half-open connections (SYN_RECV) to `port` in the namespace.
fn half_open(ns: &Netns, port: u16) -> usize {
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0, "ss", "-Htn", "state", "syn-recv", "sport", "=", &format!(":{port}")])
        .output()
        .expect("ss");
    stdout(&out).lines().filter(|l| !l.trim().is_empty()).count()
}

/// The largest count of half-open connections to `port` seen within `secs` seconds.
fn half_open_reaches(ns: &Netns, port: u16, want: usize, secs: u64) -> usize {
    let mut most = 0;
    for _ in 0..secs * 10 {
        most = most.max(half_open(ns, port));
        if most >= want {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    most
}

#[test]
fn a_syn_backlog_below_a_listeners_backlog_is_raised_to_hold_it_and_undone() {
    if !python_ok() {
        return;
    }
    const KEY: &str = "net.ipv4.tcp_max_syn_backlog";
    let b = Lab::new("fxsynb");
    let repairs = tempfile::tempdir().expect("tempdir");
    b.sysctl("net.ipv4.tcp_syncookies=0");
    let r = b.ns.doctor_json(&["net.sysctl.settings"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "quiet before the fault: {r:#}");
    b.conf("90-tuning.conf", &format!("net.ipv4.tcp_syncookies = 0\n{KEY} = 8\n"));
    b.sysctl(&format!("{KEY}=8"));
    // The fault is real: a listener asking a backlog of 64 keeps 7 handshakes half-open, the
    // kernel drops the other SYNs.
    let flood = syn_flood(&b.ns, 7076, 64);
    until_above(&b.ns, LISTEN_DROPS, 0);
    assert!(half_open_reaches(&b.ns, 7076, 8, 2) <= 7, "at most 7 half-open while the setting is 8");
    let r = b.ns.doctor_json(&["net.sysctl.settings"]);
    let f = finding(&r, "net.sysctl.settings", KEY);
    assert_eq!(f["code"], "SYSCTL-SYN-BACKLOG", "{f:#}");

    // The plan: the power of two whose three quarters hold 64, at least 1024; nothing changes.
    let tree = tree_state(&b.etc.0);
    let args = ["--only", "net.sysctl.settings", "--no-save"];
    let out = fix_in(&b.ns, repairs.path(), &args);
    let plan = stdout(&out);
    for want in [
        format!("sysctl-net-ipv4-tcp-max-syn-backlog  ·  net.sysctl.settings  ·  {KEY}"),
        format!("set {KEY} to 1024 now (it is 8) and in /etc/sysctl.d/99-zz-ecs-doctor-{KEY}.conf"),
        "comment out /etc/sysctl.d/90-tuning.conf:2".to_string(),
        format!("runs: sysctl -q -w {KEY}=1024"),
        format!("undo runs: sysctl -q -w {KEY}=8"),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(tree_state(&b.etc.0), tree, "the plan changes no file");
    assert_eq!(value(&b.ns, KEY), "8", "nor the kernel's value");

    // Apply: the check is ok and the listener now holds its whole backlog half-open.
    let out = fix_in(&b.ns, repairs.path(), &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("sysctl-net-ipv4-tcp-max-syn-backlog: repaired and verified"), "{}", stderr(&out));
    assert_eq!(value(&b.ns, KEY), "1024");
    let r = b.ns.doctor_json(&["net.sysctl.settings"]);
    assert_eq!(status_of(&r, "net.sysctl.settings"), "ok", "{r:#}");
    let most = half_open_reaches(&b.ns, 7076, 32, 10);
    assert!(most >= 32, "the listener keeps more than 7 handshakes half-open now: {most}");
    drop(flood);

    // Undo: the old value, the tuning file as it was, no drop-in.
    assert_eq!(undo_all(&b.ns, repairs.path()), 1);
    assert_eq!(value(&b.ns, KEY), "8");
    assert_eq!(tree_state(&b.etc.0), tree, "the drop-in is removed, the tuning line back");
}

const FILE_MAX: &str = "/proc/sys/fs/file-max";

/// Files in use on the host (allocated less unused, /proc/sys/fs/file-nr).
fn files_in_use() -> u64 {
    let nr = std::fs::read_to_string("/proc/sys/fs/file-nr").expect("file-nr");
    let f: Vec<u64> = nr.split_whitespace().map(|v| v.parse().expect("a number")).collect();
    f[0] - f[1]
}

/// Files this test holds open (/dev/null) while the table is full: the limit is set to this
/// pool alone, so the table stays full whatever other programs on the host open or close
/// meanwhile (with three quarters of the host's files as the limit, the fault once went away
/// while a build beside the lab closed its files). The pool stays under 40 % of the test's own
/// limit (raised to its hard limit: raising that takes CAP_SYS_RESOURCE, which root may lack),
/// so the test process is no finding of the check itself (listed from 50 %).
struct HeldFiles {
    _files: Vec<std::fs::File>,
}

impl HeldFiles {
    /// Holds about `want` files open, fewer when the hard limit is lower; returns how many.
    fn open(want: u64) -> (HeldFiles, u64) {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let now = getrlimit(Resource::Nofile);
        let hard = now.maximum.unwrap_or(1 << 20);
        setrlimit(Resource::Nofile, Rlimit { current: Some(hard), maximum: now.maximum })
            .expect("soft limit to the hard one");
        let n = want.min(hard * 2 / 5);
        let files = (0..n).map(|_| std::fs::File::open("/dev/null").expect("open /dev/null")).collect();
        (HeldFiles { _files: files }, n)
    }
}

/// Whether an unprivileged program (nobody) can start: its exec opens the program's file.
fn nobody_runs() -> Result<(), String> {
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--", "cat", "/proc/version"])
        .output()
        .expect("setpriv (root may always start it)");
    if out.status.success() { Ok(()) } else { Err(stderr(&out)) }
}

#[test]
fn a_full_system_file_table_is_raised_to_the_kernels_default_for_this_memory_and_undone() {
    if !lab_ok() || !require(Command::new("setpriv").arg("-V").output().is_ok(), "setpriv (util-linux) is missing") {
        return;
    }
    let b = Lab::new("fxfile");
    let repairs = tempfile::tempdir().expect("tempdir");
    assert_eq!(nobody_runs(), Ok(()), "an unprivileged program runs before the fault");
    // Quiet first: `fix --apply` below repairs every finding of the check (no process near its
    // own limit, whose soft limit it would raise).
    let r = b.ns.doctor_json(&["sys.limits.files"]);
    assert_eq!(status_of(&r, "sys.limits.files"), "ok", "quiet before the fault: {r:#}");
    let target = (mem_total_kib() / 10).max(8192);
    let used = files_in_use();
    // The limit is the pool this test holds: the table is full even if every other program
    // closed every file, and far below the kernel's default.
    let (held, low) = HeldFiles::open((used * 3).max(2048));
    assert!(low >= 1024, "the test holds {low} files (its hard limit is low)");
    assert!(used + low < target / 4, "the host's files in use ({used}) are far below the kernel's default ({target})");

    let guard = GlobalSetting::set(FILE_MAX, &low.to_string());
    // The fault is real: the table is full for everyone but root.
    // (its exec succeeds, the dynamic loader's open of libc fails: ENFILE is error 23)
    let refused = nobody_runs().expect_err("an unprivileged program cannot start");
    assert!(refused.contains("Too many open files in system") || refused.contains("Error 23"), "{refused}");
    let r = b.ns.doctor_json(&["sys.limits.files"]);
    let f = finding(&r, "sys.limits.files", "fs.file-nr");
    assert_eq!((f["code"].as_str(), f["severity"].as_str()), (Some("ENFILE"), Some("crit")), "{f:#}");

    let tree = tree_state(&b.etc.0);
    let args = ["--only", "sys.limits.files", "--no-save"];
    let out = fix_in(&b.ns, repairs.path(), &args);
    let plan = stdout(&out);
    for want in [
        "sysctl-file-max-fs-file-nr  ·  sys.limits.files  ·  fs.file-nr".to_string(),
        format!("set fs.file-max to {target} now (it is {low}) and in /etc/sysctl.d/99-zz-ecs-doctor-fs.file-max.conf"),
        format!("runs: sysctl -q -w fs.file-max={target}"),
        format!("undo runs: sysctl -q -w fs.file-max={low}"),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(tree_state(&b.etc.0), tree, "the plan changes no file");

    let out = fix_in(&b.ns, repairs.path(), &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("sysctl-file-max-fs-file-nr: repaired and verified"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(FILE_MAX).expect("file-max").trim(), target.to_string());
    assert_eq!(nobody_runs(), Ok(()), "an unprivileged program runs again");
    let r = b.ns.doctor_json(&["sys.limits.files"]);
    assert!(!alarming(&r, "sys.limits.files").contains(&"ENFILE".to_string()), "{r:#}");
    let text = std::fs::read_to_string(b.etc.0.join("sysctl.d/99-zz-ecs-doctor-fs.file-max.conf")).expect("drop-in");
    assert!(text.ends_with(&format!("\nfs.file-max = {target}\n")), "{text}");

    assert_eq!(undo_all(&b.ns, repairs.path()), 1);
    assert_eq!(std::fs::read_to_string(FILE_MAX).expect("file-max").trim(), low.to_string(), "the low value is back");
    assert_eq!(tree_state(&b.etc.0), tree, "the drop-in is removed");
    drop(guard);
    drop(held);
    assert_ne!(
        std::fs::read_to_string(FILE_MAX).expect("file-max").trim(),
        low.to_string(),
        "the host's value is back"
    );
    assert_eq!(nobody_runs(), Ok(()));
}

/// PID 1 of a PID namespace: forks `argv[1]` children that wait, then answers each line it reads:
/// `pid_max N` writes this namespace's kernel.pid_max, `burst N` forks up to N more children and
/// says how many it got (and the error that stopped it), then ends and reaps them. As the
/// namespace's init it also reaps whatever else ends in it.
const PID_NS_INIT: &str = r#"
import os, signal, sys
def child():
    signal.pause()
    os._exit(0)
def fork():
    pid = os.fork()
    if pid == 0:
        child()
    return pid
held = [fork() for _ in range(int(sys.argv[1]))]
print("ready", os.getpid(), flush=True)
for line in sys.stdin:
    cmd, arg = line.split()
    if cmd == "pid_max":
        with open("/proc/sys/kernel/pid_max", "w") as f:
            f.write(arg)
        print("ok", flush=True)
    elif cmd == "burst":
        got, error = [], "none"
        while len(got) < int(arg):
            try:
                got.append(fork())
            except OSError as e:
                error = str(e)
                break
        for p in got:
            os.kill(p, signal.SIGKILL)
            os.waitpid(p, 0)
        print(len(got), error, flush=True)
"#;

/// A PID namespace of the test's own inside the lab's network namespace, its init
/// [`PID_NS_INIT`]; everything in it is killed when it is dropped (its init ends).
struct PidNs {
    ns: String,
    init: u32,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    _unshare: Daemon,
}

impl PidNs {
    fn new(lab: &Lab, waiting: usize) -> PidNs {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &lab.ns.0, "unshare", "--pid", "--fork", "--kill-child", "python3", "-c"])
            .args([PID_NS_INIT, &waiting.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("unshare --pid");
        let input = child.stdin.take().expect("stdin");
        let mut output = BufReader::new(child.stdout.take().expect("stdout"));
        let unshare = Daemon(child);
        let mut line = String::new();
        output.read_line(&mut line).expect("read init's first line");
        assert_eq!(line.trim(), "ready 1", "the namespace's init did not start");
        let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", unshare.0.id()))
            .expect("unshare's children");
        let init = children.split_whitespace().next().and_then(|p| p.parse().ok()).expect("init's pid on the host");
        PidNs { ns: lab.ns.0.clone(), init, input, output, _unshare: unshare }
    }

    fn ask(&mut self, line: &str) -> String {
        writeln!(self.input, "{line}").expect("write to init");
        let mut answer = String::new();
        self.output.read_line(&mut answer).expect("read init's answer");
        answer.trim().to_string()
    }

    /// How many of `n` more processes start in the namespace, and what stopped them.
    fn burst(&mut self, n: usize) -> (usize, String) {
        let answer = self.ask(&format!("burst {n}"));
        let (got, error) = answer.split_once(' ').expect("count and error");
        (got.parse().expect("a count"), error.to_string())
    }

    /// `ip netns exec NS nsenter -t INIT --pid ARGS`.
    fn run(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns, "nsenter", "-t", &self.init.to_string(), "--pid"]).args(args);
        cmd
    }

    fn pid_max(&self) -> String {
        stdout(&self.run(&["cat", "/proc/sys/kernel/pid_max"]).output().expect("cat")).trim().to_string()
    }

    fn doctor_json(&self, only: &str) -> serde_json::Value {
        let out = clean_doctor_env(&mut self.run(&[BIN, "run", "--format", "json", "--no-save", "--only", only]))
            .output()
            .expect("ecs-doctor run");
        assert!(!stdout(&out).trim().is_empty(), "ecs-doctor said nothing: {}", stderr(&out));
        valid_report(&stdout(&out))
    }

    fn fix(&self, repairs: &std::path::Path, args: &[&str]) -> Output {
        clean_doctor_env(self.run(&[BIN, "fix"]).args(args))
            .env("ECS_DOCTOR_REPAIR_DIR", repairs)
            .output()
            .expect("ecs-doctor fix")
    }

    fn undo_all(&self, repairs: &std::path::Path) -> usize {
        let mut n = 0;
        loop {
            let out = self.fix(repairs, &["--undo"]);
            if stderr(&out).contains("No applied repair to undo") {
                return n;
            }
            assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
            n += 1;
            assert!(n < 10, "undo does not end");
        }
    }
}

const PID_MAX: &str = "/proc/sys/kernel/pid_max";
/// The namespace's lowered pid_max: 400 processes wait in it, so 58 more can start. (Above 300:
/// once the kernel has handed out a PID past 300 it takes new ones from 300 up only, so a lower
/// value would leave no room at all once a burst has reached it, not even for the repair.)
const LOW: u64 = 460;

/// The kernel's count of threads (/proc/loadavg), what sys.limits.processes compares.
fn threads() -> u64 {
    let l = std::fs::read_to_string("/proc/loadavg").expect("loadavg");
    l.split_whitespace().nth(3).and_then(|f| f.split_once('/')).and_then(|(_, t)| t.parse().ok()).expect("threads")
}

/// kernel.pid_max's default here: 1024 a possible CPU, at least 32768.
fn default_pid_max() -> u64 {
    let possible = std::fs::read_to_string("/sys/devices/system/cpu/possible").expect("possible CPUs");
    let cpus: u64 = possible
        .trim()
        .split(',')
        .map(|p| match p.split_once('-') {
            Some((a, b)) => b.parse::<u64>().expect("cpu") - a.parse::<u64>().expect("cpu") + 1,
            None => 1,
        })
        .sum();
    (cpus * 1024).max(32768)
}

#[test]
fn a_pid_namespace_at_its_pid_max_is_raised_to_the_kernels_default_and_undone() {
    if !python_ok() {
        return;
    }
    // Whether pid_max is per PID namespace: one less written in a new one leaves the host's
    // value alone (where it does not, the host's is written back at once).
    let host_before = std::fs::read_to_string(PID_MAX).expect("pid_max");
    let one_less = host_before.trim().parse::<u64>().expect("pid_max") - 1;
    let wrote = Command::new("unshare")
        .args(["--pid", "--fork", "sh", "-c", &format!("echo {one_less} > {PID_MAX}")])
        .status()
        .is_ok_and(|s| s.success());
    let per_ns = wrote && std::fs::read_to_string(PID_MAX).expect("pid_max") == host_before;
    if !per_ns {
        std::fs::write(PID_MAX, &host_before).expect("restore the host's pid_max");
    }
    if !require(per_ns, "kernel.pid_max is not per PID namespace here (Linux 6.14 and later)") {
        return;
    }
    let b = Lab::new("fxpid");
    let repairs = tempfile::tempdir().expect("tempdir");
    let waiting = 400;
    let mut pns = PidNs::new(&b, waiting);
    let r = pns.doctor_json("sys.limits.processes");
    assert_eq!(status_of(&r, "sys.limits.processes"), "ok", "quiet before the fault: {r:#}");

    // The fault is real: at 460 the namespace's forks fail with EAGAIN once its PIDs are used
    // (the burst's processes end again, leaving room for ecs-doctor's own threads), and the
    // host's threads are above it as well.
    assert_eq!(pns.ask(&format!("pid_max {LOW}")), "ok");
    let (got, error) = pns.burst(300);
    assert!(got < 300 && error.contains("Resource temporarily unavailable"), "{got} forked: {error}");
    assert!(threads() > LOW, "the host runs more than {LOW} threads ({})", threads());
    let r = pns.doctor_json("sys.limits.processes");
    let f = finding(&r, "sys.limits.processes", "kernel");
    assert_eq!((f["code"].as_str(), f["severity"].as_str()), (Some("NPROC-FULL"), Some("crit")), "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("kernel.pid_max")), "{f:#}");

    let target = default_pid_max();
    assert!(threads() * 2 < target, "twice the threads is below the default here");
    let tree = tree_state(&b.etc.0);
    let args = ["--only", "sys.limits.processes", "--no-save"];
    let out = pns.fix(repairs.path(), &args);
    let plan = stdout(&out);
    for want in [
        "sysctl-kernel  ·  sys.limits.processes  ·  kernel".to_string(),
        format!(
            "set kernel.pid_max to {target} now (it is {LOW}) and in /etc/sysctl.d/99-zz-ecs-doctor-kernel.pid_max.conf"
        ),
        format!("runs: sysctl -q -w kernel.pid_max={target}"),
        format!("undo runs: sysctl -q -w kernel.pid_max={LOW}"),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(tree_state(&b.etc.0), tree, "the plan changes no file");
    assert_eq!(pns.pid_max(), LOW.to_string(), "nor the namespace's value");

    let out = pns.fix(repairs.path(), &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("sysctl-kernel: repaired and verified"), "{}", stderr(&out));
    assert_eq!(pns.pid_max(), target.to_string());
    assert_eq!(pns.burst(300), (300, "none".to_string()), "300 more processes start in the namespace");
    let r = pns.doctor_json("sys.limits.processes");
    assert_eq!(status_of(&r, "sys.limits.processes"), "ok", "{r:#}");
    let text = std::fs::read_to_string(b.etc.0.join("sysctl.d/99-zz-ecs-doctor-kernel.pid_max.conf")).expect("drop-in");
    assert!(text.ends_with(&format!("\nkernel.pid_max = {target}\n")), "{text}");

    assert_eq!(pns.undo_all(repairs.path()), 1);
    assert_eq!(pns.pid_max(), LOW.to_string(), "the namespace's low value is back");
    assert_eq!(tree_state(&b.etc.0), tree, "the drop-in is removed");
    assert!(pns.burst(300).0 < 300, "forks fail again");

    // Nearly full: 94% of the limit used (the host's threads move a little between runs, so a
    // run that finds them elsewhere is tried again), the same repair.
    let mut high = None;
    for _ in 0..3 {
        let limit = (threads() as f64 / 0.94).ceil() as u64;
        assert_eq!(pns.ask(&format!("pid_max {limit}")), "ok");
        let r = pns.doctor_json("sys.limits.processes");
        if alarming(&r, "sys.limits.processes") == ["NPROC-HIGH"] {
            high = Some(limit);
            break;
        }
    }
    let limit = high.expect("NPROC-HIGH at 94% of the limit");
    let out = pns.fix(repairs.path(), &[&args[..], &["--apply", "--yes"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains(&format!("runs: sysctl -q -w kernel.pid_max={target}")), "{}", stderr(&out));
    assert_eq!(pns.pid_max(), target.to_string());
    assert_eq!(pns.undo_all(repairs.path()), 1);
    assert_eq!(pns.pid_max(), limit.to_string());
    drop(pns);
    assert_eq!(std::fs::read_to_string(PID_MAX).expect("pid_max"), host_before, "the host's own was never touched");
}
