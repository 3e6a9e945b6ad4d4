//! `ecs-doctor fix` against a pam_limits value the kernel refuses, with real logins: the server
//! machine of [`crate::integration::lab_sshd`] runs a real sshd with `UsePAM yes` (the
//! distribution's /etc/pam.d/sshd, whose session stack has pam_limits), and
//! /etc/security/limits.conf (in the machine's private /etc) gives root a hard nofile above
//! fs.nr_open. setrlimit refuses it: the login gets another limit than the file says (Debian's
//! pam_limits) or no session at all (upstream's). The repair sets the value to fs.nr_open; a
//! real login still works and (where the machine grants CAP_SYS_RESOURCE, which raising a hard
//! limit needs) has exactly that hard limit; the login matrix guards it; undo restores the file
//! byte for byte.
//!
//! The same under upstream Linux-PAM's pam_limits (built by `.ci/upstream-pam-limits`, bound over
//! Debian's in the login lab's mount namespace): the login really is refused, and named.
//!
//! Root only; run under the lab lock.

use crate::common::*;
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::{Machine, Sshd, ssh_lab_ok};
use crate::integration::login_lab::{self, account};
use crate::topology::{Lab, MdMode, SERVER_IP};
use ecs_doctor::repair::files;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `ulimit -Hn` in a real root login from the client: the hard nofile its session got.
fn hard_nofile(sshd: &Sshd, lab: &Lab) -> Output {
    Command::new("ip")
        .args(["netns", "exec", &lab.client.0, "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"])
        .args(["-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR"])
        .arg("-i")
        .arg(&sshd.client_key)
        .args(["-p", &sshd.port.to_string(), &format!("root@{SERVER_IP}"), "ulimit -Hn"])
        .stdin(Stdio::null())
        .output()
        .expect("ssh")
}

fn fix(m: &Machine, args: &[&str]) -> Output {
    let mut all = vec!["fix", "--no-save"];
    if args.first().is_some_and(|a| *a == "--undo") {
        all.pop();
    }
    all.extend_from_slice(args);
    m.doctor_cmd(&all).env("ECS_DOCTOR_REPAIR_DIR", "/run/ecs-doctor-repairs").output().expect("ecs-doctor fix")
}

