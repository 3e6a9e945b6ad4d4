//! Real logins against a real sshd, and ecs-doctor on the same machine naming why they fail.
//!
//! The machine is `lab_sshd::Machine` (its own network namespace, a private mount namespace
//! with its own /run and an overlay over /etc): its /etc/passwd, /etc/shadow and /etc/group are
//! written there, /home and /root are fresh tmpfs mounts inside it, so the accounts, their
//! homes and keys exist only for this sshd. sshd runs with Debian's own PAM stack (`UsePAM
//! yes`): pam_unix judges expiry and passwords, pam_nologin the nologin file, as on a customer's
//! server. A client on the same machine logs in over its loopback: `ssh -o BatchMode=yes` with a
//! key, `sshpass` with a password. For each fault the test proves the login really fails and
//! that ecs-doctor, run on that machine, names the cause and the account; in the healthy setup
//! the logins succeed and the matrix says so. Root only, under the lab lock.

use crate::integration::lab_sshd::{HOST_KEY, Machine, Sshd};
use crate::topology::{self, MdMode};
use std::process::{Command, Stdio};

pub(crate) const PORT: u16 = 2222;
/// `openssl passwd -6 -salt abcdefgh lab-pass-1`.
pub(crate) const HASH: &str =
    "$6$abcdefgh$d7YcbCBCUcdPIGAwrFw9JfLNiLi2ePzHoZd7FutBXl/KmdkgDaEE3aI8Eckbh76etkJFXcmLRTXS/T7gtdRe/.";
pub(crate) const PASSWORD: &str = "lab-pass-1";

pub(crate) fn lab_ok() -> bool {
    crate::integration::lab_sshd::ssh_lab_ok()
        && crate::common::require(
            std::path::Path::new("/usr/bin/sshpass").exists(),
            "the login lab needs sshpass (apt-get install sshpass)",
        )
}

pub(crate) fn today() -> i64 {
    crate::integration::login::today()
}

/// sshd's configuration for the lab: Debian's defaults that matter (PAM, no keyboard-interactive)
/// and `extra` lines first (the first value wins), on loopback.
pub(crate) fn config(extra: &str) -> String {
    config_on("127.0.0.1", extra)
}

/// [`config`] listening on `address` (`0.0.0.0`: a server clients reach).
pub(crate) fn config_on(address: &str, extra: &str) -> String {
    format!(
        "# ecs-doctor login lab\n{extra}Port {PORT}\nListenAddress {address}\nHostKey {HOST_KEY}\nPidFile none\n\
         UsePAM yes\nKbdInteractiveAuthentication no\nPasswordAuthentication yes\n"
    )
}

/// One account of the lab: name, uid, the shadow fields after the name, and its shell.
pub(crate) struct Account {
    pub(crate) name: &'static str,
    pub(crate) uid: u32,
    pub(crate) shadow: String,
    pub(crate) shell: &'static str,
    pub(crate) key: bool,
}

pub(crate) fn account(name: &'static str, uid: u32) -> Account {
    Account { name, uid, shadow: format!("{HASH}:{}:0:99999:7:::", today() - 10), shell: "/bin/bash", key: true }
}

/// The network the lab machine lives in: a namespace of its own (loopback only), or the
/// server of the topology lab (client ↔ router ↔ server, a default route, DNS).
pub(crate) enum Net {
    Own(crate::common::Netns),
    Server(Box<topology::Lab>),
}

/// The lab machine with sshd started on `config` and the accounts written: passwd, shadow,
/// group, a home with the client's key in ~/.ssh/authorized_keys (0600, owned by the account).
pub(crate) struct Lab {
    // Drop order: the daemon, the machine, then its network.
    pub(crate) sshd: Sshd,
    pub(crate) m: Machine,
    pub(crate) net: Net,
}

impl Lab {
    /// `tag` names the network namespace (unique per test: tests run in parallel).
    pub(crate) fn new(tag: &str, accounts: &[Account], sshd_config: &str) -> Lab {
        let ns = crate::common::Netns::new(tag);
        ns.ip("link set lo up");
        let m = Machine::new(&ns, false);
        Lab::on(m, Net::Own(ns), accounts, sshd_config)
    }

