//! Network diagnosis in a real lab (see `tests/topology.rs`): ecs-doctor runs in the client
//! namespace against a router, a DNS server (dnsmasq) and a metadata service that live in
//! namespaces the test created. Root only; skipped with the reason otherwise (a failure in CI).
//! Run under `flock /tmp/ecs-doctor-lab.lock` like every lab test.

use crate::common::*;
use crate::topology::{self, Lab, MdMode, NtpMode, SntpServer, TRACKING_OK, fake_daemons, fake_time, lab_ok};

const MD: &str = "http://100.100.100.200";

#[test]
fn metadata_token_mode_fills_host_cloud_and_faults_have_codes() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let only = ["--only", "net.metadata.reachable", "--metadata-url", MD];
    let (r, _, _) = lab.doctor(&only, None);
    let c = check(&r, "net.metadata.reachable");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("token mode"), "{c:#}");
    assert!(c["metrics"]["latency_ms"].as_f64().is_some(), "{c:#}");
    let cloud = &r["host"]["cloud"];
    assert_eq!(cloud["instance_id"], topology::INSTANCE_ID, "{cloud:#}");
    assert_eq!(cloud["region_id"], "cn-lab");
    assert_eq!(cloud["zone_id"], "cn-lab-a");
    assert_eq!(cloud["instance_type"], "ecs.lab.small");
    assert_eq!(cloud["vpc_cidr"], "10.77.0.0/16");
    assert_eq!(cloud["vswitch_cidr"], "10.77.1.0/24");
    assert_eq!(cloud["private_ipv4"], topology::CLIENT_IP);
    for service in ["dns_nameservers", "source_address", "ntp_servers"] {
        assert!(cloud.get(service).is_none(), "{service} is not part of the identity: {cloud:#}");
    }
    let reqs = lab.metadata.requests();
    assert_eq!(reqs[0], "PUT /latest/api/token", "token first: {reqs:?}");
    assert!(reqs[1..].iter().all(|r| r.ends_with(" token")), "every GET carries the token: {reqs:?}");
    assert!(!reqs.iter().any(|r| r.contains("xff")), "{reqs:?}");
    assert!(!r.to_string().contains("lab-token-6b1d"), "the token must not reach the report");

    // Plain mode (no token endpoint): still ok, in plain mode.
    lab.metadata.set(MdMode::Plain);
    let (r, _, _) = lab.doctor(&only, None);
    let c = check(&r, "net.metadata.reachable");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("plain mode"), "{c:#}");
    assert_eq!(r["host"]["cloud"]["instance_id"], topology::INSTANCE_ID);

    // Faults: (mode, status, code, text in the message).
    for (mode, status, code, text) in [
        (MdMode::RejectToken, "warn", "HTTP-401", "rejected its own session token"),
        (MdMode::Forbidden, "warn", "HTTP-403", "X-Forwarded-For"),
        (MdMode::Slow(3000), "crit", "ETIMEDOUT", "no answer within 1.0 s"),
        (MdMode::Html, "warn", "EPROTO", "HTML page"),
        (MdMode::Huge, "warn", "EPROTO", "more than 64 KiB"),
    ] {
        lab.metadata.set(mode);
        let (r, _, took) = lab.doctor(&only, None);
        let c = check(&r, "net.metadata.reachable");
        assert_eq!(c["status"], status, "{mode:?}: {c:#}");
        assert_eq!(c["findings"][0]["code"], code, "{mode:?}: {c:#}");
        assert_eq!(c["findings"][0]["subject"], MD, "{mode:?}");
        assert!(c["findings"][0]["message"].as_str().unwrap().contains(text), "{mode:?}: {c:#}");
        assert!(r["host"]["cloud"].get("instance_id").is_none(), "{mode:?}: no identity on failure");
        assert!(took.as_secs_f64() < 8.0, "{mode:?} took {took:?}");
    }

    // Nothing listens: refused. Nothing answers at all (the router drops it): timeout.
    lab.metadata.set(MdMode::Token);
    let (r, _, _) =
        lab.doctor(&["--only", "net.metadata.reachable", "--metadata-url", "http://100.100.100.200:81"], None);
    assert_eq!(check(&r, "net.metadata.reachable")["findings"][0]["code"], "ECONNREFUSED", "{r:#}");
    lab.iptables(&lab.router, "-A FORWARD -d 100.100.100.200 -j DROP");
    let (r, code, _) = lab.doctor(&only, None);
    let c = check(&r, "net.metadata.reachable");
    assert_eq!((c["status"].as_str(), code), (Some("crit"), 2), "{c:#}");
    assert_eq!(c["findings"][0]["code"], "ETIMEDOUT");
}

