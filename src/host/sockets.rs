//! The sockets of the examined network namespace, read once per run: /proc/net/tcp, tcp6, udp
//! and udp6 (the kernel's own tables; nothing here opens a socket), and which processes own
//! them, by matching socket inodes to the `socket:[N]` links in /proc/PID/fd.
//!
//! A readlink of /proc/PID/fd/N is answered by the kernel from memory; nothing here touches the
//! files a process has open. Without root, other users' descriptors are unreadable: their
//! sockets are listed without an owner.

use super::Host;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

/// TCP states as /proc/net/tcp prints them.
pub const TCP_ESTABLISHED: u8 = 0x01;
pub const TCP_LISTEN: u8 = 0x0A;
/// An unconnected UDP socket shows as state 07 (CLOSE): it receives from anyone.
pub const UDP_UNCONNECTED: u8 = 0x07;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// One line of /proc/net/{tcp,udp}{,6}.
#[derive(Debug, Clone, PartialEq)]
pub struct Socket {
    pub proto: Proto,
    pub local: IpAddr,
    pub local_port: u16,
    pub remote: IpAddr,
    pub remote_port: u16,
    pub state: u8,
    pub uid: Option<u32>,
    pub inode: u64,
    /// Bytes waiting to be read; for a TCP listener, connections waiting to be accepted.
    pub rx_queue: u64,
    /// Datagrams a UDP socket dropped since it was opened (the last column of /proc/net/udp).
    pub drops: u64,
}

impl Socket {
    /// Listening for anyone: a TCP socket in LISTEN, or an unconnected UDP socket.
    pub fn is_listening(&self) -> bool {
        match self.proto {
            Proto::Tcp => self.state == TCP_LISTEN,
            Proto::Udp => self.state == UDP_UNCONNECTED && self.remote_port == 0,
        }
    }

    /// Bound to every address (0.0.0.0, ::, or ::ffff:0.0.0.0).
    pub fn on_all_addresses(&self) -> bool {
        match self.local {
            IpAddr::V4(a) => a.is_unspecified(),
            IpAddr::V6(a) => a.is_unspecified() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_unspecified()),
        }
    }

    /// `0.0.0.0:6379/tcp`, `[::]:6379/tcp`.
    pub fn local_label(&self) -> String {
        format!("{}/{}", endpoint(self.local, self.local_port), self.proto.name())
    }

    /// The table the socket was read from.
    pub fn table_path(&self) -> &'static str {
        match (self.proto, self.local.is_ipv6()) {
            (Proto::Tcp, false) => "/proc/net/tcp",
            (Proto::Tcp, true) => "/proc/net/tcp6",
            (Proto::Udp, false) => "/proc/net/udp",
            (Proto::Udp, true) => "/proc/net/udp6",
        }
    }

    pub fn remote_label(&self) -> String {
        endpoint(self.remote, self.remote_port)
    }
}

pub fn endpoint(addr: IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// Every socket, and the processes that hold each (by inode).
#[derive(Debug, Clone, Default)]
pub struct SocketTable {
    pub sockets: Vec<Socket>,
    /// Socket inode → pids holding a descriptor to it (sorted, deduplicated).
    pub owners: Owners,
    /// The tables that were read (`/proc/net/tcp`, ...).
    pub tables_read: Vec<String>,
    /// Processes whose descriptors could not be listed (not root, or gone).
    pub unreadable_processes: usize,
    /// Not everything was read: the run's deadline came first (a table or the processes'
    /// descriptors), or a table was longer than [`MAX_SOCKETS`] sockets can be.
    pub truncated: bool,
}

impl SocketTable {
    pub fn owners_of(&self, inode: u64) -> &[u32] {
        self.owners.get(inode)
    }
}

/// Socket inode → the pids holding a descriptor to it, kept compact: 100,000 sockets are 100,000
/// entries, so three flat arrays (inodes sorted, where each one's pids end, the pids) rather than
/// a map of small vectors (about 16 bytes an entry instead of about 80).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Owners {
    inodes: Vec<u64>,
    ends: Vec<u32>,
    pids: Vec<u32>,
}

