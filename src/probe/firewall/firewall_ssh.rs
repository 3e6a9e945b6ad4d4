//! Whether the local firewall lets a new SSH connection in, over IPv4 and IPv6: the rules
//! `iptables-save`, `ip6tables-save` and `nft -j list ruleset` print (read only, never changed,
//! shared with the other firewall probes: [`Listings`]) are walked for a new TCP connection from
//! anywhere (`0.0.0.0/0`, `::/0`) to each port sshd really listens on (its listening sockets;
//! else the Port of /etc/ssh/sshd_config, else 22), as the kernel would walk them: first match
//! wins, jumps into user chains followed, the chain policy at the end (the walk is
//! `host::firewall`'s, for any port and family). A rule whose match depends on something the
//! walk cannot know (the client's address, a rate limit, an ipset) never counts as a block, and
//! counts as an accept: the check only says "locked out" when every client would be.
//!
//! IPv4 decides: nearly every client comes over it. A port open on IPv4 but dropped on IPv6
//! (an `ip6tables` or `ip6`/`inet` nftables rule) is reported when the host has a global IPv6
//! address, since clients that reach it over IPv6 are locked out.
//!
//! Live system and root only (the rules live in the running kernel).

use super::Listings;
use crate::host::firewall::{Family, Verdict};
use crate::host::sockets::Proto;
use crate::i18n::Msg;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("blocked_by_rule", "1 when a rule drops or rejects new IPv4 connections to the SSH port"),
    Field::flag("blocked_by_policy", "1 when a chain's DROP policy does, with no rule accepting it first"),
    Field::flag("blocked_v6_only", "1 when only IPv6 connections are dropped, on a host with a global IPv6 address"),
    Field::text("rule", "the rule or policy that blocks it, or none"),
    Field::text("family", "IPv4 or IPv6: the family of that rule"),
    Field::num("port", "", "the port sshd listens on"),
    Field::flag("listening", "1 when sshd listens on it"),
    Field::text("rulesets", "the rule listings read (iptables, nftables)"),
];

/// The TCP ports sshd listens on (from the socket table), or else those its config names.
fn ssh_ports(ctx: &ProbeContext) -> (Vec<u16>, bool, Vec<String>) {
    let mut ports = Vec::new();
    let mut evidence = Vec::new();
    if let (Ok(table), Ok(procs)) = (ctx.sockets(), ctx.processes()) {
        for s in table.sockets.iter().filter(|s| s.proto == Proto::Tcp && s.is_listening()) {
            let sshd = table.owners_of(s.inode).iter().any(|pid| procs.get(*pid).is_some_and(|p| p.comm == "sshd"));
            if sshd && !s.local.is_loopback() {
                if !ports.contains(&s.local_port) {
                    ports.push(s.local_port);
                }
                evidence.push(format!("sshd listens on {}", s.local_label()));
            }
        }
    }
    if !ports.is_empty() {
        return (ports, true, evidence);
    }
    if let Ok(Some(f)) = ctx.host.read_optional("/etc/ssh/sshd_config") {
        for (n, line) in f.text.lines().enumerate() {
            let mut w = line.split_whitespace();
            if w.next().is_some_and(|k| k.eq_ignore_ascii_case("port"))
                && let Some(p) = w.next().and_then(|p| p.parse::<u16>().ok())
                && !ports.contains(&p)
            {
                ports.push(p);
                evidence.push(format!("/etc/ssh/sshd_config:{}: {line}", n + 1));
            }
        }
        if ports.is_empty() {
            ports.push(22);
            evidence.push("/etc/ssh/sshd_config: no Port line: sshd uses 22".into());
        }
    }
    (ports, false, evidence)
}

fn text_of(v: &Verdict) -> Option<&str> {
    match v {
        Verdict::Rule(l) | Verdict::Policy(l) => Some(l),
        Verdict::Accept => None,
    }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let fw = Listings::live(ctx)?;
    let (ports, listening, port_evidence) = ssh_ports(ctx);
    if ports.is_empty() {
        return Err(ProbeError::skipped(Msg::SkipNoSshServer));
    }
    let rulesets = fw.names();
    let v6_host = crate::host::facts::has_global_ipv6(&ctx.host);
    let mut items = Vec::new();
    for port in ports {
        let v4 = fw.verdicts(port, Family::V4);
        let rule = v4.iter().find(|v| matches!(v, Verdict::Rule(_))).and_then(text_of);
        let policy = v4.iter().find(|v| matches!(v, Verdict::Policy(_))).and_then(text_of);
        let v6 = if fw.ipt6.is_some() || fw.nft.is_some() { fw.block(port, Family::V6) } else { None };
        let v6_only = rule.is_none() && policy.is_none() && v6_host && v6.is_some();
        let (family, shown) = match (rule.or(policy), v6.as_ref().and_then(text_of)) {
            (Some(r), _) => (Family::V4, r.to_string()),
            (None, Some(r)) if v6_only => (Family::V6, r.to_string()),
            _ => (Family::V4, "none".to_string()),
        };
        let mut o = Observation::new(format!("tcp/{port}"))
            .num("port", port as f64)
            .flag("listening", listening)
            .text("rulesets", rulesets.clone())
            .flag("blocked_by_rule", rule.is_some())
            .flag("blocked_by_policy", rule.is_none() && policy.is_some())
            .flag("blocked_v6_only", v6_only)
            .text("family", family.name())
            .text("rule", shown);
        for l in &port_evidence {
            o = o.evidence(l.clone());
        }
        for l in v4.iter().filter_map(text_of) {
            o = o.evidence(format!("IPv4: {l}"));
        }
        match v6.as_ref().and_then(text_of) {
            Some(l) => o = o.evidence(format!("IPv6: {l}")),
            None if v6_host => o = o.evidence(format!("IPv6: new connections to tcp/{port} are accepted")),
            None => {}
        }
        for n in &fw.notes {
            o = o.evidence(n.clone());
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
