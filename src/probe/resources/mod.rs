//! CPU, memory and kernel resources running short: load, memory and swap, pressure stall
//! information (`host::pressure`), open-file limits, and the OOM killer's kills in the kernel log;
//! who holds the CPU over the sampling window (`cpu_holders`), how fast processes are created
//! (`fork_rate`), and memory held outside processes (`memory_holders`).

pub mod cpu_holders;
pub mod file_limits;
pub mod fork_rate;
pub mod loadavg;
pub mod meminfo;
pub mod memory_holders;
pub mod oom_kills;
pub mod process_limits;
pub mod resource_pressure;
