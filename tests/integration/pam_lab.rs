//! Real logins refused by PAM, and ecs-doctor naming why: Debian's sshd runs with `UsePAM yes`
//! in a network namespace the test creates and a private mount namespace where lab copies are
//! bound over /etc/pam.d, /etc/security/{faillock,limits}.conf, /etc/passwd, /etc/shadow,
//! /etc/ssh and /run (the host's files are never touched). A real client (`sshpass` + `ssh`)
//! logs in as the lab account `alice` with passwords; ecs-doctor runs live in the same kind of
//! namespaces.
//!
//! - pam_faillock (deny=3): three real failed logins write the tally; then the right password is
//!   refused too, and sec.pam.lockout names alice as locked (crit). Removing the tally lets her in.
//! - a `required` account line naming a module that is not installed: the login is refused and
//!   sec.pam.modules names the module (crit).
//! - pam_limits `maxlogins 0`: the password is accepted and the session closed; sec.pam.limits
//!   names the line (crit). A hard nofile above fs.nr_open: Debian 12's pam_limits opens the
//!   session without the limit (the login works, the limit is not there), and the check says
//!   exactly that (warn, not crit). Upstream's pam_limits refusing that login for real:
//!   fix_limits_lab.rs.
//! - pam_succeed_if `uid >= 5000`: every login account is shut out, the login is refused;
//!   sec.pam.rules names alice and says nobody can log in (crit).
//!
//! The healthy setup logs in and every sec.pam check is ok.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The daemon, killed (and its pid file's process too) when the test ends, however it ends.
struct Sshd {
    child: Child,
    pid_file: PathBuf,
    /// What sshd logged (`-e`: its own messages, not PAM's syslog lines).
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Sshd {
    fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The log once it holds `text`: sshd may write its line after the client is gone. (A
    /// wait for an event, not a timing assertion: it gives up only after a minute.)
    fn log_with(&self, text: &str) -> String {
        for _ in 0..1200 {
            let log = self.log();
            if log.contains(text) {
                return log;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        self.log()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(pid) = std::fs::read_to_string(&self.pid_file).ok().and_then(|p| p.trim().parse::<i32>().ok()) {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

/// The lab: its directory of files bound over the system's, its namespace and port.
struct Lab {
    dir: tempfile::TempDir,
    ns: Netns,
    port: u16,
}

impl Lab {
    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The shell lines that bind the lab's files over the system's.
    fn mounts(&self) -> String {
        let d = self.dir.path().display();
        [
            ("ssh", "/etc/ssh"),
            ("run", "/run"),
            ("pam.d", "/etc/pam.d"),
            ("faillock.conf", "/etc/security/faillock.conf"),
            ("limits.conf", "/etc/security/limits.conf"),
            ("passwd", "/etc/passwd"),
            ("shadow", "/etc/shadow"),
        ]
        .iter()
        .map(|(from, to)| format!("mount --bind {d}/{from} {to}\n"))
        .collect()
    }

    /// `then`, run in the lab's network namespace and a private mount namespace with its files.
    fn inside(&self, then: &str) -> Command {
        let script = format!("set -e\n{}{then}", self.mounts());
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns.0, "unshare", "--mount", "--propagation", "private", "sh", "-c", &script]);
        cmd.env("NO_COLOR", "1").env_remove("ECS_DOCTOR_CONFIG").env("LANG", "C.UTF-8");
        cmd
    }

    fn start_sshd(&self) -> Sshd {
        let mut cmd = self.inside("exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config");
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn sshd");
        let stderr = child.stderr.take().expect("stderr");
        let shared = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sshd = Sshd { child, pid_file: self.p("run/sshd-lab.pid"), log: shared.clone() };
        let mut log = BufReader::new(stderr);
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            let n = log.read_line(&mut line).expect("read sshd's log");
            seen.push_str(&line);
            assert!(n > 0, "sshd stopped before listening:\n{seen}");
            if line.contains(&format!("Server listening on 127.0.0.1 port {}", self.port)) {
                break;
            }
        }
        // Keep reading its log so sshd never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in log.lines().map_while(Result::ok) {
                if let Ok(mut l) = shared.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        sshd
    }

    /// Logs in as alice with `password` and runs `command`: its output when the login and the
    /// session worked (the command printed LAB-OK first), else the client's words.
    fn login(&self, password: &str, command: &str) -> Result<String, String> {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns.0, "sshpass", "-p", password, "ssh"])
            .args([
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "PreferredAuthentications=password",
                "-o",
                "PubkeyAuthentication=no",
                "-o",
                "NumberOfPasswordPrompts=1",
                "-o",
                "ConnectTimeout=10",
                "-p",
            ])
            .arg(self.port.to_string())
            .arg("alice@127.0.0.1")
            .arg(format!("echo LAB-OK; {command}"))
            .output()
            .expect("sshpass ssh");
        let text = format!("{}{}", stdout(&out), stderr(&out));
        match stdout(&out).strip_prefix("LAB-OK\n") {
            Some(rest) if out.status.success() => Ok(rest.to_string()),
            _ => Err(text),
        }
    }

    /// ecs-doctor, live in the lab's namespaces, for the sec.pam checks.
    fn doctor(&self) -> serde_json::Value {
        self.doctor_only("sec.pam")
    }

    fn doctor_only(&self, only: &str) -> serde_json::Value {
        let out =
            self.inside(&format!("exec {BIN} run --format json --no-save --only {only}")).output().expect("ecs-doctor");
        valid_report(&stdout(&out))
    }
}

fn pam_lab_ok() -> bool {
    require(is_root(), "the PAM lab needs root (network and mount namespaces)")
        && require(Path::new("/usr/sbin/sshd").exists(), "the PAM lab needs /usr/sbin/sshd (openssh-server)")
        && require(Command::new("sshpass").arg("-V").output().is_ok(), "the PAM lab needs sshpass")
        && require(Command::new("openssl").arg("version").output().is_ok(), "the PAM lab needs openssl")
        && require(
            Path::new("/lib/x86_64-linux-gnu/security/pam_faillock.so").exists()
                || Path::new("/usr/lib/x86_64-linux-gnu/security/pam_faillock.so").exists()
                || Path::new("/usr/lib64/security/pam_faillock.so").exists(),
            "the PAM lab needs pam_faillock.so (libpam-modules)",
        )
}

/// The lab's sshd stack: the system's common files (included) around pam_faillock, pam_unix
/// accounts, and pam_limits for sessions.
const SSHD_STACK: &str = "\
auth requisite pam_faillock.so preauth
auth [success=1 default=bad] pam_unix.so
auth [default=die] pam_faillock.so authfail
auth sufficient pam_faillock.so authsucc
auth required pam_deny.so
@include lab-account
session required pam_unix.so
session required pam_limits.so
";

fn setup() -> Lab {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let port = 21_000 + (std::process::id() % 9_000) as u16;
    write(
        &d.join("ssh/sshd_config"),
        &format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey /etc/ssh/ssh_host_ed25519_key\nPidFile /run/sshd-lab.pid\n\
             UsePAM yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication no\n\
             PermitRootLogin no\n"
        ),
    );
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ecs-doctor-pam-lab", "-f"])
        .arg(d.join("ssh/ssh_host_ed25519_key"))
        .status()
        .expect("ssh-keygen");
    assert!(keygen.success());
    // /run: sshd's privilege-separation directory and the faillock tallies (/var/run links here).
    for sub in ["run/sshd", "run/faillock"] {
        std::fs::create_dir_all(d.join(sub)).expect("mkdir");
    }
    for sub in ["run", "run/sshd"] {
        std::fs::set_permissions(d.join(sub), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    }
    let cp = Command::new("cp").args(["-a", "/etc/pam.d"]).arg(d.join("pam.d")).status().expect("cp");
    assert!(cp.success(), "copy /etc/pam.d");
    write(&d.join("pam.d/sshd"), SSHD_STACK);
    write(&d.join("pam.d/lab-account"), "account required pam_unix.so\naccount required pam_faillock.so\n");
    write(&d.join("faillock.conf"), "deny = 3\nunlock_time = 600\n");
    let limits = std::fs::read_to_string("/etc/security/limits.conf").unwrap_or_default();
    write(&d.join("limits.conf"), &limits);
    let hash =
        Command::new("openssl").args(["passwd", "-6", "-salt", "ecsdoctorlab", "right-pw"]).output().expect("openssl");
    assert!(hash.status.success());
    let hash = stdout(&hash).trim().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").expect("passwd");
    let shadow = std::fs::read_to_string("/etc/shadow").expect("shadow");
    write(&d.join("passwd"), &format!("{}alice:x:4242:4242:lab:/:/bin/sh\n", with_newline(&passwd)));
    write(&d.join("shadow"), &format!("{}alice:{hash}:19000:0:99999:7:::\n", with_newline(&shadow)));
    std::fs::set_permissions(d.join("shadow"), std::os::unix::fs::PermissionsExt::from_mode(0o640)).expect("chmod");
    let ns = Netns::new("pam");
    ns.ip("link set lo up");
    Lab { dir, ns, port }
}

fn with_newline(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') { s.to_string() } else { format!("{s}\n") }
}

/// No sec.pam check warns or fails.
fn all_quiet(r: &serde_json::Value) {
    for id in ["sec.pam.modules", "sec.pam.lockout", "sec.pam.rules", "sec.pam.limits"] {
        assert_eq!(status_of(r, id), "ok", "{id}: {:#}", check(r, id));
    }
}

#[test]
fn lab_pam_refusals_are_real_and_named() {
    if !pam_lab_ok() {
        return;
    }
    let lab = setup();
    let sshd = lab.start_sshd();

    // Healthy: alice logs in, every PAM check is ok.
    lab.login("right-pw", "true").expect("the healthy lab lets alice in");
    let r = lab.doctor();
    all_quiet(&r);
    let c = check(&r, "sec.pam.lockout");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("pam_faillock deny=3 unlock_time=600")), "{c:#}");

