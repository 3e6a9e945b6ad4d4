//! Each real check against a passing and a failing fixture root, through the binary with --root.
//! Disk checks need real filesystems: see `lab`.

use crate::common::*;

const LOCAL: &[&str] = &["--only", "net", "--only", "sec", "--only", "sys"];

#[test]
fn healthy_root_has_no_warn_or_crit() {
    let Some((r, code)) = run_json(&fixture_root("healthy"), LOCAL) else { return };
    for c in r["checks"].as_array().expect("checks") {
        // Skipped (nothing to examine in this root) is fine; a warning or an error is not.
        assert!(c["status"] == "ok" || c["status"] == "skipped", "{c:#}");
    }
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["status"], "ok");
    assert_eq!(r["summary"]["score"], 100.0);
    assert_eq!(r["host"]["hostname"], "web-1");
    assert_eq!(r["host"]["os"]["id"], "debian");
    assert_eq!(r["host"]["cloud"]["provider"], "alibaba");
    assert_eq!(check(&r, "net.dns.resolv-conf")["metrics"]["effective_nameserver_count"], 2.0);
    assert_eq!(check(&r, "sys.cpu.load")["metrics"]["cpus"], 2.0);
}

#[test]
fn broken_root_is_critical_with_subjects_and_evidence() {
    let Some((r, code)) = run_json(&fixture_root("broken"), LOCAL) else { return };
    assert_eq!(code, 2);
    assert_eq!(r["summary"]["status"], "crit");
    assert_eq!(status_of(&r, "net.dns.resolv-conf"), "crit");
    assert_eq!(subjects(&r, "net.dns.resolv-conf")[0], "/etc/resolv.conf");
    let dns = check(&r, "net.dns.resolv-conf");
    let evidence = dns["findings"].to_string();
    assert!(evidence.contains("/etc/resolv.conf:2: nameservr 100.100.2.136"), "{dns:#}");
    assert!(dns["remediation"].as_str().is_some_and(|s| s.contains("100.100.2.136")));

    assert_eq!(status_of(&r, "net.route.default"), "crit");
    assert_eq!(check(&r, "net.route.default")["findings"][0]["code"], "ENETUNREACH");

    assert_eq!(status_of(&r, "sec.accounts.uid0"), "crit");
    assert_eq!(subjects(&r, "sec.accounts.uid0"), vec!["toor"]);
    assert!(
        check(&r, "sec.accounts.uid0")["findings"][0]["evidence"][0]
            .as_str()
            .is_some_and(|e| e.starts_with("/etc/passwd:3: toor:x:0:0"))
    );

    assert_eq!(status_of(&r, "sys.memory.available"), "crit");
    assert_eq!(check(&r, "sys.memory.available")["metrics"]["available_percent"], 2.5);
    assert_eq!(status_of(&r, "sys.cpu.load"), "crit");
    assert_eq!(subjects(&r, "sys.cpu.load"), vec!["CPU load"]);

    // eth0 is up without carrier; eth1 (not primary) is switched off, which is not an alarm.
    assert_eq!(status_of(&r, "net.link.state"), "crit");
    assert_eq!(subjects(&r, "net.link.state"), vec!["eth0"]);
    assert_eq!(check(&r, "net.link.state")["findings"][0]["code"], "NO-CARRIER");
    assert_eq!(status_of(&r, "net.addr.assigned"), "crit");
    assert_eq!(subjects(&r, "net.addr.assigned"), vec!["eth0"]);
    assert!(
        check(&r, "net.addr.assigned")["findings"][0]["message"].as_str().is_some_and(|m| m.contains("169.254.3.4"))
    );
}

