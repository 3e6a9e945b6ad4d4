//! Whether the instance's security groups (Alibaba Cloud) admit a new inbound TCP connection to
//! SSH's port and to every port the user named, from anywhere or from `--from ADDR`: one
//! observation per port (`22/tcp`), judged by `crate::cloud::secgroup` from the rules the ECS
//! API gives (`DescribeInstanceAttribute`, then `DescribeSecurityGroupAttribute` per group).
//!
//! No request is made unless the cloud was detected (DMI, or a metadata service the user
//! named), the run is not `--offline`, and credentials exist (the environment, the config, or
//! the instance's RAM role from the metadata service). Without credentials, or when the API
//! answers `Forbidden.RAM`, the check is skipped with the permission or flag that would let it
//! look, and the inbound rule each port needs.

use crate::cloud::ecs;
use crate::cloud::secgroup::{self, Rule, Source, Verdict};
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("port", "", "the TCP port judged"),
    Field::text("source", "where the packet comes from: anywhere (0.0.0.0/0) or the --from address"),
    Field::text(
        "verdict",
        "accept, drop, no-rule (default deny), restricted (some sources) or unknown (a source group)",
    ),
    Field::text("groups", "the instance's security groups"),
    Field::text("group", "the group whose rule decides (all of them when none does)"),
    Field::text("rule", "the deciding rule as the console shows it"),
    Field::text("rules", "the rules that admit only some sources, or that cannot be judged from an address"),
    Field::text("otherwise", "what decides for a source outside those rules"),
    Field::text("needed", "the inbound rule the port needs for the source"),
    Field::text("why_port", "why the port is checked (sshd -T, a named port)"),
    Field::flag(
        "v6_blocked",
        "1 when the port is open to anyone over IPv4 but not over IPv6, on a host with a global IPv6 address",
    ),
    Field::text("verdict_v6", "the verdict for anyone over IPv6 (::/0), or not judged"),
    Field::text("rule_v6", "what decides over IPv6"),
    Field::text("needed_v6", "the inbound rule the port needs for anyone over IPv6"),
];

/// How long `sshd -T` may take.
const SSHD_T_LIMIT: Duration = Duration::from_secs(3);

/// A port to check and why (`sshd -T: port 22`, `--port 8080`).
pub type Port = (u16, String);

/// SSH's ports: sshd's effective configuration (`sshd -T`) on the live system, else the Port
/// lines of /etc/ssh/sshd_config, else 22 when sshd's configuration exists at all.
pub fn ssh_ports(ctx: &ProbeContext) -> Vec<Port> {
    let mut ports: Vec<Port> = Vec::new();
    if ctx.host.is_live()
        && let Some(Ok(out)) = ctx.run_once("sshd", &["-T"], SSHD_T_LIMIT)
        && out.code == Some(0)
    {
        for line in out.stdout.lines() {
            let mut w = line.split_whitespace();
            if w.next().is_some_and(|k| k.eq_ignore_ascii_case("port"))
                && let Some(p) = w.next().and_then(|p| p.parse::<u16>().ok())
                && !ports.iter().any(|(q, _)| *q == p)
            {
                ports.push((p, format!("sshd -T: port {p}")));
            }
        }
        if !ports.is_empty() {
            return ports;
        }
    }
    if let Ok(Some(f)) = ctx.host.read_optional("/etc/ssh/sshd_config") {
        for (n, line) in f.text.lines().enumerate() {
            let mut w = line.split_whitespace();
            if w.next().is_some_and(|k| k.eq_ignore_ascii_case("port"))
                && let Some(p) = w.next().and_then(|p| p.parse::<u16>().ok())
                && !ports.iter().any(|(q, _)| *q == p)
            {
                ports.push((p, format!("/etc/ssh/sshd_config:{}: {}", n + 1, line.trim())));
            }
        }
        if ports.is_empty() {
            ports.push((22, "/etc/ssh/sshd_config: no Port line: sshd uses 22".into()));
        }
    }
    ports
}

/// The ports of this run: SSH's, then the named ones (`--port`, `[access] ports`).
fn ports(ctx: &ProbeContext) -> Vec<Port> {
    let mut ports = ssh_ports(ctx);
    for p in &ctx.net.access.ports {
        if !ports.iter().any(|(q, _)| q == p) {
            ports.push((*p, format!("named port {p}")));
        }
    }
    ports
}

/// "inbound Accept TCP 22/22 from 0.0.0.0/0, priority 1; ..." for every port.
fn rules_needed(ports: &[Port], source: Source) -> String {
    ports.iter().map(|(p, _)| secgroup::needed_rule(*p, source, &Verdict::NoRule)).collect::<Vec<_>>().join("; ")
}

