//! `ecs-doctor fix` for the account and security findings (issue 18), each against its fault made
//! for real on the login lab's machine (`login_lab::Lab`: a real sshd with Debian's PAM stack,
//! accounts in a private mount namespace, real logins): the plan shows the change and changes
//! nothing; `fix --apply --yes` repairs it (the check is ok after, and what the fault broke works
//! again for real); `fix --undo` gives back every mode and owner (and the fault comes back).
//!
//! - A host key 0640 `root:root`: Debian's real sshd refuses to load it ("bad permissions"), so
//!   the check calls it critical (it called it fine before); closed to 0600, sshd loads it.
//! - authorized_keys writable by everyone, a home writable by everyone, a `~/.ssh` owned by
//!   another account: StrictModes refuses each account's key for real; each entry is closed
//!   and given back, and the keys log in.
//! - A root-owned setuid copy of `id` in a home: an ordinary account runs it and is root (its
//!   effective uid is 0); the bits removed, it is not; undo makes it setuid again.
//!
//! Root only, under the lab lock.

use crate::common::{stderr, stdout};
use crate::integration::fix_login_lab::{apply, as_user, login, stat_on, undo};
use crate::integration::fix_sshd_lab::{fix, sha_on, status};
use crate::integration::login_lab::{Account, Lab, account, config, lab_ok, today};

/// An account whose only way in is its key (no usable password).
fn key_only(name: &'static str, uid: u32) -> Account {
    Account { shadow: format!("*:{}:0:99999:7:::", today() - 10), ..account(name, uid) }
}

#[test]
fn lab_a_host_key_its_group_can_read_is_refused_by_sshd_found_and_closed() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-hkgroup", &[account("root", 0)], &config(""));
    // The check reads /etc/ssh/ssh_host_*_key: the machine's own key is the one made faulty.
    let host_key = "/etc/ssh/ssh_host_ed25519_key";
    if !lab.m.path(host_key).exists() {
        crate::common::require(false, "this machine has no /etc/ssh/ssh_host_ed25519_key (ssh-keygen -A)");
        return;
    }
    lab.m.sh(&format!("chown 0:0 {host_key} && chmod 0640 {host_key}"));
    lab.m.write("/etc/ssh/lab_hostkey_only.conf", &format!("HostKey {host_key}\nPidFile none\n"));
    let loads = || {
        let out =
            lab.m.command("/usr/sbin/sshd", &["-t", "-f", "/etc/ssh/lab_hostkey_only.conf"]).output().expect("sshd -t");
        (out.status.success(), stderr(&out))
    };
    let (ok, said) = loads();
    assert!(!ok && said.contains("bad permissions"), "the real sshd refuses a 0640 root:root key: {said}");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.ssh.host-key-perms"]);
    let f = crate::integration::login_lab::finding(&r, "sec.ssh.host-key-perms", host_key);
    assert_eq!(f["code"], "HOST-KEY-GROUP", "{f:#}");
    assert_eq!(f["severity"], "crit", "{f:#}");
    let before = (sha_on(&lab.m, host_key), stat_on(&lab.m, host_key));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.ssh.host-key-perms"]));
    assert!(plan.contains(&format!("runs: chmod 00600 {host_key}")), "{plan}");
    assert_eq!((sha_on(&lab.m, host_key), stat_on(&lab.m, host_key)), before, "the plan changes nothing");

    apply(&lab.m, "sec.ssh.host-key-perms");
    assert_eq!(stat_on(&lab.m, host_key), (0o600, 0, 0));
    let (ok, said) = loads();
    assert!(ok, "sshd loads the key now: {said}");
    assert_eq!(status(&lab.m, "sec.ssh.host-key-perms"), "ok");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, host_key), stat_on(&lab.m, host_key)), before);
    assert!(!loads().0, "undone: refused again");
}

