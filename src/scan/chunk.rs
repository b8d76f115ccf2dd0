//! One block parsed: its lines checked, parsed and counted, its events
//! built into the block's frame, exported rows and message rows.

use std::ops::Range;

use polars::prelude::DataFrame;

use super::{BlockOut, LineCounts, LineIndex, RELEASE_LAG, STRETCH_BYTES};
use crate::frame::{FrameBuilder, Location, Projection};
use crate::input::chunks;
use crate::messages;
use crate::parse::syslog::{bsd_stamp, BsdStamp};
use crate::parse::{self, Event, EventKind, Micros, MinuteCache, Parsed, Skip, TimeContext};
use crate::sessions::SessionStats;
use crate::window::Window;

/// What a block's parse needs besides its bytes.
pub(super) struct ParseOptions {
    pub(super) max_line: usize,
    pub(super) projection: Projection,
    pub(super) export: Option<Projection>,
    /// The frame's rows and columns are among the exported ones: only the
    /// exported rows are built, and the frame is taken from them (its
    /// columns, the rows it keeps: [`BlockOut::keep`]) instead of being
    /// built a second time.
    pub(super) derive: bool,
    /// The rows and columns the messages read, if they are put together.
    pub(super) messages: Option<Projection>,
    pub(super) window: Window,
    pub(super) unrecognized: bool,
    pub(super) track_months: bool,
}

/// The bytes of a chunk or block, and where they are in the input.
pub(super) struct Piece<'b> {
    pub(super) bytes: &'b [u8],
    /// The offset of its first byte in the input as read.
    pub(super) start: u64,
    /// Bytes left out of its long lines ([`crate::input::Block::skips`]).
    pub(super) skips: &'b [(usize, u64)],
}

/// Which piece of which input: its place for the collector, and the
/// input's number and way of reading.
pub(super) struct Tag {
    /// Its input's position in the scan, and its own among its input's.
    pub(super) input: usize,
    pub(super) seq: usize,
    /// [`ScanInput::id`], [`ScanInput::json`], [`ScanInput::mark_rows`].
    pub(super) id: u16,
    pub(super) json: bool,
    pub(super) mark_rows: bool,
}

