//! Repairs of the login path and of security findings: sshd, file modes, accounts, PAM, persistence.
//!
//! One file per action kind; each kind's `super::` reaches the framework through the glob below.

#[allow(unused_imports)]
use super::*;

pub mod account;
pub mod authorized_keys;
pub mod chattr;
pub mod console_key;
pub mod faillock;
pub mod home;
pub mod limits;
pub mod nologin;
pub mod pam_module;
pub mod perms;
pub mod quarantine;
pub mod shells;
pub mod sshd;
pub mod sudoers;
pub mod wrappers;
