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

/// Runs `program args...` and waits at most `limit` (and never past `deadline`).
/// Errors are one line for the evidence: could not start, or killed at the limit.
pub fn run(program: &Path, args: &[&str], limit: Duration, deadline: Instant) -> Result<Output, String> {
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
    fn drain(out: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.take(MAX_OUTPUT).read_to_end(&mut buf);
            buf
        })
    }
    let reader = child.stdout.take().map(drain);
    let err_reader = child.stderr.take().map(drain);
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
    // Anything it left behind holding the pipe goes with the group.
    kill_group(pid);
    let stdout = reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let stderr = err_reader.and_then(|r| r.join().ok()).unwrap_or_default();
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
}
