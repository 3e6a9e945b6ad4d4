//! "I cannot connect to my server", for real: the lab of `tests/topology.rs` (client ↔ router ↔
//! server), a real sshd on the server ([`crate::integration::lab_sshd`]), a client that really
//! logs in with `ssh -o BatchMode=yes`. Each fault is injected for real, must make the real
//! connection fail, and ecs-doctor, run on the server as the customer would, must name the
//! cause with its subject. The healthy lab logs in and ecs-doctor is quiet. Root only; run
//! under the lab lock.

use crate::common::*;
use crate::integration::lab_sshd::{Machine, Sshd, ssh_lab_ok};
use crate::topology::{Lab, MdMode, SERVER_IP};

fn run_ssh_checks(m: &Machine) -> (serde_json::Value, i32) {
    m.doctor(&["run", "--format", "json", "--no-save", "--only", "net.ssh"])
}

/// The server: a machine booted with systemd whose ssh unit is enabled, resolving through the
/// lab's DNS.
fn server(lab: &Lab) -> Machine {
    let m = Machine::new(&lab.server, true);
    m.write("/etc/resolv.conf", &format!("nameserver {}\n", crate::topology::DNS1));
    m.sh("mkdir -p /etc/systemd/system/multi-user.target.wants && \
          ln -sf /lib/systemd/system/ssh.service /etc/systemd/system/multi-user.target.wants/ssh.service");
    m
}

/// The real login was refused (nothing answers on the port), and ecs-doctor, run on the server,
/// is critical about `id` with `code` for ssh.service: the report and that finding.
fn refused_and_named(
    login: &std::process::Output,
    m: &Machine,
    id: &str,
    code: &str,
) -> (serde_json::Value, serde_json::Value) {
    assert!(!login.status.success() && stderr(login).contains("Connection refused"), "{}", stderr(login));
    let (r, exit) = run_ssh_checks(m);
    assert_eq!(exit, 2, "{r:#}");
    let f = finding_of(&r, id).clone();
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("ssh.service"), Some(code)), "{f:#}");
    (r, f)
}

/// The topology lab, its [`server`] and a real sshd on port 22 with `extra` config lines. Fields
/// drop in order: the daemon, its machine, then the lab's namespaces.
pub(crate) struct SshLab {
    pub(crate) sshd: Sshd,
    pub(crate) m: Machine,
    pub(crate) lab: Lab,
}

/// The nameserver [`SshLab::with_dead_nameserver`] makes the server's only one.
const DEAD_NAMESERVER: &str = "192.0.2.53";

impl SshLab {
    /// `None` (skipped, saying why) where the SSH lab cannot run.
    pub(crate) fn start(extra: &str) -> Option<SshLab> {
        if !ssh_lab_ok() {
            return None;
        }
        let lab = Lab::new(MdMode::Token);
        let m = server(&lab);
        let sshd = Sshd::start(&m, &Sshd::config(22, extra)).expect("sshd");
        Some(SshLab { sshd, m, lab })
    }

    /// [`SshLab::start`] with a server whose only nameserver never answers, for real: the router
    /// black-holes it (192.0.2.53, one try of 1 s), and the server's OUTPUT chain counts the
    /// queries sent to it ([`SshLab::dns_queries`]).
    pub(crate) fn with_dead_nameserver(extra: &str) -> Option<SshLab> {
        let l = SshLab::start(extra)?;
        crate::topology::ns_exec(&l.lab.router, &["ip", "route", "add", "blackhole", &format!("{DEAD_NAMESERVER}/32")]);
        l.lab.iptables(&l.lab.server, &format!("-A OUTPUT -d {DEAD_NAMESERVER}/32 -p udp --dport 53"));
        l.m.write("/etc/resolv.conf", &format!("nameserver {DEAD_NAMESERVER}\noptions timeout:1 attempts:1\n"));
        Some(l)
    }

    /// The queries the server sent to the dead nameserver so far (no clock is read).
    pub(crate) fn dns_queries(&self) -> u64 {
        let out =
            crate::topology::ns_exec(&self.lab.server, &["iptables", "-w", "5", "-L", "OUTPUT", "-v", "-x", "-n"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.contains(DEAD_NAMESERVER))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .expect("the counting rule")
    }

    /// A real login as root from the lab's client.
    pub(crate) fn login(&self) -> std::process::Output {
        self.sshd.ssh_from(&self.lab.client, SERVER_IP, "root")
    }
}

fn finding_of<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    let c = check(r, id);
    assert_eq!(c["status"], "crit", "{id}: {c:#}");
    &c["findings"][0]
}

