//! The security checks where a case folder (tests/fixtures/checks/) cannot hold the root:
//! through the binary with --root on roots built here.
//!
//! Owners and modes cannot travel in git, so the permission checks build their roots in a
//! tempdir here (chmod always; chown only as root, otherwise that part is skipped with a
//! printed reason). Log and cron fixtures carry planted secrets that must not reach the report.

use crate::common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// chown when root; returns false (and says why) otherwise.
fn chown(path: &Path, uid: u32, gid: u32) -> bool {
    if !is_root() {
        eprintln!("SKIPPED (ownership part): chown {} needs root", path.display());
        return false;
    }
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).expect("chown");
    true
}

/// A copy of a fixture root in a tempdir (so a test may touch it).
fn copy_root(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", fixture_root(name).display()))
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(ok.success());
    dir
}

/// Sets a file's modification time (`touch -d`).
fn touch(path: &Path, when: &str) {
    let ok = Command::new("touch").arg("-d").arg(when).arg(path).status().expect("touch");
    assert!(ok.success());
}

#[test]
fn stock_debian_root_has_no_security_warnings() {
    let Some((r, _)) = run_json(&fixture_root("healthy"), &["--only", "sec"]) else { return };
    for c in r["checks"].as_array().expect("checks") {
        // These run programs on the live system only (firewall listing, sshd -t), read the sshd
        // binary, which the fixture root does not hold (tcp-wrappers), or ask the metadata
        // service, which describes this machine, not a root (console-key).
        let live_only = ["sec.firewall.present", "sec.ssh.config-valid", "sec.ssh.tcp-wrappers", "sec.ssh.console-key"]
            .contains(&c["id"].as_str().unwrap_or(""));
        assert_eq!(c["status"], if live_only { "skipped" } else { "ok" }, "{c:#}");
    }
    assert!(r["checks"].as_array().expect("checks").len() >= 16);
}

// --- SSH -----------------------------------------------------------------------------------

/// A root with /etc/ssh and host keys of the given modes (and groups when root).
fn host_key_root(keys: &[(&str, u32, u32)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("etc/ssh/sshd_config"), "PasswordAuthentication no\n");
    write(&root.join("etc/group"), "root:x:0:\nssh_keys:x:997:\nadm:x:4:\n");
    for (name, mode, gid) in keys {
        let p = root.join("etc/ssh").join(name);
        write(&p, "-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n-----END OPENSSH PRIVATE KEY-----\n");
        write(&root.join(format!("etc/ssh/{name}.pub")), "ssh-ed25519 AAAA test\n");
        chmod(&p, *mode);
        if *gid != 0 {
            chown(&p, 0, *gid);
        }
    }
    dir
}

#[test]
fn ssh_host_key_permissions() {
    let ok = host_key_root(&[("ssh_host_ed25519_key", 0o600, 0), ("ssh_host_rsa_key", 0o640, 997)]);
    let Some(r) = run_sec(ok.path(), "sec.ssh.host-key-perms") else { return };
    let c = check(&r, "sec.ssh.host-key-perms");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.starts_with("2 private host key")), "{c:#}");

    let bad = host_key_root(&[("ssh_host_ed25519_key", 0o644, 0), ("ssh_host_ecdsa_key", 0o600, 0)]);
    let Some(r) = run_sec(bad.path(), "sec.ssh.host-key-perms") else { return };
    assert_eq!(status_of(&r, "sec.ssh.host-key-perms"), "crit");
    assert_eq!(subjects(&r, "sec.ssh.host-key-perms"), vec!["/etc/ssh/ssh_host_ed25519_key"]);
    assert!(findings(&r, "sec.ssh.host-key-perms").contains("mode 0644"));

    // 0640 in root's own group: Debian's sshd refuses it ("bad permissions"), so it is no
    // safer than another group (fix_sec_lab proves the refusal with the real sshd).
    let grouped = host_key_root(&[("ssh_host_ed25519_key", 0o640, 0)]);
    let Some(r) = run_sec(grouped.path(), "sec.ssh.host-key-perms") else { return };
    assert_eq!(status_of(&r, "sec.ssh.host-key-perms"), "crit", "{r:#}");
    assert!(findings(&r, "sec.ssh.host-key-perms").contains("mode 0640"));

    if is_root() {
        let bad = host_key_root(&[("ssh_host_rsa_key", 0o640, 4)]);
        let Some(r) = run_sec(bad.path(), "sec.ssh.host-key-perms") else { return };
        assert_eq!(status_of(&r, "sec.ssh.host-key-perms"), "crit");
        assert!(findings(&r, "sec.ssh.host-key-perms").contains("group adm"));
        let p = bad.path().join("etc/ssh/ssh_host_rsa_key");
        chown(&p, 1000, 0);
        chmod(&p, 0o600);
        let Some(r) = run_sec(bad.path(), "sec.ssh.host-key-perms") else { return };
        assert_eq!(status_of(&r, "sec.ssh.host-key-perms"), "crit");
        assert!(findings(&r, "sec.ssh.host-key-perms").contains("owned by 1000"));
    } else {
        eprintln!("SKIPPED (ownership part): host keys owned by another group or user need root to create");
    }
}