#[test]
fn metadata_is_skipped_off_cloud_and_under_root_unless_named() {
    // No lab needed: nothing is asked. DMI of the fixture root says nothing about a cloud.
    let root = fixture_root("healthy");
    let Some((r, _)) = run_json(&root, &["--only", "net.metadata.reachable"]) else { return };
    let c = check(&r, "net.metadata.reachable");
    assert_eq!(c["status"], "skipped", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("--root"), "{c:#}");
    assert!(r["host"]["cloud"].get("instance_id").is_none());
    // Named but not http://IP: a usage error.
    let out =
        doctor(&["run", "--no-save", "--only", "net.metadata.reachable", "--metadata-url", "https://example.com/"])
            .expect("run");
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("--metadata-url"), "{}", stderr(&out));
}

fn dns_config(lab: &Lab, name: &str) -> String {
    lab.config(&format!("[net]\ndns_name = \"{name}\"\n")).to_str().expect("utf-8").to_string()
}

#[test]
fn each_nameserver_is_asked_and_dead_ones_are_named_with_a_code() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.dns.resolver-reachable";
    let good = dns_config(&lab, topology::GOOD_NAME);
    let (r, _, _) = lab.doctor(&["--only", id, "--config", &good], None);
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["metrics"][format!("latency_ms[{}]", topology::DNS1)].as_f64().is_some(), "{c:#}");
    assert!(c["metrics"][format!("latency_ms[{}]", topology::DNS2)].as_f64().is_some(), "{c:#}");

    // Wrong answers from both: the code says which, and with nothing working it is critical.
    for (name, code) in
        [(topology::UNKNOWN_NAME, "REFUSED"), (topology::NX_NAME, "NXDOMAIN"), (topology::V6_ONLY_NAME, "NODATA")]
    {
        let cfg = dns_config(&lab, name);
        let (r, _, _) = lab.doctor(&["--only", id, "--config", &cfg], None);
        let c = check(&r, id);
        assert_eq!(c["status"], "crit", "{name}: {c:#}");
        assert_eq!(subjects(&r, id), vec![topology::DNS1, topology::DNS2], "{name}");
        assert!(c["findings"].as_array().unwrap().iter().all(|f| f["code"] == code), "{name}: {c:#}");
    }

    // One of two black-holed in the router: a warning naming it, with a timeout code.
    lab.iptables(&lab.router, &format!("-A FORWARD -d {} -p udp --dport 53 -j DROP", topology::DNS2));
    let (r, code, _) = lab.doctor(&["--only", id, "--config", &good], None);
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("warn"), 1), "{c:#}");
    assert_eq!(subjects(&r, id), vec![topology::DNS2]);
    assert_eq!(c["findings"][0]["code"], "ETIMEDOUT");
    assert!(c["metrics"][format!("latency_ms[{}]", topology::DNS1)].as_f64().is_some(), "{c:#}");

    // Both black-holed: critical, and the run ends by its deadline.
    lab.iptables(&lab.router, &format!("-A FORWARD -d {} -p udp --dport 53 -j DROP", topology::DNS1));
    let (r, code, took) = lab.doctor(&["--only", "net", "--config", &good, "--deadline", "3"], None);
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("crit"), 2), "{c:#}");
    assert_eq!(subjects(&r, id), vec![topology::DNS1, topology::DNS2]);
    assert!(took.as_secs_f64() < 4.5, "--deadline 3 but the run took {took:?}");
    // A deadline shorter than the DNS timeout: the run still ends on time.
    let (r, _, took) = lab.doctor(&["--only", id, "--config", &good, "--deadline", "0.5"], None);
    assert!(took.as_secs_f64() < 2.0, "--deadline 0.5 but the run took {took:?}");
    assert!(matches!(status_of(&r, id).as_str(), "error" | "crit"), "{r:#}");
}