#[test]
fn degraded_root_warns() {
    let Some((r, code)) = run_json(&fixture_root("degraded"), LOCAL) else { return };
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["summary"]["status"], "warn");
    let dns = check(&r, "net.dns.resolv-conf");
    assert_eq!(dns["status"], "warn");
    let messages = dns["findings"].to_string();
    assert!(messages.contains("ignores 1"), "{messages}");
    assert!(messages.contains("timeout:30"), "{messages}");
    assert!(messages.contains("/etc/resolv.conf:4: nameserver 8.8.8.8"), "{messages}");

    assert_eq!(status_of(&r, "net.route.default"), "warn");
    assert_eq!(subjects(&r, "net.route.default"), vec!["default via 172.16.0.253 dev eth0"]);

    assert_eq!(status_of(&r, "sec.ssh.root-login"), "warn");
    let ssh = check(&r, "sec.ssh.root-login")["findings"][0].clone();
    assert_eq!(ssh["subject"], "/etc/ssh/sshd_config");
    let ev = ssh["evidence"].to_string();
    assert!(
        ev.contains("/etc/ssh/sshd_config:1: PermitRootLogin yes")
            && ev.contains("/etc/ssh/sshd_config:2: PasswordAuthentication yes"),
        "{ev}"
    );

    assert_eq!(status_of(&r, "sys.memory.available"), "warn");
    assert_eq!(status_of(&r, "sys.cpu.load"), "warn");
    assert_eq!(status_of(&r, "net.link.state"), "warn");
    assert_eq!(subjects(&r, "net.link.state"), vec!["eth0"]);
    assert_eq!(check(&r, "net.link.state")["metrics"]["error_percent"], 2.0);
    let warns = r["checks"].as_array().expect("checks").iter().filter(|c| c["status"] == "warn").count() as f64;
    assert_eq!(score_of(&r), 100.0 - warns * 8.0);
}

fn score_of(r: &serde_json::Value) -> f64 {
    r["summary"]["score"].as_f64().unwrap_or(-1.0)
}

#[test]
fn sshd_include_sets_the_effective_value_and_match_blocks_are_not_global() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        &root.join("etc/ssh/sshd_config"),
        "Include sshd_config.d/*.conf\nPermitRootLogin no\nMatch User deploy\n  PermitRootLogin yes\n",
    );
    write(&root.join("etc/ssh/sshd_config.d/10-cloud.conf"), "permitrootlogin=yes\nPasswordAuthentication yes\n");
    write(&root.join("etc/ssh/sshd_config.d/ignored.conf.bak"), "PermitRootLogin no\n");
    let Some((r, _)) = run_json(root, &["--only", "sec.ssh"]) else { return };
    let c = check(&r, "sec.ssh.root-login");
    assert_eq!(c["status"], "warn", "{c:#}");
    let f = c["findings"].to_string();
    assert!(f.contains("/etc/ssh/sshd_config.d/10-cloud.conf:1: permitrootlogin=yes"), "{f}");
    assert!(f.contains("a Match block lets root log in"), "{f}");
}

#[test]
fn systemd_resolved_stub_counts_upstream_servers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("etc/resolv.conf"), "nameserver 127.0.0.53\noptions edns0 trust-ad\n");
    write(&root.join("run/systemd/resolve/resolv.conf"), "# upstream\n");
    let Some((r, _)) = run_json(root, &["--only", "net.dns"]) else { return };
    assert_eq!(status_of(&r, "net.dns.resolv-conf"), "crit", "stub with no upstream servers resolves nothing");
    write(&root.join("run/systemd/resolve/resolv.conf"), "nameserver 100.100.2.136\n");
    let Some((r, _)) = run_json(root, &["--only", "net.dns"]) else { return };
    assert_eq!(status_of(&r, "net.dns.resolv-conf"), "ok");
}

#[test]
fn missing_sshd_config_is_skipped_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((r, code)) = run_json(dir.path(), &["--only", "sec.ssh.root-login"]) else { return };
    let c = check(&r, "sec.ssh.root-login");
    assert_eq!(c["status"], "skipped");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("not installed")));
    assert_eq!(code, 0);
}