/// A root with accounts root and alice, and alice's ~/.ssh/authorized_keys.
fn keys_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        &root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nsvc:x:999:999::/srv/svc:/usr/sbin/nologin\n",
    );
    write(&root.join("etc/group"), "root:x:0:\nalice:x:1000:\nstaff:x:50:alice,bob\n");
    write(&root.join("home/alice/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3Nz alice@laptop\n");
    write(&root.join("root/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3Nz admin@laptop\n");
    chmod(&root.join("home/alice"), 0o750);
    chmod(&root.join("home/alice/.ssh"), 0o700);
    chmod(&root.join("home/alice/.ssh/authorized_keys"), 0o600);
    chmod(&root.join("root"), 0o700);
    chmod(&root.join("root/.ssh"), 0o700);
    chmod(&root.join("root/.ssh/authorized_keys"), 0o600);
    for p in ["home/alice", "home/alice/.ssh", "home/alice/.ssh/authorized_keys"] {
        chown(&root.join(p), 1000, 1000);
    }
    dir
}

#[test]
fn ssh_authorized_keys_owners_and_modes() {
    let dir = keys_root();
    let root = dir.path();
    let Some(r) = run_sec(root, "sec.ssh.authorized-keys") else { return };
    let c = check(&r, "sec.ssh.authorized-keys");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("2 login account") && s.contains("6 files")), "{c:#}");

    // Group-writable by alice's own private group: fine (Debian's sshd accepts it too).
    chmod(&root.join("home/alice/.ssh/authorized_keys"), 0o660);
    let Some(r) = run_sec(root, "sec.ssh.authorized-keys") else { return };
    if is_root() {
        assert_eq!(status_of(&r, "sec.ssh.authorized-keys"), "ok", "{r:#}");
    }

    chmod(&root.join("home/alice/.ssh/authorized_keys"), 0o666);
    chmod(&root.join("root/.ssh"), 0o777);
    let Some(r) = run_sec(root, "sec.ssh.authorized-keys") else { return };
    assert_eq!(status_of(&r, "sec.ssh.authorized-keys"), "crit");
    let c = check(&r, "sec.ssh.authorized-keys");
    assert_eq!(c["findings"][0]["subject"], "/home/alice/.ssh/authorized_keys", "{c:#}");
    assert_eq!(c["findings"][0]["severity"], "crit");
    assert_eq!(c["findings"][1]["subject"], "/root/.ssh");
    assert_eq!(c["findings"][1]["severity"], "warn");
    assert!(c["findings"][0]["message"].as_str().is_some_and(|m| m.contains("log in as alice")));

    let dir = keys_root();
    let root = dir.path();
    if chown(&root.join("home/alice/.ssh/authorized_keys"), 1001, 1001) {
        let Some(r) = run_sec(root, "sec.ssh.authorized-keys") else { return };
        assert_eq!(status_of(&r, "sec.ssh.authorized-keys"), "warn");
        assert!(findings(&r, "sec.ssh.authorized-keys").contains("owned by 1001, not alice"));
        // Group-writable by a shared group: others can add keys.
        chown(&root.join("home/alice/.ssh/authorized_keys"), 1000, 50);
        chmod(&root.join("home/alice/.ssh/authorized_keys"), 0o620);
        let Some(r) = run_sec(root, "sec.ssh.authorized-keys") else { return };
        assert_eq!(status_of(&r, "sec.ssh.authorized-keys"), "crit");
        assert!(findings(&r, "sec.ssh.authorized-keys").contains("group staff"));
    }
}

