//! Asks every nameserver the resolver uses (the first three of /etc/resolv.conf) for a name that
//! must resolve, each one separately (hickory-resolver, one resolver per nameserver: timeout
//! 1 s, no retry, no cache, no hosts file, no search domains), all at once. One observation per
//! nameserver: how it answered (REFUSED, SERVFAIL, NXDOMAIN, an empty answer, nothing) and how
//! fast; `all_dead` tells the check whether any nameserver still works.
//!
//! The name: `[net] dns_name` in the config, else on Alibaba Cloud (detected by DMI, or a
//! metadata service named with `--metadata-url`) the package mirror (mirrors.cloud.aliyuncs.com,
//! which the VPC's DNS resolves), else example.com.

use super::resolv_conf::{self, MAXNS};
use crate::host::facts::{self, Provider};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use hickory_resolver::Resolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RecordType;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_path")]
    pub path: String,
    /// How long each nameserver has to answer.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_path() -> String {
    "/etc/resolv.conf".into()
}

/// How long each nameserver has to answer, unless the check file says otherwise.
pub const DEFAULT_TIMEOUT_MS: u64 = 1000;

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

pub const FIELDS: &[Field] = &[
    Field::text("name", "the name asked for"),
    Field::num("latency_ms", "ms", "time to the answer"),
    Field::text("failure", "the failure's code (ETIMEDOUT, SERVFAIL, ...), or none"),
    Field::text("detail", "what went wrong, in words"),
    Field::flag("dead", "1 when this nameserver did not answer"),
    Field::flag("all_dead", "1 when no nameserver answered"),
    Field::num("alive_count", "", "nameservers that answered"),
    Field::num("server_count", "", "nameservers asked"),
];

/// The name asked when the config names none.
pub fn default_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Alibaba => "mirrors.cloud.aliyuncs.com",
        _ => "example.com",
    }
}

/// How one nameserver answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// `none` when it resolved the name; else timeout, unreachable, refused, servfail, nxdomain,
    /// nodata, error.
    pub failure: &'static str,
    pub detail: String,
    /// Round trip, or how long it was waited for when it did not answer (so every server has
    /// its own metric, and a dead one shows what it costs each lookup).
    pub latency_ms: Option<f64>,
}

/// How many IPv4 addresses an answer holds (what "resolved" means for the check).
pub fn addresses(answers: &[hickory_resolver::proto::rr::Record]) -> usize {
    answers.iter().filter(|r| r.record_type() == RecordType::A).count()
}

/// Sorts a lookup result into the failure kinds the check judges.
pub fn classify(result: Result<usize, NetError>, name: &str) -> (&'static str, String) {
    match result {
        Ok(n) if n > 0 => ("none", format!("{n} address(es) for {name}")),
        Ok(_) => ("nodata", format!("an answer without an IPv4 address for {name}")),
        Err(NetError::Dns(DnsError::ResponseCode(code))) => match code {
            ResponseCode::Refused => ("refused", format!("REFUSED: it will not resolve {name} for this server")),
            ResponseCode::ServFail => ("servfail", format!("SERVFAIL: it failed to resolve {name}")),
            ResponseCode::NXDomain => ("nxdomain", format!("NXDOMAIN: it says {name} does not exist")),
            other => ("error", format!("error response {other} for {name}")),
        },
        Err(NetError::Dns(DnsError::NoRecordsFound(nr))) => match nr.response_code {
            ResponseCode::NXDomain => ("nxdomain", format!("NXDOMAIN: it says {name} does not exist")),
            ResponseCode::Refused => ("refused", format!("REFUSED: it will not resolve {name} for this server")),
            ResponseCode::ServFail => ("servfail", format!("SERVFAIL: it failed to resolve {name}")),
            _ => ("nodata", format!("an empty answer (no IPv4 address) for {name}")),
        },
        Err(NetError::Timeout) => ("timeout", "no answer in time".to_string()),
        Err(NetError::NoConnections) => ("unreachable", "no packet could be sent to it (no route to it?)".to_string()),
        Err(NetError::Io(e))
            if matches!(e.kind(), std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable) =>
        {
            ("unreachable", format!("{e}"))
        }
        Err(e) => ("error", format!("{e}")),
    }
}

async fn ask(server: IpAddr, name: String, timeout: Duration) -> Answer {
    let ns = NameServerConfig::new(server, true, vec![ConnectionConfig::udp()]);
    let mut builder =
        Resolver::builder_with_config(ResolverConfig::from_name_servers(vec![ns]), TokioRuntimeProvider::default());
    {
        let o: &mut ResolverOpts = builder.options_mut();
        o.timeout = timeout;
        o.attempts = 0;
        o.cache_size = 0;
        o.use_hosts_file = ResolveHosts::Never;
        o.ndots = 0;
        o.num_concurrent_reqs = 1;
        o.try_tcp_on_error = false;
    }
    let resolver = match builder.build() {
        Ok(r) => r,
        Err(e) => {
            return Answer { failure: "error", detail: format!("cannot build a resolver: {e}"), latency_ms: None };
        }
    };
    let fqdn = if name.ends_with('.') { name.clone() } else { format!("{name}.") };
    let started = Instant::now();
    // The resolver's own timeout, plus a margin, bounds it even if it retried.
    let result =
        match tokio::time::timeout(timeout + Duration::from_millis(300), resolver.lookup(fqdn, RecordType::A)).await {
            Ok(r) => r.map(|l| addresses(l.answers())),
            Err(_) => Err(NetError::Timeout),
        };
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    let (failure, detail) = classify(result, name.trim_end_matches('.'));
    Answer { failure, detail, latency_ms: Some(ms) }
}