#[test]
fn the_healthy_ssh_lab_logs_in_and_the_ssh_checks_are_quiet() {
    let Some(l) = SshLab::start("") else { return };
    let login = l.login();
    assert!(login.status.success(), "a real login works: {}", stderr(&login));
    let (r, code) = run_ssh_checks(&l.m);
    for c in r["checks"].as_array().expect("checks") {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "no note either: {c:#}");
    }
    assert_eq!(code, 0);
    assert!(check(&r, "net.ssh.listening")["summary"].as_str().unwrap().contains("0.0.0.0:22/tcp"), "{r:#}");
}

#[test]
fn a_stopped_sshd_is_critical_naming_the_unit_and_whether_it_is_enabled() {
    let Some(mut l) = SshLab::start("") else { return };
    assert!(l.login().status.success());
    l.sshd.stop();
    let login = l.login();
    let (m, lab) = (&l.m, &l.lab);
    assert!(!login.status.success() && stderr(&login).contains("Connection refused"), "{}", stderr(&login));
    let (r, code) = run_ssh_checks(m);
    assert_eq!(code, 2, "{r:#}");
    let f = finding_of(&r, "net.ssh.listening");
    assert_eq!(f["subject"], "ssh.service", "{f:#}");
    assert_eq!(f["code"], "SSHD-NOT-RUNNING");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("ssh.service is enabled"), "{msg}");
    // Not enabled: still critical (openssh-server is installed, nothing answers), and says so.
    m.sh("rm /etc/systemd/system/multi-user.target.wants/ssh.service");
    let (r, _) = run_ssh_checks(m);
    let msg = finding_of(&r, "net.ssh.listening")["message"].as_str().unwrap().to_string();
    assert!(msg.contains("ssh.service is disabled"), "{msg}");

    // The same stopped sshd where no init system runs (a container): a note, not an alarm.
    let bare = Machine::new(&lab.server, false);
    let (r, code) = bare.doctor(&["run", "--format", "json", "--no-save", "--only", "net.ssh.listening"]);
    let c = check(&r, "net.ssh.listening");
    assert_eq!((c["status"].as_str(), code), (Some("ok"), 0), "{c:#}");
    assert_eq!(c["findings"][0]["severity"], "info", "{c:#}");
    assert_eq!(c["findings"][0]["code"], "SSHD-NO-INIT", "{c:#}");
}

#[test]
fn sshd_on_loopback_only_is_critical_with_the_address() {
    let Some(l) = SshLab::start("ListenAddress 127.0.0.1\n") else { return };
    let (r, f) = refused_and_named(&l.login(), &l.m, "net.ssh.listen-address", "SSHD-LOOPBACK-ONLY");
    assert!(f["message"].as_str().unwrap().contains("only on 127.0.0.1:22/tcp"), "{f:#}");
    assert!(f["evidence"].to_string().contains("127.0.0.1:22/tcp listening (sshd pid"), "{f:#}");
    // It runs, on the configured port: those two checks stay ok.
    assert_eq!(status_of(&r, "net.ssh.listening"), "ok", "{r:#}");
    assert_eq!(status_of(&r, "net.ssh.port"), "ok", "{r:#}");
}

#[test]
fn a_listen_address_the_host_does_not_have_is_critical_with_the_address() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let mut sshd = Sshd::spawn(&m, &Sshd::config(22, "ListenAddress 10.88.0.99\n"));
    assert!(sshd.wait_exited(), "sshd cannot bind: {}", sshd.log());
    assert!(sshd.log().contains("Cannot bind any address"), "{}", sshd.log());
    let login = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    let (r, f) = refused_and_named(&login, &m, "net.ssh.listen-address", "SSHD-ADDRESS-MISSING");
    assert!(f["message"].as_str().unwrap().contains("listen on 10.88.0.99, which is not an address"), "{f:#}");
    assert_eq!(finding_of(&r, "net.ssh.listening")["code"], "SSHD-NOT-RUNNING");
}

