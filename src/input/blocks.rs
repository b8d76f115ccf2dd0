//! Streamed input in bounded blocks: a live log, standard input or a
//! compressed file is read a few MiB at a time, each block cut after its
//! last `\n`, so memory holds the blocks in flight, not the input.
//!
//! The blocks together are the input's *content*: the bytes a whole read
//! would have given (decompressed, bounded by `--max-decompressed`, and
//! without a last line cut by damage or by a writer), except that a line
//! longer than `max_line` (which the scan counts and skips) keeps only its
//! first `max_line + 2` bytes, so a 10 MB line costs no 10 MB buffer. The
//! content's length, first and last bytes ([`Extent`]) are tracked from the
//! bytes as read, for the dataset's run fingerprint.
//!
//! Each block knows where it is in the input as read: the offset of its
//! first byte and the bytes left out of its long lines ([`Block::skips`]),
//! so that a line's offset is the same whether the input was mapped or
//! streamed (the frame's `offset` column, the findings' sample lines).

use std::fs::File;
use std::io::{self, Read};

use super::compression::Compression;

/// The first and last bytes of the content that the run fingerprint reads.
pub const FINGERPRINT_WINDOW: usize = 64 * 1024;

/// Bytes asked of the source at least per read, when a block is full but
/// has no complete line yet.
const READ_MIN: usize = 64 * 1024;

/// Bytes asked of the source at most per read (a block of `usize::MAX`
/// bytes, the whole input, grows by this much at a time).
const READ_MAX: usize = 64 << 20;

/// Length and first and last [`FINGERPRINT_WINDOW`] bytes of a byte
/// sequence seen in pieces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extent {
    pub len: u64,
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
}

impl Extent {
    pub fn of(bytes: &[u8]) -> Extent {
        let mut extent = Extent::default();
        extent.push(bytes);
        extent
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.head.len() < FINGERPRINT_WINDOW {
            let n = (FINGERPRINT_WINDOW - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
        }
        if bytes.len() >= FINGERPRINT_WINDOW {
            self.tail.clear();
            self.tail
                .extend_from_slice(&bytes[bytes.len() - FINGERPRINT_WINDOW..]);
        } else {
            self.tail.extend_from_slice(bytes);
            let excess = self.tail.len().saturating_sub(FINGERPRINT_WINDOW);
            self.tail.drain(..excess);
        }
    }

    /// This extent followed by `other`.
    pub fn append(&mut self, other: &Extent) {
        if self.head.len() < FINGERPRINT_WINDOW {
            let n = (FINGERPRINT_WINDOW - self.head.len()).min(other.head.len());
            self.head.extend_from_slice(&other.head[..n]);
        }
        if other.len >= FINGERPRINT_WINDOW as u64 {
            self.tail.clone_from(&other.tail);
        } else {
            // `other` is shorter than the window: its tail is all of it.
            self.tail.extend_from_slice(&other.tail);
            let excess = self.tail.len().saturating_sub(FINGERPRINT_WINDOW);
            self.tail.drain(..excess);
        }
        self.len += other.len;
    }
}

/// Why a streamed input ended before its end, or was read in part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// The decoder failed after `before` bytes of content.
    Damaged {
        format: Compression,
        error: String,
        before: u64,
    },
    /// More than `limit` bytes of content (`--max-decompressed`).
    TooLarge { limit: u64 },
    /// Reading failed (an I/O error).
    ReadError(String),
    /// A live file grew (or was being written) while read: a notice.
    Grew { covered: u64 },
    /// A live file shrank while read (logrotate's `copytruncate`): a notice.
    Shrank { covered: u64 },
}

impl Issue {
    /// A notice does not change the exit status.
    pub fn is_notice(&self) -> bool {
        matches!(self, Issue::Grew { .. } | Issue::Shrank { .. })
    }

