//! Room for new processes: every SSH login forks (sshd's process for the connection, its
//! privilege-separated child, the session, the shell), so a system or a cgroup at its process
//! limit refuses logins ("fork: Resource temporarily unavailable") while everything that runs
//! goes on. Two limits are read:
//!
//! - the kernel's: every thread counts against `kernel.pid_max` and `kernel.threads-max`
//!   (/proc/loadavg's 4th field gives the number of threads there are);
//! - sshd's cgroup: the pids controller's `pids.max` against `pids.current` of the cgroup sshd
//!   runs in and each of its ancestors (systemd's `TasksMax=` of ssh.service or a slice, a
//!   container's limit). cgroup v1 (`/sys/fs/cgroup/pids`) and v2 (`/sys/fs/cgroup`, or
//!   `/sys/fs/cgroup/unified` on a hybrid system) are both read.
//!
//! One observation for the kernel and one for the tightest cgroup of each sshd process.

use crate::i18n::Msg;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("current", "", "processes (threads for the kernel) there are now"),
    Field::num("max", "", "the limit: the smaller of kernel.pid_max and kernel.threads-max, or the cgroup's pids.max"),
    Field::num("free", "", "how many more can be started"),
    Field::num("used_percent", "%", "current against the limit"),
    Field::text("limit", "which limit: kernel.pid_max, kernel.threads-max or the cgroup's pids.max file"),
];

/// The kernel's default pid_max, when /proc does not say.
const DEFAULT_PID_MAX: f64 = 32_768.0;

/// Where the pids controller of a cgroup path may be, v1 first.
fn pids_dirs(path: &str) -> [String; 3] {
    let p = path.trim_end_matches('/');
    [format!("/sys/fs/cgroup/pids{p}"), format!("/sys/fs/cgroup/unified{p}"), format!("/sys/fs/cgroup{p}")]
}

/// The pids cgroup of `pid` (`N:pids:/path` in cgroup v1, `0::/path` in v2).
fn pids_cgroup(ctx: &ProbeContext, pid: u32) -> Option<String> {
    let text = ctx.host.read(&format!("/proc/{pid}/cgroup")).ok()?.text;
    let mut v2 = None;
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
        if controllers.split(',').any(|c| c == "pids") {
            return Some(path.to_string());
        }
        if controllers.is_empty() {
            v2 = Some(path.to_string());
        }
    }
    v2
}

/// `(current, max, the pids.max file)` of the tightest limited cgroup from `path` up to the
/// root; `None` when none is limited.
fn tightest(ctx: &ProbeContext, path: &str) -> Option<(f64, f64, String)> {
    let mut best: Option<(f64, f64, String)> = None;
    let mut p = path.to_string();
    loop {
        for dir in pids_dirs(&p) {
            let (Some(max), Some(current)) =
                (ctx.host.read_line(&format!("{dir}/pids.max")), ctx.host.read_line(&format!("{dir}/pids.current")))
            else {
                continue;
            };
            if let (Ok(max), Ok(current)) = (max.trim().parse::<f64>(), current.trim().parse::<f64>())
                && best.as_ref().is_none_or(|(c, m, _)| max - current < m - c)
            {
                best = Some((current, max, format!("{dir}/pids.max")));
            }
            break;
        }
        if p == "/" || p.is_empty() {
            return best;
        }
        p = match p.rfind('/') {
            Some(0) | None => "/".into(),
            Some(i) => p[..i].to_string(),
        };
    }
}

fn observation(subject: &str, current: f64, max: f64, limit: &str) -> Observation {
    Observation::new(subject)
        .num("current", current)
        .num("max", max)
        .num("free", (max - current).max(0.0))
        .num("used_percent", if max > 0.0 { (current / max * 100.0).min(100.0) } else { 100.0 })
        .text("limit", limit)
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let Some(loadavg) = ctx.host.read_line("/proc/loadavg") else {
        return Err(ProbeError::skipped(Msg::SkipProcsUnderRoot));
    };
    // `0.15 0.22 0.18 1/213 4321`: runnable/total scheduling entities (threads).
    let threads = loadavg
        .split_whitespace()
        .nth(3)
        .and_then(|f| f.split_once('/'))
        .and_then(|(_, t)| t.parse::<f64>().ok())
        .ok_or_else(|| {
            let said = crate::i18n::Said::new(Msg::FailBadFormat)
                .arg("path", "/proc/loadavg")
                .arg("expected", "\"1.00 0.50 0.25 1/200 1234\"")
                .arg("found", format!("{loadavg:?}"));
            ProbeError::failed("EINVAL", said)
        })?;
    let num = |path: &str| ctx.host.read_line(path).and_then(|l| l.trim().parse::<f64>().ok());
    let pid_max = num("/proc/sys/kernel/pid_max");
    let threads_max = num("/proc/sys/kernel/threads-max");
    let (max, limit) = match (pid_max, threads_max) {
        (Some(p), Some(t)) if t < p => (t, "kernel.threads-max"),
        (Some(p), _) => (p, "kernel.pid_max"),
        (None, Some(t)) if t < DEFAULT_PID_MAX => (t, "kernel.threads-max"),
        (None, _) => (DEFAULT_PID_MAX, "kernel.pid_max (the kernel's default)"),
    };
    let mut kernel = observation("kernel", threads, max, limit).evidence(format!("/proc/loadavg: {loadavg}"));
    for (path, v) in [("/proc/sys/kernel/pid_max", pid_max), ("/proc/sys/kernel/threads-max", threads_max)] {
        if let Some(v) = v {
            kernel = kernel.evidence(format!("{path}: {v}"));
        }
    }
    let mut items = vec![kernel];
    // The cgroups sshd runs in (the listening daemon and the connections'), tightest first.
    if let Ok(table) = ctx.processes() {
        let mut seen = BTreeSet::new();
        for p in table.procs.iter().filter(|p| p.comm == "sshd" || p.comm.starts_with("sshd-")) {
            let Some(cg) = pids_cgroup(ctx, p.pid) else { continue };
            if !seen.insert(cg.clone()) {
                continue;
            }
            if let Some((current, max, file)) = tightest(ctx, &cg) {
                let subject = format!("cgroup {cg}");
                items.push(
                    observation(&subject, current, max, &file)
                        .evidence(format!("sshd (pid {}) runs in the pids cgroup {cg}", p.pid))
                        .evidence(format!("{file}: {max}; pids.current: {current}")),
                );
            }
        }
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_paths_for_v1_and_v2() {
        assert_eq!(
            pids_dirs("/system.slice/ssh.service"),
            [
                "/sys/fs/cgroup/pids/system.slice/ssh.service",
                "/sys/fs/cgroup/unified/system.slice/ssh.service",
                "/sys/fs/cgroup/system.slice/ssh.service"
            ]
        );
        assert_eq!(pids_dirs("/")[0], "/sys/fs/cgroup/pids");
    }
}
