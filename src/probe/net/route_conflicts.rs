//! Routes that take traffic away from where it belongs, read from the main routing table
//! (/proc/net/route; policy routing with `ip rule` is not examined):
//!
//! - a route on another, virtual interface (a docker, VPN or bridge interface) over the VPC or
//!   vSwitch CIDR the metadata service names: part of the VPC, or of the instance's own subnet,
//!   becomes unreachable;
//! - the same destination on two interfaces, or a route on another interface inside a subnet
//!   the primary interface is directly connected to;
//! - the metadata address or a platform nameserver routed out of another interface than the
//!   primary one (longest prefix wins, then the lowest metric, as the kernel picks).
//!
//! One observation per conflicting route (subject `DEST/LEN dev IFACE`) or misrouted address,
//! plus one for the table, so a clean table is an `ok` with what was compared.

use super::routes::{Ipv4Route, parse_ipv4};
use crate::host::facts::{self, Provider};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("vswitch_overlap", "1 when a route sends part of the vSwitch's subnet elsewhere"),
    Field::flag("vpc_overlap", "1 when a route sends part of the VPC elsewhere"),
    Field::flag("iface_overlap", "1 when a route overlaps an interface's own subnet"),
    Field::flag("misrouted", "1 when a platform service (metadata, DNS, NTP) is routed away from the VPC"),
    Field::num("conflict_count", "", "conflicting routes"),
    Field::num("route_count", "", "routes read"),
    Field::text("other", "the subnet the route conflicts with"),
    Field::text("vpc", "the VPC's CIDR from the metadata service, or -"),
    Field::text("vswitch", "the vSwitch's CIDR from the metadata service, or -"),
    Field::text("service", "the platform service routed away"),
    Field::text("via", "where the route sends it"),
];

/// Alibaba Cloud's VPC nameservers, used when the metadata does not list them.
const ALIBABA_DNS: [Ipv4Addr; 2] = [Ipv4Addr::new(100, 100, 2, 136), Ipv4Addr::new(100, 100, 2, 138)];

fn prefix_len(r: &Ipv4Route) -> u32 {
    u32::from(r.mask).count_ones()
}

/// `10.0.0.0/16 dev eth0` (with the gateway when there is one).
pub fn show(r: &Ipv4Route) -> String {
    let via = if r.gateway.is_unspecified() { String::new() } else { format!(" via {}", r.gateway) };
    if r.is_default() {
        format!("default{via} dev {}", r.iface)
    } else {
        format!("{}/{}{via} dev {}", r.dest, prefix_len(r), r.iface)
    }
}

/// A CIDR as (network, prefix length).
pub fn parse_cidr(s: &str) -> Option<(Ipv4Addr, u32)> {
    let (a, l) = s.trim().split_once('/')?;
    let len: u32 = l.parse().ok().filter(|l| *l <= 32)?;
    let addr: Ipv4Addr = a.parse().ok()?;
    Some((Ipv4Addr::from(u32::from(addr) & mask(len)), len))
}

fn mask(len: u32) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len.min(32)) }
}

/// Whether two prefixes share any address (one contains the other).
pub fn overlaps(a: (Ipv4Addr, u32), b: (Ipv4Addr, u32)) -> bool {
    let m = mask(a.1.min(b.1));
    u32::from(a.0) & m == u32::from(b.0) & m
}

fn net(r: &Ipv4Route) -> (Ipv4Addr, u32) {
    (r.dest, prefix_len(r))
}

/// The route the kernel picks for `addr` in the main table: longest prefix, then lowest metric.
pub fn route_for(addr: Ipv4Addr, routes: &[Ipv4Route]) -> Option<&Ipv4Route> {
    routes
        .iter()
        .filter(|r| r.is_usable() && r.contains(addr))
        .max_by(|a, b| prefix_len(a).cmp(&prefix_len(b)).then(b.metric.cmp(&a.metric)))
}

