//! The listening TCP sockets of this network namespace with their accept queues, asked of the
//! kernel over netlink (NETLINK_SOCK_DIAG, the interface `ss` uses): for a listener the kernel
//! gives the connections waiting to be accepted (`idiag_rqueue`) and the queue's size, the
//! backlog the program asked for capped by `net.core.somaxconn` (`idiag_wqueue`). /proc/net/tcp
//! shows the first but not the second. For connections, the kernel's `tcp_info` gives the
//! segments each sent and retransmitted since it opened ([`tcp_conns`]), which the sampling
//! window reads at both ends to tell which peer the retransmissions go to. Nothing is sent
//! anywhere but to the kernel.

use super::netlink::{self, NLM_F_DUMP, NLM_F_REQUEST, u32_at};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

/// A listener's accept queue: waiting connections and the queue's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptQueue {
    pub waiting: u32,
    pub size: u32,
}

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const TCP_LISTEN_BIT: u32 = 1 << 10;
const IPPROTO_TCP: u8 = 6;
/// nlmsghdr (16 bytes) + inet_diag_req_v2 (56 bytes).
const REQ_LEN: usize = 16 + 56;
/// The inet_diag_msg after the nlmsghdr: family, state, timer, retrans (4), id (48), expires,
/// rqueue, wqueue, uid, inode (4 bytes each).
const MSG_LEN: usize = 4 + 48 + 20;

/// TCP states that carry data: ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, CLOSING.
const TCP_CONN_BITS: u32 = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 11);
/// INET_DIAG_INFO (2): ask for `struct tcp_info` (the request's ext bit is 1 << (2 - 1)).
const INET_DIAG_INFO: u16 = 2;
/// Offsets in `struct tcp_info` (linux/tcp.h): tcpi_total_retrans and tcpi_segs_out (Linux 4.2+).
const TCPI_TOTAL_RETRANS: usize = 100;
const TCPI_SEGS_OUT: usize = 136;

fn request(family: u8, seq: u32) -> [u8; REQ_LEN] {
    request_for(family, seq, TCP_LISTEN_BIT, 0)
}

fn request_for(family: u8, seq: u32, states: u32, ext: u8) -> [u8; REQ_LEN] {
    let mut b = [0u8; REQ_LEN];
    b[0..4].copy_from_slice(&(REQ_LEN as u32).to_ne_bytes());
    b[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    b[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    b[8..12].copy_from_slice(&seq.to_ne_bytes());
    b[16] = family;
    b[17] = IPPROTO_TCP;
    b[18] = ext;
    b[20..24].copy_from_slice(&states.to_ne_bytes());
    b
}

/// One TCP connection's counters since it opened (tcp_info).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpConn {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub total_retrans: u32,
    pub segs_out: u32,
}

/// An address of an inet_diag_sockid: 4 bytes (IPv4) or 16 (IPv6) in network order.
fn addr_at(m: &[u8], at: usize, family: u8, port_at: usize) -> Option<SocketAddr> {
    let port = u16::from_be_bytes(m.get(port_at..port_at + 2)?.try_into().ok()?);
    let ip = if family == 2 {
        let b: [u8; 4] = m.get(at..at + 4)?.try_into().ok()?;
        IpAddr::V4(Ipv4Addr::from(b))
    } else {
        let b: [u8; 16] = m.get(at..at + 16)?.try_into().ok()?;
        let v6 = Ipv6Addr::from(b);
        v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
    };
    Some(SocketAddr::new(ip, port))
}

/// [`netlink::walk`] over the SOCK_DIAG_BY_FAMILY messages (each at least an inet_diag_msg).
fn walk_messages(b: &[u8], each: impl FnMut(&[u8]) -> bool) -> std::io::Result<bool> {
    netlink::walk(b, SOCK_DIAG_BY_FAMILY, MSG_LEN, each)
}

/// Reads the connection messages of one receive into `out` (at most `max`); true when the
/// dump is complete (or `out` is full).
pub fn parse_conn_messages(b: &[u8], out: &mut Vec<TcpConn>, max: usize) -> std::io::Result<bool> {
    walk_messages(b, |m| {
        let family = m[0];
        let (Some(local), Some(remote)) = (addr_at(m, 8, family, 4), addr_at(m, 24, family, 6)) else {
            return false;
        };
        // The attributes after the message: (len u16, type u16, payload), 4-aligned.
        let mut a = m.get(MSG_LEN..).unwrap_or(&[]);
        while a.len() >= 4 {
            let alen = usize::from(u16::from_ne_bytes([a[0], a[1]]));
            let atype = u16::from_ne_bytes([a[2], a[3]]);
            if alen < 4 || alen > a.len() {
                break;
            }
            if atype == INET_DIAG_INFO
                && let (Some(retrans), Some(segs)) = (u32_at(a, 4 + TCPI_TOTAL_RETRANS), u32_at(a, 4 + TCPI_SEGS_OUT))
                && alen >= 4 + TCPI_SEGS_OUT + 4
            {
                out.push(TcpConn { local, remote, total_retrans: retrans, segs_out: segs });
                if out.len() >= max {
                    return true;
                }
            }
            a = a.get((alen + 3) & !3..).unwrap_or(&[]);
        }
        false
    })
}

/// The TCP connections of this network namespace (IPv4 and IPv6) with their segments sent and
/// retransmitted, at most `max` of them (a host with more is summarised by the first ones).
pub fn tcp_conns(deadline: Instant, max: usize) -> std::io::Result<Vec<TcpConn>> {
    use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType, netlink};
    let fd = rustix::net::socket(AddressFamily::NETLINK, SocketType::DGRAM, Some(netlink::SOCK_DIAG))?;
    let left = deadline.saturating_duration_since(Instant::now()).min(Duration::from_millis(500));
    rustix::net::sockopt::set_socket_timeout(
        &fd,
        rustix::net::sockopt::Timeout::Recv,
        Some(left.max(Duration::from_millis(10))),
    )?;
    let kernel = netlink::SocketAddrNetlink::new(0, 0);
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let ext = 1u8 << (INET_DIAG_INFO - 1);
    for (seq, family) in [(1u32, 2u8), (2, 10)] {
        if out.len() >= max {
            break;
        }
        rustix::net::sendto(&fd, &request_for(family, seq, TCP_CONN_BITS, ext), SendFlags::empty(), &kernel)?;
        loop {
            let (n, _) = rustix::net::recv(&fd, &mut buf[..], RecvFlags::empty())?;
            if n == 0 || parse_conn_messages(&buf[..n.min(buf.len())], &mut out, max)? {
                break;
            }
        }
        if out.len() >= max {
            // The rest of this dump is left unread; the socket is closed with it.
            break;
        }
    }
    Ok(out)
}

