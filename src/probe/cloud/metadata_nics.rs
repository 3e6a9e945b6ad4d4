//! The network interfaces and private IPs the console assigned (metadata
//! `network/interfaces/macs/<mac>/`) against what the guest has: a NIC with no interface of its
//! MAC, an interface without an address, the console's primary IP not on it, secondary private
//! IPs not configured, and a static address in the guest's configuration files that the console
//! never assigned (it will be what the interface gets at the next boot). Each problem comes with
//! the configuration to write for the manager the guest uses (`host::netconf`).
//!
//! Only asked where the metadata service may be asked (a detected Alibaba Cloud instance, or a
//! service named with --metadata-url) and only on the live system: under `--root` the interfaces
//! and the metadata would be the rescue instance's.

use crate::host::metadata::{NicMeta, Source};
use crate::host::netconf::{self, NetConf};
use crate::i18n::Msg;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("mac", "the NIC's MAC address"),
    Field::text("interface", "the guest's interface with that MAC, or none"),
    Field::text("eni", "the elastic network interface id the console shows"),
    Field::text("console_ips", "the private IPv4 addresses the console assigned to the NIC"),
    Field::text("primary_ip", "the NIC's primary private IP in the console"),
    Field::text("guest_ips", "the IPv4 addresses the interface holds, or none"),
    Field::flag("missing_nic", "1 when no interface of the guest has the NIC's MAC"),
    Field::flag("no_address", "1 when the interface holds no IPv4 address"),
    Field::flag("primary_missing", "1 when the interface holds addresses but not the console's primary IP"),
    Field::flag("secondary_missing", "1 when secondary private IPs of the console are not on the interface"),
    Field::text("missing_ips", "the console's private IPs the interface does not hold"),
    Field::flag(
        "static_mismatch",
        "1 when a configuration file gives the interface a static address the console did not assign",
    ),
    Field::text("static_ip", "that static address"),
    Field::text("manager", "what configures the guest's network (netplan, NetworkManager, ifcfg, ifupdown)"),
    Field::text(
        "config",
        "the configuration to write so the interface gets the console's primary IP, for that manager",
    ),
    Field::text("secondary_config", "the configuration to write for the missing secondary private IPs"),
    Field::text("static_fix", "how to correct the static address"),
    Field::num("nics", "", "NICs the console assigned"),
];

/// The guest's interfaces: name → (MAC, IPv4 addresses with prefix).
type Links = BTreeMap<String, (String, Vec<(Ipv4Addr, u8)>)>;

fn links(ctx: &ProbeContext) -> Result<(Links, String), ProbeError> {
    let host = &ctx.host;
    let mut out = Links::new();
    for name in host.list_dir("/sys/class/net").map_err(|e| ProbeError::io("/sys/class/net", &e))? {
        if name == "lo" || name.starts_with('.') {
            continue;
        }
        let mac = host.read_line(&format!("/sys/class/net/{name}/address")).unwrap_or_default().to_ascii_lowercase();
        out.insert(name, (mac, Vec::new()));
    }
    let shown = "ip -4 -j addr show";
    let json = ctx
        .run_once("ip", &["-4", "-j", "addr", "show"], Duration::from_secs(2))
        .ok_or_else(|| ProbeError::skipped(Msg::SkipNoIpProgram))
        .and_then(|r| {
            crate::probe::net::interfaces::ip_json(shown, r)
                .map_err(|why| ProbeError::failed("EIO", crate::i18n::Said::new(Msg::FailIpOutput).arg("error", why)))
        })?;
    let v: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| ProbeError::failed("EINVAL", crate::i18n::Said::new(Msg::FailIpOutput).arg("error", e)))?;
    for link in v.as_array().into_iter().flatten() {
        let Some(name) = link["ifname"].as_str() else { continue };
        let Some(entry) = out.get_mut(name) else { continue };
        for a in link["addr_info"].as_array().into_iter().flatten() {
            let ip = a["local"].as_str().and_then(|l| l.parse::<Ipv4Addr>().ok());
            let len = a["prefixlen"].as_u64().map_or(32, |p| p.min(32) as u8);
            if let Some(ip) = ip.filter(|ip| !ip.is_loopback()) {
                entry.1.push((ip, len));
            }
        }
    }
    Ok((out, shown.to_string()))
}

