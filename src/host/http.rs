//! A minimal HTTP/1.1 client over `std::net::TcpStream`, for the instance metadata service only.
//!
//! Why not reqwest: the metadata service is plain HTTP on an IP literal inside the instance, and
//! what matters here is being bounded in every direction: one wall-clock limit per request
//! (connect, write and every read), a cap on the headers and on the body, no name lookup, no
//! redirects, no proxy (a proxy in the path is exactly what breaks the metadata service: it adds
//! `X-Forwarded-For`, which the service answers with 403). A server that sends HTML, a huge or
//! endless body, or garbage yields a response marked truncated or an error, never a hang.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Most bytes of response headers read.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// An answer from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// True when the body was longer than the cap and only its start was kept.
    pub truncated: bool,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HttpError {
    #[error("no answer within {0:.1} s")]
    Timeout(f64),
    #[error("connection refused")]
    Refused,
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Io(String),
    #[error("not an HTTP answer: {0}")]
    Malformed(String),
}

impl HttpError {
    /// The errno-style code a finding carries.
    pub fn code(&self) -> &'static str {
        match self {
            HttpError::Timeout(_) => "ETIMEDOUT",
            HttpError::Refused => "ECONNREFUSED",
            HttpError::Unreachable(_) => "ENETUNREACH",
            HttpError::Io(_) => "EIO",
            HttpError::Malformed(_) => "EPROTO",
        }
    }
}

/// One request: method, path, extra headers; answered within `limit`, body cut at `max_body`.
pub struct Request<'a> {
    pub addr: SocketAddr,
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub limit: Duration,
    pub max_body: usize,
}

/// The kind of a socket error (shared with the SNTP client).
pub(crate) fn io_error(e: &std::io::Error, limit: Duration) -> HttpError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::TimedOut | K::WouldBlock => HttpError::Timeout(limit.as_secs_f64()),
        K::ConnectionRefused => HttpError::Refused,
        K::NetworkUnreachable | K::HostUnreachable => HttpError::Unreachable(e.to_string()),
        _ => match e.raw_os_error() {
            Some(101 | 113) => HttpError::Unreachable(e.to_string()),
            _ => HttpError::Io(e.to_string()),
        },
    }
}

/// Sends the request and reads the answer, all within `req.limit`.
pub fn send(req: &Request) -> Result<Response, HttpError> {
    let limit = req.limit.max(Duration::from_millis(1));
    let until = Instant::now() + limit;
    let left = || until.saturating_duration_since(Instant::now());
    let mut stream = TcpStream::connect_timeout(&req.addr, limit).map_err(|e| io_error(&e, limit))?;
    let host = match req.addr {
        SocketAddr::V4(a) if a.port() == 80 => a.ip().to_string(),
        SocketAddr::V6(a) if a.port() == 80 => format!("[{}]", a.ip()),
        a => a.to_string(),
    };
    let mut head =
        format!("{} {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ecs-doctor\r\nAccept: */*\r\n", req.method, req.path);
    for (k, v) in req.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if req.method == "PUT" || req.method == "POST" {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    let timeout = |s: &TcpStream, d: Duration| -> Result<(), HttpError> {
        if d.is_zero() {
            return Err(HttpError::Timeout(limit.as_secs_f64()));
        }
        s.set_read_timeout(Some(d)).and_then(|_| s.set_write_timeout(Some(d))).map_err(|e| io_error(&e, limit))
    };
    timeout(&stream, left())?;
    stream.write_all(head.as_bytes()).map_err(|e| io_error(&e, limit))?;

    // Read until the end of the headers.
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = memchr::memmem::find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEADER_BYTES {
            return Err(HttpError::Malformed(format!("headers longer than {MAX_HEADER_BYTES} bytes")));
        }
        timeout(&stream, left())?;
        let Some(n) = read_some(&mut stream, &mut chunk).map_err(|e| io_error(&e, limit))? else { continue };
        if n == 0 {
            return Err(HttpError::Malformed(if buf.is_empty() {
                "the connection closed without an answer".into()
            } else {
                "the connection closed inside the headers".into()
            }));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = parse_head(&buf[..header_end])?;
    let (content_length, chunked) = (head.content_length, head.chunked);
    let mut raw = buf.split_off(header_end);
    // Read the body: by length, chunked, or to the end; never more than the cap (plus the
    // chunk framing), never past the limit.
    let wire_cap = req.max_body.saturating_add(if chunked { 4096 } else { 1 });
    let want = if chunked { wire_cap } else { content_length.map_or(wire_cap, |l| l.min(wire_cap)) };
    while raw.len() < want {
        if chunked && chunked_complete(&raw) {
            break;
        }
        timeout(&stream, left())?;
        let Some(n) = read_some(&mut stream, &mut chunk).map_err(|e| io_error(&e, limit))? else { continue };
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
    }
    Ok(body_of(head, raw, req.max_body))
}

/// The status line and the headers the client uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub status: u16,
    pub content_type: Option<String>,
    pub content_length: Option<usize>,
    pub chunked: bool,
}

/// Reads the head of an answer (`head` ends with the blank line): the status line must be
/// `HTTP/1.x NNN`; unknown and malformed header lines are skipped.
pub fn parse_head(head: &[u8]) -> Result<Head, HttpError> {
    let head_text = String::from_utf8_lossy(head);
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next().and_then(|s| s.parse::<u16>().ok())) {
        (Some(v), Some(code)) if v.starts_with("HTTP/1.") && (100..1000).contains(&code) => code,
        _ => {
            let shown: String = status_line.chars().take(80).collect();
            return Err(HttpError::Malformed(format!("status line {shown:?}")));
        }
    };
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    let mut content_type = None;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else { continue };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "content-length" => content_length = v.parse().ok(),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            "content-type" => content_type = Some(v.chars().take(200).collect()),
            _ => {}
        }
    }
    Ok(Head { status, content_type, content_length, chunked })
}

