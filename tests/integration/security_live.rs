//! The security checks that look at the running system: listening sockets, suspicious
//! processes, the host firewall and `sshd -t`. Their fixture-root cases are folders under
//! tests/fixtures/checks/; here is the root-only lab with real listeners inside an `ip netns` namespace the test creates, a real
//! process run from a deleted file in /tmp, and a broken sshd_config in a private mount
//! namespace. Namespaces are deleted and processes killed by guards, even when a test fails.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A child process killed (and reaped) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd` with stdout piped and waits for its first line (`ready`).
fn start_ready(mut cmd: Command) -> Killed {
    let mut child = Killed(cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("spawn"));
    let out = child.0.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).expect("read");
    assert_eq!(line.trim(), "ready", "the helper did not start");
    child
}

// --- sec.exposure.listeners ----------------------------------------------------------------

fn netlab_ok() -> bool {
    require(is_root(), "the listener lab needs root (ip netns)")
        && require(Command::new("ip").arg("-V").output().is_ok(), "iproute2 (ip) is not installed")
        && require(Command::new("perl").arg("-v").output().is_ok(), "perl is not installed")
}

/// A TCP listener on `addr:port` inside the namespace: perl (Essential on Debian) names itself
/// `name` (prctl via `$0`) and prints `ready` once it listens.
fn perl_listener(ns: &Netns, name: &str, addr: &str, port: u16) -> Killed {
    let script = format!(
        "use IO::Socket::INET; $0 = '{name}'; my $s = IO::Socket::INET->new(LocalAddr => '{addr}', \
         LocalPort => {port}, Listen => 5, ReuseAddr => 1) or die \"listen: $!\"; $| = 1; print \"ready\\n\"; sleep 300;"
    );
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns.0, "perl", "-e", &script]);
    start_ready(cmd)
}

#[test]
fn lab_a_real_listener_on_all_addresses_is_found() {
    if !netlab_ok() {
        return;
    }
    let ns = Netns::new("lsn");
    let up = Command::new("ip").args(["-n", &ns.0, "link", "set", "lo", "up"]).status().expect("ip");
    assert!(up.success());
    let redis = perl_listener(&ns, "redis-server", "0.0.0.0", 6379);
    let _pg = perl_listener(&ns, "postgres", "127.0.0.1", 5432);
    let pid = redis.0.id();
    let r = ns.doctor_json(&["sec.exposure.listeners"]);
    let c = check(&r, "sec.exposure.listeners");
    assert_eq!(c["status"], "warn", "{c:#}");
    let subjects = subjects(&r, "sec.exposure.listeners");
    assert_eq!(subjects.len(), 1, "{c:#}");
    assert!(subjects[0].starts_with("port 6379/tcp: "), "{subjects:?}");
    assert!(subjects[0].contains(&format!("(pid {pid})")), "{subjects:?} (listener pid {pid})");
    assert!(subjects[0].contains("redis-server"), "{subjects:?}");
    assert!(findings(&r, "sec.exposure.listeners").contains("0.0.0.0:6379/tcp"), "{c:#}");

    drop(redis);
    let r = ns.doctor_json(&["sec.exposure.listeners"]);
    let c = check(&r, "sec.exposure.listeners");
    assert_eq!(c["status"], "ok", "a loopback-only PostgreSQL is fine: {c:#}");
    assert!(c["summary"].as_str().is_some_and(|s| s.starts_with("1 listening socket")), "{c:#}");
}

// --- sec.process.suspicious ----------------------------------------------------------------

