//! Whether sshd makes every login wait for DNS: with `UseDNS yes` sshd looks up each client's
//! address (a reverse query, then the name's addresses to check it) before it asks for a key or
//! a password. When the nameservers do not answer, every login first waits for the resolver's
//! timeouts: resolv.conf's `timeout` (default 5 s) for each silent nameserver asked before one
//! that answers, `attempts` (default 2) rounds over all of them when none answers. Logins then
//! feel hung, clients with a short timeout give up, and when the wait reaches sshd's
//! `LoginGraceTime` nobody gets in at all.
//!
//! UseDNS comes from sshd's effective configuration ([`super::effective`]: `sshd -T` on the live
//! system, else the files; OpenSSH's default is no). Whether the nameservers answer is the DNS
//! check's own observation (`dns_resolvers`, asked once per run and shared with
//! `net.dns.resolver-reachable`): a silent nameserver is one whose query timed out. Under
//! `--root` the nameservers cannot be asked; the setting alone is reported.

use super::effective::{self, Conn};
use super::login::{DEFAULT_FROM, SSHD_CONFIG};
use super::sshd_config;
use crate::i18n::{Msg, Said};
use crate::probe::dns::{dns_resolvers, resolv_conf};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError, ProbeSpec};

/// Where sshd's configuration is.
pub type Params = super::SshdParams;

pub const FIELDS: &[Field] = &[
    Field::flag("use_dns", "1 when sshd's effective UseDNS is yes"),
    Field::text("usedns", "sshd's effective UseDNS: yes or no"),
    Field::flag("cut_off", "1 when the wait reaches LoginGraceTime: no login gets through"),
    Field::num("silent", "", "nameservers that did not answer in time"),
    Field::num("servers", "", "nameservers the resolver asks (the first three of resolv.conf)"),
    Field::num("wait_s", "s", "how long each login waits for the resolver first, at least"),
    Field::num("grace_s", "s", "sshd's LoginGraceTime: a login not finished by then is cut off"),
    Field::text("nameservers", "the nameservers that did not answer, or none"),
    Field::text("source", "where UseDNS came from: sshd -T or the files"),
];

/// glibc's resolver defaults (resolv.conf(5)).
const DEFAULT_TIMEOUT_S: f64 = 5.0;
const DEFAULT_ATTEMPTS: f64 = 2.0;
/// sshd's default LoginGraceTime.
const DEFAULT_GRACE_S: f64 = 120.0;

/// sshd's time value (`120`, `2m`, `1h30m`) in seconds.
fn seconds(v: &str) -> Option<f64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<f64>() {
        return Some(n);
    }
    let (mut total, mut digits) = (0.0, String::new());
    for c in v.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: f64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c.to_ascii_lowercase() {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86_400.0,
            'w' => 604_800.0,
            _ => return None,
        };
    }
    if !digits.is_empty() {
        total += digits.parse::<f64>().ok()?;
    }
    Some(total)
}

