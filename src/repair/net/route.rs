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
//! Where the interface is configured with a static address (ifupdown's `inet static` stanza,
//! an ifcfg file with `BOOTPROTO=none`/`static`), its gateway there is set to the console's
//! too (replaced or added), or the next boot brings the fault back; with DHCP (every ECS image
//! by default) the next lease puts the same route back by itself. The gateway is read again from
//! the metadata service when planning ([`super::console`]), never guessed (the vSwitch's
//! `.253` is only a habit): without an answer the repair is refused. Refused under `--root`.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::netconf::Manager;
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

/// The gateway in the distribution's configuration, where the interface is configured with a
/// static address there (with DHCP the lease gives the route): ifupdown's `gateway` line of the
/// interface's `inet static` stanza, ifcfg's `GATEWAY=`, replaced or added; `None` when the
/// configuration already says `gw` or does not configure the interface statically. netplan and
/// NetworkManager are left alone (ECS images configure the primary NIC with DHCP there).
fn persistent(t: &Target, dev: &str, gw: Ipv4Addr) -> Option<FileEdit> {
    match crate::host::netconf::read(t.host).manager? {
        Manager::Ifupdown => {
            let files = super::nic::ifupdown_files(t);
            let s = super::nic::find_stanza(&files, dev)?;
            let text = ifupdown_gateway(&s, gw)?;
            Some(FileEdit { path: s.path, after: Some(text.into_bytes()) })
        }
        Manager::Ifcfg => {
            let path = format!("/etc/sysconfig/network-scripts/ifcfg-{dev}");
            let f = t.host.read_optional(&path).ok().flatten().filter(|f| !f.truncated && !f.not_text)?;
            let text = ifcfg_gateway(&f.text, gw)?;
            Some(FileEdit { path, after: Some(text.into_bytes()) })
        }
        Manager::Netplan | Manager::NetworkManager => None,
    }
}

/// The file with `gateway GW` in the interface's `inet static` stanza: its `gateway` line
/// replaced (its indentation kept), else one added after the stanza's last option.
fn ifupdown_gateway(s: &super::nic::Stanza, gw: Ipv4Addr) -> Option<String> {
    if s.method != "static" {
        return None;
    }
    let lines: Vec<&str> = s.text.lines().collect();
    let indent = |l: &str| l[..l.len() - l.trim_start().len()].to_string();
    let existing =
        (s.start + 1..=s.end).find(|i| lines.get(*i).is_some_and(|l| l.trim_start().starts_with("gateway ")));
    match existing {
        Some(i) if lines[i].split_whitespace().nth(1) == Some(gw.to_string().as_str()) => None,
        Some(i) => {
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[i] = format!("{}gateway {gw}", indent(lines[i]));
            Some(out.join("\n") + "\n")
        }
        None => {
            let ind = lines.get(s.start + 1).filter(|_| s.end > s.start).map(|l| indent(l)).unwrap_or("    ".into());
            Some(super::nic::insert_lines(&s.text, s.end, &[format!("{ind}gateway {gw}")]))
        }
    }
}

