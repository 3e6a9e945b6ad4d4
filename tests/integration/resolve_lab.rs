//! Name resolution order, /etc/hosts overrides, resolv.conf managers, the systemd-resolved
//! stub and system-wide proxies, injected for real in the network lab (`tests/topology.rs`): dnsmasq answers the lab's
//! names, and the files under test are laid over /etc (and a tmpfs over /run) in the wrapper's
//! private mount namespace, so glibc in that namespace really resolves through them and nothing
//! changes on the machine. Managers are fake daemons (copies of sleep named like them) in a
//! private PID namespace. Proxies point at the lab server's address, where nothing listens (refused)
//! or the router drops the SYN (no answer), or at a listener the test opens there.

use crate::common::*;
use crate::topology::{self, Lab, MdMode, fake_daemons, lab_ok};

const MD: &str = "http://100.100.100.200";

/// A wrapper script: `overlay` files over /etc, then `extra` lines, then the tool.
fn wrap(lab: &Lab, files: &[(&str, &str)], extra: &str) -> String {
    format!("set -e\n{}{extra}exec \"$@\"\n", topology::etc_overlay(lab, files))
}

/// What `getent hosts NAME` says inside the same wrapper: proof the fault is real for glibc.
fn getent(lab: &Lab, script: &str, name: &str) -> (bool, String) {
    let mut cmd = std::process::Command::new("ip");
    cmd.args(["netns", "exec", &lab.client.0, "unshare", "--mount", "--propagation", "private"]);
    cmd.args(["--pid", "--fork", "--mount-proc", "sh", "-c", script, "lab", "getent", "hosts", name]);
    let out = cmd.output().expect("getent");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn an_nsswitch_hosts_line_without_dns_is_critical_with_name_targets() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.dns.nsswitch";
    let target = format!("http://{}/", topology::GOOD_NAME);
    let nss = "passwd: files\ngroup: files\nhosts:          files\nnetworks: files\n";
    let script = wrap(&lab, &[("/etc/nsswitch.conf", nss)], "");
    // The fault is real: glibc no longer asks the lab's DNS for the name.
    assert!(!getent(&lab, &script, topology::GOOD_NAME).0, "the name still resolves");
    let (r, code, _) = lab.doctor(&["--only", id, "--only", "net.reach", "--target", &target], Some(&script));
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("crit"), 2), "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["code"], "NSS-NO-DNS");
    assert_eq!(f["subject"], "/etc/nsswitch.conf");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("hosts:      files dns"), "{msg}");
    assert!(msg.contains(topology::GOOD_NAME), "{msg}");
    assert!(f["evidence"].to_string().contains("/etc/nsswitch.conf:3: hosts:          files"), "{f:#}");
    // The reachability check sees the same failure from the other side.
    assert_eq!(status_of(&r, "net.reach.targets"), "crit", "{r:#}");

    // No name target: a warning. An action that returns before dns: the same.
    let stops = wrap(&lab, &[("/etc/nsswitch.conf", "hosts: files [NOTFOUND=return] dns\n")], "");
    assert!(!getent(&lab, &stops, topology::GOOD_NAME).0);
    let (r, _, _) = lab.doctor(&["--only", id], Some(&stops));
    let c = check(&r, id);
    assert_eq!(c["status"], "warn", "{c:#}");
    assert!(c["findings"][0]["message"].as_str().unwrap().contains("files [NOTFOUND=return]"), "{c:#}");

    // The healthy line: names resolve, nothing to report.
    let good = wrap(&lab, &[("/etc/nsswitch.conf", "hosts: files dns\n")], "");
    let (ok, addr) = getent(&lab, &good, topology::GOOD_NAME);
    assert!(ok && addr.contains(topology::SERVER_IP), "{addr}");
    let (r, _, _) = lab.doctor(&["--only", id, "--target", &target], Some(&good));
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
}

