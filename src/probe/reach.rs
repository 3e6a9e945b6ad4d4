//! Reachability of the endpoints the server must talk to (`--target`, `[net] targets` in the
//! config; on Alibaba Cloud by default the package mirror and the time service the instance
//! metadata names): a TCP connect for `HOST[:PORT]`, an HTTP(S) request for an `http://` or
//! `https://` URL, an SNTP query for `ntp://HOST`. Each target gets one observation whose
//! `error` names what went wrong as a support engineer would search it (ECONNREFUSED,
//! ETIMEDOUT, a TLS failure kind), with the connect latency, the HTTP status and the days left
//! on the server's certificate.
//!
//! Every target runs on its own thread, so a name that never resolves (getaddrinfo has no
//! timeout) or a server that never answers cannot hold the others. The probe waits until its
//! budget (`budget_ms`, never past the run's deadline) and reports the targets still running as
//! timed out; their threads are abandoned.

use super::{Observation, Observations, ProbeContext, ProbeError};
use crate::i18n::{Msg, Said};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The port of a target written as a bare `HOST`: HTTPS, the port most servers must reach.
pub const DEFAULT_PORT: u16 = 443;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Time for the TCP connect (and, for https, the TLS handshake), per target.
    #[serde(default = "default_connect_ms")]
    pub connect_timeout_ms: u64,
    /// Time for a whole HTTP request, per target.
    #[serde(default = "default_request_ms")]
    pub request_timeout_ms: u64,
    /// The probe's whole time: targets still running then are reported as timed out. Keep it
    /// below the check's timeout so the results of the others are not lost.
    #[serde(default = "default_budget_ms")]
    pub budget_ms: u64,
}

fn default_connect_ms() -> u64 {
    1500
}
fn default_request_ms() -> u64 {
    3000
}
fn default_budget_ms() -> u64 {
    3500
}

pub const FIELDS: &[&str] = &[
    "kind",
    "address",
    "reachable",
    "error",
    "detail",
    "connect_ms",
    "response_ms",
    "http_status",
    "cert_days_left",
    "cert_not_after",
];

/// How a target is probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Tcp,
    Http,
    Https,
    /// A time server: one SNTP query over UDP.
    Ntp,
}

impl TargetKind {
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Tcp => "tcp",
            TargetKind::Http => "http",
            TargetKind::Https => "https",
            TargetKind::Ntp => "ntp",
        }
    }
}

/// The package mirror of Alibaba Cloud's VPC (shared/platform/alibaba-cloud.md), when the
/// metadata service names none.
pub const ALIBABA_MIRROR: &str = "http://mirrors.cloud.aliyuncs.com/";
/// Alibaba Cloud's internal time service, when the metadata service names none.
pub const ALIBABA_NTP: &str = "ntp.cloud.aliyuncs.com";

/// An endpoint to reach, as the user wrote it (`raw`, the subject of findings) and parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub raw: String,
    pub kind: TargetKind,
    /// A name or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// The URL of an http/https target.
    pub url: Option<String>,
}

fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && (host.parse::<IpAddr>().is_ok()
            || host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'))
}

