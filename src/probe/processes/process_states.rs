//! Processes stuck in uninterruptible sleep (D state) and zombies, from the shared process
//! table. Both are judged only when they persist across the shared sampling window: a process
//! passes through D for every disk read and is a zombie for a moment at every exit.

use crate::host::procs::Proc;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("d_state", "1 for a process stuck in uninterruptible sleep (D)"),
    Field::text("wchan", "the kernel function it waits in"),
    Field::num("zombies", "", "zombie children this parent has not reaped"),
    Field::text("zombie_names", "their names"),
    Field::num("processes", "", "processes read"),
    Field::num("d_state_total", "", "processes in D state"),
    Field::num("zombies_total", "", "zombies"),
    Field::num("pid", "", "the process id"),
];

/// At most this many processes named in evidence.
const MAX_LISTED: usize = 10;

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let table = ctx.processes()?;
    let window = ctx.window();
    // In a state at both ends of the window (or, when the window saw nothing, in the table).
    let persists = |p: &Proc, state: char| {
        if window.first.procs.is_empty() && window.second.procs.is_empty() {
            return p.state == state;
        }
        [&window.first, &window.second].iter().all(|s| s.procs.get(&p.pid).is_some_and(|t| t.state == state))
    };
    let d: Vec<&Proc> = table.procs.iter().filter(|p| persists(p, 'D')).collect();
    let z: Vec<&Proc> = table.procs.iter().filter(|p| persists(p, 'Z')).collect();

    let mut summary = Observation::new("processes")
        .num("processes", table.procs.len() as f64)
        .num("d_state_total", d.len() as f64)
        .num("zombies_total", z.len() as f64);
    if table.truncated {
        summary = summary.evidence("/proc: the run's deadline came before every process was read");
    }
    let mut items = vec![summary];
    for p in &d {
        let wchan = ctx
            .host
            .read_line(&format!("/proc/{}/wchan", p.pid))
            .filter(|w| w != "0" && !w.is_empty())
            .unwrap_or_else(|| "unknown".into());
        items.push(
            Observation::new(p.label())
                .flag("d_state", true)
                .num("pid", p.pid as f64)
                .text("wchan", &wchan)
                .evidence(format!("/proc/{}/stat: {}", p.pid, p.describe()))
                .evidence(format!("/proc/{}/wchan: {wchan}", p.pid)),
        );
    }
    let mut by_parent: BTreeMap<u32, Vec<&Proc>> = BTreeMap::new();
    for p in &z {
        by_parent.entry(p.ppid).or_default().push(p);
    }
    for (ppid, children) in by_parent {
        let parent = table.get(ppid);
        let subject = parent.map(Proc::label).unwrap_or_else(|| format!("pid {ppid}"));
        let mut names: Vec<&str> = children.iter().map(|c| c.comm.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let mut o = Observation::new(subject)
            .num("zombies", children.len() as f64)
            .num("pid", ppid as f64)
            .text("zombie_names", names.join(", "));
        if let Some(parent) = parent {
            o = o.evidence(format!("/proc/{ppid}/stat: {}", parent.describe()));
        }
        for c in children.iter().take(MAX_LISTED) {
            o = o.evidence(format!("/proc/{}/stat: {}", c.pid, c.describe()));
        }
        if children.len() > MAX_LISTED {
            o = o.evidence(format!("... {} more zombies", children.len() - MAX_LISTED));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