fn skipped(msg: Msg, ports: &[Port], source: Source) -> ProbeError {
    ProbeError::Skipped(Said::new(msg).arg("rules", rules_needed(ports, source)))
}

/// Skipped for want of credentials, with why the chain found none.
fn no_credentials(ports: &[Port], source: Source, why: String) -> ProbeError {
    ProbeError::Skipped(
        Said::new(Msg::SkipSecgroupNoCredentials)
            .arg("actions", ecs::ACTIONS.join(", "))
            .arg("detail", crate::redact::redact(&why))
            .arg("rules", rules_needed(ports, source)),
    )
}

fn groups_text(groups: &[String]) -> String {
    groups.join(", ")
}

fn rules_text(rules: &[Rule]) -> String {
    rules.iter().map(Rule::describe).collect::<Vec<_>>().join("; ")
}

/// What decides a verdict, in words.
fn decided_by(v: &Verdict) -> String {
    match v {
        Verdict::Accept(r) => format!("accepted by {}", r.describe()),
        Verdict::Drop(r) => format!("dropped by {}", r.describe()),
        Verdict::Restricted(rs) | Verdict::Unknown { rules: rs, .. } => format!("admitted only by {}", rules_text(rs)),
        Verdict::NoRule => "no rule admits it (dropped by default)".into(),
    }
}

/// The observation of one port. `ipv6`: the host has a global IPv6 address, so "from
/// anywhere" is asked over IPv6 (`::/0`) too.
pub fn judge_port(port: u16, why: &str, source: Source, groups: &[String], rules: &[Rule], ipv6: bool) -> Observation {
    let verdict = secgroup::evaluate(rules, port, source);
    let o = judge_port_v4(port, why, source, groups, &verdict);
    if !(ipv6 && source == Source::Anywhere) {
        return o.flag("v6_blocked", false).text("verdict_v6", "not judged");
    }
    let v6 = secgroup::evaluate(rules, port, Source::AnywhereV6);
    let blocked = matches!(verdict, Verdict::Accept(_)) && matches!(v6, Verdict::Drop(_) | Verdict::NoRule);
    o.flag("v6_blocked", blocked)
        .text("verdict_v6", v6.name())
        .text("rule_v6", decided_by(&v6))
        .text("needed_v6", secgroup::needed_rule(port, Source::AnywhereV6, &v6))
        .evidence(format!("IPv6 (::/0): {}", decided_by(&v6)))
}

fn judge_port_v4(port: u16, why: &str, source: Source, groups: &[String], verdict: &Verdict) -> Observation {
    let mut o = Observation::new(format!("{port}/tcp"))
        .num("port", port as f64)
        .text("source", source.describe())
        .text("verdict", verdict.name())
        .text("groups", groups_text(groups))
        .text("needed", secgroup::needed_rule(port, source, verdict))
        .text("why_port", why.to_string())
        .evidence(why.to_string());
    match verdict {
        Verdict::Accept(r) | Verdict::Drop(r) => {
            o = o.text("group", r.group.clone()).text("rule", r.describe());
        }
        Verdict::NoRule => {
            o = o.text("group", groups_text(groups)).text("rule", "no rule admits it (dropped by default)");
        }
        Verdict::Restricted(rs) => {
            o = o.text("group", groups_text(groups)).text("rules", rules_text(rs));
        }
        Verdict::Unknown { rules: rs, otherwise } => {
            let group: Vec<String> = rs.iter().map(|r| r.group.clone()).fold(Vec::new(), |mut v, g| {
                if !v.contains(&g) {
                    v.push(g);
                }
                v
            });
            let otherwise = match otherwise.as_ref() {
                Verdict::Accept(r) => format!("accepted by {}", r.describe()),
                Verdict::Drop(r) => format!("dropped by {}", r.describe()),
                _ => "dropped: no other rule admits it".into(),
            };
            o = o.text("group", group.join(", ")).text("rules", rules_text(rs)).text("otherwise", otherwise);
        }
    }
    o
}