/// Three accounts StrictModes shuts out, each for one entry `sec.ssh.authorized-keys` names:
/// `modes` (authorized_keys 0666: KEYS_WRITABLE), `open` (home 0777: HOME_WRITABLE), `taken`
/// (~/.ssh owned by the account `other`: KEYS_OWNER). One apply repairs the three, the three
/// keys log in, `other` never gets `taken`'s directory back, and three undos restore them.
#[test]
fn lab_key_entries_others_can_change_are_closed_given_back_and_the_keys_log_in() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(
        "fx-keyentry",
        &[
            account("root", 0),
            key_only("modes", 1005),
            key_only("open", 1006),
            key_only("taken", 1007),
            account("other", 1008),
        ],
        &config(""),
    );
    for u in ["modes", "open", "taken"] {
        let (ok, err) = lab.key_login(u);
        assert!(ok, "{u} logs in before the fault: {err}\nsshd: {}", lab.sshd.log());
    }
    lab.m
        .sh("chmod 0666 /home/modes/.ssh/authorized_keys && chmod 0777 /home/open && chown 1008:1008 /home/taken/.ssh");
    for u in ["modes", "open", "taken"] {
        let (ok, err) = lab.key_login(u);
        assert!(!ok, "StrictModes refuses {u}'s key: {err}");
    }
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.ssh.authorized-keys"]);
    let code = |p: &str| crate::integration::login_lab::finding(&r, "sec.ssh.authorized-keys", p)["code"].clone();
    assert_eq!(code("/home/modes/.ssh/authorized_keys"), "KEYS_WRITABLE");
    assert_eq!(code("/home/open"), "HOME_WRITABLE");
    assert_eq!(code("/home/taken/.ssh"), "KEYS_OWNER");
    let paths = ["/home/modes/.ssh/authorized_keys", "/home/open", "/home/taken/.ssh"];
    let before: Vec<_> = paths.iter().map(|p| stat_on(&lab.m, p)).collect();

    let plan = stdout(&fix(&lab.m, &["--only", "sec.ssh.authorized-keys"]));
    for want in [
        "runs: chmod 00644 /home/modes/.ssh/authorized_keys",
        "undo runs: chmod 00666 /home/modes/.ssh/authorized_keys",
        "runs: chmod 00755 /home/open",
        "runs: chown 1007:1007 /home/taken/.ssh",
        "undo runs: chown 1008:1008 /home/taken/.ssh",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
    assert_eq!(paths.iter().map(|p| stat_on(&lab.m, p)).collect::<Vec<_>>(), before, "the plan changes nothing");

    apply(&lab.m, "sec.ssh.authorized-keys");
    assert_eq!(status(&lab.m, "sec.ssh.authorized-keys"), "ok");
    for u in ["modes", "open", "taken"] {
        let (ok, err) = login(|| lab.key_login(u));
        assert!(ok, "{u}'s key works now: {err}\nsshd: {}", lab.sshd.log());
    }
    assert!(lab.password_login("other").0, "other still logs in");
    assert_eq!(stat_on(&lab.m, "/home/taken/.ssh"), (0o700, 1007, 1007));

    for _ in 0..3 {
        undo(&lab.m);
    }
    assert_eq!(paths.iter().map(|p| stat_on(&lab.m, p)).collect::<Vec<_>>(), before, "modes and owners restored");
    assert!(!lab.key_login("modes").0 && !lab.key_login("taken").0, "undone: refused again");
}

/// A root-owned setuid copy of `id` in admin's home: admin runs it and its effective uid is 0.
/// The bits go, admin's run of it is admin's own; undo makes it setuid again.
#[test]
fn lab_a_setuid_root_copy_in_a_home_loses_its_bits_and_undo_gives_them_back() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-setuid", &[account("root", 0), account("admin", 1000)], &config(""));
    let prog = "/home/admin/.cache/idd";
    lab.m
        .sh(&format!("mkdir -p /home/admin/.cache && cp /usr/bin/id {prog} && chown 0:0 {prog} && chmod 04755 {prog}"));
    let root_by_it = || as_user(&lab.m, 1000, &format!("test \"$({prog} -u)\" = 0"));
    assert!(root_by_it(), "the fault is real: admin runs it as root");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.files.suid-unusual"]);
    let f = crate::integration::login_lab::finding(&r, "sec.files.suid-unusual", prog);
    assert_eq!((f["code"].clone(), f["severity"].clone()), ("SETID_ROOT".into(), "crit".into()), "{f:#}");
    let before = (sha_on(&lab.m, prog), stat_on(&lab.m, prog));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.files.suid-unusual"]));
    assert!(plan.contains(&format!("runs: chmod 00755 {prog}")), "{plan}");
    assert!(plan.contains(&format!("undo runs: chmod 04755 {prog}")), "{plan}");
    assert_eq!(stat_on(&lab.m, prog), before.1, "the plan changes nothing");

    apply(&lab.m, "sec.files.suid-unusual");
    assert_eq!(stat_on(&lab.m, prog), (0o755, 0, 0));
    assert!(!root_by_it(), "admin's run of it is admin's own now");
    assert!(as_user(&lab.m, 1000, &format!("test \"$({prog} -u)\" = 1000")), "and it still runs");
    assert_eq!(status(&lab.m, "sec.files.suid-unusual"), "ok");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, prog), stat_on(&lab.m, prog)), before, "undone: setuid root again");
    assert!(root_by_it());
}