#[test]
fn resolvers_other_than_the_platform_ones_are_a_warning_when_metadata_names_them() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.dns.resolv-conf";
    let (r, _, _) = lab.doctor(&["--only", id, "--metadata-url", MD], None);
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
    lab.resolv_conf(&format!("nameserver {}\nnameserver 10.88.0.2\n", topology::DNS1));
    let (r, _, _) = lab.doctor(&["--only", id, "--metadata-url", MD], None);
    let c = check(&r, id);
    assert_eq!(c["status"], "warn", "{c:#}");
    assert_eq!(c["findings"][0]["code"], "DNS-NOT-PLATFORM");
    let ev = c["findings"][0]["evidence"].to_string();
    assert!(ev.contains("/etc/resolv.conf:2: nameserver 10.88.0.2"), "{ev}");
    assert!(ev.contains("dns-conf/nameservers: 100.100.2.136, 100.100.2.138"), "{ev}");
    // Without a metadata service to ask, nothing is compared.
    let (r, _, _) = lab.doctor(&["--only", id], None);
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
}

#[test]
fn routes_that_take_the_vpc_the_subnet_or_the_platform_services_away_are_found() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.route.conflicts";
    let args = ["--only", id, "--metadata-url", MD];
    let (r, _, _) = lab.doctor(&args, None);
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("VPC 10.77.0.0/16, vSwitch 10.77.1.0/24)"), "{c:#}");

    // A bridge-like interface in the client (a veth pair: the kernel here has no bridge module
    // to spare) with the routes a docker or VPN setup adds.
    lab.client.ip("link add br-lab type veth peer name br-lab-p");
    lab.client.ip("link set br-lab up");
    lab.client.ip("link set br-lab-p up");
    lab.client.ip("route add 10.77.0.0/16 dev br-lab");
    lab.client.ip("route add 10.77.1.128/25 dev br-lab");
    let (r, code, _) = lab.doctor(&args, None);
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("crit"), 2), "{c:#}");
    let f = c["findings"].as_array().unwrap().clone();
    let find = |subject: &str| {
        f.iter().find(|x| x["subject"] == subject).cloned().unwrap_or_else(|| panic!("{subject}: {f:#?}"))
    };
    assert_eq!(find("10.77.1.128/25 dev br-lab")["code"], "ROUTE-VSWITCH");
    assert_eq!(find("10.77.1.128/25 dev br-lab")["severity"], "crit");
    assert!(find("10.77.1.128/25 dev br-lab")["evidence"].to_string().contains("vswitch-cidr-block: 10.77.1.0/24"));
    assert_eq!(find("10.77.0.0/16 dev br-lab")["code"], "ROUTE-VPC");
    assert_eq!(find("10.77.0.0/16 dev br-lab")["severity"], "warn");
    assert_eq!(f.len(), 2, "{f:#?}");

    // The platform's addresses sent into the bridge: the metadata service and DNS are cut off.
    lab.client.ip("route add 100.100.0.0/16 dev br-lab");
    let (r, _, _) = lab.doctor(&args, None);
    let c = check(&r, id);
    let f = c["findings"].as_array().unwrap().clone();
    let find = |subject: &str| {
        f.iter().find(|x| x["subject"] == subject).cloned().unwrap_or_else(|| panic!("{subject}: {f:#?}"))
    };
    let md = find(topology::METADATA_IP);
    assert_eq!((md["code"].as_str(), md["severity"].as_str()), (Some("ROUTE-AWAY"), Some("crit")));
    assert!(md["evidence"].to_string().contains("100.100.0.0/16 dev br-lab"), "{md:#}");
    assert!(md["evidence"].to_string().contains("default via 10.77.1.1 dev c0 (the primary interface)"), "{md:#}");
    assert_eq!(find(topology::DNS1)["code"], "ROUTE-AWAY");
    assert_eq!(find(topology::DNS2)["code"], "ROUTE-AWAY");
    // The metadata service itself is now unreachable too: the check that asks it says so.
    let (r, _, _) = lab.doctor(&["--only", "net.metadata.reachable", "--metadata-url", MD], None);
    assert_eq!(status_of(&r, "net.metadata.reachable"), "crit", "{r:#}");

    // Without metadata only the generic overlap is judged: the /25 inside c0's connected /24.
    let (r, _, _) = lab.doctor(&["--only", id], None);
    let c = check(&r, id);
    assert_eq!(c["status"], "warn", "{c:#}");
    assert_eq!(subjects(&r, id), vec!["10.77.1.128/25 dev br-lab"]);
    assert_eq!(c["findings"][0]["code"], "ROUTE-OVERLAP");
}

