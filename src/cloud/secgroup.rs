//! How Alibaba Cloud's security groups decide an inbound TCP packet (shared/platform/
//! alibaba-cloud.md): the ingress rules of every group of the NIC are taken together; among the
//! rules that match the packet the one with the highest priority (lowest number, 1..100)
//! decides; at equal priority Drop beats Accept; when no rule matches, the packet is dropped.
//!
//! A rule that admits the members of another security group (`SourceGroupId`) or the addresses
//! of a prefix list (`SourcePrefixListId`) cannot be judged from an address: the API does not
//! say who is a member. When such a rule could change the outcome, the verdict says so rather
//! than guess.

use std::net::IpAddr;

/// Accept or Drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Policy {
    // Drop first: at equal priority it wins.
    Drop,
    Accept,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Policy::Accept => "Accept",
            Policy::Drop => "Drop",
        }
    }
}

/// One ingress rule of a security group, as `DescribeSecurityGroupAttribute` gives it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rule {
    /// The security group the rule belongs to.
    pub group: String,
    pub rule_id: Option<String>,
    /// `ingress` or `egress`.
    pub direction: String,
    /// TCP, UDP, ICMP, GRE, ALL.
    pub protocol: String,
    /// `22/22`, `1/65535`, `-1/-1` (all).
    pub port_range: String,
    pub source_cidr: Option<String>,
    pub source_cidr_v6: Option<String>,
    pub source_group: Option<String>,
    pub source_prefix_list: Option<String>,
    pub policy: Option<Policy>,
    /// 1 (highest) .. 100.
    pub priority: u32,
    pub description: Option<String>,
}

/// A source address range: `10.0.0.0/8`, `0.0.0.0/0`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub len: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (a, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = len.unwrap_or(max);
        (len <= max).then_some(Cidr { addr, len })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn bits(ip: IpAddr) -> u128 {
            match ip {
                IpAddr::V4(v) => u32::from(v) as u128,
                IpAddr::V6(v) => u128::from(v),
            }
        }
        if self.addr.is_ipv4() != ip.is_ipv4() {
            return false;
        }
        let width = if ip.is_ipv4() { 32 } else { 128 };
        if self.len == 0 {
            return true;
        }
        let shift = width - self.len as u32;
        (bits(self.addr) >> shift) == (bits(ip) >> shift)
    }

    /// Every address of its family.
    pub fn is_everything(&self) -> bool {
        self.len == 0
    }
}

/// Where the packet comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Any address on the internet (IPv4): the question "can anyone reach it?".
    Anywhere,
    /// Any address on the internet over IPv6 (`::/0`, a rule's `Ipv6SourceCidrIp`): the same
    /// question for an instance with an IPv6 address.
    AnywhereV6,
    /// One address (`--from ADDR`).
    Addr(IpAddr),
}

impl Source {
    /// As written in a rule's source field: `0.0.0.0/0` or `203.0.113.7/32`.
    pub fn cidr_text(&self) -> String {
        match self {
            Source::Anywhere => "0.0.0.0/0".into(),
            Source::AnywhereV6 => "::/0".into(),
            Source::Addr(a @ IpAddr::V4(_)) => format!("{a}/32"),
            Source::Addr(a) => format!("{a}/128"),
        }
    }

    /// Anyone, over IPv4 or IPv6: not one address.
    pub fn is_anywhere(&self) -> bool {
        matches!(self, Source::Anywhere | Source::AnywhereV6)
    }

    /// For people: `anywhere` or the address.
    pub fn describe(&self) -> String {
        match self {
            Source::Anywhere => "anywhere (0.0.0.0/0)".into(),
            Source::AnywhereV6 => "anywhere over IPv6 (::/0)".into(),
            Source::Addr(a) => a.to_string(),
        }
    }
}

/// Whether a rule's source takes in the packet's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Takes {
    Yes,
    No,
    /// Some addresses only (a narrower CIDR, when the question is "anyone").
    Some,
    /// Members of a group or a prefix list: not knowable from an address.
    Unknown,
}