    // Three real failures lock alice: the right password is refused too.
    for _ in 0..3 {
        assert!(lab.login("wrong-pw", "true").is_err(), "a wrong password logged in");
    }
    let tally = std::fs::metadata(lab.p("run/faillock/alice")).expect("pam_faillock wrote alice's tally");
    assert_eq!(tally.len(), 3 * 64, "three 64-byte failure records");
    let refused = lab.login("right-pw", "true").expect_err("a locked account logged in");
    assert!(refused.contains("Permission denied"), "{refused}");
    let r = lab.doctor();
    let c = check(&r, "sec.pam.lockout");
    assert_eq!(c["status"], "crit", "{c:#}");
    assert_eq!(subjects(&r, "sec.pam.lockout"), vec!["alice"]);
    let f = findings(&r, "sec.pam.lockout");
    assert!(
        f.contains("account alice is locked by pam_faillock after 3 failed logins (deny=3), the last from 127.0.0.1"),
        "{f}"
    );
    assert!(f.contains("ACCOUNT_LOCKED") && f.contains("/run/faillock/alice: 3 failure record(s)"), "{f}");
    // The login matrix (sec.login.matrix) agrees: alice cannot log in (no keys in this lab),
    // and pam_faillock is why.
    let r = lab.doctor_only("sec.login.matrix");
    let rows = check(&r, "sec.login.matrix")["table"]["rows"].clone();
    let alice = rows.as_array().and_then(|a| a.iter().find(|row| row[0] == "alice")).cloned();
    let alice = alice.unwrap_or_else(|| panic!("no row for alice: {r:#}"));
    assert_eq!(alice[1], "no", "{alice}");
    assert!(
        alice[3].as_str().is_some_and(|w| w.contains("pam_faillock locks it after 3 failed logins, until ")),
        "{alice}"
    );
    // The lock was the cause: without the tally the same password works.
    std::fs::remove_file(lab.p("run/faillock/alice")).expect("reset alice's tally");
    lab.login("right-pw", "true").expect("alice gets in once unlocked");
    all_quiet(&lab.doctor());