/// A wrapper script (see `Lab::doctor`) that starts a real sshd on port 2222 in the client
/// namespace (private /run, its own host key), waits until it listens, then runs ecs-doctor.
fn with_sshd(dir: &std::path::Path) -> String {
    let key = dir.join("hostkey");
    if !key.exists() {
        let ok = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ssh-keygen");
    }
    let cfg = dir.join("sshd_config");
    write(&cfg, &format!("Port 2222\nListenAddress 0.0.0.0\nHostKey {}\nPidFile none\nUsePAM no\n", key.display()));
    format!(
        "set -e\nmount -t tmpfs -o size=1m tmpfs /run\nmkdir -m 755 /run/sshd\n/usr/sbin/sshd -f {}\n\
         i=0; while ! grep -q ':08AE 00000000:0000 0A' /proc/net/tcp; do i=$((i+1)); [ $i -gt 100 ] && exit 90; sleep 0.05; done\n\
         exec \"$@\"\n",
        cfg.display()
    )
}

#[test]
fn a_firewall_that_drops_the_port_sshd_listens_on_is_critical() {
    if !lab_ok()
        || !require(std::path::Path::new("/usr/sbin/sshd").exists(), "the firewall lab needs sshd (openssh-server)")
    {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.firewall.local";
    let wrap = with_sshd(lab.dir.path());
    let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap));
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");

    // A rule dropping the port: critical, with the rule as evidence.
    lab.iptables(&lab.client, "-A INPUT -p tcp --dport 2222 -j DROP");
    let (r, code, _) = lab.doctor(&["--only", id], Some(&wrap));
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("crit"), 2), "{c:#}");
    assert_eq!(subjects(&r, id), vec!["tcp/2222"]);
    assert_eq!(c["findings"][0]["code"], "SSH-BLOCKED");
    let ev = c["findings"][0]["evidence"].to_string();
    assert!(ev.contains("-A INPUT -p tcp -m tcp --dport 2222 -j DROP"), "{ev}");
    assert!(ev.contains("sshd listens on 0.0.0.0:2222"), "{ev}");

    // A rule for another port, or one limited to some sources: not a lock-out.
    lab.iptables(&lab.client, "-F INPUT");
    lab.iptables(&lab.client, "-A INPUT -s 203.0.113.0/24 -p tcp --dport 2222 -j DROP");
    lab.iptables(&lab.client, "-A INPUT -p tcp --dport 22 -j DROP");
    let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap));
    assert_eq!(status_of(&r, id), "ok", "{r:#}");

    // Policy DROP with only loopback accepted: critical; accepting the port makes it ok.
    lab.iptables(&lab.client, "-F INPUT");
    lab.iptables(&lab.client, "-A INPUT -i lo -j ACCEPT");
    lab.iptables(&lab.client, "-P INPUT DROP");
    let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap));
    let c = check(&r, id);
    assert_eq!(c["status"], "crit", "{c:#}");
    assert!(c["findings"][0]["message"].as_str().unwrap().contains("policy is DROP"), "{c:#}");
    lab.iptables(&lab.client, "-A INPUT -p tcp --dport 2222 -j ACCEPT");
    let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap));
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
}

