//! Sockets and the kernel's protocol counters: listen queues, TCP's health (retransmissions, SYN
//! cookies, TIME_WAIT, orphans, memory) and UDP buffer drops. They read the shared socket scan of
//! this network namespace and the counters of /proc/net/snmp and netstat in the shared sampling
//! window, so a rate is over the run's window, never since boot.

pub mod listen_queues;
pub mod tcp_counters;
pub mod udp_drops;
