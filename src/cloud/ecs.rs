//! The ECS API calls (version 2014-05-26, RPC style: `POST /` with a form body, signed with
//! ACS3-HMAC-SHA256) that show what the security groups let in: `DescribeInstanceAttribute`
//! (which groups the instance is in) and `DescribeSecurityGroupAttribute` (their ingress rules);
//! and `DescribeDisks` (the instance's disks, their category and size: `disk.io.throttle`).
//! Shapes in shared/platform/alibaba-cloud.md. Read-only; every request is bounded by the run's
//! deadline; nothing secret goes into the evidence (no header, no credential, no token).

use super::creds::Source;
use super::http::SendError;
use super::rpc::{Rpc, RpcError};
use super::secgroup::{Policy, Rule};
use std::time::{Duration, Instant};

pub const VERSION: &str = "2014-05-26";
/// The RAM actions the two calls need.
pub const ACTIONS: [&str; 2] = ["ecs:DescribeInstanceAttribute", "ecs:DescribeSecurityGroupAttribute"];
/// The RAM action `disk.io.throttle` needs to learn a disk's category ([`Ecs::instance_disks`]).
pub const DISK_ACTIONS: [&str; 1] = ["ecs:DescribeDisks"];
/// Longest one request may take.
const REQUEST_LIMIT: Duration = Duration::from_secs(5);
/// Most pages of rules read per group.
const MAX_PAGES: usize = 20;

/// The endpoints to try for a region, in order: the VPC one (reachable without internet
/// access), then the public one.
pub fn default_endpoints(region: &str) -> Vec<String> {
    vec![format!("https://ecs-vpc.{region}.aliyuncs.com"), format!("https://ecs.{region}.aliyuncs.com")]
}

pub use super::rpc::normalize_endpoint;

/// Why a call did not answer what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The credentials may not call this (`Forbidden.RAM` and its kin): a finding, not an error.
    Forbidden { action: String, code: String, message: String },
    /// The API refused or failed otherwise, with its error code.
    Api { action: String, status: u16, code: String, message: String },
    /// No answer (not sent, timed out, reset) or no credentials.
    Send(SendError),
}

impl ApiError {
    /// A code for the finding: the API's error code, or an errno-style word.
    pub fn code(&self) -> String {
        match self {
            ApiError::Forbidden { code, .. } | ApiError::Api { code, .. } => code.clone(),
            ApiError::Send(SendError::Unreachable(_)) => "ENETUNREACH".into(),
            ApiError::Send(SendError::Ambiguous(m)) if m.contains("timed out") || m.contains("timeout") => {
                "ETIMEDOUT".into()
            }
            ApiError::Send(_) => "EIO".into(),
        }
    }
}

impl From<RpcError> for ApiError {
    /// `Forbidden.RAM` and its kin are a permission to name; a transient answer the retries did
    /// not get past is no answer.
    fn from(e: RpcError) -> ApiError {
        match e {
            RpcError::Send(s) => ApiError::Send(s),
            RpcError::Api { action, code, message, .. } if code.starts_with("Forbidden") || code == "NoPermission" => {
                ApiError::Forbidden { action, code, message }
            }
            e @ RpcError::Api { .. } if e.retryable() => ApiError::Send(SendError::Ambiguous(e.to_string())),
            RpcError::Api { action, status, code, message, .. } => ApiError::Api { action, status, code, message },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Forbidden { action, code, message } | ApiError::Api { action, code, message, .. } => {
                write!(f, "{action}: {code}: {message}")
            }
            ApiError::Send(e) => f.write_str(e.message()),
        }
    }
}

pub struct Ecs<'a> {
    pub client: reqwest::blocking::Client,
    /// `scheme://host[:port]`.
    pub endpoint: String,
    pub creds: &'a mut Source,
    pub deadline: Instant,
    /// One line per request: action, parameters, outcome (never a secret).
    pub evidence: Vec<String>,
}

