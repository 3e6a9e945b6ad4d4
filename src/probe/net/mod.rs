//! Network interfaces, addresses and routes as the kernel holds them (/sys/class/net,
//! /proc/net, `ip -j` on the live system), and the connection tracking table. Passive: these
//! probes send no packet, except `proxy_settings`, which asks each system-wide proxy the examined
//! host configures for a TCP connection. `routes` also parses the routing table for `interfaces` and
//! `route_conflicts` ([`routes::parse_ipv4`]).

pub mod conntrack;
pub mod interfaces;
pub mod proxy_settings;
pub mod route_conflicts;
pub mod routes;
pub mod service_ports;
pub mod sysctls;