    /// The lab on the topology lab's server, booted with systemd and resolving through the
    /// lab's DNS, as a customer's server is: the network steps of `why ssh` pass there.
    pub(crate) fn server(accounts: &[Account], sshd_config: &str) -> Lab {
        let lab = topology::Lab::new(MdMode::Token);
        let m = Machine::new(&lab.server, true);
        m.write("/etc/resolv.conf", &format!("nameserver {}\n", topology::DNS1));
        Lab::on(m, Net::Server(Box::new(lab)), accounts, sshd_config)
    }

    fn on(m: Machine, net: Net, accounts: &[Account], sshd_config: &str) -> Lab {
        m.sh("mount -t tmpfs -o size=4m,mode=755 tmpfs /home && mount -t tmpfs -o size=4m,mode=700 tmpfs /root");
        let sshd = Sshd::start(&m, sshd_config).unwrap_or_else(|e| panic!("sshd: {e}"));
        let lab = Lab { sshd, m, net };
        lab.accounts(accounts);
        lab
    }

    fn accounts(&self, accounts: &[Account]) {
        let mut passwd = String::from(
            "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n",
        );
        let mut shadow = String::from("daemon:*:19000:0:99999:7:::\nsshd:!:19000::::::\n");
        let mut group = String::from("root:x:0:\nshadow:x:42:\nnogroup:x:65534:\n");
        for a in accounts {
            let home = if a.uid == 0 { "/root".to_string() } else { format!("/home/{}", a.name) };
            passwd.insert_str(0, &format!("{}:x:{}:{}::{home}:{}\n", a.name, a.uid, a.uid, a.shell));
            shadow.insert_str(0, &format!("{}:{}\n", a.name, a.shadow));
            if a.uid != 0 {
                group.push_str(&format!("{}:x:{}:\n", a.name, a.uid));
            }
            self.m.sh(&format!("mkdir -p {home}/.ssh && chmod 700 {home}/.ssh && chown -R {0}:{0} {home}", a.uid));
            if a.key {
                self.set_keys(a.name, a.uid, &self.public_key());
            }
        }
        self.m.write("/etc/passwd", &passwd);
        self.m.write_mode("/etc/shadow", &shadow, 0o640);
        self.m.write("/etc/group", &group);
    }

    pub(crate) fn public_key(&self) -> String {
        std::fs::read_to_string(self.sshd.client_key.with_extension("pub")).expect("client public key")
    }

    pub(crate) fn home(user: &str, uid: u32) -> String {
        if uid == 0 { "/root".into() } else { format!("/home/{user}") }
    }

    /// Writes an account's authorized_keys (0600, owned by it).
    pub(crate) fn set_keys(&self, user: &str, uid: u32, text: &str) {
        let path = format!("{}/.ssh/authorized_keys", Lab::home(user, uid));
        self.m.write_mode(&path, text, 0o600);
        self.m.sh(&format!("chown {uid}:{uid} {path}"));
    }

