//! Network interfaces as the kernel shows them in /sys/class/net (state, carrier, MTU, error
//! counters, physical or virtual) with their addresses: IPv4 from `ip -4 -j addr show` on the
//! live system, else (`--root`, no `ip`) from /proc/net/fib_trie (local addresses, matched to an
//! interface by the routing table: ambiguous when two interfaces share a subnet), IPv6 from
//! /proc/net/if_inet6. Passive: no packets.
//!
//! Several NICs in one subnet (a secondary ENI attached to the same vSwitch): the main table
//! sends the whole subnet out of one of them, so replies to traffic that arrives on another
//! leave through the wrong NIC (dropped by reverse-path filtering or the platform's source
//! checks) unless a policy rule gives that NIC's address a table of its own. On the live
//! system the rules and tables come from `ip -j rule show` and `ip -j route show table all`;
//! without them (no `ip`, or `--root`) that judgement is left out.

use super::routes::{Ipv4Route, parse_ipv4};
use crate::host::Host;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("operstate", "the kernel's operational state (up, down, dormant, ...)"),
    Field::flag("admin_up", "1 when the interface is switched on (IFF_UP)"),
    Field::num("carrier", "", "1 with a link, 0 without (the cable or the virtual NIC's peer is gone)"),
    Field::flag("physical", "1 for a NIC (not loopback, bridge, veth or tunnel)"),
    Field::flag("primary", "1 for the interface of the default route"),
    Field::num("mtu", "bytes", "the interface's MTU"),
    Field::num("rx_packets", "", "packets received"),
    Field::num("tx_packets", "", "packets sent"),
    Field::num("rx_errors", "", "receive errors"),
    Field::num("tx_errors", "", "transmit errors"),
    Field::num("rx_dropped", "", "received packets dropped"),
    Field::num("tx_dropped", "", "packets dropped on sending"),
    Field::num("error_percent", "%", "errors as a share of packets"),
    Field::text("ipv4_addresses", "the IPv4 addresses, or none"),
    Field::num("usable_ipv4_count", "", "IPv4 addresses that are not link-local"),
    Field::flag("link_local_only", "1 when the only IPv4 address is link-local (169.254/16): DHCP failed"),
    Field::num("ipv6_global_count", "", "global IPv6 addresses"),
    Field::text("same_subnet_peers", "other interfaces in the same subnet"),
    Field::num("same_subnet_count", "", "how many"),
    Field::text("subnet_route_iface", "the interface the subnet's route leaves by"),
    Field::flag("asymmetric", "1 when replies to this interface's address leave by another interface"),
];

const IFF_UP: u32 = 0x1;

/// Local IPv4 addresses: a leaf `|-- A.B.C.D` followed by `/32 host LOCAL`.
pub fn local_ipv4(fib_trie: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in fib_trie.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.trim().parse().ok();
        } else if t.starts_with("/32 host LOCAL")
            && let Some(a) = last.filter(|a| !a.is_loopback() && !out.contains(a))
        {
            out.push(a);
        }
    }
    out
}

/// Global-scope IPv6 addresses per interface from /proc/net/if_inet6 (scope 00 is global).
fn global_ipv6(if_inet6: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in if_inet6.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 6 && f[3] == "00" {
            *out.entry(f[5].to_string()).or_insert(0) += 1;
        }
    }
    out
}

/// The interface an address belongs to: the most specific non-default route containing it.
fn iface_of(addr: Ipv4Addr, routes: &[Ipv4Route]) -> Option<String> {
    routes
        .iter()
        .filter(|r| r.is_usable() && !r.is_default() && r.contains(addr))
        .max_by_key(|r| u32::from(r.mask).count_ones())
        .map(|r| r.iface.clone())
}

/// A policy routing rule that sends traffic from `src` (an address or prefix) to `table`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub src: Ipv4Addr,
    pub src_len: u32,
    pub table: String,
    pub line: String,
}