fn port_range(spec: &str) -> Option<(i32, i32)> {
    let (a, b) = spec.trim().split_once('/')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

impl Rule {
    fn policy(&self) -> Policy {
        self.policy.unwrap_or(Policy::Accept)
    }

    fn is_ingress(&self) -> bool {
        self.direction.is_empty() || self.direction.eq_ignore_ascii_case("ingress")
    }

    /// Whether the rule covers TCP to `port`.
    pub fn covers(&self, port: u16) -> bool {
        let proto = self.protocol.trim();
        if !(proto.eq_ignore_ascii_case("tcp") || proto.eq_ignore_ascii_case("all")) {
            return false;
        }
        match port_range(&self.port_range) {
            Some((-1, -1)) => true,
            Some((lo, hi)) => (lo..=hi).contains(&(port as i32)),
            // ALL without a usable range covers every port; a TCP rule with garbage covers none.
            None => proto.eq_ignore_ascii_case("all"),
        }
    }

    fn nonempty(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    fn takes(&self, source: Source) -> Takes {
        if Rule::nonempty(&self.source_group).is_some() || Rule::nonempty(&self.source_prefix_list).is_some() {
            return Takes::Unknown;
        }
        let cidrs: Vec<Cidr> = [&self.source_cidr, &self.source_cidr_v6]
            .into_iter()
            .filter_map(Rule::nonempty)
            .filter_map(Cidr::parse)
            .collect();
        match source {
            Source::Anywhere | Source::AnywhereV6 => {
                let v4 = source == Source::Anywhere;
                let family: Vec<&Cidr> = cidrs.iter().filter(|c| c.addr.is_ipv4() == v4).collect();
                if family.iter().any(|c| c.is_everything()) {
                    Takes::Yes
                } else if family.is_empty() {
                    Takes::No
                } else {
                    Takes::Some
                }
            }
            Source::Addr(a) => {
                if cidrs.iter().any(|c| c.contains(a)) {
                    Takes::Yes
                } else {
                    Takes::No
                }
            }
        }
    }

    /// The rule as the console shows it: `sgr-1 in sg-1: Drop TCP 22/22 from 0.0.0.0/0,
    /// priority 1 ("ops")`. Text from the API is stripped of control characters.
    pub fn describe(&self) -> String {
        let clean = |s: &str| s.chars().filter(|c| !c.is_control()).take(120).collect::<String>();
        let from = if let Some(g) = Rule::nonempty(&self.source_group) {
            format!("members of security group {}", clean(g))
        } else if let Some(p) = Rule::nonempty(&self.source_prefix_list) {
            format!("prefix list {}", clean(p))
        } else {
            let c: Vec<String> =
                [&self.source_cidr, &self.source_cidr_v6].into_iter().filter_map(Rule::nonempty).map(clean).collect();
            if c.is_empty() { "no source".into() } else { c.join(" and ") }
        };
        let id = Rule::nonempty(&self.rule_id).map(|r| format!("rule {} in ", clean(r))).unwrap_or_default();
        let desc = Rule::nonempty(&self.description).map(|d| format!(" (\"{}\")", clean(d))).unwrap_or_default();
        format!(
            "{id}{}: {} {} {} from {from}, priority {}{desc}",
            clean(&self.group),
            self.policy().name(),
            clean(self.protocol.trim()).to_ascii_uppercase(),
            clean(self.port_range.trim()),
            self.priority
        )
    }
}

/// How the groups decide a new TCP connection to one port.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A rule admits it.
    Accept(Rule),
    /// A Drop rule decides.
    Drop(Rule),
    /// No rule matches: dropped by default.
    NoRule,
    /// Anyone (no `--from`): no rule admits every address, but these admit some (narrower
    /// address ranges, group members, prefix lists).
    Restricted(Vec<Rule>),
    /// The outcome depends on these rules by source group or prefix list; `then` is what
    /// decides when the packet's source is not one of theirs.
    Unknown { rules: Vec<Rule>, otherwise: Box<Verdict> },
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Accept(_) => "accept",
            Verdict::Drop(_) => "drop",
            Verdict::NoRule => "no-rule",
            Verdict::Restricted(_) => "restricted",
            Verdict::Unknown { .. } => "unknown",
        }
    }
}

/// The ingress rules that apply to TCP `port`, in the order the platform weighs them:
/// priority, then Drop before Accept.
fn candidates(rules: &[Rule], port: u16) -> Vec<&Rule> {
    let mut c: Vec<&Rule> = rules.iter().filter(|r| r.is_ingress() && r.covers(port)).collect();
    c.sort_by_key(|r| (r.priority, r.policy()));
    c
}