    /// `ssh` to the lab's sshd as `user`, running `true`: from the machine's own namespace over
    /// loopback, or from the topology lab's client to the server's address. `prefix` runs
    /// before ssh (`sshpass -p PW`), `options` are ssh's own. Whether it worked, and what the
    /// client said.
    pub(crate) fn ssh(&self, prefix: &[&str], options: &[&str], user: &str) -> (bool, String) {
        let out = self.ssh_run(prefix, options, user, "true");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// [`Lab::ssh`] running `command` in the session; its whole output.
    pub(crate) fn ssh_run(&self, prefix: &[&str], options: &[&str], user: &str, command: &str) -> std::process::Output {
        let port = PORT.to_string();
        let mut argv: Vec<&str> = prefix.to_vec();
        argv.push("ssh");
        let (ns, addr) = match &self.net {
            Net::Own(ns) => (ns, "127.0.0.1"),
            Net::Server(lab) => (&lab.client, topology::SERVER_IP),
        };
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns.0]).args(&argv);
        let target = format!("{user}@{addr}");
        let common =
            ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10"];
        cmd.args(common).args(["-o", "LogLevel=ERROR"]).args(options).args(["-p", &port, &target, command]);
        cmd.stdin(Stdio::null()).output().expect("ssh")
    }

    /// A real key login (`ssh -o BatchMode=yes` with the lab's client key).
    pub(crate) fn key_login(&self, user: &str) -> (bool, String) {
        let key = self.sshd.client_key.to_str().expect("utf-8 path");
        self.ssh(&[], &["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", key], user)
    }

    /// A real password login (`sshpass`, password methods only, one prompt).
    pub(crate) fn password_login(&self, user: &str) -> (bool, String) {
        self.password_login_with(user, PASSWORD)
    }

    /// A real password login running `command`: its whole output.
    pub(crate) fn password_run(&self, user: &str, command: &str) -> std::process::Output {
        let options = [
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            "NumberOfPasswordPrompts=1",
        ];
        self.ssh_run(&["sshpass", "-p", PASSWORD], &options, user, command)
    }

    pub(crate) fn password_login_with(&self, user: &str, password: &str) -> (bool, String) {
        self.ssh(
            &["sshpass", "-p", password],
            &[
                "-o",
                "PubkeyAuthentication=no",
                "-o",
                "PreferredAuthentications=password,keyboard-interactive",
                "-o",
                "NumberOfPasswordPrompts=1",
            ],
            user,
        )
    }

    /// Restarts sshd with another configuration (accounts and homes stay).
    pub(crate) fn reconfigure(&mut self, sshd_config: &str) {
        self.sshd.stop();
        self.sshd = Sshd::start(&self.m, sshd_config).unwrap_or_else(|e| panic!("sshd: {e}"));
    }

    fn doctor(&self) -> (serde_json::Value, i32) {
        let mut args = vec!["run", "--format", "json", "--no-save"];
        args.extend_from_slice(crate::integration::login::ONLY);
        args.extend_from_slice(&["--only", "sec.ssh.tcp-wrappers"]);
        self.m.doctor(&args)
    }
}

