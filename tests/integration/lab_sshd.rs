//! A real SSH server for the reachability labs, and the machine it runs on.
//!
//! The SSH checks are only worth something if a real `sshd` really refuses a real client, so
//! the labs run OpenSSH's own daemon (`/usr/sbin/sshd -D -f <cfg> -h <throwaway host key>`) in
//! a network namespace and connect to it from another one with `ssh -o BatchMode=yes`. This
//! module is the reusable part; the fault tests live in `reach_ssh_lab.rs`.
//!
//! - [`Machine`]: "the server" as the customer has it: a network namespace (yours, e.g.
//!   `topology::Lab::server`) plus a private mount namespace held open by a sleeping process,
//!   with its own `/run` (tmpfs, with `/run/sshd`) and a writable overlay over `/etc` whose
//!   changes live in that tmpfs. Write files with [`Machine::write`] (`/etc/passwd`,
//!   `/etc/ssh/sshd_config`, PAM files ...: the real machine's /etc is never touched); run
//!   programs there with [`Machine::command`] (`nsenter` into both namespaces), ecs-doctor
//!   included ([`Machine::doctor`]), exactly as a customer would on the server.
//!   `Machine::new(ns, true)` also creates `/run/systemd/system`, which is how systemd itself
//!   (`sd_booted`) tells that the system was booted with systemd: checks then judge the machine
//!   as a real host whose init system should have started sshd, not as a container.
//! - [`Sshd`]: one real sshd on a [`Machine`], started with a given config (written to
//!   `/etc/ssh/sshd_config` of the machine, so ecs-doctor and `sshd -T` read the same file),
//!   a throwaway ed25519 host key, and a throwaway client key in
//!   `/etc/ssh/lab_authorized_keys/root` (`AuthorizedKeysFile /etc/ssh/lab_authorized_keys/%u`,
//!   so `root` can really log in with [`Sshd::ssh_from`]; [`Sshd::authorize`] adds another user).
//!   [`Sshd::start`] waits until it listens (or returns its log when it exits first: a bad
//!   config, `Cannot bind any address`); [`Sshd::stop`] and `Drop` kill it. Its log (`-E`) is
//!   [`Sshd::log`].
//! - [`tcp_connect_from`]: a plain TCP connect from a namespace, for service ports.
//!
//! Everything is killed and removed on drop, also when a test panics (field order is drop
//! order: the daemon before its machine, the machine before the caller's namespaces). Root
//! only: call [`available`] first and skip with its reason. Run under the lab lock.
//!
//! ```ignore
//! let lab = topology::Lab::new(MdMode::Token);          // client ↔ router ↔ server
//! let m = Machine::new(&lab.server, true);               // the server, booted with systemd
//! let sshd = Sshd::start(&m, &Sshd::config(22, "")).expect("sshd");
//! assert!(sshd.ssh_from(&lab.client, SERVER_IP, "root").status.success());
//! let (report, code) = m.doctor(&["run", "--format", "json", "--no-save", "--only", "net.ssh"]);
//! ```

#![allow(dead_code)]

use crate::common::{BIN, Netns, valid_report};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

/// Why the SSH lab cannot run here, if it cannot.
pub fn available() -> Result<(), String> {
    if !crate::common::is_root() {
        return Err("the SSH lab needs root (namespaces, a real sshd)".into());
    }
    for (tool, pkg) in [
        (SSHD, "openssh-server"),
        ("/usr/bin/ssh", "openssh-client"),
        ("/usr/bin/ssh-keygen", "openssh-client"),
        ("/usr/bin/nsenter", "util-linux"),
    ] {
        if !Path::new(tool).exists() {
            return Err(format!("the SSH lab needs {tool} (apt-get install {pkg})"));
        }
    }
    Ok(())
}

/// Whether an SSH lab test may run: skipped with the reason otherwise (a failure when the lab
/// is required).
pub fn ssh_lab_ok() -> bool {
    crate::topology::lab_ok() && available().map_or_else(|why| crate::common::require(false, &why), |()| true)
}

