//! `ecs-doctor fix` on the login path, each repair against its fault made for real on the login
//! lab's machine (`login_lab::Lab`: a real sshd with Debian's PAM stack, real accounts in a
//! private mount namespace, real key and password logins): the plan shows the change and changes
//! nothing, `fix --apply --yes` repairs it (the check is ok afterwards and the login that failed
//! now works, the logins that worked still do), `fix --undo` gives back every byte, mode and
//! owner. And the negative: a repair that would lock an account out (PasswordAuthentication no
//! while an account logs in by password only) is refused by the login guard, nothing changes.
//! Root only, under the lab lock.

use crate::common::{stderr, stdout};
use crate::integration::fix_sshd_lab::{fix, sha_on, status};
use crate::integration::lab_sshd::Machine;
use crate::integration::login_lab::{Account, Lab, account, config, lab_ok};
use std::os::unix::fs::MetadataExt;

/// Retries a login while sshd is re-executing itself after SIGHUP (its socket closed for a
/// moment: "Connection refused"), at most 40 times.
pub(crate) fn login(f: impl Fn() -> (bool, String)) -> (bool, String) {
    let mut out = f();
    for _ in 0..40 {
        if out.0 || !out.1.contains("Connection refused") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        out = f();
    }
    out
}

/// Mode (permission bits), uid and gid of a path on the machine.
pub(crate) fn stat_on(m: &Machine, path: &str) -> (u32, u32, u32) {
    let md = std::fs::metadata(m.path(path)).unwrap_or_else(|e| panic!("stat {path} on the machine: {e}"));
    (md.mode() & 0o7777, md.uid(), md.gid())
}

pub(crate) fn apply(m: &Machine, only: &str) -> std::process::Output {
    let out = fix(m, &["--only", only, "--apply", "--yes", "--no-save"]);
    assert_eq!(out.status.code(), Some(0), "fix --apply for {only}: {}\n{}", stderr(&out), stdout(&out));
    assert!(stderr(&out).contains(&format!("repaired and verified ({only} no longer finds it)")), "{}", stderr(&out));
    out
}

pub(crate) fn undo(m: &Machine) {
    let out = fix(m, &["--undo"]);
    assert_eq!(out.status.code(), Some(0), "fix --undo: {}", stderr(&out));
}

/// Whether account `uid` (no supplementary groups) can run `script` on the machine.
pub(crate) fn as_user(m: &Machine, uid: u32, script: &str) -> bool {
    let (u, g) = (format!("--reuid={uid}"), format!("--regid={uid}"));
    m.command("setpriv", &[&u, &g, "--clear-groups", "sh", "-c", script]).output().is_ok_and(|o| o.status.success())
}

const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

#[test]
fn lab_password_logins_are_turned_off_when_every_account_has_a_key() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-pwauth", &[account("root", 0), account("admin", 1000)], &config(""));
    assert!(lab.password_login("admin").0, "admin's password login works before\nsshd: {}", lab.sshd.log());
    assert_eq!(status(&lab.m, "sec.ssh.password-auth"), "warn");
    let before = sha_on(&lab.m, SSHD_CONFIG);

    let plan = stdout(&fix(&lab.m, &["--only", "sec.ssh.password-auth"]));
    for want in [
        "sshd-passwordauthentication-",
        "    -PasswordAuthentication yes",
        "    +# PasswordAuthentication yes  # ecs-doctor fix: replaced by \"PasswordAuthentication no\"",
        "    +PasswordAuthentication no",
        "validate: sshd -t -f /etc/ssh/sshd_config",
        "applied only when every account that can log in now still can after",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
    assert_eq!(sha_on(&lab.m, SSHD_CONFIG), before, "the plan changes nothing");

    apply(&lab.m, "sec.ssh.password-auth");
    assert_eq!(status(&lab.m, "sec.ssh.password-auth"), "ok");
    let (ok, err) = login(|| lab.key_login("admin"));
    assert!(ok, "admin's key login after the reload: {err}");
    assert!(!lab.password_login("admin").0, "password logins are off for real");
    assert!(lab.sshd.log().contains("Received SIGHUP"), "{}", lab.sshd.log());

    undo(&lab.m);
    assert_eq!(sha_on(&lab.m, SSHD_CONFIG), before);
    assert_eq!(status(&lab.m, "sec.ssh.password-auth"), "warn", "undone");
    let (ok, err) = login(|| lab.password_login("admin"));
    assert!(ok, "admin's password login is back: {err}");
}

