//! A minimal SNTP client (RFC 4330: one NTP version 4 client-mode packet, one answer): how far
//! this machine's clock is from a time server's, for `net.time.sync` when `chronyc` cannot say,
//! and for NTP endpoints of `net.reach.targets` (the platform's time service).
//!
//! Bounded: one UDP socket connected to the server (so an ICMP port-unreachable surfaces as
//! ECONNREFUSED), one request, answers read until `limit`; an answer that is not for our
//! request (its originate timestamp is not our transmit timestamp) is ignored. No name lookup:
//! callers resolve on a thread they can abandon.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The NTP port.
pub const PORT: u16 = 123;
/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: f64 = 2_208_988_800.0;

/// A server's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub server: SocketAddr,
    /// Server clock minus local clock, in seconds (positive: this clock is behind).
    pub offset_s: f64,
    /// Round-trip delay of the exchange, in seconds.
    pub delay_s: f64,
    pub stratum: u8,
}

/// Why a query got no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SntpError {
    #[error("no answer within {0:.1} s")]
    Timeout(f64),
    #[error("port {PORT} unreachable (connection refused)")]
    Refused,
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Io(String),
    /// A kiss-o'-death packet (stratum 0): the server refuses to serve, with its code (RATE, DENY...).
    #[error("the server refuses to serve (kiss-o'-death {0})")]
    KissOfDeath(String),
    /// The server is not synchronised itself (leap indicator 3, or stratum 16 and above).
    #[error("the server is not synchronised itself (leap indicator {leap}, stratum {stratum})")]
    Unsynchronised { leap: u8, stratum: u8 },
    #[error("not an NTP server answer: {0}")]
    Malformed(String),
}

impl SntpError {
    /// The errno-style code a finding carries.
    pub fn code(&self) -> &'static str {
        match self {
            SntpError::Timeout(_) => "ETIMEDOUT",
            SntpError::Refused => "ECONNREFUSED",
            SntpError::Unreachable(_) => "ENETUNREACH",
            SntpError::Io(_) => "EIO",
            SntpError::KissOfDeath(_) => "NTP_KOD",
            SntpError::Unsynchronised { .. } => "NTP_UNSYNCHRONISED",
            SntpError::Malformed(_) => "EPROTO",
        }
    }
}

/// Now as an NTP timestamp (seconds since 1900, with fraction).
fn now_ntp() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0) + NTP_UNIX_OFFSET
}

/// The 64-bit wire form of an NTP timestamp.
fn to_wire(t: f64) -> [u8; 8] {
    let secs = t.floor();
    let frac = ((t - secs) * 4_294_967_296.0) as u64;
    (((secs as u64) << 32) | (frac & 0xffff_ffff)).to_be_bytes()
}

fn from_wire(b: &[u8]) -> f64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    let v = u64::from_be_bytes(a);
    (v >> 32) as f64 + (v & 0xffff_ffff) as f64 / 4_294_967_296.0
}

/// A client request: LI 0, version 4, mode 3 (client), our transmit timestamp.
pub fn request(transmit: [u8; 8]) -> [u8; 48] {
    let mut p = [0u8; 48];
    p[0] = 0x23;
    p[40..48].copy_from_slice(&transmit);
    p
}

/// Checks an answer to the request sent with `transmit` and computes offset and delay from the
/// four timestamps (t1 sent, t2 server received, t3 server sent, t4 received).
pub fn parse_reply(buf: &[u8], transmit: &[u8; 8], t1: f64, t4: f64, server: SocketAddr) -> Result<Reply, SntpError> {
    if buf.len() < 48 {
        return Err(SntpError::Malformed(format!("{} bytes, an NTP packet has at least 48", buf.len())));
    }
    let (leap, version, mode, stratum) = (buf[0] >> 6, (buf[0] >> 3) & 7, buf[0] & 7, buf[1]);
    if mode != 4 || !(3..=4).contains(&version) {
        return Err(SntpError::Malformed(format!("mode {mode}, version {version} (expected a server answer, mode 4)")));
    }
    if &buf[24..32] != transmit {
        return Err(SntpError::Malformed("the answer is not for this request (originate timestamp differs)".into()));
    }
    if stratum == 0 {
        let code: String = buf[12..16].iter().map(|&b| if b.is_ascii_graphic() { b as char } else { '?' }).collect();
        return Err(SntpError::KissOfDeath(code));
    }
    if leap == 3 || stratum >= 16 {
        return Err(SntpError::Unsynchronised { leap, stratum });
    }
    let (t2, t3) = (from_wire(&buf[32..40]), from_wire(&buf[40..48]));
    if t3 == 0.0 {
        return Err(SntpError::Malformed("transmit timestamp is zero".into()));
    }
    let offset_s = ((t2 - t1) + (t3 - t4)) / 2.0;
    let delay_s = ((t4 - t1) - (t3 - t2)).max(0.0);
    Ok(Reply { server, offset_s, delay_s, stratum })
}

fn io_error(e: &std::io::Error, limit: Duration) -> SntpError {
    use super::http::HttpError as H;
    match super::http::io_error(e, limit) {
        H::Timeout(s) => SntpError::Timeout(s),
        H::Refused => SntpError::Refused,
        H::Unreachable(why) => SntpError::Unreachable(why),
        H::Io(why) | H::Malformed(why) => SntpError::Io(why),
    }
}