/// The credentials the chain finds (environment, config, RAM role from the metadata service at
/// `metadata_url`); the security-group repair uses the same.
pub use super::ecs_access::credentials;

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    use super::ecs_access::{self, Denied};
    let source = ctx.net.access.from.map_or(Source::Anywhere, Source::Addr);
    let ports = ports(ctx);
    if ports.is_empty() {
        return Err(ProbeError::skipped(Msg::SkipSecgroupNoPorts));
    }
    let access = match ecs_access::access(ctx) {
        Ok(a) => a,
        Err(Denied::Offline) => return Err(skipped(Msg::SkipSecgroupOffline, &ports, source)),
        Err(Denied::NotCloud(why)) => {
            return Err(ProbeError::Skipped(
                Said::new(Msg::SkipSecgroupNotCloud).nest("why", why).arg("rules", rules_needed(&ports, source)),
            ));
        }
        Err(Denied::NoCredentials(why)) => return Err(no_credentials(&ports, source, why)),
        Err(Denied::Metadata { code, error }) => {
            return Err(ProbeError::failed(code, Said::new(Msg::FailSecgroupMetadata).arg("error", error)));
        }
        Err(Denied::Api { code, error }) => {
            return Err(ProbeError::failed(code, Said::new(Msg::FailSecgroupApi).arg("error", error)));
        }
    };
    let ecs_access::Access { instance, region, mut creds, client, endpoints } = access;
    let (instance, region) = (instance.as_str(), region.as_str());
    let mut evidence = Vec::new();
    let outcome = ecs::on_endpoints(&client, &endpoints, &mut creds, ctx.deadline, &mut evidence, |api| {
        let groups = api.instance_groups(instance)?;
        let mut rules = Vec::new();
        for g in &groups {
            rules.extend(api.ingress_rules(g, region)?);
        }
        Ok((groups, rules))
    });
    let (groups, rules) = match outcome {
        Ok(v) => v,
        Err(ecs::ApiError::Forbidden { action, code, message }) => {
            let who = creds.principal();
            return Err(ProbeError::Skipped(
                Said::new(Msg::SkipSecgroupForbidden)
                    .arg("who", who)
                    .arg("action", format!("ecs:{action}"))
                    .arg("code", code)
                    .arg("actions", ecs::ACTIONS.join(", "))
                    .arg("message", message)
                    .arg("rules", rules_needed(&ports, source)),
            ));
        }
        Err(e) => {
            return Err(ProbeError::failed(
                e.code(),
                Said::new(Msg::FailSecgroupApi).arg("error", crate::redact::redact(&e.to_string())),
            ));
        }
    };
    let ipv6 = crate::host::facts::has_global_ipv6(&ctx.host);
    let items = ports
        .iter()
        .map(|(p, why)| {
            let mut o = judge_port(*p, why, source, &groups, &rules, ipv6);
            o.evidence.extend(evidence.iter().cloned());
            o
        })
        .collect();
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::secgroup::Policy;
    use crate::report::{Severity, Status};

    fn rule(src: &str) -> Rule {
        let mut r = Rule {
            group: "sg-a".into(),
            rule_id: Some("sgr-1".into()),
            direction: "ingress".into(),
            protocol: "TCP".into(),
            port_range: "22/22".into(),
            policy: Some(Policy::Accept),
            priority: 1,
            ..Default::default()
        };
        if src.contains(':') {
            r.source_cidr_v6 = Some(src.into());
        } else {
            r.source_cidr = Some(src.into());
        }
        r
    }

    /// Open to anyone over IPv4 only, on a host with an IPv6 address: a warning naming the
    /// IPv6 rule it needs; with `::/0` admitted too, or no IPv6 address, quiet.
    #[test]
    fn ipv6_from_anywhere_is_judged_when_the_host_has_ipv6() {
        let catalog = crate::catalog::Catalog::load(&[]).expect("built-in catalog");
        let check = catalog.get("net.security-group.inbound").expect("check");
        let groups = ["sg-a".to_string()];
        let judge = |rules: &[Rule], ipv6: bool| {
            let o = judge_port(22, "sshd -T: port 22", Source::Anywhere, &groups, rules, ipv6);
            crate::engine::judge::judge(check, Ok(Observations::of(vec![o])), crate::i18n::Lang::En, 0)
        };
        let v4_only = [rule("0.0.0.0/0")];
        let r = judge(&v4_only, true);
        assert_eq!(r.status, Status::Warn, "{r:#?}");
        assert_eq!(r.findings[0].severity, Severity::Warn);
        assert_eq!(r.findings[0].code.as_deref(), Some("SG-NO-IPV6"));
        assert!(r.findings[0].message.contains("not over IPv6 (no rule admits it"), "{}", r.findings[0].message);
        assert!(r.findings[0].message.ends_with("Needed: `inbound Accept TCP 22/22 from ::/0, priority 1`"));
        assert_eq!(judge(&v4_only, false).status, Status::Ok, "no IPv6 address: IPv6 is not asked");
        assert_eq!(judge(&[rule("0.0.0.0/0"), rule("::/0")], true).status, Status::Ok);
        // Closed over IPv4 too: the IPv4 finding is the one that matters.
        let r = judge(&[rule("::/0")], true);
        assert_eq!(r.findings.iter().map(|f| f.code.as_deref()).collect::<Vec<_>>(), [Some("SG-NO-RULE")]);
    }
}
