//! Whether the host firewall admits new TCP connections from outside to the service ports the
//! customer named (`--port`, `[access] ports`, `why port`), for IPv4 and IPv6: the listings of
//! `iptables-save`, `ip6tables-save` and `nft -j list ruleset` (read only, run once per run)
//! walked by `host::firewall` as the kernel would, for each port and family. IPv4 decides:
//! nearly every client comes over it; a port open on IPv4 but dropped on IPv6 is a warning when
//! the host has a global IPv6 address. Ports nobody named that listen on every address but are
//! blocked are reported too, as notes: someone may have meant to open them.
//!
//! Live system and root only (the rules live in the running kernel).

use super::Listings;
use crate::host::firewall::{Family, Verdict};
use crate::host::sockets::Proto;
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("named", "1 for a port named with --port or [access] ports, 0 for another listener"),
    Field::num("port", "", "the TCP port"),
    Field::flag("blocked", "1 when new IPv4 connections to it are dropped or rejected"),
    Field::flag("blocked_v6_only", "1 when only IPv6 is, on a host with a global IPv6 address"),
    Field::text("rule", "the rule or policy that blocks it, or none"),
    Field::text("family", "IPv4 or IPv6: the family of that rule"),
    Field::text("rulesets", "the rule listings read (iptables, nftables)"),
    Field::text("ports", "the named ports (on the first subject)"),
    Field::text("addresses", "the addresses it listens on, or none"),
];

fn text_of(v: &Verdict) -> String {
    match v {
        Verdict::Rule(l) | Verdict::Policy(l) => l.clone(),
        Verdict::Accept => String::new(),
    }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let fw = Listings::live(ctx)?;
    let rulesets = fw.names();
    let v6 = crate::host::facts::has_global_ipv6(&ctx.host);
    let named: Vec<u16> = ctx.net.access.ports.clone();
    let mut scope = Observation::new("host firewall").text("rulesets", &rulesets);
    scope = if named.is_empty() {
        scope.word("ports", Said::new(Msg::ValNone))
    } else {
        scope.text("ports", named.iter().map(|p| format!("tcp/{p}")).collect::<Vec<_>>().join(", "))
    };
    for n in &fw.notes {
        scope = scope.evidence(n.clone());
    }
    let mut items = vec![scope];
    // Named ports, then the ports that listen on every address (TCP) that nobody named.
    let mut listening_all: BTreeSet<u16> = BTreeSet::new();
    let mut addresses: std::collections::BTreeMap<u16, Vec<String>> = Default::default();
    if let Ok(table) = ctx.sockets() {
        for s in table.sockets.iter().filter(|s| s.proto == Proto::Tcp && s.is_listening()) {
            addresses.entry(s.local_port).or_default().push(s.local_label());
            if s.on_all_addresses() {
                listening_all.insert(s.local_port);
            }
        }
    }
    let unnamed = listening_all.iter().copied().filter(|p| !named.contains(p));
    for (port, is_named) in named.iter().map(|p| (*p, true)).chain(unnamed.map(|p| (p, false))) {
        let v4 = fw.block(port, Family::V4);
        let v6_block = if fw.ipt6.is_some() || fw.nft.is_some() { fw.block(port, Family::V6) } else { None };
        let (blocked, v6_only, family, rule) = match (&v4, &v6_block) {
            (Some(v), _) => (true, false, Family::V4, text_of(v)),
            (None, Some(v)) if v6 => (false, true, Family::V6, text_of(v)),
            _ => (false, false, Family::V4, "none".to_string()),
        };
        if !is_named && !blocked {
            continue;
        }
        let addrs = addresses.get(&port).map(|a| a.join(", "));
        let mut o = Observation::new(format!("tcp/{port}"))
            .flag("named", is_named)
            .num("port", port as f64)
            .flag("blocked", blocked)
            .flag("blocked_v6_only", v6_only)
            .text("family", family.name())
            .text("rulesets", &rulesets)
            .text("rule", rule);
        o = match addrs {
            Some(a) => o.text("addresses", a),
            None => o.word("addresses", Said::new(Msg::ValNone)),
        };
        for (fam, v) in [(Family::V4, &v4), (Family::V6, &v6_block)] {
            match v {
                Some(v) => o = o.evidence(format!("{}: {}", fam.name(), text_of(v))),
                None => o = o.evidence(format!("{}: new connections to tcp/{port} are accepted", fam.name())),
            }
        }
        items.push(o);
    }
    if items.len() == 1 && named.is_empty() {
        return Err(ProbeError::skipped(Msg::SkipNoServicePorts));
    }
    Ok(Observations::of(items))
}