fn text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One permission of `DescribeSecurityGroupAttribute` as a rule of `group`.
pub fn parse_permission(group: &str, p: &serde_json::Value) -> Rule {
    let policy = match text(&p["Policy"]).map(|s| s.to_ascii_lowercase()) {
        Some(s) if s == "drop" => Some(Policy::Drop),
        Some(s) if s == "accept" => Some(Policy::Accept),
        _ => None,
    };
    Rule {
        group: group.to_string(),
        rule_id: text(&p["SecurityGroupRuleId"]),
        direction: text(&p["Direction"]).unwrap_or_default(),
        protocol: text(&p["IpProtocol"]).unwrap_or_default(),
        port_range: text(&p["PortRange"]).unwrap_or_default(),
        source_cidr: text(&p["SourceCidrIp"]),
        source_cidr_v6: text(&p["Ipv6SourceCidrIp"]),
        source_group: text(&p["SourceGroupId"]),
        source_prefix_list: text(&p["SourcePrefixListId"]),
        policy,
        priority: text(&p["Priority"]).and_then(|s| s.parse().ok()).unwrap_or(1),
        description: text(&p["Description"]),
    }
}

/// The group ids of a `DescribeInstanceAttribute` answer.
pub fn parse_group_ids(v: &serde_json::Value) -> Vec<String> {
    v["SecurityGroupIds"]["SecurityGroupId"].as_array().map(|a| a.iter().filter_map(text).collect()).unwrap_or_default()
}

impl Ecs<'_> {
    /// A read-only call, tried again (within the deadline) when it got no answer.
    fn call(&mut self, action: &str, params: &[(&str, String)]) -> Result<serde_json::Value, ApiError> {
        self.send(action, params, 2)
    }

    /// A call sent up to `attempts` times while it got no answer.
    fn send(&mut self, action: &str, params: &[(&str, String)], attempts: u32) -> Result<serde_json::Value, ApiError> {
        let rpc = Rpc {
            client: &self.client,
            endpoint: &self.endpoint,
            version: VERSION,
            deadline: self.deadline,
            request_limit: Some(REQUEST_LIMIT),
        };
        rpc.call(self.creds, action, params, attempts, &mut self.evidence).map_err(ApiError::from)
    }

    /// A call that changes something: sent with a `ClientToken` (the same for every retry of
    /// this call, so the API carries out the change once however often it arrives), tried
    /// again within the deadline while it got no answer.
    pub fn change(&mut self, action: &str, params: &[(&str, String)]) -> Result<serde_json::Value, ApiError> {
        let mut params = params.to_vec();
        params.push(("ClientToken", super::sign::nonce()));
        self.send(action, &params, 3)
    }

    /// The security groups of an instance.
    pub fn instance_groups(&mut self, instance_id: &str) -> Result<Vec<String>, ApiError> {
        let v = self.call("DescribeInstanceAttribute", &[("InstanceId", instance_id.to_string())])?;
        Ok(parse_group_ids(&v))
    }

    /// Every page of `action` (by `NextToken`, at most [`MAX_PAGES`]): `params` on each request,
    /// `take` reading each page's items.
    fn pages<T>(
        &mut self,
        action: &str,
        params: &[(&str, String)],
        mut take: impl FnMut(&serde_json::Value, &mut Vec<T>),
    ) -> Result<Vec<T>, ApiError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = params.to_vec();
            if let Some(t) = &token {
                params.push(("NextToken", t.clone()));
            }
            let v = self.call(action, &params)?;
            take(&v, &mut items);
            token = text(&v["NextToken"]);
            if token.is_none() {
                break;
            }
        }
        Ok(items)
    }

    /// The ingress rules of a group, every page.
    pub fn ingress_rules(&mut self, group: &str, region: &str) -> Result<Vec<Rule>, ApiError> {
        let params = [
            ("SecurityGroupId", group.to_string()),
            ("RegionId", region.to_string()),
            ("Direction", "ingress".to_string()),
        ];
        self.pages("DescribeSecurityGroupAttribute", &params, |v, rules| {
            if let Some(list) = v["Permissions"]["Permission"].as_array() {
                rules.extend(list.iter().map(|p| parse_permission(group, p)));
            }
        })
    }

    /// The disks attached to an instance (`DescribeDisks` with `RegionId` and `InstanceId`, every
    /// page by `NextToken`), in the shape [`super::disks::parse`] reads.
    pub fn instance_disks(&mut self, instance_id: &str, region: &str) -> Result<Vec<super::disks::Disk>, ApiError> {
        let params = [
            ("RegionId", region.to_string()),
            ("InstanceId", instance_id.to_string()),
            ("MaxResults", "100".to_string()),
        ];
        self.pages("DescribeDisks", &params, |v, disks| disks.extend(super::disks::parse(v)))
    }
}