#[test]
fn a_port_changed_in_the_config_but_not_applied_is_critical_with_both_ports() {
    let Some(l) = SshLab::start("") else { return };
    // The customer moves sshd to 2222 and opens that port, but sshd is never restarted.
    l.m.write("/etc/ssh/sshd_config", &Sshd::config(2222, ""));
    let login = l.sshd.ssh_port_from(&l.lab.client, SERVER_IP, 2222, "root");
    let (r, f) = refused_and_named(&login, &l.m, "net.ssh.port", "SSHD-PORT-MISMATCH");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("says Port 2222 but the running sshd listens on 22"), "{msg}");
    assert_eq!(status_of(&r, "net.ssh.listening"), "ok", "{r:#}");
}

/// The host firewall over IPv6, for real: an ip6tables rule rejecting SSH refuses the real
/// client over IPv6 while IPv4 still logs in (a warning: IPv6 clients are locked out, on a host
/// with a global IPv6 address); an nftables inet table dropping SSH refuses both (critical).
#[test]
fn ssh_rejected_over_ipv6_is_a_warning_and_over_both_families_critical() {
    if !ssh_lab_ok() || !require(std::path::Path::new("/usr/sbin/ip6tables").exists(), "this lab needs ip6tables") {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    lab.with_ipv6();
    let m = server(&lab);
    let sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    let v6 = crate::topology::SERVER_IP6;
    let login = sshd.ssh_from(&lab.client, v6, "root");
    assert!(login.status.success(), "a real login over IPv6 before the fault: {}", stderr(&login));
    let only = ["run", "--format", "json", "--no-save", "--only", "net.firewall.local"];
    let (r, code) = m.doctor(&only);
    assert_eq!((status_of(&r, "net.firewall.local"), code), ("ok".to_string(), 0), "{r:#}");

    lab.ip6tables(&lab.server, "-A INPUT -p tcp --dport 22 -j REJECT");
    let login = sshd.ssh_from(&lab.client, v6, "root");
    assert!(!login.status.success(), "IPv6 is rejected: {}", stderr(&login));
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "IPv4 still logs in");
    let (r, code) = m.doctor(&only);
    let c = check(&r, "net.firewall.local");
    assert_eq!((c["status"].as_str(), code), (Some("warn"), 1), "{c:#}");
    let f = &c["findings"][0];
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("tcp/22"), Some("SSH-BLOCKED-IPV6")), "{f:#}");
    let m6 = f["message"].as_str().unwrap_or_default();
    assert!(m6.contains("admits SSH to tcp/22 over IPv4 but drops new IPv6 connections"), "{m6}");
    assert!(m6.contains("--dport 22 -j REJECT"), "the ip6tables rule is named: {m6}");

    // An inet table (both families) dropping SSH: every client is locked out.
    lab.ip6tables(&lab.server, "-F INPUT");
    let rules = m.dir.path().join("inet.nft");
    std::fs::write(&rules, "table inet lab {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 22 drop\n }\n}\n")
        .expect("rules");
    let out = m.command("nft", &["-f", rules.to_str().expect("utf-8")]).output().expect("nft");
    assert!(out.status.success(), "nft: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "IPv4 is dropped");
    assert!(!sshd.ssh_from(&lab.client, v6, "root").status.success(), "IPv6 is dropped");
    let (r, code) = m.doctor(&only);
    assert_eq!(code, 2, "{r:#}");
    let f = finding_of(&r, "net.firewall.local");
    assert_eq!(f["code"], "SSH-BLOCKED");
    assert!(f["message"].as_str().unwrap_or_default().contains("table inet lab chain input"), "{f:#}");
}

