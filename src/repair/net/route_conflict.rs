//! `action.route_conflict`: a route that takes the VPC, the instance's own subnet or a platform
//! service away from the primary interface (`net.route.conflicts`), corrected in the main table
//! only where the check's own comparison proves it wrong:
//!
//! - ROUTE-VSWITCH, ROUTE-VPC: the route (the finding's subject, `DEST/LEN [via GW] dev IF`) on
//!   a virtual interface (docker, a VPN, a bridge: no device behind it) overlapping the CIDR the
//!   metadata service gives for the vSwitch or the VPC (in the finding's evidence) is deleted
//!   (`ip route del ... metric M`), undone by adding it back (`ip route add`, same destination,
//!   gateway, interface and metric; a connected route comes back `scope link` without its
//!   `src`, which the kernel then picks from the interface's addresses as before);
//! - ROUTE-OVERLAP: the same, when the other route is the primary interface's (the one the
//!   default route leaves by) and the flagged one is on a virtual interface: the VPC's subnet
//!   belongs to the primary NIC. Between two real NICs which route is right is the owner's to
//!   say: refused, with the command;
//! - ROUTE-AWAY: the metadata address or a platform nameserver gets a host route of its own
//!   through the primary default route (`ip route add ADDR/32 via GW dev IF`, undone with
//!   `ip route del`): the longest prefix wins, so the VPN's or docker's wider route keeps the
//!   rest of its traffic. A /32 of its own on another interface is deleted first (and added
//!   back on undo).
//!
//! A deleted route written in the distribution's configuration comes back at the next boot:
//! its line there is removed too (ifupdown `up`/`post-up ip route add DEST/LEN ... dev IF`,
//! an ifcfg `route-IF` line `DEST/LEN ... dev IF`). A route docker or a VPN adds by itself
//! comes back when they start: the plan says where to change it. Refused under `--root`.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::net::route_conflicts::{overlaps, parse_cidr, route_for, show};
use crate::probe::net::routes::{Ipv4Route, parse_ipv4};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// The usable IPv4 routes of the running kernel's main table.
fn routes(t: &Target) -> Vec<Ipv4Route> {
    let mut bad = Vec::new();
    let text = t.host.read_optional("/proc/net/route").ok().flatten().map(|f| f.text).unwrap_or_default();
    parse_ipv4("/proc/net/route", &text, &mut bad).into_iter().filter(Ipv4Route::is_usable).collect()
}

/// The route of the table a subject (`DEST/LEN [via GW] dev IF`) names, as `show` prints it.
fn named<'a>(routes: &'a [Ipv4Route], subject: &str) -> Option<&'a Ipv4Route> {
    routes.iter().find(|r| !r.is_default() && show(r) == subject)
}

/// `ip route VERB DEST/LEN [via GW] dev IF [metric M]` for this route.
fn command(verb: &str, r: &Ipv4Route) -> Command {
    let dest = format!("{}/{}", r.dest, u32::from(r.mask).count_ones());
    let (gw, metric) = (r.gateway.to_string(), r.metric.to_string());
    let mut args = vec!["route", verb, dest.as_str()];
    if !r.gateway.is_unspecified() {
        args.extend(["via", gw.as_str()]);
    }
    args.extend(["dev", r.iface.as_str()]);
    if r.metric != 0 {
        args.extend(["metric", metric.as_str()]);
    }
    Command::new("ip", &args)
}

/// Whether the interface is virtual (no device behind it: docker, tun, bridge, veth, dummy).
fn is_virtual(t: &Target, iface: &str) -> bool {
    super::link::is_ifname(iface) && !t.host.path(format!("/sys/class/net/{iface}/device")).exists()
}

/// The CIDR the evidence line of the metadata value `key` (`.../vswitch-cidr-block: A/L`) gives.
fn evidence_cidr(evidence: &[String], key: &str) -> Option<(Ipv4Addr, u32)> {
    evidence.iter().find_map(|e| parse_cidr(e.split_once(&format!("/{key}: "))?.1.split_whitespace().next()?))
}

/// Whether a configuration line adds this route: `ip route add DEST/LEN ... dev IF` (ifupdown
/// `up`/`post-up`) or ifcfg's `DEST/LEN ... dev IF` in `route-IF`.
fn adds(line: &str, r: &Ipv4Route) -> bool {
    let dest = format!("{}/{}", r.dest, u32::from(r.mask).count_ones());
    let w: Vec<&str> = line.split_whitespace().collect();
    let args: &[&str] = match w.as_slice() {
        ["up" | "post-up", "ip", "route", "add", rest @ ..] | ["up" | "post-up", "ip", "r", "add", rest @ ..] => rest,
        [first, ..] if first.contains('/') => &w,
        _ => return false,
    };
    let dev_ok = args.windows(2).find(|p| p[0] == "dev").is_none_or(|p| p[1] == r.iface);
    args.first() == Some(&dest.as_str()) && dev_ok
}

/// The configuration files that add this route, without those lines.
fn persistent(t: &Target, r: &Ipv4Route) -> Vec<FileEdit> {
    let mut files = super::nic::ifupdown_files(t);
    if let Ok(Some(f)) = t.host.read_optional(&format!("/etc/sysconfig/network-scripts/route-{}", r.iface)) {
        files.push(f);
    }
    files
        .into_iter()
        .filter(|f| !f.truncated && !f.not_text && f.text.lines().any(|l| adds(l, r)))
        .map(|f| {
            let kept: Vec<&str> = f.text.lines().filter(|l| !adds(l, r)).collect();
            let text = if kept.is_empty() { String::new() } else { kept.join("\n") + "\n" };
            FileEdit { path: f.path, after: Some(text.into_bytes()) }
        })
        .collect()
}

