//! `ecs-doctor fix` for the login-path findings of branch s-access, each against its fault made
//! for real on the login lab's machine (`login_lab::Lab`: a real sshd with Debian's PAM stack,
//! real accounts, real key and password logins) or a server of the topology lab:
//!
//! - `sec.ssh.authorized-keys-usable` KEY_SPLIT: an account's only key pasted over two lines,
//!   so its real key login is refused; the plan shows the join and changes nothing; apply joins
//!   it and the login works; undo gives the file back byte for byte (mode, owner) and the login
//!   is refused again.
//! - KEY_BROKEN: a key cut short beside a key that works: the cut key's real login is refused
//!   before and after (commenting out admits no one), the working key logs in before and after,
//!   the line stays in the file behind `# ecs-doctor: ...`; undo gives the file back.
//! - `sec.pam.modules` PAM_MODULE_MISSING: `session required pam_lastlog2.so` (copied from a
//!   distribution that has it) in Debian's /etc/pam.d/sshd refuses every real login; the plan
//!   comments it out and changes nothing; apply lets the login in; undo gives the file back and
//!   the login is refused again. `auth required pam_google_authenticator.so` (a second factor)
//!   missing is refused by the plan with why, and nothing changes: the password login stays
//!   refused.
//! - `net.ssh.listening` SSHD-NOT-RUNNING: on the topology lab's server (a PID namespace of its
//!   own whose PID 1 is not systemd, with `/run/systemd/system`, so the check is critical) a
//!   real sshd logs the client in, then is stopped: the login is refused; the plan names the
//!   init script's start and changes nothing; apply starts sshd through Debian's
//!   `/etc/init.d/ssh` and the client logs in; undo stops it and the login is refused again.
//!
//! Root only, under the lab lock.

use crate::common::{stderr, stdout};
use crate::integration::fix_login_lab::{apply, stat_on, undo};
use crate::integration::fix_sshd_lab::{fix, sha_on, status};
use crate::integration::login_lab::{Account, Lab, account, config, lab_ok};

const USABLE: &str = "sec.ssh.authorized-keys-usable";

/// An account with no password: keys are its only way in.
fn key_only(name: &'static str, uid: u32) -> Account {
    Account { shadow: format!("*:{}:0:99999:7:::", crate::integration::login_lab::today() - 10), ..account(name, uid) }
}

#[test]
fn lab_a_key_split_over_two_lines_is_joined_and_logs_in() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-split", &[account("root", 0), key_only("split", 1007)], &config(""));
    assert!(lab.key_login("split").0, "the key logs in first\nsshd: {}", lab.sshd.log());
    let key = lab.public_key();
    let key = key.trim();
    let (head, tail) = key.split_at(45);
    lab.set_keys("split", 1007, &format!("# laptop, pasted from the web console\n{head}\n{tail}\n"));
    let (ok, err) = lab.key_login("split");
    assert!(!ok, "the split key is refused: {err}");
    let path = "/home/split/.ssh/authorized_keys";
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", USABLE]);
    let f = crate::integration::login_lab::finding(&r, USABLE, path);
    assert_eq!(f["code"], "KEY_SPLIT", "{f:#}");
    let before = (sha_on(&lab.m, path), stat_on(&lab.m, path));
    assert_eq!(before.1, (0o600, 1007, 1007));

    let out = fix(&lab.m, &["--only", USABLE]);
    let plan = stdout(&out);
    for want in [
        "keys-join".to_string(),
        format!("  ·  {USABLE}  ·  {path}"),
        format!("-{head}"),
        format!("-{tail}"),
        format!("+{key}"),
        "applied only when every account that can log in now still can after".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!((sha_on(&lab.m, path), stat_on(&lab.m, path)), before, "the plan changes nothing");

    apply(&lab.m, USABLE);
    let (ok, err) = lab.key_login("split");
    assert!(ok, "the joined key logs in: {err}\nsshd: {}", lab.sshd.log());
    assert_eq!(status(&lab.m, USABLE), "ok");
    let text = std::fs::read_to_string(lab.m.path(path)).expect("keys");
    assert_eq!(text, format!("# laptop, pasted from the web console\n{key}\n"));
    assert_eq!(stat_on(&lab.m, path), before.1, "mode and owner kept");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, path), stat_on(&lab.m, path)), before, "sha256, mode and owner restored");
    assert!(!lab.key_login("split").0, "undone: refused again");
}