/// The negative: admin logs in with its password and has no key. PasswordAuthentication no
/// would lock it out, so the login guard rolls the repair back before sshd ever sees it.
#[test]
fn lab_the_login_guard_refuses_password_logins_off_while_an_account_has_only_a_password() {
    if !lab_ok() {
        return;
    }
    let lab =
        Lab::new("fx-guard", &[account("root", 0), Account { key: false, ..account("admin", 1000) }], &config(""));
    assert!(lab.password_login("admin").0, "admin's password login\nsshd: {}", lab.sshd.log());
    assert!(!lab.key_login("admin").0, "admin has no key");
    let before = sha_on(&lab.m, SSHD_CONFIG);
    let mode_before = stat_on(&lab.m, SSHD_CONFIG);

    let out = fix(&lab.m, &["--only", "sec.ssh.password-auth", "--apply", "--yes", "--no-save"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("rolled back, the system is as it was: after the change admin could no longer log in"),
        "{err}"
    );
    assert_eq!(sha_on(&lab.m, SSHD_CONFIG), before, "nothing changed");
    assert_eq!(stat_on(&lab.m, SSHD_CONFIG), mode_before);
    assert!(!lab.sshd.log().contains("Received SIGHUP"), "sshd never saw it: {}", lab.sshd.log());
    assert!(lab.password_login("admin").0, "admin still logs in with its password");
    assert_eq!(status(&lab.m, "sec.ssh.password-auth"), "warn");
    let list = stdout(&fix(&lab.m, &["--list"]));
    assert!(list.contains("  rolled back  sec.ssh.password-auth"), "{list}");
}

#[test]
fn lab_root_keeps_its_key_and_loses_its_password_over_ssh() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-root", &[account("root", 0), account("admin", 1000)], &config("PermitRootLogin yes\n"));
    assert!(lab.password_login("root").0, "root's password login before\nsshd: {}", lab.sshd.log());
    assert_eq!(status(&lab.m, "sec.ssh.root-login"), "warn");
    let before = sha_on(&lab.m, SSHD_CONFIG);
    let plan = stdout(&fix(&lab.m, &["--only", "sec.ssh.root-login"]));
    assert!(plan.contains("    +PermitRootLogin prohibit-password"), "{plan}");
    assert!(plan.contains("    +# PermitRootLogin yes  # ecs-doctor fix: replaced by"), "{plan}");

    apply(&lab.m, "sec.ssh.root-login");
    let (ok, err) = login(|| lab.key_login("root"));
    assert!(ok, "root's key login: {err}");
    assert!(!lab.password_login("root").0, "root's password is refused over SSH now");
    assert!(lab.password_login("admin").0, "admin's password login is untouched");

    undo(&lab.m);
    assert_eq!(sha_on(&lab.m, SSHD_CONFIG), before);
    let (ok, err) = login(|| lab.password_login("root"));
    assert!(ok, "undone: root's password login is back: {err}");
}

/// A private host key others can read: the real sshd refuses to load it (`sshd -t` with it as
/// the only key fails); the repair closes it, sshd loads it, undo opens it again.
#[test]
fn lab_a_host_key_others_can_read_is_closed_and_sshd_loads_it_again() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-hostkey", &[account("root", 0)], &config(""));
    let key = "/etc/ssh/ssh_host_ed25519_key";
    if !lab.m.path(key).exists() {
        crate::common::require(false, "this machine has no /etc/ssh/ssh_host_ed25519_key (ssh-keygen -A)");
        return;
    }
    lab.m.sh(&format!("chmod 0644 {key}"));
    // sshd's own verdict on that key: a configuration whose only host key it is.
    lab.m.write("/etc/ssh/lab_hostkey_only.conf", &format!("HostKey {key}\nPidFile none\n"));
    let loads = || {
        let out =
            lab.m.command("/usr/sbin/sshd", &["-t", "-f", "/etc/ssh/lab_hostkey_only.conf"]).output().expect("sshd -t");
        (out.status.success(), stderr(&out))
    };
    let (ok, said) = loads();
    assert!(!ok && said.contains("too open"), "sshd refuses the open key: {said}");
    assert_eq!(status(&lab.m, "sec.ssh.host-key-perms"), "crit");
    let before = (sha_on(&lab.m, key), stat_on(&lab.m, key));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.ssh.host-key-perms"]));
    assert!(plan.contains(&format!("runs: chmod 00600 {key}")), "{plan}");
    assert!(plan.contains(&format!("undo runs: chmod 00644 {key}")), "{plan}");
    assert_eq!((sha_on(&lab.m, key), stat_on(&lab.m, key)), before, "the plan changes nothing");

    apply(&lab.m, "sec.ssh.host-key-perms");
    assert_eq!(stat_on(&lab.m, key).0, 0o600);
    let (ok, said) = loads();
    assert!(ok, "sshd loads the key now: {said}");
    assert!(login(|| lab.key_login("root")).0);

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, key), stat_on(&lab.m, key)), before);
    assert_eq!(status(&lab.m, "sec.ssh.host-key-perms"), "crit", "undone");
}

