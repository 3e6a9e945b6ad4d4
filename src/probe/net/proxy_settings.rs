//! Proxies set for the whole system: `http_proxy`, `https_proxy`, `all_proxy` (and their upper
//! case forms) in /etc/environment (pam_env: every login), /etc/profile and /etc/profile.d/*.sh
//! (login shells), systemd's `DefaultEnvironment=` (every service), apt's
//! `Acquire::http(s)::Proxy`, and yum's and dnf's `proxy=`.
//!
//! One observation per setting, subject `FILE VARIABLE`, with its `file:line`. On the live system
//! the proxy is asked for a TCP connection (the address the examined host configures, nothing
//! else; 1 s each, all at once, within the run's deadline): one that refuses or never answers
//! makes every download through it fail. A proxy for plain HTTP that would also carry the
//! metadata service's address (Alibaba Cloud's 100.100.100.200) or a target's internal address,
//! with no `no_proxy` entry covering it, sends those requests to the proxy, which cannot reach
//! them (or answers for another machine).
//!
//! The first observation sums up (`proxy_count`, `proxies`) for the check's ok line.

use crate::host::facts::{self, Provider};
use crate::host::metadata::ALIBABA_URL;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// How long a proxy has to accept the connection.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    1000
}

pub const FIELDS: &[Field] = &[
    Field::num("proxy_count", "", "proxy settings found"),
    Field::text("proxies", "each setting as FILE VARIABLE=PROXY"),
    Field::text("source_kind", "where it is set: environment, profile, systemd, apt, yum, dnf"),
    Field::text("file", "the file that sets it"),
    Field::num("line", "", "the line that sets it"),
    Field::text("variable", "the variable or option (http_proxy, Acquire::http::Proxy, proxy)"),
    Field::text("proxy", "the proxy's URL (without credentials)"),
    Field::text("proxy_address", "the proxy's host:port"),
    Field::flag("answers", "1 when the proxy accepted a TCP connection"),
    Field::text("connect_error", "why it did not (ECONNREFUSED, ETIMEDOUT, EAI_NONAME, ...), or none"),
    Field::flag("dead", "1 when the proxy did not accept a TCP connection"),
    Field::text("no_proxy", "the no_proxy entries that apply to it, or none"),
    Field::text("catches", "internal addresses it would carry that no_proxy does not cover"),
    Field::flag("catches_internal", "1 when it would carry the metadata service or an internal target"),
    Field::text("fix", "the command that removes the setting"),
    Field::text("no_proxy_fix", "the command that adds the missing no_proxy entries"),
];

/// One proxy setting as found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub kind: &'static str,
    pub file: String,
    pub line: usize,
    pub variable: String,
    pub value: String,
    /// `file:line: text`.
    pub evidence: String,
}

const PROXY_VARS: &[&str] = &["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"];
const NO_PROXY_VARS: &[&str] = &["no_proxy", "NO_PROXY"];

fn unquote(v: &str) -> String {
    let v = v.trim().trim_end_matches(';').trim();
    v.trim_matches('"').trim_matches('\'').to_string()
}

/// `NAME=value` assignments of a shell or pam_env file (`export A=b`, `A="b"; export A`).
pub fn shell_assignments(kind: &'static str, path: &str, text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        for stmt in line.split(';') {
            let stmt = stmt.trim();
            let stmt = stmt.strip_prefix("export ").map(str::trim_start).unwrap_or(stmt);
            let Some((name, value)) = stmt.split_once('=') else { continue };
            let name = name.trim();
            if PROXY_VARS.contains(&name) || NO_PROXY_VARS.contains(&name) {
                out.push(Setting {
                    kind,
                    file: path.to_string(),
                    line: n + 1,
                    variable: name.to_string(),
                    value: unquote(value),
                    evidence: format!("{path}:{}: {raw}", n + 1),
                });
            }
        }
    }
    out
}

