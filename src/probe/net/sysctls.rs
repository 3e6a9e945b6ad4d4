//! Kernel network settings that break things, as this network namespace holds them now
//! (/proc/sys) with the line of /etc/sysctl.conf or a sysctl.d file that sets each at boot
//! ([`crate::host::sysctl`]). One observation per setting, its subject the sysctl name, with
//! what the judge needs beside the value (how many NICs, policy rules, whether the host routes).
//! Every observation carries the exact repair: the `sysctl -w` command and the file and line to
//! keep it in. Passive: nothing is sent and nothing is changed.

use crate::host::Host;
use crate::host::sysctl::{self, Config};
use crate::i18n::{Msg, Said};
use crate::probe::net::routes::{Ipv4Route, parse_ipv4};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("value", "the value the kernel holds now (/proc/sys)"),
    Field::text("set_at", "the file:line that sets it at boot (sysctl.d order), if any"),
    Field::text("fix_cmd", "the command that repairs it now"),
    Field::text("fix_value", "the value to set"),
    Field::text("fix_file", "where to keep the repaired value so a reboot keeps it"),
    Field::num("tcp_tw_recycle", "", "net.ipv4.tcp_tw_recycle (kernels before 4.12)"),
    Field::num("rp_filter", "", "reverse-path filter in force: 0 off, 1 strict, 2 loose"),
    Field::num("physical_nics", "", "physical network interfaces switched on"),
    Field::num("policy_rules", "", "IPv4 policy routing rules besides the standard ones"),
    Field::num("icmp_echo_ignore_all", "", "net.ipv4.icmp_echo_ignore_all: 1 ignores every ping"),
    Field::num("port_range_size", "", "ephemeral ports in net.ipv4.ip_local_port_range"),
    Field::num("somaxconn", "", "net.core.somaxconn: the largest accept queue a listener gets"),
    Field::num("tcp_max_syn_backlog", "", "net.ipv4.tcp_max_syn_backlog: half-open connections per listener"),
    Field::num("syncookies", "", "net.ipv4.tcp_syncookies: 0 off, 1 when a SYN queue is full, 2 always"),
    Field::flag("listeners_known", "1 when the listeners' backlogs were read (netlink, live system)"),
    Field::text("listener", "the listening socket with the largest backlog"),
    Field::text("process", "the processes holding that socket"),
    Field::num("largest_backlog", "", "the largest backlog a listener has (asked, capped by somaxconn)"),
    Field::num(
        "syn_queue_limit",
        "",
        "half-open connections a listener keeps with tcp_syncookies 0: 3/4 of tcp_max_syn_backlog",
    ),
    Field::flag(
        "syn_backlog_short",
        "1 when SYN cookies are off and tcp_max_syn_backlog drops SYNs below a listener's backlog",
    ),
    Field::num("ip_forward", "", "net.ipv4.ip_forward"),
    Field::flag("routes_traffic", "1 when the host forwards for others (container bridge, VPN, NAT rules)"),
    Field::num("arp_ignore", "", "net.ipv4.conf.all.arp_ignore"),
    Field::num("arp_announce", "", "net.ipv4.conf.all.arp_announce"),
    Field::num("same_subnet_nics", "", "interfaces that share one IPv4 subnet"),
    Field::num("conntrack_memory_percent", "%", "memory a full conntrack table would take (about 320 bytes an entry)"),
];

/// Where a repaired value goes when no file under /etc sets it: named to sort after every
/// other file (and after 99-sysctl.conf, the link to /etc/sysctl.conf).
pub const OVERRIDE_FILE: &str = "/etc/sysctl.d/99-zz-ecs-doctor.conf";
/// What one conntrack entry costs in kernel memory, roughly (struct nf_conn and its slab).
pub const CONNTRACK_ENTRY_BYTES: f64 = 320.0;
/// The share of memory a full conntrack table may take that the repair sizes it to.
pub const CONNTRACK_FIX_PERCENT: f64 = 5.0;
const IFF_UP: u32 = 0x1;
/// Interface names of container bridges, overlays and tunnels: a host with one up forwards.
const ROUTER_IFACES: &[&str] =
    &["docker", "br-", "cni", "flannel", "cali", "vxlan", "tun", "tap", "wg", "ppp", "ipsec", "vti", "virbr", "kube"];

