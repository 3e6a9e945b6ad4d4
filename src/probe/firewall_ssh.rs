//! Whether the local firewall lets a new SSH connection in: the rules `iptables-save` and
//! `nft -j list ruleset` print (read only, never changed) are walked for a new TCP connection
//! from anywhere to each port sshd really listens on (its listening sockets; else the Port of
//! /etc/ssh/sshd_config, else 22), as the kernel would walk them: first match wins, jumps into
//! user chains followed, the chain policy at the end. A rule whose match depends on something
//! the walk cannot know (the client's address, a rate limit, an ipset) never counts as a block,
//! and counts as an accept: the check only says "locked out" when every client would be.
//!
//! Live system and root only (the rules live in the running kernel); IPv4 only.

use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::host::sockets::Proto;
use crate::i18n::{Msg, Said};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] = &["blocked_by_rule", "blocked_by_policy", "rule", "port", "listening", "rulesets"];

const TIMEOUT: Duration = Duration::from_secs(3);

/// The nftables listing both firewall checks read (JSON, run once per run).
pub const NFT_JSON: &[&str] = &["-j", "list", "ruleset"];
const MAX_DEPTH: usize = 16;

/// Whether a rule matches a new TCP connection from anywhere to the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    /// Depends on what the walk cannot know.
    Maybe,
}

impl Match {
    fn and(self, other: Match) -> Match {
        match (self, other) {
            (Match::No, _) | (_, Match::No) => Match::No,
            (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
            _ => Match::Yes,
        }
    }
    fn not(self, negate: bool) -> Match {
        match (self, negate) {
            (Match::Yes, true) => Match::No,
            (Match::No, true) => Match::Yes,
            (m, _) => m,
        }
    }
}

/// Where the walk of one ruleset ended for the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// Dropped or rejected by this rule (its text).
    Rule(String),
    /// Dropped by this chain policy (its text).
    Policy(String),
}

/// A port spec: `22`, `1000:2000`, `22,80,1000:2000`.
fn port_in(spec: &str, port: u16) -> Option<bool> {
    let mut any = false;
    for part in spec.split(',') {
        let (lo, hi) = match part.split_once(':') {
            Some((a, b)) => (a.parse::<u16>().unwrap_or(0), b.parse::<u16>().unwrap_or(u16::MAX)),
            None => {
                let p = part.trim().parse::<u16>().ok()?;
                (p, p)
            }
        };
        any |= (lo..=hi).contains(&port);
    }
    Some(any)
}

/// Splits an iptables-save rule into words, keeping "quoted strings" whole.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One iptables rule: whether it matches and where it goes.
fn iptables_rule(w: &[String], port: u16) -> (Match, Option<String>) {
    let mut m = Match::Yes;
    let mut target = None;
    let mut i = 0;
    let mut neg = false;
    let val = |i: usize| w.get(i + 1).map(String::as_str).unwrap_or("");
    while i < w.len() {
        let opt = w[i].as_str();
        let mut step = 2;
        match opt {
            "!" => {
                neg = true;
                i += 1;
                continue;
            }
            "-A" | "-m" | "--comment" | "--reject-with" | "-o" | "--out-interface" => {}
            "-p" | "--protocol" => {
                let p = val(i);
                let yes = matches!(p, "tcp" | "6" | "all" | "0");
                m = m.and(if yes { Match::Yes } else { Match::No }.not(neg));
            }
            "--dport" | "--destination-port" | "--dports" | "--destination-ports" | "--ports" => {
                m = m.and(match port_in(val(i), port) {
                    Some(true) => Match::Yes.not(neg),
                    Some(false) => Match::No.not(neg),
                    None => Match::Maybe,
                });
            }
            "-i" | "--in-interface" => {
                let lo = val(i) == "lo";
                m = m.and(match (lo, neg) {
                    (true, false) => Match::No,
                    (true, true) => Match::Yes,
                    (false, false) => Match::Yes,
                    (false, true) => Match::Maybe,
                });
            }
            "-s" | "--source" | "-d" | "--destination" => {
                if val(i) != "0.0.0.0/0" || neg {
                    m = m.and(Match::Maybe);
                }
            }
            "--state" | "--ctstate" => {
                let new = val(i).split(',').any(|s| s == "NEW");
                m = m.and(if new { Match::Yes } else { Match::No }.not(neg));
            }
            "--syn" => {
                m = m.and(Match::Yes.not(neg));
                step = 1;
            }
            "--tcp-flags" => step = 3,
            "-f" | "--fragment" => {
                m = m.and(Match::No.not(neg));
                step = 1;
            }
            "-j" | "--jump" | "-g" | "--goto" => target = Some(val(i).to_string()),
            _ if opt.starts_with('-') => {
                // A match this walk does not model (source port, limit, recent, set, string...).
                m = m.and(Match::Maybe);
                step = 1;
                while w.get(i + step).is_some_and(|n| !n.starts_with('-') && n != "!") {
                    step += 1;
                }
            }
            _ => step = 1,
        }
        neg = false;
        i += step;
    }
    (m, target)
}