pub(crate) fn matrix_row(r: &serde_json::Value, user: &str) -> serde_json::Value {
    crate::common::check(r, "sec.login.matrix")["table"]["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row[0] == user).cloned())
        .unwrap_or_else(|| panic!("no matrix row for {user}: {:#}", crate::common::check(r, "sec.login.matrix")))
}

pub(crate) fn finding(r: &serde_json::Value, id: &str, subject: &str) -> serde_json::Value {
    crate::common::check(r, id)["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["subject"] == subject).cloned())
        .unwrap_or_else(|| panic!("no finding about {subject} in {id}: {:#}", crate::common::check(r, id)))
}

fn assert_quiet(r: &serde_json::Value) {
    for c in r["checks"].as_array().expect("checks") {
        assert!(c["status"] == "ok" || c["status"] == "skipped", "{c:#}");
    }
}

#[test]
fn lab_healthy_logins_work_and_the_matrix_agrees() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("lg-ok", &[account("root", 0), account("admin", 1000)], &config(""));
    let (ok, err) = lab.key_login("admin");
    assert!(ok, "admin's key login: {err}\nsshd: {}", lab.sshd.log());
    assert!(lab.password_login("admin").0, "admin's password login\nsshd: {}", lab.sshd.log());
    assert!(lab.key_login("root").0, "root's key login");
    assert!(!lab.password_login("root").0, "root may not use a password (prohibit-password)");
    let (r, code) = lab.doctor();
    assert_quiet(&r);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(matrix_row(&r, "admin"), serde_json::json!(["admin", "yes", "key, password", "—"]));
    assert_eq!(matrix_row(&r, "root"), serde_json::json!(["root", "yes", "key", "—"]));
    let m = crate::common::check(&r, "sec.login.matrix");
    assert_eq!(m["summary"], "2 of 2 login account(s) can log in over SSH");
    assert!(m["findings"].as_array().is_none_or(|f| f.is_empty()), "{m:#}");
}

#[test]
fn lab_each_account_fault_fails_for_real_and_is_named() {
    if !lab_ok() {
        return;
    }
    let t = today();
    let mut lab = Lab::new(
        "lg-faults",
        &[
            account("root", 0),
            // Account expired yesterday.
            Account { shadow: format!("{HASH}:{}:0:99999:7::{}:", t - 10, t - 1), ..account("gone", 1001) },
            // Password older than its maximum age: must change, so no login without a terminal.
            Account { shadow: format!("{HASH}:{}:0:30:7:::", t - 100), ..account("aged", 1002) },
            // Locked, and no key.
            Account { shadow: format!("!{HASH}:{}:0:99999:7:::", t - 10), key: false, ..account("locked", 1003) },
            // A shell that does not exist.
            Account { shell: "/usr/bin/zsh-not-installed", ..account("noshell", 1004) },
            // Keys are the only way in for these three (no password).
            Account { shadow: format!("*:{}:0:99999:7:::", t - 10), ..account("modes", 1005) },
            Account { shadow: format!("*:{}:0:99999:7:::", t - 10), ..account("split", 1006) },
            Account { shadow: format!("*:{}:0:99999:7:::", t - 10), ..account("crlf", 1007) },
            // No key and (below) password logins off.
            Account { key: false, ..account("nokey", 1008) },
            account("admin", 1009),
        ],
        &config("AllowUsers root gone aged locked noshell modes split crlf nokey\n"),
    );
    let public = lab.public_key();
    let key_line = public.trim_end();
    // modes: authorized_keys writable by everyone (StrictModes refuses it).
    lab.m.sh("chmod 666 /home/modes/.ssh/authorized_keys");
    // split: the key pasted with a line break in the middle.
    let (head, tail) = key_line.split_at(40);
    lab.set_keys("split", 1006, &format!("{head}\n{tail}\n"));
    // crlf: the key line with a Windows line end and no comment, so the CR follows the base64.
    let bare: Vec<&str> = key_line.split_whitespace().take(2).collect();
    lab.set_keys("crlf", 1007, &format!("{}\r\n", bare.join(" ")));

    let fails = |user: &str, by_key: bool| {
        let (ok, err) = if by_key { lab.key_login(user) } else { lab.password_login(user) };
        assert!(!ok, "{user}'s login should fail (by {}): {err}", if by_key { "key" } else { "password" });
    };
    fails("admin", true); // AllowUsers leaves it out
    fails("gone", true);
    fails("aged", true);
    fails("locked", false);
    fails("noshell", true);
    fails("modes", true);
    fails("split", true);
    assert!(lab.key_login("root").0, "root still gets in\nsshd: {}", lab.sshd.log());
    let crlf_works = lab.key_login("crlf").0;
    eprintln!("a key line ending in CR LF without a comment works with this sshd: {crlf_works}");

    let (r, _) = lab.doctor();
    let why = |user: &str| finding(&r, "sec.login.matrix", user)["message"].as_str().unwrap_or("").to_string();
    assert!(why("admin").starts_with("admin cannot log in over SSH: AllowUsers does not name it"), "{}", why("admin"));
    assert!(why("gone").contains("the account expired on"), "{}", why("gone"));
    assert!(why("locked").contains("its password is locked"), "{}", why("locked"));
    assert!(why("noshell").contains("its login shell /usr/bin/zsh-not-installed does not exist"), "{}", why("noshell"));
    assert!(why("modes").contains("sshd refuses /home/modes/.ssh/authorized_keys"), "{}", why("modes"));
    assert!(why("split").contains("no valid key in /home/split/.ssh/authorized_keys"), "{}", why("split"));
    assert_eq!(finding(&r, "sec.accounts.password-expiry", "gone")["code"], "ACCOUNT_EXPIRED");
    assert_eq!(finding(&r, "sec.accounts.password-expiry", "aged")["code"], "PASSWORD_EXPIRED");
    assert_eq!(matrix_row(&r, "aged")[1], "after a password change");
    assert_eq!(finding(&r, "sec.accounts.login-shell", "noshell")["code"], "SHELL_MISSING");
    assert_eq!(
        finding(&r, "sec.ssh.authorized-keys-usable", "/home/modes/.ssh/authorized_keys")["code"],
        "KEYS_BAD_MODES"
    );
    assert_eq!(finding(&r, "sec.ssh.authorized-keys-usable", "/home/split/.ssh/authorized_keys")["code"], "KEY_SPLIT");
    // Whatever this sshd does with a CR LF line, the matrix says the same.
    assert_eq!(matrix_row(&r, "crlf")[1], if crlf_works { "yes" } else { "no" }, "CR LF key works: {crlf_works}");
    // The evidence of the AllowUsers refusal comes from sshd -T for that account.
    let ev = finding(&r, "sec.login.matrix", "admin")["evidence"].to_string();
    assert!(ev.contains("-T -C user=admin"), "{ev}");

    // Password logins off, no key: nothing left for nokey.
    lab.reconfigure(&config("PasswordAuthentication no\n"));
    let (ok, err) = lab.password_login("nokey");
    assert!(!ok, "nokey's password login with PasswordAuthentication no: {err}");
    assert!(!lab.password_login("root").0 && lab.key_login("root").0);
    let (r, _) = lab.doctor();
    let nokey = finding(&r, "sec.login.matrix", "nokey")["message"].as_str().unwrap_or("").to_string();
    assert!(nokey.contains("no authorized keys") && nokey.contains("password logins are off"), "{nokey}");
    assert_eq!(finding(&r, "sec.login.matrix", "nokey")["code"], "keys-none");
}

#[test]
fn lab_nologin_refuses_everyone_but_root() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("lg-nologin", &[account("root", 0), account("admin", 1000)], &config(""));
    assert!(lab.key_login("admin").0, "before: admin gets in\nsshd: {}", lab.sshd.log());
    lab.m.write("/etc/nologin", "Maintenance until 03:00.\n");
    let (ok, err) = lab.key_login("admin");
    assert!(!ok, "admin with /etc/nologin: {err}");
    assert!(lab.key_login("root").0, "root is spared by pam_nologin");
    let (r, code) = lab.doctor();
    assert_eq!(code, 2);
    assert_eq!(finding(&r, "sec.login.nologin", "/etc/passwd")["code"], "NOLOGIN");
    let admin = finding(&r, "sec.login.matrix", "admin");
    assert_eq!(admin["message"], "admin cannot log in over SSH: /etc/nologin exists: only root may log in");
    assert_eq!(matrix_row(&r, "root")[1], "yes");
}

