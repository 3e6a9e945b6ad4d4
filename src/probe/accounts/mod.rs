//! Who may log in and as whom: the examined system's own /etc/passwd, /etc/shadow, /etc/group
//! and sudoers (never this machine's). `passwd` also parses accounts for other probes
//! ([`passwd::Account`], used by `ssh::ssh_authorized_keys`).

pub mod account_ids;
pub mod account_state;
pub mod passwd;
pub mod shadow;
pub mod sudoers;