/// Sets a file's modification time to `hours` ago.
fn age(path: &Path, hours: i64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(hours as u64 * 3600);
    std::fs::File::options().write(true).open(path).expect("open").set_modified(when).expect("set mtime");
}

/// A key added to root's authorized_keys in the last week is a note (severity info) with the
/// time and the key's SHA256 fingerprint; the check stays ok. An old file, or another account's
/// recent one, gives no note.
#[test]
fn a_recent_change_to_roots_keys_is_a_note_with_the_time() {
    let dir = keys_root();
    let root = dir.path();
    // `ssh-keygen -lf` shows SHA256:J3Zv/Ho1inq51EPMqMeh47iF/kDbWe2eoLettarTzhc for this key.
    write(
        &root.join("root/.ssh/authorized_keys"),
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC5+3A8njzRGY0/Twpb5ARsAAsItuPQVz3ur94e2Z7IXl/EKqyarMtZAUdirMW1q+LVoZEEKMeOhhII7B9ppG+YP+TSlDVDN2hMjulAwJ8W+YnL9NcdqPkognrwNcX59+G/hI5LmFEuUiEV1IOwGHYM0ixa+kMYUQ7pDcqGDGFXQQ== admin@laptop\n\
         ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrpnfFWciLUN/S/rnAWBeVR+FvRusQD9R2mU2uVZfk5 ops@laptop\n",
    );
    chmod(&root.join("root/.ssh/authorized_keys"), 0o600);
    age(&root.join("root/.ssh/authorized_keys"), 50);
    let Some(r) = run_sec(root, "sec.ssh.authorized-keys") else { return };
    let c = check(&r, "sec.ssh.authorized-keys");
    assert_eq!(c["status"], "ok", "a note is not a problem: {c:#}");
    assert_eq!(c["findings"].as_array().map(Vec::len), Some(1), "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["severity"], "info", "{c:#}");
    assert_eq!(f["subject"], "/root/.ssh/authorized_keys");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("50 hours ago"), "{m}");
    assert!(m.contains("ssh-ed25519 SHA256:J3Zv/Ho1inq51EPMqMeh47iF/kDbWe2eoLettarTzhc ops@laptop"), "{m}");
    assert!(f["since"].as_str().is_some_and(|s| m.contains(s)), "{c:#}");
    assert!(f["evidence"].to_string().contains("/root/.ssh/authorized_keys: last changed "), "{c:#}");
    let summary = c["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("only by their owners (6 files checked); note: /root/.ssh/authorized_keys (root"),
        "{summary}"
    );
    assert!(c["remediation"].is_null(), "{c:#}");

    // A week and more ago: nothing to note. Alice's recent change is not root's.
    age(&root.join("root/.ssh/authorized_keys"), 24 * 8);
    age(&root.join("home/alice/.ssh/authorized_keys"), 1);
    let Some(r) = run_sec(root, "sec.ssh.authorized-keys") else { return };
    let c = check(&r, "sec.ssh.authorized-keys");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert_eq!(c["findings"].as_array().map_or(0, Vec::len), 0, "{c:#}");

    // In Chinese too, and `explain` shows the info level.
    age(&root.join("root/.ssh/authorized_keys"), 2);
    let Some((r, _)) = run_json(root, &["--only", "sec.ssh.authorized-keys", "--lang", "zh-CN"]) else { return };
    let c = check(&r, "sec.ssh.authorized-keys");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("；提示：")), "{c:#}");
    assert!(c["findings"][0]["message"].as_str().is_some_and(|m| m.contains("距今 2 小时")), "{c:#}");
    let Some(out) = doctor(&["explain", "sec.ssh.authorized-keys"]) else { return };
    assert!(stdout(&out).contains("recent_root_key: info == 1 where kind == authorized-keys"), "{}", stdout(&out));
}

// --- Accounts ------------------------------------------------------------------------------

