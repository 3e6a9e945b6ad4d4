//! What an initramfs holds: the names in its cpio archives, read the way the kernel unpacks it.
//! An initramfs is one or more cpio (newc) archives one after the other: usually an uncompressed
//! early-microcode archive first, then the main one compressed with gzip, xz, zstd or lz4 (the
//! kernel's legacy lz4 framing). Only the names are kept (the drivers are `.ko` files); file
//! data is skipped as it streams past, so memory stays small whatever the image's size.
//!
//! Crates: `cpio` reads the newc headers, `flate2` gzip, `lzma-rs` xz (through crates/xz), `ruzstd` zstd and
//! `lz4_flex` the lz4 blocks: all pure Rust, so the portable build needs no C toolchain.

use std::io::{Cursor, Read};

/// Largest initramfs file read (the biggest real ones are around 200 MiB).
pub const MAX_IMAGE_BYTES: u64 = 512 << 20;
/// Largest unpacked size followed, against decompression bombs.
const MAX_UNPACKED_BYTES: u64 = 2 << 30;
/// Most entries listed.
const MAX_ENTRIES: usize = 200_000;

/// The archives of one initramfs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    /// How each archive was stored, in order (`cpio`, `gzip`, `xz`, `zstd`, `lz4`).
    pub layers: Vec<&'static str>,
    /// Every path in it (without a leading `./` or `/`).
    pub names: Vec<String>,
}

impl Listing {
    /// The kernel modules in it by name (`virtio_blk`), `-` and `_` made the same as modprobe
    /// does.
    pub fn modules(&self) -> Vec<String> {
        self.names
            .iter()
            .filter_map(|n| {
                let base = n.rsplit('/').next()?;
                let stem = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"].iter().find_map(|s| base.strip_suffix(s))?;
                Some(stem.replace('-', "_"))
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InitramfsError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not an initramfs: no cpio archive at byte {0}")]
    NotCpio(usize),
    #[error("{what} data at byte {at} could not be unpacked: {why}")]
    Corrupt { what: &'static str, at: usize, why: String },
    #[error("compressed with {0}, which this tool does not read")]
    Unsupported(&'static str),
}

/// Reads the archive file at `path`.
pub fn read(path: &std::path::Path) -> Result<Listing, InitramfsError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_IMAGE_BYTES).read_to_end(&mut bytes)?;
    list(&bytes)
}

fn is_cpio(b: &[u8]) -> bool {
    b.starts_with(b"070701") || b.starts_with(b"070702")
}

/// Lists the archives in `image`.
pub fn list(image: &[u8]) -> Result<Listing, InitramfsError> {
    let mut out = Listing::default();
    let mut at = 0;
    loop {
        // Archives are padded with zeros to a block boundary.
        while image.get(at) == Some(&0) {
            at += 1;
        }
        let rest = &image[at.min(image.len())..];
        if rest.is_empty() {
            break;
        }
        if is_cpio(rest) {
            let mut cur = Cursor::new(rest);
            entries(&mut cur, &mut out)?;
            out.layers.push("cpio");
            at += usize::try_from(cur.position()).unwrap_or(rest.len());
            continue;
        }
        let what: &'static str = if rest.starts_with(&[0x1f, 0x8b]) {
            "gzip"
        } else if rest.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            "xz"
        } else if rest.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            "zstd"
        } else if rest.starts_with(&[0x02, 0x21, 0x4c, 0x18]) {
            "lz4"
        } else if rest.starts_with(b"BZh") {
            return Err(InitramfsError::Unsupported("bzip2"));
        } else if rest.starts_with(&[0x89, b'L', b'Z', b'O']) {
            return Err(InitramfsError::Unsupported("lzo"));
        } else if out.layers.is_empty() {
            return Err(InitramfsError::NotCpio(at));
        } else {
            // Trailing bytes after the last archive (signatures, padding): the kernel stops too.
            break;
        };
        let corrupt = |why: String| InitramfsError::Corrupt { what, at, why };
        match what {
            "gzip" => {
                let d = flate2::read::MultiGzDecoder::new(rest).take(MAX_UNPACKED_BYTES);
                stream_entries(d, &mut out).map_err(|e| corrupt(e.to_string()))?;
            }
            "zstd" => {
                let d = ruzstd::decoding::StreamingDecoder::new(rest).map_err(|e| corrupt(e.to_string()))?;
                stream_entries(d.take(MAX_UNPACKED_BYTES), &mut out).map_err(|e| corrupt(e.to_string()))?;
            }
            "xz" => {
                let unpacked = ecs_doctor_xz::decompress(rest, MAX_UNPACKED_BYTES).map_err(corrupt)?;
                stream_entries(Cursor::new(unpacked), &mut out).map_err(|e| corrupt(e.to_string()))?;
            }
            _ => {
                let unpacked = lz4_legacy(rest).map_err(corrupt)?;
                stream_entries(Cursor::new(unpacked), &mut out).map_err(|e| corrupt(e.to_string()))?;
            }
        }
        out.layers.push(what);
        // A compressed archive runs to the end of the image.
        break;
    }
    Ok(out)
}

