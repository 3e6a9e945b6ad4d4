//! Whether a host firewall filters incoming traffic: the rules `iptables-save`, `ip6tables-save`
//! and `nft list ruleset` print (read-only listings, each under a time limit, in its own process
//! group), and which database or admin ports listen on all addresses meanwhile. Information, not
//! a verdict: on a cloud server the security group is the usual firewall, and it cannot be seen
//! from inside.
//!
//! Live system only (the rules live in the running kernel, not on a disk), and root only (the
//! listings need CAP_NET_ADMIN): otherwise skipped with the reason. The rules are those of the
//! network namespace ecs-doctor runs in.

use crate::host::firewall::{self, Ruleset};
use crate::i18n::{Msg, Said};
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
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

/// A program, its arguments, and how to count its output.
type Listing = (&'static str, &'static [&'static str], fn(&str) -> Ruleset);

/// `iptables-save` output, counted.
fn count_iptables(text: &str) -> Ruleset {
    firewall::parse_iptables(text).counts()
}

/// `nft -j list ruleset` output, counted: not JSON (or no `nftables` array) counts nothing.
fn count_nft(text: &str) -> Ruleset {
    firewall::parse_nft(text).map(|n| n.counts()).unwrap_or_default()
}

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
        ("iptables-save", &[], count_iptables),
        ("ip6tables-save", &[], count_iptables),
        ("nft", firewall::NFT_JSON, count_nft),
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