/// Asks every server at once; never past `until`.
pub fn ask_all(servers: &[IpAddr], name: &str, timeout: Duration, until: Instant) -> Result<Vec<Answer>, Said> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Said::new(Msg::FailDnsClient).arg("error", e))?;
    let budget = until.saturating_duration_since(Instant::now());
    Ok(rt.block_on(async {
        let handles: Vec<_> = servers.iter().map(|s| tokio::spawn(ask(*s, name.to_string(), timeout))).collect();
        let mut out = Vec::new();
        let end = tokio::time::Instant::now() + budget;
        for h in handles {
            match tokio::time::timeout_at(end, h).await {
                Ok(Ok(a)) => out.push(a),
                Ok(Err(e)) => {
                    out.push(Answer { failure: "error", detail: format!("the query failed: {e}"), latency_ms: None })
                }
                Err(_) => out.push(Answer {
                    failure: "timeout",
                    detail: "no answer before the run's deadline".into(),
                    latency_ms: None,
                }),
            }
        }
        out
    }))
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipDnsUnderRoot));
    }
    let path = params.path.as_str();
    let Some(file) = ctx.host.read_optional(path).map_err(|e| ProbeError::io(path, &e))? else {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipNoResolvConf).arg("path", path)));
    };
    let parsed = resolv_conf::parse(path, &file.text);
    let used: Vec<_> = parsed.nameservers.iter().take(MAXNS).collect();
    if used.is_empty() {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipNoNameserver).arg("path", path)));
    }
    // A metadata service to ask (detected or named) means Alibaba Cloud and its VPC's DNS.
    let provider = match ctx.metadata_source().endpoint() {
        Some(_) => Provider::Alibaba,
        None => facts::cloud_provider(&ctx.host),
    };
    let name = ctx.net.dns_name.clone().unwrap_or_else(|| default_name(provider).to_string());
    let servers: Vec<IpAddr> = used.iter().map(|(ip, _)| *ip).collect();
    let timeout = Duration::from_millis(params.timeout_ms.clamp(100, 10_000));
    let answers = ask_all(&servers, &name, timeout, ctx.deadline).map_err(|e| ProbeError::failed("EIO", e))?;
    let alive = answers.iter().filter(|a| a.failure == "none").count();
    let mut items = Vec::new();
    for ((ip, line), a) in used.iter().zip(&answers) {
        let mut o = Observation::new(ip.to_string())
            .text("name", name.clone())
            .text("failure", a.failure)
            .text("detail", a.detail.clone())
            .flag("dead", a.failure != "none")
            .flag("all_dead", alive == 0)
            .num("alive_count", alive as f64)
            .num("server_count", servers.len() as f64)
            .evidence(line.clone())
            .evidence(format!(
                "query A {name} to {ip}:53 (udp, {} ms timeout): {}{}",
                timeout.as_millis(),
                a.detail,
                a.latency_ms.map(|ms| format!(" after {ms} ms")).unwrap_or_default()
            ));
        if let Some(ms) = a.latency_ms {
            o = o.num("latency_ms", ms);
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::net::NoRecords;
    use hickory_resolver::proto::op::Query;

    #[test]
    fn answers_are_sorted_into_kinds() {
        assert_eq!(classify(Ok(2), "a.b").0, "none");
        assert_eq!(classify(Ok(0), "a.b").0, "nodata");
        assert_eq!(classify(Err(NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused))), "a").0, "refused");
        assert_eq!(classify(Err(NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail))), "a").0, "servfail");
        let nx = NoRecords::new(Query::default(), ResponseCode::NXDomain);
        assert_eq!(classify(Err(NetError::Dns(DnsError::NoRecordsFound(nx))), "a").0, "nxdomain");
        let empty = NoRecords::new(Query::default(), ResponseCode::NoError);
        assert_eq!(classify(Err(NetError::Dns(DnsError::NoRecordsFound(empty))), "a").0, "nodata");
        assert_eq!(classify(Err(NetError::Timeout), "a").0, "timeout");
        assert_eq!(classify(Err(NetError::NoConnections), "a").0, "unreachable");
    }

    #[test]
    fn a_silent_server_on_loopback_times_out_within_the_limit() {
        // Nothing listens on 127.0.0.2:53 (loopback only): port unreachable or silence.
        let started = Instant::now();
        let a = ask_all(
            &["127.0.0.2".parse().unwrap()],
            "example.com",
            Duration::from_millis(300),
            Instant::now() + Duration::from_secs(5),
        )
        .unwrap();
        assert!(matches!(a[0].failure, "timeout" | "error"), "{a:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
