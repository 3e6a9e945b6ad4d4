//! Default routes from the kernel's routing tables (/proc/net/route, /proc/net/ipv6_route) and
//! whether each IPv4 gateway's neighbour entry resolved (/proc/net/arp). Passive: no packets.

use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("default_route_count", "", "default routes (IPv4 and IPv6)"),
    Field::num("ipv4_default_count", "", "IPv4 default routes"),
    Field::num("ipv6_default_count", "", "IPv6 default routes"),
    Field::text("gateway", "the default route's gateway"),
    Field::text("iface", "the interface it leaves by"),
    Field::flag("gateway_unresolved", "1 when the gateway has no neighbour entry (ARP failed)"),
];

const RTF_UP: u32 = 0x1;
const RTF_REJECT: u32 = 0x200;

fn hex_ipv4(s: &str) -> Option<Ipv4Addr> {
    // The kernel prints the address in host byte order: little-endian on x86 and arm64.
    let v = u32::from_str_radix(s, 16).ok()?;
    Some(Ipv4Addr::from(v.to_le_bytes()))
}

struct Route {
    iface: String,
    gateway: String,
    line: String,
}

/// One line of /proc/net/route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Route {
    pub iface: String,
    pub dest: Ipv4Addr,
    pub gateway: Ipv4Addr,
    pub mask: Ipv4Addr,
    pub flags: u32,
    pub metric: u32,
}

impl Ipv4Route {
    pub fn is_usable(&self) -> bool {
        self.flags & RTF_UP != 0 && self.flags & RTF_REJECT == 0
    }

    pub fn is_default(&self) -> bool {
        self.dest.is_unspecified() && self.mask.is_unspecified() && self.is_usable()
    }

    /// Whether `addr` falls inside this route's destination.
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & u32::from(self.mask) == u32::from(self.dest)
    }
}

/// Parses /proc/net/route; lines that do not parse go to `bad` as `path:line: text`.
pub fn parse_ipv4(path: &str, text: &str, bad: &mut Vec<String>) -> Vec<Ipv4Route> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let parsed = (f.len() >= 8)
            .then(|| (hex_ipv4(f[1]), hex_ipv4(f[2]), u32::from_str_radix(f[3], 16).ok(), hex_ipv4(f[7])));
        match parsed {
            Some((Some(dest), Some(gateway), Some(flags), Some(mask))) => out.push(Ipv4Route {
                iface: f[0].to_string(),
                dest,
                gateway,
                mask,
                flags,
                metric: f[6].parse().unwrap_or(0),
            }),
            _ if line.trim().is_empty() => {}
            _ => bad.push(format!("{path}:{}: {line}", n + 1)),
        }
    }
    out
}

fn ipv4_defaults(path: &str, text: &str, bad: &mut Vec<String>) -> Vec<Route> {
    parse_ipv4(path, text, bad)
        .into_iter()
        .filter(Ipv4Route::is_default)
        .map(|r| Route {
            line: format!("{path}: default via {} dev {} metric {}", r.gateway, r.iface, r.metric),
            iface: r.iface,
            gateway: r.gateway.to_string(),
        })
        .collect()
}

fn ipv6_defaults(path: &str, text: &str) -> Vec<Route> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 || f[0].len() != 32 {
            continue;
        }
        let flags = u32::from_str_radix(f[8], 16).unwrap_or(0);
        let is_default = f[0].bytes().all(|b| b == b'0') && f[1] == "00";
        if !is_default || flags & RTF_UP == 0 || flags & RTF_REJECT != 0 || f[9] == "lo" {
            continue;
        }
        let gw = u128::from_str_radix(f[4], 16).map(Ipv6Addr::from).map(|a| a.to_string()).unwrap_or_default();
        let metric = u64::from_str_radix(f[5], 16).unwrap_or(0);
        out.push(Route {
            iface: f[9].to_string(),
            gateway: gw.clone(),
            line: format!("{path}: default via {gw} dev {} metric {metric}", f[9]),
        });
    }
    out
}

/// IPv4 addresses whose neighbour entry exists but never completed (flags 0x0).
fn unresolved_neighbours(text: &str) -> Vec<(String, String)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 6 && f[2] == "0x0").then(|| (f[0].to_string(), f[5].to_string()))
        })
        .collect()
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let v4path = "/proc/net/route";
    let v4 = ctx.host.read_optional(v4path).map_err(|e| ProbeError::io(v4path, &e))?;
    let v6path = "/proc/net/ipv6_route";
    let v6 = ctx.host.read_optional(v6path).map_err(|e| ProbeError::io(v6path, &e))?;
    if v4.is_none() && v6.is_none() {
        if let Some(skip) = ctx.kernel_state_absent(v4path) {
            return Err(skip);
        }
        return Err(ProbeError::failed("ENOENT", Said::new(Msg::FailNoRoutes)));
    }
    let mut bad = Vec::new();
    let d4 = v4.as_ref().map(|f| ipv4_defaults(v4path, &f.text, &mut bad)).unwrap_or_default();
    let d6 = v6.as_ref().map(|f| ipv6_defaults(v6path, &f.text)).unwrap_or_default();
    let arp = ctx
        .host
        .read_optional("/proc/net/arp")
        .ok()
        .flatten()
        .map(|f| unresolved_neighbours(&f.text))
        .unwrap_or_default();

    let mut table = Observation::new("routing table")
        .num("default_route_count", (d4.len() + d6.len()) as f64)
        .num("ipv4_default_count", d4.len() as f64)
        .num("ipv6_default_count", d6.len() as f64);
    if d4.is_empty() && d6.is_empty() {
        table = table.evidence(format!("{v4path}: no route with destination 0.0.0.0/0"));
    }
    for line in bad {
        table = table.evidence(line);
    }
    let mut items = vec![table];
    for r in d4.iter().chain(d6.iter()) {
        let unresolved = arp.iter().any(|(ip, dev)| *ip == r.gateway && *dev == r.iface);
        let mut o = Observation::new(format!("default via {} dev {}", r.gateway, r.iface))
            .text("gateway", &r.gateway)
            .text("iface", &r.iface)
            .flag("gateway_unresolved", unresolved)
            .evidence(r.line.clone());
        if unresolved {
            o = o.evidence(format!("/proc/net/arp: {} dev {} flags 0x0 (incomplete)", r.gateway, r.iface));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ipv4_default_and_ignores_garbage() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n\
garbage\n";
        let mut bad = Vec::new();
        let d = ipv4_defaults("/proc/net/route", text, &mut bad);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].gateway, "192.168.1.1");
        assert_eq!(bad.len(), 1);
    }

    #[test]
    fn ipv6_default_skips_the_lo_reject_route() {
        let text = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n\
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n";
        let d = ipv6_defaults("/p", text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].gateway, "fe80::1");
    }
}
