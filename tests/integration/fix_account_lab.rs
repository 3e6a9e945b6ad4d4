//! `ecs-doctor fix` giving an account its login back (`action.account`).
//!
//! - Expiry, for real: the login lab's machine (login_lab.rs: a real sshd with Debian's PAM
//!   stack, accounts in a private /etc) has an account expired yesterday and one whose password
//!   is past its maximum age. Real key logins of both are refused. Without `--user` nothing is
//!   repaired (an expired account may have been closed on purpose); with `--user gone` the plan
//!   shows the /etc/shadow diff without any password hash, apply lets that one account in for
//!   real (the other stays out), and undo restores /etc/shadow's sha256, mode and owner, after
//!   which the login is refused again.
//! - The login shell, in a `--root` tree: `/bin/bash` recorded, /bin a real directory without
//!   it, the same bash at /usr/bin/bash and listed in /etc/shells: repaired; `/bin/fish` with no
//!   fish anywhere: refused, since the intended shell is not knowable.

use super::login_lab::{Account, HASH, Lab, account, config, lab_ok, today};
use crate::common::*;
use ecs_doctor::repair::files;
use std::os::unix::fs::MetadataExt;
use std::process::Output;

fn fix(lab: &Lab, args: &[&str]) -> Output {
    let mut all = vec!["fix", "--only", "sec.accounts.password-expiry", "--no-save"];
    all.extend_from_slice(args);
    lab.m.doctor_cmd(&all).env("ECS_DOCTOR_REPAIR_DIR", "/run/ecs-doctor-repairs").output().expect("ecs-doctor fix")
}

fn shadow_state(lab: &Lab) -> (String, u32, u32, u32) {
    let p = lab.m.path("/etc/shadow");
    let meta = std::fs::metadata(&p).expect("stat");
    (files::sha256(&std::fs::read(&p).expect("read")), meta.mode() & 0o7777, meta.uid(), meta.gid())
}

fn codes_of(lab: &Lab, user: &str) -> Vec<String> {
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.accounts.password-expiry"]);
    check(&r, "sec.accounts.password-expiry")["findings"]
        .as_array()
        .map(|f| {
            f.iter().filter(|x| x["subject"] == user).filter_map(|x| x["code"].as_str().map(str::to_string)).collect()
        })
        .unwrap_or_default()
}

