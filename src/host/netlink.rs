//! What the kernel queries over netlink share ([`super::sockdiag`]: sockets, [`super::ifaddr`]:
//! addresses): the header flags of a dump request and the walk over the messages of one
//! receive, which stops at the dump's end and turns the kernel's error message into its errno.

/// `nlmsg_flags` of a dump request.
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
/// The size of `struct nlmsghdr`.
pub const HEADER_LEN: usize = 16;

/// The native-endian u32 at `at`, if `b` holds it.
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Walks the netlink messages of one receive, handing the payload (after the header, its own
/// bytes only) of each message of type `kind` at least `min_payload` bytes long to `each`, which
/// returns true to stop early. Ok(true) when the dump is complete (NLMSG_DONE) or `each` stopped
/// it; an NLMSG_ERROR becomes its errno; a message whose length does not fit is InvalidData.
pub fn walk(mut b: &[u8], kind: u16, min_payload: usize, mut each: impl FnMut(&[u8]) -> bool) -> std::io::Result<bool> {
    while b.len() >= HEADER_LEN {
        let len = u32_at(b, 0).unwrap_or(0) as usize;
        let this = u16::from_ne_bytes([b[4], b[5]]);
        if len < HEADER_LEN || len > b.len() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "truncated netlink message"));
        }
        match this {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let errno = u32_at(b, HEADER_LEN).map_or(0, |e| -(e as i32));
                return Err(std::io::Error::from_raw_os_error(errno.max(1)));
            }
            t if t == kind && len >= HEADER_LEN + min_payload && each(&b[HEADER_LEN..len]) => return Ok(true),
            _ => {}
        }
        b = b.get((len + 3) & !3..).unwrap_or(&[]);
    }
    Ok(false)
}