/// Reads the messages of one receive into `out`; true when the dump is complete.
pub fn parse_messages(b: &[u8], out: &mut BTreeMap<u64, AcceptQueue>) -> std::io::Result<bool> {
    let mut short = false;
    let done = walk_messages(b, |m| {
        let (Some(rq), Some(wq), Some(inode)) = (u32_at(m, 56), u32_at(m, 60), u32_at(m, 68)) else {
            short = true;
            return true;
        };
        out.insert(u64::from(inode), AcceptQueue { waiting: rq, size: wq });
        false
    })?;
    // A message too short for its fields ended the walk early, as before: not a complete dump.
    Ok(done && !short)
}

/// Every listening TCP socket (IPv4 and IPv6) of this network namespace, by socket inode.
pub fn listen_queues(deadline: Instant) -> std::io::Result<BTreeMap<u64, AcceptQueue>> {
    use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType, netlink};
    let fd = rustix::net::socket(AddressFamily::NETLINK, SocketType::DGRAM, Some(netlink::SOCK_DIAG))?;
    let left = deadline.saturating_duration_since(Instant::now()).min(Duration::from_secs(1));
    rustix::net::sockopt::set_socket_timeout(
        &fd,
        rustix::net::sockopt::Timeout::Recv,
        Some(left.max(Duration::from_millis(10))),
    )?;
    let kernel = netlink::SocketAddrNetlink::new(0, 0);
    let mut out = BTreeMap::new();
    let mut buf = vec![0u8; 64 * 1024];
    for (seq, family) in [(1u32, 2u8), (2, 10)] {
        rustix::net::sendto(&fd, &request(family, seq), SendFlags::empty(), &kernel)?;
        loop {
            let (n, _) = rustix::net::recv(&fd, &mut buf[..], RecvFlags::empty())?;
            if n == 0 || parse_messages(&buf[..n.min(buf.len())], &mut out)? {
                break;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::netlink::NLMSG_DONE;

    /// One SOCK_DIAG_BY_FAMILY message for 10.0.0.1:40000 -> 10.0.0.2:7075 with a tcp_info of
    /// `retrans` retransmitted and `segs` sent, and the dump's end.
    fn conn_dump(retrans: u32, segs: u32) -> Vec<u8> {
        let info = 4 + 232;
        let len = 16 + MSG_LEN + info;
        let mut b = vec![0u8; len];
        b[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
        b[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        let m = 16;
        b[m] = 2;
        b[m + 4..m + 6].copy_from_slice(&40000u16.to_be_bytes());
        b[m + 6..m + 8].copy_from_slice(&7075u16.to_be_bytes());
        b[m + 8..m + 12].copy_from_slice(&[10, 0, 0, 1]);
        b[m + 24..m + 28].copy_from_slice(&[10, 0, 0, 2]);
        let a = m + MSG_LEN;
        b[a..a + 2].copy_from_slice(&(info as u16).to_ne_bytes());
        b[a + 2..a + 4].copy_from_slice(&INET_DIAG_INFO.to_ne_bytes());
        b[a + 4 + TCPI_TOTAL_RETRANS..a + 8 + TCPI_TOTAL_RETRANS].copy_from_slice(&retrans.to_ne_bytes());
        b[a + 4 + TCPI_SEGS_OUT..a + 8 + TCPI_SEGS_OUT].copy_from_slice(&segs.to_ne_bytes());
        let mut done = vec![0u8; 20];
        done[0..4].copy_from_slice(&20u32.to_ne_bytes());
        done[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
        b.extend(done);
        b
    }

    #[test]
    fn reads_each_connections_retransmissions_from_tcp_info() {
        let mut out = Vec::new();
        assert!(parse_conn_messages(&conn_dump(7, 300), &mut out, 10).expect("parses"));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].local, "10.0.0.1:40000".parse().expect("addr"));
        assert_eq!(out[0].remote, "10.0.0.2:7075".parse().expect("addr"));
        assert_eq!((out[0].total_retrans, out[0].segs_out), (7, 300));
        // A message cut short is an error, not a guess.
        let cut = conn_dump(1, 2);
        assert!(parse_conn_messages(&cut[..40], &mut Vec::new(), 10).is_err());
        // The cap: a full list ends the dump.
        let mut one = Vec::new();
        assert!(parse_conn_messages(&conn_dump(1, 2)[..16 + MSG_LEN + 236], &mut one, 1).expect("parses"));
    }
}
