//! /etc/hosts entries that override a name the run needs: a target written as a name, or a
//! platform service of the detected cloud (on Alibaba Cloud the package mirror and the time
//! servers, the metadata's own names for them, and any `*.aliyuncs.com` name the file maps).
//! glibc answers such a name from the file before DNS (`hosts: files dns`), so a stale entry
//! left from a migration or a test sends every request to an old address while DNS is right.
//!
//! Each name the file maps is asked of the nameservers of /etc/resolv.conf directly (no hosts
//! file, no cache, 1 s per server, all names at once, never past the run's deadline); the
//! entry is an override when DNS answers and the file's address is not among its answers. On a
//! fixture root (`--root`) nothing is asked, and nothing is judged.

use super::resolv_conf;
use crate::host::endpoint::{ALIBABA_MIRROR, ALIBABA_NTP};
use crate::host::facts::{self, Provider};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use hickory_resolver::Resolver;
use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_path")]
    pub path: String,
    /// How long the nameservers have for each name.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_path() -> String {
    "/etc/hosts".into()
}

fn default_timeout_ms() -> u64 {
    1000
}

pub const FIELDS: &[Field] = &[
    Field::num("names_checked", "", "target and platform names looked for in the file"),
    Field::num("overridden", "", "of those, names the file maps to another address than DNS gives"),
    Field::text("names", "the names looked for"),
    Field::text("role", "why the name matters: target or platform"),
    Field::text("hosts_address", "the address the file gives the name"),
    Field::text("dns_addresses", "the addresses DNS gives it, or what went wrong"),
    Field::flag("dns_answered", "1 when DNS answered with addresses"),
    Field::flag("differs", "1 when DNS answered and the file's address is not among its answers"),
    Field::num("line", "", "the line of the file that maps the name"),
    Field::text("fix", "the command that comments the line out"),
];

/// Names a hosts file maps, lower case, each with the first line that maps it (glibc's answer).
pub fn parse_hosts(path: &str, text: &str) -> BTreeMap<String, (IpAddr, usize, String)> {
    let mut out = BTreeMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let Some(ip) = words.next().and_then(|w| w.split('%').next()?.parse::<IpAddr>().ok()) else { continue };
        for name in words {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            out.entry(name).or_insert_with(|| (ip, n + 1, format!("{path}:{}: {raw}", n + 1)));
        }
    }
    out
}

/// The names that matter and why: the run's targets written as names, and the platform's.
fn wanted(ctx: &ProbeContext, mapped: &BTreeMap<String, (IpAddr, usize, String)>) -> BTreeMap<String, &'static str> {
    let mut names = BTreeMap::new();
    for t in &ctx.targets {
        if t.host.parse::<IpAddr>().is_err() {
            names.insert(t.host.trim_end_matches('.').to_ascii_lowercase(), "target");
        }
    }
    let alibaba = ctx.metadata_source().endpoint().is_some() || facts::cloud_provider(&ctx.host) == Provider::Alibaba;
    if alibaba {
        let mut platform: Vec<String> = vec![ALIBABA_NTP.to_string()];
        if let Ok(u) = reqwest::Url::parse(ALIBABA_MIRROR)
            && let Some(h) = u.host_str()
        {
            platform.push(h.to_string());
        }
        if let Some(md) = ctx.metadata() {
            platform.extend(md.ntp_servers());
            if let Some(m) = md.package_mirror()
                && let Ok(u) = reqwest::Url::parse(&m)
                && let Some(h) = u.host_str()
            {
                platform.push(h.to_string());
            }
        }
        platform.extend(mapped.keys().filter(|n| n.ends_with(".aliyuncs.com") || n.ends_with(".aliyun.com")).cloned());
        for p in platform {
            names.entry(p.to_ascii_lowercase()).or_insert("platform");
        }
    }
    names
}