/// `ip -4 -j rule show`: the rules with a source address; the standard tables are left out.
pub fn parse_rules(json: &str) -> Option<Vec<Rule>> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let mut out = Vec::new();
    for r in v.as_array()? {
        let table = r["table"].as_str().map(str::to_string).or_else(|| r["table"].as_u64().map(|n| n.to_string()));
        let (Some(src), Some(table)) = (r["src"].as_str().and_then(|s| s.parse::<Ipv4Addr>().ok()), table) else {
            continue;
        };
        if matches!(table.as_str(), "local" | "main" | "default" | "253" | "254" | "255") {
            continue;
        }
        let src_len = r["srclen"].as_u64().map_or(32, |n| n.min(32) as u32);
        let prio = r["priority"].as_u64().map(|p| format!("{p}: ")).unwrap_or_default();
        let line = format!("ip rule: {prio}from {src}/{src_len} lookup {table}");
        out.push(Rule { src, src_len, table, line });
    }
    Some(out)
}

/// `ip -4 -j route show table all`: (table, device) of every route outside the main table.
pub fn parse_table_routes(json: &str) -> Option<Vec<(String, String)>> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    Some(
        v.as_array()?
            .iter()
            .filter_map(|r| {
                let table =
                    r["table"].as_str().map(str::to_string).or_else(|| r["table"].as_u64().map(|n| n.to_string()))?;
                Some((table, r["dev"].as_str()?.to_string()))
            })
            .filter(|(t, _)| !matches!(t.as_str(), "local" | "main" | "default" | "253" | "254" | "255"))
            .collect(),
    )
}

/// Policy rules and the (table, device) of the routes outside the main table.
type Policy = (Vec<Rule>, Vec<(String, String)>);

/// `ip -4 -j addr show`: the IPv4 addresses of each interface.
pub fn parse_addrs(json: &str) -> Option<BTreeMap<String, Vec<Ipv4Addr>>> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let mut out: BTreeMap<String, Vec<Ipv4Addr>> = BTreeMap::new();
    for link in v.as_array()? {
        let Some(name) = link["ifname"].as_str() else { continue };
        for a in link["addr_info"].as_array().into_iter().flatten() {
            if let Some(ip) =
                a["local"].as_str().and_then(|l| l.parse::<Ipv4Addr>().ok()).filter(|ip| !ip.is_loopback())
            {
                out.entry(name.to_string()).or_default().push(ip);
            }
        }
    }
    Some(out)
}

/// What `ip` tells about the live system: the addresses of each interface (exact even when two
/// interfaces share a subnet, which /proc cannot tell apart), and the policy routing, or why not.
struct IpView {
    addrs: Option<BTreeMap<String, Vec<Ipv4Addr>>>,
    policy: Result<Policy, String>,
}

/// The JSON an `ip -j ...` command printed, or why there is none. iproute2 before 4.14 has no
/// `-j` (CentOS 7's 3.10: `Option "-j" is unknown`, exit 255), and before 4.17 `ip -j rule` and
/// `ip -j route` print their usual text (Ubuntu 18.04's 4.15): neither is read as JSON.
pub fn ip_json(shown: &str, out: Result<crate::host::command::Output, String>) -> Result<String, String> {
    let out = out.map_err(|e| format!("`{shown}`: {e}"))?;
    if out.code != Some(0) {
        // What the examined system printed: no control characters, one short line.
        let first: String =
            out.stderr.lines().next().unwrap_or("").trim().chars().filter(|c| !c.is_control()).take(200).collect();
        if first.contains("\"-j\"") || first.contains("\"-json\"") {
            return Err(format!("this `ip` has no JSON output (`{shown}`: {first}; iproute2 4.14 or later has it)"));
        }
        let status = out.code.map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        return Err(format!("`{shown}` failed (exit {status}): {first}"));
    }
    if !out.stdout.trim_start().starts_with('[') {
        return Err(format!("this `ip` printed text, not JSON, for `{shown}` (iproute2 before 4.17)"));
    }
    Ok(out.stdout)
}

