//! The host firewall's rules as the two listings print them, `iptables-save` (text) and
//! `nft -j list ruleset` (JSON): one model of each, parsed once, and two views of it.
//!
//! - **Counts** ([`Ruleset`]): how many rules, how many see incoming traffic, whether the
//!   incoming policy drops by default (`sec.firewall.present`).
//! - **A walk** ([`Iptables::tcp_verdict`], [`Nft::tcp_verdict`]): whether a new TCP connection
//!   from anywhere to a port gets in, as the kernel would decide: first match wins, jumps into
//!   user chains followed, the chain policy at the end (`net.firewall.local`, for the ports sshd
//!   listens on). A rule whose match depends on what the walk cannot know (the client's address,
//!   a rate limit, an ipset) never counts as a block, and counts as an accept: a verdict says
//!   "blocked" only when every client would be. IPv4 only (the `filter` table of
//!   `iptables-save`, the `ip` and `inet` families of nftables).
//!
//! Reading the listings (running the programs, once per run) is the probes' business; this
//! module only understands their text.

use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The arguments of the nftables listing the firewall probes read (JSON).
pub const NFT_JSON: &[&str] = &["-j", "list", "ruleset"];
const MAX_DEPTH: usize = 16;

/// What a walk already knows: the verdict of a chain entered at a depth (`None`: the chain
/// ended without one, or the depth cap cut it). A chain's verdict depends only on the chain and
/// the depth it is entered at, so each pair is walked once and every later jump to it is a
/// lookup. That bounds a walk by (MAX_DEPTH + 2) x the rules of the table, however the jumps
/// branch or loop (found by fuzzing: rules that jump back to their own chain branched at every
/// level, 16 deep, which never ended).
type Memo<K> = std::collections::HashMap<(K, usize), Option<Verdict>>;

/// What one listing says, counted: rules in total, rules that see incoming traffic, and
/// whether the incoming policy drops by default.
#[derive(Debug, Default, PartialEq)]
pub struct Ruleset {
    pub rules: usize,
    pub input_rules: usize,
    pub input_drop: bool,
}

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