    pub fn message(&self) -> String {
        match self {
            Issue::Damaged {
                format,
                error,
                before,
            } => format!(
                "{} data is damaged or truncated ({error}); reporting the {before} bytes before that",
                format.as_str()
            ),
            Issue::TooLarge { limit } => {
                format!("decompresses to more than {limit} bytes; reporting the first {limit}")
            }
            Issue::ReadError(e) => e.clone(),
            Issue::Grew { covered } => {
                format!("grew while being read; the report covers its first {covered} bytes")
            }
            Issue::Shrank { covered } => format!(
                "shrank while being read (truncated by logrotate's copytruncate?); the report covers the first {covered} bytes"
            ),
        }
    }
}

/// How long a live file whose last line lacks its `\n` is watched for the
/// rest of that line ([`BlockReader`]'s end).
const LINE_SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// A regular file read (not mapped) because it may be live: what tells
/// whether it changed while read.
pub struct LiveFile {
    /// Another handle on the open file, for its size now (`fstat`: the
    /// file we read, even if it was renamed or replaced by name).
    pub handle: File,
    /// Its size when opened: reading stops there, so a log written faster
    /// than we read still ends.
    pub size: u64,
    /// Modified in the last two minutes: a last line without `\n` is being
    /// written right now, and is left out.
    pub recent: bool,
}

/// Cuts a byte stream into blocks of about `block_bytes`, each ending after
/// a `\n` (the last one at the end of the content).
pub struct BlockReader<'a> {
    source: Box<dyn Read + Send + 'a>,
    format: Compression,
    block_bytes: usize,
    max_line: usize,
    /// Most content bytes (`--max-decompressed` for compressed input).
    limit: u64,
    live: Option<LiveFile>,
    /// Bytes read from the source so far, skipped bytes of long lines
    /// included.
    raw: u64,
    /// The start of a line that continues in the next block.
    carry: Vec<u8>,
    /// In a line longer than `max_line + 2`: its further bytes are counted,
    /// not kept.
    skipping: bool,
    /// The offset in the input of the carry's first byte (of the next
    /// block), and the bytes left out of the carry's long line.
    carry_start: u64,
    carry_skips: Vec<(usize, u64)>,
    /// The content up to its last `\n` read so far, and the bytes after it.
    content: Extent,
    pending: Extent,
    issue: Option<Issue>,
    done: bool,
}

/// How reading stopped.
enum Stop {
    /// The source ended (or the live file's size at open was reached).
    End,
    /// More than `limit` bytes.
    Limit,
    Error(io::Error),
}

impl<'a> BlockReader<'a> {
    /// Blocks of `source`, which is in `format` (a decoder already wraps it:
    /// the format names the damage).
    pub fn new(
        source: Box<dyn Read + Send + 'a>,
        format: Compression,
        block_bytes: usize,
        max_line: usize,
    ) -> Self {
        BlockReader {
            source,
            format,
            block_bytes: block_bytes.max(1),
            max_line,
            limit: u64::MAX,
            live: None,
            raw: 0,
            carry: Vec::new(),
            skipping: false,
            carry_start: 0,
            carry_skips: Vec::new(),
            content: Extent::default(),
            pending: Extent::default(),
            issue: None,
            done: false,
        }
    }

    /// At most `limit` bytes of content; past it the input is reported as
    /// too large.
    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    /// The source is this possibly live regular file.
    pub fn with_live_file(mut self, live: LiveFile) -> Self {
        self.live = Some(live);
        self
    }

    /// The content's length, head and tail; complete once `next_block`
    /// returned `None`.
    pub fn extent(&self) -> &Extent {
        &self.content
    }

    /// Why the content is shorter than the source, if it is.
    pub fn issue(&self) -> Option<&Issue> {
        self.issue.as_ref()
    }

