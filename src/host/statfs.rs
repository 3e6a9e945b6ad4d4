//! statvfs in a child process the tool can abandon.
//!
//! `statfs` on a stale NFS mount or a FUSE mount whose daemon stopped answering leaves the caller
//! in uninterruptible sleep, immune even to SIGKILL, and a process with such a thread cannot exit.
//! So the calls run in a helper child (`ecs-doctor __statfs PATH...`) that reports one line per
//! path; when a path does not answer in time it is marked hung, the child is abandoned, and a new
//! child carries on with the remaining paths. The tool itself never blocks in such a syscall.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The numbers statvfs gives, as df uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FsStats {
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub frsize: u64,
    pub files: u64,
    pub ffree: u64,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatfsOutcome {
    Ok(FsStats),
    /// The call failed with this errno name.
    Failed(String),
    /// No answer within the per-path timeout: the filesystem is hung.
    TimedOut,
}

/// The hidden subcommand that runs in the child.
pub const HELPER_ARG: &str = "__statfs";

/// Child side: statvfs each path in order, one line each, flushed at once.
pub fn serve(paths: &[std::ffi::OsString]) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (i, p) in paths.iter().enumerate() {
        let line = match rustix::fs::statvfs(std::path::Path::new(p)) {
            Ok(s) => format!(
                "ok {i} {} {} {} {} {} {} {}",
                s.f_blocks,
                s.f_bfree,
                s.f_bavail,
                s.f_frsize.max(1),
                s.f_files,
                s.f_ffree,
                u8::from(s.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
            ),
            Err(e) => format!("err {i} {}", e.raw_os_error()),
        };
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            return 1;
        }
    }
    0
}

fn parse_line(line: &str) -> Option<(usize, StatfsOutcome)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let idx = f.get(1)?.parse().ok()?;
    match *f.first()? {
        "ok" if f.len() == 9 => {
            let n = |i: usize| f[i].parse::<u64>().ok();
            Some((
                idx,
                StatfsOutcome::Ok(FsStats {
                    blocks: n(2)?,
                    bfree: n(3)?,
                    bavail: n(4)?,
                    frsize: n(5)?,
                    files: n(6)?,
                    ffree: n(7)?,
                    read_only: n(8)? == 1,
                }),
            ))
        }
        "err" => Some((idx, StatfsOutcome::Failed(super::errno_name_raw(f.get(2)?.parse().ok()?)))),
        _ => None,
    }
}

/// statvfs every path, each within `per_path` and all before `deadline`. Paths not reached by
/// the deadline are `TimedOut` as well.
pub fn statfs_all(paths: &[PathBuf], per_path: Duration, deadline: Instant) -> std::io::Result<Vec<StatfsOutcome>> {
    let exe = std::env::current_exe()?;
    let mut results: Vec<Option<StatfsOutcome>> = vec![None; paths.len()];
    let mut next = 0;
    while next < paths.len() {
        let mut child = Command::new(&exe)
            .arg(HELPER_ARG)
            .args(&paths[next..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        crate::host::procs::note_spawned(child.id());
        let Some(stdout) = child.stdout.take() else { break };
        let (tx, rx) = mpsc::channel();
        let base = next;
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some((i, outcome)) = parse_line(&line)
                    && tx.send((base + i, outcome)).is_err()
                {
                    break;
                }
            }
        });
        let mut abandoned = false;
        while next < paths.len() {
            let now = Instant::now();
            let wait = per_path.min(deadline.saturating_duration_since(now));
            match rx.recv_timeout(wait) {
                Ok((i, outcome)) => {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(outcome);
                    }
                    next = i + 1;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    results[next] = Some(StatfsOutcome::TimedOut);
                    next += 1;
                    // The child may be stuck in D state: signal it and move on without waiting.
                    let _ = child.kill();
                    abandoned = true;
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    results[next] = Some(StatfsOutcome::Failed("helper exited".into()));
                    next += 1;
                    break;
                }
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        if !abandoned {
            let _ = child.kill();
            let _ = child.wait();
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    Ok(results.into_iter().map(|r| r.unwrap_or(StatfsOutcome::TimedOut)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_helper_lines() {
        assert_eq!(
            parse_line("ok 3 100 50 40 4096 10 5 1"),
            Some((
                3,
                StatfsOutcome::Ok(FsStats {
                    blocks: 100,
                    bfree: 50,
                    bavail: 40,
                    frsize: 4096,
                    files: 10,
                    ffree: 5,
                    read_only: true
                })
            ))
        );
        assert_eq!(parse_line("err 0 13"), Some((0, StatfsOutcome::Failed("EACCES".into()))));
        assert_eq!(parse_line("ok 1 x"), None);
        assert_eq!(parse_line(""), None);
    }
}