/// `DefaultEnvironment="A=b" C=d` lines of systemd's system.conf under `[Manager]`.
pub fn systemd_default_environment(path: &str, text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        if section != "Manager" {
            continue;
        }
        let Some(rest) = line.strip_prefix("DefaultEnvironment=") else { continue };
        for word in split_words(rest) {
            let Some((name, value)) = word.split_once('=') else { continue };
            if PROXY_VARS.contains(&name) || NO_PROXY_VARS.contains(&name) {
                out.push(Setting {
                    kind: "systemd",
                    file: path.to_string(),
                    line: n + 1,
                    variable: name.to_string(),
                    value: value.to_string(),
                    evidence: format!("{path}:{}: {raw}", n + 1),
                });
            }
        }
    }
    out
}

/// Splits systemd's space-separated list, honouring double and single quotes.
fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `Acquire::http::Proxy "http://p:3128";` lines of apt's configuration (`DIRECT` and `false`
/// mean none; per-host forms `Acquire::http::Proxy::host` are left out).
pub fn apt_proxies(path: &str, text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("//") || line.starts_with('#') {
            continue;
        }
        for (key, var) in
            [("acquire::http::proxy ", "Acquire::http::Proxy"), ("acquire::https::proxy ", "Acquire::https::Proxy")]
        {
            let lower = line.to_ascii_lowercase();
            if let Some(rest) = lower.strip_prefix(key) {
                let value = unquote(&line[line.len() - rest.len()..]);
                if !value.is_empty() && !value.eq_ignore_ascii_case("DIRECT") && value != "false" {
                    out.push(Setting {
                        kind: "apt",
                        file: path.to_string(),
                        line: n + 1,
                        variable: var.to_string(),
                        value,
                        evidence: format!("{path}:{}: {raw}", n + 1),
                    });
                }
            }
        }
    }
    out
}

/// `proxy=http://p:3128` in yum/dnf configuration or repo files (`_none_` and empty mean none).
pub fn ini_proxies(kind: &'static str, path: &str, text: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        let v = v.trim();
        if k.trim() == "proxy" && !v.is_empty() && v != "_none_" {
            out.push(Setting {
                kind,
                file: path.to_string(),
                line: n + 1,
                variable: "proxy".into(),
                value: v.to_string(),
                evidence: format!("{path}:{}: {raw}", n + 1),
            });
        }
    }
    out
}

/// The proxy's scheme, host and port (default 80; 1080 for socks), credentials left out.
pub fn parse_proxy(value: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = match value.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), value),
    };
    let hostport = rest.split('/').next()?;
    let hostport = hostport.rsplit_once('@').map(|(_, h)| h).unwrap_or(hostport);
    let default = if scheme.starts_with("socks") {
        1080
    } else if scheme == "https" {
        443
    } else {
        80
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        (h.to_string(), after.strip_prefix(':').map_or(Some(default), |p| p.parse().ok())?)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (hostport.to_string(), default),
        }
    };
    (!host.is_empty()).then_some((scheme, host, port))
}

/// Whether a no_proxy list covers an IP address: `*`, the address itself, or a CIDR holding it.
pub fn covers(no_proxy: &[String], ip: IpAddr) -> bool {
    no_proxy.iter().any(|e| {
        let e = e.trim();
        if e == "*" {
            return true;
        }
        if let Ok(x) = e.trim_start_matches('.').parse::<IpAddr>() {
            return x == ip;
        }
        let Some((net, len)) = e.split_once('/') else { return false };
        let (Ok(net), Ok(len)) = (net.parse::<IpAddr>(), len.parse::<u32>()) else { return false };
        match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) if len <= 32 => {
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) if len <= 128 => {
                let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    })
}

