//! `ecs-doctor fix` against a real sshd (root only, under the lab lock): the lab of
//! `tests/topology.rs` with the server machine of [`crate::integration::lab_sshd`], a real
//! client login before and after each repair. PermitEmptyPasswords yes in a drop-in is set to
//! no, validated with `sshd -t`, sshd reloaded (SIGHUP) and root still logs in; the same repair
//! is rolled back when another drop-in makes `sshd -t` fail (sshd keeps its old configuration);
//! a ListenAddress the host does not have is commented out; a drop-in that locks every account
//! out (`DenyUsers *`) is commented out and root logs in again, the login matrix proving it.

use crate::common::*;
use crate::integration::lab_sshd::{Machine, Sshd, ssh_lab_ok};
use crate::topology::{Lab, MdMode, SERVER_IP};
use ecs_doctor::repair::files::sha256;
use std::process::Output;

/// The server: booted with systemd, its ssh unit enabled (as in `reach_ssh_lab`).
pub(crate) fn server(lab: &Lab) -> Machine {
    let m = Machine::new(&lab.server, true);
    m.sh("mkdir -p /etc/systemd/system/multi-user.target.wants && \
          ln -sf /lib/systemd/system/ssh.service /etc/systemd/system/multi-user.target.wants/ssh.service");
    m
}

/// A real login as root from the client. sshd re-executes itself on SIGHUP and its socket is
/// closed for a moment, so a refused connection is tried again (at most 40 times).
pub(crate) fn root_logs_in(sshd: &Sshd, lab: &Lab) -> Output {
    let mut out = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    for _ in 0..40 {
        if out.status.success() || !stderr(&out).contains("Connection refused") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        out = sshd.ssh_from(&lab.client, SERVER_IP, "root");
    }
    out
}

pub(crate) fn fix(m: &Machine, args: &[&str]) -> Output {
    let mut all = vec!["fix"];
    all.extend_from_slice(args);
    m.doctor_cmd(&all).output().expect("ecs-doctor fix on the machine")
}

pub(crate) fn status(m: &Machine, id: &str) -> String {
    let (r, _) = m.doctor(&["run", "--format", "json", "--no-save", "--only", id]);
    status_of(&r, id)
}

pub(crate) fn sha_on(m: &Machine, path: &str) -> String {
    sha256(&std::fs::read(m.path(path)).expect("read on the machine"))
}

const WITH_DROP_INS: &str = "Include /etc/ssh/sshd_config.d/*.conf\n";