/// Runs ecs-doctor live in fresh network and PID namespaces after `script` (sh) has prepared
/// them; returns the validated report.
fn in_pid_ns(script: &str, args: &[&str]) -> serde_json::Value {
    let mut full = format!("set -e\n{script}\nexec {BIN} run --format json --no-save");
    for a in args {
        full.push_str(&format!(" '{a}'"));
    }
    let out = std::process::Command::new("unshare")
        .args(["--net", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "sh", "-c", &full])
        .env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .output()
        .expect("unshare");
    valid_report(&stdout(&out))
}

#[test]
fn time_daemons_and_the_chrony_offset_are_judged() {
    if !require(is_root(), "the time-sync lab needs root (PID namespace with fake daemons)") {
        return;
    }
    let id = "net.time.sync";
    let dir = tempfile::tempdir().expect("tempdir");
    let offset = |s: f64, leap: &str| {
        format!(
            "Reference ID    : 64640064 (100.100.0.100)\nSystem time     : {s} seconds fast of NTP time\nLeap status     : {leap}\n"
        )
    };
    let r = in_pid_ns(&fake_time(dir.path(), &["chronyd"], TRACKING_OK), &["--only", id]);
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["metrics"]["offset_s"].as_f64().unwrap() < 0.001, "{c:#}");
    for (tracking, status, code) in [
        (offset(5.25, "Normal"), "warn", "CLOCK-OFFSET"),
        (offset(120.0, "Normal"), "crit", "CLOCK-OFFSET"),
        (offset(0.1, "Not synchronised"), "warn", "NOT-SYNCED"),
    ] {
        let r = in_pid_ns(&fake_time(dir.path(), &["chronyd"], &tracking), &["--only", id]);
        let c = check(&r, id);
        assert_eq!((c["status"].as_str(), c["findings"][0]["code"].as_str()), (Some(status), Some(code)), "{c:#}");
        assert!(c["findings"][0]["evidence"].to_string().contains("chronyc tracking: System time"), "{c:#}");
    }
    let r = in_pid_ns(&fake_time(dir.path(), &[], TRACKING_OK), &["--only", id]);
    assert_eq!(check(&r, id)["findings"][0]["code"], "NO-NTP", "{r:#}");
    let r = in_pid_ns(&fake_time(dir.path(), &["chronyd", "ntpd"], TRACKING_OK), &["--only", id]);
    let c = check(&r, id);
    assert_eq!(
        (c["status"].as_str(), c["findings"][0]["code"].as_str()),
        (Some("warn"), Some("NTP-CONFLICT")),
        "{c:#}"
    );
}

#[test]
fn the_healthy_lab_has_no_warning_or_critical_in_the_whole_net_domain() {
    if !topology::web_lab_ok()
        || !require(std::path::Path::new("/usr/sbin/sshd").exists(), "the healthy lab runs sshd (openssh-server)")
    {
        return;
    }
    let lab = Lab::new(MdMode::Token).with_web();
    // Default settings (no config), the metadata service named, one target at the lab server.
    let wrap = format!("{}{}", fake_time(lab.dir.path(), &["chronyd"], TRACKING_OK), with_sshd(lab.dir.path()));
    let url = format!("http://{}/", topology::SERVER_IP);
    // The service port the checks of named ports judge: sshd's 2222.
    let (r, code, _) =
        lab.doctor(&["--only", "net", "--metadata-url", MD, "--target", &url, "--port", "2222"], Some(&wrap));
    let checks = r["checks"].as_array().expect("checks");
    let catalog = ecs_doctor::catalog::Catalog::load(&[]).expect("built-in catalog");
    let net = catalog.checks.iter().filter(|c| c.id.starts_with("net.")).count();
    assert_eq!(checks.len(), net, "every net check ran: {r:#}");
    for c in checks {
        let (id, status) = (c["id"].as_str().unwrap(), c["status"].as_str().unwrap());
        // conntrack is skipped when the module is not loaded on this kernel; the security group
        // when the instance has no RAM role (the lab's metadata service gives none).
        let fine = status == "ok"
            || (id == "net.conntrack.usage" && status == "skipped")
            || (id == "net.security-group.inbound" && status == "skipped");
        assert!(fine, "{id} is {status}: {c:#}");
    }
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["host"]["cloud"]["instance_id"], topology::INSTANCE_ID);
    // The default name the resolvers must resolve on Alibaba Cloud is the package mirror.
    let dns = check(&r, "net.dns.resolver-reachable");
    assert!(dns["summary"].as_str().unwrap().contains(topology::MIRROR_NAME), "{dns:#}");
    assert_eq!(check(&r, "net.time.sync")["metrics"]["offset_s"].as_f64().map(|o| o < 0.001), Some(true));
}

