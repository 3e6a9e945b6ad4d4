//! "My website does not open", for real: the lab of `tests/topology.rs` with a service on the
//! server machine ([`crate::integration::lab_sshd::Machine`]) and a client that really connects
//! over TCP. Each fault (nothing listening, a service on loopback only, the port rejected or
//! dropped by the host firewall in iptables, nftables, IPv4 and IPv6) must make the real
//! connection fail, and ecs-doctor run on the server with `--port` must name the cause with its
//! subject. Root only; run under the lab lock.

use crate::common::*;
use crate::integration::lab_sshd::{Machine, ssh_lab_ok, tcp_connect_from};
use crate::topology::{Lab, MdMode, SERVER_IP};
use std::io::ErrorKind;

const PORT: u16 = 8080;

fn run_port_checks(m: &Machine, ports: &[u16]) -> (serde_json::Value, i32) {
    let mut args = vec!["run", "--format", "json", "--no-save", "--only", "net.port"];
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    for p in &ports {
        args.extend(["--port", p.as_str()]);
    }
    m.doctor(&args)
}

fn http_server(m: &Machine, bind: &str, port: u16) -> crate::topology::Daemon {
    let d = m.spawn("python3", &["-m", "http.server", &port.to_string(), "--bind", bind]);
    m.wait_listening(port);
    d
}

fn crit_finding<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    let c = check(r, id);
    assert_eq!(c["status"], "crit", "{id}: {c:#}");
    &c["findings"][0]
}

#[test]
fn a_service_on_all_addresses_is_reached_and_the_port_checks_are_quiet() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.server, true);
    let _web = http_server(&m, "0.0.0.0", PORT);
    tcp_connect_from(&lab.client, SERVER_IP, PORT).expect("the client reaches the service");
    let (r, code) = run_port_checks(&m, &[PORT]);
    for id in ["net.port.listening", "net.port.firewall"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "ok", "{c:#}");
        assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "{c:#}");
    }
    assert_eq!(code, 0);
    assert!(check(&r, "net.port.firewall")["summary"].as_str().unwrap().contains("tcp/8080"), "{r:#}");

    // Without a named port, the listening check has nothing to judge and says why.
    let (r, _) = run_port_checks(&m, &[]);
    assert_eq!(status_of(&r, "net.port.listening"), "skipped", "{r:#}");
}

#[test]
fn nothing_listening_and_a_service_on_loopback_only_are_critical_naming_the_process() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.server, true);
    let refused = tcp_connect_from(&lab.client, SERVER_IP, PORT).expect_err("nothing listens");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    let (r, code) = run_port_checks(&m, &[PORT]);
    assert_eq!(code, 2);
    let f = crit_finding(&r, "net.port.listening");
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("tcp/8080"), Some("PORT-NOT-LISTENING")));

    let web = http_server(&m, "127.0.0.1", PORT);
    let refused = tcp_connect_from(&lab.client, SERVER_IP, PORT).expect_err("loopback only");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    let (r, _) = run_port_checks(&m, &[PORT]);
    let f = crit_finding(&r, "net.port.listening");
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("tcp/8080"), Some("PORT-LOOPBACK-ONLY")));
    let msg = f["message"].as_str().unwrap();
    let pid = web.0.id();
    assert!(
        msg.starts_with("python3 (pid ") && msg.contains("only on 127.0.0.1:8080/tcp"),
        "{msg} (nsenter pid {pid})"
    );
    // The named port also comes from the config's [access] ports.
    m.write("/etc/ecs-doctor-lab.toml", "[access]\nports = [8080]\n");
    let (r, _) = m.doctor(&[
        "run",
        "--format",
        "json",
        "--no-save",
        "--only",
        "net.port.listening",
        "--config",
        "/etc/ecs-doctor-lab.toml",
    ]);
    assert_eq!(crit_finding(&r, "net.port.listening")["code"], "PORT-LOOPBACK-ONLY");
}