/// The wait before the first answer: each silent nameserver before the first one that answers
/// costs `timeout`; when none answers, `attempts` rounds over all of them.
pub fn wait_s(silent_in_order: &[bool], timeout: f64, attempts: f64) -> f64 {
    match silent_in_order.iter().position(|s| !s) {
        Some(first_alive) => first_alive as f64 * timeout,
        None => silent_in_order.len() as f64 * timeout * attempts.max(1.0),
    }
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let path = params.path.as_str();
    let settings = match sshd_config::read_settings(&ctx.host, path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ProbeError::Skipped(Said::new(Msg::SkipSshNotInstalled).arg("path", SSHD_CONFIG)));
        }
        Err(e) => return Err(ProbeError::io(path, &e)),
    };
    let from = ctx.login.from.clone().unwrap_or_else(|| DEFAULT_FROM.to_string());
    let conn = Conn { user: "root".into(), groups: vec!["root".into()], host: from.clone(), addr: from };
    let eff = effective::effective(ctx, path, &settings, &conn);
    let use_dns = eff.yes("usedns");
    let grace = seconds(eff.get("logingracetime")).unwrap_or(DEFAULT_GRACE_S);
    let mut o = Observation::new("sshd")
        .flag("use_dns", use_dns)
        .text("usedns", if use_dns { "yes" } else { "no" })
        .num("grace_s", grace)
        .text("source", eff.by.clone())
        .evidence(match eff.values.get("usedns") {
            Some(_) => eff.where_set("usedns"),
            None => format!("{}: no UseDNS line: sshd's default is no", eff.by),
        });
    if let Some(n) = &eff.note {
        o = o.evidence(n.clone());
    }
    let quiet = |o: Observation| o.num("silent", 0.0).num("servers", 0.0).num("wait_s", 0.0).flag("cut_off", false);
    if !use_dns {
        return Ok(Observations::of(vec![quiet(o).word("nameservers", Said::new(Msg::ValNone))]));
    }
    // The nameservers as the DNS check asked them (the same probe and parameters: one query
    // per nameserver per run).
    let spec = ProbeSpec::DnsResolvers(dns_resolvers::Params {
        path: "/etc/resolv.conf".into(),
        timeout_ms: dns_resolvers::DEFAULT_TIMEOUT_MS,
    });
    let answers = match ctx.observe(&spec) {
        Ok(a) => a,
        Err(e) => {
            let why = e.render(crate::i18n::Lang::En);
            let o = o.evidence(format!("whether the nameservers answer is not known: {why}"));
            return Ok(Observations::of(vec![quiet(o).word("nameservers", Said::new(Msg::ValNone))]));
        }
    };
    let (timeout, attempts) = match ctx.host.read_optional("/etc/resolv.conf") {
        Ok(Some(f)) => {
            let p = resolv_conf::parse("/etc/resolv.conf", &f.text);
            for line in &p.options {
                o = o.evidence(line.clone());
            }
            (p.timeout.unwrap_or(DEFAULT_TIMEOUT_S), p.attempts.unwrap_or(DEFAULT_ATTEMPTS))
        }
        _ => (DEFAULT_TIMEOUT_S, DEFAULT_ATTEMPTS),
    };
    let silent: Vec<bool> =
        answers.items.iter().map(|a| a.values.get("failure").is_some_and(|v| v.as_text() == "timeout")).collect();
    let names: Vec<&str> =
        answers.items.iter().zip(&silent).filter(|(_, s)| **s).map(|(a, _)| a.subject.as_str()).collect();
    for a in &answers.items {
        if let Some(line) = a.evidence.last() {
            o = o.evidence(line.clone());
        }
    }
    let wait = wait_s(&silent, timeout, attempts);
    o = o
        .num("silent", names.len() as f64)
        .num("servers", silent.len() as f64)
        .num("wait_s", wait)
        .flag("cut_off", wait >= grace && grace > 0.0)
        .evidence(format!(
            "resolver: timeout {timeout} s, attempts {attempts}; each login waits at least {wait} s before sshd goes on"
        ));
    o = if names.is_empty() {
        o.word("nameservers", Said::new(Msg::ValNone))
    } else {
        o.text("nameservers", names.join(", "))
    };
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_values_and_the_wait() {
        assert_eq!(seconds("120"), Some(120.0));
        assert_eq!(seconds("2m"), Some(120.0));
        assert_eq!(seconds("1h30m"), Some(5400.0));
        assert_eq!(seconds("1m30"), Some(90.0));
        assert_eq!(seconds("soon"), None);
        // The first nameserver answers: no wait.
        assert_eq!(wait_s(&[false, true], 5.0, 2.0), 0.0);
        // The first is silent, the second answers: one timeout.
        assert_eq!(wait_s(&[true, false], 5.0, 2.0), 5.0);
        // None answers: every nameserver, every round.
        assert_eq!(wait_s(&[true, true, true], 5.0, 2.0), 30.0);
        assert_eq!(wait_s(&[], 5.0, 2.0), 0.0);
    }
}