impl Owners {
    /// From (inode, pid) pairs in any order, with repeats (a process holding a socket twice).
    pub fn from_pairs(mut pairs: Vec<(u64, u32)>) -> Owners {
        pairs.sort_unstable();
        pairs.dedup();
        let mut o = Owners { pids: Vec::with_capacity(pairs.len()), ..Owners::default() };
        for (inode, pid) in pairs {
            if o.inodes.last() != Some(&inode) {
                if !o.inodes.is_empty() {
                    o.ends.push(o.pids.len() as u32);
                }
                o.inodes.push(inode);
            }
            o.pids.push(pid);
        }
        if !o.inodes.is_empty() {
            o.ends.push(o.pids.len() as u32);
        }
        o.inodes.shrink_to_fit();
        o.ends.shrink_to_fit();
        o
    }

    /// The pids holding `inode` (sorted), empty when none.
    pub fn get(&self, inode: u64) -> &[u32] {
        let Ok(i) = self.inodes.binary_search(&inode) else { return &[] };
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.pids[start..self.ends[i] as usize]
    }

    /// How many sockets have an owner.
    pub fn len(&self) -> usize {
        self.inodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inodes.is_empty()
    }

    /// Only the sockets `keep` wants.
    pub fn only(&self, keep: impl Fn(u64) -> bool) -> Owners {
        let mut pairs = Vec::new();
        for (i, &inode) in self.inodes.iter().enumerate() {
            if keep(inode) {
                let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
                pairs.extend(self.pids[start..self.ends[i] as usize].iter().map(|&p| (inode, p)));
            }
        }
        Owners::from_pairs(pairs)
    }
}

/// A hex address as the kernel prints it: the bytes of each 32-bit word in host order.
fn parse_addr(hex: &str) -> Option<IpAddr> {
    let word = |i: usize| -> Option<[u8; 4]> {
        let s = hex.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(s, 16).ok()?.to_ne_bytes())
    };
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(word(0)?))),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// `0100007F:1F90` → (127.0.0.1, 8080).
fn parse_endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.split_once(':')?;
    Some((parse_addr(addr)?, u16::from_str_radix(port, 16).ok()?))
}

/// Parses one table (the header line and garbage lines are skipped).
pub fn parse_table(text: &str, proto: Proto) -> Vec<Socket> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 || !f[0].ends_with(':') {
            continue;
        }
        let (Some((local, local_port)), Some((remote, remote_port))) = (parse_endpoint(f[1]), parse_endpoint(f[2]))
        else {
            continue;
        };
        let Ok(state) = u8::from_str_radix(f[3], 16) else { continue };
        let Ok(inode) = f[9].parse::<u64>() else { continue };
        let rx_queue = f[4].split_once(':').and_then(|(_, rx)| u64::from_str_radix(rx, 16).ok()).unwrap_or(0);
        let drops = if proto == Proto::Udp { f.get(12).and_then(|d| d.parse().ok()).unwrap_or(0) } else { 0 };
        out.push(Socket {
            proto,
            local,
            local_port,
            remote,
            remote_port,
            state,
            uid: f[7].parse().ok(),
            inode,
            rx_queue,
            drops,
        });
    }
    out
}

/// One line of a table; `None` for the header and garbage.
pub fn parse_line(line: &str, proto: Proto) -> Option<Socket> {
    parse_table(line, proto).pop()
}

/// Lines that are not sockets before a table is given up: a kernel's table has one (the header);
/// a file of garbage (a corrupt rescued disk) is not read to its cap.
const MAX_GARBAGE_LINES: usize = 1000;

/// A reader that ends (reads nothing more) once `stop` is set by whoever consumes its lines.
struct Stoppable<'a, R> {
    inner: R,
    stop: &'a std::sync::atomic::AtomicBool,
}

