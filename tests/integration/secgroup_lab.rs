//! An ECS API stand-in for the security-group tests: RPC style (`POST /`, form body), every
//! request's ACS3-HMAC-SHA256 signature recomputed by the ticket lab's independent checker
//! (nonce reuse, date skew, STS token signed), answering `DescribeInstanceAttribute` and
//! `DescribeSecurityGroupAttribute` in the official response shapes (shared/platform/
//! alibaba-cloud.md) from rules a test sets, or `Forbidden.RAM`; `AuthorizeSecurityGroup` and
//! `RevokeSecurityGroup` (`Permissions.1.*`, a `ClientToken` required and honoured) add and
//! remove the rule they describe, so the groups it describes afterwards include the change. It can also be the metadata
//! service (instance id, region, a RAM role and its STS credentials) for loopback tests.
//!
//! It listens wherever the test puts it: on 127.0.0.1 inside `common::in_private_netns`, or on
//! an address of a lab namespace (`start_in`). `DescribeDisks` answers the disks a test sets (the
//! throttle lab).

use super::ticket_lab::{self, Req};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const INSTANCE: &str = "i-lab0000000000000001";
pub const REGION: &str = "cn-lab";
pub const ROLE: &str = "EcsDoctorLabRole";

/// One ingress rule in the API's shape.
#[derive(Debug, Clone)]
pub struct Perm {
    pub group: &'static str,
    pub id: &'static str,
    pub protocol: &'static str,
    pub ports: String,
    /// `0.0.0.0/0`, or `sg:sg-x` for a source group, `pl:pl-x` for a prefix list.
    pub source: String,
    pub policy: &'static str,
    pub priority: u32,
}

impl Perm {
    pub fn accept(group: &'static str, id: &'static str, port: u16, source: &str, priority: u32) -> Perm {
        Perm {
            group,
            id,
            protocol: "TCP",
            ports: format!("{port}/{port}"),
            source: source.into(),
            policy: "Accept",
            priority,
        }
    }

    pub fn drop(group: &'static str, id: &'static str, port: u16, source: &str, priority: u32) -> Perm {
        Perm { policy: "Drop", ..Perm::accept(group, id, port, source, priority) }
    }

    fn json(&self) -> serde_json::Value {
        let (cidr, cidr6, sg, pl) = if let Some(g) = self.source.strip_prefix("sg:") {
            ("", "", g, "")
        } else if let Some(p) = self.source.strip_prefix("pl:") {
            ("", "", "", p)
        } else if self.source.contains(':') {
            ("", self.source.as_str(), "", "")
        } else {
            (self.source.as_str(), "", "", "")
        };
        serde_json::json!({
            "Direction": "ingress", "IpProtocol": self.protocol, "PortRange": self.ports,
            "SourceCidrIp": cidr, "Ipv6SourceCidrIp": cidr6, "SourceGroupId": sg, "SourcePrefixListId": pl,
            "SourceGroupOwnerAccount": "", "SourcePortRange": "", "DestCidrIp": "", "Policy": self.policy,
            "Priority": self.priority.to_string(), "NicType": "intranet", "Description": format!("lab {}", self.id),
            "SecurityGroupRuleId": self.id, "CreateTime": "2026-11-01T00:00:00Z"
        })
    }
}

#[derive(Default)]
pub struct EcsState {
    /// The instance's groups.
    pub groups: Vec<&'static str>,
    pub rules: Vec<Perm>,
    /// Answer every call with Forbidden.RAM.
    pub forbidden: bool,
    /// Serve a RAM role from the metadata paths.
    pub role: bool,
    /// The credentials may read the groups but not change them (Forbidden.RAM on changes).
    pub read_only: bool,
    /// Every request: `ACTION key=value...` (ECS) or `GET path` (metadata).
    pub requests: Vec<String>,
    /// The `ClientToken`s of the changes carried out (a change sent again with the same token
    /// is carried out once, as the API does).
    pub tokens: Vec<String>,
    /// Signature checks and the like that failed; a test asserts it is empty.
    pub problems: Vec<String>,
    /// The signature checker's state (nonces, the STS credentials issued).
    pub sig: ticket_lab::State,
    /// The instance's disks as `DescribeDisks` lists them (`Disks.Disk[]` entries).
    pub disks: Vec<serde_json::Value>,
}

pub struct EcsStandIn {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<EcsState>>,
}