    // A required account module that is not installed: every login refused.
    write(&lab.p("pam.d/lab-account"), "account required pam_unix.so\naccount required pam_ecs_lab_missing.so\n");
    lab.login("right-pw", "true").expect_err("a missing required module let alice in");
    let log = sshd.log_with("Access denied for user alice by PAM account configuration");
    assert!(log.contains("Access denied for user alice by PAM account configuration"), "{log}");
    let r = lab.doctor();
    let c = check(&r, "sec.pam.modules");
    assert_eq!(c["status"], "crit", "{c:#}");
    assert_eq!(subjects(&r, "sec.pam.modules"), vec!["pam_ecs_lab_missing.so"]);
    let f = findings(&r, "sec.pam.modules");
    assert!(f.contains("PAM module pam_ecs_lab_missing.so is not installed and its account line is required"), "{f}");
    assert!(
        f.contains("lab-account:2: account required pam_ecs_lab_missing.so (included from /etc/pam.d/sshd)"),
        "{f}"
    );
    write(&lab.p("pam.d/lab-account"), "account required pam_unix.so\naccount required pam_faillock.so\n");
    lab.login("right-pw", "true").expect("the module line removed, alice gets in");

    // pam_limits maxlogins 0: the password is accepted, the session refused.
    let base = std::fs::read_to_string(lab.p("limits.conf")).expect("limits");
    let line_no = base.lines().count() + 1;
    write(&lab.p("limits.conf"), &format!("{base}alice hard maxlogins 0\n"));
    let refused = lab.login("right-pw", "true").expect_err("maxlogins 0 let a session open");
    assert!(refused.contains("too many logins"), "{refused}");
    let r = lab.doctor();
    assert_eq!(status_of(&r, "sec.pam.limits"), "crit", "{:#}", check(&r, "sec.pam.limits"));
    let at = format!("/etc/security/limits.conf:{line_no}");
    assert_eq!(subjects(&r, "sec.pam.limits"), vec![at.clone()]);
    assert!(findings(&r, "sec.pam.limits").contains(&format!("{at} sets maxlogins 0 for alice")), "{r:#}");