impl<R: Read> Read for Stoppable<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// The most bytes read of one table: [`MAX_SOCKETS`] lines of the kernel's 150-byte format with
/// room to spare. Tables are streamed (a few 1 MiB buffers), never read whole.
const MAX_TABLE_BYTES: u64 = MAX_SOCKETS as u64 * 256;

/// `socket:[12345]` → 12345.
pub fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

/// Most sockets kept; a busy server with more is summarised by what fits.
const MAX_SOCKETS: usize = 200_000;

/// Reads the four tables and maps socket inodes to their processes (stops at `deadline`).
/// Fails only when no table could be read at all.
pub fn scan(host: &Host, deadline: Instant) -> std::io::Result<SocketTable> {
    let mut table = read_tables(host, deadline)?;
    find_owners(&mut table, host, deadline, None)?;
    Ok(table)
}

/// The four tables, without owners (see [`find_owners`]). Fails only when no table could be read
/// at all.
pub fn read_tables(host: &Host, deadline: Instant) -> std::io::Result<SocketTable> {
    let mut table = SocketTable::default();
    let mut last_err = None;
    for (path, proto) in [
        ("/proc/net/tcp", Proto::Tcp),
        ("/proc/net/tcp6", Proto::Tcp),
        ("/proc/net/udp", Proto::Udp),
        ("/proc/net/udp6", Proto::Udp),
    ] {
        match std::fs::File::open(host.path(path)) {
            Ok(f) => {
                table.tables_read.push(path.to_string());
                let sockets = &mut table.sockets;
                let (garbage, stop) = (&mut 0usize, &std::sync::atomic::AtomicBool::new(false));
                let input = Stoppable { inner: f.take(MAX_TABLE_BYTES), stop };
                let read = super::tail::blocks(input, false, Some(deadline), &mut |block| {
                    super::tail::lines(block, |line| match parse_line(&String::from_utf8_lossy(line), proto) {
                        Some(s) if sockets.len() < MAX_SOCKETS => sockets.push(s),
                        Some(_) => {}
                        None => {
                            *garbage += 1;
                            if *garbage > MAX_GARBAGE_LINES {
                                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                    })
                });
                if read.timed_out || read.bytes >= MAX_TABLE_BYTES || *garbage > MAX_GARBAGE_LINES {
                    table.truncated = true;
                }
            }
            // No IPv6 in the kernel: no tcp6/udp6.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => last_err = Some(e),
        }
    }
    if table.tables_read.is_empty() {
        return Err(last_err.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)));
    }
    table.sockets.shrink_to_fit();
    Ok(table)
}