/// Unreadable files (as an unprivileged user) are skipped with the reason, never ok.
#[test]
fn unreadable_files_are_skipped_not_ok() {
    let dir = copy_root("sec-accounts-bad");
    let root = dir.path();
    chmod(root, 0o755);
    write(
        &root.join("var/log/auth.log"),
        "Nov 20 01:00:00 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n",
    );
    for p in ["etc/shadow", "etc/sudoers", "var/log/auth.log"] {
        chmod(&root.join(p), 0o000);
    }
    let args = ["run", "--format", "json", "--no-save", "--root", root.to_str().expect("p"), "--only", "sec"];
    let out = if is_root() {
        // Run as nobody, in a user namespace of its own for the network namespace.
        const AS_NOBODY: [&str; 8] =
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "unshare", "--user", "--map-root-user", "--net"];
        let ok = Command::new("setpriv").args(AS_NOBODY).arg("true").output().is_ok_and(|o| o.status.success());
        if !require(ok, "dropping root needs setpriv (util-linux) and unprivileged user namespaces") {
            return;
        }
        Command::new("setpriv")
            .args(AS_NOBODY)
            .arg(BIN)
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("ECS_DOCTOR_CONFIG")
            .output()
            .expect("setpriv")
    } else {
        let Some(out) = doctor(&args) else { return };
        out
    };
    let r = valid_report(&stdout(&out));
    for id in ["sec.accounts.empty-password", "sec.accounts.sudo-nopasswd", "sec.auth.bruteforce"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "skipped", "{c:#}");
        assert!(c["summary"].as_str().is_some_and(|s| s.contains("permission denied")), "{c:#}");
    }
}

// --- Files ---------------------------------------------------------------------------------

/// A root with the critical files at their standard modes.
fn perms_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    write(&root.join("etc/group"), "root:x:0:\nshadow:x:42:\nadm:x:4:\n");
    write(&root.join("etc/shadow"), "root:*:19500:0:99999:7:::\n");
    write(&root.join("etc/sudoers"), "root ALL=(ALL:ALL) ALL\n");
    write(&root.join("etc/ssh/sshd_config"), "PasswordAuthentication no\n");
    for (p, mode) in [("etc/passwd", 0o644), ("etc/group", 0o644), ("etc/shadow", 0o640), ("etc/sudoers", 0o440)] {
        chmod(&root.join(p), mode);
    }
    chmod(&root.join("etc/ssh/sshd_config"), 0o644);
    if is_root() {
        chown(&root.join("etc/shadow"), 0, 42);
    }
    dir
}

#[test]
fn critical_file_permissions() {
    let dir = perms_root();
    let root = dir.path();
    let Some(r) = run_sec(root, "sec.files.critical-perms") else { return };
    let c = check(&r, "sec.files.critical-perms");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("5 files")), "{c:#}");

    chmod(&root.join("etc/sudoers"), 0o640);
    let Some(r) = run_sec(root, "sec.files.critical-perms") else { return };
    assert_eq!(status_of(&r, "sec.files.critical-perms"), "warn");
    assert_eq!(subjects(&r, "sec.files.critical-perms"), vec!["/etc/sudoers"]);

    chmod(&root.join("etc/shadow"), 0o644);
    chmod(&root.join("etc/passwd"), 0o666);
    let Some(r) = run_sec(root, "sec.files.critical-perms") else { return };
    assert_eq!(status_of(&r, "sec.files.critical-perms"), "crit");
    assert_eq!(subjects(&r, "sec.files.critical-perms"), vec!["/etc/passwd", "/etc/shadow", "/etc/sudoers"]);
    let f = findings(&r, "sec.files.critical-perms");
    assert!(f.contains("/etc/shadow: mode 0644") && f.contains("password hashes"), "{f}");

    let dir = perms_root();
    let root = dir.path();
    if chown(&root.join("etc/passwd"), 1000, 1000) {
        chown(&root.join("etc/shadow"), 0, 4);
        let Some(r) = run_sec(root, "sec.files.critical-perms") else { return };
        assert_eq!(status_of(&r, "sec.files.critical-perms"), "crit");
        let f = findings(&r, "sec.files.critical-perms");
        assert!(f.contains("/etc/passwd is owned by 1000, not root"), "{f}");
        assert!(f.contains("/etc/shadow holds password hashes") && f.contains("group adm"), "{f}");
    }
}

