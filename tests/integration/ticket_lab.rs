//! A small Alibaba Cloud on loopback for the ticket tests: enough of the Workorder API
//! (CreateTicket, ListTickets, GetTicket, GetAttachmentUploadUrl, ListCategories), the OSS
//! upload URL, the metadata service's RAM-role credentials and a help desk's webhook. Plain
//! std::net and our own HTTP parsing, no mocking library.
//!
//! Every Workorder request has its signature recomputed here, by code independent of
//! src/ticket/sign.rs (canonical request from the bytes received), its nonce checked for reuse
//! and its date for skew; anything wrong goes into `problems`, which a test asserts is empty.
//! The first requests that create something can be made to fail (`fail`): a 503, a reset
//! before or after the ticket is recorded, or a hang past the client's timeout after it was.
//!
//! It runs inside `common::in_private_netns`: the listener, the tool and all traffic share a
//! loopback no other process can see.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const KEY_ID: &str = "lab-key-id";
pub const SECRET: &str = "lab-key-secret-Zq93";
pub const CATEGORY: &str = "18376";
pub const DESK_HEADER: (&str, &str) = ("x-desk-token", "desk-secret-Hh27");
/// How long a hanging request hangs: longer than the 1 s timeout the tests configure.
pub const HANG: Duration = Duration::from_millis(2500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fail {
    Http503,
    ResetBeforeRecord,
    ResetAfterRecord,
    HangAfterRecord,
}

#[derive(Debug, Default)]
pub struct State {
    /// (ticket id, CreateTicket parameters)
    pub tickets: Vec<(String, BTreeMap<String, String>)>,
    /// Every Workorder action received, in order.
    pub actions: Vec<String>,
    pub uploads: BTreeMap<String, Vec<u8>>,
    pub nonces: HashSet<String>,
    pub problems: Vec<String>,
    /// Failures for the next requests that create a ticket (CreateTicket, webhook POST).
    pub fail: VecDeque<Fail>,
    /// Webhook tickets by Idempotency-Key: (desk id, ticket JSON, bundle).
    pub hook: BTreeMap<String, (String, serde_json::Value, Option<Vec<u8>>)>,
    /// The Idempotency-Key of every webhook POST.
    pub hook_keys: Vec<String>,
    /// The latest RAM-role credentials issued: (key id, secret, token).
    pub sts: Option<(String, String, String)>,
    pub sts_issued: u32,
    /// Seconds until issued role credentials expire.
    pub sts_ttl_s: i64,
}

pub struct Lab {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<State>>,
}

impl Lab {
    /// Listens on 127.0.0.1, on `port` (0: any free one).
    pub fn start_on(port: u16) -> Lab {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the lab server");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State { sts_ttl_s: 100, ..Default::default() }));
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                std::thread::spawn(move || handle(stream, addr, &st));
            }
        });
        Lab { addr, state }
    }

    pub fn start() -> Lab {
        Lab::start_on(0)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("lab state")
    }
}

pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn read_request(s: &mut TcpStream) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = buf[head_end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        loop {
            if find(&body, b"0\r\n\r\n").is_some_and(|i| i == 0 || body[..i].ends_with(b"\r\n")) {
                break;
            }
            let n = s.read(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(i) = find(rest, b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..i]).trim(), 16).ok()?;
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(i + 2..i + 2 + size)?);
            rest = rest.get(i + 4 + size..)?;
        }
        body = out;
    } else {
        let len: usize =
            headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        while body.len() < len {
            let n = s.read(&mut chunk).ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Some(Req { method, path, query, headers, body })
}

pub fn respond(s: &mut TcpStream, code: u16, body: &str) {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    let _ = write!(
        s,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.flush();
}

/// Closes with a TCP reset (SO_LINGER 0).
fn reset(s: TcpStream) {
    let _ = rustix::net::sockopt::set_socket_linger(&s, Some(Duration::ZERO));
    drop(s);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let v = u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?');
                out.push(v);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pct_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn parse_form(s: &str) -> BTreeMap<String, String> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect()
}

/// Recomputes the ACS3-HMAC-SHA256 signature of a received request; None when it is right.
pub fn check_signature(req: &Req, st: &mut State) -> Option<String> {
    let auth = req.header("authorization")?;
    let rest = auth.strip_prefix("ACS3-HMAC-SHA256 ")?;
    let mut parts = BTreeMap::new();
    for p in rest.split(',') {
        let (k, v) = p.split_once('=')?;
        parts.insert(k.trim().to_string(), v.trim().to_string());
    }
    let (cred, signed, sig) = (parts.get("Credential")?, parts.get("SignedHeaders")?, parts.get("Signature")?);
    let names: Vec<&str> = signed.split(';').collect();
    let mut required =
        vec!["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"];
    if !req.body.is_empty() {
        required.push("content-type");
    }
    for r in required {
        if !names.contains(&r) {
            return Some(format!("{r} not signed ({signed})"));
        }
    }
    let mut sorted = names.clone();
    sorted.sort();
    if sorted != names {
        return Some(format!("signed headers not sorted: {signed}"));
    }
    let hashed = hex(&Sha256::digest(&req.body));
    if req.header("x-acs-content-sha256") != Some(hashed.as_str()) {
        return Some("x-acs-content-sha256 does not match the body".into());
    }
    let date = req.header("x-acs-date").unwrap_or_default();
    match date.parse::<jiff::Timestamp>() {
        Ok(t) if (jiff::Timestamp::now().as_second() - t.as_second()).abs() <= 900 && date.len() == 20 => {}
        _ => return Some(format!("bad x-acs-date {date:?}")),
    }
    let nonce = req.header("x-acs-signature-nonce").unwrap_or_default().to_string();
    if nonce.is_empty() || !st.nonces.insert(nonce.clone()) {
        return Some(format!("nonce reused: {nonce}"));
    }
    let secret = if cred == KEY_ID {
        if req.header("x-acs-security-token").is_some() {
            return Some("a security token with a permanent key".into());
        }
        SECRET.to_string()
    } else {
        match &st.sts {
            Some((id, secret, token)) if id == cred => {
                if req.header("x-acs-security-token") != Some(token.as_str())
                    || !names.contains(&"x-acs-security-token")
                {
                    return Some("STS credentials without their (signed) x-acs-security-token".into());
                }
                secret.clone()
            }
            _ => return Some(format!("unknown or expired AccessKeyId {cred}")),
        }
    };
    let mut headers = String::new();
    for n in &names {
        let mut vals: Vec<String> =
            req.headers.iter().filter(|(k, _)| k == n).map(|(_, v)| v.trim().to_string()).collect();
        vals.sort();
        headers.push_str(&format!("{n}:{}\n", vals.join(",")));
    }
    let mut q: Vec<(String, String)> =
        parse_form(&req.query).into_iter().map(|(k, v)| (pct_encode(&k), pct_encode(&v))).collect();
    q.sort();
    let query = q.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let canonical = format!("{}\n{}\n{query}\n{headers}\n{signed}\n{hashed}", req.method, req.path);
    let to_sign = format!("ACS3-HMAC-SHA256\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("hmac");
    mac.update(to_sign.as_bytes());
    let want = hex(&mac.finalize().into_bytes());
    (want != *sig).then(|| format!("signature mismatch for {}", req.header("x-acs-action").unwrap_or("?")))
}

fn ok(data: serde_json::Value) -> String {
    serde_json::json!({"Code": 0, "Message": "success", "Data": data, "RequestId": "lab", "Success": true}).to_string()
}

fn handle(mut s: TcpStream, addr: SocketAddr, state: &Arc<Mutex<State>>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(req) = read_request(&mut s) else { return };
    let path = req.path.clone();
    if path.starts_with("/latest/") {
        return metadata(s, &req, state);
    }
    if req.method == "PUT" && path.starts_with("/oss/") {
        let key = pct_decode(path.trim_start_matches("/oss/"));
        state.lock().expect("state").uploads.insert(key, req.body.clone());
        return respond(&mut s, 200, "");
    }
    if path == "/hook" {
        return hook(s, &req, state);
    }
    if req.method != "POST" || path != "/" {
        return respond(&mut s, 404, "{}");
    }
    let mut st = state.lock().expect("state");
    let action = req.header("x-acs-action").unwrap_or_default().to_string();
    st.actions.push(action.clone());
    if req.header("x-acs-version") != Some("2021-06-10") {
        st.problems.push(format!("{action}: version {:?}", req.header("x-acs-version")));
    }
    if let Some(p) = check_signature(&req, &mut st) {
        st.problems.push(format!("{action}: {p}"));
        drop(st);
        return respond(&mut s, 400, r#"{"Code":"IncompleteSignature","Success":false}"#);
    }
    if req.header("authorization").is_none() {
        st.problems.push(format!("{action}: no Authorization"));
    }
    let mut params = parse_form(&req.query);
    params.extend(parse_form(&String::from_utf8_lossy(&req.body)));
    match action.as_str() {
        "CreateTicket" => {
            for p in ["Description", "Severity", "CategoryId"] {
                if params.get(p).is_none_or(|v| v.is_empty()) {
                    st.problems.push(format!("CreateTicket without {p}"));
                }
            }
            if !matches!(params.get("Severity").map(String::as_str), Some("1" | "2")) {
                st.problems.push(format!("CreateTicket Severity {:?}", params.get("Severity")));
            }
            if params.get("CategoryId").map(String::as_str) != Some(CATEGORY) {
                st.problems.push(format!("CreateTicket CategoryId {:?}", params.get("CategoryId")));
            }
            if let Some(f) = params.get("FileNameList")
                && !st.uploads.contains_key(f)
            {
                st.problems.push(format!("CreateTicket FileNameList {f} was never uploaded"));
            }
            let fail = st.fail.pop_front();
            let id = format!("T{:04}", st.tickets.len() + 1);
            match fail {
                Some(Fail::Http503) => {
                    drop(st);
                    respond(&mut s, 503, r#"{"Code":"System.error","Success":false}"#)
                }
                Some(Fail::ResetBeforeRecord) => {
                    drop(st);
                    reset(s)
                }
                Some(Fail::ResetAfterRecord) => {
                    st.tickets.push((id, params));
                    drop(st);
                    reset(s)
                }
                Some(Fail::HangAfterRecord) => {
                    st.tickets.push((id, params));
                    drop(st);
                    std::thread::sleep(HANG);
                }
                None => {
                    st.tickets.push((id.clone(), params));
                    drop(st);
                    respond(&mut s, 200, &ok(serde_json::json!(id)))
                }
            }
        }
        "ListTickets" => {
            if !params.contains_key("PageNumber") || !params.contains_key("PageSize") {
                st.problems.push("ListTickets without PageNumber/PageSize".into());
            }
            let kw = params.get("Keyword").cloned().unwrap_or_default();
            let found: Vec<serde_json::Value> = st
                .tickets
                .iter()
                .filter(|(_, p)| !kw.is_empty() && p.get("Description").is_some_and(|d| d.contains(&kw)))
                .map(|(id, p)| {
                    serde_json::json!({"TicketId": id, "Title": p.get("Title"), "Status": {"Label": "待响应", "Value": "1"}})
                })
                .collect();
            drop(st);
            respond(&mut s, 200, &ok(serde_json::Value::Array(found)))
        }
        "GetTicket" => {
            let id = params.get("TicketId").cloned().unwrap_or_default();
            let found = st.tickets.iter().find(|(t, _)| *t == id).map(|(t, p)| {
                serde_json::json!({"TicketId": t, "Title": p.get("Title"), "Status": {"Label": "处理中", "Value": "2"},
                    "CreateTime": 1_763_600_000_000i64, "UpdateTime": 1_763_603_600_000i64})
            });
            drop(st);
            match found {
                Some(d) => respond(&mut s, 200, &ok(d)),
                None => respond(&mut s, 400, r#"{"Code":"param.illegal","Success":false}"#),
            }
        }
        "GetAttachmentUploadUrl" => {
            let name = params.get("FileName").cloned().unwrap_or_default();
            if name.is_empty() {
                st.problems.push("GetAttachmentUploadUrl without FileName".into());
            }
            let key = format!("att-{}/{name}", st.actions.len());
            drop(st);
            let put = format!("http://{addr}/oss/{}?Expires=1&Signature=lab", pct_encode(&key));
            respond(&mut s, 200, &ok(serde_json::json!({"ObjectKey": key, "PutSignedUrl": put, "GetSignedUrl": put})))
        }
        "ListCategories" => {
            drop(st);
            respond(&mut s, 200, &ok(serde_json::json!([{"CategoryId": 18376, "CategoryName": "ECS instance"}])))
        }
        other => {
            st.problems.push(format!("unknown action {other:?}"));
            drop(st);
            respond(&mut s, 400, r#"{"Code":"InvalidAction","Success":false}"#)
        }
    }
}

/// The metadata service, hardened mode: a token first, then the role and its credentials.
fn metadata(mut s: TcpStream, req: &Req, state: &Arc<Mutex<State>>) {
    if req.method == "PUT" && req.path == "/latest/api/token" {
        return respond(&mut s, 200, "md-token-1");
    }
    if req.header("x-aliyun-ecs-metadata-token") != Some("md-token-1") {
        state.lock().expect("state").problems.push(format!("metadata GET {} without the token", req.path));
        return respond(&mut s, 403, "");
    }
    match req.path.as_str() {
        "/latest/meta-data/ram/security-credentials/" => respond(&mut s, 200, "lab-role"),
        "/latest/meta-data/ram/security-credentials/lab-role" => {
            let mut st = state.lock().expect("state");
            st.sts_issued += 1;
            let n = st.sts_issued;
            let creds = (format!("STS.labkey{n}"), format!("sts-secret-{n}"), format!("CAISlabtoken{n}"));
            st.sts = Some(creds.clone());
            let exp = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + st.sts_ttl_s).expect("ts");
            drop(st);
            let body = serde_json::json!({"AccessKeyId": creds.0, "AccessKeySecret": creds.1, "SecurityToken": creds.2,
                "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(), "LastUpdated": "", "Code": "Success"});
            respond(&mut s, 200, &body.to_string())
        }
        _ => respond(&mut s, 404, ""),
    }
}

/// The help desk: one ticket per Idempotency-Key, the bundle from the multipart body.
fn hook(mut s: TcpStream, req: &Req, state: &Arc<Mutex<State>>) {
    let mut st = state.lock().expect("state");
    let key = req.header("idempotency-key").unwrap_or_default().to_string();
    st.hook_keys.push(key.clone());
    if key.is_empty() {
        st.problems.push("webhook POST without Idempotency-Key".into());
    }
    if req.header(DESK_HEADER.0) != Some(DESK_HEADER.1) {
        st.problems.push(format!("webhook POST without {}", DESK_HEADER.0));
    }
    let ctype = req.header("content-type").unwrap_or_default().to_string();
    let (mut json, mut bundle) = (serde_json::Value::Null, None);
    if let Some(b) = ctype.split("boundary=").nth(1) {
        let sep = format!("--{}", b.trim_matches('"'));
        let body = &req.body;
        let mut at = 0;
        let mut parts = Vec::new();
        while let Some(i) = find(&body[at..], sep.as_bytes()) {
            parts.push(at + i);
            at += i + sep.len();
        }
        for w in parts.windows(2) {
            let part = &body[w[0] + sep.len()..w[1]];
            let Some(h) = find(part, b"\r\n\r\n") else { continue };
            let head = String::from_utf8_lossy(&part[..h]).to_string();
            let data = part[h + 4..].strip_suffix(b"\r\n").unwrap_or(&part[h + 4..]);
            if head.contains("name=\"ticket\"") {
                json = serde_json::from_slice(data).unwrap_or_default();
            } else if head.contains("name=\"bundle\"") {
                bundle = Some(data.to_vec());
            }
        }
    } else {
        json = serde_json::from_slice(&req.body).unwrap_or_default();
    }
    if json.is_null() {
        st.problems.push("webhook POST without the ticket JSON".into());
    }
    let fail = st.fail.pop_front();
    let record = |st: &mut State| -> String {
        let n = st.hook.len() + 1;
        st.hook.entry(key.clone()).or_insert_with(|| (format!("DESK-{n}"), json.clone(), bundle.clone())).0.clone()
    };
    match fail {
        Some(Fail::Http503) => {
            drop(st);
            respond(&mut s, 503, "{}")
        }
        Some(Fail::ResetBeforeRecord) => {
            drop(st);
            reset(s)
        }
        Some(Fail::ResetAfterRecord) => {
            record(&mut st);
            drop(st);
            reset(s)
        }
        Some(Fail::HangAfterRecord) => {
            record(&mut st);
            drop(st);
            std::thread::sleep(HANG)
        }
        None => {
            let id = record(&mut st);
            drop(st);
            respond(&mut s, 200, &serde_json::json!({ "id": id }).to_string())
        }
    }
}

/// The files of a .tar.gz: (name, content, mode).
pub fn untar(bytes: &[u8]) -> Vec<(String, Vec<u8>, u32)> {
    let mut out = Vec::new();
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for e in ar.entries().expect("tar") {
        let mut e = e.expect("entry");
        let name = e.path().expect("path").display().to_string();
        let mode = e.header().mode().expect("mode");
        let mut data = Vec::new();
        e.read_to_end(&mut data).expect("read");
        out.push((name, data, mode));
    }
    out
}

/// Checks that a bundle has a manifest whose SHA-256 sums match its files.
pub fn check_bundle(bytes: &[u8]) -> Vec<(String, Vec<u8>, u32)> {
    let files = untar(bytes);
    let manifest = files.iter().find(|f| f.0.ends_with("/manifest.json")).expect("manifest.json in the bundle");
    let m: serde_json::Value = serde_json::from_slice(&manifest.1).expect("manifest JSON");
    let listed = m["files"].as_array().expect("files");
    assert!(listed.len() >= 4, "{m:#}");
    for entry in listed {
        let name = entry["name"].as_str().expect("name");
        let data = &files.iter().find(|f| f.0.ends_with(&format!("/{name}"))).expect("listed file present").1;
        assert_eq!(entry["sha256"].as_str(), Some(hex(&Sha256::digest(data)).as_str()), "{name}");
    }
    assert!(files.iter().all(|f| f.2 == 0o600), "entries are 0600");
    files
}
