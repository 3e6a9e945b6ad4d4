//! One signed request to an Alibaba Cloud RPC-style API (`POST /` with a form body, signed
//! with ACS3-HMAC-SHA256 by [`super::sign`]), used by every caller: the ECS calls
//! ([`super::ecs`]: the security-group check and its repair) and the ticket backend
//! (`ticket::aliyun`). Each attempt is signed afresh (a new date and nonce: the API rejects a
//! reused nonce); the answer is sorted into a JSON object or the API's error shape (`Code`,
//! `Message`, `RequestId`; `Success: false` on a 200 counts as an error too); every request
//! leaves one redacted line (action, parameters, outcome; never a header, a credential or a
//! token) for the evidence.

use super::creds::Source;
use super::http::{SendError, classify, retry};
use super::sign::{Call, date_now, encode, nonce, rpc_headers};
use std::time::{Duration, Instant};

/// `https://` is added to a bare host; a trailing slash is dropped.
pub fn normalize_endpoint(e: &str) -> String {
    let e = e.trim().trim_end_matches('/');
    if e.contains("://") { e.to_string() } else { format!("https://{e}") }
}

/// The form body: `k=v` pairs, both encoded, in the order given.
pub fn form(params: &[(&str, String)]) -> String {
    params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Why a call did not return what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcError {
    /// No answer: not sent, timed out, reset, no credentials, a bad endpoint.
    Send(SendError),
    /// The API answered with an error (or with something that is not its answer).
    Api { action: String, status: u16, code: String, message: String, request_id: Option<String> },
}

impl RpcError {
    /// The API's own error code, if it answered.
    pub fn api_code(&self) -> Option<&str> {
        match self {
            RpcError::Api { code, .. } => Some(code),
            RpcError::Send(_) => None,
        }
    }

    /// An answer that may change by itself: a 5xx, throttling (429, 408).
    fn transient(status: u16) -> bool {
        status >= 500 || status == 429 || status == 408
    }

    /// Whether sending the same request again may succeed.
    pub fn retryable(&self) -> bool {
        match self {
            RpcError::Send(e) => e.retryable(),
            RpcError::Api { status, .. } => Self::transient(*status),
        }
    }

    /// As the filing backends sort failures: a transient answer may have done the work
    /// (ambiguous), any other answer will fail the same way again (rejected).
    pub fn into_send(self) -> SendError {
        match self {
            RpcError::Send(e) => e,
            RpcError::Api { status, .. } if Self::transient(status) => SendError::Ambiguous(self.to_string()),
            other => SendError::Rejected(other.to_string()),
        }
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpcError::Send(e) => f.write_str(e.message()),
            RpcError::Api { action, status, code, message, request_id } => {
                write!(f, "{action}: HTTP {status} {code}: {message}")?;
                if let Some(r) = request_id {
                    write!(f, " (RequestId {r})")?;
                }
                Ok(())
            }
        }
    }
}

/// The JSON answer of one call, or the API's error: a 2xx carrying a JSON object without
/// `Success: false` is an answer; anything else is an error with the API's `Code` (or
/// `HTTP-<status>`), its `Message` (or the start of the body) and `RequestId`. Text from the
/// network is redacted and made inert.
pub fn judge(action: &str, status: u16, text: &str) -> Result<serde_json::Value, RpcError> {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
    if (200..300).contains(&status) && v.is_object() && v["Success"] != serde_json::Value::Bool(false) {
        return Ok(v);
    }
    let inert = |s: &str| -> String { crate::fmt::inert(&crate::redact::redact(s.trim())).chars().take(300).collect() };
    let code = match v["Code"].as_str().filter(|c| !c.trim().is_empty()) {
        Some(c) => inert(c),
        None if (200..300).contains(&status) => "InvalidResponse".to_string(),
        None => format!("HTTP-{status}"),
    };
    let message = match v["Message"].as_str() {
        Some(m) => inert(m),
        None if v.is_object() => inert(&v.to_string()),
        None => inert(text),
    };
    let request_id = v["RequestId"].as_str().map(inert);
    Err(RpcError::Api { action: action.to_string(), status, code, message, request_id })
}