#[test]
fn lab_permit_root_login_no_with_root_alone_is_a_lockout() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new("lg-root", &[account("root", 0)], &config("PermitRootLogin no\n"));
    let (ok, err) = lab.key_login("root");
    assert!(!ok, "root with PermitRootLogin no: {err}");
    assert!(!lab.password_login("root").0);
    let (r, code) = lab.doctor();
    assert_eq!(code, 2);
    let m = crate::common::check(&r, "sec.login.matrix");
    assert_eq!(m["status"], "crit", "{m:#}");
    assert_eq!(m["findings"][0]["code"], "LOCKED_OUT");
    let msg = m["findings"][0]["message"].as_str().unwrap_or("");
    assert!(msg.starts_with("you are locked out: no account can log in over SSH (root: root may not log in"), "{msg}");
    assert!(msg.ends_with("use the console's VNC login"), "{msg}");
    assert!(m["findings"][0]["evidence"].to_string().contains("permitrootlogin no"), "{m:#}");
    // The hardening check alone would call this a green line.
    let (r, _) = lab.m.doctor(&["run", "--format", "json", "--no-save", "--only", "sec.ssh.root-login"]);
    assert_eq!(crate::common::status_of(&r, "sec.ssh.root-login"), "ok");
}

#[test]
fn lab_tcp_wrappers_refusing_sshd_are_critical() {
    if !lab_ok() {
        return;
    }
    let linked = Command::new("sh")
        .args(["-c", "readelf -d /usr/sbin/sshd 2>/dev/null | grep -q libwrap || grep -q libwrap.so /usr/sbin/sshd"])
        .status()
        .is_ok_and(|s| s.success());
    if !crate::common::require(linked, "this /usr/sbin/sshd does not link libwrap (Debian's does)") {
        return;
    }
    let lab = Lab::new("lg-wrap", &[account("root", 0), account("admin", 1000)], &config(""));
    assert!(lab.key_login("admin").0);
    lab.m.write("/etc/hosts.deny", "sshd: ALL\n");
    let (ok, err) = lab.key_login("admin");
    assert!(!ok, "hosts.deny sshd: ALL: {err}");
    let (r, _) = lab.doctor();
    let c = crate::common::check(&r, "sec.ssh.tcp-wrappers");
    assert_eq!(c["status"], "crit", "{c:#}");
    assert_eq!(
        c["findings"][0]["message"],
        "TCP wrappers refuse sshd connections from 198.51.100.7: /etc/hosts.deny:1: sshd: ALL"
    );
}

