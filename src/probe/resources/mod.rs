//! CPU, memory and kernel resources running short: load, memory and swap, pressure stall
//! information (`host::pressure`), open-file limits, and the OOM killer's kills in the kernel log.

pub mod file_limits;
pub mod loadavg;
pub mod meminfo;
pub mod oom_kills;
pub mod process_limits;
pub mod resource_pressure;
