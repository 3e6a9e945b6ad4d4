//! Disks and filesystems: space and inodes (statvfs in an abandonable child), /etc/fstab against
//! the system, read-only mounts, I/O rates and latency over the shared sampling window, disk
//! errors in the kernel log, space held by deleted files, files hidden under mount points. They share the run's mount table
//! (`ProbeContext::mounts`); `filesystems` names the pseudo filesystems the others skip
//! ([`filesystems::DEFAULT_EXCLUDED`]).

pub mod block_devices;
pub mod deleted_open;
pub mod disk_errors;
pub mod diskstats;
pub mod filesystems;
pub mod fstab;
pub mod fstab_types;
pub mod hidden_files;
pub mod io_throttle;
pub mod readonly_mounts;
