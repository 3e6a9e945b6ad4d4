//! Who held the CPU during the shared sampling window (`host::sample`, ~200 ms): the busiest
//! processes, and each one that wanted a whole core for the whole window ("pinning" it: on a CPU
//! or waiting for one at least [`PIN_PERCENT`] of the window by /proc/PID/schedstat, or using a
//! whole CPU with all its threads). On a busy machine a spinning loop gets only its share of a
//! core, and still never sleeps: that is what is measured. A pinning process is a note; it is a problem when it
//! starves others (more tasks runnable than CPUs at both ends of the window, this tool's own
//! sampling thread not counted) or when its executable is deleted or lives where no package puts
//! programs (/tmp, /var/tmp, /dev/shm, a memfd): the look of a miner or a process left running
//! after an upgrade.
//!
//! ecs-doctor's own lineage (`ProcessTable::own`) is never named. The command line is shown as
//! read (redacted, at most 300 characters), never run.

use crate::host::sample::Window;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("top_cpu", "the busiest processes over the window"),
    Field::num("window_ms", "ms", "how long the window lasted"),
    Field::num("cpus", "", "online CPUs"),
    Field::num("runnable", "", "tasks runnable (fewest of the window's two readings, this tool's sampler not counted)"),
    Field::num("pinning_count", "", "processes that wanted a core the whole window"),
    Field::num("pid", "", "the process id"),
    Field::num("cpu_percent", "%", "CPU used over the window, in percent of one CPU"),
    Field::num("demand_percent", "%", "share of the window it was on a CPU or waiting for one"),
    Field::text("command", "its command line (or name)"),
    Field::text("exe", "its executable (/proc/PID/exe)"),
    Field::flag("pinning", "1 when it wanted a core the whole window (always running or runnable)"),
    Field::flag("pinning_starving", "1 when it pins a core while more tasks are runnable than there are CPUs"),
    Field::flag("pinning_unknown", "1 when it pins a core and its executable is deleted or in a temporary place"),
    Field::flag("exe_suspect", "1 when its executable is deleted or in /tmp, /var/tmp, /dev/shm or a memfd"),
];

/// A process using this much of one CPU over the whole window pins a core.
pub const PIN_PERCENT: f64 = 90.0;
/// Busiest processes named.
const TOP: usize = 5;

/// Whether an executable path looks like nothing a package installed.
pub fn suspect_exe(link: &str) -> bool {
    link.ends_with(" (deleted)")
        || link.starts_with("/memfd:")
        || ["/tmp/", "/var/tmp/", "/dev/shm/"].iter().any(|d| link.starts_with(d))
}