/// The IP version a walk is for: IPv4 walks `iptables-save` and the `ip` and `inet` nftables
/// families, IPv6 `ip6tables-save` and the `ip6` and `inet` families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    /// The listing program of iptables for this family.
    pub fn iptables_save(self) -> &'static str {
        match self {
            Family::V4 => "iptables-save",
            Family::V6 => "ip6tables-save",
        }
    }

    fn nft_family(self, family: &str) -> bool {
        match self {
            Family::V4 => matches!(family, "ip" | "inet"),
            Family::V6 => matches!(family, "ip6" | "inet"),
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

/// An `iptables-save` (or `ip6tables-save`) listing: its tables by name (`filter`, `nat`, ...;
/// lines before any `*table` belong to the table named "").
#[derive(Debug, Default)]
pub struct Iptables {
    pub tables: BTreeMap<String, IptTable>,
}

/// One table: its chain policies (`:CHAIN POLICY [p:b]`) and its rules per chain (`-A CHAIN ...`).
#[derive(Debug, Default)]
pub struct IptTable {
    pub policies: BTreeMap<String, String>,
    pub chains: BTreeMap<String, Vec<IptRule>>,
    /// Every `-A` line, also one that names no chain.
    pub rule_count: usize,
}

/// One `-A` line: its words ("quoted strings" kept whole) and the line itself, for evidence.
#[derive(Debug)]
pub struct IptRule {
    pub words: Vec<String>,
    pub line: String,
}

/// Parses an `iptables-save` listing. Garbage lines are ignored: never an error.
pub fn parse_iptables(text: &str) -> Iptables {
    let mut t = Iptables::default();
    let mut table = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('*') {
            table = name.to_string();
        } else if let Some(rest) = line.strip_prefix(':') {
            let mut w = rest.split_whitespace();
            if let (Some(chain), Some(policy)) = (w.next(), w.next()) {
                let tab = t.tables.entry(table.clone()).or_default();
                tab.policies.insert(chain.to_string(), policy.to_string());
            }
        } else if line.starts_with("-A ") {
            let tab = t.tables.entry(table.clone()).or_default();
            tab.rule_count += 1;
            let words = words(line);
            if let Some(chain) = words.get(1) {
                let chain = chain.clone();
                tab.chains.entry(chain).or_default().push(IptRule { words, line: line.to_string() });
            }
        }
    }
    t
}

impl Iptables {
    fn filter(&self) -> Option<&IptTable> {
        self.tables.get("filter")
    }

    /// The counts view: every rule of every table; the filter table's INPUT rules and policy.
    pub fn counts(&self) -> Ruleset {
        let filter = self.filter();
        Ruleset {
            rules: self.tables.values().map(|t| t.rule_count).sum(),
            input_rules: filter.and_then(|f| f.chains.get("INPUT")).map_or(0, Vec::len),
            input_drop: filter
                .and_then(|f| f.policies.get("INPUT"))
                .is_some_and(|p| matches!(p.as_str(), "DROP" | "REJECT")),
        }
    }

    /// The walk view: the verdict of the filter table's INPUT chain for a new TCP connection
    /// from anywhere to `port` (an `iptables-save` listing: IPv4).
    pub fn tcp_verdict(&self, port: u16) -> Verdict {
        self.tcp_verdict_for(port, Family::V4)
    }

    /// [`Iptables::tcp_verdict`] for a listing of `family` (`ip6tables-save` for IPv6).
    pub fn tcp_verdict_for(&self, port: u16, family: Family) -> Verdict {
        let empty = IptTable::default();
        let t = self.filter().unwrap_or(&empty);
        let mut walk = IptWalk { t, port, family, rules: BTreeMap::new(), memo: Memo::new() };
        match walk.chain("INPUT", 0) {
            Some(v) => v,
            None => match t.policies.get("INPUT").map(String::as_str) {
                Some(p @ ("DROP" | "REJECT")) => {
                    Verdict::Policy(format!("{}: :INPUT {p} (no rule accepts tcp/{port})", family.iptables_save()))
                }
                _ => Verdict::Accept,
            },
        }
    }
}

/// One iptables rule: whether it matches and where it goes.
fn iptables_rule(w: &[String], port: u16, family: Family) -> (Match, Option<String>) {
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
                let any = match family {
                    Family::V4 => "0.0.0.0/0",
                    Family::V6 => "::/0",
                };
                if val(i) != any || neg {
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

/// One iptables rule, judged: whether it matches, its target, and its line (for evidence).
type IptJudged<'a> = (Match, Option<String>, &'a str);

/// One walk of an iptables table for a port: each rule is judged once ([`iptables_rule`]),
/// each chain walked once per depth ([`Memo`]).
struct IptWalk<'a> {
    t: &'a IptTable,
    port: u16,
    family: Family,
    /// The rules of the chains walked so far, judged.
    rules: BTreeMap<&'a str, std::rc::Rc<[IptJudged<'a>]>>,
    memo: Memo<&'a str>,
}

impl<'a> IptWalk<'a> {
    fn judged(&mut self, chain: &'a str) -> std::rc::Rc<[IptJudged<'a>]> {
        let (port, family) = (self.port, self.family);
        let t = self.t;
        self.rules
            .entry(chain)
            .or_insert_with(|| {
                let rules = t.chains.get(chain).map(Vec::as_slice).unwrap_or(&[]);
                rules
                    .iter()
                    .map(|r| {
                        let (m, target) = iptables_rule(&r.words, port, family);
                        (m, target, r.line.as_str())
                    })
                    .collect()
            })
            .clone()
    }