/// `UseDNS yes` with a nameserver that never answers, for real: the router black-holes the only
/// nameserver, so a query to it is never answered. A real login still gets through, after sshd
/// asked that nameserver (the server's OUTPUT counter of queries to it moves during the login:
/// no clock is read); ecs-doctor names the wait and the silent nameserver, as a consequence of
/// the dead resolver. With `UseDNS no` the same login asks no nameserver and the check is quiet.
#[test]
fn use_dns_with_a_dead_resolver_makes_logins_wait_and_is_named() {
    let Some(mut l) = SshLab::with_dead_nameserver("UseDNS yes\n") else { return };
    let before = l.dns_queries();
    let login = l.login();
    assert!(login.status.success(), "the login gets through after the wait: {}", stderr(&login));
    let after = l.dns_queries();
    assert!(after > before, "sshd asked the dead nameserver during the login ({before} → {after})");

    let only =
        ["run", "--format", "json", "--no-save", "--only", "net.ssh.use-dns", "--only", "net.dns.resolver-reachable"];
    let (r, code) = l.m.doctor(&only);
    assert_eq!(code, 2, "the dead resolver is critical: {r:#}");
    let c = check(&r, "net.ssh.use-dns");
    assert_eq!(c["status"], "warn", "{c:#}");
    assert_eq!(c["consequence_of"], serde_json::json!(["net.dns.resolver-reachable"]), "{c:#}");
    let f = &c["findings"][0];
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("sshd"), Some("SSH-USEDNS-WAIT")), "{f:#}");
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(msg.starts_with("every SSH login waits at least 1 s before sshd asks for a key or password"), "{msg}");
    assert!(msg.contains("nameserver(s) 192.0.2.53 do not answer"), "{msg}");
    assert!(f["evidence"].to_string().contains("usedns yes"), "{f:#}");
    // `why ssh` walks it after the daemon: a warning on the way, not the cause (logins get in).
    let (r, _) = l.m.doctor(&["why", "ssh", "--format", "json", "--no-save"]);
    let step =
        r["diagnosis"]["steps"].as_array().and_then(|s| s.iter().find(|s| s["check"] == "net.ssh.use-dns").cloned());
    assert_eq!(step.map(|s| s["status"].clone()), Some("warn".into()), "{:#}", r["diagnosis"]);

    // UseDNS no: the same login asks no nameserver, and the check is quiet.
    l.sshd.stop();
    l.sshd = Sshd::start(&l.m, &Sshd::config(22, "UseDNS no\n")).expect("sshd");
    let before = l.dns_queries();
    assert!(l.login().status.success());
    assert_eq!(l.dns_queries(), before, "no DNS query during the login");
    let (r, _) = l.m.doctor(&only);
    let c = check(&r, "net.ssh.use-dns");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "{c:#}");
}

/// A pids cgroup made by a test (cgroup v1's pids hierarchy, else v2 with the pids controller
/// enabled), removed on drop once its processes are gone (any left are moved out first).
struct PidsCgroup {
    dir: std::path::PathBuf,
    parent: std::path::PathBuf,
}

impl PidsCgroup {
    fn new(name: &str) -> PidsCgroup {
        let v1 = std::path::PathBuf::from("/sys/fs/cgroup/pids");
        let parent = if v1.join("cgroup.procs").exists() {
            v1
        } else {
            let v2 = std::path::PathBuf::from("/sys/fs/cgroup");
            std::fs::write(v2.join("cgroup.subtree_control"), "+pids").expect("enable the pids controller (cgroup v2)");
            v2
        };
        let dir = parent.join(name);
        std::fs::create_dir(&dir).expect("mkdir the cgroup");
        PidsCgroup { dir, parent }
    }

    /// Mounts the same hierarchy in the machine, where `ip netns exec` gave /sys a fresh sysfs
    /// without the cgroup file systems a real server has.
    fn mount_in(&self, m: &Machine) {
        if self.parent.ends_with("pids") {
            m.sh("mount -t tmpfs cgroup /sys/fs/cgroup && mkdir /sys/fs/cgroup/pids && mount -t cgroup -o pids pids /sys/fs/cgroup/pids");
        } else {
            m.sh("mount -t cgroup2 cgroup2 /sys/fs/cgroup");
        }
    }

    fn add(&self, pid: u32) {
        std::fs::write(self.dir.join("cgroup.procs"), pid.to_string()).expect("move the process into the cgroup");
    }

