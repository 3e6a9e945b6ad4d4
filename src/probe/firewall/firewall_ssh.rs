//! Whether the local firewall lets a new SSH connection in: the rules `iptables-save` and
//! `nft -j list ruleset` print (read only, never changed) are walked for a new TCP connection
//! from anywhere to each port sshd really listens on (its listening sockets; else the Port of
//! /etc/ssh/sshd_config, else 22), as the kernel would walk them: first match wins, jumps into
//! user chains followed, the chain policy at the end (the walk is `host::firewall`'s, for any
//! port). A rule whose match depends on something the walk cannot know (the client's address,
//! a rate limit, an ipset) never counts as a block, and counts as an accept: the check only
//! says "locked out" when every client would be.
//!
//! Live system and root only (the rules live in the running kernel); IPv4 only.

use crate::host::firewall::{NFT_JSON, Verdict, parse_iptables, read_nft_listing};
use crate::host::sockets::Proto;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("blocked_by_rule", "1 when a rule drops or rejects traffic to the SSH port"),
    Field::flag("blocked_by_policy", "1 when a chain's DROP policy does, with no rule accepting it first"),
    Field::text("rule", "the rule or policy that blocks it, or none"),
    Field::num("port", "", "the port sshd listens on"),
    Field::flag("listening", "1 when sshd listens on it"),
    Field::text("rulesets", "the rule listings read (iptables, nftables)"),
];

const TIMEOUT: Duration = Duration::from_secs(3);

/// The TCP ports sshd listens on (from the socket table), or else those its config names.
fn ssh_ports(ctx: &ProbeContext) -> (Vec<u16>, bool, Vec<String>) {
    let mut ports = Vec::new();
    let mut evidence = Vec::new();
    if let (Ok(table), Ok(procs)) = (ctx.sockets(), ctx.processes()) {
        for s in table.sockets.iter().filter(|s| s.proto == Proto::Tcp && s.is_listening()) {
            let sshd = table.owners_of(s.inode).iter().any(|pid| procs.get(*pid).is_some_and(|p| p.comm == "sshd"));
            if sshd && !ports.contains(&s.local_port) && !s.local.is_loopback() {
                ports.push(s.local_port);
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

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipFirewallUnderRoot));
    }
    if !ctx.privileged {
        return Err(ProbeError::skipped(Msg::SkipFirewallNeedsRoot));
    }
    let (ports, listening, port_evidence) = ssh_ports(ctx);
    if ports.is_empty() {
        return Err(ProbeError::skipped(Msg::SkipNoSshServer));
    }
    let mut notes = Vec::new();
    let mut ipt = None;
    if let Some(listed) = ctx.run_once("iptables-save", &[], TIMEOUT) {
        match listed {
            Ok(o) if o.code == Some(0) => ipt = Some(parse_iptables(&o.stdout)),
            Ok(o) => notes.push(format!("iptables-save: exit {:?}: {}", o.code, o.stderr.lines().next().unwrap_or(""))),
            Err(e) => notes.push(format!("iptables-save: {e}")),
        }
    }
    let mut nft = None;
    if let Some(listed) = ctx.run_once("nft", NFT_JSON, TIMEOUT) {
        match listed.and_then(|o| read_nft_listing(o.code, &o.stdout, &o.stderr)) {
            Ok(n) => nft = n,
            Err(e) => notes.push(format!("nft -j list ruleset: {e}")),
        }
    }
    if ipt.is_none() && nft.is_none() {
        let why =
            if notes.is_empty() { "neither iptables-save nor nft is installed".to_string() } else { notes.join("; ") };
        return Err(ProbeError::Skipped(Said::new(Msg::SkipFirewallUnlisted).arg("error", why)));
    }
    let rulesets = [ipt.as_ref().map(|_| "iptables"), nft.as_ref().map(|_| "nftables")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let mut items = Vec::new();
    for port in ports {
        let verdicts: Vec<Verdict> = ipt
            .as_ref()
            .map(|t| t.tcp_verdict(port))
            .into_iter()
            .chain(nft.as_ref().map(|n| n.tcp_verdict(port)))
            .collect();
        let rule = verdicts.iter().find_map(|v| if let Verdict::Rule(l) = v { Some(l.clone()) } else { None });
        let policy = verdicts.iter().find_map(|v| if let Verdict::Policy(l) = v { Some(l.clone()) } else { None });
        let mut o = Observation::new(format!("tcp/{port}"))
            .num("port", port as f64)
            .flag("listening", listening)
            .text("rulesets", rulesets.clone())
            .flag("blocked_by_rule", rule.is_some())
            .flag("blocked_by_policy", rule.is_none() && policy.is_some())
            .text("rule", rule.clone().or(policy.clone()).unwrap_or_else(|| "none".into()));
        for l in &port_evidence {
            o = o.evidence(l.clone());
        }
        for v in &verdicts {
            if let Verdict::Rule(l) | Verdict::Policy(l) = v {
                o = o.evidence(l.clone());
            }
        }
        for n in &notes {
            o = o.evidence(n.clone());
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