impl Target {
    /// Parses `HOST`, `HOST:PORT`, `[IPV6]:PORT`, a bare IPv6 address, an http/https URL, or
    /// `ntp://HOST[:PORT]`. A bare host means port [`DEFAULT_PORT`].
    pub fn parse(s: &str) -> Result<Target, Said> {
        let raw = s.trim();
        if raw.is_empty() {
            return Err(Said::new(Msg::TargetEmpty));
        }
        let lower = raw.to_ascii_lowercase();
        if lower.starts_with("ntp://") {
            let url = reqwest::Url::parse(raw)
                .map_err(|e| Said::new(Msg::TargetBadUrl).arg("target", format!("{raw:?}")).arg("error", e))?;
            let host = url.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']').to_string();
            if !valid_host(&host) || !matches!(url.path(), "" | "/") || url.query().is_some() {
                return Err(Said::new(Msg::TargetNtpForm).arg("target", format!("{raw:?}")));
            }
            let port = url.port().unwrap_or(crate::host::sntp::PORT);
            return Ok(Target { raw: raw.to_string(), kind: TargetKind::Ntp, host, port, url: None });
        }
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let url = reqwest::Url::parse(raw)
                .map_err(|e| Said::new(Msg::TargetBadUrl).arg("target", format!("{raw:?}")).arg("error", e))?;
            let kind = if url.scheme() == "https" { TargetKind::Https } else { TargetKind::Http };
            let host = match url.host_str() {
                Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']').to_string(),
                _ => return Err(Said::new(Msg::TargetNoHost).arg("target", format!("{raw:?}"))),
            };
            let port = url.port_or_known_default().unwrap_or(if kind == TargetKind::Https { 443 } else { 80 });
            return Ok(Target { raw: raw.to_string(), kind, host, port, url: Some(url.to_string()) });
        }
        if raw.contains("://") {
            return Err(Said::new(Msg::TargetScheme).arg("target", format!("{raw:?}")));
        }
        let (host, port) = if let Some(rest) = raw.strip_prefix('[') {
            let (h, after) = rest
                .split_once(']')
                .ok_or_else(|| Said::new(Msg::TargetNoBracket).arg("target", format!("{raw:?}")))?;
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(Said::new(Msg::TargetNotIpv6)
                    .arg("target", format!("{raw:?}"))
                    .arg("host", format!("{h:?}")));
            }
            match after {
                "" => (h.to_string(), None),
                p => (
                    h.to_string(),
                    Some(
                        p.strip_prefix(':')
                            .ok_or_else(|| Said::new(Msg::TargetBadPort).arg("target", format!("{raw:?}")))?,
                    ),
                ),
            }
        } else if raw.parse::<std::net::Ipv6Addr>().is_ok() {
            (raw.to_string(), None)
        } else {
            match raw.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (raw.to_string(), None),
            }
        };
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(Said::new(Msg::TargetPortRange)
                        .arg("target", format!("{raw:?}"))
                        .arg("port", format!("{p:?}")));
                }
            },
        };
        if !valid_host(&host) {
            return Err(Said::new(Msg::TargetBadHost)
                .arg("target", format!("{raw:?}"))
                .arg("host", format!("{host:?}")));
        }
        Ok(Target { raw: raw.to_string(), kind: TargetKind::Tcp, host, port, url: None })
    }
}

/// Parses a list of targets, dropping repeats (the config and the command line may both name one).
pub fn parse_all<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Vec<Target>, Said> {
    let mut out: Vec<Target> = Vec::new();
    for s in items {
        let t = Target::parse(s)?;
        if !out.iter().any(|o| o.raw == t.raw) {
            out.push(t);
        }
    }
    Ok(out)
}

/// The targets of this run: the user's, else the cloud's defaults. `Err` says why there is
/// nothing to probe.
pub fn targets_of(ctx: &ProbeContext) -> Result<Vec<Target>, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipReachUnderRoot));
    }
    if !ctx.targets.is_empty() {
        return Ok(ctx.targets.clone());
    }
    // A metadata service to ask means Alibaba Cloud (detected by DMI, or named by the user).
    if ctx.metadata_source().endpoint().is_some() {
        let Some(md) = ctx.metadata() else {
            return Err(ProbeError::skipped(Msg::SkipNoTargetsNoMetadata));
        };
        if let Some((_, why)) = &md.failure {
            return Err(ProbeError::Skipped(Said::new(Msg::SkipNoTargetsMetadataFailed).arg("error", why)));
        }
        return Ok(alibaba_defaults(&md));
    }
    match crate::host::facts::cloud_provider(&ctx.host) {
        crate::host::facts::Provider::None => Err(ProbeError::skipped(Msg::SkipNoTargets)),
        provider => {
            Err(ProbeError::Skipped(Said::new(Msg::SkipNoTargetsForCloud).arg("cloud", provider_name(provider))))
        }
    }
}

