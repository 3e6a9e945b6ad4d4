//! Memory and swap from /proc/meminfo (parsed by procfs-core).

use super::{Observation, Observations, ProbeContext, ProbeError};
use procfs_core::FromBufRead;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] =
    &["total_bytes", "available_bytes", "available_percent", "swap_total_bytes", "swap_used_bytes", "swap_used_percent"];

const PATH: &str = "/proc/meminfo";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let file = ctx.host.read(PATH).map_err(|e| ProbeError::io(PATH, &e))?;
    let m = procfs_core::Meminfo::from_buf_read(file.text.as_bytes())
        .map_err(|e| ProbeError::failed("EINVAL", format!("{PATH} is not in the expected format: {e}")))?;
    if m.mem_total == 0 {
        return Err(ProbeError::failed("EINVAL", format!("{PATH} reports no memory (MemTotal is 0 or missing)")));
    }
    // MemAvailable appeared in Linux 3.14; before it, free + page cache + buffers is the estimate.
    let available = m.mem_available.unwrap_or(m.mem_free + m.cached + m.buffers);
    let mut o = Observation::new("memory")
        .num("total_bytes", m.mem_total as f64)
        .num("available_bytes", available as f64)
        .num("available_percent", (available as f64 * 1000.0 / m.mem_total as f64).round() / 10.0)
        .num("swap_total_bytes", m.swap_total as f64)
        .evidence(format!("{PATH}: MemTotal: {} kB", m.mem_total / 1024))
        .evidence(format!("{PATH}: MemAvailable: {} kB", available / 1024));
    if m.swap_total > 0 {
        let used = m.swap_total.saturating_sub(m.swap_free);
        o = o
            .num("swap_used_bytes", used as f64)
            .num("swap_used_percent", (used as f64 * 1000.0 / m.swap_total as f64).round() / 10.0);
    }
    Ok(Observations::of(vec![o]))
}