/// One RPC API at one endpoint.
pub struct Rpc<'a> {
    pub client: &'a reqwest::blocking::Client,
    /// `scheme://host[:port]`.
    pub endpoint: &'a str,
    /// The API version (`x-acs-version`).
    pub version: &'a str,
    /// No request is started after this, and none outlives it when `request_limit` is set.
    pub deadline: Instant,
    /// Longest one request may take (within the deadline); `None`: the client's own timeout.
    pub request_limit: Option<Duration>,
}

impl Rpc<'_> {
    fn host(&self) -> Result<String, SendError> {
        let bad = |why: String| SendError::Rejected(format!("endpoint {:?}: {why}", self.endpoint));
        let url = reqwest::Url::parse(self.endpoint).map_err(|e| bad(e.to_string()))?;
        let host = url.host_str().ok_or_else(|| bad("no host".into()))?;
        Ok(match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        })
    }

    /// One call, once, signed with a new date and nonce; one line about it goes to `log`.
    pub fn send(
        &self,
        creds: &mut Source,
        action: &str,
        params: &[(&str, String)],
        log: &mut Vec<String>,
    ) -> Result<serde_json::Value, RpcError> {
        let mut timeout = None;
        if let Some(limit) = self.request_limit {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(50) {
                return Err(RpcError::Send(SendError::Ambiguous(format!("{action}: timed out (the run's deadline)"))));
            }
            timeout = Some(limit.min(left));
        }
        let host = self.host().map_err(RpcError::Send)?;
        let keys = creds.get().map_err(RpcError::Send)?;
        let body = form(params);
        let call = Call {
            host: &host,
            action,
            version: self.version,
            body: body.as_bytes(),
            content_type: "application/x-www-form-urlencoded",
        };
        let headers = rpc_headers(&keys, &call, &date_now(), &nonce());
        let url = format!("{}/", self.endpoint);
        let mut req = self.client.post(&url);
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        for (k, v) in &headers {
            if k != "host" {
                req = req.header(k.as_str(), v.as_str());
            }
        }
        let shown: String = params.iter().map(|(k, v)| format!(" {k}={v}")).collect();
        let mut note = |outcome: &str| {
            log.push(
                crate::fmt::inert(&crate::redact::redact(&format!("POST {url} {action}{shown}: {outcome}")))
                    .into_owned(),
            )
        };
        let started = Instant::now();
        let answer = req.body(body).send().and_then(|resp| {
            let status = resp.status().as_u16();
            resp.text().map(|t| (status, t))
        });
        let (status, text) = match answer {
            Ok(a) => a,
            Err(e) => {
                let err = classify(&url, &e);
                note(err.message());
                return Err(RpcError::Send(err));
            }
        };
        let ms = started.elapsed().as_millis();
        let r = judge(action, status, &text);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        let code = v["Code"].as_str().map(|c| format!(" {c}")).unwrap_or_default();
        let request_id = v["RequestId"].as_str().map(|r| format!(" (RequestId {r})")).unwrap_or_default();
        note(&format!("HTTP {status}{code}{request_id} in {ms} ms"));
        r
    }

    /// A call sent again (within the deadline, each time signed afresh) while it got no answer
    /// or a transient one; at most `attempts` tries. Only for calls that are safe to repeat:
    /// reads, or writes made idempotent by a `ClientToken`.
    pub fn call(
        &self,
        creds: &mut Source,
        action: &str,
        params: &[(&str, String)],
        attempts: u32,
        log: &mut Vec<String>,
    ) -> Result<serde_json::Value, RpcError> {
        let mut last = None;
        let r = retry(attempts, self.deadline, |_| match self.send(creds, action, params, log) {
            Ok(v) => Ok(Ok(v)),
            Err(e) if e.retryable() => {
                let s = e.clone().into_send();
                last = Some(e);
                Err(s)
            }
            Err(e) => Ok(Err(e)),
        });
        match r {
            Ok(v) => v,
            Err(e) => Err(last.unwrap_or(RpcError::Send(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error shapes of the RPC APIs (shared/platform/alibaba-cloud.md): a JSON error with
    /// `Code`, `Message`, `RequestId`; a 200 with `Success: false` (Workorder); a body that is
    /// not JSON (a proxy's page).
    #[test]
    fn answers_and_error_shapes() {
        let ok = judge("A", 200, r#"{"RequestId":"r","Data":"T1"}"#).unwrap();
        assert_eq!(ok["Data"], "T1");
        let forbidden = judge(
            "DescribeInstanceAttribute",
            403,
            r#"{"Code":"Forbidden.RAM","Message":"User not authorized","RequestId":"r-1","HostId":"ecs"}"#,
        )
        .unwrap_err();
        assert_eq!(forbidden.api_code(), Some("Forbidden.RAM"));
        assert_eq!(
            forbidden.to_string(),
            "DescribeInstanceAttribute: HTTP 403 Forbidden.RAM: User not authorized (RequestId r-1)"
        );
        assert!(!forbidden.retryable());
        assert!(matches!(forbidden.into_send(), SendError::Rejected(_)));
        let busy = judge("A", 503, r#"{"Code":"ServiceUnavailable","Message":"busy"}"#).unwrap_err();
        assert!(busy.retryable());
        assert!(matches!(busy.into_send(), SendError::Ambiguous(_)));
        assert!(judge("A", 429, "").unwrap_err().retryable());
        let refused = judge("CreateTicket", 200, r#"{"Success":false,"Code":"Param.Invalid","Message":"no"}"#);
        assert_eq!(refused.unwrap_err().api_code(), Some("Param.Invalid"));
        let page = judge("A", 502, "<html>\u{1b}[2Jbad gateway</html>").unwrap_err();
        assert_eq!(page.api_code(), Some("HTTP-502"));
        assert!(!page.to_string().contains('\u{1b}'), "{page}");
        assert_eq!(judge("A", 200, "not json").unwrap_err().api_code(), Some("InvalidResponse"));
    }

    #[test]
    fn endpoints_and_forms() {
        assert_eq!(normalize_endpoint("http://127.0.0.1:9/"), "http://127.0.0.1:9");
        assert_eq!(normalize_endpoint("ecs.cn-beijing.aliyuncs.com"), "https://ecs.cn-beijing.aliyuncs.com");
        assert_eq!(form(&[("b", "x y".into()), ("a", "1/2".into())]), "b=x%20y&a=1%2F2");
    }

    /// A request that cannot start (past the deadline, or an endpoint without a host) is no
    /// answer, and sends nothing.
    #[test]
    fn nothing_is_sent_past_the_deadline_or_to_a_bad_endpoint() {
        let client = super::super::http::client(Duration::from_secs(1)).unwrap();
        let mut creds =
            Source::Static(super::super::sign::Credentials { key_id: "k".into(), secret: "s".into(), token: None });
        let mut log = Vec::new();
        let past = Rpc {
            client: &client,
            endpoint: "http://127.0.0.1:9",
            version: "v",
            deadline: Instant::now(),
            request_limit: Some(Duration::from_secs(1)),
        };
        let e = past.send(&mut creds, "A", &[], &mut log).unwrap_err();
        assert!(matches!(&e, RpcError::Send(SendError::Ambiguous(m)) if m.contains("deadline")), "{e:?}");
        let bad = Rpc { endpoint: "not a url", request_limit: None, ..past };
        let e = bad.send(&mut creds, "A", &[], &mut log).unwrap_err();
        assert!(matches!(&e, RpcError::Send(SendError::Rejected(_))), "{e:?}");
        assert!(log.is_empty(), "{log:?}");
    }
}