/// /etc/passwd writable and /etc/shadow readable by every account, for real (an ordinary
/// account writes one and reads the other): both given back their standard modes, logins still
/// work, and two undos give back the old modes and owners.
#[test]
fn lab_critical_files_others_can_change_or_read_are_closed() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-crit", &[account("root", 0), account("admin", 1000)], &config(""));
    lab.m.sh("chmod 0666 /etc/passwd && chmod 0644 /etc/shadow");
    assert!(as_user(&lab.m, 1000, "test -w /etc/passwd && cat /etc/shadow >/dev/null"), "the fault is real");
    assert_eq!(status(&lab.m, "sec.files.critical-perms"), "crit");
    let before = [("/etc/passwd", stat_on(&lab.m, "/etc/passwd")), ("/etc/shadow", stat_on(&lab.m, "/etc/shadow"))];
    let shas = (sha_on(&lab.m, "/etc/passwd"), sha_on(&lab.m, "/etc/shadow"));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.files.critical-perms"]));
    assert!(plan.contains("runs: chmod 00644 /etc/passwd") && plan.contains("runs: chmod 00640 /etc/shadow"), "{plan}");

    apply(&lab.m, "sec.files.critical-perms");
    assert_eq!(stat_on(&lab.m, "/etc/passwd").0, 0o644);
    assert_eq!(stat_on(&lab.m, "/etc/shadow").0, 0o640);
    assert!(!as_user(&lab.m, 1000, "test -w /etc/passwd"), "admin cannot write /etc/passwd now");
    assert!(!as_user(&lab.m, 1000, "cat /etc/shadow >/dev/null"), "admin cannot read /etc/shadow now");
    assert!(login(|| lab.key_login("admin")).0 && lab.password_login("admin").0, "logins still work");

    undo(&lab.m);
    undo(&lab.m);
    for (path, st) in before {
        assert_eq!(stat_on(&lab.m, path), st, "{path} restored");
    }
    assert_eq!((sha_on(&lab.m, "/etc/passwd"), sha_on(&lab.m, "/etc/shadow")), shas);
}

/// A directory and a file under /etc every account can write (and a sticky shared directory,
/// which is not a finding and stays as it is): o-w on both, undone after.
#[test]
fn lab_world_writable_entries_in_etc_lose_write_access_for_others() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-ww", &[account("root", 0), account("admin", 1000)], &config(""));
    lab.m.write("/etc/app/app.conf", "x=1\n");
    lab.m.sh("chmod 0777 /etc/app && chmod 0666 /etc/app/app.conf && mkdir -m 1777 /etc/shared");
    assert!(as_user(&lab.m, 1000, "echo y=2 >> /etc/app/app.conf && touch /etc/app/new"), "the fault is real");
    lab.m.sh("rm /etc/app/new");
    assert_eq!(status(&lab.m, "sec.files.world-writable"), "crit");
    let sha = sha_on(&lab.m, "/etc/app/app.conf");

    apply(&lab.m, "sec.files.world-writable");
    assert_eq!(stat_on(&lab.m, "/etc/app").0, 0o775);
    assert_eq!(stat_on(&lab.m, "/etc/app/app.conf").0, 0o664);
    assert_eq!(stat_on(&lab.m, "/etc/shared").0, 0o1777, "a sticky shared directory is left alone");
    assert!(!as_user(&lab.m, 1000, "echo z=3 >> /etc/app/app.conf"), "admin cannot write it now");
    assert!(!as_user(&lab.m, 1000, "touch /etc/app/new"), "nor add a file");

    undo(&lab.m);
    undo(&lab.m);
    assert_eq!(stat_on(&lab.m, "/etc/app").0, 0o777);
    assert_eq!(stat_on(&lab.m, "/etc/app/app.conf").0, 0o666);
    assert_eq!(sha_on(&lab.m, "/etc/app/app.conf"), sha);
}

