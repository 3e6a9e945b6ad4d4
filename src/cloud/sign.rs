//! Alibaba Cloud request signature v3, ACS3-HMAC-SHA256 (shared/platform/alibaba-cloud.md):
//! a canonical request (method, URI, sorted encoded query, canonical headers, signed header
//! names, SHA-256 of the body), hashed, then HMAC-SHA256 with the AccessKey secret.
//!
//! Each request gets a new date and nonce (the API rejects a reused nonce), so a retry is
//! always signed afresh by calling [`sign`] again.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would only make the
    // server reject the request.
    match <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// RFC 3986 percent-encoding: unreserved `A-Za-z0-9-_.~` stay, everything else is `%XX`
/// (so a space is `%20` and `*` is `%2A`).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sorted by encoded name, `k=v` with both encoded, `k=` for an empty value, joined by `&`.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The signed headers (`host`, `content-type`, every `x-acs-*`): lowercase names, trimmed
/// values, sorted; a name given twice has its values sorted and joined by a comma. Returns
/// the canonical header block and the `;`-joined names.
pub fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        if k == "host" || k == "content-type" || k.starts_with("x-acs-") {
            map.entry(k).or_default().push(v.trim().to_string());
        }
    }
    let mut block = String::new();
    for (k, vs) in map.iter_mut() {
        vs.sort();
        block.push_str(&format!("{k}:{}\n", vs.join(",")));
    }
    (block, map.keys().cloned().collect::<Vec<_>>().join(";"))
}

/// The parts of a request that are signed.
pub struct Request<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    /// Lowercase hex SHA-256 of the body.
    pub hashed_payload: &'a str,
}

pub fn canonical_request(r: &Request) -> (String, String) {
    let (headers, signed) = canonical_headers(r.headers);
    (
        format!("{}\n{}\n{}\n{headers}\n{signed}\n{}", r.method, r.uri, canonical_query(r.query), r.hashed_payload),
        signed,
    )
}

/// (hex SHA-256 of the canonical request, signature, signed header names).
pub fn signature(secret: &str, r: &Request) -> (String, String, String) {
    let (cr, signed) = canonical_request(r);
    let hashed = sha256_hex(cr.as_bytes());
    let to_sign = format!("{ALGORITHM}\n{hashed}");
    (hashed, hex(&hmac_sha256(secret.as_bytes(), to_sign.as_bytes())), signed)
}

pub fn authorization(key_id: &str, secret: &str, r: &Request) -> String {
    let (_, sig, signed) = signature(secret, r);
    format!("{ALGORITHM} Credential={key_id},SignedHeaders={signed},Signature={sig}")
}

/// Credentials to sign with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub key_id: String,
    pub secret: String,
    /// STS token of a RAM role (sent as `x-acs-security-token`).
    pub token: Option<String>,
}

/// A fresh nonce: 16 random bytes as hex, from the kernel's generator.
pub fn nonce() -> String {
    let mut buf = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf));
    if read.is_err() {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        buf = (t ^ ((std::process::id() as u128) << 64)).to_le_bytes();
    }
    hex(&buf)
}

/// `yyyy-MM-ddTHH:mm:ssZ` in UTC.
pub fn date_now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One RPC call (`POST /` with a form body).
pub struct Call<'a> {
    pub host: &'a str,
    pub action: &'a str,
    pub version: &'a str,
    pub body: &'a [u8],
    pub content_type: &'a str,
}

/// The headers of one RPC call, signed with this date and nonce.
pub fn rpc_headers(creds: &Credentials, call: &Call, date: &str, nonce: &str) -> Vec<(String, String)> {
    let Call { host, action, version, body, content_type } = *call;
    let hashed = sha256_hex(body);
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host.into()),
        ("x-acs-action".into(), action.into()),
        ("x-acs-version".into(), version.into()),
        ("x-acs-date".into(), date.into()),
        ("x-acs-signature-nonce".into(), nonce.into()),
        ("x-acs-content-sha256".into(), hashed.clone()),
    ];
    if !body.is_empty() {
        headers.push(("content-type".into(), content_type.into()));
    }
    if let Some(t) = &creds.token {
        headers.push(("x-acs-security-token".into(), t.clone()));
    }
    let auth = authorization(
        &creds.key_id,
        &creds.secret,
        &Request { method: "POST", uri: "/", query: &[], headers: &headers, hashed_payload: &hashed },
    );
    headers.push(("authorization".into(), auth));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(k: &str, v: &str) -> (String, String) {
        (k.into(), v.into())
    }

    /// The official vector of the signature documentation (shared/platform/alibaba-cloud.md).
    #[test]
    fn official_test_vector() {
        let query = [s("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), s("RegionId", "cn-shanghai")];
        let payload = sha256_hex(b"");
        let headers = [
            s("host", "ecs.cn-shanghai.aliyuncs.com"),
            s("x-acs-action", "RunInstances"),
            s("x-acs-version", "2014-05-26"),
            s("x-acs-date", "2023-10-26T10:22:32Z"),
            s("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            s("x-acs-content-sha256", &payload),
        ];
        let r = Request { method: "POST", uri: "/", query: &query, headers: &headers, hashed_payload: &payload };
        let (hashed, sig, signed) = signature("YourAccessKeySecret", &r);
        assert_eq!(signed, "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version");
        assert_eq!(hashed, "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
        assert_eq!(sig, "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
        assert_eq!(
            authorization("YourAccessKeyId", "YourAccessKeySecret", &r),
            format!("ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders={signed},Signature={sig}")
        );
    }

    /// The two `getAuthorization` vectors of Alibaba Cloud's official SDK utility
    /// (aliyun/darabonba-openapi-util, python and cpp tests): query `test=ok` plus an empty
    /// `empty`, the header `x-acs-test` given twice in different case (values merged, sorted,
    /// comma-joined), the payload hash passed as is, key `acesskey`, secret `secret`. They
    /// differ in the canonical URI: `/` (python) and empty (cpp).
    #[test]
    fn sdk_vectors() {
        let query = [s("test", "ok"), s("empty", "")];
        let headers = [s("x-acs-test", "http"), s("x-acs-TEST", "https")];
        let payload = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";
        for (uri, want) in [
            ("/", "d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"),
            ("", "910e59dd385879346de704a06c96613f8157aa7124e6d1c4f2bdffa1e5588187"),
        ] {
            let r = Request { method: "GET", uri, query: &query, headers: &headers, hashed_payload: payload };
            assert_eq!(
                authorization("acesskey", "secret", &r),
                format!("ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature={want}"),
                "uri {uri:?}"
            );
        }
    }

    #[test]
    fn encoding_and_fresh_nonces() {
        assert_eq!(encode("a b*c~/é"), "a%20b%2Ac~%2F%C3%A9");
        assert_eq!(canonical_query(&[s("b", ""), s("a", "x y")]), "a=x%20y&b=");
        assert_ne!(nonce(), nonce());
        assert_eq!(date_now().len(), 20);
    }
}
