//! The listening TCP sockets of this network namespace with their accept queues, asked of the
//! kernel over netlink (NETLINK_SOCK_DIAG, the interface `ss` uses): for a listener the kernel
//! gives the connections waiting to be accepted (`idiag_rqueue`) and the queue's size, the
//! backlog the program asked for capped by `net.core.somaxconn` (`idiag_wqueue`). /proc/net/tcp
//! shows the first but not the second. Nothing is sent anywhere but to the kernel.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A listener's accept queue: waiting connections and the queue's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptQueue {
    pub waiting: u32,
    pub size: u32,
}

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const TCP_LISTEN_BIT: u32 = 1 << 10;
const IPPROTO_TCP: u8 = 6;
/// nlmsghdr (16 bytes) + inet_diag_req_v2 (56 bytes).
const REQ_LEN: usize = 16 + 56;
/// The inet_diag_msg after the nlmsghdr: family, state, timer, retrans (4), id (48), expires,
/// rqueue, wqueue, uid, inode (4 bytes each).
const MSG_LEN: usize = 4 + 48 + 20;

fn request(family: u8, seq: u32) -> [u8; REQ_LEN] {
    let mut b = [0u8; REQ_LEN];
    b[0..4].copy_from_slice(&(REQ_LEN as u32).to_ne_bytes());
    b[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    b[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    b[8..12].copy_from_slice(&seq.to_ne_bytes());
    b[16] = family;
    b[17] = IPPROTO_TCP;
    b[20..24].copy_from_slice(&TCP_LISTEN_BIT.to_ne_bytes());
    b
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Reads the messages of one receive into `out`; true when the dump is complete.
pub fn parse_messages(mut b: &[u8], out: &mut BTreeMap<u64, AcceptQueue>) -> std::io::Result<bool> {
    while b.len() >= 16 {
        let len = u32_at(b, 0).unwrap_or(0) as usize;
        let kind = u16::from_ne_bytes([b[4], b[5]]);
        if len < 16 || len > b.len() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "truncated netlink message"));
        }
        match kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let errno = u32_at(b, 16).map_or(0, |e| -(e as i32));
                return Err(std::io::Error::from_raw_os_error(errno.max(1)));
            }
            SOCK_DIAG_BY_FAMILY if len >= 16 + MSG_LEN => {
                let m = &b[16..];
                let (Some(rq), Some(wq), Some(inode)) = (u32_at(m, 56), u32_at(m, 60), u32_at(m, 68)) else {
                    break;
                };
                out.insert(u64::from(inode), AcceptQueue { waiting: rq, size: wq });
            }
            _ => {}
        }
        b = b.get((len + 3) & !3..).unwrap_or(&[]);
    }
    Ok(false)
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