/// Asks the nameservers for each name's addresses (A and AAAA) at once; never past `until`.
fn lookup_all(
    servers: &[IpAddr],
    names: &[String],
    timeout: Duration,
    until: Instant,
) -> Vec<Result<Vec<IpAddr>, String>> {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build() else {
        return names.iter().map(|_| Err("no DNS client".to_string())).collect();
    };
    let ns: Vec<NameServerConfig> =
        servers.iter().map(|s| NameServerConfig::new(*s, true, vec![ConnectionConfig::udp()])).collect();
    let mut builder =
        Resolver::builder_with_config(ResolverConfig::from_name_servers(ns), TokioRuntimeProvider::default());
    {
        let o: &mut ResolverOpts = builder.options_mut();
        o.timeout = timeout;
        o.attempts = 0;
        o.cache_size = 0;
        o.use_hosts_file = ResolveHosts::Never;
        o.ndots = 0;
        o.try_tcp_on_error = false;
        o.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    }
    let resolver = match builder.build() {
        Ok(r) => std::sync::Arc::new(r),
        Err(e) => return names.iter().map(|_| Err(format!("no DNS client: {e}"))).collect(),
    };
    let budget = until.saturating_duration_since(Instant::now());
    rt.block_on(async {
        let handles: Vec<_> = names
            .iter()
            .map(|n| {
                let r = resolver.clone();
                let fqdn = format!("{n}.");
                tokio::spawn(async move {
                    r.lookup_ip(fqdn).await.map(|l| l.iter().collect::<Vec<IpAddr>>()).map_err(|e| e.to_string())
                })
            })
            .collect();
        let end = tokio::time::Instant::now() + budget;
        let mut out = Vec::new();
        for h in handles {
            out.push(match tokio::time::timeout_at(end, h).await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("no answer before the run's deadline".into()),
            });
        }
        out
    })
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let path = params.path.as_str();
    let text = match ctx.host.read_optional(path).map_err(|e| ProbeError::io(path, &e))? {
        Some(f) => f.text,
        None => String::new(),
    };
    let mapped = parse_hosts(path, &text);
    let names = wanted(ctx, &mapped);
    let found: Vec<(&String, &&str, &(IpAddr, usize, String))> =
        names.iter().filter_map(|(n, role)| Some((n, role, mapped.get(n)?))).collect();
    let servers: Vec<IpAddr> = match ctx.host.read_optional("/etc/resolv.conf") {
        Ok(Some(f)) => resolv_conf::parse("/etc/resolv.conf", &f.text)
            .nameservers
            .iter()
            .take(resolv_conf::MAXNS)
            .map(|(ip, _)| *ip)
            .collect(),
        _ => Vec::new(),
    };
    let answers: Vec<Result<Vec<IpAddr>, String>> = if !ctx.host.is_live() {
        found.iter().map(|_| Err("not asked: the system is examined under --root".into())).collect()
    } else if servers.is_empty() {
        found.iter().map(|_| Err("no nameserver in /etc/resolv.conf".into())).collect()
    } else if found.is_empty() {
        Vec::new()
    } else {
        let until = crate::host::endpoint::finish_by(ctx.deadline);
        let timeout = Duration::from_millis(params.timeout_ms.clamp(100, 5000));
        let list: Vec<String> = found.iter().map(|(n, _, _)| (*n).clone()).collect();
        lookup_all(&servers, &list, timeout, until)
    };
    let mut items = Vec::new();
    let mut overridden = 0;
    for ((name, role, (ip, line, loc)), answer) in found.iter().zip(answers) {
        let mut o = Observation::new(name.as_str())
            .text("role", **role)
            .text("hosts_address", ip.to_string())
            .num("line", *line as f64)
            .text("fix", format!("sed -i '{line}s/^/# /' {path}"))
            .evidence(loc.clone());
        match answer {
            Ok(ips) if !ips.is_empty() => {
                let differs = !ips.contains(ip);
                overridden += differs as usize;
                let shown = ips.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ");
                o = o
                    .text("dns_addresses", shown.clone())
                    .flag("dns_answered", true)
                    .flag("differs", differs)
                    .evidence(format!("DNS ({}): {name} has address {shown}", list_servers(&servers)));
            }
            Ok(_) => {
                o = o.text("dns_addresses", "no address").flag("dns_answered", false).flag("differs", false);
            }
            Err(e) => {
                o = o.text("dns_addresses", e.clone()).flag("dns_answered", false).flag("differs", false);
            }
        }
        items.push(o);
    }
    let summary =
        Observation::new(path).num("names_checked", names.len() as f64).num("overridden", overridden as f64).text(
            "names",
            if names.is_empty() { "none".into() } else { names.keys().cloned().collect::<Vec<_>>().join(", ") },
        );
    items.insert(0, summary);
    Ok(Observations::of(items))
}

fn list_servers(s: &[IpAddr]) -> String {
    s.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_that_maps_a_name_wins() {
        let m = parse_hosts(
            "/etc/hosts",
            "127.0.0.1 localhost\n# 1.2.3.4 old.example\n10.0.0.9 Mirrors.Cloud.Aliyuncs.Com. mirror\n10.0.0.8 mirror\nbad line\nfe80::1%eth0 v6host\n",
        );
        assert_eq!(m["mirrors.cloud.aliyuncs.com"].0.to_string(), "10.0.0.9");
        assert_eq!(m["mirrors.cloud.aliyuncs.com"].1, 3);
        assert_eq!(m["mirror"].1, 3);
        assert!(!m.contains_key("old.example"));
        assert_eq!(m["v6host"].0.to_string(), "fe80::1");
    }
}
