//! Reads a log in blocks of whole lines through one reused buffer, so a scanner can search a
//! block at a time (a prefilter over many lines at once) and borrow the lines it keeps looking
//! at, instead of copying every line into a buffer of its own.
//!
//! One buffer of [`BLOCK`] bytes is reused for the whole read: reading a 64 MiB tail costs 64
//! `read` calls into memory that stays in the cache, not 64 MiB of fresh pages.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::time::Instant;

/// Size of the reused buffer, and so the longest line delivered whole: the rest of a longer
/// line is dropped.
pub const BLOCK: usize = 1 << 20;

/// How reading ended.
#[derive(Debug, Default)]
pub struct Blocks {
    /// Bytes taken from the input, including a cut first line and dropped long-line remainders.
    pub bytes: u64,
    /// A read error that ended the input early (a truncated gzip file); what came before it
    /// was delivered.
    pub error: Option<std::io::Error>,
    /// Reading stopped at `until` before the end of the input.
    pub timed_out: bool,
}

/// Calls `f` with blocks of whole lines read from `r` until its end. A block ends with `\n`,
/// or at the end of a line without one: the input's final line, or a line longer than
/// [`BLOCK`], which is delivered alone as its first [`BLOCK`] bytes (the rest of it is
/// dropped). With `skip_first`, everything up to the first newline is dropped (the cut line of
/// a tail). Checks `until` after each block.
pub fn blocks(mut r: impl Read, skip_first: bool, until: Option<Instant>, f: &mut dyn FnMut(&[u8])) -> Blocks {
    let mut buf = vec![0u8; BLOCK];
    let mut out = Blocks::default();
    // buf[..filled] holds bytes read and not yet delivered (the start of a line).
    let mut filled = 0usize;
    // Dropping input up to the next newline: the cut first line, or the rest of a long line.
    let mut dropping = skip_first;
    loop {
        let n = match r.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                out.error = Some(e);
                0
            }
        };
        out.bytes += n as u64;
        if n == 0 {
            // End of input (or an error): what is left is the final line, unless it is dropped.
            if filled > 0 && !dropping {
                f(&buf[..filled]);
            }
            return out;
        }
        let mut from = 0;
        if dropping {
            // Nothing is kept while dropping, so the new bytes start at 0.
            match memchr::memchr(b'\n', &buf[..n]) {
                Some(i) => {
                    dropping = false;
                    from = i + 1;
                }
                None => continue,
            }
        }
        // The kept bytes hold no newline (they are what followed the last one), so only the
        // new bytes are searched: a long line read in small pieces costs linear time.
        let new = filled + from;
        filled += n;
        // Deliver up to the last newline; keep the rest for the next read.
        match memchr::memrchr(b'\n', &buf[new..filled]) {
            Some(i) => {
                let end = new + i + 1;
                f(&buf[from..end]);
                buf.copy_within(end..filled, 0);
                filled -= end;
            }
            None if from == 0 && filled == buf.len() => {
                // One line fills the buffer: deliver what fits, drop the rest of it.
                f(&buf[..filled]);
                filled = 0;
                dropping = true;
            }
            None => {
                buf.copy_within(from..filled, 0);
                filled -= from;
            }
        }
        if until.is_some_and(|t| Instant::now() >= t) {
            out.timed_out = true;
            return out;
        }
    }
}

/// Opens `path` for reading its last `max` bytes: the file positioned there and whether its
/// start is skipped (then the first line read is cut and should be dropped).
pub fn open_tail(path: &std::path::Path, max: u64) -> std::io::Result<(std::io::Take<File>, bool)> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let tailed = len > max;
    if tailed {
        file.seek(SeekFrom::Start(len - max))?;
    }
    Ok((file.take(max), tailed))
}

/// Calls `f(line)` for each line of a block (without its newline); a final piece without
/// newline is a line too (see [`blocks`]).
pub fn lines(block: &[u8], mut f: impl FnMut(&[u8])) {
    let mut pos = 0;
    for nl in memchr::memchr_iter(b'\n', block) {
        f(&block[pos..nl]);
        pos = nl + 1;
    }
    if pos < block.len() {
        f(&block[pos..]);
    }
}

/// How many lines a block holds: its newlines, plus one for a last line without newline.
pub fn count_lines(block: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', block).count() as u64 + u64::from(block.last().is_some_and(|b| *b != b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], skip_first: bool) -> (Vec<Vec<u8>>, Blocks) {
        let mut lines_seen = Vec::new();
        let end = blocks(input, skip_first, None, &mut |b| lines(b, |l| lines_seen.push(l.to_vec())));
        (lines_seen, end)
    }

    #[test]
    fn whole_lines_and_a_final_partial_one() {
        let (l, end) = collect(b"a\nbb\nccc", false);
        assert_eq!(l, vec![b"a".to_vec(), b"bb".to_vec(), b"ccc".to_vec()]);
        assert_eq!(end.bytes, 8);
        let (l, _) = collect(b"cut\nx\n", true);
        assert_eq!(l, vec![b"x".to_vec()]);
        let (l, _) = collect(b"no newline at all", true);
        assert!(l.is_empty());
        let (l, _) = collect(b"", false);
        assert!(l.is_empty());
    }

    /// A reader that returns a few bytes at a time, so lines cross reads.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_across_reads_and_lines_longer_than_the_buffer() {
        let mut input = b"first\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', BLOCK + 10));
        input.extend_from_slice(b"\nlast\n");
        for step in [1, 7, 4096, BLOCK] {
            let (mut seen, mut counted) = (Vec::new(), 0);
            let end = blocks(Trickle(&input, step), false, None, &mut |b| {
                counted += count_lines(b);
                lines(b, |l| seen.push(l.len()))
            });
            assert_eq!(seen, vec![5, BLOCK, 4], "step {step}");
            assert_eq!((end.bytes, counted), (input.len() as u64, 3));
        }
    }
}