    // A hard nofile above fs.nr_open: this pam_limits opens the session without it.
    let nr_open: u64 = std::fs::read_to_string("/proc/sys/fs/nr_open").expect("nr_open").trim().parse().expect("n");
    let value = nr_open + 1;
    write(&lab.p("limits.conf"), &format!("{base}alice hard nofile {value}\n"));
    let hard = lab.login("right-pw", "ulimit -Hn").expect("the session opens");
    assert_ne!(hard.trim(), value.to_string(), "the kernel cannot give more than fs.nr_open");
    let r = lab.doctor();
    assert_eq!(status_of(&r, "sec.pam.limits"), "warn", "{:#}", check(&r, "sec.pam.limits"));
    let f = findings(&r, "sec.pam.limits");
    assert!(
        f.contains(&format!(
            "{at} sets hard nofile {value} for alice, above fs.nr_open {nr_open}: setrlimit refuses it"
        )),
        "{f}"
    );
    write(&lab.p("limits.conf"), &base);

    // pam_succeed_if uid >= 5000 in the account stack: nobody gets in.
    write(
        &lab.p("pam.d/lab-account"),
        "account required pam_unix.so\naccount required pam_faillock.so\naccount required pam_succeed_if.so uid >= 5000 quiet\n",
    );
    assert!(lab.login("right-pw", "true").is_err(), "pam_succeed_if let alice in");
    let r = lab.doctor();
    let c = check(&r, "sec.pam.rules");
    assert_eq!(c["status"], "crit", "{c:#}");
    let f = findings(&r, "sec.pam.rules");
    assert!(f.contains("PAM_NOBODY_ADMITTED"), "{f}");
    assert!(f.contains("account alice is refused by pam_succeed_if in the account stack: `uid >= 5000`"), "{f}");
    assert!(subjects(&r, "sec.pam.rules").contains(&"root".to_string()), "{f}");
    write(&lab.p("pam.d/lab-account"), "account required pam_unix.so\naccount required pam_faillock.so\n");
    lab.login("right-pw", "true").expect("healthy again");
    all_quiet(&lab.doctor());

