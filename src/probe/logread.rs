//! Streams the lines of a log file without ever holding the file: plain files from a bounded
//! tail (the newest lines are the ones that matter, and a log of several GB must not cost
//! minutes), gzip-rotated files decompressed on the fly with a cap on what is decompressed.
//! Lines are bytes (logs are not always UTF-8) and capped in length; a truncated or corrupt gzip
//! ends the file early with what was read so far, and says so.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

/// Longest line passed on; the rest of a longer line is dropped.
pub const MAX_LINE: usize = 16 * 1024;

/// How reading a file ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadEnd {
    /// The plain file was longer than the tail and its start was skipped.
    pub tailed: bool,
    /// Why reading stopped before the end, if it did (corrupt gzip, byte cap, time limit).
    pub stopped: Option<String>,
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

/// Calls `line(n, bytes)` for each line (`n` counts from 1 at where reading started; without
/// the trailing newline). `gz` selects gzip decompression.
pub fn for_each_line(path: &Path, gz: bool, b: &Bounds, line: &mut dyn FnMut(u64, &[u8])) -> std::io::Result<ReadEnd> {
    let mut file = std::fs::File::open(path)?;
    let mut end = ReadEnd::default();
    if gz {
        let reader = BufReader::with_capacity(64 * 1024, flate2::read::MultiGzDecoder::new(file).take(b.gz_bytes));
        stream(reader, b, &mut end, line, b.gz_bytes);
        if end.stopped.as_deref() == Some("cap") {
            end.stopped = Some(format!("stopped after decompressing {} MiB", b.gz_bytes >> 20));
        }
        return Ok(end);
    }
    let len = file.metadata()?.len();
    let skip_partial = len > b.tail_bytes;
    if skip_partial {
        file.seek(SeekFrom::Start(len - b.tail_bytes))?;
        end.tailed = true;
    }
    let mut reader = BufReader::with_capacity(64 * 1024, file.take(b.tail_bytes));
    if skip_partial {
        // The first line is cut: drop it.
        let mut sink = Vec::new();
        let _ = reader.by_ref().take(MAX_LINE as u64 * 64).read_until(b'\n', &mut sink);
    }
    stream(reader, b, &mut end, line, u64::MAX);
    Ok(end)
}

fn stream<R: BufRead>(mut r: R, b: &Bounds, end: &mut ReadEnd, f: &mut dyn FnMut(u64, &[u8]), cap: u64) {
    let mut current: Vec<u8> = Vec::with_capacity(256);
    let mut total: u64 = 0;
    loop {
        let buf = match r.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                end.stopped = Some(format!("the file is truncated or corrupt ({e}); read up to there"));
                break;
            }
        };
        if buf.is_empty() {
            if total >= cap {
                end.stopped = Some("cap".into());
            }
            break;
        }
        let (chunk, consumed, complete) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = MAX_LINE.saturating_sub(current.len());
        current.extend_from_slice(&chunk[..chunk.len().min(room)]);
        r.consume(consumed);
        total += consumed as u64;
        if complete {
            end.lines += 1;
            f(end.lines, &current);
            current.clear();
            if end.lines.is_multiple_of(4096) && Instant::now() >= b.until {
                end.stopped = Some(format!("stopped at the time limit after {} lines", end.lines));
                return;
            }
        }
    }
    if !current.is_empty() {
        end.lines += 1;
        f(end.lines, &current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    fn bounds(tail: u64) -> Bounds {
        Bounds { tail_bytes: tail, gz_bytes: 1 << 20, until: Instant::now() + Duration::from_secs(10) }
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
        assert!(end.stopped.is_some_and(|s| s.contains("truncated")));
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
