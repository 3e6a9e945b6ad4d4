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
