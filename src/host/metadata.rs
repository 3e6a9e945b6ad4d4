//! The instance metadata service (Alibaba Cloud paths, see shared/platform/alibaba-cloud.md):
//! where it is, whether it may be asked at all, and one bounded fetch per run whose values
//! (instance id, region, VPC and vSwitch CIDR, private IP, platform nameservers) several checks
//! and the report header share.
//!
//! It is only asked when DMI says the machine is an Alibaba Cloud ECS instance, or when the
//! user names the service (`--metadata-url`, `ECS_DOCTOR_METADATA_URL`, `[net] metadata_url`).
//! Token (hardened) mode first, then plain; every request within 1 s and the run's deadline;
//! each value is asked once (the service rate-limits). The token never leaves this module.

use super::Host;
use super::facts::{self, Provider};
use super::http::{self, HttpError, Request, Response};
use crate::i18n::{Msg, Said};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

/// The Alibaba Cloud metadata service, reachable only from inside an instance.
pub const ALIBABA_URL: &str = "http://100.100.100.200";
/// Time limit of one request (the official credential libraries use 1 s too).
pub const REQUEST_LIMIT: Duration = Duration::from_secs(1);
/// Time for all the requests of one run: a slow service does not hold the checks up longer.
pub const FETCH_BUDGET: Duration = Duration::from_secs(3);
/// Largest answer read; metadata values are short, an HTML page or an endless body is not one.
pub const MAX_BODY: usize = 64 * 1024;
/// Lifetime asked for the session token: one run needs seconds.
const TOKEN_TTL: &str = "300";
const TOKEN_PATH: &str = "/latest/api/token";
const META_PATH: &str = "/latest/meta-data/";

/// The values read, by metadata path, with the key they get in the report's `host.cloud` (the
/// platform services are not part of the identity: the resolver check compares the nameservers,
/// the reachability check probes the package mirror and the time service by default).
pub const ITEMS: &[(&str, &str)] = &[
    ("instance-id", "instance_id"),
    ("region-id", "region_id"),
    ("zone-id", "zone_id"),
    ("instance/instance-type", "instance_type"),
    ("image-id", "image_id"),
    ("vpc-id", "vpc_id"),
    ("vpc-cidr-block", "vpc_cidr"),
    ("vswitch-cidr-block", "vswitch_cidr"),
    ("private-ipv4", "private_ipv4"),
    ("dns-conf/nameservers", "dns_nameservers"),
    ("source-address", "source_address"),
    ("ntp-conf/ntp-servers", "ntp_servers"),
    // The key pair bound to the instance in the console (sec.ssh.console-key).
    ("public-keys/0/openssh-key", "public_key"),
];

/// Keys of [`ITEMS`] that are not part of `host.cloud`.
const NOT_IDENTITY: &[&str] = &["dns_nameservers", "source_address", "ntp_servers", "public_key"];
/// Keys whose value may list several items, one per line.
const MULTI_LINE: &[&str] = &["dns_nameservers", "ntp_servers"];

/// Where the service is: an IP address and port (no name lookup: it could not be bounded) and
/// the path prefix before `/latest`.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub addr: SocketAddr,
    pub prefix: String,
    /// The URL as shown in subjects and evidence.
    pub url: String,
}

/// Parses `http://IP[:PORT][/PREFIX]`; a trailing `/latest/meta-data/` is accepted and dropped.
pub fn parse_url(url: &str) -> Result<Endpoint, Said> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Said::new(Msg::BadMetadataUrlScheme).arg("url", format!("{url:?}")))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let addr = if let Ok(sa) = authority.parse::<SocketAddr>() {
        sa
    } else if let Ok(ip) = authority.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        SocketAddr::new(ip, 80)
    } else {
        return Err(Said::new(Msg::BadMetadataUrlHost).arg("url", format!("{url:?}")));
    };
    let mut prefix = path.trim_end_matches('/').to_string();
    for tail in ["/latest/meta-data", "/latest"] {
        if let Some(p) = prefix.strip_suffix(tail) {
            prefix = p.to_string();
            break;
        }
    }
    if prefix.chars().any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#') {
        return Err(Said::new(Msg::BadMetadataUrlPath).arg("url", format!("{url:?}")));
    }
    let shown = match addr {
        SocketAddr::V4(a) if a.port() == 80 => format!("http://{}{prefix}", a.ip()),
        SocketAddr::V6(a) if a.port() == 80 => format!("http://[{}]{prefix}", a.ip()),
        a => format!("http://{a}{prefix}"),
    };
    Ok(Endpoint { addr, prefix, url: shown })
}