    fn chain(&mut self, chain: &'a str, depth: usize) -> Option<Verdict> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(v) = self.memo.get(&(chain, depth)) {
            return v.clone();
        }
        let v = self.walk(chain, depth);
        self.memo.insert((chain, depth), v.clone());
        v
    }

    fn walk(&mut self, chain: &'a str, depth: usize) -> Option<Verdict> {
        let t = self.t;
        for (m, target, line) in self.judged(chain).iter() {
            let (m, Some(target)) = (*m, target) else { continue };
            if m == Match::No {
                continue;
            }
            match target.as_str() {
                "ACCEPT" => return Some(Verdict::Accept),
                "DROP" | "REJECT" if m == Match::Yes => {
                    return Some(Verdict::Rule(format!("{}: {line}", self.family.iptables_save())));
                }
                "RETURN" if m == Match::Yes => return None,
                other => {
                    // The table's own name for the chain, borrowed for as long as the walk.
                    let known = t
                        .chains
                        .get_key_value(other)
                        .map(|(k, _)| k)
                        .or_else(|| t.policies.get_key_value(other).map(|(k, _)| k));
                    let Some(other) = known else { continue };
                    match self.chain(other.as_str(), depth + 1) {
                        Some(Verdict::Accept) => return Some(Verdict::Accept),
                        Some(v) if m == Match::Yes => return Some(v),
                        _ => {}
                    }
                }
            }
        }
        None
    }
}

/// An `nft -j list ruleset` listing: every chain and every rule, of every family.
#[derive(Debug, Default)]
pub struct Nft {
    pub chains: Vec<NftChain>,
    pub rules: Vec<NftRule>,
}

/// A chain; `hook`, `kind` (its `type`), `prio` and `policy` only for a base chain.
#[derive(Debug)]
pub struct NftChain {
    pub family: String,
    pub table: String,
    pub name: String,
    pub hook: Option<String>,
    pub kind: Option<String>,
    pub prio: Option<i64>,
    pub policy: Option<String>,
}

/// A rule: where it is, and its expressions as nft printed them.
#[derive(Debug)]
pub struct NftRule {
    pub family: String,
    pub table: String,
    pub chain: String,
    pub expr: Vec<Json>,
}

/// Parses an `nft -j list ruleset` listing; `Err` when it is not JSON or has no `nftables` array.
pub fn parse_nft(text: &str) -> Result<Nft, String> {
    let v: Json = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = v.get("nftables").and_then(Json::as_array).ok_or("no \"nftables\" array")?;
    let s = |o: &Json, k: &str| o.get(k).and_then(Json::as_str).unwrap_or("").to_string();
    let opt = |o: &Json, k: &str| o.get(k).and_then(Json::as_str).map(str::to_string);
    let mut n = Nft::default();
    for item in items {
        if let Some(c) = item.get("chain") {
            n.chains.push(NftChain {
                family: s(c, "family"),
                table: s(c, "table"),
                name: s(c, "name"),
                hook: opt(c, "hook"),
                kind: opt(c, "type"),
                prio: c.get("prio").and_then(Json::as_i64),
                policy: opt(c, "policy"),
            });
        } else if let Some(r) = item.get("rule") {
            n.rules.push(NftRule {
                family: s(r, "family"),
                table: s(r, "table"),
                chain: s(r, "chain"),
                expr: r.get("expr").and_then(Json::as_array).cloned().unwrap_or_default(),
            });
        }
    }
    Ok(n)
}

