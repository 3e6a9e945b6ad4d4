//! `action.security_group`: admits a port the instance's security groups drop
//! (`net.security-group.inbound`: SG-NO-RULE, SG-DROP, SG-NO-IPV6) by adding one inbound rule
//! through the ECS API, `AuthorizeSecurityGroup`, undone by `RevokeSecurityGroup` of exactly
//! that rule. Alibaba estimates that about 80 % of "cannot connect" cases are security-group
//! rules, and they cannot be changed from inside the guest by any other means.
//!
//! The change is a [`Live`] step whose command is an API call, not a program: its program is
//! [`API`] (`ecs-api AuthorizeSecurityGroup RegionId=… SecurityGroupId=… Permissions.1.…`, as
//! the plan shows it), which [`super::exec::run`] sends here, signed by the tool's own client
//! (`cloud::rpc`) with the credentials the security-group check uses (the environment, the
//! config's keys, or the instance's RAM role from the metadata service). No credential is
//! written to the plan, the record or the report; the record keeps only the region, the group
//! and the rule, and `fix --undo` resolves credentials again.
//!
//! The plan reads the groups afresh (`DescribeInstanceAttribute`,
//! `DescribeSecurityGroupAttribute`, read-only, as the check does) and works out the rule for
//! the source with [`secgroup::evaluate`]: priority 1, or one above a Drop rule that decides
//! (a Drop rule of priority 1 cannot be outranked: refused, it is the customer's own rule).
//! The source is never the whole internet guessed for SSH: it is the address the customer names
//! (`fix --client ADDR`), else the client of this SSH session (`SSH_CONNECTION`), else refused
//! with the console steps and the API call to make by hand. A port named with `--port` (a web
//! server's) is meant for everyone and gets `0.0.0.0/0`; IPv6 (`SG-NO-IPV6`) gets `::/0` only
//! where IPv4 is already open to everyone (the same decision, for the other family).

use super::exec::Ran;
use super::{Action, Change, Command, Live, Skip, Target};
use crate::cloud::ecs::{self, ApiError};
use crate::cloud::secgroup::{self, Rule, Source, Verdict};
use crate::i18n::{Lang, R, rtf};
use crate::probe::CloudCredentials;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// The program name of a step that is an ECS API call (never looked up, never started).
pub const API: &str = "ecs-api";
/// The calls such a step may make.
pub const CALLS: [&str; 2] = ["AuthorizeSecurityGroup", "RevokeSecurityGroup"];
/// The description the rule carries, so the console shows who added it.
pub const DESCRIPTION: &str = "ecs-doctor-fix";
/// How long reading the groups or one change may take.
const LIMIT: Duration = Duration::from_secs(20);

/// How to reach the ECS API, from the options of `ecs-doctor fix` (in [`super::super::Told`],
/// for planning, applying and undoing).
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The metadata service (named, or detected on an Alibaba Cloud instance); `None`: not an
    /// instance, no call is made.
    pub metadata: Option<crate::host::metadata::Endpoint>,
    /// `--ecs-endpoint`, `ECS_DOCTOR_ECS_ENDPOINT`, `[net] ecs_endpoint`; else the region's.
    pub ecs_endpoint: Option<String>,
    /// The config's access keys (the environment and the RAM role come after them).
    pub credentials: CloudCredentials,
    /// `--offline`: no call at all.
    pub offline: bool,
}