/// The filter table of an `iptables-save` listing: chain policies and rules per chain.
pub struct Iptables {
    policies: BTreeMap<String, String>,
    rules: BTreeMap<String, Vec<(Vec<String>, String)>>,
}

pub fn parse_iptables(text: &str) -> Iptables {
    let mut t = Iptables { policies: BTreeMap::new(), rules: BTreeMap::new() };
    let mut table = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('*') {
            table = name.to_string();
        } else if table != "filter" {
        } else if let Some(rest) = line.strip_prefix(':') {
            let mut w = rest.split_whitespace();
            if let (Some(chain), Some(policy)) = (w.next(), w.next()) {
                t.policies.insert(chain.to_string(), policy.to_string());
            }
        } else if line.starts_with("-A ") {
            let w = words(line);
            if let Some(chain) = w.get(1) {
                t.rules.entry(chain.clone()).or_default().push((w.clone(), line.to_string()));
            }
        }
    }
    t
}

fn walk_iptables(t: &Iptables, chain: &str, port: u16, depth: usize) -> Option<Verdict> {
    if depth > MAX_DEPTH {
        return None;
    }
    for (w, line) in t.rules.get(chain).map(Vec::as_slice).unwrap_or(&[]) {
        let (m, target) = iptables_rule(w, port);
        let Some(target) = target else { continue };
        if m == Match::No {
            continue;
        }
        match target.as_str() {
            "ACCEPT" => return Some(Verdict::Accept),
            "DROP" | "REJECT" if m == Match::Yes => return Some(Verdict::Rule(format!("iptables-save: {line}"))),
            "RETURN" if m == Match::Yes => return None,
            other if t.rules.contains_key(other) || t.policies.contains_key(other) => {
                match walk_iptables(t, other, port, depth + 1) {
                    Some(Verdict::Accept) => return Some(Verdict::Accept),
                    Some(v) if m == Match::Yes => return Some(v),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    None
}

/// The verdict of the INPUT chain for a new connection to `port`.
pub fn iptables_verdict(t: &Iptables, port: u16) -> Verdict {
    match walk_iptables(t, "INPUT", port, 0) {
        Some(v) => v,
        None => match t.policies.get("INPUT").map(String::as_str) {
            Some(p @ ("DROP" | "REJECT")) => {
                Verdict::Policy(format!("iptables-save: :INPUT {p} (no rule accepts tcp/{port})"))
            }
            _ => Verdict::Accept,
        },
    }
}

/// nftables from `nft -j list ruleset`: the base chains on the input hook (ip and inet) and
/// every chain's rules.
pub struct Nft {
    base: Vec<(i64, String, String, String)>, // (priority, family/table, chain, policy)
    rules: BTreeMap<(String, String), Vec<Vec<Json>>>,
}

pub fn parse_nft(text: &str) -> Result<Nft, String> {
    let v: Json = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut n = Nft { base: Vec::new(), rules: BTreeMap::new() };
    let items = v.get("nftables").and_then(Json::as_array).ok_or("no \"nftables\" array")?;
    for item in items {
        if let Some(c) = item.get("chain") {
            let fam = c.get("family").and_then(Json::as_str).unwrap_or("");
            if !matches!(fam, "ip" | "inet") {
                continue;
            }
            let table = format!("{fam} {}", c.get("table").and_then(Json::as_str).unwrap_or(""));
            let name = c.get("name").and_then(Json::as_str).unwrap_or("").to_string();
            n.rules.entry((table.clone(), name.clone())).or_default();
            if c.get("hook").and_then(Json::as_str) == Some("input")
                && c.get("type").and_then(Json::as_str) == Some("filter")
            {
                let prio = c.get("prio").and_then(Json::as_i64).unwrap_or(0);
                let policy = c.get("policy").and_then(Json::as_str).unwrap_or("accept").to_string();
                n.base.push((prio, table, name, policy));
            }
        } else if let Some(r) = item.get("rule") {
            let fam = r.get("family").and_then(Json::as_str).unwrap_or("");
            if !matches!(fam, "ip" | "inet") {
                continue;
            }
            let table = format!("{fam} {}", r.get("table").and_then(Json::as_str).unwrap_or(""));
            let chain = r.get("chain").and_then(Json::as_str).unwrap_or("").to_string();
            let expr = r.get("expr").and_then(Json::as_array).cloned().unwrap_or_default();
            n.rules.entry((table, chain)).or_default().push(expr);
        }
    }
    n.base.sort_by_key(|b| b.0);
    Ok(n)
}

fn json_contains(right: &Json, want: &dyn Fn(&Json) -> bool) -> bool {
    match right {
        Json::Object(o) if o.contains_key("set") => {
            o.get("set").and_then(Json::as_array).is_some_and(|a| a.iter().any(|x| json_contains(x, want)))
        }
        Json::Array(a) => a.iter().any(|x| json_contains(x, want)),
        other => want(other),
    }
}

fn nft_match(m: &Json, port: u16) -> Match {
    let op = m.get("op").and_then(Json::as_str).unwrap_or("==");
    let neg = op == "!=";
    let left = m.get("left").unwrap_or(&Json::Null);
    let right = m.get("right").unwrap_or(&Json::Null);
    let yes_no = |b: bool| if b { Match::Yes } else { Match::No }.not(neg);
    if let Some(p) = left.get("payload") {
        let proto = p.get("protocol").and_then(Json::as_str).unwrap_or("");
        let field = p.get("field").and_then(Json::as_str).unwrap_or("");
        return match (proto, field) {
            ("tcp", "dport") | ("th", "dport") => yes_no(json_contains(right, &|x| match x {
                Json::Number(n) => n.as_u64() == Some(port as u64),
                Json::Object(o) => o.get("range").and_then(Json::as_array).is_some_and(|r| {
                    let lo = r.first().and_then(Json::as_u64).unwrap_or(0);
                    let hi = r.get(1).and_then(Json::as_u64).unwrap_or(0);
                    (lo..=hi).contains(&(port as u64))
                }),
                _ => false,
            })),
            ("tcp", _) => Match::Maybe,
            ("ip", "protocol") => yes_no(json_contains(right, &|x| x.as_str() == Some("tcp") || x.as_u64() == Some(6))),
            ("udp" | "icmp" | "sctp", _) => Match::No.not(neg),
            _ => Match::Maybe,
        };
    }
    if let Some(meta) = left.get("meta") {
        return match meta.get("key").and_then(Json::as_str).unwrap_or("") {
            "l4proto" => yes_no(json_contains(right, &|x| x.as_str() == Some("tcp") || x.as_u64() == Some(6))),
            "iifname" | "iif" => {
                let lo = json_contains(right, &|x| x.as_str() == Some("lo"));
                match (lo, neg) {
                    (true, false) => Match::No,
                    (true, true) | (false, false) => Match::Yes,
                    (false, true) => Match::Maybe,
                }
            }
            "nfproto" => Match::Yes,
            _ => Match::Maybe,
        };
    }
    if let Some(ct) = left.get("ct")
        && ct.get("key").and_then(Json::as_str) == Some("state")
    {
        return yes_no(json_contains(right, &|x| x.as_str() == Some("new")));
    }
    Match::Maybe
}

enum Step {
    Verdict(&'static str),
    Jump(String, bool),
}

fn walk_nft(n: &Nft, table: &str, chain: &str, port: u16, depth: usize) -> Option<Verdict> {
    if depth > MAX_DEPTH {
        return None;
    }
    let rules = n.rules.get(&(table.to_string(), chain.to_string()))?;
    for expr in rules {
        let mut m = Match::Yes;
        let mut step = None;
        for e in expr {
            if let Some(mm) = e.get("match") {
                m = m.and(nft_match(mm, port));
            } else if e.get("accept").is_some() {
                step = Some(Step::Verdict("accept"));
            } else if e.get("drop").is_some() || e.get("reject").is_some() {
                step = Some(Step::Verdict("drop"));
            } else if e.get("return").is_some() {
                step = Some(Step::Verdict("return"));
            } else if let Some(j) = e.get("jump").or_else(|| e.get("goto")) {
                let goto = e.get("goto").is_some();
                step = Some(Step::Jump(j.get("target").and_then(Json::as_str).unwrap_or("").to_string(), goto));
            } else if e.get("counter").is_some() || e.get("log").is_some() || e.get("comment").is_some() {
            } else {
                m = m.and(Match::Maybe);
            }
        }
        if m == Match::No {
            continue;
        }
        match step {
            Some(Step::Verdict("accept")) => return Some(Verdict::Accept),
            Some(Step::Verdict("drop")) if m == Match::Yes => {
                return Some(Verdict::Rule(format!(
                    "nft list ruleset: table {table} chain {chain}: {}",
                    nft_text(expr)
                )));
            }
            Some(Step::Verdict("return")) if m == Match::Yes => return None,
            Some(Step::Jump(target, goto)) => match walk_nft(n, table, &target, port, depth + 1) {
                Some(Verdict::Accept) => return Some(Verdict::Accept),
                Some(v) if m == Match::Yes => return Some(v),
                None if goto && m == Match::Yes => return None,
                _ => {}
            },
            _ => {}
        }
    }
    None
}

/// A rule as short text for evidence (`tcp dport 22 drop`), from its JSON.
fn nft_text(expr: &[Json]) -> String {
    let mut parts = Vec::new();
    for e in expr {
        if let Some(m) = e.get("match") {
            let left = m.get("left").unwrap_or(&Json::Null);
            let l = if let Some(p) = left.get("payload") {
                format!(
                    "{} {}",
                    p.get("protocol").and_then(Json::as_str).unwrap_or("?"),
                    p.get("field").and_then(Json::as_str).unwrap_or("?")
                )
            } else if let Some(k) = left.get("meta").and_then(|x| x.get("key")).and_then(Json::as_str) {
                format!("meta {k}")
            } else if let Some(k) = left.get("ct").and_then(|x| x.get("key")).and_then(Json::as_str) {
                format!("ct {k}")
            } else {
                left.to_string()
            };
            let op = m.get("op").and_then(Json::as_str).unwrap_or("==");
            let op = if op == "==" || op == "in" { String::new() } else { format!("{op} ") };
            let r = m.get("right").map(|r| r.to_string().replace('"', "")).unwrap_or_default();
            parts.push(format!("{l} {op}{r}"));
        } else if let Some(o) = e.as_object() {
            parts.extend(o.keys().filter(|k| *k != "counter").cloned());
        }
    }
    parts.join(" ")
}

pub fn nft_verdict(n: &Nft, port: u16) -> Verdict {
    for (_, table, chain, policy) in &n.base {
        match walk_nft(n, table, chain, port, 0) {
            Some(Verdict::Accept) => continue,
            Some(v) => return v,
            None if policy == "drop" => {
                return Verdict::Policy(format!(
                    "nft list ruleset: table {table} chain {chain}: policy drop (no rule accepts tcp/{port})"
                ));
            }
            None => {}
        }
    }
    Verdict::Accept
}

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
        match listed {
            Ok(o) if o.code == Some(0) && o.stdout.trim().is_empty() => {}
            Ok(o) if o.code == Some(0) => match parse_nft(&o.stdout) {
                Ok(n) => nft = Some(n),
                Err(e) => notes.push(format!("nft -j list ruleset: {e}")),
            },
            Ok(o) => {
                notes.push(format!("nft -j list ruleset: exit {:?}: {}", o.code, o.stderr.lines().next().unwrap_or("")))
            }
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
            .map(|t| iptables_verdict(t, port))
            .into_iter()
            .chain(nft.as_ref().map(|n| nft_verdict(n, port)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str, port: u16) -> Verdict {
        iptables_verdict(&parse_iptables(text), port)
    }

    #[test]
    fn iptables_walk() {
        let drop = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j DROP\nCOMMIT\n";
        assert!(matches!(v(drop, 22), Verdict::Rule(l) if l.contains("--dport 22 -j DROP")));
        assert_eq!(v(drop, 2222), Verdict::Accept);
        let policy = "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n";
        assert!(matches!(v(policy, 22), Verdict::Policy(_)));
        let ok = policy.replace("--dport 80", "-m multiport --dports 80,22");
        assert_eq!(v(&ok, 22), Verdict::Accept);
        // Only some sources dropped, or rate-limited: not a lock-out.
        let partial = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 203.0.113.0/24 -p tcp --dport 22 -j DROP\n-A INPUT -p tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 -j DROP\nCOMMIT\n";
        assert_eq!(v(partial, 22), Verdict::Accept);
        // An allow-list before a drop-all: clients on the list get in.
        let allow = "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 198.51.100.7/32 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        assert_eq!(v(allow, 22), Verdict::Accept);
        // User chains, RETURN, REJECT, comments with spaces.
        let chains = "*filter\n:INPUT ACCEPT [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-user-input\n-A ufw-user-input -p udp --dport 22 -j ACCEPT\n-A ufw-user-input -p tcp --dport 1000:3000 -m comment --comment \"no ssh here\" -j REJECT --reject-with tcp-reset\nCOMMIT\n";
        assert!(matches!(v(chains, 2222), Verdict::Rule(l) if l.contains("REJECT")));
        assert_eq!(v(chains, 22), Verdict::Accept);
        // Other tables, garbage and loops never block or hang.
        assert_eq!(v("*nat\n:INPUT DROP [0:0]\n-A INPUT -j DROP\nCOMMIT\n", 22), Verdict::Accept);
        assert_eq!(v("\0garbage\n-A\n*filter\n-A INPUT ! -p\n", 22), Verdict::Accept);
        assert_eq!(v("*filter\n:a - [0:0]\n-A INPUT -j a\n-A a -j a\nCOMMIT\n", 22), Verdict::Accept);
    }

    #[test]
    fn nft_walk() {
        let j = r#"{"nftables":[{"metainfo":{"json_schema_version":1}},{"table":{"family":"inet","name":"filter","handle":1}},
        {"chain":{"family":"inet","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}},
        {"rule":{"family":"inet","table":"filter","chain":"input","handle":3,"expr":[{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related"]}},{"accept":null}]}},
        {"rule":{"family":"inet","table":"filter","chain":"input","handle":4,"expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"lo"}},{"accept":null}]}},
        {"rule":{"family":"inet","table":"filter","chain":"input","handle":5,"expr":[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":{"set":[80,443]}}},{"accept":null}]}}]}"#;
        let n = parse_nft(j).unwrap();
        assert!(matches!(nft_verdict(&n, 22), Verdict::Policy(l) if l.contains("policy drop")));
        let open = j.replace("[80,443]", "[80,443,{\"range\":[20,25]}]");
        assert_eq!(nft_verdict(&parse_nft(&open).unwrap(), 22), Verdict::Accept);
        let drop = r#"{"nftables":[{"chain":{"family":"ip","table":"t","name":"c","type":"filter","hook":"input","prio":0,"policy":"accept"}},
        {"rule":{"family":"ip","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}},{"counter":{"packets":0,"bytes":0}},{"drop":null}]}}]}"#;
        assert!(
            matches!(nft_verdict(&parse_nft(drop).unwrap(), 22), Verdict::Rule(l) if l.contains("tcp dport 22 drop"))
        );
        assert!(parse_nft("not json").is_err());
        assert!(parse_nft("{}").is_err());
    }
}