/// Whether this run may ask a metadata service, and which.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Named by the user.
    Explicit(Endpoint),
    /// DMI says Alibaba Cloud ECS: its well-known address.
    Detected(Endpoint),
    /// Not asked, and why (the skip reason of the metadata check).
    NotApplicable(Said),
}

impl Source {
    pub fn endpoint(&self) -> Option<&Endpoint> {
        match self {
            Source::Explicit(e) | Source::Detected(e) => Some(e),
            Source::NotApplicable(_) => None,
        }
    }
}

/// Decides whether a metadata service may be asked: only the one the user names, or the one of
/// the cloud DMI detected, and never for a system examined under `--root` (the service would
/// describe the machine running the tool, not the examined disk) unless named.
pub fn source(host: &Host, explicit: Option<&str>) -> Source {
    if let Some(url) = explicit {
        return match parse_url(url) {
            Ok(e) => Source::Explicit(e),
            Err(why) => Source::NotApplicable(Said::new(Msg::FlagMetadataUrl).nest("error", why)),
        };
    }
    if !host.is_live() {
        return Source::NotApplicable(Said::new(Msg::SkipMetadataUnderRoot));
    }
    decide(facts::cloud_provider(host))
}

/// The decision by provider alone (the live, no-URL case).
pub fn decide(provider: Provider) -> Source {
    match provider {
        Provider::Alibaba => match parse_url(ALIBABA_URL) {
            Ok(e) => Source::Detected(e),
            Err(why) => Source::NotApplicable(why),
        },
        Provider::None | Provider::Other => Source::NotApplicable(Said::new(Msg::SkipMetadataNotCloud)),
        p => Source::NotApplicable(Said::new(Msg::SkipMetadataOtherCloud).arg("cloud", format!("{p:?}"))),
    }
}

/// How the service was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Hardened mode: a session token from `PUT /latest/api/token`.
    Token,
    Plain,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Token => "token",
            Mode::Plain => "plain",
        }
    }
}

/// Why the service could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Timeout,
    Refused,
    Unreachable,
    Io,
    /// 401: the token was rejected and a token-less request was refused too.
    Unauthorized,
    /// 403: refused (a proxy adding X-Forwarded-For, or token mode required and no token).
    Forbidden,
    /// Another HTTP status where a value was expected.
    Status(u16),
    /// An answer that is not a metadata value (HTML, huge, garbage).
    BadAnswer,
}

impl Failure {
    /// The value of the probe's `failure` field.
    pub fn name(&self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Refused => "refused",
            Failure::Unreachable => "unreachable",
            Failure::Io => "io",
            Failure::Unauthorized => "http-401",
            Failure::Forbidden => "http-403",
            Failure::Status(_) => "http-status",
            Failure::BadAnswer => "bad-answer",
        }
    }

    fn of(e: &HttpError) -> Failure {
        match e {
            HttpError::Timeout(_) => Failure::Timeout,
            HttpError::Refused => Failure::Refused,
            HttpError::Unreachable(_) => Failure::Unreachable,
            HttpError::Io(_) => Failure::Io,
            HttpError::Malformed(_) => Failure::BadAnswer,
        }
    }
}

/// What one run learnt from the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub url: String,
    pub mode: Option<Mode>,
    /// Why it could not be used, with a sentence for the finding.
    pub failure: Option<(Failure, String)>,
    /// Values by report key ([`ITEMS`]).
    pub values: BTreeMap<String, String>,
    /// Round trip of the first successful value request.
    pub latency_ms: Option<f64>,
    /// The last HTTP status seen when it failed with one.
    pub http_status: Option<u16>,
    /// One line per request: what was asked and what came back (never the token).
    pub evidence: Vec<String>,
}

