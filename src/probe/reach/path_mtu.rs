//! The path MTU to each target host (IPv4): don't-fragment echo requests of the interface's MTU
//! and, when those are not answered, a search down to 576 bytes for the largest size that passes
//! ([`crate::host::pmtu`]). A path that drops big packets without sending "fragmentation
//! needed" back is a black hole: small requests work, then a TCP connection stalls as soon as it
//! sends a full-size segment (TLS handshakes, uploads, `git clone`). All targets are probed at
//! once, each on a thread, within `budget_ms` and never past the run's deadline.

use super::targets_of;
use crate::host::endpoint::{each_until, finish_by, resolve};
use crate::host::pmtu::{MIN_SIZE, Prober};
use crate::i18n::{Msg, Said};
use crate::probe::net::route_conflicts::route_for;
use crate::probe::net::routes::parse_ipv4;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// How long to wait for each echo reply.
    #[serde(default = "default_wait_ms")]
    pub wait_ms: u64,
    /// The probe's whole time (never past the run's deadline).
    #[serde(default = "default_budget_ms")]
    pub budget_ms: u64,
}

fn default_wait_ms() -> u64 {
    300
}
fn default_budget_ms() -> u64 {
    3000
}

pub const FIELDS: &[Field] = &[
    Field::text("address", "the address probed"),
    Field::text("iface", "the interface the route to it leaves by"),
    Field::num("mtu", "bytes", "that interface's MTU"),
    Field::flag("answered", "1 when the destination answers small echo requests"),
    Field::num("largest_ok", "bytes", "the largest don't-fragment packet that got an answer"),
    Field::flag("black_hole", "1 when bigger packets vanish without a fragmentation-needed reply"),
    Field::flag("frag_needed", "1 when a router announced a smaller MTU (path MTU discovery works)"),
    Field::num("announced_mtu", "bytes", "the MTU the router announced"),
    Field::text("fix_cmd", "the command that makes packets fit the path"),
    Field::text("mss_cmd", "the firewall rule that clamps TCP segments to fit the path"),
    Field::flag("probed", "1 when the path was probed; 0 with the reason in error and why"),
    Field::text("error", "why the path could not be probed: an error code"),
    Field::text("why", "why the path could not be probed, in words"),
];

/// What probing one host found.
struct Found {
    host: String,
    address: Ipv4Addr,
    iface: String,
    mtu: u16,
    answered: bool,
    largest_ok: u16,
    frag: Vec<crate::host::pmtu::FragNeeded>,
    tried: Vec<(u16, bool)>,
}

fn probe(
    host: String,
    address: Ipv4Addr,
    iface: String,
    mtu: u16,
    id: u16,
    wait: Duration,
    until: Instant,
) -> Result<Found, (String, Said)> {
    let os = |e: std::io::Error| (crate::host::errno_name(&e), Said::os_error(&e));
    let mut p = Prober::new(address, id).map_err(os)?;
    let mut tried = Vec::new();
    // A small packet first: does the destination answer at all, and how fast? Later probes wait
    // a few round trips, not the full `wait`, so a search on a LAN takes milliseconds.
    let started = Instant::now();
    if !p.passes(MIN_SIZE, 2, wait, until).map_err(os)? {
        tried.push((MIN_SIZE, false));
        return Ok(Found { host, address, iface, mtu, answered: false, largest_ok: 0, frag: p.frag_needed, tried });
    }
    tried.push((MIN_SIZE, true));
    let rtt = started.elapsed();
    let wait = (rtt * 4 + Duration::from_millis(50)).min(wait);
    let mut check = |p: &mut Prober, size: u16, tries: usize| -> Result<bool, (String, Said)> {
        let ok = p.passes(size, tries, wait, until).map_err(os)?;
        tried.push((size, ok));
        Ok(ok)
    };
    let mut good = MIN_SIZE;
    if check(&mut p, mtu, 2)? {
        good = mtu;
    } else {
        // MIN_SIZE passes, mtu does not: the largest size that passes lies between. A lost
        // reply during the search looks like a size that does not pass, so the size just above
        // the result is asked once more, and the search goes on above it if that one passes.
        let mut bad = mtu;
        for _ in 0..3 {
            if let Some(f) = p.frag_needed.first().copied()
                && f.mtu > good
                && f.mtu < bad
            {
                if check(&mut p, f.mtu, 1)? { good = f.mtu } else { bad = f.mtu }
            }
            while bad - good > 1 && Instant::now() < until {
                let mid = good + (bad - good) / 2;
                if check(&mut p, mid, 1)? { good = mid } else { bad = mid }
            }
            if bad >= mtu || Instant::now() >= until || !check(&mut p, bad, 1)? {
                break;
            }
            good = bad;
            bad = mtu;
        }
    }
    Ok(Found { host, address, iface, mtu, answered: true, largest_ok: good, frag: p.frag_needed, tried })
}