#[test]
fn a_hard_nofile_above_nr_open_is_set_to_nr_open_and_a_real_login_still_works() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = Machine::new(&lab.server, true);
    let config = Sshd::config(22, "").replace("UsePAM no", "UsePAM yes");
    let sshd = Sshd::start(&m, &config).expect("sshd");
    let nr_open: u64 = std::fs::read_to_string("/proc/sys/fs/nr_open").expect("nr_open").trim().parse().expect("n");
    let healthy = hard_nofile(&sshd, &lab);
    assert!(healthy.status.success(), "a real login works first: {}", stderr(&healthy));
    assert_ne!(stdout(&healthy).trim(), nr_open.to_string(), "the lab needs a default limit below fs.nr_open");

    let base = std::fs::read_to_string(m.path("/etc/security/limits.conf")).unwrap_or_default();
    let line = base.lines().count() + 1;
    let too_many = nr_open + 1;
    m.write("/etc/security/limits.conf", &format!("{base}root hard nofile {too_many}\n"));
    let path = m.path("/etc/security/limits.conf");
    let original = file_state(&path);
    let login = hard_nofile(&sshd, &lab);
    assert!(
        !login.status.success() || login.status.success() && stdout(&login).trim() != too_many.to_string(),
        "the fault is real: the session cannot get {too_many}"
    );
    let (r, _) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.pam.limits"]);
    let at = format!("/etc/security/limits.conf:{line}");
    assert_eq!(subjects(&r, "sec.pam.limits"), vec![at.clone()], "{r:#}");
    assert!(findings(&r, "sec.pam.limits").contains("PAM_LIMITS_NOFILE"), "{r:#}");

    let out = fix(&m, &["--only", "sec.pam.limits"]);
    let plan = stdout(&out);
    for want in [
        format!("set {at} to `root hard nofile {nr_open}`: fs.nr_open {nr_open} is the most the kernel grants"),
        format!("    +# root hard nofile {too_many}  # ecs-doctor fix: above fs.nr_open {nr_open}"),
        format!("    +root hard nofile {nr_open}"),
        "applied only when every account that can log in now still can after".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!(file_state(&path), original, "the plan changes nothing");

    let out = fix(&m, &["--only", "sec.pam.limits", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let login = hard_nofile(&sshd, &lab);
    assert!(login.status.success(), "a real login works after the repair: {}", stderr(&login));
    if can_raise_hard_limits() {
        assert_eq!(stdout(&login).trim(), nr_open.to_string(), "the session gets the limit the file now says");
    } else {
        eprintln!("this machine drops CAP_SYS_RESOURCE: the session's hard nofile stays {}", stdout(&login).trim());
    }
    let (r, _) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.pam.limits"]);
    assert_eq!(status_of(&r, "sec.pam.limits"), "ok", "{r:#}");

    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");
}

/// Whether this process (and so the lab's sshd) may raise a hard limit: that needs
/// CAP_SYS_RESOURCE, and a sandbox that drops it caps every session at the hard limit it was
/// started with, whatever limits.conf says.
fn can_raise_hard_limits() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let caps = status.lines().find_map(|l| l.strip_prefix("CapEff:")).map(str::trim).unwrap_or("0");
    u64::from_str_radix(caps, 16).is_ok_and(|c| c & (1 << 24) != 0)
}

/// This process's hard nofile, which the lab's sshd inherits: a value setrlimit grants a session
/// with or without CAP_SYS_RESOURCE.
fn own_hard_nofile() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("/proc/self/limits");
    let line = limits.lines().find(|l| l.starts_with("Max open files")).expect("Max open files");
    line.split_whitespace().nth(4).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("hard nofile in {line:?}"))
}

/// Upstream Linux-PAM's own pam_limits.so, built once by `.ci/upstream-pam-limits` into a cache
/// (`None` with the reason printed, or a failure when the lab is required, when it cannot be).
pub(crate) fn upstream_pam_limits() -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/upstream-pam-limits");
    let out = Command::new(&script).stdin(Stdio::null()).output();
    let why = match &out {
        Ok(o) if o.status.success() => {
            let path = PathBuf::from(stdout(o).trim());
            if path.is_file() {
                return Some(path);
            }
            format!("{} printed {}, which is no file", script.display(), path.display())
        }
        Ok(o) => format!("{} failed: {}", script.display(), stderr(o)),
        Err(e) => format!("cannot run {}: {e}", script.display()),
    };
    require(false, &format!("the upstream pam_limits lab needs upstream Linux-PAM's pam_limits.so: {why}"));
    None
}

/// The distribution's pam_limits.so on this machine (its real path), which the lab binds over.
fn distro_pam_limits() -> Option<PathBuf> {
    ["/usr/lib/x86_64-linux-gnu/security", "/lib/x86_64-linux-gnu/security", "/usr/lib64/security", "/lib/security"]
        .iter()
        .find_map(|d| std::fs::canonicalize(Path::new(d).join("pam_limits.so")).ok())
}