#[test]
fn black_holed_dns_dropped_syns_and_silent_metadata_together_end_by_the_deadline() {
    if !topology::web_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token).with_web();
    for rule in [
        format!("-A FORWARD -d {} -p udp --dport 53 -j DROP", topology::DNS1),
        format!("-A FORWARD -d {} -p udp --dport 53 -j DROP", topology::DNS2),
        format!("-A FORWARD -d {} -p tcp --syn -j DROP", topology::SERVER_IP),
        format!("-A FORWARD -d {} -j DROP", topology::METADATA_IP),
    ] {
        lab.iptables(&lab.router, &rule);
    }
    let url = format!("http://{}/", topology::SERVER_IP);
    let name_target = format!("{}:443", topology::MIRROR_NAME);
    for deadline in ["3", "1.5"] {
        let args =
            ["--only", "net", "--metadata-url", MD, "--target", &url, "--target", &name_target, "--deadline", deadline];
        let (r, code, took) = lab.doctor(&args, None);
        let limit: f64 = deadline.parse().unwrap();
        let ran_ms = r["run"]["duration_ms"].as_f64().expect("duration_ms");
        assert!(ran_ms <= limit * 1000.0 + 100.0, "--deadline {deadline}: the run took {ran_ms} ms");
        assert!(took.as_secs_f64() < limit + 1.0, "--deadline {deadline}: the process took {took:?}");
        assert_eq!(code, 2, "{r:#}");
        let dns = check(&r, "net.dns.resolver-reachable");
        assert!(matches!(dns["status"].as_str(), Some("crit" | "error")), "{dns:#}");
        let md = check(&r, "net.metadata.reachable");
        assert!(matches!(md["status"].as_str(), Some("crit" | "error")), "{md:#}");
        let reach = check(&r, "net.reach.targets");
        assert!(matches!(reach["status"].as_str(), Some("crit" | "error")), "{reach:#}");
        if reach["status"] == "crit" {
            assert_eq!(topology::finding(&r, "net.reach.targets", &url)["code"], "ETIMEDOUT", "{reach:#}");
        }
    }
}

