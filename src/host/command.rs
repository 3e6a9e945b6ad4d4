//! Runs a system program a probe asks (such as `sshd -T`) under a time limit: no shell, stdin
//! closed, its own process group killed at the limit, at most [`MAX_OUTPUT`] bytes of stdout kept.
//! A probe that gets no answer in time falls back to what it can read itself.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where system programs (`ip`, `iptables-save`, `nft`) are installed; looked up there rather
/// than in PATH, so a customer's PATH cannot change what the diagnosis runs.
const SYSTEM_DIRS: &[&str] = &["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/// The system program `name`, if one of [`SYSTEM_DIRS`] holds it.
pub fn find(name: &str) -> Option<PathBuf> {
    SYSTEM_DIRS.iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// Most output kept from a program.
pub const MAX_OUTPUT: u64 = 1024 * 1024;

/// What the program printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    /// What it printed on stderr (at most [`MAX_OUTPUT`] bytes): the errors of `sshd -t`.
    pub stderr: String,
}

fn kill_group(pid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// What becomes of the program's process group once the program itself has exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leftovers {
    /// Killed: a probe's program leaves nothing behind (a helper still holding the pipe goes
    /// with the group).
    Kill,
    /// Left alone: a repair's command may start a daemon (`ntpd`, an init script) that forks and
    /// leaves the group only a moment after the command returns; killing the group then would
    /// kill the daemon the repair (or its undo) just started. Its output is read a moment more,
    /// then left to whatever still holds the pipe.
    Leave,
}

/// How long the output is still read after the program exited (a child may hold the pipe).
const LINGER: Duration = Duration::from_secs(1);

/// Runs `program args...` and waits at most `limit` (and never past `deadline`).
/// Errors are one line for the evidence: could not start, or killed at the limit.
pub fn run(program: &Path, args: &[&str], limit: Duration, deadline: Instant) -> Result<Output, String> {
    run_leaving(program, args, limit, deadline, Leftovers::Kill)
}

/// A pipe read on a thread of its own into a buffer the caller can take at any time.
struct Drain {
    buf: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    thread: std::thread::JoinHandle<()>,
}

impl Drain {
    fn start(mut out: impl Read + Send + 'static) -> Drain {
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let shared = buf.clone();
        let thread = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            let mut total = 0u64;
            while total < MAX_OUTPUT {
                match out.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let n = n.min((MAX_OUTPUT - total) as usize);
                        total += n as u64;
                        if let Ok(mut b) = shared.lock() {
                            b.extend_from_slice(&chunk[..n]);
                        }
                    }
                }
            }
        });
        Drain { buf, thread }
    }

    /// What was read, once the pipe is closed or at `until`, whichever comes first.
    fn take(self, until: Instant) -> Vec<u8> {
        while !self.thread.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.buf.lock().map(|mut b| std::mem::take(&mut *b)).unwrap_or_default()
    }
}

/// [`run`], saying what becomes of the process group after the program exits.
pub fn run_leaving(
    program: &Path,
    args: &[&str],
    limit: Duration,
    deadline: Instant,
    leftovers: Leftovers,
) -> Result<Output, String> {
    let started = Instant::now();
    let until = (started + limit).min(deadline);
    let mut child = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    crate::host::procs::note_spawned(child.id());
    let pid = child.id();
    let reader = child.stdout.take().map(Drain::start);
    let err_reader = child.stderr.take().map(Drain::start);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                kill_group(pid);
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {:.1} s and was killed",
                    program.display(),
                    started.elapsed().as_secs_f64()
                ));
            }
            Err(e) => {
                kill_group(pid);
                return Err(format!("waiting for {}: {e}", program.display()));
            }
        }
    };
    if leftovers == Leftovers::Kill {
        // Anything it left behind holding the pipe goes with the group.
        kill_group(pid);
    }
    let linger = Instant::now() + LINGER;
    let stdout = reader.map(|r| r.take(linger)).unwrap_or_default();
    let stderr = err_reader.map(|r| r.take(linger)).unwrap_or_default();
    Ok(Output {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_and_timeout() {
        let far = Instant::now() + Duration::from_secs(30);
        let out = run(Path::new("/bin/echo"), &["hello"], Duration::from_secs(5), far).expect("echo runs");
        assert_eq!((out.code, out.stdout.as_str()), (Some(0), "hello\n"));
        let out = run(Path::new("/bin/ls"), &["/nonexistent-ecsd"], Duration::from_secs(5), far).expect("ls runs");
        assert!(out.code != Some(0) && out.stderr.contains("nonexistent-ecsd"), "{out:?}");
        let started = Instant::now();
        let err = run(Path::new("/bin/sleep"), &["10"], Duration::from_millis(200), far).expect_err("killed");
        assert!(err.contains("killed"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(run(Path::new("/nonexistent/x"), &[], Duration::from_secs(1), far).is_err());
    }

    #[test]
    fn a_daemon_a_command_starts_is_killed_or_left_as_asked() {
        let far = Instant::now() + Duration::from_secs(30);
        let dir = tempfile::tempdir().expect("tmp");
        // The command returns at once; what it started in the background (still in its process
        // group, holding its output) writes its pid a moment later, as a forking daemon does.
        let daemon = |leftovers: Leftovers, name: &str| -> Option<i32> {
            let pidfile = dir.path().join(name);
            let script = format!("sh -c 'sleep 0.3; echo $$ > {}; exec sleep 30' & echo started", pidfile.display());
            let out = run_leaving(Path::new("/bin/sh"), &["-c", &script], Duration::from_secs(5), far, leftovers)
                .expect("sh runs");
            assert_eq!((out.code, out.stdout.trim()), (Some(0), "started"));
            // Bounded: the pid file is there within 5 s or never.
            for _ in 0..50 {
                if let Some(pid) = std::fs::read_to_string(&pidfile).ok().and_then(|p| p.trim().parse().ok()) {
                    return Some(pid);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            None
        };
        assert_eq!(daemon(Leftovers::Kill, "killed"), None, "a probe's leftovers go with the group");
        let pid = daemon(Leftovers::Leave, "left").expect("a repair's daemon lives on");
        let alive = rustix::process::Pid::from_raw(pid).is_some_and(|p| rustix::process::test_kill_process(p).is_ok());
        assert!(alive, "pid {pid} is running");
        if let Some(p) = rustix::process::Pid::from_raw(pid) {
            let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
        }
    }
}