/// Asks `server` for the time; answers within `limit`.
pub fn query(server: SocketAddr, limit: Duration) -> Result<Reply, SntpError> {
    let limit = limit.max(Duration::from_millis(1));
    let until = Instant::now() + limit;
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let sock = UdpSocket::bind(local).map_err(|e| io_error(&e, limit))?;
    sock.connect(server).map_err(|e| io_error(&e, limit))?;
    let t1 = now_ntp();
    let transmit = to_wire(t1);
    sock.send(&request(transmit)).map_err(|e| io_error(&e, limit))?;
    let mut buf = [0u8; 512];
    let mut last = SntpError::Timeout(limit.as_secs_f64());
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(last);
        }
        sock.set_read_timeout(Some(left)).map_err(|e| io_error(&e, limit))?;
        match sock.recv(&mut buf) {
            Ok(n) => {
                let t4 = now_ntp();
                match parse_reply(&buf[..n], &transmit, t1, t4, server) {
                    // A stray or forged packet: keep waiting for ours.
                    Err(e @ SntpError::Malformed(_)) => last = e,
                    other => return other,
                }
            }
            // A signal interrupted the wait: wait again for what is left of the limit.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(match io_error(&e, limit) {
                    SntpError::Timeout(_) => last,
                    other => other,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(req: &[u8], leap: u8, stratum: u8, server_offset: f64) -> Vec<u8> {
        let mut p = vec![0u8; 48];
        p[0] = (leap << 6) | (4 << 3) | 4;
        p[1] = stratum;
        p[12..16].copy_from_slice(b"RATE");
        p[24..32].copy_from_slice(&req[40..48]);
        let now = now_ntp() + server_offset;
        p[32..40].copy_from_slice(&to_wire(now));
        p[40..48].copy_from_slice(&to_wire(now));
        p
    }

    #[test]
    fn timestamps_round_trip() {
        let t = 3_970_000_000.25;
        assert!((from_wire(&to_wire(t)) - t).abs() < 1e-6);
    }

    #[test]
    fn offsets_and_bad_answers() {
        let server: SocketAddr = ([127, 0, 0, 1], 123).into();
        let t1 = now_ntp();
        let tx = to_wire(t1);
        let req = request(tx);
        assert_eq!(req[0], 0x23);
        let r = parse_reply(&answer(&req, 0, 2, 5.0), &tx, t1, now_ntp(), server).unwrap();
        assert!((r.offset_s - 5.0).abs() < 0.1, "{r:?}");
        assert_eq!(r.stratum, 2);
        let kod = parse_reply(&answer(&req, 0, 0, 0.0), &tx, t1, now_ntp(), server);
        assert_eq!(kod, Err(SntpError::KissOfDeath("RATE".into())));
        let unsync = parse_reply(&answer(&req, 3, 2, 0.0), &tx, t1, now_ntp(), server);
        assert!(matches!(unsync, Err(SntpError::Unsynchronised { leap: 3, .. })));
        let other = parse_reply(&answer(&request(to_wire(1.0)), 0, 2, 0.0), &tx, t1, now_ntp(), server);
        assert!(matches!(other, Err(SntpError::Malformed(_))));
        assert!(matches!(parse_reply(&[0x24; 10], &tx, t1, t1, server), Err(SntpError::Malformed(_))));
        let mut client_mode = answer(&req, 0, 2, 0.0);
        client_mode[0] = 0x23;
        assert!(matches!(parse_reply(&client_mode, &tx, t1, t1, server), Err(SntpError::Malformed(_))));
    }

    #[test]
    fn a_server_on_loopback_and_one_that_is_silent() {
        let srv = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = srv.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            let (n, from) = srv.recv_from(&mut buf).unwrap();
            assert_eq!(n, 48);
            srv.send_to(&answer(&buf[..48], 0, 3, -120.0), from).unwrap();
            // The second request gets no answer.
            let _ = srv.recv_from(&mut buf);
        });
        let r = query(addr, Duration::from_secs(2)).unwrap();
        assert!((r.offset_s + 120.0).abs() < 0.5, "{r:?}");
        let silent = query(addr, Duration::from_millis(200));
        assert_eq!(silent, Err(SntpError::Timeout(0.2)));
        handle.join().unwrap();
    }

    /// Signals delivered while the client waits for the answer (EINTR) do not end the wait:
    /// the answer that comes afterwards is read.
    #[test]
    fn a_signal_during_the_wait_is_retried() {
        let srv = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = srv.local_addr().unwrap();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let client = std::thread::spawn(move || {
            tid_tx.send(crate::host::interrupt::thread_id()).unwrap();
            query(addr, Duration::from_secs(60))
        });
        let tid = tid_rx.recv().unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = srv.recv_from(&mut buf).unwrap();
        assert_eq!(n, 48);
        crate::host::interrupt::interrupt(tid, 3);
        srv.send_to(&answer(&buf[..48], 0, 3, 42.0), from).unwrap();
        let r = client.join().unwrap().expect("the interrupted waits are retried");
        assert!((r.offset_s - 42.0).abs() < 0.5, "{r:?}");
    }
}