#[test]
fn bad_network_states_give_findings_never_a_panic_or_hang() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let all = ["--only", "net", "--metadata-url", MD, "--deadline", "8"];
    let no_panic = |r: &serde_json::Value| {
        let text = r.to_string();
        assert!(!text.contains("internal error") && !text.contains("panicked"), "{r:#}");
    };

    // Garbage, then empty, resolv.conf: the file is flagged, the resolvers are not asked.
    for text in ["\u{0}\u{1}garbage\nnameserver\nnameserver 999.1.1.1\noptions timeout:x\n", ""] {
        lab.resolv_conf(text);
        let (r, _, _) = lab.doctor(&["--only", "net.dns"], None);
        no_panic(&r);
        assert_eq!(status_of(&r, "net.dns.resolv-conf"), "crit", "{r:#}");
        assert_eq!(status_of(&r, "net.dns.resolver-reachable"), "skipped", "{r:#}");
    }
    lab.resolv_conf(&format!("nameserver {}\n", topology::DNS1));

    // An interface with an unusual name: every check still reports, naming it as it is.
    lab.client.ip("link set c0 down");
    lab.client.ip("link set c0 name ex.ť0-1");
    lab.client.ip("link set ex.ť0-1 up");
    lab.client.ip("route add default via 10.77.1.1");
    let (r, _, took) = lab.doctor(&all, None);
    no_panic(&r);
    assert!(took.as_secs_f64() < 10.0, "{took:?}");
    assert_eq!(status_of(&r, "net.metadata.reachable"), "ok", "{r:#}");
    assert_eq!(status_of(&r, "net.route.default"), "ok", "{r:#}");
    assert!(check(&r, "net.link.state")["summary"].as_str().is_some());

    // DHCP failed: only a 169.254 address and no default route.
    lab.client.ip("addr flush dev ex.ť0-1");
    lab.client.ip("addr add 169.254.20.7/16 dev ex.ť0-1");
    let (r, code, took) = lab.doctor(&all, None);
    no_panic(&r);
    assert_eq!(code, 2);
    assert!(took.as_secs_f64() < 10.0, "{took:?}");
    assert_eq!(status_of(&r, "net.addr.assigned"), "crit", "{r:#}");
    assert_eq!(subjects(&r, "net.addr.assigned"), vec!["ex.ť0-1"]);
    assert_eq!(status_of(&r, "net.route.default"), "crit", "{r:#}");
    assert_eq!(status_of(&r, "net.metadata.reachable"), "crit", "{r:#}");
    assert_eq!(check(&r, "net.metadata.reachable")["findings"][0]["code"], "ENETUNREACH");
    assert_eq!(status_of(&r, "net.dns.resolver-reachable"), "crit", "{r:#}");

    // IPv6 only: not flagged as having no address; IPv4 services are unreachable, said so.
    lab.client.ip("addr flush dev ex.ť0-1");
    lab.client.ip("addr add fd00:77::2/64 dev ex.ť0-1 nodad");
    lab.client.ip("-6 route add default via fd00:77::1 dev ex.ť0-1");
    lab.resolv_conf("nameserver fd00:77::1\n");
    let (r, _, took) = lab.doctor(&all, None);
    no_panic(&r);
    assert!(took.as_secs_f64() < 10.0, "{took:?}");
    assert_eq!(status_of(&r, "net.addr.assigned"), "ok", "{r:#}");
    assert_eq!(status_of(&r, "net.route.default"), "ok", "{r:#}");
    assert_eq!(status_of(&r, "net.dns.resolver-reachable"), "crit", "{r:#}");
    assert_eq!(subjects(&r, "net.dns.resolver-reachable"), vec!["fd00:77::1"]);
    assert_eq!(status_of(&r, "net.metadata.reachable"), "crit", "{r:#}");
}