#[test]
fn lab_a_key_cut_short_is_commented_out_not_deleted_and_admits_no_one() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-broken", &[account("root", 0), key_only("broken", 1008)], &config(""));
    // A second key pair whose public key was pasted cut short.
    let other = lab.m.dir.path().join("other_ed25519");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "cut", "-f"])
        .arg(&other)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).expect("pub");
    let cut = &other_pub.trim()[..40];
    let good = lab.public_key();
    lab.set_keys("broken", 1008, &format!("{}\n{cut}\n", good.trim()));
    let other_login = || {
        let k = other.to_str().expect("utf-8");
        lab.ssh(&[], &["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", k], "broken")
    };
    assert!(!other_login().0, "the cut key is refused");
    assert!(lab.key_login("broken").0, "the whole key logs in\nsshd: {}", lab.sshd.log());
    let path = "/home/broken/.ssh/authorized_keys";
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", USABLE]);
    let f = crate::integration::login_lab::finding(&r, USABLE, path);
    assert_eq!(f["code"], "KEY_BROKEN", "{f:#}");
    let before = (sha_on(&lab.m, path), stat_on(&lab.m, path));

    let out = fix(&lab.m, &["--only", USABLE]);
    let plan = stdout(&out);
    for want in [
        "keys-comment-out".to_string(),
        format!("  ·  {USABLE}  ·  {path}"),
        format!("-{cut}"),
        format!("+# ecs-doctor: not a key sshd can read: {cut}"),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!((sha_on(&lab.m, path), stat_on(&lab.m, path)), before, "the plan changes nothing");

    apply(&lab.m, USABLE);
    assert_eq!(status(&lab.m, USABLE), "ok");
    let text = std::fs::read_to_string(lab.m.path(path)).expect("keys");
    assert_eq!(text, format!("{}\n# ecs-doctor: not a key sshd can read: {cut}\n", good.trim()), "kept, not deleted");
    assert!(lab.key_login("broken").0, "the whole key still logs in");
    assert!(!other_login().0, "the cut key is still refused: nothing is admitted");
    assert_eq!(stat_on(&lab.m, path), before.1, "mode and owner kept");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, path), stat_on(&lab.m, path)), before, "sha256, mode and owner restored");
}

const MODULES: &str = "sec.pam.modules";

#[test]
fn lab_a_missing_session_module_is_commented_out_and_logins_work_again() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-pammod", &[account("root", 0), account("ops", 1009)], &config(""));
    assert!(lab.key_login("ops").0 && lab.password_login("ops").0, "ops logs in first\nsshd: {}", lab.sshd.log());
    let pam = "/etc/pam.d/sshd";
    let text = std::fs::read_to_string(lab.m.path(pam)).expect("pam.d/sshd");
    lab.m.write(pam, &format!("{text}session    required     pam_lastlog2.so silent\n"));
    let n = text.split('\n').count();
    let (ok, err) = lab.key_login("ops");
    assert!(!ok, "the missing session module refuses the key login: {err}");
    assert!(!lab.password_login("ops").0, "and the password login");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", MODULES]);
    let f = crate::integration::login_lab::finding(&r, MODULES, "pam_lastlog2.so");
    assert_eq!(f["code"], "PAM_MODULE_MISSING", "{f:#}");
    let before = (sha_on(&lab.m, pam), stat_on(&lab.m, pam));

    let out = fix(&lab.m, &["--only", MODULES]);
    let plan = stdout(&out);
    for want in [
        "pam-comment-out-missing".to_string(),
        format!("  ·  {MODULES}  ·  pam_lastlog2.so"),
        "-session    required     pam_lastlog2.so silent".to_string(),
        "+# ecs-doctor: module not installed: session    required     pam_lastlog2.so silent".to_string(),
        format!("{pam}:{n}"),
        "applied only when every account that can log in now still can after".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert_eq!((sha_on(&lab.m, pam), stat_on(&lab.m, pam)), before, "the plan changes nothing");

    apply(&lab.m, MODULES);
    let (ok, err) = lab.key_login("ops");
    assert!(ok, "the key login works again: {err}\nsshd: {}", lab.sshd.log());
    assert!(lab.password_login("ops").0, "the password login too");
    assert_eq!(status(&lab.m, MODULES), "ok");

    undo(&lab.m);
    assert_eq!((sha_on(&lab.m, pam), stat_on(&lab.m, pam)), before, "sha256, mode and owner restored");
    assert!(!lab.key_login("ops").0, "undone: refused again");
}

