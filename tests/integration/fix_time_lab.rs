//! `ecs-doctor fix` against time-synchronisation faults, injected for real: the network lab of
//! `tests/topology.rs` with a real chronyd serving time on the platform's NTP address (a copy of
//! /usr/sbin/chronyd under another name in the server's namespace, `-x`: it serves this machine's
//! clock and never sets it), the lab's DNS resolving ntp.cloud.aliyuncs.com to it and the lab's
//! metadata service naming it in `ntp-conf/ntp-servers`. The client is a [`Machine`] (its own
//! /etc overlay and /run; chrony's /var/lib/chrony on a tmpfs) without systemd as PID 1, so
//! the repair drives Debian's own init script, as it would on such a host.
//!
//! - No time daemon runs (NO-NTP): the plan names the sources file and the start; apply starts a
//!   real chronyd that synchronises to the lab's server (`chronyc tracking` says so, the check is
//!   ok); undo stops it and removes the file.
//! - chronyd runs with only an unreachable server (NOT-SYNCED): apply adds the platform servers,
//!   `chronyc reload sources`, and it synchronises; undo takes them away again.
//! - chronyd and ntpd (ntpsec's, unpacked: the package conflicts with chrony's) both run
//!   (NTP-CONFLICT): apply ends ntpd, undo starts it again with the same arguments.
//! - ntpsec installed on the machine as its package does it (its init script, defaults and
//!   ntp.conf; ntpd overlaid into /usr/sbin) follows the public pools nothing answers for
//!   (NTP-UNREACHABLE): apply writes the platform servers into ntp.conf and restarts it through
//!   the init script; ntpd follows the lab's server (asked over mode 6); undo restores ntp.conf
//!   byte for byte and restarts it again.
//!
//! The client's daemons run in the machine's own PID namespace (other tests' daemons are not its,
//! and all of them end with it). Its chronyd disciplines this machine's clock against the same
//! clock served back by the lab's server: the corrections are microseconds. Root only; run under
//! the lab lock.

use crate::common::*;
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::Machine;
use crate::topology::{self, Daemon, Lab, MdMode, lab_ok};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const MD: &str = "http://100.100.100.200";
const ID: &str = "net.time.sync";
const CHRONYD: &str = "/usr/sbin/chronyd";
/// ntpsec's ntpd, unpacked from its package by .ci/run (installing it would remove chrony).
const NTPD: &str = "/opt/ecs-doctor-ci/ntpsec/usr/sbin/ntpd";
const SOURCES: &str = "/etc/chrony/sources.d/ecs-doctor-platform.sources";

/// Whether the time lab can run here: the network lab, chrony installed.
fn time_lab_ok() -> bool {
    lab_ok()
        && require(
            Path::new(CHRONYD).exists() && Path::new("/etc/init.d/chrony").exists(),
            "the time-repair lab needs chrony (apt-get install chrony)",
        )
}

/// A real chronyd serving time on the lab server's address (UDP 123), under another name so that
/// the client's checks do not count it as a time daemon of theirs.
fn ntp_server(lab: &Lab) -> Daemon {
    let dir = lab.dir.path().join("ntp-server");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let bin = dir.join("ntplab-server");
    std::fs::copy(CHRONYD, &bin).expect("copy chronyd");
    let conf = dir.join("server.conf");
    write(
        &conf,
        &format!(
            "local stratum 3\nallow all\nport 123\ncmdport 0\nbindcmdaddress /\npidfile {}\n",
            dir.join("pid").display()
        ),
    );
    let child = Command::new("ip")
        .args(["netns", "exec", &lab.server.0])
        .arg(&bin)
        .args(["-x", "-d", "-u", "root", "-f"])
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the lab's NTP server");
    let d = Daemon(child);
    let until = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(format!("/proc/{}/net/udp", d.0.id())).unwrap_or_default().contains(":007B ") {
        assert!(Instant::now() < until, "the lab's NTP server did not come to listen on UDP 123");
        std::thread::sleep(Duration::from_millis(20));
    }
    d
}

