//! Repairs of the network path: firewall, security group, name resolution, proxy, links, kernel settings.
//!
//! One file per action kind; each kind's `super::` reaches the framework through the glob below.

#[allow(unused_imports)]
use super::*;

pub mod console;
pub mod firewall;
pub mod hostname;
pub mod link;
pub mod mtu;
pub mod nic;
pub mod proxy;
pub mod resolv_conf;
pub mod resolver;
pub mod route;
pub mod route_conflict;
pub mod security_group;
pub mod sshd_start;
pub mod sysctl;
pub mod timesync;