impl Metadata {
    /// The identity for the report's `host.cloud`.
    pub fn identity(&self) -> BTreeMap<String, String> {
        if self.failure.is_some() {
            return BTreeMap::new();
        }
        self.values
            .iter()
            .filter(|(k, _)| !NOT_IDENTITY.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The package mirror the service names (`source-address`), as a URL.
    pub fn package_mirror(&self) -> Option<String> {
        let v = self.values.get("source_address")?.split(',').next()?.trim().to_string();
        if v.is_empty() {
            return None;
        }
        Some(if v.contains("://") { v } else { format!("http://{v}") })
    }

    /// The time servers the service names (`ntp-conf/ntp-servers`).
    pub fn ntp_servers(&self) -> Vec<String> {
        self.values
            .get("ntp_servers")
            .map(|v| v.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// The platform nameservers the service names (`dns-conf/nameservers`).
    pub fn nameservers(&self) -> Vec<IpAddr> {
        self.values
            .get("dns_nameservers")
            .map(|v| v.split([',', ' ', '\n']).filter_map(|s| s.trim().parse().ok()).collect())
            .unwrap_or_default()
    }
}

/// A metadata value: short printable text; multi-line only where the service lists several
/// (nameservers), never markup.
pub fn valid_value(body: &str, multi_line: bool) -> Result<String, String> {
    let t = body.trim();
    if t.is_empty() {
        return Err("an empty answer".into());
    }
    let start: String = t.chars().take(40).collect();
    if t.starts_with('<') || t.contains("<html") || t.contains("<HTML") {
        return Err(format!("an HTML page ({start:?}...)"));
    }
    if t.len() > 1024 {
        return Err(format!("{} bytes of text ({start:?}...)", t.len()));
    }
    if !multi_line && t.contains('\n') {
        return Err(format!("several lines ({start:?}...)"));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(format!("binary data ({start:?}...)"));
    }
    Ok(t.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(","))
}

struct Client<'a> {
    ep: &'a Endpoint,
    deadline: Instant,
    budget_end: Instant,
    evidence: Vec<String>,
}

impl Client<'_> {
    fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)]) -> Result<(Response, f64), HttpError> {
        let limit = REQUEST_LIMIT.min(self.deadline.min(self.budget_end).saturating_duration_since(Instant::now()));
        if limit < Duration::from_millis(20) {
            return Err(HttpError::Timeout(limit.as_secs_f64()));
        }
        let full = format!("{}{path}", self.ep.prefix);
        let started = Instant::now();
        let r = http::send(&Request { addr: self.ep.addr, method, path: &full, headers, limit, max_body: MAX_BODY });
        let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
        let line = match &r {
            Ok(resp) => format!(
                "{method} {}{path}: HTTP {}{} in {ms} ms",
                self.ep.url,
                resp.status,
                resp.content_type.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
            ),
            Err(e) => format!("{method} {}{path}: {e}", self.ep.url),
        };
        self.evidence.push(line);
        r.map(|resp| (resp, ms))
    }
}