/// The conntrack table size whose full table takes about `percent` of `mem_total` bytes: a
/// multiple of 1024, at least 65536 (the kernel's own floor for small machines).
pub fn conntrack_max_for(mem_total: f64, percent: f64) -> u64 {
    ((mem_total * percent / 100.0 / CONNTRACK_ENTRY_BYTES) as u64 / 1024 * 1024).max(65536)
}

/// The `tcp_max_syn_backlog` that lets a listener's backlog of `largest` fill with SYN cookies
/// off (the kernel keeps three quarters of it half-open): at least 1024, the kernel's default
/// on any machine with some memory, rounded up to a power of two.
pub fn syn_backlog_for(largest: u64) -> u64 {
    largest.saturating_mul(4).div_ceil(3).max(1024).next_power_of_two()
}

/// MemTotal of /proc/meminfo, in bytes.
pub fn mem_total(host: &Host) -> Option<f64> {
    host.read_optional("/proc/meminfo").ok().flatten().and_then(|f| {
        f.text
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|r| r.split_whitespace().next()?.parse::<f64>().ok())
            .map(|kib| kib * 1024.0)
    })
}

/// What the probe read once and every setting shares.
struct Facts {
    config: Config,
    /// Switched-on interfaces other than lo: (name, physical).
    up: Vec<(String, bool)>,
    routes: Vec<Ipv4Route>,
}

fn up_interfaces(host: &Host) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for name in host.list_dir("/sys/class/net").unwrap_or_default() {
        if name == "lo" || name.starts_with('.') {
            continue;
        }
        let flags = host.read_line(&format!("/sys/class/net/{name}/flags"));
        let up =
            flags.is_some_and(|f| u32::from_str_radix(f.trim_start_matches("0x"), 16).is_ok_and(|f| f & IFF_UP != 0));
        if up {
            let physical = host.path(format!("/sys/class/net/{name}/device")).exists();
            out.push((name, physical));
        }
    }
    out
}

/// One setting: its value now, the boot line that sets it, and the repair.
fn setting(facts: &Facts, host: &Host, key: &str, fix_value: &str) -> Option<(Observation, String)> {
    let value = sysctl::current(host, key)?;
    let path = sysctl::proc_path(key);
    let mut o = Observation::new(key).text("value", value.clone()).evidence(format!("{path}: {value}"));
    let fix_file = match facts.config.setter(key) {
        Some(a) => {
            o = o.text("set_at", a.at()).evidence(a.evidence());
            if a.file.starts_with("/etc/") { a.file.clone() } else { OVERRIDE_FILE.to_string() }
        }
        None => {
            o = o.word("set_at", Said::new(Msg::ValSysctlRuntimeOnly));
            OVERRIDE_FILE.to_string()
        }
    };
    let cmd = if fix_value.contains(' ') {
        format!("sysctl -w {key}=\"{fix_value}\"")
    } else {
        format!("sysctl -w {key}={fix_value}")
    };
    o = o.text("fix_cmd", cmd).text("fix_value", fix_value).text("fix_file", fix_file);
    Some((o, value))
}

