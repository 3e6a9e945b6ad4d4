//! Repairs of the network path: firewall, security group, name resolution, proxy, links, kernel settings.
//!
//! One file per action kind; each kind's `super::` reaches the framework through the glob below.

#[allow(unused_imports)]
use super::*;

pub mod firewall;
pub mod link;
pub mod proxy;
pub mod resolver;
pub mod security_group;
pub mod sysctl;
pub mod timesync;