/// The lab's client as a machine with chrony installed as the distribution ships it, naming the
/// lab's DNS; chrony's state directory (the drift file) on a tmpfs of its own.
fn client(lab: &Lab) -> Machine {
    let m = Machine::with_own_pids(&lab.client);
    let _ = std::fs::remove_file(m.path("/etc/resolv.conf"));
    m.write("/etc/resolv.conf", &format!("nameserver {}\n", topology::DNS1));
    m.sh("mount -t tmpfs tmpfs /var/lib/chrony");
    m
}

/// The processes named `comm` on the machine, by their pid there (its own PID namespace).
fn daemons(m: &Machine, comm: &str) -> Vec<u32> {
    let ns = std::fs::read_link(format!("/proc/{}/ns/pid", m.pid())).expect("pidns");
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let same_ns = std::fs::read_link(format!("/proc/{pid}/ns/pid")).is_ok_and(|n| n == ns);
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let zombie = status.lines().any(|l| l.starts_with("State:") && l.contains('Z'));
        let inner = status.lines().find_map(|l| l.strip_prefix("NSpid:")?.split_whitespace().last()?.parse().ok());
        if let (true, true, false, Some(inner)) = (same_ns, name.trim() == comm, zombie, inner) {
            out.push(inner);
        }
    }
    out.sort();
    out
}