#[test]
fn an_etc_hosts_entry_that_overrides_a_target_or_the_platform_mirror_is_named() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.dns.hosts-override";
    let target = format!("http://{}/", topology::GOOD_NAME);
    let hosts = format!(
        "127.0.0.1 localhost\n10.99.0.9 {}\n10.99.0.7   {}  mirror\n",
        topology::GOOD_NAME,
        topology::MIRROR_NAME
    );
    let script = wrap(&lab, &[("/etc/hosts", &hosts)], "");
    assert!(getent(&lab, &script, topology::GOOD_NAME).1.contains("10.99.0.9"));
    let (r, _, _) = lab.doctor(&["--only", id, "--metadata-url", MD, "--target", &target], Some(&script));
    let c = check(&r, id);
    assert_eq!(c["status"], "warn", "{c:#}");
    let mut subjects = subjects(&r, id);
    subjects.sort();
    assert_eq!(subjects, vec![topology::GOOD_NAME, topology::MIRROR_NAME], "{c:#}");
    let f = topology::finding(&r, id, topology::GOOD_NAME);
    assert_eq!(f["code"], "HOSTS-OVERRIDE");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("10.99.0.9") && msg.contains(topology::SERVER_IP), "{msg}");
    assert!(msg.contains("sed -i '2s/^/# /' /etc/hosts"), "{msg}");
    assert!(f["evidence"].to_string().contains(&format!("/etc/hosts:2: 10.99.0.9 {}", topology::GOOD_NAME)), "{f:#}");
    let m = topology::finding(&r, id, topology::MIRROR_NAME);
    assert!(m["message"].as_str().unwrap().contains("(platform)"), "{m:#}");
    assert_eq!(c["metrics"]["overridden"], 2.0, "{c:#}");

    // Entries that agree with DNS, and names nobody asked about, are fine.
    let agree = format!("10.88.0.2 {}\n10.99.0.1 unrelated.example\n", topology::GOOD_NAME);
    let (r, _, _) = lab.doctor(
        &["--only", id, "--metadata-url", MD, "--target", &target],
        Some(&wrap(&lab, &[("/etc/hosts", &agree)], "")),
    );
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["metrics"]["names_checked"].as_f64().unwrap() >= 3.0, "target, mirror, ntp: {c:#}");
}

#[test]
fn a_stub_resolv_conf_without_systemd_resolved_is_critical() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.dns.resolved-stub";
    lab.resolv_conf("# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\nnameserver 127.0.0.53\noptions edns0 trust-ad\n");
    let (r, code, _) = lab.doctor(&["--only", id], Some(&wrap(&lab, &[], "")));
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("crit"), 2), "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["code"], "RESOLVED-STUB-DEAD");
    assert!(f["message"].as_str().unwrap().contains("systemd-resolved is not running"), "{f:#}");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("/etc/resolv.conf:2: nameserver 127.0.0.53"), "{ev}");
    assert!(ev.contains("no socket listens"), "{ev}");

    // systemd-resolved runs but its stub does not listen (DNSStubListener=no): still critical.
    let dir = lab.dir.path();
    let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap(&lab, &[], &fake_daemons(dir, &["systemd-resolved"]))));
    let c = check(&r, id);
    assert_eq!(c["status"], "crit", "{c:#}");
    assert!(c["findings"][0]["message"].as_str().unwrap().contains("does not listen there"), "{c:#}");

    // A resolver on the stub address (dnsmasq forwarding to the lab's DNS): names resolve, ok.
    let stub = std::process::Command::new("ip")
        .args(["netns", "exec", &lab.client.0, "dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts"])
        .args(["--bind-interfaces", "--listen-address=127.0.0.53", "--port=53", "--user=root", "--group=root"])
        .arg(format!("--server={}", topology::DNS1))
        .arg(format!("--pid-file={}", dir.join("stub.pid").display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dnsmasq on the stub");
    let stub = topology::Daemon(stub);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !std::fs::read_to_string(format!("/proc/{}/net/udp", stub.0.id()))
        .unwrap_or_default()
        .contains("3500007F:0035")
    {
        assert!(std::time::Instant::now() < until, "the stub resolver did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let script = wrap(&lab, &[], &fake_daemons(dir, &["systemd-resolved"]));
    assert!(getent(&lab, &script, topology::GOOD_NAME).0, "the stub does not resolve");
    let (r, _, _) = lab.doctor(&["--only", id, "--only", "net.dns.resolv-conf-manager"], Some(&script));
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
    let m = check(&r, "net.dns.resolv-conf-manager");
    assert_eq!(m["status"], "ok", "{m:#}");
    assert!(m["summary"].as_str().unwrap().contains("systemd-resolved"), "{m:#}");
}

#[test]
fn a_hand_edited_resolv_conf_that_networkmanager_will_overwrite_is_a_warning() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.dns.resolv-conf-manager";
    let dir = lab.dir.path();
    // NetworkManager last wrote DNS1 (its copy in /run); someone put DNS2 in the file by hand.
    lab.resolv_conf(&format!("nameserver {}\n", topology::DNS2));
    let run = format!(
        "mount -t tmpfs lab /run\nmkdir -p /run/NetworkManager\nprintf '# Generated by NetworkManager\\nnameserver {}\\n' > /run/NetworkManager/resolv.conf\n{}",
        topology::DNS1,
        fake_daemons(dir, &["NetworkManager"])
    );
    let nm = "[main]\nplugins=keyfile\n";
    let (r, code, _) =
        lab.doctor(&["--only", id], Some(&wrap(&lab, &[("/etc/NetworkManager/NetworkManager.conf", nm)], &run)));
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("warn"), 1), "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["code"], "RESOLV-REWRITE");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains(&format!("nameservers {}", topology::DNS2)), "{msg}");
    assert!(msg.contains(&format!("replace it with {}", topology::DNS1)), "{msg}");
    assert!(msg.contains("dns=none"), "{msg}");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("process NetworkManager (pid"), "{ev}");
    assert!(ev.contains(&format!("/etc/resolv.conf:1: nameserver {}", topology::DNS2)), "{ev}");

    // dns=none in a drop-in: NetworkManager leaves the file alone.
    let (r, _, _) = lab.doctor(
        &["--only", id],
        Some(&wrap(
            &lab,
            &[
                ("/etc/NetworkManager/NetworkManager.conf", nm),
                ("/etc/NetworkManager/conf.d/90-dns-none.conf", "[main]\ndns=none\n"),
            ],
            &run,
        )),
    );
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("NetworkManager"), "{c:#}");

    // The file NetworkManager wrote itself: nothing to say.
    lab.resolv_conf(&format!("# Generated by NetworkManager\nnameserver {}\n", topology::DNS1));
    let (r, _, _) =
        lab.doctor(&["--only", id], Some(&wrap(&lab, &[("/etc/NetworkManager/NetworkManager.conf", nm)], &run)));
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
}