fn list(ips: &[Ipv4Addr]) -> String {
    if ips.is_empty() { "none".into() } else { ips.iter().map(Ipv4Addr::to_string).collect::<Vec<_>>().join(", ") }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if let Source::NotApplicable(why) = ctx.metadata_source() {
        return Err(ProbeError::Skipped(why));
    }
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipNicsUnderRoot));
    }
    let net = ctx.metadata_network()?;
    if net.nics.is_empty() {
        return Err(ProbeError::skipped(Msg::SkipNoMetadataNics));
    }
    let (links, addr_source) = links(ctx)?;
    let conf: NetConf = netconf::read(&ctx.host);
    let manager = conf.manager.map_or("unknown", |m| m.name());
    let mut items = vec![Observation::new("console").num("nics", net.nics.len() as f64)];
    for nic in &net.nics {
        items.push(judge_nic(nic, &links, &conf, manager, &addr_source, &net.evidence));
    }
    Ok(Observations::of(items))
}

fn judge_nic(
    nic: &NicMeta,
    links: &Links,
    conf: &NetConf,
    manager: &str,
    addr_source: &str,
    md_evidence: &[String],
) -> Observation {
    let mac = nic.mac.to_ascii_lowercase();
    let found = links.iter().find(|(_, (m, _))| *m == mac);
    let console: Vec<Ipv4Addr> = nic.private_ips.clone();
    let prefix = nic.prefix().unwrap_or(24);
    let subject = found.map_or_else(|| mac.clone(), |(n, _)| n.clone());
    let mut o = Observation::new(&subject)
        .text("mac", &mac)
        .text("eni", nic.id.clone().unwrap_or_else(|| "unknown".into()))
        .text("console_ips", list(&console))
        .text("primary_ip", nic.primary_ip.map_or_else(|| "unknown".into(), |p| p.to_string()))
        .text("manager", manager);
    for line in md_evidence.iter().filter(|l| l.contains(&mac)) {
        o = o.evidence(line.clone());
    }
    let Some((name, (_, held))) = found else {
        let seen: Vec<String> = links.iter().map(|(n, (m, _))| format!("{n} {m}")).collect();
        return o.text("interface", "none").flag("missing_nic", true).evidence(format!(
            "/sys/class/net: {}",
            if seen.is_empty() { "no interface".into() } else { seen.join(", ") }
        ));
    };
    let held_ips: Vec<Ipv4Addr> = held.iter().map(|(a, _)| *a).collect();
    o = o
        .text("interface", name)
        .text("guest_ips", list(&held_ips))
        .flag("missing_nic", false)
        .evidence(format!("{addr_source}: {name} ({mac}): {}", list(&held_ips)));
    let mgr = conf.manager;
    let usable: Vec<Ipv4Addr> = held_ips.iter().copied().filter(|a| !a.is_link_local()).collect();
    o = o.flag("no_address", usable.is_empty());
    if usable.is_empty() {
        o = o.text("config", netconf::dhcp_config(mgr, name, &mac));
    }
    if let Some(primary) = nic.primary_ip {
        let missing_primary = !usable.is_empty() && !usable.contains(&primary);
        o = o.flag("primary_missing", missing_primary);
        if missing_primary {
            o = o.text("config", netconf::dhcp_config(mgr, name, &mac));
        }
    }
    if !usable.is_empty() {
        let missing: Vec<Ipv4Addr> =
            console.iter().copied().filter(|a| Some(*a) != nic.primary_ip && !usable.contains(a)).collect();
        o = o.flag("secondary_missing", !missing.is_empty()).text("missing_ips", list(&missing));
        if !missing.is_empty() {
            let with_prefix: Vec<(Ipv4Addr, u8)> = missing.iter().map(|a| (*a, prefix)).collect();
            o = o.text("secondary_config", netconf::secondary_config(mgr, name, &with_prefix));
        }
    }
    // A static address the files give this interface (by name or MAC) that the console never assigned.
    let by_mac = format!("mac:{mac}");
    let stale = conf.statics.iter().find(|s| (s.iface == *name || s.iface == by_mac) && !console.contains(&s.addr));
    o = o.flag("static_mismatch", stale.is_some());
    if let Some(s) = stale {
        let want = nic.primary_ip.or(console.first().copied());
        o = o
            .text("static_ip", format!("{}{}", s.addr, s.prefix.map(|p| format!("/{p}")).unwrap_or_default()))
            .field_evidence("static_mismatch", s.evidence.clone())
            .field_evidence("static_mismatch", format!("{addr_source}: {name}: {}", list(&held_ips)));
        // `path:line: text` of the static address: where to change it.
        let mut parts = s.evidence.splitn(3, ':');
        let (file, line) = (parts.next().unwrap_or("the file"), parts.next().unwrap_or("?"));
        let fix = match want {
            Some(w) => format!(
                "in {file} line {line} write {w}/{} instead of {} (or switch {name} to DHCP)",
                s.prefix.unwrap_or(prefix),
                s.addr
            ),
            None => format!("in {file} line {line} switch {name} to DHCP"),
        };
        o = o.text("static_fix", fix);
    }
    o
}