/// Waits until no process named `comm` runs on the machine (a daemon told to stop ends soon).
fn wait_gone(m: &Machine, comm: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while !daemons(m, comm).is_empty() {
        assert!(Instant::now() < until, "{comm} still runs on the machine");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run(m: &Machine) -> serde_json::Value {
    m.doctor(&["run", "--format", "json", "--no-save", "--only", ID, "--metadata-url", MD]).0
}

fn fix(m: &Machine, extra: &[&str]) -> Output {
    let mut all = vec!["fix", "--no-save", "--only", ID, "--metadata-url", MD];
    all.extend_from_slice(extra);
    m.doctor_cmd(&all).output().expect("nsenter ecs-doctor fix")
}

fn undo(m: &Machine) -> Output {
    m.doctor_cmd(&["fix", "--undo"]).output().expect("nsenter ecs-doctor fix --undo")
}

fn codes(r: &serde_json::Value) -> Vec<String> {
    check(r, ID)["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["code"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// `chronyc` on the machine: what it printed.
fn chronyc(m: &Machine, args: &[&str]) -> String {
    let out = m.command("chronyc", args).output().expect("chronyc");
    format!("{}{}", stdout(&out), stderr(&out))
}

/// The lab server's address as chronyc -n prints a reference id (10.88.0.2 → 0A580002).
fn server_ref() -> String {
    let ip: std::net::Ipv4Addr = topology::SERVER_IP.parse().expect("ipv4");
    ip.octets().iter().map(|o| format!("{o:02X}")).collect()
}

fn assert_applied(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(out), stderr(out));
    assert!(stderr(out).contains("repaired and verified"), "{}", stderr(out));
}

#[test]
fn no_time_daemon_chronyd_is_started_with_the_platform_servers_and_undone() {
    if !time_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let _server = ntp_server(&lab);
    let m = client(&lab);
    assert!(daemons(&m, "chronyd").is_empty(), "no chronyd runs yet");
    let r = run(&m);
    assert_eq!(codes(&r).first().map(String::as_str), Some("NO-NTP"), "{r:#}");
    let sources = m.path(SOURCES);
    assert!(!sources.exists());
    let conf_before = file_state(&m.path("/etc/chrony/chrony.conf"));

    let out = fix(&m, &[]);
    let plan = stdout(&out);
    for want in [
        "time-daemon-start-system-clock  ·  net.time.sync  ·  system clock",
        "start chronyd (`/etc/init.d/chrony start`) with the platform's time servers ntp.cloud.aliyuncs.com, ntp7.cloud.aliyuncs.com (ntp-conf/ntp-servers of the metadata service http://100.100.100.200",
        "+++ b/etc/chrony/sources.d/ecs-doctor-platform.sources",
        "+server ntp.cloud.aliyuncs.com iburst",
        "+server ntp7.cloud.aliyuncs.com iburst",
        "validate: chronyd -p -f /etc/chrony/sources.d/ecs-doctor-platform.sources",
        "runs: /etc/init.d/chrony start",
        "undo runs: /etc/init.d/chrony stop",
        "then: chronyc waitsync 60 0 0 1",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert!(!sources.exists(), "the plan writes nothing");
    assert!(daemons(&m, "chronyd").is_empty(), "the plan starts nothing");

    let out = fix(&m, &["--apply", "--yes"]);
    assert_applied(&out);
    assert!(!daemons(&m, "chronyd").is_empty(), "chronyd runs");
    let tracking = chronyc(&m, &["-n", "tracking"]);
    assert!(tracking.contains(&format!("Reference ID    : {}", server_ref())), "synchronised to the lab: {tracking}");
    let r = run(&m);
    let c = check(&r, ID);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("chronyd")), "kept by chronyd, synchronised: {c:#}");
    assert_eq!(file_state(&m.path("/etc/chrony/chrony.conf")), conf_before, "chrony.conf is not touched");

    let out = undo(&m);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(!sources.exists(), "the sources file is removed");
    wait_gone(&m, "chronyd");
    assert_eq!(codes(&run(&m)).first().map(String::as_str), Some("NO-NTP"), "as before");
}

#[test]
fn an_unsynchronised_chronyd_is_given_the_platform_servers_and_undone() {
    if !time_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let _server = ntp_server(&lab);
    let m = client(&lab);
    // The fault: chronyd follows one server nothing answers for.
    let stock = std::fs::read_to_string(m.path("/etc/chrony/chrony.conf")).expect("chrony.conf");
    let broken: String = stock
        .lines()
        .map(|l| if l.starts_with("pool ") || l.starts_with("server ") { "server 10.99.0.9 iburst" } else { l })
        .map(|l| format!("{l}\n"))
        .collect();
    m.write("/etc/chrony/chrony.conf", &broken);
    m.sh("/etc/init.d/chrony start >/dev/null");
    let r = run(&m);
    assert_eq!(codes(&r), ["NOT-SYNCED"], "{r:#}");
    let sources = m.path(SOURCES);

    let out = fix(&m, &[]);
    let plan = stdout(&out);
    for want in [
        "time-platform-servers-system-clock  ·  net.time.sync  ·  system clock",
        "in /etc/chrony/sources.d/ecs-doctor-platform.sources, read with `chronyc reload sources`",
        "+server ntp.cloud.aliyuncs.com iburst",
        "then: chronyc reload sources",
        "then: chronyc waitsync 60 0 0 1",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert!(!sources.exists(), "the plan writes nothing");
    assert_eq!(codes(&run(&m)), ["NOT-SYNCED"], "the plan changes nothing");

    let out = fix(&m, &["--apply", "--yes"]);
    assert_applied(&out);
    let r = run(&m);
    assert_eq!(check(&r, ID)["status"], "ok", "{r:#}");
    assert!(chronyc(&m, &["-n", "sources"]).contains(topology::SERVER_IP));

    let out = undo(&m);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(!sources.exists(), "the sources file is removed");
    assert!(!daemons(&m, "chronyd").is_empty(), "chronyd still runs");
    let after = chronyc(&m, &["-n", "sources"]);
    assert!(!after.contains(topology::SERVER_IP), "the platform server is gone again: {after}");
    assert!(after.contains("10.99.0.9"), "{after}");
}

#[test]
fn chronyd_and_ntpd_at_once_ntpd_is_stopped_and_started_again_on_undo() {
    if !time_lab_ok()
        || !require(Path::new(NTPD).exists(), &format!("the time-conflict lab needs ntpsec's ntpd at {NTPD} (.ci/run)"))
    {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let _server = ntp_server(&lab);
    let m = client(&lab);
    // chronyd synchronised to the platform's server, as the first repair leaves it.
    m.write("/etc/chrony/sources.d/lab.sources", &format!("server {} iburst\n", topology::NTP_NAME));
    m.sh("/etc/init.d/chrony start >/dev/null && chronyc waitsync 60 0 0 1 >/dev/null");
    // The fault: ntpd as well (no server of its own: the clock is not fought over here).
    let dir = m.dir.path();
    write(&dir.join("ntp.conf"), "driftfile /dev/null\n");
    let args = [
        "-c".to_string(),
        dir.join("ntp.conf").display().to_string(),
        "-p".into(),
        dir.join("ntpd.pid").display().to_string(),
        "-l".into(),
        dir.join("ntpd.log").display().to_string(),
    ];
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = m.command(NTPD, &argv).output().expect("ntpd");
    assert!(out.status.success(), "ntpd: {}", stderr(&out));
    let until = Instant::now() + Duration::from_secs(20);
    while daemons(&m, "ntpd").is_empty() {
        assert!(Instant::now() < until, "ntpd did not come up: {}", stderr(&out));
        std::thread::sleep(Duration::from_millis(20));
    }
    let ntpd = daemons(&m, "ntpd");
    let r = run(&m);
    assert_eq!(codes(&r), ["NTP-CONFLICT"], "{r:#}");

    let out = fix(&m, &[]);
    let plan = stdout(&out);
    let pid = ntpd[0];
    for want in [
        "time-daemon-one-system-clock  ·  net.time.sync  ·  system clock".to_string(),
        format!("stop ntpd (pid {pid}), so that chronyd alone keeps the clock"),
        format!("runs: kill -TERM {pid}"),
        format!("undo runs: {NTPD} {}", argv.join(" ")),
        format!("then: tail --pid {pid} -f /dev/null"),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(daemons(&m, "ntpd"), ntpd, "the plan stops nothing");

    let out = fix(&m, &["--apply", "--yes"]);
    assert_applied(&out);
    assert!(daemons(&m, "ntpd").is_empty(), "ntpd is stopped");
    assert_eq!(check(&run(&m), ID)["status"], "ok");

    let out = undo(&m);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    // ntpd forks into the background when started: its process may appear just after the
    // undo returns, so it is looked for a few times (a bounded wait, not a timing assertion).
    let mut again = daemons(&m, "ntpd");
    for _ in 0..50 {
        if !again.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        again = daemons(&m, "ntpd");
    }
    assert_eq!(again.len(), 1, "ntpd runs again");
    let cmdline = std::fs::read(m.path(&format!("/proc/{}/cmdline", again[0]))).expect("cmdline");
    let cmdline: Vec<String> =
        cmdline.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into()).collect();
    assert_eq!(cmdline[1..], args, "with the same arguments");
    assert_eq!(codes(&run(&m)), ["NTP-CONFLICT"], "as before");
}

/// ntpsec as its package installs it, on the machine: ntpd in /usr/sbin (an overlay of the
/// machine's own), the package's init script, defaults, ntp.conf (the public Debian pools) and
/// its ntpsec account.
fn install_ntpsec(m: &Machine) {
    let pkg = Path::new(NTPD).ancestors().nth(3).expect("the unpacked package");
    m.sh(&format!(
        "mkdir -p /run/lock /run/.sbin-up /run/.sbin-wk && \
         mount -t overlay overlay -o lowerdir=/usr/sbin,upperdir=/run/.sbin-up,workdir=/run/.sbin-wk /usr/sbin && \
         cp {NTPD} /usr/sbin/ntpd && \
         echo 'ntpsec:x:990:990::/nonexistent:/usr/sbin/nologin' >> /etc/passwd && echo 'ntpsec:x:990:' >> /etc/group"
    ));
    for (file, mode) in [("etc/init.d/ntpsec", 0o755), ("etc/default/ntpsec", 0o644), ("etc/ntpsec/ntp.conf", 0o644)] {
        let text = std::fs::read_to_string(pkg.join(file)).expect("a file of the package");
        m.write_mode(&format!("/{file}"), &text, mode);
    }
}

#[test]
fn ntpd_that_reaches_none_of_its_servers_is_given_the_platform_servers_and_undone() {
    if !time_lab_ok()
        || !require(Path::new(NTPD).exists(), &format!("the ntpd lab needs ntpsec's ntpd at {NTPD} (.ci/run)"))
    {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let _server = ntp_server(&lab);
    let m = client(&lab);
    install_ntpsec(&m);
    // The fault: the package's ntp.conf, Debian's public pools, which nothing answers for from
    // this network. It wants 3 agreeing sources (`tos minsane 3`), which ECS's seven platform
    // servers give but the lab's one server cannot: told to follow one, the rest unchanged.
    let stock = std::fs::read_to_string(m.path("/etc/ntpsec/ntp.conf")).expect("ntp.conf");
    assert!(stock.contains("\ntos minclock 4 minsane 3\n"), "the package's ntp.conf changed: {stock}");
    m.write("/etc/ntpsec/ntp.conf", &stock.replace("\ntos minclock 4 minsane 3\n", "\ntos minclock 1 minsane 1\n"));
    m.sh("/etc/init.d/ntpsec start >/dev/null");
    wait_for(|| daemons(&m, "ntpd").len() == 1, "ntpd runs");
    let r = run(&m);
    assert_eq!(codes(&r), ["NTP-UNREACHABLE"], "{r:#}");
    let conf = m.path("/etc/ntpsec/ntp.conf");
    let original = file_state(&conf);

    let out = fix(&m, &[]);
    let plan = stdout(&out);
    for want in [
        "time-platform-servers-system-clock  ·  net.time.sync  ·  system clock",
        "give ntpd the platform's time servers ntp.cloud.aliyuncs.com, ntp7.cloud.aliyuncs.com",
        "in /etc/ntpsec/ntp.conf, read with `/etc/init.d/ntpsec restart`",
        "+# ecs-doctor fix: the platform's time servers (ntp-conf/ntp-servers of the metadata service http://100.100.100.200",
        "+server ntp.cloud.aliyuncs.com iburst\n    +server ntp7.cloud.aliyuncs.com iburst\n     pool 0.debian.pool.ntp.org iburst",
        "then: /etc/init.d/ntpsec restart",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(file_state(&conf), original, "the plan changes nothing");
    let before = daemons(&m, "ntpd");

    let out = fix(&m, &["--apply", "--yes"]);
    assert_applied(&out);
    let r = run(&m);
    let c = check(&r, ID);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["metrics"]["offset_s"].as_f64().is_some_and(|o| o < 0.5), "answered by the lab's server: {c:#}");
    let now = daemons(&m, "ntpd");
    assert!(now.len() == 1 && now != before, "ntpd was restarted: {before:?} {now:?}");
    // ntpd itself follows the lab's server now (its system variables, asked over mode 6).
    let until = Instant::now() + Duration::from_secs(120);
    let mut vars = ntpd_vars(&m);
    while !vars.contains(&format!("refid={}", topology::SERVER_IP)) {
        assert!(Instant::now() < until, "ntpd did not synchronise to the lab's server: {vars}");
        std::thread::sleep(Duration::from_secs(1));
        vars = ntpd_vars(&m);
    }
    assert!(!vars.contains("stratum=16"), "{vars}");

    let out = undo(&m);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(file_state(&conf), original, "sha256, mode and owner restored");
    wait_for(|| daemons(&m, "ntpd").len() == 1, "ntpd runs again, as before");
    assert_ne!(daemons(&m, "ntpd"), now, "restarted to read the restored file");
    assert_eq!(codes(&run(&m)), ["NTP-UNREACHABLE"], "as before");
}

/// Waits up to 20 s for `ok`.
fn wait_for(ok: impl Fn() -> bool, what: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < until, "not so after 20 s: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// ntpd's system variables `stratum` and `refid` (`stratum=3, refid=10.88.0.2` once it follows
/// the lab's server, `refid=INIT` and stratum 16 before), asked on the machine the way ntpq
/// asks: an NTP mode 6 READVAR request to 127.0.0.1:123 (ntpq itself needs ntpsec's Python
/// module, which the unpacked package does not bring).
fn ntpd_vars(m: &Machine) -> String {
    let script = "import socket\n\
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
s.settimeout(2)\n\
q = b'stratum,refid'\n\
s.sendto(bytes([0x16, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, len(q)]) + q + bytes(-len(q) % 4), ('127.0.0.1', 123))\n\
d = s.recv(2048)\n\
print(d[12:12 + int.from_bytes(d[10:12], 'big')].decode(errors='replace'))\n";
    let out = m.command("python3", &["-c", script]).output().expect("python3");
    format!("{}{}", stdout(&out), stderr(&out))
}
