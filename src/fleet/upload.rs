//! `--upload-url URL`: an HTTP(S) PUT of the full JSON report, for a pre-signed object-storage
//! URL (an OSS or S3 signed PUT URL) handed to each instance by the fleet engine.
//!
//! Design: the local copy is always written first and kept, so a failed upload loses nothing.
//! Transient failures (no connection, a timeout, HTTP 5xx or 429) are retried with doubling
//! back-off, at most [`Policy::attempts`] times and within [`Policy::budget`] overall; any other
//! answer (403 for an expired or mis-signed URL, 404, ...) is final at once. No Content-Type is
//! sent, because an OSS V1 signed URL signs the Content-Type and a URL signed without one rejects
//! any. Redirects are not followed: a signed URL names its object. The URL's query string holds
//! the signature, so messages and the report show the URL without it ([`display`]).

use std::time::{Duration, Instant};

/// Retry and time limits of one upload.
#[derive(Debug, Clone)]
pub struct Policy {
    pub attempts: u32,
    pub connect_timeout: Duration,
    /// Bound of one attempt (connect, send, answer).
    pub attempt_timeout: Duration,
    /// Bound of the whole upload, back-off included.
    pub budget: Duration,
    /// Wait before the second attempt; doubled for each later one.
    pub first_backoff: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            attempts: 4,
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(15),
            budget: Duration::from_secs(30),
            first_backoff: Duration::from_millis(500),
        }
    }
}

/// Why an upload did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}: not an http:// or https:// URL")]
    BadUrl(String),
    #[error("cannot build an HTTP client: {0}")]
    Client(String),
    #[error("{url}: the server answered HTTP {status} (not retried)")]
    Rejected { url: String, status: u16 },
    #[error("{url}: gave up after {attempts} attempt(s): {last}")]
    GaveUp { url: String, attempts: u32, last: String },
}

/// The URL without its query and fragment (where a pre-signed URL keeps its signature) and
/// without user:password.
pub fn display(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let had_query = u.query().is_some();
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_password(None);
            let _ = u.set_username("");
            let mut s = u.to_string();
            if had_query {
                s.push_str("?[REDACTED:signed-query]");
            }
            s
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_string(),
    }
}

/// Checks the URL before any work is done, so a typo is a usage error, not a lost report.
pub fn validate(url: &str) -> Result<(), UploadError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(UploadError::BadUrl(display(url))),
    }
}

/// Replaces the value of `--upload-url` in an argument list by its [`display`] form.
pub fn redact_argv(argv: &mut [String]) {
    let mut next_is_url = false;
    for a in argv.iter_mut() {
        if next_is_url {
            *a = display(a);
            next_is_url = false;
        } else if a == "--upload-url" {
            next_is_url = true;
        } else if let Some(v) = a.strip_prefix("--upload-url=") {
            *a = format!("--upload-url={}", display(v));
        }
    }
}

/// Outcome of a successful upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Uploaded {
    pub attempts: u32,
    pub status: u16,
}

/// PUTs `body` to `url` under `policy`. `on_retry` hears about each failed attempt that will be
/// retried (attempt number, what went wrong), for stderr.
pub fn put(
    url: &str,
    body: &[u8],
    policy: &Policy,
    mut on_retry: impl FnMut(u32, &str),
) -> Result<Uploaded, UploadError> {
    validate(url)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ecs-doctor/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| UploadError::Client(e.to_string()))?;
    let shown = display(url);
    let start = Instant::now();
    let mut backoff = policy.first_backoff;
    let mut last = String::from("no attempt made");
    let mut attempt = 0;
    while attempt < policy.attempts.max(1) {
        let left = policy.budget.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        attempt += 1;
        let timeout = policy.attempt_timeout.min(left);
        let result = client.put(url).body(body.to_vec()).timeout(timeout).send();
        match result {
            Ok(resp) if resp.status().is_success() => {
                return Ok(Uploaded { attempts: attempt, status: resp.status().as_u16() });
            }
            Ok(resp) if resp.status().is_server_error() || resp.status().as_u16() == 429 => {
                last = format!("HTTP {}", resp.status().as_u16());
            }
            Ok(resp) => return Err(UploadError::Rejected { url: shown, status: resp.status().as_u16() }),
            Err(e) => last = describe(&e),
        }
        if attempt >= policy.attempts {
            break;
        }
        let left = policy.budget.saturating_sub(start.elapsed());
        if left <= backoff {
            break;
        }
        on_retry(attempt, &last);
        std::thread::sleep(backoff);
        backoff = backoff.saturating_mul(2);
    }
    Err(UploadError::GaveUp { url: shown, attempts: attempt, last })
}

/// A transport error in a few words, without the URL (reqwest's text includes it, signature and all).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    if cause.is_empty() { kind.to_string() } else { format!("{kind}: {cause}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_never_shown() {
        let u = "https://b.oss-cn-hangzhou.aliyuncs.com/r/x.json?OSSAccessKeyId=LTAIxx&Expires=1&Signature=abc%3D";
        assert_eq!(display(u), "https://b.oss-cn-hangzhou.aliyuncs.com/r/x.json?[REDACTED:signed-query]");
        assert_eq!(display("http://u:p@h:8/x"), "http://h:8/x");
        let mut argv: Vec<String> =
            ["ecs-doctor", "--upload-url", u, &format!("--upload-url={u}")].iter().map(|s| s.to_string()).collect();
        redact_argv(&mut argv);
        assert!(argv.iter().all(|a| !a.contains("Signature")), "{argv:?}");
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(validate("ftp://x/y").is_err());
        assert!(validate("not a url").is_err());
        assert!(validate("http://127.0.0.1:9/x").is_ok());
    }
}
