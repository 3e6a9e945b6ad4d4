//! `ecs-doctor fix` for findings of checks that already had another repair, each against its
//! real fault (root only, under the lab lock).
//!
//! - A login shell missing from /etc/shells (`sec.accounts.login-shell` `SHELL_NOT_LISTED`,
//!   `action.shells`): the login lab's machine (login_lab.rs: a real sshd with Debian's PAM
//!   stack, accounts in a private /etc) with `pam_shells` in its account stack, as hardened
//!   servers have it, and an /etc/shells that lost `/bin/bash`. ann's real key login is refused;
//!   the plan shows the /etc/shells diff and changes nothing; apply adds `/bin/bash` and ann
//!   logs in; undo restores /etc/shells (sha256, mode, owner) and ann is refused again.

use super::login_lab::{Account, Lab, account, config, lab_ok};
use crate::common::*;
use ecs_doctor::repair::files;
use std::os::unix::fs::MetadataExt;
use std::process::Output;

/// `ecs-doctor fix ARGS` on the lab's machine, its records in the machine's private /run.
fn fix_on(lab: &Lab, args: &[&str]) -> Output {
    let mut all = vec!["fix", "--no-save"];
    all.extend_from_slice(args);
    lab.m.doctor_cmd(&all).env("ECS_DOCTOR_REPAIR_DIR", "/run/ecs-doctor-repairs").output().expect("ecs-doctor fix")
}

/// sha256, mode, owner and group of a file on the lab's machine.
fn state(lab: &Lab, path: &str) -> (String, u32, u32, u32) {
    let p = lab.m.path(path);
    let meta = std::fs::metadata(&p).expect("stat");
    (files::sha256(&std::fs::read(&p).expect("read")), meta.mode() & 0o7777, meta.uid(), meta.gid())
}

/// The codes `id` finds about `subject` on the lab's machine.
fn codes(lab: &Lab, id: &str, subject: &str) -> Vec<String> {
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", id]);
    check(&r, id)["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter(|x| x["subject"] == subject)
                .filter_map(|x| x["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn lab_a_shell_missing_from_etc_shells_is_listed_and_pam_shells_lets_the_account_in() {
    if !lab_ok() {
        return;
    }
    const ID: &str = "sec.accounts.login-shell";
    let lab =
        Lab::new("fx-shells", &[Account { shell: "/bin/sh", ..account("root", 0) }, account("ann", 1000)], &config(""));
    assert!(lab.key_login("ann").0, "ann logs in before the fault\nsshd: {}", lab.sshd.log());
    // pam_shells in the account stack (key logins skip auth), and /bin/bash gone from the list.
    let debian = std::fs::read_to_string("/etc/pam.d/sshd").unwrap_or_default();
    lab.m.write("/etc/pam.d/sshd", &format!("account required pam_shells.so\n{debian}"));
    let shells = std::fs::read_to_string(lab.m.path("/etc/shells")).expect("/etc/shells");
    let lost: String = shells.lines().filter(|l| l.trim() != "/bin/bash").map(|l| format!("{l}\n")).collect();
    assert_ne!(lost, shells, "the machine's /etc/shells lists /bin/bash");
    lab.m.write("/etc/shells", &lost);
    let (ok, err) = lab.key_login("ann");
    assert!(!ok, "pam_shells refuses a shell /etc/shells does not list: {err}");
    assert!(lab.key_login("root").0, "root's /bin/sh is listed\nsshd: {}", lab.sshd.log());
    assert_eq!(codes(&lab, ID, "ann"), ["SHELL_NOT_LISTED"]);
    let before = state(&lab, "/etc/shells");

    let out = fix_on(&lab, &["--only", ID]);
    let plan = stdout(&out);
    for want in [
        "add /bin/bash, the login shell of ann (installed and executable), to /etc/shells",
        "+++ b/etc/shells",
        "\n    +/bin/bash\n",
    ] {
        assert!(plan.contains(want), "missing {want:?} in:\n{plan}\n{}", stderr(&out));
    }
    assert_eq!(state(&lab, "/etc/shells"), before, "the plan changed /etc/shells");

    let out = fix_on(&lab, &["--only", ID, "--apply", "--yes", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    valid_report(&stdout(&out));
    let (ok, err) = lab.key_login("ann");
    assert!(ok, "ann logs in once /bin/bash is listed: {err}\nsshd: {}", lab.sshd.log());
    assert!(codes(&lab, ID, "ann").is_empty());
    let now = std::fs::read_to_string(lab.m.path("/etc/shells")).expect("/etc/shells");
    assert_eq!(now, format!("{lost}/bin/bash\n"), "only the line is added");

    let out = fix_on(&lab, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(state(&lab, "/etc/shells"), before, "undo restores /etc/shells' sha256, mode and owner");
    assert!(!lab.key_login("ann").0, "ann is refused again");
}
