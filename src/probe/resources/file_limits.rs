//! Open-file limits: the system-wide file table (fs.file-nr against fs.file-max) and processes
//! close to their own limit (RLIMIT_NOFILE, /proc/PID/limits), which fail with "Too many open
//! files" (EMFILE) when they reach it.

use crate::host::procs::nofile_limit;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("file_nr_percent", "%", "the system's file table in use (fs.file-nr against fs.file-max)"),
    Field::num("allocated", "", "file handles allocated"),
    Field::num("file_max", "", "the system's limit (fs.file-max)"),
    Field::num("open_fds", "", "descriptors this process has open"),
    Field::num("soft_limit", "", "its soft limit on open files (ulimit -n)"),
    Field::num("hard_limit", "", "its hard limit"),
    Field::num("fd_percent", "%", "open descriptors against the soft limit"),
    Field::num("pid", "", "the process id"),
];

const FILE_NR: &str = "/proc/sys/fs/file-nr";

/// Processes with fewer descriptors than this are not compared with their limit (every limit
/// in use is far above it; reading /proc/PID/limits for thousands of processes is waste).
const MIN_FDS: u64 = 50;
/// Processes at or above this share of their limit are reported (the check judges them).
const LISTED_PERCENT: f64 = 50.0;

/// `allocated  unused  max`, and nothing else (a corrupt file that happens to hold three numbers
/// among its garbage is not a file table).
fn parse_file_nr(text: &str) -> Option<(u64, u64, u64)> {
    let f: Vec<u64> = text.split_whitespace().map(|v| v.parse().ok()).collect::<Option<_>>()?;
    (f.len() == 3 && f[2] > 0).then(|| (f[0], f[1], f[2]))
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let mut items = Vec::new();
    match ctx.host.read(FILE_NR) {
        Ok(f) => match parse_file_nr(&f.text) {
            Some((allocated, unused, max)) => {
                let used = allocated.saturating_sub(unused);
                items.push(
                    Observation::new("fs.file-nr")
                        .num("allocated", used as f64)
                        .num("file_max", max as f64)
                        .num("file_nr_percent", (used as f64 * 1000.0 / max as f64).round() / 10.0)
                        .evidence(format!("{FILE_NR}: {}", f.text.trim())),
                );
            }
            None => {
                return Err(ProbeError::failed(
                    "EINVAL",
                    Said::new(Msg::FailBadFormat)
                        .arg("path", FILE_NR)
                        .arg("expected", "\"1234 0 9223372036854775807\"")
                        .arg("found", format!("{:?}", f.text.trim())),
                ));
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ProbeError::io(FILE_NR, &e)),
    }
    let of = ctx.open_files()?;
    let procs = ctx.processes().ok();
    for (&pid, &count) in of.counts.iter().filter(|(_, c)| **c >= MIN_FDS) {
        let Some((soft, hard)) = nofile_limit(&ctx.host, pid) else { continue };
        if soft == 0 {
            continue;
        }
        let pct = (count as f64 * 1000.0 / soft as f64).round() / 10.0;
        if pct < LISTED_PERCENT {
            continue;
        }
        let p = procs.as_ref().and_then(|t| t.get(pid));
        let subject = p.map(|p| p.label()).unwrap_or_else(|| format!("pid {pid}"));
        let mut o = Observation::new(subject)
            .num("pid", pid as f64)
            .num("open_fds", count as f64)
            .num("soft_limit", soft as f64)
            .num("fd_percent", pct)
            .evidence(format!("/proc/{pid}/fd: {count} open file descriptors"))
            .evidence(format!(
                "/proc/{pid}/limits: Max open files {soft} {}",
                hard.map(|h| h.to_string()).unwrap_or_else(|| "unlimited".into())
            ));
        if let Some(h) = hard {
            o = o.num("hard_limit", h as f64);
        }
        if let Some(p) = p.filter(|p| !p.cmdline.is_empty()) {
            o = o.evidence(format!("/proc/{pid}/cmdline: {}", p.cmdline));
        }
        items.push(o);
    }
    if items.is_empty() {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipFileLimits).arg("path", FILE_NR)));
    }
    if of.unreadable > 0
        && !ctx.privileged
        && let Some(first) = items.first_mut()
    {
        first.evidence.push(format!(
            "/proc: the open files of {} processes could not be read (run as root to see every process)",
            of.unreadable
        ));
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_nr() {
        assert_eq!(parse_file_nr("1184\t0\t9223372036854775807\n"), Some((1184, 0, 9223372036854775807)));
        assert_eq!(parse_file_nr("1 2"), None);
        assert_eq!(parse_file_nr("1 0 0"), None);
        assert_eq!(parse_file_nr("\u{fffd}"), None);
        assert_eq!(parse_file_nr("53 \u{fffd}\u{7}x 0 junk 4\n"), None, "three numbers among garbage");
    }
}
