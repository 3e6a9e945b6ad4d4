//! Name resolution: the resolver configuration glibc reads (`resolv_conf`, whose parser and
//! [`resolv_conf::MAXNS`] `dns_resolvers` uses) and whether each configured nameserver answers;
//! the order names are looked up in (`nsswitch_hosts`), /etc/hosts entries that override what
//! DNS says (`hosts_overrides`), and who writes resolv.conf (`resolv_manager`).

pub mod dns_resolvers;
pub mod hosts_overrides;
pub mod nsswitch_hosts;
pub mod resolv_conf;
pub mod resolv_manager;
