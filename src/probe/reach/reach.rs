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

use super::targets_of;
use crate::host::endpoint::{Failure, Target, TargetKind, each_until, finish_by, resolve_said};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

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

pub const FIELDS: &[Field] = &[
    Field::text("kind", "tcp, http or https"),
    Field::text("address", "the address connected to"),
    Field::flag("reachable", "1 when the target answered"),
    Field::text("error", "the failure's code (ECONNREFUSED, ETIMEDOUT, HTTP-503, ...)"),
    Field::text("detail", "what went wrong, in words"),
    Field::num("connect_ms", "ms", "time to connect"),
    Field::num("response_ms", "ms", "time to the HTTP response"),
    Field::num("http_status", "", "the HTTP status"),
    Field::num("cert_days_left", "days", "days until the server's certificate expires"),
    Field::text("cert_not_after", "when it expires"),
];

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

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let targets = targets_of(ctx)?;
    let until = finish_by(ctx.deadline).min(Instant::now() + Duration::from_millis(params.budget_ms));
    let p = params.clone();
    let outcomes = each_until(&targets, until, "reach", move |t: Target| reach(&t, &p, until))
        .map_err(|why| ProbeError::failed("EAGAIN", why))?;
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