fn observation(f: Found) -> Observation {
    let mut o = Observation::new(&f.host)
        .text("address", f.address.to_string())
        .text("iface", f.iface.clone())
        .num("mtu", f64::from(f.mtu))
        .flag("probed", true)
        .flag("answered", f.answered)
        .flag("frag_needed", !f.frag.is_empty());
    let sizes: Vec<String> =
        f.tried.iter().map(|(s, ok)| format!("{s} {}", if *ok { "answered" } else { "no answer" })).collect();
    o = o.evidence(format!(
        "{}: don't-fragment echo requests to {} via {} (MTU {}): {}",
        f.host,
        f.address,
        f.iface,
        f.mtu,
        sizes.join(", ")
    ));
    for fr in &f.frag {
        o = o.evidence(format!("{}: {} sent \"fragmentation needed\", next-hop MTU {}", f.host, fr.from, fr.mtu));
    }
    if let Some(fr) = f.frag.first() {
        o = o.num("announced_mtu", f64::from(fr.mtu));
    }
    if f.answered {
        o = o.num("largest_ok", f64::from(f.largest_ok)).flag("black_hole", f.largest_ok < f.mtu && f.frag.is_empty());
        let mss = f.largest_ok.saturating_sub(40);
        o = o.text("fix_cmd", format!("ip link set dev {} mtu {}", f.iface, f.largest_ok)).text(
            "mss_cmd",
            format!(
                "iptables -t mangle -A POSTROUTING -o {} -p tcp --tcp-flags SYN,RST SYN -d {} -j TCPMSS --set-mss {mss}",
                f.iface, f.address
            ),
        );
    }
    o
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let targets = targets_of(ctx)?;
    if !crate::trace::run::can_trace() {
        return Err(ProbeError::skipped(Msg::SkipTraceNotPermitted));
    }
    let until = finish_by(ctx.deadline).min(Instant::now() + Duration::from_millis(params.budget_ms));
    let wait = Duration::from_millis(params.wait_ms.max(10));
    let mut hosts: Vec<String> = Vec::new();
    for t in &targets {
        if !hosts.contains(&t.host) {
            hosts.push(t.host.clone());
        }
    }
    let mut bad = Vec::new();
    let routes = ctx
        .host
        .read_optional("/proc/net/route")
        .ok()
        .flatten()
        .map(|f| parse_ipv4("/proc/net/route", &f.text, &mut bad))
        .unwrap_or_default();
    let sys = ctx.host.clone();
    let base_id = (std::process::id() as u16).wrapping_mul(31).wrapping_add(0x4d54);
    let jobs: Vec<(usize, String)> = hosts.into_iter().enumerate().collect();
    let done = each_until(&jobs, until, "path-mtu", move |(i, host): (usize, String)| {
        let address = match resolve(&host, 0) {
            Ok(addrs) => match addrs.iter().find_map(|a| match a.ip() {
                IpAddr::V4(v4) => Some(v4),
                IpAddr::V6(_) => None,
            }) {
                Some(a) => a,
                None => return Err(("EAFNOSUPPORT".to_string(), Said::new(Msg::MtuIpv6Only).arg("host", &host))),
            },
            Err((code, why)) => return Err((code, Said::new(Msg::ValItems).arg("items", why))),
        };
        let Some(route) = route_for(address, &routes) else {
            return Err(("ENETUNREACH".to_string(), Said::new(Msg::MtuNoRoute).arg("address", address)));
        };
        let iface = route.iface.clone();
        let mtu = sys
            .read_line(&format!("/sys/class/net/{iface}/mtu"))
            .and_then(|m| m.parse::<u16>().ok())
            .filter(|m| *m >= MIN_SIZE)
            .unwrap_or(1500);
        probe(host, address, iface, mtu, base_id.wrapping_add(i as u16), wait, until)
    })
    .map_err(|e| ProbeError::failed("EAGAIN", e))?;
    let mut items = Vec::new();
    for ((_, host), r) in jobs.iter().zip(done) {
        match r {
            Some(Ok(found)) => items.push(observation(found)),
            Some(Err((code, why))) => {
                items.push(Observation::new(host).flag("probed", false).text("error", code).word("why", why));
            }
            None => items.push(
                Observation::new(host)
                    .flag("probed", false)
                    .text("error", "ETIMEDOUT")
                    .word("why", Said::new(Msg::MtuNoTime)),
            ),
        }
    }
    Ok(Observations::of(items))
}