/// The endpoints every Alibaba Cloud instance needs: the package mirror (`source-address`) and
/// the first time server (`ntp-conf/ntp-servers`) the metadata names, else the documented ones.
pub fn alibaba_defaults(md: &crate::host::metadata::Metadata) -> Vec<Target> {
    let mirror = md.package_mirror().and_then(|m| Target::parse(&m).ok());
    let mirror = mirror.or_else(|| Target::parse(ALIBABA_MIRROR).ok());
    let ntp = md.ntp_servers().into_iter().find_map(|h| Target::parse(&format!("ntp://{h}")).ok());
    let ntp = ntp.or_else(|| Target::parse(&format!("ntp://{ALIBABA_NTP}")).ok());
    mirror.into_iter().chain(ntp).collect()
}

fn provider_name(p: crate::host::facts::Provider) -> String {
    serde_json::to_value(p).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| format!("{p:?}"))
}

/// When a network probe must have its results: a little before the run's deadline, so the
/// targets that did answer are reported rather than lost with the ones still waiting.
pub fn finish_by(ctx: &ProbeContext) -> Instant {
    let margin = Duration::from_millis(250);
    ctx.deadline.checked_sub(margin).filter(|t| *t > Instant::now()).unwrap_or(ctx.deadline)
}

/// An error code (errno-style) and what happened, in words of the run's language.
pub type Failure = (String, Said);

/// Resolves a host (an IP literal needs no lookup), the error in English. Blocking: call it from
/// an abandonable thread.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, (String, String)> {
    resolve_said(host, port).map_err(|(code, said)| (code, said.render(crate::i18n::Lang::En)))
}

/// [`resolve`], the error as a message.
fn resolve_said(host: &str, port: u16) -> Result<Vec<SocketAddr>, Failure> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match (host, port).to_socket_addrs() {
        Ok(addrs) => {
            let mut v: Vec<SocketAddr> = addrs.collect();
            // IPv4 first: most cloud networks route it; IPv6 may be configured but dead.
            v.sort_by_key(|a| a.is_ipv6());
            v.dedup();
            if v.is_empty() {
                Err(("EAI_NONAME".into(), Said::new(Msg::ReachNoAddress).arg("host", host)))
            } else {
                Ok(v)
            }
        }
        Err(e) => {
            let text = e.to_string();
            let code = if text.contains("Temporary failure") || text.contains("try again") {
                "EAI_AGAIN"
            } else {
                "EAI_NONAME"
            };
            Err((code.into(), Said::new(Msg::ReachCannotResolve).arg("host", host).arg("error", text)))
        }
    }
}

/// The errno-style name of a failed connect.
fn connect_code(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(111) => "ECONNREFUSED".into(),
        Some(110) => "ETIMEDOUT".into(),
        Some(113) => "EHOSTUNREACH".into(),
        Some(101) => "ENETUNREACH".into(),
        Some(104) => "ECONNRESET".into(),
        Some(99) => "EADDRNOTAVAIL".into(),
        Some(13) => "EACCES".into(),
        // Not permitted here (a security module, or a local rule on what may be sent).
        Some(1) => "EPERM".into(),
        _ => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "ECONNREFUSED".into(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => "ETIMEDOUT".into(),
            std::io::ErrorKind::ConnectionReset => "ECONNRESET".into(),
            _ => crate::host::errno_name(e),
        },
    }
}

/// What reaching one target found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub address: Option<SocketAddr>,
    /// `None` when everything worked.
    pub error: Option<Failure>,
    pub connect_ms: Option<f64>,
    pub response_ms: Option<f64>,
    pub http_status: Option<u16>,
    /// Days until the leaf certificate expires (negative: expired), and when.
    pub cert: Option<(f64, String)>,
    /// A time server's answer.
    pub ntp: Option<crate::host::sntp::Reply>,
}

/// TCP connect to each address in turn until one answers; the time of the successful one.
fn connect(addrs: &[SocketAddr], timeout: Duration, until: Instant) -> Result<(SocketAddr, f64), Failure> {
    let mut last = ("ETIMEDOUT".to_string(), Said::new(Msg::ReachNoTimeToConnect));
    for addr in addrs {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let started = Instant::now();
        match TcpStream::connect_timeout(addr, timeout.min(left)) {
            Ok(_) => return Ok((*addr, started.elapsed().as_secs_f64() * 1000.0)),
            Err(e) => {
                let code = connect_code(&e);
                let what = match code.as_str() {
                    "ECONNREFUSED" => Said::new(Msg::ReachRefused),
                    "ETIMEDOUT" => {
                        Said::new(Msg::ReachNoAnswer).arg("seconds", format!("{:.1}", timeout.min(left).as_secs_f64()))
                    }
                    _ => Said::os_error(&e),
                };
                last = (code, Said::new(Msg::ReachConnect).arg("address", addr).nest("what", what));
            }
        }
    }
    Err(last)
}