    fn current(&self) -> u64 {
        std::fs::read_to_string(self.dir.join("pids.current"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .expect("pids.current")
    }

    fn limit(&self, max: &str) {
        std::fs::write(self.dir.join("pids.max"), max).expect("pids.max");
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        for pid in std::fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default().lines() {
            let _ = std::fs::write(self.parent.join("cgroup.procs"), pid);
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// A process limit, for real: sshd runs in a pids cgroup whose pids.max is what it already
/// holds, so it cannot fork for a new connection. The real login fails, ecs-doctor names the
/// cgroup and its limit, and `why ssh` gives it as the cause; with the limit raised the same
/// login works and the check is quiet.
#[test]
fn sshd_in_a_cgroup_at_its_process_limit_refuses_logins_and_is_named() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    // Made before sshd, so that it is removed after sshd is gone.
    let name = format!("ecsd-lab-{}", std::process::id());
    let cg = PidsCgroup::new(&name);
    cg.mount_in(&m);
    let sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    cg.add(sshd.pid().expect("sshd runs"));
    cg.limit(&cg.current().to_string());
    let login = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    assert!(!login.status.success(), "sshd cannot fork at its limit: {}\nsshd: {}", stderr(&login), sshd.log());
    let (r, code) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "sys.limits.processes"]);
    assert_eq!(code, 2, "{r:#}");
    let f = finding_of(&r, "sys.limits.processes");
    assert_eq!(
        (f["subject"].as_str(), f["code"].as_str()),
        (Some(format!("cgroup /{name}").as_str()), Some("NPROC-FULL")),
        "{f:#}"
    );
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(msg.contains("is at its process limit (1 of 1") && msg.contains("pids.max"), "{msg}");
    let (r, _) = m.doctor(&["why", "ssh", "--format", "json", "--no-save"]);
    assert_eq!(r["diagnosis"]["cause"], "sys.limits.processes", "{:#}", r["diagnosis"]);

    cg.limit("max");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success(), "room again: {}", sshd.log());
    let (r, code) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "sys.limits.processes"]);
    assert_eq!((status_of(&r, "sys.limits.processes"), code), ("ok".to_string(), 0), "{r:#}");
}

/// Whether the only alarms of a healthy `why ssh` are this build machine's own disk (the lab's
/// sshd runs on the host's filesystems): every non-ok step must be `disk.usage.space` or
/// `disk.usage.inodes` warning about a mount that `df` independently shows at 84 % or more.
/// Anything else not ok fails the test.
fn host_disk_alarms(r: &serde_json::Value) -> bool {
    let mut any = false;
    for c in r["checks"].as_array().expect("checks") {
        let (id, status) = (c["id"].as_str().unwrap_or(""), c["status"].as_str().unwrap_or(""));
        if matches!(status, "ok" | "skipped") {
            continue;
        }
        let column = match id {
            "disk.usage.space" => "pcent",
            "disk.usage.inodes" => "ipcent",
            _ => panic!("{id} is {status} in the healthy lab: {c:#}"),
        };
        assert_eq!(status, "warn", "the host's disk is not the lab's fault, but crit means it is full: {c:#}");
        for f in c["findings"].as_array().expect("findings") {
            let mount = f["subject"].as_str().expect("a mount point");
            let out =
                std::process::Command::new("df").args([&format!("--output={column}"), mount]).output().expect("df");
            let pct: u32 = String::from_utf8_lossy(&out.stdout)
                .lines()
                .nth(1)
                .and_then(|l| l.trim().trim_end_matches('%').parse().ok())
                .unwrap_or_else(|| panic!("df {mount}: {out:?}"));
            assert!(pct >= 84, "{id} warns about {mount}, which df shows {pct} % used: {f:#}");
            eprintln!("note: this machine's {mount} is {pct} % used ({column}): `why ssh` rightly warns");
            any = true;
        }
    }
    any
}

