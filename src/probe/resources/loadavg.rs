//! CPU load averages (/proc/loadavg) set against the number of CPUs online, because a load of 4
//! is idle on 16 CPUs and a queue on 1.

use crate::host::Host;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("load1", "", "the 1-minute load average"),
    Field::num("load5", "", "the 5-minute load average"),
    Field::num("load15", "", "the 15-minute load average"),
    Field::num("cpus", "", "online CPUs"),
    Field::num("load1_per_cpu", "", "load1 divided by the CPUs"),
    Field::num("load5_per_cpu", "", "load5 divided by the CPUs"),
    Field::num("load15_per_cpu", "", "load15 divided by the CPUs"),
    Field::num("runnable", "", "tasks runnable now"),
    Field::num("busy_percent", "%", "CPU time not idle over the sampling window"),
    Field::num("iowait_percent", "%", "CPU time waiting for I/O over the window"),
    Field::num("steal_percent", "%", "CPU time the hypervisor gave to other guests over the window"),
    Field::text("top_cpu", "the busiest processes over the window"),
];

/// Busiest processes named in the evidence.
const TOP: usize = 5;

const PATH: &str = "/proc/loadavg";

/// CPUs online, from /sys/devices/system/cpu/online ("0-3,6"), else /proc/cpuinfo.
pub fn online_cpus(host: &Host) -> Option<u32> {
    if let Some(line) = host.read_line("/sys/devices/system/cpu/online") {
        let mut count = 0u32;
        for part in line.split(',') {
            match part.split_once('-') {
                Some((a, b)) => count += b.trim().parse::<u32>().ok()?.checked_sub(a.trim().parse().ok()?)? + 1,
                None => {
                    part.trim().parse::<u32>().ok()?;
                    count += 1;
                }
            }
        }
        if count > 0 {
            return Some(count);
        }
    }
    let info = host.read("/proc/cpuinfo").ok()?;
    let n = info.text.lines().filter(|l| l.starts_with("processor")).count() as u32;
    (n > 0).then_some(n)
}

struct Load {
    one: f64,
    five: f64,
    fifteen: f64,
    cur: u32,
}

/// `0.15 0.22 0.18 1/213 4321`
fn parse(text: &str) -> Option<Load> {
    let f: Vec<&str> = text.split_whitespace().collect();
    let num = |i: usize| f.get(i)?.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
    let cur = f.get(3)?.split('/').next()?.parse().ok()?;
    Some(Load { one: num(0)?, five: num(1)?, fifteen: num(2)?, cur })
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if let Some(skip) = ctx.kernel_state_absent(PATH) {
        return Err(skip);
    }
    let file = ctx.host.read(PATH).map_err(|e| ProbeError::io(PATH, &e))?;
    let l = parse(&file.text).ok_or_else(|| {
        ProbeError::failed(
            "EINVAL",
            Said::new(Msg::FailBadFormat)
                .arg("path", PATH)
                .arg("expected", "\"1.00 0.50 0.25 1/200 1234\"")
                .arg("found", format!("{:?}", file.text.trim())),
        )
    })?;
    let cpus = online_cpus(&ctx.host).unwrap_or(1).max(1) as f64;
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    let o = Observation::new("CPU load")
        .num("load1", round2(l.one))
        .num("load5", round2(l.five))
        .num("load15", round2(l.fifteen))
        .num("cpus", cpus)
        .num("load1_per_cpu", round2(l.one / cpus))
        .num("load5_per_cpu", round2(l.five / cpus))
        .num("load15_per_cpu", round2(l.fifteen / cpus))
        .num("runnable", l.cur as f64)
        .evidence(format!("{PATH}: {}", file.text.trim()));
    Ok(Observations::of(vec![with_window(o, ctx)]))
}

/// CPU busy, I/O wait and steal shares and the busiest processes, over the shared sampling
/// window (the steal of a cloud instance is CPU time the hypervisor gave to someone else).
fn with_window(mut o: Observation, ctx: &ProbeContext) -> Observation {
    let w = ctx.window();
    let top = w.top_cpu(TOP);
    let names: Vec<String> = top.iter().map(|(pid, comm, pct)| format!("{comm} (pid {pid}) {pct}%")).collect();
    o = if names.is_empty() {
        o.word("top_cpu", Said::new(Msg::ValNoneMeasured))
    } else {
        o.text("top_cpu", names.join(", "))
    };
    for (pid, comm, pct) in &top {
        o = o.evidence(format!("/proc/{pid}/stat: {comm} used {pct}% of a CPU over {:.0} ms", w.proc_seconds * 1000.0));
    }
    let Some(shares) = w.cpu_shares() else { return o };
    o.num("busy_percent", shares.busy)
        .num("iowait_percent", shares.iowait)
        .num("steal_percent", shares.steal)
        .field_evidence("steal_percent", format!("/proc/stat (start of window): {}", w.first.cpu_line))
        .field_evidence(
            "steal_percent",
            format!("/proc/stat ({:.0} ms later): {}", w.seconds * 1000.0, w.second.cpu_line),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cpu_ranges() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sys/devices/system/cpu")).unwrap();
        std::fs::write(dir.path().join("sys/devices/system/cpu/online"), "0-3,6\n").unwrap();
        assert_eq!(online_cpus(&Host::new(dir.path())), Some(5));
        std::fs::write(dir.path().join("sys/devices/system/cpu/online"), "3-1\n").unwrap();
        assert_eq!(online_cpus(&Host::new(dir.path())), None);
    }
}