fn ip_view(ctx: &ProbeContext) -> IpView {
    if !ctx.host.is_live() {
        return IpView { addrs: None, policy: Err("not the live system".into()) };
    }
    let Some(ip) = crate::host::command::find("ip") else {
        return IpView { addrs: None, policy: Err("no `ip` program".into()) };
    };
    let limit = Duration::from_secs(2);
    let run = |args: &[&str]| {
        let shown = format!("ip {}", args.join(" "));
        ip_json(&shown, crate::host::command::run(&ip, args, limit, ctx.deadline)).map(|j| (shown, j))
    };
    let unreadable = |(shown, _): &(String, String)| format!("`{shown}` printed JSON it cannot read");
    let addrs = run(&["-4", "-j", "addr", "show"]).ok().and_then(|(_, j)| parse_addrs(&j));
    let rules = run(&["-4", "-j", "rule", "show"]).and_then(|r| parse_rules(&r.1).ok_or_else(|| unreadable(&r)));
    let routes = run(&["-4", "-j", "route", "show", "table", "all"])
        .and_then(|r| parse_table_routes(&r.1).ok_or_else(|| unreadable(&r)));
    IpView { addrs, policy: rules.and_then(|r| routes.map(|t| (r, t))) }
}

/// Whether a rule sends traffic from one of `addrs` to a table with a route out of `iface`.
fn own_table<'a>(iface: &str, addrs: &[Ipv4Addr], rules: &'a [Rule], routes: &[(String, String)]) -> Option<&'a Rule> {
    rules.iter().find(|r| {
        let mask = if r.src_len == 0 { 0 } else { u32::MAX << (32 - r.src_len) };
        addrs.iter().any(|a| u32::from(*a) & mask == u32::from(r.src) & mask)
            && routes.iter().any(|(t, dev)| *t == r.table && dev == iface)
    })
}

/// The interface the main table sends `addr`'s subnet out of: the most specific usable route
/// (lowest metric, then first listed) that holds it.
fn route_iface(addr: Ipv4Addr, routes: &[Ipv4Route]) -> Option<&Ipv4Route> {
    routes
        .iter()
        .filter(|r| r.is_usable() && !r.is_default() && r.contains(addr))
        .min_by_key(|r| (std::cmp::Reverse(u32::from(r.mask).count_ones()), r.metric))
}

