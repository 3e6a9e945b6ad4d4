//! HTTP for the filing backends: one blocking client with timeouts, and every failure sorted by
//! what it means for the ticket. A connection that was never made sent nothing; a timeout or a
//! reset after the request went out, or a 5xx, may have created the ticket; a 4xx will fail
//! the same way again. Retries use bounded exponential backoff within a deadline.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Nothing reached the server (no route, refused, DNS): safe to resend.
    Unreachable(String),
    /// The request may have reached the server (timeout, reset, 5xx): look before resending.
    Ambiguous(String),
    /// The server refused it (4xx, bad answer): resending the same will not help.
    Rejected(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::Unreachable(m) | SendError::Ambiguous(m) | SendError::Rejected(m) => m,
        }
    }

    pub fn retryable(&self) -> bool {
        !matches!(self, SendError::Rejected(_))
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// A blocking client: `timeout` bounds each whole request, connecting takes at most 5 s.
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("ecs-doctor/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// The whole chain of an error, for messages ("error sending request: connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let m = s.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        src = s.source();
    }
    out
}

pub fn classify(url: &str, e: &reqwest::Error) -> SendError {
    let msg = format!("{url}: {}", chain(e));
    if e.is_connect() {
        // Refused, no route, or a connect timeout: the request never went out.
        SendError::Unreachable(msg)
    } else if e.is_builder() {
        SendError::Rejected(msg)
    } else {
        SendError::Ambiguous(msg)
    }
}

/// Sorts a non-success status: 5xx and 429 may be retried, other codes will not change.
pub fn status_error(url: &str, status: u16, body: &str) -> SendError {
    // The answer of a server (or of whatever sits in the path) is shown on a terminal and kept in
    // the spool: inert, on one line.
    let body: String = crate::fmt::inert(&crate::redact::redact(body.trim())).chars().take(300).collect();
    let msg = format!("{url}: HTTP {status}: {body}");
    if status >= 500 || status == 429 || status == 408 { SendError::Ambiguous(msg) } else { SendError::Rejected(msg) }
}

/// Runs `f` until it succeeds, fails for good, `attempts` tries are used or `deadline` passes;
/// waits 0.5 s, 1 s, 2 s, 4 s (capped) between tries. `f` gets the attempt number (1-based)
/// and must sign each request afresh.
pub fn retry<T>(
    attempts: u32,
    deadline: Instant,
    mut f: impl FnMut(u32) -> Result<T, SendError>,
) -> Result<T, SendError> {
    let mut attempt = 1;
    loop {
        match f(attempt) {
            Ok(v) => return Ok(v),
            Err(e) if !e.retryable() => return Err(e),
            Err(e) => {
                let wait = backoff(attempt);
                if attempt >= attempts.max(1) || Instant::now() + wait >= deadline {
                    return Err(e);
                }
                std::thread::sleep(wait);
                attempt += 1;
            }
        }
    }
}

pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(3)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server's answer is shown and kept inert, on one line.
    #[test]
    fn an_error_body_is_made_inert() {
        let e = status_error("http://desk/x", 500, "boom\u{1b}[2J\u{1b}]0;t\u{7}\nline2\u{202e}");
        let m = e.message();
        assert!(!m.contains(['\u{1b}', '\u{7}', '\n', '\u{202e}']), "{m:?}");
        assert!(m.contains("HTTP 500: boom\\x1b[2J\\x1b]0;t\\x07\\x0aline2\\u{202e}"), "{m:?}");
        assert!(e.retryable());
    }

    #[test]
    fn retries_only_what_may_succeed_and_stops_at_the_limit() {
        let far = Instant::now() + Duration::from_secs(60);
        let mut n = 0;
        let r: Result<(), _> = retry(3, far, |_| {
            n += 1;
            Err(SendError::Rejected("400".into()))
        });
        assert!(r.is_err());
        assert_eq!(n, 1);
        let mut n = 0;
        let r = retry(3, far, |a| {
            n += 1;
            if a < 2 { Err(SendError::Unreachable("refused".into())) } else { Ok(a) }
        });
        assert_eq!(r, Ok(2));
        let mut n = 0;
        let r: Result<(), _> = retry(2, far, |_| {
            n += 1;
            Err(SendError::Ambiguous("503".into()))
        });
        assert!(matches!(r, Err(SendError::Ambiguous(_))));
        assert_eq!(n, 2);
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(9), Duration::from_secs(4));
        assert!(matches!(status_error("u", 503, ""), SendError::Ambiguous(_)));
        assert!(matches!(status_error("u", 401, ""), SendError::Rejected(_)));
    }
}
