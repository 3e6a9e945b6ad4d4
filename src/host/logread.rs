//! Streams the lines of a log file without ever holding the file: plain files from a bounded
//! tail (the newest lines are the ones that matter, and a log of several GB must not cost
//! minutes), gzip-rotated files decompressed on the fly with a cap on what is decompressed.
//! Lines are bytes (logs are not always UTF-8) and capped in length; a truncated or corrupt gzip
//! ends the file early with what was read so far, and says so.
//!
//! The file is read in blocks of whole lines through one reused buffer ([`crate::host::tail`]):
//! a scanner can search a whole block for the few bytes that make a line interesting and
//! borrow the lines it looks at ([`for_each_block`]); [`for_each_line`] hands out every line.

use crate::host::tail;
use crate::i18n::{Msg, Said};
use std::path::Path;
use std::time::Instant;

/// Longest line passed on by [`for_each_line`]; the rest of a longer line is dropped.
pub const MAX_LINE: usize = 16 * 1024;

/// How reading a file ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadEnd {
    /// The plain file was longer than the tail and its start was skipped.
    pub tailed: bool,
    /// Why reading stopped before the end, if it did (corrupt gzip, byte cap, time limit).
    pub stopped: Option<Said>,
    pub lines: u64,
}

/// Limits of one file: bytes read from the end of a plain file, bytes decompressed from a gzip
/// file, and the time when reading must stop.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub tail_bytes: u64,
    pub gz_bytes: u64,
    pub until: Instant,
}

/// Calls `block(n, bytes)` for each block of whole lines (see [`tail::blocks`]: a block ends
/// with a newline or at the end of a line without one), where `n` is the number of the block's
/// first line, counting from 1 at where reading started. `block` returns how many lines the
/// block held ([`tail::count_lines`]; a scanner that numbers its lines counts them anyway).
/// `gz` selects gzip decompression.
pub fn for_each_block(
    path: &Path,
    gz: bool,
    b: &Bounds,
    block: &mut dyn FnMut(u64, &[u8]) -> u64,
) -> std::io::Result<ReadEnd> {
    for_each_block_with::<()>(path, gz, b, None, &mut |n, bytes, _| block(n, bytes))
}

/// [`for_each_block`] with part of the scan done on the reader thread (see
/// [`tail::blocks_with`]): `block(n, bytes, pre)` gets what `pre` gave for the lines from
/// `pre.0` to the block's end, and must count those lines too. A gzip file is not shared
/// (its reader thread is busy decompressing): its blocks come with `None`.
#[allow(clippy::type_complexity)] // a callback's signature, spelled out once
pub fn for_each_block_with<T: Send>(
    path: &Path,
    gz: bool,
    b: &Bounds,
    pre: Option<tail::Pre<'_, T>>,
    block: &mut dyn FnMut(u64, &[u8], tail::Shared<T>) -> u64,
) -> std::io::Result<ReadEnd> {
    let mut end = ReadEnd::default();
    let mut next = 1u64;
    let mut deliver = |bytes: &[u8], pre: tail::Shared<T>| next += block(next, bytes, pre);
    let read = if gz {
        let file = std::fs::File::open(path)?;
        let reader = flate2::read::MultiGzDecoder::new(file);
        let read = tail::blocks_with(std::io::Read::take(reader, b.gz_bytes), false, Some(b.until), None, &mut deliver);
        if read.error.is_none() && !read.timed_out && read.bytes >= b.gz_bytes {
            end.stopped = Some(Said::new(Msg::LogStoppedGzipCap).arg("mib", b.gz_bytes >> 20));
        }
        read
    } else {
        let (file, tailed) = tail::open_tail(path, b.tail_bytes)?;
        end.tailed = tailed;
        let not_a_file = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
        // A cut first line is dropped.
        let read = tail::blocks_with(file, tailed, Some(b.until), pre, &mut deliver);
        if not_a_file && read.bytes >= tail::NOT_A_FILE_BYTES.min(b.tail_bytes) {
            end.stopped = Some(Said::new(Msg::LogStoppedNotAFile).arg("mib", tail::NOT_A_FILE_BYTES >> 20));
        }
        read
    };
    end.lines = next - 1;
    if let Some(e) = read.error {
        end.stopped = Some(Said::new(Msg::LogStoppedCorrupt).arg("error", e));
    } else if read.timed_out {
        end.stopped = Some(Said::new(Msg::LogStoppedTimeLimit).arg("lines", end.lines));
    }
    Ok(end)
}

