//! Processes created per second over the shared sampling window: the `processes` counter of
//! /proc/stat (every fork and clone since boot) at both ends of the window. A fork storm (a
//! crash-looping service, a shell loop, a fork bomb) burns CPU in the kernel and the load
//! average without any one process standing out in `top`. The parent with the most children
//! that appeared during the window is named when the window caught any (this tool's own
//! children are not counted).
//!
//! The counter is the whole machine's, also inside a container: in a PID namespace of its own
//! (/proc/self/ns/pid is not the machine's first, `pid:[4026531836]`) a storm is blamed on this namespace
//! only when the window saw new processes in it; otherwise it is said to be the machine's,
//! outside this namespace. On a fixture root (`--root`) there is no window and no rate.

use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("forks_per_s", "1/s", "processes and threads created per second over the window"),
    Field::num("forks", "", "created during the window"),
    Field::num("window_ms", "ms", "how long the window lasted"),
    Field::text("top_parent", "the process whose new children the window caught most often, or none"),
    Field::num("top_parent_children", "", "how many of those children"),
    Field::num("seen_children", "", "new processes the window saw in this PID namespace (not this tool's)"),
    Field::flag("pid_namespace", "1 inside a PID namespace of its own (a container): the counter is the machine's"),
];

/// The machine's first PID namespace as /proc/PID/ns/pid names it: its inode is the kernel's
/// constant PROC_PID_INIT_INO (0xEFFFFFFC).
const INIT_PID_NS: &str = "pid:[4026531836]";

/// Whether the link /proc/self/ns/pid names a PID namespace below the machine's (a container's).
pub fn in_child_pid_namespace(link: &str) -> bool {
    link.starts_with("pid:[") && link != INIT_PID_NS
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let w = ctx.window();
    let (Some(a), Some(b)) = (w.first.forks, w.second.forks) else {
        return Err(ProbeError::Skipped(
            crate::i18n::Said::new(crate::i18n::Msg::SkipFileMissing).arg("path", "/proc/stat (processes)"),
        ));
    };
    let mut o = Observation::new("process creation").num("window_ms", (w.seconds * 1000.0).round());
    if w.seconds <= 0.0 {
        // A fixture root: the counter read twice without waiting, no rate.
        return Ok(Observations::of(vec![o.num("forks", 0.0).text("top_parent", "none")]));
    }
    // Only the live system has a namespace to ask about (a fixture root returned above).
    let link = std::fs::read_link(ctx.host.path("/proc/self/ns/pid"))
        .map(|l| l.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid_ns = in_child_pid_namespace(&link);
    o = o.flag("pid_namespace", pid_ns);
    if pid_ns {
        o = o.evidence(format!(
            "/proc/self/ns/pid -> {link}: a PID namespace of its own; /proc/stat counts the whole machine's processes"
        ));
    }
    let created = b.saturating_sub(a);
    let rate = (created as f64 / w.seconds).round();
    // New pids by parent; this tool's own processes are not the system's.
    let mut own = ctx.processes().map(|t| t.own.clone()).unwrap_or_default();
    own.push(std::process::id());
    own.extend(crate::host::procs::spawned());
    let mut by_parent: BTreeMap<u32, usize> = BTreeMap::new();
    for (pid, p) in &w.second.procs {
        if !w.first.procs.contains_key(pid) && !own.contains(pid) && !own.contains(&p.ppid) {
            *by_parent.entry(p.ppid).or_default() += 1;
        }
    }
    let top = by_parent.iter().max_by_key(|(_, n)| **n).map(|(pp, n)| (*pp, *n));
    o = o.num("seen_children", by_parent.values().sum::<usize>() as f64);
    o = o
        .num("forks", created as f64)
        .num("forks_per_s", rate)
        .evidence(format!("/proc/stat: processes {a} at the start of the window"))
        .evidence(format!("/proc/stat: processes {b} {:.0} ms later", w.seconds * 1000.0));
    match top {
        Some((pp, n)) => {
            let name = w
                .second
                .procs
                .get(&pp)
                .or_else(|| w.first.procs.get(&pp))
                .map(|p| p.comm.clone())
                .unwrap_or_else(|| "?".into());
            let cmd = ctx
                .processes()
                .ok()
                .and_then(|t| t.get(pp).map(|p| p.describe()))
                .unwrap_or_else(|| format!("pid {pp} {name}"));
            o = o
                .text("top_parent", format!("{name} (pid {pp})"))
                .num("top_parent_children", n as f64)
                .evidence(format!("{n} new process(es) seen during the window were children of /proc/{pp}: {cmd}"));
        }
        None => o = o.text("top_parent", "none"),
    }
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_namespace_other_than_the_first_is_a_containers() {
        assert!(in_child_pid_namespace("pid:[4026532507]"));
        assert!(!in_child_pid_namespace("pid:[4026531836]"));
        assert!(!in_child_pid_namespace(""), "unreadable: the machine's, as before");
    }
}