pub(super) fn parse_chunk(
    piece: &Piece<'_>,
    time: &TimeContext,
    options: &ParseOptions,
    tag: &Tag,
    release: Option<&dyn Fn(Range<usize>)>,
) -> BlockOut {
    // journalctl's JSON records become lines first (one per record), with
    // where each record starts: the offsets and line numbers are the
    // records'.
    let decoded = tag.json.then(|| decode_records(piece.bytes, piece.skips));
    let (chunk, record_starts) = match &decoded {
        Some((lines, starts)) => (&lines[..], Some(&starts[..])),
        None => (piece.bytes, None),
    };
    let mut parser = ChunkParser {
        chunk,
        start: piece.start,
        skips: piece.skips,
        skipped: (0, 0),
        record_starts,
        id: tag.id,
        mark_rows: tag.mark_rows,
        marks: Vec::with_capacity(chunk.len().div_ceil(STRETCH_BYTES)),
        rows: Vec::new(),
        time,
        max_line: options.max_line,
        projection: &options.projection,
        window: options.window,
        builder: (!options.derive)
            .then(|| FrameBuilder::new(&options.projection, chunk.len() / 1000)),
        keep: options.derive.then(Vec::new),
        export: options
            .export
            .as_ref()
            .map(|p| (p, FrameBuilder::new(p, chunk.len() / 1000))),
        messages: options
            .messages
            .as_ref()
            // Room for a row per line of 100 bytes: most lines of a log
            // of messages are message rows, and growing a block's rows by
            // doubling copied them, the old rows held meanwhile. Room not
            // filled is never touched, so it takes no memory.
            .map(|p| (p, messages::BlockRows::new(p, chunk.len() / 100))),
        frame_rows: 0,
        minutes: MinuteCache::default(),
        counts: LineCounts::default(),
        kinds: KindTally::new(),
        keep_unrecognized: options.unrecognized,
        track_months: options.track_months,
        unrecognized: Vec::new(),
        months: 0,
        last_bsd: None,
        sessions: SessionStats::default(),
    };
    // A stretch of lines is checked for UTF-8, then parsed. Stretches are
    // small so that a line with invalid bytes costs a second check of one
    // stretch, not of the whole chunk. Each stretch's first line is marked
    // with its line number (counted from the chunk's start here), so that
    // a line number costs at most a stretch of line ends to count.
    //
    // A mapped piece's parsed pages are unmapped as the parse goes (the
    // caller unmaps the whole piece at the end): the pieces in flight hold
    // a megabyte or two each, not 32 MB each. The last RELEASE_LAG bytes
    // wait: the kernel maps pages around the one a read faults in, so the
    // start of the next stretch maps the end of this one again.
    let release = release.filter(|_| decoded.is_none());
    let mut released = 0;
    for stretch in chunks::split(chunk, chunk.len().div_ceil(STRETCH_BYTES)) {
        let at = parser.line_offset(stretch, parser.counts.lines);
        parser.marks.push((at, parser.counts.lines));
        parser.stretch(stretch);
        if let Some(release) = release {
            let end = stretch.as_ptr() as usize - chunk.as_ptr() as usize + stretch.len();
            let parsed = end.saturating_sub(RELEASE_LAG);
            if parsed > released {
                release(released..parsed);
                released = parsed;
            }
        }
    }
    parser.kinds.fold_into(&mut parser.counts);
    let lines = parser.counts.lines;
    BlockOut {
        input: tag.input,
        seq: tag.seq,
        frame: parser
            .builder
            .map_or_else(DataFrame::empty, FrameBuilder::finish_compact),
        keep: parser.keep,
        export: parser.export.map(|(_, b)| b.finish()),
        messages: parser.messages.map(|(_, rows)| rows.finish()),
        counts: parser.counts,
        unrecognized: parser.unrecognized,
        months: parser.months,
        last_bsd: parser
            .last_bsd
            .map(|(line, stamp)| (lines - 1 - line, stamp)),
        lines: LineIndex::of_input(tag.id, &parser.marks, &parser.rows),
        sessions: parser.sessions,
    }
}

/// journalctl's JSON records (one per line) as classic lines, one per
/// record ([`crate::input::journal::record_line`]), and where each record
/// starts in `records`. A record some of whose bytes the reader left out
/// (far longer than any line: see `--max-line`) is kept as it is, so that
/// it is counted as too long, as its line would be.
fn decode_records(records: &[u8], skips: &[(usize, u64)]) -> (Vec<u8>, Vec<usize>) {
    let mut lines = Vec::with_capacity(records.len() / 3);
    let mut starts = Vec::with_capacity(records.len() / 512);
    let mut skips = skips.iter().peekable();
    let mut rest = records;
    while !rest.is_empty() {
        let at = records.len() - rest.len();
        let (record, next) = chunks::strip_line_end(rest);
        while skips.next_if(|&&(p, _)| p <= at).is_some() {}
        let cut = skips.peek().is_some_and(|&&(p, _)| p <= at + record.len());
        starts.push(at);
        if cut {
            lines.extend_from_slice(record);
            lines.push(b'\n');
        } else {
            crate::input::journal::record_line(record, &mut lines);
        }
        rest = next;
    }
    (lines, starts)
}

