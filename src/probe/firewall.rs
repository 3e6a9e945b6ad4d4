//! Whether a host firewall filters incoming traffic: the rules `iptables-save`, `ip6tables-save`
//! and `nft list ruleset` print (read-only listings, each under a time limit, in its own process
//! group), and which database or admin ports listen on all addresses meanwhile. Information, not
//! a verdict: on a cloud server the security group is the usual firewall, and it cannot be seen
//! from inside.
//!
//! Live system only (the rules live in the running kernel, not on a disk), and root only (the
//! listings need CAP_NET_ADMIN): otherwise skipped with the reason. The rules are those of the
//! network namespace ecs-doctor runs in.

use super::command;
use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::i18n::{Msg, Said};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
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

/// `nft list ruleset` output: rules are the lines inside a chain other than its `type ...`
/// declaration; a chain with `hook input` sees incoming traffic.
pub fn parse_nft(text: &str) -> Ruleset {
    let mut r = Ruleset::default();
    let mut in_chain = false;
    let mut input_chain = false;
    let mut depth = 0i32;
    let mut chain_depth = 0i32;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let opens = t.matches('{').count() as i32;
        let closes = t.matches('}').count() as i32;
        if !in_chain && t.starts_with("chain ") && opens > 0 {
            in_chain = true;
            input_chain = false;
            chain_depth = depth + 1;
        } else if in_chain && depth == chain_depth {
            if t.starts_with("type ") {
                if t.contains("hook input") {
                    input_chain = true;
                    if t.contains("policy drop") {
                        r.input_drop = true;
                    }
                }
            } else if t != "}" && !t.starts_with("policy ") && !t.starts_with("comment ") {
                r.rules += 1;
                if input_chain {
                    r.input_rules += 1;
                }
            }
        }
        depth = (depth + opens - closes).max(0);
        if in_chain && depth < chain_depth {
            in_chain = false;
        }
    }
    r
}

/// A program (by its names), its arguments, and how to read its output.
type Listing = (&'static [&'static str], &'static [&'static str], fn(&str) -> Ruleset);

fn find(names: &[&str]) -> Option<PathBuf> {
    const DIRS: &[&str] = &["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
    DIRS.iter().flat_map(|d| names.iter().map(move |n| Path::new(d).join(n))).find(|p| p.is_file())
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
        (&["iptables-save"], &[], parse_iptables),
        (&["ip6tables-save"], &[], parse_iptables),
        (&["nft"], &["list", "ruleset"], parse_nft),
    ];
    for (names, args, parse) in listings {
        let Some(bin) = find(names) else { continue };
        let shown = format!("{} {}", names[0], args.join(" ")).trim().to_string();
        match command::run(&bin, args, TIMEOUT, ctx.deadline) {
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
                parts.push(what(names[0]));
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
        let text = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t\ttcp dport 22 accept\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n\t\tmeta l4proto icmp accept\n\t}\n}\ntable ip nat {\n\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1 }\n\t}\n}\n";
        assert_eq!(parse_nft(text), Ruleset { rules: 4, input_rules: 3, input_drop: true });
        let empty = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n";
        assert_eq!(parse_nft(empty), Ruleset::default());
        assert_eq!(parse_nft("}}}{{{\nchain {\n"), Ruleset::default());
    }
}