/// `net.ipv4.tcp_max_syn_backlog` against what the listeners ask: with SYN cookies off, the
/// kernel drops a SYN once three quarters of it are half-open, however large the listener's
/// backlog; with cookies on it limits nothing on Linux 4.4 and later (before 4.4 it also caps the
/// listener's SYN table, [`listen_queues::SynModel`]). The listeners' backlogs come
/// from netlink on the live system; elsewhere only a value below any kernel's default warns.
fn syn_backlog(ctx: &ProbeContext, facts: &Facts) -> Option<Observation> {
    use crate::probe::socket::listen_queues;
    let host = &ctx.host;
    let max = num(&sysctl::current(host, "net.ipv4.tcp_max_syn_backlog")?)?;
    let cookies = sysctl::current(host, "net.ipv4.tcp_syncookies").and_then(|c| num(&c));
    let all = if host.is_live() { listen_queues::listeners(ctx).ok() } else { None };
    let largest = all.as_ref().and_then(|a| {
        a.list
            .iter()
            .filter_map(|l| Some((l, u64::from(l.queue?.size))))
            .max_by_key(|(l, size)| (*size, a.socket(l).inode))
    });
    let known = all.as_ref().is_some_and(|a| a.list.iter().all(|l| l.queue.is_some()));
    let fix = syn_backlog_for(largest.map_or(0, |(_, size)| size)).to_string();
    let (mut o, _) = setting(facts, host, "net.ipv4.tcp_max_syn_backlog", &fix)?;
    o = o.num("tcp_max_syn_backlog", max).flag("listeners_known", known);
    if let Some(c) = cookies {
        o = o.num("syncookies", c).evidence(format!("/proc/sys/net/ipv4/tcp_syncookies: {c}"));
    }
    if let (Some((l, size)), Some(all)) = (largest, &all) {
        let limit = listen_queues::syn_queue_limit_for(all.model, size, 0, max as u64);
        let socket = all.socket(l);
        let (process, _) = crate::probe::processes::listeners::owners_label(ctx, &all.table, &[socket.inode]);
        o = o
            .text("listener", socket.local_label())
            .word("process", process)
            .num("largest_backlog", size as f64)
            .num("syn_queue_limit", limit as f64)
            .flag("syn_backlog_short", cookies == Some(0.0) && limit < size)
            .evidence(format!(
                "netlink sock_diag: {} backlog {size}, the largest of {} listener(s)",
                socket.local_label(),
                all.list.len()
            ));
    }
    Some(o)
}

fn num(v: &str) -> Option<f64> {
    v.split_whitespace().next()?.parse::<f64>().ok()
}

/// Policy rules besides local, main and default (`ip -4 -j rule show`), with their lines; `None`
/// when they cannot be listed (not the live system, no `ip`, no JSON).
fn policy_rules(ctx: &ProbeContext) -> Option<Vec<String>> {
    if !ctx.host.is_live() {
        return None;
    }
    let out = ctx.run_once("ip", &["-4", "-j", "rule", "show"], Duration::from_secs(2))?;
    let json = crate::probe::net::interfaces::ip_json("ip -4 -j rule show", out).ok()?;
    let v: serde_json::Value = serde_json::from_str(&json).ok()?;
    let mut lines = Vec::new();
    for r in v.as_array()? {
        let table = r["table"].as_str().map(str::to_string).or_else(|| r["table"].as_u64().map(|n| n.to_string()));
        if table.as_deref().is_some_and(|t| matches!(t, "local" | "main" | "default" | "253" | "254" | "255")) {
            continue;
        }
        let prio = r["priority"].as_u64().map(|p| format!("{p}: ")).unwrap_or_default();
        let from = match (r["src"].as_str(), r["srclen"].as_u64()) {
            (Some(src), Some(len)) => format!("{src}/{len}"),
            (Some(src), None) => src.to_string(),
            (None, _) => "all".to_string(),
        };
        let what = match (table, r["action"].as_str()) {
            (Some(t), _) => format!("lookup {t}"),
            (None, Some(a)) => a.to_string(),
            (None, None) => String::new(),
        };
        let mark = r["fwmark"].as_str().map(|m| format!(" fwmark {m}")).unwrap_or_default();
        lines.push(format!("ip rule: {prio}from {from}{mark} {what}").trim_end().to_string());
    }
    Some(lines)
}

