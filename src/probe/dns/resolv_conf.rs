//! The resolver configuration (/etc/resolv.conf) as glibc reads it: nameservers (only the first
//! three are used), options, lines it cannot parse; and the upstream servers behind the
//! systemd-resolved stub (127.0.0.53) when that is what resolv.conf points at.

use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_path")]
    pub path: String,
}

fn default_path() -> String {
    "/etc/resolv.conf".into()
}

pub const FIELDS: &[Field] = &[
    Field::flag("missing", "1 when /etc/resolv.conf does not exist"),
    Field::num("nameserver_count", "", "nameserver lines"),
    Field::num("effective_nameserver_count", "", "nameservers the resolver uses (at most 3; the stub's upstreams)"),
    Field::num("ignored_nameservers", "", "nameservers past the third, which the resolver ignores"),
    Field::num("invalid_lines", "", "lines that are not resolv.conf syntax"),
    Field::flag("uses_stub", "1 when the only nameserver is systemd-resolved's stub (127.0.0.53)"),
    Field::num("option_timeout", "s", "options timeout: how long one nameserver is waited for"),
    Field::num("option_attempts", "", "options attempts: how many rounds over the nameservers"),
    Field::text("nameservers", "the nameservers in use"),
    Field::text("foreign_nameservers", "nameservers other than the ones the metadata service names"),
    Field::num("foreign_nameserver_count", "", "how many of those"),
    Field::text("metadata_nameservers", "the nameservers the metadata service names for this VPC"),
];

/// glibc's MAXNS: nameservers past the third are silently ignored.
pub const MAXNS: usize = 3;
const STUB_UPSTREAM: &str = "/run/systemd/resolve/resolv.conf";

/// What glibc reads from a resolv.conf.
pub struct Parsed {
    /// Each nameserver with its `file:line: text`, in file order.
    pub nameservers: Vec<(IpAddr, String)>,
    pub invalid: Vec<String>,
    pub timeout: Option<f64>,
    pub attempts: Option<f64>,
    /// The `options` lines, for evidence.
    pub options: Vec<String>,
}

