//! The endpoints a run must reach, as the user names them (`--target`, `[net] targets`, the
//! `trace` subcommand's host) and as the cloud names them (its package mirror and time server):
//! parsing `HOST[:PORT]`, `[IPV6]:PORT`, http(s) URLs and `ntp://HOST`, resolving a name (IPv4
//! first), and running one piece of work per endpoint on a thread of its own until a time, so
//! a name that never resolves cannot hold the others. Used by the reachability, path and time
//! probes, the config's validation, `trace` and the run's options.

use crate::i18n::{Msg, Said};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The port of a target written as a bare `HOST`: HTTPS, the port most servers must reach.
pub const DEFAULT_PORT: u16 = 443;

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

/// The endpoints every Alibaba Cloud instance needs: the package mirror (`source-address`) and
/// the first time server (`ntp-conf/ntp-servers`) the metadata names, else the documented ones.
pub fn alibaba_defaults(md: &crate::host::metadata::Metadata) -> Vec<Target> {
    let mirror = md.package_mirror().and_then(|m| Target::parse(&m).ok());
    let mirror = mirror.or_else(|| Target::parse(ALIBABA_MIRROR).ok());
    let ntp = md.ntp_servers().into_iter().find_map(|h| Target::parse(&format!("ntp://{h}")).ok());
    let ntp = ntp.or_else(|| Target::parse(&format!("ntp://{ALIBABA_NTP}")).ok());
    mirror.into_iter().chain(ntp).collect()
}

/// When a network probe must have its results: a little before the run's `deadline`, so the
/// targets that did answer are reported rather than lost with the ones still waiting.
pub fn finish_by(deadline: Instant) -> Instant {
    let margin = Duration::from_millis(250);
    deadline.checked_sub(margin).filter(|t| *t > Instant::now()).unwrap_or(deadline)
}

/// An error code (errno-style) and what happened, in words of the run's language.
pub type Failure = (String, Said);

/// Resolves a host (an IP literal needs no lookup), the error in English. Blocking: call it from
/// an abandonable thread.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, (String, String)> {
    resolve_said(host, port).map_err(|(code, said)| (code, said.render(crate::i18n::Lang::En)))
}

/// [`resolve`], the error as a message.
pub fn resolve_said(host: &str, port: u16) -> Result<Vec<SocketAddr>, Failure> {
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

/// Runs `work` on each item, each on a thread of its own (named `name-N`), and collects what
/// finished by `until`: `None` for an item still running then, whose thread is abandoned (a name
/// lookup cannot be interrupted). `Err` says why a thread could not be started.
pub fn each_until<I, T>(
    items: &[I],
    until: Instant,
    name: &str,
    work: impl Fn(I) -> T + Send + Clone + 'static,
) -> Result<Vec<Option<T>>, Said>
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
            return Err(Said::new(Msg::FailThread).arg("error", e));
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
}