/// A server machine: a network namespace and a private mount namespace (own /run, /etc
/// overlay), held by a sleeping process. See the module doc.
pub struct Machine {
    holder: Child,
    /// The process whose namespaces are the machine's (the holder, or its child in a PID
    /// namespace of its own).
    target: u32,
    /// The machine has a PID namespace of its own ([`Machine::with_own_pids`]).
    own_pids: bool,
    /// The network namespace's name.
    pub netns: String,
    pub dir: tempfile::TempDir,
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

impl Machine {
    /// Sets up the machine in `ns`. With `systemd_booted`, `/run/systemd/system` exists.
    pub fn new(ns: &Netns, systemd_booted: bool) -> Machine {
        Machine::build(ns, systemd_booted, false, false)
    }

    /// [`Machine::new`] with a hostname of its own (a UTS namespace, starting with this host's
    /// name): `hostname NAME` on the machine leaves this host's name alone.
    pub fn with_own_hostname(ns: &Netns, systemd_booted: bool) -> Machine {
        Machine::build(ns, systemd_booted, false, true)
    }

    /// The same machine (no systemd), also with a PID namespace of its own: its /proc shows only
    /// the processes started on it (daemons of other tests running at the same time are not
    /// its), and every one of them ends with the machine. Its init ignores SIGCHLD, so a daemon
    /// that ends leaves no zombie behind.
    pub fn with_own_pids(ns: &Netns) -> Machine {
        Machine::build(ns, false, true, false)
    }

    fn build(ns: &Netns, systemd_booted: bool, own_pids: bool, uts: bool) -> Machine {
        let dir = tempfile::tempdir().expect("tempdir");
        let setup = format!(
            "set -e\nmount -t tmpfs -o size=16m,mode=755 tmpfs /run\nmkdir -m 755 /run/sshd /run/.etc-upper /run/.etc-work\n\
             mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/.etc-upper,workdir=/run/.etc-work /etc\n\
             {}echo ready\nexec {}\n",
            if systemd_booted { "mkdir -p /run/systemd/system\n" } else { "" },
            // perl (perl-base is essential on Debian) ignores SIGCHLD for the exec'd sleep.
            if own_pids { "perl -e '$SIG{CHLD} = \"IGNORE\"; exec \"sleep\", \"100000\"'" } else { "sleep 100000" }
        );
        let mut args = vec!["netns", "exec", &ns.0, "unshare", "--mount", "--propagation", "private"];
        if own_pids {
            args.extend(["--pid", "--fork", "--kill-child", "--mount-proc"]);
        }
        if uts {
            args.push("--uts");
        }
        args.extend(["sh", "-c", &setup]);
        let mut holder = Command::new("ip")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the machine's holder");
        let mut line = String::new();
        let ready = holder.stdout.take().map(|o| BufReader::new(o).read_line(&mut line));
        if !matches!(ready, Some(Ok(_))) || line.trim() != "ready" {
            let _ = holder.kill();
            let _ = holder.wait();
            panic!("the lab machine in {} did not come up: {line:?}", ns.0);
        }
        // In a PID namespace the machine's init is unshare's child.
        let target = if own_pids {
            let children = format!("/proc/{0}/task/{0}/children", holder.id());
            std::fs::read_to_string(&children).ok().and_then(|c| c.split_whitespace().next()?.parse().ok())
        } else {
            Some(holder.id())
        };
        let Some(target) = target else {
            let _ = holder.kill();
            let _ = holder.wait();
            panic!("the lab machine in {} has no init", ns.0);
        };
        Machine { holder, target, own_pids, netns: ns.0.clone(), dir }
    }

    /// The pid (in this test's PID namespace) of the process holding the namespaces.
    pub fn pid(&self) -> u32 {
        self.target
    }

    /// A path of the machine's file system, as seen from outside (through /proc/PID/root).
    pub fn path(&self, path: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root{path}", self.pid()))
    }

    /// Writes a file on the machine (creating its directories), mode 0644.
    pub fn write(&self, path: &str, text: &str) {
        self.write_mode(path, text, 0o644);
    }

    /// Writes a file on the machine with the given mode.
    pub fn write_mode(&self, path: &str, text: &str, mode: u32) {
        let p = self.path(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir on the machine");
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {path} on the machine: {e}"));
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(mode)).expect("chmod");
    }

    /// `program args...` on the machine (its network and mount namespaces).
    pub fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("nsenter");
        // --uts: the machine's own hostname when it has one (else this host's, the same).
        cmd.args(["--target", &self.pid().to_string(), "--mount", "--net", "--uts"]);
        if self.own_pids {
            cmd.arg("--pid");
        }
        cmd.args(["--", program]).args(args);
        cmd
    }