/// Calls `line(n, bytes)` for each line (`n` counts from 1 at where reading started; without
/// the trailing newline, cut at [`MAX_LINE`] bytes). `gz` selects gzip decompression.
pub fn for_each_line(path: &Path, gz: bool, b: &Bounds, line: &mut dyn FnMut(u64, &[u8])) -> std::io::Result<ReadEnd> {
    for_each_block(path, gz, b, &mut |first, block| {
        let mut n = first;
        tail::lines(block, |l| {
            line(n, &l[..l.len().min(MAX_LINE)]);
            n += 1;
        });
        n - first
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    fn bounds(tail: u64) -> Bounds {
        Bounds { tail_bytes: tail, gz_bytes: 1 << 20, until: Instant::now() + Duration::from_secs(10) }
    }

    /// A log that is a device (a rescued disk's auth.log linked to /dev/urandom) is read for one
    /// block, not for the whole tail, and the reading says why it stopped.
    #[test]
    fn a_device_where_a_log_should_be_is_read_for_one_block() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("auth.log");
        std::os::unix::fs::symlink("/dev/urandom", &log).expect("symlink");
        let mut bytes = 0usize;
        let end = for_each_block(&log, false, &bounds(64 << 20), &mut |_, b| {
            bytes += b.len();
            tail::count_lines(b)
        })
        .expect("readable");
        assert!(bytes as u64 <= tail::NOT_A_FILE_BYTES, "{bytes}");
        assert!(!end.tailed);
        let said = end.stopped.map(|s| s.render(crate::i18n::Lang::En)).unwrap_or_default();
        assert!(said.contains("not a regular file"), "{said}");
    }

    fn collect(path: &Path, gz: bool, b: &Bounds) -> (Vec<String>, ReadEnd) {
        let mut lines = Vec::new();
        let end = for_each_line(path, gz, b, &mut |_, l| lines.push(String::from_utf8_lossy(l).into_owned()))
            .expect("readable");
        (lines, end)
    }

    #[test]
    fn tail_skips_the_cut_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("log");
        std::fs::write(&p, "first line\nsecond\nthird\n").expect("write");
        let (lines, end) = collect(&p, false, &bounds(12));
        assert_eq!(lines, vec!["third"]);
        assert!(end.tailed);
        let (lines, end) = collect(&p, false, &bounds(1 << 20));
        assert_eq!(lines.len(), 3);
        assert!(!end.tailed && end.stopped.is_none());
    }

    #[test]
    fn truncated_gzip_gives_what_it_has() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("log.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for i in 0..20_000 {
            writeln!(enc, "line {i} with some text to make it longer than a block").expect("write");
        }
        let bytes = enc.finish().expect("gzip");
        std::fs::write(&p, &bytes[..bytes.len() / 2]).expect("write");
        let (lines, end) = collect(&p, true, &bounds(0));
        assert!(lines.len() > 100 && lines.len() < 20_000, "{}", lines.len());
        assert!(end.stopped.is_some_and(|s| s.render(crate::i18n::Lang::En).contains("truncated")));
        std::fs::write(&p, b"\x1f\x8b garbage that is not gzip").expect("write");
        let (lines, end) = collect(&p, true, &bounds(0));
        assert!(lines.len() <= 1);
        assert!(end.stopped.is_some());
    }

    #[test]
    fn long_and_binary_lines_are_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("log");
        let mut body = vec![0xffu8; MAX_LINE * 3];
        body.extend_from_slice(b"\nok\n");
        std::fs::write(&p, &body).expect("write");
        let mut lens = Vec::new();
        for_each_line(&p, false, &bounds(1 << 20), &mut |_, l| lens.push(l.len())).expect("read");
        assert_eq!(lens, vec![MAX_LINE, 2]);
    }
}