/// The kernel's legacy lz4 format (`lz4 -l`): a magic, then blocks of a 32-bit little-endian
/// compressed size and the data, each unpacking to at most 8 MiB.
fn lz4_legacy(b: &[u8]) -> Result<Vec<u8>, String> {
    const MAGIC: [u8; 4] = [0x02, 0x21, 0x4c, 0x18];
    let mut out = Vec::new();
    let mut at = 4;
    while at + 4 <= b.len() {
        let head: [u8; 4] = b[at..at + 4].try_into().map_err(|_| "short block header".to_string())?;
        if head == MAGIC {
            at += 4;
            continue;
        }
        let len = u32::from_le_bytes(head) as usize;
        at += 4;
        if len == 0 {
            break;
        }
        let Some(block) = b.get(at..at + len) else {
            // The last archive may be followed by other data: a size that runs past the end is
            // the end of the lz4 stream.
            break;
        };
        let chunk = lz4_flex::block::decompress(block, 8 << 20).map_err(|e| e.to_string())?;
        if out.len() as u64 + chunk.len() as u64 > MAX_UNPACKED_BYTES {
            return Err("unpacked size over the limit".into());
        }
        out.extend_from_slice(&chunk);
        at += len;
    }
    Ok(out)
}

/// The entries of one or more cpio archives in a stream (a compressed archive may hold several).
fn stream_entries<'a, R: Read + 'a>(r: R, out: &mut Listing) -> std::io::Result<()> {
    let mut r: Box<dyn Read + 'a> = Box::new(std::io::BufReader::new(r));
    loop {
        // Skip the padding between archives.
        let mut first = [0u8; 1];
        loop {
            if r.read(&mut first)? == 0 {
                return Ok(());
            }
            if first[0] != 0 {
                break;
            }
        }
        let mut magic = [0u8; 6];
        magic[0] = first[0];
        r.read_exact(&mut magic[1..])?;
        if !is_cpio(&magic) {
            return Ok(());
        }
        r = entries(Box::new(Cursor::new(magic).chain(r)), out)?;
    }
}

/// Reads entries up to the trailer, adding their names; gives the reader back after it.
fn entries<R: Read>(mut r: R, out: &mut Listing) -> std::io::Result<R> {
    loop {
        let reader = cpio::NewcReader::new(r)?;
        if reader.entry().is_trailer() {
            return reader.finish();
        }
        if out.names.len() < MAX_ENTRIES {
            let name = reader.entry().name().trim_start_matches("./").trim_start_matches('/');
            out.names.push(name.to_string());
        }
        r = reader.finish()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn cpio(names: &[&str]) -> Vec<u8> {
        let inputs = names.iter().map(|n| (cpio::NewcBuilder::new(n).mode(0o100644), Cursor::new(b"x".to_vec())));
        cpio::write_cpio(inputs, Vec::new()).expect("cpio")
    }

    #[test]
    fn a_microcode_archive_then_a_gzip_archive() {
        let mut image = cpio(&["kernel/x86/microcode/GenuineIntel.bin"]);
        image.resize(image.len().div_ceil(512) * 512, 0);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&cpio(&["usr/lib/modules/6.1/kernel/drivers/block/virtio_blk.ko", "./init"])).expect("gzip");
        image.extend(gz.finish().expect("gzip"));
        let l = list(&image).expect("listing");
        assert_eq!(l.layers, vec!["cpio", "gzip"]);
        assert_eq!(l.modules(), vec!["virtio_blk"]);
        assert!(l.names.contains(&"init".to_string()), "{:?}", l.names);
    }

    #[test]
    fn legacy_lz4_blocks_and_what_is_not_an_initramfs() {
        let archive = cpio(&["lib/modules/6.1/kernel/drivers/net/virtio_net.ko.xz", "lib/modules/xen-blkfront.ko"]);
        let block = lz4_flex::block::compress(&archive);
        let mut image = vec![0x02, 0x21, 0x4c, 0x18];
        image.extend((block.len() as u32).to_le_bytes());
        image.extend(block);
        let l = list(&image).expect("lz4");
        assert_eq!(l.layers, vec!["lz4"]);
        assert_eq!(l.modules(), vec!["virtio_net", "xen_blkfront"]);
        assert!(matches!(list(b"hello world"), Err(InitramfsError::NotCpio(0))));
        assert!(matches!(list(b"BZh91AY&SY"), Err(InitramfsError::Unsupported("bzip2"))));
        let mut bad = vec![0x1f, 0x8b];
        bad.extend([0u8; 40]);
        assert!(matches!(list(&bad), Err(InitramfsError::Corrupt { what: "gzip", .. })));
    }
}