#[test]
fn lab_an_expired_account_named_by_the_customer_logs_in_again_and_the_undo_shuts_it_again() {
    if !lab_ok() {
        return;
    }
    let t = today();
    let lab = Lab::new(
        "fx-acct",
        &[
            account("root", 0),
            Account { shadow: format!("{HASH}:{}:0:99999:7::{}:", t - 10, t - 1), ..account("gone", 1001) },
            Account { shadow: format!("{HASH}:{}:0:30:7:::", t - 100), ..account("aged", 1002) },
        ],
        &config(""),
    );
    assert!(!lab.key_login("gone").0, "an expired account is refused");
    assert!(!lab.key_login("aged").0, "an expired password is refused without a terminal");
    assert_eq!(codes_of(&lab, "gone"), ["ACCOUNT_EXPIRED"]);
    let before = shadow_state(&lab);

    // No account named: nothing is let in.
    let plan = stdout(&fix(&lab, &[]));
    assert!(plan.contains("ecs-doctor fix --user gone") && plan.contains("ecs-doctor fix --user aged"), "{plan}");
    assert!(!plan.contains("+++ b/etc/shadow"), "{plan}");
    let out = fix(&lab, &["--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(shadow_state(&lab), before);

    // Named: the diff, with no password hash in it.
    let out = fix(&lab, &["--user", "gone"]);
    let plan = stdout(&out);
    for want in [
        "remove the expiry date (",
        &format!("-gone:<hash>:{}:0:99999:7::{}:", t - 10, t - 1),
        &format!("+gone:<hash>:{}:0:99999:7:::", t - 10),
    ] {
        assert!(plan.contains(want), "missing {want:?} in:\n{plan}\n{}", stderr(&out));
    }
    assert!(!plan.contains(HASH) && !plan.contains("$6$"), "a password hash in the plan:\n{plan}");
    assert_eq!(shadow_state(&lab), before, "the plan changed /etc/shadow");

    let out = fix(&lab, &["--user", "gone", "--apply", "--yes", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains(HASH), "a password hash in the report");
    let (ok, err) = lab.key_login("gone");
    assert!(ok, "gone logs in again: {err}\nsshd: {}", lab.sshd.log());
    assert!(!lab.key_login("aged").0, "an account nobody named stays as it was");
    assert!(codes_of(&lab, "gone").is_empty());

    let out = fix(&lab, &["--user", "aged", "--apply", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    assert!(lab.key_login("aged").0, "the renewed password lets aged in\nsshd: {}", lab.sshd.log());
    assert!(lab.password_login("aged").0, "with the same password");

    for _ in 0..2 {
        let out = lab.m.doctor_cmd(&["fix", "--undo"]).env("ECS_DOCTOR_REPAIR_DIR", "/run/ecs-doctor-repairs").output();
        let out = out.expect("fix --undo");
        assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    }
    assert_eq!(shadow_state(&lab), before, "undo restores /etc/shadow's sha256, mode and owner");
    assert!(!lab.key_login("gone").0 && !lab.key_login("aged").0, "both are refused again");
}

#[test]
fn a_missing_shell_is_replaced_only_by_the_same_program_at_the_other_half_of_usr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let put = |path: &str, text: &str, mode: u32| {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(mode)).expect("chmod");
    };
    let passwd = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/fish\n";
    put("/etc/passwd", passwd, 0o644);
    put("/etc/shadow", "root:*:19000:0:99999:7:::\nalice:*:19000:0:99999:7:::\nbob:*:19000:0:99999:7:::\n", 0o640);
    put("/etc/group", "root:x:0:\nalice:x:1000:\nbob:x:1001:\n", 0o644);
    put("/etc/shells", "/bin/sh\n/usr/bin/bash\n/bin/fish\n", 0o644);
    put("/etc/hostname", "web-1\n", 0o644);
    put("/bin/sh", "#!/bin/sh\n", 0o755);
    put("/usr/bin/bash", "#!/bin/sh\n", 0o755);
    for d in ["root", "home/alice", "home/bob"] {
        std::fs::create_dir_all(root.join(d)).expect("home");
    }
    let r = root.display().to_string();
    let fix = |args: &[&str]| {
        let mut all = vec!["fix", "--root", &r, "--only", "sec.accounts.login-shell", "--no-save"];
        all.extend_from_slice(args);
        doctor(&all)
    };
    let Some(out) = fix(&[]) else { return };
    let plan = stdout(&out);
    for want in [
        "set the login shell of alice from /bin/bash, which is gone, to /usr/bin/bash, the same program, in /etc/passwd",
        "+alice:x:1000:1000::/home/alice:/usr/bin/bash",
        "which shell bob should have is not knowable: /bin/fish is gone",
    ] {
        assert!(plan.contains(want), "missing {want:?} in:\n{plan}\n{}", stderr(&out));
    }
    let before = std::fs::read(root.join("etc/passwd")).expect("passwd");
    let Some(out) = fix(&["--apply", "--yes"]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let now = std::fs::read_to_string(root.join("etc/passwd")).expect("passwd");
    assert!(now.contains("alice:x:1000:1000::/home/alice:/usr/bin/bash\n") && now.contains("/bin/fish"), "{now}");
    let Some((rep, _)) = run_json(root, &["--only", "sec.accounts.login-shell"]) else { return };
    assert_eq!(subjects(&rep, "sec.accounts.login-shell"), ["bob"], "{rep:#}");
    let Some(out) = doctor(&["fix", "--root", &r, "--undo"]) else { return };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(root.join("etc/passwd")).expect("passwd"), before);
}
