//! Network interfaces as the kernel shows them in /sys/class/net (state, carrier, MTU, error
//! counters, physical or virtual) with their addresses: IPv4 from /proc/net/fib_trie (local
//! addresses, matched to an interface by the routing table), IPv6 from /proc/net/if_inet6.
//! Passive and `--root` friendly: no netlink, no packets.

use super::routes::{Ipv4Route, parse_ipv4};
use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::host::Host;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] = &[
    "operstate",
    "admin_up",
    "carrier",
    "physical",
    "primary",
    "mtu",
    "rx_packets",
    "tx_packets",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "error_percent",
    "ipv4_addresses",
    "usable_ipv4_count",
    "link_local_only",
    "ipv6_global_count",
];

const IFF_UP: u32 = 0x1;

/// Local IPv4 addresses: a leaf `|-- A.B.C.D` followed by `/32 host LOCAL`.
pub fn local_ipv4(fib_trie: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in fib_trie.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.trim().parse().ok();
        } else if t.starts_with("/32 host LOCAL")
            && let Some(a) = last.filter(|a| !a.is_loopback() && !out.contains(a))
        {
            out.push(a);
        }
    }
    out
}

/// Global-scope IPv6 addresses per interface from /proc/net/if_inet6 (scope 00 is global).
fn global_ipv6(if_inet6: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in if_inet6.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 6 && f[3] == "00" {
            *out.entry(f[5].to_string()).or_insert(0) += 1;
        }
    }
    out
}

/// The interface an address belongs to: the most specific non-default route containing it.
fn iface_of(addr: Ipv4Addr, routes: &[Ipv4Route]) -> Option<String> {
    routes
        .iter()
        .filter(|r| r.is_usable() && !r.is_default() && r.contains(addr))
        .max_by_key(|r| u32::from(r.mask).count_ones())
        .map(|r| r.iface.clone())
}

fn read_num(host: &Host, path: &str) -> Option<f64> {
    host.read_line(path)?.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let host = &ctx.host;
    let names: Vec<String> = host
        .list_dir("/sys/class/net")
        .map_err(|e| ProbeError::io("/sys/class/net", &e))?
        .into_iter()
        .filter(|n| n != "lo" && !n.starts_with('.'))
        .collect();
    if names.is_empty() {
        return Err(ProbeError::failed("ENOENT", "/sys/class/net lists no network interface"));
    }
    let mut bad = Vec::new();
    let routes = host
        .read_optional("/proc/net/route")
        .ok()
        .flatten()
        .map(|f| parse_ipv4("/proc/net/route", &f.text, &mut bad))
        .unwrap_or_default();
    let mut v4: BTreeMap<String, Vec<Ipv4Addr>> = BTreeMap::new();
    if let Ok(Some(trie)) = host.read_optional("/proc/net/fib_trie") {
        for a in local_ipv4(&trie.text) {
            v4.entry(iface_of(a, &routes).unwrap_or_default()).or_default().push(a);
        }
    }
    let v6 = host.read_optional("/proc/net/if_inet6").ok().flatten().map(|f| global_ipv6(&f.text)).unwrap_or_default();
    let physical = |n: &str| host.path(format!("/sys/class/net/{n}/device")).exists();
    // The primary interface carries the default route; without one, the first physical interface.
    let primary = routes
        .iter()
        .filter(|r| r.is_default())
        .min_by_key(|r| r.metric)
        .map(|r| r.iface.clone())
        .or_else(|| names.iter().find(|n| physical(n)).cloned())
        .or_else(|| names.first().cloned())
        .unwrap_or_default();

    let mut items = Vec::new();
    for name in &names {
        let base = format!("/sys/class/net/{name}");
        let mut o = Observation::new(name).flag("physical", physical(name)).flag("primary", *name == primary);
        if let Some(state) = host.read_line(&format!("{base}/operstate")) {
            o = o.evidence(format!("{base}/operstate: {state}")).text("operstate", state);
        }
        if let Some(flags) = host.read_line(&format!("{base}/flags")) {
            let up = u32::from_str_radix(flags.trim_start_matches("0x"), 16).is_ok_and(|f| f & IFF_UP != 0);
            o = o.flag("admin_up", up).field_evidence("admin_up", format!("{base}/flags: {flags}"));
        }
        // Reading carrier fails with EINVAL while the interface is down: then it stays unknown.
        if let Some(carrier) = read_num(host, &format!("{base}/carrier")) {
            o = o.num("carrier", carrier).field_evidence("carrier", format!("{base}/carrier: {carrier}"));
        }
        if let Some(mtu) = read_num(host, &format!("{base}/mtu")) {
            o = o.num("mtu", mtu).field_evidence("mtu", format!("{base}/mtu: {mtu}"));
        }
        let mut counters = BTreeMap::new();
        for c in ["rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped"] {
            if let Some(v) = read_num(host, &format!("{base}/statistics/{c}")) {
                counters.insert(c, v);
                o = o.num(c, v);
            }
        }
        let packets = counters.get("rx_packets").unwrap_or(&0.0) + counters.get("tx_packets").unwrap_or(&0.0);
        let errors = counters.get("rx_errors").unwrap_or(&0.0) + counters.get("tx_errors").unwrap_or(&0.0);
        if packets > 0.0 {
            o = o.num("error_percent", (errors * 1000.0 / packets).round() / 10.0);
            o = o.field_evidence(
                "error_percent",
                format!(
                    "{base}/statistics: rx_errors {} tx_errors {} of {packets} packets",
                    counters.get("rx_errors").unwrap_or(&0.0),
                    counters.get("tx_errors").unwrap_or(&0.0)
                ),
            );
        }
        let addrs = v4.get(name).cloned().unwrap_or_default();
        let usable: Vec<_> = addrs.iter().filter(|a| !a.is_link_local()).collect();
        let list = addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
        o = o
            .text("ipv4_addresses", if list.is_empty() { "none".to_string() } else { list.clone() })
            .num("usable_ipv4_count", usable.len() as f64)
            .flag("link_local_only", !addrs.is_empty() && usable.is_empty())
            .num("ipv6_global_count", *v6.get(name).unwrap_or(&0) as f64);
        let addr_line =
            format!("/proc/net/fib_trie: {name}: {}", if list.is_empty() { "no IPv4 address" } else { &list });
        o = o.field_evidence("usable_ipv4_count", addr_line.clone()).field_evidence("link_local_only", addr_line);
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_from_fib_trie() {
        let trie = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     |-- 127.0.0.1\n        /32 host LOCAL\n     |-- 172.16.0.10\n        /32 host LOCAL\n     |-- 172.16.15.255\n        /32 link BROADCAST\nLocal:\n     |-- 172.16.0.10\n        /32 host LOCAL\n     |-- garbage\n        /32 host LOCAL\n";
        assert_eq!(local_ipv4(trie), vec![Ipv4Addr::new(172, 16, 0, 10)]);
    }

    #[test]
    fn global_ipv6_counts_scope_zero_only() {
        let t = "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\nfd000000000000000000000000000002 04 40 00 82     eth0\nbad line\n";
        assert_eq!(global_ipv6(t).get("eth0"), Some(&1));
    }
}