/// StrictModes, for real: `modes` has only its key; its authorized_keys (0666) and ~/.ssh
/// (0777) are writable by everyone, so sshd refuses its key. `owned` has its key file owned by
/// root, mode 0600: it cannot read it. Both repaired, both log in; undone, both are refused again.
#[test]
fn lab_a_key_file_sshd_refuses_for_its_modes_or_owner_is_given_back_and_the_key_works() {
    if !lab_ok() {
        return;
    }
    let t = crate::integration::login_lab::today();
    let no_password =
        |name: &'static str, uid: u32| Account { shadow: format!("*:{}:0:99999:7:::", t - 10), ..account(name, uid) };
    let lab =
        Lab::new("fx-keys", &[account("root", 0), no_password("modes", 1005), no_password("owned", 1006)], &config(""));
    assert!(lab.key_login("modes").0 && lab.key_login("owned").0, "both log in before\nsshd: {}", lab.sshd.log());
    lab.m.sh("chmod 0666 /home/modes/.ssh/authorized_keys && chmod 0777 /home/modes/.ssh");
    lab.m.sh("chown 0:0 /home/owned/.ssh/authorized_keys && chmod 0600 /home/owned/.ssh/authorized_keys");
    let (ok, err) = lab.key_login("modes");
    assert!(!ok, "StrictModes refuses modes' key: {err}");
    assert!(!lab.key_login("owned").0, "owned cannot read its key file");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.ssh.authorized-keys-usable"]);
    let code =
        |path: &str| crate::integration::login_lab::finding(&r, "sec.ssh.authorized-keys-usable", path)["code"].clone();
    assert_eq!(code("/home/modes/.ssh/authorized_keys"), "KEYS_BAD_MODES");
    assert_eq!(code("/home/owned/.ssh/authorized_keys"), "KEYS_UNREADABLE");
    let paths = ["/home/modes/.ssh/authorized_keys", "/home/modes/.ssh", "/home/owned/.ssh/authorized_keys"];
    let before: Vec<_> = paths.iter().map(|p| stat_on(&lab.m, p)).collect();

    let plan = stdout(&fix(&lab.m, &["--only", "sec.ssh.authorized-keys-usable"]));
    for want in [
        "runs: chmod 00644 /home/modes/.ssh/authorized_keys",
        "runs: chmod 00755 /home/modes/.ssh",
        "runs: chown 1006:1006 /home/owned/.ssh/authorized_keys",
        "undo runs: chown 0:0 /home/owned/.ssh/authorized_keys",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
    assert_eq!(paths.iter().map(|p| stat_on(&lab.m, p)).collect::<Vec<_>>(), before, "the plan changes nothing");

    apply(&lab.m, "sec.ssh.authorized-keys-usable");
    let (ok, err) = lab.key_login("modes");
    assert!(ok, "modes' key works now: {err}\nsshd: {}", lab.sshd.log());
    let (ok, err) = lab.key_login("owned");
    assert!(ok, "owned's key works now: {err}");
    assert_eq!(stat_on(&lab.m, "/home/owned/.ssh/authorized_keys"), (0o600, 1006, 1006));

    undo(&lab.m);
    undo(&lab.m);
    assert_eq!(paths.iter().map(|p| stat_on(&lab.m, p)).collect::<Vec<_>>(), before, "modes and owners restored");
    assert!(!lab.key_login("modes").0 && !lab.key_login("owned").0, "undone: both refused again");
}

/// `UseDNS yes` with a nameserver that never answers (`reach_ssh_lab`'s
/// `SshLab::with_dead_nameserver`): every login first asks it. The repair writes `UseDNS no`, sshd is reloaded,
/// and the same login asks no nameserver at all (the server's counter of queries to it stays);
/// undo gives the file back.
#[test]
fn lab_use_dns_is_turned_off_and_logins_stop_asking_the_dead_nameserver() {
    use crate::integration::fix_sshd_lab::root_logs_in;
    use crate::integration::reach_ssh_lab::SshLab;
    let Some(l) = SshLab::with_dead_nameserver("UseDNS yes\n") else { return };
    let (m, sshd, lab) = (&l.m, &l.sshd, &l.lab);
    let before = l.dns_queries();
    assert!(root_logs_in(sshd, lab).status.success());
    assert!(l.dns_queries() > before, "sshd asked the dead nameserver during the login");
    assert_eq!(status(m, "net.ssh.use-dns"), "warn");
    let sha = sha_on(m, SSHD_CONFIG);

    let plan = stdout(&fix(m, &["--only", "net.ssh.use-dns"]));
    assert!(plan.contains("    -UseDNS yes") && plan.contains("    +UseDNS no"), "{plan}");
    assert_eq!(sha_on(m, SSHD_CONFIG), sha);
    apply(m, "net.ssh.use-dns");
    let login = root_logs_in(sshd, lab);
    assert!(login.status.success(), "root logs in after the reload: {}", stderr(&login));
    let before = l.dns_queries();
    assert!(root_logs_in(sshd, lab).status.success());
    assert_eq!(l.dns_queries(), before, "no DNS query during the login now");

    undo(m);
    assert_eq!(sha_on(m, SSHD_CONFIG), sha);
    assert_eq!(status(m, "net.ssh.use-dns"), "warn", "undone");
}

/// pam_faillock (deny=3 in the lab's PAM stack) locks `pat` after three real wrong passwords;
/// then even the right one is refused. The repair is faillock's own reset: the right password
/// works again. It cannot be undone, and the plan and `fix --undo` say so.
#[test]
fn lab_an_account_pam_faillock_locked_is_unlocked_and_its_password_works_again() {
    if !lab_ok() {
        return;
    }
    let lab =
        Lab::new("fx-faillock", &[account("root", 0), Account { key: false, ..account("pat", 1002) }], &config(""));
    lab.m.write("/etc/pam.d/sshd", &crate::integration::login_lab::faillock_stack());
    lab.m.write("/etc/security/faillock.conf", "deny = 3\nunlock_time = 900\n");
    let (ok, err) = lab.password_login("pat");
    assert!(ok, "pat's password login before: {err}\nsshd: {}", lab.sshd.log());
    for _ in 0..3 {
        assert!(!lab.password_login_with("pat", "wrong-pass").0, "a wrong password logged in");
    }
    assert!(!lab.password_login("pat").0, "pat is locked: the right password is refused");
    assert_eq!(status(&lab.m, "sec.pam.lockout"), "crit");
    let tally = sha_on(&lab.m, "/run/faillock/pat");

    let plan = stdout(&fix(&lab.m, &["--only", "sec.pam.lockout"]));
    assert!(plan.contains("runs: faillock --dir /run/faillock --user pat --reset"), "{plan}");
    assert!(plan.contains("cannot be undone"), "{plan}");
    assert_eq!(sha_on(&lab.m, "/run/faillock/pat"), tally, "the plan changes nothing");

    apply(&lab.m, "sec.pam.lockout");
    let (ok, err) = lab.password_login("pat");
    assert!(ok, "pat's password works again: {err}\nsshd: {}", lab.sshd.log());
    let out = fix(&lab.m, &["--undo"]);
    assert_ne!(out.status.code(), Some(0), "a reset cannot be undone");
    assert!(stderr(&out).contains("which cannot be reversed: not undone"), "{}", stderr(&out));
}

/// /etc/nologin left behind by maintenance: pam_nologin refuses admin's real login (root's
/// still works). The file is moved into the record (backed up) and removed, admin logs in;
/// undo puts it back byte for byte with its mode and owner, and admin is refused again.
#[test]
fn lab_a_nologin_file_left_behind_is_removed_and_put_back_on_undo() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-nologin", &[account("root", 0), account("admin", 1000)], &config(""));
    lab.m.write_mode("/etc/nologin", "Maintenance until 03:00.\n", 0o640);
    assert!(!lab.key_login("admin").0, "pam_nologin refuses admin");
    assert!(lab.key_login("root").0, "root is spared");
    assert_eq!(status(&lab.m, "sec.login.nologin"), "crit");
    let before = (sha_on(&lab.m, "/etc/nologin"), stat_on(&lab.m, "/etc/nologin"));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.login.nologin"]));
    assert!(plan.contains("    -Maintenance until 03:00."), "the removal as a diff: {plan}");
    assert!(lab.m.path("/etc/nologin").exists(), "the plan changes nothing");

    apply(&lab.m, "sec.login.nologin");
    assert!(!lab.m.path("/etc/nologin").exists());
    let (ok, err) = lab.key_login("admin");
    assert!(ok, "admin logs in again: {err}");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, "/etc/nologin"), stat_on(&lab.m, "/etc/nologin")), before, "put back as it was");
    assert!(!lab.key_login("admin").0, "undone: refused again");
}