/// Why the host forwards packets for others, if it does: a container bridge, overlay or tunnel
/// that is up, or NAT rules (iptables-save, shared with the firewall checks).
fn routing_evidence(ctx: &ProbeContext, up: &[(String, bool)]) -> Vec<String> {
    let mut why: Vec<String> = up
        .iter()
        .filter(|(n, _)| ROUTER_IFACES.iter().any(|p| n.starts_with(p)))
        .map(|(n, _)| format!("/sys/class/net/{n}: up (a bridge or tunnel that forwards for others)"))
        .collect();
    if ctx.host.is_live()
        && let Some(Ok(out)) = ctx.run_once("iptables-save", &[], Duration::from_secs(3))
    {
        let mut table = "";
        for line in out.stdout.lines() {
            if let Some(t) = line.strip_prefix('*') {
                table = if t == "nat" { "nat" } else { "" };
            } else if table == "nat"
                && line.starts_with("-A ")
                && ["-j MASQUERADE", "-j SNAT", "-j DNAT"].iter().any(|j| line.contains(j))
            {
                why.push(format!(
                    "iptables-save: *nat {}",
                    line.chars().filter(|c| !c.is_control()).collect::<String>()
                ));
                if why.len() >= 6 {
                    break;
                }
            }
        }
    }
    why
}