#[test]
fn lab_a_missing_second_factor_is_not_commented_out() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("fx-pam2fa", &[account("root", 0), account("ops", 1010)], &config(""));
    let pam = "/etc/pam.d/sshd";
    let text = std::fs::read_to_string(lab.m.path(pam)).expect("pam.d/sshd");
    lab.m.write(
        pam,
        &text.replacen(
            "@include common-auth\n",
            "@include common-auth\nauth required pam_google_authenticator.so\n",
            1,
        ),
    );
    let (ok, err) = lab.password_login("ops");
    assert!(!ok, "the missing second factor refuses the password login: {err}");
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", MODULES]);
    let f = crate::integration::login_lab::finding(&r, MODULES, "pam_google_authenticator.so");
    assert_eq!(f["code"], "PAM_MODULE_MISSING", "{f:#}");
    let before = sha_on(&lab.m, pam);

    let out = fix(&lab.m, &["--only", MODULES]);
    let plan = stdout(&out);
    assert!(plan.contains("pam_google_authenticator.so may decide who logs in"), "{plan}{}", stderr(&out));
    assert!(!plan.contains("+# ecs-doctor: module not installed"), "{plan}");
    let out = fix(&lab.m, &["--only", MODULES, "--apply", "--yes", "--no-save"]);
    assert!(!stderr(&out).contains("repaired and verified"), "{}", stderr(&out));
    assert_eq!(sha_on(&lab.m, pam), before, "nothing changes");
    assert!(!lab.password_login("ops").0, "still refused: a second factor is never dropped");
}

const LISTENING: &str = "net.ssh.listening";

#[test]
fn lab_a_stopped_sshd_is_started_by_its_init_script_and_stopped_on_undo() {
    use crate::integration::lab_sshd::{AUTHORIZED_KEYS, HOST_KEY, Machine, Sshd, ssh_lab_ok};
    use crate::topology::{Lab as Net, MdMode, SERVER_IP};
    if !ssh_lab_ok()
        || !crate::common::require(std::path::Path::new("/etc/init.d/ssh").exists(), "needs /etc/init.d/ssh")
    {
        return;
    }
    let net = Net::new(MdMode::Token);
    let m = Machine::with_own_pids(&net.server);
    m.sh("mkdir -p /run/systemd/system");
    // The distribution's pid file (the init script stops sshd by it).
    let cfg = format!(
        "Port 22\nHostKey {HOST_KEY}\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
         PermitRootLogin prohibit-password\nAuthorizedKeysFile {AUTHORIZED_KEYS}/%u\n"
    );
    let mut sshd = Sshd::start(&m, &cfg).expect("sshd");
    assert!(sshd.ssh_from(&net.client, SERVER_IP, "root").status.success(), "a real login works first");
    // The fault: sshd killed by its pid (in the machine's PID namespace nsenter forks, so the
    // daemon is not the child `Sshd` holds), its stale pid file left behind as a crash leaves it.
    m.sh("kill $(cat /run/sshd.pid)");
    sshd.stop();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while m.listening(22) && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let login = sshd.ssh_from(&net.client, SERVER_IP, "root");
    assert!(!login.status.success(), "sshd stopped: refused");
    let (r, _) = m.doctor(&["run", "--format", "json", "--no-save", "--only", LISTENING]);
    let f = crate::integration::login_lab::finding(&r, LISTENING, "ssh.service");
    assert_eq!(f["code"], "SSHD-NOT-RUNNING", "{f:#}");

    let out = fix(&m, &["--only", LISTENING]);
    let plan = stdout(&out);
    for want in [
        format!("sshd-start-ssh-service  ·  {LISTENING}  ·  ssh.service"),
        "runs: env SYSTEMCTL_SKIP_REDIRECT=1 /etc/init.d/ssh start".to_string(),
        "undo runs: env SYSTEMCTL_SKIP_REDIRECT=1 /etc/init.d/ssh stop".to_string(),
        "validate: sshd -t".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}{}", stderr(&out));
    }
    assert!(!m.listening(22), "the plan starts nothing");

    apply(&m, LISTENING);
    let login = sshd.ssh_from(&net.client, SERVER_IP, "root");
    assert!(login.status.success(), "sshd runs again and the client logs in: {}", stderr(&login));
    assert_eq!(status(&m, LISTENING), "ok");

    undo(&m);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while m.listening(22) && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!m.listening(22), "undo stops it");
    assert!(!sshd.ssh_from(&net.client, SERVER_IP, "root").status.success(), "refused again, as before");
}