/// bob's home is gone: a real password login lands in / ("Could not chdir to home directory").
/// The repair makes /home/bob as useradd would (bob's, the mode this machine's login.defs
/// implies, /etc/skel copied in); the same login lands in it. Undo refuses while the home holds
/// a file bob wrote since, then removes exactly what it made, and the login lands in / again.
#[test]
fn lab_a_missing_home_is_made_with_the_skeleton_and_undo_removes_exactly_that() {
    use ecs_doctor::repair::sec::home::home_mode;
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-home", &[account("root", 0), account("bob", 1001)], &config(""));
    lab.m.sh("rm -rf /home/bob");
    let lands_in = || {
        let out = lab.password_run("bob", "pwd");
        assert!(out.status.success(), "bob's password login: {}\nsshd: {}", stderr(&out), lab.sshd.log());
        (stdout(&out).trim().to_string(), stderr(&out))
    };
    let (dir, said) = lands_in();
    assert_eq!(dir, "/", "without a home the login lands in /: {said}");
    assert!(said.contains("Could not chdir to home directory /home/bob"), "{said}");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.accounts.home"]);
    assert_eq!(crate::integration::login_lab::finding(&r, "sec.accounts.home", "bob")["code"], "HOME_MISSING");

    let defs = std::fs::read_to_string(lab.m.path("/etc/login.defs")).unwrap_or_default();
    let (mode, why) = home_mode(&defs);
    let mut skel: Vec<String> = std::fs::read_dir(lab.m.path("/etc/skel"))
        .map(|d| {
            d.flatten().filter(|e| e.path().is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect()
        })
        .unwrap_or_default();
    skel.sort();
    let plan = stdout(&fix(&lab.m, &["--only", "sec.accounts.home"]));
    let summary = format!("create /home/bob for bob, owned by 1001:1001, mode {mode:04o} ({why} in /etc/login.defs)");
    assert!(plan.contains(&summary), "{summary:?} not in\n{plan}");
    for f in &skel {
        assert!(plan.contains(&format!("+++ b/home/bob/{f}")), "{f} not in\n{plan}");
    }
    assert!(!lab.m.path("/home/bob").exists(), "the plan changes nothing");

    apply(&lab.m, "sec.accounts.home");
    assert_eq!(stat_on(&lab.m, "/home/bob"), (mode, 1001, 1001));
    for f in &skel {
        let (ours, theirs) = (format!("/home/bob/{f}"), format!("/etc/skel/{f}"));
        assert_eq!(sha_on(&lab.m, &ours), sha_on(&lab.m, &theirs), "{f} copied");
        assert_eq!(stat_on(&lab.m, &ours), (stat_on(&lab.m, &theirs).0, 1001, 1001), "{f} is bob's");
    }
    let (dir, said) = lands_in();
    assert_eq!(dir, "/home/bob", "the login lands in the new home: {said}");
    assert_eq!(status(&lab.m, "sec.accounts.home"), "ok");

    // bob writes a file of its own: undo would take it away, so it refuses and changes nothing.
    assert!(as_user(&lab.m, 1001, "echo mine > /home/bob/notes"), "bob can write its home");
    let out = fix(&lab.m, &["--undo"]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stderr(&out).contains("holds /home/bob/notes now, which the repair did not write"), "{}", stderr(&out));
    assert_eq!(stat_on(&lab.m, "/home/bob"), (mode, 1001, 1001), "nothing changed");
    lab.m.sh("rm /home/bob/notes");

    undo(&lab.m);
    assert!(!lab.m.path("/home/bob").exists(), "undo removes exactly what it made");
    assert_eq!(lands_in().0, "/", "undone: the login lands in / again");
}

/// `spare` has an empty password (and its key): any account becomes it with `su` and no
/// password, for real. Locked (`!`), su asks for a password it cannot match, spare's key still
/// logs in; the plan and the report never show a hash. root's empty password is refused: only a
/// person can choose root's password. And the guard: `kiosk` logs in over SSH with its empty
/// password (PermitEmptyPasswords yes) and has no key; locking it would close its only way in,
/// so the lock is rolled back and kiosk still logs in.
#[test]
fn lab_an_empty_password_is_locked_unless_it_is_the_only_way_in() {
    use crate::integration::login_lab::HASH;
    if !lab_ok() {
        return;
    }
    let t = today();
    let empty =
        |name: &'static str, uid: u32| Account { shadow: format!(":{}:0:99999:7:::", t - 10), ..account(name, uid) };
    let lab = Lab::new(
        "fx-empty",
        &[
            empty("root", 0),
            account("admin", 1000),
            empty("spare", 1001),
            Account { key: false, ..empty("kiosk", 1002) },
        ],
        &config("PermitEmptyPasswords yes\n"),
    );
    let su_spare = || as_user(&lab.m, 1000, "su spare -c true </dev/null");
    assert!(su_spare(), "the fault is real: admin becomes spare without a password");
    let (ok, err) = lab.password_login_with("kiosk", "");
    assert!(ok, "kiosk logs in with its empty password: {err}\nsshd: {}", lab.sshd.log());
    let shadow_before = (sha_on(&lab.m, "/etc/shadow"), stat_on(&lab.m, "/etc/shadow"));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.accounts.empty-password"]));
    for want in [
        "lock the empty password of spare in /etc/shadow",
        &format!("+spare:!:{}:0:99999:7:::", t - 10),
        "root is root: its password is the console's way in when SSH fails",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
    assert!(!plan.contains(HASH) && !plan.contains("$6$"), "a hash in the plan:\n{plan}");
    assert_eq!(
        (sha_on(&lab.m, "/etc/shadow"), stat_on(&lab.m, "/etc/shadow")),
        shadow_before,
        "the plan changes nothing"
    );

    let out = fix(&lab.m, &["--only", "sec.accounts.empty-password", "--apply", "--yes", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "kiosk's lock is rolled back: {}\n{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains(HASH), "a hash in the report");
    let said = stderr(&out);
    assert!(said.contains("repaired and verified (sec.accounts.empty-password no longer finds it)"), "{said}");
    assert!(said.contains("after the change kiosk could no longer log in"), "{said}");
    assert!(!su_spare(), "spare's password is locked: su asks for one it cannot match");
    let (ok, err) = lab.key_login("spare");
    assert!(ok, "spare's key still logs in: {err}");
    let (ok, err) = lab.password_login_with("kiosk", "");
    assert!(ok, "kiosk's only way in is kept: {err}");
    let shadow = std::fs::read_to_string(lab.m.path("/etc/shadow")).expect("shadow");
    assert!(shadow.lines().any(|l| l.starts_with("kiosk::")), "kiosk's line is as it was: {shadow}");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, "/etc/shadow"), stat_on(&lab.m, "/etc/shadow")), shadow_before);
    assert!(su_spare(), "undone: su to spare needs no password again");
}

/// `toor`, UID 0 with root's home and key: a real key login as toor is a root shell. Disabled
/// (password locked, account expired), toor's login is refused by PAM while root's still works;
/// undo lets toor in again. And the guard's other half: when toor is the only account that can
/// log in, disabling it would close the only way in, so it is rolled back.
#[test]
fn lab_a_second_root_is_disabled_but_never_when_it_is_the_only_way_in() {
    if !lab_ok() {
        return;
    }
    let mut lab = Lab::new("fx-uid0", &[account("root", 0), account("toor", 0)], &config(""));
    let (ok, err) = lab.key_login("toor");
    assert!(ok, "toor logs in: {err}\nsshd: {}", lab.sshd.log());
    let out = lab.ssh_run(&[], &key_options(&lab), "toor", "id -u");
    assert_eq!(stdout(&out).trim(), "0", "toor is root");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.accounts.uid0"]);
    assert_eq!(crate::integration::login_lab::finding(&r, "sec.accounts.uid0", "toor")["code"], "UID0");
    let before = (sha_on(&lab.m, "/etc/shadow"), stat_on(&lab.m, "/etc/shadow"));

    let plan = stdout(&fix(&lab.m, &["--only", "sec.accounts.uid0"]));
    assert!(plan.contains("disable toor, a second root"), "{plan}");
    assert!(plan.contains(&format!("+toor:!<hash>:{}:0:99999:7::1:", today() - 10)), "{plan}");
    assert_eq!((sha_on(&lab.m, "/etc/shadow"), stat_on(&lab.m, "/etc/shadow")), before, "the plan changes nothing");

    apply(&lab.m, "sec.accounts.uid0");
    assert!(!lab.key_login("toor").0, "toor is refused now");
    assert!(lab.key_login("root").0, "root still logs in");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.accounts.uid0"]);
    assert_eq!(crate::common::status_of(&r, "sec.accounts.uid0"), "ok", "{r:#}");
    assert!(crate::common::findings(&r, "sec.accounts.uid0").contains("has expired"), "noted, not alarming");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, "/etc/shadow"), stat_on(&lab.m, "/etc/shadow")), before);
    assert!(lab.key_login("toor").0, "undone: toor logs in again");

    // Only toor can log in (DenyUsers root): disabling it would close the only way in.
    lab.reconfigure(&config("DenyUsers root\n"));
    assert!(!lab.key_login("root").0 && lab.key_login("toor").0, "only toor gets in\nsshd: {}", lab.sshd.log());
    let out = fix(&lab.m, &["--only", "sec.accounts.uid0", "--apply", "--yes", "--no-save"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("after the change toor could no longer log in"), "{}", stderr(&out));
    assert_eq!((sha_on(&lab.m, "/etc/shadow"), stat_on(&lab.m, "/etc/shadow")), before, "rolled back");
    assert!(lab.key_login("toor").0, "toor still gets in");
}

fn key_options(lab: &Lab) -> Vec<&str> {
    let key = lab.sshd.client_key.to_str().expect("utf-8 path");
    vec!["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", key]
}