/// `chattr +i /etc/shadow` and `chattr +a /etc/passwd` (the machine's /etc is an overlay on a
/// tmpfs, which keeps inode flags): a real `chpasswd` fails. Both flags cleared, the password
/// change works and the new password logs in; two undos set both flags again.
#[test]
fn lab_immutable_and_append_only_account_files_are_cleared_and_a_password_change_works() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-chattr", &[account("root", 0), account("admin", 1000)], &config(""));
    let flags = |path: &str| -> String {
        let out = lab.m.command("lsattr", &["-d", path]).output().expect("lsattr");
        stdout(&out).split_whitespace().next().unwrap_or_default().to_string()
    };
    let set = lab.m.command("chattr", &["+i", "/etc/shadow"]).status().is_ok_and(|s| s.success())
        && lab.m.command("chattr", &["+a", "/etc/passwd"]).status().is_ok_and(|s| s.success());
    if !crate::common::require(set, "the lab machine's /etc does not keep inode flags (chattr)") {
        return;
    }
    let chpasswd = |pw: &str| {
        let mut c = lab.m.command("sh", &["-c", &format!("echo admin:{pw} | chpasswd")]);
        c.output().is_ok_and(|o| o.status.success())
    };
    assert!(!chpasswd("changed-pass-1"), "chpasswd fails on an immutable /etc/shadow");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.accounts.files-immutable"]);
    let f = |s: &str| crate::integration::login_lab::finding(&r, "sec.accounts.files-immutable", s)["code"].clone();
    assert_eq!((f("/etc/shadow"), f("/etc/passwd")), ("IMMUTABLE".into(), "APPEND_ONLY".into()));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.accounts.files-immutable"]));
    assert!(
        plan.contains("runs: chattr -i /etc/shadow") && plan.contains("undo runs: chattr +i /etc/shadow"),
        "{plan}"
    );
    assert!(plan.contains("runs: chattr -a /etc/passwd"), "{plan}");
    assert!(flags("/etc/shadow").contains('i'), "the plan changes nothing");

    apply(&lab.m, "sec.accounts.files-immutable");
    assert!(!flags("/etc/shadow").contains('i') && !flags("/etc/passwd").contains('a'));
    assert!(chpasswd("changed-pass-1"), "the password change works now");
    assert!(lab.password_login_with("admin", "changed-pass-1").0, "and the new password logs in");

    undo(&lab.m);
    undo(&lab.m);
    assert!(flags("/etc/shadow").contains('i') && flags("/etc/passwd").contains('a'), "both flags back");
    assert!(!chpasswd("changed-pass-2"), "undone: the password change fails again");
    let _ = lab.m.command("chattr", &["-i", "-a", "/etc/shadow", "/etc/passwd"]).status();
}