/// Interfaces that hold a connected route to the same IPv4 subnet (/proc/net/route).
fn same_subnet(routes: &[Ipv4Route]) -> (usize, Vec<String>) {
    let mut groups: BTreeMap<(u32, u32), Vec<&str>> = BTreeMap::new();
    for r in routes.iter().filter(|r| r.is_usable() && !r.is_default() && r.gateway.is_unspecified()) {
        let ifaces = groups.entry((u32::from(r.dest), u32::from(r.mask))).or_default();
        if !ifaces.contains(&r.iface.as_str()) {
            ifaces.push(&r.iface);
        }
    }
    let mut most = 0;
    let mut lines = Vec::new();
    for ((dest, mask), ifaces) in groups.iter().filter(|(_, v)| v.len() >= 2) {
        most = most.max(ifaces.len());
        lines.push(format!(
            "/proc/net/route: {}/{} is on {}",
            std::net::Ipv4Addr::from(*dest),
            mask.count_ones(),
            ifaces.join(", ")
        ));
    }
    (most, lines)
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let host = &ctx.host;
    if !host.path("/proc/sys/net").is_dir() {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipNoProcSysNet).arg("path", "/proc/sys/net")));
    }
    let mut bad = Vec::new();
    let routes = host
        .read_optional("/proc/net/route")
        .ok()
        .flatten()
        .map(|f| parse_ipv4("/proc/net/route", &f.text, &mut bad))
        .unwrap_or_default();
    let facts = Facts { config: Config::read(host), up: up_interfaces(host), routes };
    let mut items = Vec::new();

    if let Some((o, v)) = setting(&facts, host, "net.ipv4.tcp_tw_recycle", "0") {
        items.push(o.num("tcp_tw_recycle", num(&v).unwrap_or(0.0)));
    }

    // Reverse-path filtering: the interface's value or `all`, whichever is higher.
    let physical: Vec<&str> = facts.up.iter().filter(|(_, p)| *p).map(|(n, _)| n.as_str()).collect();
    let rules = policy_rules(ctx);
    let context = |mut o: Observation| {
        o = o.num("physical_nics", physical.len() as f64);
        if !physical.is_empty() {
            o = o.field_evidence("physical_nics", format!("/sys/class/net: physical and up: {}", physical.join(", ")));
        }
        if let Some(r) = &rules {
            o = o.num("policy_rules", r.len() as f64);
            for l in r.iter().take(5) {
                o = o.evidence(l.clone());
            }
        }
        o
    };
    let all_rp = setting(&facts, host, "net.ipv4.conf.all.rp_filter", "2");
    let all_value = all_rp.as_ref().and_then(|(_, v)| num(v)).unwrap_or(0.0);
    if let Some((o, _)) = all_rp {
        items.push(context(o).num("rp_filter", all_value));
    }
    for (name, _) in &facts.up {
        let key = sysctl::iface_key("ipv4", name, "rp_filter");
        if let Some((o, v)) = setting(&facts, host, &key, "2")
            && let Some(n) = num(&v)
            && n > all_value
        {
            items.push(context(o).num("rp_filter", n));
        }
    }

    if let Some((o, v)) = setting(&facts, host, "net.ipv4.icmp_echo_ignore_all", "0") {
        items.push(o.num("icmp_echo_ignore_all", num(&v).unwrap_or(0.0)));
    }

    if let Some((o, v)) = setting(&facts, host, "net.ipv4.ip_local_port_range", "32768 60999") {
        let p: Vec<f64> = v.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        if let [lo, hi] = p[..] {
            items.push(o.num("port_range_size", (hi - lo + 1.0).max(0.0)));
        }
    }

    if let Some((o, v)) = setting(&facts, host, "net.core.somaxconn", "4096")
        && let Some(n) = num(&v)
    {
        items.push(o.num("somaxconn", n));
    }
    if let Some(o) = syn_backlog(ctx, &facts) {
        items.push(o);
    }

    if let Some((mut o, v)) = setting(&facts, host, "net.ipv4.ip_forward", "1")
        && let Some(n) = num(&v)
    {
        // Whether the host routes matters only when forwarding is off: do not list the NAT
        // rules otherwise.
        let why = if n == 0.0 { routing_evidence(ctx, &facts.up) } else { Vec::new() };
        o = o.num("ip_forward", n).flag("routes_traffic", !why.is_empty());
        for w in why {
            o = o.evidence(w);
        }
        items.push(o);
    }

    let (shared, lines) = same_subnet(&facts.routes);
    for (name, fix) in [("arp_ignore", "1"), ("arp_announce", "2")] {
        let key = format!("net.ipv4.conf.all.{name}");
        if let Some((mut o, v)) = setting(&facts, host, &key, fix)
            && let Some(n) = num(&v)
        {
            o = o.num(name, n).num("same_subnet_nics", shared as f64);
            for l in &lines {
                o = o.evidence(l.clone());
            }
            items.push(o);
        }
    }

    if let Some(total) = mem_total(host).filter(|t| *t > 0.0) {
        let fix = conntrack_max_for(total, CONNTRACK_FIX_PERCENT).to_string();
        if let Some((o, v)) = setting(&facts, host, "net.netfilter.nf_conntrack_max", &fix)
            && let Some(n) = num(&v)
        {
            let pct = (n * CONNTRACK_ENTRY_BYTES * 1000.0 / total).round() / 10.0;
            items.push(o.num("conntrack_memory_percent", pct).evidence(format!(
                "/proc/meminfo: MemTotal {total} bytes; {n} entries × about {CONNTRACK_ENTRY_BYTES} bytes = {pct}%"
            )));
        }
    }

    if items.is_empty() {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipNoProcSysNet).arg("path", "/proc/sys/net")));
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(iface: &str, dest: [u8; 4], len: u32) -> Ipv4Route {
        Ipv4Route {
            iface: iface.into(),
            dest: dest.into(),
            gateway: [0, 0, 0, 0].into(),
            mask: (if len == 0 { 0 } else { u32::MAX << (32 - len) }).into(),
            flags: 1,
            metric: 0,
        }
    }

    #[test]
    fn interfaces_sharing_a_subnet() {
        let r =
            vec![route("eth0", [10, 0, 0, 0], 24), route("eth1", [10, 0, 0, 0], 24), route("eth2", [10, 1, 0, 0], 24)];
        let (n, lines) = same_subnet(&r);
        assert_eq!(n, 2);
        assert_eq!(lines, ["/proc/net/route: 10.0.0.0/24 is on eth0, eth1"]);
        assert_eq!(same_subnet(&r[1..]).0, 0);
    }
}
