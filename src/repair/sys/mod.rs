//! Repairs of the boot chain and the clock: GRUB entry, SELinux mode, initramfs, adjtime, time zone; and a
//! running process's resource limits.
//!
//! One file per action kind; each kind's `super::` reaches the framework through the glob below.

#[allow(unused_imports)]
use super::*;

pub mod adjtime;
pub mod grub;
pub mod initramfs;
pub mod rlimit;
pub mod selinux;
pub mod timezone;
