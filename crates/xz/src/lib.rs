//! The xz decoder of ecs-doctor's initramfs reader (`src/host/initramfs.rs`), in a crate of its
//! own so that debug builds can optimise it. lzma-rs's decoder is generic over its reader and
//! writer, so it is compiled (optimised or not) in the crate that names those types: called
//! from ecs-doctor itself it would be built at the debug profile's opt-level 0, where unpacking
//! a real xz initramfs takes longer than the check's timeout on a loaded test machine. Here the
//! types are fixed, and the main Cargo.toml optimises this crate in debug builds too.

/// Unpacks the xz stream at the start of `input` (bytes after it are ignored), refusing to
/// produce more than `limit` bytes (a decompression bomb).
pub fn decompress(input: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut sink = Bounded { out: &mut out, left: limit };
    let mut reader = std::io::BufReader::new(input);
    lzma_rs::xz_decompress(&mut reader, &mut sink).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A writer that refuses to grow past a limit.
struct Bounded<'a> {
    out: &'a mut Vec<u8>,
    left: u64,
}

impl std::io::Write for Bounded<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(std::io::Error::other("unpacked size over the limit"));
        }
        self.left -= buf.len() as u64;
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// `printf 'ecs-doctor\n' | xz -C crc32 | xxd -i`.
    const HELLO_XZ: &[u8] = &[
        0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0x69, 0x22, 0xde, 0x36, 0x02, 0x00, 0x21, 0x01, 0x16, 0x00,
        0x00, 0x00, 0x74, 0x2f, 0xe5, 0xa3, 0x01, 0x00, 0x0a, 0x65, 0x63, 0x73, 0x2d, 0x64, 0x6f, 0x63, 0x74, 0x6f,
        0x72, 0x0a, 0x00, 0x00, 0x2a, 0x2d, 0x4a, 0xd9, 0x00, 0x01, 0x1f, 0x0b, 0x3d, 0x62, 0x0e, 0x7a, 0x90, 0x42,
        0x99, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x59, 0x5a,
    ];

    #[test]
    fn unpacks_and_keeps_to_the_limit() {
        assert_eq!(super::decompress(HELLO_XZ, 1 << 20).as_deref(), Ok(&b"ecs-doctor\n"[..]));
        assert!(super::decompress(HELLO_XZ, 4).is_err(), "over the limit");
        assert!(super::decompress(b"not xz", 1 << 20).is_err());
    }
}