#[test]
fn world_writable_files_in_path_and_etc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("usr/bin/tool"), "#!/bin/sh\n");
    write(&root.join("etc/app/app.conf"), "x=1\n");
    write(&root.join("etc/spool/x"), "x\n");
    chmod(&root.join("usr/bin/tool"), 0o755);
    chmod(&root.join("etc/spool"), 0o1777); // sticky: fine
    std::os::unix::fs::symlink("/etc/app/app.conf", root.join("etc/link")).expect("symlink");
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).expect("symlink");
    let Some(r) = run_sec(root, "sec.files.world-writable") else { return };
    let c = check(&r, "sec.files.world-writable");
    assert_eq!(c["status"], "ok", "{c:#}");

    chmod(&root.join("usr/bin/tool"), 0o777);
    chmod(&root.join("etc/app"), 0o777);
    let Some(r) = run_sec(root, "sec.files.world-writable") else { return };
    assert_eq!(status_of(&r, "sec.files.world-writable"), "crit");
    assert_eq!(subjects(&r, "sec.files.world-writable"), vec!["/usr/bin/tool", "/etc/app"]);
    assert!(findings(&r, "sec.files.world-writable").contains("/usr/bin/tool: file, mode 0777"));
}

#[test]
fn setuid_programs_in_temporary_and_home_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n");
    write(&root.join("tmp/.ICE-unix/.x/bash"), "ELF\n");
    write(&root.join("home/bob/bin/tool"), "ELF\n");
    write(&root.join("dev/shm/cache"), "data\n");
    let Some(r) = run_sec(root, "sec.files.suid-unusual") else { return };
    assert_eq!(status_of(&r, "sec.files.suid-unusual"), "ok");

    chmod(&root.join("tmp/.ICE-unix/.x/bash"), 0o4755);
    let Some(r) = run_sec(root, "sec.files.suid-unusual") else { return };
    assert_eq!(status_of(&r, "sec.files.suid-unusual"), "crit");
    assert_eq!(subjects(&r, "sec.files.suid-unusual"), vec!["/tmp/.ICE-unix/.x/bash"]);
    assert!(findings(&r, "sec.files.suid-unusual").contains("setuid with root's powers"));

    chmod(&root.join("tmp/.ICE-unix/.x/bash"), 0o755);
    if chown(&root.join("home/bob/bin/tool"), 1000, 1000) {
        chmod(&root.join("home/bob/bin/tool"), 0o2755);
        let Some(r) = run_sec(root, "sec.files.suid-unusual") else { return };
        assert_eq!(status_of(&r, "sec.files.suid-unusual"), "warn");
        assert!(findings(&r, "sec.files.suid-unusual").contains("acts as bob"));
    }
}

// --- Intrusion signs -----------------------------------------------------------------------

// --- Brute force ---------------------------------------------------------------------------

/// The brute-force fixture with its files dated 20 Nov 2025 (syslog lines carry no year), plus
/// rotated gzip files: one whole, one truncated.
fn bruteforce_root() -> tempfile::TempDir {
    use std::io::Write;
    let dir = copy_root("sec-bruteforce");
    let log = dir.path().join("var/log");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..5 {
        writeln!(
            gz,
            "Nov 19 05:0{i}:00 web-1 sshd[{}]: Failed password for root from 198.51.100.77 port 1 ssh2",
            300 + i
        )
        .expect("gz");
    }
    std::fs::write(log.join("auth.log.2.gz"), gz.finish().expect("gz")).expect("write");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..5000 {
        writeln!(
            gz,
            "Nov 19 04:00:00 web-1 sshd[{}]: Failed password for root from 198.51.100.88 port {i} ssh2",
            100 + i
        )
        .expect("gz");
    }
    let bytes = gz.finish().expect("gz");
    std::fs::write(log.join("auth.log.3.gz"), &bytes[..bytes.len() / 2]).expect("write");
    for (f, when) in [
        ("auth.log", "2025-11-20 03:05 UTC"),
        ("auth.log.1", "2025-11-20 00:00 UTC"),
        ("auth.log.2.gz", "2025-11-19 06:00 UTC"),
        ("auth.log.3.gz", "2025-11-19 05:00 UTC"),
    ] {
        touch(&log.join(f), when);
    }
    dir
}

