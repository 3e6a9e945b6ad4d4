//! The SSH server and the logins it admits: its effective configuration (`sshd_config`, which
//! reads the files as sshd does and asks `sshd -T` on the live system), whether sshd accepts
//! its configuration (`sshd_test`), authorized keys and host keys (owners and modes from
//! `host::fsmeta`), and failed logins in the authentication logs (`auth_log`).
//!
//! Shared here: where the sshd binary lives ([`SSHD_BINARIES`]), for every probe that runs it.

pub mod auth_log;
pub mod ssh_authorized_keys;
pub mod ssh_host_keys;
pub mod sshd_config;
pub mod sshd_test;

/// Where sshd lives on the distributions we meet.
pub const SSHD_BINARIES: &[&str] = &["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/usr/bin/sshd"];