fn read_num(host: &Host, path: &str) -> Option<f64> {
    host.read_line(path)?.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let host = &ctx.host;
    if let Some(skip) = ctx.kernel_state_absent("/sys/class/net") {
        return Err(skip);
    }
    let names: Vec<String> = host
        .list_dir("/sys/class/net")
        .map_err(|e| ProbeError::io("/sys/class/net", &e))?
        .into_iter()
        .filter(|n| n != "lo" && !n.starts_with('.'))
        .collect();
    if names.is_empty() {
        return Err(ProbeError::failed("ENOENT", Said::new(Msg::FailNoInterfaces)));
    }
    let mut bad = Vec::new();
    let routes = host
        .read_optional("/proc/net/route")
        .ok()
        .flatten()
        .map(|f| parse_ipv4("/proc/net/route", &f.text, &mut bad))
        .unwrap_or_default();
    let view = ip_view(ctx);
    let mut v4: BTreeMap<String, Vec<Ipv4Addr>> = view.addrs.clone().unwrap_or_default();
    let addr_source = if view.addrs.is_some() { "ip -4 addr" } else { "/proc/net/fib_trie" };
    if view.addrs.is_none()
        && let Ok(Some(trie)) = host.read_optional("/proc/net/fib_trie")
    {
        for a in local_ipv4(&trie.text) {
            v4.entry(iface_of(a, &routes).unwrap_or_default()).or_default().push(a);
        }
    }
    let v6 = host.read_optional("/proc/net/if_inet6").ok().flatten().map(|f| global_ipv6(&f.text)).unwrap_or_default();
    let physical = |n: &str| host.path(format!("/sys/class/net/{n}/device")).exists();
    // The primary interface carries the default route; without one, the first physical interface.
    let primary = routes
        .iter()
        .filter(|r| r.is_default())
        .min_by_key(|r| r.metric)
        .map(|r| r.iface.clone())
        .or_else(|| names.iter().find(|n| physical(n)).cloned())
        .or_else(|| names.first().cloned())
        .unwrap_or_default();

    let mut items = Vec::new();
    for name in &names {
        let base = format!("/sys/class/net/{name}");
        let mut o = Observation::new(name).flag("physical", physical(name)).flag("primary", *name == primary);
        if let Some(state) = host.read_line(&format!("{base}/operstate")) {
            o = o.evidence(format!("{base}/operstate: {state}")).text("operstate", state);
        }
        if let Some(flags) = host.read_line(&format!("{base}/flags")) {
            let up = u32::from_str_radix(flags.trim_start_matches("0x"), 16).is_ok_and(|f| f & IFF_UP != 0);
            o = o.flag("admin_up", up).field_evidence("admin_up", format!("{base}/flags: {flags}"));
        }
        // Reading carrier fails with EINVAL while the interface is down: then it stays unknown.
        if let Some(carrier) = read_num(host, &format!("{base}/carrier")) {
            o = o.num("carrier", carrier).field_evidence("carrier", format!("{base}/carrier: {carrier}"));
        }
        if let Some(mtu) = read_num(host, &format!("{base}/mtu")) {
            o = o.num("mtu", mtu).field_evidence("mtu", format!("{base}/mtu: {mtu}"));
        }
        let mut counters = BTreeMap::new();
        for c in ["rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped", "tx_dropped"] {
            if let Some(v) = read_num(host, &format!("{base}/statistics/{c}")) {
                counters.insert(c, v);
                o = o.num(c, v);
            }
        }
        let packets = counters.get("rx_packets").unwrap_or(&0.0) + counters.get("tx_packets").unwrap_or(&0.0);
        let errors = counters.get("rx_errors").unwrap_or(&0.0) + counters.get("tx_errors").unwrap_or(&0.0);
        if packets > 0.0 {
            o = o.num("error_percent", (errors * 1000.0 / packets).round() / 10.0);
            o = o.field_evidence(
                "error_percent",
                format!(
                    "{base}/statistics: rx_errors {} tx_errors {} of {packets} packets",
                    counters.get("rx_errors").unwrap_or(&0.0),
                    counters.get("tx_errors").unwrap_or(&0.0)
                ),
            );
        }
        let addrs = v4.get(name).cloned().unwrap_or_default();
        let usable: Vec<_> = addrs.iter().filter(|a| !a.is_link_local()).collect();
        let list = addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
        o = o
            .text("ipv4_addresses", if list.is_empty() { "none".to_string() } else { list.clone() })
            .num("usable_ipv4_count", usable.len() as f64)
            .flag("link_local_only", !addrs.is_empty() && usable.is_empty())
            .num("ipv6_global_count", *v6.get(name).unwrap_or(&0) as f64);
        let addr_line = format!("{addr_source}: {name}: {}", if list.is_empty() { "no IPv4 address" } else { &list });
        o = o.field_evidence("usable_ipv4_count", addr_line.clone()).field_evidence("link_local_only", addr_line);
        o = same_subnet(o, name, &usable, &v4, &routes, view.policy.as_ref());
        items.push(o);
    }
    Ok(Observations::of(items))
}