/// The client address of the SSH session this runs in (`SSH_CONNECTION`, else `SSH_CLIENT`):
/// where the customer is logged in from.
pub fn login_source() -> Option<IpAddr> {
    ["SSH_CONNECTION", "SSH_CLIENT"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find_map(|s| s.split_whitespace().next().and_then(|a| a.parse::<IpAddr>().ok()))
        .filter(|a| !a.is_loopback() && !a.is_unspecified())
}

/// A session with the ECS API: credentials, endpoints, one client.
struct Session {
    creds: crate::cloud::creds::Source,
    endpoints: Vec<String>,
    client: reqwest::blocking::Client,
    deadline: Instant,
}

impl Session {
    fn open(a: &Access, region: &str) -> Result<Session, String> {
        let md = a.metadata.as_ref().ok_or("not an Alibaba Cloud instance (no metadata service)")?;
        let creds = crate::probe::cloud::security_group::credentials(&a.credentials, &md.url)?;
        let endpoints = match &a.ecs_endpoint {
            Some(e) => vec![ecs::normalize_endpoint(e)],
            None => ecs::default_endpoints(region),
        };
        let client = crate::cloud::http::client(Duration::from_secs(5))?;
        Ok(Session { creds, endpoints, client, deadline: Instant::now() + LIMIT })
    }

    fn with<T>(&mut self, f: impl FnMut(&mut ecs::Ecs) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut evidence = Vec::new();
        ecs::on_endpoints(&self.client, &self.endpoints, &mut self.creds, self.deadline, &mut evidence, f)
    }
}

/// The rule one step adds or revokes.
#[derive(Debug, Clone, PartialEq)]
struct NewRule {
    region: String,
    group: String,
    port: u16,
    source: Source,
    priority: u32,
}

impl NewRule {
    fn step(&self, action: &str) -> Command {
        let source_key = match self.source {
            Source::AnywhereV6 | Source::Addr(IpAddr::V6(_)) => "Ipv6SourceCidrIp",
            _ => "SourceCidrIp",
        };
        let mut args = vec![
            action.to_string(),
            format!("RegionId={}", self.region),
            format!("SecurityGroupId={}", self.group),
            "Permissions.1.IpProtocol=TCP".to_string(),
            format!("Permissions.1.PortRange={0}/{0}", self.port),
            format!("Permissions.1.{source_key}={}", self.source.cidr_text()),
            "Permissions.1.Policy=accept".to_string(),
            format!("Permissions.1.Priority={}", self.priority),
        ];
        if action == CALLS[0] {
            args.push(format!("Permissions.1.Description={DESCRIPTION}"));
        }
        let mut c = Command::new(API, &[]);
        c.args = args;
        c
    }
}

/// The console steps and the API call for a rule, for a plan that does not make it.
fn steps(lang: Lang, region: &str, group: &str, port: u16, source: &str, priority: u32) -> String {
    let source_key = if source.contains(':') { "Ipv6SourceCidrIp" } else { "SourceCidrIp" };
    let command = format!(
        "aliyun ecs AuthorizeSecurityGroup --RegionId {region} --SecurityGroupId {group} \
         --Permissions.1.IpProtocol TCP --Permissions.1.PortRange {port}/{port} --Permissions.1.{source_key} {source} \
         --Permissions.1.Policy accept --Permissions.1.Priority {priority}"
    );
    rtf(
        lang,
        R::SgSteps,
        &[
            ("group", group),
            ("port", &port.to_string()),
            ("source", source),
            ("priority", &priority.to_string()),
            ("command", &command),
        ],
    )
}

/// The port of a subject `22/tcp`.
fn port_of(subject: &str) -> Option<u16> {
    subject.strip_suffix("/tcp")?.parse().ok()
}

/// Whether the port was named by the user (`--port`, `[access] ports`) rather than SSH's: the
/// check's evidence says why it looked at it.
fn named_port(t: &Target) -> bool {
    t.finding.evidence.iter().any(|e| e.starts_with("named port "))
}

/// Who the rule is for, and where that came from; `Err` with the reason when it would be a guess.
fn source_for(t: &Target, rules: &[Rule], port: u16) -> Result<(Source, String), String> {
    let l = t.lang;
    let client = t
        .told
        .asked
        .client
        .map(|c| (c, rtf(l, R::SgFromFlag, &[])))
        .or_else(|| login_source().map(|c| (c, rtf(l, R::SgFromSession, &[]))));
    let v6 = t.finding.code.as_deref() == Some("SG-NO-IPV6");
    match client {
        Some((c, origin)) if !v6 || c.is_ipv6() => return Ok((Source::Addr(c), origin)),
        _ => {}
    }
    if v6 {
        // The same decision as for IPv4, where a rule admits everyone.
        return match secgroup::evaluate(rules, port, Source::Anywhere) {
            Verdict::Accept(r)
                if r.source_cidr.as_deref().and_then(secgroup::Cidr::parse).is_some_and(|c| c.is_everything()) =>
            {
                Ok((Source::AnywhereV6, rtf(l, R::SgFromV4, &[("rule", &r.describe())])))
            }
            _ => Err(rtf(l, R::SgNoV4Open, &[("port", &port.to_string())])),
        };
    }
    if named_port(t) {
        return Ok((Source::Anywhere, rtf(l, R::SgFromNamed, &[])));
    }
    Err(rtf(l, R::SgNoAddress, &[("port", &port.to_string())]))
}

impl Action for Params {
    fn name(&self) -> String {
        "security-group-accept".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let subject = t.finding.subject.clone().unwrap_or_default();
        let Some(port) = port_of(&subject) else {
            return Err(Skip::NotApplicable(rtf(l, R::SgNoPort, &[("subject", &subject)])));
        };
        let a = &t.told.ecs;
        let by_hand =
            |region: &str, group: &str, source: &str, priority: u32| steps(l, region, group, port, source, priority);
        let refuse = |why: String, region: &str, group: &str| {
            Skip::Refused(format!("{why} {}", by_hand(region, group, "<your address>/32", 1)))
        };
        if !t.host.is_live() {
            return Err(refuse(rtf(l, R::SgNotLive, &[]), "<region>", "<security group>"));
        }
        if a.offline {
            return Err(refuse(rtf(l, R::SgOffline, &[]), "<region>", "<security group>"));
        }
        let cannot = |e: String| {
            refuse(rtf(l, R::SgCannotRead, &[("error", &crate::redact::redact(&e))]), "<region>", "<security group>")
        };
        let Some(md_ep) = a.metadata.clone() else {
            return Err(cannot("not an Alibaba Cloud instance (no metadata service)".into()));
        };
        let md = crate::host::metadata::fetch(&md_ep, Instant::now() + LIMIT);
        let (Some(instance), Some(region)) = (md.values.get("instance_id"), md.values.get("region_id")) else {
            let why = md.failure.map(|(_, w)| w).unwrap_or_else(|| format!("{}: no instance-id or region-id", md.url));
            return Err(cannot(why));
        };
        let mut s = Session::open(a, region).map_err(cannot)?;
        let read = s.with(|api| {
            let groups = api.instance_groups(instance)?;
            let mut rules = Vec::new();
            for g in &groups {
                rules.extend(api.ingress_rules(g, region)?);
            }
            Ok((groups, rules))
        });
        let (groups, rules) = read.map_err(|e| cannot(e.to_string()))?;
        let Some(group) = groups.first().cloned() else {
            return Err(cannot(format!("{instance} is in no security group")));
        };
        let (source, origin) = source_for(t, &rules, port).map_err(|why| refuse(why, region, &group))?;
        let verdict = secgroup::evaluate(&rules, port, source);
        let deciding = match &verdict {
            Verdict::Unknown { otherwise, .. } => otherwise.as_ref(),
            v => v,
        };
        let priority = match deciding {
            Verdict::Accept(r) => {
                return Err(Skip::NotApplicable(rtf(
                    l,
                    R::SgAdmitted,
                    &[("port", &port.to_string()), ("source", &source.describe()), ("rule", &r.describe())],
                )));
            }
            Verdict::Drop(d) if d.priority <= 1 => {
                let why = rtf(
                    l,
                    R::SgDropFirst,
                    &[("rule", &d.describe()), ("port", &port.to_string()), ("source", &source.describe())],
                );
                return Err(Skip::Refused(format!("{why} {}", by_hand(region, &d.group, &source.cidr_text(), 1))));
            }
            Verdict::Drop(d) => d.priority - 1,
            _ => 1,
        };
        let rule = NewRule { region: region.clone(), group: group.clone(), port, source, priority };
        let who = s.creds.principal();
        let summary = rtf(
            l,
            R::SgDo,
            &[
                ("port", &port.to_string()),
                ("source", &source.cidr_text()),
                ("origin", &origin),
                ("priority", &priority.to_string()),
                ("group", &group),
                ("region", region),
                ("who", &who),
            ],
        );
        Ok(Change {
            summary,
            files: Vec::new(),
            validate: Vec::new(),
            live: vec![Live { run: rule.step(CALLS[0]), undo: Some(rule.step(CALLS[1])) }],
            commands: Vec::new(),
            guards_login: false,
        })
    }
}

/// Sends the API call of a step ([`API`]); what failed, said.
pub fn run(cmd: &Command, a: &Access) -> Ran {
    let Some(action) = cmd.args.first().filter(|a| CALLS.contains(&a.as_str())) else {
        return Ran::Failed(format!("{}: not a security-group call", cmd.line()));
    };
    let params: Vec<(&str, String)> =
        cmd.args[1..].iter().filter_map(|a| a.split_once('=')).map(|(k, v)| (k, v.to_string())).collect();
    let Some(region) = params.iter().find(|(k, _)| *k == "RegionId").map(|(_, v)| v.clone()) else {
        return Ran::Failed(format!("{}: no RegionId", cmd.line()));
    };
    if a.offline {
        return Ran::Failed(format!("{action}: --offline forbids calls to the ECS API"));
    }
    let mut s = match Session::open(a, &region) {
        Ok(s) => s,
        Err(e) => return Ran::Failed(format!("{action}: {}", crate::redact::redact(&e))),
    };
    match s.with(|api| api.change(action, &params)) {
        Ok(_) => Ran::Ok,
        Err(ApiError::Forbidden { code, message, .. }) => Ran::Failed(format!(
            "{action}: {code}: {} may not call ecs:{action} (grant it to the RAM role or the AccessKey): {message}",
            s.creds.principal()
        )),
        Err(e) => Ran::Failed(crate::redact::redact(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_the_api_call_with_its_exact_revoke() {
        let r = NewRule {
            region: "cn-hangzhou".into(),
            group: "sg-bp1".into(),
            port: 22,
            source: Source::Addr("203.0.113.7".parse().unwrap()),
            priority: 4,
        };
        assert_eq!(
            r.step(CALLS[0]).line(),
            "ecs-api AuthorizeSecurityGroup RegionId=cn-hangzhou SecurityGroupId=sg-bp1 Permissions.1.IpProtocol=TCP \
             Permissions.1.PortRange=22/22 Permissions.1.SourceCidrIp=203.0.113.7/32 Permissions.1.Policy=accept \
             Permissions.1.Priority=4 Permissions.1.Description=ecs-doctor-fix"
        );
        assert_eq!(
            r.step(CALLS[1]).line(),
            "ecs-api RevokeSecurityGroup RegionId=cn-hangzhou SecurityGroupId=sg-bp1 Permissions.1.IpProtocol=TCP \
             Permissions.1.PortRange=22/22 Permissions.1.SourceCidrIp=203.0.113.7/32 Permissions.1.Policy=accept \
             Permissions.1.Priority=4"
        );
        let v6 = NewRule { source: Source::AnywhereV6, ..r };
        assert!(v6.step(CALLS[0]).args.contains(&"Permissions.1.Ipv6SourceCidrIp=::/0".to_string()));
        assert!(port_of("22/tcp") == Some(22) && port_of("tcp/22").is_none());
    }

    #[test]
    fn only_security_group_calls_are_sent() {
        let other = Command::new(API, &["DeleteInstance", "RegionId=cn-hangzhou", "InstanceId=i-1"]);
        assert!(matches!(run(&other, &Access::default()), Ran::Failed(m) if m.contains("not a security-group call")));
    }
}