/// Asks the service for [`ITEMS`]: token mode first, then plain. Never takes longer than
/// [`FETCH_BUDGET`] or past `deadline`.
pub fn fetch(ep: &Endpoint, deadline: Instant) -> Metadata {
    let mut c = Client { ep, deadline, budget_end: Instant::now() + FETCH_BUDGET, evidence: Vec::new() };
    let mut md = Metadata {
        url: ep.url.clone(),
        mode: None,
        failure: None,
        values: BTreeMap::new(),
        latency_ms: None,
        http_status: None,
        evidence: Vec::new(),
    };
    let fail = |md: &mut Metadata, c: Client, f: Failure, why: String| {
        md.failure = Some((f, why));
        md.evidence = c.evidence;
        md.clone()
    };

    // 1. A session token. No answer at all: nothing to retry in plain mode.
    let token = match c.request("PUT", TOKEN_PATH, &[("X-aliyun-ecs-metadata-token-ttl-seconds", TOKEN_TTL)]) {
        Ok((r, _)) if r.status == 200 => {
            let t = String::from_utf8_lossy(&r.body).trim().to_string();
            (!t.is_empty() && t.len() <= 1024 && t.bytes().all(|b| b.is_ascii_graphic()) && !r.truncated).then_some(t)
        }
        Ok(_) => None,
        Err(e) => {
            let why = format!("no answer from {} ({e})", ep.url);
            return fail(&mut md, c, Failure::of(&e), why);
        }
    };

    // 2. The instance id, with the token, then without.
    let first = format!("{META_PATH}{}", ITEMS[0].0);
    let mut token_rejected = false;
    let mut answer = None;
    if let Some(t) = &token {
        match c.request("GET", &first, &[("X-aliyun-ecs-metadata-token", t)]) {
            Ok((r, ms)) if r.status == 200 => {
                md.mode = Some(Mode::Token);
                answer = Some((r, ms));
            }
            Ok((r, _)) => token_rejected = r.status == 401,
            Err(e) => {
                let why = format!("{} did not answer a request for the instance id ({e})", ep.url);
                return fail(&mut md, c, Failure::of(&e), why);
            }
        }
    }
    if answer.is_none() {
        match c.request("GET", &first, &[]) {
            Ok((r, ms)) if r.status == 200 => {
                md.mode = Some(Mode::Plain);
                answer = Some((r, ms));
            }
            Ok((r, _)) => {
                md.http_status = Some(r.status);
                let (f, why) = match r.status {
                    401 | 403 if token_rejected => (
                        Failure::Unauthorized,
                        format!(
                            "{} rejected its own session token (HTTP 401) and refuses requests without one (HTTP {})",
                            ep.url, r.status
                        ),
                    ),
                    401 => {
                        (Failure::Unauthorized, format!("{} answers HTTP 401 (unauthorised) to every request", ep.url))
                    }
                    403 => (
                        Failure::Forbidden,
                        format!(
                            "{} answers HTTP 403 (forbidden): a proxy in the path adds X-Forwarded-For, or token mode is required and no token was issued",
                            ep.url
                        ),
                    ),
                    s => (Failure::Status(s), format!("{} answers HTTP {s} for the instance id", ep.url)),
                };
                return fail(&mut md, c, f, why);
            }
            Err(e) => {
                let why = format!("{} did not answer a request for the instance id ({e})", ep.url);
                return fail(&mut md, c, Failure::of(&e), why);
            }
        }
    }
    let Some((r, ms)) = answer else {
        return fail(&mut md, c, Failure::Io, "no answer".into());
    };
    if r.truncated {
        let why = format!(
            "{} answered the instance id with more than {} KiB: not a metadata service",
            ep.url,
            MAX_BODY / 1024
        );
        return fail(&mut md, c, Failure::BadAnswer, why);
    }
    match valid_value(&String::from_utf8_lossy(&r.body), false) {
        Ok(v) => {
            md.values.insert(ITEMS[0].1.to_string(), v);
            md.latency_ms = Some(ms);
        }
        Err(what) => {
            let why = format!(
                "{} answered the instance id with {what}: not a metadata service (a captive portal or proxy?)",
                ep.url
            );
            return fail(&mut md, c, Failure::BadAnswer, why);
        }
    }

    // 3. The other values, in the mode that worked; a missing one (404) is left out.
    let header;
    let headers: &[(&str, &str)] = match (&token, md.mode) {
        (Some(t), Some(Mode::Token)) => {
            header = [("X-aliyun-ecs-metadata-token", t.as_str())];
            &header
        }
        _ => &[],
    };
    for (path, key) in &ITEMS[1..] {
        match c.request("GET", &format!("{META_PATH}{path}"), headers) {
            Ok((r, _)) if r.status == 200 && !r.truncated => {
                if let Ok(v) = valid_value(&String::from_utf8_lossy(&r.body), MULTI_LINE.contains(key)) {
                    md.values.insert(key.to_string(), v);
                }
            }
            Ok(_) => {}
            Err(HttpError::Timeout(_)) => {
                c.evidence.push("the remaining values were not asked: the service is too slow".into());
                break;
            }
            Err(_) => {}
        }
    }
    md.evidence = c.evidence;
    md
}