#[test]
fn a_port_rejected_or_dropped_by_iptables_is_critical_with_the_rule() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.server, true);
    let _web = http_server(&m, "0.0.0.0", PORT);
    let _other = http_server(&m, "0.0.0.0", 9090);
    lab.iptables(&lab.server, "-A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset");
    let refused = tcp_connect_from(&lab.client, SERVER_IP, PORT).expect_err("rejected");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    let (r, code) = run_port_checks(&m, &[PORT]);
    assert_eq!(code, 2);
    let f = crit_finding(&r, "net.port.firewall");
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("tcp/8080"), Some("PORT-BLOCKED")));
    assert!(f["message"].as_str().unwrap().contains("new IPv4 connections to tcp/8080"), "{f:#}");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("-A INPUT -p tcp -m tcp --dport 8080 -j REJECT"), "{ev}");
    assert_eq!(status_of(&r, "net.port.listening"), "ok", "it listens: {r:#}");

    // Policy DROP with SSH and loopback admitted: 8080 times out; 9090, which nobody named,
    // is a note.
    lab.iptables(&lab.server, "-F INPUT");
    lab.iptables(&lab.server, "-A INPUT -i lo -j ACCEPT");
    lab.iptables(&lab.server, "-A INPUT -p tcp --dport 22 -j ACCEPT");
    lab.iptables(&lab.server, "-P INPUT DROP");
    let dropped = tcp_connect_from(&lab.client, SERVER_IP, PORT).expect_err("dropped");
    assert_eq!(dropped.kind(), ErrorKind::TimedOut);
    let (r, _) = run_port_checks(&m, &[PORT]);
    let c = check(&r, "net.port.firewall");
    let f = crit_finding(&r, "net.port.firewall");
    assert!(f["message"].as_str().unwrap().contains(":INPUT DROP (no rule accepts tcp/8080)"), "{f:#}");
    let note = c["findings"].as_array().unwrap().iter().find(|f| f["subject"] == "tcp/9090").expect("9090 noted");
    assert_eq!((note["severity"].as_str(), note["code"].as_str()), (Some("info"), Some("PORT-BLOCKED-UNNAMED")));

    // Accepting the port lets the client in and the check is ok again.
    lab.iptables(&lab.server, "-I INPUT -p tcp --dport 8080 -j ACCEPT");
    tcp_connect_from(&lab.client, SERVER_IP, PORT).expect("admitted");
    let (r, _) = run_port_checks(&m, &[PORT]);
    assert_eq!(status_of(&r, "net.port.firewall"), "ok", "{r:#}");
}

#[test]
fn a_port_dropped_by_nftables_is_critical_for_ipv4_and_a_warning_for_ipv6_only() {
    if !ssh_lab_ok() || !require(std::path::Path::new("/usr/sbin/nft").exists(), "this lab needs nft (nftables)") {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    lab.with_ipv6();
    let m = Machine::new(&lab.server, true);
    let _web = http_server(&m, "::", PORT);
    tcp_connect_from(&lab.client, "[fd00:88::2]", PORT).expect("IPv6 works before the fault");
    let nft = |script: &str| {
        let file = m.dir.path().join("rules.nft");
        std::fs::write(&file, script).expect("write rules");
        let out = m.command("nft", &["-f", file.to_str().expect("utf-8")]).output().expect("nft");
        assert!(out.status.success(), "nft -f: {}", String::from_utf8_lossy(&out.stderr));
    };
    // IPv6 only: the ip6 family drops 8080.
    nft(
        "table ip6 lab6 {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 8080 drop\n }\n}\n",
    );
    tcp_connect_from(&lab.client, SERVER_IP, PORT).expect("IPv4 still gets in");
    let dropped = tcp_connect_from(&lab.client, "[fd00:88::2]", PORT).expect_err("IPv6 dropped");
    assert_eq!(dropped.kind(), ErrorKind::TimedOut);
    let (r, code) = run_port_checks(&m, &[PORT]);
    let c = check(&r, "net.port.firewall");
    assert_eq!((c["status"].as_str(), code), (Some("warn"), 1), "{c:#}");
    assert_eq!(c["findings"][0]["code"], "PORT-BLOCKED-IPV6", "{c:#}");
    assert!(c["findings"][0]["message"].as_str().unwrap().contains("tcp dport 8080 drop"), "{c:#}");

    // An inet table with policy drop: IPv4 (and IPv6) clients time out; critical.
    nft(
        "flush ruleset\ntable inet lab {\n chain input {\n  type filter hook input priority 0; policy drop;\n  ct state established,related accept\n  iifname \"lo\" accept\n  tcp dport 22 accept\n }\n}\n",
    );
    let dropped = tcp_connect_from(&lab.client, SERVER_IP, PORT).expect_err("IPv4 dropped");
    assert_eq!(dropped.kind(), ErrorKind::TimedOut);
    let (r, code) = run_port_checks(&m, &[PORT]);
    assert_eq!(code, 2);
    let f = crit_finding(&r, "net.port.firewall");
    assert_eq!((f["subject"].as_str(), f["code"].as_str()), (Some("tcp/8080"), Some("PORT-BLOCKED")));
    assert!(f["message"].as_str().unwrap().contains("table inet lab chain input: policy drop"), "{f:#}");
}
