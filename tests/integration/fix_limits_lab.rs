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
//! Root only; run under the lab lock.

use crate::common::*;
use crate::integration::fix_system_lab::file_state;
use crate::integration::lab_sshd::{Machine, Sshd, ssh_lab_ok};
use crate::topology::{Lab, MdMode, SERVER_IP};
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
    // Raising a hard limit needs CAP_SYS_RESOURCE; a sandbox that drops it caps every session at
    // the limit it was started with, whatever the file says.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let caps = status.lines().find_map(|l| l.strip_prefix("CapEff:")).map(str::trim).unwrap_or("0");
    let sys_resource = u64::from_str_radix(caps, 16).is_ok_and(|c| c & (1 << 24) != 0);
    if sys_resource {
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