#[test]
fn a_system_wide_proxy_that_does_not_answer_or_catches_the_metadata_service_is_named() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let server = topology::SERVER_IP;
    // Nothing listens on 3128 (refused); 3129 is dropped by the router (no answer).
    lab.iptables(&lab.router, &format!("-A FORWARD -d {server} -p tcp --dport 3129 -j DROP"));
    let env = format!("LANG=C.UTF-8\nhttp_proxy=\"http://user:secret@{server}:3128/\"\nno_proxy=localhost,127.0.0.1\n");
    let profile = format!("# corporate proxy\nexport https_proxy=http://{server}:3129\n");
    let apt = format!("Acquire::http::Proxy \"http://{server}:3128/\";\n");
    let script = wrap(
        &lab,
        &[("/etc/environment", &env), ("/etc/profile.d/proxy.sh", &profile), ("/etc/apt/apt.conf.d/95proxy", &apt)],
        "",
    );
    let (r, code, _) = lab.doctor(&["--only", "net.proxy", "--metadata-url", MD, "--deadline", "5"], Some(&script));
    assert_eq!(code, 2, "{r:#}");
    let id = "net.proxy.reachable";
    let c = check(&r, id);
    assert_eq!(c["status"], "crit", "{c:#}");
    let f = topology::finding(&r, id, "/etc/environment http_proxy");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("crit"), Some("PROXY-ECONNREFUSED")), "{f:#}");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("http://{server}:3128")) && msg.contains("sed -i '2s/^/# /' /etc/environment"),
        "{msg}"
    );
    assert!(!r.to_string().contains("secret"), "the proxy's password leaked");
    assert!(f["evidence"].to_string().contains("/etc/environment:2: http_proxy="), "{f:#}");
    let f = topology::finding(&r, id, "/etc/profile.d/proxy.sh https_proxy");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("warn"), Some("PROXY-ETIMEDOUT")), "{f:#}");
    let f = topology::finding(&r, id, "/etc/apt/apt.conf.d/95proxy Acquire::http::Proxy");
    assert_eq!(f["severity"], "crit", "{f:#}");

    // The plain-HTTP proxy would carry the metadata service: no_proxy lacks 100.100.100.200.
    let id = "net.proxy.bypass";
    let c = check(&r, id);
    assert_eq!(c["status"], "warn", "{c:#}");
    assert_eq!(subjects(&r, id), vec!["/etc/environment http_proxy"], "{c:#}");
    let msg = c["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("100.100.100.200 (metadata service)"), "{msg}");
    assert!(
        msg.contains("sed -i '3s|no_proxy=.*|no_proxy=\"localhost,127.0.0.1,100.100.100.200\"|' /etc/environment"),
        "{msg}"
    );

    // A proxy that answers, with the metadata address in no_proxy: nothing to report.
    let live = topology::listen_in(&lab.server, server);
    let port = live.local_addr().expect("addr").port();
    let env = format!("http_proxy=http://{server}:{port}\nno_proxy=localhost,100.100.0.0/16\n");
    let (r, code, _) = lab
        .doctor(&["--only", "net.proxy", "--metadata-url", MD], Some(&wrap(&lab, &[("/etc/environment", &env)], "")));
    assert_eq!(code, 0, "{r:#}");
    for id in ["net.proxy.reachable", "net.proxy.bypass"] {
        assert_eq!(status_of(&r, id), "ok", "{r:#}");
    }
    assert!(
        check(&r, "net.proxy.reachable")["summary"].as_str().unwrap().contains(&format!("{server}:{port}")),
        "{r:#}"
    );
}