/// The kind of a TLS failure, found by walking the error chain down to `rustls::Error` (tokio
/// and hyper wrap it in io::Error, whose `source` skips the wrapped error itself).
pub fn tls_failure(err: &(dyn std::error::Error + 'static)) -> Option<Failure> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(tls_code(r));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = tls_failure(inner)
        {
            return Some(found);
        }
        cur = e.source();
    }
    None
}

fn tls_code(e: &rustls::Error) -> Failure {
    use rustls::CertificateError as C;
    let code = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::Expired | C::ExpiredContext { .. } => "TLS_CERT_EXPIRED",
            C::NotValidYet | C::NotValidYetContext { .. } => "TLS_CERT_NOT_YET_VALID",
            C::UnknownIssuer => "TLS_UNKNOWN_ISSUER",
            C::NotValidForName | C::NotValidForNameContext { .. } => "TLS_NAME_MISMATCH",
            C::Revoked => "TLS_CERT_REVOKED",
            C::BadSignature => "TLS_BAD_SIGNATURE",
            _ => "TLS_BAD_CERT",
        },
        rustls::Error::AlertReceived(_) => "TLS_ALERT",
        rustls::Error::NoCertificatesPresented => "TLS_NO_CERT",
        _ => "TLS_HANDSHAKE",
    };
    (code.to_string(), Said::new(Msg::ReachTls).arg("error", e))
}

/// Days left on a DER certificate, and its notAfter in RFC 3339.
fn cert_expiry(der: &[u8]) -> Option<(f64, String)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.timestamp();
    let now = jiff::Timestamp::now().as_second();
    let when = jiff::Timestamp::from_second(not_after).map(|t| t.to_string()).unwrap_or_default();
    Some(((not_after - now) as f64 / 86_400.0, when))
}

fn http_request(t: &Target, addr: SocketAddr, params: &Params, until: Instant) -> Outcome {
    let mut out = Outcome { address: Some(addr), ..Default::default() };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let left = until.saturating_duration_since(Instant::now());
    let connect = Duration::from_millis(params.connect_timeout_ms).min(left);
    let total = Duration::from_millis(params.request_timeout_ms).min(left);
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(connect)
        .timeout(total)
        .tls_info(true)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ecs-doctor/", env!("CARGO_PKG_VERSION")))
        .resolve(&t.host, addr)
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            out.error = Some(("EINVAL".into(), Said::new(Msg::ReachHttpClient).arg("error", e)));
            return out;
        }
    };
    let Some(url) = &t.url else { return out };
    let started = Instant::now();
    match client.get(url).send() {
        Ok(resp) => {
            out.response_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
            out.http_status = Some(resp.status().as_u16());
            if let Some(info) = resp.extensions().get::<reqwest::tls::TlsInfo>()
                && let Some(der) = info.peer_certificate()
            {
                out.cert = cert_expiry(der);
            }
        }
        Err(e) => {
            out.error = Some(if let Some(tls) = tls_failure(&e) {
                tls
            } else if e.is_timeout() {
                let what = Said::new(Msg::ReachNoAnswer).arg("seconds", format!("{:.1}", total.as_secs_f64()));
                ("ETIMEDOUT".into(), Said::new(Msg::ReachUrl).arg("url", url).nest("what", what))
            } else {
                let mut detail = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    detail = format!("{detail}: {s}");
                    src = s.source();
                }
                let code = if e.is_connect() { "ECONNRESET" } else { "EPROTO" };
                // The HTTP library's own words, as the system's error texts are.
                (code.into(), Said::new(Msg::OsOther).arg("error", detail))
            });
        }
    }
    out
}