#[test]
fn ssh_bruteforce_and_a_login_after_it() {
    let dir = bruteforce_root();
    let Some(r) = run_sec(dir.path(), "sec.auth.bruteforce") else { return };
    let c = check(&r, "sec.auth.bruteforce");
    assert_eq!(c["status"], "crit", "{c:#}");
    let text = r.to_string();
    assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"), "an access key typed as a user name leaked: {text}");

    let first = &c["findings"][0];
    assert_eq!(first["subject"], "203.0.113.50");
    assert_eq!(first["severity"], "crit");
    let m = first["message"].as_str().unwrap_or_default();
    assert!(m.contains("as root after 31 failed attempts: possible compromise"), "{m}");
    let ev = first["evidence"].to_string();
    assert!(ev.contains("/var/log/auth.log:76: Nov 20 01:30:00 web-1 sshd[5300]: Accepted password for root"), "{ev}");

    assert_eq!(c["metrics"]["failures[203.0.113.50]"], 31.0, "{c:#}");
    // 30 in auth.log.1, the planted line and the non-UTF-8 line in auth.log.
    assert_eq!(c["metrics"]["failures[198.51.100.9]"], 32.0, "{c:#}");
    assert_eq!(c["metrics"]["failures[198.51.100.77]"], 5.0, "gzip-rotated file: {c:#}");
    assert!(c["metrics"].get("failures[192.0.2.200]").is_none(), "outside the 24 h window: {c:#}");
    let partial = c["metrics"]["failures[198.51.100.88]"].as_f64().unwrap_or(0.0);
    assert!(partial > 0.0 && partial < 5000.0, "a truncated gzip gives what it has: {c:#}");
    let warn = c["findings"].as_array().expect("findings").iter().find(|f| f["subject"] == "198.51.100.9");
    assert!(
        warn.is_some_and(|f| f["severity"] == "warn" && f["message"].as_str().is_some_and(|m| m.contains("32 times")))
    );
    assert!(c["findings"].to_string().contains("truncated or corrupt"), "{c:#}");
}

#[test]
fn bruteforce_across_new_year_and_below_threshold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("var/log/secure");
    let mut body = String::new();
    for i in 0..12 {
        body.push_str(&format!(
            "Dec 31 23:{:02}:00 h sshd[{i}]: Failed password for root from 192.0.2.7 port 1 ssh2\n",
            40 + i
        ));
    }
    body.push_str("Jan  1 00:05:00 h sshd[99]: Accepted password for root from 192.0.2.7 port 2 ssh2\n");
    write(&log, &body);
    touch(&log, "2026-01-01 00:06 UTC");
    let Some(r) = run_sec(dir.path(), "sec.auth.bruteforce") else { return };
    let c = check(&r, "sec.auth.bruteforce");
    assert_eq!(c["status"], "crit", "{c:#}");
    assert!(c["findings"][0]["message"].as_str().is_some_and(|m| m.contains("after 12 failed attempts")), "{c:#}");

    // A few failures and a later key login: nothing to report.
    write(&log, &body.lines().skip(9).map(|l| format!("{l}\n")).collect::<String>());
    touch(&log, "2026-01-01 00:06 UTC");
    let Some(r) = run_sec(dir.path(), "sec.auth.bruteforce") else { return };
    let c = check(&r, "sec.auth.bruteforce");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.starts_with("3 failed SSH login(s) from 1 address")), "{c:#}");
}

// --- MAC -----------------------------------------------------------------------------------

// --- References ----------------------------------------------------------------------------

#[test]
fn select_checks_by_reference() {
    let root = fixture_root("healthy");
    let root = root.to_str().expect("p");
    let Some((r, _)) = run_json(Path::new(root), &["--only", "cis"]) else { return };
    let ids: Vec<&str> = r["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(ids.contains(&"sec.ssh.root-login") && ids.contains(&"sec.files.critical-perms"), "{ids:?}");
    assert!(!ids.contains(&"sec.persistence.preload"), "preload has no CIS item: {ids:?}");

    let Some((r, _)) = run_json(Path::new(root), &["--only", "sec", "--skip", "mlps3"]) else { return };
    assert!(r["checks"].as_array().expect("checks").is_empty(), "every sec check has an MLPS item: {r:#}");

    let Some(out) = doctor(&["run", "--no-save", "--root", root, "--only", "nist"]) else { return };
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("\"nist\""), "{}", stderr(&out));

    let Some(out) = doctor(&["explain", "sec.accounts.sudo-nopasswd"]) else { return };
    let text = stdout(&out);
    assert!(text.contains("References:") && text.contains("cis: ") && text.contains("lynis: AUTH-9250"), "{text}");
}