/// The other interfaces holding an address in the subnet of `name`'s addresses, where the main
/// table sends that subnet, and whether replies would leave through another NIC.
fn same_subnet(
    mut o: Observation,
    name: &str,
    usable: &[&Ipv4Addr],
    v4: &BTreeMap<String, Vec<Ipv4Addr>>,
    routes: &[Ipv4Route],
    policy: Result<&Policy, &String>,
) -> Observation {
    let mut peers: Vec<&str> = Vec::new();
    let mut elsewhere: Option<&Ipv4Route> = None;
    for a in usable {
        // The subnet: the connected route out of this interface that holds the address.
        let Some(own) = routes
            .iter()
            .filter(|r| r.iface == name && r.is_usable() && !r.is_default() && r.contains(**a))
            .max_by_key(|r| u32::from(r.mask).count_ones())
        else {
            continue;
        };
        for (other, addrs) in v4 {
            if other != name
                && !peers.contains(&other.as_str())
                && addrs.iter().any(|b| !b.is_link_local() && own.contains(*b))
            {
                peers.push(other);
            }
        }
        if let Some(main) = route_iface(**a, routes).filter(|r| r.iface != name) {
            elsewhere = Some(main);
        }
    }
    if peers.is_empty() {
        return o.num("same_subnet_count", 0.0);
    }
    o = o.num("same_subnet_count", peers.len() as f64).text("same_subnet_peers", peers.join(", "));
    let Some(main) = elsewhere else {
        return o.text("subnet_route_iface", name).flag("asymmetric", false);
    };
    o = o.text("subnet_route_iface", main.iface.clone());
    let route_line = format!(
        "/proc/net/route: {}/{} dev {} metric {} (the main table sends the subnet out of {})",
        main.dest,
        u32::from(main.mask).count_ones(),
        main.iface,
        main.metric,
        main.iface
    );
    let addrs: Vec<Ipv4Addr> = usable.iter().map(|a| **a).collect();
    match policy {
        Ok((rules, tables)) => match own_table(name, &addrs, rules, tables) {
            Some(rule) => o.flag("asymmetric", false).field_evidence("asymmetric", rule.line.clone()),
            None => o.flag("asymmetric", true).field_evidence("asymmetric", route_line).field_evidence(
                "asymmetric",
                format!(
                    "ip rule: no rule sends traffic from {} to a table of its own",
                    addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
                ),
            ),
        },
        Err(why) => o.evidence(format!("{route_line}; policy rules not read: {why}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(code: i32, stdout: &str, stderr: &str) -> Result<crate::host::command::Output, String> {
        Ok(crate::host::command::Output { code: Some(code), stdout: stdout.into(), stderr: stderr.into() })
    }

    /// What old iproute2 versions print for the `ip -j` commands (the messages as in iproute2's
    /// ip/ip.c and ip/iprule.c of those versions): never read as JSON, and the evidence says why.
    #[test]
    fn ip_without_json_falls_back_and_says_why() {
        // CentOS 7, Alibaba Cloud Linux 2: iproute2 3.10 has no -j at all.
        let why = ip_json("ip -4 -j addr show", ran(255, "", "Option \"-j\" is unknown, try \"ip -help\".\n"))
            .expect_err("no JSON");
        assert!(why.contains("no JSON output") && why.contains("4.14"), "{why}");
        // Ubuntu 18.04: iproute2 4.15 has `ip -j addr` (a `{}` for each interface without IPv4)
        // but prints text for rules and routes.
        let addrs = ip_json(
            "ip -4 -j addr show",
            ran(0, r#"[{},{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"pfifo_fast","operstate":"UP","group":"default","txqlen":1000,"addr_info":[{"family":"inet","local":"172.16.0.5","prefixlen":24,"broadcast":"172.16.0.255","scope":"global","dynamic":true,"label":"eth0","valid_life_time":315359999,"preferred_life_time":315359999}]}]"#, ""),
        )
        .expect("JSON");
        let addrs = parse_addrs(&addrs).expect("parsed");
        assert_eq!(addrs.get("eth0"), Some(&vec!["172.16.0.5".parse::<Ipv4Addr>().expect("addr")]));
        let rules = "0:\tfrom all lookup local \n32766:\tfrom all lookup main \n32767:\tfrom all lookup default \n";
        let why = ip_json("ip -4 -j rule show", ran(0, rules, "")).expect_err("text");
        assert!(why.contains("printed text, not JSON") && why.contains("4.17"), "{why}");
        let routes = "default via 172.16.0.1 dev eth0 proto dhcp metric 100 \n172.16.0.0/24 dev eth0 proto kernel scope link src 172.16.0.5 \n";
        assert!(ip_json("ip -4 -j route show table all", ran(0, routes, "")).is_err());
        // Even if such text reached the parsers, it would not be read as rules or routes.
        assert_eq!(parse_rules(rules), None);
        assert_eq!(parse_table_routes(routes), None);
        // Other failures keep the first line of stderr, without control characters.
        let why =
            ip_json("ip -4 -j rule show", ran(2, "", "RTNETLINK answers: \x1b[31mInvalid\n")).expect_err("failed");
        assert!(why.contains("status 2") && why.contains("Invalid") && !why.contains('\x1b'), "{why}");
        // Debian 11 (iproute2 5.10, recorded): JSON rules, none of them a policy rule of its own.
        let json = r#"[{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]"#;
        let json = ip_json("ip -4 -j rule show", ran(0, json, "")).expect("JSON");
        assert_eq!(parse_rules(&json).map(|r| r.len()), Some(0));
    }

    #[test]
    fn local_addresses_from_fib_trie() {
        let trie = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     |-- 127.0.0.1\n        /32 host LOCAL\n     |-- 172.16.0.10\n        /32 host LOCAL\n     |-- 172.16.15.255\n        /32 link BROADCAST\nLocal:\n     |-- 172.16.0.10\n        /32 host LOCAL\n     |-- garbage\n        /32 host LOCAL\n";
        assert_eq!(local_ipv4(trie), vec![Ipv4Addr::new(172, 16, 0, 10)]);
    }

    #[test]
    fn policy_rules_and_tables() {
        let rules = parse_rules(r#"[{"priority":0,"src":"all","table":"local"},{"priority":100,"src":"10.0.1.11","table":"1001"},{"priority":101,"src":"10.0.2.0","srclen":24,"table":"eni2"},{"priority":32766,"src":"all","table":"main"}]"#).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].line, "ip rule: 100: from 10.0.1.11/32 lookup 1001");
        let routes = parse_table_routes(r#"[{"dst":"default","gateway":"10.0.1.253","dev":"eth1","table":"1001"},{"dst":"10.0.1.0/24","dev":"eth0","protocol":"kernel"},{"dst":"default","dev":"eth2","table":"eni2"}]"#).unwrap();
        assert_eq!(routes, vec![("1001".to_string(), "eth1".to_string()), ("eni2".to_string(), "eth2".to_string())]);
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        assert!(own_table("eth1", &[a("10.0.1.11")], &rules, &routes).is_some());
        assert!(own_table("eth1", &[a("10.0.1.12")], &rules, &routes).is_none());
        assert!(own_table("eth2", &[a("10.0.2.7")], &rules, &routes).is_some());
        assert!(own_table("eth0", &[a("10.0.1.10")], &rules, &routes).is_none());
        assert!(parse_rules("garbage").is_none());
        let addrs = parse_addrs(r#"[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},{"ifname":"eth0","addr_info":[{"local":"10.0.1.10","prefixlen":24}]},{"ifname":"eth1","addr_info":[{"local":"10.0.1.11","prefixlen":24},{"local":"bad"}]}]"#).unwrap();
        assert_eq!(addrs.len(), 2);
        assert_eq!(addrs["eth1"], vec![a("10.0.1.11")]);
    }

    #[test]
    fn global_ipv6_counts_scope_zero_only() {
        let t = "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\nfd000000000000000000000000000002 04 40 00 82     eth0\nbad line\n";
        assert_eq!(global_ipv6(t).get("eth0"), Some(&1));
    }
}