/// One SNTP query to each address in turn until one answers.
fn ntp_query(addrs: &[SocketAddr], timeout: Duration, until: Instant) -> Outcome {
    let mut out = Outcome { address: addrs.first().copied(), ..Default::default() };
    for addr in addrs {
        let left = until.saturating_duration_since(Instant::now()).min(timeout);
        if left.is_zero() {
            break;
        }
        let started = Instant::now();
        match crate::host::sntp::query(*addr, left) {
            Ok(r) => {
                return Outcome {
                    address: Some(*addr),
                    response_ms: Some(started.elapsed().as_secs_f64() * 1000.0),
                    ntp: Some(r),
                    ..Default::default()
                };
            }
            Err(e) => {
                out.address = Some(*addr);
                out.error =
                    Some((e.code().to_string(), Said::new(Msg::ReachSntp).arg("address", addr).arg("error", e)));
            }
        }
    }
    if out.error.is_none() {
        out.error = Some(("ETIMEDOUT".into(), Said::new(Msg::ReachNoTimeForSntp)));
    }
    out
}

/// Reaches one target: resolve, TCP connect (timed), then the HTTP request for URLs; an SNTP
/// query for a time server.
pub fn reach(t: &Target, params: &Params, until: Instant) -> Outcome {
    let addrs = match resolve_said(&t.host, t.port) {
        Ok(a) => a,
        Err(e) => return Outcome { error: Some(e), ..Default::default() },
    };
    if t.kind == TargetKind::Ntp {
        return ntp_query(&addrs, Duration::from_millis(params.connect_timeout_ms), until);
    }
    let (addr, ms) = match connect(&addrs, Duration::from_millis(params.connect_timeout_ms), until) {
        Ok(ok) => ok,
        Err(e) => return Outcome { address: addrs.first().copied(), error: Some(e), ..Default::default() },
    };
    if t.kind == TargetKind::Tcp {
        return Outcome { address: Some(addr), connect_ms: Some(ms), ..Default::default() };
    }
    let mut out = http_request(t, addr, params, until);
    out.connect_ms = Some(ms);
    out
}

fn observation(t: &Target, o: &Outcome) -> Observation {
    let mut obs = Observation::new(&t.raw).text("kind", t.kind.name()).flag("reachable", o.error.is_none());
    if let Some(a) = o.address {
        obs = obs.text("address", a.to_string());
    }
    match &o.error {
        Some((code, said)) => {
            // The detail reads in the run's language in the finding; the evidence stays English.
            obs = obs.text("error", code.clone()).word("detail", said.clone());
            obs = obs.evidence(format!("{}: {}", t.raw, said.render(crate::i18n::Lang::En)));
        }
        None => obs = obs.text("error", "none").text("detail", ""),
    }
    if let Some(ms) = o.connect_ms {
        obs = obs.num("connect_ms", (ms * 1000.0).round() / 1000.0);
        obs = obs.evidence(format!(
            "{}: TCP connect to {} in {ms:.1} ms",
            t.raw,
            o.address.map(|a| a.to_string()).unwrap_or_default()
        ));
    }
    if let Some(ms) = o.response_ms {
        obs = obs.num("response_ms", (ms * 1000.0).round() / 1000.0);
    }
    if let Some(r) = &o.ntp {
        obs = obs.evidence(format!(
            "{}: {} answered the SNTP query, stratum {}, this clock is {:+.3} s off it",
            t.raw, r.server, r.stratum, -r.offset_s
        ));
    }
    if let Some(s) = o.http_status {
        obs = obs.num("http_status", s as f64).evidence(format!("{}: HTTP {s}", t.raw));
    }
    if let Some((days, when)) = &o.cert {
        obs = obs
            .num("cert_days_left", (days * 10.0).floor() / 10.0)
            .text("cert_not_after", when.clone())
            .field_evidence("cert_days_left", format!("{}: certificate valid until {when}", t.raw));
    }
    obs
}