/// What the metadata service says about the network, when it may be asked and answered.
struct Platform {
    vpc: Option<(Ipv4Addr, u32)>,
    vswitch: Option<(Ipv4Addr, u32)>,
    services: Vec<(Ipv4Addr, &'static str)>,
    source: String,
}

fn platform(ctx: &ProbeContext) -> Option<Platform> {
    let ep = ctx.metadata_source().endpoint().cloned()?;
    let mut services = Vec::new();
    if let IpAddr::V4(a) = ep.addr.ip() {
        services.push((a, "metadata"));
    }
    let md = ctx.metadata();
    let listed: Vec<Ipv4Addr> = md
        .as_ref()
        .map(|m| {
            m.nameservers().into_iter().filter_map(|ip| if let IpAddr::V4(a) = ip { Some(a) } else { None }).collect()
        })
        .unwrap_or_default();
    // Unanswered (perhaps because of the very route examined here): on Alibaba Cloud the
    // nameservers are well known.
    let alibaba = facts::cloud_provider(&ctx.host) == Provider::Alibaba
        || ep.addr.ip() == IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200));
    let dns: Vec<Ipv4Addr> = if listed.is_empty() && alibaba { ALIBABA_DNS.to_vec() } else { listed };
    services.extend(dns.into_iter().map(|a| (a, "dns")));
    let value = |k: &str| md.as_ref().and_then(|m| m.values.get(k)).and_then(|v| parse_cidr(v));
    Some(Platform { vpc: value("vpc_cidr"), vswitch: value("vswitch_cidr"), services, source: ep.url })
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let path = "/proc/net/route";
    let Some(file) = ctx.host.read_optional(path).map_err(|e| ProbeError::io(path, &e))? else {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipNoRouteTable).arg("path", path)));
    };
    let mut bad = Vec::new();
    let routes: Vec<Ipv4Route> = parse_ipv4(path, &file.text, &mut bad).into_iter().filter(|r| r.is_usable()).collect();
    let physical = |n: &str| ctx.host.path(format!("/sys/class/net/{n}/device")).exists();
    let primary_default = routes.iter().filter(|r| r.is_default()).min_by_key(|r| r.metric);
    let primary = primary_default.map(|r| r.iface.clone());
    let line = |r: &Ipv4Route| format!("{path}: {}", show(r));
    let plat = platform(ctx);
    let mut items = Vec::new();
    let mut flagged: Vec<&Ipv4Route> = Vec::new();

    // 1. Virtual interfaces over the VPC or the vSwitch.
    if let Some(p) = &plat {
        for r in routes.iter().filter(|r| !r.is_default() && Some(&r.iface) != primary.as_ref() && !physical(&r.iface))
        {
            let mut o = Observation::new(show(r)).evidence(line(r));
            let mut hit = false;
            if let Some(vs) = p.vswitch.filter(|vs| overlaps(*vs, net(r)) && prefix_len(r) >= vs.1) {
                o = o.flag("vswitch_overlap", true).text("other", format!("{}/{}", vs.0, vs.1)).evidence(format!(
                    "{}/latest/meta-data/vswitch-cidr-block: {}/{} (this instance's subnet)",
                    p.source, vs.0, vs.1
                ));
                hit = true;
            } else if let Some(vpc) = p.vpc.filter(|v| overlaps(*v, net(r))) {
                o = o
                    .flag("vpc_overlap", true)
                    .text("other", format!("{}/{}", vpc.0, vpc.1))
                    .evidence(format!("{}/latest/meta-data/vpc-cidr-block: {}/{}", p.source, vpc.0, vpc.1));
                hit = true;
            }
            if hit {
                flagged.push(r);
                items.push(o);
            }
        }
    }

    // 2. Overlaps between interfaces: the same destination twice, or a route inside a subnet the
    //    primary interface is directly connected to.
    for (i, a) in routes.iter().enumerate() {
        if a.is_default() || flagged.contains(&a) {
            continue;
        }
        let clash = routes.iter().enumerate().find(|(j, b)| {
            *j != i
                && !b.is_default()
                && b.iface != a.iface
                && ((net(a) == net(b) && i > *j)
                    || (Some(&b.iface) == primary.as_ref()
                        && b.gateway.is_unspecified()
                        && prefix_len(a) > prefix_len(b)
                        && overlaps(net(a), net(b))))
        });
        if let Some((_, b)) = clash {
            flagged.push(a);
            items.push(
                Observation::new(show(a))
                    .flag("iface_overlap", true)
                    .text("other", show(b))
                    .evidence(line(a))
                    .evidence(line(b)),
            );
        }
    }

    // 3. Platform services routed away from the primary interface.
    if let (Some(p), Some(primary)) = (&plat, &primary) {
        for (addr, what) in &p.services {
            let Some(r) = route_for(*addr, &routes) else { continue };
            if &r.iface != primary {
                let mut o = Observation::new(addr.to_string())
                    .flag("misrouted", true)
                    .text("service", *what)
                    .text("via", show(r))
                    .evidence(format!("{path}: {addr} is routed by {}", show(r)));
                if let Some(d) = primary_default {
                    o = o.evidence(format!("{path}: {} (the primary interface)", show(d)));
                }
                items.push(o);
            }
        }
    }

    let conflicts = items.len();
    let cidr = |c: Option<(Ipv4Addr, u32)>| c.map_or("-".to_string(), |(a, l)| format!("{a}/{l}"));
    let mut table = Observation::new("routing table")
        .num("conflict_count", conflicts as f64)
        .num("route_count", routes.len() as f64)
        .text("vpc", cidr(plat.as_ref().and_then(|p| p.vpc)))
        .text("vswitch", cidr(plat.as_ref().and_then(|p| p.vswitch)));
    for b in bad {
        table = table.evidence(b);
    }
    items.insert(0, table);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(iface: &str, dest: &str, len: u32, gw: &str, metric: u32) -> Ipv4Route {
        Ipv4Route {
            iface: iface.into(),
            dest: dest.parse().unwrap(),
            gateway: gw.parse().unwrap(),
            mask: Ipv4Addr::from(mask(len)),
            flags: 1,
            metric,
        }
    }

    #[test]
    fn cidrs_overlap_and_the_kernel_choice() {
        assert_eq!(parse_cidr("172.16.5.9/12"), Some((Ipv4Addr::new(172, 16, 0, 0), 12)));
        assert_eq!(parse_cidr("garbage"), None);
        assert_eq!(parse_cidr("1.2.3.4/33"), None);
        assert!(overlaps((Ipv4Addr::new(172, 16, 0, 0), 12), (Ipv4Addr::new(172, 17, 0, 0), 16)));
        assert!(!overlaps((Ipv4Addr::new(10, 0, 0, 0), 16), (Ipv4Addr::new(10, 1, 0, 0), 16)));
        let routes = vec![
            r("eth0", "0.0.0.0", 0, "10.0.0.253", 100),
            r("eth0", "10.0.0.0", 24, "0.0.0.0", 100),
            r("tun0", "100.64.0.0", 10, "0.0.0.0", 50),
        ];
        assert_eq!(route_for(Ipv4Addr::new(100, 100, 100, 200), &routes).map(|r| r.iface.as_str()), Some("tun0"));
        assert_eq!(route_for(Ipv4Addr::new(8, 8, 8, 8), &routes).map(|r| r.iface.as_str()), Some("eth0"));
        assert_eq!(show(&routes[0]), "default via 10.0.0.253 dev eth0");
        assert_eq!(show(&routes[2]), "100.64.0.0/10 dev tun0");
    }
}