/// Every security check names its benchmark items.
#[test]
fn every_security_check_has_references() {
    let cat = ecs_doctor::catalog::Catalog::load(&[]).expect("catalog");
    for c in cat.checks.iter().filter(|c| c.category == "sec") {
        assert!(c.references.contains_key("mlps3"), "{} has no mlps3 reference", c.id);
        for k in c.references.keys() {
            assert!(["cis", "mlps3", "lynis"].contains(&k.as_str()), "{}: unknown reference key {k}", c.id);
        }
    }
}

// --- Bad input -----------------------------------------------------------------------------

/// Deterministic garbage: every byte value, NULs, invalid UTF-8, long and short lines.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let b = (x >> 33) as u8;
            if b.is_multiple_of(17) {
                b'\n'
            } else if b.is_multiple_of(23) {
                b':'
            } else {
                b
            }
        })
        .collect()
}

#[test]
fn garbage_in_every_security_file_gives_results_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let files = [
        "etc/passwd",
        "etc/group",
        "etc/shadow",
        "etc/gshadow",
        "etc/sudoers",
        "etc/sudoers.d/x",
        "etc/ssh/sshd_config",
        "etc/ssh/ssh_host_rsa_key",
        "etc/crontab",
        "etc/cron.d/x",
        "var/spool/cron/crontabs/root",
        "etc/ld.so.preload",
        "etc/environment",
        "etc/selinux/config",
        "var/log/auth.log",
        "var/log/auth.log.1",
        "var/log/auth.log.2.gz",
        "sys/kernel/security/apparmor/profiles",
    ];
    for (i, f) in files.iter().enumerate() {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, garbage(i as u64 + 1, 20_000)).expect("write");
    }
    let Some((r, _)) = run_json(root, &["--only", "sec"]) else { return };
    for c in r["checks"].as_array().expect("checks") {
        let s = c.to_string();
        assert!(!s.contains("internal error") && !s.contains("panicked"), "{c:#}");
        assert_ne!(c["status"], "error", "{c:#}");
    }
}

#[test]
fn a_huge_auth_log_is_read_from_its_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("var/log/auth.log");
    std::fs::create_dir_all(log.parent().expect("parent")).expect("mkdir");
    let file = std::fs::File::create(&log).expect("create");
    // 8 GiB of holes (no disk used), then the lines that matter.
    file.set_len(8 << 30).expect("sparse file");
    drop(file);
    let mut tail = String::from("\n");
    for i in 0..25 {
        tail.push_str(&format!(
            "Nov 20 02:{i:02}:00 h sshd[{i}]: Failed password for root from 192.0.2.99 port 1 ssh2\n"
        ));
    }
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(&log).expect("open").write_all(tail.as_bytes()).expect("append");
    touch(&log, "2025-11-20 03:00 UTC");
    // How fast is a benchmark's business (benches/run.sh); here: only the tail is read.
    let Some(r) = run_sec(dir.path(), "sec.auth.bruteforce") else { return };
    let c = check(&r, "sec.auth.bruteforce");
    assert_eq!(c["status"], "warn", "{c:#}");
    assert_eq!(c["metrics"]["failures"], 25.0, "one source: the plain metric name");
    assert!(c["findings"].to_string().contains("only the last 64 MiB were read"), "{c:#}");
}

// --- Lab: the real sshd --------------------------------------------------------------------