/// Runs `f` against each endpoint in turn (the region's VPC endpoint, then its public one),
/// going on to the next only when one could not be reached; the evidence of every request is
/// added to `evidence`.
pub fn on_endpoints<T>(
    client: &reqwest::blocking::Client,
    endpoints: &[String],
    creds: &mut Source,
    deadline: Instant,
    evidence: &mut Vec<String>,
    mut f: impl FnMut(&mut Ecs) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut outcome = Err(ApiError::Send(SendError::Rejected("no ECS endpoint".into())));
    for (i, ep) in endpoints.iter().enumerate() {
        let mut api =
            Ecs { client: client.clone(), endpoint: ep.clone(), creds: &mut *creds, deadline, evidence: Vec::new() };
        outcome = f(&mut api);
        evidence.append(&mut api.evidence);
        let unreachable = matches!(outcome, Err(ApiError::Send(SendError::Unreachable(_))));
        if !(unreachable && i + 1 < endpoints.len()) {
            break;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official response shapes (aliyun/alibabacloud-csharp-sdk models).
    #[test]
    fn parses_the_official_shapes() {
        let inst: serde_json::Value = serde_json::from_str(
            r#"{"InstanceId":"i-bp1","Status":"Running","SecurityGroupIds":{"SecurityGroupId":["sg-bp1a","sg-bp1b"]},
                "PublicIpAddress":{"IpAddress":[]},"VpcAttributes":{"VpcId":"vpc-1","VSwitchId":"vsw-1",
                "PrivateIpAddress":{"IpAddress":["172.16.0.5"]}},"RequestId":"r"}"#,
        )
        .unwrap();
        assert_eq!(parse_group_ids(&inst), ["sg-bp1a", "sg-bp1b"]);
        let sg: serde_json::Value = serde_json::from_str(
            r#"{"SecurityGroupId":"sg-bp1a","RegionId":"cn-hangzhou","VpcId":"vpc-1","InnerAccessPolicy":"Accept",
                "Permissions":{"Permission":[
                  {"Direction":"ingress","IpProtocol":"TCP","PortRange":"22/22","SourceCidrIp":"0.0.0.0/0",
                   "Ipv6SourceCidrIp":"","SourceGroupId":"","SourcePrefixListId":"","Policy":"Accept","Priority":"1",
                   "NicType":"intranet","Description":"ssh","SecurityGroupRuleId":"sgr-1","CreateTime":"2024-01-01T00:00:00Z"},
                  {"Direction":"ingress","IpProtocol":"ALL","PortRange":"-1/-1","SourceGroupId":"sg-bastion",
                   "Policy":"Drop","Priority":5}]},"RequestId":"r"}"#,
        )
        .unwrap();
        let rules: Vec<Rule> = sg["Permissions"]["Permission"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| parse_permission("sg-bp1a", p))
            .collect();
        assert_eq!(rules[0].port_range, "22/22");
        assert_eq!(rules[0].source_cidr.as_deref(), Some("0.0.0.0/0"));
        assert_eq!(rules[0].source_cidr_v6, None, "an empty field is no source");
        assert_eq!(rules[0].policy, Some(Policy::Accept));
        assert_eq!(rules[1].priority, 5, "a number as well as a string");
        assert_eq!(rules[1].source_group.as_deref(), Some("sg-bastion"));
        assert_eq!(rules[1].policy, Some(Policy::Drop));
    }

    #[test]
    fn endpoints() {
        assert_eq!(default_endpoints("cn-hangzhou")[0], "https://ecs-vpc.cn-hangzhou.aliyuncs.com");
        assert_eq!(normalize_endpoint("http://127.0.0.1:9/"), "http://127.0.0.1:9");
        assert_eq!(normalize_endpoint("ecs.cn-beijing.aliyuncs.com"), "https://ecs.cn-beijing.aliyuncs.com");
        let e = ApiError::Forbidden { action: "A".into(), code: "Forbidden.RAM".into(), message: "m".into() };
        assert_eq!(e.code(), "Forbidden.RAM");
    }
}
