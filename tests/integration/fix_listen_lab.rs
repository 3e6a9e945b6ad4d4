//! `ecs-doctor fix` against a real sshd bound to loopback alone (`ListenAddress 127.0.0.1`, as
//! some hardening guides write), on the server machine of `fix_sshd_lab` (root only, under the
//! lab lock): a login from the client is refused before, the loopback line is commented out,
//! validated with `sshd -t`, sshd reloaded (SIGHUP) and root logs in from the client; undo puts
//! the line back and sshd answers this server alone again.

use crate::common::*;
use crate::integration::fix_sshd_lab::{fix, root_logs_in, server, sha_on, status};
use crate::integration::lab_sshd::{Sshd, ssh_lab_ok};
use crate::topology::{Lab, MdMode, SERVER_IP};

/// Whether the client's login is refused at the door (nothing listens on the server's address);
/// tried for a few seconds, as sshd re-executes itself on SIGHUP.
fn refused(sshd: &Sshd, lab: &Lab) -> bool {
    for _ in 0..20 {
        let out = sshd.ssh_from(&lab.client, SERVER_IP, "root");
        if !out.status.success() && stderr(&out).contains("Connection refused") {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    false
}

#[test]
fn sshd_bound_to_loopback_alone_listens_on_every_address_after_the_repair_and_root_logs_in_from_outside() {
    if !ssh_lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    let m = server(&lab);
    let sshd = Sshd::start(&m, &Sshd::config(22, "ListenAddress 127.0.0.1\n")).expect("sshd on loopback");
    assert!(refused(&sshd, &lab), "the fault: a client outside is refused");
    assert_eq!(status(&m, "net.ssh.listen-address"), "crit");
    let before = sha_on(&m, "/etc/ssh/sshd_config");
    let pid = sshd.pid().expect("sshd runs");

    let out = fix(&m, &["--only", "net.ssh.listen-address"]);
    let plan = stdout(&out);
    for want in [
        "sshd-listen-address-".to_string(),
        "comment out ListenAddress 127.0.0.1: with no ListenAddress left sshd listens on every address".into(),
        "    -ListenAddress 127.0.0.1".into(),
        "    +# ListenAddress 127.0.0.1  # ecs-doctor fix: 127.0.0.1 is loopback: clients outside were refused".into(),
        "validate: sshd -t -f /etc/ssh/sshd_config".into(),
        format!("then: kill -HUP {pid}"),
        "applied only when every account that can log in now still can after".into(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    assert_eq!(sha_on(&m, "/etc/ssh/sshd_config"), before, "the plan changed nothing");

    let out = fix(&m, &["--only", "net.ssh.listen-address", "--apply", "--yes", "--no-save"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("repaired and verified (net.ssh.listen-address no longer finds it)"),
        "{}",
        stderr(&out)
    );
    let login = root_logs_in(&sshd, &lab);
    assert!(login.status.success(), "root logs in from the client: {}", stderr(&login));
    assert_eq!(status(&m, "net.ssh.listen-address"), "ok");
    assert!(sshd.log().contains("Received SIGHUP"), "sshd was reloaded: {}", sshd.log());

    let out = fix(&m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sha_on(&m, "/etc/ssh/sshd_config"), before, "undone");
    assert!(refused(&sshd, &lab), "sshd answers this server alone again after the undo");
    assert_eq!(status(&m, "net.ssh.listen-address"), "crit", "undone");
}