    /// The next block, in `buffer` (reused: its bytes are replaced), or
    /// `None` at the end of the content.
    pub fn next_block(&mut self, buffer: Vec<u8>) -> Option<Block> {
        // The buffer keeps its length (its bytes initialized) from one
        // block to the next: reads go into it without zeroing it first.
        let mut block = Block {
            buf: buffer,
            len: 0,
            start: self.carry_start,
            skips: std::mem::take(&mut self.carry_skips),
        };
        block.reserve(self.carry.len());
        block.buf[..self.carry.len()].copy_from_slice(&self.carry);
        block.len = self.carry.len();
        self.carry.clear();
        // Just after the last `\n` in the block (the carry has none).
        let mut line_start = 0;
        while !self.done {
            if block.len >= self.block_bytes && line_start > 0 {
                self.carry
                    .extend_from_slice(&block.buf[line_start..block.len]);
                block.len = line_start;
                // The carry's long line (if it has one) left bytes out
                // after `line_start`; the block's complete lines, before.
                let split = block.skips.partition_point(|&(at, _)| at < line_start);
                self.carry_skips = block.skips[split..]
                    .iter()
                    .map(|&(at, n)| (at - line_start, n))
                    .collect();
                block.skips.truncate(split);
                self.carry_start = block.start
                    + line_start as u64
                    + block.skips.iter().map(|&(_, n)| n).sum::<u64>();
                return Some(block);
            }
            let room = self
                .block_bytes
                .saturating_sub(block.len)
                .clamp(READ_MIN, READ_MAX) as u64;
            let until_size = self
                .live
                .as_ref()
                .map_or(u64::MAX, |live| live.size.saturating_sub(self.raw));
            // One byte past the limit tells a stream at the limit from one over it.
            let until_limit = self.limit.saturating_add(1).saturating_sub(self.raw);
            let want = room.min(until_size).min(until_limit) as usize;
            if want == 0 {
                let stop = if until_limit == 0 {
                    Stop::Limit
                } else {
                    Stop::End
                };
                self.stop(stop, &mut block, line_start);
                break;
            }
            let old = block.len;
            block.reserve(want);
            let (got, result) = read_full(&mut self.source, &mut block.buf[old..old + want]);
            block.len = old + got;
            let over = self.raw + got as u64 > self.limit;
            if over {
                // The byte past the limit is not content.
                block.len = old + (self.limit - self.raw) as usize;
            }
            self.take_in(&mut block, old, &mut line_start);
            match result {
                Err(e) => self.stop(Stop::Error(e), &mut block, line_start),
                Ok(()) if over => self.stop(Stop::Limit, &mut block, line_start),
                Ok(()) if got < want => self.stop(Stop::End, &mut block, line_start),
                Ok(()) => {}
            }
        }
        (block.len > 0).then_some(block)
    }

    /// Accounts for the bytes read into `block[old..]`, and keeps only the
    /// first `max_line + 2` bytes of a line longer than that.
    fn take_in(&mut self, block: &mut Block, old: usize, line_start: &mut usize) {
        let new = &block.buf[old..block.len];
        self.raw += new.len() as u64;
        match memchr::memrchr(b'\n', new) {
            Some(i) => {
                self.content.append(&self.pending);
                self.content.push(&new[..=i]);
                self.pending = Extent::of(&new[i + 1..]);
            }
            None => self.pending.push(new),
        }
        let mut start = old;
        if self.skipping {
            match memchr::memchr(b'\n', &block.buf[start..block.len]) {
                None => {
                    block.skip(start, (block.len - start) as u64);
                    block.len = start;
                    return;
                }
                Some(i) => {
                    // The long line ends here: its kept start is already
                    // in the block, before `start`.
                    block.skip(start, i as u64);
                    block.buf.copy_within(start + i..block.len, start);
                    block.len -= i;
                    self.skipping = false;
                }
            }
        }
        if let Some(i) = memchr::memrchr(b'\n', &block.buf[start..block.len]) {
            start += i + 1;
            *line_start = start;
        }
        // Still too long with its `\r` stripped: the scan counts it as too
        // long, as it would the whole line.
        let keep = self.max_line.saturating_add(2);
        if block.len - *line_start > keep {
            block.skip(*line_start + keep, (block.len - *line_start - keep) as u64);
            block.len = *line_start + keep;
            self.skipping = true;
        }
    }

