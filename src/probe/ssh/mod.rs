//! The SSH server and the logins it admits: its effective configuration (`sshd_config`, which
//! reads the files as sshd does and asks `sshd -T` on the live system), whether sshd accepts
//! its configuration (`sshd_test`), authorized keys and host keys (owners and modes from
//! `host::fsmeta`), failed logins in the authentication logs (`auth_log`), and whether sshd is
//! there to answer: running, listening where clients reach it, on its configured port
//! (`sshd_service`), and whether its logins wait for DNS (`sshd_use_dns`).
//!
//! Who can log in and why not: sshd's effective settings per connection (`effective`: `sshd -T
//! -C user=...` or the files with Match blocks), the per-run login facts and verdicts (`login`),
//! the login matrix (`login_matrix`), authorized keys as sshd reads them (`ssh_keys`,
//! `ssh_key_files`), and TCP wrappers (`tcp_wrappers`).
//!
//! Shared here: where the sshd binary lives ([`SSHD_BINARIES`]), for every probe that runs it,
//! and the effective-configuration reader ([`effective()`]).

pub mod auth_log;
pub mod console_key;
pub mod effective;
pub mod login;
pub mod login_matrix;
pub mod ssh_authorized_keys;
pub mod ssh_host_keys;
pub mod ssh_key_files;
pub mod ssh_keys;
pub mod sshd_config;
pub mod sshd_service;
pub mod sshd_test;
pub mod sshd_use_dns;
pub mod sshd_words;
pub mod tcp_wrappers;

pub use effective::{Conn, Effective, effective};

/// The parameters of every probe that reads sshd's configuration: where it is.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SshdParams {
    #[serde(default = "default_sshd_config")]
    pub path: String,
}

impl Default for SshdParams {
    fn default() -> SshdParams {
        SshdParams { path: default_sshd_config() }
    }
}

fn default_sshd_config() -> String {
    login::SSHD_CONFIG.into()
}

/// Where sshd lives on the distributions we meet.
pub const SSHD_BINARIES: &[&str] = &["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/usr/bin/sshd"];