    // What this sshd said about it all, as journal entries (systemd-journal-remote): the
    // refusals are named from its own words, with the account, through --root and the live path
    // (sec.ssh.refusals, and sec.auth.bruteforce counting its failed passwords).
    let _ = sshd_words_in_a_journal(&lab, &sshd.log_with("pam_open_session"));
}

/// Writes sshd's log lines into a real journal and reads them back with ecs-doctor.
fn sshd_words_in_a_journal(lab: &Lab, log: &str) -> Option<()> {
    use crate::integration::journal_lab::{Entry, write_journal};
    let now = jiff::Timestamp::now().as_microsecond();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    let entries: Vec<Entry> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| Entry { usec: now - 60_000_000 + i as i64, pid: 4000, message: l.to_string() })
        .collect();
    let root = lab.p("jroot");
    let journal = root.join("var/log/journal");
    if !write_journal(&journal, &entries) {
        return None;
    }
    let (r, _) = run_json(&root, &["--only", "sec.ssh.refusals", "--only", "sec.auth.bruteforce"])?;
    let c = check(&r, "sec.ssh.refusals");
    assert_eq!(c["status"], "warn", "{c:#}\n{log}");
    let f = findings(&r, "sec.ssh.refusals");
    // The missing module and pam_succeed_if: "Access denied for user alice by PAM account
    // configuration"; maxlogins 0: "PAM: pam_open_session(): Permission denied".
    assert!(f.contains("alice: PAM's account stack refused the account after it authenticated"), "{f}");
    assert!(f.contains("pam-account") && f.contains("session-refused"), "{f}");
    assert!(f.contains("by PAM account configuration"), "the line is the evidence: {f}");
    // A handful of failures from 127.0.0.1 is no brute force.
    assert_eq!(status_of(&r, "sec.auth.bruteforce"), "ok", "{:#}", check(&r, "sec.auth.bruteforce"));
    let failures = lines.iter().filter(|l| l.starts_with("Failed password for alice from 127.0.0.1")).count();
    assert!(failures >= 4, "{log}");
    assert_eq!(check(&r, "sec.auth.bruteforce")["metrics"]["total_failures"], failures as f64);
    // The live path, pointed at the same journal.
    if !Path::new("/var/log/auth.log").exists() && !Path::new("/var/log/secure").exists() {
        let mut cmd = doctor_cmd(&["run", "--format", "json", "--no-save", "--only", "sec.ssh.refusals"])?;
        let out = cmd.env("ECS_DOCTOR_JOURNAL_DIR", &journal).output().expect("ecs-doctor");
        let live = valid_report(&stdout(&out));
        // The same words; only their age may differ (from now on the live system, from the
        // newest line under --root) and with it the "(N min ago)" of the messages.
        let ageless =
            |text: &str| regex::Regex::new(r"\(\d+ min ago\)").expect("re").replace_all(text, "(ago)").into_owned();
        assert_eq!(ageless(&findings(&live, "sec.ssh.refusals")), ageless(&f), "the live path reads the same words");
    }
    Some(())
}

/// This machine as it is: no sec.pam check warns or fails.
#[test]
fn pam_checks_are_quiet_on_this_machine() {
    let Some(out) = doctor(&["run", "--format", "json", "--no-save", "--only", "sec.pam"]) else { return };
    let r = valid_report(&stdout(&out));
    for c in r["checks"].as_array().expect("checks") {
        assert!(c["status"] == "ok" || c["status"] == "skipped", "{c:#}");
    }
}

