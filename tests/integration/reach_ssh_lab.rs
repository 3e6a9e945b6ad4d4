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

fn finding_of<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    let c = check(r, id);
    assert_eq!(c["status"], "crit", "{id}: {c:#}");
    &c["findings"][0]
}

#[test]
fn the_healthy_ssh_lab_logs_in_and_the_ssh_checks_are_quiet() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    let login = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    assert!(login.status.success(), "a real login works: {}", stderr(&login));
    let (r, code) = run_ssh_checks(&m);
    for c in r["checks"].as_array().expect("checks") {
        assert_eq!(c["status"], "ok", "{c:#}");
        assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "no note either: {c:#}");
    }
    assert_eq!(code, 0);
    assert!(check(&r, "net.ssh.listening")["summary"].as_str().unwrap().contains("0.0.0.0:22/tcp"), "{r:#}");
}

#[test]
fn a_stopped_sshd_is_critical_naming_the_unit_and_whether_it_is_enabled() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let mut sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success());
    sshd.stop();
    let login = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    assert!(!login.status.success() && stderr(&login).contains("Connection refused"), "{}", stderr(&login));
    let (r, code) = run_ssh_checks(&m);
    assert_eq!(code, 2, "{r:#}");
    let f = finding_of(&r, "net.ssh.listening");
    assert_eq!(f["subject"], "ssh.service", "{f:#}");
    assert_eq!(f["code"], "SSHD-NOT-RUNNING");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("ssh.service is enabled"), "{msg}");
    // Not enabled: still critical (openssh-server is installed, nothing answers), and says so.
    m.sh("rm /etc/systemd/system/multi-user.target.wants/ssh.service");
    let (r, _) = run_ssh_checks(&m);
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
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let sshd = Sshd::start(&m, &Sshd::config(22, "ListenAddress 127.0.0.1\n")).expect("sshd");
    let login = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    assert!(!login.status.success() && stderr(&login).contains("Connection refused"), "{}", stderr(&login));
    let (r, code) = run_ssh_checks(&m);
    assert_eq!(code, 2);
    let f = finding_of(&r, "net.ssh.listen-address");
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("ssh.service"), Some("SSHD-LOOPBACK-ONLY")));
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
    assert!(!login.status.success() && stderr(&login).contains("Connection refused"), "{}", stderr(&login));
    let (r, code) = run_ssh_checks(&m);
    assert_eq!(code, 2);
    let f = finding_of(&r, "net.ssh.listen-address");
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("ssh.service"), Some("SSHD-ADDRESS-MISSING")));
    assert!(f["message"].as_str().unwrap().contains("listen on 10.88.0.99, which is not an address"), "{f:#}");
    assert_eq!(finding_of(&r, "net.ssh.listening")["code"], "SSHD-NOT-RUNNING");
}

#[test]
fn a_port_changed_in_the_config_but_not_applied_is_critical_with_both_ports() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
    // The customer moves sshd to 2222 and opens that port, but sshd is never restarted.
    m.write("/etc/ssh/sshd_config", &Sshd::config(2222, ""));
    let login = sshd.ssh_port_from(&lab.client, SERVER_IP, 2222, "root");
    assert!(!login.status.success() && stderr(&login).contains("Connection refused"), "{}", stderr(&login));
    let (r, code) = run_ssh_checks(&m);
    assert_eq!(code, 2);
    let f = finding_of(&r, "net.ssh.port");
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("ssh.service"), Some("SSHD-PORT-MISMATCH")));
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("says Port 2222 but the running sshd listens on 22"), "{msg}");
    assert_eq!(status_of(&r, "net.ssh.listening"), "ok", "{r:#}");
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
    assert_eq!(code, 0, "{r:#}");

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