/// The state of parsing one chunk.
struct ChunkParser<'c> {
    /// The bytes parsed (a JSON chunk's lines, once decoded).
    chunk: &'c [u8],
    /// The offset of the piece's first byte in the input, the bytes its
    /// long lines left out, and how many of those are before the line
    /// being parsed (skips passed, bytes): lines come in order.
    start: u64,
    skips: &'c [(usize, u64)],
    skipped: (usize, u64),
    /// For JSON records: where each record starts in the piece.
    record_starts: Option<&'c [usize]>,
    /// The input's number, and whether each row's line is marked.
    id: u16,
    mark_rows: bool,
    /// (offset, lines of the chunk before it) of each stretch and, with
    /// `mark_rows`, of each row's line: see [`BlockOut::lines`].
    marks: Vec<(u64, u64)>,
    rows: Vec<(u64, u64)>,
    time: &'c TimeContext,
    max_line: usize,
    projection: &'c Projection,
    window: Window,
    /// The frame's rows, unless they are taken from the exported ones.
    builder: Option<FrameBuilder>,
    /// Whether the frame keeps each exported row, when it is taken from
    /// them.
    keep: Option<Vec<bool>>,
    /// The exported rows, when they are streamed out.
    export: Option<(&'c Projection, FrameBuilder)>,
    /// The messages' rows, each with its frame row (its index among the
    /// chunk's frame rows, or [`messages::NOT_IN_FRAME`]).
    messages: Option<(&'c Projection, messages::BlockRows)>,
    /// The frame rows of the chunk so far.
    frame_rows: u32,
    minutes: MinuteCache,
    counts: LineCounts,
    kinds: KindTally,
    keep_unrecognized: bool,
    track_months: bool,
    /// Unrecognized lines, each followed by `\n`.
    unrecognized: Vec<u8>,
    /// Months of classic stamps seen (bit `m - 1`), and the last such line
    /// (its index in the chunk, its stamp): for the year rule of a streamed
    /// input, which is known only at its end.
    months: u16,
    last_bsd: Option<(u64, BsdStamp)>,
    sessions: SessionStats,
}

/// The events of a chunk by kind: how many, the first and the last stamp.
/// Plain arrays, each updated without a branch on every event (an
/// `Option` span per kind cost a load, a test and a branch on each), and
/// folded into the [`LineCounts`] when the chunk is done.
struct KindTally {
    count: [u64; EventKind::ALL.len()],
    first: [Micros; EventKind::ALL.len()],
    last: [Micros; EventKind::ALL.len()],
}

impl KindTally {
    fn new() -> Self {
        KindTally {
            count: [0; EventKind::ALL.len()],
            first: [Micros::MAX; EventKind::ALL.len()],
            last: [Micros::MIN; EventKind::ALL.len()],
        }
    }

    #[inline]
    fn add(&mut self, event: &Event<'_>) {
        let kind = event.kind.index();
        self.count[kind] += 1;
        self.first[kind] = self.first[kind].min(event.ts);
        self.last[kind] = self.last[kind].max(event.ts);
    }

    /// Into `counts`, which holds no event yet.
    fn fold_into(&self, counts: &mut LineCounts) {
        for kind in 0..EventKind::ALL.len() {
            if self.count[kind] > 0 {
                counts.events += self.count[kind];
                counts.by_kind[kind] = self.count[kind];
                counts.span_by_kind[kind] = Some((self.first[kind], self.last[kind]));
            }
        }
    }
}

impl ChunkParser<'_> {
    /// UTF-8 is checked once for a stretch of lines (SIMD), not line by
    /// line: a line of valid text split at `\n`, an ASCII byte, is valid
    /// text. A line with invalid bytes is parsed lossily, and the check goes
    /// on after it.
    fn stretch(&mut self, stretch: &[u8]) {
        let mut rest = stretch;
        while !rest.is_empty() {
            match simdutf8::compat::from_utf8(rest) {
                Ok(text) => {
                    self.text_lines(text);
                    break;
                }
                Err(error) => {
                    let bad = error.valid_up_to();
                    let line_start = memchr::memrchr(b'\n', &rest[..bad]).map_or(0, |i| i + 1);
                    let valid = std::str::from_utf8(&rest[..line_start])
                        .expect("valid up to the first invalid byte");
                    self.text_lines(valid);
                    let line_end =
                        memchr::memchr(b'\n', &rest[bad..]).map_or(rest.len(), |i| bad + i + 1);
                    let (line, _) = chunks::strip_line_end(&rest[line_start..line_end]);
                    self.invalid_line(line);
                    rest = &rest[line_end..];
                }
            }
        }
    }

    fn text_lines(&mut self, text: &str) {
        // One event for all lines, each parsed into it: built in place,
        // not returned and moved (`parse::Parsed`).
        let mut event = Event::new(EventKind::Warning);
        for line in chunks::text_lines(text) {
            self.line(line, line.as_bytes(), false, &mut event);
        }
    }

    /// A line with bytes that are not UTF-8: parsed with U+FFFD in their
    /// place (unless it is too long to parse at all).
    fn invalid_line(&mut self, raw: &[u8]) {
        let mut event = Event::new(EventKind::Warning);
        if raw.len() > self.max_line {
            self.line("", raw, false, &mut event);
        } else {
            self.line(&String::from_utf8_lossy(raw), raw, true, &mut event);
        }
    }

    /// Where `raw`, line `index` of this chunk (asked for in the order of
    /// the lines), starts in the input: its place in the piece (a JSON
    /// record's, for a decoded line) plus the bytes left out before it.
    fn line_offset(&mut self, raw: &[u8], index: u64) -> u64 {
        let at = match self.record_starts {
            Some(starts) => starts[index as usize],
            None => raw.as_ptr() as usize - self.chunk.as_ptr() as usize,
        };
        let (passed, bytes) = &mut self.skipped;
        while let Some(&(p, n)) = self.skips.get(*passed) {
            if p >= at {
                break;
            }
            *passed += 1;
            *bytes += n;
        }
        self.start + at as u64 + *bytes
    }

    /// One line: `text` is `raw` as UTF-8, `lossy` if `raw` is not UTF-8;
    /// `event` is where its event is built.
    fn line<'t>(&mut self, text: &'t str, raw: &[u8], lossy: bool, event: &mut Event<'t>) {
        if self.track_months {
            if let Some(stamp) = bsd_stamp(raw) {
                self.months |= 1 << (stamp.month - 1);
                self.last_bsd = Some((self.counts.lines, stamp));
            }
        }
        let line = self.counts.lines;
        self.counts.lines += 1;
        if raw.len() > self.max_line {
            self.counts.too_long += 1;
            return;
        }
        if lossy {
            self.counts.invalid_utf8 += 1;
        }
        let parsed = parse::parse_line_into(text, self.time, &mut self.minutes, event);
        if parsed == Parsed::Event && self.counts.first_event.is_none_or(|t| event.ts < t) {
            self.counts.first_event = Some(event.ts);
        }
        match parsed {
            Parsed::Event if !self.window.contains(event.ts) => {
                self.counts.outside_window += 1;
            }
            Parsed::Event => {
                self.kinds.add(event);
                if self.projection.gathers(event) {
                    self.sessions.add(event);
                }
                let offset = self.line_offset(raw, line);
                let at = Location {
                    input: self.id,
                    offset,
                };
                // A row of the frame (built, or taken from the exported
                // rows by `keep`).
                let in_frame = self.projection.keeps(event);
                let mut pushed = false;
                if let Some(builder) = &mut self.builder {
                    if in_frame {
                        builder.push(event, at);
                        pushed = true;
                    }
                }
                if let Some((projection, builder)) = &mut self.export {
                    if projection.keeps(event) {
                        builder.push(event, at);
                        pushed = true;
                        if let Some(keep) = &mut self.keep {
                            keep.push(in_frame);
                        }
                    }
                }
                if pushed && self.mark_rows {
                    self.rows.push((offset, line));
                }
                if let Some((projection, rows)) = &mut self.messages {
                    if projection.keeps(event) {
                        let frame_row = if in_frame {
                            self.frame_rows
                        } else {
                            messages::NOT_IN_FRAME
                        };
                        rows.push(event, frame_row);
                    }
                }
                self.frame_rows += u32::from(in_frame);
            }
            Parsed::Skipped(Skip::Known) => self.counts.known += 1,
            Parsed::Skipped(Skip::OtherProgram) => self.counts.other_program += 1,
            Parsed::Skipped(Skip::NoSyslogHeader) => self.counts.no_syslog_header += 1,
            Parsed::Skipped(Skip::Unrecognized) => {
                self.counts.unrecognized += 1;
                if self.keep_unrecognized {
                    self.unrecognized.extend_from_slice(raw);
                    self.unrecognized.push(b'\n');
                }
            }
        }
    }
}