fn delete(t: &Target, subject: &str, now: &[Ipv4Route]) -> Result<Change, Skip> {
    let l = t.lang;
    let Some(r) = named(now, subject) else {
        return Err(Skip::NotApplicable(rtf(l, R::RouteGone, &[("route", subject)])));
    };
    let primary = now.iter().filter(|r| r.is_default()).min_by_key(|r| r.metric).map(|r| r.iface.clone());
    let proven = match t.finding.code.as_deref() {
        Some("ROUTE-VSWITCH") => evidence_cidr(&t.finding.evidence, "vswitch-cidr-block"),
        Some("ROUTE-VPC") => evidence_cidr(&t.finding.evidence, "vpc-cidr-block"),
        // The other route of the evidence (`/proc/net/route: B dev IF`): the primary's.
        _ => t.finding.evidence.iter().filter_map(|e| e.strip_prefix("/proc/net/route: ")).find_map(|e| {
            let other = now.iter().find(|o| show(o) == e && o.iface != r.iface)?;
            (Some(&other.iface) == primary.as_ref()).then_some((other.dest, u32::from(other.mask).count_ones()))
        }),
    };
    let len = u32::from(r.mask).count_ones();
    let wrong = proven.filter(|c| overlaps(*c, (r.dest, len))).is_some()
        && is_virtual(t, &r.iface)
        && Some(&r.iface) != primary.as_ref();
    if !wrong {
        let cmd = command("del", r).line();
        return Err(Skip::Refused(rtf(l, R::RouteConflictUnproven, &[("route", subject), ("command", &cmd)])));
    }
    let files = persistent(t, r);
    let summary = if files.is_empty() {
        rtf(l, R::RouteConflictDoDel, &[("route", subject), ("dev", &r.iface)])
    } else {
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        rtf(l, R::RouteConflictDoDelFiles, &[("route", subject), ("paths", &paths.join(", "))])
    };
    Ok(Change {
        summary,
        files,
        live: vec![Live { run: command("del", r), undo: Some(command("add", r)) }],
        ..Change::default()
    })
}

fn host_route(t: &Target, subject: &str, now: &[Ipv4Route]) -> Result<Change, Skip> {
    let l = t.lang;
    let Ok(addr) = subject.parse::<Ipv4Addr>() else {
        return Err(Skip::NotApplicable(rtf(l, R::RouteGone, &[("route", subject)])));
    };
    let Some(primary) = now.iter().filter(|r| r.is_default()).min_by_key(|r| r.metric) else {
        return Err(Skip::Refused(rtf(l, R::RouteConflictNoPrimary, &[("addr", subject)])));
    };
    let Some(away) = route_for(addr, now).filter(|r| r.iface != primary.iface) else {
        return Err(Skip::NotApplicable(rtf(
            l,
            R::RouteConflictNotAway,
            &[("addr", subject), ("dev", &primary.iface)],
        )));
    };
    let host = Ipv4Route {
        iface: primary.iface.clone(),
        dest: addr,
        gateway: primary.gateway,
        mask: Ipv4Addr::BROADCAST,
        flags: primary.flags,
        metric: 0,
    };
    let mut live = Vec::new();
    if away.mask == Ipv4Addr::BROADCAST {
        live.push(Live { run: command("del", away), undo: Some(command("add", away)) });
    }
    live.push(Live { run: command("add", &host), undo: Some(command("del", &host)) });
    Ok(Change {
        summary: rtf(l, R::RouteConflictDoHost, &[("addr", subject), ("away", &show(away)), ("route", &show(&host))]),
        live,
        ..Change::default()
    })
}

impl Action for Params {
    fn name(&self) -> String {
        "route-conflict".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let subject = t.finding.subject.clone().unwrap_or_default();
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(t.lang, R::LinkNotLive, &[("dev", &subject)])));
        }
        let now = routes(t);
        match t.finding.code.as_deref() {
            Some("ROUTE-AWAY") => host_route(t, &subject, &now),
            _ => delete(t, &subject, &now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(iface: &str, dest: &str, len: u32, gw: &str, metric: u32) -> Ipv4Route {
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        Ipv4Route {
            iface: iface.into(),
            dest: dest.parse().unwrap(),
            gateway: gw.parse().unwrap(),
            mask: Ipv4Addr::from(mask),
            flags: 1,
            metric,
        }
    }

    #[test]
    fn commands_evidence_and_configuration_lines() {
        let docker = r("docker0", "10.77.1.128", 25, "0.0.0.0", 0);
        assert_eq!(command("del", &docker).line(), "ip route del 10.77.1.128/25 dev docker0");
        let vpn = r("tun0", "10.77.0.0", 16, "10.8.0.1", 50);
        assert_eq!(command("add", &vpn).line(), "ip route add 10.77.0.0/16 via 10.8.0.1 dev tun0 metric 50");
        let ev = vec![
            "http://100.100.100.200/latest/meta-data/vswitch-cidr-block: 10.77.1.0/24 (this instance's subnet)"
                .to_string(),
        ];
        assert_eq!(evidence_cidr(&ev, "vswitch-cidr-block"), Some(("10.77.1.0".parse().unwrap(), 24)));
        assert_eq!(evidence_cidr(&ev, "vpc-cidr-block"), None);
        assert!(adds("    up ip route add 10.77.0.0/16 via 10.8.0.1 dev tun0", &vpn));
        assert!(adds("10.77.0.0/16 via 10.8.0.1 dev tun0", &vpn));
        assert!(!adds("10.77.0.0/16 via 10.8.0.1 dev eth0", &vpn));
        assert!(!adds("    up ip route add 10.78.0.0/16 dev tun0", &vpn));
        assert!(!adds("    address 10.77.0.0/16", &vpn));
    }
}