/// The response from its head and the body bytes as read from the wire (framing included),
/// the body cut at `max_body`.
pub fn body_of(head: Head, mut raw: Vec<u8>, max_body: usize) -> Response {
    if !head.chunked
        && let Some(l) = head.content_length
    {
        raw.truncate(l);
    }
    let mut body = if head.chunked { dechunk(&raw) } else { raw };
    let declared_longer = head.content_length.is_some_and(|l| l > max_body);
    let truncated = body.len() > max_body || declared_longer;
    body.truncate(max_body);
    Response { status: head.status, content_type: head.content_type, body, truncated }
}

/// A whole answer as the server sent it before closing the connection, read the way [`send`]
/// reads it from a socket: the headers (at most [`MAX_HEADER_BYTES`]), then the body by length,
/// chunked or to the end, cut at `max_body` (what the fuzz target `http_answer` feeds).
pub fn parse_answer(answer: &[u8], max_body: usize) -> Result<Response, HttpError> {
    let found = memchr::memmem::find(answer, b"\r\n\r\n").filter(|i| *i <= MAX_HEADER_BYTES);
    let Some(header_end) = found.map(|i| i + 4) else {
        return Err(HttpError::Malformed(if answer.is_empty() {
            "the connection closed without an answer".into()
        } else if answer.len() > MAX_HEADER_BYTES {
            format!("headers longer than {MAX_HEADER_BYTES} bytes")
        } else {
            "the connection closed inside the headers".into()
        }));
    };
    let head = parse_head(&answer[..header_end])?;
    let wire_cap = max_body.saturating_add(if head.chunked { 4096 } else { 1 });
    let want = if head.chunked { wire_cap } else { head.content_length.map_or(wire_cap, |l| l.min(wire_cap)) };
    let mut raw = Vec::new();
    for piece in answer[header_end..].chunks(8192) {
        if raw.len() >= want || (head.chunked && chunked_complete(&raw)) {
            break;
        }
        raw.extend_from_slice(piece);
    }
    Ok(body_of(head, raw, max_body))
}