/// An ifcfg file with `GATEWAY=GW`: its `GATEWAY=` line replaced, else one appended. `None`
/// for DHCP (`BOOTPROTO=dhcp`, `bootp`), an interface that is not to carry the default route
/// (`DEFROUTE=no`), or one that says `gw` already.
fn ifcfg_gateway(text: &str, gw: Ipv4Addr) -> Option<String> {
    let value = |key: &str| {
        text.lines().rev().find_map(|l| {
            l.trim().strip_prefix(key).map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
        })
    };
    let method = value("BOOTPROTO=").unwrap_or_default().to_ascii_lowercase();
    let defroute = value("DEFROUTE=").unwrap_or_default().to_ascii_lowercase();
    if !matches!(method.as_str(), "none" | "static" | "")
        || defroute == "no"
        || value("GATEWAY=") == Some(gw.to_string())
    {
        return None;
    }
    let mut found = false;
    let mut out: Vec<String> = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("GATEWAY=") {
                found = true;
                format!("GATEWAY={gw}")
            } else {
                l.to_string()
            }
        })
        .collect();
    if !found {
        out.push(format!("GATEWAY={gw}"));
    }
    Some(out.join("\n") + "\n")
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
                Ok(Change {
                    summary: said(R::RouteDoReplace, &[("route", &subject)]),
                    files: persistent(t, &dev, gw).into_iter().collect(),
                    live,
                    ..Change::default()
                })
            }
            _ => {
                if let Some(r) = now.first() {
                    let shown = format!("default via {} dev {}", r.gateway, r.iface);
                    return Err(Skip::NotApplicable(said(R::RouteExists, &[("route", &shown)])));
                }
                Ok(Change {
                    summary: said(R::RouteDoAdd, &[]),
                    files: persistent(t, &dev, gw).into_iter().collect(),
                    live: vec![add],
                    ..Change::default()
                })
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

    #[test]
    fn a_static_configuration_gets_the_console_gateway_and_dhcp_is_left_alone() {
        let gw: Ipv4Addr = "10.0.0.253".parse().unwrap();
        let stanza = |text: &str| {
            let f = crate::host::HostFile {
                path: "/etc/network/interfaces".into(),
                text: text.into(),
                truncated: false,
                not_text: false,
            };
            super::super::nic::find_stanza(std::slice::from_ref(&f), "eth0").unwrap()
        };
        let wrong = "auto eth0\niface eth0 inet static\n\taddress 10.0.0.5/24\n\tgateway 10.0.0.1\n\n# end\n";
        assert_eq!(
            ifupdown_gateway(&stanza(wrong), gw).as_deref(),
            Some("auto eth0\niface eth0 inet static\n\taddress 10.0.0.5/24\n\tgateway 10.0.0.253\n\n# end\n")
        );
        let missing = "iface eth0 inet static\n  address 10.0.0.5/24\n# c\niface eth1 inet dhcp\n";
        assert_eq!(
            ifupdown_gateway(&stanza(missing), gw).as_deref(),
            Some("iface eth0 inet static\n  address 10.0.0.5/24\n  gateway 10.0.0.253\n# c\niface eth1 inet dhcp\n")
        );
        assert_eq!(ifupdown_gateway(&stanza("iface eth0 inet static\n    gateway 10.0.0.253\n"), gw), None);
        assert_eq!(ifupdown_gateway(&stanza("iface eth0 inet dhcp\n    gateway 10.0.0.1\n"), gw), None);

        let ifcfg = "DEVICE=eth0\nBOOTPROTO=none\nIPADDR=10.0.0.5\nGATEWAY=\"10.0.0.1\"\n";
        assert_eq!(
            ifcfg_gateway(ifcfg, gw).as_deref(),
            Some("DEVICE=eth0\nBOOTPROTO=none\nIPADDR=10.0.0.5\nGATEWAY=10.0.0.253\n")
        );
        assert_eq!(
            ifcfg_gateway("DEVICE=eth0\nBOOTPROTO=static\nIPADDR=10.0.0.5", gw).as_deref(),
            Some("DEVICE=eth0\nBOOTPROTO=static\nIPADDR=10.0.0.5\nGATEWAY=10.0.0.253\n")
        );
        assert_eq!(ifcfg_gateway("DEVICE=eth0\nBOOTPROTO=dhcp\n", gw), None);
        assert_eq!(ifcfg_gateway("BOOTPROTO='DHCP'\n", gw), None);
        assert_eq!(ifcfg_gateway("BOOTPROTO=none\nDEFROUTE=no\n", gw), None);
        assert_eq!(ifcfg_gateway("BOOTPROTO=none\nGATEWAY=10.0.0.253\n", gw), None);
    }
}