/// The fixture root `sec-pam` (Rocky-like: password-auth substack, /usr/lib64/security) holds
/// every fault the parsers know; the healthy root's Debian stack is quiet.
#[test]
fn pam_fixture_roots() {
    let Some((r, _)) = run_json(&fixture_root("healthy"), &["--only", "sec.pam"]) else { return };
    all_quiet(&r);
    let c = check(&r, "sec.pam.modules");
    assert!(c["summary"].as_str().is_some_and(|s| s.contains("(21 lines, 11 modules")), "{c:#}");

    let Some((r, _)) = run_json(&fixture_root("sec-pam"), &["--only", "sec.pam"]) else { return };
    // Modules: the required session module is missing (crit), the password one (warn), an
    // optional one (info); `-session` lines are not judged.
    let c = check(&r, "sec.pam.modules");
    assert_eq!(c["status"], "crit", "{c:#}");
    assert_eq!(subjects(&r, "sec.pam.modules"), vec!["pam_ecs_gone.so", "pam_pwquality_gone.so", "pam_motd.so"]);
    let sev: Vec<&str> = c["findings"].as_array().expect("f").iter().filter_map(|f| f["severity"].as_str()).collect();
    assert_eq!(sev, vec!["crit", "warn", "info"]);
    let f = findings(&r, "sec.pam.modules");
    assert!(
        f.contains(
            "password-auth:8: password requisite pam_pwquality_gone.so local_users_only (included from /etc/pam.d/sshd)"
        ),
        "{f}"
    );
    assert!(!f.contains("pam_systemd"), "{f}");
    // Lockout: alice by faillock's binary tally (4 records, deny=3, never unlocks), bob by
    // pam_tally2's record at uid 1001; dave's single failure locks nothing.
    assert_eq!(subjects(&r, "sec.pam.lockout"), vec!["alice", "bob"]);
    let f = findings(&r, "sec.pam.lockout");
    assert!(
        f.contains("account alice is locked by pam_faillock after 4 failed logins (deny=3), the last from 203.0.113.9"),
        "{f}"
    );
    assert!(f.contains("account bob is locked by pam_tally2 after 7 failed logins (deny=5)"), "{f}");
    assert!(f.contains("until an administrator unlocks it"), "{f}");
    assert!(f.contains("/run/faillock/alice: 4 failure record(s)"), "/var/run read through its relative link: {f}");
    // Rules: carol listed as denied, dave denied by access.conf, root by uid >= 1000; alice and
    // bob still admitted, so no lockout of everyone.
    let c = check(&r, "sec.pam.rules");
    assert_eq!(c["status"], "warn", "{c:#}");
    assert_eq!(subjects(&r, "sec.pam.rules"), vec!["carol", "dave", "root"]);
    // Limits: maxlogins 0 refuses (crit), nofile above nr_open is not applied by this
    // pam_limits (warn), an unknown item is skipped (warn).
    let c = check(&r, "sec.pam.limits");
    assert_eq!(c["status"], "crit", "{c:#}");
    assert_eq!(
        subjects(&r, "sec.pam.limits"),
        vec!["/etc/security/limits.conf:2", "/etc/security/limits.conf:1", "/etc/security/limits.conf:3"]
    );
    let f = findings(&r, "sec.pam.limits");
    assert!(f.contains("sets hard nofile 2000000 for *, above fs.nr_open 1048576"), "{f}");
    // The login matrix takes PAM's refusals: locked accounts keep their keys, shut-out ones
    // have no way in.
    let Some((r, _)) = run_json(&fixture_root("sec-pam"), &["--only", "sec.login.matrix"]) else { return };
    let rows = check(&r, "sec.login.matrix")["table"]["rows"].to_string();
    for want in [
        r#"["alice","yes","key","—"]"#,
        r#"["bob","yes","key","—"]"#,
        r#""root","no","none","pam_succeed_if refuses it in the account stack: `uid >= 1000`"]"#,
        r#""dave","no""#,
    ] {
        assert!(rows.contains(want), "{want} in {rows}");
    }
}