/// Decides a new inbound TCP connection to `port` from `source` under `rules` (all the rules of
/// all the groups of the NIC).
pub fn evaluate(rules: &[Rule], port: u16, source: Source) -> Verdict {
    let c = candidates(rules, port);
    let mut unknown: Vec<&Rule> = Vec::new();
    let mut decided = Verdict::NoRule;
    for r in &c {
        match r.takes(source) {
            Takes::Yes => {
                decided = match r.policy() {
                    Policy::Accept => Verdict::Accept((*r).clone()),
                    Policy::Drop => Verdict::Drop((*r).clone()),
                };
                break;
            }
            Takes::Unknown => unknown.push(r),
            Takes::No | Takes::Some => {}
        }
    }
    let decided_policy = match &decided {
        Verdict::Accept(_) => Policy::Accept,
        _ => Policy::Drop,
    };
    // A group or prefix-list rule weighed before the decision that would decide otherwise.
    let swaying: Vec<Rule> = unknown.iter().filter(|r| r.policy() != decided_policy).map(|r| (*r).clone()).collect();
    if source.is_anywhere() && decided_policy == Policy::Drop {
        // Not open to everyone: admitted to some sources? Only Accept rules that are not already
        // outranked by the deciding Drop rule count.
        let limit = match &decided {
            Verdict::Drop(d) => Some((d.priority, d.policy())),
            _ => None,
        };
        let some: Vec<Rule> = c
            .iter()
            .filter(|r| r.policy() == Policy::Accept)
            .filter(|r| matches!(r.takes(source), Takes::Some | Takes::Unknown))
            .filter(|r| limit.is_none_or(|l| (r.priority, r.policy()) < l))
            .map(|r| (*r).clone())
            .collect();
        if !some.is_empty() {
            return if some.iter().all(|r| r.takes(source) == Takes::Unknown) {
                Verdict::Unknown { rules: some, otherwise: Box::new(decided) }
            } else {
                Verdict::Restricted(some)
            };
        }
        return decided;
    }
    if swaying.is_empty() { decided } else { Verdict::Unknown { rules: swaying, otherwise: Box::new(decided) } }
}