#[test]
fn without_chronyc_the_offset_comes_from_an_sntp_query_to_the_configured_servers() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let ntp = SntpServer::start(&lab, NtpMode::Offset(0.0));
    let id = "net.time.sync";
    let dir = lab.dir.path();
    // ntpd runs (a fake: no chronyc is consulted for it) and names the platform's time service,
    // which the lab's DNS resolves to the lab's SNTP server.
    let ntp_conf =
        format!("driftfile /var/lib/ntp/ntp.drift\nserver 127.127.1.0\nserver {} iburst\n", topology::NTP_NAME);
    let wrap = format!(
        "set -e\n{}{}exec \"$@\"\n",
        topology::etc_overlay(&lab, &[("/etc/ntp.conf", &ntp_conf)]),
        fake_daemons(dir, &["ntpd"])
    );
    let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap));
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["metrics"]["offset_s"].as_f64().is_some_and(|o| o < 0.5), "{c:#}");
    assert!(ntp.requests.load(std::sync::atomic::Ordering::SeqCst) >= 1);

    for (offset, status) in [(5.0, "warn"), (-120.0, "crit")] {
        ntp.set(NtpMode::Offset(offset));
        let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap));
        let c = check(&r, id);
        let f = &c["findings"][0];
        assert_eq!((c["status"].as_str(), f["code"].as_str()), (Some(status), Some("CLOCK-OFFSET")), "{c:#}");
        let off = c["metrics"]["offset_s"].as_f64().unwrap();
        assert!((off - offset.abs()).abs() < 0.5, "{c:#}");
        assert!(f["message"].as_str().unwrap().contains("(from sntp)"), "{f:#}");
        let ev = f["evidence"].to_string();
        assert!(ev.contains("/etc/ntp.conf:3: server ntp.cloud.aliyuncs.com iburst"), "{ev}");
        assert!(ev.contains(&format!("SNTP ntp.cloud.aliyuncs.com ({}:123)", topology::SERVER_IP)), "{ev}");
    }

    // The server does not answer: the clock cannot be kept, said so within the 1 s timeout.
    ntp.set(NtpMode::Silent);
    let (r, _, took) = lab.doctor(&["--only", id], Some(&wrap));
    let c = check(&r, id);
    assert_eq!(
        (c["status"].as_str(), c["findings"][0]["code"].as_str()),
        (Some("warn"), Some("NTP-UNREACHABLE")),
        "{c:#}"
    );
    assert!(c["findings"][0]["evidence"].to_string().contains("ETIMEDOUT"), "{c:#}");
    assert!(took.as_secs_f64() < 4.0, "{took:?}");

    // systemd-timesyncd with its servers in a drop-in, by address; no daemon at all reads every
    // daemon's files (the offset is still told beside NO-NTP).
    ntp.set(NtpMode::Offset(7.0));
    let drop_in = format!("[Time]\nNTP={}\n", topology::SERVER_IP);
    let overlay = topology::etc_overlay(
        &lab,
        &[("/etc/systemd/timesyncd.conf", "[Time]\n#NTP=\n"), ("/etc/systemd/timesyncd.conf.d/lab.conf", &drop_in)],
    );
    for (daemons, first_code) in [(&["systemd-timesyncd"][..], "CLOCK-OFFSET"), (&[][..], "NO-NTP")] {
        let wrap = format!("set -e\n{overlay}{}exec \"$@\"\n", fake_daemons(dir, daemons));
        let (r, _, _) = lab.doctor(&["--only", id], Some(&wrap));
        let c = check(&r, id);
        assert_eq!(
            (c["status"].as_str(), c["findings"][0]["code"].as_str()),
            (Some("warn"), Some(first_code)),
            "{c:#}"
        );
        assert!((c["metrics"]["offset_s"].as_f64().unwrap() - 7.0).abs() < 0.5, "{c:#}");
    }
}

#[test]
fn a_second_nic_in_the_same_subnet_without_its_own_routes_is_asymmetric_routing() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let id = "net.addr.assigned";
    // A second NIC (a veth whose peer stays in the client) with an address in c0's subnet: the
    // kernel adds its connected route after c0's, so the main table keeps using c0.
    lab.client.ip("link add eth1 type veth peer name eth1-p");
    lab.client.ip("link set eth1-p up");
    lab.client.ip("addr add 10.77.1.3/24 dev eth1");
    lab.client.ip("link set eth1 up");
    let (r, code, _) = lab.doctor(&["--only", id], None);
    let c = check(&r, id);
    assert_eq!((c["status"].as_str(), code), (Some("warn"), 1), "{c:#}");
    assert_eq!(subjects(&r, id), vec!["eth1"], "c0 carries the subnet's route: {c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["code"], "ASYMMETRIC-ROUTING");
    assert!(f["message"].as_str().unwrap().contains("shares its subnet with c0"), "{f:#}");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("10.77.1.0/24 dev c0"), "{ev}");
    assert!(ev.contains("no rule sends traffic from 10.77.1.3"), "{ev}");

    // Its own table and a rule for its address: ok, with the rule as the reason.
    lab.client.ip("route add default via 10.77.1.1 dev eth1 table 1001");
    lab.client.ip("rule add from 10.77.1.3 lookup 1001");
    let (r, _, _) = lab.doctor(&["--only", id], None);
    assert_eq!(status_of(&r, id), "ok", "{r:#}");

    // A rule for another address does not count.
    lab.client.ip("rule del from 10.77.1.3 lookup 1001");
    lab.client.ip("rule add from 10.77.1.99 lookup 1001");
    let (r, _, _) = lab.doctor(&["--only", id], None);
    assert_eq!(status_of(&r, id), "warn", "{r:#}");
}
