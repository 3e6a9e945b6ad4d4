//! Repairs of disks and filesystems: fstab entries and grown partitions.
//!
//! One file per action kind; each kind's `super::` reaches the framework through the glob below.

#[allow(unused_imports)]
use super::*;

pub mod cleanup;
pub mod fstab;
pub mod grow;