impl EcsStandIn {
    /// Serves on `listener` (bound by the caller in the namespace it belongs to).
    pub fn serve(listener: TcpListener, state: EcsState) -> EcsStandIn {
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(state));
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                std::thread::spawn(move || handle(stream, &st));
            }
        });
        EcsStandIn { addr, state }
    }

    /// On 127.0.0.1 (inside `in_private_netns`).
    pub fn start(state: EcsState) -> EcsStandIn {
        EcsStandIn::serve(TcpListener::bind(("127.0.0.1", 0)).expect("bind"), state)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, EcsState> {
        self.state.lock().expect("state")
    }

    /// The ECS actions received.
    pub fn actions(&self) -> Vec<String> {
        self.state().requests.iter().filter(|r| !r.starts_with("GET ") && !r.starts_with("PUT ")).cloned().collect()
    }
}

fn respond(s: &mut TcpStream, code: u16, body: &str) {
    ticket_lab::respond(s, code, body);
}

fn handle(mut s: TcpStream, state: &Arc<Mutex<EcsState>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(req) = ticket_lab::read_request(&mut s) else { return };
    if req.path.starts_with("/latest/") {
        return metadata(s, &req, state);
    }
    let mut st = state.lock().expect("state");
    let action = req.header("x-acs-action").unwrap_or_default().to_string();
    let mut params = ticket_lab::parse_form(&req.query);
    params.extend(ticket_lab::parse_form(&String::from_utf8_lossy(&req.body)));
    let shown: String = params.iter().map(|(k, v)| format!(" {k}={v}")).collect();
    st.requests.push(format!("{action}{shown}"));
    if req.method != "POST" || req.path != "/" {
        st.problems.push(format!("{} {}: not RPC style", req.method, req.path));
        drop(st);
        return respond(&mut s, 404, "{}");
    }
    if req.header("x-acs-version") != Some("2014-05-26") {
        st.problems.push(format!("{action}: version {:?}", req.header("x-acs-version")));
    }
    let EcsState { sig, problems, .. } = &mut *st;
    if let Some(p) = ticket_lab::check_signature(&req, sig) {
        problems.push(format!("{action}: {p}"));
        drop(st);
        return respond(
            &mut s,
            400,
            r#"{"Code":"IncompleteSignature","Message":"The request signature does not conform to Aliyun standards.","RequestId":"lab-sig"}"#,
        );
    }
    if st.forbidden {
        drop(st);
        return respond(
            &mut s,
            403,
            r#"{"Code":"Forbidden.RAM","Message":"User not authorized to operate on the specified resource, or this API doesn't support RAM.","RequestId":"lab-forbidden","HostId":"ecs.cn-lab.aliyuncs.com"}"#,
        );
    }
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    match action.as_str() {
        "DescribeInstanceAttribute" => {
            if get("InstanceId") != INSTANCE {
                drop(st);
                return respond(
                    &mut s,
                    404,
                    r#"{"Code":"InvalidInstanceId.NotFound","Message":"The specified InstanceId does not exist.","RequestId":"lab-404"}"#,
                );
            }
            let body = serde_json::json!({
                "InstanceId": INSTANCE, "InstanceName": "lab", "RegionId": REGION, "ZoneId": "cn-lab-a",
                "Status": "Running", "InstanceType": "ecs.lab.small",
                "SecurityGroupIds": {"SecurityGroupId": st.groups},
                "PublicIpAddress": {"IpAddress": []}, "InnerIpAddress": {"IpAddress": []},
                "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
                "VpcAttributes": {"VpcId": "vpc-lab0001", "VSwitchId": "vsw-lab0001", "NatIpAddress": "",
                    "PrivateIpAddress": {"IpAddress": ["10.88.0.2"]}},
                "RequestId": "lab-instance"
            });
            drop(st);
            respond(&mut s, 200, &body.to_string())
        }
        "DescribeSecurityGroupAttribute" => {
            let group = get("SecurityGroupId");
            if get("RegionId") != REGION {
                st.problems.push(format!("DescribeSecurityGroupAttribute RegionId {:?}", get("RegionId")));
            }
            if !st.groups.iter().any(|g| *g == group) {
                drop(st);
                return respond(
                    &mut s,
                    404,
                    r#"{"Code":"InvalidSecurityGroupId.NotFound","Message":"The specified security group does not exist.","RequestId":"lab-404"}"#,
                );
            }
            let perms: Vec<serde_json::Value> = st.rules.iter().filter(|r| r.group == group).map(Perm::json).collect();
            let body = serde_json::json!({
                "SecurityGroupId": group, "SecurityGroupName": format!("{group} (lab)"), "Description": "",
                "RegionId": REGION, "VpcId": "vpc-lab0001", "InnerAccessPolicy": "Accept",
                "Permissions": {"Permission": perms}, "RequestId": "lab-sg"
            });
            drop(st);
            respond(&mut s, 200, &body.to_string())
        }
        "DescribeDisks" => {
            // The official shape (alibabacloud-go ecs-20140526 DescribeDisksResponseBody).
            if get("RegionId") != REGION {
                st.problems.push(format!("DescribeDisks RegionId {:?}", get("RegionId")));
            }
            if get("InstanceId") != INSTANCE {
                st.problems.push(format!("DescribeDisks InstanceId {:?}", get("InstanceId")));
            }
            let body = serde_json::json!({
                "RequestId": "lab-disks", "TotalCount": st.disks.len(), "PageNumber": 1, "PageSize": 100,
                "NextToken": "", "Disks": {"Disk": st.disks}
            });
            drop(st);
            respond(&mut s, 200, &body.to_string())
        }
        "AuthorizeSecurityGroup" | "RevokeSecurityGroup" => {
            let group = get("SecurityGroupId");
            if get("RegionId") != REGION {
                st.problems.push(format!("{action} RegionId {:?}", get("RegionId")));
            }
            let Some(g) = st.groups.iter().copied().find(|g| *g == group) else {
                drop(st);
                return respond(
                    &mut s,
                    404,
                    r#"{"Code":"InvalidSecurityGroupId.NotFound","Message":"The specified security group does not exist.","RequestId":"lab-404"}"#,
                );
            };
            if st.read_only {
                drop(st);
                return respond(
                    &mut s,
                    403,
                    r#"{"Code":"Forbidden.RAM","Message":"User not authorized to operate on the specified resource.","RequestId":"lab-forbidden"}"#,
                );
            }
            let token = get("ClientToken");
            if token.is_empty() {
                st.problems.push(format!("{action} without a ClientToken"));
            }
            let p = |k: &str| get(&format!("Permissions.1.{k}"));
            let source = [p("SourceCidrIp"), p("Ipv6SourceCidrIp")].into_iter().find(|v| !v.is_empty());
            let policy = if p("Policy").eq_ignore_ascii_case("drop") { "Drop" } else { "Accept" };
            let (Some(source), true, Ok(priority)) =
                (source, p("IpProtocol").eq_ignore_ascii_case("tcp"), p("Priority").parse::<u32>())
            else {
                st.problems.push(format!("{action}: incomplete permission {params:?}"));
                drop(st);
                return respond(&mut s, 400, r#"{"Code":"MissingParameter","Message":"permission","RequestId":"lab"}"#);
            };
            if !st.tokens.contains(&token) {
                st.tokens.push(token);
                let same = |r: &Perm| {
                    r.group == g
                        && r.ports == p("PortRange")
                        && r.source == source
                        && r.policy == policy
                        && r.priority == priority
                };
                if action == "AuthorizeSecurityGroup" {
                    if !st.rules.iter().any(same) {
                        let id: &'static str = format!("sgr-fix{}", st.rules.len() + 1).leak();
                        st.rules.push(Perm {
                            group: g,
                            id,
                            protocol: "TCP",
                            ports: p("PortRange"),
                            source,
                            policy,
                            priority,
                        });
                    }
                } else {
                    st.rules.retain(|r| !same(r));
                }
            }
            drop(st);
            respond(&mut s, 200, r#"{"RequestId":"lab-change"}"#)
        }
        other => {
            st.problems.push(format!("unexpected action {other:?}"));
            drop(st);
            respond(&mut s, 400, r#"{"Code":"InvalidAction.NotFound","Message":"unknown","RequestId":"lab"}"#)
        }
    }
}

/// The metadata service's paths the security-group check reads (plain mode: no token).
fn metadata(mut s: TcpStream, req: &Req, state: &Arc<Mutex<EcsState>>) {
    let mut st = state.lock().expect("state");
    st.requests.push(format!("{} {}", req.method, req.path));
    if req.method == "PUT" {
        drop(st);
        return respond(&mut s, 404, "");
    }
    let role = st.role;
    let body = match req.path.trim_start_matches("/latest/meta-data/") {
        "instance-id" => Some(INSTANCE.to_string()),
        "region-id" => Some(REGION.to_string()),
        "zone-id" => Some("cn-lab-a".to_string()),
        "ram/security-credentials/" if role => Some(ROLE.to_string()),
        p if role && p == format!("ram/security-credentials/{ROLE}") => {
            let n = st.sig.sts_issued + 1;
            st.sig.sts_issued = n;
            let creds = (format!("STS.ecslab{n}"), format!("sts-ecs-secret-{n}"), format!("CAISecslab{n}"));
            st.sig.sts = Some(creds.clone());
            let exp = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + 3600).expect("ts");
            Some(
                serde_json::json!({"AccessKeyId": creds.0, "AccessKeySecret": creds.1, "SecurityToken": creds.2,
                    "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(), "LastUpdated": "", "Code": "Success"})
                .to_string(),
            )
        }
        _ => None,
    };
    drop(st);
    match body {
        Some(b) => respond(&mut s, 200, &b),
        None => respond(&mut s, 404, "Not Found"),
    }
}