/// On the live system the effective values come from `sshd -T`, which knows what the in-house
/// parser does not (here: an Include glob with a character class). Runs in a private mount
/// namespace with a test /etc/ssh bound over the real one and a private /run; sshd only parses
/// (`-T`), it never listens. Root and openssh-server only.
#[test]
fn lab_sshd_t_gives_the_effective_values() {
    let sshd = Path::new("/usr/sbin/sshd");
    if !require(is_root(), "the sshd -T lab needs root (bind mounts in a private mount namespace)")
        || !require(sshd.exists(), "the sshd -T lab needs /usr/sbin/sshd (apt-get install openssh-server)")
    {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let ssh = dir.path().join("ssh");
    write(
        &ssh.join("sshd_config"),
        "Include /etc/ssh/sshd_config.d/[0-9]*.conf\nPermitEmptyPasswords yes\nKbdInteractiveAuthentication no\n",
    );
    write(&ssh.join("sshd_config.d/50-keys-only.conf"), "PasswordAuthentication no\n");
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(ssh.join("ssh_host_ed25519_key"))
        .status()
        .expect("ssh-keygen");
    assert!(keygen.success());
    let script = format!(
        "set -e\nmount --bind {} /etc/ssh\nmount -t tmpfs -o size=1m tmpfs /run\nmkdir -m 755 /run/sshd\n\
         exec unshare --net {BIN} run --format json --no-save --only sec.ssh",
        ssh.display()
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .output()
        .expect("unshare");
    let r = valid_report(&stdout(&out));
    let pw = check(&r, "sec.ssh.password-auth");
    assert_eq!(pw["status"], "ok", "sshd -T reads the bracket glob the parser does not: {pw:#}");
    assert!(pw["summary"].as_str().is_some_and(|s| s.contains("from sshd -T")), "{pw:#}");
    let empty = check(&r, "sec.ssh.empty-passwords");
    assert_eq!(empty["status"], "crit", "{empty:#}");
    let f = empty["findings"].to_string();
    assert!(f.contains("/etc/ssh/sshd_config:2: PermitEmptyPasswords yes"), "{f}");
    assert!(f.contains("sshd -T -f /etc/ssh/sshd_config: permitemptypasswords yes"), "{f}");
    assert_eq!(status_of(&r, "sec.ssh.host-key-perms"), "ok");
}

/// Every Lynis test id a check file names exists in the installed Lynis (the Debian package
/// `lynis`), so `explain` never points an auditor at a test that is not there.
#[test]
fn lynis_references_name_real_lynis_tests() {
    let include = Path::new("/usr/share/lynis/include");
    if !require(include.is_dir(), "lynis is not installed (apt-get install lynis)") {
        return;
    }
    let mut registered = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(include).expect("lynis include dir") {
        let text = std::fs::read(entry.expect("entry").path()).unwrap_or_default();
        for line in String::from_utf8_lossy(&text).lines() {
            if let Some(rest) = line.split("Register --test-no ").nth(1) {
                registered.insert(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    }
    assert!(registered.len() > 100, "found only {} Lynis tests", registered.len());
    let mut named = 0;
    // Check files live in subject folders: checks/<domain>/<subject>/<property>.toml.
    let mut paths = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("checks")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("checks") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                paths.push(path);
            }
        }
    }
    {
        for path in paths {
            let file: toml::Table = toml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("toml");
            let Some(ids) = file.get("references").and_then(|r| r.get("lynis")).and_then(|v| v.as_str()) else {
                continue;
            };
            for id in ids.split(',').map(str::trim) {
                named += 1;
                assert!(registered.contains(id), "{}: Lynis has no test {id}", path.display());
            }
        }
    }
    assert!(named >= 10, "only {named} Lynis references found");
}

/// Why part of the auth logs was not read is said in the run's language: the summary of a
/// healthy check names the truncated gzip in Chinese under zh-CN, and in English otherwise.
#[test]
fn a_partly_read_log_is_said_in_the_runs_language() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).expect("mkdir");
    std::fs::write(
        log.join("auth.log"),
        "Nov 20 02:00:00 h sshd[1]: Failed password for root from 192.0.2.7 port 1 ssh2\n",
    )
    .expect("write");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    use std::io::Write;
    for i in 0..2000 {
        writeln!(gz, "Nov 19 04:00:00 h cron[{i}]: (root) CMD (true)").expect("gz");
    }
    let bytes = gz.finish().expect("gz");
    std::fs::write(log.join("auth.log.1.gz"), &bytes[..bytes.len() / 2]).expect("write");
    touch(&log.join("auth.log"), "2025-11-20 03:00 UTC");
    touch(&log.join("auth.log.1.gz"), "2025-11-19 05:00 UTC");
    let only = ["--only", "sec.auth.bruteforce"];
    let Some((en, _)) = run_json(dir.path(), &only) else { return };
    let c = check(&en, "sec.auth.bruteforce");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("truncated or corrupt")), "{c:#}");
    let Some((zh, _)) = run_json(dir.path(), &[&only[..], &["--lang", "zh-CN"]].concat()) else { return };
    let c = check(&zh, "sec.auth.bruteforce");
    let summary = c["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("文件被截断或已损坏") && !summary.contains("truncated"), "{c:#}");
}