/// Parses resolv.conf text the way glibc does; `path` names it in evidence lines.
pub fn parse(path: &str, text: &str) -> Parsed {
    let mut p =
        Parsed { nameservers: Vec::new(), invalid: Vec::new(), timeout: None, attempts: None, options: Vec::new() };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let loc = format!("{path}:{}: {raw}", n + 1);
        let mut words = line.split_whitespace();
        let key = words.next().unwrap_or_default();
        match key {
            "nameserver" => {
                // An IPv6 link-local address may carry a zone (fe80::1%eth0).
                let addr = words.next().map(|a| a.split('%').next().unwrap_or(a));
                match addr.and_then(|a| a.parse::<IpAddr>().ok()) {
                    Some(ip) => p.nameservers.push((ip, loc)),
                    None => p.invalid.push(loc),
                }
            }
            "options" => {
                p.options.push(loc);
                for opt in words {
                    if let Some(v) = opt.strip_prefix("timeout:") {
                        p.timeout = v.parse().ok();
                    } else if let Some(v) = opt.strip_prefix("attempts:") {
                        p.attempts = v.parse().ok();
                    }
                }
            }
            "search" | "domain" | "sortlist" | "lookup" | "family" => {}
            _ => p.invalid.push(loc),
        }
    }
    p
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let path = params.path.as_str();
    let Some(file) = ctx.host.read_optional(path).map_err(|e| ProbeError::io(path, &e))? else {
        return Ok(Observations::of(vec![
            Observation::new(path)
                .flag("missing", true)
                .num("nameserver_count", 0.0)
                .num("effective_nameserver_count", 0.0),
        ]));
    };
    let parsed = parse(path, &file.text);
    let used: Vec<_> = parsed.nameservers.iter().take(MAXNS).collect();
    let uses_stub = !used.is_empty() && used.iter().all(|(ip, _)| *ip == IpAddr::from([127, 0, 0, 53]));
    let mut effective = used.len();
    let mut o = Observation::new(path).flag("missing", false);
    // The servers lookups really go to, with their lines: the stub's upstreams when it is used.
    let mut real: Vec<(IpAddr, String)> = used.iter().map(|(ip, l)| (*ip, l.clone())).collect();
    if uses_stub {
        // The stub forwards to the servers systemd-resolved knows; count those instead.
        if let Ok(Some(up)) = ctx.host.read_optional(STUB_UPSTREAM) {
            let upstream = parse(STUB_UPSTREAM, &up.text);
            effective = upstream.nameservers.len().min(MAXNS);
            for (_, loc) in &upstream.nameservers {
                o = o.field_evidence("effective_nameserver_count", loc.clone());
            }
            real = upstream.nameservers.into_iter().take(MAXNS).collect();
        }
    }
    o = compare_with_platform(o, &real, ctx);
    for (_, loc) in &parsed.nameservers {
        o = o.evidence(loc.clone());
    }
    for (_, loc) in parsed.nameservers.iter().skip(MAXNS) {
        o = o.field_evidence("ignored_nameservers", loc.clone());
    }
    for loc in &parsed.invalid {
        o = o.field_evidence("invalid_lines", loc.clone());
    }
    if parsed.nameservers.is_empty() {
        o = o.field_evidence("effective_nameserver_count", format!("{path}: no nameserver line"));
    }
    o = o
        .num("nameserver_count", parsed.nameservers.len() as f64)
        .num("effective_nameserver_count", effective as f64)
        .num("ignored_nameservers", parsed.nameservers.len().saturating_sub(MAXNS) as f64)
        .num("invalid_lines", parsed.invalid.len() as f64)
        .flag("uses_stub", uses_stub)
        .text("nameservers", used.iter().map(|(ip, _)| ip.to_string()).collect::<Vec<_>>().join(", "));
    for loc in &parsed.options {
        o = o.field_evidence("option_timeout", loc.clone()).field_evidence("option_attempts", loc.clone());
    }
    if let Some(t) = parsed.timeout {
        o = o.num("option_timeout", t);
    }
    if let Some(a) = parsed.attempts {
        o = o.num("option_attempts", a);
    }
    Ok(Observations::of(vec![o]))
}

/// On a cloud whose metadata names the platform's nameservers (Alibaba: dns-conf/nameservers),
/// which of the servers in use are not among them.
fn compare_with_platform(mut o: Observation, real: &[(IpAddr, String)], ctx: &ProbeContext) -> Observation {
    if ctx.metadata_source().endpoint().is_none() || real.is_empty() {
        return o;
    }
    let Some(md) = ctx.metadata() else { return o };
    let platform = md.nameservers();
    if platform.is_empty() {
        return o;
    }
    let foreign: Vec<&(IpAddr, String)> = real.iter().filter(|(ip, _)| !platform.contains(ip)).collect();
    let listed = platform.iter().map(|ip| ip.to_string()).collect::<Vec<_>>().join(", ");
    o = o
        .text("metadata_nameservers", listed.clone())
        .num("foreign_nameserver_count", foreign.len() as f64)
        .text("foreign_nameservers", foreign.iter().map(|(ip, _)| ip.to_string()).collect::<Vec<_>>().join(", "));
    for (_, line) in &foreign {
        o = o.field_evidence("foreign_nameserver_count", line.clone());
    }
    o.field_evidence("foreign_nameserver_count", format!("{}/latest/meta-data/dns-conf/nameservers: {listed}", md.url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nameservers_options_and_garbage() {
        let p = parse(
            "/r",
            "# c\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\nnameserver bogus\noptions timeout:2 rotate\n\u{fffd}\u{fffd}\n",
        );
        assert_eq!(p.nameservers.len(), 2);
        assert_eq!(p.invalid.len(), 2);
        assert_eq!(p.timeout, Some(2.0));
        assert_eq!(p.invalid[0], "/r:4: nameserver bogus");
    }
}