/// One read; `None` when a signal interrupted it before any byte came (EINTR), so the caller
/// reads again within what is left of its limit. A signal delivered to the process (a child
/// exiting, a runtime's timer) must not turn a healthy answer into "no answer".
fn read_some(stream: &mut TcpStream, chunk: &mut [u8]) -> std::io::Result<Option<usize>> {
    match stream.read(chunk) {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether a chunked body has reached its last (zero-length) chunk.
fn chunked_complete(raw: &[u8]) -> bool {
    let mut pos = 0;
    loop {
        let Some(eol) = memchr::memmem::find(&raw[pos..], b"\r\n") else { return false };
        let size_text = String::from_utf8_lossy(&raw[pos..pos + eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else {
            return true; // garbage framing: stop reading, dechunk keeps what it can
        };
        if size == 0 {
            return true;
        }
        pos = match pos.checked_add(eol + 2).and_then(|p| p.checked_add(size)).and_then(|p| p.checked_add(2)) {
            Some(p) if p <= raw.len() => p,
            _ => return false,
        };
    }
}

/// The payload of a chunked body, as far as it is well formed.
fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(eol) = memchr::memmem::find(&raw[pos..], b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[pos..pos + eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else { break };
        if size == 0 {
            break;
        }
        let start = pos + eol + 2;
        let end = start.saturating_add(size).min(raw.len());
        out.extend_from_slice(&raw[start..end]);
        if end < start + size {
            break;
        }
        pos = end + 2;
        if pos > raw.len() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serves one connection on loopback with `answer` (raw bytes), after reading the request.
    fn serve_once(answer: Vec<u8>, delay: Duration) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut b = [0u8; 4096];
                let _ = s.read(&mut b);
                std::thread::sleep(delay);
                let _ = s.write_all(&answer);
            }
        });
        addr
    }

    fn get(addr: SocketAddr, limit_ms: u64, max_body: usize) -> Result<Response, HttpError> {
        send(&Request {
            addr,
            method: "GET",
            path: "/latest/meta-data/instance-id",
            headers: &[],
            limit: Duration::from_millis(limit_ms),
            max_body,
        })
    }

    #[test]
    fn content_length_chunked_and_close_delimited_bodies() {
        let a = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\ni-abcXXXX".to_vec(),
            Duration::ZERO,
        );
        let r = get(a, 2000, 1024).unwrap();
        assert_eq!((r.status, r.body.as_slice(), r.truncated), (200, &b"i-abc"[..], false));
        assert_eq!(r.content_type.as_deref(), Some("text/plain"));
        let a = serve_once(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ni-a\r\n2\r\nbc\r\n0\r\n\r\n".to_vec(),
            Duration::ZERO,
        );
        assert_eq!(get(a, 2000, 1024).unwrap().body, b"i-abc");
        let a = serve_once(b"HTTP/1.0 404 Not Found\r\n\r\nnope".to_vec(), Duration::ZERO);
        let r = get(a, 2000, 1024).unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"nope"[..]));
    }

    #[test]
    fn huge_bodies_are_cut_and_slow_servers_time_out() {
        let mut big = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 200_000));
        let a = serve_once(big, Duration::ZERO);
        let r = get(a, 2000, 1000).unwrap();
        assert!(r.truncated && r.body.len() == 1000);
        let a = serve_once(b"HTTP/1.1 200 OK\r\n\r\nlate".to_vec(), Duration::from_millis(1500));
        let started = Instant::now();
        assert!(matches!(get(a, 300, 100), Err(HttpError::Timeout(_))));
        assert!(started.elapsed() < Duration::from_millis(1200));
    }

    #[test]
    fn garbage_and_refused() {
        let a = serve_once(b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec(), Duration::ZERO);
        assert!(matches!(get(a, 2000, 100), Err(HttpError::Malformed(_))));
        let a = serve_once(Vec::new(), Duration::ZERO);
        assert!(matches!(get(a, 2000, 100), Err(HttpError::Malformed(_))));
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        assert_eq!(get(addr, 2000, 100), Err(HttpError::Refused));
        assert_eq!(dechunk(b"zz\r\nabc"), b"");
        assert!(chunked_complete(b"zz\r\n"));
    }

    /// A signal delivered while the client is blocked reading the answer (EINTR, three times)
    /// neither fails the request nor loses bytes: the read is retried within the limit.
    #[test]
    fn a_signal_during_the_read_is_retried() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let client = std::thread::spawn(move || {
            tid_tx.send(crate::host::interrupt::thread_id()).unwrap();
            get(addr, 60_000, 1024)
        });
        let tid = tid_rx.recv().unwrap();
        let (mut s, _) = l.accept().unwrap();
        let mut req = Vec::new();
        let mut b = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut b).unwrap();
            assert!(n > 0, "the client closed before its request ended");
            req.extend_from_slice(&b[..n]);
        }
        // Blocked on the headers; then, after half the headers came, blocked on the rest.
        crate::host::interrupt::interrupt(tid, 3);
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n").unwrap();
        crate::host::interrupt::interrupt(tid, 2);
        s.write_all(b"\r\ni-abc").unwrap();
        drop(s);
        let r = client.join().unwrap().expect("the interrupted reads are retried");
        assert_eq!((r.status, r.body.as_slice(), r.truncated), (200, &b"i-abc"[..], false));
    }

    /// The whole-answer reader the fuzz target uses agrees with what the socket client reads.
    #[test]
    fn parse_answer_reads_like_the_client() {
        let r = parse_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ni-abcXX", 1024).unwrap();
        assert_eq!((r.status, r.body.as_slice(), r.truncated), (200, &b"i-abc"[..], false));
        let r =
            parse_answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ni-a\r\n2\r\nbc\r\n0\r\n\r\n", 4)
                .unwrap();
        assert_eq!((r.body.as_slice(), r.truncated), (&b"i-ab"[..], true));
        assert!(matches!(parse_answer(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", 10), Err(HttpError::Malformed(_))));
        assert!(matches!(parse_answer(b"HTTP/1.1 200 OK\r\n", 10), Err(HttpError::Malformed(_))));
        let mut long = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        long.extend(std::iter::repeat_n(b'a', 20_000));
        long.extend_from_slice(b"\r\n\r\nbody");
        assert!(matches!(parse_answer(&long, 10), Err(HttpError::Malformed(_))));
    }
}
