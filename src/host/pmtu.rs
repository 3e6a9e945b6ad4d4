//! Path MTU probing: ICMP echo requests with the don't-fragment bit, of a given size (the whole
//! IP packet), to one IPv4 address, over a raw socket (CAP_NET_RAW). `IP_PMTUDISC_PROBE` sets
//! DF and ignores the path MTU the kernel has cached, so each size really goes out as asked.
//! The socket sees every ICMP message the host receives: besides the echo replies to our
//! identifier it keeps the "fragmentation needed" errors about our destination, which tell
//! whether the path announces its smaller MTU (path MTU discovery works) or drops big packets
//! silently (a black hole).

use rustix::fd::OwnedFd;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketAddrV4, SocketType, ipproto, sockopt};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// The smallest IPv4 packet every path must carry (RFC 791).
pub const MIN_SIZE: u16 = 576;
const IP_HEADER: usize = 20;
const ICMP_HEADER: usize = 8;

/// A "fragmentation needed" error about our destination: who sent it and the MTU it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragNeeded {
    pub from: Ipv4Addr,
    pub mtu: u16,
}

pub struct Prober {
    fd: OwnedFd,
    dest: Ipv4Addr,
    id: u16,
    seq: u16,
    /// Every "fragmentation needed" about `dest` seen so far.
    pub frag_needed: Vec<FragNeeded>,
}

pub fn checksum(b: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in b.chunks(2) {
        let word = if c.len() == 2 { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], 0]) };
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request whose IP packet is `size` bytes.
pub fn echo_request(id: u16, seq: u16, size: u16) -> Vec<u8> {
    let len = usize::from(size).saturating_sub(IP_HEADER).max(ICMP_HEADER);
    let mut p = vec![0u8; len];
    p[0] = 8;
    p[4..6].copy_from_slice(&id.to_be_bytes());
    p[6..8].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in p[ICMP_HEADER..].iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// What one received IPv4 packet (header included, as a raw socket gives it) is to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    EchoReply { from: Ipv4Addr, id: u16, seq: u16 },
    FragNeeded { from: Ipv4Addr, about: Ipv4Addr, mtu: u16 },
    Other,
}

pub fn classify(p: &[u8]) -> Received {
    let Some(&vihl) = p.first() else { return Received::Other };
    let ihl = usize::from(vihl & 0x0f) * 4;
    if vihl >> 4 != 4 || p.len() < ihl + ICMP_HEADER || ihl < IP_HEADER {
        return Received::Other;
    }
    let from = Ipv4Addr::new(p[12], p[13], p[14], p[15]);
    let icmp = &p[ihl..];
    match (icmp[0], icmp[1]) {
        (0, 0) => Received::EchoReply {
            from,
            id: u16::from_be_bytes([icmp[4], icmp[5]]),
            seq: u16::from_be_bytes([icmp[6], icmp[7]]),
        },
        (3, 4) if icmp.len() >= ICMP_HEADER + IP_HEADER => {
            let inner = &icmp[ICMP_HEADER..];
            Received::FragNeeded {
                from,
                about: Ipv4Addr::new(inner[16], inner[17], inner[18], inner[19]),
                mtu: u16::from_be_bytes([icmp[6], icmp[7]]),
            }
        }
        _ => Received::Other,
    }
}

impl Prober {
    /// A raw ICMP socket for `dest`; fails without CAP_NET_RAW (EPERM).
    pub fn new(dest: Ipv4Addr, id: u16) -> std::io::Result<Prober> {
        let fd = rustix::net::socket(AddressFamily::INET, SocketType::RAW, Some(ipproto::ICMP))?;
        sockopt::set_ip_mtu_discover(&fd, sockopt::Ipv4PathMtuDiscovery::PROBE)?;
        Ok(Prober { fd, dest, id, seq: 0, frag_needed: Vec::new() })
    }

    /// Sends one echo request of `size` bytes and waits until `wait` has passed (never past
    /// `until`) for its reply. `Ok(false)`: no reply. `Err`: it could not be sent (EMSGSIZE
    /// when `size` exceeds the interface's MTU).
    pub fn try_size(&mut self, size: u16, wait: Duration, until: Instant) -> std::io::Result<bool> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let packet = echo_request(self.id, seq, size);
        rustix::net::sendto(&self.fd, &packet, SendFlags::empty(), &SocketAddrV4::new(self.dest, 0))?;
        let end = (Instant::now() + wait).min(until);
        let mut buf = vec![0u8; 65536];
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            sockopt::set_socket_timeout(&self.fd, sockopt::Timeout::Recv, Some(left.max(Duration::from_millis(1))))?;
            let n = match rustix::net::recv(&self.fd, &mut buf[..], RecvFlags::empty()) {
                Ok((n, _)) => n,
                Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::INTR => continue,
                Err(e) => return Err(e.into()),
            };
            match classify(&buf[..n.min(buf.len())]) {
                Received::EchoReply { from, id, seq: s } if from == self.dest && id == self.id && s == seq => {
                    return Ok(true);
                }
                Received::FragNeeded { from, about, mtu } if about == self.dest => {
                    let f = FragNeeded { from, mtu };
                    if !self.frag_needed.contains(&f) {
                        self.frag_needed.push(f);
                    }
                }
                _ => {}
            }
        }
    }

    /// `size` passes if one of `tries` echo requests of that size is answered.
    pub fn passes(&mut self, size: u16, tries: usize, wait: Duration, until: Instant) -> std::io::Result<bool> {
        for _ in 0..tries {
            if Instant::now() >= until {
                break;
            }
            if self.try_size(size, wait, until)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_reads_icmp() {
        let p = echo_request(0x1234, 7, 1500);
        assert_eq!(p.len(), 1480);
        assert_eq!(checksum(&p), 0, "a packet with its checksum sums to zero");
        let mut ip = vec![0x45u8, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        let mut reply = p[..8].to_vec();
        reply[0] = 0;
        ip.extend_from_slice(&reply);
        assert_eq!(classify(&ip), Received::EchoReply { from: Ipv4Addr::new(10, 0, 0, 1), id: 0x1234, seq: 7 });
        let mut fr = vec![0x45u8, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 254, 10, 0, 0, 2];
        fr.extend_from_slice(&[3, 4, 0, 0, 0, 0, 0x05, 0x78]);
        fr.extend_from_slice(&[0x45, 0, 5, 0xdc, 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 2, 10, 9, 9, 9]);
        assert_eq!(
            classify(&fr),
            Received::FragNeeded { from: Ipv4Addr::new(10, 0, 0, 254), about: Ipv4Addr::new(10, 9, 9, 9), mtu: 1400 }
        );
        assert_eq!(classify(&[0x60, 0, 0]), Received::Other);
    }
}