    /// Ends the content: decides whether the last line without `\n` is
    /// kept, and why the content ends where it does.
    fn stop(&mut self, stop: Stop, block: &mut Block, line_start: usize) {
        self.done = true;
        let mut issue = match stop {
            Stop::Error(e) if self.format == Compression::None => {
                Some(Issue::ReadError(super::describe(&e)))
            }
            Stop::Error(e) => Some(Issue::Damaged {
                format: self.format,
                error: e.to_string(),
                before: self.raw,
            }),
            Stop::Limit => Some(Issue::TooLarge { limit: self.limit }),
            Stop::End => None,
        };
        let mut drop_last = issue.is_some();
        if let (None, Some(live)) = (&issue, &self.live) {
            let size_now = || live.handle.metadata().map_or(0, |m| m.len());
            let now = size_now();
            let shrank = self.raw < live.size;
            let mut grew = !shrank && now > self.raw;
            // A live file's last line without `\n`: a writer in the middle
            // of it finishes within microseconds (syslog daemons write a
            // record at once), so a file that has not grown after a pause
            // ends in a complete line (a file made by a tool or by hand),
            // which is read, with no note.
            let mut mid_line = live.recent && self.pending.len > 0;
            if mid_line && !shrank && !grew {
                std::thread::sleep(LINE_SETTLE);
                grew = size_now() > self.raw;
                mid_line = grew;
            }
            if shrank || grew || mid_line {
                drop_last = true;
                // Filled in below, once the content is known.
                issue = Some(if shrank {
                    Issue::Shrank { covered: 0 }
                } else {
                    Issue::Grew { covered: 0 }
                });
            }
        }
        if drop_last {
            // A last line cut by damage, by the limit or by a writer.
            block.len = line_start;
            block.skips.retain(|&(at, _)| at < line_start);
        } else {
            self.content.append(&self.pending);
        }
        self.pending = Extent::default();
        self.skipping = false;
        if let Some(Issue::Grew { covered } | Issue::Shrank { covered }) = &mut issue {
            *covered = self.content.len;
        }
        self.issue = issue;
    }
}

/// Reads until `buf` is full, the source ends (fewer bytes) or fails (the
/// bytes read before the error are counted).
fn read_full(source: &mut dyn Read, buf: &mut [u8]) -> (usize, io::Result<()>) {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (filled, Err(e)),
        }
    }
    (filled, Ok(()))
}

/// A block of content: the first `len` bytes of its buffer. The buffer's
/// other bytes are room for the next block's reads, kept initialized so
/// that a reused buffer is never zeroed again.
pub struct Block {
    buf: Vec<u8>,
    len: usize,
    /// The offset of its first byte in the input as read (decompressed).
    start: u64,
    /// Where bytes of a long line were left out: (position in the block,
    /// bytes left out there), in block order. Empty unless a line was
    /// longer than `max_line + 2`.
    skips: Vec<(usize, u64)>,
}

impl Block {
    /// The offset of the block's first byte in the input.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The bytes left out of long lines: (position in the block, count).
    /// The byte at position `p` of the block is at `start + p` plus the
    /// counts of the skips before `p` in the input.
    pub fn skips(&self) -> &[(usize, u64)] {
        &self.skips
    }

    /// `n` bytes left out at position `at` (added to a skip already there).
    fn skip(&mut self, at: usize, n: u64) {
        if n == 0 {
            return;
        }
        match self.skips.last_mut() {
            Some((last, count)) if *last == at => *count += n,
            _ => self.skips.push((at, n)),
        }
    }

    /// Room for `more` bytes after the block's end.
    fn reserve(&mut self, more: usize) {
        if self.buf.len() < self.len + more {
            self.buf.resize(self.len + more, 0);
        }
    }

    /// The buffer, to be handed back to [`BlockReader::next_block`].
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// The block's bytes, as a vector of their own.
    pub fn into_vec(mut self) -> Vec<u8> {
        self.buf.truncate(self.len);
        self.buf
    }
}

