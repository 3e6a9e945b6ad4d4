//! Whether a host firewall filters incoming traffic: the rules `iptables-save`, `ip6tables-save`
//! and `nft list ruleset` print (read-only listings, each under a time limit, in its own process
//! group), and which database or admin ports listen on all addresses meanwhile. Information, not
//! a verdict: on a cloud server the security group is the usual firewall, and it cannot be seen
//! from inside.
//!
//! Live system only (the rules live in the running kernel, not on a disk), and root only (the
//! listings need CAP_NET_ADMIN): otherwise skipped with the reason. The rules are those of the
//! network namespace ecs-doctor runs in.

use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::i18n::{Msg, Said};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The ports whose listeners on all addresses are named in the summary.
    pub ports: Vec<u16>,
}

pub const FIELDS: &[&str] = &["firewall", "detail", "input_rules", "rules_total", "exposed", "exposed_total"];

const TIMEOUT: Duration = Duration::from_secs(3);

/// What one listing says: rules in total, rules that see incoming traffic, and whether the
/// incoming policy drops by default.
#[derive(Debug, Default, PartialEq)]
pub struct Ruleset {
    pub rules: usize,
    pub input_rules: usize,
    pub input_drop: bool,
}

/// `iptables-save` output: `*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN ...`.
pub fn parse_iptables(text: &str) -> Ruleset {
    let mut r = Ruleset::default();
    let mut table = "";
    for line in text.lines() {
        let line = line.trim();
        if let Some(t) = line.strip_prefix('*') {
            table = t;
        } else if let Some(rest) = line.strip_prefix(':') {
            let mut w = rest.split_whitespace();
            if table == "filter" && w.next() == Some("INPUT") && matches!(w.next(), Some("DROP" | "REJECT")) {
                r.input_drop = true;
            }
        } else if let Some(rest) = line.strip_prefix("-A ") {
            r.rules += 1;
            if table == "filter" && rest.split_whitespace().next() == Some("INPUT") {
                r.input_rules += 1;
            }
        }
    }
    r
}

/// `nft -j list ruleset` output (the listing `net.firewall.local` reads too): every rule counts;
/// a rule in a chain on the input hook sees incoming traffic, and such a chain with policy drop
/// drops by default. Not JSON (or no `nftables` array): nothing is counted.
pub fn parse_nft(text: &str) -> Ruleset {
    use serde_json::Value as Json;
    let mut r = Ruleset::default();
    let Ok(v) = serde_json::from_str::<Json>(text) else { return r };
    let Some(items) = v.get("nftables").and_then(Json::as_array) else { return r };
    let s = |o: &Json, k: &str| o.get(k).and_then(Json::as_str).unwrap_or("").to_string();
    let key = |o: &Json, chain: &str| (s(o, "family"), s(o, "table"), s(o, chain));
    // Chains first: nft lists a table's rules after its chains, but nothing here relies on it.
    let mut input_chains = std::collections::BTreeSet::new();
    for c in items.iter().filter_map(|i| i.get("chain")) {
        if c.get("hook").and_then(Json::as_str) == Some("input") {
            input_chains.insert(key(c, "name"));
            r.input_drop |= c.get("policy").and_then(Json::as_str) == Some("drop");
        }
    }
    for rule in items.iter().filter_map(|i| i.get("rule")) {
        r.rules += 1;
        if input_chains.contains(&key(rule, "chain")) {
            r.input_rules += 1;
        }
    }
    r
}

