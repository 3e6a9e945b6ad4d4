//! Processes and what they hold, from the run's shared scans (`ProbeContext::processes`,
//! `ProbeContext::sockets`): stuck and zombie processes, processes that look like an intruder's,
//! failed systemd units, services listening on every address.

pub mod listeners;
pub mod process_states;
pub mod suspicious_procs;
pub mod systemd_units;