/// What `nft -j list ruleset` gave, read: `Ok(None)` for an empty listing (no ruleset), `Err`
/// why the rules could not be read. Old nftables differ: before 0.9 there is no `-j` (`nft:
/// invalid option -- 'j'`, exit 1: CentOS 7, Ubuntu 18.04); 0.9.1 and later built without JSON
/// support say `JSON support not compiled-in` (exit 1); 0.9.0 built without it ignores `-j` and
/// prints its text listing (exit 0), which must not be taken for an empty ruleset.
pub fn read_nft_listing(code: Option<i32>, stdout: &str, stderr: &str) -> Result<Option<Nft>, String> {
    // What the examined system printed: no control characters, one short line.
    let first: String =
        stderr.lines().next().unwrap_or("").trim().chars().filter(|c| !c.is_control()).take(200).collect();
    if code != Some(0) {
        if first.contains("JSON support not compiled-in") {
            return Err(format!("this nft was built without JSON support ({first}): its rules are not read"));
        }
        if first.contains("'j'") || first.contains("--json") {
            return Err(format!(
                "this nft has no JSON listing ({first}; nftables 0.9 or later has -j): its rules are not read"
            ));
        }
        let status = code.map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        return Err(format!("failed (exit {status}): {first}"));
    }
    if stdout.trim().is_empty() {
        return Ok(None);
    }
    match parse_nft(stdout) {
        Ok(n) => Ok(Some(n)),
        Err(_) if !stdout.trim_start().starts_with('{') => Err(
            "this nft printed its text listing, not JSON (nftables 0.9.0 built without JSON support ignores -j): its rules are not read"
                .into(),
        ),
        Err(e) => Err(format!("unreadable listing ({e}): its rules are not read")),
    }
}

/// The rules a walk sees (the families of its [`Family`]) by `("family table", chain)`, and
/// the base chains on the input hook of type filter, by priority.
struct NftIndex<'a> {
    family: Family,
    base: Vec<(i64, String, String, String)>, // (priority, family/table, chain, policy)
    rules: BTreeMap<(String, String), Vec<&'a [Json]>>,
}

impl Nft {
    /// The counts view: every rule counts; a rule in a chain on the input hook sees incoming
    /// traffic, and such a chain with policy drop drops by default.
    pub fn counts(&self) -> Ruleset {
        let mut r = Ruleset::default();
        let mut input_chains = std::collections::BTreeSet::new();
        for c in self.chains.iter().filter(|c| c.hook.as_deref() == Some("input")) {
            input_chains.insert((c.family.as_str(), c.table.as_str(), c.name.as_str()));
            r.input_drop |= c.policy.as_deref() == Some("drop");
        }
        for rule in &self.rules {
            r.rules += 1;
            if input_chains.contains(&(rule.family.as_str(), rule.table.as_str(), rule.chain.as_str())) {
                r.input_rules += 1;
            }
        }
        r
    }

