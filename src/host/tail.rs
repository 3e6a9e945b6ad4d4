//! Reads a log in blocks of whole lines, so a scanner can search a block at a time (a
//! prefilter over many lines at once) and borrow the lines it keeps looking at, instead of
//! copying every line into a buffer of its own.
//!
//! A reader thread fills a few reused buffers of up to [`BLOCK`] bytes (made as it needs
//! them: a small input costs one small buffer) while the scanner works on
//! the previous one: reading a 64 MiB tail costs 64 `read` calls into memory that stays in
//! the cache, not 64 MiB of fresh pages, and the kernel's copy from the page cache runs on
//! another CPU at the same time as the scan. Only a line that crosses two buffers is copied.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::mpsc;
use std::time::Instant;

/// Size of each buffer, and so the longest line delivered whole: the rest of a longer line is
/// dropped.
pub const BLOCK: usize = 1 << 20;

/// Buffers in flight: one being scanned, one being filled, one waiting.
const BUFFERS: usize = 3;

/// Size of the first buffer. Most inputs are small (a socket table, a short log): making a
/// full [`BLOCK`] for them cost more than reading them (1 MiB zeroed, and its pages faulted
/// in, per input). A longer input grows it to [`BLOCK`] when it comes back.
const FIRST: usize = 64 << 10;

/// The reader thread's share of the scan ([`blocks_with`]): `f` runs there on the whole lines
/// of each buffer that start past `from` (a fraction) of it.
pub struct Pre<'a, T> {
    pub from: f64,
    pub f: &'a mut (dyn FnMut(&[u8]) -> T + Send),
}

/// What the reader thread's share gave for a block: where those lines start in the block (they
/// run to its end), and the value; `None` when the block is all the scanner's.
pub type Shared<T> = Option<(usize, T)>;

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

/// A buffer the reader filled: `len` bytes, how the input ended after them, if it did, and
/// what the reader's own share of the work ([`blocks_with`]) gave for the lines of
/// `pre.0..pre.1`.
struct Filled<T> {
    buf: Vec<u8>,
    len: usize,
    end: Option<std::io::Result<()>>,
    pre: Option<(usize, usize, T)>,
}

/// The whole lines of the end of `data`: from the first line that starts past `from` (a
/// fraction) of it to its last newline (included).
fn share(data: &[u8], from: f64) -> Option<(usize, usize)> {
    let mid = ((data.len() as f64 * from) as usize).min(data.len());
    let a = mid + memchr::memchr(b'\n', &data[mid..])? + 1;
    let b = memchr::memrchr(b'\n', data)? + 1;
    (a < b).then_some((a, b))
}

/// The next buffer for the reader to fill: a free one if the scanner gave one back, else a new
/// one while fewer than [`BUFFERS`] exist (the first of [`FIRST`] bytes, the others of
/// [`BLOCK`]), else the next one given back; `None` when the scanner has stopped. Once the
/// input has filled a buffer, a short one is grown to [`BLOCK`].
fn next_buffer(free: &mpsc::Receiver<Vec<u8>>, made: &mut usize, long: bool) -> Option<Vec<u8>> {
    let mut buf = match free.try_recv() {
        Ok(buf) => buf,
        Err(mpsc::TryRecvError::Disconnected) => return None,
        Err(mpsc::TryRecvError::Empty) if *made < BUFFERS => {
            *made += 1;
            vec![0u8; if *made == 1 { FIRST } else { BLOCK }]
        }
        Err(mpsc::TryRecvError::Empty) => free.recv().ok()?,
    };
    if long && buf.len() < BLOCK {
        buf.resize(BLOCK, 0);
    }
    Some(buf)
}

/// The reader thread: fills each buffer to the full (a short read is not the end), runs `pre`
/// on its share of the whole lines, if asked, and passes it on, until the input ends or the
/// scanner stops taking buffers.
fn fill<T>(
    mut r: impl Read,
    free: mpsc::Receiver<Vec<u8>>,
    full: mpsc::SyncSender<Filled<T>>,
    mut pre: Option<Pre<'_, T>>,
) {
    let (mut made, mut long) = (0, false);
    while let Some(mut buf) = next_buffer(&free, &mut made, long) {
        let (mut len, mut end) = (0, None);
        while len < buf.len() {
            match r.read(&mut buf[len..]) {
                Ok(0) => {
                    end = Some(Ok(()));
                    break;
                }
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    end = Some(Err(e));
                    break;
                }
            }
        }
        let done = end.is_some();
        long = !done;
        let pre = match &mut pre {
            Some(p) => share(&buf[..len], p.from).map(|(a, b)| (a, b, (p.f)(&buf[a..b]))),
            None => None,
        };
        if full.send(Filled { buf, len, end, pre }).is_err() || done {
            return;
        }
    }
}

/// The start of a line that continues in the next buffer, kept to at most [`BLOCK`] bytes.
struct Carry {
    line: Vec<u8>,
    /// The line reached [`BLOCK`] bytes: it was delivered cut; drop the rest of it.
    dropping: bool,
}