/// Runnable tasks over the window: the fewer of the two readings, less this tool's sampler.
pub fn runnable(w: &Window) -> Option<u64> {
    let a = w.first.procs_running?;
    let b = w.second.procs_running?;
    Some(a.min(b).saturating_sub(1))
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let w = ctx.window();
    let cpus = crate::probe::resources::loadavg::online_cpus(&ctx.host).unwrap_or(1).max(1) as u64;
    let own: Vec<u32> = ctx.processes().map(|t| t.own.clone()).unwrap_or_default();
    let mut own = own;
    own.push(std::process::id());
    own.extend(crate::host::procs::spawned());
    let top: Vec<(u32, String, f64)> = if ctx.host.is_live() {
        w.top_cpu(TOP + own.len()).into_iter().filter(|(pid, _, _)| !own.contains(pid)).take(TOP).collect()
    } else {
        Vec::new()
    };
    let run = runnable(&w);
    let table = ctx.processes().ok();
    let mut items = Vec::new();
    let mut summary =
        Observation::new("CPU holders").num("window_ms", (w.seconds * 1000.0).round()).num("cpus", cpus as f64);
    if let Some(r) = run {
        summary = summary.num("runnable", r as f64);
    }
    summary = if top.is_empty() {
        summary.word("top_cpu", Said::new(Msg::ValNoneMeasured))
    } else {
        summary.text(
            "top_cpu",
            top.iter().map(|(pid, comm, pct)| format!("{comm} (pid {pid}) {pct}%")).collect::<Vec<_>>().join(", "),
        )
    };
    // Spinning: runnable the whole window (schedstat), or a whole core used (threads together).
    let used: std::collections::BTreeMap<u32, f64> =
        w.top_cpu(usize::MAX).into_iter().map(|(pid, _, pct)| (pid, pct)).collect();
    let mut spinning: Vec<(u32, String, f64, f64)> = Vec::new();
    if ctx.host.is_live() {
        for (pid, comm, demand) in w.demanding(PIN_PERCENT) {
            spinning.push((pid, comm, used.get(&pid).copied().unwrap_or(0.0), demand));
        }
        for (pid, comm, pct) in &top {
            if *pct >= PIN_PERCENT && !spinning.iter().any(|s| s.0 == *pid) {
                spinning.push((*pid, comm.clone(), *pct, *pct));
            }
        }
    }
    spinning.retain(|s| !own.contains(&s.0));
    spinning.truncate(TOP);
    let mut pinning = 0;
    for (pid, comm, pct, demand) in &spinning {
        let (pid, pct) = (pid, pct);
        pinning += 1;
        let proc_ = table.as_ref().and_then(|t| t.get(*pid));
        let command = proc_.map(|p| if p.cmdline.is_empty() { p.comm.clone() } else { p.cmdline.clone() });
        let kernel_thread = proc_.is_some_and(|p| p.ppid == 2 || p.pid == 2);
        let exe = std::fs::read_link(ctx.host.path(format!("/proc/{pid}/exe")))
            .ok()
            .map(|p| p.to_string_lossy().into_owned());
        let suspect = !kernel_thread && exe.as_deref().is_some_and(suspect_exe);
        let starving = run.is_some_and(|r| r > cpus);
        let mut o = Observation::new(format!("{comm} (pid {pid})"))
            .num("pid", *pid as f64)
            .num("cpu_percent", *pct)
            .num("demand_percent", *demand)
            .text("command", command.clone().unwrap_or_else(|| comm.clone()))
            .text("exe", exe.clone().unwrap_or_else(|| "unknown".into()))
            .flag("pinning", true)
            .flag("exe_suspect", suspect)
            .flag("pinning_unknown", suspect)
            .flag("pinning_starving", starving && !suspect)
            .num("cpus", cpus as f64)
            .evidence(format!(
                "/proc/{pid}/stat, schedstat: {comm} was on a CPU {pct}% of {:.0} ms and on a CPU or waiting for one {demand}%",
                w.proc_seconds * 1000.0
            ));
        if let Some(p) = proc_ {
            o = o.evidence(format!("/proc/{pid}: {}", p.describe()));
        }
        if let Some(e) = &exe {
            o = o.evidence(format!("/proc/{pid}/exe -> {e}"));
        }
        if let Some(r) = run {
            o = o.num("runnable", r as f64).field_evidence(
                "pinning_starving",
                format!(
                    "/proc/stat: procs_running {} at the start of the window, {} at its end, on {cpus} CPU(s)",
                    w.first.procs_running.unwrap_or(0),
                    w.second.procs_running.unwrap_or(0)
                ),
            );
        }
        for l in o.evidence.clone() {
            o = o.field_evidence("pinning_starving", l.clone()).field_evidence("pinning_unknown", l);
        }
        items.push(o);
    }
    summary = summary.num("pinning_count", pinning as f64);
    for (pid, comm, pct) in &top {
        summary = summary
            .evidence(format!("/proc/{pid}/stat: {comm} used {pct}% of a CPU over {:.0} ms", w.proc_seconds * 1000.0));
    }
    items.insert(0, summary);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspect_executables() {
        assert!(suspect_exe("/usr/bin/xmrig (deleted)"));
        assert!(suspect_exe("/tmp/.x/kworker"));
        assert!(suspect_exe("/dev/shm/a"));
        assert!(suspect_exe("/memfd:x (deleted)"));
        assert!(!suspect_exe("/usr/sbin/mysqld"));
        assert!(!suspect_exe("/opt/tmp/app"));
    }
}