    /// A shell command on the machine; asserts it succeeded.
    pub fn sh(&self, script: &str) -> Output {
        let out = self.command("sh", &["-c", script]).output().expect("nsenter sh");
        assert!(out.status.success(), "on the machine: {script}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// ecs-doctor with `args` on the machine, in a clean environment (no colour, no config,
    /// English).
    pub fn doctor_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(BIN, args);
        cmd.env("NO_COLOR", "1")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("ECS_DOCTOR_CONFIG")
            .env_remove("ECS_DOCTOR_METADATA_URL")
            .env("ECS_DOCTOR_REPORT_DIR", self.dir.path().join("reports"))
            // The machine's own repair records (`fix`): not this host's /var/lib/ecs-doctor,
            // and not another test's machine (`fix --undo` takes the latest).
            .env("ECS_DOCTOR_REPAIR_DIR", self.dir.path().join("repairs"));
        cmd
    }

    /// Runs ecs-doctor with `args` (which must print a report v1 document: `--format json`),
    /// returns the validated report and the exit code.
    pub fn doctor(&self, args: &[&str]) -> (serde_json::Value, i32) {
        let out = self.doctor_cmd(args).output().expect("nsenter ecs-doctor");
        let code = out.status.code().unwrap_or(-1);
        assert!(code != 64 && code >= 0, "usage error or signal ({code}): {}", String::from_utf8_lossy(&out.stderr));
        (valid_report(&String::from_utf8_lossy(&out.stdout)), code)
    }

    /// A long-running program on the machine (a web server, a listener), killed on drop.
    pub fn spawn(&self, program: &str, args: &[&str]) -> crate::topology::Daemon {
        let child = self
            .command(program, args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn on the machine");
        crate::topology::Daemon(child)
    }

    /// Waits until a TCP socket on `port` listens on the machine (any address).
    pub fn wait_listening(&self, port: u16) {
        let until = Instant::now() + Duration::from_secs(20);
        while !self.listening(port) {
            assert!(Instant::now() < until, "nothing came to listen on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether a TCP socket listens on `port` in the machine's network namespace.
    pub fn listening(&self, port: u16) -> bool {
        let want = format!(":{port:04X} ");
        ["tcp", "tcp6"].iter().any(|t| {
            std::fs::read_to_string(format!("/proc/{}/net/{t}", self.pid()))
                .unwrap_or_default()
                .lines()
                .any(|l| l.split_whitespace().nth(3) == Some("0A") && l.contains(&want))
        })
    }
}

/// A real sshd on a [`Machine`]. See the module doc.
pub struct Sshd {
    child: Option<Child>,
    /// The port it was started to listen on.
    pub port: u16,
    /// The client's private key (`ssh -i`); its public half is in /etc/ssh/lab_authorized_keys/root.
    pub client_key: PathBuf,
    /// sshd's log (`-E`), outside the machine.
    pub log_path: PathBuf,
    machine_pid: u32,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The machine path of the throwaway host key.
pub const HOST_KEY: &str = "/etc/ssh/lab_host_ed25519_key";
/// The machine directory of the per-user authorized keys files the lab configs name
/// (`AuthorizedKeysFile /etc/ssh/lab_authorized_keys/%u`).
pub const AUTHORIZED_KEYS: &str = "/etc/ssh/lab_authorized_keys";

fn keygen(path: &Path) {
    if path.exists() {
        return;
    }
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ecs-doctor-lab", "-f"])
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ssh-keygen {}", path.display());
}

impl Sshd {
    /// A minimal config for the lab: `Port`, public-key logins as root from the lab's client
    /// key, no PAM, no pid file; `extra` lines are appended (`ListenAddress 127.0.0.1`, ...).
    pub fn config(port: u16, extra: &str) -> String {
        format!(
            "# ecs-doctor lab\nPort {port}\nPidFile none\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             AuthorizedKeysFile {AUTHORIZED_KEYS}/%u\n{extra}"
        )
    }

    /// Writes `config` to the machine's /etc/ssh/sshd_config, makes the keys, starts
    /// `/usr/sbin/sshd -D -f /etc/ssh/sshd_config -h <host key> -E <log>` on the machine and
    /// waits until it listens on the config's first `Port` (22 without one). `Err` with sshd's
    /// log when it exits before listening.
    pub fn start(m: &Machine, config: &str) -> Result<Sshd, String> {
        let mut sshd = Sshd::spawn(m, config);
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if m.listening(sshd.port) {
                return Ok(sshd);
            }
            if let Some(child) = sshd.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                sshd.child = None;
                return Err(format!("sshd exited ({status}) before listening: {}", sshd.log()));
            }
            if Instant::now() > until {
                return Err(format!("sshd did not listen on {}: {}", sshd.port, sshd.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Like [`Sshd::start`] without waiting: for configs sshd is expected to refuse.
    pub fn spawn(m: &Machine, config: &str) -> Sshd {
        let key = m.dir.path().join("host_ed25519_key");
        keygen(&key);
        let client_key = m.dir.path().join("client_ed25519_key");
        keygen(&client_key);
        m.write_mode(HOST_KEY, &std::fs::read_to_string(&key).expect("host key"), 0o600);
        let public = std::fs::read_to_string(client_key.with_extension("pub")).expect("client key");
        m.write_mode(&format!("{AUTHORIZED_KEYS}/root"), &public, 0o600);
        m.write("/etc/ssh/sshd_config", config);
        let port = config
            .lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                w.next().filter(|k| k.eq_ignore_ascii_case("port")).and_then(|_| w.next()?.parse().ok())
            })
            .unwrap_or(22);
        let log_path = m.dir.path().join(format!("sshd-{port}.log"));
        let _ = std::fs::remove_file(&log_path);
        let log = log_path.to_str().expect("utf-8 path");
        let child = m
            .command(SSHD, &["-D", "-f", "/etc/ssh/sshd_config", "-h", HOST_KEY, "-E", log])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sshd");
        Sshd { child: Some(child), port, client_key, log_path, machine_pid: m.pid() }
    }

    /// Lets `user` log in with the lab's client key: its key file, owned by the user, 0600
    /// (sshd reads it with the user's rights). The user must exist on the machine.
    pub fn authorize(&self, m: &Machine, user: &str) {
        let public = std::fs::read_to_string(self.client_key.with_extension("pub")).expect("client key");
        let path = format!("{AUTHORIZED_KEYS}/{user}");
        m.write_mode(&path, &public, 0o600);
        m.sh(&format!("chown {user} {path}"));
    }

    /// The pid of the listening sshd, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills sshd (the fault "sshd stopped"); idempotent.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits (at most 20 s) for sshd to exit by itself, as it does on a config it cannot use;
    /// true when it did.
    pub fn wait_exited(&mut self) -> bool {
        let until = Instant::now() + Duration::from_secs(20);
        while let Some(child) = self.child.as_mut() {
            if let Ok(Some(_)) = child.try_wait() {
                self.child = None;
                return true;
            }
            if Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// sshd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// `ssh -o BatchMode=yes user@addr true` from namespace `from` with the lab's client key, on
    /// this sshd's port (or `port`): success means a real login worked.
    pub fn ssh_from(&self, from: &Netns, addr: &str, user: &str) -> Output {
        self.ssh_port_from(from, addr, self.port, user)
    }

    /// [`Sshd::ssh_from`] to another port.
    pub fn ssh_port_from(&self, from: &Netns, addr: &str, port: u16, user: &str) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &from.0, "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"])
            .args(["-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR"])
            .arg("-i")
            .arg(&self.client_key)
            .args(["-p", &port.to_string(), &format!("{user}@{addr}"), "true"])
            .stdin(Stdio::null())
            .output()
            .expect("ssh")
    }
}

/// A plain TCP connect from namespace `ns` to `addr:port` (at most 3 s): `Ok` when it connected,
/// else the error (`ConnectionRefused`, `TimedOut` ...).
pub fn tcp_connect_from(ns: &Netns, addr: &str, port: u16) -> std::io::Result<()> {
    let nsfile = PathBuf::from("/var/run/netns").join(&ns.0);
    let target: SocketAddr = format!("{addr}:{port}").parse().expect("address");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&nsfile)?;
        rustix::thread::move_into_link_name_space(file.as_fd(), Some(rustix::thread::LinkNameSpaceType::Network))?;
        TcpStream::connect_timeout(&target, Duration::from_secs(3)).map(drop)
    })
    .join()
    .expect("connect thread")
}