impl Carry {
    /// Adds `piece` (which ends the line when it ends with a newline), delivering the line when
    /// it is complete or has reached [`BLOCK`] bytes.
    fn add(&mut self, piece: &[u8], f: &mut dyn FnMut(&[u8])) {
        let complete = piece.last() == Some(&b'\n');
        if self.dropping {
            self.dropping = !complete;
            return;
        }
        let room = BLOCK - self.line.len();
        self.line.extend_from_slice(&piece[..piece.len().min(room)]);
        if piece.len() > room || (self.line.len() == BLOCK && !complete) {
            // Longer than a buffer: delivered as its first BLOCK bytes, the rest dropped.
            f(&self.line);
            self.line.clear();
            self.dropping = !complete;
        } else if complete {
            f(&self.line);
            self.line.clear();
        }
    }
}

/// Calls `f` with blocks of whole lines read from `r` until its end. A block ends with `\n`,
/// or at the end of a line without one: the input's final line, or a line longer than
/// [`BLOCK`], which is delivered alone as its first [`BLOCK`] bytes (the rest of it is
/// dropped). With `skip_first`, everything up to the first newline is dropped (the cut line of
/// a tail). Checks `until` after each block; the reader thread ends with the scan.
pub fn blocks(r: impl Read + Send, skip_first: bool, until: Option<Instant>, f: &mut dyn FnMut(&[u8])) -> Blocks {
    blocks_with::<()>(r, skip_first, until, None, &mut |block, _| f(block))
}

/// [`blocks`] with part of the scan done on the reader thread, so that it runs on two CPUs:
/// `pre.f` is called there with the whole lines of the end of each buffer it filled ([`Pre`]),
/// and `f` gets what it returned with the block that holds those lines, and where they start
/// in it (they run to the block's end): `f` does the rest of the block itself. A block
/// without it (`None`) is all `f`'s. `pre` sees the lines in order, and before `f` sees the
/// block, but may run a few buffers ahead of `f`.
pub fn blocks_with<T: Send>(
    r: impl Read + Send,
    skip_first: bool,
    until: Option<Instant>,
    pre: Option<Pre<'_, T>>,
    f: &mut dyn FnMut(&[u8], Shared<T>),
) -> Blocks {
    let mut out = Blocks::default();
    // At most BUFFERS buffers exist (the reader makes them as it needs them), so neither
    // channel ever makes its sender wait.
    let (free_tx, free_rx) = mpsc::sync_channel::<Vec<u8>>(BUFFERS);
    let (full_tx, full_rx) = mpsc::sync_channel::<Filled<T>>(BUFFERS);
    // Dropping the first line is dropping the rest of a line already "delivered".
    let mut carry = Carry { line: Vec::new(), dropping: skip_first };
    std::thread::scope(|scope| {
        scope.spawn(move || fill(r, free_rx, full_tx, pre));
        // The reader stops when `free_tx` goes (it waits for a free buffer, or finds none when
        // it looks) or its next send to `full_rx` fails.
        let free_tx = free_tx;
        while let Ok(Filled { buf, len, end, pre }) = full_rx.recv() {
            out.bytes += len as u64;
            let data = &buf[..len];
            let mut i = 0;
            // The end of the line the last buffer began, or of the line being dropped.
            if carry.dropping || !carry.line.is_empty() {
                let j = memchr::memchr(b'\n', data).map_or(len, |j| j + 1);
                carry.add(&data[..j], &mut |line: &[u8]| f(line, None));
                i = j;
            }
            // Whole lines, straight from the buffer; the start of the next line is carried.
            if let Some(j) = memchr::memrchr(b'\n', &data[i..]) {
                // The reader's share is the end of this block (both end at the last newline),
                // unless the carried line reached past its start.
                let pre = pre.filter(|(a, b, _)| *a >= i && *b == i + j + 1).map(|(a, _, t)| (a - i, t));
                f(&data[i..i + j + 1], pre);
                i += j + 1;
            }
            if i < len {
                carry.add(&data[i..], &mut |line: &[u8]| f(line, None));
            }
            let _ = free_tx.send(buf);
            if let Some(end) = end {
                if let Err(e) = end {
                    out.error = Some(e);
                }
                if !carry.line.is_empty() {
                    f(&carry.line, None);
                }
                return;
            }
            if until.is_some_and(|t| Instant::now() >= t) {
                out.timed_out = true;
                return;
            }
        }
    });
    out
}

/// The most read of a log that is not a regular file (a device or a pipe where a log should be, as
/// on a corrupt or hostile rescued disk: /dev/urandom never ends).
pub const NOT_A_FILE_BYTES: u64 = BLOCK as u64;