/// `sshd: ALL` in /etc/hosts.deny, with the real sshd linked against libwrap: admin's real login
/// is closed at once. The line is commented out, admin logs in again, undo brings it back.
#[test]
fn lab_a_hosts_deny_line_that_refuses_sshd_is_commented_out() {
    if !lab_ok() {
        return;
    }
    let linked = std::process::Command::new("sh")
        .args(["-c", "readelf -d /usr/sbin/sshd 2>/dev/null | grep -q libwrap || grep -q libwrap.so /usr/sbin/sshd"])
        .status()
        .is_ok_and(|s| s.success());
    if !crate::common::require(linked, "this /usr/sbin/sshd does not link libwrap (Debian's does)") {
        return;
    }
    let lab = Lab::new("fx-wrap", &[account("root", 0), account("admin", 1000)], &config(""));
    lab.m.write("/etc/hosts.allow", "# nothing allowed here\n");
    lab.m.write("/etc/hosts.deny", "# hardening guide, step 4\nsshd: ALL\n");
    let (ok, err) = lab.key_login("admin");
    assert!(!ok, "hosts.deny refuses the connection: {err}");
    assert_eq!(status(&lab.m, "sec.ssh.tcp-wrappers"), "crit");
    let before = sha_on(&lab.m, "/etc/hosts.deny");

    let plan = stdout(&fix(&lab.m, &["--only", "sec.ssh.tcp-wrappers"]));
    assert!(plan.contains("    -sshd: ALL\n    +# sshd: ALL  # ecs-doctor fix: it refused SSH connections"), "{plan}");
    assert_eq!(sha_on(&lab.m, "/etc/hosts.deny"), before, "the plan changes nothing");

    apply(&lab.m, "sec.ssh.tcp-wrappers");
    let (ok, err) = lab.key_login("admin");
    assert!(ok, "admin gets in again: {err}");

    undo(&lab.m);
    assert_eq!(sha_on(&lab.m, "/etc/hosts.deny"), before);
    assert!(!lab.key_login("admin").0, "undone: refused again");
}

