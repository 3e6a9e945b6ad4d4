//! The network cards and their queues: what leaves them (qdiscs), what they drop or receive in
//! error, the per-CPU receive backlog and where their interrupts land. The counters come from
//! the shared sampling window (one read of /proc/net/dev and /proc/net/softnet_stat per
//! snapshot), so rates are over the run's window; totals are since boot.

pub mod nic_counters;
pub mod nic_irqs;
pub mod qdiscs;
pub mod softnet;