/// One network interface the console assigned (`network/interfaces/macs/<mac>/`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NicMeta {
    pub mac: String,
    /// `network-interface-id` (eni-...).
    pub id: Option<String>,
    pub primary_ip: Option<Ipv4Addr>,
    /// `private-ipv4s`: every private IPv4 of the NIC, the primary one included.
    pub private_ips: Vec<Ipv4Addr>,
    pub netmask: Option<Ipv4Addr>,
    pub gateway: Option<Ipv4Addr>,
    pub vswitch_cidr: Option<String>,
}

impl NicMeta {
    /// The prefix length of the NIC's subnet: from `netmask`, else the vSwitch's CIDR.
    pub fn prefix(&self) -> Option<u8> {
        if let Some(m) = self.netmask {
            let bits = u32::from(m);
            if bits.leading_ones() + bits.trailing_zeros() == 32 {
                return Some(bits.leading_ones() as u8);
            }
        }
        self.vswitch_cidr.as_ref()?.split_once('/')?.1.trim().parse().ok().filter(|p| *p <= 32)
    }
}

/// What the service says about the instance's network identity: its hostname, the primary
/// MAC and every NIC with its private IPs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Network {
    /// The service's URL, for evidence.
    pub url: String,
    pub hostname: Option<String>,
    /// The instance's user data as the console holds it now (`latest/user-data`), raw.
    pub user_data: Option<Vec<u8>>,
    pub primary_mac: Option<String>,
    pub nics: Vec<NicMeta>,
    pub evidence: Vec<String>,
}

/// NICs asked about at most (an ECS instance has at most a few dozen; the budget is the limit).
const MAX_NICS: usize = 16;

/// A list of addresses as the service gives it: a JSON array (`["10.0.0.5","10.0.0.6"]`) or
/// one per line or comma.
pub fn parse_ip_list(v: &str) -> Vec<Ipv4Addr> {
    v.split([',', '\n', ' ', '[', ']', '"']).filter_map(|s| s.trim().parse().ok()).collect()
}