/// The key pair bound in the console (the lab's metadata service serves its public key) is in
/// nobody's authorized keys: a real login with its private key is refused. The repair reads the
/// key again from the metadata service and appends it to root's authorized_keys: the same login
/// works, root's other key still does; undo gives the file back byte for byte.
#[test]
fn lab_the_console_key_pair_is_added_to_roots_keys_and_its_private_key_logs_in() {
    use crate::integration::login_lab::config_on;
    use crate::topology::{CONSOLE_PRIVATE_KEY, METADATA_IP};
    if !lab_ok() || !crate::topology::lab_ok() {
        return;
    }
    let lab = Lab::server(&[account("root", 0)], &config_on("0.0.0.0", "PermitRootLogin prohibit-password\n"));
    let pem = lab.m.dir.path().join("console-key.pem");
    std::fs::write(&pem, CONSOLE_PRIVATE_KEY).expect("write the key");
    std::fs::set_permissions(&pem, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
    let console_login = || {
        let key = pem.to_str().expect("utf-8 path");
        lab.ssh(&[], &["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", key], "root")
    };
    let (ok, err) = console_login();
    assert!(!ok, "the console's key opens nothing yet: {err}");
    assert!(lab.key_login("root").0, "root's own key works\nsshd: {}", lab.sshd.log());
    let url = format!("http://{METADATA_IP}");
    let only = ["--only", "sec.ssh.console-key", "--metadata-url", url.as_str()];
    let status_now = || {
        let mut args = vec!["run", "--format", "json", "--no-save"];
        args.extend_from_slice(&only);
        crate::common::status_of(&lab.m.doctor(&args).0, "sec.ssh.console-key")
    };
    assert_eq!(status_now(), "warn");
    let keys = "/root/.ssh/authorized_keys";
    let before = (sha_on(&lab.m, keys), stat_on(&lab.m, keys));

    let mut args = vec![];
    args.extend_from_slice(&only);
    let plan = stdout(&fix(&lab.m, &args));
    assert!(
        plan.contains(
            "    +ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhJX9qLJeNPC1e/gKX4Ebf5ruRRlfR4XgxNa6Poc4BL skp-lab0001"
        ),
        "{plan}"
    );
    assert_eq!((sha_on(&lab.m, keys), stat_on(&lab.m, keys)), before, "the plan changes nothing");

    args.extend_from_slice(&["--apply", "--yes", "--no-save"]);
    let out = fix(&lab.m, &args);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stderr(&out), stdout(&out));
    assert_eq!(status_now(), "ok");
    let (ok, err) = console_login();
    assert!(ok, "the console's private key logs in as root now: {err}\nsshd: {}", lab.sshd.log());
    assert!(lab.key_login("root").0, "root's own key still works");
    assert_eq!(stat_on(&lab.m, keys), before.1, "same mode and owner");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, keys), stat_on(&lab.m, keys)), before);
    assert!(!console_login().0, "undone: refused again");
}