/// A real process started from a copy of /bin/sleep in a directory under /tmp, whose file is
/// then deleted: ecs-doctor on the live system (in its own network namespace) names its pid.
#[test]
fn lab_a_process_running_from_a_deleted_file_in_tmp_is_found() {
    if !require(is_root(), "the process lab needs root (to read every process's executable link)") {
        return;
    }
    let dir = tempfile::Builder::new().prefix("ecsd-lab-").tempdir_in("/tmp").expect("tempdir in /tmp");
    let exe = dir.path().join("sleep");
    std::fs::copy("/bin/sleep", &exe).expect("copy /bin/sleep");
    let child = Killed(Command::new(&exe).arg("300").spawn().expect("start the copy"));
    let pid = child.0.id();
    std::fs::remove_file(&exe).expect("delete the copy");
    let Some((r, _)) = run_json(Path::new("/"), &["--only", "sec.process.suspicious"]) else { return };
    let c = check(&r, "sec.process.suspicious");
    assert_eq!(c["status"], "crit", "{c:#}");
    let subject = format!("sleep (pid {pid})");
    let mine: Vec<&serde_json::Value> =
        c["findings"].as_array().expect("findings").iter().filter(|f| f["subject"] == subject.as_str()).collect();
    assert_eq!(mine.len(), 2, "deleted and in /tmp: {c:#}");
    let text = serde_json::Value::from(mine.iter().map(|f| (*f).clone()).collect::<Vec<_>>()).to_string();
    assert!(text.contains(&format!("{} (deleted)", exe.display())), "{text}");
    assert!(text.contains(&format!("/proc/{pid}/cmdline: {} 300", exe.display())), "{text}");
    drop(child);
}