/// Asks the service for the hostname and the NICs (a second session: the token never leaves
/// this module). Bounded like [`fetch`]: [`FETCH_BUDGET`] and `deadline`.
pub fn fetch_network(ep: &Endpoint, deadline: Instant) -> Network {
    let mut c = Client { ep, deadline, budget_end: Instant::now() + FETCH_BUDGET, evidence: Vec::new() };
    let token = match c.request("PUT", TOKEN_PATH, &[("X-aliyun-ecs-metadata-token-ttl-seconds", TOKEN_TTL)]) {
        Ok((r, _)) if r.status == 200 && !r.truncated => {
            let t = String::from_utf8_lossy(&r.body).trim().to_string();
            (!t.is_empty() && t.len() <= 1024 && t.bytes().all(|b| b.is_ascii_graphic())).then_some(t)
        }
        _ => None,
    };
    let get = |c: &mut Client, path: &str, multi: bool| -> Option<String> {
        let header;
        let headers: &[(&str, &str)] = match &token {
            Some(t) => {
                header = [("X-aliyun-ecs-metadata-token", t.as_str())];
                &header
            }
            None => &[],
        };
        match c.request("GET", &format!("{META_PATH}{path}"), headers) {
            Ok((r, _)) if r.status == 200 && !r.truncated => valid_value(&String::from_utf8_lossy(&r.body), multi).ok(),
            _ => None,
        }
    };
    let mut net = Network {
        hostname: get(&mut c, "hostname", false),
        primary_mac: get(&mut c, "mac", false),
        ..Default::default()
    };
    let macs: Vec<String> = get(&mut c, "network/interfaces/macs/", true)
        .map(|v| {
            v.split(',')
                .map(|m| m.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|m| m.len() == 17 && m.bytes().all(|b| b.is_ascii_hexdigit() || b == b':'))
                .take(MAX_NICS)
                .collect()
        })
        .unwrap_or_default();
    for mac in macs {
        let base = format!("network/interfaces/macs/{mac}/");
        let nic = NicMeta {
            id: get(&mut c, &format!("{base}network-interface-id"), false),
            primary_ip: get(&mut c, &format!("{base}primary-ip-address"), false).and_then(|v| v.parse().ok()),
            private_ips: get(&mut c, &format!("{base}private-ipv4s"), true)
                .map(|v| parse_ip_list(&v))
                .unwrap_or_default(),
            netmask: get(&mut c, &format!("{base}netmask"), false).and_then(|v| v.parse().ok()),
            gateway: get(&mut c, &format!("{base}gateway"), false).and_then(|v| v.parse().ok()),
            vswitch_cidr: get(&mut c, &format!("{base}vswitch-cidr-block"), false),
            mac,
        };
        let mut nic = nic;
        if let Some(p) = nic.primary_ip
            && !nic.private_ips.contains(&p)
        {
            nic.private_ips.insert(0, p);
        }
        net.evidence.push(format!(
            "{}{META_PATH}{base}: {} primary {} private IPs {}",
            ep.url,
            nic.id.as_deref().unwrap_or("(no id)"),
            nic.primary_ip.map_or_else(|| "unknown".to_string(), |p| p.to_string()),
            nic.private_ips.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
        ));
        net.nics.push(nic);
    }
    if let Some(h) = &net.hostname {
        net.evidence.push(format!("{}{META_PATH}hostname: {h}", ep.url));
    }
    // The user data is not a metadata value (a script, any bytes): kept raw, only compared.
    let header;
    let headers: &[(&str, &str)] = match &token {
        Some(t) => {
            header = [("X-aliyun-ecs-metadata-token", t.as_str())];
            &header
        }
        None => &[],
    };
    if let Ok((r, _)) = c.request("GET", "/latest/user-data", headers)
        && r.status == 200
        && !r.truncated
    {
        net.user_data = Some(r.body);
    }
    net.evidence.extend(c.evidence.iter().filter(|l| l.contains("/user-data")).cloned());
    net
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn urls() {
        let e = parse_url("http://100.100.100.200").unwrap();
        assert_eq!(
            (e.addr.to_string().as_str(), e.prefix.as_str(), e.url.as_str()),
            ("100.100.100.200:80", "", "http://100.100.100.200")
        );
        let e = parse_url("http://127.0.0.1:8080/md/latest/meta-data/").unwrap();
        assert_eq!((e.prefix.as_str(), e.url.as_str()), ("/md", "http://127.0.0.1:8080/md"));
        let e = parse_url("http://[fd00::1]/").unwrap();
        assert_eq!(e.url, "http://[fd00::1]");
        assert!(parse_url("https://100.100.100.200").is_err());
        assert!(parse_url("http://metadata.google.internal/").is_err());
        assert!(parse_url("http://1.2.3.4/a b").is_err());
        assert!(parse_url("").is_err());
    }

    #[test]
    fn only_a_detected_or_named_service_is_asked() {
        assert!(matches!(decide(Provider::Alibaba), Source::Detected(e) if e.url == ALIBABA_URL));
        assert!(matches!(decide(Provider::None), Source::NotApplicable(_)));
        assert!(matches!(decide(Provider::Aws), Source::NotApplicable(w) if w.render(Lang::En).contains("Aws")));
        let fixture = Host::new("/nonexistent-root");
        assert!(matches!(source(&fixture, None), Source::NotApplicable(w) if w.render(Lang::En).contains("--root")));
        assert!(matches!(source(&fixture, Some("http://10.0.0.1:81")), Source::Explicit(_)));
        assert!(matches!(source(&fixture, Some("ftp://x")), Source::NotApplicable(_)));
    }

    #[test]
    fn values_must_look_like_metadata() {
        assert_eq!(valid_value("i-bp1abc\n", false).unwrap(), "i-bp1abc");
        assert_eq!(valid_value("100.100.2.136\n100.100.2.138\n", true).unwrap(), "100.100.2.136,100.100.2.138");
        assert!(valid_value("<!DOCTYPE html><html>", false).is_err());
        assert!(valid_value("a\nb", false).is_err());
        assert!(valid_value("", false).is_err());
        assert!(valid_value("x\u{1}y", false).is_err());
        assert!(valid_value(&"x".repeat(2000), false).is_err());
    }
}