/// Debian's /etc/pam.d/sshd with pam_faillock around pam_unix (deny=3 in faillock.conf): three
/// failed passwords lock the account, the right one is refused after them.
pub(crate) fn faillock_stack() -> String {
    let debian = std::fs::read_to_string("/etc/pam.d/sshd").unwrap_or_default();
    let auth = "auth requisite pam_faillock.so preauth\nauth [success=1 default=bad] pam_unix.so\n\
                auth [default=die] pam_faillock.so authfail\nauth sufficient pam_faillock.so authsucc\n\
                auth required pam_deny.so\naccount required pam_faillock.so\n";
    debian.replace("@include common-auth\n", auth)
}

/// `why ssh --user U --from ADDR` on a real server (the topology lab's, so the network steps
/// pass), with a real client in the client namespace: each account the real sshd refuses
/// (AllowUsers leaves it out, it expired, pam_faillock locked it after real failed logins) is
/// the cause of the walk, named with its reason, in JSON and on the console's screen; the
/// account that gets in has no cause.
#[test]
fn lab_why_ssh_user_names_the_refused_account() {
    if !lab_ok() || !crate::topology::lab_ok() {
        return;
    }
    let t = today();
    let lab = Lab::server(
        &[
            account("root", 0),
            account("admin", 1000),
            Account { shadow: format!("{HASH}:{}:0:99999:7::{}:", t - 10, t - 1), ..account("gone", 1001) },
            Account { key: false, ..account("pat", 1002) },
        ],
        &config_on("0.0.0.0", "AllowUsers root gone pat\n"),
    );
    lab.m.write("/etc/pam.d/sshd", &faillock_stack());
    lab.m.write("/etc/security/faillock.conf", "deny = 3\nunlock_time = 900\n");
    let why = |user: &str| {
        let mut args = vec!["why", "ssh", "--user", user, "--from", topology::CLIENT_IP, "--format", "json"];
        args.push("--no-save");
        lab.m.doctor(&args)
    };
    let cause = |r: &serde_json::Value| {
        let id =
            r["diagnosis"]["cause"].as_str().unwrap_or_else(|| panic!("no cause: {:#}", r["diagnosis"])).to_string();
        let f = crate::common::check(r, &id)["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["severity"] == "crit").cloned())
            .unwrap_or_else(|| panic!("no crit finding in {id}: {r:#}"));
        (id, f["subject"].as_str().unwrap_or("").to_string(), f["message"].as_str().unwrap_or("").to_string())
    };

    // root gets in: nothing inside the server explains a complaint about it.
    assert!(lab.key_login("root").0, "root's key login\nsshd: {}", lab.sshd.log());
    let (r, _) = why("root");
    assert!(r["diagnosis"]["cause"].is_null(), "{:#}", r["diagnosis"]);
    // The matrix was evaluated for a connection from the client's address (--from).
    let m = crate::common::check(&r, "sec.login.matrix");
    assert!(m.to_string().contains(&format!("-C user=admin,host={0},addr={0}", topology::CLIENT_IP)), "{m:#}");

    // AllowUsers leaves admin out: its real key login fails, and that is the cause.
    let (ok, err) = lab.key_login("admin");
    assert!(!ok, "admin is not in AllowUsers: {err}");
    let (r, code) = why("admin");
    assert_eq!(code, 2, "{r:#}");
    let (id, subject, message) = cause(&r);
    assert_eq!((id.as_str(), subject.as_str()), ("sec.login.matrix", "admin"));
    assert!(message.starts_with("admin cannot log in over SSH: AllowUsers does not name it"), "{message}");
    // The console's screen leads with it.
    let out = lab.m.doctor_cmd(&["why", "ssh", "--user", "admin", "--no-save"]).output().expect("why");
    let text = crate::common::stdout(&out);
    let second = text.lines().nth(1).unwrap_or_default();
    assert!(second.starts_with("Cause: sec.login.matrix [admin]: admin cannot log in over SSH: AllowUsers"), "{text}");

    // gone expired yesterday: refused for real, named as expired.
    let (ok, err) = lab.key_login("gone");
    assert!(!ok, "an expired account: {err}");
    let (r, _) = why("gone");
    let (id, subject, message) = cause(&r);
    assert_eq!((id.as_str(), subject.as_str()), ("sec.login.matrix", "gone"));
    assert!(message.contains("the account expired on"), "{message}");

    // pat logs in with its password; three wrong ones lock it (real tallies), then the right
    // one is refused too, and pam_faillock is named.
    let (ok, err) = lab.password_login("pat");
    assert!(ok, "pat's password login before the lockout: {err}\nsshd: {}", lab.sshd.log());
    for _ in 0..3 {
        assert!(!lab.password_login_with("pat", "wrong-pass").0, "a wrong password logged in");
    }
    assert!(lab.m.path("/run/faillock/pat").exists(), "pam_faillock wrote pat's tally");
    let (ok, err) = lab.password_login("pat");
    assert!(!ok, "pat after three failures: {err}");
    let (r, _) = why("pat");
    let (id, subject, message) = cause(&r);
    assert_eq!((id.as_str(), subject.as_str()), ("sec.login.matrix", "pat"), "{message}");
    assert!(message.contains("pam_faillock locks it after 3 failed logins"), "{message}");
    let lockout = r["diagnosis"]["steps"].as_array().and_then(|s| s.iter().find(|s| s["check"] == "sec.pam.lockout"));
    assert_eq!(lockout.map(|s| (&s["status"], &s["subjects"])), Some((&"crit".into(), &serde_json::json!(["pat"]))));
    // Another account's lockout is not why root cannot log in: the lockout step, narrowed to
    // root, passes.
    let (r, _) = why("root");
    assert!(r["diagnosis"]["cause"].is_null(), "{:#}", r["diagnosis"]);
    assert_eq!(crate::common::status_of(&r, "sec.pam.lockout"), "crit", "the check itself still sees pat");
}

/// sshd's words about a real brute force: twelve real password logins with wrong passwords, then
/// one with the right password, as this sshd logged them (`-E`), split at that first accepted
/// login: the attack and the login it ended with, and whatever the log says after it.
fn real_brute_force_then_login(lab: &mut Lab, user: &str, after: impl FnOnce(&Lab)) -> (Vec<String>, Vec<String>) {
    for i in 0..12 {
        let (ok, err) = lab.password_login_with(user, &format!("wrong-{i}"));
        assert!(!ok, "a wrong password let {user} in: {err}");
    }
    let (ok, err) = lab.password_login(user);
    assert!(ok, "{user}'s password login after the failures: {err}\nsshd: {}", lab.sshd.log());
    after(lab);
    // sshd writes its lines as the sessions end; stopping it flushes them all.
    lab.sshd.stop();
    let log = lab.sshd.log();
    let lines: Vec<String> = log.lines().map(|l| l.trim_end().to_string()).filter(|l| !l.is_empty()).collect();
    let accepted = format!("Accepted password for {user} from 127.0.0.1");
    let at = lines.iter().position(|l| l.starts_with(&accepted)).unwrap_or_else(|| panic!("no `{accepted}`:\n{log}"));
    let failed =
        lines[..at].iter().filter(|l| l.starts_with(&format!("Failed password for {user} from 127.0.0.1"))).count();
    assert_eq!(failed, 12, "sshd logged each wrong password:\n{log}");
    (lines[..=at].to_vec(), lines[at + 1..].to_vec())
}

/// `lines` as sshd's journal entries one second apart, the first at `start`.
fn stamped(lines: &[String], start: jiff::Timestamp) -> Vec<crate::integration::journal_lab::Entry> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| crate::integration::journal_lab::Entry {
            usec: start.as_microsecond() + i as i64 * 1_000_000,
            pid: 4100,
            message: l.clone(),
        })
        .collect()
}