#[test]
fn lab_ecs_doctor_run_from_tmp_does_not_report_itself_or_its_children() {
    if !require(is_root(), "the process lab needs root (to read every process's executable link)") {
        return;
    }
    // The most common first try: the binary downloaded to /tmp and run from there, beside a
    // real program run from /tmp that must still be found.
    let dir = tempfile::Builder::new().prefix("ecsd-self-").tempdir_in("/tmp").expect("tempdir in /tmp");
    let tool = dir.path().join("ecs-doctor");
    std::fs::copy(BIN, &tool).expect("copy the binary to /tmp");
    let other = dir.path().join("sleep");
    std::fs::copy("/bin/sleep", &other).expect("copy /bin/sleep");
    let child = Killed(Command::new(&other).arg("300").spawn().expect("start the copy"));
    let pid = child.0.id();
    let out = Command::new("unshare")
        .args(["--net"])
        .arg(&tool)
        .args(["run", "--root", "/", "--only", "sec.process", "--format", "json", "--no-save", "--lang", "en"])
        .env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"))
        .output()
        .expect("run the copy in /tmp");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let c = check(&r, "sec.process.suspicious");
    let subjects: Vec<String> = c["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["subject"].as_str().map(str::to_string))
        .collect();
    assert!(subjects.iter().all(|s| !s.starts_with("ecs-doctor") && !s.starts_with("unshare")), "{c:#}");
    assert!(!c.to_string().contains(&tool.display().to_string()), "the tool names itself: {c:#}");
    assert!(subjects.contains(&format!("sleep (pid {pid})")), "the real program in /tmp is still found: {c:#}");
    drop(child);
}

// --- sec.firewall.present ------------------------------------------------------------------

/// In a namespace with Redis on all addresses: without rules the summary says so, with an
/// INPUT rule it says the host filters; the check never warns.
#[test]
fn lab_firewall_rules_and_a_sensitive_listener_are_reported_not_judged() {
    if !netlab_ok()
        || !require(
            Command::new("iptables").arg("-V").output().is_ok_and(|o| o.status.success()),
            "iptables is not installed (apt-get install iptables)",
        )
    {
        return;
    }
    let ns = Netns::new("fw");
    let _redis = perl_listener(&ns, "redis-server", "0.0.0.0", 6379);
    let r = ns.doctor_json(&["sec.firewall.present"]);
    let c = check(&r, "sec.firewall.present");
    assert_eq!(c["status"], "ok", "{c:#}");
    let s = c["summary"].as_str().unwrap_or_default();
    assert!(s.starts_with("host firewall: no rule filters incoming traffic"), "{s}");
    assert!(s.ends_with("database or admin ports listening on all addresses: 6379/tcp"), "{s}");
    assert_eq!(c["metrics"]["exposed_total"], 1.0, "{c:#}");

    let rule = Command::new("ip")
        .args(["netns", "exec", &ns.0, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "6379", "-j", "DROP"])
        .output()
        .expect("iptables");
    assert!(rule.status.success(), "{}", String::from_utf8_lossy(&rule.stderr));
    let r = ns.doctor_json(&["sec.firewall.present"]);
    let c = check(&r, "sec.firewall.present");
    assert_eq!(c["status"], "ok", "{c:#}");
    let s = c["summary"].as_str().unwrap_or_default();
    assert!(s.starts_with("host firewall: filters incoming traffic ("), "{s}");
    assert!(s.contains("1 on incoming traffic"), "{s}");
    assert!(c["metrics"]["input_rules"].as_f64().unwrap_or(0.0) >= 1.0, "{c:#}");
}

// --- sec.ssh.config-valid ------------------------------------------------------------------

/// A broken sshd_config bound over /etc/ssh in a private mount namespace (with a private /run
/// holding /run/sshd): `sshd -t` fails and the check is critical, with sshd's error as evidence.
/// The same directory with a valid config passes. sshd only tests (`-t`), it never listens.
#[test]
fn lab_sshd_t_failure_is_critical() {
    let sshd = Path::new("/usr/sbin/sshd");
    if !require(is_root(), "the sshd -t lab needs root (bind mounts in a private mount namespace)")
        || !require(sshd.exists(), "the sshd -t lab needs /usr/sbin/sshd (apt-get install openssh-server)")
    {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let ssh = dir.path().join("ssh");
    write(&ssh.join("sshd_config"), "PasswordAuthentication no\nPermitRootLogn no\n");
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(ssh.join("ssh_host_ed25519_key"))
        .status()
        .expect("ssh-keygen");
    assert!(keygen.success());
    let run = || {
        let script = format!(
            "set -e\nmount --bind {} /etc/ssh\nmount -t tmpfs -o size=1m tmpfs /run\nmkdir -m 755 /run/sshd\n\
             exec unshare --net {BIN} run --format json --no-save --only sec.ssh.config-valid",
            ssh.display()
        );
        let out = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .env("NO_COLOR", "1")
            .env_remove("ECS_DOCTOR_CONFIG")
            .output()
            .expect("unshare");
        valid_report(&stdout(&out))
    };
    let r = run();
    let c = check(&r, "sec.ssh.config-valid");
    assert_eq!(c["status"], "crit", "{c:#}");
    assert_eq!(subjects(&r, "sec.ssh.config-valid"), vec!["/etc/ssh/sshd_config"]);
    let m = c["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(m.contains("line 2: Bad configuration option: PermitRootLogn"), "{m}");
    assert!(m.ends_with("a restart of sshd would fail and lock you out"), "{m}");
    assert!(c["findings"][0]["evidence"].to_string().contains("-t -f /etc/ssh/sshd_config: exit status 255"), "{c:#}");

    write(&ssh.join("sshd_config"), "PasswordAuthentication no\nPermitRootLogin no\n");
    let r = run();
    let c = check(&r, "sec.ssh.config-valid");
    assert_eq!(c["status"], "ok", "{c:#}");
    assert_eq!(c["summary"], "sshd -t accepts /etc/ssh/sshd_config");
}

// --- a real sshd: sec.ssh.root-login and sec.ssh.password-auth through `sshd -T` -------------

/// Runs `script` in the namespace `ns` and a private mount namespace where `ssh` is bound over
/// /etc/ssh and /run is a fresh tmpfs holding /run/sshd (sshd's privilege-separation
/// directory): the test's sshd configuration and host keys are the ones at the standard paths.
fn in_lab_ssh(ns: &Netns, ssh: &Path, then: &str) -> Command {
    let script = format!(
        "set -e\nmount --bind {} /etc/ssh\nmount -t tmpfs -o size=1m tmpfs /run\nmkdir -m 755 /run/sshd\n{then}",
        ssh.display()
    );
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns.0, "unshare", "--mount", "--propagation", "private", "sh", "-c", &script]);
    cmd.env("NO_COLOR", "1").env_remove("ECS_DOCTOR_CONFIG");
    cmd
}

/// Debian's sshd, started with a test configuration (PermitRootLogin yes, PasswordAuthentication
/// yes) and host key in a network namespace the test creates, serves SSH on 127.0.0.1. ecs-doctor
/// runs live in the same namespaces and asks the installed sshd (`sshd -T`) for the effective
/// settings. The settings come from a file sshd includes through a bracket glob, which the
/// built-in parser does not expand: the parser alone would see sshd's defaults
/// (prohibit-password), so the warnings and the `sshd -T` evidence show that sshd was asked.
/// The daemon is killed by a guard, the namespace deleted by another, even when the test fails.
#[test]
fn lab_a_real_sshd_allowing_root_passwords_is_found_through_sshd_t() {
    let sshd = Path::new("/usr/sbin/sshd");
    if !netlab_ok()
        || !require(sshd.exists(), "the sshd lab needs /usr/sbin/sshd (apt-get install openssh-server)")
        || !require(
            Command::new("ssh-keygen").arg("-?").output().is_ok(),
            "the sshd lab needs ssh-keygen (openssh-client)",
        )
    {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let ssh = dir.path().join("ssh");
    let port = 20_000 + (std::process::id() % 10_000) as u16; // any port: the namespace is ours
    write(
        &ssh.join("sshd_config"),
        &format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey /etc/ssh/ssh_host_ed25519_key\nPidFile /run/sshd-lab.pid\n\
             UsePAM no\nInclude /etc/ssh/sshd_config.d/[0-9]*.conf\n"
        ),
    );
    write(&ssh.join("sshd_config.d/10-lab.conf"), "PermitRootLogin yes\nPasswordAuthentication yes\n");
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ecs-doctor-lab", "-f"])
        .arg(ssh.join("ssh_host_ed25519_key"))
        .status()
        .expect("ssh-keygen");
    assert!(keygen.success());

    let ns = Netns::new("sshd");
    ns.ip("link set lo up");
    let mut daemon = in_lab_ssh(&ns, &ssh, "exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config");
    let mut daemon = Killed(daemon.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn sshd"));
    let mut log = BufReader::new(daemon.0.stderr.take().expect("stderr"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = log.read_line(&mut line).expect("read sshd's log");
        seen.push_str(&line);
        assert!(n > 0, "sshd stopped before listening:\n{seen}");
        if line.contains(&format!("Server listening on 127.0.0.1 port {port}")) {
            break;
        }
    }
    // It serves: a client inside the namespace gets sshd's banner.
    let banner = Command::new("ip")
        .args(["netns", "exec", &ns.0, "perl", "-e"])
        .arg(format!(
            "use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:{port}', Timeout => 5) \
             or die \"connect: $!\"; my $l = <$s>; print $l;"
        ))
        .output()
        .expect("perl");
    let banner = String::from_utf8_lossy(&banner.stdout).to_string();
    assert!(banner.starts_with("SSH-2.0-OpenSSH_"), "banner: {banner:?}\n{seen}");

    let run = || {
        let out = in_lab_ssh(&ns, &ssh, &format!("exec {BIN} run --format json --no-save --only sec.ssh"))
            .output()
            .expect("ecs-doctor");
        valid_report(&stdout(&out))
    };
    let r = run();
    let c = check(&r, "sec.ssh.root-login");
    assert_eq!(c["status"], "warn", "{c:#}");
    let f = findings(&r, "sec.ssh.root-login");
    assert!(f.contains("PermitRootLogin yes, PasswordAuthentication yes"), "{f}");
    assert!(f.contains("sshd -T -f /etc/ssh/sshd_config: permitrootlogin yes"), "{f}");
    assert_eq!(subjects(&r, "sec.ssh.root-login"), vec!["/etc/ssh/sshd_config"]);
    let c = check(&r, "sec.ssh.password-auth");
    assert_eq!(c["status"], "warn", "{c:#}");
    assert!(
        findings(&r, "sec.ssh.password-auth").contains("sshd -T -f /etc/ssh/sshd_config: passwordauthentication yes")
    );
    // The rest of the SSH checks pass on this configuration: sshd -t accepts it, the host key
    // is root's and closed, no empty passwords.
    for id in ["sec.ssh.config-valid", "sec.ssh.host-key-perms", "sec.ssh.empty-passwords"] {
        assert_eq!(status_of(&r, id), "ok", "{id}: {:#}", check(&r, id));
    }

    // Root with keys only, passwords off: both pass, again as sshd -T reports.
    write(&ssh.join("sshd_config.d/10-lab.conf"), "PermitRootLogin prohibit-password\nPasswordAuthentication no\n");
    let r = run();
    for id in ["sec.ssh.root-login", "sec.ssh.password-auth"] {
        assert_eq!(status_of(&r, id), "ok", "{id}: {:#}", check(&r, id));
    }
    let c = check(&r, "sec.ssh.password-auth");
    assert!(c["summary"].as_str().is_some_and(|s| !s.is_empty()), "{c:#}");
    drop(daemon);
}