/// Addresses inside a private network (RFC 1918, shared 100.64/10, link-local, ULA, loopback).
fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || (a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(a) => {
            a.is_loopback() || (a.segments()[0] & 0xfe00) == 0xfc00 || (a.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Every proxy setting of the examined system, in the order of the files.
fn collect(ctx: &ProbeContext) -> Vec<Setting> {
    let host = &ctx.host;
    let read = |p: &str| host.read_optional(p).ok().flatten().map(|f| f.text);
    let mut out = Vec::new();
    if let Some(t) = read("/etc/environment") {
        out.extend(shell_assignments("environment", "/etc/environment", &t));
    }
    let mut profile = vec!["/etc/profile".to_string()];
    profile.extend(
        host.list_dir("/etc/profile.d")
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n.ends_with(".sh"))
            .map(|n| format!("/etc/profile.d/{n}")),
    );
    for p in profile {
        if let Some(t) = read(&p) {
            out.extend(shell_assignments("profile", &p, &t));
        }
    }
    let mut systemd = vec!["/etc/systemd/system.conf".to_string()];
    for dir in ["/usr/lib/systemd/system.conf.d", "/etc/systemd/system.conf.d", "/run/systemd/system.conf.d"] {
        systemd.extend(
            host.list_dir(dir)
                .unwrap_or_default()
                .into_iter()
                .filter(|n| n.ends_with(".conf"))
                .map(|n| format!("{dir}/{n}")),
        );
    }
    for p in systemd {
        if let Some(t) = read(&p) {
            out.extend(systemd_default_environment(&p, &t));
        }
    }
    let mut apt = vec!["/etc/apt/apt.conf".to_string()];
    apt.extend(
        host.list_dir("/etc/apt/apt.conf.d")
            .unwrap_or_default()
            .into_iter()
            .map(|n| format!("/etc/apt/apt.conf.d/{n}")),
    );
    for p in apt {
        if let Some(t) = read(&p) {
            out.extend(apt_proxies(&p, &t));
        }
    }
    for (kind, p) in [("yum", "/etc/yum.conf"), ("dnf", "/etc/dnf/dnf.conf")] {
        if let Some(t) = read(p) {
            out.extend(ini_proxies(kind, p, &t));
        }
    }
    for n in host.list_dir("/etc/yum.repos.d").unwrap_or_default() {
        if n.ends_with(".repo") {
            let p = format!("/etc/yum.repos.d/{n}");
            if let Some(t) = read(&p) {
                out.extend(ini_proxies("yum", &p, &t));
            }
        }
    }
    out
}

/// Tries a TCP connection to the proxy (resolving its name first); the error code when none.
fn try_connect(host: String, port: u16, timeout: Duration) -> Result<SocketAddr, String> {
    let addrs = crate::host::endpoint::resolve(&host, port).map_err(|(code, _)| code)?;
    let mut last = "ETIMEDOUT".to_string();
    for a in addrs.iter().take(4) {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(_) => return Ok(*a),
            Err(e) => {
                last = match e.raw_os_error() {
                    Some(111) => "ECONNREFUSED".into(),
                    Some(110) => "ETIMEDOUT".into(),
                    Some(113) => "EHOSTUNREACH".into(),
                    Some(101) => "ENETUNREACH".into(),
                    _ if e.kind() == std::io::ErrorKind::TimedOut => "ETIMEDOUT".into(),
                    _ => crate::host::errno_name(&e),
                }
            }
        }
    }
    Err(last)
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let all = collect(ctx);
    let (proxies, no_proxies): (Vec<Setting>, Vec<Setting>) =
        all.into_iter().partition(|s| !NO_PROXY_VARS.contains(&s.variable.as_str()));
    // The addresses that must not go through a proxy for plain HTTP: the metadata service on
    // Alibaba Cloud, and the run's targets at internal addresses.
    let alibaba = ctx.metadata_source().endpoint().is_some() || facts::cloud_provider(&ctx.host) == Provider::Alibaba;
    let mut internal_http: Vec<(IpAddr, String)> = Vec::new();
    let mut internal_https: Vec<(IpAddr, String)> = Vec::new();
    if alibaba && let Some(ip) = ALIBABA_URL.trim_start_matches("http://").parse::<IpAddr>().ok() {
        internal_http.push((ip, "metadata service".into()));
    }
    for t in &ctx.targets {
        let Ok(ip) = t.host.parse::<IpAddr>() else { continue };
        if !internal(ip) {
            continue;
        }
        match t.kind {
            crate::host::endpoint::TargetKind::Http => internal_http.push((ip, t.raw.clone())),
            crate::host::endpoint::TargetKind::Https => internal_https.push((ip, t.raw.clone())),
            _ => {}
        }
    }

    // Each distinct proxy address is tried once, all at once.
    let mut addresses: Vec<(String, u16)> = Vec::new();
    for s in &proxies {
        if let Some((_, h, p)) = parse_proxy(&s.value)
            && !addresses.contains(&(h.clone(), p))
        {
            addresses.push((h, p));
        }
    }
    let results: Vec<Option<Result<SocketAddr, String>>> = if ctx.host.is_live() && !addresses.is_empty() {
        let until = crate::host::endpoint::finish_by(ctx.deadline);
        let timeout = Duration::from_millis(params.timeout_ms.clamp(100, 5000))
            .min(until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1)));
        crate::host::endpoint::each_until(&addresses, until, "proxy", move |(h, p)| try_connect(h, p, timeout))
            .unwrap_or_else(|_| addresses.iter().map(|_| None).collect())
    } else {
        addresses.iter().map(|_| None).collect()
    };

    let mut items = Vec::new();
    let mut listed = Vec::new();
    for s in &proxies {
        let Some((scheme, h, port)) = parse_proxy(&s.value) else { continue };
        let shown = format!("{scheme}://{}:{port}", if h.contains(':') { format!("[{h}]") } else { h.clone() });
        listed.push(format!("{} {}={shown}", s.file, s.variable));
        let mut o = Observation::new(format!("{} {}", s.file, s.variable))
            .text("source_kind", s.kind)
            .text("file", s.file.clone())
            .num("line", s.line as f64)
            .text("variable", s.variable.clone())
            .text("proxy", shown.clone())
            .text("proxy_address", format!("{h}:{port}"))
            .text("fix", format!("sed -i '{}s/^/# /' {}", s.line, s.file))
            .evidence(s.evidence.clone());
        let i = addresses.iter().position(|a| *a == (h.clone(), port));
        match i.and_then(|i| results.get(i).cloned().flatten()) {
            Some(Ok(addr)) => {
                o = o
                    .flag("answers", true)
                    .flag("dead", false)
                    .text("connect_error", "none")
                    .evidence(format!("TCP connect to {shown} ({addr}): accepted"));
            }
            Some(Err(code)) => {
                o = o
                    .flag("answers", false)
                    .flag("dead", true)
                    .text("connect_error", code.clone())
                    .evidence(format!("TCP connect to {shown}: {code}"));
            }
            None if ctx.host.is_live() => {
                o = o
                    .flag("answers", false)
                    .flag("dead", true)
                    .text("connect_error", "ETIMEDOUT")
                    .evidence(format!("TCP connect to {shown}: no answer before the run's deadline"));
            }
            None => {}
        }
        // Which no_proxy applies: the same scope's (a login shell also gets /etc/environment's).
        let scope: Vec<&Setting> = no_proxies
            .iter()
            .filter(|n| n.kind == s.kind || (s.kind == "profile" && n.kind == "environment"))
            .collect();
        let entries: Vec<String> = scope
            .iter()
            .flat_map(|n| n.value.split(',').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()))
            .collect();
        let lower = s.variable.to_ascii_lowercase();
        let internal_set: &[(IpAddr, String)] = match (s.kind, lower.as_str()) {
            ("environment" | "profile" | "systemd", "http_proxy") => &internal_http,
            ("environment" | "profile" | "systemd", "https_proxy") => &internal_https,
            ("environment" | "profile" | "systemd", "all_proxy") => &internal_http,
            _ => &[],
        };
        let caught: Vec<&(IpAddr, String)> = internal_set.iter().filter(|(ip, _)| !covers(&entries, *ip)).collect();
        o = o
            .text("no_proxy", if entries.is_empty() { "none".into() } else { entries.join(",") })
            .flag("catches_internal", !caught.is_empty());
        if !caught.is_empty() {
            o = o
                .text("catches", caught.iter().map(|(ip, why)| format!("{ip} ({why})")).collect::<Vec<_>>().join(", "));
            let mut new: Vec<String> =
                if entries.is_empty() { vec!["localhost".into(), "127.0.0.1".into()] } else { entries.clone() };
            for (ip, _) in &caught {
                new.push(ip.to_string());
            }
            let value = new.join(",");
            let existing = scope.iter().find(|n| n.file == s.file);
            let fix = match (s.kind, existing) {
                ("systemd", _) => format!(
                    "printf '[Manager]\\nDefaultEnvironment=\"no_proxy={value}\"\\n' > /etc/systemd/system.conf.d/90-no-proxy.conf && systemctl daemon-reexec"
                ),
                (_, Some(n)) => {
                    format!("sed -i '{}s|{}=.*|{}=\"{value}\"|' {}", n.line, n.variable, n.variable, n.file)
                }
                ("profile", None) => format!("echo 'export no_proxy=\"{value}\"' >> {}", s.file),
                _ => format!("echo 'no_proxy=\"{value}\"' >> {}", s.file),
            };
            o = o.text("no_proxy_fix", fix).field_evidence("catches_internal", s.evidence.clone());
            for n in &scope {
                o = o.field_evidence("catches_internal", n.evidence.clone());
            }
            if scope.is_empty() {
                o = o.field_evidence("catches_internal", format!("no no_proxy is set where {} is", s.file));
            }
        }
        items.push(o);
    }
    let summary = Observation::new("proxy settings")
        .num("proxy_count", items.len() as f64)
        .text("proxies", if listed.is_empty() { "none".into() } else { listed.join(", ") });
    items.insert(0, summary);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_proxies_in_every_syntax() {
        let env = shell_assignments(
            "environment",
            "/etc/environment",
            "PATH=/usr/bin\nhttp_proxy=\"http://u:p@10.0.0.1:3128/\"\n# https_proxy=x\nno_proxy=localhost,100.100.100.200\n",
        );
        assert_eq!(env.len(), 2);
        assert_eq!(
            (env[0].variable.as_str(), env[0].value.as_str(), env[0].line),
            ("http_proxy", "http://u:p@10.0.0.1:3128/", 2)
        );
        let prof = shell_assignments(
            "profile",
            "/etc/profile.d/proxy.sh",
            "export HTTPS_PROXY=http://p:8080\nall_proxy=socks5://p; export all_proxy\n",
        );
        assert_eq!(prof.iter().map(|s| s.variable.as_str()).collect::<Vec<_>>(), vec!["HTTPS_PROXY", "all_proxy"]);
        let sd = systemd_default_environment(
            "/etc/systemd/system.conf",
            "[Manager]\n#DefaultEnvironment=http_proxy=x\nDefaultEnvironment=\"http_proxy=http://p:3128\" LANG=C no_proxy=10.0.0.0/8\n",
        );
        assert_eq!(
            sd.iter().map(|s| (s.variable.as_str(), s.value.as_str())).collect::<Vec<_>>(),
            vec![("http_proxy", "http://p:3128"), ("no_proxy", "10.0.0.0/8")]
        );
        let apt = apt_proxies(
            "/etc/apt/apt.conf.d/95proxy",
            "Acquire::http::Proxy \"http://p:3128/\";\nAcquire::https::Proxy \"DIRECT\";\n// Acquire::http::Proxy \"x\";\n",
        );
        assert_eq!(apt.len(), 1);
        assert_eq!(apt[0].value, "http://p:3128/");
        let yum = ini_proxies("yum", "/etc/yum.conf", "[main]\nproxy=http://p:3128\n[r]\nproxy=_none_\n");
        assert_eq!(yum.len(), 1);
    }

    #[test]
    fn parses_proxies_and_no_proxy() {
        assert_eq!(parse_proxy("http://u:p@10.0.0.1:3128/"), Some(("http".into(), "10.0.0.1".into(), 3128)));
        assert_eq!(parse_proxy("proxy.corp"), Some(("http".into(), "proxy.corp".into(), 80)));
        assert_eq!(parse_proxy("socks5h://[fd00::1]"), Some(("socks5h".into(), "fd00::1".into(), 1080)));
        assert_eq!(parse_proxy("http://:3128"), None);
        let md: IpAddr = "100.100.100.200".parse().unwrap();
        let np = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        assert!(covers(&np("localhost,100.100.100.200"), md));
        assert!(covers(&np("100.100.0.0/16"), md));
        assert!(covers(&np("*"), md));
        assert!(!covers(&np("localhost,127.0.0.1,.aliyuncs.com"), md));
        assert!(!covers(&np("100.100.0.0/24"), md));
        assert!(internal("10.1.2.3".parse().unwrap()) && internal(md) && !internal("8.8.8.8".parse().unwrap()));
    }
}