/// Fills in the owners of `table`'s sockets: from the socket owners of a descriptor walk already
/// made ([`super::procs::OpenFiles`]; 100,000 sockets are 100,000 descriptor links, read once
/// instead of twice), else by walking every process's descriptors (stops at `deadline`).
pub fn find_owners(
    table: &mut SocketTable,
    host: &Host,
    deadline: Instant,
    owners: Option<&Owners>,
) -> std::io::Result<()> {
    let mut wanted: Vec<u64> = table.sockets.iter().map(|s| s.inode).filter(|&i| i != 0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    if let Some(owners) = owners {
        table.owners = owners.only(|inode| wanted.binary_search(&inode).is_ok());
        return Ok(());
    }
    let mut pairs = Vec::new();
    for pid in super::procs::pids(host)? {
        if Instant::now() >= deadline {
            table.truncated = true;
            break;
        }
        let Ok(rd) = std::fs::read_dir(host.path(format!("/proc/{pid}/fd"))) else {
            table.unreadable_processes += 1;
            continue;
        };
        for entry in rd.take(1_000_000) {
            let Ok(entry) = entry else { continue };
            let Ok(target) = std::fs::read_link(entry.path()) else { continue };
            let Some(inode) = target.to_str().and_then(socket_inode) else { continue };
            if wanted.binary_search(&inode).is_ok() {
                pairs.push((inode, pid));
            }
        }
    }
    table.owners = Owners::from_pairs(pairs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 31337 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 2222 1 0000000000000000 100 0 0 10 0
   2: 0F02000A:A1B2 2A00710B:0D05 01 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0
garbage line
   3: ZZZZ:0016 00000000:0000 0A 0 0 0 0 0 1
";

    #[test]
    fn parses_ipv4_tables() {
        let s = parse_table(TCP, Proto::Tcp);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].local_label(), "0.0.0.0:6379/tcp");
        assert!(s[0].is_listening() && s[0].on_all_addresses());
        assert_eq!(s[0].uid, Some(999));
        assert_eq!(s[0].inode, 31337);
        if cfg!(target_endian = "little") {
            assert_eq!(s[1].local_label(), "127.0.0.1:3306/tcp");
            assert!(!s[1].on_all_addresses());
            assert_eq!(s[2].remote_label(), "11.113.0.42:3333");
            assert_eq!(s[2].state, TCP_ESTABLISHED);
        }
    }

    #[test]
    fn parses_ipv6_tables() {
        let t = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:6989 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 555 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 556 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF000000000000:2BCB 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 557 2 0000000000000000 0
";
        let s = parse_table(t, Proto::Tcp);
        assert_eq!(s[0].local_label(), "[::]:27017/tcp");
        assert!(s[0].on_all_addresses());
        if cfg!(target_endian = "little") {
            assert_eq!(s[1].local_label(), "[::1]:22/tcp");
            assert!(!s[1].on_all_addresses());
        }
        let u = parse_table(t, Proto::Udp);
        assert!(u[2].is_listening() && u[2].on_all_addresses(), "{:?}", u[2]);
    }

    #[test]
    fn owners_are_found_by_inode() {
        let o = Owners::from_pairs(vec![(30, 7), (10, 5), (30, 2), (10, 5), (20, 9)]);
        assert_eq!(
            (o.get(10), o.get(20), o.get(30), o.get(25), o.get(0)),
            (&[5][..], &[9][..], &[2, 7][..], &[][..], &[][..])
        );
        assert_eq!(o.len(), 3);
        let some = o.only(|i| i != 20);
        assert_eq!((some.get(20), some.get(30), some.len()), (&[][..], &[2, 7][..], 2));
        assert!(Owners::from_pairs(Vec::new()).get(1).is_empty());
    }

    #[test]
    fn garbage_never_panics() {
        for bad in
            ["", "\0\0\0", "0: :", "0: 1:2 3:4 5 6 7 8 9 x", "  0: 0000:0 0000:0 0A a b c d e 9999999999999999999999"]
        {
            let _ = parse_table(bad, Proto::Tcp);
        }
        assert_eq!(socket_inode("socket:[42]"), Some(42));
        assert_eq!(socket_inode("pipe:[42]"), None);
        assert_eq!(socket_inode("socket:[x]"), None);
    }

    /// A socket table that never ends is streamed up to its cap and marked cut; one that is
    /// only garbage gives no socket.
    #[test]
    fn endless_tables_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc/net")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("proc/net/tcp")).unwrap();
        std::fs::write(
            dir.path().join("proc/net/udp"),
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
             0: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 15 2 0\n",
        )
        .unwrap();
        let t = scan(&Host::new(dir.path()), Instant::now() + std::time::Duration::from_secs(60)).unwrap();
        assert!(t.truncated);
        assert_eq!(t.tables_read, ["/proc/net/tcp", "/proc/net/udp"]);
        assert_eq!(t.sockets.len(), 1);
        assert_eq!((t.sockets[0].proto, t.sockets[0].local_port), (Proto::Udp, 68));
        // Random bytes: given up after a thousand lines that are not sockets.
        std::os::unix::fs::symlink("/dev/urandom", dir.path().join("proc/net/tcp6")).unwrap();
        let t = scan(&Host::new(dir.path()), Instant::now() + std::time::Duration::from_secs(60)).unwrap();
        assert!(t.truncated);
        assert_eq!(t.tables_read, ["/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp"]);
        assert_eq!(t.sockets.len(), 1);
    }
}
