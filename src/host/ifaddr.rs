//! The IPv4 addresses of this network namespace's interfaces, asked of the kernel over netlink
//! (NETLINK_ROUTE, RTM_GETADDR: what `ip -4 addr` shows) without starting a program: the repairs
//! plan from the system as it is now and start no process while planning. Nothing is sent
//! anywhere but to the kernel.

use super::netlink::{self, NLM_F_DUMP, NLM_F_REQUEST, u32_at};
use std::net::Ipv4Addr;
use std::time::Duration;

/// One IPv4 address on an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr {
    /// The interface's index (/sys/class/net/<name>/ifindex).
    pub index: u32,
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const AF_INET: u8 = 2;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;

/// The dump request: nlmsghdr (16 bytes) and ifaddrmsg (8 bytes) for AF_INET.
fn request(seq: u32) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0..4].copy_from_slice(&24u32.to_ne_bytes());
    b[4..6].copy_from_slice(&RTM_GETADDR.to_ne_bytes());
    b[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    b[8..12].copy_from_slice(&seq.to_ne_bytes());
    b[16] = AF_INET;
    b
}

/// Reads the RTM_NEWADDR messages of one receive into `out`; true when the dump is complete.
pub fn parse(b: &[u8], out: &mut Vec<Addr>) -> std::io::Result<bool> {
    // The payload: ifaddrmsg (family, prefix, flags, scope, index u32), then the attributes.
    netlink::walk(b, RTM_NEWADDR, 8, |m| {
        if m[0] != AF_INET {
            return false;
        }
        let (prefix, index) = (m[1], u32_at(m, 4).unwrap_or(0));
        // The attributes: (len u16, type u16, payload), 4-aligned. IFA_LOCAL is the
        // interface's own address (IFA_ADDRESS is the peer's on a point-to-point link).
        let mut a = &m[8..];
        let (mut local, mut address) = (None, None);
        while a.len() >= 4 {
            let alen = usize::from(u16::from_ne_bytes([a[0], a[1]]));
            let atype = u16::from_ne_bytes([a[2], a[3]]);
            if alen < 4 || alen > a.len() {
                break;
            }
            if alen == 8 {
                let ip = Ipv4Addr::new(a[4], a[5], a[6], a[7]);
                match atype {
                    IFA_LOCAL => local = Some(ip),
                    IFA_ADDRESS => address = Some(ip),
                    _ => {}
                }
            }
            a = a.get((alen + 3) & !3..).unwrap_or(&[]);
        }
        if let Some(addr) = local.or(address) {
            out.push(Addr { index, addr, prefix: prefix.min(32) });
        }
        false
    })
}

/// Every IPv4 address of this network namespace.
pub fn ipv4() -> std::io::Result<Vec<Addr>> {
    use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType, netlink};
    // NETLINK_ROUTE is protocol 0: `None`.
    let fd = rustix::net::socket(AddressFamily::NETLINK, SocketType::DGRAM, None)?;
    rustix::net::sockopt::set_socket_timeout(&fd, rustix::net::sockopt::Timeout::Recv, Some(Duration::from_secs(1)))?;
    let kernel = netlink::SocketAddrNetlink::new(0, 0);
    rustix::net::sendto(&fd, &request(1), SendFlags::empty(), &kernel)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    // A namespace has a bounded number of addresses; the loop is bounded too.
    for _ in 0..1024 {
        let (n, _) = rustix::net::recv(&fd, &mut buf[..], RecvFlags::empty())?;
        if n == 0 || parse(&buf[..n.min(buf.len())], &mut out)? {
            break;
        }
    }
    Ok(out)
}

/// The IPv4 addresses of the interface `name` (by its index in /sys/class/net), with prefix.
pub fn of(host: &super::Host, name: &str) -> std::io::Result<Vec<(Ipv4Addr, u8)>> {
    let index: u32 = host
        .read_line(&format!("/sys/class/net/{name}/ifindex"))
        .and_then(|i| i.trim().parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("no interface {name}")))?;
    Ok(ipv4()?.into_iter().filter(|a| a.index == index).map(|a| (a.addr, a.prefix)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::netlink::{NLMSG_DONE, NLMSG_ERROR};

    fn msg(kind: u16, body: &[u8]) -> Vec<u8> {
        let len = 16 + body.len();
        let mut m = Vec::new();
        m.extend_from_slice(&(len as u32).to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(body);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    fn addr_msg(index: u32, prefix: u8, attrs: &[(u16, [u8; 4])]) -> Vec<u8> {
        let mut body = vec![AF_INET, prefix, 0, 0];
        body.extend_from_slice(&index.to_ne_bytes());
        for (t, ip) in attrs {
            body.extend_from_slice(&8u16.to_ne_bytes());
            body.extend_from_slice(&t.to_ne_bytes());
            body.extend_from_slice(ip);
        }
        msg(RTM_NEWADDR, &body)
    }

    #[test]
    fn reads_local_addresses_and_stops_at_done() {
        let mut b = addr_msg(2, 24, &[(IFA_ADDRESS, [10, 0, 0, 9]), (IFA_LOCAL, [10, 0, 0, 9])]);
        b.extend(addr_msg(3, 32, &[(IFA_ADDRESS, [10, 9, 9, 1]), (IFA_LOCAL, [10, 0, 0, 7])]));
        b.extend(msg(NLMSG_DONE, &[0; 4]));
        let mut out = Vec::new();
        assert!(parse(&b, &mut out).expect("parse"));
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].index, out[0].addr, out[0].prefix), (2, Ipv4Addr::new(10, 0, 0, 9), 24));
        assert_eq!(out[1].addr, Ipv4Addr::new(10, 0, 0, 7), "the local address, not the peer's");
        let mut err = msg(NLMSG_ERROR, &(-13i32).to_ne_bytes());
        err.extend(msg(NLMSG_DONE, &[0; 4]));
        assert_eq!(parse(&err, &mut out).map_err(|e| e.raw_os_error()), Err(Some(13)));
        assert!(parse(&[1, 0, 0, 0, 0, 0], &mut out).is_ok_and(|done| !done));
    }
}
