//! Whether a host firewall filters incoming traffic: the rules `iptables-save`, `ip6tables-save`
//! and `nft list ruleset` print (read-only listings, each under a time limit, in its own process
//! group), and which database or admin ports listen on all addresses meanwhile. Information, not
//! a verdict: on a cloud server the security group is the usual firewall, and it cannot be seen
//! from inside.
//!
//! Live system only (the rules live in the running kernel, not on a disk), and root only (the
//! listings need CAP_NET_ADMIN): otherwise skipped with the reason. The rules are those of the
//! network namespace ecs-doctor runs in.

use crate::host::command::Output;
use crate::host::firewall::{self, Ruleset};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The ports whose listeners on all addresses are named in the summary.
    pub ports: Vec<u16>,
}

pub const FIELDS: &[Field] = &[
    Field::text("firewall", "the host firewall's state in words (filters incoming traffic, no rules, ...)"),
    Field::text("detail", "the rule counts per listing (iptables, nftables)"),
    Field::num("input_rules", "", "rules on incoming traffic"),
    Field::num("rules_total", "", "rules in all listings"),
    Field::text("exposed", "database or admin ports listening on all addresses, or none"),
    Field::num("exposed_total", "", "how many such ports"),
];

const TIMEOUT: Duration = Duration::from_secs(3);

/// A program, its arguments, and how to count its output (`Err`: why it cannot be counted).
type Listing = (&'static str, &'static [&'static str], fn(&Output) -> Result<Ruleset, String>);

/// `iptables-save` output, counted.
fn count_iptables(out: &Output) -> Result<Ruleset, String> {
    Ok(firewall::parse_iptables(&out.stdout).counts())
}

/// `nft -j list ruleset` output, counted: an empty listing counts nothing; one that is not JSON
/// (an old nft) is not read, and says why.
fn count_nft(out: &Output) -> Result<Ruleset, String> {
    firewall::read_nft_listing(out.code, &out.stdout, &out.stderr).map(|n| n.map(|n| n.counts()).unwrap_or_default())
}

/// What the listings say about the host firewall: unknown when none was read, or when one was
/// not read (an old nft) and the others show nothing filtering, since it may hold the rules.
fn state(listed: usize, unread: usize, total: &Ruleset) -> Msg {
    if listed == 0 {
        Msg::ValUnknown
    } else if total.input_rules > 0 || total.input_drop {
        Msg::ValFirewallFilters
    } else if unread > 0 {
        Msg::ValUnknown
    } else {
        Msg::ValFirewallNoRule
    }
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
    // Listings that ran but could not be read (an old nft): with one of them, "no rule" cannot be said.
    let mut unread = 0;
    let listings: [Listing; 3] = [
        ("iptables-save", &[], count_iptables),
        ("ip6tables-save", &[], count_iptables),
        ("nft", firewall::NFT_JSON, count_nft),
    ];
    for (name, args, parse) in listings {
        let shown = format!("{name} {}", args.join(" ")).trim().to_string();
        let Some(output) = ctx.run_once(name, args, TIMEOUT) else { continue };
        let counted = match output {
            // An old nft fails on `-j` itself: that is a listing not read, not a failed one.
            Ok(out) if out.code == Some(0) || name == "nft" => parse(&out),
            Ok(out) => {
                let status = out.code.map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
                evidence.push(format!("{shown}: failed (exit {status})"));
                continue;
            }
            Err(why) => {
                evidence.push(format!("{shown}: {why}"));
                continue;
            }
        };
        let r = match counted {
            Ok(r) => r,
            Err(why) => {
                unread += 1;
                evidence.push(format!("{shown}: {why}"));
                continue;
            }
        };
        listed += 1;
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
    let firewall = state(listed, unread, &total);
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

    fn out(code: i32, stdout: &str, stderr: &str) -> Output {
        Output { code: Some(code), stdout: stdout.into(), stderr: stderr.into() }
    }

    #[test]
    fn an_old_nft_leaves_the_firewall_unknown_not_empty() {
        // nftables 0.9.0 without JSON support printing its text ruleset for `-j` (exit 0), and
        // 0.8 refusing `-j`: not read, so with no filter in iptables the state is unknown.
        let text =
            "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n";
        assert!(count_nft(&out(0, text, "")).is_err());
        assert!(count_nft(&out(1, "", "nft: invalid option -- 'j'\n")).is_err());
        assert_eq!(count_nft(&out(0, "", "")), Ok(Ruleset::default()));
        let none = Ruleset::default();
        assert_eq!(state(1, 1, &none), Msg::ValUnknown);
        assert_eq!(state(1, 0, &none), Msg::ValFirewallNoRule);
        assert_eq!(state(0, 0, &none), Msg::ValUnknown);
        let filters = Ruleset { rules: 2, input_rules: 2, input_drop: false };
        assert_eq!(state(1, 1, &filters), Msg::ValFirewallFilters);
        let drop = Ruleset { rules: 0, input_rules: 0, input_drop: true };
        assert_eq!(state(2, 0, &drop), Msg::ValFirewallFilters);
    }
}
