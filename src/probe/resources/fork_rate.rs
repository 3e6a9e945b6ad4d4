//! Processes created per second over the shared sampling window: the `processes` counter of
//! /proc/stat (every fork and clone since boot) at both ends of the window. A fork storm (a
//! crash-looping service, a shell loop, a fork bomb) burns CPU in the kernel and the load
//! average without any one process standing out in `top`. The parent with the most children
//! that appeared during the window is named when the window caught any (this tool's own
//! children are not counted).

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
];

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
