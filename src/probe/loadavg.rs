//! CPU load averages (/proc/loadavg, parsed by procfs-core) set against the number of CPUs
//! online, because a load of 4 is idle on 16 CPUs and a queue on 1.

use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::host::Host;
use procfs_core::FromRead;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] =
    &["load1", "load5", "load15", "cpus", "load1_per_cpu", "load5_per_cpu", "load15_per_cpu", "runnable"];

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

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let file = ctx.host.read(PATH).map_err(|e| ProbeError::io(PATH, &e))?;
    let l = procfs_core::LoadAverage::from_read(file.text.as_bytes())
        .map_err(|e| ProbeError::failed("EINVAL", format!("{PATH} is not in the expected format: {e}")))?;
    let cpus = online_cpus(&ctx.host).unwrap_or(1).max(1) as f64;
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    let o = Observation::new("CPU load")
        .num("load1", round2(l.one as f64))
        .num("load5", round2(l.five as f64))
        .num("load15", round2(l.fifteen as f64))
        .num("cpus", cpus)
        .num("load1_per_cpu", round2(l.one as f64 / cpus))
        .num("load5_per_cpu", round2(l.five as f64 / cpus))
        .num("load15_per_cpu", round2(l.fifteen as f64 / cpus))
        .num("runnable", l.cur as f64)
        .evidence(format!("{PATH}: {}", file.text.trim()));
    Ok(Observations::of(vec![o]))
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