/// A program, its arguments, and how to read its output.
type Listing = (&'static str, &'static [&'static str], fn(&str) -> Ruleset);

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipFirewallUnderRoot));
    }
    if !ctx.privileged {
        return Err(ProbeError::skipped(Msg::SkipFirewallNeedsRoot));
    }
    let mut evidence = Vec::new();
    let mut parts = Vec::new();
    let mut total = Ruleset::default();
    let mut listed = 0;
    let listings: [Listing; 3] = [
        ("iptables-save", &[], parse_iptables),
        ("ip6tables-save", &[], parse_iptables),
        ("nft", super::firewall_ssh::NFT_JSON, parse_nft),
    ];
    for (name, args, parse) in listings {
        let shown = format!("{name} {}", args.join(" ")).trim().to_string();
        let Some(output) = ctx.run_once(name, args, TIMEOUT) else { continue };
        match output {
            Ok(out) if out.code == Some(0) => {
                listed += 1;
                let r = parse(&out.stdout);
                let what = |program: &str| {
                    Said::new(if r.input_drop { Msg::ValFirewallListingDrop } else { Msg::ValFirewallListing })
                        .arg("program", program)
                        .arg("rules", r.rules)
                        .arg("input", r.input_rules)
                };
                // The evidence names the command line; tool-made, it stays English like the other evidence.
                evidence.push(what(&shown).render(crate::i18n::Lang::En));
                parts.push(what(name));
                total.rules += r.rules;
                total.input_rules += r.input_rules;
                total.input_drop |= r.input_drop;
            }
            Ok(out) => {
                let status = out.code.map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
                evidence.push(format!("{shown}: failed (exit {status})"));
            }
            Err(why) => evidence.push(format!("{shown}: {why}")),
        }
    }
    let firewall = if listed == 0 {
        Msg::ValUnknown
    } else if total.input_rules > 0 || total.input_drop {
        Msg::ValFirewallFilters
    } else {
        Msg::ValFirewallNoRule
    };
    let detail = if listed == 0 && evidence.is_empty() {
        Said::new(Msg::ValFirewallNotInstalled)
    } else if listed == 0 {
        Said::new(Msg::ValFirewallNotListed)
    } else {
        Said::new(Msg::ValItems).list("items", parts)
    };
    let mut exposed: Vec<String> = Vec::new();
    match ctx.sockets() {
        Ok(table) => {
            for s in table.sockets.iter().filter(|s| s.is_listening() && s.on_all_addresses()) {
                if params.ports.contains(&s.local_port) {
                    let label = format!("{}/{}", s.local_port, s.proto.name());
                    if !exposed.contains(&label) {
                        exposed.push(label);
                    }
                }
            }
        }
        Err(e) => evidence.push(format!("listening sockets not examined: {e}")),
    }
    let mut o = Observation::new("host firewall")
        .word("firewall", Said::new(firewall))
        .word("detail", detail)
        .num("input_rules", total.input_rules as f64)
        .num("rules_total", total.rules as f64)
        .num("exposed_total", exposed.len() as f64);
    o = if exposed.is_empty() {
        o.word("exposed", Said::new(Msg::ValNone))
    } else {
        o.text("exposed", exposed.join(", "))
    };
    o.evidence = evidence;
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iptables_listing() {
        let text = "# Generated by iptables-save\n*nat\n:PREROUTING ACCEPT [0:0]\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -j DOCKER-USER\nCOMMIT\n";
        assert_eq!(parse_iptables(text), Ruleset { rules: 2, input_rules: 0, input_drop: false });
        let text =
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        assert_eq!(parse_iptables(text), Ruleset { rules: 2, input_rules: 2, input_drop: true });
        assert_eq!(parse_iptables(""), Ruleset::default());
        assert_eq!(parse_iptables("\0garbage\n-A\n*\n:"), Ruleset::default());
    }

    #[test]
    fn nft_listing() {
        // `nft -j list ruleset` for: inet filter (input: policy drop, 3 rules; forward; output:
        // 1 rule) and ip nat with a set and no rules.
        let json = r#"{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
            {"table": {"family": "inet", "name": "filter", "handle": 1}},
            {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
            {"chain": {"family": "inet", "table": "filter", "name": "forward", "handle": 2, "type": "filter", "hook": "forward", "prio": 0, "policy": "accept"}},
            {"chain": {"family": "inet", "table": "filter", "name": "output", "handle": 3, "type": "filter", "hook": "output", "prio": 0, "policy": "accept"}},
            {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}},
            {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 5, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]}},
            {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 6, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"accept": null}]}},
            {"rule": {"family": "inet", "table": "filter", "chain": "output", "handle": 7, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "icmp"}}, {"accept": null}]}},
            {"table": {"family": "ip", "name": "nat", "handle": 2}},
            {"set": {"family": "ip", "name": "s", "table": "nat", "type": "ipv4_addr", "handle": 1, "elem": ["10.0.0.1"]}}]}"#;
        assert_eq!(parse_nft(json), Ruleset { rules: 4, input_rules: 3, input_drop: true });
        let empty = r#"{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}]}"#;
        assert_eq!(parse_nft(empty), Ruleset::default());
        assert_eq!(parse_nft("}}}{{{\nchain {\n"), Ruleset::default());
        assert_eq!(parse_nft(""), Ruleset::default());
    }
}