/// `why ssh` and `why port` on the lab, as a locked-out customer runs them on the server
/// (Cloud Assistant, the VNC console): the JSON is report v1 with the diagnosis, the text leads
/// with the cause and fits the console's 80 columns, the summary line carries the cause.
#[test]
fn why_ssh_and_why_port_name_the_cause_first_in_text_and_json() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let mut sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success());
    let why = |args: &[&str]| {
        let out = m.doctor_cmd(args).output().expect("why");
        (stdout(&out), out.status.code().unwrap_or(-1))
    };
    let steps = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["diagnosis"]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| (s["check"].as_str().unwrap().to_string(), s["status"].as_str().unwrap().to_string()))
            .collect()
    };

    // Healthy: no cause inside the server; what to check outside is listed.
    let (r, code) = m.doctor(&["why", "ssh", "--format", "json", "--no-save", "--user", "root"]);
    let d = &r["diagnosis"];
    assert_eq!((d["symptom"].as_str(), d["subject"].as_str()), (Some("ssh"), Some("root")), "{d:#}");
    assert!(d["cause"].is_null(), "{d:#}");
    assert!(d["outside"][0].as_str().unwrap().contains("security group"), "{d:#}");
    let walked: Vec<String> = steps(&r).into_iter().map(|(id, _)| id).collect();
    let pos = |id: &str| walked.iter().position(|x| x == id).unwrap_or_else(|| panic!("{id} in {walked:?}"));
    assert!(
        pos("net.route.default") < pos("net.firewall.local") && pos("net.firewall.local") < pos("net.ssh.listening")
    );
    assert_eq!(r["checks"].as_array().unwrap().len(), walked.len(), "only the symptom's checks ran");
    let host_disk = host_disk_alarms(&r);
    assert_eq!(code, if host_disk { 1 } else { 0 }, "{r:#}");

    // sshd stopped: the cause is sshd, named with its unit, in JSON, text and the summary line.
    sshd.stop();
    assert!(!sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success());
    let (r, code) = m.doctor(&["why", "ssh", "--format", "json", "--no-save"]);
    assert_eq!((r["diagnosis"]["cause"].as_str(), code), (Some("net.ssh.listening"), 2), "{r:#}");
    assert!(r["diagnosis"].get("outside").is_none(), "nothing outside to check when the cause is inside");
    assert!(steps(&r).contains(&("net.ssh.listening".into(), "crit".into())));
    let (text, code) = why(&["why", "ssh", "--no-save"]);
    assert_eq!(code, 2);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("ecs-doctor why ssh · "), "{text}");
    assert!(lines[1].starts_with("Cause: net.ssh.listening [ssh.service]: nothing listens for SSH"), "{text}");
    assert!(lines.iter().all(|l| l.chars().count() <= 80), "80 columns: {text}");
    assert!(lines.len() <= 25, "one VNC screen: {text}");
    let (line, _) = why(&["why", "ssh", "--no-save", "--format", "summary-json"]);
    assert!(line.len() < 24_000);
    let l: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    assert_eq!((l["symptom"].as_str(), l["cause"]["id"].as_str()), (Some("ssh"), Some("net.ssh.listening")));
    assert!(l["cause"]["message"].as_str().unwrap().contains("sshd is not running"), "{l:#}");

    // Saved like a run: the report in the report directory has the diagnosis.
    let (_, code) = why(&["why", "ssh", "--format", "json"]);
    assert_eq!(code, 2);
    let latest = m.dir.path().join("reports/latest.json");
    let report = valid_report(&std::fs::read_to_string(&latest).expect("the saved report"));
    assert_eq!(report["diagnosis"]["cause"], "net.ssh.listening");

    // why port: a web server on loopback only is the cause, naming the process.
    let _web = m.spawn("python3", &["-m", "http.server", "8080", "--bind", "127.0.0.1"]);
    m.wait_listening(8080);
    assert!(crate::integration::lab_sshd::tcp_connect_from(&lab.client, SERVER_IP, 8080).is_err());
    let (r, code) = m.doctor(&["why", "port", "8080", "--format", "json", "--no-save"]);
    assert_eq!((r["diagnosis"]["cause"].as_str(), code), (Some("net.port.listening"), 2), "{r:#}");
    assert_eq!(r["diagnosis"]["subject"], "tcp/8080");
    let (text, _) = why(&["why", "port", "8080", "--no-save"]);
    let second = text.lines().nth(1).unwrap_or_default();
    assert!(second.starts_with("Cause: net.port.listening [tcp/8080]: python3 (pid "), "{text}");
    // Rejected by the host firewall as well: the firewall comes first in the walk.
    lab.iptables(&lab.server, "-A INPUT -p tcp --dport 8080 -j REJECT");
    let (r, _) = m.doctor(&["why", "port", "8080", "--format", "json", "--no-save"]);
    assert_eq!(r["diagnosis"]["cause"], "net.port.firewall", "{r:#}");
    // Not on a terminal, nothing is asked: without a port it is a usage error.
    let (_, code) = why(&["why", "port", "--no-save"]);
    assert_eq!(code, 64);
}
