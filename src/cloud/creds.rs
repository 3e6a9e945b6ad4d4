//! Credentials for Alibaba Cloud's API, in the order the official tools use: the environment
//! (`ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN`), the config
//! file, then the instance's RAM role from the metadata service. Role credentials expire: they
//! are fetched again when less than 180 s remain, as the official libraries do, with 1 s
//! timeouts (the metadata service answers locally or not at all). The metadata service is only
//! asked when the machine is on Alibaba Cloud (DMI) or a metadata URL was configured.

use super::http::SendError;
use super::sign::Credentials;
use std::time::Duration;

pub const METADATA_URL: &str = "http://100.100.100.200/latest/meta-data/";
/// Refresh role credentials this long before they expire.
pub const REFRESH_BEFORE_S: i64 = 180;

#[derive(Debug)]
pub enum Source {
    Static(Credentials),
    Role { base: String, cached: Option<(Credentials, jiff::Timestamp)>, fetches: u32, role: Option<String> },
}

pub struct Inputs<'a> {
    pub config_id: Option<&'a str>,
    pub config_secret: Option<&'a str>,
    pub config_token: Option<&'a str>,
    /// Explicit metadata base URL (config or ECS_DOCTOR_METADATA_URL).
    pub metadata_url: Option<&'a str>,
    pub on_alibaba: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Source {
    pub fn resolve(i: &Inputs) -> Result<Source, String> {
        if let (Some(id), Some(secret)) = (env("ALIBABA_CLOUD_ACCESS_KEY_ID"), env("ALIBABA_CLOUD_ACCESS_KEY_SECRET")) {
            return Ok(Source::Static(Credentials { key_id: id, secret, token: env("ALIBABA_CLOUD_SECURITY_TOKEN") }));
        }
        if let (Some(id), Some(secret)) = (i.config_id, i.config_secret) {
            return Ok(Source::Static(Credentials {
                key_id: id.to_string(),
                secret: secret.to_string(),
                token: i.config_token.map(str::to_string),
            }));
        }
        let base = match i.metadata_url {
            Some(u) => u.to_string(),
            None if i.on_alibaba => METADATA_URL.to_string(),
            None => {
                return Err("no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and \
                            ALIBABA_CLOUD_ACCESS_KEY_SECRET, or access_key_id/access_key_secret in [ticket] \
                            of the config, or run on an ECS instance with a RAM role"
                    .into());
            }
        };
        let base = if base.ends_with('/') { base } else { format!("{base}/") };
        Ok(Source::Role { base, cached: None, fetches: 0, role: None })
    }

    /// Whose credentials these are, for messages: `RAM role NAME` or `AccessKey LTAI****` (never
    /// more than the first four characters of a key id).
    pub fn principal(&self) -> String {
        match self {
            Source::Role { role: Some(r), .. } => format!("RAM role {r}"),
            Source::Role { .. } => "the instance's RAM role".into(),
            Source::Static(c) => format!("AccessKey {}****", c.key_id.chars().take(4).collect::<String>()),
        }
    }

    /// Credentials valid for at least the next 180 s.
    pub fn get(&mut self) -> Result<Credentials, SendError> {
        match self {
            Source::Static(c) => Ok(c.clone()),
            Source::Role { base, cached, fetches, role } => {
                let now = jiff::Timestamp::now();
                if let Some((c, exp)) = cached
                    && exp.as_second() - now.as_second() > REFRESH_BEFORE_S
                {
                    return Ok(c.clone());
                }
                let (c, exp, name) = fetch_role(base)?;
                *role = Some(name);
                *fetches += 1;
                *cached = Some((c.clone(), exp));
                Ok(c)
            }
        }
    }
}

fn metadata_client() -> Result<reqwest::blocking::Client, SendError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(1))
        .connect_timeout(Duration::from_secs(1))
        .no_proxy()
        .build()
        .map_err(|e| SendError::Rejected(format!("metadata client: {e}")))
}

/// The role's credentials and their expiry. Uses the hardened mode's token when the service
/// gives one, plain GETs otherwise.
fn fetch_role(base: &str) -> Result<(Credentials, jiff::Timestamp, String), SendError> {
    let client = metadata_client()?;
    let token_url = base.replace("/meta-data/", "/api/token");
    let token = client
        .put(&token_url)
        .header("X-aliyun-ecs-metadata-token-ttl-seconds", "300")
        .send()
        .ok()
        .filter(|r| r.status().is_success())
        .and_then(|r| r.text().ok())
        .filter(|t| !t.trim().is_empty());
    let get = |url: &str| -> Result<String, SendError> {
        let mut req = client.get(url);
        if let Some(t) = &token {
            req = req.header("X-aliyun-ecs-metadata-token", t.trim());
        }
        let resp = req.send().map_err(|e| super::http::classify(url, &e))?;
        let status = resp.status().as_u16();
        let text = resp.text().map_err(|e| super::http::classify(url, &e))?;
        if status != 200 {
            return Err(SendError::Rejected(format!("{url}: HTTP {status} (no RAM role attached to this instance?)")));
        }
        Ok(text)
    };
    let list_url = format!("{base}ram/security-credentials/");
    let roles = get(&list_url)?;
    let role = roles
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or_else(|| SendError::Rejected(format!("{list_url}: no RAM role attached to this instance")))?;
    let url = format!("{list_url}{role}");
    let body = get(&url)?;
    let v: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| SendError::Rejected(format!("{url}: not JSON ({e})")))?;
    let s = |k: &str| v[k].as_str().map(str::to_string).filter(|x| !x.is_empty());
    if v["Code"].as_str().is_some_and(|c| c != "Success") {
        return Err(SendError::Rejected(format!("{url}: Code {}", v["Code"])));
    }
    let (Some(key_id), Some(secret), Some(token), Some(exp)) =
        (s("AccessKeyId"), s("AccessKeySecret"), s("SecurityToken"), s("Expiration"))
    else {
        return Err(SendError::Rejected(format!("{url}: incomplete role credentials")));
    };
    let exp: jiff::Timestamp =
        exp.parse().map_err(|e| SendError::Rejected(format!("{url}: bad Expiration {exp:?}: {e}")))?;
    Ok((Credentials { key_id, secret, token: Some(token) }, exp, role.to_string()))
}