/// The same fault under upstream Linux-PAM's pam_limits (as RHEL, Alibaba Cloud Linux and Fedora
/// ship it: `.ci/upstream-pam-limits` builds it from the release tarball), bound over Debian's
/// module inside the login lab's private mount namespace: a hard nofile above fs.nr_open for
/// alice makes setrlimit fail with EPERM, pam_limits refuses the session and sshd drops alice's
/// real key login right after the key was accepted, while root (not named by the line) still gets
/// in. sec.pam.limits names the file:line and alice (crit) and that this module refuses. The
/// repair lowers the value to fs.nr_open (the check is ok), and alice's real login works again
/// where sshd may raise a hard limit (CAP_SYS_RESOURCE; a sandbox that drops it still refuses any
/// hard nofile above the one sshd started with, which is asserted and printed instead); undo
/// brings the line and the refusal back; a value the kernel grants here lets alice in.
#[test]
fn lab_upstream_pam_limits_refuses_the_login_until_the_value_is_one_the_kernel_grants() {
    if !login_lab::lab_ok() {
        return;
    }
    let Some(module) = upstream_pam_limits() else { return };
    let Some(distro) = distro_pam_limits() else {
        require(false, "the upstream pam_limits lab needs the distribution's pam_limits.so (libpam-modules)");
        return;
    };
    let lab = login_lab::Lab::new("fx-uplim", &[account("root", 0), account("alice", 1000)], &login_lab::config(""));
    // The cache is under ~ and the lab machine has its own /root: the module goes in by a copy.
    let copy = lab.m.dir.path().join("pam_limits.so");
    std::fs::copy(&module, &copy).expect("copy the upstream module");
    lab.m.sh(&format!("mount --bind {} {}", copy.display(), distro.display()));
    let (ok, said) = lab.key_login("alice");
    assert!(ok, "alice logs in under upstream's pam_limits first: {said}\nsshd: {}", lab.sshd.log());
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.pam.limits"]);
    assert_eq!(status_of(&r, "sec.pam.limits"), "ok", "{r:#}");

    let nr_open: u64 = std::fs::read_to_string("/proc/sys/fs/nr_open").expect("nr_open").trim().parse().expect("n");
    let too_many = nr_open + 1;
    let base = std::fs::read_to_string(lab.m.path("/etc/security/limits.conf")).unwrap_or_default();
    let at = format!("/etc/security/limits.conf:{}", base.lines().count() + 1);
    lab.m.write("/etc/security/limits.conf", &format!("{base}alice hard nofile {too_many}\n"));
    let path = lab.m.path("/etc/security/limits.conf");
    let original = file_state(&path);
    let (ok, said) = lab.key_login("alice");
    assert!(!ok, "upstream's pam_limits let alice's session open: {said}");
    let log = lab.sshd.log();
    assert!(log.contains("Accepted publickey for alice"), "the key was accepted: {log}");
    assert!(log.contains("pam_open_session(): Permission denied"), "PAM refused the session: {log}");
    assert!(lab.key_login("root").0, "root is not named by the line and gets in");

    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.pam.limits"]);
    assert_eq!(status_of(&r, "sec.pam.limits"), "crit", "{r:#}");
    assert_eq!(subjects(&r, "sec.pam.limits"), vec![at.clone()], "{r:#}");
    let f = findings(&r, "sec.pam.limits");
    let want = format!(
        "{at} sets hard nofile {too_many} for alice, above fs.nr_open {nr_open}: this pam_limits refuses the \
         session, so every login of alice is closed at once"
    );
    assert!(f.contains(&want), "{want:?} not in {f}");
    let evidence = check(&r, "sec.pam.limits")["findings"].to_string();
    let module = "pam_limits.so: refuses the session when setrlimit fails (upstream Linux-PAM)";
    assert!(evidence.contains(module), "the check read which pam_limits runs: {evidence}");

    let out = fix(&lab.m, &["--only", "sec.pam.limits"]);
    let plan = stdout(&out);
    assert!(plan.contains(&format!("    +alice hard nofile {nr_open}")), "{plan}{}", stderr(&out));
    assert_eq!(file_state(&path), original, "the plan changes nothing");
    let out = fix(&lab.m, &["--only", "sec.pam.limits", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.pam.limits"]);
    assert_eq!(status_of(&r, "sec.pam.limits"), "ok", "{r:#}");
    let (ok, said) = lab.key_login("alice");
    if can_raise_hard_limits() {
        assert!(ok, "alice's real login works after the repair: {said}\nsshd: {}", lab.sshd.log());
    } else {
        // fs.nr_open is above the hard limit sshd was started with, and raising it needs the
        // capability this sandbox drops: upstream's pam_limits still refuses here (not on a server).
        assert!(!ok, "without CAP_SYS_RESOURCE no session gets a hard nofile above {}", own_hard_nofile());
        eprintln!("this machine drops CAP_SYS_RESOURCE: the repaired value fs.nr_open is still refused here");
    }

    let out = fix(&lab.m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(file_state(&path), original, "sha256, mode and owner restored");
    assert!(!lab.key_login("alice").0, "the undone repair brings the refusal back");

    // The cause was that line: at a value the kernel grants (the hard limit sshd already has,
    // which needs no capability) alice's real session opens again, and the check is quiet.
    let granted = own_hard_nofile();
    lab.m.write("/etc/security/limits.conf", &format!("{base}alice hard nofile {granted}\n"));
    let (ok, said) = lab.key_login("alice");
    assert!(ok, "alice logs in with hard nofile {granted}: {said}\nsshd: {}", lab.sshd.log());
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.pam.limits"]);
    assert_eq!(status_of(&r, "sec.pam.limits"), "ok", "{r:#}");
}

/// Every real login of the lab's accounts, by key (alice, root) and by password (alice, with
/// sshpass): whether each got a session.
fn logins(lab: &login_lab::Lab) -> Vec<(String, bool, String)> {
    let mut out = Vec::new();
    for user in ["alice", "root"] {
        let (ok, said) = lab.key_login(user);
        out.push((format!("{user} (key)"), ok, said));
    }
    let (ok, said) = lab.password_login("alice");
    out.push(("alice (password)".into(), ok, said));
    out
}

/// Asserts that every login of [`logins`] got a session (`want`) or none.
fn assert_logins(lab: &login_lab::Lab, want: bool, when: &str) {
    for (who, ok, said) in logins(lab) {
        assert_eq!(ok, want, "{who} {when}: {said}\nsshd: {}", lab.sshd.log());
    }
}

/// A missing /etc/security/limits.conf, with real logins, under this machine's pam_limits
/// (Debian's) or, with `upstream`, under upstream Linux-PAM's bound over it: pam_limits cannot
/// read its settings and fails the session, so every real login (key or password, root's too)
/// is closed right after it was accepted. sec.pam.limits names the file and the sshd stack's
/// pam_limits line (crit) and the login matrix says nobody gets in because of it. The repair
/// creates the file with no limits (a plan first, which changes nothing); every login works
/// again and both checks are quiet; undo removes the file and the refusals come back. The
/// report after the undo (`None` when the lab is skipped).
fn a_missing_limits_conf(tag: &str, upstream: bool) -> Option<serde_json::Value> {
    if !login_lab::lab_ok() {
        return None;
    }
    let module = if upstream {
        let module = upstream_pam_limits()?;
        let Some(distro) = distro_pam_limits() else {
            require(false, "the upstream pam_limits lab needs the distribution's pam_limits.so (libpam-modules)");
            return None;
        };
        Some((module, distro))
    } else {
        None
    };
    let lab = login_lab::Lab::new(tag, &[account("root", 0), account("alice", 1000)], &login_lab::config(""));
    if let Some((module, distro)) = &module {
        // The cache is under ~ and the lab machine has its own /root: the module goes in by a copy.
        let copy = lab.m.dir.path().join("pam_limits.so");
        std::fs::copy(module, &copy).expect("copy the upstream module");
        lab.m.sh(&format!("mount --bind {} {}", copy.display(), distro.display()));
        let seen = lab.m.command("sha256sum", &[distro.to_str().expect("utf-8 path")]).output().expect("sha256sum");
        let want = files::sha256(&std::fs::read(module).expect("the upstream module"));
        assert!(stdout(&seen).starts_with(&want), "sshd loads upstream's module: {}", stdout(&seen));
    }
    assert_logins(&lab, true, "logs in first");
    let only = ["run", "--format", "json", "--no-save", "--only", "sec.pam.limits", "--only", "sec.login.matrix"];
    let (r, _) = lab.m.doctor(&only);
    assert_eq!(status_of(&r, "sec.pam.limits"), "ok", "{r:#}");

    let conf = "/etc/security/limits.conf";
    let path = lab.m.path(conf);
    lab.m.sh(&format!("rm {conf}"));
    assert_logins(&lab, false, "got a session without limits.conf");
    let log = lab.sshd.log();
    for user in ["alice", "root"] {
        assert!(log.contains(&format!("Accepted publickey for {user}")), "{user}'s key was accepted: {log}");
    }
    assert!(log.contains("Accepted password for alice"), "alice's password was accepted: {log}");
    assert_eq!(log.matches("PAM: pam_open_session(): Error in service module").count(), 3, "{log}");

    let (r, code) = lab.m.doctor(&only);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(status_of(&r, "sec.pam.limits"), "crit", "{r:#}");
    assert_eq!(subjects(&r, "sec.pam.limits"), vec![conf], "{r:#}");
    let f = findings(&r, "sec.pam.limits");
    assert!(f.contains("PAM_LIMITS_CONF_MISSING"), "{f}");
    assert!(
        f.contains(
            "/etc/security/limits.conf is missing and the sshd session stack runs pam_limits as `required`: \
             pam_limits cannot read its settings and fails every session, root's too"
        ),
        "{f}"
    );
    assert!(f.contains("/etc/security/limits.conf: missing"), "{f}");
    assert!(f.contains("session required pam_limits.so"), "the stack's line is the evidence: {f}");
    assert_eq!(check(&r, "sec.login.matrix")["status"], "crit", "{r:#}");
    for user in ["alice", "root"] {
        let row = login_lab::matrix_row(&r, user);
        assert_eq!(row[1], "no", "{row}");
        let why = row[3].as_str().unwrap_or_default();
        assert!(why.contains("pam_limits cannot read /etc/security/limits.conf, which is missing"), "{row}");
    }

    let out = fix(&lab.m, &["--only", "sec.pam.limits"]);
    let plan = stdout(&out);
    for want in [
        "create /etc/security/limits.conf with no limits in it (a comment; mode 0644), so that pam_limits \
         (`/etc/pam.d/sshd:",
        "+# /etc/security/limits.conf: created by `ecs-doctor fix` (sec.pam.limits, PAM_LIMITS_CONF_MISSING).",
        "applied only when every account that can log in now still can after",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert!(!path.exists(), "the plan changes nothing");

    let out = fix(&lab.m, &["--only", "sec.pam.limits", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let (_, mode, uid, gid) = file_state(&path);
    assert_eq!((mode, uid, gid), (0o644, 0, 0), "a file pam_limits (and everyone) may read, root's");
    assert_logins(&lab, true, "logs in after the repair");
    let (r, code) = lab.m.doctor(&only);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(status_of(&r, "sec.pam.limits"), "ok", "{r:#}");
    assert_eq!(status_of(&r, "sec.login.matrix"), "ok", "{r:#}");

    let out = fix(&lab.m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(!path.exists(), "undo removes the file the repair created");
    assert_logins(&lab, false, "got a session after the undo");
    let (r, code) = lab.m.doctor(&only);
    assert_eq!(code, 2, "{r:#}");
    Some(r)
}

/// [`a_missing_limits_conf`] under the distribution's own pam_limits (Debian's, as installed).
#[test]
fn lab_a_missing_limits_conf_refuses_every_login_roots_too_and_is_named() {
    let Some(r) = a_missing_limits_conf("fx-nolim", false) else { return };
    assert_eq!(subjects(&r, "sec.pam.limits"), vec!["/etc/security/limits.conf"], "named again after undo: {r:#}");
}

/// [`a_missing_limits_conf`] under upstream Linux-PAM's pam_limits, as RHEL, Alibaba Cloud Linux
/// and Fedora ship it (built by `.ci/upstream-pam-limits`, bound over Debian's in the lab).
#[test]
fn lab_a_missing_limits_conf_under_upstream_pam_limits_is_repaired_and_undone() {
    let Some(r) = a_missing_limits_conf("fx-uplim2", true) else { return };
    assert_eq!(subjects(&r, "sec.pam.limits"), vec!["/etc/security/limits.conf"], "named again after undo: {r:#}");
}