/// Opens `path` for reading its last `max` bytes: the file positioned there and whether its
/// start is skipped (then the first line read is cut and should be dropped).
pub fn open_tail(path: &std::path::Path, max: u64) -> std::io::Result<(std::io::Take<File>, bool)> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        // A device or a pipe has no end to read back from, and may never end.
        return Ok((file.take(max.min(NOT_A_FILE_BYTES)), false));
    }
    let len = meta.len();
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

    /// Lines of every length up to a few buffers, crossing buffer ends anywhere, come out as
    /// they went in (cut at BLOCK bytes), whatever the reads return.
    #[test]
    fn lines_crossing_buffers_come_out_whole() {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        let mut seed = 7u64;
        while input.len() < 5 * BLOCK {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = match seed >> 60 {
                0 => (seed >> 20) as usize % (2 * BLOCK),
                1..=3 => (seed >> 20) as usize % 5000,
                _ => (seed >> 20) as usize % 120,
            };
            let line: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            expected.push(line[..len.min(BLOCK)].to_vec());
            input.extend_from_slice(&line);
            input.push(b'\n');
        }
        input.extend_from_slice(b"last without newline");
        expected.push(b"last without newline".to_vec());
        for step in [BLOCK, 4096 * 3 + 1] {
            let mut seen = Vec::new();
            let end = blocks(Trickle(&input, step), false, None, &mut |b| lines(b, |l| seen.push(l.to_vec())));
            assert_eq!(seen.len(), expected.len(), "step {step}");
            assert!(seen == expected, "step {step}");
            assert_eq!(end.bytes, input.len() as u64);
        }
        // Skipping a first line longer than a buffer.
        let mut seen = Vec::new();
        blocks(&input[..], true, None, &mut |b| lines(b, |l| seen.push(l.to_vec())));
        assert!(seen[..] == expected[1..]);
    }

    /// With a share for the reader thread, every line still comes out once and in order: the
    /// reader's share is exactly the lines of its block from the offset on, and the scanner's
    /// part is the rest; a final line without newline, lines crossing buffers and lines
    /// longer than a buffer included.
    #[test]
    fn the_readers_share_is_the_end_of_its_block() {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        let mut seed = 11u64;
        while input.len() < 4 * BLOCK {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = match seed >> 61 {
                0 => (seed >> 20) as usize % (BLOCK + BLOCK / 2),
                _ => (seed >> 20) as usize % 200,
            };
            let line: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            expected.push(line[..len.min(BLOCK)].to_vec());
            input.extend_from_slice(&line);
            input.push(b'\n');
        }
        input.extend_from_slice(b"last\r");
        expected.push(b"last\r".to_vec());
        for step in [BLOCK, 4096 * 5 + 3, 777] {
            let (mut seen, mut shared) = (Vec::new(), 0);
            let mut pre = |b: &[u8]| {
                let mut v = Vec::new();
                lines(b, |l| v.push(l.to_vec()));
                v
            };
            blocks_with(
                Trickle(&input, step),
                false,
                None,
                Some(Pre { from: 0.4, f: &mut pre }),
                &mut |block, ahead| match ahead {
                    Some((at, theirs)) => {
                        lines(&block[..at], |l| seen.push(l.to_vec()));
                        let mut check = Vec::new();
                        lines(&block[at..], |l| check.push(l.to_vec()));
                        assert!(check == theirs, "step {step}");
                        shared += theirs.len();
                        seen.extend(theirs);
                    }
                    None => lines(block, |l| seen.push(l.to_vec())),
                },
            );
            assert_eq!(seen.len(), expected.len(), "step {step}");
            assert!(seen == expected, "step {step}");
            assert!(shared > expected.len() / 4, "step {step}: the reader took {shared} lines");
        }
    }

    /// A small input costs one small buffer; a long one gets up to BUFFERS buffers of BLOCK
    /// bytes, the first one grown when it comes back; when the scanner has stopped, none.
    #[test]
    fn buffers_are_made_as_they_are_needed() {
        let (free_tx, free_rx) = mpsc::sync_channel::<Vec<u8>>(BUFFERS);
        let mut made = 0;
        let first = next_buffer(&free_rx, &mut made, false).map(|b| b.len());
        assert_eq!((first, made), (Some(FIRST), 1));
        let _ = free_tx.send(vec![0u8; FIRST]);
        assert_eq!(next_buffer(&free_rx, &mut made, false).map(|b| b.len()), Some(FIRST));
        assert_eq!(made, 1, "a buffer given back is used before a new one is made");
        let sizes: Vec<_> = (0..2).filter_map(|_| next_buffer(&free_rx, &mut made, true)).map(|b| b.len()).collect();
        assert_eq!((sizes, made), (vec![BLOCK, BLOCK], BUFFERS));
        let _ = free_tx.send(vec![0u8; FIRST]);
        assert_eq!(next_buffer(&free_rx, &mut made, true).map(|b| b.len()), Some(BLOCK));
        drop(free_tx);
        assert!(next_buffer(&free_rx, &mut made, true).is_none());
        assert_eq!(made, BUFFERS);
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
