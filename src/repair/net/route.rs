//! `action.route`: the IPv4 default route through the gateway the console gives the primary NIC
//! (metadata `network/interfaces/macs/<mac>/gateway` of the NIC `mac` names), on the guest's
//! interface with that MAC (`net.route.default`):
//!
//! - no default route (`ENETUNREACH`): `ip route add default via GW dev IF`, undone with
//!   `ip route del default via GW dev IF`;
//! - a default route whose gateway does not answer ARP (`EHOSTUNREACH`) and is not the
//!   console's: that route deleted (undo adds it back with its metric) and the console's added
//!   (unless it is there already). When the silent gateway is the console's own, nothing in the
//!   guest can repair it: refused, with why.
//!
//! The live routing table only: where the interface gets its address from DHCP (every ECS
//! image), the next lease puts the same route back by itself. The gateway is read again from
//! the metadata service when planning ([`super::console`]), never guessed (the vSwitch's
//! `.253` is only a habit): without an answer the repair is refused. Refused under `--root`.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::net::routes::{Ipv4Route, parse_ipv4};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// The usable IPv4 default routes of the running kernel.
fn defaults(t: &Target) -> Vec<Ipv4Route> {
    let mut bad = Vec::new();
    t.host
        .read_optional("/proc/net/route")
        .ok()
        .flatten()
        .map(|f| parse_ipv4("/proc/net/route", &f.text, &mut bad))
        .unwrap_or_default()
        .into_iter()
        .filter(Ipv4Route::is_default)
        .collect()
}

/// `default via GW dev IF` (the finding's subject): the gateway and the interface.
fn parse_subject(s: &str) -> Option<(Ipv4Addr, String)> {
    let rest = s.strip_prefix("default via ")?;
    let (gw, dev) = rest.split_once(" dev ")?;
    Some((gw.parse().ok()?, dev.trim().to_string()))
}

fn route(verb: &str, gw: Ipv4Addr, dev: &str, metric: Option<u32>) -> Command {
    let gw = gw.to_string();
    let metric = metric.map(|m| m.to_string());
    let mut args = vec!["route", verb, "default", "via", gw.as_str(), "dev", dev];
    if let Some(m) = &metric {
        args.extend(["metric", m.as_str()]);
    }
    Command::new("ip", &args)
}

impl Action for Params {
    fn name(&self) -> String {
        "default-route".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let net = super::console::network(t)?;
        let nic = super::console::primary(t, &net)?;
        let Some(gw) = nic.gateway else {
            let what = format!("network/interfaces/macs/{}/gateway", nic.mac);
            return Err(Skip::Refused(rtf(l, R::ConsoleNoValue, &[("url", &net.url), ("value", &what)])));
        };
        let Some(dev) = super::console::iface_of(t, &nic.mac) else {
            return Err(Skip::Refused(rtf(l, R::ConsoleNoIface, &[("mac", &nic.mac)])));
        };
        let now = defaults(t);
        let has_console_route = now.iter().any(|r| r.gateway == gw && r.iface == dev);
        let add = Live { run: route("add", gw, &dev, None), undo: Some(route("del", gw, &dev, None)) };
        let (gw_s, dev_s) = (gw.to_string(), dev.clone());
        let said = |msg: R, extra: &[(&str, &str)]| {
            let mut a = vec![("gateway", gw_s.as_str()), ("dev", dev_s.as_str())];
            a.extend_from_slice(extra);
            rtf(l, msg, &a)
        };
        match t.finding.code.as_deref() {
            Some("EHOSTUNREACH") => {
                let subject = t.finding.subject.clone().unwrap_or_default();
                let Some((bad_gw, bad_dev)) = parse_subject(&subject) else {
                    return Err(Skip::NotApplicable(said(R::RouteGone, &[("route", &subject)])));
                };
                if bad_gw == gw && bad_dev == dev {
                    return Err(Skip::Refused(said(R::RouteConsoleSilent, &[])));
                }
                let Some(old) = now.iter().find(|r| r.gateway == bad_gw && r.iface == bad_dev) else {
                    return Err(Skip::NotApplicable(said(R::RouteGone, &[("route", &subject)])));
                };
                let metric = (old.metric != 0).then_some(old.metric);
                let mut live = vec![Live {
                    run: route("del", bad_gw, &bad_dev, metric),
                    undo: Some(route("add", bad_gw, &bad_dev, metric)),
                }];
                if !has_console_route {
                    live.push(add);
                }
                Ok(Change { summary: said(R::RouteDoReplace, &[("route", &subject)]), live, ..Change::default() })
            }
            _ => {
                if let Some(r) = now.first() {
                    let shown = format!("default via {} dev {}", r.gateway, r.iface);
                    return Err(Skip::NotApplicable(said(R::RouteExists, &[("route", &shown)])));
                }
                Ok(Change { summary: said(R::RouteDoAdd, &[]), live: vec![add], ..Change::default() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_commands() {
        assert_eq!(parse_subject("default via 10.0.0.9 dev eth0"), Some(("10.0.0.9".parse().unwrap(), "eth0".into())));
        assert_eq!(parse_subject("default via fe80::1 dev eth0"), None);
        assert_eq!(parse_subject("routing table"), None);
        let gw: Ipv4Addr = "10.0.0.253".parse().unwrap();
        assert_eq!(route("add", gw, "eth0", None).line(), "ip route add default via 10.0.0.253 dev eth0");
        assert_eq!(
            route("del", gw, "eth0", Some(100)).line(),
            "ip route del default via 10.0.0.253 dev eth0 metric 100"
        );
    }
}