#[test]
fn permit_empty_passwords_is_set_to_no_validated_reloaded_and_root_still_logs_in() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    m.write("/etc/ssh/sshd_config.d/50-empty.conf", "PermitEmptyPasswords yes\n");
    let sshd = Sshd::start(&m, &Sshd::config(22, WITH_DROP_INS)).expect("sshd");
    assert!(root_logs_in(&sshd, &lab).status.success());
    assert_eq!(status(&m, "sec.ssh.empty-passwords"), "crit");
    let before = (sha_on(&m, "/etc/ssh/sshd_config"), sha_on(&m, "/etc/ssh/sshd_config.d/50-empty.conf"));
    let pid = sshd.pid().expect("sshd runs");

    let out = fix(&m, &["--only", "sec.ssh.empty-passwords"]);
    let plan = stdout(&out);
    for want in [
        "sshd-permitemptypasswords-".to_string(),
        "    -PermitEmptyPasswords yes".to_string(),
        "    +# PermitEmptyPasswords yes  # ecs-doctor fix: replaced by \"PermitEmptyPasswords no\"".to_string(),
        "    +PermitEmptyPasswords no".to_string(),
        "validate: sshd -t -f /etc/ssh/sshd_config".to_string(),
        format!("then: kill -HUP {pid}"),
        "applied only when every account that can log in now still can after".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    assert_eq!((sha_on(&m, "/etc/ssh/sshd_config"), sha_on(&m, "/etc/ssh/sshd_config.d/50-empty.conf")), before);

    let out = fix(&m, &["--only", "sec.ssh.empty-passwords", "--apply", "--yes", "--no-save"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("repaired and verified (sec.ssh.empty-passwords no longer finds it)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(status(&m, "sec.ssh.empty-passwords"), "ok");
    let login = root_logs_in(&sshd, &lab);
    assert!(login.status.success(), "root still logs in after the reload: {}", stderr(&login));
    assert!(sshd.log().contains("Received SIGHUP"), "sshd was reloaded: {}", sshd.log());
    let effective = m.command("/usr/sbin/sshd", &["-T", "-f", "/etc/ssh/sshd_config"]).output().expect("sshd -T");
    assert!(stdout(&effective).contains("permitemptypasswords no"), "{}", stdout(&effective));

    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!((sha_on(&m, "/etc/ssh/sshd_config"), sha_on(&m, "/etc/ssh/sshd_config.d/50-empty.conf")), before);
    assert_eq!(status(&m, "sec.ssh.empty-passwords"), "crit", "undone");
    assert!(root_logs_in(&sshd, &lab).status.success());
}

#[test]
fn a_repair_sshd_t_rejects_is_rolled_back_and_sshd_keeps_serving() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    m.write("/etc/ssh/sshd_config.d/50-empty.conf", "PermitEmptyPasswords yes\n");
    let sshd = Sshd::start(&m, &Sshd::config(22, WITH_DROP_INS)).expect("sshd");
    // Pushed after sshd started: the running daemon does not know, `sshd -t` does.
    m.write("/etc/ssh/sshd_config.d/60-typo.conf", "PermitEmptyPasswordz no\n");
    let before = (sha_on(&m, "/etc/ssh/sshd_config"), sha_on(&m, "/etc/ssh/sshd_config.d/50-empty.conf"));
    let out = fix(&m, &["--only", "sec.ssh.empty-passwords", "--apply", "--yes", "--no-save"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("rolled back, the system is as it was: sshd -t -f /etc/ssh/sshd_config rejected the change"),
        "{err}"
    );
    assert!(err.contains("PermitEmptyPasswordz"), "sshd's own words: {err}");
    assert_eq!((sha_on(&m, "/etc/ssh/sshd_config"), sha_on(&m, "/etc/ssh/sshd_config.d/50-empty.conf")), before);
    assert!(!sshd.log().contains("Received SIGHUP"), "a rejected config never reaches sshd: {}", sshd.log());
    assert!(root_logs_in(&sshd, &lab).status.success());
    let out = fix(&m, &["--list"]);
    assert!(stdout(&out).contains("  rolled back  sec.ssh.empty-passwords"), "{}", stdout(&out));
}

#[test]
fn a_listen_address_the_host_does_not_have_is_commented_out_and_root_still_logs_in() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let sshd = Sshd::start(&m, &Sshd::config(22, &format!("ListenAddress {SERVER_IP}\nListenAddress 10.88.0.99\n")))
        .expect("sshd binds the address it has");
    assert_eq!(status(&m, "net.ssh.listen-address"), "crit");
    let out = fix(&m, &["--only", "net.ssh.listen-address", "--apply", "--yes", "--no-save"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let config = std::fs::read_to_string(m.path("/etc/ssh/sshd_config")).expect("config");
    assert!(config.contains(&format!("\nListenAddress {SERVER_IP}\n")), "{config}");
    assert!(
        config.contains("\n# ListenAddress 10.88.0.99  # ecs-doctor fix: 10.88.0.99 is not an address of this host\n"),
        "{config}"
    );
    assert_eq!(status(&m, "net.ssh.listen-address"), "ok");
    assert!(root_logs_in(&sshd, &lab).status.success());
}

#[test]
fn a_drop_in_that_locks_everybody_out_is_commented_out_and_root_logs_in_again() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let sshd = Sshd::start(&m, &Sshd::config(22, WITH_DROP_INS)).expect("sshd");
    assert!(root_logs_in(&sshd, &lab).status.success());
    // The fault, for real: a drop-in denying everyone, and sshd reloaded with it.
    m.write("/etc/ssh/sshd_config.d/99-lock.conf", "# pushed by mistake\nDenyUsers *\n");
    m.sh(&format!("kill -HUP {}", sshd.pid().expect("sshd runs")));
    let mut locked = root_logs_in(&sshd, &lab);
    for _ in 0..40 {
        if !locked.status.success() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        locked = root_logs_in(&sshd, &lab);
    }
    assert!(!locked.status.success(), "DenyUsers * locks root out");
    let (r, _) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.login.matrix"]);
    assert_eq!(status_of(&r, "sec.login.matrix"), "crit", "{r:#}");

    let out = fix(&m, &["--only", "sec.login.matrix"]);
    let plan = stdout(&out);
    assert!(plan.contains("    +# DenyUsers *  # ecs-doctor fix: it locked every account out"), "{plan}");
    let out = fix(&m, &["--only", "sec.login.matrix", "--apply", "--yes", "--no-save"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(status(&m, "sec.login.matrix"), "ok");
    let login = root_logs_in(&sshd, &lab);
    assert!(login.status.success(), "root logs in again: {}", stderr(&login));
}