impl std::ops::Deref for Block {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(data: &[u8], block_bytes: usize, max_line: usize) -> (Vec<Vec<u8>>, Extent) {
        let mut reader = BlockReader::new(
            Box::new(io::Cursor::new(data.to_vec())),
            Compression::None,
            block_bytes,
            max_line,
        );
        let mut out = Vec::new();
        while let Some(block) = reader.next_block(Vec::new()) {
            out.push(block.into_vec());
        }
        (out, reader.extent().clone())
    }

    #[test]
    fn blocks_cover_the_content_on_line_boundaries() {
        let data = b"one\ntwo\n\nthree\nfour\nfive".repeat(1000);
        for block_bytes in [1, 2, 5, 64, 1000, 1 << 20] {
            let (out, extent) = blocks(&data, block_bytes, usize::MAX);
            assert_eq!(out.concat(), data, "{block_bytes}");
            for b in &out[..out.len() - 1] {
                assert_eq!(b.last(), Some(&b'\n'));
            }
            assert_eq!(extent, Extent::of(&data));
        }
    }

    #[test]
    fn long_lines_keep_only_their_start() {
        let long = vec![b'x'; 300_000];
        let data = [&b"a\n"[..], &long, b"\r\nb\n", &long].concat();
        let cut = [&b"a\n"[..], &[b'x'; 12], b"\nb\n", &[b'x'; 12]].concat();
        let last_cut = [&b"a\n"[..], &long, b"\r\nb\n", &[b'x'; 12]].concat();
        // A line longer than a read is cut; one that ends within a read is
        // kept whole (the scan counts both as too long).
        for (block_bytes, expected) in [(1, &cut), (100, &cut), (1 << 20, &last_cut)] {
            let (out, extent) = blocks(&data, block_bytes, 10);
            assert!(out.concat() == *expected, "{block_bytes}");
            assert_eq!(
                extent.len,
                data.len() as u64,
                "the fingerprint reads every byte"
            );
            assert!(extent == Extent::of(&data));
        }
    }

    #[test]
    fn extents_append_like_one_push() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for cut in [0, 1, 1000, 65_536, 100_000, 199_999] {
            let mut a = Extent::of(&data[..cut]);
            a.append(&Extent::of(&data[cut..]));
            assert_eq!(a, Extent::of(&data), "{cut}");
        }
    }

    /// A reader that gives `data` and then fails.
    struct Broken(io::Cursor<Vec<u8>>);
    impl Read for Broken {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::other("boom")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn damage_and_limits_drop_the_cut_line() {
        let data = b"l1\nl2\nl3 cut".to_vec();
        let mut reader = BlockReader::new(
            Box::new(Broken(io::Cursor::new(data))),
            Compression::Gzip,
            4,
            usize::MAX,
        );
        let mut out = Vec::new();
        while let Some(block) = reader.next_block(Vec::new()) {
            out.push(block.into_vec());
        }
        assert_eq!(out.concat(), b"l1\nl2\n");
        assert_eq!(reader.extent().len, 6);
        assert!(matches!(
            reader.issue(),
            Some(Issue::Damaged { before: 12, .. })
        ));

        for (limit, kept) in [
            (6, &b"l1\nl2\n"[..]),
            (5, b"l1\n"),
            (7, b"l1\nl2\n"),
            (100, b"l1\nl2\nl3"),
        ] {
            let mut reader = BlockReader::new(
                Box::new(io::Cursor::new(b"l1\nl2\nl3".to_vec())),
                Compression::Zstd,
                3,
                usize::MAX,
            )
            .with_limit(limit);
            let mut out = Vec::new();
            // One buffer for all blocks, as the scan reuses them.
            let mut buffer = Vec::new();
            while let Some(block) = reader.next_block(buffer) {
                out.push(block.to_vec());
                buffer = block.into_buffer();
            }
            assert_eq!(out.concat(), kept, "limit {limit}");
            assert_eq!(
                reader.issue().is_some(),
                limit < 8,
                "limit {limit}: {:?}",
                reader.issue()
            );
        }
    }
}