    fn index(&self, family: Family) -> NftIndex<'_> {
        let mut n = NftIndex { family, base: Vec::new(), rules: BTreeMap::new() };
        for c in self.chains.iter().filter(|c| family.nft_family(&c.family)) {
            let table = format!("{} {}", c.family, c.table);
            n.rules.entry((table.clone(), c.name.clone())).or_default();
            if c.hook.as_deref() == Some("input") && c.kind.as_deref() == Some("filter") {
                let policy = c.policy.clone().unwrap_or_else(|| "accept".to_string());
                n.base.push((c.prio.unwrap_or(0), table, c.name.clone(), policy));
            }
        }
        for r in self.rules.iter().filter(|r| family.nft_family(&r.family)) {
            let table = format!("{} {}", r.family, r.table);
            n.rules.entry((table, r.chain.clone())).or_default().push(&r.expr);
        }
        n.base.sort_by_key(|b| b.0);
        n
    }

    /// The walk view: the verdict of the input hook's filter chains, in priority order, for a
    /// new TCP connection from anywhere to `port`.
    pub fn tcp_verdict(&self, port: u16) -> Verdict {
        self.tcp_verdict_for(port, Family::V4)
    }

    /// [`Nft::tcp_verdict`] for IPv4 or IPv6 packets.
    pub fn tcp_verdict_for(&self, port: u16, family: Family) -> Verdict {
        let n = self.index(family);
        let n = &n;
        let mut walk = NftWalk { n, port, rules: BTreeMap::new(), memo: Memo::new() };
        for (_, table, chain, policy) in &n.base {
            match walk.chain(table, chain, 0) {
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

fn nft_match(m: &Json, port: u16, family: Family) -> Match {
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
            // A match on the other IP version's header never sees this packet.
            ("ip", _) if family == Family::V6 => Match::No,
            ("ip6", _) if family == Family::V4 => Match::No,
            ("ip", "protocol") | ("ip6", "nexthdr") => {
                yes_no(json_contains(right, &|x| x.as_str() == Some("tcp") || x.as_u64() == Some(6)))
            }
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
            "nfproto" => {
                let want = match family {
                    Family::V4 => "ipv4",
                    Family::V6 => "ipv6",
                };
                yes_no(json_contains(right, &|x| x.as_str() == Some(want)))
            }
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

/// Where an nftables rule sends a packet it matches.
#[derive(Clone, Copy)]
enum Step<'a> {
    Verdict(&'static str),
    /// A jump (false) or goto (true) to a chain of the same table.
    Jump(&'a str, bool),
}

/// One nftables rule, judged: whether it matches, where it goes, and its expressions (for
/// evidence).
type NftJudged<'a> = (Match, Option<Step<'a>>, &'a [Json]);

/// One walk of the nftables chains for a port: each rule is judged once, each chain walked once
/// per depth ([`Memo`]), keyed by ("family table", chain).
struct NftWalk<'a> {
    n: &'a NftIndex<'a>,
    port: u16,
    rules: BTreeMap<(&'a str, &'a str), std::rc::Rc<[NftJudged<'a>]>>,
    memo: Memo<(&'a str, &'a str)>,
}

impl<'a> NftWalk<'a> {
    fn judged(&mut self, table: &'a str, chain: &'a str) -> Option<std::rc::Rc<[NftJudged<'a>]>> {
        if let Some(r) = self.rules.get(&(table, chain)) {
            return Some(r.clone());
        }
        let exprs = self.n.rules.get(&(table.to_string(), chain.to_string()))?;
        let judged: std::rc::Rc<[NftJudged<'a>]> =
            exprs.iter().map(|expr| nft_rule(expr, self.port, self.n.family)).collect();
        self.rules.insert((table, chain), judged.clone());
        Some(judged)
    }

    fn chain(&mut self, table: &'a str, chain: &'a str, depth: usize) -> Option<Verdict> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(v) = self.memo.get(&((table, chain), depth)) {
            return v.clone();
        }
        let v = self.walk(table, chain, depth);
        self.memo.insert(((table, chain), depth), v.clone());
        v
    }

    fn walk(&mut self, table: &'a str, chain: &'a str, depth: usize) -> Option<Verdict> {
        for &(m, step, expr) in self.judged(table, chain)?.iter() {
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
                Some(Step::Jump(target, goto)) => match self.chain(table, target, depth + 1) {
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
}

/// One nftables rule for a new TCP connection to `port`: its matches and its verdict or jump.
fn nft_rule(expr: &[Json], port: u16, family: Family) -> NftJudged<'_> {
    let mut m = Match::Yes;
    let mut step = None;
    for e in expr {
        if let Some(mm) = e.get("match") {
            m = m.and(nft_match(mm, port, family));
        } else if e.get("accept").is_some() {
            step = Some(Step::Verdict("accept"));
        } else if e.get("drop").is_some() || e.get("reject").is_some() {
            step = Some(Step::Verdict("drop"));
        } else if e.get("return").is_some() {
            step = Some(Step::Verdict("return"));
        } else if let Some(j) = e.get("jump").or_else(|| e.get("goto")) {
            let goto = e.get("goto").is_some();
            step = Some(Step::Jump(j.get("target").and_then(Json::as_str).unwrap_or(""), goto));
        } else if e.get("counter").is_some() || e.get("log").is_some() || e.get("comment").is_some() {
        } else {
            m = m.and(Match::Maybe);
        }
    }
    (m, step, expr)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What old nftables versions print for `nft -j list ruleset` (the messages as in nftables'
    /// src/main.c of those versions, getopt's for 0.8): read as "not read", never as no rules.
    #[test]
    fn old_nft_listings_are_not_read_as_empty() {
        // CentOS 7, Ubuntu 18.04: nftables 0.8 has no -j.
        let why = read_nft_listing(
            Some(1),
            "",
            "/usr/sbin/nft: invalid option -- 'j'\nTry `nft --help' for more information.\n",
        )
        .expect_err("no -j");
        assert!(why.contains("no JSON listing") && why.contains("0.9"), "{why}");
        // 0.9.1 and later built without libjansson.
        let why = read_nft_listing(Some(1), "", "JSON support not compiled-in\n").expect_err("no JSON");
        assert!(why.contains("without JSON support"), "{why}");
        // 0.9.0 built without libjansson ignores -j: a text ruleset that drops SSH, exit 0.
        let text = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\ttcp dport 22 drop\n\t}\n}\n";
        let why = read_nft_listing(Some(0), text, "").expect_err("text is not an empty ruleset");
        assert!(why.contains("text listing"), "{why}");
        // An empty listing is no ruleset; a broken JSON one is not read.
        assert!(matches!(read_nft_listing(Some(0), " \n", ""), Ok(None)));
        assert!(read_nft_listing(Some(0), "{\"nftables\": [", "").expect_err("broken").contains("unreadable"));
        // Other failures keep stderr's first line, without control characters.
        let why = read_nft_listing(Some(1), "", "Error: \x1b[1mOperation not permitted\n").expect_err("failed");
        assert!(why.contains("status 1") && why.contains("Operation not permitted") && !why.contains('\x1b'), "{why}");
        // Debian 11's nftables 0.9.8 (recorded, empty ruleset) is read.
        let json =
            r#"{"nftables": [{"metainfo": {"version": "0.9.8", "release_name": "E.D.S.", "json_schema_version": 1}}]}"#;
        let n = read_nft_listing(Some(0), json, "").expect("JSON").expect("a listing");
        assert_eq!(n.counts(), Ruleset::default());
    }

    fn v(text: &str, port: u16) -> Verdict {
        parse_iptables(text).tcp_verdict(port)
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
    fn ipv6_walks_see_only_their_family() {
        // ip6tables-save: `::/0` is anywhere; the IPv4 listing does not apply to IPv6.
        let v6 = parse_iptables(
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s ::/0 -p tcp -m tcp --dport 8080 -j DROP\nCOMMIT\n",
        );
        assert!(matches!(v6.tcp_verdict_for(8080, Family::V6), Verdict::Rule(l) if l.starts_with("ip6tables-save: ")));
        assert_eq!(v6.tcp_verdict_for(80, Family::V6), Verdict::Accept);
        // nftables: an ip6 table is not walked for IPv4, an inet table for both; a match on the
        // other family's header never matches, nfproto selects the family.
        let j = r#"{"nftables":[{"chain":{"family":"ip6","table":"t6","name":"in","type":"filter","hook":"input","prio":0,"policy":"accept"}},
        {"rule":{"family":"ip6","table":"t6","chain":"in","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":8080}},{"drop":null}]}},
        {"chain":{"family":"inet","table":"f","name":"in","type":"filter","hook":"input","prio":10,"policy":"accept"}},
        {"rule":{"family":"inet","table":"f","chain":"in","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"0.0.0.0/0"}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":9090}},{"drop":null}]}},
        {"rule":{"family":"inet","table":"f","chain":"in","expr":[{"match":{"op":"==","left":{"meta":{"key":"nfproto"}},"right":"ipv6"}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":7070}},{"reject":null}]}}]}"#;
        let n = parse_nft(j).unwrap();
        assert_eq!(n.tcp_verdict_for(8080, Family::V4), Verdict::Accept);
        assert!(matches!(n.tcp_verdict_for(8080, Family::V6), Verdict::Rule(l) if l.contains("table ip6 t6")));
        assert_eq!(n.tcp_verdict_for(9090, Family::V6), Verdict::Accept, "an ip saddr match never sees IPv6");
        assert_eq!(n.tcp_verdict_for(7070, Family::V4), Verdict::Accept, "nfproto ipv6 only");
        assert!(matches!(n.tcp_verdict_for(7070, Family::V6), Verdict::Rule(_)));
        // `ip saddr` with a real prefix depends on the client: never a block for IPv4.
        let j2 = j.replace("0.0.0.0/0", "198.51.100.0/24");
        assert_eq!(parse_nft(&j2).unwrap().tcp_verdict_for(9090, Family::V4), Verdict::Accept);
    }

    #[test]
    fn nft_walk() {
        let j = r#"{"nftables":[{"metainfo":{"json_schema_version":1}},{"table":{"family":"inet","name":"filter","handle":1}},
        {"chain":{"family":"inet","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}},
        {"rule":{"family":"inet","table":"filter","chain":"input","handle":3,"expr":[{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related"]}},{"accept":null}]}},
        {"rule":{"family":"inet","table":"filter","chain":"input","handle":4,"expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"lo"}},{"accept":null}]}},
        {"rule":{"family":"inet","table":"filter","chain":"input","handle":5,"expr":[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":{"set":[80,443]}}},{"accept":null}]}}]}"#;
        let n = parse_nft(j).unwrap();
        assert!(matches!(n.tcp_verdict(22), Verdict::Policy(l) if l.contains("policy drop")));
        let open = j.replace("[80,443]", "[80,443,{\"range\":[20,25]}]");
        assert_eq!(parse_nft(&open).unwrap().tcp_verdict(22), Verdict::Accept);
        let drop = r#"{"nftables":[{"chain":{"family":"ip","table":"t","name":"c","type":"filter","hook":"input","prio":0,"policy":"accept"}},
        {"rule":{"family":"ip","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}},{"counter":{"packets":0,"bytes":0}},{"drop":null}]}}]}"#;
        assert!(
            matches!(parse_nft(drop).unwrap().tcp_verdict(22), Verdict::Rule(l) if l.contains("tcp dport 22 drop"))
        );
        assert!(parse_nft("not json").is_err());
        assert!(parse_nft("{}").is_err());
    }

    #[test]
    fn iptables_counts() {
        let text = "# Generated by iptables-save\n*nat\n:PREROUTING ACCEPT [0:0]\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -j DOCKER-USER\nCOMMIT\n";
        assert_eq!(parse_iptables(text).counts(), Ruleset { rules: 2, input_rules: 0, input_drop: false });
        let text =
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        assert_eq!(parse_iptables(text).counts(), Ruleset { rules: 2, input_rules: 2, input_drop: true });
        assert_eq!(parse_iptables("").counts(), Ruleset::default());
        assert_eq!(parse_iptables("\0garbage\n-A\n*\n:").counts(), Ruleset::default());
    }

    /// What the firewall probe counts of a listing that is not JSON: nothing.
    fn counts(text: &str) -> Ruleset {
        parse_nft(text).map(|n| n.counts()).unwrap_or_default()
    }

    #[test]
    fn nft_counts() {
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
        assert_eq!(counts(json), Ruleset { rules: 4, input_rules: 3, input_drop: true });
        let empty = r#"{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}]}"#;
        assert_eq!(counts(empty), Ruleset::default());
        assert_eq!(counts("}}}{{{\nchain {\n"), Ruleset::default());
        assert_eq!(counts(""), Ruleset::default());
    }

    /// Jumps that fan out (ten rules to the next chain, six chains deep: a million paths) used to
    /// run out of the walk's step budget before the rule that accepts, and the port was called
    /// blocked by the policy. Each chain is now walked once per depth, so the walk reaches it.
    #[test]
    fn fanned_out_jumps_still_reach_the_accepting_rule() {
        let mut listing = String::from("*filter\n:INPUT DROP [0:0]\n");
        for level in 0..6 {
            listing.push_str(&format!(":C{level} - [0:0]\n"));
        }
        listing.push_str("-A INPUT -p tcp -m recent --rcheck -j C0\n");
        for level in 0..6 {
            for _ in 0..10 {
                listing.push_str(&format!("-A C{level} -p tcp -m recent --rcheck -j C{}\n", level + 1));
            }
        }
        listing.push_str("-A C6 -p tcp -m recent --rcheck -j LOG\n");
        listing.push_str("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n");
        let ipt = parse_iptables(&listing);
        assert_eq!(ipt.tcp_verdict(22), Verdict::Accept);
        assert!(matches!(ipt.tcp_verdict(80), Verdict::Policy(ref l) if l.contains(":INPUT DROP")));

        let mut rules = String::new();
        for level in 0..6 {
            rules.push_str(&format!(r#",{{"chain":{{"family":"inet","table":"t","name":"c{level}"}}}}"#));
            for _ in 0..10 {
                rules.push_str(&format!(
                    r#",{{"rule":{{"family":"inet","table":"t","chain":"c{level}","expr":[{{"match":{{"op":"==","left":{{"meta":{{"key":"mark"}}}},"right":1}}}},{{"jump":{{"target":"c{}"}}}}]}}}}"#,
                    level + 1
                ));
            }
        }
        let nft = format!(
            r#"{{"nftables":[{{"chain":{{"family":"inet","table":"t","name":"input","type":"filter","hook":"input","prio":0,"policy":"drop"}}}}{rules},{{"rule":{{"family":"inet","table":"t","chain":"input","expr":[{{"match":{{"op":"==","left":{{"meta":{{"key":"mark"}}}},"right":1}}}},{{"jump":{{"target":"c0"}}}}]}}}},{{"rule":{{"family":"inet","table":"t","chain":"input","expr":[{{"match":{{"op":"==","left":{{"payload":{{"protocol":"tcp","field":"dport"}}}},"right":22}}}},{{"accept":null}}]}}}}]}}"#
        );
        let nft = parse_nft(&nft).unwrap();
        assert_eq!(nft.tcp_verdict(22), Verdict::Accept);
        assert!(matches!(nft.tcp_verdict(80), Verdict::Policy(_)));
    }

    /// Found by fuzzing (fuzz/campaign.sh, target `iptables`): rules that jump back to their
    /// own chain made the walk branch at every level, 16 deep, which never ended. The walk now
    /// walks each chain once per depth; past the depth cap the policy decides.
    #[test]
    fn jumps_that_branch_and_loop_end() {
        let mut listing = String::from("*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n-A INPUT -p tcp -j A\n");
        for _ in 0..30 {
            listing.push_str("-A A -p tcp -m multiport -j A\n-A A -p tcp -j INPUT\n");
        }
        listing.push_str("COMMIT\n");
        let v = parse_iptables(&listing).tcp_verdict(22);
        assert!(matches!(v, Verdict::Policy(ref l) if l.contains(":INPUT DROP")), "{v:?}");
        // The input the fuzzer found, as it found it.
        let found = "*filter\n:TABLIShED -j INPUT -p tcp N UTPNDEPT\n\
            -A INPUT -p tcp -mPUT -p tcp -m multipo-ctstate RELATED,ESTABLIShED -j INPUT -p tcp N UTPNDEPT\n\
            -A INPUT -p tcp -m tcINPUhED -j INPUT -p tcp N UTPNDEPT DROP [0:0]\n\
            :FORWARD ACC\0\u{85}T [OPD,ESTABLIShED -j INPUT -p tcp N UTPNDEPT\n\
            -A INPUT -p tcp -m tcINPUhED -j INPUT -p tcp N UTPNDEPT DROP [0:0]\n";
        let _ = parse_iptables(found).tcp_verdict(22);
        let mut rules = String::new();
        for _ in 0..30 {
            rules.push_str(r#",{"rule":{"family":"ip","table":"t","chain":"c","expr":[{"jump":{"target":"c"}}]}}"#);
        }
        let nft = format!(
            r#"{{"nftables":[{{"chain":{{"family":"ip","table":"t","name":"c","type":"filter","hook":"input","prio":0,"policy":"drop"}}}}{rules}]}}"#
        );
        let v = parse_nft(&nft).unwrap().tcp_verdict(22);
        assert!(matches!(v, Verdict::Policy(_)), "{v:?}");
    }
}