/// Runs `work` on each item, each on a thread of its own (named `name-N`), and collects what
/// finished by `until`: `None` for an item still running then, whose thread is abandoned (a name
/// lookup cannot be interrupted). `Err` when a thread cannot be started.
pub fn each_until<I, T>(
    items: &[I],
    until: Instant,
    name: &str,
    work: impl Fn(I) -> T + Send + Clone + 'static,
) -> Result<Vec<Option<T>>, ProbeError>
where
    I: Clone + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    for (i, item) in items.iter().enumerate() {
        let (item, work, tx) = (item.clone(), work.clone(), tx.clone());
        let spawned = std::thread::Builder::new().name(format!("{name}-{i}")).spawn(move || {
            let _ = tx.send((i, work(item)));
        });
        if let Err(e) = spawned {
            return Err(ProbeError::failed("EAGAIN", Said::new(Msg::FailThread).arg("error", e)));
        }
    }
    drop(tx);
    let mut done: Vec<Option<T>> = items.iter().map(|_| None).collect();
    while done.iter().any(Option::is_none) {
        match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok((i, o)) => done[i] = Some(o),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let targets = targets_of(ctx)?;
    let until = finish_by(ctx).min(Instant::now() + Duration::from_millis(params.budget_ms));
    let p = params.clone();
    let outcomes = each_until(&targets, until, "reach", move |t: Target| reach(&t, &p, until))?;
    let items = targets
        .iter()
        .zip(outcomes)
        .map(|(t, o)| {
            let o = o.unwrap_or_else(|| Outcome {
                error: Some(("ETIMEDOUT".into(), Said::new(Msg::ReachNoResultInTime))),
                ..Default::default()
            });
            observation(t, &o)
        })
        .collect();
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let t = Target::parse("10.0.0.2:8080").unwrap();
        assert_eq!((t.kind, t.host.as_str(), t.port), (TargetKind::Tcp, "10.0.0.2", 8080));
        let t = Target::parse("mirrors.cloud.aliyuncs.com").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("mirrors.cloud.aliyuncs.com", 443));
        let t = Target::parse("[2001:db8::1]:22").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("2001:db8::1", 22));
        let t = Target::parse("2001:db8::1").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("2001:db8::1", 443));
        let t = Target::parse("https://example.com/health").unwrap();
        assert_eq!((t.kind, t.host.as_str(), t.port), (TargetKind::Https, "example.com", 443));
        let t = Target::parse("http://[::1]:8000/").unwrap();
        assert_eq!((t.kind, t.host.as_str(), t.port), (TargetKind::Http, "::1", 8000));
        let t = Target::parse("ntp://ntp.cloud.aliyuncs.com").unwrap();
        assert_eq!((t.kind, t.host.as_str(), t.port), (TargetKind::Ntp, "ntp.cloud.aliyuncs.com", 123));
        let t = Target::parse("ntp://[fd00::1]:1123").unwrap();
        assert_eq!((t.kind, t.host.as_str(), t.port), (TargetKind::Ntp, "fd00::1", 1123));
        for bad in [
            "",
            "host:0",
            "host:99999",
            "host:x",
            "ftp://x",
            "[::1",
            "a b",
            "https://",
            "host/path",
            "ntp://",
            "ntp://h/x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad:?} should not parse");
        }
        let all = parse_all(["a:1", "a:1", "b:2"]).unwrap();
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn refused_and_reachable_on_loopback() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let p = Params { connect_timeout_ms: 500, request_timeout_ms: 500, budget_ms: 1000 };
        let until = Instant::now() + Duration::from_secs(2);
        let ok = reach(&Target::parse(&format!("127.0.0.1:{port}")).unwrap(), &p, until);
        assert_eq!(ok.error, None);
        assert!(ok.connect_ms.is_some());
        drop(listener);
        let refused = reach(&Target::parse(&format!("127.0.0.1:{port}")).unwrap(), &p, until);
        assert_eq!(refused.error.map(|e| e.0).as_deref(), Some("ECONNREFUSED"));
    }

    #[test]
    fn tls_kind_found_inside_io_errors() {
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::other(inner);
        assert_eq!(tls_failure(&io).map(|t| t.0).as_deref(), Some("TLS_UNKNOWN_ISSUER"));
        let plain = std::io::Error::other("nope");
        assert!(tls_failure(&plain).is_none());
    }
}