/// The inbound rule `port` needs so that `source` gets in, given what decides now: in the
/// console's terms (direction, policy, protocol, port range, source, priority).
pub fn needed_rule(port: u16, source: Source, verdict: &Verdict) -> String {
    // The rule itself in backticks: console vocabulary, the same in every language.
    let base =
        |priority: u32| format!("`inbound Accept TCP {port}/{port} from {}, priority {priority}`", source.cidr_text());
    match verdict {
        Verdict::Drop(d) if d.priority <= 1 => format!(
            "remove or narrow {} (no Accept rule can outrank a Drop rule of priority 1), or add {} to admit it",
            d.describe(),
            base(1)
        ),
        Verdict::Drop(d) => format!("{} (outranks the Drop rule of priority {})", base(d.priority - 1), d.priority),
        Verdict::Unknown { otherwise, .. } => needed_rule(port, source, otherwise),
        _ => base(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(group: &str, proto: &str, ports: &str, src: &str, policy: Policy, priority: u32) -> Rule {
        let mut r = Rule {
            group: group.into(),
            rule_id: Some(format!("sgr-{priority}-{}", policy.name())),
            direction: "ingress".into(),
            protocol: proto.into(),
            port_range: ports.into(),
            policy: Some(policy),
            priority,
            ..Default::default()
        };
        if let Some(g) = src.strip_prefix("sg:") {
            r.source_group = Some(g.into());
        } else if let Some(p) = src.strip_prefix("pl:") {
            r.source_prefix_list = Some(p.into());
        } else if src.contains(':') {
            r.source_cidr_v6 = Some(src.into());
        } else {
            r.source_cidr = Some(src.into());
        }
        r
    }
    use Policy::{Accept, Drop};
    const ANY: Source = Source::Anywhere;
    fn from(a: &str) -> Source {
        Source::Addr(a.parse().unwrap())
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.9.8.7".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("203.0.113.9".parse().unwrap()));
        assert!(Cidr::parse("203.0.113.9").unwrap().contains("203.0.113.9".parse().unwrap()));
        assert!(Cidr::parse("2001:db8::/32").unwrap().contains("2001:db8:1::5".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("ten/8").is_none());
    }

    #[test]
    fn port_ranges_and_protocols() {
        assert!(rule("sg", "TCP", "22/22", "0.0.0.0/0", Accept, 1).covers(22));
        assert!(!rule("sg", "TCP", "22/22", "0.0.0.0/0", Accept, 1).covers(23));
        assert!(rule("sg", "tcp", "1/65535", "0.0.0.0/0", Accept, 1).covers(8080));
        assert!(rule("sg", "TCP", "-1/-1", "0.0.0.0/0", Accept, 1).covers(443));
        assert!(rule("sg", "ALL", "-1/-1", "0.0.0.0/0", Accept, 1).covers(22));
        assert!(!rule("sg", "UDP", "22/22", "0.0.0.0/0", Accept, 1).covers(22));
        assert!(!rule("sg", "ICMP", "-1/-1", "0.0.0.0/0", Accept, 1).covers(22));
        assert!(!rule("sg", "TCP", "garbage", "0.0.0.0/0", Accept, 1).covers(22));
    }

    #[test]
    fn default_deny_and_plain_accept() {
        assert_eq!(evaluate(&[], 22, ANY), Verdict::NoRule);
        let only_80 = [rule("sg-a", "TCP", "80/80", "0.0.0.0/0", Accept, 1)];
        assert_eq!(evaluate(&only_80, 22, ANY), Verdict::NoRule);
        assert_eq!(evaluate(&only_80, 80, ANY).name(), "accept");
        // Egress rules do not admit anything.
        let mut out = rule("sg-a", "TCP", "22/22", "0.0.0.0/0", Accept, 1);
        out.direction = "egress".into();
        assert_eq!(evaluate(&[out], 22, ANY), Verdict::NoRule);
    }

    #[test]
    fn priorities_and_drop_over_accept() {
        let accept = rule("sg-a", "TCP", "22/22", "0.0.0.0/0", Accept, 10);
        let drop_high = rule("sg-b", "TCP", "22/22", "0.0.0.0/0", Drop, 5);
        // Rules of several groups are weighed together: the higher priority (lower number) wins.
        assert_eq!(evaluate(&[accept.clone(), drop_high.clone()], 22, ANY), Verdict::Drop(drop_high.clone()));
        let drop_low = rule("sg-b", "TCP", "22/22", "0.0.0.0/0", Drop, 50);
        assert_eq!(evaluate(&[drop_low, accept.clone()], 22, ANY), Verdict::Accept(accept.clone()));
        // Equal priority: Drop beats Accept, whatever the order.
        let drop_eq = rule("sg-a", "TCP", "-1/-1", "0.0.0.0/0", Drop, 10);
        assert_eq!(evaluate(&[accept.clone(), drop_eq.clone()], 22, ANY), Verdict::Drop(drop_eq.clone()));
        assert_eq!(evaluate(&[drop_eq.clone(), accept], 22, ANY), Verdict::Drop(drop_eq));
    }

    #[test]
    fn cidr_sources_from_an_address_and_from_anywhere() {
        let office = rule("sg-a", "TCP", "22/22", "203.0.113.0/24", Accept, 1);
        assert_eq!(evaluate(std::slice::from_ref(&office), 22, from("203.0.113.7")).name(), "accept");
        assert_eq!(evaluate(std::slice::from_ref(&office), 22, from("198.51.100.1")), Verdict::NoRule);
        // Anyone: only some addresses get in.
        assert_eq!(evaluate(std::slice::from_ref(&office), 22, ANY), Verdict::Restricted(vec![office.clone()]));
        // A Drop for one range does not close the port to everyone else.
        let ban = rule("sg-a", "TCP", "22/22", "198.51.100.0/24", Drop, 1);
        let open = rule("sg-a", "TCP", "22/22", "0.0.0.0/0", Accept, 2);
        assert_eq!(evaluate(&[ban.clone(), open.clone()], 22, ANY), Verdict::Accept(open.clone()));
        assert_eq!(evaluate(&[ban.clone(), open], 22, from("198.51.100.4")), Verdict::Drop(ban));
        // Anyone over IPv6: only `::/0` in the IPv6 field admits everyone; an IPv4 rule does not.
        const ANY6: Source = Source::AnywhereV6;
        let v4_open = rule("sg-a", "TCP", "22/22", "0.0.0.0/0", Accept, 1);
        assert_eq!(evaluate(std::slice::from_ref(&v4_open), 22, ANY6), Verdict::NoRule);
        let v6_open = rule("sg-a", "TCP", "22/22", "::/0", Accept, 1);
        assert_eq!(evaluate(&[v4_open.clone(), v6_open.clone()], 22, ANY6), Verdict::Accept(v6_open.clone()));
        assert_eq!(evaluate(std::slice::from_ref(&v6_open), 22, ANY), Verdict::NoRule, "::/0 is not IPv4");
        let v6_office = rule("sg-a", "TCP", "22/22", "2001:db8::/32", Accept, 1);
        assert_eq!(evaluate(std::slice::from_ref(&v6_office), 22, ANY6).name(), "restricted");
        let v6_drop = rule("sg-b", "TCP", "22/22", "::/0", Drop, 1);
        assert_eq!(evaluate(&[v6_open, v6_drop.clone()], 22, ANY6), Verdict::Drop(v6_drop));
        assert_eq!(needed_rule(22, ANY6, &Verdict::NoRule), "`inbound Accept TCP 22/22 from ::/0, priority 1`");
        // IPv6 sources are matched by their own field.
        let v6 = rule("sg-a", "TCP", "22/22", "2001:db8::/32", Accept, 1);
        assert_eq!(evaluate(std::slice::from_ref(&v6), 22, from("2001:db8::9")).name(), "accept");
        assert_eq!(evaluate(&[v6], 22, from("203.0.113.7")), Verdict::NoRule);
        // An Accept outranked by a Drop for everyone admits no one.
        let drop_all = rule("sg-a", "TCP", "22/22", "0.0.0.0/0", Drop, 1);
        let later = rule("sg-a", "TCP", "22/22", "203.0.113.0/24", Accept, 5);
        assert_eq!(evaluate(&[drop_all.clone(), later], 22, ANY), Verdict::Drop(drop_all));
    }

    #[test]
    fn source_groups_and_prefix_lists_cannot_be_judged() {
        let members = rule("sg-a", "TCP", "22/22", "sg:sg-bastion", Accept, 1);
        match evaluate(std::slice::from_ref(&members), 22, ANY) {
            Verdict::Unknown { rules, otherwise } => {
                assert_eq!(rules, vec![members.clone()]);
                assert_eq!(*otherwise, Verdict::NoRule);
            }
            v => panic!("{v:?}"),
        }
        match evaluate(std::slice::from_ref(&members), 22, from("203.0.113.7")) {
            Verdict::Unknown { otherwise, .. } => assert_eq!(*otherwise, Verdict::NoRule),
            v => panic!("{v:?}"),
        }
        // A prefix-list Drop above an Accept for everyone: it depends on the list.
        let pl = rule("sg-a", "TCP", "22/22", "pl:pl-blocked", Drop, 1);
        let open = rule("sg-a", "TCP", "22/22", "0.0.0.0/0", Accept, 2);
        assert_eq!(evaluate(&[pl.clone(), open.clone()], 22, ANY).name(), "unknown");
        // Below the decision it changes nothing.
        let pl_low = rule("sg-a", "TCP", "22/22", "pl:pl-blocked", Drop, 50);
        assert_eq!(evaluate(&[pl_low, open.clone()], 22, ANY), Verdict::Accept(open.clone()));
        // One that agrees with the decision changes nothing either.
        let same = rule("sg-a", "TCP", "22/22", "sg:sg-x", Accept, 1);
        assert_eq!(evaluate(&[same, open.clone()], 22, ANY), Verdict::Accept(open));
        // Mixed: a CIDR and a group admit some; anyone is restricted.
        let cidr = rule("sg-a", "TCP", "22/22", "10.0.0.0/8", Accept, 1);
        assert_eq!(evaluate(&[members.clone(), cidr.clone()], 22, ANY), Verdict::Restricted(vec![members, cidr]));
    }

    #[test]
    fn the_rule_each_port_needs() {
        let v = evaluate(&[], 22, ANY);
        assert_eq!(needed_rule(22, ANY, &v), "`inbound Accept TCP 22/22 from 0.0.0.0/0, priority 1`");
        let d = rule("sg-b", "TCP", "22/22", "0.0.0.0/0", Drop, 5);
        let v = evaluate(std::slice::from_ref(&d), 22, from("198.51.100.4"));
        assert_eq!(
            needed_rule(22, from("198.51.100.4"), &v),
            "`inbound Accept TCP 22/22 from 198.51.100.4/32, priority 4` (outranks the Drop rule of priority 5)"
        );
        let top = rule("sg-b", "TCP", "-1/-1", "0.0.0.0/0", Drop, 1);
        let v = evaluate(&[top], 8080, ANY);
        let n = needed_rule(8080, ANY, &v);
        assert!(
            n.starts_with("remove or narrow rule sgr-1-Drop in sg-b: Drop TCP -1/-1 from 0.0.0.0/0, priority 1"),
            "{n}"
        );
        let mut evil = d;
        evil.description = Some("ops\u{1b}[31m\nteam".into());
        assert_eq!(
            evil.describe(),
            "rule sgr-5-Drop in sg-b: Drop TCP 22/22 from 0.0.0.0/0, priority 5 (\"ops[31mteam\")"
        );
    }
}