/// A real brute force against a real sshd that ends in a real login (sec.auth.bruteforce): in the
/// last 24 hours it is critical; three days later (the same sshd words, dated three days back,
/// and the attacker logging in again today without a failure) it is still reported, as a
/// warning that says when. The logs are a journal (systemd-journal-remote) read through --root.
#[test]
fn lab_a_real_login_after_a_real_brute_force_is_named_then_and_days_later() {
    if !lab_ok() {
        return;
    }
    let mut lab = Lab::new("lg-brute", &[account("root", 0), account("alice", 1000)], &config(""));
    let (attack, rest) = real_brute_force_then_login(&mut lab, "alice", |lab| {
        let (ok, err) = lab.password_login("alice");
        assert!(ok, "alice's second login: {err}");
    });
    let again = rest.iter().position(|l| l.starts_with("Accepted password for alice from 127.0.0.1"));
    let again = again.unwrap_or_else(|| panic!("no second login in {rest:#?}"));
    let now = jiff::Timestamp::now();
    let hours = |h: i64| jiff::SignedDuration::from_hours(h);

    // Within the day: critical, naming the account and the count.
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("recent/var/log/journal");
    let mut entries = stamped(&attack, now - hours(1));
    entries.extend(stamped(&rest, now - hours(1) + jiff::SignedDuration::from_secs(attack.len() as i64)));
    if !crate::integration::journal_lab::write_journal(&journal, &entries) {
        return;
    }
    let Some((r, _)) = crate::common::run_json(&dir.path().join("recent"), &["--only", "sec.auth.bruteforce"]) else {
        return;
    };
    let f = finding(&r, "sec.auth.bruteforce", "127.0.0.1");
    assert_eq!(f["severity"], "crit", "{f:#}");
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(msg.contains("as alice after 12 failed attempts"), "{msg}");

    // Three days later: the attack and its login three days back, the second login today.
    let journal = dir.path().join("aged/var/log/journal");
    let mut entries = stamped(&attack, now - hours(73));
    entries.extend(stamped(&rest[..=again], now - jiff::SignedDuration::from_mins(10)));
    assert!(crate::integration::journal_lab::write_journal(&journal, &entries));
    let Some((r, code)) = crate::common::run_json(&dir.path().join("aged"), &["--only", "sec.auth.bruteforce"]) else {
        return;
    };
    assert_eq!(code, 1, "a warning, no longer critical: {r:#}");
    let f = finding(&r, "sec.auth.bruteforce", "127.0.0.1");
    assert_eq!(f["severity"], "warn", "{f:#}");
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(msg.contains("as alice after 12 failed attempts") && msg.contains("(3 days ago)"), "{msg}");
    assert!(f.to_string().contains("Accepted password for alice from 127.0.0.1"), "the login is the evidence: {f:#}");
}
