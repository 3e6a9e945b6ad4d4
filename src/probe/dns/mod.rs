//! Name resolution: the resolver configuration glibc reads (`resolv_conf`, whose parser and
//! [`resolv_conf::MAXNS`] `dns_resolvers` uses) and whether each configured nameserver answers.

pub mod dns_resolvers;
pub mod resolv_conf;
